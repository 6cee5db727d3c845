// A type that cannot cross the boundary is an error that names it, and says what can.
use hatch_interop::prelude::*;

#[ffi_function]
pub fn greet(names: Vec<std::collections::HashSet<u32>>) -> u32 {
    names.len() as u32
}

#[ffi_function]
pub fn count(names: std::collections::HashMap<bool, u32>) -> u32 {
    names.len() as u32
}

#[ffi_function]
pub fn read(value: &u32) -> u32 {
    *value
}

#[ffi_function]
pub fn maybe(value: u32) -> Option<(u32, u32)> {
    Some((value, value))
}

fn main() {}

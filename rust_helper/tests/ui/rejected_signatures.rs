// Signatures the C ABI cannot express are rejected where they are written, with what to do.
use hatch_interop::prelude::*;

#[ffi_function]
pub fn largest<T: PartialOrd>(a: T, b: T) -> T {
    if a > b { a } else { b }
}

#[ffi_function]
pub fn sum((a, b): (u32, u32)) -> u32 {
    a + b
}

#[ffi_function]
pub fn numbers() -> impl Iterator<Item = u32> {
    0..3
}

fn main() {}

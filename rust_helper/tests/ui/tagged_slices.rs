// Slices and vectors hold numbers, bools, structs and field-less enums: a data-carrying enum,
// whose payloads the shim could not check, is an error that names it.
use hatch_interop::prelude::*;

#[ffi_type]
#[repr(C, u8)]
pub enum Shape {
    Circle { radius: f32 },
    Empty,
}

#[ffi_function]
pub fn shapes(values: &[Shape]) -> usize {
    values.len()
}

#[ffi_function]
pub fn no_shapes() -> Vec<Shape> {
    Vec::new()
}

fn main() {}

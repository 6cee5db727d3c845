// An array parameter or result ([T; N], `struct { T items[N]; }` in C) holds numbers, bools or
// field-less enums: an array of structs, `char`s or strings is an error that names the type.
use hatch_interop::prelude::*;

#[ffi_type]
#[derive(Clone, Copy)]
pub struct Point {
    pub x: f32,
}

#[ffi_function]
pub fn points(values: [Point; 2]) -> usize {
    values.len()
}

#[ffi_function]
pub fn letters() -> [char; 2] {
    ['a', 'b']
}

fn main() {}

// `char`, `u128` and `i128` are parameters and results only (spelled so): a field, an optional
// value, a slice element, a callback's parameter, an alias or a default is an error naming them.
use hatch_interop::prelude::*;

#[ffi_type]
pub struct Letter {
    pub value: char,
}

#[ffi_type]
pub struct Big {
    pub value: u128,
}

#[ffi_function]
pub fn optional(value: FfiOption<i128>) -> u32 {
    value.into_option().is_some() as u32
}

#[ffi_function]
pub fn letters(values: &[char]) -> usize {
    values.len()
}

// A callback takes a `char` (as its code point), but returns none: the library would have to
// check what the foreign side returns.
#[ffi_callback]
pub type OnLetter = fn(letter: char) -> char;

type Code = char;

#[ffi_function]
pub fn through_alias(c: Code) -> u32 {
    c as u32
}

#[ffi_function(defaults(big = 1))]
pub fn with_default(big: u128) -> u128 {
    big
}

fn main() {}

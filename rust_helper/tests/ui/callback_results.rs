// A callback returns nothing, a primitive, a struct, an enum, a `String`, a `Vec` or map, or an
// `Option` or a `Result` (with an error enum) of one: the other results are errors that name what the result
// is and what a callback can return.
use hatch_interop::prelude::*;

#[ffi_callback]
pub type OnMaybe = fn(value: u32) -> Option<Box<u32>>;

#[ffi_callback]
pub type OnParse = fn(text: &str) -> Result<u32, std::num::ParseIntError>;

#[ffi_callback]
pub type OnNumbers = fn(count: u32) -> [u32; 2];

#[ffi_callback]
pub type OnBorrowed = fn(index: u32) -> &'static str;

#[ffi_callback]
pub type OnPair = fn(index: u32) -> (u32, u32);

/// A data-carrying enum: no callback result (it would need a slot C cannot fill safely).
#[ffi_type]
#[derive(Clone, Copy)]
#[repr(C, u8)]
pub enum Shape {
    Circle { radius: f32 },
    Empty,
}

#[ffi_callback]
pub type OnShape = fn(index: u32) -> Shape;

#[ffi_callback]
pub type OnMaybeShape = fn(index: u32) -> Option<Shape>;

fn main() {}

// A `#[repr(transparent)]` #[ffi_type] is a newtype of one number: anything else is refused,
// naming what is supported.
use hatch_interop::prelude::*;

#[ffi_type]
pub struct Inner {
    pub x: f32,
}

#[ffi_type]
#[repr(transparent)]
pub struct Flag(pub bool);

#[ffi_type]
#[repr(transparent)]
pub struct Letter(pub char);

#[ffi_type]
#[repr(transparent)]
pub struct Wrapped(pub Inner);

#[ffi_type]
#[repr(transparent)]
pub struct Name(pub String);

#[ffi_type]
#[repr(transparent)]
pub struct Wide(pub u128);

#[ffi_type]
#[repr(transparent)]
pub struct Pair {
    pub a: u32,
    pub b: std::marker::PhantomData<u8>,
}

#[ffi_type]
#[repr(transparent)]
pub struct Nothing;

#[ffi_type]
#[repr(transparent, C)]
pub struct Both(pub u32);

fn main() {}

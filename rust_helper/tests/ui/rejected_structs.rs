// Struct shapes C cannot take are errors that say what to write instead.
use hatch_interop::prelude::*;

#[ffi_type]
#[repr(transparent)]
pub struct UserId(pub u64);

#[ffi_type]
#[repr(packed)]
pub struct Packed {
    pub a: u8,
    pub b: u32,
}

#[ffi_type]
pub struct Empty();

#[ffi_type]
pub struct Unit;

fn main() {}

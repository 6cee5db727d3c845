// Struct shapes C cannot take are errors that say what to write instead.
use hatch_interop::prelude::*;

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

#[ffi_type]
pub struct Inner {
    pub x: f32,
}

// A field the foreign side sets to any address cannot be one safe Rust trusts.
#[ffi_type]
pub struct Holder {
    pub boxed: Box<Inner>,
    pub borrowed: Option<&'static Inner>,
    pub raw: *const Inner,
    pub many: [&'static Inner; 2],
}

#[ffi_type]
pub enum Slot {
    Empty,
    Full { inner: &'static mut Inner },
}

fn main() {}

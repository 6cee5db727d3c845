//! Records (structs with owned fields): what they may not hold, and where they cannot go.
use hatch_interop::prelude::*;

#[ffi_type]
pub struct Inner {
    pub x: u8,
}

#[ffi_type]
pub struct WithPointer {
    pub at: *const Inner,
}

#[ffi_type]
#[repr(C, u8)]
pub enum Shape {
    Circle { r: f32 },
    Empty,
}

// A plain struct with a pointer field cannot be sent field by field; nor can a data-carrying
// enum or a tuple.
#[ffi_type]
pub struct Holder {
    pub name: String,
    pub pointer: WithPointer,
    pub shape: Shape,
    pub pair: (u8, u8),
}

#[ffi_type]
pub struct Named {
    pub name: String,
}

// A record has no C layout: it cannot be a field of a C struct.
#[ffi_type]
pub struct Plain {
    pub inner: Named,
}

// An enum with owned fields is copied as a record is: its fields obey the same rules.
#[ffi_type]
pub enum Mixed {
    Text(String),
    Pair((u8, u8)),
}

#[ffi_type(record)]
pub enum Empty {}

fn main() {}

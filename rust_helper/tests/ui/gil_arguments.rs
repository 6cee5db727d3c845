// The GIL policy takes "hold" or "release", and the attributes take no other argument; a type's
// `drop_gil` is for opaque types.
use hatch_interop::prelude::*;

#[ffi_function(gil = "maybe")]
pub fn add(a: u32, b: u32) -> u32 {
    a.wrapping_add(b)
}

#[ffi_function(speed = 1)]
pub fn sub(a: u32, b: u32) -> u32 {
    a.wrapping_sub(b)
}

#[ffi_type(opaque)]
pub struct Store {
    total: i64,
}

#[ffi_service]
impl Store {
    pub fn new() -> Self {
        Store { total: 0 }
    }

    #[ffi(gil = "x")]
    pub fn total(&self) -> i64 {
        self.total
    }

    #[ffi(speed = 1)]
    pub fn add(&mut self, value: i64) {
        self.total += value;
    }
}

#[ffi_type(opaque, drop_gil = "sometimes")]
pub struct Pool {
    size: u32,
}

#[ffi_type(drop_gil = "hold")]
#[repr(C)]
pub struct Point {
    x: f64,
}

fn main() {}

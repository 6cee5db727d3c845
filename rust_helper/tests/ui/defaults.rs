// Defaults name parameters, only trailing ones, with a literal of the parameter's type.
use hatch_interop::prelude::*;

#[ffi_function(defaults(limit = 10))]
pub fn unknown_parameter(count: u32) -> u32 {
    count
}

#[ffi_function(defaults(first = 1))]
pub fn not_trailing(first: u32, second: u32) -> u32 {
    first + second
}

#[ffi_function(defaults(limit = 1 + 1))]
pub fn not_a_literal(limit: u32) -> u32 {
    limit
}

#[ffi_function(defaults(limit = "ten"))]
pub fn wrong_type(limit: u32) -> u32 {
    limit
}

#[ffi_function(defaults(limit = 300))]
pub fn out_of_range(limit: u8) -> u8 {
    limit
}

#[ffi_function(defaults(limit = 1, limit = 2))]
pub fn twice(limit: u32) -> u32 {
    limit
}

#[ffi_type(opaque)]
pub struct Store;

#[ffi_service]
impl Store {
    pub fn new() -> Self {
        Store
    }

    #[ffi(defaults(count = -1))]
    pub fn take(&self, count: u32) -> u32 {
        count
    }
}

fn main() {}

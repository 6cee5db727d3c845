// A pointer to an opaque type spelled through an alias would escape the shim's borrow of the
// object's cell: it is an error that says to spell it out.
use hatch_interop::prelude::*;

#[ffi_type(opaque)]
pub struct Counter {
    value: u64,
}

pub type CounterRef<'a> = &'a Counter;

#[ffi_function]
pub fn counter_get(c: CounterRef) -> u64 {
    c.value
}

fn main() {}

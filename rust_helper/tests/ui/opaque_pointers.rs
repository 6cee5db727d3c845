// The caller's objects of an opaque type are cells that arbitrate every call: a reference or
// raw pointer into Rust's memory cannot be one, so functions cannot return one, callbacks
// cannot take one, and a pointer parameter is spelled out so that its shim borrows the cell.
use hatch_interop::prelude::*;

#[ffi_type(opaque)]
pub struct Counter {
    value: u64,
}

#[ffi_function]
pub fn counter_new() -> Box<Counter> {
    Box::new(Counter { value: 0 })
}

#[ffi_function]
pub fn counter_same(c: &Counter) -> &Counter {
    c
}

#[ffi_function]
pub fn counter_raw(start: u64) -> *mut Counter {
    Box::into_raw(Box::new(Counter { value: start }))
}

#[ffi_function]
pub fn counter_maybe(c: &mut Counter) -> Option<&mut Counter> {
    Some(c)
}

#[ffi_callback]
pub type OnCounter = fn(counter: &Counter);

fn main() {}

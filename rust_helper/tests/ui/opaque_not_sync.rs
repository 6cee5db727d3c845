// The caller may use an opaque type's objects from any thread: the type must be Send + Sync.
use hatch_interop::prelude::*;

#[ffi_type(opaque)]
pub struct Shared {
    count: std::rc::Rc<std::cell::Cell<u32>>,
}

#[ffi_function]
pub fn shared_get(s: &Shared) -> u32 {
    s.count.get()
}

fn main() {}

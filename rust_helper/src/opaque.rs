//! The run-time half of `#[ffi_type(opaque)]`: the body of the drop function it exports.
//!
//! Every opaque type `T` exports `<t in snake_case>_ffi_drop(T *object)`, which drops an
//! object the foreign side owns: one a function returned as `Box<T>` (or `Option<Box<T>>`,
//! `Result<Box<T>, E>`) and that no function consumed. The Python bindings call it from the
//! finaliser of such an object; C callers call it themselves.

use std::panic::{catch_unwind, AssertUnwindSafe};

/// The body of `<type>_ffi_drop`: drops the `Box<T>` behind `object` (nothing if null).
/// Records no failure: it runs when nothing is left to report to (a panic in the value's
/// `Drop` is printed by the panic hook and otherwise ignored, as for a service's release).
///
/// # Safety
///
/// Null, or a pointer a `Box<T>` result handed out (`Box::into_raw`), not consumed or dropped
/// since, and used by nothing else during and after this call.
pub unsafe fn drop_boxed<T>(object: *mut T) {
    if object.is_null() {
        return;
    }
    // SAFETY: the caller gives up a `Box<T>` it owns.
    let object = unsafe { Box::from_raw(object) };
    if let Err(payload) = catch_unwind(AssertUnwindSafe(move || drop(object))) {
        crate::abi::drop_payload(payload);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    static DROPS: AtomicUsize = AtomicUsize::new(0);

    struct Counted;

    impl Drop for Counted {
        fn drop(&mut self) {
            DROPS.fetch_add(1, Ordering::SeqCst);
        }
    }

    struct Panics;

    impl Drop for Panics {
        fn drop(&mut self) {
            panic!("drop panics");
        }
    }

    #[test]
    fn drops_once_null_is_nothing_and_panics_stay_inside() {
        unsafe {
            drop_boxed::<Counted>(std::ptr::null_mut());
            assert_eq!(DROPS.load(Ordering::SeqCst), 0);
            drop_boxed(Box::into_raw(Box::new(Counted)));
            assert_eq!(DROPS.load(Ordering::SeqCst), 1);
            // A panicking `Drop` does not unwind out of the `extern "C"` function's body.
            drop_boxed(Box::into_raw(Box::new(Panics)));
        }
    }
}

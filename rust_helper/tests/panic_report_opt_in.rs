//! `HATCH_INTEROP_PANIC_REPORT=1` (read once, when the first boundary is entered) turns the
//! report of caught panics back on: they reach the hook installed before the library's.

use std::sync::atomic::{AtomicUsize, Ordering};

use hatch_interop::__private::{call, ffi_free, take_failure, Failure};
use hatch_interop::FfiFailure;

static PREVIOUS_HOOK_CALLS: AtomicUsize = AtomicUsize::new(0);

#[test]
fn the_opt_in_reports_caught_panics() {
    std::env::set_var("HATCH_INTEROP_PANIC_REPORT", "1");
    std::panic::set_hook(Box::new(|info| {
        PREVIOUS_HOOK_CALLS.fetch_add(1, Ordering::SeqCst);
        eprintln!("previous hook: {info}");
    }));
    for _ in 0..3 {
        call(|| -> Result<(), Failure> { panic!("reported") });
        // The message still reaches the failure.
        let mut out = std::mem::MaybeUninit::<FfiFailure>::uninit();
        // SAFETY: `out` is valid for writes.
        assert!(unsafe { take_failure(out.as_mut_ptr()) });
        // SAFETY: written by `take_failure`.
        let failure = unsafe { out.assume_init() };
        assert_eq!((failure.kind, failure.message_len), (1, "reported".len()));
        // SAFETY: the message now belongs to us.
        unsafe { ffi_free(failure.message.cast(), failure.message_len, 1) };
    }
    assert_eq!(PREVIOUS_HOOK_CALLS.load(Ordering::SeqCst), 3);
    // Read once: unsetting it now changes nothing.
    std::env::remove_var("HATCH_INTEROP_PANIC_REPORT");
    call(|| -> Result<(), Failure> { panic!("still reported") });
    assert_eq!(PREVIOUS_HOOK_CALLS.load(Ordering::SeqCst), 4);
}

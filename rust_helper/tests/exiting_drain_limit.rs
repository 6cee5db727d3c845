//! Once the interpreter is finalizing, `<crate>_ffi_shutdown` waits for the foreign calls in
//! progress to end (see `exiting.rs`), for a while only: a callback that never returns (a thread
//! blocked inside it) does not keep the process from exiting.

use std::ffi::{c_int, c_void};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use hatch_interop::prelude::*;

#[ffi_callback]
pub type Tick = fn(n: u32) -> u32;

static FINALIZING: AtomicBool = AtomicBool::new(false);
/// Set by the callback itself: the call is in progress (counted) from then on.
static INSIDE: AtomicBool = AtomicBool::new(false);

unsafe extern "C" fn is_finalizing() -> c_int {
    c_int::from(FINALIZING.load(Ordering::SeqCst))
}

unsafe extern "C-unwind" fn never_returns(_context: *const c_void, _n: u32) -> u32 {
    INSIDE.store(true, Ordering::SeqCst);
    loop {
        std::thread::park();
    }
}

#[test]
fn shutdown_does_not_wait_long_for_a_callback_that_never_returns() {
    std::thread::spawn(move || {
        let tick = Tick {
            call: never_returns,
            context: std::ptr::null(),
            release: None,
        };
        tick.call(1);
    });
    while !INSIDE.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(1));
    }
    FINALIZING.store(true, Ordering::SeqCst);
    let start = std::time::Instant::now();
    hatch_interop::__private::shutdown(Some(is_finalizing));
    let waited = start.elapsed();
    assert!(
        (Duration::from_millis(150)..Duration::from_secs(2)).contains(&waited),
        "waited {waited:?} for a call that never ends"
    );
}

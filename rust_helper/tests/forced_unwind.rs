//! A forced unwind out of a callback (what CPython 3.8-3.13 start with `pthread_exit` in a
//! thread that calls into an exiting interpreter) stops at the callback's call site: the thread
//! sleeps there, and no `catch_unwind` above it (here, the one around every `std::thread::spawn`
//! closure) sees it and aborts the process (`FATAL: exception not rethrown`).
#![cfg(all(target_os = "linux", target_env = "gnu"))]

use std::ffi::c_void;
use std::sync::mpsc;
use std::time::Duration;

use hatch_interop::prelude::*;

/// A callback whose implementation ends its thread.
#[ffi_callback]
pub type Tick = fn(n: u32) -> u32;

extern "C-unwind" {
    fn pthread_exit(value: *mut c_void) -> !;
}

unsafe extern "C-unwind" fn exit_thread(_context: *const c_void, _n: u32) -> u32 {
    // SAFETY: ends the calling thread with a forced unwind, as CPython does.
    unsafe { pthread_exit(std::ptr::null_mut()) }
}

unsafe extern "C-unwind" fn exit_thread_on_release(_context: *const c_void) {
    // SAFETY: as above.
    unsafe { pthread_exit(std::ptr::null_mut()) }
}

fn stays_inside(tick: Tick, call: bool) {
    let (started, started_rx) = mpsc::channel();
    let thread = std::thread::spawn(move || {
        started.send(()).unwrap();
        if call {
            tick.call(1);
        } else {
            drop(tick);
        }
        unreachable!("the forced unwind does not return");
    });
    started_rx.recv().unwrap();
    std::thread::sleep(Duration::from_millis(200));
    // Had the unwind gone on, std's catch_unwind would have aborted the test process by now.
    assert!(!thread.is_finished(), "the thread left the call site");
}

#[test]
fn a_forced_unwind_out_of_a_callback_stops_at_the_call() {
    let tick = Tick {
        call: exit_thread,
        context: std::ptr::null(),
        release: None,
    };
    stays_inside(tick, true);
}

#[test]
fn a_forced_unwind_out_of_a_release_stops_at_the_drop() {
    unsafe extern "C-unwind" fn never(_context: *const c_void, _n: u32) -> u32 {
        0
    }
    let tick = Tick {
        call: never,
        context: std::ptr::null(),
        release: Some(exit_thread_on_release),
    };
    stays_inside(tick, false);
}

/// An async function whose completion ends the runtime thread that delivers its outcome (it is
/// pending when first polled, so the runtime delivers it).
#[cfg(feature = "tokio")]
#[ffi_function]
pub async fn answer_later() -> u32 {
    tokio::task::yield_now().await;
    42
}

/// An async function whose completion ends the calling thread: its future is ready when first
/// polled, so the completion is called on that thread, before the call returns.
#[cfg(feature = "tokio")]
#[ffi_function]
pub async fn answer_now() -> u32 {
    42
}

#[cfg(feature = "tokio")]
#[test]
fn a_forced_unwind_out_of_a_completion_stops_at_the_call_and_does_not_hold_up_shutdown() {
    use std::sync::atomic::{AtomicBool, Ordering};

    use hatch_interop::{FfiCompletion, FfiFailure};

    static ENTERED: AtomicBool = AtomicBool::new(false);
    static ENTERED_INLINE: AtomicBool = AtomicBool::new(false);

    unsafe extern "C-unwind" fn exit_thread_on_completion(
        _context: *const c_void,
        _value: *const c_void,
        _failure: *const FfiFailure,
    ) {
        ENTERED.store(true, Ordering::SeqCst);
        // SAFETY: as in `exit_thread`.
        unsafe { pthread_exit(std::ptr::null_mut()) }
    }

    unsafe extern "C-unwind" fn exit_calling_thread(
        _context: *const c_void,
        _value: *const c_void,
        _failure: *const FfiFailure,
    ) {
        ENTERED_INLINE.store(true, Ordering::SeqCst);
        // SAFETY: as in `exit_thread`.
        unsafe { pthread_exit(std::ptr::null_mut()) }
    }

    // SAFETY: the completion may be called from any thread.
    let completion =
        unsafe { FfiCompletion::new(exit_thread_on_completion, std::ptr::null(), None) };
    // SAFETY: the exported shim, called as its C signature says.
    unsafe { __hatch_interop_shim_answer_later(completion) };
    while !ENTERED.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(1));
    }
    // A completion called during the call, on the calling thread: the unwind stops there too,
    // before the shim's own catch_unwind (one test, since `shutdown` ends delivery for good).
    let caller = std::thread::spawn(|| {
        // SAFETY: as above.
        let completion = unsafe { FfiCompletion::new(exit_calling_thread, std::ptr::null(), None) };
        // SAFETY: as above.
        unsafe { __hatch_interop_shim_answer_now(completion) };
        unreachable!("the forced unwind does not return");
    });
    while !ENTERED_INLINE.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(1));
    }
    // Had either unwind gone on into a catch_unwind, the process would have aborted.
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        !caller.is_finished(),
        "the calling thread left the call site"
    );
    // The stopped threads let go of delivery's lock: shutdown (bindings call it at exit) returns.
    let (done, done_rx) = mpsc::channel();
    std::thread::spawn(move || {
        hatch_interop::__private::shutdown(None);
        done.send(()).unwrap();
    });
    done_rx
        .recv_timeout(Duration::from_secs(10))
        .expect("shutdown waits for a thread the forced unwind stopped");
}

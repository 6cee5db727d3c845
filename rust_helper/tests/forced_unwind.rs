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

//! Running out of memory where the library allocates on the caller's behalf (a result's
//! buffer, a failure's message) is a failure of kind 5, not an aborted process; and so is a
//! function's `Err(TryReserveError)`.
//!
//! A global allocator stands in for a memory limit: while `FAILING` is set, it refuses every
//! allocation and reallocation (as the system allocator does under `RLIMIT_AS`). One test per
//! file: the allocator is global to the process, and the test harness allocates too.

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::TryReserveError;
use std::mem::MaybeUninit;
use std::sync::atomic::{AtomicBool, Ordering};

use hatch_interop::__private::{ffi_free, take_failure};
use hatch_interop::prelude::*;
use hatch_interop::{FfiBuffer, FfiFailure};

static FAILING: AtomicBool = AtomicBool::new(false);

struct Limited;

// SAFETY: forwards to `System`, or refuses (null), which the contract allows.
unsafe impl GlobalAlloc for Limited {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if FAILING.load(Ordering::SeqCst) {
            return std::ptr::null_mut();
        }
        // SAFETY: forwarded.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if FAILING.load(Ordering::SeqCst) {
            return std::ptr::null_mut();
        }
        // SAFETY: forwarded.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Limited = Limited;

/// Runs `f` with every allocation refused.
fn without_memory<R>(f: impl FnOnce() -> R) -> R {
    FAILING.store(true, Ordering::SeqCst);
    let result = f();
    FAILING.store(false, Ordering::SeqCst);
    result
}

/// The calling thread's failure: its kind and message.
fn take() -> (u32, String) {
    let mut out = MaybeUninit::<FfiFailure>::uninit();
    // SAFETY: `out` is valid for writes.
    assert!(
        unsafe { take_failure(out.as_mut_ptr()) },
        "no failure recorded"
    );
    // SAFETY: written by `take_failure`.
    let failure = unsafe { out.assume_init() };
    let message = if failure.message_len == 0 {
        String::new()
    } else {
        // SAFETY: the message is `message_len` bytes of UTF-8 that now belong to us.
        let bytes = unsafe { std::slice::from_raw_parts(failure.message, failure.message_len) };
        String::from_utf8(bytes.to_vec()).unwrap()
    };
    // SAFETY: as `take_failure` documents.
    unsafe { ffi_free(failure.message.cast(), failure.message_len, 1) };
    (failure.kind, message)
}

/// `count` numbers, allocated fallibly.
#[ffi_function]
pub fn numbers(count: usize) -> Result<Vec<u32>, TryReserveError> {
    let mut numbers = Vec::new();
    numbers.try_reserve_exact(count)?;
    numbers.extend((0..count).map(|i| i as u32));
    Ok(numbers)
}

/// Three numbers in a vector with spare capacity: handing them over must shrink it.
#[ffi_function]
pub fn spare() -> Vec<u32> {
    let mut numbers = Vec::with_capacity(64);
    numbers.extend([1, 2, 3]);
    let _ = FAILING.swap(SPARE_FAILS.load(Ordering::SeqCst), Ordering::SeqCst);
    numbers
}

static SPARE_FAILS: AtomicBool = AtomicBool::new(false);

#[ffi_function]
pub fn text_len(text: &str) -> usize {
    text.len()
}

#[test]
fn out_of_memory_is_a_failure_not_an_abort() {
    // `Err(TryReserveError)`: kind 5, with the error's text.
    // SAFETY: the shim takes plain numbers.
    let buffer: MaybeUninit<FfiBuffer<u32>> =
        unsafe { __hatch_interop_shim_numbers(usize::MAX / 2) };
    let _ = buffer;
    let (kind, message) = take();
    assert_eq!(kind, 5, "{message}");
    assert!(message.contains("capacity exceeded"), "{message}");
    // SAFETY: as above.
    let buffer = without_memory(|| unsafe { __hatch_interop_shim_numbers(1000) });
    let _ = buffer;
    // Without memory to write the error's text either: a static message.
    assert_eq!(take(), (5, "out of memory".to_owned()));
    // SAFETY: as above.
    let buffer = unsafe { __hatch_interop_shim_numbers(3).assume_init() };
    assert_eq!(buffer.len, 3);
    // SAFETY: the buffer is ours, of 3 `u32`s.
    unsafe { ffi_free(buffer.ptr.cast(), 12, 4) };

    // A result whose buffer the library cannot shrink to its length (the shim's own
    // allocation on the caller's behalf): kind 5, and its message is static, so recording it
    // allocates nothing.
    SPARE_FAILS.store(true, Ordering::SeqCst);
    // SAFETY: no arguments.
    let buffer = unsafe { __hatch_interop_shim_spare() };
    FAILING.store(false, Ordering::SeqCst);
    SPARE_FAILS.store(false, Ordering::SeqCst);
    let _ = buffer;
    assert_eq!(take(), (5, "out of memory".to_owned()));
    // SAFETY: no arguments.
    let buffer = unsafe { __hatch_interop_shim_spare().assume_init() };
    assert_eq!(buffer.len, 3);
    // SAFETY: the buffer is ours, of exactly 3 `u32`s.
    unsafe { ffi_free(buffer.ptr.cast(), 12, 4) };

    // An invalid argument whose message cannot be written: out of memory instead.
    let bad = [0xffu8, 0xfe];
    // SAFETY: `bad` is 2 readable bytes.
    let _ = without_memory(|| unsafe { __hatch_interop_shim_text_len(bad.as_ptr(), 2) });
    assert_eq!(take(), (5, "out of memory".to_owned()));

    // Taking a failure whose message the library cannot copy out: the failure without it.
    // SAFETY: as above.
    let _ = without_memory(|| unsafe { __hatch_interop_shim_text_len(bad.as_ptr(), 2) });
    let mut out = MaybeUninit::<FfiFailure>::uninit();
    // SAFETY: `out` is valid for writes.
    assert!(without_memory(|| unsafe { take_failure(out.as_mut_ptr()) }));
    // SAFETY: written by `take_failure`.
    let failure = unsafe { out.assume_init() };
    assert_eq!((failure.kind, failure.message_len), (5, 0));

    // A callback's failure message that cannot be copied: recorded all the same.
    let message = b"the callback raised";
    // SAFETY: `message` is readable.
    without_memory(|| unsafe {
        hatch_interop::__private::callback_failed(message.as_ptr(), message.len())
    });
    assert_eq!(
        take(),
        (
            4,
            "a callback failed (out of memory for its message)".to_owned()
        )
    );
}

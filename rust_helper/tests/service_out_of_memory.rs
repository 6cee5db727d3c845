//! A service object's constructor that cannot allocate the object's cell fails with out of
//! memory (kind 5, a NULL handle), instead of aborting the process; the value it made is
//! dropped and nothing leaks. And the cell is freed exactly once, by whichever goes last: the
//! foreign side's release or an async method's future (with the `tokio` feature).
//!
//! A global allocator stands in for a memory limit: while `FAILING` is set, it refuses every
//! allocation (as the system allocator does under `RLIMIT_AS`). It also counts, per thread,
//! the bytes allocated and not yet freed, and counts the frees of one watched address. One
//! test per file: the allocator is global to the process, and the test harness allocates too.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::fmt;
use std::mem::MaybeUninit;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use hatch_interop::__private::{ffi_free, take_failure, ServiceCell};
use hatch_interop::prelude::*;
use hatch_interop::FfiFailure;

static FAILING: AtomicBool = AtomicBool::new(false);
/// An address whose frees `FREES` counts (0: none).
static WATCHED: AtomicUsize = AtomicUsize::new(0);
static FREES: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// The bytes this thread allocated and did not free (it may free others' too: only the
    /// difference between two readings on one thread, with nothing shared meanwhile, counts).
    static LIVE: Cell<isize> = const { Cell::new(0) };
}

struct Limited;

fn count(bytes: isize) {
    // `try_with`: the slot may be gone while the thread exits. No allocation: a `const`
    // thread-local without a destructor.
    let _ = LIVE.try_with(|live| live.set(live.get() + bytes));
}

// SAFETY: forwards to `System`, or refuses (null), which the contract allows.
unsafe impl GlobalAlloc for Limited {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if FAILING.load(Ordering::SeqCst) {
            return std::ptr::null_mut();
        }
        // SAFETY: forwarded.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            count(layout.size() as isize);
        }
        ptr
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if ptr as usize == WATCHED.load(Ordering::SeqCst) {
            FREES.fetch_add(1, Ordering::SeqCst);
        }
        count(-(layout.size() as isize));
        // SAFETY: forwarded.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if FAILING.load(Ordering::SeqCst) {
            return std::ptr::null_mut();
        }
        // SAFETY: forwarded.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            count(new_size as isize - layout.size() as isize);
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: Limited = Limited;

/// The bytes the calling thread holds.
fn live() -> isize {
    LIVE.with(Cell::get)
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

/// How many `Ledger`s were dropped.
static DROPS: AtomicUsize = AtomicUsize::new(0);
/// Set: a constructor refuses all allocations once it made its value, so that the cell's
/// allocation fails (as it would if the limit were reached just then).
static CELL_FAILS: AtomicBool = AtomicBool::new(false);

#[ffi_type]
#[derive(Debug)]
pub enum LedgerError {
    TooBig = 1,
}

impl fmt::Display for LedgerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("too big")
    }
}

/// A service whose value owns heap memory.
#[ffi_type(opaque)]
pub struct Ledger {
    entries: Vec<u64>,
}

impl Ledger {
    fn made(size: usize) -> Self {
        let ledger = Ledger {
            entries: vec![7; size],
        };
        if CELL_FAILS.load(Ordering::SeqCst) {
            FAILING.store(true, Ordering::SeqCst);
        }
        ledger
    }
}

impl Drop for Ledger {
    fn drop(&mut self) {
        DROPS.fetch_add(1, Ordering::SeqCst);
    }
}

#[ffi_service]
impl Ledger {
    /// A ledger of 64 entries.
    pub fn standard() -> Self {
        Self::made(64)
    }

    /// A ledger of `size` entries, at most 1000.
    pub fn sized(size: u32) -> Result<Self, LedgerError> {
        if size > 1000 {
            return Err(LedgerError::TooBig);
        }
        Ok(Self::made(size as usize))
    }

    /// The number of entries.
    pub fn entry_count(&self) -> u64 {
        self.entries.len() as u64
    }
}

type Handle = *const ServiceCell<Ledger>;

/// Calls `construct` with the cell's allocation refused: it must fail with out of memory and a
/// NULL handle, having dropped the value and leaked nothing.
fn constructor_without_memory(construct: impl FnOnce() -> MaybeUninit<Handle>) {
    let (drops, before) = (DROPS.load(Ordering::SeqCst), live());
    CELL_FAILS.store(true, Ordering::SeqCst);
    let handle = construct();
    FAILING.store(false, Ordering::SeqCst);
    CELL_FAILS.store(false, Ordering::SeqCst);
    // SAFETY: a failed call returns zeroes.
    assert!(unsafe { handle.assume_init() }.is_null());
    assert_eq!(take(), (5, "out of memory".to_owned()));
    assert_eq!(DROPS.load(Ordering::SeqCst), drops + 1);
    assert_eq!(live(), before, "the value's memory or the cell leaked");
}

/// `construct` made with memory: the object works, and its release frees its cell once and
/// gives back every byte (the value's included).
fn constructor_with_memory(construct: impl FnOnce() -> MaybeUninit<Handle>, len: u64) {
    let (drops, before) = (DROPS.load(Ordering::SeqCst), live());
    // SAFETY: a successful call returns the handle.
    let handle = unsafe { construct().assume_init() };
    assert!(!handle.is_null());
    // SAFETY: a live handle.
    assert_eq!(
        unsafe { Ledger::__hatch_interop_shim_entry_count(handle).assume_init() },
        len
    );
    assert!(live() > before);
    WATCHED.store(handle as usize, Ordering::SeqCst);
    // SAFETY: released once.
    unsafe { Ledger::__hatch_interop_release(handle) };
    WATCHED.store(0, Ordering::SeqCst);
    assert_eq!(
        FREES.swap(0, Ordering::SeqCst),
        1,
        "the cell was not freed once"
    );
    assert_eq!(DROPS.load(Ordering::SeqCst), drops + 1);
    assert_eq!(live(), before, "the value's memory or the cell leaked");
}

#[test]
fn a_service_constructor_without_memory_fails_and_the_last_reference_frees_once() {
    // The first call (and failure) on a thread allocates the library's state for good (the
    // panic hook, the failure slot): made here, before anything is counted.
    // SAFETY: a plain number.
    let _ = unsafe { Ledger::__hatch_interop_shim_sized(1001) };
    assert_eq!(take().0, 2);
    for _ in 0..3 {
        // SAFETY: the shims take plain numbers.
        constructor_without_memory(|| unsafe { Ledger::__hatch_interop_shim_standard() });
        // SAFETY: as above.
        constructor_without_memory(|| unsafe { Ledger::__hatch_interop_shim_sized(10) });
    }
    // The library goes on: the same constructors with memory.
    // SAFETY: as above.
    constructor_with_memory(|| unsafe { Ledger::__hatch_interop_shim_standard() }, 64);
    // SAFETY: as above.
    constructor_with_memory(|| unsafe { Ledger::__hatch_interop_shim_sized(10) }, 10);
    // A constructor's own error is still its error (and nothing is allocated for a cell).
    let before = live();
    // SAFETY: as above.
    let handle = unsafe { Ledger::__hatch_interop_shim_sized(1001) };
    // SAFETY: a failed call returns zeroes.
    assert!(unsafe { handle.assume_init() }.is_null());
    assert_eq!(take(), (2, "too big".to_owned()));
    assert_eq!(live(), before);

    #[cfg(feature = "tokio")]
    with_tokio::an_async_method_keeps_the_object_until_its_future_ends();
}

#[cfg(feature = "tokio")]
mod with_tokio {
    use std::ffi::c_void;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::mpsc::{channel, Sender};
    use std::time::Duration;

    use hatch_interop::prelude::*;
    use hatch_interop::{FfiCompletion, FfiFailure};

    use super::{take, FREES, WATCHED};

    static WAITER_DROPS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    /// Set: the futures of `Waiter::value_when_told` finish.
    static GO: AtomicBool = AtomicBool::new(false);

    /// A service with async methods.
    #[ffi_type(opaque)]
    pub struct Waiter {
        value: u64,
    }

    impl Drop for Waiter {
        fn drop(&mut self) {
            WAITER_DROPS.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[ffi_service]
    impl Waiter {
        /// A waiter holding `value`.
        pub fn new(value: u64) -> Self {
            Waiter { value }
        }

        /// The value, once `GO` is set.
        pub async fn value_when_told(&self) -> u64 {
            while !GO.load(Ordering::SeqCst) {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            self.value
        }

        /// Adds `n` to the value and returns it, once `GO` is set.
        pub async fn add_when_told(&mut self, n: u64) -> u64 {
            while !GO.load(Ordering::SeqCst) {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            self.value += n;
            self.value
        }
    }

    /// What a completion saw: the value (`None` for a failure) and how many `Waiter`s were
    /// dropped by then.
    type Outcome = (Option<u64>, usize);

    unsafe extern "C-unwind" fn complete(
        context: *const c_void,
        value: *const c_void,
        failure: *const FfiFailure,
    ) {
        // SAFETY: `context` is the `Box<Sender>` made in `completion`, given up to this call.
        let sender = unsafe { Box::from_raw(context.cast_mut().cast::<Sender<Outcome>>()) };
        // SAFETY: the value of a `u64` result, unless the call failed.
        let value = failure.is_null().then(|| unsafe { *value.cast::<u64>() });
        sender
            .send((value, WAITER_DROPS.load(Ordering::SeqCst)))
            .unwrap();
    }

    /// A completion dropped without being called (the shim refused the call).
    unsafe extern "C-unwind" fn release(context: *const c_void) {
        // SAFETY: as in `complete`.
        drop(unsafe { Box::from_raw(context.cast_mut().cast::<Sender<Outcome>>()) });
    }

    fn completion(sender: &Sender<Outcome>) -> FfiCompletion {
        let context = Box::into_raw(Box::new(sender.clone()))
            .cast::<c_void>()
            .cast_const();
        // SAFETY: `complete` or `release` takes the context back, once.
        unsafe { FfiCompletion::new(complete, context, Some(release)) }
    }

    /// The foreign side releases the object while async methods run: the value is dropped, and
    /// the cell freed, once, when the last future ends (before its completion is called).
    pub(super) fn an_async_method_keeps_the_object_until_its_future_ends() {
        for exclusive in [false, true] {
            GO.store(false, Ordering::SeqCst);
            let drops = WAITER_DROPS.load(Ordering::SeqCst);
            // SAFETY: a plain number.
            let handle = unsafe { Waiter::__hatch_interop_shim_new(5).assume_init() };
            assert!(!handle.is_null());
            let (sender, receiver) = channel();
            // SAFETY (every call below): a live handle; the completions are ours.
            let expected = if exclusive {
                unsafe {
                    Waiter::__hatch_interop_shim_add_when_told(handle, 2, completion(&sender))
                };
                // A `&self` method while a `&mut self` one runs: refused, no reference kept.
                unsafe {
                    Waiter::__hatch_interop_shim_value_when_told(handle, completion(&sender))
                };
                assert_eq!(take().0, 3);
                vec![7]
            } else {
                // Two futures, each with a reference.
                unsafe {
                    Waiter::__hatch_interop_shim_value_when_told(handle, completion(&sender))
                };
                unsafe {
                    Waiter::__hatch_interop_shim_value_when_told(handle, completion(&sender))
                };
                vec![5, 5]
            };
            drop(sender);
            WATCHED.store(handle as usize, Ordering::SeqCst);
            // SAFETY: released once; the futures hold the object now.
            unsafe { Waiter::__hatch_interop_release(handle) };
            assert_eq!(WAITER_DROPS.load(Ordering::SeqCst), drops);
            assert_eq!(FREES.load(Ordering::SeqCst), 0);
            GO.store(true, Ordering::SeqCst);
            let outcomes: Vec<Outcome> = receiver.iter().collect();
            let values: Vec<u64> = outcomes.iter().map(|(value, _)| value.unwrap()).collect();
            assert_eq!(values, expected);
            // The last future's guard dropped the value before that future's completion ran.
            let seen = outcomes.iter().map(|&(_, seen)| seen).max();
            assert_eq!(seen, Some(drops + 1));
            WATCHED.store(0, Ordering::SeqCst);
            assert_eq!(
                FREES.swap(0, Ordering::SeqCst),
                1,
                "the cell was not freed once"
            );
            assert_eq!(WAITER_DROPS.load(Ordering::SeqCst), drops + 1);
        }
    }
}

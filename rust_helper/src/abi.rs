//! The run-time half of the C ABI: failures, buffers and argument conversions.
//!
//! Every `#[ffi_function]` gets an `extern "C"` shim that converts its arguments, calls the
//! Rust function inside `catch_unwind` and converts the result. A call that panics, returns
//! `Err`, or receives an invalid argument does not return a value: it records a *failure* in
//! a slot of the calling thread and returns zeroes. The bindings read one process-wide
//! counter ([`PENDING`]) after every call and take the failure only when it is non-zero, so
//! a call that succeeds costs one memory read.
//!
//! The counter's rules keep "my call failed ⇒ the counter is non-zero when my call returns"
//! true on every thread: recording into an empty slot increments it, recording into a full
//! slot replaces the old failure without incrementing, taking decrements, and a thread that
//! exits with a full slot decrements in the slot's destructor.

use std::any::Any;
use std::borrow::Cow;
use std::cell::Cell;
use std::ffi::{c_char, c_void, CStr};
use std::fmt::Display;
use std::mem::MaybeUninit;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};

use crate::traits::{FfiArrayElement, FfiError, FfiReturn, FfiSliceElement};

/// A failure as the C ABI hands it over: what `<crate>_ffi_take_failure` writes.
///
/// C layout on 64-bit targets: size 48, align 8, `kind` at 0, `code` at 8, `message` at 16,
/// `message_len` at 24, `payload` at 32, `payload_len` at 40 (checked below, and by the header).
#[repr(C)]
#[derive(Debug)]
pub struct FfiFailure {
    /// 1: a panic; 2: an error (`Result::Err`); 3: an invalid argument (such as a `&str` that
    /// is not UTF-8); 4: a callback failed (its caller reported it with
    /// `<crate>_ffi_callback_failed`); 5: out of memory (the library could not allocate what it
    /// hands over, or the function returned `Err(TryReserveError)`).
    pub kind: u32,
    /// For kind 2, the error enum's discriminant as `i64`; otherwise 0.
    pub code: i64,
    /// The UTF-8 message, owned by the caller once taken: release it with
    /// `<crate>_ffi_free(message, message_len, 1)` (a no-op when `message_len` is 0).
    pub message: *mut u8,
    /// The message's length in bytes.
    pub message_len: usize,
    /// For kind 2 with an error enum whose variants carry owned values: the error in the wire
    /// encoding (its variant's index, then its fields), owned by the caller once taken: release
    /// it with `<crate>_ffi_free(payload, payload_len, 1)` (a no-op when `payload_len` is 0).
    /// Otherwise `payload_len` is 0.
    pub payload: *mut u8,
    /// The payload's length in bytes.
    pub payload_len: usize,
}

#[cfg(target_pointer_width = "64")]
const _: () = {
    assert!(std::mem::size_of::<FfiFailure>() == 48);
    assert!(std::mem::align_of::<FfiFailure>() == 8);
    assert!(std::mem::offset_of!(FfiFailure, code) == 8);
    assert!(std::mem::offset_of!(FfiFailure, message) == 16);
    assert!(std::mem::offset_of!(FfiFailure, payload) == 32);
    assert!(std::mem::offset_of!(FfiFailure, payload_len) == 40);
};

/// A `u128` or `i128` as the C ABI passes it, by value: its low and high 64 bits (two's
/// complement for `i128`), `struct { uint64_t lo; uint64_t hi; }` in C (size 16, align 8).
///
/// Rust's 128-bit integers have no C type that every target defines (`__int128` is a GCC and
/// Clang extension, absent from MSVC, ctypes and cffi's ABI mode), so they cross as this.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct FfiInt128 {
    /// The low 64 bits.
    pub lo: u64,
    /// The high 64 bits (for an `i128`, the sign is their top bit).
    pub hi: u64,
}

impl From<u128> for FfiInt128 {
    #[inline]
    fn from(value: u128) -> Self {
        FfiInt128 {
            lo: value as u64,
            hi: (value >> 64) as u64,
        }
    }
}

impl From<i128> for FfiInt128 {
    #[inline]
    fn from(value: i128) -> Self {
        FfiInt128::from(value as u128)
    }
}

impl From<FfiInt128> for u128 {
    #[inline]
    fn from(value: FfiInt128) -> Self {
        (u128::from(value.hi) << 64) | u128::from(value.lo)
    }
}

impl From<FfiInt128> for i128 {
    #[inline]
    fn from(value: FfiInt128) -> Self {
        u128::from(value) as i128
    }
}

/// A fixed-size array `[T; N]` as the C ABI passes it, by value: `struct { T items[N]; }` (C
/// passes no array by value).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FfiArray<T, const N: usize> {
    /// The elements.
    pub items: [T; N],
}

/// The array argument `name` from what C passed: every element checked to be a valid `T` (a
/// `bool` byte 0 or 1, an enum value a variant's) before it becomes one.
#[inline]
pub fn array_arg<T: FfiArrayElement, const N: usize>(
    c: FfiArray<T::__Raw, N>,
    name: &'static str,
) -> Result<[T; N], Failure> {
    check_elements::<T>(&c.items, name)?;
    // SAFETY: `__Raw` has `T`'s layout (so `[__Raw; N]` has `[T; N]`'s), every element was
    // checked to be a valid `T`, and `__Raw` of an array element is `Copy` (nothing to drop).
    Ok(unsafe { std::mem::transmute_copy::<[T::__Raw; N], [T; N]>(&c.items) })
}

/// The bytes of an encoded value that the caller lends for the call (a record, or an `Option`
/// of one, passed by value): `<crate>_bytes` in C, `{ const uint8_t *ptr; size_t len; }`.
///
/// `ptr` may be NULL when `len` is 0; otherwise it points to `len` bytes that nothing writes
/// to during the call. The callee copies what it keeps.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct FfiBytes {
    /// The first byte.
    pub ptr: *const u8,
    /// The number of bytes.
    pub len: usize,
}

/// An owned buffer returned for a `String` (UTF-8 bytes) or a `Vec<T>` (elements).
///
/// The allocation is exactly `len * size_of::<T>()` bytes aligned to `align_of::<T>()`, so
/// the caller releases it with `<crate>_ffi_free(ptr, len * size_of::<T>(), align_of::<T>())`.
/// An empty buffer has a dangling (non-null, aligned) `ptr` and nothing to free. The C layout
/// is the same for every `T`: a pointer followed by a `size_t`.
#[repr(C)]
#[derive(Debug)]
pub struct FfiBuffer<T> {
    /// The first element; dangling when `len` is 0.
    pub ptr: *mut T,
    /// The number of elements (bytes for a `String`).
    pub len: usize,
}

impl<T> FfiBuffer<T> {
    /// Hands `vec`'s elements over, in an allocation of exactly their size, or fails as out
    /// of memory (dropping `vec`) if the allocator cannot shrink it to that.
    ///
    /// `ffi_free` gets only the length, so the allocation must be exactly that long. Unlike
    /// `Vec::into_boxed_slice`, which aborts the process when the shrinking reallocation
    /// fails, this reports the failure.
    pub(crate) fn from_vec(vec: Vec<T>) -> Result<Self, Failure> {
        let len = vec.len();
        let size = std::mem::size_of::<T>();
        if len == 0 || size == 0 {
            return Ok(FfiBuffer {
                ptr: NonNull::dangling().as_ptr(),
                len,
            });
        }
        let mut vec = std::mem::ManuallyDrop::new(vec);
        let capacity = vec.capacity();
        let ptr = vec.as_mut_ptr();
        if capacity == len {
            return Ok(FfiBuffer { ptr, len });
        }
        let align = std::mem::align_of::<T>();
        // SAFETY: a `Vec` of a sized, non-zero-sized `T` with a non-zero capacity owns an
        // allocation of the global allocator with this layout (it fitted when it was made), and
        // `len * size` is smaller.
        let (old, new_size) = unsafe {
            (
                std::alloc::Layout::from_size_align_unchecked(capacity * size, align),
                len * size,
            )
        };
        // SAFETY: `ptr` was allocated with `old`; `new_size` is non-zero and fits (see above).
        let shrunk = unsafe { std::alloc::realloc(ptr.cast::<u8>(), old, new_size) };
        if shrunk.is_null() {
            // The old allocation is untouched and still the vector's: let it go.
            drop(std::mem::ManuallyDrop::into_inner(vec));
            return Err(Failure::out_of_memory());
        }
        Ok(FfiBuffer {
            ptr: shrunk.cast::<T>(),
            len,
        })
    }
}

/// `text` copied into memory of its own, or `None` if the allocator has none to give.
pub(crate) fn try_copy(text: &str) -> Option<String> {
    let mut copy = String::new();
    copy.try_reserve_exact(text.len()).ok()?;
    copy.push_str(text);
    Some(copy)
}

/// `value`'s `Display` text, or `None` if the allocator ran out of memory while writing it
/// (or `fmt` failed): a `to_string()` that does not abort the process.
pub(crate) fn try_format(value: impl Display) -> Option<String> {
    use std::fmt::Write as _;
    struct Fallible(String);
    impl std::fmt::Write for Fallible {
        fn write_str(&mut self, text: &str) -> std::fmt::Result {
            self.0
                .try_reserve(text.len())
                .map_err(|_| std::fmt::Error)?;
            self.0.push_str(text);
            Ok(())
        }
    }
    let mut out = Fallible(String::new());
    write!(out, "{value}").ok()?;
    Some(out.0)
}

/// A shim's return type: `()` or `MaybeUninit` of the C value.
///
/// Public only so that [`FfiReturn::Abi`](crate::FfiReturn::Abi) can name it.
pub trait ReturnAbi {
    /// What a failed call returns: zeroes (or nothing).
    #[doc(hidden)]
    fn __failed() -> Self;
}

impl ReturnAbi for () {
    fn __failed() {}
}

impl<T> ReturnAbi for MaybeUninit<T> {
    fn __failed() -> Self {
        MaybeUninit::zeroed()
    }
}

/// The failure kinds of [`FfiFailure::kind`].
const KIND_PANIC: u32 = 1;
pub(crate) const KIND_ERROR: u32 = 2;
pub(crate) const KIND_INVALID_ARGUMENT: u32 = 3;
pub(crate) const KIND_CALLBACK: u32 = 4;
const KIND_OUT_OF_MEMORY: u32 = 5;

/// A failure of a call, before it is handed over. Not a public API.
#[doc(hidden)]
#[derive(Debug)]
pub struct Failure {
    pub(crate) kind: u32,
    pub(crate) code: i64,
    /// Static where it can be, so that a failure can be recorded without allocating.
    pub(crate) message: Cow<'static, str>,
    /// An error enum's encoding, for one whose variants carry data (see [`FfiFailure::payload`]).
    pub(crate) payload: Option<Vec<u8>>,
}

impl Failure {
    /// A panic, with the payload's message if it is a string.
    pub(crate) fn panic(payload: Box<dyn Any + Send>) -> Self {
        // Taken from the payload without allocating: `panic!("literal")` has a `&'static str`,
        // a formatted panic a `String`, which is moved out.
        let (message, payload) = match payload.downcast::<&'static str>() {
            Ok(message) => (Cow::Borrowed(*message), None),
            Err(payload) => match payload.downcast::<String>() {
                Ok(message) => (Cow::Owned(*message), None),
                Err(payload) => (
                    Cow::Borrowed("Rust panic with a non-string payload"),
                    Some(payload),
                ),
            },
        };
        if let Some(payload) = payload {
            drop_payload(payload);
        }
        Failure {
            kind: KIND_PANIC,
            code: 0,
            message,
            payload: None,
        }
    }

    /// A returned `Err(error)`: its code, its `Display` text and, for an enum whose variants
    /// carry data, its encoding.
    pub(crate) fn error<E: FfiError>(error: &E) -> Self {
        // Caught here rather than by the shim so that the failure stays an error (kind 2)
        // with the right code; `to_string` also panics when `fmt` returns `Err`.
        let message = match catch_unwind(AssertUnwindSafe(|| try_format(error))) {
            Ok(Some(message)) => Cow::Owned(message),
            Ok(None) => Cow::Borrowed("<out of memory while formatting the error>"),
            Err(payload) => {
                panic_caught();
                drop_payload(payload);
                Cow::Borrowed("<Display of the error panicked>")
            }
        };
        Failure {
            kind: KIND_ERROR,
            code: error.__error_code(),
            message,
            payload: error.__error_payload(),
        }
    }

    /// An argument the shim cannot convert (out of memory if its message cannot be written).
    pub(crate) fn invalid_argument(message: impl Display) -> Self {
        match try_format(message) {
            Some(message) => Failure {
                kind: KIND_INVALID_ARGUMENT,
                code: 0,
                message: Cow::Owned(message),
                payload: None,
            },
            None => Failure::out_of_memory(),
        }
    }

    /// The library could not allocate what the call needed to hand over.
    pub(crate) fn out_of_memory() -> Self {
        Failure {
            kind: KIND_OUT_OF_MEMORY,
            code: 0,
            message: Cow::Borrowed("out of memory"),
            payload: None,
        }
    }

    /// A function returned `Err(TryReserveError)`: out of memory, with the error's text.
    pub(crate) fn try_reserve(error: &std::collections::TryReserveError) -> Self {
        Failure {
            kind: KIND_OUT_OF_MEMORY,
            code: 0,
            message: try_format(error).map_or(Cow::Borrowed("out of memory"), Cow::Owned),
            payload: None,
        }
    }
}

/// Drops a panic payload whose own `Drop` may panic, without unwinding.
pub(crate) fn drop_payload(payload: Box<dyn Any + Send>) {
    if let Err(again) = catch_unwind(AssertUnwindSafe(move || drop(payload))) {
        panic_caught();
        // The payload of a panicking payload destructor: leaked, never dropped.
        std::mem::forget(again);
    }
}

/// Failures recorded and not yet taken, on all threads.
///
/// Relaxed atomics suffice: each slot's contribution is added and removed by its own thread,
/// and a thread always sees its own writes, so a thread that just recorded a failure reads a
/// non-zero count whatever the other threads do.
pub static PENDING: AtomicUsize = AtomicUsize::new(0);

/// A thread's failure slot; its destructor gives up an untaken failure when the thread exits.
struct Slot(Cell<Option<Failure>>);

impl Drop for Slot {
    fn drop(&mut self) {
        if self.0.get_mut().take().is_some() {
            PENDING.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

thread_local! {
    static SLOT: Slot = const { Slot(Cell::new(None)) };
}

/// Records `failure` as the calling thread's, replacing an untaken one.
pub(crate) fn record(failure: Failure) {
    // `try_with` fails only while the thread's thread-locals are being destroyed: a call from
    // another thread-local's destructor cannot report its failure and returns zeroes.
    let _ = SLOT.try_with(|slot| {
        if slot.0.replace(Some(failure)).is_none() {
            PENDING.fetch_add(1, Ordering::Relaxed);
        }
    });
    let _ = BOUNDARIES.try_with(|state| state.records.set(state.records.get().wrapping_add(1)));
}

/// Whether a failure recorded since the innermost boundary was entered is still pending on
/// this thread: a callback the call ran has failed (a call's own failure is its `Err`).
///
/// Then [`finish`] drops the function's value and the shim returns zeroes, so that every call
/// that leaves a failure for its caller returns zeroes: bindings read the failure counter only
/// after a zero result of a function that returns a number or a handle.
#[inline]
pub(crate) fn failed_during_call() -> bool {
    // One relaxed load on the fast path, as in `call`.
    PENDING.load(Ordering::Relaxed) != 0 && failed_since_entry()
}

#[cold]
fn failed_since_entry() -> bool {
    let recorded = BOUNDARIES
        .try_with(|state| state.records.get() != state.entry_records.get())
        .unwrap_or(false);
    // A failure recorded during the call and taken again (by a nested call's caller) is gone:
    // only one still in the slot is this call's to report.
    recorded
        && SLOT
            .try_with(|slot| {
                let failure = slot.0.take();
                let pending = failure.is_some();
                slot.0.set(failure);
                pending
            })
            .unwrap_or(false)
}

/// Converts a shim's result for its caller: its C value, or zeroes when a callback failed
/// during the call (see [`failed_during_call`]); the value is then dropped, so a `String`, a
/// `Box` or a service that the function returned is freed rather than leaked behind a failure.
#[inline]
pub fn finish<T: FfiReturn>(value: T) -> Result<T::Abi, Failure> {
    if failed_during_call() {
        return value.__after_failure();
    }
    value.into_abi()
}

/// Gives up the calling thread's untaken failure, if it has one (see [`call`]).
#[cold]
fn discard_stale_failure() {
    let _ = SLOT.try_with(|slot| {
        if slot.0.take().is_some() {
            PENDING.fetch_sub(1, Ordering::Relaxed);
        }
    });
}

/// The body of `<crate>_ffi_callback_failed`: records, for the calling thread, that a callback
/// the foreign side implements has failed (a Python callback raised an exception), so that
/// the library call it ran inside reports a failure of kind 4 with `message` when it returns.
///
/// The callback itself has already returned zeroes to the Rust code that called it, which
/// goes on (and may fail in its own right: the later failure then replaces this one).
///
/// # Safety
///
/// `message` is null (and `len` 0) or points to `len` readable bytes.
pub unsafe fn callback_failed(message: *const u8, len: usize) {
    let text = if message.is_null() || len == 0 {
        Cow::Borrowed("a callback failed")
    } else {
        // SAFETY: the caller promises `len` readable bytes.
        let bytes = unsafe { std::slice::from_raw_parts(message, len) };
        // The message is copied, and must not abort the process when memory is short.
        match std::str::from_utf8(bytes) {
            Ok(text) => try_copy(text).map_or(
                Cow::Borrowed("a callback failed (out of memory for its message)"),
                Cow::Owned,
            ),
            Err(_) => Cow::Borrowed("a callback failed (its message is not UTF-8)"),
        }
    };
    record(Failure {
        kind: KIND_CALLBACK,
        code: 0,
        message: text,
        payload: None,
    });
}

/// The body of `<crate>_ffi_pending`: the address of [`PENDING`], the same on every call.
pub fn pending() -> *const usize {
    PENDING.as_ptr().cast_const()
}

/// The body of `<crate>_ffi_take_failure`: moves the calling thread's failure into `*out`
/// and returns true, or returns false (leaving `*out` untouched) if there is none or `out`
/// is null. The message then belongs to the caller.
///
/// # Safety
///
/// `out` is null or valid for writing an [`FfiFailure`].
pub unsafe fn take_failure(out: *mut FfiFailure) -> bool {
    if out.is_null() {
        return false;
    }
    let Some(failure) = SLOT.try_with(|slot| slot.0.take()).ok().flatten() else {
        return false;
    };
    PENDING.fetch_sub(1, Ordering::Relaxed);
    // The caller owns the message: a copy of a static one. Without memory for it, the caller
    // gets the failure without its message rather than an aborted process.
    let bytes = match failure.message {
        Cow::Owned(message) => Some(message.into_bytes()),
        Cow::Borrowed(message) => try_copy(message).map(String::into_bytes),
    };
    let message = bytes
        .and_then(|bytes| FfiBuffer::from_vec(bytes).ok())
        .unwrap_or(FfiBuffer {
            ptr: NonNull::dangling().as_ptr(),
            len: 0,
        });
    // The payload is the caller's too; without memory for it (an empty `Vec` needs none), the
    // caller gets the failure without it and raises the error's base class with its message.
    let payload = failure
        .payload
        .and_then(|bytes| FfiBuffer::from_vec(bytes).ok())
        .unwrap_or(FfiBuffer {
            ptr: NonNull::dangling().as_ptr(),
            len: 0,
        });
    // SAFETY: the caller promises `out` is valid for writes.
    unsafe {
        out.write(FfiFailure {
            kind: failure.kind,
            code: failure.code,
            message: message.ptr,
            message_len: message.len,
            payload: payload.ptr,
            payload_len: payload.len,
        })
    };
    true
}

/// One string of a `Vec<String>` result ([`FfiTexts`]): its UTF-8 bytes, `len` of them at `ptr`,
/// valid until the list is given back to `<crate>_ffi_free_texts`. `capacity` is the string's
/// own, for that function.
#[repr(C)]
#[derive(Debug)]
pub struct FfiText {
    /// The first byte; dangling (never read) when `len` is 0.
    pub ptr: *const u8,
    /// The number of bytes.
    pub len: usize,
    /// The size of the string's allocation.
    pub capacity: usize,
}

/// A `Vec<String>` result: its strings as they are, each an [`FfiText`] written over the
/// `String` in the vector's own memory. Nothing is copied or allocated (the caller makes its own
/// strings from the bytes, as it must anyway), and the caller gives the list back to
/// `<crate>_ffi_free_texts`, which frees the strings and the vector.
#[repr(C)]
#[derive(Debug)]
pub struct FfiTexts {
    /// The first string; dangling when `len` is 0.
    pub ptr: *mut FfiText,
    /// The number of strings.
    pub len: usize,
    /// The size of the vector's allocation, in strings.
    pub capacity: usize,
}

// An `FfiText` takes a `String`'s place in its vector's allocation, which `ffi_free_texts`
// frees with the vector's layout: the two must have the same size and alignment.
const _: () = assert!(
    std::mem::size_of::<String>() == std::mem::size_of::<FfiText>()
        && std::mem::align_of::<String>() == std::mem::align_of::<FfiText>()
);

impl FfiTexts {
    /// Hands `vec` over: each `String` becomes its parts, in place.
    pub(crate) fn from_vec(vec: Vec<String>) -> Self {
        let mut vec = std::mem::ManuallyDrop::new(vec);
        let (items, len, capacity) = (vec.as_mut_ptr(), vec.len(), vec.capacity());
        for i in 0..len {
            // SAFETY: `i < len`: the slot holds a `String`, read out once; its parts are
            // written back in its place (same size and alignment, see above), and the
            // `String` is not dropped (`ffi_free_texts` puts it together again).
            unsafe {
                let text = std::mem::ManuallyDrop::new(items.add(i).read());
                items.add(i).cast::<FfiText>().write(FfiText {
                    ptr: text.as_ptr(),
                    len: text.len(),
                    capacity: text.capacity(),
                });
            }
        }
        FfiTexts {
            ptr: items.cast::<FfiText>(),
            len,
            capacity,
        }
    }
}

/// The body of `<crate>_ffi_free_texts`: frees a `Vec<String>` result, its strings and its
/// vector (the reverse of [`FfiTexts::from_vec`]).
///
/// # Safety
///
/// `texts` is a list this library returned, unchanged, not given back before, or has a null
/// `ptr` (a failed call's zeroes: a no-op).
pub unsafe fn ffi_free_texts(texts: FfiTexts) {
    if texts.ptr.is_null() {
        return;
    }
    let items = texts.ptr.cast::<String>();
    for i in 0..texts.len {
        // SAFETY: the caller hands back what `from_vec` made: each slot holds the parts of
        // a `String` of this library's allocator, put together and dropped once.
        unsafe {
            let text = items.add(i).cast::<FfiText>().read();
            drop(String::from_raw_parts(
                text.ptr.cast_mut(),
                text.len,
                text.capacity,
            ));
        }
    }
    // SAFETY: the vector's allocation, with its capacity; its slots are dropped already, so a
    // vector of no strings frees just the memory.
    drop(unsafe { Vec::from_raw_parts(items, 0, texts.capacity) });
}

/// The body of `<crate>_ffi_free`: releases a buffer this library returned (a `String`, a
/// `Vec` or a failure's message). `size` is in bytes; a `size` of 0 or a null `ptr` is a
/// no-op, and so is an impossible `align` (the buffer is leaked rather than freed wrongly).
///
/// # Safety
///
/// Unless `size` is 0, `ptr` came from this library with exactly this size and alignment and
/// is not used afterwards.
pub unsafe fn ffi_free(ptr: *mut c_void, size: usize, align: usize) {
    if size == 0 || ptr.is_null() {
        return;
    }
    if let Ok(layout) = std::alloc::Layout::from_size_align(size, align) {
        // SAFETY: the caller promises the buffer was allocated (by the global allocator, as
        // every `Box` is) with this layout.
        unsafe { std::alloc::dealloc(ptr.cast::<u8>(), layout) };
    }
}

/// Runs a shim's body: its conversions, the call and the conversion of the result.
///
/// Returns the body's value, or records the failure (an `Err` of the body, or a panic) and
/// returns zeroes. Never unwinds (with `panic = "abort"`, a panic aborts before it gets
/// here). A panic inside is quiet (see [`Boundary`]).
///
/// A failure the thread recorded and did not take before this call belongs to an earlier call
/// (one whose caller was interrupted between the call and its check, say by Ctrl-C), not to
/// this one: an outermost call discards it, so that it is never handed over as this call's.
#[inline]
pub fn call<R: ReturnAbi>(body: impl FnOnce() -> Result<R, Failure>) -> R {
    let boundary = Boundary::enter();
    // One relaxed load on the fast path; a call made from inside another (by a callback) keeps
    // what the outer call recorded meanwhile, such as the callback's own failure.
    if PENDING.load(Ordering::Relaxed) != 0 && boundary.outermost() {
        discard_stale_failure();
    }
    // AssertUnwindSafe: after a panic the caller only sees the failure, never the state the
    // panic interrupted (except through `&mut` arguments, which it handed over knowingly).
    let result = match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(value)) => value,
        Ok(Err(failure)) => {
            record(failure);
            R::__failed()
        }
        Err(payload) => {
            boundary.caught();
            record(Failure::panic(payload));
            R::__failed()
        }
    };
    drop(boundary);
    result
}

/// The calling thread's boundaries: how many (exported calls, polls of async functions'
/// futures) it is inside, and whether the hook kept quiet about a panic that none has caught
/// yet (a panic meanwhile, in a destructor that the unwinding runs, aborts: it is reported).
struct Boundaries {
    depth: Cell<usize>,
    quieted: Cell<bool>,
    /// How many failures the thread has recorded (wrapping), and how many it had when the
    /// innermost boundary was entered.
    records: Cell<usize>,
    entry_records: Cell<usize>,
}

thread_local! {
    static BOUNDARIES: Boundaries = const {
        Boundaries {
            depth: Cell::new(0),
            quieted: Cell::new(false),
            records: Cell::new(0),
            entry_records: Cell::new(0),
        }
    };
}

/// The environment variable that turns the report of caught panics back on (`1`).
pub(crate) const PANIC_REPORT_VARIABLE: &str = "HATCH_INTEROP_PANIC_REPORT";

/// Marks the calling thread as inside a boundary that catches panics, while it lives.
///
/// A panic caught at a boundary reaches the caller as a failure with its message, so the
/// library's panic hook (installed by the first boundary) does not also print Rust's report,
/// and above all does not capture the backtrace that `RUST_BACKTRACE=1` in the environment
/// asks for (55 to 320 ms per panic). Panics anywhere else (on threads of the crate's own,
/// outside any call, or with `panic = "abort"`) go to the hook that was installed before, as
/// do all panics when `HATCH_INTEROP_PANIC_REPORT=1` is set when the first boundary is entered.
pub(crate) struct Boundary {
    state: *const Boundaries,
    /// The enclosing boundary's `entry_records`, restored when this one is left.
    outer_entry_records: usize,
}

impl Boundary {
    /// Enters a boundary.
    #[inline]
    pub(crate) fn enter() -> Self {
        install_panic_hook();
        // One thread-local lookup: the pointer stays valid for the thread's life
        // (`Boundaries` has no destructor) and the guard never leaves the thread.
        let state = BOUNDARIES.with(std::ptr::from_ref);
        // SAFETY: see above.
        let boundaries = unsafe { &*state };
        boundaries.depth.set(boundaries.depth.get() + 1);
        let outer_entry_records = boundaries.entry_records.replace(boundaries.records.get());
        Boundary {
            state,
            outer_entry_records,
        }
    }

    /// Whether this is the thread's outermost boundary (not one inside another).
    #[inline]
    pub(crate) fn outermost(&self) -> bool {
        // SAFETY: see `enter`.
        unsafe { &*self.state }.depth.get() == 1
    }

    /// The boundary caught a panic.
    #[inline]
    pub(crate) fn caught(&self) {
        // SAFETY: see `enter`.
        unsafe { &*self.state }.quieted.set(false);
    }
}

impl Drop for Boundary {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: see `enter`.
        let state = unsafe { &*self.state };
        let depth = state.depth.get() - 1;
        state.depth.set(depth);
        state.entry_records.set(self.outer_entry_records);
        if depth == 0 {
            // A panic that code inside caught itself.
            state.quieted.set(false);
        }
    }
}

/// A `catch_unwind` inside a boundary caught a panic.
pub(crate) fn panic_caught() {
    let _ = BOUNDARIES.try_with(|state| state.quieted.set(false));
}

/// Installs the library's panic hook once, in front of the one installed before it.
#[inline]
fn install_panic_hook() {
    #[cfg(panic = "unwind")]
    {
        static HOOK: std::sync::Once = std::sync::Once::new();
        // `set_hook` must not run on a panicking thread; a later boundary installs it then.
        if !HOOK.is_completed() && !std::thread::panicking() {
            HOOK.call_once(|| {
                let report = std::env::var_os(PANIC_REPORT_VARIABLE).is_some_and(|v| v == "1");
                if report {
                    return;
                }
                let previous = std::panic::take_hook();
                std::panic::set_hook(Box::new(move |info| {
                    if !quiet_panic() {
                        previous(info);
                    }
                }));
            });
        }
    }
}

/// Whether the hook keeps quiet about the panic in progress: it happens inside a boundary,
/// which will catch it and report its message, and is not a panic during another's unwinding.
#[cfg(panic = "unwind")]
fn quiet_panic() -> bool {
    BOUNDARIES
        .try_with(|state| state.depth.get() > 0 && !state.quieted.replace(true))
        .unwrap_or(false)
}

/// Guards a call into a function the foreign side implements (a callback or its `release`):
/// [`ForeignCall::enter`] (or [`ForeignCall::enter_release`]) before the call,
/// [`ForeignCall::exit`] after it returns.
///
/// Two things can go wrong once the foreign side is an interpreter that exits, and the guard
/// handles both:
///
/// - **A call after the interpreter began finalizing**, from any thread but the one finalizing
///   it. CPython 3.8 to 3.13 free the state that taking the GIL from a thread needs at the end of
///   finalization (a thread that calls a callback afterwards crashes the process inside
///   `PyGILState_Ensure`), while daemon threads and the library's own threads may still run. So
///   once [`shutdown`] has handed the library the interpreter's "is it finalizing?" function,
///   every foreign call first asks it: from then on, only the thread that called `shutdown` (the
///   one finalizing) calls into the interpreter. Another thread skips a `release` (the object it
///   would let go of leaks; the process is exiting) and stops at a `call` (it sleeps until the
///   process ends, which is what CPython 3.14 itself does with threads that try to take the GIL
///   then, python/cpython#87135): a callback has no value to return that Rust could trust.
///   A thread that asked just before finalization began, and was then held up (by the scheduler)
///   until it ended, would still crash: so every foreign call is counted while it runs, and the
///   second call of `shutdown`, once the interpreter is finalizing, waits (for a while) for the
///   calls that began before to end (see [`drain`]).
/// - **A forced unwind out of the call.** Such a function never unwinds by contract, except in
///   one case: CPython 3.8 to 3.13 end a thread that tries to take the GIL while the interpreter
///   is finalizing with `pthread_exit`, which glibc implements as a *forced unwind* of the
///   thread's stack (a thread that asked just before finalizing began, and took the GIL after).
///   Were it to reach a `catch_unwind` (the shim's, or the one around every `std::thread::spawn`
///   closure), Rust would catch it and abort the process (`FATAL: exception not rethrown`,
///   SIGABRT). So the call site is declared `extern "C-unwind"` (unwinding out of it is defined)
///   and this guard, the first frame the unwind reaches, stops it there: the thread sleeps until
///   the process ends. A C++ exception thrown by a callback implemented in C++ (which the C ABI
///   forbids) is stopped the same way instead of aborting.
///
/// Locks a stopped thread holds stay held; the process is exiting.
#[doc(hidden)]
pub struct ForeignCall(());

impl ForeignCall {
    /// Before calling a foreign function (a callback's `call`); the thread stops here if the
    /// foreign side is finalizing and this is not its finalizing thread.
    #[inline(always)]
    pub fn enter() -> Self {
        match Self::enter_release() {
            Some(guard) => guard,
            None => stop_thread(),
        }
    }

    /// Before releasing a foreign object (a callback's `release`): `None` when the foreign side
    /// is finalizing and this is not its finalizing thread, and the release must be skipped.
    #[inline(always)]
    pub fn enter_release() -> Option<Self> {
        // Counted before the question is asked, so that `drain` waits for a call that got its
        // answer before finalization began.
        FOREIGN_CALLS.fetch_add(1, Ordering::SeqCst);
        if foreign_side_exiting() {
            FOREIGN_CALLS.fetch_sub(1, Ordering::SeqCst);
            return None;
        }
        Some(ForeignCall(()))
    }

    /// After the foreign call returned normally.
    #[inline(always)]
    pub fn exit(self) {
        FOREIGN_CALLS.fetch_sub(1, Ordering::SeqCst);
        std::mem::forget(self);
    }
}

impl Drop for ForeignCall {
    /// Runs only when the foreign call unwinds (a normal return goes through `exit`).
    #[cold]
    fn drop(&mut self) {
        // The call is over: `drain` need not wait for this thread, which sleeps from now on.
        FOREIGN_CALLS.fetch_sub(1, Ordering::SeqCst);
        stop_thread()
    }
}

/// How many foreign calls (`ForeignCall` guards) are in progress, on every thread.
static FOREIGN_CALLS: AtomicUsize = AtomicUsize::new(0);

/// How long [`drain`] waits for the foreign calls in progress to end, at most: those that began
/// before finalization end at once then (their threads take the GIL and are ended), unless one
/// is busy for longer inside the callback (past the point where it could crash).
const DRAIN_LIMIT: std::time::Duration = std::time::Duration::from_millis(200);

/// Waits, for up to [`DRAIN_LIMIT`], until no foreign call is in progress: the second call of
/// [`shutdown`], made by the thread finalizing the interpreter once it is finalizing, with the GIL
/// released (Python's bindings make it when finalization clears their module). A thread that had
/// asked whether the interpreter was exiting just before finalization began, and not yet taken
/// the GIL, then takes it and is ended by CPython (a forced unwind, stopped where it called), so
/// that none is left to take it after finalization ended, which would crash the process.
fn drain() {
    let start = std::time::Instant::now();
    while FOREIGN_CALLS.load(Ordering::SeqCst) != 0 && start.elapsed() < DRAIN_LIMIT {
        std::thread::sleep(std::time::Duration::from_micros(200));
    }
}

/// The foreign side's "has it begun exiting?" function: nonzero once the interpreter is
/// finalizing, and from then on for the rest of the process (CPython's `Py_IsFinalizing`).
pub type IsExiting = unsafe extern "C" fn() -> std::ffi::c_int;

/// The `IsExiting` function [`shutdown`] was given (null before, and when it got none).
static IS_EXITING: AtomicPtr<c_void> = AtomicPtr::new(std::ptr::null_mut());

/// The thread that called [`shutdown`] (see [`thread_token`]): the one finalizing the interpreter.
static EXITING_THREAD: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// Only its address is used: a token of the thread, unique among the threads alive.
    static THREAD_TOKEN: u8 = const { 0 };
}

/// A number that tells the calling thread from every other live thread (never 0).
#[inline]
fn thread_token() -> usize {
    THREAD_TOKEN.with(|token| std::ptr::from_ref(token) as usize)
}

/// Whether the foreign side is exiting and the calling thread is not the one exiting it: such a
/// thread must not call into it.
#[inline(always)]
fn foreign_side_exiting() -> bool {
    let is_exiting = IS_EXITING.load(Ordering::SeqCst);
    // Null until the interpreter's exit began: one load on every foreign call before that.
    !is_exiting.is_null() && exiting_elsewhere(is_exiting)
}

#[cold]
#[inline(never)]
fn exiting_elsewhere(is_exiting: *mut c_void) -> bool {
    // The count above before the interpreter's flag below (which it writes without a fence).
    std::sync::atomic::fence(Ordering::SeqCst);
    // SAFETY: stored by `shutdown` from an `IsExiting`, which may be called from any thread at
    // any time, for the rest of the process.
    let is_exiting: IsExiting = unsafe { std::mem::transmute(is_exiting) };
    // SAFETY: see above.
    (unsafe { is_exiting() }) != 0 && EXITING_THREAD.load(Ordering::Acquire) != thread_token()
}

/// The body of `<crate>_ffi_shutdown`, which bindings call when their interpreter begins to exit
/// (Python's `atexit`), on the thread that will finalize it, with the interpreter's `IsExiting`
/// function (or `None` where there is none, such as PyPy's): from then on no async outcome is
/// delivered (it waits for those being delivered), and once `is_exiting` says so, only this
/// thread calls into the foreign side (see [`ForeignCall`]). Called again once the interpreter
/// is finalizing (Python's bindings do when finalization clears their module), with the GIL
/// released, it waits for the foreign calls that began before to end ([`drain`]).
pub fn shutdown(is_exiting: Option<IsExiting>) {
    if let Some(is_exiting) = is_exiting {
        EXITING_THREAD.store(thread_token(), Ordering::SeqCst);
        IS_EXITING.store(is_exiting as *mut c_void, Ordering::SeqCst);
        // SAFETY: an `IsExiting` may be called from any thread at any time.
        if unsafe { is_exiting() } != 0 {
            drain();
        }
    }
    crate::asynchronous::close_delivery();
}

/// Where a forced unwind out of a foreign call stops: the thread sleeps until the process ends.
#[cold]
pub(crate) fn stop_thread() -> ! {
    loop {
        std::thread::sleep(std::time::Duration::from_secs(3600));
    }
}

/// The `&[T]` argument `name` from its pointer and element count.
///
/// An empty slice never touches `ptr` (C callers pass NULL or any address for it); otherwise
/// a null or misaligned `ptr`, or a length no allocation can have, is an invalid argument.
///
/// # Safety
///
/// Unless `len` is 0 or the checks fail, `ptr` points to `len` initialised elements that
/// nothing writes to for `'a`.
#[inline]
pub unsafe fn slice_arg<'a, T: FfiSliceElement>(
    ptr: *const T::__Raw,
    len: usize,
    name: &'static str,
) -> Result<&'a [T], Failure> {
    if len == 0 {
        return Ok(&[]);
    }
    check_slice::<T>(ptr.cast(), len, name)?;
    // SAFETY: checked non-null, aligned and not too long; the caller promises the rest.
    // `__Raw` has `T`'s layout, and every bit pattern of it is valid.
    let raw = unsafe { std::slice::from_raw_parts(ptr, len) };
    check_elements::<T>(raw, name)?;
    // SAFETY: every element was checked to be a valid `T`.
    Ok(unsafe { std::slice::from_raw_parts(ptr.cast::<T>(), len) })
}

/// Refuses a slice argument with an element that is no valid `T` (a `bool` byte other than
/// 0 and 1, an enum value of no variant).
#[inline]
fn check_elements<T: FfiSliceElement>(raw: &[T::__Raw], name: &str) -> Result<(), Failure> {
    match T::__invalid_at(raw) {
        None => Ok(()),
        Some((index, value)) => Err(invalid_element::<T>(value, index, name)),
    }
}

#[cold]
fn invalid_element<T: FfiSliceElement>(raw: i128, index: usize, name: &str) -> Failure {
    Failure::invalid_argument(format_args!(
        "argument `{name}` item {index} is {raw}, which is not {}",
        T::__VALID
    ))
}

/// The `&mut [T]` argument `name`; see [`slice_arg`].
///
/// # Safety
///
/// Unless `len` is 0 or the checks fail, `ptr` points to `len` initialised elements that
/// nothing else accesses for `'a`.
#[inline]
pub unsafe fn slice_mut_arg<'a, T: FfiSliceElement>(
    ptr: *mut T::__Raw,
    len: usize,
    name: &'static str,
) -> Result<&'a mut [T], Failure> {
    if len == 0 {
        return Ok(&mut []);
    }
    check_slice::<T>(ptr.cast_const().cast(), len, name)?;
    // SAFETY: checked non-null, aligned and not too long; the caller promises the rest.
    let raw = unsafe { std::slice::from_raw_parts(ptr.cast_const(), len) };
    check_elements::<T>(raw, name)?;
    // SAFETY: every element was checked to be a valid `T`; Rust writes only valid ones.
    Ok(unsafe { std::slice::from_raw_parts_mut(ptr.cast::<T>(), len) })
}

/// The checks of a non-empty slice argument that do not need to read it.
///
/// Inline and branch-free on the way through (a call's arguments pass it every time); the
/// message of a refusal is made out of line.
#[inline]
pub(crate) fn check_slice<T>(ptr: *const u8, len: usize, name: &str) -> Result<(), Failure> {
    // `from_raw_parts` requires the slice to fit in `isize::MAX` bytes.
    let fits = len
        .checked_mul(std::mem::size_of::<T>())
        .is_some_and(|bytes| bytes <= isize::MAX as usize);
    if !ptr.is_null() && ptr.cast::<T>().is_aligned() && fits {
        return Ok(());
    }
    Err(slice_refused::<T>(ptr, len, name))
}

/// Why [`check_slice`] refused a slice argument.
#[cold]
#[inline(never)]
fn slice_refused<T>(ptr: *const u8, len: usize, name: &str) -> Failure {
    let align = std::mem::align_of::<T>();
    if ptr.is_null() {
        Failure::invalid_argument(format_args!(
            "argument `{name}` is NULL but its length is {len}"
        ))
    } else if !ptr.cast::<T>().is_aligned() {
        Failure::invalid_argument(format_args!(
            "argument `{name}` is not aligned: its address {ptr:p} is not a multiple of {align}"
        ))
    } else {
        Failure::invalid_argument(format_args!(
            "argument `{name}` is too long: {len} elements do not fit in memory"
        ))
    }
}

/// The memory an argument refers to for the call: its address and size in bytes (none for `None`).
#[doc(hidden)]
pub trait ArgMemory {
    fn __memory(&self) -> (usize, usize);
}

impl<T: ?Sized> ArgMemory for &T {
    #[inline(always)]
    fn __memory(&self) -> (usize, usize) {
        (
            std::ptr::from_ref::<T>(*self).cast::<u8>() as usize,
            std::mem::size_of_val::<T>(*self),
        )
    }
}

impl<T: ?Sized> ArgMemory for &mut T {
    #[inline(always)]
    fn __memory(&self) -> (usize, usize) {
        (&**self).__memory()
    }
}

impl<T: ?Sized> ArgMemory for Option<&T> {
    #[inline(always)]
    fn __memory(&self) -> (usize, usize) {
        self.as_ref().map_or((0, 0), ArgMemory::__memory)
    }
}

impl<T: ?Sized> ArgMemory for Option<&mut T> {
    #[inline(always)]
    fn __memory(&self) -> (usize, usize) {
        self.as_ref().map_or((0, 0), |value| (&**value).__memory())
    }
}

/// Refuses a call one of whose arguments that the call may change (`&mut T`, `&mut [T]`) shares memory with
/// another of its arguments (`args`: each one's name, memory and whether the call may change it): Rust's
/// references never alias so, and the function would read or write what it assumes nothing else touches (a
/// caller passing one struct or one buffer twice, `add_into(v, v)`).
#[doc(hidden)]
#[inline]
pub fn disjoint_args(function: &str, args: &[(&str, (usize, usize), bool)]) -> Result<(), Failure> {
    for (i, &(name, (start, len), changed)) in args.iter().enumerate() {
        if len == 0 {
            continue;
        }
        for &(other, (other_start, other_len), other_changed) in &args[i + 1..] {
            if (changed || other_changed)
                && other_len != 0
                && start < other_start + other_len
                && other_start < start + len
            {
                let changed_name = if changed { name } else { other };
                return Err(shared_memory(function, name, other, changed_name));
            }
        }
    }
    Ok(())
}

/// Refuses one object of an opaque type passed as two parameters of `function` of which one
/// borrows it exclusively or takes it (`objects`: each pointer parameter's name, pointer, whether
/// it is exclusive, what it does with the object, and its type's name if the type is opaque):
/// said as such, rather than as the borrow conflict the second parameter would meet ("in use by
/// another call"). Checked before any parameter borrows its object.
#[doc(hidden)]
#[inline]
pub fn distinct_objects(
    function: &str,
    objects: &[(&str, *const (), bool, &str, Option<&str>)],
) -> Result<(), Failure> {
    for (i, &(name, pointer, exclusive, verb, object)) in objects.iter().enumerate() {
        let Some(type_name) = object else {
            continue;
        };
        if pointer.is_null() {
            continue;
        }
        for &(other, other_pointer, other_exclusive, other_verb, other_object) in &objects[i + 1..]
        {
            if other_pointer == pointer && other_object.is_some() && (exclusive || other_exclusive)
            {
                return Err(same_object(
                    function,
                    type_name,
                    (name, verb),
                    (other, other_verb),
                ));
            }
        }
    }
    Ok(())
}

#[cold]
#[inline(never)]
fn same_object(
    function: &str,
    type_name: &str,
    first: (&str, &str),
    second: (&str, &str),
) -> Failure {
    Failure::invalid_argument(format_args!(
        "{function}() arguments `{}` and `{}` are the same {type_name}, which `{}` {} and `{}` {}: \
         pass two different {type_name} objects",
        first.0, second.0, first.0, first.1, second.0, second.1
    ))
}

#[cold]
#[inline(never)]
fn shared_memory(function: &str, first: &str, second: &str, changed: &str) -> Failure {
    Failure::invalid_argument(format_args!(
        "{function}() arguments `{first}` and `{second}` share memory, and the call may change \
         `{changed}` (`&mut`): pass separate objects (a copy of one)"
    ))
}

/// Or'd into a `&str` argument's length (its top bit, which no real length has): the caller
/// vouches that the bytes are UTF-8, so the library does not validate them again. Bindings set
/// it for text they took from a UTF-8 encoder that refuses what is not Unicode (CPython's UTF-8
/// of a `str`); a caller that sets it for other bytes breaks `&str`'s contract (undefined
/// behaviour), as one passing the wrong length would. The inventory says the library takes it
/// (`library.vouched_utf8`).
pub(crate) const VOUCHED_UTF8: usize = 1 << (usize::BITS - 1);

/// The `&str` argument `name` from its pointer and length in bytes: checked like a `&[u8]`,
/// then validated as UTF-8 unless the length's [`VOUCHED_UTF8`] bit is set.
///
/// # Safety
///
/// As for [`slice_arg`]; with [`VOUCHED_UTF8`] set, the bytes are UTF-8.
#[inline]
pub unsafe fn str_arg<'a>(
    ptr: *const u8,
    len: usize,
    name: &'static str,
) -> Result<&'a str, Failure> {
    let vouched = len & VOUCHED_UTF8 != 0;
    // SAFETY: forwarded from the caller.
    let bytes = unsafe { slice_arg::<u8>(ptr, len & !VOUCHED_UTF8, name) }?;
    if vouched {
        // SAFETY: the caller vouched for the bytes (see above).
        return Ok(unsafe { std::str::from_utf8_unchecked(bytes) });
    }
    std::str::from_utf8(bytes).map_err(|err| not_utf8(name, err))
}

#[cold]
#[inline(never)]
fn not_utf8(name: &str, err: std::str::Utf8Error) -> Failure {
    Failure::invalid_argument(format_args!("argument `{name}` is not valid UTF-8: {err}"))
}

/// A `String` parameter's argument: the `&str` copied into a new allocation (a failure of
/// kind "out of memory" rather than an abort when there is none).
#[inline]
pub fn owned_str(text: &str) -> Result<String, Failure> {
    let mut owned = String::new();
    owned
        .try_reserve_exact(text.len())
        .map_err(|error| Failure::try_reserve(&error))?;
    owned.push_str(text);
    Ok(owned)
}

/// The `Vec<T>` argument `name` from a pointer and a count: checked like a `&[T]`, then copied
/// once into a new allocation (out of memory is a failure, not an abort).
///
/// # Safety
///
/// As for [`slice_arg`].
#[inline]
pub unsafe fn vec_arg<T: FfiSliceElement>(
    ptr: *const T::__Raw,
    len: usize,
    name: &'static str,
) -> Result<Vec<T>, Failure> {
    // SAFETY: forwarded from the caller.
    let elements = unsafe { slice_arg::<T>(ptr, len, name) }?;
    let mut owned = Vec::new();
    owned
        .try_reserve_exact(elements.len())
        .map_err(|error| Failure::try_reserve(&error))?;
    // One `memcpy`. A bitwise copy, as a struct parameter by value is: the elements are plain C
    // data (every one checked valid above), and the caller's copies are never dropped by Rust.
    // SAFETY: room for `len` elements was reserved; the source is valid for `len` reads.
    unsafe {
        std::ptr::copy_nonoverlapping(elements.as_ptr(), owned.as_mut_ptr(), elements.len());
        owned.set_len(elements.len());
    }
    Ok(owned)
}

/// The `&CStr` argument `name`; null is an invalid argument.
///
/// # Safety
///
/// Unless null, `ptr` points to a NUL-terminated string that nothing writes to for `'a`.
#[inline]
pub unsafe fn cstr_arg<'a>(ptr: *const c_char, name: &'static str) -> Result<&'a CStr, Failure> {
    if ptr.is_null() {
        return Err(Failure::invalid_argument(format_args!(
            "argument `{name}` is NULL"
        )));
    }
    // SAFETY: non-null; the caller promises the rest.
    Ok(unsafe { CStr::from_ptr(ptr) })
}

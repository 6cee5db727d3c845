//! What the integration tests share: reading the calling thread's failure as a foreign caller does.

use std::mem::MaybeUninit;

use hatch_interop::__private::{ffi_free, take_failure};
use hatch_interop::{FfiBuffer, FfiFailure};

/// The calling thread's failure, if any: its kind and message (which is freed, as a caller must).
pub fn failure() -> Option<(u32, String)> {
    let mut out = MaybeUninit::<FfiFailure>::uninit();
    // SAFETY: `out` is valid for writes.
    if !unsafe { take_failure(out.as_mut_ptr()) } {
        return None;
    }
    // SAFETY: written by `take_failure`.
    let failure = unsafe { out.assume_init() };
    // SAFETY: the message is `message_len` bytes of UTF-8 that now belong to us.
    let bytes = unsafe { std::slice::from_raw_parts(failure.message, failure.message_len) };
    let message = String::from_utf8(bytes.to_vec()).unwrap();
    // SAFETY: as `take_failure` documents.
    unsafe { ffi_free(failure.message.cast(), failure.message_len, 1) };
    Some((failure.kind, message))
}

/// The calling thread's failure message, if any.
#[allow(dead_code)] // not every test file reads only the message
pub fn failure_message() -> Option<String> {
    failure().map(|(_, message)| message)
}

/// The elements of a buffer the library returned (a `Vec<T>`'s, or the bytes of a `String` or an
/// encoded value), which is freed as a caller must.
#[allow(dead_code)] // not every test file reads buffers
pub fn taken<T: Copy>(buffer: MaybeUninit<FfiBuffer<T>>) -> Vec<T> {
    // SAFETY: the call succeeded.
    let buffer = unsafe { buffer.assume_init() };
    // SAFETY: `len` elements at `ptr`, ours to free.
    let items = unsafe { std::slice::from_raw_parts(buffer.ptr, buffer.len) }.to_vec();
    let size = buffer.len * std::mem::size_of::<T>();
    // SAFETY: as the C ABI documents.
    unsafe { ffi_free(buffer.ptr.cast(), size, std::mem::align_of::<T>()) };
    items
}

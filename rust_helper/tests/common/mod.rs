//! What the integration tests share: reading the calling thread's failure as a foreign caller does.

use std::mem::MaybeUninit;

use hatch_interop::__private::{ffi_free, take_failure};
use hatch_interop::{FfiBuffer, FfiFailure};

/// The calling thread's failure, if any: its kind and message (which is freed, as a caller must).
pub fn failure() -> Option<(u32, String)> {
    full_failure().map(|failure| (failure.kind, failure.message))
}

/// A failure as a caller reads it, its buffers copied and freed.
#[allow(dead_code)] // not every test file reads codes and payloads
pub struct Taken {
    pub kind: u32,
    pub code: i64,
    pub message: String,
    pub payload: Vec<u8>,
}

/// The calling thread's failure, if any, with its code and payload.
pub fn full_failure() -> Option<Taken> {
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
    // SAFETY: the payload is `payload_len` bytes that now belong to us (any pointer when 0).
    let payload = unsafe { std::slice::from_raw_parts(failure.payload, failure.payload_len) };
    let payload = payload.to_vec();
    // SAFETY: as `take_failure` documents.
    unsafe { ffi_free(failure.message.cast(), failure.message_len, 1) };
    // SAFETY: as above.
    unsafe { ffi_free(failure.payload.cast(), failure.payload_len, 1) };
    Some(Taken {
        kind: failure.kind,
        code: failure.code,
        message,
        payload,
    })
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

//! The results of callbacks that C cannot return by value: text (`-> String`).
//!
//! Such a callback's `call` returns nothing and takes one more parameter, last: a pointer to a
//! result slot that the library owns, on the stack of the Rust code calling the callback. The
//! foreign side fills the slot through the function the slot holds, which copies what it is
//! given before it returns: the foreign side keeps its own memory (nothing is handed over, so
//! nothing can leak or be freed twice), and a foreign side that fills nothing (it failed) leaves
//! the slot's zero value (an empty string).

use std::borrow::Cow;

use crate::abi::{record, try_copy, Failure, KIND_CALLBACK};

/// Where a callback that returns text puts it (`<crate>_text_result` in C).
///
/// C sees only the first field: `call` gets a pointer to the slot, and returns text by calling
/// `set(result, bytes, len)` with `len` bytes of UTF-8 that the library copies before `set`
/// returns. `set` returns `false` (and records a failure of kind 4 for the library call the
/// callback runs inside, naming the callback) if the bytes are not UTF-8 or the library is out
/// of memory; the text is then empty. A later `set` replaces the text of an earlier one.
#[doc(hidden)]
#[repr(C)]
pub struct TextResult {
    set: unsafe extern "C" fn(result: *mut TextResult, bytes: *const u8, len: usize) -> bool,
    /// The callback's name, for the failures `set` records.
    callback: &'static str,
    text: Option<String>,
}

impl TextResult {
    /// An empty slot for the callback `callback`.
    #[inline]
    pub fn new(callback: &'static str) -> Self {
        TextResult {
            set: set_text,
            callback,
            text: None,
        }
    }

    /// The text the foreign side set, if it set one.
    #[inline]
    pub fn into_option(self) -> Option<String> {
        self.text
    }

    /// The text the foreign side set, or the empty string if it set none (it failed).
    #[inline]
    pub fn into_string(self) -> String {
        self.text.unwrap_or_default()
    }
}

/// `TextResult::set`: copies `len` bytes at `bytes` into the slot if they are UTF-8.
///
/// # Safety
///
/// `result` points to a live `TextResult` (the one `call` was given); unless `len` is 0,
/// `bytes` points to `len` readable bytes.
unsafe extern "C" fn set_text(result: *mut TextResult, bytes: *const u8, len: usize) -> bool {
    // SAFETY: the caller passes the slot `call` was given, which the library's frame owns.
    let result = unsafe { &mut *result };
    let bytes: &[u8] = if len == 0 {
        // Never build a slice from a foreign pointer for length 0 (it may be NULL or unaligned).
        &[]
    } else {
        // SAFETY: the caller promises `len` readable bytes.
        unsafe { std::slice::from_raw_parts(bytes, len) }
    };
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => {
            result.text = None;
            refuse(
                result.callback,
                format!(
                    "is not UTF-8 (invalid byte at offset {})",
                    err.valid_up_to()
                ),
            );
            return false;
        }
    };
    match try_copy(text) {
        Some(copy) => {
            result.text = Some(copy);
            true
        }
        None => {
            result.text = None;
            record(Failure {
                kind: KIND_CALLBACK,
                code: 0,
                message: Cow::Borrowed("out of memory for the text a callback returned"),
            });
            false
        }
    }
}

/// Records that the result callback `callback` returned is refused (`problem` says why), for
/// the library call it runs inside to report.
#[cold]
fn refuse(callback: &str, problem: String) {
    record(Failure {
        kind: KIND_CALLBACK,
        code: 0,
        message: Cow::Owned(format!("the result of the {callback} callback {problem}")),
    });
}

//! A callback's `&str` parameter crosses as the UTF-8 bytes and their count, as a function's does:
//! the foreign side gets exactly the string's bytes (no NUL, none added), valid for the call.

use std::ffi::c_void;
use std::sync::Mutex;

use hatch_interop::prelude::*;

/// Called with a word and its index.
#[ffi_callback]
pub type OnWord = fn(word: &str, index: u32) -> bool;

static SEEN: Mutex<Vec<(String, u32)>> = Mutex::new(Vec::new());

unsafe extern "C-unwind" fn record(
    _context: *const c_void,
    word: *const u8,
    len: usize,
    index: u32,
) -> bool {
    // SAFETY: the library passes `len` bytes at `word`, valid during the call.
    let bytes = unsafe { std::slice::from_raw_parts(word, len) };
    SEEN.lock()
        .unwrap()
        .push((String::from_utf8(bytes.to_vec()).unwrap(), index));
    true
}

#[ffi_function]
pub fn each_word(text: &str, on_word: &OnWord) -> u32 {
    let mut n = 0;
    for word in text.split(' ') {
        on_word.call(word, n);
        n += 1;
    }
    n
}

#[test]
fn the_callback_gets_the_bytes_and_their_count() {
    let on_word = OnWord {
        call: record,
        context: std::ptr::null(),
        release: None,
    };
    assert_eq!(each_word("héllo wörld ", &on_word), 3);
    assert_eq!(
        *SEEN.lock().unwrap(),
        [
            ("héllo".to_owned(), 0),
            ("wörld".to_owned(), 1),
            (String::new(), 2)
        ]
    );
}

#[ffi_inventory]
pub fn inventory() -> Inventory {
    Inventory::new().function::<each_word>()
}

#[test]
fn the_inventory_says_str() {
    let json = inventory().to_json().unwrap();
    assert!(
        json.contains(r#""params":[{"name":"word","type":{"kind":"str"}},{"name":"index","type":{"kind":"primitive","name":"u32"}}]"#),
        "{json}"
    );
}

//! A callback's `&str` and `&[T]` parameters cross as the bytes (or elements) and their count,
//! as a function's do: the foreign side gets exactly the string's bytes (no NUL, none added) or
//! the slice's elements, valid for the call.

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

/// Called with a window of values.
#[ffi_callback]
pub type OnWindow = fn(values: &[f64]) -> f64;

unsafe extern "C-unwind" fn sum(_context: *const c_void, values: *const f64, len: usize) -> f64 {
    // SAFETY: the library passes `len` values at `values`, valid during the call.
    unsafe { std::slice::from_raw_parts(values, len) }
        .iter()
        .sum()
}

#[ffi_function]
pub fn sum_windows(values: &[f64], on_window: &OnWindow) -> f64 {
    values.chunks(2).map(|window| on_window.call(window)).sum()
}

#[test]
fn the_callback_gets_the_elements_and_their_count() {
    let on_window = OnWindow {
        call: sum,
        context: std::ptr::null(),
        release: None,
    };
    assert_eq!(sum_windows(&[1.0, 2.0, 3.0], &on_window), 6.0);
    assert_eq!(sum_windows(&[], &on_window), 0.0);
}

/// Owned parameters: lent to the foreign side for the call, then dropped.
#[ffi_callback]
pub type OnLine = fn(line: String, numbers: Vec<u16>) -> usize;

unsafe extern "C-unwind" fn measure(
    _context: *const c_void,
    line: *const u8,
    line_len: usize,
    numbers: *const u16,
    count: usize,
) -> usize {
    // SAFETY: the library passes the bytes and elements, valid during the call.
    let line = unsafe { std::slice::from_raw_parts(line, line_len) };
    // SAFETY: as above.
    let numbers = unsafe { std::slice::from_raw_parts(numbers, count) };
    line.len() * 1000 + numbers.iter().map(|&n| usize::from(n)).sum::<usize>()
}

#[ffi_function]
pub fn each_line(text: &str, on_line: &OnLine) -> usize {
    text.lines()
        .map(|line| on_line.call(line.to_uppercase(), vec![1, 2, 3]))
        .sum()
}

#[test]
fn owned_parameters_are_lent_for_the_call() {
    let on_line = OnLine {
        call: measure,
        context: std::ptr::null(),
        release: None,
    };
    assert_eq!(each_line("ab\ncde", &on_line), 2006 + 3006);
}

/// A `char` crosses as its code point.
#[ffi_callback]
pub type OnChar = fn(c: char) -> u32;

unsafe extern "C-unwind" fn code(_context: *const c_void, c: u32) -> u32 {
    c
}

#[ffi_function]
pub fn code_sum(text: &str, on_char: &OnChar) -> u32 {
    text.chars().map(|c| on_char.call(c)).sum()
}

#[test]
fn chars_cross_as_code_points() {
    let on_char = OnChar {
        call: code,
        context: std::ptr::null(),
        release: None,
    };
    assert_eq!(code_sum("a🦀", &on_char), 0x61 + 0x1F980);
}

#[ffi_inventory]
pub fn inventory() -> Inventory {
    Inventory::new()
        .function::<each_word>()
        .function::<sum_windows>()
        .function::<each_line>()
        .function::<code_sum>()
}

#[test]
fn the_inventory_says_str() {
    let json = inventory().to_json().unwrap();
    assert!(
        json.contains(r#""params":[{"name":"values","type":{"kind":"slice","element":{"kind":"primitive","name":"f64"},"mutable":false}}]"#),
        "{json}"
    );
    assert!(
        json.contains(r#""params":[{"name":"word","type":{"kind":"str"}},{"name":"index","type":{"kind":"primitive","name":"u32"}}]"#),
        "{json}"
    );
    assert!(
        json.contains(r#""params":[{"name":"c","type":{"kind":"primitive","name":"char"}}]"#),
        "{json}"
    );
    assert!(
        json.contains(r#""params":[{"name":"line","type":{"kind":"str"}},{"name":"numbers","type":{"kind":"slice","element":{"kind":"primitive","name":"u16"},"mutable":false}}]"#),
        "{json}"
    );
}

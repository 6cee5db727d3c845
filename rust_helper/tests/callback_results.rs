//! A callback's results that C cannot return by value: `String` crosses through a slot the
//! library passes last, which the foreign side fills with `set(result, bytes, len)`; the
//! library copies the bytes before `set` returns.

mod common;

use std::ffi::c_void;

use common::failure;
use hatch_interop::__private::TextResult;
use hatch_interop::prelude::*;

/// Names a value.
#[ffi_callback]
pub type OnLabel = fn(value: u32) -> String;

/// `set`, read from the slot as C reads it: the first field.
type Set = unsafe extern "C" fn(*mut TextResult, *const u8, usize) -> bool;

/// Fills `result` with `bytes`, as a C implementation does.
unsafe fn set(result: *mut TextResult, bytes: &[u8]) -> bool {
    // SAFETY: `result` points to a slot, whose first field is `set`.
    let set = unsafe { *result.cast::<Set>() };
    // SAFETY: `bytes` is readable for the call.
    unsafe { set(result, bytes.as_ptr(), bytes.len()) }
}

unsafe extern "C-unwind" fn label(_context: *const c_void, value: u32, result: *mut TextResult) {
    // The bytes are the callback's own: a temporary, gone when it returns.
    let text = format!("#{value}-é");
    // SAFETY: `result` is the slot the library passed.
    assert!(unsafe { set(result, text.as_bytes()) });
}

unsafe extern "C-unwind" fn nothing(
    _context: *const c_void,
    _value: u32,
    _result: *mut TextResult,
) {
}

unsafe extern "C-unwind" fn twice(_context: *const c_void, _value: u32, result: *mut TextResult) {
    // SAFETY: `result` is the slot the library passed.
    assert!(unsafe { set(result, b"first") });
    // SAFETY: as above.
    assert!(unsafe { set(result, b"") });
}

unsafe extern "C-unwind" fn not_utf8(
    _context: *const c_void,
    _value: u32,
    result: *mut TextResult,
) {
    // SAFETY: `result` is the slot the library passed.
    assert!(!unsafe { set(result, b"ok\xff") });
}

#[ffi_function]
pub fn label_all(values: &[u32], on_label: &OnLabel) -> String {
    values
        .iter()
        .map(|&value| on_label.call(value))
        .collect::<Vec<_>>()
        .join(",")
}

fn on_label(call: unsafe extern "C-unwind" fn(*const c_void, u32, *mut TextResult)) -> OnLabel {
    OnLabel {
        call,
        context: std::ptr::null(),
        release: None,
    }
}

#[test]
fn the_text_is_copied_before_the_callback_returns() {
    assert_eq!(label_all(&[1, 22], &on_label(label)), "#1-é,#22-é");
    assert_eq!(failure(), None);
}

#[test]
fn a_callback_that_sets_nothing_returns_the_empty_string() {
    assert_eq!(label_all(&[1, 2], &on_label(nothing)), ",");
    assert_eq!(failure(), None);
}

#[test]
fn a_later_set_replaces_an_earlier_one() {
    assert_eq!(label_all(&[1], &on_label(twice)), "");
}

#[test]
fn bytes_that_are_not_utf8_are_a_failure_naming_the_callback() {
    assert_eq!(label_all(&[1], &on_label(not_utf8)), "");
    assert_eq!(
        failure(),
        Some((
            4,
            "the result of the OnLabel callback is not UTF-8 (invalid byte at offset 2)".to_owned()
        ))
    );
}

#[ffi_inventory]
pub fn inventory() -> Inventory {
    Inventory::new().function::<label_all>()
}

#[test]
fn the_inventory_says_the_callback_returns_a_string() {
    let json = inventory().to_json().unwrap();
    assert!(
        json.contains(r#""name":"value","type":{"kind":"primitive","name":"u32"}}],"returns":{"kind":"string"}}"#),
        "{json}"
    );
}

//! A callback's results that not every foreign side can return by value: `String` crosses
//! through a slot the library passes last, which the foreign side fills with
//! `set(result, bytes, len)` (the library copies the bytes before `set` returns); a struct is
//! written into a slot (`S *result`) that holds zeroes until then.

mod common;

use std::ffi::c_void;

use common::failure;
use hatch_interop::__private::{EncodedResult, TextResult};
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

unsafe extern "C-unwind" fn vouched(_context: *const c_void, value: u32, result: *mut TextResult) {
    let text = format!("#{value}-é");
    // SAFETY: `result` points to a slot, whose first field is `set`.
    let set = unsafe { *result.cast::<Set>() };
    // The length's top bit: the caller vouches for the UTF-8 (a `String`'s), which the library
    // copies without validating it.
    let len = text.len() | (1 << (usize::BITS - 1));
    // SAFETY: `text` is readable for the call, and UTF-8.
    assert!(unsafe { set(result, text.as_ptr(), len) });
}

#[test]
fn a_length_vouching_for_its_utf8_is_taken_without_its_bit() {
    assert_eq!(label_all(&[1, 22], &on_label(vouched)), "#1-é,#22-é");
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

unsafe extern "C-unwind" fn null_bytes(
    _context: *const c_void,
    _value: u32,
    result: *mut TextResult,
) {
    // SAFETY: `result` points to a slot, whose first field is `set`.
    let set = unsafe { *result.cast::<Set>() };
    // SAFETY: the slot refuses NULL with a length rather than reading it.
    assert!(!unsafe { set(result, std::ptr::null(), 3) });
}

#[test]
fn null_bytes_with_a_length_are_refused_not_read() {
    assert_eq!(label_all(&[1], &on_label(null_bytes)), "");
    assert_eq!(
        failure(),
        Some((
            4,
            "the result of the OnLabel callback is NULL or too long for its length 3".to_owned()
        ))
    );
}

/// A point.
#[ffi_type]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    pub x: f32,
    pub y: f32,
    pub kind: Kind,
}

/// What a point is.
#[ffi_type]
#[derive(Clone, Copy, Debug, PartialEq)]
#[repr(u8)]
pub enum Kind {
    Plain = 0,
    Marked = 1,
}

/// Moves a point, given by reference.
#[ffi_callback]
pub type OnMove = fn(point: &Point, by: f32) -> Point;

/// Picks a kind (an enum result: by value, as before).
#[ffi_callback]
pub type OnKind = fn(index: u32) -> Kind;

unsafe extern "C-unwind" fn shift(
    _context: *const c_void,
    point: &Point,
    by: f32,
    result: *mut Point,
) {
    let moved = Point {
        x: point.x + by,
        y: point.y - by,
        kind: Kind::Marked,
    };
    // SAFETY: the library passes a slot valid for writes during the call.
    unsafe { result.write(moved) };
}

unsafe extern "C-unwind" fn fail(_context: *const c_void, _point: &Point, _by: f32, _: *mut Point) {
}

unsafe extern "C-unwind" fn marked(_context: *const c_void, index: u32) -> Kind {
    if index % 2 == 1 {
        Kind::Marked
    } else {
        Kind::Plain
    }
}

#[ffi_function]
pub fn move_all(points: &[Point], by: f32, on_move: &OnMove) -> Vec<Point> {
    points.iter().map(|point| on_move.call(point, by)).collect()
}

#[ffi_function]
pub fn marked_count(count: u32, on_kind: &OnKind) -> u32 {
    (0..count)
        .filter(|&index| on_kind.call(index) == Kind::Marked)
        .count() as u32
}

#[test]
fn a_struct_is_written_into_the_slot() {
    let on_move = OnMove {
        call: shift,
        context: std::ptr::null(),
        release: None,
    };
    let start = Point {
        x: 1.0,
        y: 2.0,
        kind: Kind::Plain,
    };
    let moved = Point {
        x: 1.5,
        y: 1.5,
        kind: Kind::Marked,
    };
    assert_eq!(move_all(&[start, start], 0.5, &on_move), [moved, moved]);
}

#[test]
fn a_struct_slot_nobody_writes_holds_zeroes() {
    let on_move = OnMove {
        call: fail,
        context: std::ptr::null(),
        release: None,
    };
    let zero = Point {
        x: 0.0,
        y: 0.0,
        kind: Kind::Plain,
    };
    assert_eq!(move_all(&[zero; 1], 0.5, &on_move), [zero]);
}

#[test]
fn an_enum_result_is_returned_by_value() {
    let on_kind = OnKind {
        call: marked,
        context: std::ptr::null(),
        release: None,
    };
    assert_eq!(marked_count(5, &on_kind), 2);
}

#[ffi_inventory]
pub fn inventory() -> Inventory {
    Inventory::new()
        .function::<label_all>()
        .function::<move_all>()
        .function::<marked_count>()
        .function::<halves>()
}

#[ffi_function]
pub fn halves(values: &[u32], on_check: &OnCheck) -> Result<u32, CheckError> {
    values.iter().map(|&value| on_check.call(value)).sum()
}

#[test]
fn the_inventory_says_the_callback_returns_a_string() {
    let json = inventory().to_json().unwrap();
    assert!(
        json.contains(r#""name":"value","type":{"kind":"primitive","name":"u32"}}],"returns":{"kind":"string"}}"#),
        "{json}"
    );
    // Only a `Result` has an error; other callbacks' documents are as they were.
    assert!(
        json.contains(r#""returns":{"kind":"primitive","name":"u32"},"error":{"kind":"named","name":"CheckError"}}"#),
        "{json}"
    );
}

/// Finds a point, maybe.
#[ffi_callback]
pub type OnFind = fn(index: u32) -> Option<Point>;

/// Names a value, maybe.
#[ffi_callback]
pub type OnMaybeLabel = fn(value: u32) -> Option<String>;

/// Scales a value, maybe.
#[ffi_callback]
pub type OnMaybeScale = fn(value: f64) -> Option<f64>;

unsafe extern "C-unwind" fn find(
    _context: *const c_void,
    index: u32,
    result: *mut FfiOption<Point>,
) {
    if index % 2 == 0 {
        let point = Point {
            x: index as f32,
            y: 0.0,
            kind: Kind::Marked,
        };
        // SAFETY: the library passes a slot valid for writes during the call.
        unsafe { result.write(FfiOption::some(point)) };
    }
}

unsafe extern "C-unwind" fn maybe_label(
    _context: *const c_void,
    value: u32,
    result: *mut TextResult,
) {
    if value > 1 {
        // SAFETY: `result` is the slot the library passed.
        assert!(unsafe { set(result, format!("{value}").as_bytes()) });
    }
}

unsafe extern "C-unwind" fn halve_positive(
    _context: *const c_void,
    value: f64,
    result: *mut FfiOption<f64>,
) {
    if value > 0.0 {
        // SAFETY: the library passes a slot valid for writes during the call.
        unsafe { result.write(FfiOption::some(value / 2.0)) };
    }
}

#[test]
fn an_option_slot_is_none_until_written() {
    let on_find = OnFind {
        call: find,
        context: std::ptr::null(),
        release: None,
    };
    assert_eq!(on_find.call(2).map(|point| point.x), Some(2.0));
    assert_eq!(on_find.call(1), None);
    let on_label = OnMaybeLabel {
        call: maybe_label,
        context: std::ptr::null(),
        release: None,
    };
    assert_eq!(on_label.call(1), None);
    assert_eq!(on_label.call(12).as_deref(), Some("12"));
    let on_scale = OnMaybeScale {
        call: halve_positive,
        context: std::ptr::null(),
        release: None,
    };
    assert_eq!(on_scale.call(3.0), Some(1.5));
    assert_eq!(on_scale.call(-3.0), None);
}

/// Why a check failed.
#[ffi_type]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum CheckError {
    TooBig = 1,
    Odd = 2,
}

impl std::fmt::Display for CheckError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            CheckError::TooBig => "too big",
            CheckError::Odd => "odd",
        })
    }
}

/// Checks a value: its half, or why not.
#[ffi_callback]
pub type OnCheck = fn(value: u32) -> Result<u32, CheckError>;

/// Names a value, or says why not.
#[ffi_callback]
pub type OnCheckedLabel = fn(value: u32) -> Result<String, CheckError>;

unsafe extern "C-unwind" fn check(
    _context: *const c_void,
    value: u32,
    error: *mut FfiOption<CheckError>,
) -> u32 {
    let failed = if value > 10 {
        CheckError::TooBig
    } else if value % 2 == 1 {
        CheckError::Odd
    } else {
        return value / 2;
    };
    // SAFETY: the library passes a slot valid for writes during the call.
    unsafe { error.write(FfiOption::some(failed)) };
    0
}

unsafe extern "C-unwind" fn checked_label(
    _context: *const c_void,
    value: u32,
    error: *mut FfiOption<CheckError>,
    result: *mut TextResult,
) {
    if value > 10 {
        // SAFETY: the library passes a slot valid for writes during the call.
        unsafe { error.write(FfiOption::some(CheckError::TooBig)) };
    } else {
        // SAFETY: `result` is the slot the library passed.
        assert!(unsafe { set(result, format!("<{value}>").as_bytes()) });
    }
}

#[test]
fn an_error_slot_is_none_unless_the_callback_fails() {
    let on_check = OnCheck {
        call: check,
        context: std::ptr::null(),
        release: None,
    };
    assert_eq!(on_check.call(4), Ok(2));
    assert_eq!(on_check.call(5), Err(CheckError::Odd));
    assert_eq!(on_check.call(12), Err(CheckError::TooBig));
    let on_label = OnCheckedLabel {
        call: checked_label,
        context: std::ptr::null(),
        release: None,
    };
    assert_eq!(on_label.call(3).as_deref(), Ok("<3>"));
    assert_eq!(on_label.call(11), Err(CheckError::TooBig));
}

/// Splits a word (a callback that returns a `Vec`: set encoded into a slot the library passes).
#[ffi_callback]
pub type OnSplit = fn(word: &str) -> Vec<String>;

/// `set` of an encoded slot, read as C reads it: the first field.
type SetEncoded = unsafe extern "C" fn(*mut EncodedResult<Vec<String>>, *const u8, usize) -> bool;

/// Sets the parts of "ab" (`["a", "b"]`), sets bytes that are no `Vec<String>` for "bad", and
/// sets nothing for anything else (as a callback that failed).
unsafe extern "C-unwind" fn split(
    _context: *const c_void,
    word: *const u8,
    len: usize,
    slot: *mut EncodedResult<Vec<String>>,
) {
    // SAFETY: the library passes the word's bytes for the call.
    let word = unsafe { std::slice::from_raw_parts(word, len) };
    // SAFETY: `slot` points to the slot, whose first field is `set`.
    let set = unsafe { *slot.cast::<SetEncoded>() };
    let mut encoded = 2u64.to_le_bytes().to_vec();
    for part in ["a", "b"] {
        encoded.extend_from_slice(&1u64.to_le_bytes());
        encoded.extend_from_slice(part.as_bytes());
    }
    match word {
        // SAFETY: `encoded` is readable for the call.
        b"ab" => assert!(unsafe { set(slot, encoded.as_ptr(), encoded.len()) }),
        // SAFETY: as above; a count of 2 with no items after it.
        b"bad" => assert!(!unsafe { set(slot, encoded.as_ptr(), 8) }),
        _ => {}
    }
}

#[test]
fn an_encoded_result_is_decoded_or_empty() {
    let on_split = OnSplit {
        call: split,
        context: std::ptr::null(),
        release: None,
    };
    assert_eq!(on_split.call("ab"), ["a", "b"]);
    assert!(failure().is_none());
    assert!(on_split.call("other").is_empty());
    assert!(on_split.call("bad").is_empty());
    let (kind, message) = failure().expect("a failure");
    assert_eq!(kind, 4);
    assert!(
        message.starts_with("the result of the OnSplit callback "),
        "{message}"
    );
}

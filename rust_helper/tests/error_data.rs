//! Error enums whose variants carry data: a returned `Err` is a failure of kind 2 whose code is
//! the variant's index, whose message is the `Display` text and whose payload is the error in
//! the wire encoding (freed by the caller); a field-less error enum's failure has no payload.

mod common;

use std::ffi::c_void;
use std::fmt;

use common::{failure, full_failure};
use hatch_interop::__private::EncodedResult;
use hatch_interop::prelude::*;

/// Why a length does not parse.
#[ffi_type]
#[derive(Clone, Debug, PartialEq)]
pub enum ParseError {
    /// The text is blank.
    Empty,
    /// The unit is unknown.
    UnknownUnit {
        unit: String,
    },
    TooLong {
        limit: u64,
    },
    NotANumber(String, u32),
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::Empty => write!(f, "blank"),
            ParseError::UnknownUnit { unit } => write!(f, "unknown unit {unit}"),
            ParseError::TooLong { limit } => write!(f, "longer than {limit}"),
            ParseError::NotANumber(text, at) => write!(f, "{text} at {at}"),
        }
    }
}

/// A field-less error enum, for comparison.
#[ffi_type]
#[derive(Debug)]
pub enum Plain {
    Bad = 7,
}

impl fmt::Display for Plain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("bad")
    }
}

#[ffi_function]
pub fn parse(text: &str) -> Result<u32, ParseError> {
    match text {
        "" => Err(ParseError::Empty),
        "pc" => Err(ParseError::UnknownUnit {
            unit: "pc".to_owned(),
        }),
        "huge" => Err(ParseError::TooLong { limit: u64::MAX }),
        "x" => Err(ParseError::NotANumber("x".to_owned(), 0)),
        _ => Ok(42),
    }
}

#[ffi_function]
pub fn plain() -> Result<(), Plain> {
    Err(Plain::Bad)
}

#[ffi_inventory]
pub fn inventory() -> Inventory {
    Inventory::new().function::<parse>().function::<plain>()
}

fn parsed(text: &str) -> u32 {
    // SAFETY: a valid pointer and length.
    unsafe { __hatch_interop_shim_parse(text.as_ptr(), text.len()).assume_init() }
}

fn encoded(error: &ParseError) -> Vec<u8> {
    let mut out = Vec::new();
    hatch_interop::__private::FfiWire::__write(error, &mut out);
    assert_eq!(hatch_interop::__private::FfiWire::__size(error), out.len());
    out
}

#[test]
fn the_error_crosses_as_its_index_message_and_encoding() {
    assert_eq!(parsed("12"), 42);
    assert!(full_failure().is_none());
    for (text, index, message, error) in [
        ("", 0, "blank", ParseError::Empty),
        (
            "pc",
            1,
            "unknown unit pc",
            ParseError::UnknownUnit {
                unit: "pc".to_owned(),
            },
        ),
        (
            "huge",
            2,
            "longer than 18446744073709551615",
            ParseError::TooLong { limit: u64::MAX },
        ),
        ("x", 3, "x at 0", ParseError::NotANumber("x".to_owned(), 0)),
    ] {
        assert_eq!(parsed(text), 0, "a failed call returns zeroes");
        let failure = full_failure().expect("a failure");
        assert_eq!(failure.kind, 2);
        assert_eq!(failure.code, index);
        assert_eq!(failure.message, message);
        assert_eq!(failure.payload, encoded(&error));
        assert_eq!(
            failure.payload[..4],
            u32::try_from(index).unwrap().to_le_bytes()
        );
    }
}

#[test]
fn a_field_less_error_has_no_payload() {
    // SAFETY: no arguments.
    unsafe { __hatch_interop_shim_plain() };
    let failure = full_failure().expect("a failure");
    assert_eq!((failure.kind, failure.code), (2, 7));
    assert_eq!(failure.message, "bad");
    assert!(failure.payload.is_empty());
}

#[test]
fn the_inventory_names_the_record_enum_as_the_error() {
    let json = inventory().to_json().expect("a valid inventory");
    assert!(
        json.contains(r#""error":{"kind":"named","name":"ParseError"}"#),
        "{json}"
    );
    assert!(
        json.contains(r#"{"kind":"record_enum","name":"ParseError""#),
        "{json}"
    );
}

/// Reads a number, or fails with an error that carries data.
#[ffi_callback]
pub type OnRead = fn(text: &str) -> Result<u32, ParseError>;

/// `set`, read from the slot as C reads it: the first field.
type Set = unsafe extern "C" fn(*mut EncodedResult<ParseError>, *const u8, usize) -> bool;

/// Fills `error` with `bytes`, as a C implementation does.
unsafe fn set(error: *mut EncodedResult<ParseError>, bytes: &[u8]) -> bool {
    // SAFETY: `error` points to a slot, whose first field is `set`.
    let set = unsafe { *error.cast::<Set>() };
    // SAFETY: `bytes` is readable for the call.
    unsafe { set(error, bytes.as_ptr(), bytes.len()) }
}

/// Fails for "pc" with `UnknownUnit`, sends bytes that are no error for "bad" and bytes with
/// more after the error for "long"; else returns 7.
unsafe extern "C-unwind" fn read(
    _context: *const c_void,
    text: *const u8,
    len: usize,
    error: *mut EncodedResult<ParseError>,
) -> u32 {
    // SAFETY: the library passes the text's bytes for the call.
    let text = unsafe { std::slice::from_raw_parts(text, len) };
    let unknown = encoded(&ParseError::UnknownUnit {
        unit: "pc".to_owned(),
    });
    // SAFETY (each `set`): `error` is the slot the library passed.
    match text {
        b"pc" => assert!(unsafe { set(error, &unknown) }),
        b"bad" => assert!(!unsafe { set(error, &9u32.to_le_bytes()) }),
        b"long" => assert!(!unsafe { set(error, &[&unknown[..], b"x"].concat()) }),
        _ => return 7,
    }
    0
}

#[test]
fn a_callback_fails_with_an_error_that_carries_data() {
    let on_read = OnRead {
        call: read,
        context: std::ptr::null(),
        release: None,
    };
    assert_eq!(on_read.call("12"), Ok(7));
    assert!(failure().is_none());
    assert_eq!(
        on_read.call("pc"),
        Err(ParseError::UnknownUnit {
            unit: "pc".to_owned()
        })
    );
    assert!(failure().is_none());
    // Bytes that are no error: no `Err` (the result is the callback's zeroes), and a failure of
    // kind 4 naming the callback for the library call it runs inside.
    assert_eq!(on_read.call("bad"), Ok(0));
    let (kind, message) = failure().expect("a failure");
    assert_eq!(kind, 4);
    assert!(
        message.starts_with("the error of the OnRead callback ")
            && message.contains("9 is not the index of a variant of ParseError"),
        "{message}"
    );
    assert_eq!(on_read.call("long"), Ok(0));
    let (_, message) = failure().expect("a failure");
    assert_eq!(
        message,
        "the error of the OnRead callback has trailing bytes after the error (1)"
    );
}

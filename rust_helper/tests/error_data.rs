//! Error enums whose variants carry data: a returned `Err` is a failure of kind 2 whose code is
//! the variant's index, whose message is the `Display` text and whose payload is the error in
//! the wire encoding (freed by the caller); a field-less error enum's failure has no payload.

mod common;

use std::fmt;

use common::full_failure;
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

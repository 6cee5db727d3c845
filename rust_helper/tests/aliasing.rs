//! A call one of whose `&mut` arguments shares memory with another of its arguments is refused before the
//! function runs: Rust's references never alias so (a caller passing one struct, or one buffer, twice).

mod common;

use common::failure_message;
use hatch_interop::prelude::*;

#[ffi_type]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pair {
    pub a: f64,
    pub b: f64,
}

/// Adds `other` into `into`.
#[ffi_function]
pub fn add_into(into: &mut Pair, other: &Pair) {
    into.a += other.a;
    into.b += other.b;
}

/// Two shared references: they may be one struct.
#[ffi_function]
pub fn add_both(x: &Pair, y: &Pair) -> f64 {
    x.a + y.b
}

/// An optional `&mut`.
#[ffi_function]
pub fn add_maybe(into: Option<&mut Pair>, other: &Pair) -> bool {
    match into {
        Some(into) => {
            into.a += other.a;
            true
        }
        None => false,
    }
}

/// Copies as much of `src` as fits into `dst`.
#[ffi_function]
pub fn copy_into(dst: &mut [u8], src: &[u8]) -> usize {
    let n = dst.len().min(src.len());
    dst[..n].copy_from_slice(&src[..n]);
    n
}

/// Writes `text`'s bytes into `dst`.
#[ffi_function]
pub fn text_into(dst: &mut [u8], text: &str) -> usize {
    copy_into(dst, text.as_bytes())
}

/// Writes `text`'s bytes, without its NUL, into `dst`.
#[ffi_function]
pub fn c_text_into(dst: &mut [u8], text: &std::ffi::CStr) -> usize {
    copy_into(dst, text.to_bytes())
}

const SHARED: &str = "share memory, and the call may change";

#[test]
fn a_struct_passed_as_a_mut_and_another_reference_is_refused() {
    let mut p = Pair { a: 1.0, b: 2.0 };
    let q = Pair { a: 10.0, b: 20.0 };
    // SAFETY (all below): valid pointers for the parameters' types, live for each call.
    unsafe { __hatch_interop_shim_add_into(&mut p, &q) };
    assert_eq!((p, failure_message()), (Pair { a: 11.0, b: 22.0 }, None));
    let pointer: *mut Pair = &mut p;
    unsafe { __hatch_interop_shim_add_into(pointer, pointer) };
    assert_eq!(
        failure_message().as_deref(),
        Some(
            "add_into() arguments `into` and `other` share memory, and the call may change `into` \
             (`&mut`): pass separate objects (a copy of one)"
        )
    );
    assert_eq!(p, Pair { a: 11.0, b: 22.0 }, "unchanged");
    // Shared references may alias; an optional `&mut` is checked when it is there.
    assert_eq!(
        unsafe { __hatch_interop_shim_add_both(&p, &p).assume_init() },
        33.0
    );
    assert_eq!(failure_message(), None);
    assert!(!unsafe {
        __hatch_interop_shim_add_maybe(std::ptr::null_mut(), pointer).assume_init()
    });
    assert_eq!(failure_message(), None);
    assert!(!unsafe { __hatch_interop_shim_add_maybe(pointer, pointer).assume_init() });
    assert!(failure_message().unwrap().contains(SHARED));
}

#[test]
fn overlapping_slices_are_refused_and_adjacent_ones_are_not() {
    let mut buffer = *b"abcdefgh";
    let base = buffer.as_mut_ptr();
    // SAFETY (all below): the pointers and lengths lie within `buffer`, live for each call.
    unsafe {
        assert_eq!(
            __hatch_interop_shim_copy_into(base, 4, base.add(2), 4).assume_init(),
            0
        );
        let message = failure_message().unwrap();
        assert!(
            message.starts_with(
                "copy_into() arguments `dst` and `src` share memory, and the call may change `dst`"
            ),
            "{message}"
        );
        assert_eq!(&buffer, b"abcdefgh");
        // Next to each other, or one of them empty: nothing shared.
        assert_eq!(
            __hatch_interop_shim_copy_into(base, 4, base.add(4), 4).assume_init(),
            4
        );
        assert_eq!((&buffer, failure_message()), (b"efghefgh", None));
        assert_eq!(
            __hatch_interop_shim_copy_into(base, 0, base, 8).assume_init(),
            0
        );
        assert_eq!(failure_message(), None);
        // Text inside the buffer it would be written into.
        assert_eq!(
            __hatch_interop_shim_text_into(base, 8, base.add(7), 1).assume_init(),
            0
        );
        assert!(failure_message()
            .unwrap()
            .contains("`dst` and `text` share memory"));
        // A C string inside it too (its NUL counts: it is the string's memory).
        *base.add(7) = 0;
        assert_eq!(
            __hatch_interop_shim_c_text_into(base, 7, base.add(6).cast()).assume_init(),
            0
        );
        assert!(failure_message()
            .unwrap()
            .contains("`dst` and `text` share memory"));
        assert_eq!(
            __hatch_interop_shim_c_text_into(base, 6, base.add(6).cast()).assume_init(),
            1
        );
        assert_eq!(failure_message(), None);
    }
}

/// An object the library owns (an opaque cell).
#[ffi_type(opaque)]
pub struct Token {
    value: u8,
}

#[ffi_function]
pub fn token_new(value: u8) -> Box<Token> {
    Box::new(Token { value })
}

#[ffi_function]
pub fn token_value(token: &Token) -> u8 {
    token.value
}

/// Takes `token` (moved into the call) and writes `src` into `dst`, then the token's value.
#[allow(clippy::boxed_local)] // the `Box` is the point: the parameter takes the caller's object
#[ffi_function]
pub fn spend_into(dst: &mut [u8], src: &[u8], token: Box<Token>) -> usize {
    let n = copy_into(dst, src);
    if let Some(last) = dst.get_mut(n) {
        *last = token.value;
    }
    n
}

#[test]
fn a_refused_call_takes_no_object() {
    let mut buffer = *b"abcdefgh";
    let base = buffer.as_mut_ptr();
    // SAFETY: the pointers and lengths lie within `buffer`; the token is the library's, released once.
    unsafe {
        let token = __hatch_interop_shim_token_new(b'!').assume_init();
        assert_eq!(
            __hatch_interop_shim_spend_into(base, 4, base.add(3), 2, token).assume_init(),
            0
        );
        assert!(failure_message()
            .unwrap()
            .contains("`dst` and `src` share memory"));
        // Still the caller's: the check ran before the `Box` took it.
        assert_eq!(__hatch_interop_shim_token_value(token).assume_init(), b'!');
        assert_eq!(
            __hatch_interop_shim_spend_into(base, 4, base.add(4), 2, token).assume_init(),
            2
        );
        assert_eq!((&buffer, failure_message()), (b"ef!defgh", None));
        token_ffi_drop(token.cast());
    }
}

unsafe extern "C" {
    // As a foreign owner gives the object back.
    fn token_ffi_drop(object: *mut std::ffi::c_void);
}

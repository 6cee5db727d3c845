//! Owned values that have no C layout (`Vec<String>`, `HashMap<String, u32>`, `Option<String>`)
//! cross as bytes in one documented encoding, the *wire format*: a parameter as a pointer to
//! the caller's bytes and their count (read, checked and decoded before the call), a result as
//! a buffer the caller frees, like a `Vec<u8>`'s.
//!
//! The encoding (little-endian throughout; docs/wire-format.md is its reference):
//!
//! * an integer: its own width (`usize`/`isize` as 8 bytes, `u128`/`i128` as 16); `f32`/`f64`:
//!   IEEE 754; `bool`: one byte, 0 or 1; `char`: its code point as a `u32`;
//! * `String`: its length in bytes as a `u64`, then its UTF-8 bytes;
//! * `Vec<T>`: the item count as a `u64`, then the items;
//! * `Option<T>`: one byte, 0 for `None` or 1 for `Some`, then the value for `Some`;
//! * `HashMap<K, V>`, `BTreeMap<K, V>`: the entry count as a `u64`, then each key and its value (a
//!   key that appears twice keeps its last value).
//!
//! Decoding checks everything a caller could get wrong (a length past the end, invalid UTF-8, a
//! `bool` byte other than 0 and 1, bytes left over) and never allocates more than the input can
//! hold, so that no input is undefined behaviour or an abort.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, Hash};

use crate::abi::{Failure, FfiBuffer, FfiBytes};
use crate::defs::{TypeRef, TypeRegistry};
use crate::option::FfiOption;

/// A value with a wire encoding (see the module's documentation).
///
/// # Safety
///
/// `__wire_ref` describes the encoding `__write` and `__read` use. Implemented by this crate; do
/// not implement it by hand.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be part of an owned value across the FFI boundary",
    label = "not a supported field of a record or item of a Vec, Option or map",
    note = "the fields of a record (an #[ffi_type] struct with owned fields), the items of a \
            Vec<T> (other than a slice element), of an Option<T> holding one, and the keys and \
            values of a HashMap or BTreeMap are numbers, bool, char, String, #[ffi_type] structs \
            without pointer fields, field-less #[ffi_type] enums, records, or Vec, Option, \
            HashMap or BTreeMap of those; map keys are String or integers"
)]
pub unsafe trait FfiWire: Sized {
    /// The value's type reference.
    fn __wire_ref(types: &mut TypeRegistry) -> TypeRef;

    /// Appends the value's encoding to `out`.
    fn __write(&self, out: &mut Vec<u8>);

    /// The number of bytes `__write` appends, exactly (a result's buffer is allocated once, at
    /// its size, rather than grown and then shrunk).
    fn __size(&self) -> usize;

    /// The least number of bytes a value takes (bounds what a count may claim).
    const __MIN_SIZE: usize;

    /// Decodes a value from the front of `input`, advancing it.
    fn __read(input: &mut &[u8]) -> Result<Self, WireError>;
}

/// A map key: a `String` or an integer.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the key of a map across the FFI boundary",
    label = "not a String or an integer",
    note = "the keys of a HashMap or BTreeMap are String or integers (Python dict keys)"
)]
pub unsafe trait FfiMapKey: FfiWire {}

/// What is wrong with an encoding, for the failure that names the argument.
#[derive(Debug)]
pub struct WireError(String);

impl WireError {
    #[cold]
    fn new(message: impl Into<String>) -> Self {
        WireError(message.into())
    }

    /// What is wrong with the encoding.
    pub(crate) fn into_message(self) -> String {
        self.0
    }

    /// A record enum's variant index that names no variant.
    #[cold]
    pub fn unknown_variant(name: &str, index: u32) -> Self {
        WireError(format!("{index} is not the index of a variant of {name}"))
    }
}

/// How deep records may nest inside one encoded value (only records hold themselves: a tree),
/// as serde_json limits nesting: deeper input is refused before it exhausts the stack of the
/// thread that decodes it (a foreign caller's, which may be small).
pub const MAX_RECORD_DEPTH: u32 = 128;

thread_local! {
    static RECORD_DEPTH: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// One level of record nesting while a record is read (see [`MAX_RECORD_DEPTH`]); the level
/// ends when the guard drops.
#[doc(hidden)]
pub struct RecordDepth(());

impl RecordDepth {
    /// Enters a record, or refuses one nested deeper than [`MAX_RECORD_DEPTH`].
    #[inline]
    pub fn enter(name: &str) -> Result<Self, WireError> {
        RECORD_DEPTH.with(|depth| {
            if depth.get() >= MAX_RECORD_DEPTH {
                return Err(WireError::new(format!(
                    "a {name} is nested deeper than {MAX_RECORD_DEPTH} records"
                )));
            }
            depth.set(depth.get() + 1);
            Ok(RecordDepth(()))
        })
    }
}

impl Drop for RecordDepth {
    #[inline]
    fn drop(&mut self) {
        RECORD_DEPTH.with(|depth| depth.set(depth.get() - 1));
    }
}

/// Takes `n` bytes from the front of `input`.
#[inline]
fn take<'a>(input: &mut &'a [u8], n: usize, what: &str) -> Result<&'a [u8], WireError> {
    if input.len() < n {
        return Err(WireError::new(format!(
            "it ends inside {what} ({n} bytes needed, {} left)",
            input.len()
        )));
    }
    let (head, rest) = input.split_at(n);
    *input = rest;
    Ok(head)
}

/// A count of items of at least `min_size` bytes each, checked against what is left.
#[inline]
fn count(input: &mut &[u8], min_size: usize, what: &str) -> Result<usize, WireError> {
    let raw = u64::from_le_bytes(take(input, 8, what)?.try_into().expect("8 bytes"));
    match usize::try_from(raw) {
        Ok(n) if n.saturating_mul(min_size) <= input.len() => Ok(n),
        _ => Err(WireError::new(format!(
            "{what} claims {raw} items, more than the {} bytes left can hold",
            input.len()
        ))),
    }
}

macro_rules! numbers {
    ($($ty:ident => $wire:ty;)*) => {$(
        unsafe impl FfiWire for $ty {
            fn __wire_ref(_: &mut TypeRegistry) -> TypeRef {
                TypeRef::Primitive(stringify!($ty))
            }

            #[inline]
            fn __write(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(&(*self as $wire).to_le_bytes());
            }

            #[inline]
            fn __size(&self) -> usize {
                Self::__MIN_SIZE
            }

            const __MIN_SIZE: usize = std::mem::size_of::<$wire>();

            #[inline]
            fn __read(input: &mut &[u8]) -> Result<Self, WireError> {
                let bytes = take(input, std::mem::size_of::<$wire>(), concat!("a ", stringify!($ty)))?;
                let value = <$wire>::from_le_bytes(bytes.try_into().expect("the width"));
                // `usize`/`isize` travel as 64 bits: a value this target cannot hold is refused.
                #[allow(clippy::useless_conversion, irrefutable_let_patterns)]
                match <$ty>::try_from(value) {
                    Ok(value) => Ok(value),
                    Err(_) => Err(WireError::new(format!(
                        "{value} is out of range for a {}", stringify!($ty)
                    ))),
                }
            }
        }
    )*};
}

numbers! {
    u8 => u8; u16 => u16; u32 => u32; u64 => u64; usize => u64;
    i8 => i8; i16 => i16; i32 => i32; i64 => i64; isize => i64;
    u128 => u128; i128 => i128;
}

unsafe impl FfiWire for char {
    fn __wire_ref(_: &mut TypeRegistry) -> TypeRef {
        TypeRef::Primitive("char")
    }

    #[inline]
    fn __write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&u32::from(*self).to_le_bytes());
    }

    #[inline]
    fn __size(&self) -> usize {
        Self::__MIN_SIZE
    }

    const __MIN_SIZE: usize = 4;

    #[inline]
    fn __read(input: &mut &[u8]) -> Result<Self, WireError> {
        let code = u32::from_le_bytes(take(input, 4, "a char")?.try_into().expect("4 bytes"));
        char::from_u32(code).ok_or_else(|| {
            WireError::new(format!(
                "a char is {code:#X}, which is not a Unicode scalar value"
            ))
        })
    }
}

macro_rules! map_keys {
    ($($ty:ty)*) => {$( unsafe impl FfiMapKey for $ty {} )*};
}

map_keys!(u8 u16 u32 u64 usize i8 i16 i32 i64 isize u128 i128 String);

macro_rules! floats {
    ($($ty:ident)*) => {$(
        unsafe impl FfiWire for $ty {
            fn __wire_ref(_: &mut TypeRegistry) -> TypeRef {
                TypeRef::Primitive(stringify!($ty))
            }

            #[inline]
            fn __write(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }

            #[inline]
            fn __size(&self) -> usize {
                Self::__MIN_SIZE
            }

            const __MIN_SIZE: usize = std::mem::size_of::<$ty>();

            #[inline]
            fn __read(input: &mut &[u8]) -> Result<Self, WireError> {
                let bytes = take(input, std::mem::size_of::<$ty>(), concat!("a ", stringify!($ty)))?;
                Ok(<$ty>::from_le_bytes(bytes.try_into().expect("the width")))
            }
        }
    )*};
}

floats!(f32 f64);

unsafe impl FfiWire for bool {
    fn __wire_ref(_: &mut TypeRegistry) -> TypeRef {
        TypeRef::Primitive("bool")
    }

    #[inline]
    fn __write(&self, out: &mut Vec<u8>) {
        out.push(u8::from(*self));
    }

    #[inline]
    fn __size(&self) -> usize {
        1
    }

    const __MIN_SIZE: usize = 1;

    #[inline]
    fn __read(input: &mut &[u8]) -> Result<Self, WireError> {
        match take(input, 1, "a bool")?[0] {
            0 => Ok(false),
            1 => Ok(true),
            other => Err(WireError::new(format!(
                "a bool is {other}, which is not 0 or 1"
            ))),
        }
    }
}

unsafe impl FfiWire for String {
    fn __wire_ref(_: &mut TypeRegistry) -> TypeRef {
        TypeRef::String
    }

    #[inline]
    fn __write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&(self.len() as u64).to_le_bytes());
        out.extend_from_slice(self.as_bytes());
    }

    #[inline]
    fn __size(&self) -> usize {
        8 + self.len()
    }

    const __MIN_SIZE: usize = 8;

    fn __read(input: &mut &[u8]) -> Result<Self, WireError> {
        let len = count(input, 1, "a string")?;
        let bytes = take(input, len, "a string")?;
        match std::str::from_utf8(bytes) {
            Ok(text) => Ok(text.to_owned()),
            Err(error) => Err(WireError::new(format!(
                "a string is not valid UTF-8: {error}"
            ))),
        }
    }
}

unsafe impl<T: FfiWire> FfiWire for Vec<T> {
    fn __wire_ref(types: &mut TypeRegistry) -> TypeRef {
        TypeRef::Vec {
            element: Box::new(T::__wire_ref(types)),
        }
    }

    fn __write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&(self.len() as u64).to_le_bytes());
        for item in self {
            item.__write(out);
        }
    }

    fn __size(&self) -> usize {
        self.iter().fold(8, |size, item| size + item.__size())
    }

    const __MIN_SIZE: usize = 8;

    fn __read(input: &mut &[u8]) -> Result<Self, WireError> {
        // Every item takes at least one byte here, so the count cannot claim more memory than
        // the input's size times the item's.
        let n = count(input, T::__MIN_SIZE.max(1), "a list")?;
        let mut items = Vec::with_capacity(n);
        for _ in 0..n {
            items.push(T::__read(input)?);
        }
        Ok(items)
    }
}

unsafe impl<T: FfiWire> FfiWire for Option<T> {
    fn __wire_ref(types: &mut TypeRegistry) -> TypeRef {
        TypeRef::Option {
            inner: Box::new(T::__wire_ref(types)),
        }
    }

    fn __write(&self, out: &mut Vec<u8>) {
        write_option(self.as_ref(), out);
    }

    fn __size(&self) -> usize {
        1 + self.as_ref().map_or(0, T::__size)
    }

    const __MIN_SIZE: usize = 1;

    fn __read(input: &mut &[u8]) -> Result<Self, WireError> {
        match take(input, 1, "an option")?[0] {
            0 => Ok(None),
            1 => T::__read(input).map(Some),
            other => Err(WireError::new(format!(
                "an option's tag is {other}, which is not 0 (None) or 1 (Some)"
            ))),
        }
    }
}

/// An option's encoding: a tag byte, then the value for `Some`.
#[inline]
fn write_option<T: FfiWire>(value: Option<&T>, out: &mut Vec<u8>) {
    match value {
        None => out.push(0),
        Some(value) => {
            out.push(1);
            value.__write(out);
        }
    }
}

// An `FfiOption` field of a struct inside a record: as `Option<T>`.
unsafe impl<T: crate::traits::FfiOptional + FfiWire> FfiWire for FfiOption<T> {
    fn __wire_ref(types: &mut TypeRegistry) -> TypeRef {
        <FfiOption<T> as crate::traits::FfiType>::__type_ref(types)
    }

    fn __write(&self, out: &mut Vec<u8>) {
        write_option(self.as_ref(), out);
    }

    fn __size(&self) -> usize {
        1 + self.as_ref().map_or(0, T::__size)
    }

    const __MIN_SIZE: usize = 1;

    fn __read(input: &mut &[u8]) -> Result<Self, WireError> {
        Option::<T>::__read(input).map(FfiOption::from)
    }
}

// An array field of a struct inside a record: its items, without a count.
unsafe impl<T: FfiWire, const N: usize> FfiWire for [T; N] {
    fn __wire_ref(types: &mut TypeRegistry) -> TypeRef {
        TypeRef::Array {
            element: Box::new(T::__wire_ref(types)),
            len: N,
        }
    }

    fn __write(&self, out: &mut Vec<u8>) {
        for item in self {
            item.__write(out);
        }
    }

    fn __size(&self) -> usize {
        self.iter().map(T::__size).sum()
    }

    const __MIN_SIZE: usize = T::__MIN_SIZE * N;

    fn __read(input: &mut &[u8]) -> Result<Self, WireError> {
        let mut items = Vec::with_capacity(N);
        for _ in 0..N {
            items.push(T::__read(input)?);
        }
        Ok(items.try_into().ok().expect("N items"))
    }
}

macro_rules! maps {
    ($($map:ident<K: $($bound:ident)+ $(, $s:ident: $sbound:ident)?>;)*) => {$(
        unsafe impl<K: FfiMapKey $(+ $bound)+, V: FfiWire $(, $s: $sbound + Default)?> FfiWire
            for $map<K, V $(, $s)?>
        {
            fn __wire_ref(types: &mut TypeRegistry) -> TypeRef {
                TypeRef::Map {
                    key: Box::new(K::__wire_ref(types)),
                    value: Box::new(V::__wire_ref(types)),
                }
            }

            fn __write(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(&(self.len() as u64).to_le_bytes());
                for (key, value) in self {
                    key.__write(out);
                    value.__write(out);
                }
            }

            fn __size(&self) -> usize {
                self.iter().fold(8, |size, (key, value)| size + key.__size() + value.__size())
            }

            const __MIN_SIZE: usize = 8;

            fn __read(input: &mut &[u8]) -> Result<Self, WireError> {
                let n = count(input, (K::__MIN_SIZE + V::__MIN_SIZE).max(1), "a map")?;
                let mut map = Self::default();
                for _ in 0..n {
                    let key = K::__read(input)?;
                    let value = V::__read(input)?;
                    map.insert(key, value);
                }
                Ok(map)
            }
        }
    )*};
}

maps! {
    HashMap<K: Eq Hash, S: BuildHasher>;
    BTreeMap<K: Ord>;
}

/// A field-less enum's value inside an encoded one: its repr's bytes (little-endian, as the
/// targets hatch-interop builds for store them), checked to be a variant's value.
#[doc(hidden)]
pub fn wire_read_element<T: crate::traits::FfiSliceElement>(
    input: &mut &[u8],
) -> Result<T, WireError>
where
    T::__Raw: Copy,
{
    let size = std::mem::size_of::<T::__Raw>();
    debug_assert_eq!(size, std::mem::size_of::<T>());
    let bytes = take(input, size, T::__VALID)?;
    // SAFETY: `size` bytes of an integer type, for which every bit pattern is valid.
    let raw = unsafe { bytes.as_ptr().cast::<T::__Raw>().read_unaligned() };
    if let Some((_, value)) = T::__invalid_at(std::slice::from_ref(&raw)) {
        return Err(WireError::new(format!("{value} is not {}", T::__VALID)));
    }
    // SAFETY: checked to be the value of a variant; `__Raw` has `T`'s layout.
    Ok(unsafe { std::mem::transmute_copy::<T::__Raw, T>(&raw) })
}

/// A parameter of a type with a wire encoding, decoded from the caller's bytes.
///
/// # Safety
///
/// Unless `len` is 0, `ptr` points to `len` bytes that nothing writes to during the call.
#[doc(hidden)]
pub unsafe fn wire_arg<T: FfiWire>(ptr: *const u8, len: usize, name: &str) -> Result<T, Failure> {
    let mut input: &[u8] = if len == 0 {
        &[]
    } else {
        crate::abi::check_slice::<u8>(ptr, len, name)?;
        // SAFETY: checked non-null and not too long; the caller promises the rest.
        unsafe { std::slice::from_raw_parts(ptr, len) }
    };
    let value = T::__read(&mut input).map_err(|WireError(message)| {
        Failure::invalid_argument(format_args!(
            "argument `{name}` is not a valid encoding: {message}"
        ))
    })?;
    if !input.is_empty() {
        return Err(Failure::invalid_argument(format_args!(
            "argument `{name}` is not a valid encoding: {} bytes are left after the value",
            input.len()
        )));
    }
    Ok(value)
}

/// A parameter passed as [`FfiBytes`] (a record, or an `Option` of one), decoded.
///
/// # Safety
///
/// As for [`wire_arg`].
#[doc(hidden)]
#[inline]
pub unsafe fn wire_bytes_arg<T: FfiWire>(bytes: FfiBytes, name: &str) -> Result<T, Failure> {
    // SAFETY: forwarded from the caller.
    unsafe { wire_arg(bytes.ptr, bytes.len, name) }
}

/// A result of a type with a wire encoding: its bytes, in a buffer the caller frees.
#[doc(hidden)]
pub fn wire_result<T: FfiWire>(value: &T) -> Result<FfiBuffer<u8>, Failure> {
    // Allocated once at its size (growing from nothing would reallocate at 8, 16, 32... bytes, and
    // the buffer handed over must be exactly as long as its contents); no memory is a failure.
    let mut out = Vec::new();
    if out.try_reserve_exact(value.__size()).is_err() {
        return Err(Failure::out_of_memory());
    }
    value.__write(&mut out);
    debug_assert_eq!(
        out.len(),
        value.__size(),
        "`__size` is the encoding's length"
    );
    FfiBuffer::from_vec(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip<T: FfiWire + PartialEq + std::fmt::Debug>(value: T) {
        let mut out = Vec::new();
        value.__write(&mut out);
        assert_eq!(value.__size(), out.len(), "{value:?}");
        let mut input = &out[..];
        assert_eq!(T::__read(&mut input).unwrap(), value);
        assert!(input.is_empty());
    }

    fn read_error<T: FfiWire + std::fmt::Debug>(bytes: &[u8]) -> String {
        let mut input = bytes;
        T::__read(&mut input).unwrap_err().0
    }

    #[test]
    fn values_round_trip() {
        round_trip(vec!["a".to_owned(), String::new(), "日本🦀".to_owned()]);
        round_trip(Some(vec![Some(1u8), None]));
        round_trip(vec![vec![1.5f64, -0.0], vec![]]);
        round_trip(HashMap::from([("k".to_owned(), vec![true, false])]));
        round_trip(BTreeMap::from([(-3i64, Some("x".to_owned())), (7, None)]));
        round_trip(vec![usize::MAX, 0]);
        round_trip(vec![u128::MAX, 0]);
        round_trip(Some(i128::MIN));
        round_trip(vec!['é', '🦀']);
        round_trip([[1u16, 2], [3, 4]]);
    }

    #[test]
    fn the_encoding_is_the_documented_one() {
        let mut out = Vec::new();
        Some(vec!["hé".to_owned()]).__write(&mut out);
        assert_eq!(
            out,
            [1, 1, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, b'h', 0xc3, 0xa9]
        );
    }

    #[test]
    fn bad_input_is_an_error_not_an_allocation() {
        // A count of 2^61 strings in 8 bytes: refused before anything is allocated.
        let mut huge = u64::MAX.to_le_bytes().to_vec();
        huge.extend([0; 8]);
        assert!(read_error::<Vec<String>>(&huge).contains("more than the 8 bytes left"));
        assert!(read_error::<String>(&[1, 0, 0, 0, 0, 0, 0, 0, 0xff]).contains("UTF-8"));
        assert!(read_error::<bool>(&[2]).contains("not 0 or 1"));
        assert!(read_error::<char>(&0xD800u32.to_le_bytes()).contains("0xD800, which is not"));
        assert!(read_error::<Option<u8>>(&[3]).contains("not 0 (None) or 1 (Some)"));
        assert!(read_error::<u32>(&[1, 2]).contains("ends inside a u32"));
        assert!(read_error::<Vec<u16>>(&[2, 0, 0, 0, 0, 0, 0, 0, 1, 0]).contains("claims 2"));
    }
}

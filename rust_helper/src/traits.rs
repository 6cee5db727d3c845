//! The traits through which the type system describes the C ABI.
//!
//! The attribute macros implement them; generated code calls their hidden methods. Each
//! trait carries a `#[diagnostic::on_unimplemented]` message so that a misuse is reported
//! in FFI terms at the user's own code.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, Hash};
use std::mem::MaybeUninit;

use crate::abi::{Failure, FfiArray, FfiBuffer, FfiInt128, FfiTexts, ReturnAbi};
use crate::defs::{ConstValue, ConstantDef, FunctionDef, ServiceDef, TypeRef, TypeRegistry};
use crate::opaque::Borrow;
use crate::option::FfiOption;
use crate::wire::{wire_result, FfiMapKey, FfiWire};

/// A type that can cross the C ABI by value, as a parameter, return value or field.
///
/// Implemented for the primitives `u8` `u16` `u32` `u64` `usize` `i8` `i16` `i32` `i64`
/// `isize` `f32` `f64` `bool`, for `#[ffi_type]` structs and enums, and for the pointers
/// `&T`, `&mut T`, `Box<T>`, `*const T` and `*mut T` to an [`FfiPointee`].
///
/// # Safety
///
/// Implementations promise that the type has exactly the C layout their type reference
/// describes. Use `#[ffi_type]` instead of implementing this by hand.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot cross the FFI boundary: it is not an FFI type",
    label = "`{Self}` is not an FFI type",
    note = "annotate your own structs and enums with #[ffi_type], or use a supported type: \
            u8, u16, u32, u64, usize, i8, i16, i32, i64, isize, f32, f64, bool, an #[ffi_type] \
            struct or enum, or &T, &mut T, Box<T>, *const T, *mut T where T is an #[ffi_type] \
            struct or an #[ffi_type(opaque)] type",
    note = "#[ffi_type(opaque)] types cross only behind such a pointer, and `()` only as a \
            return type",
    note = "parameters may also be &str, String, &CStr, &[T], &mut [T] or Vec<T> (spelled so, \
            not through an alias), and functions may also return String, Vec<T> or \
            Result<T, E>; an optional value is Option<T> as a parameter or result, and \
            hatch_interop::FfiOption<T> in a struct field (Rust's Option<T> has no C layout); an \
            optional pointer is Option<&T>, Option<&mut T> or Option<Box<T>>; struct fields may \
            also be arrays [T; N]",
    note = "`char`, `u128` and `i128` are function parameters (spelled so, not through an alias) \
            and results only (and a `char` a callback's parameter): C has no `char` a Rust `char` \
            can be read from unchecked, and no 128-bit integer every target defines",
    note = "a record (an #[ffi_type] struct with owned fields) has no C layout: a struct that \
            holds one is a record too, with #[ffi_type(record)]"
)]
pub unsafe trait FfiType {
    /// Whether the type is a pointer to an `#[ffi_type(opaque)]` type: such a pointer is an
    /// object's cell, which only the shims of function parameters know how to use.
    #[doc(hidden)]
    const __OPAQUE_POINTER: bool = false;

    /// Whether the type is (or holds, as an array's elements) a pointer safe Rust dereferences or
    /// frees without a check: a reference or a `Box` (optional ones too). A struct's fields are
    /// set by the foreign side to any address (a Python field is an `int`), so such a field would
    /// let it make Rust read, write or free memory at will: `#[ffi_type]` refuses them.
    #[doc(hidden)]
    const __TRUSTED_POINTER: bool = false;

    #[doc(hidden)]
    fn __type_ref(types: &mut TypeRegistry) -> TypeRef;
}

/// A type that FFI pointers (`&T`, `&mut T`, `Box<T>`, `*const T`, `*mut T`) may point to:
/// an `#[ffi_type]` struct, a data-carrying `#[ffi_type]` enum or an `#[ffi_type(opaque)]`
/// type.
///
/// # Safety
///
/// Implemented by `#[ffi_type]`; do not implement it by hand.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be pointed to across the FFI boundary",
    label = "pointers to `{Self}` are not supported",
    note = "FFI pointers (&T, &mut T, Box<T>, *const T, *mut T) must point to an #[ffi_type] \
            struct, a data-carrying #[ffi_type] enum or an #[ffi_type(opaque)] type; pointers to \
            primitives and field-less enums are not supported yet"
)]
pub unsafe trait FfiPointee: TypeInfo + Sized {
    /// Whether the type is `#[ffi_type(opaque)]`: its owned objects are
    /// [`OpaqueCell`](crate::opaque::OpaqueCell)s, and pointers to it are not plain pointers.
    #[doc(hidden)]
    const __OPAQUE: bool = false;

    /// What a function returning `Box<Self>` hands the foreign side (for an opaque type, a new
    /// cell, whose allocation may fail).
    #[doc(hidden)]
    fn __into_raw(value: Box<Self>) -> Result<*mut Self, Failure> {
        Ok(Box::into_raw(value))
    }

    /// The borrow a pointer parameter holds for the call (shared, or exclusive if
    /// `exclusive`): for an opaque type, one of its cell; otherwise the pointer itself.
    ///
    /// # Safety
    ///
    /// `pointer` is non-null and valid for its parameter's type, as the inventory describes it.
    #[doc(hidden)]
    unsafe fn __borrow<'a>(
        pointer: *mut Self,
        exclusive: bool,
        function: &str,
        param: &str,
    ) -> Result<Borrow<'a, Self>, Failure> {
        let _ = (exclusive, function, param);
        Ok(Borrow::plain(pointer))
    }

    /// The value a `Box<Self>` parameter takes: for an opaque type, out of its cell.
    ///
    /// # Safety
    ///
    /// As for [`FfiPointee::__borrow`].
    #[doc(hidden)]
    unsafe fn __take(
        pointer: *mut Self,
        function: &str,
        param: &str,
    ) -> Result<Box<Self>, Failure> {
        let _ = (function, param);
        // SAFETY: the caller hands over a `Box<Self>` it owns.
        Ok(unsafe { Box::from_raw(pointer) })
    }
}

/// A type whose objects a function may return behind a reference or a raw pointer (`&T`,
/// `&mut T`, `*const T`, `*mut T`, `Option<&T>`, `Option<&mut T>`): an `#[ffi_type]` struct or
/// data-carrying enum. Not an `#[ffi_type(opaque)]` type, whose objects the foreign side holds
/// as cells that arbitrate every call: only an owned one (`Box<T>`) can be such a cell.
///
/// # Safety
///
/// Implemented by `#[ffi_type]`; do not implement it by hand.
#[diagnostic::on_unimplemented(
    message = "a function cannot return a reference or raw pointer to the opaque type `{Self}`",
    label = "`{Self}` is #[ffi_type(opaque)]: only owned objects of it cross to the caller",
    note = "the caller's objects of an opaque type are cells that arbitrate every call (a `&mut` \
            call never races another call, a `Box` parameter takes the object once); a \
            reference or raw pointer into Rust's memory cannot be such a cell",
    note = "return `Box<{Self}>` (or `Option<Box<{Self}>>`, `Result<Box<{Self}>, E>`): the \
            caller owns the object and drops it when done; or make `{Self}` an #[ffi_service] \
            and return data from its methods"
)]
pub unsafe trait FfiBorrowedResult: FfiPointee {}

/// How the shim of a pointer parameter (`&T`, `&mut T`, `Box<T>`, `*const T`, `*mut T`,
/// `Option<&T>`, `Option<&mut T>`, `Option<Box<T>>`) gets the argument from the C pointer:
/// through a borrow it holds for the call, or by taking the object.
///
/// # Safety
///
/// Implemented by this crate; do not implement it by hand.
#[doc(hidden)]
pub unsafe trait PointerArg: Sized {
    /// The C parameter: a pointer.
    type C;
    /// What the shim holds for the call.
    type Guard;
    /// The type's name if it is an opaque type (a service's included), whose objects' cells
    /// arbitrate their borrows: a shim tells one object passed as two conflicting parameters
    /// apart from another call's borrow by it (see `distinct_objects`). `None` for plain pointers.
    const __OBJECT: Option<&'static str>;

    /// Borrows or takes the object behind `c` for parameter `param` of `function`.
    ///
    /// # Safety
    ///
    /// `c` is valid for the parameter's type, as the inventory describes it.
    unsafe fn enter(c: Self::C, function: &str, param: &str) -> Result<Self::Guard, Failure>;

    /// The argument, valid while `guard` lives (the shim drops the guard after the call).
    ///
    /// # Safety
    ///
    /// Called once per guard.
    unsafe fn arg(guard: &mut Self::Guard) -> Self;
}

/// How the shim of a parameter taken by value gets the argument from what C passes: an
/// `FfiType` is passed as it is; an `#[ffi_service]` type's object (`other: Other`) is passed as
/// its handle and taken, as for `Box<Other>` (the caller's object is closed).
///
/// The trait, not the parameter's spelling, tells the two apart: `Other` and a struct `Vec2` are
/// both plain paths.
///
/// # Safety
///
/// Implementations promise that `C` is the C type their type reference describes. Implemented
/// by this crate and by `#[ffi_service]`; do not implement it by hand.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot cross the FFI boundary: it is not an FFI type",
    label = "`{Self}` is not an FFI type"
)]
pub unsafe trait ValueArg: Sized {
    /// The C parameter.
    type C;
    /// What the check makes of it: the argument, taken last (see [`TakeArg`]).
    type Checked: TakeArg<Value = Self>;

    /// Whether `C` is a pointer to an opaque type (see [`FfiType::__OPAQUE_POINTER`]).
    const __OPAQUE_POINTER: bool = false;

    fn __type_ref(types: &mut TypeRegistry) -> TypeRef;

    /// Checks (a record: decodes) the argument for parameter `param` of `function`, with the
    /// other arguments' checks, before anything is taken.
    ///
    /// # Safety
    ///
    /// `c` is valid for the parameter's type, as the inventory describes it.
    unsafe fn __check(c: Self::C, function: &str, param: &str) -> Result<Self::Checked, Failure>;
}

/// The second step of a by-value parameter: the checked argument, taken last, with the `Box`es
/// (a service's object is taken from its cell, which may fail). A trait of the checked value,
/// not of the parameter's type, so that a type that is no `ValueArg` is reported once.
#[doc(hidden)]
pub unsafe trait TakeArg {
    /// The argument.
    type Value;

    /// The argument, or a failure (the caller keeps what it passed).
    ///
    /// # Safety
    ///
    /// `self` comes from [`ValueArg::__check`] of this call.
    unsafe fn __take(self, function: &str, param: &str) -> Result<Self::Value, Failure>;
}

/// A checked argument that is ready as it is (an `FfiType`, a decoded record).
#[doc(hidden)]
pub struct Ready<T>(pub T);

unsafe impl<T> TakeArg for Ready<T> {
    type Value = T;

    #[inline(always)]
    unsafe fn __take(self, _: &str, _: &str) -> Result<T, Failure> {
        Ok(self.0)
    }
}

/// A service's object to take from its cell, as `Box<T>` does.
#[doc(hidden)]
pub struct ObjectToTake<T>(pub *mut T);

unsafe impl<T: FfiPointee> TakeArg for ObjectToTake<T> {
    type Value = T;

    #[inline]
    unsafe fn __take(self, function: &str, param: &str) -> Result<T, Failure> {
        // SAFETY: forwarded from the caller.
        unsafe { take_object(self.0, function, param) }
    }
}

unsafe impl<T: FfiType> ValueArg for T {
    type C = T;
    type Checked = Ready<T>;

    const __OPAQUE_POINTER: bool = T::__OPAQUE_POINTER;

    #[inline]
    fn __type_ref(types: &mut TypeRegistry) -> TypeRef {
        T::__type_ref(types)
    }

    #[inline(always)]
    unsafe fn __check(c: T, _: &str, _: &str) -> Result<Ready<T>, Failure> {
        Ok(Ready(c))
    }
}

/// A service object taken by value: taken from its cell as a `Box<T>` parameter takes it.
///
/// # Safety
///
/// As for [`PointerArg::enter`] of `Box<T>`.
#[doc(hidden)]
#[inline]
pub unsafe fn take_object<T: FfiPointee>(
    c: *mut T,
    function: &str,
    param: &str,
) -> Result<T, Failure> {
    // SAFETY: forwarded from the caller.
    let mut guard = unsafe { <Box<T> as PointerArg>::enter(c, function, param) }?;
    // SAFETY: once for this guard.
    Ok(*unsafe { <Box<T> as PointerArg>::arg(&mut guard) })
}

/// `T`'s name if it is an opaque type (see [`PointerArg::__OBJECT`]).
const fn object_name<T: FfiPointee>() -> Option<&'static str> {
    if T::__OPAQUE {
        Some(T::__NAME)
    } else {
        None
    }
}

/// The failure for a NULL where the parameter needs an object.
#[cold]
fn null_argument(function: &str, param: &str) -> Failure {
    Failure::invalid_argument(format_args!("{function}() argument `{param}` is NULL"))
}

macro_rules! borrowed_params {
    ($($ptr:ty => $c:ty, $exclusive:literal, $nullable:literal, |$p:ident| $arg:expr;)*) => {$(
        unsafe impl<T: FfiPointee> PointerArg for $ptr {
            type C = $c;
            type Guard = Option<Borrow<'static, T>>;
            const __OBJECT: Option<&'static str> = object_name::<T>();

            #[inline]
            unsafe fn enter(c: $c, function: &str, param: &str) -> Result<Self::Guard, Failure> {
                if c.is_null() {
                    return if $nullable { Ok(None) } else { Err(null_argument(function, param)) };
                }
                // SAFETY: forwarded from the caller.
                unsafe { T::__borrow((c as *const T).cast_mut(), $exclusive, function, param) }
                    .map(Some)
            }

            #[inline]
            unsafe fn arg(guard: &mut Self::Guard) -> Self {
                #[allow(unused_unsafe)]
                match guard {
                    // SAFETY: the borrow is held until the guard is dropped, after the call.
                    Some(borrow) => { let $p = borrow.pointer(); unsafe { $arg } }
                    None => Self::null(),
                }
            }
        }
    )*};
}

/// The `None` (or NULL) of an optional pointer parameter; never used for the others.
trait NullArg {
    fn null() -> Self;
}

impl<T> NullArg for &T {
    fn null() -> Self {
        unreachable!("a NULL is refused for a reference parameter")
    }
}

impl<T> NullArg for &mut T {
    fn null() -> Self {
        unreachable!("a NULL is refused for a reference parameter")
    }
}

impl<T> NullArg for *const T {
    fn null() -> Self {
        std::ptr::null()
    }
}

impl<T> NullArg for *mut T {
    fn null() -> Self {
        std::ptr::null_mut()
    }
}

impl<T> NullArg for Option<T> {
    fn null() -> Self {
        None
    }
}

// A reference the shim makes lives for `'static` in the shim's types, as before: the
// function's own signature (checked to borrow for no `'static`) cannot keep it past the call,
// and the guard holds the borrow until the call has returned.
borrowed_params! {
    &'static T => *const T, false, false, |p| &*p;
    &'static mut T => *mut T, true, false, |p| &mut *p;
    *const T => *const T, false, true, |p| p;
    *mut T => *mut T, true, true, |p| p;
    Option<&'static T> => *const T, false, true, |p| Some(&*p);
    Option<&'static mut T> => *mut T, true, true, |p| Some(&mut *p);
}

unsafe impl<T: FfiPointee> PointerArg for Box<T> {
    type C = *mut T;
    type Guard = Option<Box<T>>;
    const __OBJECT: Option<&'static str> = object_name::<T>();

    #[inline]
    unsafe fn enter(c: *mut T, function: &str, param: &str) -> Result<Self::Guard, Failure> {
        if c.is_null() {
            return Err(null_argument(function, param));
        }
        // SAFETY: forwarded from the caller.
        unsafe { T::__take(c, function, param) }.map(Some)
    }

    #[inline]
    unsafe fn arg(guard: &mut Self::Guard) -> Self {
        guard.take().expect("taken once")
    }
}

unsafe impl<T: FfiPointee> PointerArg for Option<Box<T>> {
    type C = *mut T;
    type Guard = Option<Box<T>>;
    const __OBJECT: Option<&'static str> = object_name::<T>();

    #[inline]
    unsafe fn enter(c: *mut T, function: &str, param: &str) -> Result<Self::Guard, Failure> {
        if c.is_null() {
            return Ok(None);
        }
        // SAFETY: forwarded from the caller.
        unsafe { T::__take(c, function, param) }.map(Some)
    }

    #[inline]
    unsafe fn arg(guard: &mut Self::Guard) -> Self {
        guard.take()
    }
}

/// An `#[ffi_type]` struct, enum or opaque type: something with an entry in `types`.
///
/// # Safety
///
/// Implementations promise that the definition they register (size, alignment, field
/// offsets, discriminants) is the type's real layout. Implemented by `#[ffi_type]`; do not
/// implement it by hand.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an #[ffi_type]",
    label = "not an #[ffi_type]",
    note = "annotate the struct or enum with #[ffi_type] or #[ffi_type(opaque)]; primitives \
            and pointers need no registration"
)]
pub unsafe trait TypeInfo: 'static {
    /// The type's name in the inventory (its `name = "..."`, else its Rust name), for the
    /// library's messages.
    #[doc(hidden)]
    const __NAME: &'static str;

    /// Adds the definition (after the types it names) unless already present; returns the
    /// type's name.
    #[doc(hidden)]
    fn __register(types: &mut TypeRegistry) -> &'static str;
}

/// A type a function may return, and how the function's C shim returns it.
///
/// Implemented for `()`, the primitives, `#[ffi_type]` structs and enums, the pointers `&T`,
/// `&mut T`, `Box<T>`, `*const T` and `*mut T` to an [`FfiPointee`], `String`, `Vec<T>` of an
/// [`FfiSliceElement`], and `Result<T, E>` of an [`FfiOk`] `T` and an [`FfiError`] `E` or a
/// `std::collections::TryReserveError`.
///
/// # Safety
///
/// Implementations promise that [`FfiReturn::Abi`] is the C return type their type reference
/// describes. Implemented by this crate and by `#[ffi_type]`; do not implement it by hand.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned across the FFI boundary",
    label = "`{Self}` is not a supported return type",
    note = "return `()`, a primitive, an #[ffi_type] struct or enum, a pointer (&T, &mut T, \
            Box<T>, *const T, *mut T) to an #[ffi_type] struct or #[ffi_type(opaque)] type, \
            String, Vec<T> of numbers or #[ffi_type] structs, or Result<T, E> of one of these \
            and an #[ffi_type] enum E that implements Display",
    note = "return an optional value as hatch_interop::FfiOption<T> (Rust's Option<T> has no C \
            layout) and an optional pointer as Option<&T> or Option<Box<T>>; `&str` and slices \
            cannot be returned: return String or Vec<T>"
)]
// Implemented type by type rather than for every `FfiType` at once: with a single blanket
// impl, rustc reports `Vec<bool>` or `Result<u32, String>` as "not a return type" instead of
// naming the element or error type at fault.
pub unsafe trait FfiReturn {
    /// What the function's `extern "C"` shim returns: `()` for `()`, otherwise
    /// `MaybeUninit` of the C value, so that a failed call can return zeroes even where they
    /// are not a valid Rust value (a reference, a `Box`, an enum without a 0 variant).
    type Abi: ReturnAbi;

    #[doc(hidden)]
    fn __return_ref(types: &mut TypeRegistry) -> TypeRef;

    /// The error enum of a `Result`, registered; `None` for every other return type.
    #[doc(hidden)]
    fn __error_ref(types: &mut TypeRegistry) -> Option<TypeRef> {
        let _ = types;
        None
    }

    /// Converts the returned value to what the shim returns, or to the failure the shim
    /// records (a `Result::Err`).
    #[doc(hidden)]
    fn into_abi(self) -> Result<Self::Abi, Failure>;

    /// What the shim returns when a callback failed during the call: zeroes, the value
    /// dropped; a `Result`'s `Err` is still the call's failure (it replaces the callback's).
    #[doc(hidden)]
    fn __after_failure(self) -> Result<Self::Abi, Failure>
    where
        Self: Sized,
    {
        drop(self);
        Ok(<Self::Abi as ReturnAbi>::__failed())
    }
}

/// A type that a `Result` returned across the FFI boundary may hold as its `Ok` value: every
/// [`FfiReturn`] type except `Result` itself.
///
/// # Safety
///
/// Implemented by this crate and by `#[ffi_type]`; do not implement it by hand.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the `Ok` value of a Result returned across the FFI boundary",
    label = "not a supported `Ok` type",
    note = "the `Ok` value of Result<T, E> is `()`, a primitive, an #[ffi_type] struct or enum, \
            a pointer (&T, &mut T, Box<T>, *const T, *mut T) to an #[ffi_type] struct or \
            #[ffi_type(opaque)] type, String, or Vec<T> of numbers or #[ffi_type] structs; \
            Results do not nest"
)]
pub unsafe trait FfiOk: FfiReturn {}

/// A field-less `#[ffi_type]` enum: its variant's value is an error's code.
///
/// # Safety
///
/// Implemented by `#[ffi_type]` for every field-less enum; do not implement it by hand.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a field-less #[ffi_type] enum",
    label = "not a field-less #[ffi_type] enum"
)]
pub unsafe trait FfiEnum: TypeInfo {
    /// The variant's discriminant as `i64`, the failure's `code` (a `u64` discriminant above
    /// `i64::MAX` wraps around, as `as` does).
    #[doc(hidden)]
    fn __code(&self) -> i64;
}

/// An `#[ffi_type]` enum that can be an error: a field-less enum (its value is the error code)
/// or an enum whose variants carry owned values (a record enum: the code is the variant's
/// index, and the error's fields cross in the failure's payload, in the wire encoding).
///
/// # Safety
///
/// Implemented by `#[ffi_type]`; do not implement it by hand. `__payload` returns the wire
/// encoding of `self` as the type's `FfiWire` writes it (bindings decode it as that type).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an FFI error: use an #[ffi_type] enum that implements Display",
    label = "not an #[ffi_type] enum",
    note = "the error type E of a Result<T, E> returned across the FFI boundary is an #[ffi_type] \
            enum that implements std::fmt::Display: a field-less one (the variant's value becomes \
            the error code) or one whose variants carry owned values (its fields reach Python as \
            the exception's attributes); an enum whose variants carry only plain values has a C \
            layout: add #[ffi_type(record)] to copy it as a record and use it as an error"
)]
pub unsafe trait FfiErrorEnum: TypeInfo {
    /// The failure's `code`: a field-less enum's discriminant as `i64`, or a record enum's
    /// variant index.
    #[doc(hidden)]
    fn __error_code(&self) -> i64;

    /// The failure's payload: `None` for a field-less enum, else the error's wire encoding.
    #[doc(hidden)]
    fn __error_payload(&self) -> Option<Vec<u8>>;
}

/// The error type `E` of a callback's `Result<T, E>`: how the foreign side hands its error back,
/// through a slot that `call` gets before the result's (`FfiOption<E>` for a field-less enum,
/// [`EncodedResult<E>`](crate::__private::EncodedResult) for one whose variants carry data).
///
/// # Safety
///
/// Implemented by `#[ffi_type]`; do not implement it by hand. `Slot` is what the inventory's
/// callback error tells the foreign side to fill.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a callback's error: use an #[ffi_type] enum that implements \
               Display",
    label = "not an #[ffi_type] error enum",
    note = "the error type E of a callback's Result<T, E> is an #[ffi_type] enum that implements \
            Display: field-less, or whose variants carry owned values (an enum whose variants carry \
            only plain values has a C layout: add #[ffi_type(record)])"
)]
pub unsafe trait CallbackError: FfiErrorEnum + Sized {
    /// The slot `call` gets.
    type Slot;

    /// An empty slot for the callback `callback`.
    fn __slot(callback: &'static str) -> Self::Slot;

    /// The error the foreign side put into `slot`, if it put one.
    fn __take(slot: Self::Slot) -> Option<Self>;
}

/// The error type `E` of a `Result<T, E>` that a function returns: an `#[ffi_type]` enum that
/// implements `Display`.
///
/// A returned `Err(e)` becomes a failure of kind 2 with `e.to_string()` as the message and,
/// for a field-less enum, `e`'s discriminant as the code; for an enum whose variants carry
/// owned values, the variant's index as the code and `e`'s wire encoding as the payload.
/// Implemented for every [`FfiErrorEnum`] that implements `Display`.
///
/// # Safety
///
/// Nothing to uphold beyond [`FfiErrorEnum`]'s; it has no other implementations.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an FFI error: use an #[ffi_type] enum that implements Display",
    label = "not an FFI error type"
)]
pub unsafe trait FfiError: FfiErrorEnum + std::fmt::Display {}

unsafe impl<E: FfiErrorEnum + std::fmt::Display> FfiError for E {}

/// A type that slices (`&[T]`, `&mut [T]` parameters) and `Vec<T>` returns may hold: a
/// number, `bool`, or an `#[ffi_type]` struct or field-less enum.
///
/// Implemented for `u8` `u16` `u32` `u64` `usize` `i8` `i16` `i32` `i64` `isize` `f32` `f64`
/// `bool` and, by `#[ffi_type]`, for structs and field-less enums. A caller's buffer may hold
/// bytes that are no valid `bool` or variant: the shim of a slice of `bool`s or enums reads the
/// elements as their C type ([`FfiSliceElement::__Raw`]) and checks every one before it makes
/// the slice (an invalid one is a failure naming the parameter and the index), so that Rust
/// never sees an invalid value. Not for data-carrying enums, whose payloads could not be
/// checked as cheaply.
///
/// # Safety
///
/// Implementations promise that the type has the C layout of its type reference, that
/// `__Raw` has the same size and alignment, and that every `__Raw` for which `__invalid_at`
/// finds nothing is a valid `Self`. Implemented by this crate and by `#[ffi_type]`; do not
/// implement it by hand.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an element of a slice or Vec across the FFI boundary",
    label = "not a supported element type",
    note = "&[T], &mut [T] and Vec<T> hold numbers (u8, u16, u32, u64, usize, i8, i16, i32, \
            i64, isize, f32, f64), bool, #[ffi_type] structs or field-less #[ffi_type] enums; a \
            Vec<T> may also hold String, Vec, Option, HashMap or BTreeMap of numbers, bool and \
            String (encoded)"
)]
// No `FfiType` supertrait: `&[String]` would get two errors instead of one.
pub unsafe trait FfiSliceElement: Sized + 'static {
    /// The element as C passes it: `Self`, except `u8` for `bool` and the repr integer for an
    /// enum, of which a C caller may pass any value.
    #[doc(hidden)]
    type __Raw: 'static;

    /// What a valid element is, for the failure of an invalid one ("a bool (0 or 1)").
    #[doc(hidden)]
    const __VALID: &'static str = "";

    #[doc(hidden)]
    fn __element_ref(types: &mut TypeRegistry) -> TypeRef;

    /// The index and the value of the first element of `raw` that is no valid `Self`, if any
    /// (never for a type every bit pattern of which is valid).
    #[doc(hidden)]
    #[inline]
    fn __invalid_at(raw: &[Self::__Raw]) -> Option<(usize, i128)> {
        let _ = raw;
        None
    }
}

/// A type that a fixed-size array parameter or result (`[T; N]`, `struct { T items[N]; }` in
/// C) may hold: a number, `bool` or a field-less `#[ffi_type]` enum, whose values are checked as
/// a slice's are.
///
/// # Safety
///
/// As for [`FfiSliceElement`]. Implemented by this crate and by
/// `#[ffi_type]`; do not implement it by hand.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an element of an array parameter or result",
    label = "not a supported array element",
    note = "an array parameter or result ([T; N]) holds numbers (u8, u16, u32, u64, usize, i8, i16, \
            i32, i64, isize, f32, f64), bool or field-less #[ffi_type] enums; take or return a \
            slice or Vec<T> of structs, or a struct that holds the array"
)]
pub unsafe trait FfiArrayElement: FfiSliceElement<__Raw: Copy> {}

unsafe impl FfiArrayElement for bool {}

unsafe impl<T: FfiArrayElement, const N: usize> FfiReturn for [T; N] {
    type Abi = MaybeUninit<FfiArray<T, N>>;

    fn __return_ref(types: &mut TypeRegistry) -> TypeRef {
        TypeRef::Array {
            element: Box::new(T::__element_ref(types)),
            len: N,
        }
    }

    fn into_abi(self) -> Result<Self::Abi, Failure> {
        Ok(MaybeUninit::new(FfiArray { items: self }))
    }
}

unsafe impl<T: FfiArrayElement, const N: usize> FfiOk for [T; N] {}

/// The type reference of an array parameter `[T; N]`.
#[doc(hidden)]
pub fn array_param_ref<T: FfiArrayElement, const N: usize>(types: &mut TypeRegistry) -> TypeRef {
    TypeRef::Array {
        element: Box::new(T::__element_ref(types)),
        len: N,
    }
}

unsafe impl FfiSliceElement for bool {
    type __Raw = u8;
    const __VALID: &'static str = "a bool (0 or 1)";

    fn __element_ref(_: &mut TypeRegistry) -> TypeRef {
        TypeRef::Primitive("bool")
    }

    #[inline]
    fn __invalid_at(raw: &[u8]) -> Option<(usize, i128)> {
        let index = raw.iter().position(|&byte| byte > 1)?;
        Some((index, raw[index].into()))
    }
}

/// A type that an [`FfiOption`] may hold: a primitive, or an `#[ffi_type]` struct or enum.
///
/// # Safety
///
/// Implemented by this crate and by `#[ffi_type]`; do not implement it by hand.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the value of an FfiOption",
    label = "not a supported optional value",
    note = "FfiOption<T> holds a primitive or an #[ffi_type] struct or enum; an optional pointer \
            is Option<&T>, Option<&mut T> or Option<Box<T>>, which C sees as a nullable pointer"
)]
pub unsafe trait FfiOptional: FfiType + Sized {}

unsafe impl<T: FfiOptional> FfiType for FfiOption<T> {
    fn __type_ref(types: &mut TypeRegistry) -> TypeRef {
        TypeRef::Option {
            inner: Box::new(T::__type_ref(types)),
        }
    }
}

unsafe impl<T: FfiOptional> FfiReturn for FfiOption<T> {
    type Abi = MaybeUninit<Self>;

    fn __return_ref(types: &mut TypeRegistry) -> TypeRef {
        <Self as FfiType>::__type_ref(types)
    }

    fn into_abi(self) -> Result<Self::Abi, Failure> {
        Ok(MaybeUninit::new(self))
    }
}

unsafe impl<T: FfiOptional> FfiOk for FfiOption<T> {}

// Arrays are only fields: C cannot pass or return them by value. The inventory refuses them
// elsewhere, and `#[ffi_function]` already rejects an array parameter by its spelling.
unsafe impl<T: FfiType, const N: usize> FfiType for [T; N] {
    const __TRUSTED_POINTER: bool = T::__TRUSTED_POINTER;

    fn __type_ref(types: &mut TypeRegistry) -> TypeRef {
        TypeRef::Array {
            element: Box::new(T::__type_ref(types)),
            len: N,
        }
    }
}

unsafe impl FfiReturn for () {
    type Abi = ();

    fn __return_ref(_: &mut TypeRegistry) -> TypeRef {
        TypeRef::Void
    }

    fn into_abi(self) -> Result<(), Failure> {
        Ok(())
    }
}

unsafe impl FfiOk for () {}

unsafe impl FfiReturn for String {
    type Abi = MaybeUninit<FfiBuffer<u8>>;

    fn __return_ref(_: &mut TypeRegistry) -> TypeRef {
        TypeRef::String
    }

    fn into_abi(self) -> Result<Self::Abi, Failure> {
        Ok(MaybeUninit::new(FfiBuffer::from_vec(self.into_bytes())?))
    }
}

unsafe impl FfiOk for String {}

unsafe impl<T: FfiVecElement> FfiReturn for Vec<T> {
    type Abi = MaybeUninit<T::__Abi>;

    fn __return_ref(types: &mut TypeRegistry) -> TypeRef {
        T::__vec_ref(types)
    }

    fn into_abi(self) -> Result<Self::Abi, Failure> {
        Ok(MaybeUninit::new(T::__vec_into_abi(self)?))
    }
}

unsafe impl<T: FfiVecElement> FfiOk for Vec<T> {}

/// What a `Vec<T>` parameter or result may hold: a slice element (a number, `bool`, an
/// `#[ffi_type]` struct or field-less enum), which crosses as C elements, or a value with a wire
/// encoding (`String`, `Vec`, `Option`, a map), with which the whole `Vec` crosses encoded.
///
/// # Safety
///
/// Implemented by this crate; do not implement it by hand.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an element of a Vec across the FFI boundary",
    label = "not a supported element type",
    note = "Vec<T> holds numbers (u8, u16, u32, u64, usize, i8, i16, i32, i64, isize, f32, \
            f64), bool, #[ffi_type] structs or field-less #[ffi_type] enums (as C elements), or \
            String, Vec, Option, HashMap or BTreeMap of numbers, bool and String (encoded)"
)]
pub unsafe trait FfiVecElement: Sized + 'static {
    /// What a parameter's pointer points to: the C elements, or the encoding's bytes.
    type __Item;
    /// A result's C type: a buffer of the elements, or of the encoding's bytes.
    type __Abi;

    /// The reference of `Vec<Self>` as a parameter.
    fn __vec_param_ref(types: &mut TypeRegistry) -> TypeRef;

    /// The reference of `Vec<Self>` as a result.
    fn __vec_ref(types: &mut TypeRegistry) -> TypeRef;

    /// The argument `name` from its pointer and length (elements, or bytes).
    ///
    /// # Safety
    ///
    /// As for [`crate::__private::slice_arg`].
    unsafe fn __vec_arg(
        ptr: *const Self::__Item,
        len: usize,
        name: &'static str,
    ) -> Result<Vec<Self>, Failure>;

    fn __vec_into_abi(vec: Vec<Self>) -> Result<Self::__Abi, Failure>;
}

unsafe impl<T: FfiSliceElement> FfiVecElement for T {
    type __Item = T::__Raw;
    type __Abi = FfiBuffer<T>;

    fn __vec_param_ref(types: &mut TypeRegistry) -> TypeRef {
        TypeRef::Slice {
            element: Box::new(T::__element_ref(types)),
            mutable: false,
        }
    }

    fn __vec_ref(types: &mut TypeRegistry) -> TypeRef {
        TypeRef::Vec {
            element: Box::new(T::__element_ref(types)),
        }
    }

    #[inline]
    unsafe fn __vec_arg(
        ptr: *const T::__Raw,
        len: usize,
        name: &'static str,
    ) -> Result<Vec<T>, Failure> {
        // SAFETY: forwarded from the caller.
        unsafe { crate::abi::vec_arg(ptr, len, name) }
    }

    #[inline]
    fn __vec_into_abi(vec: Vec<T>) -> Result<FfiBuffer<T>, Failure> {
        FfiBuffer::from_vec(vec)
    }
}

/// The impls that make an owned value without a C layout (`String`, a record) an item of a
/// `Vec` and an `Option` result: their encoding. Exported (hidden) for `#[ffi_type]` records.
#[doc(hidden)]
#[macro_export]
macro_rules! __wire_values {
    ($([$($generics:tt)*] $ty:ty;)*) => {$(
        $crate::__wire_vec_element! { [$($generics)*] $ty; }
        $crate::__wire_nullable! { [$($generics)*] $ty; }
    )*};
}

/// `Vec<T>` of an encoded `T` (a parameter and a result): the encoding of the whole `Vec`.
#[doc(hidden)]
#[macro_export]
macro_rules! __wire_vec_element {
    ($([$($generics:tt)*] $ty:ty;)*) => {$(
        unsafe impl<$($generics)*> $crate::__private::FfiVecElement for $ty {
            type __Item = u8;
            type __Abi = $crate::FfiBuffer<u8>;

            fn __vec_param_ref(
                types: &mut $crate::__private::TypeRegistry,
            ) -> $crate::__private::TypeRef {
                <::std::vec::Vec<Self> as $crate::__private::FfiWire>::__wire_ref(types)
            }

            fn __vec_ref(
                types: &mut $crate::__private::TypeRegistry,
            ) -> $crate::__private::TypeRef {
                <::std::vec::Vec<Self> as $crate::__private::FfiWire>::__wire_ref(types)
            }

            unsafe fn __vec_arg(
                ptr: *const u8,
                len: usize,
                name: &'static str,
            ) -> ::core::result::Result<::std::vec::Vec<Self>, $crate::__private::Failure> {
                // SAFETY: forwarded from the caller.
                unsafe { $crate::__private::wire_arg(ptr, len, name) }
            }

            fn __vec_into_abi(
                vec: ::std::vec::Vec<Self>,
            ) -> ::core::result::Result<$crate::FfiBuffer<u8>, $crate::__private::Failure> {
                $crate::__private::wire_result(&vec)
            }
        }
    )*};
}

/// `Option<T>` of an encoded `T` as a result: the encoding of the `Option`.
#[doc(hidden)]
#[macro_export]
macro_rules! __wire_nullable {
    ($([$($generics:tt)*] $ty:ty;)*) => {$(
        // `-> Option<String>`: the encoding of the `Option`.
        unsafe impl<$($generics)*> $crate::FfiNullableResult for $ty {
            type Raw = $crate::FfiBuffer<u8>;

            fn __nullable_ref(
                types: &mut $crate::__private::TypeRegistry,
            ) -> $crate::__private::TypeRef {
                <::core::option::Option<Self> as $crate::__private::FfiWire>::__wire_ref(types)
            }

            fn __into_nonnull(
                self,
            ) -> ::core::result::Result<$crate::FfiBuffer<u8>, $crate::__private::Failure> {
                $crate::__private::wire_result(&::core::option::Option::Some(self))
            }

            fn __null() -> ::core::result::Result<$crate::FfiBuffer<u8>, $crate::__private::Failure> {
                $crate::__private::wire_result(&::core::option::Option::None::<Self>)
            }
        }
    )*};
}

// A `Vec<String>` parameter is encoded; a result crosses as its strings, in place (`FfiTexts`):
// every foreign side makes its own strings from their bytes, and nothing is copied before.
unsafe impl FfiVecElement for String {
    type __Item = u8;
    type __Abi = FfiTexts;

    fn __vec_param_ref(types: &mut TypeRegistry) -> TypeRef {
        <Vec<String> as FfiWire>::__wire_ref(types)
    }

    fn __vec_ref(types: &mut TypeRegistry) -> TypeRef {
        <Vec<String> as FfiWire>::__wire_ref(types)
    }

    unsafe fn __vec_arg(
        ptr: *const u8,
        len: usize,
        name: &'static str,
    ) -> Result<Vec<String>, Failure> {
        // SAFETY: forwarded from the caller.
        unsafe { crate::wire::wire_arg(ptr, len, name) }
    }

    #[inline]
    fn __vec_into_abi(vec: Vec<String>) -> Result<FfiTexts, Failure> {
        Ok(FfiTexts::from_vec(vec))
    }
}

crate::__wire_nullable! {
    [] String;
}

crate::__wire_values! {
    [] char;
    [] u128;
    [] i128;
    [U: FfiWire + 'static] Vec<U>;
    [U: FfiWire + 'static] Option<U>;
    [K: FfiMapKey + Eq + Hash + 'static, V: FfiWire + 'static, S: BuildHasher + Default + 'static] HashMap<K, V, S>;
    [K: FfiMapKey + Ord + 'static, V: FfiWire + 'static] BTreeMap<K, V>;
}

/// The impls of an `#[ffi_type]` record (a struct with owned fields), after its `FfiWire` impl:
/// it crosses in its encoding, as a parameter ([`FfiBytes`](crate::FfiBytes) lent for the
/// call, decoded with the other arguments' checks) and as a result (a buffer the caller
/// frees), alone, in a `Vec` or in an `Option`.
#[doc(hidden)]
#[macro_export]
macro_rules! __record {
    ($ty:ty) => {
        $crate::__wire_values! { [] $ty; }

        unsafe impl $crate::FfiReturn for $ty {
            type Abi = ::core::mem::MaybeUninit<$crate::FfiBuffer<u8>>;

            fn __return_ref(
                types: &mut $crate::__private::TypeRegistry,
            ) -> $crate::__private::TypeRef {
                <Self as $crate::__private::FfiWire>::__wire_ref(types)
            }

            fn into_abi(self) -> ::core::result::Result<Self::Abi, $crate::__private::Failure> {
                $crate::__private::wire_result(&self).map(::core::mem::MaybeUninit::new)
            }
        }

        unsafe impl $crate::FfiOk for $ty {}

        // A callback's parameter: encoded for the call, `call` gets a pointer to the bytes.
        unsafe impl $crate::__private::CallbackParam for $ty {
            type Keep = $crate::__private::EncodedParam;
            type C = *const $crate::FfiBytes;

            #[inline]
            fn __keep(self) -> Self::Keep {
                $crate::__private::EncodedParam::new(&self)
            }

            #[inline]
            unsafe fn __lower(keep: &Self::Keep) -> Self::C {
                keep.as_ptr()
            }

            fn __param_ref(
                types: &mut $crate::__private::TypeRegistry,
            ) -> $crate::__private::TypeRef {
                <Self as $crate::__private::FfiWire>::__wire_ref(types)
            }
        }

        // By reference too: the callback still gets its own copy.
        unsafe impl<'__hatch_interop> $crate::__private::CallbackParam for &'__hatch_interop $ty {
            type Keep = $crate::__private::EncodedParam;
            type C = *const $crate::FfiBytes;

            #[inline]
            fn __keep(self) -> Self::Keep {
                $crate::__private::EncodedParam::new(self)
            }

            #[inline]
            unsafe fn __lower(keep: &Self::Keep) -> Self::C {
                keep.as_ptr()
            }

            fn __param_ref(
                types: &mut $crate::__private::TypeRegistry,
            ) -> $crate::__private::TypeRef {
                <$ty as $crate::__private::FfiWire>::__wire_ref(types)
            }
        }

        unsafe impl $crate::__private::ValueArg for $ty {
            type C = $crate::FfiBytes;
            type Checked = $crate::__private::Ready<Self>;

            fn __type_ref(
                types: &mut $crate::__private::TypeRegistry,
            ) -> $crate::__private::TypeRef {
                <Self as $crate::__private::FfiWire>::__wire_ref(types)
            }

            #[inline]
            unsafe fn __check(
                c: $crate::FfiBytes,
                _: &str,
                param: &str,
            ) -> ::core::result::Result<Self::Checked, $crate::__private::Failure> {
                // SAFETY: forwarded from the caller.
                unsafe { $crate::__private::wire_bytes_arg(c, param) }.map($crate::__private::Ready)
            }
        }

        unsafe impl $crate::__private::OptionalArg for $ty {
            type C = $crate::FfiBytes;

            fn __option_ref(
                types: &mut $crate::__private::TypeRegistry,
            ) -> $crate::__private::TypeRef {
                <::core::option::Option<Self> as $crate::__private::FfiWire>::__wire_ref(types)
            }

            #[inline]
            unsafe fn __option_from_c(
                c: $crate::FfiBytes,
                _: &str,
                param: &str,
            ) -> ::core::result::Result<::core::option::Option<Self>, $crate::__private::Failure>
            {
                // SAFETY: forwarded from the caller.
                unsafe { $crate::__private::wire_bytes_arg(c, param) }
            }
        }
    };
}

/// The impls of a `#[repr(transparent)]` `#[ffi_type]` newtype of a number (`$inner`, its field
/// `$member`), after its `TypeInfo` impl: by value it has its number's ABI, so it goes wherever
/// the number goes (parameters, results, slices, `Vec`s, options, fields, encoded values,
/// callbacks), each impl the number's, under the newtype's name.
#[doc(hidden)]
#[macro_export]
macro_rules! __newtype {
    ($ty:ident, $inner:ty, $member:tt) => {
        // The ABI claim every impl below rests on.
        const _: () = ::core::assert!(
            ::core::mem::size_of::<$ty>() == ::core::mem::size_of::<$inner>()
                && ::core::mem::align_of::<$ty>() == ::core::mem::align_of::<$inner>()
        );

        unsafe impl $crate::FfiType for $ty {
            fn __type_ref(
                types: &mut $crate::__private::TypeRegistry,
            ) -> $crate::__private::TypeRef {
                $crate::__private::TypeRef::Named(<Self as $crate::TypeInfo>::__register(types))
            }
        }

        unsafe impl $crate::FfiReturn for $ty {
            type Abi = ::core::mem::MaybeUninit<Self>;

            fn __return_ref(
                types: &mut $crate::__private::TypeRegistry,
            ) -> $crate::__private::TypeRef {
                <Self as $crate::FfiType>::__type_ref(types)
            }

            fn into_abi(self) -> ::core::result::Result<Self::Abi, $crate::__private::Failure> {
                ::core::result::Result::Ok(::core::mem::MaybeUninit::new(self))
            }
        }

        unsafe impl $crate::FfiOk for $ty {}

        unsafe impl $crate::FfiOptional for $ty {}

        unsafe impl $crate::FfiNullableResult for $ty {
            type Raw = $crate::FfiOption<Self>;

            fn __nullable_ref(
                types: &mut $crate::__private::TypeRegistry,
            ) -> $crate::__private::TypeRef {
                <$crate::FfiOption<Self> as $crate::FfiType>::__type_ref(types)
            }

            fn __into_nonnull(
                self,
            ) -> ::core::result::Result<Self::Raw, $crate::__private::Failure> {
                ::core::result::Result::Ok($crate::FfiOption::some(self))
            }

            fn __null() -> ::core::result::Result<Self::Raw, $crate::__private::Failure> {
                ::core::result::Result::Ok($crate::FfiOption::none())
            }
        }

        // Every bit pattern of a number is one, so a caller's buffer needs no check.
        unsafe impl $crate::FfiSliceElement for $ty {
            type __Raw = Self;

            fn __element_ref(
                types: &mut $crate::__private::TypeRegistry,
            ) -> $crate::__private::TypeRef {
                <Self as $crate::FfiType>::__type_ref(types)
            }
        }

        unsafe impl $crate::FfiArrayElement for $ty {}

        // Inside an encoded value: the number's encoding.
        unsafe impl $crate::__private::FfiWire for $ty {
            fn __wire_ref(
                types: &mut $crate::__private::TypeRegistry,
            ) -> $crate::__private::TypeRef {
                <Self as $crate::FfiType>::__type_ref(types)
            }

            #[inline]
            fn __write(&self, out: &mut ::std::vec::Vec<u8>) {
                <$inner as $crate::__private::FfiWire>::__write(&self.$member, out)
            }

            #[inline]
            fn __size(&self) -> usize {
                <$inner as $crate::__private::FfiWire>::__size(&self.$member)
            }

            const __MIN_SIZE: usize = <$inner as $crate::__private::FfiWire>::__MIN_SIZE;

            #[inline]
            fn __read(
                input: &mut &[u8],
            ) -> ::core::result::Result<Self, $crate::__private::WireError> {
                <$inner as $crate::__private::FfiWire>::__read(input)
                    .map(|value| $ty { $member: value })
            }
        }

        $crate::__callback_result_by_value!($ty);
    };
}

macro_rules! wire_results {
    ($([$($generics:tt)*] $ty:ty;)*) => {$(
        // A map result: its encoding, in a buffer the caller frees.
        unsafe impl<$($generics)*> FfiReturn for $ty {
            type Abi = MaybeUninit<FfiBuffer<u8>>;

            fn __return_ref(types: &mut TypeRegistry) -> TypeRef {
                <Self as FfiWire>::__wire_ref(types)
            }

            fn into_abi(self) -> Result<Self::Abi, Failure> {
                Ok(MaybeUninit::new(wire_result(&self)?))
            }
        }

        unsafe impl<$($generics)*> FfiOk for $ty {}
    )*};
}

wire_results! {
    [K: FfiMapKey + Eq + Hash, V: FfiWire, S: BuildHasher + Default] HashMap<K, V, S>;
    [K: FfiMapKey + Ord, V: FfiWire] BTreeMap<K, V>;
}

unsafe impl<T: FfiOk, E: FfiError> FfiReturn for Result<T, E> {
    type Abi = T::Abi;

    fn __return_ref(types: &mut TypeRegistry) -> TypeRef {
        T::__return_ref(types)
    }

    fn __error_ref(types: &mut TypeRegistry) -> Option<TypeRef> {
        Some(TypeRef::Named(E::__register(types)))
    }

    fn into_abi(self) -> Result<Self::Abi, Failure> {
        match self {
            Ok(value) => value.into_abi(),
            Err(error) => Err(Failure::error(&error)),
        }
    }

    fn __after_failure(self) -> Result<Self::Abi, Failure> {
        match self {
            Ok(value) => value.__after_failure(),
            Err(error) => Err(Failure::error(&error)),
        }
    }
}

/// `Result<T, TryReserveError>`: a function that allocates with `try_reserve` (or
/// `try_reserve_exact`) reports running out of memory, which bindings raise as Python's
/// `MemoryError` (a failure of kind 5) instead of the process aborting.
unsafe impl<T: FfiOk> FfiReturn for Result<T, std::collections::TryReserveError> {
    type Abi = T::Abi;

    fn __return_ref(types: &mut TypeRegistry) -> TypeRef {
        T::__return_ref(types)
    }

    fn into_abi(self) -> Result<Self::Abi, Failure> {
        match self {
            Ok(value) => value.into_abi(),
            Err(error) => Err(Failure::try_reserve(&error)),
        }
    }

    fn __after_failure(self) -> Result<Self::Abi, Failure> {
        match self {
            Ok(value) => value.__after_failure(),
            Err(error) => Err(Failure::try_reserve(&error)),
        }
    }
}

/// A primitive type, the only kind of type an `#[ffi_constant]` may have.
///
/// Sealed: implemented for `u8` `u16` `u32` `u64` `usize` `i8` `i16` `i32` `i64` `isize`
/// `f32` `f64` `bool`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not supported as the type of an #[ffi_constant]",
    label = "not a primitive FFI type",
    note = "constants must have one of the types u8, u16, u32, u64, usize, i8, i16, i32, i64, \
            isize, f32, f64, bool"
)]
// No `FfiType` supertrait: a `&str` constant would get two errors instead of one.
pub trait FfiPrimitive: Copy + sealed::Primitive {
    /// The type's name in the inventory.
    const NAME: &'static str;
    #[doc(hidden)]
    fn __const_value(self) -> ConstValue;
}

/// An `#[ffi_function]`, named by the hidden marker type the macro emits beside it.
///
/// # Safety
///
/// Implementations promise that the described symbol exists with the described signature.
/// Implemented by `#[ffi_function]`; do not implement it by hand.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an #[ffi_function]",
    label = "not an #[ffi_function]",
    note = "annotate the function with #[ffi_function] and register it by name: \
            `.function::<my_function>()`"
)]
pub unsafe trait FunctionInfo: 'static {
    #[doc(hidden)]
    fn __function(types: &mut TypeRegistry) -> FunctionDef;
}

/// An `#[ffi_constant]`, named by the hidden marker type the macro emits beside it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an #[ffi_constant]",
    label = "not an #[ffi_constant]",
    note = "annotate the `const` item with #[ffi_constant] and register it by name: \
            `.constant::<MY_CONSTANT>()`"
)]
pub trait ConstantInfo: 'static {
    #[doc(hidden)]
    fn __constant() -> ConstantDef;
}

/// An `#[ffi_service]`: the `#[ffi_type(opaque)]` type whose `impl` block the attribute is on.
///
/// # Safety
///
/// Implementations promise that the described symbols exist with the described signatures.
/// Implemented by `#[ffi_service]`; do not implement it by hand.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an #[ffi_service]",
    label = "not an #[ffi_service]",
    note = "annotate an `impl` block of the #[ffi_type(opaque)] type with #[ffi_service] and \
            register the type: `.service::<MyType>()`"
)]
pub unsafe trait ServiceInfo: TypeInfo {
    #[doc(hidden)]
    fn __service(types: &mut TypeRegistry) -> ServiceDef;
}

/// What the type of an `#[ffi_service]` must be: `Send + Sync`, because the foreign side may
/// call its methods (`&self` ones at the same time) and close it from any thread.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an #[ffi_service]: it must be Send + Sync",
    label = "`{Self}` is not Send + Sync",
    note = "Python may call a service's methods from any thread, `&self` methods from several \
            threads at once, and close the object on another thread than the one that made it",
    note = "make the type's fields Send + Sync (for example Mutex<T> instead of RefCell<T>, \
            Arc<T> instead of Rc<T>)"
)]
pub trait FfiServiceType: Send + Sync {}

impl<T: Send + Sync> FfiServiceType for T {}

/// What an `#[ffi_type(opaque)]` type must be: `Send + Sync`, because the foreign side may use
/// its objects from any thread (calls taking `&T` from several threads at once) and drop them on
/// another thread than the one that made them.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be #[ffi_type(opaque)]: it must be Send + Sync",
    label = "`{Self}` is not Send + Sync",
    note = "Python may pass an object of an opaque type to functions on any thread, to functions \
            taking `&{Self}` from several threads at once, and drop it on another thread than the \
            one that made it",
    note = "make the type's fields Send + Sync (for example Mutex<T> instead of RefCell<T>, \
            Arc<T> instead of Rc<T>)"
)]
pub trait FfiOpaqueType: Send + Sync {}

impl<T: Send + Sync> FfiOpaqueType for T {}

mod sealed {
    pub trait Primitive {}
}

macro_rules! primitives {
    ($($ty:ident => |$v:ident| $value:expr;)*) => {$(
        unsafe impl FfiType for $ty {
            fn __type_ref(_: &mut TypeRegistry) -> TypeRef {
                TypeRef::Primitive(stringify!($ty))
            }
        }

        impl sealed::Primitive for $ty {}

        unsafe impl FfiReturn for $ty {
            type Abi = MaybeUninit<$ty>;

            fn __return_ref(types: &mut TypeRegistry) -> TypeRef {
                <$ty as FfiType>::__type_ref(types)
            }

            fn into_abi(self) -> Result<Self::Abi, Failure> {
                Ok(MaybeUninit::new(self))
            }
        }

        unsafe impl FfiOk for $ty {}

        unsafe impl FfiOptional for $ty {}

        unsafe impl FfiNullableResult for $ty {
            type Raw = FfiOption<$ty>;

            fn __nullable_ref(types: &mut TypeRegistry) -> TypeRef {
                <FfiOption<$ty> as FfiType>::__type_ref(types)
            }

            fn __into_nonnull(self) -> Result<Self::Raw, Failure> {
                Ok(FfiOption::some(self))
            }

            fn __null() -> Result<Self::Raw, Failure> {
                Ok(FfiOption::none())
            }
        }

        impl FfiPrimitive for $ty {
            const NAME: &'static str = stringify!($ty);
            fn __const_value(self) -> ConstValue {
                let $v = self;
                $value
            }
        }
    )*};
}

// `as i128` is lossless for every integer type up to 64 bits, including usize/isize.
primitives! {
    u8 => |v| ConstValue::Int(v as i128);
    u16 => |v| ConstValue::Int(v as i128);
    u32 => |v| ConstValue::Int(v as i128);
    u64 => |v| ConstValue::Int(v as i128);
    usize => |v| ConstValue::Int(v as i128);
    i8 => |v| ConstValue::Int(v as i128);
    i16 => |v| ConstValue::Int(v as i128);
    i32 => |v| ConstValue::Int(v as i128);
    i64 => |v| ConstValue::Int(v as i128);
    isize => |v| ConstValue::Int(v as i128);
    f32 => |v| ConstValue::F32(v);
    f64 => |v| ConstValue::F64(v);
    bool => |v| ConstValue::Bool(v);
}

/// A parameter type that crosses the C ABI as another C type, checked on the way in: `char`
/// as a `u32` (which must be a Unicode scalar value: any other is an invalid argument, never
/// undefined behaviour), `u128`/`i128` as an [`FfiInt128`], and Rust's `Option<T>` of a value
/// as an [`FfiOption<T>`]. `#[ffi_function]` recognises them by their spelling (`char`,
/// `u128`, `i128`, `Option<..>` of anything but a reference or a `Box`).
///
/// # Safety
///
/// Implementations promise that `C` is the C type their type reference describes.
#[doc(hidden)]
pub unsafe trait ConvertedArg: Sized {
    /// The C parameter.
    type C;

    fn __type_ref(types: &mut TypeRegistry) -> TypeRef;

    /// The argument for parameter `param` of `function`, or an invalid-argument failure.
    ///
    /// # Safety
    ///
    /// `c` is valid for the parameter's type, as the inventory describes it.
    unsafe fn __from_c(c: Self::C, function: &str, param: &str) -> Result<Self, Failure>;
}

unsafe impl ConvertedArg for char {
    type C = u32;

    fn __type_ref(_: &mut TypeRegistry) -> TypeRef {
        TypeRef::Primitive("char")
    }

    #[inline]
    unsafe fn __from_c(c: u32, function: &str, param: &str) -> Result<Self, Failure> {
        match char::from_u32(c) {
            Some(value) => Ok(value),
            None => Err(invalid_char(c, function, param)),
        }
    }
}

/// What an `Option<T>` parameter's `T` may be, and how C passes the option: an
/// [`FfiOptional`] value as an `FfiOption<T>`, a record's option as its encoding
/// ([`FfiBytes`](crate::FfiBytes)).
///
/// # Safety
///
/// Implementations promise that `C` is the C type their type reference describes.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`Option<{Self}>` cannot be a parameter across the FFI boundary",
    label = "not a supported optional value",
    note = "an Option<T> parameter holds a number, bool, an #[ffi_type] struct, enum or record, \
            String, Vec, a map or an Option"
)]
pub unsafe trait OptionalArg: Sized {
    /// The C parameter.
    type C;

    fn __option_ref(types: &mut TypeRegistry) -> TypeRef;

    /// The argument for parameter `param` of `function`, or an invalid-argument failure.
    ///
    /// # Safety
    ///
    /// `c` is valid for the parameter's type, as the inventory describes it.
    unsafe fn __option_from_c(
        c: Self::C,
        function: &str,
        param: &str,
    ) -> Result<Option<Self>, Failure>;
}

// C sees `FfiOption<T>`, whose `is_some` byte may be anything (non-zero is `Some`).
unsafe impl<T: FfiOptional> OptionalArg for T {
    type C = FfiOption<T>;

    fn __option_ref(types: &mut TypeRegistry) -> TypeRef {
        <FfiOption<T> as FfiType>::__type_ref(types)
    }

    #[inline]
    unsafe fn __option_from_c(c: FfiOption<T>, _: &str, _: &str) -> Result<Option<T>, Failure> {
        Ok(c.into_option())
    }
}

unsafe impl<T: OptionalArg> ConvertedArg for Option<T> {
    type C = T::C;

    fn __type_ref(types: &mut TypeRegistry) -> TypeRef {
        T::__option_ref(types)
    }

    #[inline]
    unsafe fn __from_c(c: T::C, function: &str, param: &str) -> Result<Self, Failure> {
        // SAFETY: forwarded from the caller.
        unsafe { T::__option_from_c(c, function, param) }
    }
}

#[cold]
fn invalid_char(c: u32, function: &str, param: &str) -> Failure {
    Failure::invalid_argument(format_args!(
        "{function}() argument `{param}` is {c:#X}, which is not a Unicode scalar value (a \
         surrogate or above 0x10FFFF)"
    ))
}

macro_rules! wide_integers {
    ($($ty:ident)*) => {$(
        unsafe impl ConvertedArg for $ty {
            type C = FfiInt128;

            fn __type_ref(_: &mut TypeRegistry) -> TypeRef {
                TypeRef::Primitive(stringify!($ty))
            }

            #[inline]
            unsafe fn __from_c(c: FfiInt128, _: &str, _: &str) -> Result<Self, Failure> {
                Ok(c.into())
            }
        }

        unsafe impl FfiReturn for $ty {
            type Abi = MaybeUninit<FfiInt128>;

            fn __return_ref(_: &mut TypeRegistry) -> TypeRef {
                TypeRef::Primitive(stringify!($ty))
            }

            fn into_abi(self) -> Result<Self::Abi, Failure> {
                Ok(MaybeUninit::new(self.into()))
            }
        }

        unsafe impl FfiOk for $ty {}
    )*};
}

wide_integers!(u128 i128);

unsafe impl FfiReturn for char {
    type Abi = MaybeUninit<u32>;

    fn __return_ref(_: &mut TypeRegistry) -> TypeRef {
        TypeRef::Primitive("char")
    }

    fn into_abi(self) -> Result<Self::Abi, Failure> {
        Ok(MaybeUninit::new(self.into()))
    }
}

unsafe impl FfiOk for char {}

macro_rules! slice_elements {
    ($($ty:ident)*) => {$(
        unsafe impl FfiSliceElement for $ty {
            type __Raw = $ty;

            fn __element_ref(_: &mut TypeRegistry) -> TypeRef {
                TypeRef::Primitive(stringify!($ty))
            }
        }
    )*};
}

// Every bit pattern is a valid number, so a caller's buffer is always valid (`bool` is checked).
slice_elements!(u8 u16 u32 u64 usize i8 i16 i32 i64 isize f32 f64);

macro_rules! array_elements {
    ($($ty:ident)*) => {$(
        unsafe impl FfiArrayElement for $ty {}
    )*};
}

array_elements!(u8 u16 u32 u64 usize i8 i16 i32 i64 isize f32 f64);

macro_rules! pointers {
    ($($ptr:ty => $mutable:literal, $nullable:literal, $owned:literal, $trusted:literal;)*) => {$(
        unsafe impl<T: FfiPointee> FfiType for $ptr {
            const __OPAQUE_POINTER: bool = T::__OPAQUE;
            const __TRUSTED_POINTER: bool = $trusted;

            fn __type_ref(types: &mut TypeRegistry) -> TypeRef {
                TypeRef::Pointer {
                    target: T::__register(types),
                    mutable: $mutable,
                    nullable: $nullable,
                    owned: $owned,
                }
            }
        }
    )*};
}

// `Box<T>` of a sized `T` has the ABI of a non-null pointer; the callee owns it. Rust
// guarantees that `Option` of a reference or a `Box` is a nullable pointer with `None` as NULL.
pointers! {
    &T => false, false, false, true;
    &mut T => true, false, false, true;
    Box<T> => true, false, true, true;
    *const T => false, true, false, false;
    *mut T => true, true, false, false;
    Option<&T> => false, true, false, true;
    Option<&mut T> => true, true, false, true;
    Option<Box<T>> => true, true, true, true;
}

macro_rules! borrowed_results {
    ($($ptr:ty;)*) => {$(
        unsafe impl<T: FfiBorrowedResult> FfiReturn for $ptr {
            type Abi = MaybeUninit<Self>;

            fn __return_ref(types: &mut TypeRegistry) -> TypeRef {
                <Self as FfiType>::__type_ref(types)
            }

            fn into_abi(self) -> Result<Self::Abi, Failure> {
                Ok(MaybeUninit::new(self))
            }
        }

        unsafe impl<T: FfiBorrowedResult> FfiOk for $ptr {}
    )*};
}

// Not for opaque types: see `FfiBorrowedResult`. (`Option<&T>` and `Option<&mut T>`: through
// `FfiNullableResult`, below.)
borrowed_results! {
    &T;
    &mut T;
    *const T;
    *mut T;
}

macro_rules! nullable_borrowed_results {
    ($($ptr:ty => $raw:ty;)*) => {$(
        unsafe impl<T: FfiBorrowedResult> FfiNullableResult for $ptr {
            type Raw = $raw;

            fn __nullable_ref(types: &mut TypeRegistry) -> TypeRef {
                <Option<$ptr> as FfiType>::__type_ref(types)
            }

            fn __into_nonnull(self) -> Result<$raw, Failure> {
                Ok(self as $raw)
            }

            fn __null() -> Result<$raw, Failure> {
                Ok(std::ptr::null_mut::<T>() as $raw)
            }
        }
    )*};
}

nullable_borrowed_results! {
    &T => *const T;
    &mut T => *mut T;
}

// An owned result: for an opaque type, a new cell (see `FfiPointee::__into_raw`).
unsafe impl<T: FfiPointee> FfiReturn for Box<T> {
    type Abi = MaybeUninit<*mut T>;

    fn __return_ref(types: &mut TypeRegistry) -> TypeRef {
        <Self as FfiType>::__type_ref(types)
    }

    fn into_abi(self) -> Result<Self::Abi, Failure> {
        Ok(MaybeUninit::new(T::__into_raw(self)?))
    }
}

unsafe impl<T: FfiPointee> FfiOk for Box<T> {}

/// What a function may return inside `Option`: an owned object, as a pointer that is NULL for
/// `None` (`Box<T>` of an `#[ffi_type]` struct or opaque type, and, by `#[ffi_service]`, its
/// type: an object returned by value becomes a new service object), a borrowed one (`&T`,
/// `&mut T`), or a value (a primitive, an `#[ffi_type]` struct or enum), as an [`FfiOption`].
///
/// One trait for all, so that `Option<T>` has one `FfiReturn` impl: two (for `Option<Box<T>>`
/// and for `Option<T>` of a service) would overlap in the compiler's eyes.
///
/// # Safety
///
/// `Raw` is the C type `__nullable_ref` describes, and `__null` is no valid `Raw` of a value.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`Option<{Self}>` cannot be returned across the FFI boundary",
    label = "not an optional value, pointer or object",
    note = "a returned `Option` holds a primitive, an #[ffi_type] struct or enum, a pointer \
            (`Option<Box<T>>`, `Option<&T>`, `Option<&mut T>`) or an #[ffi_service] type's object"
)]
pub unsafe trait FfiNullableResult: Sized {
    type Raw;

    /// The reference of `Option<Self>`: a nullable pointer, or an optional value.
    fn __nullable_ref(types: &mut TypeRegistry) -> TypeRef;

    /// `Some(self)` as C sees it: the object's pointer, handed over to the caller, or the value.
    fn __into_nonnull(self) -> Result<Self::Raw, Failure>;

    /// `None` as C sees it: NULL, an empty `FfiOption`, or the encoding of `None`.
    fn __null() -> Result<Self::Raw, Failure>;
}

unsafe impl<T: FfiPointee> FfiNullableResult for Box<T> {
    type Raw = *mut T;

    fn __nullable_ref(types: &mut TypeRegistry) -> TypeRef {
        <Option<Box<T>> as FfiType>::__type_ref(types)
    }

    fn __into_nonnull(self) -> Result<*mut T, Failure> {
        T::__into_raw(self)
    }

    fn __null() -> Result<*mut T, Failure> {
        Ok(std::ptr::null_mut())
    }
}

unsafe impl<T: FfiNullableResult> FfiReturn for Option<T> {
    type Abi = MaybeUninit<T::Raw>;

    fn __return_ref(types: &mut TypeRegistry) -> TypeRef {
        T::__nullable_ref(types)
    }

    fn into_abi(self) -> Result<Self::Abi, Failure> {
        Ok(MaybeUninit::new(match self {
            Some(value) => value.__into_nonnull()?,
            None => T::__null()?,
        }))
    }
}

unsafe impl<T: FfiNullableResult> FfiOk for Option<T> {}

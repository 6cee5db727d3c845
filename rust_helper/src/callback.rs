//! The results of callbacks that C (or a foreign side such as Python's ctypes) cannot return by
//! value: text (`-> String`) and structs.
//!
//! Such a callback's `call` returns nothing and takes one more parameter, last: a pointer to a
//! result slot that the library owns, on the stack of the Rust code calling the callback. The
//! foreign side fills the slot through the function the slot holds, which copies what it is
//! given before it returns: the foreign side keeps its own memory (nothing is handed over, so
//! nothing can leak or be freed twice), and a foreign side that fills nothing (it failed) leaves
//! the slot's zero value (an empty string).

use std::borrow::Cow;
use std::ffi::c_void;

use crate::abi::{record, try_copy, Failure, FfiBytes, KIND_CALLBACK, VOUCHED_UTF8};
use crate::defs::{TypeRef, TypeRegistry};
use crate::traits::FfiType;
use crate::wire::FfiWire;

/// Where a callback that returns text puts it (`<crate>_text_result` in C).
///
/// C sees only the first field: `call` gets a pointer to the slot, and returns text by calling
/// `set(result, bytes, len)` with `len` bytes of UTF-8 that the library copies before `set`
/// returns. `set` returns `false` (and records a failure of kind 4 for the library call the
/// callback runs inside, naming the callback) if the bytes are not UTF-8 or the library is out
/// of memory; the text is then empty. A later `set` replaces the text of an earlier one. `len`
/// may carry the bit by which the caller vouches that the bytes are UTF-8, as a `&str`
/// argument's length may ([`VOUCHED_UTF8`]): the library then copies them without validating
/// them.
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

/// `TextResult::set`: copies `len` bytes at `bytes` into the slot if they are UTF-8 (or if the
/// caller vouches that they are: `len`'s [`VOUCHED_UTF8`] bit).
///
/// # Safety
///
/// `result` points to a live `TextResult` (the one `call` was given); unless `len` is 0 (its
/// [`VOUCHED_UTF8`] bit aside), `bytes` points to `len` readable bytes, UTF-8 if the bit is set.
unsafe extern "C" fn set_text(result: *mut TextResult, bytes: *const u8, len: usize) -> bool {
    // SAFETY: the caller passes the slot `call` was given, which the library's frame owns.
    let result = unsafe { &mut *result };
    let vouched = len & VOUCHED_UTF8 != 0;
    let len = len & !VOUCHED_UTF8;
    let bytes: &[u8] = if len == 0 {
        // Never build a slice from a foreign pointer for length 0 (it may be NULL or unaligned).
        &[]
    } else if bytes.is_null() || isize::try_from(len).is_err() {
        // Refused, as a slice argument's NULL or impossible length is, rather than read.
        result.text = None;
        refuse(
            result.callback,
            format!("is NULL or too long for its length {len}"),
        );
        return false;
    } else {
        // SAFETY: the caller promises `len` readable bytes.
        unsafe { std::slice::from_raw_parts(bytes, len) }
    };
    let checked = if vouched {
        // SAFETY: the caller vouches for the bytes (the bit's contract, as for a `&str` argument).
        Ok(unsafe { std::str::from_utf8_unchecked(bytes) })
    } else {
        std::str::from_utf8(bytes)
    };
    let text = match checked {
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
                payload: None,
            });
            false
        }
    }
}

/// A callback's parameter as its `call` gets it: what the caller keeps alive during the call
/// (`Keep`), and the C value made from it (`C`). A type of C layout crosses as itself; a record
/// (or an enum whose variants carry data) is encoded into a buffer the caller keeps, and `call`
/// gets a pointer to its `FfiBytes` (`const <crate>_bytes *`), valid during the call.
///
/// # Safety
///
/// Implemented by this crate and by `#[ffi_type]`; do not implement it by hand. `__lower`'s C
/// value is valid while `keep` lives, and the inventory reference describes it.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "a callback cannot take `{Self}`",
    label = "not a callback parameter",
    note = "a callback takes primitives, `char`, `&str` or `String`, `&[T]` or `Vec<T>` of \
            numbers, #[ffi_type] enums, structs (by value or by reference) and records (by \
            value)"
)]
pub unsafe trait CallbackParam: Sized {
    /// What the caller keeps until `call` returns.
    type Keep;
    /// The C parameter.
    type C;

    /// Makes what the caller keeps.
    fn __keep(self) -> Self::Keep;

    /// The C value of `keep`.
    ///
    /// # Safety
    ///
    /// Called once per `keep`, which is then only dropped (for a type of C layout, the value
    /// moves into the call: `Keep` is a `ManuallyDrop` of it).
    unsafe fn __lower(keep: &Self::Keep) -> Self::C;

    /// The parameter's type in the inventory.
    fn __param_ref(types: &mut TypeRegistry) -> TypeRef;

    /// Whether it is a pointer to an `#[ffi_type(opaque)]` type (which a callback cannot take).
    const __OPAQUE_POINTER: bool = false;
}

unsafe impl<T: FfiType> CallbackParam for T {
    type Keep = std::mem::ManuallyDrop<T>;
    type C = T;

    #[inline(always)]
    fn __keep(self) -> Self::Keep {
        std::mem::ManuallyDrop::new(self)
    }

    #[inline(always)]
    unsafe fn __lower(keep: &Self::Keep) -> T {
        // SAFETY: read once, and `keep` is never dropped: the value moves into the call.
        unsafe { std::ptr::read(&**keep) }
    }

    fn __param_ref(types: &mut TypeRegistry) -> TypeRef {
        T::__type_ref(types)
    }

    const __OPAQUE_POINTER: bool = T::__OPAQUE_POINTER;
}

/// A record's (or record enum's) encoding kept for a callback's call, and the `FfiBytes` that
/// `call` gets a pointer to.
#[doc(hidden)]
pub struct EncodedParam {
    _bytes: Vec<u8>,
    view: FfiBytes,
}

impl EncodedParam {
    /// The encoding of `value`.
    #[inline]
    pub fn new<T: FfiWire>(value: &T) -> Self {
        let mut bytes = Vec::with_capacity(value.__size());
        value.__write(&mut bytes);
        // The heap buffer does not move when the `Vec` does.
        let view = FfiBytes {
            ptr: bytes.as_ptr(),
            len: bytes.len(),
        };
        EncodedParam {
            _bytes: bytes,
            view,
        }
    }

    /// The pointer `call` gets, valid while `self` lives.
    #[inline]
    pub fn as_ptr(&self) -> *const FfiBytes {
        &self.view
    }
}

/// Where a callback puts a value that crosses in the wire encoding (`<crate>_encoded_result` in
/// C, with only `set` visible): a `Vec`, a map or an `Option` of one that it returns (its last
/// parameter), or the error of its `Result` when the error enum carries data (before the
/// result's slot). `call` gets a pointer to the slot and calls `set(slot, bytes, len)` with the
/// value's encoding (docs/wire-format.md), which the library decodes, checked, before `set`
/// returns. `set` returns `false` (and records a failure of kind 4, naming the callback) if the
/// bytes are no such value; the slot then holds none, as when the callback failed.
#[doc(hidden)]
#[repr(C)]
pub struct EncodedResult<T> {
    set: unsafe extern "C" fn(slot: *mut EncodedResult<T>, bytes: *const u8, len: usize) -> bool,
    /// The callback's name, for the failures `set` records.
    callback: &'static str,
    /// `"result"` or `"error"`: what the slot holds, for those failures.
    what: &'static str,
    value: Option<T>,
}

impl<T: FfiWire> EncodedResult<T> {
    /// An empty slot for the callback `callback`'s `what` (`"result"` or `"error"`).
    #[inline]
    pub fn new(callback: &'static str, what: &'static str) -> Self {
        EncodedResult {
            set: set_encoded::<T>,
            callback,
            what,
            value: None,
        }
    }

    /// The value the foreign side set, if it set one.
    #[inline]
    pub fn into_option(self) -> Option<T> {
        self.value
    }
}

/// `EncodedResult::set`: decodes the `len` bytes at `bytes` as a `T` into the slot.
///
/// # Safety
///
/// `slot` points to a live `EncodedResult<T>` (the one `call` was given); unless `len` is 0,
/// `bytes` points to `len` readable bytes.
unsafe extern "C" fn set_encoded<T: FfiWire>(
    slot: *mut EncodedResult<T>,
    bytes: *const u8,
    len: usize,
) -> bool {
    // SAFETY: the caller passes the slot `call` was given, which the library's frame owns.
    let slot = unsafe { &mut *slot };
    slot.value = None;
    let refuse = |problem: String| {
        record(Failure {
            kind: KIND_CALLBACK,
            code: 0,
            message: Cow::Owned(format!(
                "the {} of the {} callback {problem}",
                slot.what, slot.callback
            )),
            payload: None,
        });
        false
    };
    if len != 0 && (bytes.is_null() || isize::try_from(len).is_err()) {
        return refuse(format!("is NULL or too long for its length {len}"));
    }
    let data: &[u8] = if len == 0 {
        &[]
    } else {
        // SAFETY: the caller promises `len` readable bytes (checked non-NULL above).
        unsafe { std::slice::from_raw_parts(bytes, len) }
    };
    let mut input = data;
    match T::__read(&mut input) {
        Ok(value) if input.is_empty() => {
            slot.value = Some(value);
            true
        }
        Ok(_) => refuse(format!(
            "has trailing bytes after the {} ({})",
            slot.what,
            input.len()
        )),
        Err(error) => refuse(error.into_message()),
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
        payload: None,
    });
}

/// The C parameters of a callback's `call` after its context, as a tuple: what shapes the
/// function pointer of a callback whose result type decides how it crosses (see
/// [`CallbackResult`]).
#[doc(hidden)]
pub trait CallArgs: Sized {
    /// `unsafe extern "C-unwind" fn(*const c_void, A, B) -> R`: the result returned by value.
    type Direct<R>: Copy;
    /// `unsafe extern "C-unwind" fn(*const c_void, A, B, *mut S)`: the result in a slot.
    type Slotted<S>: Copy;

    /// Calls `call` with `context` and the arguments.
    ///
    /// # Safety
    ///
    /// `call` may be called with `context` and these arguments.
    unsafe fn direct<R>(call: Self::Direct<R>, context: *const c_void, args: Self) -> R;

    /// Calls `call` with `context`, the arguments and `slot`.
    ///
    /// # Safety
    ///
    /// As for [`CallArgs::direct`]; `slot` is valid for writes of an `S` during the call.
    unsafe fn slotted<S>(call: Self::Slotted<S>, context: *const c_void, args: Self, slot: *mut S);
}

macro_rules! call_args {
    ($($ty:ident $arg:ident),*) => {
        impl<$($ty),*> CallArgs for ($($ty,)*) {
            type Direct<R> = unsafe extern "C-unwind" fn(*const c_void, $($ty),*) -> R;
            type Slotted<S> = unsafe extern "C-unwind" fn(*const c_void, $($ty,)* *mut S);

            #[inline(always)]
            unsafe fn direct<R>(call: Self::Direct<R>, context: *const c_void, args: Self) -> R {
                let ($($arg,)*) = args;
                // SAFETY: forwarded from the caller.
                unsafe { call(context, $($arg),*) }
            }

            #[inline(always)]
            unsafe fn slotted<S>(
                call: Self::Slotted<S>,
                context: *const c_void,
                args: Self,
                slot: *mut S,
            ) {
                let ($($arg,)*) = args;
                // SAFETY: forwarded from the caller.
                unsafe { call(context, $($arg,)* slot) }
            }
        }
    };
}

call_args!();
call_args!(A a);
call_args!(A a, B b);
call_args!(A a, B b, C c);
call_args!(A a, B b, C c, D d);
call_args!(A a, B b, C c, D d, E e);
call_args!(A a, B b, C c, D d, E e, F f);
call_args!(A a, B b, C c, D d, E e, F f, G g);
call_args!(A a, B b, C c, D d, E e, F f, G g, H h);
call_args!(A a, B b, C c, D d, E e, F f, G g, H h, I i);
call_args!(A a, B b, C c, D d, E e, F f, G g, H h, I i, J j);
call_args!(A a, B b, C c, D d, E e, F f, G g, H h, I i, J j, K k);
call_args!(A a, B b, C c, D d, E e, F f, G g, H h, I i, J j, K k, L l);
call_args!(A a, B b, C c, D d, E e, F f, G g, H h, I i, J j, K k, L l, M m);
call_args!(A a, B b, C c, D d, E e, F f, G g, H h, I i, J j, K k, L l, M m, N n);
call_args!(A a, B b, C c, D d, E e, F f, G g, H h, I i, J j, K k, L l, M m, N n, O o);
call_args!(A a, B b, C c, D d, E e, F f, G g, H h, I i, J j, K k, L l, M m, N n, O o, P p);

/// A callback's result type that is an `#[ffi_type]` (or an alias of a primitive): how it
/// crosses, which the `#[ffi_callback]` macro cannot tell from its name. A field-less enum (or a
/// primitive) is returned by value; a struct, which not every foreign side can return by value
/// (Python's ctypes cannot), is written into a slot the library passes last (`S *result` in C),
/// which holds zeroes until it is written. The inventory binary refuses a struct whose zeroes are
/// not a value of it (an enum field without a variant of value 0), so that a foreign side that
/// fails and writes nothing leaves a value.
///
/// # Safety
///
/// Implemented by this crate and by `#[ffi_type]`; do not implement it by hand.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "a callback cannot return `{Self}`: it returns nothing, a primitive, an \
               #[ffi_type] struct or field-less enum, a `String`, a `Vec` or map, an `Option` \
               of one, or a `Result<T, E>` of one with an #[ffi_type] error enum",
    label = "not a callback result"
)]
pub unsafe trait CallbackResult: Sized {
    /// The callback's `call` for the C parameters `A`.
    type Call<A: CallArgs>: Copy;

    /// Calls `call` with `context` and `args`, and returns its result.
    ///
    /// # Safety
    ///
    /// `call` may be called with `context` and these arguments.
    unsafe fn __call<A: CallArgs>(call: Self::Call<A>, context: *const c_void, args: A) -> Self;
}

/// `CallbackResult` for a type returned by value (a primitive, a field-less enum).
#[doc(hidden)]
#[macro_export]
macro_rules! __callback_result_by_value {
    ($ty:ty) => {
        unsafe impl $crate::__private::CallbackResult for $ty {
            type Call<A: $crate::__private::CallArgs> = A::Direct<Self>;

            #[inline(always)]
            unsafe fn __call<A: $crate::__private::CallArgs>(
                call: Self::Call<A>,
                context: *const ::core::ffi::c_void,
                args: A,
            ) -> Self {
                // SAFETY: forwarded from the caller.
                unsafe { A::direct(call, context, args) }
            }
        }
    };
}

/// `CallbackResult` for a struct: written into a zeroed slot.
#[doc(hidden)]
#[macro_export]
macro_rules! __callback_result_in_slot {
    ($ty:ty) => {
        unsafe impl $crate::__private::CallbackResult for $ty {
            type Call<A: $crate::__private::CallArgs> = A::Slotted<Self>;

            #[inline(always)]
            unsafe fn __call<A: $crate::__private::CallArgs>(
                call: Self::Call<A>,
                context: *const ::core::ffi::c_void,
                args: A,
            ) -> Self {
                let mut slot = ::core::mem::MaybeUninit::<Self>::zeroed();
                // SAFETY: forwarded from the caller; `slot` outlives the call.
                unsafe { A::slotted(call, context, args, slot.as_mut_ptr()) };
                // SAFETY: the foreign side wrote a value, or left zeroes, which the inventory's
                // check of the struct makes a value too.
                unsafe { slot.assume_init() }
            }
        }
    };
}

__callback_result_by_value!(());
__callback_result_by_value!(u8);
__callback_result_by_value!(u16);
__callback_result_by_value!(u32);
__callback_result_by_value!(u64);
__callback_result_by_value!(usize);
__callback_result_by_value!(i8);
__callback_result_by_value!(i16);
__callback_result_by_value!(i32);
__callback_result_by_value!(i64);
__callback_result_by_value!(isize);
__callback_result_by_value!(f32);
__callback_result_by_value!(f64);
__callback_result_by_value!(bool);

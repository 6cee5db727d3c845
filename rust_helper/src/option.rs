//! `FfiOption<T>`: an optional value with a C layout.

use std::fmt;
use std::mem::MaybeUninit;

/// An optional value that can cross the C ABI: a parameter, a return value or a struct field.
///
/// Rust's own `Option<T>` has no C layout for most `T` (only for references and boxes, which
/// hatch-interop passes as nullable pointers), so an FFI signature spells an optional number,
/// struct or enum `FfiOption<T>`; bindings show it as `Optional[T]`/`None`. Convert with
/// `From`/`Into` in both directions:
///
/// ```
/// use hatch_interop::FfiOption;
///
/// let some: FfiOption<u32> = Some(3).into();
/// assert_eq!(some.into_option(), Some(3));
/// assert_eq!(Option::<u32>::from(FfiOption::<u32>::none()), None);
/// ```
///
/// Like `MaybeUninit`, it never drops its value: take the value out with
/// [`into_option`](Self::into_option) (or `Option::from`) when `T` owns something. It is
/// `Copy` when `T` is, so `#[derive(Clone, Copy)]` structs may hold one.
///
/// C layout: `struct { T value; uint8_t is_some; }` with `T`'s alignment. A `None` made in
/// Rust has a zeroed `value`; one from C may hold anything there, and it is never read. Any
/// non-zero `is_some` means `Some`, so no byte a C caller writes is invalid.
#[repr(C)]
pub struct FfiOption<T> {
    value: MaybeUninit<T>,
    is_some: u8,
}

impl<T> FfiOption<T> {
    /// `Some(value)`.
    pub const fn some(value: T) -> Self {
        FfiOption {
            value: MaybeUninit::new(value),
            is_some: 1,
        }
    }

    /// `None`, with a zeroed value so that readers in other languages see no stale bytes.
    pub const fn none() -> Self {
        FfiOption {
            value: MaybeUninit::zeroed(),
            is_some: 0,
        }
    }

    /// Whether this holds a value.
    pub const fn is_some(&self) -> bool {
        self.is_some != 0
    }

    /// The value, if any, as a reference.
    pub fn as_ref(&self) -> Option<&T> {
        // SAFETY: `is_some` is set only together with an initialised value (by `some`, or by
        // a C caller that promises so: the type's documented layout).
        self.is_some()
            .then(|| unsafe { self.value.assume_init_ref() })
    }

    /// Converts into Rust's `Option`.
    pub fn into_option(self) -> Option<T> {
        // SAFETY: as in `as_ref`; `self` is consumed, so the value is moved out once.
        self.is_some()
            .then(|| unsafe { self.value.assume_init_read() })
    }
}

impl<T> Default for FfiOption<T> {
    fn default() -> Self {
        Self::none()
    }
}

impl<T> From<Option<T>> for FfiOption<T> {
    fn from(option: Option<T>) -> Self {
        option.map_or_else(Self::none, Self::some)
    }
}

impl<T> From<FfiOption<T>> for Option<T> {
    fn from(option: FfiOption<T>) -> Self {
        option.into_option()
    }
}

impl<T: Clone> Clone for FfiOption<T> {
    fn clone(&self) -> Self {
        self.as_ref().cloned().into()
    }
}

impl<T: Copy> Copy for FfiOption<T> {}

impl<T: fmt::Debug> fmt::Debug for FfiOption<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.as_ref().fmt(f)
    }
}

impl<T: PartialEq> PartialEq for FfiOption<T> {
    fn eq(&self, other: &Self) -> bool {
        self.as_ref() == other.as_ref()
    }
}

impl<T: Eq> Eq for FfiOption<T> {}

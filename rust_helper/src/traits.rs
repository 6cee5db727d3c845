//! The traits through which the type system describes the C ABI.
//!
//! The attribute macros implement them; generated code calls their hidden methods. Each
//! trait carries a `#[diagnostic::on_unimplemented]` message so that a misuse is reported
//! in FFI terms at the user's own code.

use crate::defs::{ConstValue, ConstantDef, FunctionDef, TypeRef, TypeRegistry};

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
            return type"
)]
pub unsafe trait FfiType {
    #[doc(hidden)]
    fn __type_ref(types: &mut TypeRegistry) -> TypeRef;
}

/// A type that FFI pointers (`&T`, `&mut T`, `Box<T>`, `*const T`, `*mut T`) may point to:
/// an `#[ffi_type]` struct or an `#[ffi_type(opaque)]` type.
///
/// # Safety
///
/// Implemented by `#[ffi_type]`; do not implement it by hand.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be pointed to across the FFI boundary",
    label = "pointers to `{Self}` are not supported",
    note = "FFI pointers (&T, &mut T, Box<T>, *const T, *mut T) must point to an #[ffi_type] \
            struct or an #[ffi_type(opaque)] type; pointers to primitives and enums are not \
            supported yet"
)]
pub unsafe trait FfiPointee: TypeInfo {}

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
    /// Adds the definition (after the types it names) unless already present; returns the
    /// type's name.
    #[doc(hidden)]
    fn __register(types: &mut TypeRegistry) -> &'static str;
}

/// A type a function may return: any [`FfiType`], or `()`.
///
/// # Safety
///
/// Same contract as [`FfiType`]; it is implemented for every `FfiType` and `()`, so there is
/// no reason to implement it by hand.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned across the FFI boundary: it is not an FFI type",
    label = "`{Self}` is not an FFI type",
    note = "return `()`, a primitive, an #[ffi_type] struct or enum, or a pointer (&T, &mut T, \
            Box<T>, *const T, *mut T) to an #[ffi_type] struct or #[ffi_type(opaque)] type"
)]
// Not sealed with a supertrait: rustc would then report the private supertrait instead of
// this trait's message.
pub unsafe trait FfiReturn {
    #[doc(hidden)]
    fn __return_ref(types: &mut TypeRegistry) -> TypeRef;
}

unsafe impl<T: FfiType> FfiReturn for T {
    fn __return_ref(types: &mut TypeRegistry) -> TypeRef {
        T::__type_ref(types)
    }
}

unsafe impl FfiReturn for () {
    fn __return_ref(_: &mut TypeRegistry) -> TypeRef {
        TypeRef::Void
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

macro_rules! pointers {
    ($($ptr:ty => $mutable:literal, $nullable:literal, $owned:literal;)*) => {$(
        unsafe impl<T: FfiPointee> FfiType for $ptr {
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

// `Box<T>` of a sized `T` has the ABI of a non-null pointer; the callee owns it.
pointers! {
    &T => false, false, false;
    &mut T => true, false, false;
    Box<T> => true, false, true;
    *const T => false, true, false;
    *mut T => true, true, false;
}

//! `#[ffi_trait]` objects: a trait the foreign side implements, passed to a function as
//! `&dyn Trait` for the call or as `Box<dyn Trait>` / `Arc<dyn Trait>` for Rust to keep.
//!
//! C sees one `repr(C)` struct per trait with one callback structure per method (`{call,
//! context, release}`, in declaration order): each method is called as a callback of the
//! method's signature is, and a kept object releases each method's context when Rust drops it.
//! `#[ffi_trait]` generates the struct, the trait's implementation over it, and [`FfiTrait`] for
//! `dyn Trait`; the parameter spellings reach [`TraitObjectArg`].

use std::sync::Arc;

use crate::abi::Failure;
use crate::defs::{TypeRef, TypeRegistry};
use crate::traits::TypeInfo;

/// `dyn Trait` of an `#[ffi_trait]`: the C struct that implements it, and the ways a parameter
/// makes a trait object of that struct.
///
/// # Safety
///
/// Implemented by `#[ffi_trait]`; do not implement it by hand. `Ffi` is the `repr(C)` struct
/// the inventory describes.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an #[ffi_trait] object",
    label = "not an #[ffi_trait]",
    note = "annotate the trait with #[ffi_trait] and write `dyn Trait` alone (the attribute makes \
            the trait `Send + Sync`)"
)]
pub unsafe trait FfiTrait: 'static {
    /// The C struct: one callback structure per method.
    type Ffi: TypeInfo + Send + Sync + 'static;

    /// The object for a call, borrowed from the caller's struct.
    fn __borrow(ffi: &Self::Ffi) -> &Self;

    /// The object Rust keeps, made of the caller's struct (whose contexts it now releases).
    fn __boxed(ffi: Self::Ffi) -> Box<Self>;

    /// As `__boxed`, shared.
    fn __shared(ffi: Self::Ffi) -> Arc<Self>;
}

/// How a parameter of a trait object (`&dyn T`, `Option<&dyn T>`, `Box<dyn T>`, `Arc<dyn T>`)
/// crosses: `&` as a pointer to the struct, borrowed for the call (NULL is `None`, or refused);
/// `Box` and `Arc` as the struct by value, which Rust then owns.
///
/// # Safety
///
/// Implemented by this crate; do not implement it by hand.
#[doc(hidden)]
pub unsafe trait TraitObjectArg: Sized {
    /// The C parameter.
    type C;

    fn __type_ref(types: &mut TypeRegistry) -> TypeRef;

    /// The argument for parameter `param` of `function`, or an invalid-argument failure.
    ///
    /// # Safety
    ///
    /// `c` is valid for the parameter's type, as the inventory describes it; a pointer stays
    /// valid while the argument is used (the call).
    unsafe fn __from_c(c: Self::C, function: &str, param: &str) -> Result<Self, Failure>;
}

fn pointer_ref<T: ?Sized + FfiTrait>(types: &mut TypeRegistry, nullable: bool) -> TypeRef {
    TypeRef::Pointer {
        target: <T::Ffi as TypeInfo>::__register(types),
        mutable: false,
        nullable,
        owned: false,
    }
}

// The shim's references live for `'static` in its types; the function's signature cannot keep
// them past the call (as for `PointerArg`).
unsafe impl<T: ?Sized + FfiTrait> TraitObjectArg for &'static T {
    type C = *const T::Ffi;

    fn __type_ref(types: &mut TypeRegistry) -> TypeRef {
        pointer_ref::<T>(types, false)
    }

    #[inline]
    unsafe fn __from_c(c: Self::C, function: &str, param: &str) -> Result<Self, Failure> {
        if c.is_null() {
            return Err(Failure::invalid_argument(format_args!(
                "{function}() argument `{param}` is NULL"
            )));
        }
        // SAFETY: the caller's struct is valid during the call, which is all the function can
        // use the reference for.
        Ok(T::__borrow(unsafe { &*c }))
    }
}

unsafe impl<T: ?Sized + FfiTrait> TraitObjectArg for Option<&'static T> {
    type C = *const T::Ffi;

    fn __type_ref(types: &mut TypeRegistry) -> TypeRef {
        pointer_ref::<T>(types, true)
    }

    #[inline]
    unsafe fn __from_c(c: Self::C, _: &str, _: &str) -> Result<Self, Failure> {
        // SAFETY: as for `&T`.
        Ok((!c.is_null()).then(|| T::__borrow(unsafe { &*c })))
    }
}

unsafe impl<T: ?Sized + FfiTrait> TraitObjectArg for Box<T> {
    type C = T::Ffi;

    fn __type_ref(types: &mut TypeRegistry) -> TypeRef {
        TypeRef::Named(<T::Ffi as TypeInfo>::__register(types))
    }

    #[inline]
    unsafe fn __from_c(c: Self::C, _: &str, _: &str) -> Result<Self, Failure> {
        Ok(T::__boxed(c))
    }
}

unsafe impl<T: ?Sized + FfiTrait> TraitObjectArg for Arc<T> {
    type C = T::Ffi;

    fn __type_ref(types: &mut TypeRegistry) -> TypeRef {
        TypeRef::Named(<T::Ffi as TypeInfo>::__register(types))
    }

    #[inline]
    unsafe fn __from_c(c: Self::C, _: &str, _: &str) -> Result<Self, Failure> {
        Ok(T::__shared(c))
    }
}

//! Describe a crate's C ABI as JSON for the hatch-interop Python build hook.
//!
//! Annotate the exported functions, the types they use and the constants worth exposing,
//! register them in one function annotated with [`ffi_inventory`], and print that inventory
//! from a small binary target of the same crate, `src/bin/inventory.rs`:
//!
//! ```
//! use hatch_interop::prelude::*;
//!
//! /// A point.
//! #[ffi_type]
//! #[derive(Clone, Copy)]
//! pub struct Vec2 {
//!     /// Horizontal coordinate.
//!     pub x: f32,
//!     pub y: f32,
//! }
//!
//! /// Adds two points.
//! #[ffi_function]
//! pub fn vec2_add(a: Vec2, b: Vec2) -> Vec2 {
//!     Vec2 { x: a.x + b.x, y: a.y + b.y }
//! }
//!
//! /// Most points per call.
//! #[ffi_constant]
//! pub const MAX_POINTS: u32 = 64;
//!
//! #[ffi_inventory]
//! pub fn inventory() -> Inventory {
//!     Inventory::new().function::<vec2_add>().constant::<MAX_POINTS>()
//! }
//!
//! // src/bin/inventory.rs:
//! fn main() {
//!     # let _ = || {
//!     hatch_interop::dump(inventory());
//!     # };
//! }
//! ```
//!
//! The JSON format is documented in `docs/inventory-schema.md` of the hatch-interop
//! repository. Everything in it is derived through the traits of this crate ([`FfiType`] and
//! friends), so it cannot disagree with the signatures the compiler sees.

#![warn(missing_docs)]

// Lets the macros' `::hatch_interop::...` paths resolve inside this crate's own tests.
extern crate self as hatch_interop;

mod abi;
mod asynchronous;
mod bell;
mod callback;
mod defs;
mod foreign_trait;
mod inventory;
mod json;
mod opaque;
mod option;
mod service;
mod traits;
mod wire;

pub use abi::{FfiArray, FfiBuffer, FfiBytes, FfiFailure, FfiInt128, FfiText, FfiTexts};
pub use asynchronous::FfiCompletion;
pub use hatch_interop_macros::{
    ffi_callback, ffi_constant, ffi_function, ffi_inventory, ffi_service, ffi_trait, ffi_type,
};
pub use inventory::{Inventory, InventoryError};
pub use option::FfiOption;
pub use traits::{
    ConstantInfo, FfiArrayElement, FfiBorrowedResult, FfiEnum, FfiError, FfiErrorEnum,
    FfiNullableResult, FfiOk, FfiOpaqueType, FfiOptional, FfiPointee, FfiPrimitive, FfiReturn,
    FfiServiceType, FfiSliceElement, FfiType, FunctionInfo, ServiceInfo, TypeInfo,
};

/// `use hatch_interop::prelude::*;` brings in everything a crate's FFI module needs.
pub mod prelude {
    pub use crate::{
        ffi_callback, ffi_constant, ffi_function, ffi_inventory, ffi_service, ffi_trait, ffi_type,
        FfiOption, FfiType, Inventory,
    };
}

/// Prints `inventory` as one line of compact JSON on standard output: the whole job of the
/// crate's inventory binary (`src/bin/inventory.rs`).
///
/// If the inventory is invalid (two types sharing a name, a function registered twice, ...)
/// or cannot be written, prints the problems to standard error and exits with status 1.
pub fn dump(inventory: Inventory) {
    use std::io::Write as _;

    match inventory.to_json() {
        Ok(json) => {
            let mut stdout = std::io::stdout().lock();
            if let Err(err) = writeln!(stdout, "{json}").and_then(|()| stdout.flush()) {
                eprintln!("error: cannot write the FFI inventory to standard output: {err}");
                std::process::exit(1);
            }
        }
        Err(err) => {
            match inventory.crate_name() {
                Some(name) => eprintln!("error: the FFI inventory of crate `{name}` is invalid:"),
                None => eprintln!("error: the FFI inventory is invalid:"),
            }
            for problem in err.problems() {
                eprintln!("  - {problem}");
            }
            std::process::exit(1);
        }
    }
}

/// Support for the code the attribute macros generate. Not a public API.
#[doc(hidden)]
pub mod __private {
    use std::sync::OnceLock;

    pub use crate::abi::{
        array_arg, call, callback_failed, cstr_arg, disjoint_args, distinct_objects, ffi_free,
        ffi_free_texts, finish, owned_str, pending, shutdown, slice_arg, slice_mut_arg, str_arg,
        take_failure, vec_arg, ArgMemory, Failure, ForeignCall, IsExiting, ReturnAbi, PENDING,
    };
    #[cfg(not(feature = "tokio"))]
    pub use crate::asynchronous::TokioFeature;
    pub use crate::asynchronous::{calls_in_flight, cancel, spawn};
    pub use crate::bell::{
        close as bell_close, drain as bell_drain, open as bell_open, use_bell as bell_use,
        CompleteFn,
    };
    pub use crate::callback::{
        CallArgs, CallbackParam, CallbackResult, EncodedParam, EncodedResult, TextResult,
    };
    pub use crate::defs::{
        ConstValue, ConstantDef, DefaultValue, Doc, FieldDef, FunctionDef, Library, ParamDef,
        Receiver, RecordFieldDef, RecordVariantDef, ServiceDef, TaggedVariantDef, TraitMethodDef,
        TypeDef, TypeRef, TypeRegistry, VariantDef,
    };
    pub use crate::foreign_trait::{FfiTrait, TraitObjectArg};
    pub use crate::opaque::{
        Borrow, CellKind, CellProbe, DropProbe, DropProbeImplemented, DropProbeOther, FreesOnly,
        FreesProbe, FreesProbeFreesOnly, FreesProbeOther, OpaqueCell,
    };
    pub use crate::service::{
        constructed, constructed_or_error, receiver_as_argument, Exclusive, Owned, ServiceCell,
        Shared,
    };
    pub use crate::traits::{
        array_param_ref, take_object, CallbackError, ConvertedArg, FfiVecElement, ObjectToTake,
        OptionalArg, PointerArg, Ready, TakeArg, ValueArg,
    };
    pub use crate::wire::{
        wire_arg, wire_bytes_arg, wire_read_element, wire_result, FfiMapKey, FfiWire, RecordDepth,
        WireError,
    };
    use crate::Inventory;

    /// The length of `"<service>.<member>"`, for the array [`member_label`] fills.
    pub const fn member_label_len(service: &str, member: &str) -> usize {
        service.len() + 1 + member.len()
    }

    /// `"<service>.<member>"` as bytes, at compile time: the label of a service member's
    /// messages, whose service name comes from the type's `TypeInfo` (a rename in
    /// `#[ffi_type(name = "...")]` that `#[ffi_service]` cannot see).
    pub const fn member_label<const N: usize>(service: &str, member: &str) -> [u8; N] {
        let (service, member) = (service.as_bytes(), member.as_bytes());
        assert!(N == service.len() + 1 + member.len());
        let mut label = [0u8; N];
        let mut i = 0;
        while i < service.len() {
            label[i] = service[i];
            i += 1;
        }
        label[i] = b'.';
        let mut j = 0;
        while j < member.len() {
            label[i + 1 + j] = member[j];
            j += 1;
        }
        label
    }

    /// The body of a crate's `<crate>_api_guard` symbol: the inventory's hash, computed once.
    ///
    /// Returns 0 if the inventory is invalid or building it panics: this runs behind an
    /// `extern "C"` boundary, where a panic would abort the host process. (The inventory
    /// binary reports the same problems at build time, so a built wheel never sees 0.)
    pub fn api_guard(cache: &'static OnceLock<u64>, inventory: fn() -> Inventory) -> u64 {
        *cache.get_or_init(|| {
            std::panic::catch_unwind(|| inventory().api_hash().ok())
                .ok()
                .flatten()
                .unwrap_or(0)
        })
    }
}

#[cfg(test)]
mod tests;

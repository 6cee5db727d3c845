//! `#[ffi_type(name = "...")]`: a type's inventory name (Python's and C's) differs from its Rust
//! name; a renamed service keeps its Rust type's symbol prefix, and the library's messages name
//! it as Python does.

mod common;

use common::failure_message;
use hatch_interop::prelude::*;

/// A digest.
#[ffi_type(name = "Digest")]
pub struct RustDigest {
    pub value: u64,
}

#[ffi_type(name = "Order")]
#[repr(u8)]
pub enum RustOrder {
    Little,
    Big,
}

#[ffi_type(name = "Shape")]
#[repr(C, u8)]
pub enum RustShape {
    Dot { size: u8 },
    Nothing,
}

#[ffi_type(opaque, name = "Hasher")]
pub struct RustHasher {
    total: u64,
}

#[ffi_service]
impl RustHasher {
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        RustHasher { total: 0 }
    }

    pub fn digest(&self, _order: RustOrder, _shape: RustShape) -> RustDigest {
        RustDigest { value: self.total }
    }

    pub fn add(&mut self, value: u64) {
        self.total += value;
    }
}

#[ffi_inventory]
pub fn inventory() -> Inventory {
    Inventory::new().service::<RustHasher>()
}

#[test]
fn the_inventory_names_the_types_by_their_new_names() {
    let json = inventory().to_json().unwrap();
    for expected in [
        r#""kind":"struct","name":"Digest""#,
        r#""kind":"enum","name":"Order""#,
        r#""kind":"tagged","name":"Shape""#,
        r#""kind":"opaque","name":"Hasher""#,
        r#""name":"Hasher","doc":"#,
        // The members' symbols keep the Rust type's prefix: #[ffi_service] sees only `impl RustHasher`.
        r#""symbol":"rust_hasher_add""#,
        // The opaque type's own drop symbol follows its name.
        r#""drop":"hasher_ffi_drop""#,
    ] {
        assert!(json.contains(expected), "{expected} not in {json}");
    }
    assert!(!json.contains(r#""name":"RustDigest""#), "{json}");
}

#[test]
fn messages_name_the_service_as_python_does() {
    // SAFETY: a NULL handle is refused before it is read.
    unsafe { RustHasher::__hatch_interop_shim_add(std::ptr::null(), 1) };
    assert_eq!(
        failure_message().as_deref(),
        Some("cannot call Hasher.add(): the Hasher handle is NULL")
    );
}

/// Another Rust type that takes the name `Digest`.
#[ffi_type(name = "Digest")]
pub struct OtherDigest {
    pub bits: u32,
}

#[test]
fn two_types_of_one_name_are_refused_naming_both() {
    let error = Inventory::new()
        .ty::<RustDigest>()
        .ty::<OtherDigest>()
        .to_json()
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("struct `Digest` (`renames::OtherDigest`) has the same name as struct `Digest` (`renames::RustDigest`)"),
        "{error}"
    );
}

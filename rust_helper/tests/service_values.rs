//! Services as values: a method or function that returns the service's type by value (`-> Self`,
//! `-> Tally`, in an `Option` or a `Result`) hands out a new service object's handle, which the
//! caller owns; a `Box` of the type stays refused (it would be an opaque cell, not a handle).

use std::fmt;

use hatch_interop::prelude::*;

#[ffi_type(opaque)]
pub struct Tally {
    total: u64,
}

#[ffi_type]
#[repr(u8)]
#[derive(Debug)]
pub enum TallyError {
    Empty = 1,
}

impl fmt::Display for TallyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("empty")
    }
}

#[ffi_service]
impl Tally {
    pub fn new(total: u64) -> Self {
        Tally { total }
    }

    pub fn copy(&self) -> Self {
        Tally { total: self.total }
    }

    pub fn total(&self) -> u64 {
        self.total
    }
}

#[ffi_function]
pub fn tally_if_any(total: u64) -> Option<Tally> {
    (total > 0).then_some(Tally { total })
}

#[ffi_function]
pub fn tally_checked(total: u64) -> Result<Tally, TallyError> {
    if total == 0 {
        Err(TallyError::Empty)
    } else {
        Ok(Tally { total })
    }
}

/// A `Box` of a service's type: an opaque cell, which no service method could use.
#[ffi_function]
pub fn tally_boxed(total: u64) -> Box<Tally> {
    Box::new(Tally { total })
}

#[ffi_inventory]
pub fn inventory() -> Inventory {
    Inventory::new()
        .service::<Tally>()
        .function::<tally_if_any>()
        .function::<tally_checked>()
}

#[test]
fn a_returned_object_is_a_new_service_object() {
    // SAFETY: the handles are the shims' own results, used while they live and released once.
    unsafe {
        let tally = Tally::__hatch_interop_shim_new(5).assume_init();
        let copy = Tally::__hatch_interop_shim_copy(tally).assume_init();
        assert!(!copy.is_null() && copy != tally);
        Tally::__hatch_interop_release(tally);
        assert_eq!(Tally::__hatch_interop_shim_total(copy).assume_init(), 5);
        Tally::__hatch_interop_release(copy);
        assert!(__hatch_interop_shim_tally_if_any(0).assume_init().is_null());
        let some = __hatch_interop_shim_tally_if_any(7).assume_init();
        assert_eq!(Tally::__hatch_interop_shim_total(some).assume_init(), 7);
        Tally::__hatch_interop_release(some);
        let ok = __hatch_interop_shim_tally_checked(2).assume_init();
        assert_eq!(Tally::__hatch_interop_shim_total(ok).assume_init(), 2);
        Tally::__hatch_interop_release(ok);
    }
}

#[test]
fn the_inventory_describes_them_as_owned_handles() {
    let json = inventory().to_json().unwrap();
    let handle = |nullable: bool| {
        format!(
            r#""returns":{{"kind":"pointer","target":{{"kind":"named","name":"Tally"}},"mutable":true,"nullable":{nullable},"owned":true}}"#
        )
    };
    assert_eq!(json.matches(&handle(false)).count(), 3, "{json}"); // new, copy, tally_checked
    assert_eq!(json.matches(&handle(true)).count(), 1, "{json}"); // tally_if_any
}

#[test]
fn a_box_of_a_service_type_is_refused() {
    let error = Inventory::new()
        .service::<Tally>()
        .function::<tally_boxed>()
        .to_json()
        .unwrap_err()
        .to_string();
    assert!(
        error
            .contains("the result of function `tally_boxed` points to `Tally`, which is a service"),
        "{error}"
    );
}

//! Services as values: a method or function that returns the service's type by value (`-> Self`,
//! `-> Tally`, in an `Option` or a `Result`) hands out a new service object's handle, which the
//! caller owns; parameters borrow one (`&Tally`, `&mut Tally`, `Option<&Tally>`) through its
//! cell, as a method's receiver does, or take it (`Box<Tally>`: the object is closed); a `Box`
//! of the type as a result stays refused (it would be an opaque cell, not a handle).

use std::fmt;

mod common;

use common::failure_message;
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

    /// `&mut self` and another object, which may not be `self`.
    pub fn absorb(&mut self, other: &Tally) -> u64 {
        self.total += other.total;
        self.total
    }

    /// Another object by value: taken (closed for its holder), then dropped here.
    pub fn swallow(&mut self, other: Tally) -> u64 {
        self.total += other.total;
        self.total
    }

    /// `&self` and another object spelled `Self`, shared: it may be `self`.
    pub fn same_total(&self, other: Option<&Self>) -> bool {
        other.is_some_and(|other| other.total == self.total)
    }

    /// `&self` and another object changed: it may not be `self`.
    pub fn give(&self, to: &mut Self) -> u64 {
        to.total += self.total;
        to.total
    }
}

#[ffi_function]
pub fn tally_add(tally: &mut Tally, amount: u64) -> u64 {
    tally.total += amount;
    tally.total
}

#[ffi_function]
pub fn tally_total_or_zero(tally: Option<&Tally>) -> u64 {
    tally.map_or(0, |tally| tally.total)
}

#[ffi_function]
pub fn tally_sum(a: &Tally, b: &Tally) -> u64 {
    a.total + b.total
}

#[ffi_function]
pub fn tally_move(from: &mut Tally, into: &mut Tally) -> u64 {
    into.total += std::mem::take(&mut from.total);
    into.total
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

/// A `Box` parameter of a service's type: takes the object, which is closed.
#[ffi_function]
#[allow(clippy::boxed_local)]
pub fn tally_consume(tally: Box<Tally>) -> u64 {
    tally.total
}

/// A service object by value, after another parameter that can fail.
#[ffi_function]
pub fn tally_scaled(tally: Tally, label: &str) -> u64 {
    tally.total * label.len() as u64
}

#[ffi_inventory]
pub fn inventory() -> Inventory {
    Inventory::new()
        .service::<Tally>()
        .function::<tally_if_any>()
        .function::<tally_checked>()
        .function::<tally_add>()
        .function::<tally_total_or_zero>()
        .function::<tally_sum>()
        .function::<tally_move>()
        .function::<tally_consume>()
        .function::<tally_scaled>()
}

#[test]
fn parameters_borrow_service_objects_through_their_cells() {
    // SAFETY: the handles are the shims' own results, used while they live and released once;
    // parameters get them as the C ABI passes them (a handle for `Tally *`).
    unsafe {
        let a = Tally::__hatch_interop_shim_new(5).assume_init();
        let b = Tally::__hatch_interop_shim_new(7).assume_init();
        assert_eq!(
            __hatch_interop_shim_tally_add(a.cast_mut().cast(), 1).assume_init(),
            6
        );
        assert_eq!(
            __hatch_interop_shim_tally_sum(a.cast(), b.cast()).assume_init(),
            13
        );
        // Two shared borrows of one object at once are fine.
        assert_eq!(
            __hatch_interop_shim_tally_sum(a.cast(), a.cast()).assume_init(),
            12
        );
        assert_eq!(
            __hatch_interop_shim_tally_total_or_zero(std::ptr::null()).assume_init(),
            0
        );
        assert_eq!(
            __hatch_interop_shim_tally_total_or_zero(b.cast()).assume_init(),
            7
        );
        assert_eq!(
            __hatch_interop_shim_tally_move(a.cast_mut().cast(), b.cast_mut().cast()).assume_init(),
            13
        );
        assert_eq!(failure_message(), None);
        // One object as both `&mut` parameters: refused before either borrows it, nothing changes.
        assert_eq!(
            __hatch_interop_shim_tally_move(b.cast_mut().cast(), b.cast_mut().cast()).assume_init(),
            0
        );
        assert_eq!(
            failure_message().as_deref(),
            Some("tally_move() arguments `from` and `into` are the same Tally, which `from` changes (`&mut`) and `into` changes (`&mut`): pass two different Tally objects")
        );
        // The receiver `&mut self` and the same object as `&Tally`: refused too, and said as such.
        assert_eq!(
            Tally::__hatch_interop_shim_absorb(b, b.cast()).assume_init(),
            0
        );
        assert_eq!(
            failure_message().as_deref(),
            Some("Tally.absorb() argument `other` is the Tally the method is called on, which it changes (`&mut self`) and so cannot also borrow as an argument: pass another Tally")
        );
        // `&self` with itself as a shared argument is fine; as a `&mut` one it is refused.
        assert!(Tally::__hatch_interop_shim_same_total(b, b.cast()).assume_init());
        assert!(!Tally::__hatch_interop_shim_same_total(b, std::ptr::null()).assume_init());
        assert_eq!(failure_message(), None);
        assert_eq!(
            Tally::__hatch_interop_shim_give(b, b.cast_mut().cast()).assume_init(),
            0
        );
        assert_eq!(
            failure_message().as_deref(),
            Some("Tally.give() argument `to` is the Tally the method is called on, which it reads (`&self`) and so cannot also borrow mutably as an argument: pass another Tally")
        );
        assert_eq!(
            Tally::__hatch_interop_shim_give(a, b.cast_mut().cast()).assume_init(),
            13
        );
        assert_eq!(
            Tally::__hatch_interop_shim_absorb(b, a.cast()).assume_init(),
            13
        );
        // A closed object.
        Tally::__hatch_interop_destroy(a);
        assert_eq!(
            __hatch_interop_shim_tally_sum(a.cast(), b.cast()).assume_init(),
            0
        );
        assert_eq!(
            failure_message().as_deref(),
            Some("tally_sum() argument `a`: the Tally is closed")
        );
        Tally::__hatch_interop_release(a);
        Tally::__hatch_interop_release(b);
    }
}

#[test]
fn a_box_parameter_takes_the_object_and_closes_it() {
    // SAFETY: as above.
    unsafe {
        let a = Tally::__hatch_interop_shim_new(5).assume_init();
        // Refused while a borrow of it is held (here: the receiver's), leaving it as it was.
        assert_eq!(Tally::__hatch_interop_shim_total(a).assume_init(), 5);
        assert_eq!(
            __hatch_interop_shim_tally_consume(a.cast_mut().cast()).assume_init(),
            5
        );
        assert_eq!(failure_message(), None);
        // Taken: closed for every later call, and twice is refused.
        assert_eq!(Tally::__hatch_interop_shim_total(a).assume_init(), 0);
        assert_eq!(
            failure_message().as_deref(),
            Some("cannot call Tally.total(): the Tally is closed")
        );
        assert_eq!(
            __hatch_interop_shim_tally_consume(a.cast_mut().cast()).assume_init(),
            0
        );
        assert_eq!(
            failure_message().as_deref(),
            Some("tally_consume() argument `tally`: the Tally is closed, and this one takes it")
        );
        // Releasing the handle frees the cell and drops no value twice.
        Tally::__hatch_interop_release(a);
    }
}

#[test]
fn a_parameter_by_value_takes_the_object_and_closes_it() {
    // SAFETY: the handles are the shims' own results, used while they live and released once.
    unsafe {
        let a = Tally::__hatch_interop_shim_new(5).assume_init();
        let b = Tally::__hatch_interop_shim_new(2).assume_init();
        // Another parameter that fails leaves the object with its holder.
        let bad = [0xffu8];
        assert_eq!(
            __hatch_interop_shim_tally_scaled(a.cast_mut().cast(), bad.as_ptr(), 1).assume_init(),
            0
        );
        assert!(failure_message().unwrap().contains("not valid UTF-8"));
        assert_eq!(Tally::__hatch_interop_shim_total(a).assume_init(), 5);
        let label = "abc";
        assert_eq!(
            __hatch_interop_shim_tally_scaled(a.cast_mut().cast(), label.as_ptr(), 3).assume_init(),
            15
        );
        assert_eq!(failure_message(), None);
        assert_eq!(Tally::__hatch_interop_shim_total(a).assume_init(), 0);
        assert_eq!(
            failure_message().as_deref(),
            Some("cannot call Tally.total(): the Tally is closed")
        );
        // As a method's parameter: `self` cannot swallow itself (its cell is borrowed).
        assert_eq!(
            Tally::__hatch_interop_shim_swallow(b, b.cast_mut().cast()).assume_init(),
            0
        );
        assert_eq!(
            failure_message().as_deref(),
            Some("Tally.swallow() argument `other` is the Tally the method is called on, which it changes (`&mut self`) and so cannot also take as an argument: pass another Tally")
        );
        assert_eq!(Tally::__hatch_interop_shim_total(b).assume_init(), 2);
        let c = Tally::__hatch_interop_shim_new(40).assume_init();
        assert_eq!(
            Tally::__hatch_interop_shim_swallow(b, c.cast_mut().cast()).assume_init(),
            42
        );
        assert_eq!(Tally::__hatch_interop_shim_total(c).assume_init(), 0);
        assert!(failure_message().unwrap().contains("closed"));
        for handle in [a, b, c] {
            Tally::__hatch_interop_release(handle);
        }
    }
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

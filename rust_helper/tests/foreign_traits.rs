//! `#[ffi_trait]`: a trait the foreign side implements, as a struct of one callback structure
//! per method. Functions take its objects as `&dyn T` (for the call), `Option<&dyn T>`, or
//! `Box<dyn T>` / `Arc<dyn T>` (kept: each method's context is released when Rust drops it).

mod common;

use std::ffi::c_void;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use common::failure;
use hatch_interop::prelude::*;
use hatch_interop::TypeInfo;

/// Counts what it is given.
#[ffi_trait]
pub trait Tally {
    /// Adds `amount`; the total so far.
    fn add(&self, amount: u32) -> u64;
    /// Its name (a method that returns text).
    fn name(&self) -> String;
}

/// Adds each of `amounts` to `tally`; the last total (0 for none).
#[ffi_function]
pub fn add_all(amounts: &[u32], tally: &dyn Tally) -> u64 {
    amounts
        .iter()
        .map(|&amount| tally.add(amount))
        .last()
        .unwrap_or(0)
}

/// Adds `amount` to `tally` if there is one; the total, or 0.
#[ffi_function]
pub fn maybe_add(amount: u32, tally: Option<&dyn Tally>) -> u64 {
    tally.map_or(0, |tally| tally.add(amount))
}

/// Adds `amount` to `tally` from a thread of its own, which also drops it.
#[ffi_function]
pub fn add_on_thread(tally: Box<dyn Tally>, amount: u32) -> u64 {
    std::thread::spawn(move || tally.add(amount))
        .join()
        .unwrap()
}

/// Adds `amount` to `tally` from two threads sharing it.
#[ffi_function]
pub fn add_shared(tally: Arc<dyn Tally>, amount: u32) -> u64 {
    let other = Arc::clone(&tally);
    let first = std::thread::spawn(move || other.add(amount))
        .join()
        .unwrap();
    first.max(tally.add(amount))
}

/// Adds `amount` to `tally` later (an async function takes an owned trait object).
#[cfg(feature = "tokio")]
#[ffi_function]
pub async fn add_later(tally: Box<dyn Tally>, amount: u32) -> u64 {
    tally.add(amount)
}

// The foreign side: a context holding a total, and a release that counts.
static RELEASED: AtomicUsize = AtomicUsize::new(0);

unsafe extern "C-unwind" fn add(context: *const c_void, amount: u32) -> u64 {
    // SAFETY: every context of these tests is an `AtomicU64` that outlives the calls.
    let total = unsafe { &*context.cast::<AtomicU64>() };
    total.fetch_add(u64::from(amount), Ordering::SeqCst) + u64::from(amount)
}

unsafe extern "C-unwind" fn name(
    _context: *const c_void,
    result: *mut hatch_interop::__private::TextResult,
) {
    type Set =
        unsafe extern "C" fn(*mut hatch_interop::__private::TextResult, *const u8, usize) -> bool;
    // SAFETY: `result` is the slot the library passed, whose first field is `set`.
    let set = unsafe { *result.cast::<Set>() };
    // SAFETY: the bytes are readable for the call.
    assert!(unsafe { set(result, b"tally".as_ptr(), 5) });
}

unsafe extern "C-unwind" fn release(_context: *const c_void) {
    RELEASED.fetch_add(1, Ordering::SeqCst);
}

/// The struct a foreign caller fills in for `total` (released through `release` if `kept`).
fn tally(total: &AtomicU64, kept: bool) -> __hatch_interop_Tally_ffi {
    let context = (total as *const AtomicU64).cast::<c_void>();
    let release = if kept {
        Some(release as unsafe extern "C-unwind" fn(*const c_void))
    } else {
        None
    };
    __hatch_interop_Tally_ffi {
        add: __hatch_interop_Tally_add {
            call: add,
            context,
            release,
        },
        name: __hatch_interop_Tally_name {
            call: name,
            context,
            release,
        },
    }
}

unsafe extern "C" {
    #[link_name = "add_all"]
    fn add_all_shim(
        amounts: *const u32,
        len: usize,
        tally: *const __hatch_interop_Tally_ffi,
    ) -> u64;
    #[link_name = "maybe_add"]
    fn maybe_add_shim(amount: u32, tally: *const __hatch_interop_Tally_ffi) -> u64;
    #[link_name = "add_on_thread"]
    fn add_on_thread_shim(tally: __hatch_interop_Tally_ffi, amount: u32) -> u64;
    #[link_name = "add_shared"]
    fn add_shared_shim(tally: __hatch_interop_Tally_ffi, amount: u32) -> u64;
}

#[test]
fn a_lent_object_is_called_during_the_call_and_never_released() {
    let total = AtomicU64::new(0);
    let object = tally(&total, false);
    // SAFETY: the amounts and the object are valid for the call.
    assert_eq!(unsafe { add_all_shim([1, 2, 3].as_ptr(), 3, &object) }, 6);
    assert_eq!(failure(), None);
    assert_eq!(object.name(), "tally");
    // SAFETY: as above; NULL is refused for `&dyn Tally`.
    assert_eq!(
        unsafe { add_all_shim([1].as_ptr(), 1, std::ptr::null()) },
        0
    );
    let (kind, message) = failure().expect("a NULL object is an invalid argument");
    assert_eq!(kind, 3, "an invalid argument");
    assert_eq!(message, "add_all() argument `tally` is NULL");
    assert_eq!(total.load(Ordering::SeqCst), 6);
}

#[test]
fn an_optional_object_may_be_null() {
    let total = AtomicU64::new(10);
    // SAFETY: the object is valid for the call, or NULL.
    assert_eq!(unsafe { maybe_add_shim(5, &tally(&total, false)) }, 15);
    // SAFETY: as above.
    assert_eq!(unsafe { maybe_add_shim(5, std::ptr::null()) }, 0);
    assert_eq!(failure(), None);
}

#[test]
fn a_kept_object_is_called_from_other_threads_and_released_once_per_method() {
    static TOTAL: AtomicU64 = AtomicU64::new(0);
    let before = RELEASED.load(Ordering::SeqCst);
    // SAFETY: the object's context is a static; Rust owns the object now.
    assert_eq!(unsafe { add_on_thread_shim(tally(&TOTAL, true), 4) }, 4);
    // SAFETY: as above.
    assert_eq!(unsafe { add_shared_shim(tally(&TOTAL, true), 1) }, 6);
    assert_eq!(failure(), None);
    // Two objects of two methods each; the tests run in parallel, but only this one releases.
    assert_eq!(RELEASED.load(Ordering::SeqCst) - before, 4);
}

#[ffi_inventory]
pub fn inventory() -> Inventory {
    Inventory::new()
        .function::<add_all>()
        .function::<maybe_add>()
        .function::<add_on_thread>()
        .function::<add_shared>()
}

#[test]
fn the_inventory_describes_the_trait_and_its_methods() {
    let mut types = hatch_interop::__private::TypeRegistry::default();
    assert_eq!(
        <__hatch_interop_Tally_ffi as TypeInfo>::__register(&mut types),
        "Tally"
    );
    let json = inventory().to_json().unwrap();
    assert!(
        json.contains(
            r#"{"kind":"callback","name":"Tally_add","doc":"Adds `amount`; the total so far.","params":[{"name":"amount","type":{"kind":"primitive","name":"u32"}}],"returns":{"kind":"primitive","name":"u64"}}"#
        ),
        "{json}"
    );
    assert!(
        json.contains(
            r#"{"kind":"trait","name":"Tally","doc":"Counts what it is given.","methods":[{"name":"add","callback":{"kind":"named","name":"Tally_add"}},{"name":"name","callback":{"kind":"named","name":"Tally_name"}}]}"#
        ),
        "{json}"
    );
    assert!(
        json.contains(r#"{"name":"tally","type":{"kind":"pointer","target":{"kind":"named","name":"Tally"},"mutable":false,"nullable":false,"owned":false}}"#),
        "{json}"
    );
    assert!(
        json.contains(r#"{"name":"tally","type":{"kind":"named","name":"Tally"}}"#),
        "{json}"
    );
}

//! The shims of an opaque type's pointer parameters borrow or take through the object's cell:
//! a `Box` result makes a cell, `&T` borrows it shared, `&mut T` exclusively, `Box<T>` takes
//! the value once, and `<type>_ffi_drop` gives it up. Conflicts are failures of kind 3 that
//! name the function and the parameter, never a race.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};

use common::failure;
use hatch_interop::prelude::*;

static DROPS: AtomicUsize = AtomicUsize::new(0);

#[ffi_type(opaque)]
pub struct Tally {
    value: u64,
}

impl Drop for Tally {
    fn drop(&mut self) {
        DROPS.fetch_add(1, Ordering::SeqCst);
    }
}

#[ffi_function]
pub fn tally_new(value: u64) -> Box<Tally> {
    Box::new(Tally { value })
}

#[ffi_function]
pub fn tally_maybe(value: u64) -> Option<Box<Tally>> {
    (value > 0).then(|| tally_new(value))
}

#[ffi_function]
pub fn tally_get(t: &Tally) -> u64 {
    t.value
}

#[ffi_function]
pub fn tally_add(t: &mut Tally, other: Option<&Tally>) -> u64 {
    t.value += other.map_or(1, |o| o.value);
    t.value
}

#[ffi_function]
pub fn tally_sum(a: &Tally, b: &Tally) -> u64 {
    a.value + b.value
}

/// # Safety
///
/// `t` is valid for reads.
#[ffi_function]
pub unsafe fn tally_read(t: *const Tally) -> u64 {
    // SAFETY: the caller's promise; the shim holds a shared borrow of the cell.
    unsafe { t.as_ref() }.map_or(0, |t| t.value)
}

#[ffi_function]
#[allow(clippy::boxed_local)] // the point: a parameter that takes the object
pub fn tally_free(t: Box<Tally>) -> u64 {
    t.value
}

#[ffi_function]
#[allow(clippy::boxed_local)]
pub fn tally_merge(into: &mut Tally, from: Box<Tally>) -> u64 {
    into.value += from.value;
    into.value
}

#[ffi_function]
pub fn tally_free_if_any(t: Option<Box<Tally>>) -> bool {
    t.is_some()
}

unsafe extern "C" {
    // `void` here: the object is opaque to its foreign owners too.
    #[link_name = "tally_ffi_drop"]
    fn tally_ffi_drop_raw(object: *mut std::ffi::c_void);
}

/// `tally_ffi_drop`, as a foreign owner calls it.
unsafe fn tally_ffi_drop(object: *mut Tally) {
    // SAFETY: forwarded from the caller.
    unsafe { tally_ffi_drop_raw(object.cast()) }
}

#[ffi_inventory]
pub fn inventory() -> Inventory {
    Inventory::new()
        .function::<tally_new>()
        .function::<label_new>()
        .function::<holder_new>()
        .function::<shape_new>()
        .function::<gauge_new>()
}

/// Dropped, it only frees memory: numbers, text and the standard library's containers of them.
#[ffi_type(opaque)]
pub struct Label {
    text: String,
    tags: std::collections::HashMap<String, Vec<u32>>,
    parts: Option<Box<[u8]>>,
}

/// Dropped, it runs code: a field whose type implements `Drop` (as `Tally` does itself).
#[ffi_type(opaque)]
pub struct Holder {
    label: Label,
    tally: Tally,
}

/// Dropped, it runs code of its own, which its crate says is short and never waits for a thread
/// that calls into Python: Python bindings keep the GIL while it drops.
#[ffi_type(opaque, drop_gil = "hold")]
pub struct Gauge {
    value: u64,
}

impl Drop for Gauge {
    fn drop(&mut self) {
        GAUGES_DROPPED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}

static GAUGES_DROPPED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

#[ffi_function]
pub fn gauge_new(value: u64) -> Box<Gauge> {
    Box::new(Gauge { value })
}

/// An enum whose variants only hold what frees memory.
#[ffi_type(opaque)]
pub enum Shape {
    Empty,
    Points(Vec<(f64, f64)>),
}

#[ffi_function]
pub fn label_new() -> Box<Label> {
    Box::new(Label {
        text: String::from("label"),
        tags: Default::default(),
        parts: None,
    })
}

#[ffi_function]
pub fn holder_new() -> Box<Holder> {
    Box::new(Holder {
        label: *label_new(),
        tally: Tally { value: 0 },
    })
}

#[ffi_function]
pub fn shape_new() -> Box<Shape> {
    Box::new(Shape::Points(vec![(0.0, 1.0)]))
}

#[test]
fn the_inventory_says_which_objects_only_free_memory_as_they_drop() {
    let json = inventory().to_json().unwrap();
    // `Tally` implements `Drop`; `Holder` holds one (and a `Label`, which has no user type's
    // `Drop` but one of its own type, which is not a standard container).
    for (name, frees_only) in [
        ("tally", false),
        ("label", true),
        ("holder", false),
        ("shape", true),
    ] {
        let expected = format!(r#""drop":"{name}_ffi_drop","drop_frees_only":{frees_only}}}"#);
        assert!(json.contains(&expected), "{expected} not in {json}");
    }
    // Said by its crate: written beside what the probe found (a `Drop` of its own).
    let gauge = r#""drop":"gauge_ffi_drop","drop_frees_only":false,"drop_gil":"hold"}"#;
    assert!(json.contains(gauge), "{gauge} not in {json}");
    assert!(!json.contains(r#""drop":"tally_ffi_drop","drop_frees_only":false,"drop_gil""#));
    assert_eq!(gauge_new(3).value, 3);
    assert_eq!(GAUGES_DROPPED.load(std::sync::atomic::Ordering::Relaxed), 1);
    // The fields are read, so that they are not dead code.
    let holder = *holder_new();
    assert_eq!(
        (
            holder.label.text.as_str(),
            holder.label.tags.len(),
            holder.label.parts.is_none(),
            holder.tally.value,
            matches!(*shape_new(), Shape::Points(ref p) if p.len() == 1),
        ),
        ("label", 0, true, 0, true)
    );
}

fn expect_failure(needle: &str) {
    let (kind, message) = failure().expect("a failure");
    assert_eq!(kind, 3, "{message}");
    assert!(message.contains(needle), "{needle:?} not in {message:?}");
}

#[test]
fn borrows_and_takes_through_the_cell() {
    // SAFETY: the pointers are the shims' own results, used as their contract says.
    unsafe {
        let t = __hatch_interop_shim_tally_new(5).assume_init();
        assert_eq!(__hatch_interop_shim_tally_get(t).assume_init(), 5);
        assert_eq!(
            __hatch_interop_shim_tally_add(t, std::ptr::null()).assume_init(),
            6
        );
        assert_eq!(__hatch_interop_shim_tally_read(t).assume_init(), 6);
        assert_eq!(
            __hatch_interop_shim_tally_read(std::ptr::null()).assume_init(),
            0
        );
        assert!(failure().is_none());

        // One object as two parameters, one of them `&mut`: refused, not aliased, and said as such
        // (not as another call's borrow).
        __hatch_interop_shim_tally_add(t, t);
        expect_failure(
            "tally_add() arguments `t` and `other` are the same Tally, which `t` changes (`&mut`) \
             and `other` reads (`&`): pass two different Tally objects",
        );
        // Two shared borrows of one object: fine.
        assert_eq!(__hatch_interop_shim_tally_sum(t, t).assume_init(), 12);
        assert!(failure().is_none());
        // The same for a take while the other parameter borrows it; the object stays usable.
        __hatch_interop_shim_tally_merge(t, t);
        expect_failure(
            "tally_merge() arguments `into` and `from` are the same Tally, which `into` changes \
             (`&mut`) and `from` takes (`Box`): pass two different Tally objects",
        );
        assert_eq!(__hatch_interop_shim_tally_get(t).assume_init(), 6);

        // NULL where an object is needed.
        __hatch_interop_shim_tally_get(std::ptr::null());
        expect_failure("tally_get() argument `t` is NULL");

        // Taken once: later uses fail, the cell stays until the drop function gives it up.
        let drops = DROPS.load(Ordering::SeqCst);
        assert_eq!(__hatch_interop_shim_tally_free(t).assume_init(), 6);
        assert_eq!(DROPS.load(Ordering::SeqCst), drops + 1);
        __hatch_interop_shim_tally_free(t);
        expect_failure("tally_free() argument `t`: the Tally was released");
        __hatch_interop_shim_tally_get(t);
        expect_failure("tally_get() argument `t`: the Tally was released");
        tally_ffi_drop(t);
        assert_eq!(DROPS.load(Ordering::SeqCst), drops + 1);

        // Dropped without being taken: the value goes with the cell.
        let u = __hatch_interop_shim_tally_maybe(2).assume_init();
        assert!(__hatch_interop_shim_tally_maybe(0).assume_init().is_null());
        tally_ffi_drop(u);
        assert_eq!(DROPS.load(Ordering::SeqCst), drops + 2);
        tally_ffi_drop(std::ptr::null_mut());

        // `Option<Box<T>>` takes when given, and a merge takes its second object only.
        let a = __hatch_interop_shim_tally_new(1).assume_init();
        let b = __hatch_interop_shim_tally_new(2).assume_init();
        assert_eq!(__hatch_interop_shim_tally_merge(a, b).assume_init(), 3);
        assert!(!__hatch_interop_shim_tally_free_if_any(std::ptr::null_mut()).assume_init());
        assert!(__hatch_interop_shim_tally_free_if_any(a).assume_init());
        __hatch_interop_shim_tally_free_if_any(a);
        expect_failure("tally_free_if_any() argument `t`: the Tally was released");
        tally_ffi_drop(a);
        tally_ffi_drop(b);
        assert_eq!(DROPS.load(Ordering::SeqCst), drops + 4);
    }
}

#[test]
fn threads_share_reads_and_never_race_writes() {
    // SAFETY: as above; the object is dropped once every thread is done.
    unsafe {
        let t = __hatch_interop_shim_tally_new(0).assume_init() as usize;
        let threads: Vec<_> = (0..8)
            .map(|_| {
                std::thread::spawn(move || {
                    let mut counted = 0u64;
                    for _ in 0..20_000 {
                        __hatch_interop_shim_tally_add(t as *mut Tally, std::ptr::null());
                        match failure() {
                            None => counted += 1,
                            Some((3, _)) => {}
                            Some(other) => panic!("{other:?}"),
                        }
                        __hatch_interop_shim_tally_get(t as *mut Tally);
                        assert!(matches!(failure(), None | Some((3, _))));
                    }
                    counted
                })
            })
            .collect();
        let counted: u64 = threads.into_iter().map(|t| t.join().unwrap()).sum();
        assert_eq!(
            __hatch_interop_shim_tally_get(t as *mut Tally).assume_init(),
            counted
        );
        tally_ffi_drop(t as *mut Tally);
    }
}

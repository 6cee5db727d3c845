//! `char`, `u128` and `i128` parameters and results, and slices of `bool`s and field-less enums:
//! what C passes is checked before Rust sees it, so that a value no Rust type allows is an
//! invalid argument (kind 3), never undefined behaviour.

mod common;

use common::{failure, taken};
use hatch_interop::prelude::*;
use hatch_interop::FfiInt128;

#[ffi_type]
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Light {
    Red = 1,
    Amber = 2,
    Green = 4,
}

#[ffi_type]
#[repr(i16)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Low = -1,
    High = 300,
}

/// A tuple struct: C sees `struct { double _0; }`.
#[ffi_type]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Meters(pub f64);

#[ffi_type]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Span(pub Meters, pub u8);

#[ffi_function]
pub fn span_total(span: Span) -> Meters {
    Meters(span.0 .0 * f64::from(span.1))
}

#[ffi_function]
pub fn upper(c: char) -> char {
    c.to_ascii_uppercase()
}

#[ffi_function]
pub fn twice(value: u128) -> u128 {
    value.wrapping_mul(2)
}

#[ffi_function]
pub fn negated(value: i128) -> i128 {
    value.wrapping_neg()
}

#[ffi_function]
pub fn count(flags: &[bool]) -> usize {
    flags.iter().filter(|&&flag| flag).count()
}

#[ffi_function]
pub fn toggle(flags: &mut [bool]) {
    flags.iter_mut().for_each(|flag| *flag = !*flag);
}

#[ffi_function]
pub fn lights_mask(lights: &[Light]) -> u8 {
    lights.iter().fold(0, |mask, &light| mask | light as u8)
}

#[ffi_function]
pub fn highs(levels: &mut [Level]) -> usize {
    levels.iter().filter(|&&level| level == Level::High).count()
}

#[ffi_function]
pub fn all_lights() -> Vec<Light> {
    vec![Light::Red, Light::Amber, Light::Green]
}

#[ffi_function]
pub fn alternate(n: u8) -> Vec<bool> {
    (0..n).map(|i| i % 2 == 0).collect()
}

#[ffi_function]
pub fn sum3(values: [i32; 3]) -> i64 {
    values.iter().map(|&value| i64::from(value)).sum()
}

#[ffi_function]
pub fn lights_on(lights: [Light; 2], flags: [bool; 2]) -> [Light; 2] {
    [
        if flags[0] { lights[0] } else { Light::Red },
        if flags[1] { lights[1] } else { Light::Red },
    ]
}

#[ffi_inventory]
pub fn inventory() -> Inventory {
    Inventory::new()
        .function::<sum3>()
        .function::<span_total>()
        .function::<lights_on>()
        .function::<upper>()
        .function::<twice>()
        .function::<negated>()
        .function::<count>()
        .function::<toggle>()
        .function::<lights_mask>()
        .function::<highs>()
        .function::<all_lights>()
        .function::<alternate>()
}

fn expect_invalid(needle: &str) {
    let (kind, message) = failure().expect("a failure");
    assert_eq!(kind, 3, "{message}");
    assert!(message.contains(needle), "{needle:?} not in {message:?}");
}

#[test]
fn chars_cross_as_checked_code_points() {
    // SAFETY: any u32 may be passed.
    let upper_of = |code: u32| unsafe { __hatch_interop_shim_upper(code).assume_init() };
    assert_eq!(upper_of('a'.into()), u32::from('A'));
    assert_eq!(failure(), None);
    for bad in [0xD800, 0xDFFF, 0x11_0000, u32::MAX] {
        assert_eq!(upper_of(bad), 0);
        expect_invalid(&format!(
            "upper() argument `c` is {bad:#X}, which is not a Unicode scalar"
        ));
    }
}

#[test]
fn wide_integers_cross_as_two_halves() {
    let value = (7u128 << 64) | 5;
    // SAFETY: any value may be passed.
    let doubled = unsafe { __hatch_interop_shim_twice(value.into()).assume_init() };
    assert_eq!(doubled, FfiInt128 { lo: 10, hi: 14 });
    assert_eq!(u128::from(doubled), value * 2);
    // SAFETY: as above.
    let negated = unsafe { __hatch_interop_shim_negated(FfiInt128::from(5i128)).assume_init() };
    assert_eq!(
        negated,
        FfiInt128 {
            lo: u64::MAX - 4,
            hi: u64::MAX
        }
    );
    assert_eq!(i128::from(negated), -5);
    assert_eq!(i128::from(FfiInt128::from(i128::MIN)), i128::MIN);
    assert_eq!(
        FfiInt128::from(u128::MAX),
        FfiInt128 {
            lo: u64::MAX,
            hi: u64::MAX
        }
    );
    assert_eq!(failure(), None);
}

#[test]
fn bool_slices_are_checked_before_they_are_made() {
    let good = [1u8, 0, 1];
    // SAFETY: a valid pointer and length.
    assert_eq!(
        unsafe { __hatch_interop_shim_count(good.as_ptr(), 3).assume_init() },
        2
    );
    let bad = [1u8, 0, 2];
    // SAFETY: as above; the values are checked.
    assert_eq!(
        unsafe { __hatch_interop_shim_count(bad.as_ptr(), 3).assume_init() },
        0
    );
    expect_invalid("argument `flags` item 2 is 2, which is not a bool (0 or 1)");
    let mut flags = [0u8, 1, 255];
    // SAFETY: as above.
    unsafe { __hatch_interop_shim_toggle(flags.as_mut_ptr(), 3) };
    expect_invalid("item 2 is 255");
    assert_eq!(flags, [0, 1, 255], "refused before the call");
    let mut flags = [0u8, 1];
    // SAFETY: as above.
    unsafe { __hatch_interop_shim_toggle(flags.as_mut_ptr(), 2) };
    assert_eq!((flags, failure()), ([1, 0], None));
    // An empty slice is never read: NULL passes.
    // SAFETY: length 0.
    assert_eq!(
        unsafe { __hatch_interop_shim_count(std::ptr::null(), 0).assume_init() },
        0
    );
    // SAFETY: the call succeeded.
    let alternating = taken(unsafe { __hatch_interop_shim_alternate(3) });
    assert_eq!(alternating, [true, false, true]);
}

#[test]
fn enum_slices_are_checked_before_they_are_made() {
    let good = [1u8, 4];
    // SAFETY: a valid pointer and length.
    assert_eq!(
        unsafe { __hatch_interop_shim_lights_mask(good.as_ptr(), 2).assume_init() },
        5
    );
    let bad = [1u8, 3];
    // SAFETY: as above; the values are checked.
    assert_eq!(
        unsafe { __hatch_interop_shim_lights_mask(bad.as_ptr(), 2).assume_init() },
        0
    );
    expect_invalid("argument `lights` item 1 is 3, which is not a variant of Light");
    let mut levels = [300i16, -1, 300];
    // SAFETY: as above.
    assert_eq!(
        unsafe { __hatch_interop_shim_highs(levels.as_mut_ptr(), 3).assume_init() },
        2
    );
    let mut levels = [300i16, -2];
    // SAFETY: as above.
    assert_eq!(
        unsafe { __hatch_interop_shim_highs(levels.as_mut_ptr(), 2).assume_init() },
        0
    );
    expect_invalid("item 1 is -2, which is not a variant of Level");
    // SAFETY: the call succeeded.
    let lights = taken(unsafe { __hatch_interop_shim_all_lights() });
    assert_eq!(lights, [Light::Red, Light::Amber, Light::Green]);
}

#[test]
fn arrays_cross_as_structs_and_are_checked() {
    use hatch_interop::FfiArray;

    // SAFETY: any numbers may be passed.
    let sum = unsafe { __hatch_interop_shim_sum3(FfiArray { items: [1, -2, 40] }).assume_init() };
    assert_eq!((sum, failure()), (39, None));
    let lights = FfiArray { items: [4u8, 2] };
    // SAFETY: the values are checked.
    let on =
        unsafe { __hatch_interop_shim_lights_on(lights, FfiArray { items: [1, 0] }).assume_init() };
    assert_eq!(on.items, [Light::Green, Light::Red]);
    assert_eq!(failure(), None);
    // SAFETY: as above.
    let refused = unsafe {
        __hatch_interop_shim_lights_on(FfiArray { items: [4, 8] }, FfiArray { items: [1, 1] })
    };
    let _ = refused;
    expect_invalid("argument `lights` item 1 is 8, which is not a variant of Light");
    // SAFETY: as above.
    unsafe { __hatch_interop_shim_lights_on(lights, FfiArray { items: [1, 7] }) };
    expect_invalid("argument `flags` item 1 is 7, which is not a bool (0 or 1)");
    assert_eq!(std::mem::size_of::<FfiArray<u8, 3>>(), 3);
    assert_eq!(std::mem::align_of::<FfiArray<i32, 3>>(), 4);
}

#[test]
fn the_inventory_names_the_new_kinds() {
    let json = inventory().to_json().unwrap();
    for expected in [
        r#""params":[{"name":"c","type":{"kind":"primitive","name":"char"}}],"returns":{"kind":"primitive","name":"char"}"#,
        r#"{"kind":"primitive","name":"u128"}"#,
        r#"{"kind":"primitive","name":"i128"}"#,
        r#"{"kind":"slice","element":{"kind":"primitive","name":"bool"},"mutable":true}"#,
        r#"{"kind":"slice","element":{"kind":"named","name":"Light"},"mutable":false}"#,
        r#""returns":{"kind":"vec","element":{"kind":"named","name":"Light"}}"#,
        r#"{"name":"values","type":{"kind":"array","element":{"kind":"primitive","name":"i32"},"len":3}}"#,
        r#""returns":{"kind":"array","element":{"kind":"named","name":"Light"},"len":2}"#,
        r#"{"kind":"struct","name":"Meters","doc":"A tuple struct: C sees `struct { double _0; }`.","size":8,"align":8,"fields":[{"name":"_0","doc":"","type":{"kind":"primitive","name":"f64"},"offset":0}],"tuple":true}"#,
        r#""fields":[{"name":"_0","doc":"","type":{"kind":"named","name":"Meters"},"offset":0},{"name":"_1","doc":"","type":{"kind":"primitive","name":"u8"},"offset":8}],"tuple":true}"#,
    ] {
        assert!(json.contains(expected), "{expected} not in {json}");
    }
}

#[test]
fn tuple_structs_cross_as_c_structs() {
    // SAFETY: any value may be passed.
    let total = unsafe { __hatch_interop_shim_span_total(Span(Meters(1.5), 4)).assume_init() };
    assert_eq!(total, Meters(6.0));
}

//! `FfiOption<T>`, `Option<&T>` and fixed-size arrays: what they look like in the inventory,
//! and that their C layout is the documented one.

use std::mem::{align_of, offset_of, size_of};

use hatch_interop::prelude::*;

#[ffi_type]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pair {
    pub a: u16,
    pub b: u16,
}

#[ffi_type]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Off,
    On,
}

#[ffi_type]
pub struct Holder {
    pub maybe: FfiOption<f64>,
    pub pairs: [Pair; 2],
    pub modes: [FfiOption<Mode>; 3],
}

#[ffi_function]
pub fn first(pair: FfiOption<Pair>, fallback: Option<&Pair>) -> FfiOption<u16> {
    pair.into_option()
        .or_else(|| fallback.copied())
        .map(|p| p.a)
        .into()
}

#[ffi_inventory]
pub fn inventory() -> Inventory {
    Inventory::new().function::<first>().ty::<Holder>()
}

fn assert_contains(json: &str, expected: &str) {
    assert!(json.contains(expected), "{expected}\nnot in\n{json}");
}

#[test]
fn inventory_kinds() {
    let json = inventory().to_json().unwrap();
    assert_contains(
        &json,
        concat!(
            r#""params":[{"name":"pair","type":{"kind":"option","inner":{"kind":"named","name":"Pair"}}},"#,
            r#"{"name":"fallback","type":{"kind":"pointer","target":{"kind":"named","name":"Pair"},"#,
            r#""mutable":false,"nullable":true,"owned":false}}],"#,
            r#""returns":{"kind":"option","inner":{"kind":"primitive","name":"u16"}},"error":null}"#,
        ),
    );
    assert_contains(
        &json,
        concat!(
            r#"{"name":"maybe","doc":"","type":{"kind":"option","inner":{"kind":"primitive","name":"f64"}},"offset":0},"#,
            r#"{"name":"pairs","doc":"","type":{"kind":"array","element":{"kind":"named","name":"Pair"},"len":2},"offset":16},"#,
            r#"{"name":"modes","doc":"","type":{"kind":"array","element":{"kind":"option","inner":"#,
            r#"{"kind":"named","name":"Mode"}},"len":3},"offset":24}"#,
        ),
    );
}

#[test]
fn option_layout_is_value_then_flag() {
    type O = FfiOption<u32>;
    assert_eq!((size_of::<O>(), align_of::<O>()), (8, 4));
    assert_eq!(size_of::<FfiOption<f64>>(), 16);
    assert_eq!(size_of::<FfiOption<Pair>>(), 6);
    // `repr(C)`: the value at offset 0, `is_some` right after it (padding is never read).
    let read = |option: &O| {
        let base = (option as *const O).cast::<u8>();
        // SAFETY: both reads are of initialised bytes inside `option`.
        unsafe { (base.cast::<u32>().read(), base.add(4).read()) }
    };
    assert_eq!(read(&FfiOption::some(7)), (7, 1));
    assert_eq!(read(&FfiOption::none()), (0, 0));
    assert_eq!(offset_of!(Holder, modes), 24);
}

#[test]
fn conversions() {
    assert_eq!(FfiOption::from(Some(3)).into_option(), Some(3));
    assert_eq!(Option::<u8>::from(FfiOption::<u8>::none()), None);
    assert_eq!(FfiOption::<u8>::default(), FfiOption::none());
    assert_eq!(format!("{:?}", FfiOption::some(Mode::On)), "Some(On)");
    let pair = Pair { a: 1, b: 2 };
    assert_eq!(first(FfiOption::none(), Some(&pair)).into_option(), Some(1));
    assert_eq!(first(FfiOption::none(), None).as_ref(), None);
}

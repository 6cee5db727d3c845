//! Owned `String` and `Vec<T>` parameters and Rust's own `Option<T>` of a value: C passes what
//! it passes for `&str`, `&[T]` and `FfiOption<T>`, and the shim copies (or converts) it into the
//! owned value the function takes, after the same checks.

mod common;

use common::{failure, taken};
use hatch_interop::prelude::*;

#[ffi_type]
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spot {
    pub x: f32,
    pub y: f32,
}

#[ffi_type]
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mood {
    Calm = 1,
    Cross = 2,
}

#[ffi_function(defaults(suffix = "!"))]
pub fn shout(mut text: String, suffix: String) -> String {
    text.make_ascii_uppercase();
    text.push_str(&suffix);
    text
}

#[ffi_function]
pub fn sorted(mut values: Vec<i32>) -> Vec<i32> {
    values.sort_unstable();
    values
}

#[ffi_function]
pub fn calm_count(moods: Vec<Mood>) -> usize {
    moods.into_iter().filter(|&mood| mood == Mood::Calm).count()
}

#[ffi_function]
pub fn centroid(spots: Vec<Spot>) -> Option<Spot> {
    let n = spots.len() as f32;
    (!spots.is_empty()).then(|| Spot {
        x: spots.iter().map(|spot| spot.x).sum::<f32>() / n,
        y: spots.iter().map(|spot| spot.y).sum::<f32>() / n,
    })
}

#[ffi_function(defaults(limit = None))]
pub fn capped(value: u32, limit: Option<u32>) -> Option<u32> {
    match limit {
        Some(limit) if value > limit => None,
        _ => Some(value),
    }
}

#[ffi_function]
pub fn mood_of(spot: Option<Spot>) -> Option<Mood> {
    spot.map(|spot| {
        if spot.x > spot.y {
            Mood::Cross
        } else {
            Mood::Calm
        }
    })
}

#[ffi_inventory]
pub fn inventory() -> Inventory {
    Inventory::new()
        .function::<shout>()
        .function::<sorted>()
        .function::<calm_count>()
        .function::<centroid>()
        .function::<capped>()
        .function::<mood_of>()
}

#[test]
fn owned_strings_are_copies_of_checked_text() {
    let (text, suffix) = ("hi", "?");
    // SAFETY: valid pointers and lengths.
    let shouted =
        taken(unsafe { __hatch_interop_shim_shout(text.as_ptr(), 2, suffix.as_ptr(), 1) });
    assert_eq!(shouted, b"HI?");
    assert_eq!(text, "hi", "the caller's text is only read");
    let bad = [0xffu8];
    // SAFETY: as above; the bytes are checked.
    unsafe { __hatch_interop_shim_shout(text.as_ptr(), 2, bad.as_ptr(), 1) };
    let (kind, message) = failure().expect("a failure");
    assert_eq!(kind, 3);
    assert!(
        message.contains("argument `suffix` is not valid UTF-8"),
        "{message}"
    );
}

#[test]
fn owned_vectors_are_one_copy_of_checked_elements() {
    let values = [3, -1, 2];
    // SAFETY: a valid pointer and length.
    let sorted = taken(unsafe { __hatch_interop_shim_sorted(values.as_ptr(), 3) });
    assert_eq!((sorted, values), (vec![-1, 2, 3], [3, -1, 2]));
    // SAFETY: length 0 is never read.
    assert!(taken(unsafe { __hatch_interop_shim_sorted(std::ptr::null(), 0) }).is_empty());
    assert_eq!(failure(), None);

    let moods = [1u8, 2, 1];
    // SAFETY: as above.
    let calm = unsafe { __hatch_interop_shim_calm_count(moods.as_ptr(), 3).assume_init() };
    assert_eq!(calm, 2);
    let bad = [1u8, 3];
    // SAFETY: as above; the elements are checked.
    unsafe { __hatch_interop_shim_calm_count(bad.as_ptr(), 2) };
    let (kind, message) = failure().expect("a failure");
    assert_eq!(kind, 3);
    assert!(
        message.contains("argument `moods` item 1 is 3"),
        "{message}"
    );

    let spots = [Spot { x: 0.0, y: 2.0 }, Spot { x: 2.0, y: 0.0 }];
    // SAFETY: as above.
    let centre = unsafe { __hatch_interop_shim_centroid(spots.as_ptr(), 2).assume_init() };
    assert_eq!(centre.into_option(), Some(Spot { x: 1.0, y: 1.0 }));
    // SAFETY: as above.
    let none = unsafe { __hatch_interop_shim_centroid(spots.as_ptr(), 0).assume_init() };
    assert_eq!(none.into_option(), None);
}

#[test]
fn rust_options_of_values_cross_as_ffi_options() {
    let call = |value: u32, limit: Option<u32>| {
        // SAFETY: any value may be passed.
        unsafe { __hatch_interop_shim_capped(value, limit.into()).assume_init() }.into_option()
    };
    assert_eq!(call(5, None), Some(5));
    assert_eq!(call(5, Some(9)), Some(5));
    assert_eq!(call(10, Some(9)), None);
    let mood = |spot: Option<Spot>| {
        // SAFETY: as above.
        unsafe { __hatch_interop_shim_mood_of(spot.into()).assume_init() }.into_option()
    };
    assert_eq!(mood(Some(Spot { x: 2.0, y: 1.0 })), Some(Mood::Cross));
    assert_eq!(mood(None), None);
    assert_eq!(failure(), None);
}

#[test]
fn the_inventory_describes_what_c_passes() {
    let json = inventory().to_json().unwrap();
    for expected in [
        r#""params":[{"name":"text","type":{"kind":"str"}},{"name":"suffix","type":{"kind":"str"},"default":"!"}],"returns":{"kind":"string"}"#,
        r#""params":[{"name":"values","type":{"kind":"slice","element":{"kind":"primitive","name":"i32"},"mutable":false}}]"#,
        r#""params":[{"name":"value","type":{"kind":"primitive","name":"u32"}},{"name":"limit","type":{"kind":"option","inner":{"kind":"primitive","name":"u32"}},"default":null}],"returns":{"kind":"option","inner":{"kind":"primitive","name":"u32"}}"#,
        r#""returns":{"kind":"option","inner":{"kind":"named","name":"Mood"}}"#,
    ] {
        assert!(json.contains(expected), "{expected} not in {json}");
    }
}

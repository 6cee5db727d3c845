//! Owned values without a C layout (`Vec<String>`, maps, `Option<String>`) cross in the wire
//! encoding: a parameter as the caller's bytes, checked and decoded before the call; a result as
//! a buffer of bytes the caller frees, but a `Vec<String>` result, which crosses as its strings.

mod common;

use common::{failure, taken};
use hatch_interop::prelude::*;
use hatch_interop::FfiTexts;
use std::collections::{BTreeMap, HashMap};

#[ffi_type]
#[repr(u16)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    Low = 1,
    High = 300,
}

#[ffi_function]
pub fn tones(codes: Vec<Option<Tone>>) -> HashMap<String, Tone> {
    codes
        .into_iter()
        .enumerate()
        .filter_map(|(i, tone)| Some((i.to_string(), tone?)))
        .collect()
}

#[ffi_function]
pub fn squares(values: Vec<u64>) -> Vec<u128> {
    values
        .iter()
        .map(|&v| u128::from(v) * u128::from(v))
        .collect()
}

#[ffi_function]
pub fn last_char(text: Option<char>) -> Option<char> {
    text.map(|c| c.to_ascii_uppercase())
}

#[ffi_function]
pub fn words(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_owned).collect()
}

#[ffi_function]
pub fn joined(words: Vec<String>, separator: &str) -> String {
    words.join(separator)
}

#[ffi_function]
pub fn counts(words: Vec<String>) -> BTreeMap<String, u32> {
    let mut counts = BTreeMap::new();
    for word in words {
        *counts.entry(word).or_insert(0) += 1;
    }
    counts
}

#[ffi_function]
pub fn total(values: HashMap<u16, Vec<i64>>) -> i64 {
    values.values().flatten().sum()
}

#[ffi_function(defaults(text = None))]
pub fn length_of(text: Option<String>) -> Option<u64> {
    text.map(|text| text.len() as u64)
}

#[ffi_function]
pub fn first(words: Vec<String>) -> Option<String> {
    words.into_iter().next()
}

#[ffi_inventory]
pub fn inventory() -> Inventory {
    Inventory::new()
        .function::<words>()
        .function::<joined>()
        .function::<counts>()
        .function::<total>()
        .function::<length_of>()
        .function::<first>()
        .function::<tones>()
        .function::<squares>()
        .function::<last_char>()
}

fn count(n: u64) -> Vec<u8> {
    n.to_le_bytes().to_vec()
}

fn text(s: &str) -> Vec<u8> {
    [count(s.len() as u64), s.as_bytes().to_vec()].concat()
}

fn strings(items: &[&str]) -> Vec<u8> {
    let mut out = count(items.len() as u64);
    for item in items {
        out.extend(text(item));
    }
    out
}

/// The strings of a `Vec<String>` result, which is given back.
fn texts(result: std::mem::MaybeUninit<FfiTexts>) -> Vec<String> {
    // SAFETY: the call succeeded.
    let texts = unsafe { result.assume_init() };
    let read = (0..texts.len)
        .map(|i| {
            // SAFETY: `len` strings at `ptr`, each `len` bytes of UTF-8 at its `ptr`, until given back.
            let text = unsafe { &*texts.ptr.add(i) };
            let bytes = unsafe { std::slice::from_raw_parts(text.ptr, text.len) };
            String::from_utf8(bytes.to_vec()).unwrap()
        })
        .collect();
    // SAFETY: the list the library returned, given back once.
    unsafe { hatch_interop::__private::ffi_free_texts(texts) };
    read
}

#[test]
fn lists_of_strings_cross_as_their_strings_and_as_parameters_encoded() {
    let input = "to be or not to be";
    // SAFETY: a valid pointer and length.
    let words = texts(unsafe { __hatch_interop_shim_words(input.as_ptr(), input.len()) });
    assert_eq!(words, ["to", "be", "or", "not", "to", "be"]);
    // No strings: a list with nothing to read, still given back.
    // SAFETY: as above.
    let none = texts(unsafe { __hatch_interop_shim_words(" ".as_ptr(), 1) });
    assert!(none.is_empty());
    // A failed call's zeroes are no list: giving them back is a no-op.
    // SAFETY: a null `ptr`.
    unsafe {
        hatch_interop::__private::ffi_free_texts(FfiTexts {
            ptr: std::ptr::null_mut(),
            len: 0,
            capacity: 0,
        })
    };
    let list = strings(&["a", "bc"]);
    // SAFETY: as above.
    let joined =
        taken(unsafe { __hatch_interop_shim_joined(list.as_ptr(), list.len(), b"+".as_ptr(), 1) });
    assert_eq!(joined, b"a+bc");
    assert_eq!(failure(), None);
}

#[test]
fn maps_cross_encoded() {
    let list = strings(&["b", "a", "b"]);
    // SAFETY: as above.
    let encoded = taken(unsafe { __hatch_interop_shim_counts(list.as_ptr(), list.len()) });
    let expected = [
        count(2),
        text("a"),
        1u32.to_le_bytes().to_vec(),
        text("b"),
        2u32.to_le_bytes().to_vec(),
    ]
    .concat();
    assert_eq!(encoded, expected);
    // {7: [1, 2], 9: []}
    let map = [
        count(2),
        7u16.to_le_bytes().to_vec(),
        count(2),
        1i64.to_le_bytes().to_vec(),
        2i64.to_le_bytes().to_vec(),
        9u16.to_le_bytes().to_vec(),
        count(0),
    ]
    .concat();
    // SAFETY: as above.
    assert_eq!(
        unsafe { __hatch_interop_shim_total(map.as_ptr(), map.len()).assume_init() },
        3
    );
    assert_eq!(failure(), None);
}

#[test]
fn options_of_owned_values_cross_encoded() {
    let some = [vec![1], text("héllo")].concat();
    // SAFETY: as above.
    let length = unsafe { __hatch_interop_shim_length_of(some.as_ptr(), some.len()).assume_init() };
    assert_eq!(length.into_option(), Some(6));
    // SAFETY: as above.
    let none = unsafe { __hatch_interop_shim_length_of([0u8].as_ptr(), 1).assume_init() };
    assert_eq!(none.into_option(), None);
    let list = strings(&["x", "y"]);
    // SAFETY: as above.
    assert_eq!(
        taken(unsafe { __hatch_interop_shim_first(list.as_ptr(), list.len()) }),
        [vec![1], text("x")].concat()
    );
    let empty = strings(&[]);
    // SAFETY: as above.
    assert_eq!(
        taken(unsafe { __hatch_interop_shim_first(empty.as_ptr(), empty.len()) }),
        [0]
    );
}

#[test]
fn enums_cross_as_their_values_checked() {
    // [Some(High), None, Some(Low)]
    let list = [
        count(3),
        vec![1],
        300u16.to_le_bytes().to_vec(),
        vec![0, 1],
        1u16.to_le_bytes().to_vec(),
    ]
    .concat();
    // SAFETY: a valid pointer and length.
    let map = taken(unsafe { __hatch_interop_shim_tones(list.as_ptr(), list.len()) });
    let one = [text("0"), 300u16.to_le_bytes().to_vec()].concat();
    let two = [text("2"), 1u16.to_le_bytes().to_vec()].concat();
    assert!(
        map == [count(2), one.clone(), two.clone()].concat()
            || map == [count(2), two, one].concat()
    );
    let bad = [count(1), vec![1], 2u16.to_le_bytes().to_vec()].concat();
    // SAFETY: as above; the value is checked.
    unsafe { __hatch_interop_shim_tones(bad.as_ptr(), bad.len()) };
    let (kind, message) = failure().expect("a failure");
    assert_eq!(kind, 3);
    assert!(message.contains("2 is not a variant of Tone"), "{message}");
}

#[test]
fn wide_integers_and_chars_cross_encoded() {
    let values = [u64::MAX, 2];
    // SAFETY: a valid pointer and length.
    let squares = taken(unsafe { __hatch_interop_shim_squares(values.as_ptr(), 2) });
    let expected = [
        count(2),
        (u128::from(u64::MAX) * u128::from(u64::MAX))
            .to_le_bytes()
            .to_vec(),
        4u128.to_le_bytes().to_vec(),
    ]
    .concat();
    assert_eq!(squares, expected);
    let some = [vec![1], u32::from('q').to_le_bytes().to_vec()].concat();
    // SAFETY: as above.
    let upper = taken(unsafe { __hatch_interop_shim_last_char(some.as_ptr(), some.len()) });
    assert_eq!(
        upper,
        [vec![1], u32::from('Q').to_le_bytes().to_vec()].concat()
    );
    let bad = [vec![1], 0x11_0000u32.to_le_bytes().to_vec()].concat();
    // SAFETY: as above; the value is checked.
    unsafe { __hatch_interop_shim_last_char(bad.as_ptr(), bad.len()) };
    assert!(failure()
        .unwrap()
        .1
        .contains("0x110000, which is not a Unicode scalar value"));
}

#[test]
fn bad_encodings_are_invalid_arguments() {
    let cases: [(Vec<u8>, &str); 5] = [
        (vec![], "ends inside a list"),
        (
            [count(1), count(2), b"a".to_vec()].concat(),
            "claims 2 items",
        ),
        ([count(1), count(1), vec![0xff]].concat(), "not valid UTF-8"),
        (
            [strings(&["a"]), vec![0]].concat(),
            "1 bytes are left after the value",
        ),
        (count(u64::MAX), "claims 18446744073709551615 items"),
    ];
    for (bytes, needle) in cases {
        // SAFETY: a valid pointer and length; the bytes are checked.
        unsafe { __hatch_interop_shim_joined(bytes.as_ptr(), bytes.len(), b"".as_ptr(), 0) };
        let (kind, message) = failure().expect("a failure");
        assert_eq!(kind, 3, "{message}");
        assert!(
            message.contains("argument `words` is not a valid encoding"),
            "{message}"
        );
        assert!(message.contains(needle), "{needle:?} not in {message:?}");
    }
    let bad_tag = [2u8];
    // SAFETY: as above.
    unsafe { __hatch_interop_shim_length_of(bad_tag.as_ptr(), 1) };
    assert!(failure().unwrap().1.contains("not 0 (None) or 1 (Some)"));
}

#[test]
fn the_inventory_describes_the_values() {
    let json = inventory().to_json().unwrap();
    for expected in [
        r#""returns":{"kind":"vec","element":{"kind":"string"}}"#,
        r#""params":[{"name":"words","type":{"kind":"vec","element":{"kind":"string"}}},"#,
        r#""returns":{"kind":"map","key":{"kind":"string"},"value":{"kind":"primitive","name":"u32"}}"#,
        r#"{"kind":"map","key":{"kind":"primitive","name":"u16"},"value":{"kind":"vec","element":{"kind":"primitive","name":"i64"}}}"#,
        r#""params":[{"name":"text","type":{"kind":"option","inner":{"kind":"string"}},"default":null}],"returns":{"kind":"option","inner":{"kind":"primitive","name":"u64"}}"#,
        r#""returns":{"kind":"option","inner":{"kind":"string"}}"#,
    ] {
        assert!(json.contains(expected), "{expected} not in {json}");
    }
}

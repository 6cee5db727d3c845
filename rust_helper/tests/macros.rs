//! The attribute macros end to end, as a user crate uses them: every accepted form of item
//! ends up in the JSON the way the format describes.

use hatch_interop::prelude::*;

mod shapes {
    use super::*;

    /// A handle.
    #[ffi_type(opaque)]
    pub enum Handle {
        Empty,
        Full(#[allow(dead_code)] Vec<u8>),
    }

    #[ffi_type]
    #[repr(C)]
    #[derive(Clone, Copy)]
    pub struct Point {
        pub r#type: i32,
        #[doc = concat!(" Macro-", "valued doc.")]
        pub y: f64,
    }
}

/// Pointers may be spelled through an alias.
type Owned = Box<shapes::Handle>;

/**
 * A block doc comment.
 */
#[ffi_function]
#[allow(clippy::needless_lifetimes)]
pub fn with_lifetimes<'a, 'b>(h: &'a shapes::Handle, p: &'b mut shapes::Point) -> &'b shapes::Point
where
    'b: 'a,
{
    let _ = h;
    p.y += 1.0;
    p
}

#[ffi_function]
#[allow(clippy::unused_unit)]
pub extern "C" fn r#match(mut r#in: u8, _unused: i8) -> () {
    r#in += 1;
    let _ = r#in;
}

/// # Safety
///
/// `p` must be valid.
#[ffi_function]
pub unsafe fn point_read(p: *const shapes::Point) -> f64 {
    // SAFETY: the caller promises `p` is valid.
    unsafe { (*p).y }
}

#[ffi_function]
pub fn make(tag: usize) -> Owned {
    Box::new(if tag == 0 {
        shapes::Handle::Empty
    } else {
        shapes::Handle::Full(vec![0; tag])
    })
}

#[ffi_constant]
pub const TENTH: f32 = 0.1;
#[ffi_constant]
pub const HUGE: f64 = 1e300;
#[ffi_constant]
pub const ONE: f64 = 1.0;
#[ffi_constant]
pub const NEG_INF: f64 = f64::NEG_INFINITY;
#[ffi_constant]
pub const NOT_A_NUMBER: f32 = f32::NAN;
#[ffi_constant]
pub const OFF: bool = false;
#[ffi_constant]
pub const LOWEST: i8 = i8::MIN;
#[ffi_constant]
pub const WORD: usize = 8;

/// A short call: the bindings keep the GIL.
#[ffi_function(gil = "hold")]
pub fn quick(x: u8) -> u8 {
    x
}

/// Known to Python and C by another name than its Rust one.
#[ffi_function(name = "renamed", gil = "hold")]
pub fn rust_side_name(x: u8) -> u8 {
    x
}

/// Releasing is the default, and may be spelled out.
#[ffi_function(gil = "release")]
pub fn slow(x: u8) -> u8 {
    x
}

#[ffi_inventory]
pub fn inventory() -> Inventory {
    Inventory::new()
        .function::<quick>()
        .function::<rust_side_name>()
        .function::<slow>()
        .function::<with_lifetimes>()
        .function::<r#match>()
        .function::<point_read>()
        .function::<make>()
        .constant::<TENTH>()
        .constant::<HUGE>()
        .constant::<ONE>()
        .constant::<NEG_INF>()
        .constant::<NOT_A_NUMBER>()
        .constant::<OFF>()
        .constant::<LOWEST>()
        .constant::<WORD>()
}

fn assert_contains(json: &str, expected: &str) {
    assert!(json.contains(expected), "{expected}\nnot in\n{json}");
}

#[test]
fn functions() {
    let json = inventory().to_json().unwrap();
    assert_contains(
        &json,
        concat!(
            r#"{"name":"with_lifetimes","symbol":"with_lifetimes","doc":"* A block doc comment.","#,
            r#""params":[{"name":"h","type":{"kind":"pointer","target":{"kind":"named","name":"Handle"},"mutable":false,"nullable":false,"owned":false}},"#,
            r#"{"name":"p","type":{"kind":"pointer","target":{"kind":"named","name":"Point"},"mutable":true,"nullable":false,"owned":false}}],"#,
            r#""returns":{"kind":"pointer","target":{"kind":"named","name":"Point"},"mutable":false,"nullable":false,"owned":false},"error":null}"#,
        ),
    );
    // Raw identifiers lose their `r#`; `_unused` keeps its underscore; `-> ()` is void.
    assert_contains(
        &json,
        concat!(
            r#"{"name":"match","symbol":"match","doc":"","params":[{"name":"in","type":{"kind":"primitive","name":"u8"}},"#,
            r#"{"name":"_unused","type":{"kind":"primitive","name":"i8"}}],"returns":{"kind":"void"},"error":null}"#,
        ),
    );
    assert_contains(
        &json,
        concat!(
            r##"{"name":"point_read","symbol":"point_read","doc":"# Safety\n\n`p` must be valid.","params":[{"name":"p","type":"##,
            r#"{"kind":"pointer","target":{"kind":"named","name":"Point"},"mutable":false,"nullable":true,"owned":false}}],"#,
            r#""returns":{"kind":"primitive","name":"f64"},"error":null}"#,
        ),
    );
    assert_contains(
        &json,
        r#""returns":{"kind":"pointer","target":{"kind":"named","name":"Handle"},"mutable":true,"nullable":false,"owned":true},"error":null}"#,
    );
}

#[test]
fn renamed_functions_export_and_register_their_new_name() {
    let json = inventory().to_json().unwrap();
    assert_contains(
        &json,
        r#"{"name":"renamed","symbol":"renamed","doc":"Known to Python and C by another name than its Rust one.","#,
    );
    assert!(!json.contains("rust_side_name"), "{json}");
    // Rust callers keep the Rust name.
    assert_eq!(rust_side_name(3), 3);
}

#[test]
fn gil_policy() {
    let json = inventory().to_json().unwrap();
    // Only `hold` is written: the documents of crates that never hold stay as they were.
    assert_contains(
        &json,
        r#""returns":{"kind":"primitive","name":"u8"},"error":null,"gil":"hold"}"#,
    );
    assert_contains(
        &json,
        r#"{"name":"slow","symbol":"slow","doc":"Releasing is the default, and may be spelled out.","params":[{"name":"x","type":{"kind":"primitive","name":"u8"}}],"returns":{"kind":"primitive","name":"u8"},"error":null}"#,
    );
}

#[test]
fn types() {
    let json = inventory().to_json().unwrap();
    assert_contains(
        &json,
        concat!(
            r#""types":[{"kind":"opaque","name":"Handle","doc":"A handle.","drop":"handle_ffi_drop","drop_frees_only":true},"#,
            r#"{"kind":"struct","name":"Point","doc":"","size":16,"align":8,"fields":["#,
            r#"{"name":"type","doc":"","type":{"kind":"primitive","name":"i32"},"offset":0},"#,
            r#"{"name":"y","doc":"Macro-valued doc.","type":{"kind":"primitive","name":"f64"},"offset":8}]}],"#,
        ),
    );
}

#[test]
fn constants() {
    let json = inventory().to_json().unwrap();
    for (name, ty, value) in [
        ("TENTH", "f32", "0.1"),
        ("HUGE", "f64", "1e+300"),
        ("ONE", "f64", "1.0"),
        ("NEG_INF", "f64", r#""-inf""#),
        ("NOT_A_NUMBER", "f32", r#""nan""#),
        ("OFF", "bool", "false"),
        ("LOWEST", "i8", "-128"),
        ("WORD", "usize", "8"),
    ] {
        assert_contains(
            &json,
            &format!(
                r#"{{"name":"{name}","doc":"","type":{{"kind":"primitive","name":"{ty}"}},"value":{value}}}"#
            ),
        );
    }
}

#[test]
fn library_and_guard() {
    let inventory = inventory();
    let json = inventory.to_json().unwrap();
    let hash = inventory.api_hash().unwrap();
    // Integration tests are crates of their own, named after the file.
    assert_contains(
        &json,
        &format!(
            concat!(
                r#""library":{{"crate":"macros","version":"{}","doc":"","api_guard":"macros_api_guard","#,
                r#""ffi_pending":"macros_ffi_pending","ffi_take_failure":"macros_ffi_take_failure","#,
                r#""ffi_free":"macros_ffi_free","ffi_free_texts":"macros_ffi_free_texts","#,
                r#""ffi_callback_failed":"macros_ffi_callback_failed","#,
                r#""ffi_shutdown":"macros_ffi_shutdown","ffi_cancel":"macros_ffi_cancel","#,
                r#""ffi_bell":{{"open":"macros_ffi_bell_open","use":"macros_ffi_bell_use","#,
                r#""drain":"macros_ffi_bell_drain","close":"macros_ffi_bell_close"}},"#,
                r#""vouched_utf8":true,"api_hash":"{:016x}"}}"#,
            ),
            env!("CARGO_PKG_VERSION"),
            hash,
        ),
    );
    assert_eq!(macros_api_guard(), hash);
    assert_eq!(macros_api_guard(), hash, "cached value");
}

#[test]
fn exported_functions_still_work() {
    let mut point = shapes::Point { r#type: 1, y: 2.0 };
    let handle = make(3);
    assert_eq!(with_lifetimes(&handle, &mut point).y, 3.0);
    assert_eq!(unsafe { point_read(&point) }, 3.0);
    r#match(1, 2);
}

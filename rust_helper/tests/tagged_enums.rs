//! Data-carrying enums: their inventory entry, and that the offsets it records are where the
//! compiler really puts the tag and the fields (RFC 2195's `repr(C, int)` layout).

use std::mem::{align_of, size_of};

use hatch_interop::prelude::*;

#[ffi_type]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

#[ffi_type]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Off,
    On,
}

/// A shape.
#[ffi_type]
#[repr(C, u8)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Shape {
    /// A circle.
    Circle {
        /// Its radius.
        radius: f32,
    },
    Rect {
        corner: Point,
        mode: Mode,
    },
    Empty = 7,
    Tail {
        len: FfiOption<u16>,
    },
}

/// No repr: the macro adds `repr(C, u32)`.
#[ffi_type]
#[derive(Clone, Copy)]
pub enum Event {
    Key { code: u32, shifted: bool },
    Quit,
}

/// A data-carrying enum inside a struct, an option and an array, and one behind pointers.
#[ffi_type]
pub struct Scene {
    pub shape: Shape,
    pub maybe: FfiOption<Shape>,
    pub events: [Event; 2],
}

#[ffi_function]
pub fn grow(shape: Shape, by: f32) -> Shape {
    match shape {
        Shape::Circle { radius } => Shape::Circle {
            radius: radius + by,
        },
        other => other,
    }
}

#[ffi_function]
pub fn is_empty(shape: &Shape, next: Option<&Shape>) -> bool {
    matches!(shape, Shape::Empty) && next.is_none()
}

#[ffi_function]
pub fn scene_shape(scene: &Scene) -> FfiOption<Shape> {
    Some(scene.shape).into()
}

/// Tuple variants: fields `_0`, `_1`, laid out as the variant's.
#[ffi_type]
#[repr(C, u16)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Reading {
    Level(u8),
    At(u8, f64),
    Off,
}

#[ffi_function]
pub fn reading_at(reading: Reading) -> f64 {
    match reading {
        Reading::At(_, at) => at,
        Reading::Level(level) => f64::from(level),
        Reading::Off => 0.0,
    }
}

#[ffi_inventory]
pub fn inventory() -> Inventory {
    Inventory::new()
        .function::<grow>()
        .function::<is_empty>()
        .function::<scene_shape>()
        .function::<reading_at>()
        .ty::<Scene>()
}

#[test]
fn tuple_variants_have_numbered_fields_at_their_offsets() {
    let json = inventory().to_json().unwrap();
    assert_contains(
        &json,
        r#"{"name":"At","doc":"","value":1,"fields":[{"name":"_0","doc":"","type":{"kind":"primitive","name":"u8"},"offset":8},{"name":"_1","doc":"","type":{"kind":"primitive","name":"f64"},"offset":16}],"tuple":true}"#,
    );
    // SAFETY: a valid value for the shim's C signature.
    let at = unsafe { __hatch_interop_shim_reading_at(Reading::At(3, 2.5)) };
    assert_eq!(unsafe { at.assume_init() }, 2.5);
}

fn assert_contains(json: &str, expected: &str) {
    assert!(json.contains(expected), "{expected}\nnot in\n{json}");
}

#[test]
fn inventory_entry() {
    let json = inventory().to_json().unwrap();
    assert_contains(
        &json,
        concat!(
            r#"{"kind":"tagged","name":"Shape","doc":"A shape.","repr":"u8","size":32,"align":8,"#,
            r#""payload_offset":8,"variants":["#,
            r#"{"name":"Circle","doc":"A circle.","value":0,"fields":["#,
            r#"{"name":"radius","doc":"Its radius.","type":{"kind":"primitive","name":"f32"},"offset":8}]},"#,
            r#"{"name":"Rect","doc":"","value":1,"fields":["#,
            r#"{"name":"corner","doc":"","type":{"kind":"named","name":"Point"},"offset":8},"#,
            r#"{"name":"mode","doc":"","type":{"kind":"named","name":"Mode"},"offset":24}]}"#,
        ),
    );
    // An explicit discriminant, and the implicit one after it.
    assert_contains(
        &json,
        r#"{"name":"Empty","doc":"","value":7,"fields":[]},{"name":"Tail","doc":"","value":8,"#,
    );
    assert_contains(
        &json,
        concat!(
            r#"{"kind":"tagged","name":"Event","doc":"No repr: the macro adds `repr(C, u32)`.","#,
            r#""repr":"u32","size":12,"align":4,"payload_offset":4,"#,
        ),
    );
    assert_contains(
        &json,
        concat!(
            r#"{"name":"shape","type":{"kind":"pointer","target":{"kind":"named","name":"Shape"},"#,
            r#""mutable":false,"nullable":false,"owned":false}}"#,
        ),
    );
    assert_contains(
        &json,
        r#""returns":{"kind":"option","inner":{"kind":"named","name":"Shape"}}"#,
    );
}

/// The bytes of `value` at `offset`, read as `T`.
fn read<T: Copy, V>(value: &V, offset: usize) -> T {
    assert!(offset + size_of::<T>() <= size_of::<V>());
    // SAFETY: in bounds (checked above), and the tests only read initialised fields.
    unsafe {
        (value as *const V)
            .cast::<u8>()
            .add(offset)
            .cast::<T>()
            .read_unaligned()
    }
}

#[test]
fn recorded_offsets_are_the_real_ones() {
    assert_eq!((size_of::<Shape>(), align_of::<Shape>()), (32, 8));
    let circle = Shape::Circle { radius: 2.5 };
    assert_eq!(read::<u8, _>(&circle, 0), 0);
    assert_eq!(read::<f32, _>(&circle, 8), 2.5);
    let rect = Shape::Rect {
        corner: Point { x: 1.0, y: 2.0 },
        mode: Mode::On,
    };
    assert_eq!(read::<u8, _>(&rect, 0), 1);
    assert_eq!(read::<Point, _>(&rect, 8), Point { x: 1.0, y: 2.0 });
    assert_eq!(read::<u32, _>(&rect, 24), 1);
    assert_eq!(read::<u8, _>(&Shape::Empty, 0), 7);
    let event = Event::Key {
        code: 65,
        shifted: true,
    };
    assert_eq!((size_of::<Event>(), align_of::<Event>()), (12, 4));
    assert_eq!(
        (read::<u32, _>(&event, 0), read::<u32, _>(&event, 4)),
        (0, 65)
    );
    assert!(read::<bool, _>(&event, 8));
    assert_eq!(read::<u32, _>(&Event::Quit, 0), 1);
}

#[test]
fn the_shims_pass_it_by_value_and_by_reference() {
    // SAFETY: valid arguments for the shims' C signatures.
    unsafe {
        let grown = __hatch_interop_shim_grow(Shape::Circle { radius: 1.0 }, 0.5).assume_init();
        assert_eq!(grown, Shape::Circle { radius: 1.5 });
        assert!(__hatch_interop_shim_is_empty(&Shape::Empty, std::ptr::null()).assume_init());
    }
}

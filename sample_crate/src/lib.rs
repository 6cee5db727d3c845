//! The hatch-interop reference crate.
//!
//! It exercises every construct of the inventory format at least once: every primitive,
//! structs by value and behind each kind of pointer, nested structs, padding, enums with an
//! explicit and a default repr, an opaque type with its whole life cycle, constants of each
//! kind, and a parameter named like a Python keyword. The Python tests build it and call
//! everything through the generated bindings.

use hatch_interop::prelude::*;

// ---------------------------------------------------------------------------------------
// Primitives

/// Adds two numbers, wrapping on overflow.
#[ffi_function]
pub fn add(a: u32, b: u32) -> u32 {
    a.wrapping_add(b)
}

/// Sums one value of every integer type, wrapping on overflow.
#[ffi_function]
#[allow(clippy::too_many_arguments)]
pub fn sum_integers(
    a: i8,
    b: i16,
    c: i32,
    d: i64,
    e: u8,
    f: u16,
    g: u64,
    h: usize,
    i: isize,
) -> i64 {
    // `as` wraps the unsigned values above i64::MAX, as documented.
    [
        i64::from(a),
        i64::from(b),
        i64::from(c),
        d,
        i64::from(e),
        i64::from(f),
        g as i64,
        h as i64,
        i as i64,
    ]
    .into_iter()
    .fold(0i64, i64::wrapping_add)
}

/// Multiplies a double by a float.
#[ffi_function]
pub fn scale(x: f64, factor: f32) -> f64 {
    x * f64::from(factor)
}

/// Whether `n` is even.
#[ffi_function]
pub fn is_even(n: i64) -> bool {
    n % 2 == 0
}

/// The opposite of `b`.
#[ffi_function]
pub fn negate(b: bool) -> bool {
    !b
}

/// Does nothing; the smallest possible function.
#[ffi_function]
pub fn noop() {}

/// The distance between two positions on a line.
///
/// The first parameter is called `from`, which Python bindings must rename.
#[ffi_function]
pub fn distance(from: i32, to: i32) -> u32 {
    from.abs_diff(to)
}

// ---------------------------------------------------------------------------------------
// Structs

/// A point or vector in the plane.
#[ffi_type]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Vec2 {
    /// Horizontal coordinate.
    pub x: f32,
    /// Vertical coordinate.
    pub y: f32,
}

/// An axis-aligned rectangle.
#[ffi_type]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rect {
    /// The corner with the smallest coordinates.
    pub origin: Vec2,
    /// Width and height.
    pub size: Vec2,
}

/// The sum of two vectors (structs by value, in and out).
#[ffi_function]
pub fn vec2_add(a: Vec2, b: Vec2) -> Vec2 {
    Vec2 {
        x: a.x + b.x,
        y: a.y + b.y,
    }
}

/// The length of a vector (a struct behind a shared reference).
#[ffi_function]
pub fn vec2_length(v: &Vec2) -> f32 {
    v.x.hypot(v.y)
}

/// Multiplies a vector in place (a struct behind a mutable reference).
#[ffi_function]
pub fn vec2_scale(v: &mut Vec2, k: f32) {
    v.x *= k;
    v.y *= k;
}

/// The area of a rectangle (a nested struct behind a reference).
#[ffi_function]
pub fn rect_area(r: &Rect) -> f32 {
    r.size.x * r.size.y
}

/// The center of a rectangle (a nested struct by value).
#[ffi_function]
pub fn rect_center(r: Rect) -> Vec2 {
    Vec2 {
        x: r.origin.x + r.size.x / 2.0,
        y: r.origin.y + r.size.y / 2.0,
    }
}

/// A measurement; its fields of mixed widths leave padding between them.
#[ffi_type]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sample {
    /// Which sensor took it.
    pub id: u8,
    /// The measured value.
    pub value: f64,
    /// Quality bits.
    pub flags: u16,
    /// The sensor's color.
    pub color: Color,
}

/// Builds a sample (a padded struct returned by value).
#[ffi_function]
pub fn sample_new(id: u8, value: f64, flags: u16, color: Color) -> Sample {
    Sample {
        id,
        value,
        flags,
        color,
    }
}

/// A sample's value weighted by its flags and color (a padded struct by value).
#[ffi_function]
pub fn sample_score(s: Sample) -> f64 {
    s.value * f64::from(s.flags) + f64::from(s.id) + f64::from(s.color as u8)
}

// ---------------------------------------------------------------------------------------
// Enums

/// A primary color; the discriminants are flags, so not contiguous.
#[ffi_type]
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Color {
    /// The first color.
    Red = 1,
    Green = 2,
    /// The last color.
    Blue = 4,
}

/// A compass direction, with the default repr (`u32`) and implicit discriminants.
#[ffi_type]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    North,
    East,
    South,
    West,
}

/// A log level, with a signed repr and negative discriminants.
///
/// No function uses it: it is registered with `.ty::<LogLevel>()`.
#[ffi_type]
#[repr(i8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogLevel {
    Trace = -2,
    Debug = -1,
    Info = 0,
    Warn = 1,
    Error = 2,
}

/// The next color: red, green, blue, red, ...
#[ffi_function]
pub fn color_next(c: Color) -> Color {
    match c {
        Color::Red => Color::Green,
        Color::Green => Color::Blue,
        Color::Blue => Color::Red,
    }
}

/// The direction after a quarter turn clockwise.
#[ffi_function]
pub fn direction_turn(d: Direction) -> Direction {
    match d {
        Direction::North => Direction::East,
        Direction::East => Direction::South,
        Direction::South => Direction::West,
        Direction::West => Direction::North,
    }
}

// ---------------------------------------------------------------------------------------
// An opaque type

/// A counter that remembers its history; only ever handled through a pointer.
#[ffi_type(opaque)]
#[derive(Debug)]
pub struct Counter {
    value: u64,
    history: Vec<u64>,
}

/// The largest start value `counter_try_new` accepts.
const TRY_NEW_LIMIT: u64 = 1000;

/// A new counter starting at `start`; release it with `counter_free`.
#[ffi_function]
pub fn counter_new(start: u64) -> Box<Counter> {
    Box::new(Counter {
        value: start,
        history: Vec::new(),
    })
}

/// Like `counter_new`, but returns null when `start` is above 1000.
#[ffi_function]
pub fn counter_try_new(start: u64) -> *mut Counter {
    if start > TRY_NEW_LIMIT {
        std::ptr::null_mut()
    } else {
        Box::into_raw(counter_new(start))
    }
}

/// Adds one to the counter and returns the new value (wrapping at `u64::MAX`).
#[ffi_function]
pub fn counter_increment(c: &mut Counter) -> u64 {
    c.history.push(c.value);
    c.value = c.value.wrapping_add(1);
    c.value
}

/// The counter's current value.
#[ffi_function]
pub fn counter_get(c: &Counter) -> u64 {
    c.value
}

/// Releases a counter made by `counter_new` or `counter_try_new` (ownership moves in).
#[ffi_function]
pub fn counter_free(c: Box<Counter>) {
    drop(c);
}

/// A counter's value together with the counter it was read from.
#[ffi_type]
#[derive(Clone, Copy, Debug)]
pub struct Snapshot {
    /// The counter (a pointer field); it must outlive the snapshot.
    pub counter: *const Counter,
    /// The value when the snapshot was taken.
    pub value: u64,
    /// How many increments came before.
    pub increments: u32,
}

/// Takes a snapshot of a counter (a struct with a pointer field, returned by value).
#[ffi_function]
pub fn counter_snapshot(c: &Counter) -> Snapshot {
    Snapshot {
        counter: c,
        value: c.value,
        increments: u32::try_from(c.history.len()).unwrap_or(u32::MAX),
    }
}

// ---------------------------------------------------------------------------------------
// Constants

/// The most items a call handles.
#[ffi_constant]
pub const MAX_ITEMS: u32 = 64;

/// A negative offset.
#[ffi_constant]
pub const MIN_OFFSET: i64 = -42;

/// The default scale factor.
#[ffi_constant]
pub const DEFAULT_SCALE: f64 = 2.5;

/// Whether counters are available.
#[ffi_constant]
pub const HAS_COUNTER: bool = true;

/// The largest u64, above i64::MAX.
#[ffi_constant]
pub const BIG: u64 = u64::MAX;

// ---------------------------------------------------------------------------------------

/// The crate's FFI inventory, printed by `src/bin/inventory.rs`.
#[ffi_inventory]
pub fn inventory() -> Inventory {
    Inventory::new()
        .function::<add>()
        .function::<sum_integers>()
        .function::<scale>()
        .function::<is_even>()
        .function::<negate>()
        .function::<noop>()
        .function::<distance>()
        .function::<vec2_add>()
        .function::<vec2_length>()
        .function::<vec2_scale>()
        .function::<rect_area>()
        .function::<rect_center>()
        .function::<sample_new>()
        .function::<sample_score>()
        .function::<color_next>()
        .function::<direction_turn>()
        .function::<counter_new>()
        .function::<counter_try_new>()
        .function::<counter_increment>()
        .function::<counter_get>()
        .function::<counter_free>()
        .function::<counter_snapshot>()
        .ty::<LogLevel>()
        .constant::<MAX_ITEMS>()
        .constant::<MIN_OFFSET>()
        .constant::<DEFAULT_SCALE>()
        .constant::<HAS_COUNTER>()
        .constant::<BIG>()
}

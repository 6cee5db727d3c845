//! The hatch-interop reference crate.
//!
//! It exercises every construct of the inventory format at least once: every primitive,
//! structs by value and behind each kind of pointer, nested structs, padding, enums with an
//! explicit and a default repr, an opaque type with its whole life cycle, constants of each
//! kind, and a parameter named like a Python keyword; errors (`Result<T, E>` with an error
//! enum, including `Result<()>` and `Result<Box<T>>`), panics, strings in (`&str`, `&CStr`)
//! and out (`String`), slices of numbers and structs in (`&[T]`) and in-out (`&mut [T]`),
//! and owned buffers out (`Vec<T>`), empty ones included; optional values (`FfiOption<T>` of
//! a primitive, struct or enum, and `Option<&T>`), fixed-size arrays in structs, and a
//! data-carrying enum by value, by reference, in a struct and in an option; callbacks used
//! during a call, optional ones, and callbacks the library keeps and calls later, also from
//! threads of its own; async functions; and a service (`#[ffi_service]`: a class in Python)
//! shared between threads. The Python tests build it and call everything through the
//! generated bindings.

use std::collections::{BTreeMap, HashMap};
use std::ffi::CStr;
use std::fmt;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use hatch_interop::prelude::*;

// ---------------------------------------------------------------------------------------
// Primitives

/// Adds two numbers, wrapping on overflow (a short call: it keeps the GIL).
#[ffi_function(gil = "hold")]
pub fn add(a: u32, b: u32) -> u32 {
    a.wrapping_add(b)
}

/// Keeps the CPU busy for `millis` milliseconds (the GIL is released: other Python threads run).
#[ffi_function]
pub fn spin(millis: u64) -> u64 {
    spin_for(millis)
}

/// Keeps the CPU busy for `millis` milliseconds, holding the GIL: no other Python thread runs.
#[ffi_function(gil = "hold")]
pub fn spin_holding(millis: u64) -> u64 {
    spin_for(millis)
}

/// The 64-bit FNV-1a hash of `data`. Python and C call it `fnv1a`; Rust code calls it by its
/// Rust name, `fnv1a_64_of` (`#[ffi_function(name = "fnv1a")]`).
#[ffi_function(name = "fnv1a")]
pub fn fnv1a_64_of(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Where `data` starts in memory: the same address as the caller's buffer when it is shared, not
/// copied (Python's `bytes`, on CPython and on PyPy).
#[ffi_function]
pub fn slice_address(data: &[u8]) -> usize {
    data.as_ptr() as usize
}

/// A 64-bit FNV-1a digest. Python and C call it `Digest`; Rust calls it `Fnv1aDigest`
/// (`#[ffi_type(name = "Digest")]`).
#[ffi_type(name = "Digest")]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fnv1aDigest {
    /// The hash.
    pub value: u64,
    /// How many bytes were hashed.
    pub length: u64,
}

/// The order of a digest's bytes. Python and C call it `ByteOrder`; Rust calls it `Endianness`.
#[ffi_type(name = "ByteOrder")]
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Endianness {
    /// Least significant byte first.
    Little,
    /// Most significant byte first.
    Big,
}

/// An incremental FNV-1a hash, in the manner of Python's `hashlib`. Python and C call it `Hasher`;
/// Rust calls it `Fnv1aHasher` (`#[ffi_type(opaque, name = "Hasher")]`); the symbols of its
/// members keep the Rust type's prefix (`fnv1a_hasher_update`).
#[ffi_type(opaque, name = "Hasher")]
pub struct Fnv1aHasher {
    state: u64,
    length: u64,
}

impl Default for Fnv1aHasher {
    fn default() -> Self {
        Self::new()
    }
}

#[ffi_service]
impl Fnv1aHasher {
    /// A hasher that has seen no bytes.
    pub fn new() -> Self {
        Fnv1aHasher {
            state: fnv1a_64_of(&[]),
            length: 0,
        }
    }

    /// Hashes `data` after the bytes before it.
    pub fn update(&mut self, data: &[u8]) {
        for byte in data {
            self.state = (self.state ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3);
        }
        self.length += data.len() as u64;
    }

    /// A new hasher in this one's state; both go on separately (`hashlib`'s `copy()`: a method
    /// that returns a new service object).
    pub fn copy(&self) -> Self {
        Fnv1aHasher {
            state: self.state,
            length: self.length,
        }
    }

    /// Whether `other` has hashed the same bytes (as far as the hash can tell): a parameter
    /// that borrows another service object, as `&self` borrows this one.
    pub fn matches(&self, other: &Fnv1aHasher) -> bool {
        self.state == other.state && self.length == other.length
    }

    /// The digest of every byte so far.
    pub fn digest(&self) -> Fnv1aDigest {
        Fnv1aDigest {
            value: self.state,
            length: self.length,
        }
    }

    /// The digest's 8 bytes in `order`, as one number.
    #[ffi(name = "digest_in")]
    pub fn digest_with_order(&self, order: Endianness) -> u64 {
        match order {
            Endianness::Little => u64::from_le_bytes(self.state.to_le_bytes()),
            Endianness::Big => u64::from_le_bytes(self.state.to_be_bytes()),
        }
    }
}

/// Hashes `data` into `hasher`, and says how many bytes it has seen: a free function that
/// borrows a service object exclusively (`&mut`), as a `&mut self` method does.
#[ffi_function]
pub fn hasher_feed(hasher: &mut Fnv1aHasher, data: &[u8]) -> u64 {
    hasher.update(data);
    hasher.length
}

/// The digest of `hasher`, which it takes: a parameter that consumes a service object (Python's
/// object is closed afterwards).
#[ffi_function]
#[allow(clippy::boxed_local)] // the point: a parameter that takes the object
pub fn hasher_finish(hasher: Box<Fnv1aHasher>) -> Fnv1aDigest {
    hasher.digest()
}

/// How many bytes `hasher` has seen; 0 for `None`.
#[ffi_function]
pub fn hasher_length(hasher: Option<&Fnv1aHasher>) -> u64 {
    hasher.map_or(0, |hasher| hasher.length)
}

/// A hasher that has seen `data`, or `None` for no data: a service object in an `Option`.
#[ffi_function]
pub fn hasher_for(data: &[u8]) -> Option<Fnv1aHasher> {
    (!data.is_empty()).then(|| {
        let mut hasher = Fnv1aHasher::new();
        hasher.update(data);
        hasher
    })
}

/// A hasher that has seen `data` `times` times over; `Overflow` past 1,000,000 bytes: a service
/// object in a `Result`.
#[ffi_function]
pub fn hasher_repeating(data: &[u8], times: u32) -> Result<Fnv1aHasher, MathError> {
    if data.len() as u64 * u64::from(times) > 1_000_000 {
        return Err(MathError::Overflow);
    }
    let mut hasher = Fnv1aHasher::new();
    for _ in 0..times {
        hasher.update(data);
    }
    Ok(hasher)
}

/// How many rounds of busy work fit in `millis` milliseconds.
fn spin_for(millis: u64) -> u64 {
    let end = std::time::Instant::now() + std::time::Duration::from_millis(millis);
    let mut rounds = 0u64;
    while std::time::Instant::now() < end {
        rounds = std::hint::black_box(rounds + 1);
    }
    rounds
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

/// A length in metres (a tuple struct: `Meters(2.5)` in Python, where its value is `._0`).
#[ffi_type]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Meters(pub f64);

/// A width and a height (a tuple struct of two tuple structs).
#[ffi_type]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Extent(pub Meters, pub Meters);

/// The longer side of `extent`.
#[ffi_function]
pub fn extent_longer(extent: Extent) -> Meters {
    Meters(extent.0 .0.max(extent.1 .0))
}

/// The total of `lengths` (a slice of tuple structs).
#[ffi_function]
pub fn meters_sum(lengths: &[Meters]) -> Meters {
    Meters(lengths.iter().map(|m| m.0).sum())
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

/// Adds `other` into `into` (a struct changed in place beside another: the two must be different
/// structs, so `vec2_add_into(v, v)` is refused before the call).
#[ffi_function]
pub fn vec2_add_into(into: &mut Vec2, other: &Vec2) {
    into.x += other.x;
    into.y += other.y;
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

/// Like `counter_new`, but returns nothing when `start` is above 1000.
#[ffi_function]
pub fn counter_try_new(start: u64) -> Option<Box<Counter>> {
    (start <= TRY_NEW_LIMIT).then(|| counter_new(start))
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

/// Adds `other`'s value to `into` and returns the new value (wrapping at `u64::MAX`): two
/// objects of one type, one of them changed (one object as both is refused).
#[ffi_function]
pub fn counter_add_from(into: &mut Counter, other: &Counter) -> u64 {
    into.history.push(into.value);
    into.value = into.value.wrapping_add(other.value);
    into.value
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
// Errors and panics

/// What can go wrong in the checked functions; each variant is an error code.
#[ffi_type]
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MathError {
    /// The divisor is zero.
    DivisionByZero = 1,
    /// The result does not fit in its type.
    Overflow = 2,
    /// The input is negative where only zero or more makes sense.
    NegativeInput = 3,
}

impl fmt::Display for MathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MathError::DivisionByZero => "division by zero",
            MathError::Overflow => "the result is too large for its type",
            MathError::NegativeInput => "the input is negative",
        })
    }
}

impl std::error::Error for MathError {}

/// `a / b`, rounded towards zero (a `Result` of a primitive).
///
/// Fails with `DivisionByZero` when `b` is 0 and with `Overflow` for `i32::MIN / -1`.
#[ffi_function]
pub fn divide(a: i32, b: i32) -> Result<i32, MathError> {
    if b == 0 {
        return Err(MathError::DivisionByZero);
    }
    a.checked_div(b).ok_or(MathError::Overflow)
}

/// The square root of `x`; fails with `NegativeInput` when `x` is below zero.
#[ffi_function]
pub fn checked_sqrt(x: f64) -> Result<f64, MathError> {
    if x < 0.0 {
        Err(MathError::NegativeInput)
    } else {
        Ok(x.sqrt())
    }
}

/// Checks that `x` is zero or more (a `Result` with nothing on success); fails with
/// `NegativeInput`.
#[ffi_function]
pub fn validate_positive(x: i64) -> Result<(), MathError> {
    if x < 0 {
        Err(MathError::NegativeInput)
    } else {
        Ok(())
    }
}

/// Like `counter_new` (a `Result` of an owned pointer), but fails with `Overflow` when
/// `start` is `u64::MAX`, which could never be incremented.
#[ffi_function]
pub fn counter_checked_new(start: u64) -> Result<Box<Counter>, MathError> {
    if start == u64::MAX {
        Err(MathError::Overflow)
    } else {
        Ok(counter_new(start))
    }
}

/// Panics with exactly `message`; the caller gets the panic as an error.
#[ffi_function]
pub fn panic_with_message(message: &str) {
    panic!("{message}");
}

/// `values[index]`: panics (with Rust's "index out of bounds" message) when `index` is out
/// of range.
#[ffi_function]
pub fn checked_index(values: &[u32], index: usize) -> u32 {
    values[index]
}

// ---------------------------------------------------------------------------------------
// Strings

/// A greeting for `name` (a `&str` in, a `String` out).
#[ffi_function]
pub fn greet(name: &str) -> String {
    format!("Hello, {name}!")
}

/// The length of `s` in UTF-8 bytes.
#[ffi_function]
pub fn str_byte_len(s: &str) -> usize {
    s.len()
}

/// `text` repeated `times` times, joined by `separator` (trailing parameters with defaults, which
/// Python callers may leave out); fails with `Overflow` when that is more than 1 000 000 bytes.
#[ffi_function(defaults(times = 2, separator = "-"))]
pub fn join_repeated(text: &str, times: u32, separator: &str) -> Result<String, MathError> {
    let times = usize::try_from(times).map_err(|_| MathError::Overflow)?;
    let total = text
        .len()
        .checked_add(separator.len())
        .and_then(|each| each.checked_mul(times));
    match total {
        Some(total) if total <= REPEAT_LIMIT => Ok(vec![text; times].join(separator)),
        _ => Err(MathError::Overflow),
    }
}

/// `value` scaled by `factor`, or by 1.5 if the caller leaves it out (a float default).
#[ffi_function(defaults(factor = 1.5))]
pub fn scaled(value: f64, factor: f64) -> f64 {
    value * factor
}

/// The number of characters (Unicode scalar values) in `s`.
#[ffi_function]
pub fn str_char_count(s: &str) -> usize {
    s.chars().count()
}

/// The length in bytes of a NUL-terminated string, without the NUL (a `&CStr` in).
#[ffi_function]
pub fn c_str_len(s: &CStr) -> usize {
    s.to_bytes().len()
}

/// The most bytes `repeat_text` returns.
const REPEAT_LIMIT: usize = 1_000_000;

/// `s` repeated `times` times (a `Result` of a `String`); fails with `Overflow` when that is
/// more than 1 000 000 bytes.
#[ffi_function]
pub fn repeat_text(s: &str, times: u32) -> Result<String, MathError> {
    let times = usize::try_from(times).map_err(|_| MathError::Overflow)?;
    match s.len().checked_mul(times) {
        Some(total) if total <= REPEAT_LIMIT => Ok(s.repeat(times)),
        _ => Err(MathError::Overflow),
    }
}

/// The empty string (an empty buffer: nothing to free).
#[ffi_function]
pub fn empty_string() -> String {
    String::new()
}

// ---------------------------------------------------------------------------------------
// Slices

/// The sum of `values` (a slice of doubles).
#[ffi_function]
pub fn sum_f64(values: &[f64]) -> f64 {
    values.iter().sum()
}

/// The sum of `data`'s bytes.
#[ffi_function]
pub fn sum_bytes(data: &[u8]) -> u64 {
    data.iter().map(|&byte| u64::from(byte)).sum()
}

/// The sum of `values`, in a wider type so that it cannot overflow.
#[ffi_function]
pub fn sum_i32(values: &[i32]) -> i64 {
    values.iter().map(|&value| i64::from(value)).sum()
}

/// Adds each of `values` to the value of `into` at its index, as far as both go (a mutable slice
/// beside another: two that share memory are refused before the call).
#[ffi_function]
pub fn f64_add_into(into: &mut [f64], values: &[f64]) {
    for (into, value) in into.iter_mut().zip(values) {
        *into += value;
    }
}

/// Multiplies every value by `factor`, in place (a mutable slice).
#[ffi_function]
pub fn scale_f32_in_place(values: &mut [f32], factor: f32) {
    for value in values {
        *value *= factor;
    }
}

/// Sets every element to `value`.
#[ffi_function]
pub fn fill_u16(values: &mut [u16], value: u16) {
    values.fill(value);
}

/// The sum of `points` (a slice of structs); the zero vector when there are none.
#[ffi_function]
pub fn vec2_sum(points: &[Vec2]) -> Vec2 {
    points.iter().fold(Vec2 { x: 0.0, y: 0.0 }, |sum, p| Vec2 {
        x: sum.x + p.x,
        y: sum.y + p.y,
    })
}

/// Scales every point to length 1, in place (a mutable slice of structs); zero vectors stay
/// as they are.
#[ffi_function]
pub fn vec2_normalize_all(points: &mut [Vec2]) {
    for p in points {
        let length = p.x.hypot(p.y);
        if length > 0.0 {
            p.x /= length;
            p.y /= length;
        }
    }
}

// ---------------------------------------------------------------------------------------
// Owned buffers

/// The numbers from `start` up to, not including, `end`; empty when `end <= start` (a `Vec`
/// of numbers). Allocated with `try_reserve_exact`: without the memory for them, Python gets
/// `MemoryError` instead of an aborted process.
#[ffi_function]
pub fn range_u32(start: u32, end: u32) -> Result<Vec<u32>, std::collections::TryReserveError> {
    let mut numbers = Vec::new();
    numbers.try_reserve_exact(end.saturating_sub(start) as usize)?;
    numbers.extend(start..end);
    Ok(numbers)
}

/// `data` in reverse order (a slice of bytes in, a `Vec<u8>` out).
#[ffi_function]
pub fn reversed_bytes(data: &[u8]) -> Vec<u8> {
    data.iter().rev().copied().collect()
}

/// The largest `n` that `vec2_grid` accepts.
const GRID_LIMIT: u32 = 1024;

/// The `n * n` points with integer coordinates from 0 to `n - 1`, row by row (a `Vec` of
/// structs). Panics when `n` is above 1024.
#[ffi_function]
pub fn vec2_grid(n: u32) -> Vec<Vec2> {
    assert!(
        n <= GRID_LIMIT,
        "vec2_grid: n is {n}, at most {GRID_LIMIT} is supported"
    );
    (0..n)
        .flat_map(|y| {
            (0..n).map(move |x| Vec2 {
                x: x as f32,
                y: y as f32,
            })
        })
        .collect()
}

/// No numbers at all (an empty `Vec`: nothing to free).
#[ffi_function]
pub fn empty_f64s() -> Vec<f64> {
    Vec::new()
}

// ---------------------------------------------------------------------------------------
// Options and fixed-size arrays

/// A measurement whose parts may be missing (a struct with option and array fields).
#[ffi_type]
#[derive(Clone, Copy, Debug)]
pub struct Reading {
    /// The temperature in degrees Celsius, if the sensor reported one.
    pub celsius: FfiOption<f64>,
    /// The last four samples.
    pub samples: [f32; 4],
    /// Two corners of the area the sensor covers.
    pub corners: [Vec2; 2],
    /// The color of the sensor's light, if it has one.
    pub light: FfiOption<Color>,
    /// The level of each of three channels, if it is connected.
    pub channels: [FfiOption<u8>; 3],
    /// The direction of each of two antennas.
    pub antennas: [Direction; 2],
}

/// The square root of `x`, or nothing when `x` is negative (an optional primitive result).
#[ffi_function]
pub fn sqrt_or_none(x: f64) -> FfiOption<f64> {
    (x >= 0.0).then(|| x.sqrt()).into()
}

/// `value`, or `fallback` when there is none (an optional primitive parameter).
#[ffi_function]
pub fn or_fallback(value: FfiOption<i32>, fallback: i32) -> i32 {
    value.into_option().unwrap_or(fallback)
}

/// The midpoint of `a` and `b`; `a` itself without `b`; nothing without `a` (optional structs
/// in and out).
#[ffi_function]
pub fn midpoint(a: FfiOption<Vec2>, b: FfiOption<Vec2>) -> FfiOption<Vec2> {
    let a = a.into_option();
    match (a, b.into_option()) {
        (Some(a), Some(b)) => FfiOption::some(Vec2 {
            x: (a.x + b.x) / 2.0,
            y: (a.y + b.y) / 2.0,
        }),
        _ => a.into(),
    }
}

/// The color after `color`, or nothing after the last one or without one (optional enums in
/// and out).
#[ffi_function]
pub fn color_after(color: FfiOption<Color>) -> FfiOption<Color> {
    match color.into_option() {
        Some(Color::Red) => FfiOption::some(Color::Green),
        Some(Color::Green) => FfiOption::some(Color::Blue),
        Some(Color::Blue) | None => FfiOption::none(),
    }
}

/// The length of `v`, or nothing without it (`Option<&T>`: a nullable reference).
#[ffi_function]
pub fn length_if_any(v: Option<&Vec2>) -> FfiOption<f32> {
    v.map(|v| v.x.hypot(v.y)).into()
}

/// The sum of the samples, the temperature (0 without one) and the connected channels' levels.
#[ffi_function]
pub fn reading_total(r: &Reading) -> f64 {
    let samples: f64 = r.samples.iter().map(|&s| f64::from(s)).sum();
    let channels: f64 = r
        .channels
        .iter()
        .filter_map(|c| c.as_ref())
        .map(|&level| f64::from(level))
        .sum();
    samples + r.celsius.into_option().unwrap_or(0.0) + channels
}

/// A reading with every kind of part, some of them missing (a struct with options and arrays
/// out).
#[ffi_function]
pub fn reading_example() -> Reading {
    Reading {
        celsius: FfiOption::some(21.5),
        samples: [1.0, 2.0, 3.0, 4.5],
        corners: [Vec2 { x: 0.0, y: 0.0 }, Vec2 { x: 2.0, y: 1.0 }],
        light: FfiOption::none(),
        channels: [FfiOption::some(7), FfiOption::none(), FfiOption::some(255)],
        antennas: [Direction::North, Direction::West],
    }
}

/// Frees `counter` if there is one (`Option<Box<T>>`: ownership moves only when it is there);
/// returns whether there was.
#[ffi_function]
pub fn counter_free_if_any(counter: Option<Box<Counter>>) -> bool {
    counter.is_some()
}

// ---------------------------------------------------------------------------------------
// Callbacks

/// What `for_each_value` calls for each value, with its index; return `false` to stop.
#[ffi_callback]
pub type OnValue = fn(index: usize, value: f64) -> bool;

/// Calls `on_value` for each of `values` until it returns `false` (a callback used during
/// the call only); returns how many calls it made.
#[ffi_function]
pub fn for_each_value(values: &[f64], on_value: &OnValue) -> usize {
    let mut calls = 0;
    for (index, &value) in values.iter().enumerate() {
        calls += 1;
        if !on_value.call(index, value) {
            break;
        }
    }
    calls
}

/// A function of one number.
#[ffi_callback]
pub type Transform = fn(value: i64) -> i64;

/// Replaces each value with `transform(value)`, in place; without a transform, leaves them
/// as they are (an optional callback).
#[ffi_function]
pub fn transform_all(values: &mut [i64], transform: Option<&Transform>) {
    if let Some(transform) = transform {
        for value in values {
            *value = transform.call(*value);
        }
    }
}

/// Decides whether a point of some color is kept (a callback with a struct reference and an
/// enum).
#[ffi_callback]
pub type PointFilter = fn(point: &Vec2, color: Color) -> bool;

/// How many of `points` `keep` accepts, each with the color `color`.
#[ffi_function]
pub fn count_kept(points: &[Vec2], color: Color, keep: &PointFilter) -> usize {
    points
        .iter()
        .filter(|point| keep.call(point, color))
        .count()
}

/// Called with a word and its index (a callback that takes text); returns whether to go on.
#[ffi_callback]
pub type OnWord = fn(word: &str, index: u32) -> bool;

/// Calls `on_word` with each whitespace-separated word of `text` until it returns false; how
/// many words it was called with.
#[ffi_function]
pub fn for_each_word(text: &str, on_word: &OnWord) -> u32 {
    let mut calls = 0;
    for (index, word) in text.split_whitespace().enumerate() {
        calls += 1;
        if !on_word.call(word, index as u32) {
            break;
        }
    }
    calls
}

/// Called with a line made for it and the lengths of its words (a callback that takes owned
/// values: lent to the callback for the call, then dropped); returns whether to go on.
#[ffi_callback]
pub type OnLine = fn(line: String, lengths: Vec<u32>) -> bool;

/// Calls `on_line` with each line of `text`, trimmed and upper-cased, until it returns false; how
/// many lines it was called with.
#[ffi_function]
pub fn for_each_line(text: &str, on_line: &OnLine) -> u32 {
    let mut calls = 0;
    for line in text.lines() {
        calls += 1;
        let lengths = line.split_whitespace().map(|w| w.len() as u32).collect();
        if !on_line.call(line.trim().to_uppercase(), lengths) {
            break;
        }
    }
    calls
}

/// Called with a character and its index (a callback that takes a `char`: a `str` of one
/// character in Python, a code point in C); returns whether to go on.
#[ffi_callback]
pub type OnChar = fn(c: char, index: u32) -> bool;

/// Calls `on_char` with each character of `text` until it returns false; how many characters it
/// was called with.
#[ffi_function]
pub fn for_each_char(text: &str, on_char: &OnChar) -> u32 {
    let mut calls = 0;
    for (index, c) in text.chars().enumerate() {
        calls += 1;
        if !on_char.call(c, index as u32) {
            break;
        }
    }
    calls
}

/// Told of a window of readings and of the raw bytes of the first (a callback that takes slices).
#[ffi_callback]
pub type OnWindow = fn(values: &[f64], raw: &[u8]) -> f64;

/// Calls `on_window` with each run of `size` values of `values` (the last may be shorter) and the
/// little-endian bytes of its first value; the sum of what it returned.
#[ffi_function]
pub fn sum_windows(values: &[f64], size: u32, on_window: &OnWindow) -> f64 {
    values
        .chunks(size.max(1) as usize)
        .map(|window| on_window.call(window, &window[0].to_le_bytes()))
        .sum()
}

/// Told of a point, by value, and its index (a callback that takes a struct by value).
#[ffi_callback]
pub type OnPoint = fn(point: Vec2, index: u32) -> f32;

/// The sum of what `on_point` returns for each of `points`.
#[ffi_function]
pub fn fold_points(points: &[Vec2], on_point: &OnPoint) -> f32 {
    points
        .iter()
        .enumerate()
        .map(|(index, point)| on_point.call(*point, index as u32))
        .sum()
}

/// Picks a color (a callback that returns an enum).
#[ffi_callback]
pub type ColorPicker = fn(round: u32) -> Color;

/// The colors `pick` picks for rounds 0, 1 and 2, as flags or-ed together (it keeps the GIL
/// while it calls back into Python on the calling thread).
#[ffi_function(gil = "hold")]
pub fn pick_colors(pick: &ColorPicker) -> u8 {
    (0..3).fold(0, |flags, round| flags | pick.call(round) as u8)
}

/// Names a value (a callback that returns text: the library copies it while the callback runs).
#[ffi_callback]
pub type OnLabel = fn(value: u32) -> String;

/// What `label` names each of `values`, joined with `separator`.
#[ffi_function]
pub fn label_each(values: &[u32], separator: &str, label: &OnLabel) -> String {
    let labels: Vec<String> = values.iter().map(|&value| label.call(value)).collect();
    labels.join(separator)
}

/// Moves a point (a callback that returns a struct: it writes it where the library says).
#[ffi_callback]
pub type OnMove = fn(point: Vec2, step: u8) -> Vec2;

/// Where `on_move` takes `start` in `steps` steps, each from where the last one ended.
#[ffi_function]
pub fn walk(start: Vec2, steps: u8, on_move: &OnMove) -> Vec2 {
    (0..steps).fold(start, |point, step| on_move.call(point, step))
}

/// Parses a word, maybe (a callback that returns an `Option`: `None` skips the word).
#[ffi_callback]
pub type OnParse = fn(word: &str) -> Option<i64>;

/// The sum (wrapping around) of what `parse` makes of each whitespace-separated word of `text`,
/// skipping the words it returns `None` for.
#[ffi_function]
pub fn parse_all(text: &str, parse: &OnParse) -> i64 {
    text.split_whitespace()
        .filter_map(|word| parse.call(word))
        .fold(0, i64::wrapping_add)
}

/// Renames a word, maybe (`None` keeps it).
#[ffi_callback]
pub type OnRename = fn(word: &str) -> Option<String>;

/// The whitespace-separated words of `text`, each renamed by `rename` or kept, joined with spaces.
#[ffi_function]
pub fn rename_words(text: &str, rename: &OnRename) -> String {
    let words: Vec<String> = text
        .split_whitespace()
        .map(|word| rename.call(word).unwrap_or_else(|| word.to_owned()))
        .collect();
    words.join(" ")
}

/// Finds a point in a round, maybe.
#[ffi_callback]
pub type OnFind = fn(round: u8) -> Option<Vec2>;

/// The points `find` finds in rounds 0 to `rounds - 1`.
#[ffi_function]
pub fn find_points(rounds: u8, find: &OnFind) -> Vec<Vec2> {
    (0..rounds).filter_map(|round| find.call(round)).collect()
}

/// Checks a value (a callback that returns a `Result`: a Python callable fails with
/// `MathError.Overflow` by raising it).
#[ffi_callback]
pub type OnCheck = fn(value: i64) -> Result<i64, MathError>;

/// The sum (wrapping around) of what `check` makes of each of `values`, or the first error it
/// returns, as this function's own.
#[ffi_function]
pub fn check_all(values: &[i64], check: &OnCheck) -> Result<i64, MathError> {
    values
        .iter()
        .try_fold(0i64, |sum, &value| Ok(sum.wrapping_add(check.call(value)?)))
}

/// Describes a value, or fails (a `Result` of text).
#[ffi_callback]
pub type OnDescribe = fn(value: i64) -> Result<String, MathError>;

/// What `describe` says of each of `values`, one per line; a value it fails for is `<MathError>`
/// (its Rust name).
#[ffi_function]
pub fn describe_all(values: &[i64], describe: &OnDescribe) -> String {
    let lines: Vec<String> = values
        .iter()
        .map(|&value| {
            describe
                .call(value)
                .unwrap_or_else(|error| format!("<{error:?}>"))
        })
        .collect();
    lines.join("\n")
}

/// Told of every event a `Notifier` emits.
#[ffi_callback]
pub type OnEvent = fn(code: u32);

/// Keeps listeners and tells them of events (callbacks the library keeps).
#[ffi_type(opaque)]
#[derive(Default)]
pub struct Notifier {
    listeners: Vec<OnEvent>,
}

/// A notifier without listeners.
#[ffi_function]
pub fn notifier_new() -> Box<Notifier> {
    Box::default()
}

/// Adds `listener`, which the notifier keeps until it is cleared or freed.
#[ffi_function]
pub fn notifier_subscribe(notifier: &mut Notifier, listener: OnEvent) {
    notifier.listeners.push(listener);
}

/// Tells every listener of `code`; returns how many there are.
#[ffi_function]
pub fn notifier_emit(notifier: &Notifier, code: u32) -> usize {
    for listener in &notifier.listeners {
        listener.call(code);
    }
    notifier.listeners.len()
}

/// Drops every listener (each is released).
#[ffi_function]
pub fn notifier_clear(notifier: &mut Notifier) {
    notifier.listeners.clear();
}

/// Frees the notifier and its listeners.
#[ffi_function]
pub fn notifier_free(notifier: Box<Notifier>) {
    drop(notifier);
}

/// Calls `listener` with `code` from a new Rust thread, waits for it, and drops the listener
/// there too (a callback run and released on a thread Python did not start).
#[ffi_function]
pub fn notify_from_thread(listener: OnEvent, code: u32) {
    std::thread::spawn(move || listener.call(code))
        .join()
        .expect("the listener's thread panicked");
}

/// Calls `listener` with `code` from a new Rust thread and returns at once (a library thread
/// that keeps the listener and may outlive the call, and the interpreter: it can still be
/// inside the listener when Python exits).
#[ffi_function]
pub fn notify_in_background(listener: OnEvent, code: u32) {
    std::thread::spawn(move || listener.call(code));
}

/// Calls `listener` with `code` from a new Rust thread after `millis` milliseconds, and returns
/// at once (a timer: the call may come while the interpreter exits, or after it has finalized).
#[ffi_function]
pub fn notify_after(listener: OnEvent, code: u32, millis: u64) {
    std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(millis));
        listener.call(code);
    });
}

// ---------------------------------------------------------------------------------------
// Data-carrying enums

/// A shape in the plane (a data-carrying enum: a tag and a union of the variants' fields).
#[ffi_type]
#[repr(C, u8)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Shape {
    /// A circle around the origin.
    Circle {
        /// Its radius.
        radius: f32,
    },
    /// An axis-aligned rectangle.
    Rect {
        corner: Vec2,
        width: f32,
        height: f32,
    },
    /// No shape at all.
    Empty,
}

/// A measurement (a data-carrying enum with tuple variants: constructed and shown positionally
/// in Python, its fields `_0`, `_1`, ...).
#[ffi_type]
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Measure {
    /// A length in meters.
    Length(f64),
    /// A position in the plane.
    At(f32, f32),
    /// Nothing was measured.
    Missing,
}

/// `measure` doubled: a length twice as long, a position twice as far from the origin.
#[ffi_function]
pub fn measure_doubled(measure: Measure) -> Measure {
    match measure {
        Measure::Length(meters) => Measure::Length(meters * 2.0),
        Measure::At(x, y) => Measure::At(x * 2.0, y * 2.0),
        Measure::Missing => Measure::Missing,
    }
}

/// A shape with its color (a data-carrying enum as a struct field).
#[ffi_type]
#[derive(Clone, Copy, Debug)]
pub struct Figure {
    pub shape: Shape,
    pub color: Color,
}

/// `shape` scaled by `factor` (a data-carrying enum by value, in and out).
#[ffi_function]
pub fn shape_scale(shape: Shape, factor: f32) -> Shape {
    match shape {
        Shape::Circle { radius } => Shape::Circle {
            radius: radius * factor,
        },
        Shape::Rect {
            corner,
            width,
            height,
        } => Shape::Rect {
            corner,
            width: width * factor,
            height: height * factor,
        },
        Shape::Empty => Shape::Empty,
    }
}

/// The area of `shape` (a data-carrying enum by reference).
#[ffi_function]
pub fn shape_area(shape: &Shape) -> f64 {
    match *shape {
        Shape::Circle { radius } => std::f64::consts::PI * f64::from(radius).powi(2),
        Shape::Rect { width, height, .. } => f64::from(width) * f64::from(height),
        Shape::Empty => 0.0,
    }
}

/// A figure of the given shape, in the color that follows `color`, unless the shape is empty
/// (a data-carrying enum in a struct field, and in an `FfiOption`).
#[ffi_function]
pub fn figure_of(shape: FfiOption<Shape>, color: Color) -> FfiOption<Figure> {
    match shape.into_option() {
        Some(Shape::Empty) | None => FfiOption::none(),
        Some(shape) => FfiOption::some(Figure {
            shape,
            color: color_next(color),
        }),
    }
}

// ---------------------------------------------------------------------------------------
// Async functions

/// `value` doubled, after waiting `millis` milliseconds (an async function: a coroutine in
/// Python, run on the library's runtime).
#[ffi_function]
pub async fn double_later(value: u64, millis: u64) -> u64 {
    tokio::time::sleep(std::time::Duration::from_millis(millis)).await;
    value.wrapping_mul(2)
}

/// `value` doubled, at once: an async function whose future is ready when first polled (the
/// await costs no thread hop).
#[ffi_function]
pub async fn double_now(value: u64) -> u64 {
    value.wrapping_mul(2)
}

/// `a / b` at once (an async `Result` whose error, like its value, is there when first polled);
/// fails as `divide` does.
#[ffi_function]
pub async fn divide_now(a: i32, b: i32) -> Result<i32, MathError> {
    divide(a, b)
}

/// Panics when first polled, before any `.await`; the awaiting caller gets the panic as an error.
#[ffi_function]
pub async fn panic_now(code: u32) -> u32 {
    panic!("async panic at once ({code})");
}

/// `a / b` after a pause (an async `Result`); fails with `DivisionByZero` when `b` is 0.
#[ffi_function]
pub async fn divide_later(a: i32, b: i32) -> Result<i32, MathError> {
    tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    divide(a, b)
}

/// A greeting for the `n`th visitor, after a pause (an async `String`).
#[ffi_function]
pub async fn greet_later(n: u32) -> String {
    tokio::task::yield_now().await;
    format!("Hello, visitor {n}!")
}

/// Panics inside the future after a pause; the awaiting caller gets the panic as an error.
#[ffi_function]
pub async fn panic_later(millis: u64) -> u32 {
    tokio::time::sleep(std::time::Duration::from_millis(millis)).await;
    panic!("async panic after {millis} ms");
}

/// A point, after a pause (an async struct).
#[ffi_function]
pub async fn vec2_later(x: f32, y: f32) -> Vec2 {
    tokio::task::yield_now().await;
    Vec2 { x, y }
}

/// How many `SleepGuard`s exist, and how many were dropped: the Python tests watch them to see
/// that cancelling an await drops the Rust future.
static GUARDS_HELD: AtomicU64 = AtomicU64::new(0);
static GUARDS_DROPPED: AtomicU64 = AtomicU64::new(0);

/// What a running `sleep_with_guard` future holds; its `Drop` counts.
struct SleepGuard;

impl SleepGuard {
    fn new() -> Self {
        GUARDS_HELD.fetch_add(1, Ordering::SeqCst);
        SleepGuard
    }
}

impl Drop for SleepGuard {
    fn drop(&mut self) {
        GUARDS_DROPPED.fetch_add(1, Ordering::SeqCst);
        GUARDS_HELD.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Sleeps `millis` milliseconds holding a guard, then returns `millis`. Cancelling the awaiting
/// task drops the future, and with it the guard (see `guards_dropped`).
#[ffi_function]
pub async fn sleep_with_guard(millis: u64) -> u64 {
    let _guard = SleepGuard::new();
    tokio::time::sleep(std::time::Duration::from_millis(millis)).await;
    millis
}

/// How many `sleep_with_guard` futures are running (hold their guard).
#[ffi_function]
pub fn guards_held() -> u64 {
    GUARDS_HELD.load(Ordering::SeqCst)
}

/// How many `sleep_with_guard` futures were dropped, finished or cancelled.
#[ffi_function]
pub fn guards_dropped() -> u64 {
    GUARDS_DROPPED.load(Ordering::SeqCst)
}

// ---------------------------------------------------------------------------------------
// A service

/// How many `Store`s are alive: the Python tests watch it to see that every store is dropped.
static LIVE_STORES: AtomicUsize = AtomicUsize::new(0);

/// The most entries a `Store` can be made for.
const STORE_LIMIT: u32 = 1_000_000;

/// Named numbers that several threads may read at once (a service: a class in Python).
// Its `Drop` only counts it out: short, never waiting for another thread, so Python bindings keep
// the GIL while a store is dropped (as they do for `new` and `get`).
#[ffi_type(opaque, drop_gil = "hold")]
#[derive(Debug)]
pub struct Store {
    entries: BTreeMap<String, i64>,
    capacity: usize,
    /// How many `get` calls the store served, counted without `&mut`: they run in parallel.
    reads: AtomicU64,
}

impl Drop for Store {
    fn drop(&mut self) {
        LIVE_STORES.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Default for Store {
    fn default() -> Self {
        Self::new()
    }
}

#[ffi_service]
impl Store {
    /// An empty store without a limit (a constructor, which keeps the GIL).
    #[ffi(gil = "hold")]
    pub fn new() -> Self {
        Self::with_limit(usize::MAX)
    }

    /// An empty store for at most `capacity` entries (a constructor that can fail); fails with
    /// `Overflow` when `capacity` is above 1 000 000.
    pub fn with_capacity(capacity: u32) -> Result<Self, MathError> {
        if capacity > STORE_LIMIT {
            return Err(MathError::Overflow);
        }
        Ok(Self::with_limit(
            usize::try_from(capacity).unwrap_or(usize::MAX),
        ))
    }

    /// Sets `key` to `value` (a `&mut self` method); fails with `Overflow` when the store is
    /// full and `key` is new.
    pub fn put(&mut self, key: &str, value: i64) -> Result<(), MathError> {
        if self.entries.len() >= self.capacity && !self.entries.contains_key(key) {
            return Err(MathError::Overflow);
        }
        self.entries.insert(key.to_owned(), value);
        Ok(())
    }

    /// Every entry, in key order (a map out: a `dict` in Python).
    pub fn entries(&self) -> BTreeMap<String, i64> {
        self.entries.clone()
    }

    /// Puts every entry of `entries` (a map in); fails with `Overflow`, having put none, when
    /// they would not fit.
    pub fn put_all(&mut self, entries: HashMap<String, i64>) -> Result<(), MathError> {
        let new = entries
            .keys()
            .filter(|key| !self.entries.contains_key(*key))
            .count();
        if self.entries.len() + new > self.capacity {
            return Err(MathError::Overflow);
        }
        self.entries.extend(entries);
        Ok(())
    }

    /// How many keys the store holds (`size` in Python and C, `entry_count` in Rust).
    #[ffi(name = "size", gil = "hold")]
    pub fn entry_count(&self) -> u64 {
        self.entries.len() as u64
    }

    /// The value of `key`, or nothing (a `&self` method, which keeps the GIL).
    #[ffi(gil = "hold")]
    pub fn get(&self, key: &str) -> FfiOption<i64> {
        self.reads.fetch_add(1, Ordering::Relaxed);
        self.entries.get(key).copied().into()
    }

    /// The value of `key`, or `fallback` (0 unless given) if it has none (a method with a default).
    #[ffi(defaults(fallback = 0))]
    pub fn get_or(&self, key: &str, fallback: i64) -> i64 {
        self.reads.fetch_add(1, Ordering::Relaxed);
        self.entries.get(key).copied().unwrap_or(fallback)
    }

    /// Adds `values` to the value of `key` (0 if it has none) and returns the new value
    /// (a slice in, `&mut self`); wraps on overflow.
    pub fn add_all(&mut self, key: &str, values: &[i64]) -> i64 {
        let entry = self.entries.entry(key.to_owned()).or_insert(0);
        *entry = values.iter().fold(*entry, |sum, &v| sum.wrapping_add(v));
        *entry
    }

    /// Moves `other`'s entries into this store, as many as its capacity allows, and returns how
    /// many moved (a service object by value: Python's `other` is closed by the call, and the
    /// store dropped at its end).
    pub fn merge(&mut self, other: Store) -> u64 {
        let mut moved = 0;
        for (key, value) in other.entries.iter() {
            if self.entries.len() >= self.capacity && !self.entries.contains_key(key) {
                continue;
            }
            self.entries.insert(key.clone(), *value);
            moved += 1;
        }
        moved
    }

    /// How many `get` calls the store has served.
    pub fn reads(&self) -> u64 {
        self.reads.load(Ordering::Relaxed)
    }

    /// The keys in order, separated by commas (a `String` out).
    pub fn keys(&self) -> String {
        self.entries
            .keys()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The values in the order of their keys (a `Vec` out).
    pub fn values(&self) -> Vec<i64> {
        self.entries.values().copied().collect()
    }

    /// Calls `on_value` with each value (as a float) until it returns `false`, and returns how
    /// many calls it made (a callback, run while the store is borrowed).
    pub fn each_value(&self, on_value: &OnValue) -> usize {
        let mut calls = 0;
        for (index, &value) in self.entries.values().enumerate() {
            calls += 1;
            if !on_value.call(index, value as f64) {
                break;
            }
        }
        calls
    }

    /// Panics with `message` (a method that panics).
    pub fn explode(&self, message: &str) {
        panic!("{message}");
    }

    /// The sum of the values, after waiting `millis` milliseconds (an async `&self` method:
    /// the store stays borrowed, and alive, until it returns).
    pub async fn total_later(&self, millis: u64) -> i64 {
        tokio::time::sleep(std::time::Duration::from_millis(millis)).await;
        self.entries
            .values()
            .fold(0, |sum, &value| sum.wrapping_add(value))
    }

    /// Adds `amount` to every value after a pause, and returns how many there are (an async
    /// `&mut self` method); fails with `Overflow` when a value would overflow, changing none.
    pub async fn add_to_all_later(&mut self, amount: i64) -> Result<u32, MathError> {
        tokio::task::yield_now().await;
        if self
            .entries
            .values()
            .any(|value| value.checked_add(amount).is_none())
        {
            return Err(MathError::Overflow);
        }
        for value in self.entries.values_mut() {
            *value += amount;
        }
        u32::try_from(self.entries.len()).map_err(|_| MathError::Overflow)
    }

    /// Removes every entry and returns how many there were, at once (an async `&mut self`
    /// method whose future is ready when first polled: the store's borrow ends before the
    /// call returns).
    pub async fn clear_now(&mut self) -> u32 {
        let removed = self.entries.len();
        self.entries.clear();
        u32::try_from(removed).unwrap_or(u32::MAX)
    }

    /// A store of `capacity` after `millis` milliseconds (an async constructor: Python awaits
    /// `Store.open_later(...)`); fails with `Overflow` above 1,000,000.
    pub async fn open_later(capacity: u32, millis: u64) -> Result<Self, MathError> {
        tokio::time::sleep(std::time::Duration::from_millis(millis)).await;
        Self::with_capacity(capacity)
    }

    /// `a * b` after a pause (an async static function).
    pub async fn multiply_later(a: i32, b: i32) -> Result<i32, MathError> {
        tokio::task::yield_now().await;
        a.checked_mul(b).ok_or(MathError::Overflow)
    }

    /// How many stores are alive in the process (a static function).
    pub fn live_stores() -> usize {
        LIVE_STORES.load(Ordering::Relaxed)
    }

    fn with_limit(capacity: usize) -> Self {
        LIVE_STORES.fetch_add(1, Ordering::Relaxed);
        Store {
            entries: BTreeMap::new(),
            capacity,
            reads: AtomicU64::new(0),
        }
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

/// The upper-case form of `c` (the first `char` of it when it has several, as `ß` has): a
/// `char` crosses as a `u32` that Rust checks.
#[ffi_function]
pub fn char_upper(c: char) -> char {
    c.to_uppercase().next().unwrap_or(c)
}

/// The code point of `c`.
#[ffi_function]
pub fn char_code(c: char) -> u32 {
    c.into()
}

/// The `char` of the code point `code`, or U+FFFD when `code` is none (a surrogate, or above
/// U+10FFFF).
#[ffi_function]
pub fn char_from_code(code: u32) -> char {
    char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER)
}

/// `c` repeated `times` times.
#[ffi_function]
pub fn char_repeat(c: char, times: u32) -> Result<String, MathError> {
    if times > 1_000_000 {
        return Err(MathError::Overflow);
    }
    Ok(std::iter::repeat_n(c, times as usize).collect())
}

/// `a * b`, wrapping around at 2^128 (`u128` crosses as two 64-bit halves).
#[ffi_function]
pub fn u128_wrapping_mul(a: u128, b: u128) -> u128 {
    a.wrapping_mul(b)
}

/// `a + b`; fails with `Overflow` outside the range of `i128`.
#[ffi_function]
pub fn i128_checked_add(a: i128, b: i128) -> Result<i128, MathError> {
    a.checked_add(b).ok_or(MathError::Overflow)
}

/// The `i128` whose high 64 bits are `high` and low 64 bits `low`.
#[ffi_function]
pub fn i128_from_halves(high: i64, low: u64) -> i128 {
    (i128::from(high) << 64) | i128::from(low)
}

/// The low 64 bits of `value`.
#[ffi_function]
pub fn u128_low_bits(value: u128) -> u64 {
    value as u64
}

/// `c` upper-cased and `value` doubled (wrapping), after a pause: async functions take and
/// return `char`s and 128-bit integers too.
#[ffi_function]
pub async fn upper_later(c: char) -> char {
    tokio::task::yield_now().await;
    char_upper(c)
}

/// `value` doubled, wrapping around, after a pause.
#[ffi_function]
pub async fn i128_double_later(value: i128) -> i128 {
    tokio::task::yield_now().await;
    value.wrapping_mul(2)
}

/// How many of `flags` are true (each byte of a caller's buffer is checked to be 0 or 1).
#[ffi_function]
pub fn count_true(flags: &[bool]) -> usize {
    flags.iter().filter(|&&flag| flag).count()
}

/// Negates every flag in place.
#[ffi_function]
pub fn negate_all(flags: &mut [bool]) {
    for flag in flags {
        *flag = !*flag;
    }
}

/// Whether each of `values` is even.
#[ffi_function]
pub fn evens(values: &[i64]) -> Vec<bool> {
    values.iter().map(|value| value % 2 == 0).collect()
}

/// The flags of `colors` or-ed together (each value of a caller's buffer is checked to be a
/// variant's).
#[ffi_function]
pub fn color_mask(colors: &[Color]) -> u8 {
    colors.iter().fold(0, |mask, &color| mask | color as u8)
}

/// Replaces every color with the next one, in place.
#[ffi_function]
pub fn colors_advance(colors: &mut [Color]) {
    for color in colors {
        *color = color_next(*color);
    }
}

/// The colors whose flags are set in `mask`, in order.
#[ffi_function]
pub fn colors_in(mask: u8) -> Vec<Color> {
    [Color::Red, Color::Green, Color::Blue]
        .into_iter()
        .filter(|&color| mask & color as u8 != 0)
        .collect()
}

/// `directions` in reverse order (an enum of the default repr, `u32`).
#[ffi_function]
pub fn directions_reversed(directions: &[Direction]) -> Vec<Direction> {
    directions.iter().rev().copied().collect()
}

/// A 32-byte digest of `data` (not cryptographic: FNV-1a with four seeds), returned as an array
/// (`bytes` in Python).
#[ffi_function]
pub fn digest(data: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (seed, chunk) in out.chunks_mut(8).enumerate() {
        let mut hash = 0xcbf2_9ce4_8422_2325u64 ^ seed as u64;
        for &byte in data {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
        chunk.copy_from_slice(&hash.to_le_bytes());
    }
    out
}

/// The sum of three numbers passed as an array (`struct { int32_t items[3]; }` in C).
#[ffi_function]
pub fn sum3(values: [i32; 3]) -> i64 {
    values.iter().map(|&value| i64::from(value)).sum()
}

/// Whether all four flags are true (each byte a C caller passes is checked to be 0 or 1).
#[ffi_function]
pub fn all_four(flags: [bool; 4]) -> bool {
    flags.iter().all(|&flag| flag)
}

/// `start` and the two colors after it.
#[ffi_function]
pub fn color_cycle(start: Color) -> [Color; 3] {
    let second = color_next(start);
    [start, second, color_next(second)]
}

// Owned values and Rust's Option

/// `text` with the first letter of each word upper-cased (an owned `String` in: the function
/// keeps what it is given, here to reuse its buffer).
#[ffi_function(defaults(separator = " "))]
pub fn title_case(text: String, separator: String) -> String {
    let mut words = Vec::new();
    for word in text.split(separator.as_str()) {
        let mut chars = word.chars();
        words.push(match chars.next() {
            Some(first) => first.to_uppercase().chain(chars).collect::<String>(),
            None => String::new(),
        });
    }
    words.join(&separator)
}

/// How many bytes `data` has, once the function owns them: what taking a buffer by value costs
/// (one copy; benches/owned_copy.py measures it).
#[ffi_function]
pub fn owned_byte_count(data: Vec<u8>) -> u64 {
    data.len() as u64
}

/// The median of `values` (an owned `Vec<f64>` in, sorted in place), or `None` when there are
/// none (Rust's `Option<f64>` out).
#[ffi_function]
pub fn median(mut values: Vec<f64>) -> Option<f64> {
    values.sort_unstable_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(values[n / 2]),
        _ => Some((values[n / 2 - 1] + values[n / 2]) / 2.0),
    }
}

/// The point of `points` nearest to `to`, if there are any (a `Vec` of structs in, an
/// `Option` of a struct out).
#[ffi_function]
pub fn nearest(points: Vec<Vec2>, to: Vec2) -> Option<Vec2> {
    let distance = |p: &Vec2| (p.x - to.x).powi(2) + (p.y - to.y).powi(2);
    points
        .into_iter()
        .min_by(|a, b| distance(a).total_cmp(&distance(b)))
}

/// `value` clamped to the bounds that are given (Rust's `Option<T>` parameters, `None` by
/// default).
#[ffi_function(defaults(low = None, high = None))]
pub fn clamp_between(value: i64, low: Option<i64>, high: Option<i64>) -> i64 {
    let value = low.map_or(value, |low| value.max(low));
    high.map_or(value, |high| value.min(high))
}

/// The color named `name` (any case), if there is one.
#[ffi_function]
pub fn color_named(name: &str) -> Option<Color> {
    match name.to_ascii_lowercase().as_str() {
        "red" => Some(Color::Red),
        "green" => Some(Color::Green),
        "blue" => Some(Color::Blue),
        _ => None,
    }
}

/// How many of `colors` are `Blue`, counting those that are given (a `Vec` of a C-like enum,
/// each element checked).
#[ffi_function]
pub fn blues(colors: Vec<Color>) -> usize {
    colors.into_iter().filter(|&c| c == Color::Blue).count()
}

/// The words of `text` (a `Vec<String>` out: a list of `str`).
#[ffi_function]
pub fn word_list(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_owned).collect()
}

/// How many times each of `words` occurs (a `Vec<String>` in, a map out).
#[ffi_function]
pub fn word_counts(words: Vec<String>) -> BTreeMap<String, u32> {
    let mut counts = BTreeMap::new();
    for word in words {
        *counts.entry(word).or_insert(0) += 1;
    }
    counts
}

/// The mean of each key's samples, `None` for a key without any (nested owned values).
#[ffi_function]
pub fn means(samples: HashMap<String, Vec<f64>>) -> BTreeMap<String, Option<f64>> {
    samples
        .into_iter()
        .map(|(key, values)| {
            let mean =
                (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64);
            (key, mean)
        })
        .collect()
}

/// The first word of `text`, if it has one (an `Option<String>` out).
#[ffi_function]
pub fn first_word(text: &str) -> Option<String> {
    text.split_whitespace().next().map(str::to_owned)
}

/// A greeting for `name`, or for nobody in particular (an `Option<String>` in, `None` by default).
#[ffi_function(defaults(name = None))]
pub fn greet_maybe(name: Option<String>) -> String {
    match name {
        Some(name) => format!("Hello, {name}!"),
        None => "Hello!".to_owned(),
    }
}

/// `data` cut into pieces of `size` bytes (the last may be shorter): a list of `bytes`.
#[ffi_function]
pub fn chunks(data: &[u8], size: u32) -> Vec<Vec<u8>> {
    data.chunks(size.max(1) as usize)
        .map(<[u8]>::to_vec)
        .collect()
}

/// The color each of `names` names, `None` for a name that is no color (field-less enums inside
/// an encoded value).
#[ffi_function]
pub fn colors_named(names: Vec<String>) -> Vec<Option<Color>> {
    names.iter().map(|name| color_named(name)).collect()
}

/// The names in `palette` whose color is blue, in order.
#[ffi_function]
pub fn blue_names(palette: HashMap<String, Color>) -> Vec<String> {
    let mut names: Vec<String> = palette
        .into_iter()
        .filter(|(_, color)| *color == Color::Blue)
        .map(|(name, _)| name)
        .collect();
    names.sort();
    names
}

/// The distinct characters of `text`, in the order they first appear (a `Vec<char>`: a list of
/// one-character `str`s).
#[ffi_function]
pub fn distinct_chars(text: &str) -> Vec<char> {
    let mut seen = Vec::new();
    for c in text.chars() {
        if !seen.contains(&c) {
            seen.push(c);
        }
    }
    seen
}

/// `0!` to `n!` (a `Vec<u128>`: ints), or `Overflow` when `n!` does not fit 128 bits.
#[ffi_function]
pub fn factorials(n: u32) -> Result<Vec<u128>, MathError> {
    let mut out = vec![1u128];
    for i in 1..=u128::from(n) {
        let next = out[out.len() - 1]
            .checked_mul(i)
            .ok_or(MathError::Overflow)?;
        out.push(next);
    }
    Ok(out)
}

/// The words of `text`, after a pause (an async `Vec<String>`).
#[ffi_function]
pub async fn words_later(text: String) -> Vec<String> {
    tokio::task::yield_now().await;
    text.split_whitespace().map(str::to_owned).collect()
}

/// The FNV-1a hash of `data`, after a pause: an async function may take owned values (they
/// are copied before the call returns, so the future owns them).
#[ffi_function]
pub async fn checksum_later(data: Vec<u8>, label: String) -> String {
    tokio::task::yield_now().await;
    format!("{label}:{:016x}", fnv1a_64_of(&data))
}

/// A contact (a record: a struct with owned fields, copied across the boundary; a Python class
/// constructed by keyword).
#[ffi_type]
#[derive(Clone, Debug, PartialEq)]
pub struct Contact {
    /// Their name.
    pub name: String,
    /// Free-form labels.
    pub tags: Vec<String>,
    /// How much they are trusted, if known.
    pub score: Option<f64>,
    /// Where they are (a plain struct inside a record).
    pub position: Vec2,
    /// Counters by name (a `BTreeMap`: Python's dict has its keys in order).
    pub counts: BTreeMap<String, u32>,
    /// A sample they took, if any (a struct with an enum field, padding and all).
    pub sample: Option<Sample>,
}

/// A group of contacts (records inside a record).
#[ffi_type]
#[derive(Clone, Debug, PartialEq)]
pub struct Team {
    /// Who leads it.
    pub lead: Contact,
    pub members: Vec<Contact>,
    /// The team's color.
    pub color: Color,
}

/// A tag and its weight (a tuple record: positional in Python).
#[ffi_type]
#[derive(Clone, Debug, PartialEq)]
pub struct Tagged(pub String, pub u32);

/// A tree node (a record that holds itself).
#[ffi_type]
#[derive(Clone, Debug, PartialEq)]
pub struct TreeNode {
    pub label: String,
    pub children: Vec<TreeNode>,
}

/// A value of any kind (an enum whose variants carry owned values: copied like a record; a
/// Python class per variant, `Value.Text("hi")`).
#[ffi_type]
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A whole number.
    Int(i64),
    /// Some text.
    Text(String),
    /// Two numbers (a tuple variant: positional in Python).
    Pair(i32, i32),
    /// A named measurement, if it was taken.
    Named { key: String, reading: Option<f64> },
    /// Nothing at all.
    Nothing,
}

/// Each of `values` described, one per line (a `Vec` of an enum with owned fields in).
#[ffi_function]
pub fn value_lines(values: Vec<Value>) -> String {
    values
        .iter()
        .map(|value| match value {
            Value::Int(n) => format!("int {n}"),
            Value::Text(text) => format!("text {text:?}"),
            Value::Pair(a, b) => format!("pair {a} {b}"),
            Value::Named { key, reading } => format!("named {key} {reading:?}"),
            Value::Nothing => "nothing".to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `text` read as a value: a whole number, a `key=number` pair, nothing for blank text, else the
/// text itself (an enum with owned fields out).
#[ffi_function]
pub fn value_parsed(text: &str) -> Value {
    let text = text.trim();
    if text.is_empty() {
        return Value::Nothing;
    }
    if let Ok(n) = text.parse() {
        return Value::Int(n);
    }
    match text.split_once('=') {
        Some((key, reading)) => Value::Named {
            key: key.to_owned(),
            reading: reading.parse().ok(),
        },
        None => Value::Text(text.to_owned()),
    }
}

/// A contact named `name` at the origin, with no score.
#[ffi_function]
pub fn contact_new(name: &str) -> Contact {
    Contact {
        name: name.to_owned(),
        tags: Vec::new(),
        score: None,
        position: Vec2 { x: 0.0, y: 0.0 },
        counts: BTreeMap::new(),
        sample: None,
    }
}

/// `contact` described on one line (a record by value in).
#[ffi_function]
pub fn contact_summary(contact: Contact) -> String {
    let score = contact
        .score
        .map_or_else(|| "unscored".to_owned(), |s| format!("{s}"));
    let counts: Vec<_> = contact.counts.iter().collect();
    format!(
        "{} [{}] {score} at ({}, {}) {counts:?} {:?}",
        contact.name,
        contact.tags.join(", "),
        contact.position.x,
        contact.position.y,
        contact.sample.map(|s| (s.id, s.value, s.flags, s.color)),
    )
}

/// `contact` with `tag` added and its score raised by one (a record in and out).
#[ffi_function]
pub fn contact_tagged(mut contact: Contact, tag: &str) -> Contact {
    contact.tags.push(tag.to_owned());
    contact.score = Some(contact.score.unwrap_or(0.0) + 1.0);
    *contact.counts.entry(tag.to_owned()).or_insert(0) += 1;
    contact
}

/// The team's members sorted by name, its lead first (a `Vec` of records out).
#[ffi_function]
pub fn team_roster(team: Team) -> Vec<Contact> {
    let mut members = team.members;
    members.sort_by(|a, b| a.name.cmp(&b.name));
    members.insert(0, team.lead);
    members
}

/// The contact of `contacts` with the highest score, if any has one (a `Vec` of records in, an
/// `Option` of one out).
#[ffi_function]
pub fn best_contact(contacts: Vec<Contact>) -> Option<Contact> {
    contacts
        .into_iter()
        .filter(|c| c.score.is_some())
        .max_by(|a, b| a.score.partial_cmp(&b.score).expect("scores are numbers"))
}

/// The name of the team's lead, or `"nobody"` (an `Option` of a record in, `None` by default).
#[ffi_function(defaults(team = None))]
pub fn lead_name(team: Option<Team>) -> String {
    team.map_or_else(|| "nobody".to_owned(), |team| team.lead.name)
}

/// Each word of `text` with its length (tuple records out).
#[ffi_function]
pub fn tagged_words(text: &str) -> Vec<Tagged> {
    text.split_whitespace()
        .map(|word| Tagged(word.to_owned(), word.chars().count() as u32))
        .collect()
}

/// How many nodes the tree has (a record that holds itself).
#[ffi_function]
pub fn tree_size(root: TreeNode) -> u64 {
    1 + root.children.into_iter().map(tree_size).sum::<u64>()
}

/// A chain of `depth` nodes (at least one), each the only child of the one before: a record that holds
/// itself, returned (nested deeper than 128 from `depth` 129 on). At most 300 (`Overflow` above: a
/// deeper chain would take as deep a recursion to encode, decode and drop).
#[ffi_function]
pub fn tree_chain(depth: u16) -> Result<TreeNode, MathError> {
    if depth > 300 {
        return Err(MathError::Overflow);
    }
    let mut node = TreeNode {
        label: "leaf".to_owned(),
        children: Vec::new(),
    };
    for _ in 1..depth {
        node = TreeNode {
            label: "node".to_owned(),
            children: vec![node],
        };
    }
    Ok(node)
}

/// `contact` tagged "later", after a pause (an async record in and out).
#[ffi_function]
pub async fn contact_later(contact: Contact) -> Contact {
    tokio::task::yield_now().await;
    contact_tagged(contact, "later")
}

/// Why a length could not be parsed (an error enum whose variants carry data: in Python, an
/// exception class per variant with the fields as attributes and the `Display` text as its
/// message).
#[ffi_type]
#[derive(Clone, Debug, PartialEq)]
pub enum ParseError {
    /// The text is blank.
    Empty,
    /// The unit is none of those known.
    UnknownUnit {
        /// The unit as written.
        unit: String,
        /// The units known, in order.
        known: Vec<String>,
    },
    /// The length is larger than the limit, in metres.
    TooLong { limit: u64 },
    /// The number does not parse (a tuple variant: the text, and the byte where it went wrong).
    NotANumber(String, u32),
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::Empty => write!(f, "no length given"),
            ParseError::UnknownUnit { unit, known } => {
                write!(f, "unknown unit {unit:?} (known: {})", known.join(", "))
            }
            ParseError::TooLong { limit } => write!(f, "longer than {limit} m"),
            ParseError::NotANumber(text, at) => {
                write!(f, "{text:?} is not a number (at byte {at})")
            }
        }
    }
}

/// The units `length_in_metres` knows, and how many metres each is.
const UNITS: [(&str, f64); 3] = [("m", 1.0), ("km", 1000.0), ("mi", 1609.344)];

/// `text` ("12.5 km") in metres, at most a million (a `Result` whose error carries data).
#[ffi_function]
pub fn length_in_metres(text: &str) -> Result<f64, ParseError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(ParseError::Empty);
    }
    let (number, unit) = text.split_once(' ').unwrap_or((text, "m"));
    let value: f64 = number.parse().map_err(|_| {
        let at = number
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(0);
        ParseError::NotANumber(number.to_owned(), u32::try_from(at).unwrap_or(u32::MAX))
    })?;
    let Some((_, scale)) = UNITS.iter().find(|(name, _)| *name == unit.trim()) else {
        return Err(ParseError::UnknownUnit {
            unit: unit.trim().to_owned(),
            known: UNITS.iter().map(|(name, _)| (*name).to_owned()).collect(),
        });
    };
    let metres = value * scale;
    if metres > 1_000_000.0 {
        return Err(ParseError::TooLong { limit: 1_000_000 });
    }
    Ok(metres)
}

/// Reads one length for `total_length` (a callback whose `Result`'s error carries data: a Python
/// callable that raises `ParseError.UnknownUnit(unit=..., known=[...])` returns that `Err`).
#[ffi_callback]
pub type OnLength = fn(text: &str) -> Result<f64, ParseError>;

/// The sum of `texts` in metres, each read by `read`: the first error stops it and is returned.
#[ffi_function]
pub fn total_length(texts: Vec<String>, read: &OnLength) -> Result<f64, ParseError> {
    texts.iter().map(|text| read.call(text)).sum()
}

/// Whether to keep a team member (a callback that takes a record by reference and an enum with
/// owned fields by value: it gets copies of both).
#[ffi_callback]
pub type OnEntry = fn(contact: &Contact, value: Value, index: u32) -> bool;

/// The names of `team`'s members (each with the value at its index, `Value::Nothing` past the
/// end) that `keep` keeps.
#[ffi_function]
pub fn entries_kept(team: Team, values: Vec<Value>, keep: &OnEntry) -> Vec<String> {
    team.members
        .into_iter()
        .enumerate()
        .filter(|(index, contact)| {
            let value = values.get(*index).cloned().unwrap_or(Value::Nothing);
            keep.call(contact, value, u32::try_from(*index).unwrap_or(u32::MAX))
        })
        .map(|(_, contact)| contact.name)
        .collect()
}

/// Splits a word into parts (a callback that returns a `Vec`: encoded by the foreign side,
/// decoded by the library; one that fails returns an empty `Vec`).
#[ffi_callback]
pub type OnSplit = fn(word: &str) -> Vec<String>;

/// Each word of `text` split by `split`, its parts joined with `+`.
#[ffi_function]
pub fn split_words(text: &str, split: &OnSplit) -> String {
    text.split_whitespace()
        .map(|word| split.call(word).join("+"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Counts something in a word, if it can (a callback that returns an `Option` of a map).
#[ffi_callback]
pub type OnTally = fn(word: &str) -> Option<BTreeMap<String, u32>>;

/// The sum of the counts `tally` makes of each word of `text` (a word it skips counts 0).
#[ffi_function]
pub fn tally_words(text: &str, tally: &OnTally) -> u32 {
    text.split_whitespace()
        .filter_map(|word| tally.call(word))
        .flat_map(BTreeMap::into_values)
        .fold(0, u32::wrapping_add)
}

/// `length_in_metres` awaited (an async `Result` whose error carries data).
#[ffi_function]
pub async fn length_in_metres_later(text: String) -> Result<f64, ParseError> {
    length_in_metres(&text)
}

// ---------------------------------------------------------------------------------------
// Newtypes

/// A user's id (a `#[repr(transparent)]` newtype: in C a `uint64_t`, in Python an `int`
/// subclass, `UserId(5)`).
#[ffi_type]
#[repr(transparent)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UserId(pub u64);

/// A temperature in degrees Celsius (a newtype of an `f32` with a named field: a `float`
/// subclass in Python).
#[ffi_type]
#[repr(transparent)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Celsius {
    pub degrees: f32,
}

/// A user's id and their last temperature (newtype fields of a C struct).
#[ffi_type]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Badge {
    /// Whose badge it is.
    pub owner: UserId,
    /// Their last temperature, if taken.
    pub fever: FfiOption<Celsius>,
}

/// A user with friends (newtype fields of a record).
#[ffi_type]
#[derive(Clone, Debug, PartialEq)]
pub struct Member {
    pub id: UserId,
    pub name: String,
    pub friends: Vec<UserId>,
    pub temperature: Option<Celsius>,
}

/// Decides a user's next id.
#[ffi_callback]
pub type NextUser = fn(id: UserId) -> UserId;

/// The id after `id` (a newtype parameter and result).
#[ffi_function]
pub fn user_next(id: UserId) -> UserId {
    UserId(id.0.wrapping_add(1))
}

/// The largest of `ids`, if any (a slice of newtypes, an optional newtype result).
#[ffi_function]
pub fn user_max(ids: &[UserId]) -> Option<UserId> {
    ids.iter().copied().max_by_key(|id| id.0)
}

/// Adds `step` to each of `ids`, in place (a mutable slice of newtypes).
#[ffi_function]
pub fn user_bump_all(ids: &mut [UserId], step: u64) {
    for id in ids {
        id.0 = id.0.wrapping_add(step);
    }
}

/// The ids `first`, `first + 1`, ... (`count` of them: a `Vec` of newtypes).
#[ffi_function]
pub fn user_range(first: UserId, count: u32) -> Vec<UserId> {
    (0..u64::from(count))
        .map(|i| UserId(first.0.wrapping_add(i)))
        .collect()
}

/// `celsius` in Fahrenheit, or `None` without one (an optional float newtype parameter).
#[ffi_function]
pub fn celsius_to_fahrenheit(celsius: Option<Celsius>) -> Option<f32> {
    celsius.map(|c| c.degrees * 9.0 / 5.0 + 32.0)
}

/// A badge for `owner`, with a fever if `degrees` is above 38.
#[ffi_function]
pub fn badge_for(owner: UserId, degrees: Celsius) -> Badge {
    Badge {
        owner,
        fever: if degrees.degrees > 38.0 {
            FfiOption::some(degrees)
        } else {
            FfiOption::none()
        },
    }
}

/// A member named `name` whose friends are the next two ids (a record with newtype fields).
#[ffi_function]
pub fn member_new(id: UserId, name: &str) -> Member {
    Member {
        id,
        name: name.to_owned(),
        friends: vec![UserId(id.0 + 1), UserId(id.0 + 2)],
        temperature: None,
    }
}

/// The member's friends, and `id` (a record parameter).
#[ffi_function]
pub fn member_friends(member: Member) -> Vec<UserId> {
    let mut friends = member.friends;
    friends.push(member.id);
    friends
}

/// `next(id)` applied `times` times (a callback taking and returning a newtype).
#[ffi_function]
pub fn user_follow(id: UserId, times: u32, next: &NextUser) -> UserId {
    (0..times).fold(id, |id, _| next.call(id))
}

/// Picks one of a list of users (a callback that takes a slice of newtypes: a list of `UserId`).
#[ffi_callback]
pub type PickUser = fn(ids: &[UserId]) -> UserId;

/// The user `pick` picks of `ids`.
#[ffi_function]
pub fn user_picked(ids: &[UserId], pick: &PickUser) -> UserId {
    pick.call(ids)
}

/// Each user's score raised by one, by id (newtypes as map keys: a `dict` keyed by `UserId`).
#[ffi_function]
pub fn user_scores_raised(scores: HashMap<UserId, u32>) -> BTreeMap<UserId, u32> {
    scores
        .into_iter()
        .map(|(id, score)| (id, score.saturating_add(1)))
        .collect()
}

/// The id after `id`, from the runtime (an async newtype result).
#[ffi_function]
pub async fn user_next_later(id: UserId) -> UserId {
    tokio::task::yield_now().await;
    user_next(id)
}

// ---------------------------------------------------------------------------------------
// Foreign traits

/// Follows a job: told of each step, asked whether to go on, how to name a step and whether a
/// step's value is right (a trait implemented in Python: by subclassing the generated class, or
/// by any object with these methods).
#[ffi_trait]
pub trait Progress {
    /// Told that `done` of `total` steps are done.
    fn on_progress(&self, done: u64, total: u64);

    /// Whether the job should stop before its next step.
    fn cancelled(&self) -> bool;

    /// What to call step `step` of the job named `job` (a method that takes and returns text).
    fn label(&self, job: &str, step: u32) -> String;

    /// The value to keep for a step's `value`, or an error that ends the job (a method that
    /// returns a `Result`: raising `MathError.Overflow` in Python returns that `Err`).
    fn check(&self, value: i64) -> Result<i64, MathError>;
}

/// Runs the job `job` of `steps` steps, step `i` making the value `i * i`, until `progress` is
/// cancelled: checks each value with `progress`, names the step and tells `progress` it is done
/// (a trait object lent for the call); the steps that ran, `label=value`, one per line, or the
/// first error a check returned.
#[ffi_function]
pub fn run_job(job: &str, steps: u32, progress: &dyn Progress) -> Result<String, MathError> {
    let mut lines = Vec::new();
    for step in 0..steps {
        if progress.cancelled() {
            break;
        }
        let value = progress.check(i64::from(step) * i64::from(step))?;
        lines.push(format!("{}={value}", progress.label(job, step)));
        progress.on_progress(u64::from(step) + 1, u64::from(steps));
    }
    Ok(lines.join("\n"))
}

/// How many of `steps` steps run before `progress` is cancelled; all of them without one (an
/// optional trait object).
#[ffi_function]
pub fn count_steps(steps: u32, progress: Option<&dyn Progress>) -> u32 {
    match progress {
        Some(progress) => (0..steps).take_while(|_| !progress.cancelled()).count() as u32,
        None => steps,
    }
}

/// Keeps watchers of a job of `total` steps and tells them how far it got, from threads of its
/// own (a service that keeps trait objects: `Box<dyn Progress>` and `Arc<dyn Progress>`).
#[ffi_type(opaque)]
pub struct Tracker {
    total: u64,
    watchers: Vec<std::sync::Arc<dyn Progress>>,
}

#[ffi_service]
impl Tracker {
    /// A tracker of a job of `total` steps, without watchers.
    pub fn new(total: u64) -> Self {
        Tracker {
            total,
            watchers: Vec::new(),
        }
    }

    /// Adds `watcher`, which the tracker keeps until it is closed (Rust owns it: a `Box`).
    pub fn watch(&mut self, watcher: Box<dyn Progress>) {
        self.watchers.push(std::sync::Arc::from(watcher));
    }

    /// Adds `watcher` as `watch` does (Rust shares it: an `Arc`, here kept once).
    pub fn share(&mut self, watcher: std::sync::Arc<dyn Progress>) {
        self.watchers.push(watcher);
    }

    /// Tells every watcher that `done` steps are done, each from a new Rust thread, and waits for
    /// them; how many watchers there are.
    pub fn advance(&self, done: u64) -> usize {
        std::thread::scope(|scope| {
            for watcher in &self.watchers {
                scope.spawn(|| watcher.on_progress(done, self.total));
            }
        });
        self.watchers.len()
    }

    /// Drops every watcher (each is released).
    pub fn clear(&mut self) {
        self.watchers.clear();
    }
}

/// The crate's FFI inventory, printed by `src/bin/inventory.rs`.
#[ffi_inventory]
pub fn inventory() -> Inventory {
    Inventory::new()
        .function::<add>()
        .function::<spin>()
        .function::<spin_holding>()
        .function::<fnv1a_64_of>()
        .function::<slice_address>()
        .service::<Fnv1aHasher>()
        .function::<hasher_feed>()
        .function::<hasher_length>()
        .function::<hasher_finish>()
        .function::<hasher_for>()
        .function::<hasher_repeating>()
        .function::<sum_integers>()
        .function::<scale>()
        .function::<is_even>()
        .function::<negate>()
        .function::<noop>()
        .function::<distance>()
        .function::<vec2_add>()
        .function::<vec2_length>()
        .function::<vec2_scale>()
        .function::<vec2_add_into>()
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
        .function::<counter_add_from>()
        .function::<counter_free>()
        .function::<counter_snapshot>()
        .ty::<LogLevel>()
        .function::<divide>()
        .function::<checked_sqrt>()
        .function::<validate_positive>()
        .function::<counter_checked_new>()
        .function::<panic_with_message>()
        .function::<checked_index>()
        .function::<greet>()
        .function::<str_byte_len>()
        .function::<join_repeated>()
        .function::<scaled>()
        .function::<str_char_count>()
        .function::<c_str_len>()
        .function::<repeat_text>()
        .function::<empty_string>()
        .function::<sum_f64>()
        .function::<sum_bytes>()
        .function::<sum_i32>()
        .function::<f64_add_into>()
        .function::<scale_f32_in_place>()
        .function::<fill_u16>()
        .function::<vec2_sum>()
        .function::<vec2_normalize_all>()
        .function::<range_u32>()
        .function::<reversed_bytes>()
        .function::<vec2_grid>()
        .function::<empty_f64s>()
        .function::<sqrt_or_none>()
        .function::<or_fallback>()
        .function::<midpoint>()
        .function::<color_after>()
        .function::<length_if_any>()
        .function::<reading_total>()
        .function::<reading_example>()
        .function::<counter_free_if_any>()
        .function::<for_each_value>()
        .function::<transform_all>()
        .function::<count_kept>()
        .function::<pick_colors>()
        .function::<label_each>()
        .function::<walk>()
        .function::<parse_all>()
        .function::<rename_words>()
        .function::<find_points>()
        .function::<check_all>()
        .function::<describe_all>()
        .function::<for_each_word>()
        .function::<for_each_line>()
        .function::<for_each_char>()
        .function::<sum_windows>()
        .function::<fold_points>()
        .function::<notifier_new>()
        .function::<notifier_subscribe>()
        .function::<notifier_emit>()
        .function::<notifier_clear>()
        .function::<notifier_free>()
        .function::<notify_from_thread>()
        .function::<notify_in_background>()
        .function::<double_later>()
        .function::<double_now>()
        .function::<divide_now>()
        .function::<panic_now>()
        .function::<divide_later>()
        .function::<greet_later>()
        .function::<panic_later>()
        .function::<vec2_later>()
        .function::<sleep_with_guard>()
        .function::<guards_held>()
        .function::<guards_dropped>()
        .service::<Store>()
        .function::<shape_scale>()
        .function::<shape_area>()
        .function::<figure_of>()
        .function::<char_upper>()
        .function::<char_code>()
        .function::<char_from_code>()
        .function::<char_repeat>()
        .function::<u128_wrapping_mul>()
        .function::<i128_checked_add>()
        .function::<i128_from_halves>()
        .function::<u128_low_bits>()
        .function::<upper_later>()
        .function::<i128_double_later>()
        .function::<count_true>()
        .function::<negate_all>()
        .function::<evens>()
        .function::<color_mask>()
        .function::<colors_advance>()
        .function::<colors_in>()
        .function::<directions_reversed>()
        .function::<digest>()
        .function::<sum3>()
        .function::<all_four>()
        .function::<color_cycle>()
        .function::<extent_longer>()
        .function::<meters_sum>()
        .function::<title_case>()
        .function::<owned_byte_count>()
        .function::<median>()
        .function::<nearest>()
        .function::<clamp_between>()
        .function::<color_named>()
        .function::<blues>()
        .function::<checksum_later>()
        .function::<word_list>()
        .function::<word_counts>()
        .function::<means>()
        .function::<first_word>()
        .function::<greet_maybe>()
        .function::<chunks>()
        .function::<colors_named>()
        .function::<distinct_chars>()
        .function::<factorials>()
        .function::<blue_names>()
        .function::<words_later>()
        .function::<contact_new>()
        .function::<contact_summary>()
        .function::<contact_tagged>()
        .function::<team_roster>()
        .function::<best_contact>()
        .function::<lead_name>()
        .function::<tagged_words>()
        .function::<tree_size>()
        .function::<tree_chain>()
        .function::<contact_later>()
        .function::<value_lines>()
        .function::<measure_doubled>()
        .function::<value_parsed>()
        .function::<length_in_metres>()
        .function::<length_in_metres_later>()
        .function::<total_length>()
        .function::<entries_kept>()
        .function::<split_words>()
        .function::<tally_words>()
        .function::<user_next>()
        .function::<user_max>()
        .function::<user_range>()
        .function::<user_bump_all>()
        .function::<celsius_to_fahrenheit>()
        .function::<badge_for>()
        .function::<member_new>()
        .function::<member_friends>()
        .function::<user_follow>()
        .function::<user_next_later>()
        .function::<user_scores_raised>()
        .function::<user_picked>()
        .constant::<MAX_ITEMS>()
        .constant::<MIN_OFFSET>()
        .constant::<DEFAULT_SCALE>()
        .constant::<HAS_COUNTER>()
        .constant::<BIG>()
        .function::<run_job>()
        .function::<count_steps>()
        .service::<Tracker>()
        .function::<notify_after>()
}

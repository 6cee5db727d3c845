//! The functions benches/bench.py measures, written natively with PyO3.
//!
//! PyO3 cannot call libsample_crate.so's C API in any meaningful way (it would be a C extension
//! with extra steps), so this crate re-implements the same trivial bodies as sample_crate/src/lib.rs
//! behind PyO3's own conversions: `#[pyclass]` structs and enums instead of ctypes structures and
//! `IntEnum`s. Like a plain C extension, PyO3 holds the GIL during these calls.

use pyo3::prelude::*;

/// A point or vector in the plane (mutable fields, like the ctypes structure).
#[pyclass(get_all, set_all)]
#[derive(Clone, Copy)]
struct Vec2 {
    x: f32,
    y: f32,
}

#[pymethods]
impl Vec2 {
    #[new]
    #[pyo3(signature = (x = 0.0, y = 0.0))]
    fn new(x: f32, y: f32) -> Self {
        Vec2 { x, y }
    }
}

/// A primary color; the discriminants are flags, so not contiguous.
#[pyclass(eq, eq_int, from_py_object)]
#[derive(Clone, Copy, PartialEq)]
enum Color {
    Red = 1,
    Green = 2,
    Blue = 4,
}

/// A counter that remembers its history.
#[pyclass]
struct Counter {
    value: u64,
    history: Vec<u64>,
}

#[pyfunction]
fn noop() {}

#[pyfunction]
fn add(a: u32, b: u32) -> u32 {
    a.wrapping_add(b)
}

#[pyfunction]
fn scale(x: f64, factor: f32) -> f64 {
    x * f64::from(factor)
}

#[pyfunction]
fn vec2_add(a: PyRef<'_, Vec2>, b: PyRef<'_, Vec2>) -> Vec2 {
    Vec2 {
        x: a.x + b.x,
        y: a.y + b.y,
    }
}

#[pyfunction]
fn vec2_length(v: PyRef<'_, Vec2>) -> f32 {
    v.x.hypot(v.y)
}

#[pyfunction]
fn color_next(c: Color) -> Color {
    match c {
        Color::Red => Color::Green,
        Color::Green => Color::Blue,
        Color::Blue => Color::Red,
    }
}

#[pyfunction]
fn counter_new(start: u64) -> Counter {
    Counter {
        value: start,
        history: Vec::new(),
    }
}

#[pyfunction]
fn counter_increment(mut c: PyRefMut<'_, Counter>) -> u64 {
    let value = c.value;
    c.history.push(value);
    c.value = value.wrapping_add(1);
    c.value
}

#[pyfunction]
fn counter_get(c: PyRef<'_, Counter>) -> u64 {
    c.value
}

#[pymodule]
mod pyo3_baseline {
    #[pymodule_export]
    use super::{
        add, color_next, counter_get, counter_increment, counter_new, noop, scale, vec2_add,
        vec2_length, Color, Counter, Vec2,
    };
}

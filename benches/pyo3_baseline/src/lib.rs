//! The functions benches/bench.py measures, written natively with PyO3.
//!
//! PyO3 cannot call libsample_crate.so's C API in any meaningful way (it would be a C extension
//! with extra steps), so this crate re-implements the same trivial bodies as sample_crate/src/lib.rs
//! behind PyO3's own conversions: `#[pyclass]` structs and enums instead of ctypes structures and
//! `IntEnum`s. Like a plain C extension, PyO3 holds the GIL during these calls.
//!
//! A `&str` is PyO3's borrowed UTF-8, a slice the caller's buffer (`PyBuffer<f64>`: shared, not
//! copied), a callback any Python callable, the `Store` service a `#[pyclass]`. No async function:
//! PyO3's async support is experimental and its own runtime, not the library's.

use std::collections::BTreeMap;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU64, Ordering};

use pyo3::buffer::PyBuffer;
use pyo3::exceptions::PyTypeError;
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
#[derive(Default)]
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

/// The library's `counter_free(Box<Counter>)`: the counter moved out of its object and dropped. A `#[pyclass]`'s
/// value cannot leave its object, so this takes it (`mem::take`), leaving a default counter behind: the same work
/// (the object borrowed mutably, the history freed), without the library's later calls failing.
#[pyfunction]
fn counter_free(mut c: PyRefMut<'_, Counter>) {
    drop(std::mem::take(&mut *c));
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

#[pyfunction]
fn str_byte_len(s: &str) -> usize {
    s.len()
}

/// The buffer's doubles, when it is C-contiguous.
fn doubles(values: &PyBuffer<f64>) -> PyResult<NonNull<[f64]>> {
    values
        .as_slice_ptr()
        .ok_or_else(|| PyTypeError::new_err("values must be a C-contiguous buffer of doubles"))
}

#[pyfunction]
fn sum_f64(values: PyBuffer<f64>) -> PyResult<f64> {
    let slice = doubles(&values)?;
    // SAFETY: the buffer stays exported while `values` lives, and no Python code runs during the sum.
    Ok(unsafe { slice.as_ref() }.iter().sum())
}

#[pyfunction]
fn for_each_value(values: PyBuffer<f64>, on_value: &Bound<'_, PyAny>) -> PyResult<usize> {
    let slice = doubles(&values)?;
    let start = slice.cast::<f64>().as_ptr();
    let mut calls = 0;
    for index in 0..slice.len() {
        // SAFETY: `index` is in the exported buffer; each value is read before the callback, which may
        // write the buffer.
        let value = unsafe { start.add(index).read() };
        calls += 1;
        if !on_value.call1((index, value))?.is_truthy()? {
            break;
        }
    }
    Ok(calls)
}

/// Named numbers (the `Store` service).
#[pyclass]
struct Store {
    entries: BTreeMap<String, i64>,
    reads: AtomicU64,
}

#[pymethods]
impl Store {
    #[new]
    fn new() -> Self {
        Store {
            entries: BTreeMap::new(),
            reads: AtomicU64::new(0),
        }
    }

    fn put(&mut self, key: &str, value: i64) {
        self.entries.insert(key.to_owned(), value);
    }

    fn get(&self, key: &str) -> Option<i64> {
        self.reads.fetch_add(1, Ordering::Relaxed);
        self.entries.get(key).copied()
    }

    fn close(&mut self) {
        self.entries.clear();
    }
}

/// `Vec2` read from any object's `x` and `y` (a record's field: extracted by value, no
/// `#[pyclass]`).
#[derive(FromPyObject)]
struct Position {
    x: f32,
    y: f32,
}

/// sample_crate's `Sample` read from any object's attributes.
#[derive(FromPyObject)]
struct SampleFields {
    id: u8,
    value: f64,
    flags: u16,
    color: u8,
}

/// sample_crate's `Contact` record, extracted by value from any object with its attributes, as
/// PyO3 takes a `#[pyclass]`-free structure (`#[derive(FromPyObject)]`): the same owned Rust
/// values the generated bindings decode.
#[derive(FromPyObject)]
struct Contact {
    name: String,
    tags: Vec<String>,
    score: Option<f64>,
    position: Position,
    counts: BTreeMap<String, u32>,
    sample: Option<SampleFields>,
}

#[pyfunction]
fn contact_summary(contact: Contact) -> String {
    summary(contact)
}

/// The words of `text`: a list of `str` (PyO3 makes it from the `Vec<String>`).
#[pyfunction]
fn word_list(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_owned).collect()
}

fn summary(contact: Contact) -> String {
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

/// The same functions under the sample crate's GIL policy, as `sample_cext_policy` is (the issue's
/// "same GIL policy"): the GIL released around each body (`Python::detach`) except `add`,
/// `Store.get` and `Store()`, which the crate marks `gil = "hold"` (the `Store` class is the one
/// above; drops run in `tp_dealloc`, the GIL held, as the crate's policy keeps it for a `Counter`'s
/// and a `Store`'s); the callback takes it back to call Python.
/// What needs the GIL (extracting the arguments, making the result) happens outside the release.
mod released {
    use pyo3::prelude::*;

    use super::{doubles, Color, Contact, Counter, Vec2};

    #[pyfunction]
    fn noop(py: Python<'_>) {
        py.detach(|| ());
    }

    #[pyfunction]
    fn add(a: u32, b: u32) -> u32 {
        super::add(a, b)
    }

    #[pyfunction]
    fn scale(py: Python<'_>, x: f64, factor: f32) -> f64 {
        py.detach(move || x * f64::from(factor))
    }

    #[pyfunction]
    fn vec2_add(py: Python<'_>, a: PyRef<'_, Vec2>, b: PyRef<'_, Vec2>) -> Vec2 {
        let (a, b) = (*a, *b);
        py.detach(move || Vec2 {
            x: a.x + b.x,
            y: a.y + b.y,
        })
    }

    #[pyfunction]
    fn vec2_length(py: Python<'_>, v: PyRef<'_, Vec2>) -> f32 {
        let v = *v;
        py.detach(move || v.x.hypot(v.y))
    }

    #[pyfunction]
    fn color_next(py: Python<'_>, c: Color) -> Color {
        py.detach(move || match c {
            Color::Red => Color::Green,
            Color::Green => Color::Blue,
            Color::Blue => Color::Red,
        })
    }

    #[pyfunction]
    fn counter_new(py: Python<'_>, start: u64) -> Counter {
        py.detach(move || Counter {
            value: start,
            history: Vec::new(),
        })
    }

    #[pyfunction]
    fn counter_free(py: Python<'_>, mut c: PyRefMut<'_, Counter>) {
        let taken = std::mem::take(&mut *c);
        py.detach(move || drop(taken));
    }

    #[pyfunction]
    fn counter_increment(py: Python<'_>, mut c: PyRefMut<'_, Counter>) -> u64 {
        let c = &mut *c;
        py.detach(move || {
            let value = c.value;
            c.history.push(value);
            c.value = value.wrapping_add(1);
            c.value
        })
    }

    #[pyfunction]
    fn counter_get(py: Python<'_>, c: PyRef<'_, Counter>) -> u64 {
        let c = &*c;
        py.detach(move || c.value)
    }

    #[pyfunction]
    fn str_byte_len(py: Python<'_>, s: &str) -> usize {
        py.detach(move || s.len())
    }

    #[pyfunction]
    fn sum_f64(py: Python<'_>, values: pyo3::buffer::PyBuffer<f64>) -> PyResult<f64> {
        let slice = doubles(&values)?;
        // SAFETY: the buffer stays exported while `values` lives; no Python code runs during the sum.
        let slice = unsafe { slice.as_ref() };
        Ok(py.detach(move || slice.iter().sum()))
    }

    #[pyfunction]
    fn for_each_value(
        py: Python<'_>,
        values: pyo3::buffer::PyBuffer<f64>,
        on_value: &Bound<'_, PyAny>,
    ) -> PyResult<usize> {
        let slice = doubles(&values)?;
        // SAFETY: as in `sum_f64`; the callback may write the buffer, so each value is read before it.
        let start = slice.cast::<f64>().as_ptr() as usize;
        let len = slice.len();
        let on_value = on_value.clone().unbind();
        py.detach(move || {
            let mut calls = 0;
            for index in 0..len {
                // SAFETY: `index` is in the exported buffer.
                let value = unsafe { (start as *const f64).add(index).read() };
                calls += 1;
                let going_on =
                    Python::attach(|py| on_value.bind(py).call1((index, value))?.is_truthy())?;
                if !going_on {
                    break;
                }
            }
            Ok(calls)
        })
    }

    #[pyfunction]
    fn contact_summary(py: Python<'_>, contact: Contact) -> String {
        py.detach(move || super::summary(contact))
    }

    #[pyfunction]
    fn word_list(py: Python<'_>, text: &str) -> Vec<String> {
        py.detach(move || super::word_list(text))
    }

    #[pymodule]
    pub mod released {
        #[pymodule_export]
        use super::super::{Color, Counter, Store, Vec2};
        #[pymodule_export]
        use super::{
            add, color_next, contact_summary, counter_free, counter_get, counter_increment, counter_new,
            for_each_value, noop, scale, str_byte_len, sum_f64, vec2_add, vec2_length, word_list,
        };
    }
}

#[pymodule]
mod pyo3_baseline {
    #[pymodule_export]
    use super::released::released;
    #[pymodule_export]
    use super::{
        add, color_next, contact_summary, counter_free, counter_get, counter_increment, counter_new,
        for_each_value, noop, scale, str_byte_len, sum_f64, vec2_add, vec2_length, word_list,
        Color, Counter, Store, Vec2,
    };
}

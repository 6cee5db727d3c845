// A synchronous function's borrowed parameters are valid only during the call: a `'static`
// borrow would let Rust keep the caller's memory (a Python string's bytes, a buffer) after it.
use hatch_interop::prelude::*;

#[ffi_type]
#[derive(Clone, Copy)]
pub struct Vec2 {
    pub x: f32,
    pub y: f32,
}

#[ffi_function]
pub fn remember_name(name: &'static str) -> usize {
    name.len()
}

#[ffi_function]
pub fn remember_bytes(count: u32, data: &'static [u8]) -> u32 {
    count + data.len() as u32
}

#[ffi_function]
pub fn remember_point(point: Option<&'static Vec2>) -> f32 {
    point.map_or(0.0, |p| p.x)
}

#[ffi_function]
pub fn remember_later<'a>(name: &'a str) -> usize
where
    'a: 'static,
{
    name.len()
}

#[ffi_function]
pub fn borrowed_for_the_call(name: &str, data: &[u8]) -> usize {
    name.len() + data.len()
}

#[ffi_type(opaque)]
pub struct Store {
    names: Vec<&'static str>,
}

#[ffi_service]
impl Store {
    pub fn new() -> Self {
        Store { names: Vec::new() }
    }

    pub fn keep(&mut self, name: &'static str) {
        self.names.push(name);
    }
}

fn main() {}

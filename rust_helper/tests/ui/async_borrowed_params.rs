// An async function's future outlives the call: a borrowed parameter would be read after the
// caller's value is gone or changed.
use hatch_interop::prelude::*;

#[ffi_callback]
pub type OnValue = fn(value: f64) -> bool;

#[ffi_type]
#[derive(Clone, Copy)]
pub struct Vec2 {
    pub x: f32,
    pub y: f32,
}

#[ffi_function]
pub async fn text_len_later(text: &str) -> usize {
    text.len()
}

#[ffi_function]
pub async fn checksum_later(millis: u64, data: &[u8]) -> u32 {
    let _ = millis;
    data.iter().map(|&b| u32::from(b)).sum()
}

#[ffi_function]
pub async fn length_later(point: Option<&Vec2>) -> f32 {
    point.map_or(0.0, |p| p.x.hypot(p.y))
}

#[ffi_function]
pub async fn call_later(on_value: &OnValue) -> bool {
    on_value.call(1.0)
}

#[ffi_type(opaque)]
pub struct Store {
    total: i64,
}

#[ffi_service]
impl Store {
    pub fn new() -> Self {
        Store { total: 0 }
    }

    pub async fn add_later(&self, key: &'static str) -> i64 {
        self.total + key.len() as i64
    }
}

fn main() {}

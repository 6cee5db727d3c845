use hatch_interop::prelude::*;

#[ffi_trait]
pub trait Defaults: Clone {
    type Item;
    fn with_body(&self) -> u32 {
        1
    }
    fn exclusive(&mut self);
    fn owned(self);
    fn generic<T>(&self, value: u32);
    async fn later(&self);
    fn pattern(&self, (a, b): (u32, u32));
}

#[ffi_trait]
pub trait Good {
    fn on_value(&self, value: u32) -> bool;
    fn on_name(&self, name: &str) -> Box<u8>;
}

#[ffi_function]
pub fn exclusive_object(good: &mut dyn Good) {
    let _ = good;
}

#[ffi_function]
pub fn send_object(good: Box<dyn Good + Send>) {
    let _ = good;
}

fn main() {}

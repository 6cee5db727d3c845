// An error type is an #[ffi_type] enum that implements Display: field-less, or whose variants
// carry owned values. An enum whose variants carry only plain values has a C layout and no
// encoding for its fields (the error names `#[ffi_type(record)]`), in a function's `Result` as in
// a callback's; an enum without `Display` is no error either.
use hatch_interop::prelude::*;

#[ffi_type]
#[derive(Clone, Copy, Debug)]
#[repr(C, u8)]
pub enum Limit {
    TooLong { limit: u64 },
    Empty,
}

impl std::fmt::Display for Limit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self:?}")
    }
}

#[ffi_function]
pub fn checked(length: u64) -> Result<u64, Limit> {
    Ok(length)
}

#[ffi_callback]
pub type OnLimit = fn(length: u64) -> Result<u64, Limit>;

#[ffi_type]
#[derive(Clone, Debug)]
pub enum NoDisplay {
    Unit { unit: String },
}

#[ffi_callback]
pub type OnUnit = fn(text: &str) -> Result<f64, NoDisplay>;

fn main() {}

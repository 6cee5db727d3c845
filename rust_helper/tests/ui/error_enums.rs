// An error type is an #[ffi_type] enum that implements Display: field-less, or whose variants
// carry owned values. An enum whose variants carry only plain values has a C layout and no
// encoding for its fields (the error names `#[ffi_type(record)]`), and a callback's `Result`
// takes a field-less enum only (its error crosses back in an `FfiOption<E>` slot).
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

#[ffi_type]
#[derive(Clone, Debug)]
pub enum Unknown {
    Unit { unit: String },
}

impl std::fmt::Display for Unknown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self:?}")
    }
}

#[ffi_callback]
pub type OnUnit = fn(text: &str) -> Result<f64, Unknown>;

fn main() {}

use hatch_interop::prelude::*;

/// A name C and Python could not spell.
#[ffi_function(name = "two words")]
pub fn spaced(x: u8) -> u8 {
    x
}

/// A name the helper keeps for itself.
#[ffi_function(name = "__hatch_interop_mine")]
pub fn reserved(x: u8) -> u8 {
    x
}

#[ffi_type(opaque)]
pub struct Tally {
    total: u64,
}

#[ffi_service]
impl Tally {
    pub fn new() -> Self {
        Tally { total: 0 }
    }

    /// A member may not take the name of the symbols the service exports itself.
    #[ffi(name = "destroy")]
    pub fn total(&self) -> u64 {
        self.total
    }
}

/// A type name C and Python could not spell.
#[ffi_type(name = "Two Words")]
pub struct Spaced {
    pub x: u8,
}

/// A misspelt argument.
#[ffi_type(opaqe)]
pub struct Misspelt {
    pub x: u8,
}

fn main() {}

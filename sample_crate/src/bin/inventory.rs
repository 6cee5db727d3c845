//! Prints the crate's FFI inventory as JSON; the hatch-interop build hook runs this.

fn main() {
    hatch_interop::dump(sample_crate::inventory());
}

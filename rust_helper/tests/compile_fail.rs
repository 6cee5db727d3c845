//! Compile-fail tests: what the macros reject, and the messages they reject it with
//! (`tests/ui/*.rs`, each beside the `.stderr` it must produce).
//!
//! `TRYBUILD=overwrite cargo test --test compile_fail` rewrites the `.stderr` files; review the
//! diff. The messages name rustc's own text too, so a new Rust release may reword them.

// Once, with every feature (async functions need `tokio`): each run compiles the cases anew.
#[cfg(feature = "tokio")]
#[test]
fn rejected_code_and_its_messages() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}

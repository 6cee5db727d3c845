"""hatch-interop: a Hatch build hook that turns a Rust crate into a Python wheel."""

__version__ = "0.1.0"

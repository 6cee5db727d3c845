"""The reference crate of hatch-interop, as a Python package.

Everything the Rust crate exports is generated into :mod:`sample_crate._native` at build time;
this package re-exports it so users write ``from sample_crate import add, Vec2``.
"""

from sample_crate._native import *  # noqa: F403
from sample_crate._native import __all__ as __all__

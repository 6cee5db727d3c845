"""Benchmark baseline: cffi in ABI mode (`ffi.dlopen`) on the same libsample_crate.so.

The signatures are cdef'd by hand (the subset of sample_crate.h the benchmark calls); the library
functions (`lib.noop`, ...) are called directly, with cffi's own values: cdata structs and pointers,
ints for the enum.
"""

from __future__ import annotations

import cffi
from handwritten_cffi_defs import load_defs
from handwritten_ctypes import LIBRARY_PATH

#: The subset of sample_crate.h the benchmark calls, as both cffi baselines declare it.
DECLARATIONS = """
    typedef struct Vec2 { float x; float y; } Vec2;
    typedef uint8_t Color;
    typedef struct Counter Counter;

    void noop(void);
    uint32_t add(uint32_t a, uint32_t b);
    double scale(double x, float factor);
    Vec2 vec2_add(Vec2 a, Vec2 b);
    float vec2_length(const Vec2 *v);
    Color color_next(Color c);
    Counter *counter_new(uint64_t start);
    uint64_t counter_get(const Counter *c);
    uint64_t counter_increment(Counter *c);
    void counter_free(Counter *c);
    """

ffi = cffi.FFI()
ffi.cdef(DECLARATIONS)
lib = ffi.dlopen(LIBRARY_PATH)


def vec2_pointer(x: float, y: float) -> object:
    """A `Vec2 *` owning a new struct (index it with [0] for the struct by value)."""
    return ffi.new("Vec2 *", {"x": x, "y": y})


#: The "cffi ABI+def" baseline: handwritten_cffi_defs.py over this `ffi` and `lib`.
defs = load_defs("handwritten_cffi_abi_defs", ffi, lib)

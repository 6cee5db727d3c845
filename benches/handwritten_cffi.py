"""Benchmark baseline: cffi in ABI mode (`ffi.dlopen`) on the same libsample_crate.so.

The signatures are cdef'd by hand (the subset of sample_crate.h the benchmark calls); the library
functions (`lib.noop`, ...) are called directly, with cffi's own values: cdata structs and pointers,
ints for the enum.
"""

from __future__ import annotations

import enum

import cffi
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


# ---- cffi ABI+def: plain wrappers, the same Python-facing types as the generated module ----------
# (as handwritten_ctypes.py's "ctypes+def": no checks, the objects hold cffi memory)


class Vec2:
    __slots__ = ("_base", "_c")  # its `Vec2 *`, and what keeps that memory alive when it is not its own

    def __init__(self, x: float = 0.0, y: float = 0.0) -> None:
        self._c = ffi.new("Vec2 *", (x, y))
        self._base = None

    @property
    def x(self) -> float:
        return self._c.x

    @property
    def y(self) -> float:
        return self._c.y


def _view(pointer: object, base: object) -> Vec2:
    v = object.__new__(Vec2)
    v._c = pointer
    v._base = base
    return v


class Color(enum.IntEnum):
    Red = 1
    Green = 2
    Blue = 4


_color_by_value = {member.value: member for member in Color}


class Counter:
    __slots__ = ("_ptr",)

    _ptr: object


_noop, _add, _scale, _vec2_add = lib.noop, lib.add, lib.scale, lib.vec2_add
_vec2_length, _color_next = lib.vec2_length, lib.color_next
_counter_new, _counter_get, _counter_increment, _counter_free = (
    lib.counter_new,
    lib.counter_get,
    lib.counter_increment,
    lib.counter_free,
)


def noop() -> None:
    _noop()


def add(a: int, b: int) -> int:
    return _add(a, b)


def scale(x: float, factor: float) -> float:
    return _scale(x, factor)


def vec2_add(a: Vec2, b: Vec2) -> Vec2:
    result = _vec2_add(a._c[0], b._c[0])
    return _view(ffi.addressof(result), result)


def vec2_length(v: Vec2) -> float:
    return _vec2_length(v._c)


def color_next(c: Color) -> Color:
    return _color_by_value[_color_next(c)]


def counter_new(start: int) -> Counter:
    counter = Counter.__new__(Counter)
    counter._ptr = _counter_new(start)
    return counter


def counter_get(c: Counter) -> int:
    return _counter_get(c._ptr)


def counter_increment(c: Counter) -> int:
    return _counter_increment(c._ptr)


def counter_free(c: Counter) -> None:
    ptr = c._ptr
    c._ptr = None
    _counter_free(ptr)

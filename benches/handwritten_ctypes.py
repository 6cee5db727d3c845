"""Benchmark baseline: ctypes bindings of libsample_crate.so written by hand.

The library is the one the installed sample_crate wheel ships (the same file the generated module
loads; the dynamic loader maps it once). Argument and result types are declared once, here.

Two flavours:
- "ctypes" (bare): the configured CDLL function objects themselves (`c_noop`, `c_add`, ...),
  called directly, with ctypes-level values (ints for the enum and the handle).
- "ctypes+def": plain `def` wrappers over them with the same Python-facing types as the generated
  module (an IntEnum result, a handle object), and nothing else: no argument checks. This is the
  like-for-like baseline for the generated wrappers.
"""

from __future__ import annotations

import ctypes
import enum
import os

import sample_crate._native as _generated

LIBRARY_PATH = os.path.join(os.path.dirname(_generated.__file__), "libsample_crate.so")
_lib = ctypes.CDLL(LIBRARY_PATH)


class Vec2(ctypes.Structure):
    _fields_ = (("x", ctypes.c_float), ("y", ctypes.c_float))


class Color(enum.IntEnum):
    Red = 1
    Green = 2
    Blue = 4


_color_by_value = {member.value: member for member in Color}


def _bind(name: str, argtypes: tuple[object, ...], restype: object) -> ctypes._CFuncPtr:
    function = _lib[name]
    function.argtypes = argtypes
    function.restype = restype
    return function


# ---- bare: the CDLL functions, called directly -------------------------------------------------

c_noop = _bind("noop", (), None)
c_add = _bind("add", (ctypes.c_uint32, ctypes.c_uint32), ctypes.c_uint32)
c_scale = _bind("scale", (ctypes.c_double, ctypes.c_float), ctypes.c_double)
c_vec2_add = _bind("vec2_add", (Vec2, Vec2), Vec2)
c_vec2_length = _bind("vec2_length", (ctypes.POINTER(Vec2),), ctypes.c_float)
c_color_next = _bind("color_next", (ctypes.c_uint8,), ctypes.c_uint8)
c_counter_new = _bind("counter_new", (ctypes.c_uint64,), ctypes.c_void_p)
c_counter_get = _bind("counter_get", (ctypes.c_void_p,), ctypes.c_uint64)
c_counter_increment = _bind("counter_increment", (ctypes.c_void_p,), ctypes.c_uint64)
c_counter_free = _bind("counter_free", (ctypes.c_void_p,), None)


# ---- ctypes+def: plain wrappers, the same Python-facing types as the generated module ----------


class Counter:
    __slots__ = ("_ptr",)

    _ptr: int | None


def noop() -> None:
    c_noop()


def add(a: int, b: int) -> int:
    return c_add(a, b)


def scale(x: float, factor: float) -> float:
    return c_scale(x, factor)


def vec2_add(a: Vec2, b: Vec2) -> Vec2:
    return c_vec2_add(a, b)


def vec2_length(v: Vec2) -> float:
    return c_vec2_length(v)


def color_next(c: Color) -> Color:
    return _color_by_value[c_color_next(c)]


def counter_new(start: int) -> Counter:
    counter = Counter.__new__(Counter)
    counter._ptr = c_counter_new(start)
    return counter


def counter_get(c: Counter) -> int:
    return c_counter_get(c._ptr)


def counter_increment(c: Counter) -> int:
    return c_counter_increment(c._ptr)


def counter_free(c: Counter) -> None:
    ptr = c._ptr
    c._ptr = None
    c_counter_free(ptr)

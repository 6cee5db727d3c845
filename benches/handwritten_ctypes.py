"""Benchmark baseline: ctypes bindings of libsample_crate.so written by hand.

The library is the one the installed sample_crate wheel ships (the same file the generated module
loads; the dynamic loader maps it once). Argument and result types are declared once, here.

Two flavours:
- "ctypes" (bare): the configured CDLL function objects themselves (`c_noop`, `c_add`, ...),
  called directly, with ctypes-level values (ints for the enum and the handle).
- "ctypes+def": plain `def` wrappers over them with the same Python-facing types as the generated
  module (an IntEnum result, a handle object, a `Store` class, a coroutine), and nothing else: no
  argument checks, no failure checks. This is the like-for-like baseline for the generated wrappers.
  A slice shares the caller's buffer (`from_buffer`, O(1) in its length); a callback is a ctypes
  closure made for the call; an async function's completion, called on a library thread, settles a
  future of the running event loop through `call_soon_threadsafe`.
"""

from __future__ import annotations

import asyncio
import ctypes
import enum
import itertools
import os
from typing import Any, Callable

import sample_crate._native as _generated

LIBRARY_PATH = os.path.join(os.path.dirname(_generated.__file__), "libsample_crate.so")
_lib = ctypes.CDLL(LIBRARY_PATH)


class Vec2(ctypes.Structure):
    _fields_ = (("x", ctypes.c_float), ("y", ctypes.c_float))


class OptionI64(ctypes.Structure):
    """sample_crate_option_i64."""

    _fields_ = (("value", ctypes.c_int64), ("is_some", ctypes.c_uint8))


#: OnValue's `call`: bool (*)(const void *context, size_t index, double value).
ON_VALUE_CALL = ctypes.CFUNCTYPE(ctypes.c_bool, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_double)


class OnValue(ctypes.Structure):
    _fields_ = (("call", ON_VALUE_CALL), ("context", ctypes.c_void_p), ("release", ctypes.c_void_p))


#: sample_crate_completion's `call`: void (*)(const void *context, const void *value, const sample_crate_failure *).
COMPLETION_CALL = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p)


class Completion(ctypes.Structure):
    _fields_ = (("call", COMPLETION_CALL), ("context", ctypes.c_void_p), ("release", ctypes.c_void_p))


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
c_str_byte_len = _bind("str_byte_len", (ctypes.c_char_p, ctypes.c_size_t), ctypes.c_size_t)
c_sum_f64 = _bind("sum_f64", (ctypes.c_void_p, ctypes.c_size_t), ctypes.c_double)
c_for_each_value = _bind("for_each_value", (ctypes.c_void_p, ctypes.c_size_t, ctypes.POINTER(OnValue)), ctypes.c_size_t)
c_store_new = _bind("store_new", (), ctypes.c_void_p)
c_store_put = _bind("store_put", (ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int64), None)
c_store_get = _bind("store_get", (ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t), OptionI64)
c_store_destroy = _bind("store_destroy", (ctypes.c_void_p,), None)
c_double_later = _bind("double_later", (ctypes.c_uint64, ctypes.c_uint64, Completion), None)


def doubles(values: Any) -> ctypes.Array:  # type: ignore[type-arg]
    """A `double[]` sharing the buffer of `values` (an `array.array("d")`): what the bare calls pass."""
    return (ctypes.c_double * len(values)).from_buffer(values)


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


def str_byte_len(s: str) -> int:
    data = s.encode()
    return c_str_byte_len(data, len(data))


def sum_f64(values: Any) -> float:
    return c_sum_f64((ctypes.c_double * len(values)).from_buffer(values), len(values))


def for_each_value(values: Any, on_value: Callable[[int, float], bool]) -> int:
    call = ON_VALUE_CALL(lambda _context, index, value: on_value(index, value))
    return c_for_each_value((ctypes.c_double * len(values)).from_buffer(values), len(values), OnValue(call, None, None))


class Store:
    __slots__ = ("_ptr",)

    def __init__(self) -> None:
        self._ptr = c_store_new()

    def put(self, key: str, value: int) -> None:
        data = key.encode()
        c_store_put(self._ptr, data, len(data), value)

    def get(self, key: str) -> int | None:
        data = key.encode()
        result = c_store_get(self._ptr, data, len(data))
        return result.value if result.is_some else None

    def close(self) -> None:
        ptr = self._ptr
        self._ptr = None
        c_store_destroy(ptr)


_awaiting: dict[int, tuple[asyncio.AbstractEventLoop, asyncio.Future[int]]] = {}
_keys = itertools.count(1)


def _complete(context: int, value: int, failure: int) -> None:
    """On a library thread: settle the future in its loop's thread (a failure is not looked at: no checks)."""
    loop, future = _awaiting.pop(context)
    loop.call_soon_threadsafe(future.set_result, ctypes.c_uint64.from_address(value).value)


_complete_call = COMPLETION_CALL(_complete)


async def double_later(value: int, millis: int) -> int:
    loop = asyncio.get_running_loop()
    future = loop.create_future()
    key = next(_keys)
    _awaiting[key] = (loop, future)
    c_double_later(value, millis, Completion(_complete_call, key, None))
    return await future

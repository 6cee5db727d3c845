"""Benchmark baseline "ctypes+checks": hand-written `def` wrappers over the bare ctypes functions of
handwritten_ctypes.py that make the checks the generated module makes, written the way a careful person would
write them from docs/inventory-schema.md, without looking at generated code:

- every argument's type (and an integer's range: ctypes truncates silently), a closed or released object, text
  that cannot be encoded, a buffer of the wrong type, a callable that is not one;
- the failure check after every call: the failure counter, read after a zero result of a function that returns a
  number or a pointer (a call that leaves a failure returns zeroes) and after every other call; the failure taken
  and raised as an exception (RustPanic, the error enum's, ValueError, MemoryError);
- objects the library owns are released when their Python object dies (the cell protocol: `counter_ffi_drop`
  gives the caller's pointer back; a `Store` is released by its `close()` or when it dies), except at interpreter
  shutdown;
- a callback is one C trampoline made once, with a key to the callable as its context (a ctypes closure made per
  call would cost more than the call); its exception is reported to the library and re-raised by the call;
- an async function's completion is one C function made once, settling the caller's future in its event loop.

The ratio "generated / ctypes+checks" is the issue's target (<= 1.05): what generation costs over writing the
same bindings by hand. "ctypes+def" (no checks) shows what the checks cost.
"""

from __future__ import annotations

import array
import asyncio
import contextlib
import ctypes
import itertools
import sys
import threading
from typing import Any, Callable, Dict, Optional, Tuple

from handwritten_ctypes import (
    COMPLETION_CALL,
    ON_VALUE_CALL,
    Color,
    Completion,
    OnValue,
    Vec2,
    _bind,
    c_add,
    c_color_next,
    c_counter_free,
    c_counter_get,
    c_counter_increment,
    c_counter_new,
    c_double_later,
    c_for_each_value,
    c_noop,
    c_scale,
    c_store_destroy,
    c_store_get,
    c_store_new,
    c_store_put,
    c_str_byte_len,
    c_sum_f64,
    c_vec2_add,
    c_vec2_length,
)

__all__ = ["Color", "Vec2"]


class Failure(ctypes.Structure):
    _fields_ = (
        ("kind", ctypes.c_uint32),
        ("code", ctypes.c_int64),
        ("message", ctypes.c_void_p),
        ("message_len", ctypes.c_size_t),
    )


_pending = ctypes.c_size_t.from_address(_bind("sample_crate_ffi_pending", (), ctypes.c_void_p)())
_take_failure = _bind("sample_crate_ffi_take_failure", (ctypes.POINTER(Failure),), ctypes.c_bool)
_free = _bind("sample_crate_ffi_free", (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_size_t), None)
_callback_failed = _bind("sample_crate_ffi_callback_failed", (ctypes.c_char_p, ctypes.c_size_t), None)
_counter_drop = _bind("counter_ffi_drop", (ctypes.c_void_p,), None)
_store_release = _bind("store_release", (ctypes.c_void_p,), None)


class RustPanic(Exception):
    """The library panicked."""


_KINDS: Dict[int, type] = {1: RustPanic, 2: RustPanic, 3: ValueError, 4: RuntimeError, 5: MemoryError}
#: Exceptions raised by callbacks, by thread, for the call that ran them to re-raise.
_raised: Dict[int, BaseException] = {}


def failure_error(failure: Failure) -> BaseException:
    message = ctypes.string_at(failure.message, failure.message_len).decode("utf-8", "replace")
    _free(failure.message, failure.message_len, 1)
    return _KINDS.get(failure.kind, RustPanic)(message)


def raise_failure() -> None:
    """Raise this thread's failure (or the exception its callback raised); return if the pending failure is
    another thread's."""
    failure = Failure()
    if not _take_failure(failure):
        return
    error = failure_error(failure)
    raise _raised.pop(threading.get_ident(), error)


def integer(function: str, name: str, value: Any, low: int, high: int) -> int:
    """The slow path of an integer argument: an `int` subclass in range, or the error."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{function}() argument {name!r} must be int, not {type(value).__name__}")
    if not low <= value <= high:
        raise OverflowError(f"{function}() argument {name!r} must be in [{low}, {high}], got {value}")
    return int(value)


def real(function: str, name: str, value: Any, f32: bool) -> float:
    """The slow path of a float argument: an int or float (subclass), in range for an f32."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{function}() argument {name!r} must be float, not {type(value).__name__}")
    value = float(value)
    if f32 and 3.4028235677973366e38 <= abs(value) < float("inf"):
        raise OverflowError(f"{function}() argument {name!r} is out of range for f32")
    return value


def wrong_type(function: str, name: str, value: Any, expected: str) -> TypeError:
    return TypeError(f"{function}() argument {name!r} must be {expected}, not {type(value).__name__}")


def text(function: str, name: str, value: Any) -> bytes:
    """The UTF-8 bytes of a `str` argument."""
    try:
        return value.encode()  # type: ignore[no-any-return]
    except (AttributeError, UnicodeEncodeError) as error:
        raise TypeError(f"{function}() argument {name!r} must be str encodable as UTF-8, got {value!r}") from error


def doubles(function: str, name: str, values: Any) -> Tuple[Any, int]:
    """A `double *` and length for any buffer of doubles or sequence of numbers: a list is copied."""
    if isinstance(values, array.array) and values.typecode == "d":
        n = len(values)
        return (ctypes.c_double * n).from_buffer(values), n
    try:
        view = memoryview(values)
    except TypeError:
        copied = array.array("d", (real(function, name, v, False) for v in values))
        return (ctypes.c_double * len(copied)).from_buffer(copied), len(copied)
    if view.format != "d" or not view.c_contiguous:
        raise wrong_type(function, name, values, "a contiguous buffer of doubles")
    return (ctypes.c_double * len(view)).from_buffer_copy(view), len(view)


def noop() -> None:
    c_noop()
    if _pending.value:
        raise_failure()


def add(a: int, b: int) -> int:
    if type(a) is not int or not 0 <= a <= 0xFFFF_FFFF:
        a = integer("add", "a", a, 0, 0xFFFF_FFFF)
    if type(b) is not int or not 0 <= b <= 0xFFFF_FFFF:
        b = integer("add", "b", b, 0, 0xFFFF_FFFF)
    result = c_add(a, b)
    if not result and _pending.value:
        raise_failure()
    return result  # type: ignore[no-any-return]


def scale(x: float, factor: float) -> float:
    if type(x) is not float:
        x = real("scale", "x", x, False)
    if type(factor) is not float or not -3.4028235677973366e38 < factor < 3.4028235677973366e38:
        factor = real("scale", "factor", factor, True)
    result = c_scale(x, factor)
    if not result and _pending.value:
        raise_failure()
    return result  # type: ignore[no-any-return]


def vec2_add(a: Vec2, b: Vec2) -> Vec2:
    if type(a) is not Vec2:
        raise wrong_type("vec2_add", "a", a, "Vec2")
    if type(b) is not Vec2:
        raise wrong_type("vec2_add", "b", b, "Vec2")
    result = c_vec2_add(a, b)
    if _pending.value:
        raise_failure()
    return result  # type: ignore[no-any-return]


def vec2_length(v: Vec2) -> float:
    if type(v) is not Vec2:
        raise wrong_type("vec2_length", "v", v, "Vec2")
    result = c_vec2_length(v)
    if not result and _pending.value:
        raise_failure()
    return result  # type: ignore[no-any-return]


_color_by_value = {member.value: member for member in Color}


def color_next(c: Color) -> Color:
    if type(c) is not Color:
        if c not in _color_by_value:
            raise wrong_type("color_next", "c", c, "Color")
        c = _color_by_value[c]
    result = c_color_next(c)
    if not result and _pending.value:
        raise_failure()
    return _color_by_value[result]


class _CounterCell(ctypes.c_void_p):
    """A counter's pointer, given back to the library (`counter_ffi_drop`) when nothing holds it: neither the
    Counter nor a call that is using it, so another thread's release cannot free it under a call."""

    __slots__ = ()

    def __del__(self, drop: Any = _counter_drop, finalizing: Any = sys.is_finalizing) -> None:
        # Not at interpreter shutdown: a Rust `Drop` calling back into a half-gone interpreter could crash it.
        address = self.value
        if address is not None and not finalizing():
            self.value = None
            drop(address)


class Counter:
    __slots__ = ("_ptr",)

    _ptr: Optional[_CounterCell]


def counter_new(start: int) -> Counter:
    if type(start) is not int or not 0 <= start <= 0xFFFF_FFFF_FFFF_FFFF:
        start = integer("counter_new", "start", start, 0, 0xFFFF_FFFF_FFFF_FFFF)
    result = c_counter_new(start)
    if not result and _pending.value:
        raise_failure()
    counter = object.__new__(Counter)
    counter._ptr = _CounterCell(result)
    return counter


def counter_get(c: Counter) -> int:
    if type(c) is not Counter or (ptr := c._ptr) is None:
        raise wrong_type("counter_get", "c", c, "an open Counter")
    result = c_counter_get(ptr)
    if not result and _pending.value:
        raise_failure()
    return result  # type: ignore[no-any-return]


def counter_increment(c: Counter) -> int:
    if type(c) is not Counter or (ptr := c._ptr) is None:
        raise wrong_type("counter_increment", "c", c, "an open Counter")
    result = c_counter_increment(ptr)
    if not result and _pending.value:
        raise_failure()
    return result  # type: ignore[no-any-return]


def counter_free(c: Counter) -> None:
    if type(c) is not Counter or (ptr := c._ptr) is None:
        raise wrong_type("counter_free", "c", c, "an open Counter")
    c._ptr = None
    c_counter_free(ptr)
    if _pending.value:
        try:
            raise_failure()
        except ValueError:  # the library refused to take it (another call is using it): still the caller's
            c._ptr = ptr
            raise


def str_byte_len(s: str) -> int:
    try:
        data = s.encode()
    except (AttributeError, UnicodeEncodeError):
        data = text("str_byte_len", "s", s)
    result = c_str_byte_len(data, len(data))
    if not result and _pending.value:
        raise_failure()
    return result  # type: ignore[no-any-return]


def sum_f64(values: Any) -> float:
    if type(values) is array.array and values.typecode == "d":
        n = len(values)
        pointer = (ctypes.c_double * n).from_buffer(values)
    else:
        pointer, n = doubles("sum_f64", "values", values)
    result = c_sum_f64(pointer, n)
    if not result and _pending.value:
        raise_failure()
    return result  # type: ignore[no-any-return]


_callables: Dict[int, Callable[[int, float], bool]] = {}
_keys = itertools.count(1)


def _on_value(context: int, index: int, value: float) -> bool:
    """The one C trampoline of every OnValue: calls the callable the key names; an exception is kept for the call
    that ran it and reported to the library (which then returns zeroes)."""
    try:
        result = _callables[context](index, value)
        if type(result) is not bool:
            raise TypeError(f"an OnValue callback must return bool, not {type(result).__name__}")
        return result
    except BaseException as error:  # reported to the library, re-raised by the call
        _raised[threading.get_ident()] = error
        _callback_failed(None, 0)
        return False


_on_value_call = ON_VALUE_CALL(_on_value)


def for_each_value(values: Any, on_value: Callable[[int, float], bool]) -> int:
    if type(values) is array.array and values.typecode == "d":
        n = len(values)
        pointer = (ctypes.c_double * n).from_buffer(values)
    else:
        pointer, n = doubles("for_each_value", "values", values)
    if not callable(on_value):
        raise wrong_type("for_each_value", "on_value", on_value, "callable")
    key = next(_keys)
    _callables[key] = on_value
    try:
        result = c_for_each_value(pointer, n, OnValue(_on_value_call, key, None))
    finally:
        del _callables[key]
    if not result and _pending.value:
        raise_failure()
    return result  # type: ignore[no-any-return]


class Store:
    __slots__ = ("_handle", "_ptr")

    def __init__(self) -> None:
        result = c_store_new()
        if not result and _pending.value:
            raise_failure()
        self._handle: Optional[int] = result
        self._ptr: Optional[int] = result

    def put(self, key: str, value: int) -> None:
        if (ptr := self._ptr) is None:
            raise ValueError("the Store is closed")
        data = text("Store.put", "key", key)
        if type(value) is not int or not -(2**63) <= value < 2**63:
            value = integer("Store.put", "value", value, -(2**63), 2**63 - 1)
        c_store_put(ptr, data, len(data), value)
        if _pending.value:
            raise_failure()

    def get(self, key: str) -> Optional[int]:
        if (ptr := self._ptr) is None:
            raise ValueError("the Store is closed")
        try:
            data = key.encode()
        except (AttributeError, UnicodeEncodeError):
            data = text("Store.get", "key", key)
        result = c_store_get(ptr, data, len(data))
        if _pending.value:
            raise_failure()
        return result.value if result.is_some else None  # type: ignore[no-any-return]

    def close(self) -> None:
        """Drops the store now (the handle stays until the object dies: `store_release` gives it up)."""
        ptr = self._ptr
        if ptr is not None:
            c_store_destroy(ptr)
            if _pending.value:
                raise_failure()  # refused: a method is running on it, so it stays open
            self._ptr = None

    def __del__(self, release: Any = _store_release) -> None:
        if self._handle is not None:
            release(self._handle)


_awaiting: Dict[int, Tuple[asyncio.AbstractEventLoop, asyncio.Future[int]]] = {}


def _settle(future: asyncio.Future[int], value: Optional[int], error: Optional[BaseException]) -> None:
    if future.cancelled():
        return
    if error is None:
        future.set_result(value)  # type: ignore[arg-type]
    else:
        future.set_exception(error)


def _complete(context: int, value: int, failure: int) -> None:
    """On a library thread: settle the future in its loop's thread (a closed loop drops the outcome)."""
    loop, future = _awaiting.pop(context)
    if failure:
        outcome: Tuple[Optional[int], Optional[BaseException]] = (None, failure_error(Failure.from_address(failure)))
    else:
        outcome = (ctypes.c_uint64.from_address(value).value, None)
    with contextlib.suppress(RuntimeError):  # the loop is closed: nobody awaits the outcome
        loop.call_soon_threadsafe(_settle, future, *outcome)


_complete_call = COMPLETION_CALL(_complete)


async def double_later(value: int, millis: int) -> int:
    if type(value) is not int or not 0 <= value <= 0xFFFF_FFFF_FFFF_FFFF:
        value = integer("double_later", "value", value, 0, 0xFFFF_FFFF_FFFF_FFFF)
    if type(millis) is not int or not 0 <= millis <= 0xFFFF_FFFF_FFFF_FFFF:
        millis = integer("double_later", "millis", millis, 0, 0xFFFF_FFFF_FFFF_FFFF)
    loop = asyncio.get_running_loop()
    future = loop.create_future()
    key = next(_keys)
    _awaiting[key] = (loop, future)
    c_double_later(value, millis, Completion(_complete_call, key, None))
    if _pending.value:
        _awaiting.pop(key, None)
        raise_failure()
    return await future

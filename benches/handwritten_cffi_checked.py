"""Benchmark baselines "cffi ABI+checks" and "cffi API+checks": hand-written `def` wrappers over the hand-written
cffi bindings that make the checks the generated module makes, as handwritten_ctypes_checked.py does over ctypes
(see its docstring for the list): argument types and ranges, closed objects, text, buffers, callables; the failure
counter after a zero number or pointer result and after every other call; owned objects given back when they die;
one callback trampoline and one completion made once.

As handwritten_cffi_defs.py, one source serves both modes: `load_checked` runs it as a module whose globals `ffi`
and `lib` are those of the ABI-mode or the API-mode bindings.
"""

from __future__ import annotations

import types
from typing import Any

if __name__ != "handwritten_cffi_checked":  # run by load_checked, with `ffi` and `lib` set
    import array
    import asyncio
    import contextlib
    import enum
    import itertools
    import sys
    import threading
    from typing import Callable, Dict, Optional, Tuple

    from handwritten_ctypes_checked import RustPanic, integer, real, text, wrong_type

    ffi: Any = globals()["ffi"]
    lib: Any = globals()["lib"]

    _pending = lib.sample_crate_ffi_pending()
    _take_failure, _free = lib.sample_crate_ffi_take_failure, lib.sample_crate_ffi_free
    _callback_failed = lib.sample_crate_ffi_callback_failed
    _new, _cast, _from_buffer, _addressof, _NULL = ffi.new, ffi.cast, ffi.from_buffer, ffi.addressof, ffi.NULL
    _KINDS: Dict[int, type] = {1: RustPanic, 2: RustPanic, 3: ValueError, 4: RuntimeError, 5: MemoryError}
    _raised: Dict[int, BaseException] = {}

    def failure_error(failure: Any) -> BaseException:
        message = ffi.unpack(failure.message, failure.message_len).decode("utf-8", "replace")
        _free(failure.message, failure.message_len, 1)
        return _KINDS.get(failure.kind, RustPanic)(message)

    def raise_failure() -> None:
        """Raise this thread's failure (or the exception its callback raised); return if the pending failure is
        another thread's."""
        failure = _new("sample_crate_failure *")
        if not _take_failure(failure):
            return
        error = failure_error(failure)
        raise _raised.pop(threading.get_ident(), error)

    def doubles(function: str, name: str, values: Any) -> Tuple[Any, int]:
        """A `double[]` and length for any buffer of doubles or sequence of numbers: a list is copied."""
        try:
            view = memoryview(values)
        except TypeError:
            copied = [real(function, name, v, False) for v in values]
            return _new("double[]", copied), len(copied)
        if view.format != "d" or not view.c_contiguous:
            raise wrong_type(function, name, values, "a contiguous buffer of doubles")
        return _from_buffer("double[]", values), len(view)

    class Vec2:
        __slots__ = ("_base", "_c")  # its `Vec2 *`, and what keeps that memory alive when it is not its own

        def __init__(self, x: float = 0.0, y: float = 0.0) -> None:
            self._c = _new("Vec2 *", (x, y))
            self._base = None

        @property
        def x(self) -> float:
            return self._c.x  # type: ignore[no-any-return]

        @property
        def y(self) -> float:
            return self._c.y  # type: ignore[no-any-return]

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

    _noop, _add, _scale, _vec2_add = lib.noop, lib.add, lib.scale, lib.vec2_add
    _vec2_length, _color_next = lib.vec2_length, lib.color_next
    _counter_new, _counter_get, _counter_increment, _counter_free = (
        lib.counter_new,
        lib.counter_get,
        lib.counter_increment,
        lib.counter_free,
    )
    _str_byte_len, _sum_f64, _for_each_value = lib.str_byte_len, lib.sum_f64, lib.for_each_value
    _store_new, _store_put, _store_get = lib.store_new, lib.store_put, lib.store_get
    _store_destroy, _store_release = lib.store_destroy, lib.store_release
    _double_later = lib.double_later

    def noop() -> None:
        _noop()
        if _pending[0]:
            raise_failure()

    def add(a: int, b: int) -> int:
        if type(a) is not int or not 0 <= a <= 0xFFFF_FFFF:
            a = integer("add", "a", a, 0, 0xFFFF_FFFF)
        if type(b) is not int or not 0 <= b <= 0xFFFF_FFFF:
            b = integer("add", "b", b, 0, 0xFFFF_FFFF)
        result = _add(a, b)
        if not result and _pending[0]:
            raise_failure()
        return result  # type: ignore[no-any-return]

    def scale(x: float, factor: float) -> float:
        if type(x) is not float:
            x = real("scale", "x", x, False)
        if type(factor) is not float or not -3.4028235677973366e38 < factor < 3.4028235677973366e38:
            factor = real("scale", "factor", factor, True)
        result = _scale(x, factor)
        if not result and _pending[0]:
            raise_failure()
        return result  # type: ignore[no-any-return]

    def vec2_add(a: Vec2, b: Vec2) -> Vec2:
        if type(a) is not Vec2:
            raise wrong_type("vec2_add", "a", a, "Vec2")
        if type(b) is not Vec2:
            raise wrong_type("vec2_add", "b", b, "Vec2")
        result = _vec2_add(a._c[0], b._c[0])
        if _pending[0]:
            raise_failure()
        return _view(_addressof(result), result)

    def vec2_length(v: Vec2) -> float:
        if type(v) is not Vec2:
            raise wrong_type("vec2_length", "v", v, "Vec2")
        result = _vec2_length(v._c)
        if not result and _pending[0]:
            raise_failure()
        return result  # type: ignore[no-any-return]

    def color_next(c: Color) -> Color:
        if type(c) is not Color:
            if c not in _color_by_value:
                raise wrong_type("color_next", "c", c, "Color")
            c = _color_by_value[c]
        result = _color_next(c)
        if not result and _pending[0]:
            raise_failure()
        return _color_by_value[result]

    class Counter:
        __slots__ = ("_ptr",)

        _ptr: Any  # a `Counter *` that gives the pointer back (`counter_ffi_drop`) when nothing holds it

    def _drop_counter(pointer: Any, drop: Any = lib.counter_ffi_drop, finalizing: Any = sys.is_finalizing) -> None:
        # Not at interpreter shutdown: a Rust `Drop` calling back into a half-gone interpreter could crash it.
        if not finalizing():
            drop(pointer)

    def counter_new(start: int) -> Counter:
        if type(start) is not int or not 0 <= start <= 0xFFFF_FFFF_FFFF_FFFF:
            start = integer("counter_new", "start", start, 0, 0xFFFF_FFFF_FFFF_FFFF)
        result = _counter_new(start)
        if not result and _pending[0]:
            raise_failure()
        counter = object.__new__(Counter)
        counter._ptr = ffi.gc(result, _drop_counter)
        return counter

    def counter_get(c: Counter) -> int:
        if type(c) is not Counter or (ptr := c._ptr) is None:
            raise wrong_type("counter_get", "c", c, "an open Counter")
        result = _counter_get(ptr)
        if not result and _pending[0]:
            raise_failure()
        return result  # type: ignore[no-any-return]

    def counter_increment(c: Counter) -> int:
        if type(c) is not Counter or (ptr := c._ptr) is None:
            raise wrong_type("counter_increment", "c", c, "an open Counter")
        result = _counter_increment(ptr)
        if not result and _pending[0]:
            raise_failure()
        return result  # type: ignore[no-any-return]

    def counter_free(c: Counter) -> None:
        if type(c) is not Counter or (ptr := c._ptr) is None:
            raise wrong_type("counter_free", "c", c, "an open Counter")
        c._ptr = None
        _counter_free(ptr)
        if _pending[0]:
            try:
                raise_failure()
            except ValueError:  # refused (another call is using it): still the caller's
                c._ptr = ptr
                raise

    def str_byte_len(s: str) -> int:
        try:
            data = s.encode()
        except (AttributeError, UnicodeEncodeError):
            data = text("str_byte_len", "s", s)
        result = _str_byte_len(data, len(data))
        if not result and _pending[0]:
            raise_failure()
        return result  # type: ignore[no-any-return]

    def sum_f64(values: Any) -> float:
        if type(values) is array.array and values.typecode == "d":
            n = len(values)
            pointer = _from_buffer("double[]", values)
        else:
            pointer, n = doubles("sum_f64", "values", values)
        result = _sum_f64(pointer, n)
        if not result and _pending[0]:
            raise_failure()
        return result  # type: ignore[no-any-return]

    _callables: Dict[int, Callable[[int, float], bool]] = {}
    _keys = itertools.count(1)

    @ffi.callback("bool(*)(const void *, size_t, double)")
    def _on_value(context: Any, index: int, value: float) -> bool:
        """The one C trampoline of every OnValue: calls the callable the key names; an exception is kept for the
        call that ran it and reported to the library (which then returns zeroes)."""
        try:
            result = _callables[int(ffi.cast("uintptr_t", context))](index, value)
            if type(result) is not bool:
                raise TypeError(f"an OnValue callback must return bool, not {type(result).__name__}")
            return result
        except BaseException as error:  # reported to the library, re-raised by the call
            _raised[threading.get_ident()] = error
            _callback_failed(_NULL, 0)
            return False

    def for_each_value(values: Any, on_value: Callable[[int, float], bool]) -> int:
        if type(values) is array.array and values.typecode == "d":
            n = len(values)
            pointer = _from_buffer("double[]", values)
        else:
            pointer, n = doubles("for_each_value", "values", values)
        if not callable(on_value):
            raise wrong_type("for_each_value", "on_value", on_value, "callable")
        key = next(_keys)
        _callables[key] = on_value
        try:
            result = _for_each_value(pointer, n, _new("OnValue *", (_on_value, _cast("void *", key), _NULL)))
        finally:
            del _callables[key]
        if not result and _pending[0]:
            raise_failure()
        return result  # type: ignore[no-any-return]

    class Store:
        __slots__ = ("_handle", "_ptr")

        def __init__(self) -> None:
            result = _store_new()
            if not result and _pending[0]:
                raise_failure()
            self._handle = ffi.gc(result, _store_release)  # given up when the object dies
            self._ptr: Any = self._handle

        def put(self, key: str, value: int) -> None:
            if (ptr := self._ptr) is None:
                raise ValueError("the Store is closed")
            data = text("Store.put", "key", key)
            if type(value) is not int or not -(2**63) <= value < 2**63:
                value = integer("Store.put", "value", value, -(2**63), 2**63 - 1)
            _store_put(ptr, data, len(data), value)
            if _pending[0]:
                raise_failure()

        def get(self, key: str) -> Optional[int]:
            if (ptr := self._ptr) is None:
                raise ValueError("the Store is closed")
            try:
                data = key.encode()
            except (AttributeError, UnicodeEncodeError):
                data = text("Store.get", "key", key)
            result = _store_get(ptr, data, len(data))
            if _pending[0]:
                raise_failure()
            return result.value if result.is_some else None  # type: ignore[no-any-return]

        def close(self) -> None:
            """Drops the store now (the handle stays until the object dies)."""
            ptr = self._ptr
            if ptr is not None:
                _store_destroy(ptr)
                if _pending[0]:
                    raise_failure()  # refused: a method is running on it, so it stays open
                self._ptr = None

    _awaiting: Dict[int, Tuple[asyncio.AbstractEventLoop, asyncio.Future[int]]] = {}

    def _settle(future: asyncio.Future[int], value: Optional[int], error: Optional[BaseException]) -> None:
        if future.cancelled():
            return
        if error is None:
            future.set_result(value)  # type: ignore[arg-type]
        else:
            future.set_exception(error)

    @ffi.callback("void(*)(const void *, const void *, const sample_crate_failure *)")
    def _complete(context: Any, value: Any, failure: Any) -> None:
        """On a library thread: settle the future in its loop's thread (a closed loop drops the outcome)."""
        loop, future = _awaiting.pop(int(ffi.cast("uintptr_t", context)))
        if failure:
            outcome: Tuple[Optional[int], Optional[BaseException]] = (None, failure_error(failure))
        else:
            outcome = (ffi.cast("const uint64_t *", value)[0], None)
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody awaits the outcome
            loop.call_soon_threadsafe(_settle, future, *outcome)

    async def double_later(value: int, millis: int) -> int:
        if type(value) is not int or not 0 <= value <= 0xFFFF_FFFF_FFFF_FFFF:
            value = integer("double_later", "value", value, 0, 0xFFFF_FFFF_FFFF_FFFF)
        if type(millis) is not int or not 0 <= millis <= 0xFFFF_FFFF_FFFF_FFFF:
            millis = integer("double_later", "millis", millis, 0, 0xFFFF_FFFF_FFFF_FFFF)
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        key = next(_keys)
        _awaiting[key] = (loop, future)
        _double_later(value, millis, _new("sample_crate_completion *", (_complete, ffi.cast("const void *", key)))[0])
        if _pending[0]:
            _awaiting.pop(key, None)
            raise_failure()
        return await future


def load_checked(name: str, ffi: Any, lib: Any) -> types.ModuleType:
    """This file run as module `name` over `ffi` and `lib`."""
    from handwritten_cffi_defs import load_defs  # noqa: PLC0415 (one loader for both sources)

    return load_defs(name, ffi, lib, __file__)

"""Benchmark baselines "cffi ABI+def" and "cffi API+def": plain `def` wrappers over hand-written cffi bindings,
with the generated module's Python-facing types (as handwritten_ctypes.py's "ctypes+def": no checks; the objects
hold cffi memory). A slice shares the caller's buffer (`ffi.from_buffer`), a callback is an `ffi.callback` made
for the call, an async function's completion (an `ffi.callback` made once) settles a future of the running event
loop through `call_soon_threadsafe`.

The same source serves both modes: `load_defs` runs it as a module whose globals `ffi` and `lib` are those of
the ABI-mode or the API-mode bindings, so each wrapper reads its C function from a module global, as generated
code does.
"""

from __future__ import annotations

import sys
import types
from typing import Any, Optional

if __name__ != "handwritten_cffi_defs":  # run by load_defs, with `ffi` and `lib` set
    import asyncio
    import enum
    import itertools

    ffi: Any = globals()["ffi"]
    lib: Any = globals()["lib"]

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

    _str_byte_len, _sum_f64, _for_each_value = lib.str_byte_len, lib.sum_f64, lib.for_each_value
    _store_new, _store_put, _store_get, _store_destroy = lib.store_new, lib.store_put, lib.store_get, lib.store_destroy
    _double_later = lib.double_later
    _from_buffer, _callback, _new = ffi.from_buffer, ffi.callback, ffi.new

    def str_byte_len(s: str) -> int:
        data = s.encode()
        return _str_byte_len(data, len(data))

    def sum_f64(values: Any) -> float:
        return _sum_f64(_from_buffer("double[]", values), len(values))

    def for_each_value(values: Any, on_value: Any) -> int:
        call = _callback("bool(*)(const void *, size_t, double)", lambda _context, index, value: on_value(index, value))
        return _for_each_value(_from_buffer("double[]", values), len(values), _new("OnValue *", (call, ffi.NULL)))

    class Store:
        __slots__ = ("_ptr",)

        def __init__(self) -> None:
            self._ptr = _store_new()

        def put(self, key: str, value: int) -> None:
            data = key.encode()
            _store_put(self._ptr, data, len(data), value)

        def get(self, key: str) -> Any:
            data = key.encode()
            result = _store_get(self._ptr, data, len(data))
            return result.value if result.is_some else None

        def close(self) -> None:
            ptr = self._ptr
            self._ptr = None
            _store_destroy(ptr)

    _awaiting: Any = {}
    _keys = itertools.count(1)

    @ffi.callback("void(*)(const void *, const void *, const sample_crate_failure *)")
    def _complete(context: Any, value: Any, failure: Any) -> None:
        """On a library thread: settle the future in its loop's thread (a failure is not looked at: no checks)."""
        loop, future = _awaiting.pop(int(ffi.cast("uintptr_t", context)))
        loop.call_soon_threadsafe(future.set_result, ffi.cast("const uint64_t *", value)[0])

    async def double_later(value: int, millis: int) -> int:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        key = next(_keys)
        _awaiting[key] = (loop, future)
        _double_later(value, millis, _new("sample_crate_completion *", (_complete, ffi.cast("const void *", key)))[0])
        return await future


def load_defs(name: str, ffi: Any, lib: Any, path: Optional[str] = None) -> types.ModuleType:
    """This file (or the file at `path`, written as this one is) run as module `name` over `ffi` and `lib`."""
    path = path or __file__
    module = types.ModuleType(name)
    module.__dict__.update(ffi=ffi, lib=lib)
    sys.modules[name] = module
    with open(path, encoding="utf-8") as source:
        exec(compile(source.read(), path, "exec"), module.__dict__)
    return module

"""Benchmark baselines "cffi ABI+def" and "cffi API+def": plain `def` wrappers over hand-written cffi bindings,
with the generated module's Python-facing types (as handwritten_ctypes.py's "ctypes+def": no checks; the objects
hold cffi memory).

The same source serves both modes: `load_defs` runs it as a module whose globals `ffi` and `lib` are those of
the ABI-mode or the API-mode bindings, so each wrapper reads its C function from a module global, as generated
code does.
"""

from __future__ import annotations

import sys
import types
from typing import Any

if __name__ != "handwritten_cffi_defs":  # run by load_defs, with `ffi` and `lib` set
    import enum

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


def load_defs(name: str, ffi: Any, lib: Any) -> types.ModuleType:
    """This file run as module `name` over `ffi` and `lib`."""
    module = types.ModuleType(name)
    module.__dict__.update(ffi=ffi, lib=lib)
    sys.modules[name] = module
    with open(__file__, encoding="utf-8") as source:
        exec(compile(source.read(), __file__, "exec"), module.__dict__)
    return module

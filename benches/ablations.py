"""Variants of the generated wrappers, one change each, for attributing their cost line by line.

Each variant calls the generated module's own ctypes function object (`_ffi_fn_*`), so the only
difference from the generated wrapper is the line named in the variant's docstring. The names
are module globals here, as they are in the generated module, so lookups cost the same.
"""

from __future__ import annotations

from sample_crate._native import (  # type: ignore[attr-defined]
    Color,
    Counter,
    _ffi_Color_by_value,
    _ffi_fn_color_next,
    _ffi_fn_counter_get,
    _ffi_fn_counter_increment,
    _ffi_fn_counter_new,
    _ffi_fn_vec2_length,
    _ffi_invalid_argument,
)

VARIANTS: dict[str, list[tuple[str, object]]] = {}


def variant(call: str, label: str):  # type: ignore[no-untyped-def]
    def register(function):  # type: ignore[no-untyped-def]
        VARIANTS.setdefault(call, []).append((label, function))
        return function

    return register


@variant("vec2_length(&Vec2)", "without `if v.__class__ is not Vec2: raise ...`")
def vec2_length_unchecked(v):  # type: ignore[no-untyped-def]
    return _ffi_fn_vec2_length(v)


@variant("color_next(Color)", "without `if c.__class__ is not Color: c = Color(c)`")
def color_next_unchecked(c):  # type: ignore[no-untyped-def]
    return _ffi_Color_by_value[_ffi_fn_color_next(c)]


@variant("color_next(Color)", "result as `Color(r)` instead of `_ffi_Color_by_value[r]`")
def color_next_enum_call(c):  # type: ignore[no-untyped-def]
    if c.__class__ is not Color:
        c = Color(c)
    return Color(_ffi_fn_color_next(c))


@variant("color_next(Color)", "no check, raw int result (the bare call in a def)")
def color_next_raw(c):  # type: ignore[no-untyped-def]
    return _ffi_fn_color_next(c)


@variant("counter_get(&Counter)", "without the `if c.__class__ is not Counter or c._ffi_ptr is None` check")
def counter_get_unchecked(c):  # type: ignore[no-untyped-def]
    return _ffi_fn_counter_get(c._ffi_ptr)


@variant("counter_get(&Counter)", "same checks, `c._ffi_ptr` read once into a local")
def counter_get_one_read(c):  # type: ignore[no-untyped-def]
    if c.__class__ is not Counter:
        raise _ffi_invalid_argument("counter_get", "c", c, Counter)
    ptr = c._ffi_ptr
    if ptr is None:
        raise _ffi_invalid_argument("counter_get", "c", c, Counter)
    return _ffi_fn_counter_get(ptr)


@variant("counter_increment(&mut Counter)", "without the `if c.__class__ is not Counter or c._ffi_ptr is None` check")
def counter_increment_unchecked(c):  # type: ignore[no-untyped-def]
    return _ffi_fn_counter_increment(c._ffi_ptr)


@variant("counter_new(u64) + counter_free(Box<Counter>)", "counter_new with `_ffi_wrap_Counter(...)` inlined")
def counter_new_inlined(start):  # type: ignore[no-untyped-def]
    handle = Counter.__new__(Counter)
    handle._ffi_ptr = _ffi_fn_counter_new(start)
    return handle

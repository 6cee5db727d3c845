"""Variants of the generated wrappers, one change each, for attributing their cost line by line.

Each variant calls the generated module's own ctypes function object (`_ffi_fn_*`) and is the
generated wrapper with the one change its label names, everything else kept (the argument checks and
the failure check). The names are module globals here, as they are in the generated module, so
lookups cost the same.
"""

from __future__ import annotations

from sample_crate._native import (  # type: ignore[attr-defined]
    Color,
    _ffi_Color_by_value,
    _ffi_fn_add,
    _ffi_fn_color_next,
    _ffi_fn_counter_get,
    _ffi_fn_counter_increment,
    _ffi_fn_noop,
    _ffi_fn_vec2_length,
    _ffi_invalid_argument,
    _ffi_pending,
    _ffi_raise_failure,
    _ffi_scalar,
)

VARIANTS: dict[str, list[tuple[str, object]]] = {}


def variant(call: str, label: str):  # type: ignore[no-untyped-def]
    def register(function):  # type: ignore[no-untyped-def]
        VARIANTS.setdefault(call, []).append((label, function))
        return function

    return register


@variant("noop()", "without the failure check `if _ffi_pending.value: ...`")
def noop_unchecked():  # type: ignore[no-untyped-def]
    _ffi_fn_noop()


@variant("add(u32, u32)", "without the range checks of `a` and `b`")
def add_unranged(a, b):  # type: ignore[no-untyped-def]
    result = _ffi_fn_add(a, b)
    if not result and _ffi_pending.value:
        _ffi_raise_failure(None)
    return result


@variant("add(u32, u32)", "without the failure check `if not _ffi_result and _ffi_pending.value: ...`")
def add_without_failure_check(a, b):  # type: ignore[no-untyped-def]
    if a.__class__ is not int or not 0 <= a <= 4294967295:
        a = _ffi_scalar("add() argument 'a'", a, "u32")
    if b.__class__ is not int or not 0 <= b <= 4294967295:
        b = _ffi_scalar("add() argument 'b'", b, "u32")
    return _ffi_fn_add(a, b)


@variant("vec2_length(&Vec2)", "without `if v.__class__ is not Vec2: raise ...`")
def vec2_length_unchecked(v):  # type: ignore[no-untyped-def]
    result = _ffi_fn_vec2_length(v)
    if not result and _ffi_pending.value:
        _ffi_raise_failure(None)
    return result


@variant("color_next(Color)", "without `if c.__class__ is not Color: c = Color(c)`")
def color_next_unchecked(c):  # type: ignore[no-untyped-def]
    result = _ffi_fn_color_next(c)
    if not result and _ffi_pending.value:
        _ffi_raise_failure(None)
    return _ffi_Color_by_value[result]


@variant("color_next(Color)", "result as `Color(r)` instead of `_ffi_Color_by_value[r]`")
def color_next_enum_call(c):  # type: ignore[no-untyped-def]
    if c.__class__ is not Color:
        c = Color(c)
    result = _ffi_fn_color_next(c)
    if not result and _ffi_pending.value:
        _ffi_raise_failure(None)
    return Color(result)


@variant("counter_get(&Counter)", "without the `if c.__class__ is not Counter or c._ffi_ptr is None` check")
def counter_get_unchecked(c):  # type: ignore[no-untyped-def]
    result = _ffi_fn_counter_get(c._ffi_ptr)  # (the generated wrapper passes the pointer its check read)
    if not result and _ffi_pending.value:
        _ffi_raise_failure(None)
    return result


@variant("counter_increment(&mut Counter)", "without the `if c.__class__ is not Counter or c._ffi_ptr is None` check")
def counter_increment_unchecked(c):  # type: ignore[no-untyped-def]
    result = _ffi_fn_counter_increment(c._ffi_ptr)
    if not result and _ffi_pending.value:
        _ffi_raise_failure(None)
    return result


# Keeps the import used: the unchecked variants stand for wrappers that would call it on a bad argument.
assert _ffi_invalid_argument is not None

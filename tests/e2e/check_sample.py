"""Calls every construct of the installed sample_crate wheel; run by each interpreter under test.

Runs on CPython 3.8+ and PyPy with only the standard library and the installed wheel.
"""

import enum
import math
import sys
import typing

import sample_crate
from sample_crate import _native as native


def raises(exc_type, func, *args, **kwargs):
    """Call ``func`` expecting ``exc_type``; return the message."""
    try:
        func(*args, **kwargs)
    except exc_type as e:
        return str(e)
    raise AssertionError(f"{func.__name__}{args} did not raise {exc_type.__name__}")


def check_primitives():
    assert sample_crate.add(2, 3) == 5
    assert sample_crate.add(2**32 - 1, 1) == 0  # wrapping, as the Rust doc says
    assert sample_crate.sum_integers(-1, -2, -3, -4, 5, 6, 7, 8, -9) == 7
    assert sample_crate.sum_integers(a=1, b=2, c=3, d=4, e=5, f=6, g=7, h=8, i=9) == 45
    assert sample_crate.scale(1.5, 2.0) == 3.0
    assert sample_crate.is_even(-4) is True
    assert sample_crate.is_even(7) is False
    assert sample_crate.negate(True) is False
    assert sample_crate.noop() is None
    # `from` is a Python keyword: the parameter is `from_`
    assert sample_crate.distance(from_=3, to=10) == 7
    assert sample_crate.distance(10, 3) == 7


def check_structs():
    Vec2, Rect = sample_crate.Vec2, sample_crate.Rect
    a = Vec2(x=1.0, y=2.0)
    assert repr(a) == "Vec2(x=1.0, y=2.0)"
    assert a == Vec2(x=1.0, y=2.0)
    assert a != Vec2(x=1.0, y=3.0)
    assert Vec2() == Vec2(x=0.0, y=0.0)
    assert sample_crate.vec2_add(a, Vec2(x=3.0, y=4.0)) == Vec2(x=4.0, y=6.0)
    assert sample_crate.vec2_length(Vec2(x=3.0, y=4.0)) == 5.0
    v = Vec2(x=1.5, y=-2.0)
    assert sample_crate.vec2_scale(v, 2.0) is None
    assert v == Vec2(x=3.0, y=-4.0), v  # written through the &mut reference
    r = Rect(origin=Vec2(x=1.0, y=1.0), size=Vec2(x=4.0, y=2.0))
    assert sample_crate.rect_area(r) == 8.0
    assert sample_crate.rect_center(r) == Vec2(x=3.0, y=2.0)
    assert r.size.x == 4.0
    # wrong types are Python errors, not crashes
    raises(TypeError, sample_crate.vec2_length, None)
    raises(TypeError, sample_crate.vec2_length, (3.0, 4.0))
    raises(TypeError, sample_crate.vec2_scale, r, 2.0)
    assert sample_crate.Vec2.__doc__ and "point" in sample_crate.Vec2.__doc__


def check_enums():
    Color, Direction, LogLevel = sample_crate.Color, sample_crate.Direction, sample_crate.LogLevel
    assert issubclass(Color, enum.IntEnum)
    assert [(m.name, m.value) for m in Color] == [("Red", 1), ("Green", 2), ("Blue", 4)]
    assert [m.value for m in LogLevel] == [-2, -1, 0, 1, 2]
    assert sample_crate.color_next(Color.Blue) is Color.Red
    assert sample_crate.color_next(2) is Color.Blue  # plain ints are accepted when valid
    assert "3" in raises(ValueError, sample_crate.color_next, 3)  # an invalid discriminant never reaches Rust
    assert sample_crate.direction_turn(Direction.West) is Direction.North
    s = sample_crate.sample_new(7, 0.5, 4, Color.Green)
    assert (s.id, s.value, s.flags, s.color) == (7, 0.5, 4, Color.Green)
    assert s.color is Color.Green
    assert sample_crate.sample_score(s) == 0.5 * 4 + 7 + 2
    s.color = Color.Blue
    assert sample_crate.sample_score(s) == 0.5 * 4 + 7 + 4
    raises(ValueError, setattr, s, "color", 3)
    assert sample_crate.Sample(id=1, value=2.0, flags=3, color=Color.Red) == sample_crate.sample_new(
        1, 2.0, 3, Color.Red
    )


def check_opaque():
    Counter = sample_crate.Counter
    raises(TypeError, Counter)
    c = sample_crate.counter_new(41)
    assert isinstance(c, Counter)
    assert sample_crate.counter_increment(c) == 42
    assert sample_crate.counter_get(c) == 42
    snap = sample_crate.counter_snapshot(c)
    assert (snap.value, snap.increments) == (42, 1)
    assert isinstance(snap.counter, int) and snap.counter != 0
    raises(TypeError, sample_crate.counter_get, sample_crate.Vec2())
    raises(TypeError, sample_crate.counter_get, None)
    sample_crate.counter_free(c)  # ownership moves into Rust ...
    assert "released" in repr(c)
    raises(ValueError, sample_crate.counter_get, c)  # ... so using it again is an error, not a use-after-free
    raises(ValueError, sample_crate.counter_free, c)
    assert sample_crate.counter_try_new(5000) is None
    d = sample_crate.counter_try_new(10)
    assert d is not None and sample_crate.counter_get(d) == 10
    sample_crate.counter_free(d)


def check_constants():
    assert sample_crate.MAX_ITEMS == 64
    assert sample_crate.MIN_OFFSET == -42
    assert sample_crate.DEFAULT_SCALE == 2.5
    assert sample_crate.HAS_COUNTER is True
    assert sample_crate.BIG == 2**64 - 1


def check_docs_and_hints():
    assert sample_crate.add.__doc__ == "Adds two numbers, wrapping on overflow."
    hints = typing.get_type_hints(sample_crate.add)
    assert hints == {"a": int, "b": int, "return": int}, hints
    hints = typing.get_type_hints(sample_crate.counter_try_new)
    assert hints["return"] == typing.Optional[sample_crate.Counter], hints
    assert typing.get_type_hints(sample_crate.vec2_length)["v"] is sample_crate.Vec2
    assert set(native.__all__) >= {"add", "Vec2", "Color", "Counter", "MAX_ITEMS"}
    assert all(not name.startswith("_") for name in native.__all__)


def main():
    check_primitives()
    check_structs()
    check_enums()
    check_opaque()
    check_constants()
    check_docs_and_hints()
    assert math.isfinite(sample_crate.DEFAULT_SCALE)
    impl = sys.implementation.name
    print(f"{impl} {sys.version_info[0]}.{sys.version_info[1]}: sample_crate: all checks passed")


if __name__ == "__main__":
    main()

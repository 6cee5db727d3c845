"""Calls every construct of the installed sample_crate wheel; run by each interpreter under test.

Runs on CPython 3.8+ and PyPy with only the standard library and the installed wheel.
"""

import array
import asyncio
import atexit
import collections
import contextlib
import contextvars
import copy
import ctypes
import enum
import gc
import inspect
import math
import os
import pickle
import select
import struct
import subprocess
import sys
import threading
import time
import typing
import warnings
import weakref

import sample_crate
from sample_crate import _native as native

#: The bindings come from the cffi backend (else from the ctypes backend): the same surface, a few documented
#: differences (cffi's calls always let go of the GIL; objects hold cdata).
CFFI = hasattr(native, "_ffi_cf")

OPTIONS_AND_ARRAYS_TYPES = (sample_crate.Color, sample_crate.Direction, sample_crate.Reading, sample_crate.Vec2)


def raises(exc_type, func, *args, **kwargs):
    """Call ``func`` expecting ``exc_type``; return the message."""
    try:
        func(*args, **kwargs)
    except exc_type as e:
        return str(e)
    raise AssertionError(f"{func.__name__}{args} did not raise {exc_type.__name__}")


async def raises_async(exc_type, awaitable):
    """Await `awaitable` expecting `exc_type`; return the exception."""
    try:
        await awaitable
    except exc_type as e:
        return e
    raise AssertionError(f"{awaitable} did not raise {exc_type.__name__}")


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
    # A struct has its fields and nothing else: a misspelt one raises, it is not kept beside them (not on PyPy, whose
    # ctypes structures, written in Python, keep an instance dict whatever `__slots__` says).
    if sys.implementation.name == "cpython" or not issubclass(Vec2, ctypes.Structure):
        raises(AttributeError, setattr, a, "z", 1.0)
        assert not hasattr(a, "__dict__")
    assert sample_crate.vec2_add(a, Vec2(x=3.0, y=4.0)) == Vec2(x=4.0, y=6.0)
    assert sample_crate.vec2_length(Vec2(x=3.0, y=4.0)) == 5.0
    # Each result is an object of its own: one still referred to keeps its value when the next is made (the compiled
    # path makes the next one in the last one's place only once nothing else refers to it), and one made there has
    # the new value throughout.
    first = sample_crate.vec2_add(Vec2(1.0, 1.0), Vec2(1.0, 1.0))
    second = sample_crate.vec2_add(Vec2(2.0, 2.0), Vec2(2.0, 3.0))
    assert first is not second and (first, second) == (Vec2(2.0, 2.0), Vec2(4.0, 5.0)), (first, second)
    kept = [sample_crate.vec2_add(Vec2(float(i), 0.0), Vec2()) for i in range(3)]
    assert [v.x for v in kept] == [0.0, 1.0, 2.0], kept
    changed = sample_crate.vec2_add(Vec2(), Vec2())
    changed.y = 9.0
    del changed
    assert sample_crate.vec2_add(Vec2(1.0, 0.0), Vec2()) == Vec2(1.0, 0.0)
    v = Vec2(x=1.5, y=-2.0)
    assert sample_crate.vec2_scale(v, 2.0) is None
    assert v == Vec2(x=3.0, y=-4.0), v  # written through the &mut reference
    # A struct changed in place beside another: one struct cannot be both (Rust's references never alias).
    sample_crate.vec2_add_into(v, Vec2(1.0, 1.0))
    assert v == Vec2(x=4.0, y=-3.0), v
    assert raises(ValueError, sample_crate.vec2_add_into, v, v) == (
        "vec2_add_into() arguments `into` and `other` share memory, and the call may change `into` (`&mut`): "
        "pass separate objects (a copy of one)"
    )
    assert v == Vec2(x=4.0, y=-3.0), v  # untouched
    sample_crate.vec2_add_into(v, Vec2(v.x, v.y))  # a copy is another struct
    assert v == Vec2(x=8.0, y=-6.0), v
    r = Rect(origin=Vec2(x=1.0, y=1.0), size=Vec2(x=4.0, y=2.0))
    assert sample_crate.rect_area(r) == 8.0
    assert sample_crate.rect_center(r) == Vec2(x=3.0, y=2.0)
    assert r.size.x == 4.0
    # wrong types are Python errors, not crashes
    raises(TypeError, sample_crate.vec2_length, None)
    raises(TypeError, sample_crate.vec2_length, (3.0, 4.0))
    raises(TypeError, sample_crate.vec2_scale, r, 2.0)
    assert sample_crate.Vec2.__doc__ and "point" in sample_crate.Vec2.__doc__
    # A nested struct field takes a struct of its type, and says which field it is otherwise.
    r.origin = Vec2(x=2.0, y=2.0)
    assert r.origin == Vec2(x=2.0, y=2.0)
    assert "Rect.origin must be Vec2, not tuple" in raises(TypeError, setattr, r, "origin", (1.0, 2.0))
    assert "Rect.size must be Vec2, not int" in raises(TypeError, Rect, size=3)
    # Copies and pickles are made of the fields' values: independent, and possible with a pointer field too.
    twin = copy.deepcopy(r)
    twin.origin.x = 9.0
    assert r.origin.x == 2.0 and twin.origin.x == 9.0
    assert pickle.loads(pickle.dumps(r)) == r
    snapshot = sample_crate.Snapshot(counter=0x1000, value=5, increments=1)
    assert copy.copy(snapshot) == snapshot


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
    # Two objects of one type, one changed: one object as both is refused, and said as such.
    other = sample_crate.counter_new(8)
    assert sample_crate.counter_add_from(c, other) == 50
    assert raises(ValueError, sample_crate.counter_add_from, c, c) == (
        "counter_add_from() arguments `into` and `other` are the same Counter, which `into` changes (`&mut`) and "
        "`other` reads (`&`): pass two different Counter objects"
    )
    assert sample_crate.counter_get(c) == 50  # untouched
    sample_crate.counter_free(other)
    sample_crate.counter_free(c)  # ownership moves into Rust ...
    assert "released" in repr(c)
    raises(ValueError, sample_crate.counter_get, c)  # ... so using it again is an error, not a use-after-free
    raises(ValueError, sample_crate.counter_free, c)
    assert sample_crate.counter_try_new(5000) is None
    d = sample_crate.counter_try_new(10)
    assert d is not None and sample_crate.counter_get(d) == 10
    sample_crate.counter_free(d)
    assert sample_crate.counter_free_if_any(None) is False  # `Option<Box<T>>`
    e = sample_crate.counter_new(1)
    assert sample_crate.counter_free_if_any(e) is True
    assert "released" in repr(e)
    raises(ValueError, sample_crate.counter_free_if_any, e)
    check_opaque_finaliser()


def check_opaque_finaliser():
    """An owned object (a `Box<T>` result) that no function took is dropped once when Python drops it; a
    borrowed one (a raw pointer result) never is. A notifier's listener is released when the notifier is dropped,
    which makes the drop visible from Python."""

    class Listener:
        def __call__(self, code):
            pass

    def subscribed(notifier):
        """A weak reference to a new listener of `notifier`, which only the library holds."""
        listener = Listener()
        sample_crate.notifier_subscribe(notifier, listener)
        return weakref.ref(listener)

    collect()
    assert not native._ffi_callbacks
    notifier = sample_crate.notifier_new()
    alive = subscribed(notifier)
    collect()
    assert alive() is not None, "the notifier keeps its listener"
    del notifier  # never passed to notifier_free
    collect()
    assert alive() is None, "the finaliser dropped the notifier, which released its listener"
    assert not native._ffi_callbacks
    # An explicit `__del__` lets go of it, once: the collector's later call does nothing; the object reads as
    # released, and the Rust object is dropped when its cell is (at once on CPython; on PyPy, whose finalisers run
    # at a collection, then).
    notifier = sample_crate.notifier_new()
    alive = subscribed(notifier)
    notifier.__del__()
    assert "released" in repr(notifier)
    if sys.implementation.name != "cpython":
        collect()
    assert alive() is None, "the listener was released with the notifier"
    assert not native._ffi_callbacks
    notifier.__del__()
    raises(ValueError, sample_crate.notifier_emit, notifier, 1)
    raises(ValueError, sample_crate.notifier_free, notifier)
    del notifier
    collect()
    # Taken by a function, then dropped by Python: no second drop (that would be a double free).
    for _ in range(100):
        sample_crate.counter_free(sample_crate.counter_new(1))
        assert sample_crate.counter_free_if_any(sample_crate.counter_checked_new(2)) is True
    collect()
    # An `Option<Box<T>>` result is owned too.
    notifier = sample_crate.notifier_new()
    sample_crate.notifier_subscribe(notifier, lambda code: None)
    d = sample_crate.counter_try_new(10)
    assert sample_crate.counter_increment(d) == 11
    d.__del__()
    raises(ValueError, sample_crate.counter_get, d)
    # Objects made without the library hold nothing and release nothing.
    sample_crate.Counter.__new__(sample_crate.Counter).__del__()
    # A refused take (another call is using the object) leaves it with the caller.
    seen = []

    def free_it(code):
        seen.append(raises(ValueError, sample_crate.notifier_free, notifier))

    sample_crate.notifier_subscribe(notifier, free_it)
    assert sample_crate.notifier_emit(notifier, 1) == 2 and len(seen) == 1
    assert "released" not in repr(notifier) and sample_crate.notifier_emit(notifier, 2) == 2
    sample_crate.notifier_clear(notifier)
    sample_crate.notifier_free(notifier)
    collect()
    assert not native._ffi_callbacks
    check_objects_made_again()


def check_objects_made_again():
    """Objects made and dropped over and over, of the classes and of subclasses (the cpython backend keeps the memory
    of objects and cells exactly of its classes for the next ones): each new object holds what it was made with, and
    every service is dropped once."""

    class Tally(sample_crate.Counter):
        pass

    class Shop(sample_crate.Store):
        pass

    Store = sample_crate.Store
    collect()
    live = Store.live_stores()
    kept = []
    for i in range(300):
        counter = sample_crate.counter_new(i)
        assert type(counter) is sample_crate.Counter and sample_crate.counter_get(counter) == i
        bare = Tally.__new__(Tally)  # a subclass's object, holding nothing
        assert isinstance(bare, sample_crate.Counter) and type(bare) is Tally
        store, shop = Store(), Shop()
        store.put("i", i)
        shop.put("i", -i)
        assert type(shop) is Shop and shop.get("i") == -i and store.get("i") == i
        if i % 3 == 0:
            kept.append((i, counter, store))
        elif i % 3 == 1:
            sample_crate.counter_free(counter)  # taken by the library: its object holds nothing
            assert "released" in repr(counter)
            store.close()
        del counter, bare, store, shop
        if i % 7 == 0 and kept:
            kept.pop(0)  # freed between the others
    assert all(sample_crate.counter_get(counter) == i and store.get("i") == i for i, counter, store in kept)
    del kept
    collect()
    assert Store.live_stores() == live, "every store made here was dropped once"


def check_constants():
    assert sample_crate.MAX_ITEMS == 64
    assert sample_crate.MIN_OFFSET == -42
    assert sample_crate.DEFAULT_SCALE == 2.5
    assert sample_crate.HAS_COUNTER is True
    assert sample_crate.BIG == 2**64 - 1


def check_docs_and_hints():
    assert sample_crate.add.__doc__ == "Adds two numbers, wrapping on overflow (a short call: it keeps the GIL)."
    hints = typing.get_type_hints(sample_crate.add)
    assert hints == {"a": int, "b": int, "return": int}, hints
    hints = typing.get_type_hints(sample_crate.counter_try_new)
    assert hints["return"] == typing.Optional[sample_crate.Counter], hints
    assert typing.get_type_hints(sample_crate.vec2_length)["v"] is sample_crate.Vec2
    assert set(native.__all__) >= {"add", "Vec2", "Color", "Counter", "MAX_ITEMS"}
    assert all(not name.startswith("_") for name in native.__all__)


def check_errors():
    MathError = sample_crate.MathError
    assert issubclass(MathError, Exception) and not issubclass(MathError, enum.Enum)
    assert sample_crate.divide(7, 2) == 3
    message = raises(MathError.DivisionByZero, sample_crate.divide, 1, 0)
    assert message and "zero" in message, message
    assert raises(MathError, sample_crate.divide, -(2**31), -1)  # the base class catches every variant
    try:
        sample_crate.checked_sqrt(-1.0)
    except MathError.NegativeInput as e:
        assert e.code == 3 and type(e).__qualname__ == "MathError.NegativeInput"
    else:
        raise AssertionError("checked_sqrt(-1.0) did not raise")
    assert sample_crate.checked_sqrt(9.0) == 3.0
    assert sample_crate.validate_positive(5) is None
    raises(MathError.NegativeInput, sample_crate.validate_positive, -5)
    c = sample_crate.counter_checked_new(3)
    assert sample_crate.counter_get(c) == 3
    sample_crate.counter_free(c)
    raises(MathError.Overflow, sample_crate.counter_checked_new, 2**64 - 1)
    assert MathError.DivisionByZero.__doc__, "variant docs carry over"


def check_error_data():
    """An error enum whose variants carry data: an exception class per variant, with the fields as attributes."""
    ParseError = sample_crate.ParseError
    assert issubclass(ParseError, Exception)
    assert sample_crate.length_in_metres("12.5 km") == 12500.0
    assert sample_crate.length_in_metres("3") == 3.0

    def caught(text):
        try:
            sample_crate.length_in_metres(text)
        except ParseError as e:
            return e
        raise AssertionError(f"length_in_metres({text!r}) did not raise")

    empty = caught("  ")
    assert type(empty) is ParseError.Empty and empty.code == 0, repr(empty)
    assert str(empty) == "no length given" and repr(empty) == "ParseError.Empty()"
    unknown = caught("1 pc")
    assert type(unknown).__qualname__ == "ParseError.UnknownUnit" and unknown.code == 1
    assert unknown.unit == "pc" and unknown.known == ["m", "km", "mi"]
    assert str(unknown) == 'unknown unit "pc" (known: m, km, mi)', str(unknown)
    assert repr(unknown) == "ParseError.UnknownUnit(unit='pc', known=['m', 'km', 'mi'])", repr(unknown)
    # The repr evaluates back to the same variant with the same fields.
    again = eval(repr(unknown), {"ParseError": ParseError})
    assert type(again) is type(unknown) and (again.unit, again.known) == (unknown.unit, unknown.known)
    too_long = caught("2000 km")
    assert isinstance(too_long, ParseError.TooLong) and too_long.limit == 1_000_000
    not_a_number = caught("12x m")
    assert isinstance(not_a_number, ParseError.NotANumber)
    assert (not_a_number._0, not_a_number._1) == ("12x", 2), repr(not_a_number)
    assert ParseError.NotANumber.__match_args__ == ("_0", "_1")
    assert ParseError.UnknownUnit.__doc__ == "The unit is none of those known."
    # Pickled (as multiprocessing does with a worker's exception) with its fields and its message.
    for error in (empty, unknown, too_long, not_a_number):
        copied = pickle.loads(pickle.dumps(error))
        assert type(copied) is type(error) and str(copied) == str(error) and repr(copied) == repr(error)
    # Python code makes and raises them too, by keyword or position; the message is then the repr.
    made = ParseError.UnknownUnit(unit="furlong", known=[])
    assert made.unit == "furlong" and str(made) == "ParseError.UnknownUnit(unit='furlong', known=[])"
    assert raises(ParseError.TooLong, _raise, ParseError.TooLong(5)) == "ParseError.TooLong(limit=5)"
    assert "cannot be created directly" in raises(TypeError, ParseError)
    if sys.version_info >= (3, 10):
        matched = {}
        exec(
            "match error:\n    case ParseError.UnknownUnit(unit, known):\n        matched['unit'] = unit\n",
            {"error": unknown, "ParseError": ParseError, "matched": matched},
        )
        assert matched == {"unit": "pc"}

    async def scenario():
        assert await sample_crate.length_in_metres_later("2 km") == 2000.0
        error = await raises_async(ParseError.UnknownUnit, sample_crate.length_in_metres_later("1 pc"))
        assert error.unit == "pc" and str(error).startswith("unknown unit")
        error = await raises_async(ParseError.Empty, sample_crate.length_in_metres_later(""))
        assert str(error) == "no length given"

    asyncio.run(scenario())

    # A callback fails with such an error by raising it: Rust gets that `Err` (decoded from its fields), which
    # here becomes the function's error (the message Rust's `Display` text).
    def read(text):
        if text.endswith(" pc"):
            raise ParseError.UnknownUnit(unit="pc", known=["m"])
        return sample_crate.length_in_metres(text)  # its own errors are ParseErrors too: they go back as they are

    assert sample_crate.total_length(["1 km", "2"], read) == 1002.0
    error = raises(ParseError.UnknownUnit, sample_crate.total_length, ["1 m", "3 pc"], read)
    assert error == 'unknown unit "pc" (known: m)', error
    error = raises(ParseError.TooLong, sample_crate.total_length, ["2000 km"], read)
    assert error == "longer than 1000000 m", error
    try:
        sample_crate.total_length(["12x"], read)
    except ParseError.NotANumber as e:
        assert (e._0, e._1) == ("12x", 2)
    else:
        raise AssertionError("total_length did not raise")
    # Fields that do not fit the Rust type: the callback failed, with a TypeError naming the callback and field.
    message = raises(TypeError, sample_crate.total_length, ["1"], lambda text: _raise(ParseError.TooLong("x")))
    assert "the error of the OnLength callback field 'limit' must be int, not str" in message, message
    # Any other exception (the base class's subclasses of the user's own too) is the callback's failure, raised as is.
    assert raises(KeyError, sample_crate.total_length, ["1"], lambda text: {}["k"]) == "'k'"


def check_record_callback_parameters():
    """A callback gets records (and enums with owned fields) by value: its own decoded copies."""
    ada, bob, cy = (sample_crate.contact_new(name) for name in ("ada", "bob", "cy"))
    ada.tags = ["x", "y"]
    ada.counts = {"k": 3}
    team = sample_crate.Team(lead=ada, members=[ada, bob, cy], color=sample_crate.Color.Red)
    seen = []

    def keep(contact, value, index):
        seen.append((contact, value, index))
        contact.name = "changed"  # its own copy: the library's is untouched
        return index != 1

    values = [sample_crate.Value.Named("k", 0.5), sample_crate.Value.Text("é")]
    assert sample_crate.entries_kept(team, values, keep) == ["ada", "cy"]
    assert [index for _, _, index in seen] == [0, 1, 2]
    first, value, _ = seen[0]
    assert type(first) is sample_crate.Contact and (first.tags, first.counts) == (["x", "y"], {"k": 3})
    assert value == sample_crate.Value.Named("k", 0.5) and seen[1][1] == sample_crate.Value.Text("é")
    assert seen[2][1] == sample_crate.Value.Nothing()  # past the end of `values`
    # A callback that raises: the call raises it.
    assert raises(KeyError, sample_crate.entries_kept, team, [], lambda contact, value, index: {}["k"]) == "'k'"


def check_encoded_callback_results():
    """A callback returns a `Vec`, a map or an `Option` of one: encoded by the module, decoded by the library."""
    assert sample_crate.split_words("ab cd", list) == "a+b c+d"
    assert sample_crate.split_words("ab", lambda word: ()) == ""  # any sequence
    message = raises(TypeError, sample_crate.split_words, "ab", lambda word: [1])
    assert "the result of the OnSplit callback item 0 must be str, not int" in message, message
    # One that raises: the call raises it (the library got an empty `Vec` meanwhile).
    assert raises(KeyError, sample_crate.split_words, "ab", lambda word: {}["k"]) == "'k'"
    tallies = {"a": {"x": 1, "y": 2}, "b": None, "c": {}}
    assert sample_crate.tally_words("a b c a", tallies.get) == 6
    message = raises(OverflowError, sample_crate.tally_words, "a", lambda word: {"x": 2**32})
    assert "the result of the OnTally callback" in message, message


def _raise(error):
    raise error


def check_panics():
    # A failure belongs to the call that caused it: when the check after a call never runs (an
    # exception such as Ctrl-C landed between the call and its check; here the raw function is
    # called, which skips it), the thread's next, unrelated call does not raise it.
    raw = native._ffi_fn_panic_with_message
    raw(b"left behind", len(b"left behind"))
    assert sample_crate.add(1, 2) == 3
    RustPanic = sample_crate.RustPanic
    assert raises(RustPanic, sample_crate.panic_with_message, "boom: ünïcode") == "boom: ünïcode"
    assert sample_crate.add(1, 2) == 3  # the interpreter and the library survive
    message = raises(RustPanic, sample_crate.checked_index, [1, 2, 3], 7)
    assert "index out of bounds" in message, message
    assert sample_crate.checked_index([1, 2, 3], 2) == 3
    # panics on several threads at once are each raised in their own thread
    errors = []

    def worker(n):
        for i in range(200):
            try:
                sample_crate.panic_with_message(f"thread {n} call {i}")
            except RustPanic as e:
                errors.append(str(e) == f"thread {n} call {i}")
            assert sample_crate.add(n, i) == n + i

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(errors) == 800 and all(errors)


def check_strings():
    assert sample_crate.greet("Ferris") == "Hello, Ferris!"
    assert sample_crate.greet("") == "Hello, !"
    assert sample_crate.greet("日本🦀") == "Hello, 日本🦀!"
    assert sample_crate.str_byte_len("🦀") == 4
    assert sample_crate.str_char_count("🦀ab") == 3
    assert sample_crate.str_byte_len("a\0b") == 3  # a Rust &str may hold NUL
    # Text the library need not validate again (CPython's own UTF-8, vouched for by the compiled path) ...
    assert sample_crate.str_char_count("\u00e9" * 1000 + "\U0001f980") == 1001
    assert sample_crate.str_byte_len("\u00e9\u4e2d") == 5
    # ... and what CPython cannot encode, refused before any call.
    assert "cannot be encoded as UTF-8" in raises(ValueError, sample_crate.str_byte_len, "a\ud800")
    assert sample_crate.c_str_len("hello") == 5
    assert "NUL" in raises(ValueError, sample_crate.c_str_len, "a\0b")  # never truncated
    assert sample_crate.empty_string() == ""
    assert sample_crate.repeat_text("ab", 3) == "ababab"


def check_defaults():
    """Trailing parameters with defaults in Rust (`#[ffi_function(defaults(...))]`) may be left out."""
    join = sample_crate.join_repeated
    assert join("ab") == "ab-ab"
    assert join("ab", 3) == "ab-ab-ab"
    assert join("ab", separator="+") == "ab+ab"
    assert join("ab", 1, "+") == "ab"
    assert join(text="x", times=0) == ""
    parameters = inspect.signature(join).parameters
    assert [(p.name, p.default) for p in parameters.values()] == [
        ("text", inspect.Parameter.empty),
        ("times", 2),
        ("separator", "-"),
    ]
    assert sample_crate.scaled(2.0) == 3.0 and sample_crate.scaled(2.0, 2.0) == 4.0
    assert inspect.signature(sample_crate.scaled).parameters["factor"].default == 1.5
    assert "must be int" in raises(TypeError, join, "ab", "3")  # a given argument is still checked
    raises(sample_crate.MathError.Overflow, join, "ab", 2**32 - 1)
    with sample_crate.Store() as store:
        store.put("a", 1)
        assert store.get_or("a") == 1 and store.get_or("b") == 0 and store.get_or("b", -5) == -5
        assert inspect.signature(store.get_or).parameters["fallback"].default == 0
    raises(sample_crate.MathError.Overflow, sample_crate.repeat_text, "abc", 1_000_000)
    assert "must be str, not bytes" in raises(TypeError, sample_crate.greet, b"Ferris")
    assert "must be str, not NoneType" in raises(TypeError, sample_crate.greet, None)
    raises(ValueError, sample_crate.greet, "\ud800")  # a lone surrogate has no UTF-8 form


def check_slices():
    # `bytes` for a `&[u8]` is shared, not copied, on every interpreter: Rust sees the bytes object's own
    # memory (PyPy's ctypes would copy it: the bindings point into it through PyPy's cffi).
    big = bytes(16 * 1024 * 1024)
    if sys.implementation.name == "pypy":
        ffi = __import__("cffi").FFI()  # PyPy ships cffi; CPython's venv here may not have it
        address = int(ffi.cast("uintptr_t", ffi.from_buffer(big)))
    else:
        address = ctypes.cast(big, ctypes.c_void_p).value
    assert sample_crate.slice_address(big) == address
    assert sample_crate.slice_address(memoryview(big)) == address
    values = [1.5, 2.5, 3.0]
    assert sample_crate.sum_f64(values) == 7.0
    assert sample_crate.sum_f64(tuple(values)) == 7.0
    assert sample_crate.sum_f64(array.array("d", values)) == 7.0
    assert sample_crate.sum_f64(memoryview(array.array("d", values))) == 7.0
    assert sample_crate.sum_f64([]) == 0.0
    assert sample_crate.sum_f64(array.array("d")) == 0.0  # empty buffers may be unaligned: never touched
    assert sample_crate.sum_bytes(b"\x01\x02\xff") == 258
    assert sample_crate.sum_bytes(bytearray(b"\x01\x02")) == 3
    assert sample_crate.sum_bytes(memoryview(b"\x00\x05\x06")[1:]) == 11
    assert sample_crate.sum_bytes(b"") == 0
    assert sample_crate.sum_i32([-(2**31), 2**31 - 1]) == -1
    raises(OverflowError, sample_crate.sum_i32, [2**31])  # out of range is an error, never truncated
    # Lists of every size and item (the cpython backend converts exactly typed items in C, any other list is the
    # wrapper's): more items than a small buffer holds, an int among floats, a bool among ints, bytes as ints.
    assert sample_crate.sum_f64([0.5] * 1000) == 500.0 and sample_crate.sum_f64((0.5,) * 33) == 16.5
    assert sample_crate.sum_f64([1, 2.5]) == 3.5
    assert sample_crate.sum_i32([True, 2, -3]) == 0
    assert sample_crate.sum_bytes([1, 2, 255]) == 258 and sample_crate.sum_bytes((7,)) == 7
    raises(OverflowError, sample_crate.sum_bytes, [256])
    raises(TypeError, sample_crate.sum_i32, [1.5])
    assert "format 'd'" in raises(TypeError, sample_crate.sum_i32, array.array("d", [1.0]))
    raises(TypeError, sample_crate.sum_f64, "abc")
    raises(TypeError, sample_crate.sum_f64, None)
    floats = array.array("f", [1.0, 2.0, 4.0])
    sample_crate.scale_f32_in_place(floats, 0.5)
    assert list(floats) == [0.5, 1.0, 2.0]  # written in place, no copy
    as_list = [1.0, 2.0]
    sample_crate.scale_f32_in_place(as_list, 3.0)
    assert as_list == [3.0, 6.0]  # a list gets the writes back
    raises(TypeError, sample_crate.scale_f32_in_place, (1.0, 2.0), 2.0)  # a tuple cannot
    raises(TypeError, sample_crate.scale_f32_in_place, memoryview(bytes(8)).cast("f"), 2.0)  # read-only
    # A mutable slice beside another: memory shared between them is refused, wherever it overlaps.
    doubles = array.array("d", [1.0, 2.0, 3.0, 4.0])
    sample_crate.f64_add_into(doubles, array.array("d", [10.0, 20.0]))
    assert list(doubles) == [11.0, 22.0, 3.0, 4.0]
    view = memoryview(doubles)
    if sys.implementation.name == "pypy":
        # PyPy may move an array during a call, so each argument is a copy of it: nothing is shared, and the call
        # reads the values as they were.
        sample_crate.f64_add_into(view[:2], view[1:3])
        assert list(doubles) == [33.0, 25.0, 3.0, 4.0]
        doubles[:2] = array.array("d", [11.0, 22.0])
    else:
        assert "`into` and `values` share memory" in raises(ValueError, sample_crate.f64_add_into, doubles, doubles)
        assert "share memory" in raises(ValueError, sample_crate.f64_add_into, view[:2], view[1:3])
        assert list(doubles) == [11.0, 22.0, 3.0, 4.0]
    sample_crate.f64_add_into(view[:2], view[2:])  # side by side: nothing shared
    assert list(doubles) == [14.0, 26.0, 3.0, 4.0]
    sample_crate.f64_add_into(doubles, list(doubles))  # a list is copied for the call: its own memory
    assert list(doubles) == [28.0, 52.0, 6.0, 8.0]
    view.release()
    shorts = bytearray(6)
    sample_crate.fill_u16(memoryview(shorts).cast("H"), 0x0102)
    assert shorts == bytes(array.array("H", [0x0102] * 3))
    Vec2 = sample_crate.Vec2
    points = [Vec2(x=1.0, y=2.0), Vec2(x=3.0, y=4.0)]
    assert sample_crate.vec2_sum(points) == Vec2(x=4.0, y=6.0)
    assert sample_crate.vec2_sum([]) == Vec2()
    assert "item 1 is int" in raises(TypeError, sample_crate.vec2_sum, [Vec2(), 3])
    to_normalize = [Vec2(x=3.0, y=4.0), Vec2(x=0.0, y=2.0)]
    first = to_normalize[0]
    sample_crate.vec2_normalize_all(to_normalize)
    assert first == Vec2(x=0.6000000238418579, y=0.800000011920929), first  # the same object, updated
    assert to_normalize[1] == Vec2(x=0.0, y=1.0)
    big = bytearray(100 * 1024 * 1024)  # 100 MB: shared with Rust, not copied
    big[-1] = 7
    assert sample_crate.sum_bytes(big) == 7
    # Rust's writes land in the caller's own 100 MB: the buffer was shared (a copy would leave it as it was).
    wide = memoryview(big).cast("H")
    sample_crate.fill_u16(wide, 0x0101)
    assert big[0] == 1 and big[-1] == 1
    wide.release()


def check_owned_buffers():
    assert sample_crate.range_u32(3, 7) == [3, 4, 5, 6]
    assert sample_crate.range_u32(7, 3) == []
    assert sample_crate.reversed_bytes(b"abc") == b"cba"
    assert sample_crate.reversed_bytes(b"") == b""
    grid = sample_crate.vec2_grid(2)
    assert len(grid) == 4 and all(isinstance(p, sample_crate.Vec2) for p in grid), grid
    assert sample_crate.empty_f64s() == []


def check_options_and_arrays():
    Color, Direction, Reading, Vec2 = OPTIONS_AND_ARRAYS_TYPES
    assert sample_crate.sqrt_or_none(9.0) == 3.0
    assert sample_crate.sqrt_or_none(-1.0) is None
    assert sample_crate.or_fallback(None, 7) == 7
    assert sample_crate.or_fallback(-3, 7) == -3
    assert sample_crate.midpoint(Vec2(x=0.0, y=0.0), Vec2(x=2.0, y=4.0)) == Vec2(x=1.0, y=2.0)
    assert sample_crate.midpoint(Vec2(x=5.0, y=5.0), None) == Vec2(x=5.0, y=5.0)
    assert sample_crate.midpoint(None, Vec2(x=1.0, y=1.0)) is None
    assert sample_crate.color_after(Color.Red) is Color.Green
    assert sample_crate.color_after(2) is Color.Blue  # a plain int is checked and accepted
    assert sample_crate.color_after(Color.Blue) is None
    assert sample_crate.color_after(None) is None
    raises(ValueError, sample_crate.color_after, 3)  # not a Color: never handed to Rust
    raises(TypeError, sample_crate.midpoint, "not a Vec2", None)
    assert sample_crate.length_if_any(Vec2(x=3.0, y=4.0)) == 5.0
    assert sample_crate.length_if_any(None) is None

    example = sample_crate.reading_example()
    assert example.celsius == 21.5 and example.light is None
    assert example.samples == (1.0, 2.0, 3.0, 4.5)
    assert example.corners == (Vec2(x=0.0, y=0.0), Vec2(x=2.0, y=1.0))
    assert example.channels == (7, None, 255)
    assert example.antennas == (Direction.North, Direction.West)
    assert sample_crate.reading_total(example) == 1.0 + 2.0 + 3.0 + 4.5 + 21.5 + 7 + 255
    assert eval(repr(example), vars(sample_crate)) == example

    reading = Reading(samples=[1.0, 1.0, 1.0, 1.0], channels=(None, 2, None), light=Color.Blue)
    assert reading.celsius is None and reading.light is Color.Blue
    assert reading.antennas == (Direction.North, Direction.North)  # zeroed: the first direction
    assert sample_crate.reading_total(reading) == 6.0
    reading.celsius = 0.5
    reading.channels = [None, None, None]
    assert sample_crate.reading_total(reading) == 4.5
    assert "exactly 4 items, not 3" in raises(ValueError, Reading, samples=[1.0, 2.0, 3.0])
    assert "exactly 2 items, not 3" in raises(ValueError, setattr, reading, "antennas", [0, 1, 2])
    raises(ValueError, Reading, antennas=[Direction.East, 99])  # not a Direction: refused
    raises(TypeError, Reading, samples=4.0)


def check_owned_values():
    """Owned `String` and `Vec<T>` parameters (sync and async) and Rust's own `Option<T>` of a value."""
    Color, _, _, Vec2 = OPTIONS_AND_ARRAYS_TYPES
    assert sample_crate.title_case("hello wide world") == "Hello Wide World"
    assert sample_crate.title_case("a-b-c", "-") == "A-B-C"
    assert sample_crate.title_case(text="élan vital", separator=" ") == "Élan Vital"
    assert sample_crate.title_case("") == ""
    raises(TypeError, sample_crate.title_case, b"bytes")
    raises(ValueError, sample_crate.title_case, "\ud800")  # a lone surrogate is no UTF-8
    values = [3.0, 1.0, 2.0]
    assert sample_crate.median(values) == 2.0
    assert values == [3.0, 1.0, 2.0], "the function sorted its own copy"
    assert sample_crate.median(array.array("d", [4.0, 1.0, 2.0, 3.0])) == 2.5
    assert sample_crate.median([]) is None
    raises(TypeError, sample_crate.median, ["one"])
    points = [Vec2(x=0.0, y=0.0), Vec2(x=5.0, y=5.0), Vec2(x=1.0, y=2.0)]
    assert sample_crate.nearest(points, Vec2(x=1.0, y=1.0)) == Vec2(x=1.0, y=2.0)
    assert sample_crate.nearest([], Vec2()) is None
    raises(TypeError, sample_crate.nearest, [Vec2(), "not a Vec2"], Vec2())
    assert sample_crate.clamp_between(5) == 5
    assert sample_crate.clamp_between(5, 7) == 7
    assert sample_crate.clamp_between(5, high=3) == 3
    assert sample_crate.clamp_between(5, None, None) == 5
    assert "outside the range of i64" in raises(OverflowError, sample_crate.clamp_between, 0, 2**63)
    assert sample_crate.color_named("Blue") is Color.Blue
    assert sample_crate.color_named("mauve") is None
    assert sample_crate.blues([Color.Blue, Color.Red, 4]) == 2
    raises(ValueError, sample_crate.blues, [Color.Blue, 3])  # not a Color: refused before the call

    # A service object by value: taken by the call (closed for Python), dropped by Rust at its end.
    live = sample_crate.Store.live_stores()
    into, other = sample_crate.Store(), sample_crate.Store()
    into.put("a", 1)
    other.put("b", 2)
    assert into.merge(other) == 1
    assert into.get("b") == 2
    assert "closed" in raises(ValueError, other.get, "b")
    assert "closed" in raises(ValueError, into.merge, other)  # taken once
    raises(TypeError, into.merge, "not a Store")
    # Its own receiver: refused, said as such, and the object is left open.
    assert raises(ValueError, into.merge, into) == (
        "Store.merge() argument `other` is the Store the method is called on, which it changes (`&mut self`) and "
        "so cannot also take as an argument: pass another Store"
    )
    assert into.get("a") == 1
    assert sample_crate.Store.live_stores() == live + 1
    into.close()

    async def scenario():
        data = bytearray(b"abc")
        task = asyncio.ensure_future(sample_crate.checksum_later(data, "fnv"))
        await asyncio.sleep(0)  # the task starts the call, then waits for its outcome
        data[:] = b"xyz"  # the future owns a copy made when the call started
        assert await task == f"fnv:{sample_crate.fnv1a(b'abc'):016x}"
        assert await sample_crate.checksum_later(b"", label="empty") == f"empty:{sample_crate.fnv1a(b''):016x}"

    asyncio.run(scenario())


def check_tuple_structs():
    """Tuple structs: constructed positionally, shown as constructed, their fields `_0`, `_1`."""
    Meters, Extent = sample_crate.Meters, sample_crate.Extent
    m = Meters(2.5)
    assert m._0 == 2.5 and repr(m) == "Meters(2.5)"
    assert eval(repr(m), vars(sample_crate)) == m
    extent = Extent(Meters(1.0), Meters(3.0))
    assert repr(extent) == "Extent(Meters(1.0), Meters(3.0))"
    assert eval(repr(extent), vars(sample_crate)) == extent
    assert sample_crate.extent_longer(extent) == Meters(3.0)
    assert sample_crate.meters_sum([Meters(1.5), Meters(2.0)]) == Meters(3.5)
    assert Meters() == Meters(0.0) and Meters(_0=1.0) == Meters(1.0)
    raises(TypeError, Meters, "2.5")
    raises(TypeError, Extent, 1.0, 2.0)  # a field of a struct type takes that struct
    m._0 = 4.0
    assert m == Meters(4.0)


def check_newtypes():
    """`#[repr(transparent)]` newtypes: the number itself (an int or float subclass, no `._0`), constructed
    positionally and range-checked, wrapped wherever one comes back: results, options, lists, struct and record
    fields, callback arguments, async results."""
    # Integer newtypes are map keys: dict keys come back as the newtype.
    raised = sample_crate.user_scores_raised({sample_crate.UserId(2): 5, 3: 1})
    assert raised == {2: 6, 3: 2} and all(type(key) is sample_crate.UserId for key in raised), raised
    assert list(raised) == [2, 3]  # a BTreeMap: in key order
    # A callback gets a slice of newtypes as a list of them.
    got = []
    assert sample_crate.user_picked([4, sample_crate.UserId(9)], lambda ids: got.append(ids) or ids[-1]) == 9
    assert got == [[4, 9]] and all(type(item) is sample_crate.UserId for item in got[0]), got

    UserId, Celsius, Badge, Member = sample_crate.UserId, sample_crate.Celsius, sample_crate.Badge, sample_crate.Member
    uid = UserId(5)
    assert isinstance(uid, int) and uid == 5 and uid + 1 == 6 and not hasattr(uid, "_0")
    assert repr(uid) == "UserId(5)" and str(uid) == "5" and f"{uid:03d}" == "005"
    assert eval(repr(uid), vars(sample_crate)) == uid and type(eval(repr(uid), vars(sample_crate))) is UserId
    assert pickle.loads(pickle.dumps(uid)) == uid and type(pickle.loads(pickle.dumps(uid))) is UserId
    assert type(copy.copy(uid)) is UserId and hash(uid) == hash(5)
    assert UserId(True) == 1 and type(UserId(UserId(3))) is UserId
    assert raises(OverflowError, UserId, -1).startswith("UserId() argument 'value' is -1, outside the range of u64")
    assert raises(OverflowError, UserId, 1 << 64).startswith("UserId() argument 'value' is ")
    assert raises(TypeError, UserId, "5") == "UserId() argument 'value' must be int, not str"
    raises(TypeError, UserId, 2.5)
    c = Celsius(36.5)
    assert isinstance(c, float) and c == 36.5 and repr(c) == "Celsius(36.5)" and str(c) == "36.5"
    assert eval(repr(c), vars(sample_crate)) == c and Celsius(3) == 3.0 and type(Celsius(3)) is Celsius
    assert raises(TypeError, Celsius, "x") == "Celsius() argument 'value' must be float, not str"
    raises(OverflowError, Celsius, 1e300)  # beyond f32

    # Parameters take the newtype or any value its number takes; results are the newtype.
    for value in (UserId(41), 41):
        result = sample_crate.user_next(value)
        assert result == 42 and type(result) is UserId
    assert type(sample_crate.user_next(UserId((1 << 64) - 1))) is UserId  # wraps in Rust
    raises(OverflowError, sample_crate.user_next, -1)
    assert raises(TypeError, sample_crate.user_next, "1") == "user_next() argument 'id' must be int, not str"
    # Slices, from a list of either or a buffer of the number; an optional result.
    best = sample_crate.user_max([UserId(3), 9, UserId(4)])
    assert best == 9 and type(best) is UserId
    assert sample_crate.user_max(array.array("Q", [1, 7])) == UserId(7)
    assert sample_crate.user_max([]) is None
    assert raises(OverflowError, sample_crate.user_max, [1, -1]).startswith("user_max() argument 'ids'")
    # A mutable slice: a list gets newtypes back, a buffer its numbers.
    bumped = [UserId(1), 2]
    sample_crate.user_bump_all(bumped, 10)
    assert bumped == [11, 12] and all(type(i) is UserId for i in bumped)
    raw = array.array("Q", [5])
    sample_crate.user_bump_all(raw, 1)
    assert raw[0] == 6
    ids = sample_crate.user_range(UserId(10), 3)
    assert ids == [10, 11, 12] and all(type(i) is UserId for i in ids)
    assert sample_crate.user_range(0, 0) == []
    # An optional float newtype argument.
    assert sample_crate.celsius_to_fahrenheit(Celsius(100.0)) == 212.0
    assert sample_crate.celsius_to_fahrenheit(-40) == -40.0 and sample_crate.celsius_to_fahrenheit(None) is None
    # Fields of a C struct: the number stored, the newtype read back (an option's too).
    badge = sample_crate.badge_for(UserId(7), Celsius(39.5))
    assert type(badge.owner) is UserId and badge.owner == 7
    assert type(badge.fever) is Celsius and badge.fever == 39.5
    assert sample_crate.badge_for(1, 36.0).fever is None
    assert repr(badge) == "Badge(owner=UserId(7), fever=Celsius(39.5))", repr(badge)
    assert eval(repr(badge), vars(sample_crate)) == badge
    assert Badge() == Badge(owner=UserId(0), fever=None) and Badge(owner=3).owner == UserId(3)
    badge.owner = 9
    assert type(badge.owner) is UserId and badge.owner == 9
    assert raises(OverflowError, setattr, badge, "owner", -1).startswith("Badge.owner is -1")
    raises(TypeError, Badge, "x")
    # Fields of a record: the number's encoding, decoded into the newtype.
    member = sample_crate.member_new(UserId(20), "Ada")
    assert member == Member(id=UserId(20), name="Ada", friends=[UserId(21), UserId(22)], temperature=None)
    assert type(member.id) is UserId and all(type(i) is UserId for i in member.friends)
    assert repr(member) == "Member(id=UserId(20), name='Ada', friends=[UserId(21), UserId(22)], temperature=None)"
    assert eval(repr(member), vars(sample_crate)) == member
    assert sample_crate.member_friends(member) == [21, 22, 20]
    assert sample_crate.member_friends(Member(id=1, name="", friends=(2,), temperature=Celsius(37.0))) == [2, 1]
    refused = raises(OverflowError, sample_crate.member_friends, Member(id=-1, name="", friends=[]))
    assert refused.startswith("member_friends() argument 'member'"), refused
    # A callback gets the newtype and may return it or a plain int.
    seen = []

    def next_user(user):
        seen.append(user)
        return UserId(user + 2) if user < 4 else user + 1

    assert sample_crate.user_follow(UserId(1), 3, next_user) == 6
    assert seen == [1, 3, 5] and all(type(user) is UserId for user in seen)
    assert type(sample_crate.user_follow(1, 1, next_user)) is UserId

    async def later():
        return await sample_crate.user_next_later(UserId(1))

    result = asyncio.run(later())
    assert result == 2 and type(result) is UserId
    hints = typing.get_type_hints(sample_crate.user_max)
    assert hints == {"ids": typing.Union[typing.Sequence[UserId], memoryview], "return": typing.Optional[UserId]}
    assert UserId.__doc__.startswith("A user's id (a `#[repr(transparent)]` newtype")


def check_wire_values():
    """Owned values without a C layout: lists of strings, maps, options of strings, nested ones (encoded)."""
    assert sample_crate.word_list(" to be  or not ") == ["to", "be", "or", "not"]
    assert sample_crate.word_list("") == []
    # The library's own strings, read in place: any length, any UTF-8, many of them.
    assert sample_crate.word_list("héllo 日本 \U0001f600 a") == ["héllo", "日本", "\U0001f600", "a"]
    many = [f"w{i}" * (i % 7) or "-" for i in range(5000)]
    assert sample_crate.word_list(" ".join(many)) == many
    assert sample_crate.word_counts(["b", "a", "b", "日本"]) == {"a": 1, "b": 2, "日本": 1}
    assert sample_crate.word_counts(("x",)) == {"x": 1}  # any sequence
    assert "argument 'words' item 1 must be str, not int" in raises(TypeError, sample_crate.word_counts, ["a", 1])
    assert "argument 'words' must be a list, not str" in raises(TypeError, sample_crate.word_counts, "abc")
    raises(ValueError, sample_crate.word_counts, ["\ud800"])  # a lone surrogate is no UTF-8
    assert sample_crate.means({"a": [1.0, 3.0], "none": [], "i": [2]}) == {"a": 2.0, "none": None, "i": 2.0}
    assert "argument 'samples' ['a'] item 0 must be float, not str" in raises(
        TypeError, sample_crate.means, {"a": ["1"]}
    )
    assert "key 1 must be str, not int" in raises(TypeError, sample_crate.means, {1: []})
    assert "must be a dict, not list" in raises(TypeError, sample_crate.means, [])
    assert sample_crate.first_word("  hello world") == "hello"
    assert sample_crate.first_word("   ") is None
    assert sample_crate.greet_maybe() == "Hello!"
    assert sample_crate.greet_maybe("Ferris") == "Hello, Ferris!"
    assert sample_crate.greet_maybe(name=None) == "Hello!"
    raises(TypeError, sample_crate.greet_maybe, 3)
    assert sample_crate.chunks(b"abcde", 2) == [b"ab", b"cd", b"e"]
    assert sample_crate.distinct_chars("abracadabra 🦀🦀") == ["a", "b", "r", "c", "d", " ", "🦀"]
    assert sample_crate.factorials(3) == [1, 1, 2, 6]
    assert sample_crate.factorials(34)[-1] == math.factorial(34)  # beyond 64 bits
    raises(sample_crate.MathError.Overflow, sample_crate.factorials, 35)
    Color = sample_crate.Color
    assert sample_crate.colors_named(["Red", "mauve", "blue"]) == [Color.Red, None, Color.Blue]
    assert sample_crate.colors_named(["Red"])[0] is Color.Red
    assert sample_crate.blue_names({"sky": Color.Blue, "sea": 4, "grass": Color.Green}) == ["sea", "sky"]
    assert "argument 'palette' ['x'] is 3, not a valid Color" in raises(ValueError, sample_crate.blue_names, {"x": 3})
    assert "['x'] must be Color or int, not str" in raises(TypeError, sample_crate.blue_names, {"x": "Blue"})
    assert sample_crate.chunks(b"", 2) == []
    store = sample_crate.Store()
    store.put_all({"b": 2, "a": 1})
    assert store.entries() == {"a": 1, "b": 2}
    assert "outside the range of i64" in raises(OverflowError, store.put_all, {"c": 2**63})
    assert store.entries() == {"a": 1, "b": 2}, "refused before the call"
    small = sample_crate.Store.with_capacity(1)
    raises(sample_crate.MathError.Overflow, small.put_all, {"a": 1, "b": 2})
    assert small.entries() == {}
    store.close()
    small.close()

    async def scenario():
        assert await sample_crate.words_later("a b") == ["a", "b"]

    asyncio.run(scenario())


def check_records():
    """Records (structs with owned fields): plain classes, copied across in the wire encoding, in and out, alone, in
    lists and options, nested, holding themselves, sync and async."""
    Contact, Team, Tagged, TreeNode = (
        sample_crate.Contact,
        sample_crate.Team,
        sample_crate.Tagged,
        sample_crate.TreeNode,
    )
    Vec2, Sample, Color = sample_crate.Vec2, sample_crate.Sample, sample_crate.Color
    bo = sample_crate.contact_new("Bo")
    assert bo == Contact(name="Bo", tags=[], score=None, position=Vec2(0.0, 0.0), counts={})
    assert bo.sample is None  # a trailing optional field defaults to None
    assert eval(repr(bo), vars(sample_crate)) == bo
    ada = Contact(
        name="Ada",
        tags=("math", "code"),  # any sequence in
        score=9.5,
        position=Vec2(1.5, -2.0),
        counts={"b": 2, "a": 1},
        sample=Sample(id=7, value=0.25, flags=3, color=Color.Green),
    )
    summary = sample_crate.contact_summary(ada)
    assert summary == 'Ada [math, code] 9.5 at (1.5, -2) [("a", 1), ("b", 2)] Some((7, 0.25, 3, Green))', summary
    tagged = sample_crate.contact_tagged(ada, "new")
    assert (
        tagged.tags == ["math", "code", "new"] and tagged.score == 10.5 and tagged.counts == {"a": 1, "b": 2, "new": 1}
    )
    assert tagged.sample == ada.sample and tagged.position == ada.position
    assert ada.tags == ("math", "code"), "the caller's record is copied, not changed"
    assert Contact.__match_args__ == ("name", "tags", "score", "position", "counts", "sample")
    team = Team(lead=ada, members=[bo, Contact("Al", [], 1.0, Vec2(0, 0), {})], color=Color.Blue)
    assert [c.name for c in sample_crate.team_roster(team)] == ["Ada", "Al", "Bo"]
    assert sample_crate.lead_name() == "nobody" and sample_crate.lead_name(team) == "Ada"
    assert sample_crate.best_contact([bo, tagged, ada]) == tagged
    assert sample_crate.best_contact([bo]) is None and sample_crate.best_contact([]) is None
    assert sample_crate.tagged_words("to bé") == [Tagged("to", 2), Tagged("bé", 2)]
    assert repr(Tagged("x", 1)) == "Tagged('x', 1)"
    tree = TreeNode("root", [TreeNode("a", []), TreeNode("b", [TreeNode("c", [])])])
    assert sample_crate.tree_size(tree) == 4
    # Records nest at most 128 deep (the library refuses deeper input before it can exhaust a thread's stack).
    chain = TreeNode("leaf", [])
    for _ in range(127):
        chain = TreeNode("node", [chain])
    assert sample_crate.tree_size(chain) == 128
    # A record that holds itself, returned: a few levels, and deeper than the compiled decoders go (the runtime's
    # codec decodes it then), alike.
    made = sample_crate.tree_chain(3)
    assert made == TreeNode("node", [TreeNode("node", [TreeNode("leaf", [])])]), made
    for depth in (128, 129, 300):
        node, levels = sample_crate.tree_chain(depth), 1
        while node.children:
            assert type(node) is TreeNode and len(node.children) == 1 and node.label == "node", node
            node, levels = node.children[0], levels + 1
        assert (levels, node.label) == (depth, "leaf"), (depth, levels)
    raises(sample_crate.MathError.Overflow, sample_crate.tree_chain, 301)
    chain = TreeNode("node", [chain])
    assert "is nested deeper than 128 records" in raises(ValueError, sample_crate.tree_size, chain)
    # A wrong value anywhere in a record is refused before the call, naming where it is.
    assert "argument 'contact' field 'tags' item 1 must be str, not int" in raises(
        TypeError, sample_crate.contact_summary, Contact("x", ["a", 1], None, Vec2(0, 0), {})
    )
    assert "argument 'contact' must be Contact, not dict" in raises(TypeError, sample_crate.contact_summary, {})
    assert "argument 'team' field 'members' item 0 field 'score' must be float, not str" in raises(
        TypeError, sample_crate.team_roster, Team(ada, [Contact("x", [], "high", Vec2(0, 0), {})], Color.Red)
    )
    assert "field 'position' must be Vec2, not tuple" in raises(
        TypeError, sample_crate.contact_summary, Contact("x", [], None, (0, 0), {})
    )
    assert "field 'color'" in raises(ValueError, sample_crate.team_roster, Team(ada, [], 3))
    raises(OverflowError, sample_crate.contact_summary, Contact("x", [], None, Vec2(0, 0), {"k": 2**32}))
    deep = TreeNode("x", [])
    deep.children.append(TreeNode("y", [1]))
    assert "field 'children' item 0 field 'children' item 0 must be TreeNode, not int" in raises(
        TypeError, sample_crate.tree_size, deep
    )

    # Values of other types where the encoding takes them (the cpython backend encodes exact types in C and hands
    # the others to the wrapper): a subclass of the record, another sequence or mapping, an int subclass; text of
    # any script, and records larger than a small buffer.
    class Special(Contact):
        __slots__ = ()

    class Tags(list):
        pass

    expected = 'Ada [math, code] 9.5 at (1.5, -2) [("a", 1), ("b", 2)] Some((7, 0.25, 3, Green))'
    assert sample_crate.contact_summary(Special(**{k: getattr(ada, k) for k in Contact.__match_args__})) == expected
    assert (
        sample_crate.contact_summary(
            Contact("Ada", Tags(["math", "code"]), 9.5, Vec2(1.5, -2.0), {"a": 1, "b": 2}, ada.sample)
        )
        == expected
    )
    counts = collections.OrderedDict([("a", True), ("b", 2)])  # a mapping of another class; a bool is an int
    assert (
        sample_crate.contact_summary(Contact("Ada", ["math", "code"], 9.5, Vec2(1.5, -2.0), counts, ada.sample))
        == expected
    )
    big = Contact("é" * 300, ["ü" * 200] * 50, None, Vec2(0, 0), {str(i): i for i in range(200)})
    summary = sample_crate.contact_summary(big)
    assert summary.startswith("é" * 300 + " [" + "ü" * 200 + ", ") and summary.count("ü" * 200) == 50, summary[:80]
    assert "is not valid UTF-8" in raises(
        ValueError, sample_crate.contact_summary, Contact("x", ["\ud800"], None, Vec2(0, 0), {})
    )
    raises(AttributeError, sample_crate.contact_summary, Contact.__new__(Contact))  # a record without its fields

    # An enum whose variants carry owned values: a class per variant, copied like a record.
    Value = sample_crate.Value
    values = [
        Value.Int(-3),
        Value.Text("hé"),
        Value.Pair(1, 2),
        Value.Named("k", 0.5),
        Value.Named("j"),
        Value.Nothing(),
    ]
    assert sample_crate.value_lines(values).splitlines() == [
        "int -3",
        'text "hé"',
        "pair 1 2",
        "named k Some(0.5)",
        "named j None",
        "nothing",
    ]
    assert sample_crate.value_parsed("42") == Value.Int(42)
    assert sample_crate.value_parsed("t=1.5") == Value.Named(key="t", reading=1.5)
    assert sample_crate.value_parsed("  ") == Value.Nothing() and sample_crate.value_parsed("x") == Value.Text("x")
    assert isinstance(Value.Pair(1, 2), Value) and repr(Value.Pair(1, 2)) == "Value.Pair(1, 2)"
    assert eval(repr(Value.Named("k", 0.5)), vars(sample_crate)) == Value.Named("k", 0.5)
    assert Value.Pair.__match_args__ == ("_0", "_1")
    assert "cannot be created directly" in raises(TypeError, Value)
    assert "argument 'values' item 1 field '_0' must be str, not int" in raises(
        TypeError, sample_crate.value_lines, [Value.Int(1), Value.Text(2)]
    )
    assert "item 0 must be Value, not int" in raises(TypeError, sample_crate.value_lines, [3])
    raises(OverflowError, sample_crate.value_lines, [Value.Pair(2**31, 0)])

    # Tuple variants of a data-carrying enum with a C layout: positional, their fields `_0`, `_1`.
    Measure = sample_crate.Measure
    assert sample_crate.measure_doubled(Measure.At(1.5, -2.0)) == Measure.At(3.0, -4.0)
    assert sample_crate.measure_doubled(Measure.Length(2.0))._0 == 4.0
    assert sample_crate.measure_doubled(Measure.Missing()) == Measure.Missing()
    assert repr(Measure.At(1.0, 2.0)) == "Measure.At(1.0, 2.0)" and Measure.At.__match_args__ == ("_0", "_1")

    async def scenario():
        later = await sample_crate.contact_later(ada)
        assert later.tags[-1] == "later" and later.name == "Ada"

    asyncio.run(scenario())


def check_scalar_arguments():
    assert "outside the range of u32" in raises(OverflowError, sample_crate.add, 2**32, 1)  # never truncated
    raises(OverflowError, sample_crate.add, -1, 1)
    assert "must be int, not str" in raises(TypeError, sample_crate.add, "2", 3)
    raises(TypeError, sample_crate.add, 2.0, 3)
    assert sample_crate.add(True, 1) == 2  # an integer of another type is converted
    assert sample_crate.scale(3, 2) == 6.0  # an int for a float is fine
    assert "must be float, not str" in raises(TypeError, sample_crate.scale, "1.5", 2.0)
    assert "must be bool, not int" in raises(TypeError, sample_crate.negate, 1)  # not judged by its truth
    raises(TypeError, sample_crate.add, None, 1)
    # An f32 that a finite number would overflow is refused everywhere a number enters one, never made `inf`;
    # infinities and NaN themselves, and numbers that only round, go through.
    assert "outside the range of f32" in raises(OverflowError, sample_crate.scale, 1.0, 1e39)
    assert sample_crate.scale(1.0, float("inf")) == float("inf")
    assert math.isnan(sample_crate.scale(1.0, float("nan")))
    assert sample_crate.scale(1.0, 3.4028234663852886e38) == 3.4028234663852886e38
    assert "Vec2.x is 1e+39" in raises(OverflowError, sample_crate.Vec2, x=1e39)
    v = sample_crate.Vec2()
    raises(OverflowError, setattr, v, "y", -1e39)
    assert v.y == 0.0
    assert "item 1 is 1e+39" in raises(OverflowError, sample_crate.scale_f32_in_place, [1.0, 1e39], 2.0)
    assert "outside the range of f32" in raises(OverflowError, sample_crate.Reading, samples=[1.0, 1e39, 0.0, 0.0])


def check_chars():
    assert sample_crate.char_upper("a") == "A"
    assert sample_crate.char_upper("ß") == "S"  # the first char of "SS"
    assert sample_crate.char_upper("é") == "É"
    assert sample_crate.char_code("€") == 0x20AC
    assert sample_crate.char_code("\U0010ffff") == 0x10FFFF
    assert sample_crate.char_code("\0") == 0
    assert sample_crate.char_from_code(0x1F600) == "\U0001f600"
    assert sample_crate.char_from_code(0) == "\0"  # a zero result that is no failure
    assert sample_crate.char_from_code(0xD800) == "\ufffd"
    assert sample_crate.char_repeat("ü", 3) == "üüü"
    assert sample_crate.char_repeat(c="x", times=0) == ""

    class Letter(str):
        def __str__(self):
            return "not this"

    assert sample_crate.char_code(Letter("q")) == ord("q")  # a str subclass: the character it holds
    assert "must be one character, got a str of length 2" in raises(ValueError, sample_crate.char_code, "ab")
    assert "length 0" in raises(ValueError, sample_crate.char_code, "")
    assert "must be str (one character), not int" in raises(TypeError, sample_crate.char_code, 97)
    raises(TypeError, sample_crate.char_code, b"a")
    raises(TypeError, sample_crate.char_code, None)
    # A lone surrogate is a str of length 1 but no `char`: Rust refuses the code point, naming the argument.
    message = raises(ValueError, sample_crate.char_code, "\ud800")
    assert "char_code() argument `c` is 0xD800" in message, message
    assert "not a Unicode scalar value" in message
    assert typing.get_type_hints(sample_crate.char_upper) == {"c": str, "return": str}


def check_wide_integers():
    u128_max = 2**128 - 1
    assert sample_crate.u128_wrapping_mul(2**64, 2**63) == 2**127
    assert sample_crate.u128_wrapping_mul(u128_max, u128_max) == 1
    assert sample_crate.u128_wrapping_mul(2**100, 2**30) == 0  # wraps
    assert sample_crate.u128_wrapping_mul(0, 5) == 0
    assert sample_crate.u128_low_bits(2**127 + 5) == 5
    assert sample_crate.u128_low_bits(u128_max) == 2**64 - 1
    i128_min, i128_max = -(2**127), 2**127 - 1
    assert sample_crate.i128_checked_add(-1, 0) == -1
    assert sample_crate.i128_checked_add(i128_min, i128_max) == -1
    assert sample_crate.i128_checked_add(i128_max, 0) == i128_max
    assert sample_crate.i128_checked_add(i128_min, 0) == i128_min
    assert sample_crate.i128_checked_add(2**64, -(2**65)) == -(2**64)
    assert sample_crate.i128_checked_add(-5, 3) == -2
    raises(sample_crate.MathError.Overflow, sample_crate.i128_checked_add, i128_max, 1)
    assert sample_crate.i128_from_halves(-1, 2**64 - 1) == -1
    assert sample_crate.i128_from_halves(-(2**63), 0) == i128_min
    assert sample_crate.i128_from_halves(1, 2) == 2**64 + 2
    assert sample_crate.u128_wrapping_mul(True, 7) == 7  # an integer of another type is converted
    message = raises(OverflowError, sample_crate.u128_wrapping_mul, 2**128, 1)
    assert "u128_wrapping_mul() argument 'a' is" in message and "outside the range of u128" in message, message
    raises(OverflowError, sample_crate.u128_wrapping_mul, -1, 1)
    assert "outside the range of i128" in raises(OverflowError, sample_crate.i128_checked_add, 2**127, 0)
    raises(OverflowError, sample_crate.i128_checked_add, 0, -(2**127) - 1)
    assert "must be int, not float" in raises(TypeError, sample_crate.u128_low_bits, 1.0)
    assert typing.get_type_hints(sample_crate.i128_checked_add) == {"a": int, "b": int, "return": int}
    # Async functions take and return them too (the value is read from the completion's pointer).
    assert asyncio.run(sample_crate.upper_later("ä")) == "Ä"
    assert asyncio.run(sample_crate.i128_double_later(-(2**100))) == -(2**101)
    assert asyncio.run(sample_crate.i128_double_later(2**126)) == -(2**127)  # wraps
    message = raises(OverflowError, asyncio.run, sample_crate.i128_double_later(2**127))
    assert "outside the range of i128" in message, message


def check_bool_and_enum_slices():
    Color, Direction = sample_crate.Color, sample_crate.Direction
    assert sample_crate.count_true([True, False, True]) == 2
    assert sample_crate.count_true(()) == 0
    assert sample_crate.count_true(b"\x01\x00\x01\x01") == 3  # a buffer of bytes, shared
    assert sample_crate.count_true(bytearray([1, 1])) == 2
    assert sample_crate.count_true(array.array("B", [0, 1, 0])) == 1
    flags = [True, False]
    assert sample_crate.negate_all(flags) is None
    assert flags == [False, True] and all(type(flag) is bool for flag in flags)  # bools written back, not ints
    buffer = bytearray([0, 1, 1])
    sample_crate.negate_all(buffer)
    assert buffer == bytearray([1, 0, 0])
    sample_crate.negate_all([])
    assert sample_crate.evens([1, 2, 4, -3]) == [False, True, True, False]
    assert sample_crate.evens([]) == []
    # A byte that is no bool is refused by the library, naming the parameter and the item, before Rust reads it.
    message = raises(ValueError, sample_crate.count_true, b"\x01\x02")
    assert "argument `flags` item 1 is 2, which is not a bool (0 or 1)" in message, message
    buffer = bytearray([1, 0, 255])
    assert "item 2 is 255" in raises(ValueError, sample_crate.negate_all, buffer)
    assert buffer == bytearray([1, 0, 255])  # untouched: refused before the call
    message = raises(TypeError, sample_crate.count_true, [True, 1])
    assert "count_true() argument 'flags' item 1 must be bool, not int" in message, message
    raises(TypeError, sample_crate.count_true, [None])
    assert "must be a list or a writable buffer" in raises(TypeError, sample_crate.negate_all, (True,))
    raises(TypeError, sample_crate.negate_all, b"\x01")  # read-only
    raises(TypeError, sample_crate.count_true, array.array("H", [1]))  # 2-byte items

    assert sample_crate.color_mask([Color.Red, Color.Blue]) == 5
    assert sample_crate.color_mask([]) == 0
    assert sample_crate.color_mask((Color.Green, 4)) == 6  # a valid value is taken, as for an enum argument
    assert sample_crate.color_mask(array.array("B", [1, 2])) == 3
    colors = [Color.Red, Color.Blue, Color.Green]
    sample_crate.colors_advance(colors)
    assert colors == [Color.Green, Color.Red, Color.Blue]
    assert all(type(c) is Color for c in colors)
    assert sample_crate.colors_in(7) == [Color.Red, Color.Green, Color.Blue]
    assert all(type(c) is Color for c in sample_crate.colors_in(6))
    assert sample_crate.colors_in(0) == []
    assert sample_crate.directions_reversed([Direction.North, Direction.West]) == [Direction.West, Direction.North]
    assert sample_crate.directions_reversed(array.array("I", [1, 2])) == [Direction.South, Direction.East]
    message = raises(ValueError, sample_crate.color_mask, bytes([1, 3]))
    assert "argument `colors` item 1 is 3, which is not a variant of Color" in message, message
    message = raises(ValueError, sample_crate.directions_reversed, array.array("I", [0, 4]))
    assert "item 1 is 4, which is not a variant of Direction" in message, message
    buffer = bytearray([1, 9])
    raises(ValueError, sample_crate.colors_advance, buffer)
    assert buffer == bytearray([1, 9])
    message = raises(ValueError, sample_crate.color_mask, [Color.Red, 3])
    assert "color_mask() argument 'colors' item 1" in message, message
    raises(ValueError, sample_crate.color_mask, [Direction.North])  # an int (0), of no Color, as for an argument
    raises(TypeError, sample_crate.color_mask, [1.0])
    hints = typing.get_type_hints(sample_crate.colors_advance)
    assert hints["colors"] == typing.MutableSequence[Color], hints
    assert typing.get_type_hints(sample_crate.colors_in)["return"] == typing.List[Color]
    assert typing.get_type_hints(sample_crate.evens)["return"] == typing.List[bool]


def fnv_digest(data):
    """What the sample's `digest` computes, in Python."""
    out = b""
    for seed in range(4):
        value = 0xCBF29CE484222325 ^ seed
        for byte in data:
            value = ((value ^ byte) * 0x100000001B3) % 2**64
        out += value.to_bytes(8, "little")
    return out


def check_arrays():
    Color = sample_crate.Color
    assert sample_crate.digest(b"hello") == fnv_digest(b"hello")
    assert type(sample_crate.digest(b"")) is bytes and len(sample_crate.digest(b"")) == 32
    assert sample_crate.sum3([1, 2, 3]) == 6
    assert sample_crate.sum3((2**31 - 1, 2**31 - 1, -(2**31))) == 2**31 - 2
    assert sample_crate.sum3(array.array("i", [4, 5, 6])) == 15
    assert sample_crate.sum3(range(3)) == 3
    assert sample_crate.all_four([True] * 4) is True
    assert sample_crate.all_four((True, True, False, True)) is False
    assert sample_crate.color_cycle(Color.Green) == (Color.Green, Color.Blue, Color.Red)
    assert all(type(c) is Color for c in sample_crate.color_cycle(Color.Red))
    assert "must have exactly 3 items, not 2" in raises(ValueError, sample_crate.sum3, [1, 2])
    raises(ValueError, sample_crate.sum3, [1, 2, 3, 4])
    assert "sum3() argument 'values' must be a sequence of 3 items, not int" in raises(TypeError, sample_crate.sum3, 5)
    message = raises(OverflowError, sample_crate.sum3, [1, 2**31, 3])
    assert "sum3() argument 'values' item 1 is 2147483648, outside the range of i32" in message, message
    raises(TypeError, sample_crate.sum3, [1, 2.5, 3])
    assert "item 2 must be bool, not int" in raises(TypeError, sample_crate.all_four, [True, True, 1, True])
    hints = typing.get_type_hints(sample_crate.sum3)
    assert hints["values"] == typing.Sequence[int], hints
    assert typing.get_type_hints(sample_crate.digest)["return"] is bytes
    assert typing.get_type_hints(sample_crate.color_cycle)["return"] == typing.Tuple[Color, ...]


class Stop(Exception):
    pass


class Listener:
    def __init__(self, events):
        self.events = events

    def __call__(self, code):
        self.events.append(code)


def check_callbacks():
    Color, Vec2 = sample_crate.Color, sample_crate.Vec2
    seen = []

    def on_value(index, value):
        seen.append((index, value))
        return index < 2

    assert sample_crate.for_each_value([1.0, 2.0, 3.0, 4.0], on_value) == 3
    assert seen == [(0, 1.0), (1, 2.0), (2, 3.0)]
    assert sample_crate.for_each_value([], on_value) == 0
    assert not native._ffi_callbacks, "a callback used during a call is forgotten after it"
    # A callback that takes text (`fn(word: &str, index: u32) -> bool`): a str, decoded from the bytes Rust passes.
    words = []
    assert (
        sample_crate.for_each_word("héllo  wörld 🦀 end", lambda word, index: words.append((word, index)) or True) == 4
    )
    assert words == [("héllo", 0), ("wörld", 1), ("🦀", 2), ("end", 3)], words
    assert sample_crate.for_each_word("a b c", lambda word, index: index < 1) == 2
    assert sample_crate.for_each_word("", lambda word, index: True) == 0
    lines = []
    assert sample_crate.for_each_line(" ab c\nÿ\n", lambda line, lengths: lines.append((line, lengths)) or True) == 2
    assert lines == [("AB C", [2, 1]), ("Ÿ", [2])]
    assert sample_crate.for_each_line("a\nb", lambda line, lengths: False) == 1
    chars = []
    assert sample_crate.for_each_char("aé🦀", lambda c, index: chars.append((c, index)) or True) == 3
    assert chars == [("a", 0), ("é", 1), ("🦀", 2)]
    # A callback that takes slices: copies (a list, bytes for u8) it may keep.
    windows = []
    total = sample_crate.sum_windows(
        [1.0, 2.0, 3.0, 4.0, 5.0], 2, lambda values, raw: windows.append((values, raw)) or 1.5
    )
    assert total == 4.5, total
    assert windows == [
        ([1.0, 2.0], struct.pack("<d", 1.0)),
        ([3.0, 4.0], struct.pack("<d", 3.0)),
        ([5.0], struct.pack("<d", 5.0)),
    ], windows
    assert type(windows[0][0]) is list and type(windows[0][1]) is bytes
    assert sample_crate.sum_windows([], 3, lambda values, raw: 1.0) == 0.0
    # A callback that takes a struct by value: a copy of its own, which it may keep and change.
    kept = []

    def on_point(point, index):
        kept.append(point)
        point.x = -1.0  # its own copy
        return point.y * index

    points = [Vec2(x=1.0, y=2.0), Vec2(x=3.0, y=4.0)]
    assert sample_crate.fold_points(points, on_point) == 4.0
    assert [type(p) for p in kept] == [Vec2, Vec2] and [p.y for p in kept] == [2.0, 4.0]
    assert points == [Vec2(x=1.0, y=2.0), Vec2(x=3.0, y=4.0)]
    assert "the result of the OnWord callback" in raises(TypeError, sample_crate.for_each_word, "x", lambda w, i: "no")

    def fail(index, value):
        raise Stop(f"at {index}")

    # An exception in a callback is raised by the call that ran it, and the next call works.
    assert raises(Stop, sample_crate.for_each_value, [5.0, 6.0], fail) == "at 0"
    assert sample_crate.for_each_value([1.0], lambda index, value: True) == 1
    message = raises(TypeError, sample_crate.for_each_value, [1.0], lambda index, value: None)
    assert "the result of the OnValue callback must be bool, not NoneType" in message, message
    assert "must be callable, not int" in raises(TypeError, sample_crate.for_each_value, [1.0], 42)
    raises(KeyboardInterrupt, sample_crate.for_each_value, [1.0], lambda i, v: (_ for _ in ()).throw(KeyboardInterrupt))

    values = array.array("q", [1, -2, 3])
    sample_crate.transform_all(values, lambda value: value * 10)
    assert list(values) == [10, -20, 30]
    sample_crate.transform_all(values, None)  # an optional callback
    assert list(values) == [10, -20, 30]
    assert "outside the range of i64" in raises(OverflowError, sample_crate.transform_all, values, lambda v: 2**70)

    points = [Vec2(x=1.0, y=0.0), Vec2(x=-1.0, y=0.0), Vec2(x=2.0, y=5.0)]
    kept = sample_crate.count_kept(points, Color.Green, lambda point, color: point.x > 0 and color is Color.Green)
    assert kept == 2
    assert sample_crate.pick_colors(lambda round: [Color.Red, Color.Green, Color.Blue][round]) == 7
    raises(ValueError, sample_crate.pick_colors, lambda round: 3)  # not a Color: never handed to Rust

    # A callback that returns text: the library copies the str's UTF-8 while the callback runs.
    assert sample_crate.label_each([1, 22, 3], ", ", lambda value: f"#{value}·é") == "#1·é, #22·é, #3·é"
    assert sample_crate.label_each([7], "", lambda value: "") == ""
    assert sample_crate.label_each([], "-", lambda value: "never") == ""
    big = "🦀" * 100_000
    assert sample_crate.label_each([1, 2], "", lambda value: big) == big * 2

    class Text(str):
        def encode(self, *args, **kwargs):  # not the text it holds: never called
            return b"wrong"

    assert sample_crate.label_each([1], "", lambda value: Text("own")) == "own"
    message = raises(TypeError, sample_crate.label_each, [1], "", lambda value: b"bytes")
    assert message == "the result of the OnLabel callback must be str, not bytes", message
    message = raises(ValueError, sample_crate.label_each, [1], "", lambda value: "\ud800")
    assert message.startswith("the result of the OnLabel callback cannot be encoded as UTF-8"), message
    raises(ZeroDivisionError, sample_crate.label_each, [1, 2], "", lambda value: 1 / 0)

    # A callback that returns a struct: written where the library says (its own copy of what the callable made).
    end = sample_crate.walk(Vec2(x=1.0, y=2.0), 3, lambda point, step: Vec2(x=point.x + step, y=point.y * 2))
    assert (end.x, end.y) == (4.0, 16.0), end
    kept = []
    start = Vec2(x=5.0, y=5.0)
    assert sample_crate.walk(start, 1, lambda point, step: kept.append(point) or point).x == 5.0
    assert kept[0] is not start and kept[0].x == 5.0  # a copy of its own
    message = raises(TypeError, sample_crate.walk, start, 1, lambda point, step: (1.0, 2.0))
    assert message == "the result of the OnMove callback must be Vec2, not tuple", message
    raises(ZeroDivisionError, sample_crate.walk, start, 2, lambda point, step: 1 / 0)

    # Callbacks that return an `Option`: None is Rust's `None` (the slot's value until the callable writes one).
    assert sample_crate.parse_all("1 x -5 20", lambda word: int(word) if word.lstrip("-").isdigit() else None) == 16
    assert sample_crate.parse_all("a b", lambda word: None) == 0
    message = raises(OverflowError, sample_crate.parse_all, "a", lambda word: 2**63)
    assert message.startswith("the result of the OnParse callback"), message
    message = raises(TypeError, sample_crate.parse_all, "a", lambda word: "1")
    assert message.startswith("the result of the OnParse callback"), message
    renamed = sample_crate.rename_words("one two three", lambda word: word.upper() if "o" in word else None)
    assert renamed == "ONE TWO three", renamed
    assert sample_crate.rename_words("a b", lambda word: "") == " "
    message = raises(TypeError, sample_crate.rename_words, "a", lambda word: 1)
    assert message == "the result of the OnRename callback must be str, not int", message
    found = sample_crate.find_points(4, lambda round: Vec2(x=round, y=-round) if round % 2 else None)
    assert [(p.x, p.y) for p in found] == [(1.0, -1.0), (3.0, -3.0)]
    message = raises(TypeError, sample_crate.find_points, 1, lambda round: (1.0, 2.0))
    assert message == "the result of the OnFind callback must be Vec2, not tuple", message
    raises(ZeroDivisionError, sample_crate.find_points, 3, lambda round: 1 / 0)

    # Callbacks that return a `Result`: raising a variant of the error's exception class is `Err` for Rust.
    def check(value):
        if value < 0:
            raise sample_crate.MathError.NegativeInput("below zero")
        return value * 2

    assert sample_crate.check_all([1, 2, 3], check) == 12
    # check_all returns the callback's Err as its own: raised as the function's error, with Rust's message.
    message = raises(sample_crate.MathError.NegativeInput, sample_crate.check_all, [1, -1, 5], check)
    assert message == "the input is negative", message
    raises(KeyError, sample_crate.check_all, [1], lambda value: {}[value])  # any other exception: raised as it is
    base = sample_crate.MathError("no variant")
    raised = None
    try:
        sample_crate.check_all([1], lambda value: (_ for _ in ()).throw(base))
    except sample_crate.MathError as error:
        raised = error
    assert raised is base, raised  # the base class is no variant: raised as it is too
    message = raises(TypeError, sample_crate.check_all, [1], lambda value: "2")
    assert message.startswith("the result of the OnCheck callback"), message

    def describe(value):
        if value == 0:
            raise sample_crate.MathError.DivisionByZero()
        return f"{value}!"

    assert sample_crate.describe_all([1, 0, 2], describe) == "1!\n<DivisionByZero>\n2!"
    raises(ZeroDivisionError, sample_crate.describe_all, [1], lambda value: 1 / 0)

    # Callbacks the library keeps: alive while it holds them, released when it drops them.
    events = []
    notifier = sample_crate.notifier_new()
    listener = Listener(events)
    alive = weakref.ref(listener)
    sample_crate.notifier_subscribe(notifier, listener)
    sample_crate.notifier_subscribe(notifier, lambda code: events.append(-code))
    del listener
    gc.collect()
    assert alive() is not None, "the library still holds the listener"
    assert sample_crate.notifier_emit(notifier, 5) == 2
    assert events == [5, -5]
    sample_crate.notifier_subscribe(notifier, lambda code: fail(code, None))
    assert raises(Stop, sample_crate.notifier_emit, notifier, 6) == "at 6"  # raised by the call that ran it
    sample_crate.notifier_clear(notifier)
    gc.collect()
    assert alive() is None, "the library dropped the listener: Python let it go"
    assert not native._ffi_callbacks
    sample_crate.notifier_subscribe(notifier, Listener(events))
    sample_crate.notifier_free(notifier)
    assert not native._ffi_callbacks

    # From a thread of the library's own: the callback runs there; an exception there cannot be raised
    # by any call, so it is printed, and the process goes on.
    sample_crate.notify_from_thread(Listener(events), 7)
    assert events[-1] == 7
    sample_crate.notify_from_thread(lambda code: fail(code, None), 8)
    assert not native._ffi_callbacks
    assert sample_crate.add(1, 1) == 2
    # A timer: the library thread calls the listener after the call returned, then releases it.
    called = threading.Event()
    sample_crate.notify_after(lambda code: (events.append(code), called.set()), 11, 1)
    assert called.wait(10), "the timer's listener was not called"
    for _ in range(1000):
        if not native._ffi_callbacks:
            break
        time.sleep(0.01)
    assert events[-1] == 11 and not native._ffi_callbacks, "the timer's thread released its listener"


def check_traits():
    """An `#[ffi_trait]` is implemented by a subclass of its generated abstract class, or by any object with its
    methods; Rust calls the methods during a call (`&dyn Progress`) or keeps the object and calls it from its own
    threads (`Box<dyn Progress>`, `Arc<dyn Progress>`), releasing each bound method when it drops it."""
    Progress, MathError = sample_crate.Progress, sample_crate.MathError

    class Recorder(Progress):
        def __init__(self, stop_after=None):
            self.seen = []
            self.stop_after = stop_after

        def on_progress(self, done, total):
            self.seen.append((done, total, threading.current_thread() is threading.main_thread()))

        def cancelled(self):
            return self.stop_after is not None and len(self.seen) >= self.stop_after

        def label(self, job, step):
            return f"{job}#{step}"

        def check(self, value):
            if value > 10:
                raise MathError.Overflow()
            return value + 1

    collect()
    assert not native._ffi_callbacks
    recorder = Recorder()
    assert sample_crate.run_job("job", 3, recorder) == "job#0=1\njob#1=2\njob#2=5"
    assert recorder.seen == [(1, 3, True), (2, 3, True), (3, 3, True)]
    assert not native._ffi_callbacks, "the methods lent for a call are forgotten after it"
    # `cancelled` stops it; a method's `Result` error (raising a variant of the error enum) is the function's.
    assert sample_crate.run_job("j", 9, Recorder(stop_after=2)) == "j#0=1\nj#1=2"
    raises(MathError.Overflow, sample_crate.run_job, "j", 9, Recorder())
    # Any object with the methods will do (duck typing), a class of its own or even a module-like namespace.

    class Duck:
        def on_progress(self, done, total):
            pass

        def cancelled(self):
            return False

        def label(self, job, step):
            return "é" * step

        def check(self, value):
            return -value

    assert sample_crate.run_job("d", 3, Duck()) == "=0\né=-1\néé=-4"
    # An object without one of the methods, or with an attribute that is not callable, is refused before the call.
    message = raises(TypeError, sample_crate.run_job, "j", 1, object())
    assert "run_job() argument 'progress' must implement Progress: object has no method 'on_progress'" in message
    duck = Duck()
    duck.check = 5
    assert "Duck.check is not callable" in raises(TypeError, sample_crate.run_job, "j", 1, duck)
    assert not native._ffi_callbacks, "a refused object leaves nothing registered"
    # The abstract class: it is no implementation, and a subclass missing a method cannot be made.
    raises(TypeError, Progress)

    class Partial(Progress):
        def cancelled(self):
            return False

    raises(TypeError, Partial)
    hints = typing.get_type_hints(Progress.label)
    assert hints == {"job": str, "step": int, "return": str}, hints
    assert typing.get_type_hints(sample_crate.run_job)["progress"] is Progress
    assert typing.get_type_hints(sample_crate.count_steps)["progress"] == typing.Optional[Progress]
    assert "Told that `done` of `total` steps are done." in Progress.on_progress.__doc__

    # What a method raises reaches the caller; a result of the wrong type names the method.
    class Raises(Recorder):
        def label(self, job, step):
            raise KeyError(step)

    raises(KeyError, sample_crate.run_job, "j", 2, Raises())

    class WrongResult(Recorder):
        def cancelled(self):
            return "no"

    message = raises(TypeError, sample_crate.run_job, "j", 2, WrongResult())
    assert "the result of the Progress.cancelled method must be bool" in message, message
    assert not native._ffi_callbacks

    # An optional trait object: None is Rust's `None`.
    assert sample_crate.count_steps(4, None) == 4
    assert sample_crate.count_steps(4, Recorder()) == 4

    # Kept objects: each bound method is kept until Rust drops the object, and Rust calls it from its threads.
    tracker = sample_crate.Tracker(10)
    kept, shared = Recorder(), Recorder()
    tracker.watch(kept)
    tracker.share(shared)
    alive = weakref.ref(shared)
    del shared
    collect()
    assert alive() is not None, "a kept object's bound methods hold it until Rust drops them"
    assert tracker.advance(4) == 2
    assert kept.seen == [(4, 10, False)], kept.seen
    tracker.clear()
    collect()
    assert alive() is None, "Rust released every method of the objects it dropped"
    assert not native._ffi_callbacks
    duck = Duck()
    alive = weakref.ref(duck)
    tracker.watch(duck)
    del duck
    message = raises(TypeError, tracker.watch, object())
    assert "Tracker.watch() argument 'watcher' must implement Progress" in message, message
    collect()
    assert alive() is not None
    tracker.close()
    collect()
    assert alive() is None, "closing the tracker dropped its watchers"
    assert not native._ffi_callbacks


def check_tagged_enums():
    Shape, Figure, Color, Vec2 = sample_crate.Shape, sample_crate.Figure, sample_crate.Color, sample_crate.Vec2
    circle = Shape.Circle(radius=2.0)
    assert isinstance(circle, Shape) and isinstance(circle, Shape.Circle) and circle.radius == 2.0
    assert repr(circle) == "Shape.Circle(radius=2.0)" and eval(repr(circle), vars(sample_crate)) == circle
    assert Shape.Circle.__match_args__ == ("radius",) and Shape.Rect.__qualname__ == "Shape.Rect"
    assert circle != Shape.Circle(radius=3.0) and circle != Shape.Empty() and Shape.Empty() == Shape.Empty()
    assert "unhashable" in raises(TypeError, hash, circle)
    assert "create one of its variants" in raises(TypeError, Shape)
    # By value in and out, and by reference.
    assert sample_crate.shape_scale(circle, 2.0) == Shape.Circle(radius=4.0)
    rect = Shape.Rect(corner=Vec2(x=1.0, y=2.0), width=3.0, height=4.0)
    assert sample_crate.shape_scale(rect, 0.5) == Shape.Rect(Vec2(x=1.0, y=2.0), 1.5, 2.0)
    assert sample_crate.shape_scale(Shape.Empty(), 3.0) == Shape.Empty()
    assert sample_crate.shape_area(rect) == 12.0 and sample_crate.shape_area(Shape.Empty()) == 0.0
    assert abs(sample_crate.shape_area(circle) - math.pi * 4.0) < 1e-9
    # In a struct field, inside an FfiOption.
    figure = sample_crate.figure_of(rect, Color.Red)
    assert figure.shape == rect and figure.color is Color.Green
    assert sample_crate.figure_of(Shape.Empty(), Color.Red) is None
    assert sample_crate.figure_of(None, Color.Red) is None
    # Set on a struct made here: PyPy's ctypes cannot store a structure into a view of a call's result.
    figure = Figure(shape=rect, color=Color.Green)
    figure.shape = circle
    assert figure.shape == circle and repr(figure) == "Figure(shape=Shape.Circle(radius=2.0), color=Color.Green)"
    if sys.version_info >= (3, 10):  # `match` must not appear in the source on 3.8 and 3.9
        namespace = {"Shape": Shape}
        exec(
            "def describe(s):\n"
            "    match s:\n"
            "        case Shape.Circle(r):\n"
            "            return f'circle {r}'\n"
            "        case Shape.Rect(width=w, height=h):\n"
            "            return f'rect {w}x{h}'\n"
            "        case _:\n"
            "            return 'empty'\n",
            namespace,
        )
        describe = namespace["describe"]
        assert [describe(s) for s in (circle, rect, Shape.Empty())] == ["circle 2.0", "rect 3.0x4.0", "empty"]
    # Bad arguments never reach Rust.
    message = raises(TypeError, sample_crate.shape_area, Vec2())
    assert message == "shape_area() argument 'shape' must be Shape, not Vec2", message
    message = raises(TypeError, sample_crate.shape_scale, 1, 2.0)
    assert message == "shape_scale() argument 'shape' must be Shape, not int", message
    message = raises(TypeError, sample_crate.figure_of, "circle", Color.Red)
    assert message == "figure_of() argument 'shape' must be Shape or None, not str", message
    assert raises(TypeError, setattr, figure, "shape", None) == "expected Shape, not NoneType"
    raises(TypeError, sample_crate.shape_area, Shape.Circle(radius="big"))
    hints = typing.get_type_hints(sample_crate.shape_scale)
    assert hints == {"shape": Shape, "factor": float, "return": Shape}, hints
    assert typing.get_type_hints(Shape.Rect.__init__)["corner"] is Vec2


def check_async():
    Vec2, MathError = sample_crate.Vec2, sample_crate.MathError

    async def scenario():
        await ready_at_once()
        assert await sample_crate.double_later(21, 1) == 42
        assert await sample_crate.greet_later(3) == "Hello, visitor 3!"
        assert await sample_crate.vec2_later(1.0, 2.0) == Vec2(x=1.0, y=2.0)
        assert await sample_crate.divide_later(7, 2) == 3
        try:
            await sample_crate.divide_later(1, 0)
        except MathError.DivisionByZero as error:
            assert str(error) == "division by zero"
        else:
            raise AssertionError("divide_later(1, 0) did not raise")
        try:
            await sample_crate.panic_later(1)
        except sample_crate.RustPanic as error:
            assert str(error) == "async panic after 1 ms", error
        else:
            raise AssertionError("panic_later did not raise")
        try:
            await sample_crate.double_later(-1, 0)  # checked before the future starts
        except OverflowError:
            pass
        else:
            raise AssertionError("double_later(-1, 0) did not raise")
        many = await asyncio.gather(*(sample_crate.double_later(i, i % 3) for i in range(10_000)))
        assert many == [2 * i for i in range(10_000)]
        # A cancelled await: the library drops the future and releases the completion; no outcome arrives.
        task = asyncio.ensure_future(sample_crate.double_later(1, 100))
        await asyncio.sleep(0.01)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        assert task.cancelled()
        await asyncio.sleep(0.2)
        assert not native._ffi_callbacks, "every await's entry is gone once its outcome arrived"
        await cancelling_drops_the_future()

    async def ready_at_once():
        # A future ready when first polled completes during the call, on this thread: the coroutine runs to its
        # end in one step, without suspending (no thread hop); its value, error or panic arrives as from a later one.
        coroutine = sample_crate.double_now(21)
        try:
            coroutine.send(None)
        except StopIteration as done:
            assert done.value == 42, done.value
        else:
            raise AssertionError("an await of double_now suspended")
        assert await sample_crate.double_now(2**64 - 1) == 2**64 - 2  # wraps
        assert await sample_crate.divide_now(7, 2) == 3
        for (a, b), error in (((1, 0), MathError.DivisionByZero), ((-(2**31), -1), MathError.Overflow)):
            try:
                await sample_crate.divide_now(a, b)
            except error:
                pass
            else:
                raise AssertionError(f"divide_now({a}, {b}) did not raise {error.__name__}")
        try:
            await sample_crate.panic_now(3)
        except sample_crate.RustPanic as error:
            assert str(error) == "async panic at once (3)", error
        else:
            raise AssertionError("panic_now did not raise")
        assert sample_crate.add(1, 2) == 3  # the panic left nothing behind for the next call
        # Ready and pending calls side by side.
        mixed = await asyncio.gather(
            *(sample_crate.double_now(i) if i % 2 else sample_crate.double_later(i, i % 3) for i in range(1000))
        )
        assert mixed == [2 * i for i in range(1000)]
        assert not native._ffi_callbacks, "every await's entry is gone once its outcome arrived"

    async def until(condition, what):
        """Wait until `condition()` holds, at most a few seconds."""
        deadline = time.monotonic() + 5
        while not condition():
            assert time.monotonic() < deadline, f"timed out waiting until {what}"
            await asyncio.sleep(0.002)

    async def cancelling_drops_the_future():
        # Cancelling the awaiting task drops the Rust future promptly (its guard's Drop runs) rather than
        # letting it sleep for a minute, and releases its completion.
        held, dropped = sample_crate.guards_held(), sample_crate.guards_dropped()
        task = asyncio.ensure_future(sample_crate.sleep_with_guard(60_000))
        await until(lambda: sample_crate.guards_held() == held + 1, "the future runs and holds its guard")
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        assert task.cancelled()
        await until(lambda: sample_crate.guards_dropped() == dropped + 1, "the cancelled future is dropped")
        assert sample_crate.guards_held() == held
        await until(lambda: not native._ffi_callbacks, "the cancelled call's completion is released")
        # Many calls cancelled at once, some before their future first runs: each is dropped, once.
        tasks = [asyncio.ensure_future(sample_crate.sleep_with_guard(60_000)) for _ in range(200)]
        await asyncio.sleep(0)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        assert all(task.cancelled() for task in tasks)
        await until(lambda: sample_crate.guards_held() == held, "every cancelled future is dropped")
        await until(lambda: not native._ffi_callbacks, "every cancelled call's completion is released")
        # The library keeps working; a call that finishes is not cancelled by a later cancel of its task.
        assert await sample_crate.sleep_with_guard(1) == 1
        assert sample_crate.guards_held() == held

    asyncio.run(scenario())
    assert sample_crate.add(1, 2) == 3
    check_coroutine_protocol()
    check_event_loops()
    # The interpreter exits while futures are still running, or finishing: no hang, no crash.
    for millis in (0, 1, 5, 50, 500):
        code = (
            "import asyncio, sample_crate\n"
            "loop = asyncio.new_event_loop()\n"
            f"tasks = [loop.create_task(sample_crate.double_later(i, {millis} + i % 5)) for i in range(200)]\n"
            f"loop.run_until_complete(asyncio.sleep({millis} / 1000))\n"
            "print('exiting')\n"
        )
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
        assert proc.returncode == 0 and proc.stdout == "exiting\n", (millis, proc.returncode, proc.stdout, proc.stderr)


def check_async_after_fork():
    """A child process made by `fork()` (multiprocessing's default start method on Linux before Python 3.14) awaits
    async functions as its parent does: the library's runtime threads are not copied into it, so it makes its own,
    and a call the parent has in flight meanwhile still completes in the parent."""
    if not hasattr(os, "fork"):
        return

    async def child_calls():
        assert await sample_crate.double_later(21, 5) == 42, "pending on the library's timer"
        assert await sample_crate.i128_double_later(21) == 42, "completed on the runtime's thread"
        assert await sample_crate.double_now(4) == 8, "ready at once"
        task = asyncio.ensure_future(sample_crate.double_later(1, 10_000))
        await asyncio.sleep(0.01)
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass
        else:
            raise AssertionError("a cancelled call completed")

    async def parent_calls():
        in_flight = asyncio.ensure_future(sample_crate.double_later(50, 300))
        await asyncio.sleep(0.05)  # the call is pending on the runtime's timer as the process forks
        with warnings.catch_warnings():
            # Python 3.12+ warns that forking a process with threads (the runtime's) may deadlock the child.
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:
            status = 1
            try:
                asyncio.run(asyncio.wait_for(child_calls(), 10))
                status = 0
            except BaseException as error:  # reported through the exit status
                print(f"check_async_after_fork: the child failed: {error!r}", file=sys.stderr, flush=True)
            os._exit(status)
        assert await in_flight == 100, "the parent's call in flight as it forked"
        return pid

    assert asyncio.run(sample_crate.double_later(1, 1)) == 2  # the parent's runtime is running
    wait_for_child(asyncio.run(parent_calls()), "a forked child's async calls hung")


def check_exit_after_fork():
    """A child process forked while another thread's async calls finish or are cancelled makes async calls and exits
    at once: nothing waits for a lock that a thread the child does not have held as the process forked (the
    library's lock of deliveries, which its shutdown at exit takes, is its own in each process; the cpython
    extension's lock of its bells, which a runtime thread takes as a call completes, is held across the fork)."""
    if not hasattr(os, "fork"):
        return
    stop = threading.Event()

    def churn():
        async def calls():
            while not stop.is_set():
                tasks = [asyncio.ensure_future(sample_crate.double_later(1, 10_000)) for _ in range(20)]
                await asyncio.sleep(0)
                for task in tasks:
                    task.cancel()  # each call's completion is released on a runtime thread, which takes the GIL
                await asyncio.gather(*tasks, return_exceptions=True)
                # Completed on a runtime thread, through the loop's bell.
                await asyncio.gather(*(sample_crate.i128_double_later(n) for n in range(20)))

        asyncio.run(calls())

    thread = threading.Thread(target=churn)
    thread.start()
    forks, stuck = 0, 0
    try:
        time.sleep(0.05)
        while forks < 8:
            read_end, write_end = os.pipe()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)  # forking a process with threads (3.12+)
                pid = os.fork()
            if pid == 0:
                status = 1
                try:
                    os.write(write_end, b"!")  # out of os.fork()
                    assert asyncio.run(asyncio.wait_for(sample_crate.i128_double_later(21), 10)) == 42
                    atexit._run_exitfuncs()  # what exiting runs, the library's shutdown among it
                    status = 0
                finally:
                    os._exit(status)
            os.close(write_end)
            out_of_fork = select.select([read_end], [], [], 10)[0]
            os.close(read_end)
            if not out_of_fork:
                # Stuck inside os.fork() itself: CPython 3.11's child waits for its interpreter's lock of thread
                # states if another thread held it as the process forked (a runtime thread taking the GIL makes
                # one). Not the library's; forked again, a few times at most.
                os.kill(pid, 9)
                os.waitpid(pid, 0)
                stuck += 1
                assert stuck <= 4, "forked children keep hanging inside os.fork()"
                continue
            wait_for_child(pid, "a forked child hung as it exited")
            forks += 1
    finally:
        stop.set()
        thread.join()


def wait_for_child(pid, hung):
    """Waits (30 s at most: else `hung` is raised, the child killed) for the child process `pid` to exit 0."""
    deadline = time.monotonic() + 30
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            raise AssertionError(hung)
        time.sleep(0.002)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, f"the forked child ended with status {status}"


def check_event_loops():
    """Awaits on many event loops: one after another, at once on several threads, and closed with calls still
    under way. Each outcome reaches the loop that awaits it (the cpython backend's pending calls wake their loop
    through a descriptor of its own), nothing hangs, and no descriptor is left behind by a loop that is gone."""

    def descriptors():
        return len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else 0

    async def some(offset, count):
        return await asyncio.gather(*(sample_crate.i128_double_later(offset + i) for i in range(count)))

    # The awaiting task goes on in its own context, as itself (the outcome's callback resumes it directly).
    variable = contextvars.ContextVar("variable", default="unset")

    async def in_context(index):
        variable.set(f"task {index}")
        task = asyncio.current_task()
        value = await sample_crate.i128_double_later(index)
        assert asyncio.current_task() is task and variable.get() == f"task {index}", (index, variable.get())
        variable.set(f"after {index}")
        await sample_crate.double_later(index, 1)
        assert variable.get() == f"after {index}"
        return value

    async def contexts():
        assert await asyncio.gather(*(in_context(i) for i in range(50))) == [2 * i for i in range(50)]
        assert variable.get() == "unset"

    asyncio.run(contexts())

    def bells(loop):
        """The readers of `loop` that are doorbells: the bindings' (`Doorbell`) or the compiled module's (`bell`)."""
        readers = (key.data[0] for key in loop._selector.get_map().values())
        return [r._callback for r in readers if r is not None and type(r._callback).__name__ in ("Doorbell", "bell")]

    async def rung():
        # A pending call's outcome came through the loop's doorbell, which the loop watches for as long as it runs,
        # opened when a call first had to wait: calls that complete at once need none.
        loop = asyncio.get_running_loop()
        assert await sample_crate.double_now(4) == 8
        assert bells(loop) == [], bells(loop)
        # (A timer's wait: a call the runtime finishes before it returns, as one that only yields often does on one
        # CPU, completes during the call, as a ready one.)
        assert await sample_crate.double_later(4, 1) == 8
        assert await sample_crate.double_later(5, 1) == 10
        (bell,) = bells(loop)
        return weakref.ref(bell)

    bell = asyncio.run(rung())
    gc.collect()
    assert bell() is None, "a closed loop's doorbell is gone with the loop's readers"
    before = descriptors()
    for run in range(100):
        assert asyncio.run(some(run, 3)) == [2 * (run + i) for i in range(3)]
    gc.collect()
    assert descriptors() <= before + 2, (before, descriptors())
    # Loops on several threads at once, each awaiting its own calls.
    results = {}

    def on_thread(index):
        results[index] = asyncio.run(some(1000 * index, 200))

    threads = [threading.Thread(target=on_thread, args=(index,)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {index: [2 * (1000 * index + i) for i in range(200)] for index in range(4)}
    # Loops closed while their calls are still under way: the outcomes that arrive later go nowhere, safely.
    for millis in (0, 1, 3):
        loop = asyncio.new_event_loop()
        loop.set_exception_handler(lambda loop, context: None)
        tasks = [loop.create_task(sample_crate.double_later(i, millis)) for i in range(50)]
        loop.run_until_complete(asyncio.sleep(0))
        for task in tasks:
            task.cancel()
        loop.close()
        del loop, tasks
    # ... and not even cancelled: they finish after the loop is gone (its tasks are dropped quietly).
    for millis in (0, 1, 3):
        loop = asyncio.new_event_loop()
        loop.set_exception_handler(lambda loop, context: None)
        tasks = [loop.create_task(sample_crate.double_later(i, millis)) for i in range(50)]
        loop.run_until_complete(asyncio.sleep(0))
        loop.close()
        time.sleep(0.01)
        del loop, tasks
        gc.collect()
    time.sleep(0.02)
    gc.collect()
    assert asyncio.run(some(5, 2)) == [10, 12]
    assert descriptors() <= before + 2, (before, descriptors())


def check_coroutine_protocol():
    """An async function's call is a coroutine as Python's own are (the cpython backend's is a compiled one): it runs
    when awaited, once; it can be closed or thrown into before; asyncio and inspect see its function as a coroutine
    function."""
    double_now, sleep_with_guard = sample_crate.double_now, sample_crate.sleep_with_guard
    assert asyncio.iscoroutinefunction(double_now) and not asyncio.iscoroutinefunction(sample_crate.add)
    if sys.version_info >= (3, 12) or inspect.isfunction(double_now):  # a compiled function is marked from 3.12
        assert inspect.iscoroutinefunction(double_now)
    assert not inspect.iscoroutinefunction(sample_crate.add)
    coroutine = double_now(21)
    assert inspect.isawaitable(coroutine) and coroutine.__qualname__ == "double_now", coroutine
    assert asyncio.run(coroutine) == 42
    raises(RuntimeError, asyncio.run, coroutine)  # awaited already
    closed = double_now(1)
    closed.close()  # never runs
    message = raises(RuntimeError, closed.send, None)
    assert "cannot reuse already awaited coroutine" in message, message
    thrown = double_now(1)
    raises(KeyError, thrown.throw, KeyError("k"))
    raises(RuntimeError, thrown.send, None)
    raises(TypeError, double_now(1).send, 5)  # a value sent into a coroutine that has not started
    # A call that has to wait, awaited without a running event loop: refused, and nothing is left running.
    held = sample_crate.guards_held()
    raises(RuntimeError, sleep_with_guard(60_000).send, None)
    deadline = time.monotonic() + 5
    while sample_crate.guards_held() != held:
        assert time.monotonic() < deadline, "the call awaited without an event loop was not dropped"
        time.sleep(0.002)
    # A method's coroutine made while its object is open, awaited once it is closed: the closed object's error.
    store = sample_crate.Store()
    store.put("a", 1)
    pending = store.total_later(0)
    store.close()
    assert "closed" in raises(ValueError, asyncio.run, pending)
    # Tasks and timeouts take them as they take any coroutine.
    loop = asyncio.new_event_loop()
    try:
        assert loop.run_until_complete(loop.create_task(double_now(4))) == 8
        raises(asyncio.TimeoutError, loop.run_until_complete, asyncio.wait_for(sleep_with_guard(60_000), 0.01))
    finally:
        loop.close()
    deadline = time.monotonic() + 5
    while sample_crate.guards_held() != held:
        assert time.monotonic() < deadline, "the call whose await timed out was not dropped"
        time.sleep(0.002)


def collect():
    """Run the garbage collector until it frees nothing more (PyPy may need more than one pass)."""
    for _ in range(3):
        gc.collect()


def check_services():
    Store, MathError = sample_crate.Store, sample_crate.MathError
    collect()
    live = Store.live_stores()

    # Constructors: `new` is __init__, others are classmethods; a failing one raises the crate's error. The class
    # shows `__init__`'s signature (its defaults included), not its `__new__`'s catch-all.
    tracker = inspect.signature(sample_crate.Tracker)
    assert list(tracker.parameters) == ["total"] and tracker.parameters["total"].annotation in ("int", int), tracker
    assert str(inspect.signature(Store)) == "()", inspect.signature(Store)
    store = Store()
    assert isinstance(store, Store) and Store.live_stores() == live + 1
    assert repr(store).startswith("<sample_crate._native.Store object at 0x"), repr(store)
    small = Store.with_capacity(1)
    assert type(small) is Store
    assert "too large" in raises(MathError.Overflow, Store.with_capacity, 2_000_000)
    assert "must be int" in raises(TypeError, Store.with_capacity, "1")
    assert Store.live_stores() == live + 2, "a failed constructor makes no object"
    check_constructor_calls(Store, live + 2)

    # Methods: &mut self and &self, strings, options, slices, results, buffers, a callback.
    assert store.put("b", 2) is None
    store.put("a", 1)
    assert store.get("a") == 1 and store.get("zz") is None
    assert store.add_all("a", [10, 20]) == 31
    assert store.add_all("c", array.array("q", [5])) == 5
    assert store.keys() == "a,b,c" and store.values() == [31, 2, 5]
    seen = []
    assert store.each_value(lambda index, value: seen.append(value) or index < 1) == 2
    assert seen == [31.0, 2.0]
    small.put("x", 1)
    assert "too large" in raises(MathError.Overflow, small.put, "y", 2)
    assert "Store.put() argument 'value' must be int" in raises(TypeError, store.put, "k", "v")
    assert "Store.get() argument 'key' must be str" in raises(TypeError, store.get, 1)
    assert raises(sample_crate.RustPanic, store.explode, "kaboom") == "kaboom"
    assert store.get("b") == 2, "the store is usable after a panic"

    # Docstrings and hints.
    assert Store.__doc__.startswith("Named numbers that several threads may read at once")
    assert Store.put.__doc__.startswith("Sets `key` to `value`")
    assert "capacity" in Store.with_capacity.__doc__ and "MathError" in Store.with_capacity.__doc__
    assert typing.get_type_hints(Store.get) == {"key": str, "return": typing.Optional[int]}
    assert typing.get_type_hints(Store.with_capacity)["return"] is Store
    assert typing.get_type_hints(Store.live_stores) == {"return": int}
    assert not hasattr(native, "store_get") and "store_get" not in native.__all__

    # close(): once, harmless twice; then methods raise instead of touching freed memory.
    small.close()
    small.close()
    assert repr(small) == "<sample_crate._native.Store object (closed)>"
    assert raises(ValueError, small.get, "x") == "cannot call Store.get(): the Store is closed"
    assert "Store.put()" in raises(ValueError, small.put, "x", 1)
    assert Store.live_stores() == live + 1

    # `with` closes it on the way out, also when the block raises.
    with Store() as scoped:
        scoped.put("k", 1)
        assert Store.live_stores() == live + 2
    assert Store.live_stores() == live + 1 and "closed" in repr(scoped)
    try:
        with Store():
            raise Stop("inside")
    except Stop:
        pass
    assert Store.live_stores() == live + 1

    # Garbage collection closes an object nobody closed.
    dropped = Store()
    dropped.put("k", 1)
    assert Store.live_stores() == live + 2
    del dropped
    collect()
    assert Store.live_stores() == live + 1

    # Re-entrant calls through a callback: another &self call works; a &mut call or close() while the
    # store is borrowed raises (deterministically: the callback runs inside the borrowing call).
    inside = []

    def reenter(index, value):
        inside.append(store.get("b"))
        inside.append(raises(ValueError, store.put, "b", 3))
        inside.append(raises(ValueError, store.close))
        return False

    assert store.each_value(reenter) == 1
    assert inside[0] == 2
    assert "cannot call Store.put() (`&mut self`): the Store is in use by another call" in inside[1], inside[1]
    assert inside[2].startswith("cannot close the Store: another call is using it"), inside[2]
    assert store.get("b") == 2, "the refused calls changed nothing"
    store.put("b", 3)  # and the store is free again
    assert "(closed)" not in repr(store)

    # Several Python threads on one object: &self calls run in parallel (the GIL is released).
    reads = store.reads()
    errors = []

    def reader():
        try:
            for _ in range(1000):
                assert store.get("b") == 3
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=reader) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert store.reads() == reads + 8000

    # Writers and readers at once: each call runs alone (&mut), beside other &self calls, or is refused
    # with ValueError; no update is lost or torn.
    refused = []

    def writer(n):
        try:
            for _ in range(500):
                try:
                    store.add_all(f"w{n}", [1])
                except ValueError as error:
                    assert "in use by another call" in str(error), error
                    refused.append(n)
                try:
                    store.get("b")
                except ValueError as error:
                    assert "in use by another call" in str(error), error
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    total = sum(store.get(f"w{n}") or 0 for n in range(4))
    assert total + len(refused) == 2000, (total, len(refused))

    # Two threads closing at once: the object is destroyed once.
    racing = Store()
    threads = [threading.Thread(target=racing.close) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert "(closed)" in repr(racing) and Store.live_stores() == live + 1
    store.close()
    store = small = scoped = racing = None  # the last references
    collect()
    assert Store.live_stores() == live
    assert not native._ffi_callbacks


def check_constructor_calls(Store, live):
    """`cls(...)` runs the class's `__init__` however it is given its arguments, a subclass's own `__init__` and one
    set on the class later included (the cpython backend's classes call their compiled `__init__` from `tp_init`
    without looking it up, until the class's `__init__` is set); `live` stores are open."""
    Tracker = sample_crate.Tracker
    assert type(Tracker(3)) is Tracker and type(Tracker(total=4)) is Tracker, "by position, and by keyword"
    assert "Tracker() argument 'total' must be int" in raises(TypeError, Tracker, "3")
    assert "Tracker() argument 'total' must be int" in raises(TypeError, Tracker, total="3")
    assert "takes 1 positional argument but 2 were given" in raises(TypeError, Store, 1)
    assert "unexpected keyword argument 'key'" in raises(TypeError, Store, key=1)
    made = Store()
    assert "already holds a Rust object" in raises(TypeError, Store.__init__, made)
    made.close()
    assert Store.live_stores() == live, "the refused calls made no store"

    class Shop(Store):
        def __init__(self, owner):
            super().__init__()
            self.owner = owner

    class Stall(Store):  # no `__init__` of its own
        pass

    shop, stall = Shop("ann"), Stall()
    assert type(shop) is Shop and shop.owner == "ann" and shop.get("x") is None
    assert type(stall) is Stall and stall.put("x", 1) is None and stall.get("x") == 1
    assert Store.live_stores() == live + 2
    shop.close()
    stall.close()

    original, made = Store.__init__, []

    def counted(self):
        made.append(self)
        original(self)

    Store.__init__ = counted
    try:
        counted_store = Store()
    finally:
        Store.__init__ = original
    assert made == [counted_store] and counted_store.get("x") is None, "the __init__ set on the class ran"
    counted_store.close()
    again = Store()
    assert made == [counted_store] and again.put("y", 2) is None and again.get("y") == 2
    again.close()
    assert Store.live_stores() == live


def check_async_services():
    Store, MathError = sample_crate.Store, sample_crate.MathError
    collect()
    live = Store.live_stores()

    async def scenario():
        with Store() as store:
            store.put("a", 1)
            store.put("b", 2)
            assert await store.total_later(1) == 3  # an async `&self` method
            assert await store.add_to_all_later(10) == 2  # an async `&mut self` method
            assert store.values() == [11, 12]
            # While an async method runs, the store is borrowed: closing it (or changing it) waits its turn.
            task = asyncio.ensure_future(store.total_later(100))
            await asyncio.sleep(0.02)
            assert "another call is using it" in raises(ValueError, store.close)
            assert "in use" in raises(ValueError, store.put, "c", 3)
            assert await task == 23
            # Cancelling the awaiting task drops the method's future, and with it the borrow: the store is
            # usable again at once, not after the method's minute.
            task = asyncio.ensure_future(store.total_later(60_000))
            await asyncio.sleep(0.02)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            assert task.cancelled()
            deadline = time.monotonic() + 5
            while True:
                try:
                    store.put("a", 11)  # its value already: a `&mut self` call that needs the store to itself
                    break
                except ValueError as error:  # the future is being dropped on the library's runtime
                    assert "in use" in str(error) and time.monotonic() < deadline, error
                    await asyncio.sleep(0.002)
            assert store.values() == [11, 12]
            # Many `&self` calls at once run side by side.
            assert await asyncio.gather(*(store.total_later(5) for _ in range(200))) == [23] * 200
            store.put("max", 2**63 - 1)
            try:
                await store.add_to_all_later(1)
            except MathError.Overflow:
                pass
            else:
                raise AssertionError("add_to_all_later did not raise")
            assert await Store.multiply_later(6, 7) == 42  # an async static function
            # An async `&mut self` method ready when first polled: it completes during the call (the coroutine
            # runs to its end in one step), and its borrow of the store has ended by then.
            coroutine = store.clear_now()
            try:
                coroutine.send(None)
            except StopIteration as done:
                assert done.value == 3, done.value
            else:
                raise AssertionError("an await of clear_now suspended")
            store.put("a", 11)  # needs the store to itself
            assert await store.clear_now() == 1 and store.values() == []
            # An async constructor: a classmethod coroutine that gives a new store, or raises its error.
            opened = await Store.open_later(2, 1)
            assert type(opened) is Store and Store.live_stores() == live + 2
            opened.put("x", 1)
            assert "Overflow" in type(await raises_async(MathError, Store.open_later(1_000_001, 0))).__name__
            opened.close()
            # Cancelled before it finishes: the future is dropped, no store is made.
            task = asyncio.ensure_future(Store.open_later(1, 60_000))
            await asyncio.sleep(0.02)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            assert Store.live_stores() == live + 1
        try:
            await store.total_later(1)
        except ValueError as error:
            assert "closed" in str(error), error
        else:
            raise AssertionError("an async method ran on a closed store")

    async def released_while_running():
        # The Python side may let go of the object while an async method's future runs: the future keeps the
        # Rust object, and the last of the two to go drops it, once (here the future: before its completion).
        store = Store()
        store.put("a", 5)
        task = asyncio.ensure_future(store.total_later(1000))
        await asyncio.sleep(0.02)  # the future is running
        store.__del__()  # lets go of the handle, as garbage collection does: the library releases it
        collect()
        assert Store.live_stores() == live + 1, "the store went before its async method's future"
        assert await task == 5
        collect()  # PyPy finalises the released handle at a collection
        assert Store.live_stores() == live, "the store outlived its async method's future"

    asyncio.run(scenario())
    collect()
    assert Store.live_stores() == live
    asyncio.run(released_while_running())


def check_gil():
    """`gil = "hold"` keeps other Python threads out during the call; the default lets them run."""

    def python_runs_during(call):
        stop = threading.Event()
        seen = []

        def count():
            n = 0
            while not stop.is_set():
                n += 1
                if n % 256 == 0:
                    seen.append(time.perf_counter())

        counter = threading.Thread(target=count)
        counter.start()
        try:
            time.sleep(0.05)  # the counting thread is running
            start = time.perf_counter()
            call()
            end = time.perf_counter()
        finally:
            stop.set()
            counter.join()
        # Well inside the call: the counting thread can only have run there if the GIL was released (a
        # thread switch before the call, or after it, is at most a switch interval long).
        return sum(start + 0.1 < t < end - 0.1 for t in seen)

    assert python_runs_during(lambda: native.spin(400)) > 0
    # PyPy's ctypes cannot keep the GIL during a call, nor can cffi.
    if hasattr(ctypes, "PyDLL") and not CFFI:
        assert python_runs_during(lambda: native.spin_holding(400)) == 0
    # A call that holds the GIL and calls back into Python on the same thread does not deadlock.
    assert native.pick_colors(lambda round: native.Color.Red) == 1
    store = native.Store()
    store.put("k", 1)
    assert store.get("k") == 1


def check_renames():
    """`#[ffi_function(name = "fnv1a")]` and `#[ffi(name = "size")]`: Python knows them by those names."""
    assert sample_crate.fnv1a(b"") == 0xCBF29CE484222325
    assert sample_crate.fnv1a(b"a") == 0xAF63DC4C8601EC8C
    assert not hasattr(sample_crate, "fnv1a_64_of")
    assert "fnv1a() argument 'data'" in raises(TypeError, sample_crate.fnv1a, 3.5)
    store = sample_crate.Store()
    store.put("k", 1)
    assert store.size() == 1
    assert not hasattr(store, "entry_count")
    # `#[ffi_type(name = "Digest")]`, `#[ffi_type(name = "ByteOrder")]`, `#[ffi_type(opaque, name = "Hasher")]`:
    # the types are known by those names, in the classes, their reprs and the messages.
    Hasher, Digest, ByteOrder = sample_crate.Hasher, sample_crate.Digest, sample_crate.ByteOrder
    for rust_name in ("Fnv1aHasher", "Fnv1aDigest", "Endianness"):
        assert not hasattr(sample_crate, rust_name), rust_name
    with Hasher() as hasher:
        hasher.update(b"hello ")
        hasher.update(bytearray(b"world"))
        digest = hasher.digest()
        assert digest == Digest(value=sample_crate.fnv1a(b"hello world"), length=11), digest
        assert repr(digest) == f"Digest(value={digest.value}, length=11)"
        big = int.from_bytes(digest.value.to_bytes(8, "little"), "big")
        assert hasher.digest_in(ByteOrder.Big) == big and hasher.digest_in(ByteOrder.Little) == digest.value
        assert type(hasher).__name__ == "Hasher" and ByteOrder.Big.__class__.__name__ == "ByteOrder"
        assert "Hasher.update() argument 'data'" in raises(TypeError, hasher.update, 3)
        assert "Hasher.digest_in() argument 'order'" in raises(TypeError, hasher.digest_in, "Big")
        # Services as values: `fn copy(&self) -> Self` is a new object, which goes on on its own.
        copy = hasher.copy()
        assert type(copy) is Hasher and copy is not hasher and copy.digest() == digest
        copy.update(b"!")
        assert copy.digest() == Digest(value=sample_crate.fnv1a(b"hello world!"), length=12)
        assert hasher.digest() == digest
        # Parameters that borrow service objects: `&Hasher` (a method's too) and `&mut Hasher`, `Option<&Hasher>`.
        assert not hasher.matches(copy) and copy.matches(copy) and hasher.matches(hasher)
        twin = hasher.copy()
        assert hasher.matches(twin)
        assert sample_crate.hasher_feed(twin, b"?") == 12 and not hasher.matches(twin)
        assert sample_crate.hasher_length(twin) == 12 and sample_crate.hasher_length(None) == 0
        assert "hasher_feed() argument 'hasher' must be Hasher, not Store" in raises(
            TypeError, sample_crate.hasher_feed, store, b""
        )
        twin.close()
        assert raises(ValueError, sample_crate.hasher_length, twin) == (
            "hasher_length() argument 'hasher' is a Hasher that is closed"
        )
        assert (
            raises(ValueError, hasher.matches, twin) == "Hasher.matches() argument 'other' is a Hasher that is closed"
        )
    assert "closed" in raises(ValueError, hasher.copy)
    # A parameter that takes a service object (`Box<Hasher>`): the object is closed once taken.
    taken = Hasher()
    taken.update(b"xyz")
    assert sample_crate.hasher_finish(taken) == Digest(value=sample_crate.fnv1a(b"xyz"), length=3)
    assert "closed" in raises(ValueError, taken.digest)
    assert "closed" in raises(ValueError, sample_crate.hasher_finish, taken)
    assert copy.digest().length == 12, "closing the original leaves the copy"
    copy.close()
    # A free function returning one, in an Option (None) and a Result (an error).
    found = sample_crate.hasher_for(b"abc")
    assert type(found) is Hasher and found.digest() == Digest(value=sample_crate.fnv1a(b"abc"), length=3)
    assert sample_crate.hasher_for(b"") is None
    repeated = sample_crate.hasher_repeating(b"ab", 3)
    assert repeated.digest() == Digest(value=sample_crate.fnv1a(b"ababab"), length=6)
    raises(sample_crate.MathError.Overflow, sample_crate.hasher_repeating, b"x" * 1000, 1001)
    # Dropped when garbage-collected, as constructed objects are.
    del found, repeated
    collect()


def main():
    check_renames()
    check_gil()
    check_async()
    check_async_after_fork()
    check_exit_after_fork()
    check_services()
    check_async_services()
    check_scalar_arguments()
    check_owned_values()
    check_wire_values()
    check_records()
    check_newtypes()
    check_tuple_structs()
    check_chars()
    check_wide_integers()
    check_bool_and_enum_slices()
    check_arrays()
    check_callbacks()
    check_traits()
    check_tagged_enums()
    check_options_and_arrays()
    check_errors()
    check_error_data()
    check_record_callback_parameters()
    check_encoded_callback_results()
    check_panics()
    check_strings()
    check_defaults()
    check_slices()
    check_owned_buffers()
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

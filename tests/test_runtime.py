"""The runtime shipped into generated packages, tested as the ordinary module it is (no library needed)."""

from __future__ import annotations

import _thread
import array
import asyncio
import ctypes
import enum
import threading

import pytest

from hatch_interop.runtime import _ffi_ctypes_runtime as ct
from hatch_interop.runtime import _ffi_runtime as rt
from hatch_interop.runtime import runtime_files


class Color(enum.IntEnum):
    Red = 1
    Blue = 4


class Point(ctypes.Structure):
    _fields_ = (("x", ctypes.c_int32), ("y", ctypes.c_int32))


@pytest.mark.parametrize(
    ("value", "rust", "expected"),
    [
        (True, "u8", 1),
        (Color.Blue, "i32", 4),
        (3, "f64", 3.0),
        (2**64 - 1, "u64", 2**64 - 1),
        (-(2**63), "isize", -(2**63)),
    ],
)
def test_scalar_converts_what_is_a_number_of_the_type(value: object, rust: str, expected: object) -> None:
    converted = rt.scalar("f() argument 'x'", value, rust)
    assert converted == expected
    assert type(converted) is type(expected)


@pytest.mark.parametrize(
    ("value", "rust", "error", "message"),
    [
        (256, "u8", OverflowError, "f() argument 'x' is 256, outside the range of u8 (0 to 255)"),
        (-1, "usize", OverflowError, "outside the range of usize"),
        (2**100000, "i64", OverflowError, "f() argument 'x' is an integer of 100001 bits, outside the range of i64"),
        (1.0, "i32", TypeError, "f() argument 'x' must be int, not float"),
        ("1", "f32", TypeError, "f() argument 'x' must be float, not str"),
        (1, "bool", TypeError, "f() argument 'x' must be bool, not int"),
    ],
    ids=["above", "below", "huge", "float-for-int", "str-for-float", "int-for-bool"],
)
def test_scalar_refuses_rather_than_truncates(value: object, rust: str, error: type, message: str) -> None:
    with pytest.raises(error) as raised:
        rt.scalar("f() argument 'x'", value, rust)
    assert message in str(raised.value)


def test_number_keeps_exact_values_and_checks_the_rest() -> None:
    assert rt.number("S.x", 255, "u8") == 255
    assert rt.number("S.x", True, "bool") is True
    with pytest.raises(OverflowError, match=r"S\.x is 256"):
        rt.number("S.x", 256, "u8")


def test_enum_member() -> None:
    assert rt.enum_member("f() argument 'c'", 4, Color) is Color.Blue
    with pytest.raises(ValueError, match="f\\(\\) argument 'c': 3 is not a valid Color"):
        rt.enum_member("f() argument 'c'", 3, Color)
    with pytest.raises(TypeError, match="must be Color or int, not NoneType"):
        rt.enum_member("f() argument 'c'", None, Color)
    assert rt.enum_repr((Color.Red, None)) == "(Color.Red, None)"


def test_error_variants_are_subclasses_named_as_in_rust() -> None:
    class MathError(Exception):
        pass

    by_code = rt.error_variants(MathError, (1, "Overflow", "Too big."), (2, "Empty", ""))
    overflow = by_code[1]
    assert issubclass(overflow, MathError)
    assert overflow.__qualname__.endswith("MathError.Overflow")
    assert overflow.__module__ == MathError.__module__
    assert overflow.__doc__ == "Too big."
    assert by_code[2].__doc__ is None


def test_invalid_argument_says_released_or_wrong_type() -> None:
    assert isinstance(rt.invalid_argument("f", "p", Point(), Point), ValueError)
    error = rt.invalid_argument("f", "p", 1, Point, or_none=True)
    assert isinstance(error, TypeError)
    assert str(error) == "f() argument 'p' must be Point or None, not int"


def test_numbers_argument_shares_buffers_and_copies_sequences() -> None:
    numbers = array.array("d", [1.0, 2.0])
    pointer, count = ct.numbers_argument("f", "v", numbers, ctypes.c_double, "d", mutable=True)
    assert count == 2
    assert ctypes.addressof(pointer) == numbers.buffer_info()[0]  # shared
    pointer, count = ct.numbers_argument("f", "v", [1, 2, 3], ctypes.c_int32, "i", mutable=False)
    assert list(pointer) == [1, 2, 3]
    assert count == 3
    data = b"abc"
    assert ct.numbers_argument("f", "v", data, ctypes.c_uint8, "B", mutable=False) == (data, 3)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (array.array("f", [1.0]), "must hold 8-byte float numbers, but its items have the format 'f'"),
        (memoryview(bytearray(32)).cast("d")[::2], "must be a contiguous buffer"),
        (memoryview(b"12345678").cast("d"), "must be writable"),
        ((1.0,), "must be a list or a writable buffer"),
        (object(), "must be a list or a buffer of 8-byte float numbers"),
    ],
)
def test_numbers_argument_refuses_what_it_cannot_pass(value: object, message: str) -> None:
    with pytest.raises(TypeError, match=message.replace("(", "\\(")):
        ct.numbers_argument("f", "v", value, ctypes.c_double, "d", mutable=True)


def test_structs_argument_and_write_back() -> None:
    points = [Point(1, 2), Point(3, 4)]
    items, count = ct.structs_argument("f", "p", points, Point)
    assert count == 2
    items[1].x = 30
    ct.write_back(points, items)
    assert points[1].x == 30
    with pytest.raises(TypeError, match="item 1 is int"):
        ct.structs_argument("f", "p", [Point(), 1], Point)


def test_fixed_array_checks_each_item() -> None:
    array_type = ctypes.c_uint8 * 2
    assert list(ct.fixed_array(array_type, [1, 2], "raw", "S.raw", kind="u8")) == [1, 2]
    with pytest.raises(OverflowError, match=r"an item of S\.raw is 256"):
        ct.fixed_array(array_type, [1, 256], "raw", "S.raw", kind="u8")
    with pytest.raises(ValueError, match=r"exactly 2 items, not 3"):
        ct.fixed_array(array_type, [1, 2, 3], "raw", "S.raw", kind="u8")


def test_layout_check_names_the_struct() -> None:
    ct.check_layout("m", (Point, 8, 4, (0, 4)))
    with pytest.raises(ImportError, match="the ctypes layout of Point"):
        ct.check_layout("m", (Point, 8, 4, (0, 8)))


def test_runtime_files_are_known_by_name() -> None:
    assert [f.path for f in runtime_files(["_ffi_runtime.py"])] == ["_ffi_runtime.py"]
    with pytest.raises(ValueError, match="no runtime file is named"):
        runtime_files(["nope.py"])


def test_f32_overflow_is_refused_and_infinities_are_kept() -> None:
    with pytest.raises(OverflowError, match=r"x is 1e\+39, outside the range of f32"):
        rt.scalar("x", 1e39, "f32")
    with pytest.raises(OverflowError):
        rt.number("S.x", -(2**128), "f32")
    assert rt.number("S.x", 3.4028234663852886e38, "f32") == 3.4028234663852886e38  # f32::MAX itself
    assert rt.scalar("x", float("-inf"), "f32") == float("-inf")
    assert rt.scalar("x", 1e39, "f64") == 1e39


def test_f32_lists_refuse_what_would_become_infinite() -> None:
    with pytest.raises(OverflowError, match="item 1 is 1e\\+39"):
        ct.numbers_argument("f", "v", [1.0, 1e39], ctypes.c_float, "f", mutable=False)
    items, count = ct.numbers_argument("f", "v", [float("inf"), 2.0], ctypes.c_float, "f", mutable=False)
    assert (list(items), count) == ([float("inf"), 2.0], 2)


# the state both runtimes share ------------------------------------------------------------------


class Panic(Exception):
    pass


class Failed(Exception):
    pass


def test_each_failure_kind_has_its_exception() -> None:
    support = rt.Support("pkg._native", Panic)
    assert type(support.error(1, 0, "boom", None)) is Panic
    assert type(support.error(2, 7, "bad", {7: Failed})) is Failed
    assert type(support.error(2, 8, "unknown code", {7: Failed})) is Panic
    assert type(support.error(3, 0, "invalid", None)) is ValueError
    assert type(support.error(5, 0, "no memory", None)) is MemoryError
    # A callback raised, but nothing was recorded on this thread: still an error, never silence.
    assert type(support.error(4, 0, "the callback raised", None)) is RuntimeError


def test_what_a_callback_raised_is_what_the_call_raises() -> None:
    support = rt.Support("pkg._native", Panic)
    told: list[bytes] = []
    support._callback_failed = lambda message, length: told.append(message[:length])
    error = KeyError("inside")
    support.callback_raised("OnValue", error)
    assert told == [b"the OnValue callback raised KeyError('inside')"]
    assert support.error(4, 0, "ignored", None) is error
    # Taken once: the next failure of this thread has no cause.
    assert support.error(1, 0, "later", None).__cause__ is None


def test_a_failure_after_a_callback_raised_has_it_as_its_cause() -> None:
    support = rt.Support("pkg._native", Panic)
    support._callback_failed = lambda message, length: None
    error = ValueError("first")
    support.callback_raised("OnValue", error)
    panic = support.error(1, 0, "then a panic", None)
    assert type(panic) is Panic and panic.__cause__ is error


def test_a_callback_raising_on_a_library_thread_is_reported_not_lost(capfd: pytest.CaptureFixture[str]) -> None:

    support = rt.Support("pkg._native", Panic)
    support._callback_failed = lambda message, length: pytest.fail("no call waits on a library thread")
    done = threading.Event()

    def on_foreign_thread() -> None:  # threading does not know this thread: a _DummyThread, as a library's are
        try:
            support.callback_raised("OnEvent", ValueError("from the library's thread"))
        finally:
            done.set()

    _thread.start_new_thread(on_foreign_thread, ())
    assert done.wait(10)
    err = capfd.readouterr().err
    assert "Exception in the OnEvent callback of pkg._native, on a thread of the library:" in err
    assert "ValueError: from the library's thread" in err


def test_kept_callables_are_found_by_their_key_and_released() -> None:
    support = rt.Support("pkg._native", Panic)
    first, second = support.keep_callback(len), support.keep_callback(repr)
    assert first != second and support.callbacks == {first: len, second: repr}
    support.release_callback(first)
    support.release_callback(first)  # released twice (a library bug) is harmless
    assert support.callbacks == {second: repr}


def test_an_async_call_is_settled_in_its_event_loop() -> None:

    class Record:
        kind, code, message = 2, 7, "it failed"

    class Runtime(rt.Support):
        def failure_error(self, failure: object, errors: rt.Errors) -> BaseException:
            assert isinstance(failure, Record)
            return self.error(failure.kind, failure.code, failure.message, errors)

    support = Runtime("pkg._native", Panic)

    async def main() -> None:
        future, key = support.awaiting(lambda value: value * 2, None)
        threading.Thread(target=support.complete, args=(key, 21, None)).start()
        assert await future == 42
        future, key = support.awaiting(lambda value: value, {7: Failed})
        threading.Thread(target=support.complete, args=(key, None, [Record()])).start()
        with pytest.raises(Failed, match="it failed"):
            await future
        assert support.callbacks == {}  # nothing kept once settled

    asyncio.run(main())


def test_an_async_call_whose_loop_closed_is_dropped_quietly() -> None:

    support = rt.Support("pkg._native", Panic)

    async def start() -> object:
        return support.awaiting(lambda value: value, None)[1]

    key = asyncio.run(start())  # the loop is closed when its outcome arrives
    support.complete(key, 1, None)
    assert support.callbacks == {}

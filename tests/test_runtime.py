"""The runtime shipped into generated packages, tested as the ordinary module it is (no library needed)."""

from __future__ import annotations

import _thread
import array
import asyncio
import collections
import ctypes
import enum
import sys
import threading

import cffi
import pytest

from hatch_interop.runtime import _ffi_cffi_runtime as cf
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


def test_text_result_is_the_utf8_of_a_str() -> None:
    what = "the result of the OnLabel callback"

    class Text(str):
        def encode(self, *args: object, **kwargs: object) -> bytes:
            return b"not the text"

    assert rt.text_result(what, "héllo") == "héllo".encode()
    assert rt.text_result(what, Text("own")) == b"own"
    with pytest.raises(TypeError, match=r"^the result of the OnLabel callback must be str, not bytes$"):
        rt.text_result(what, b"bytes")
    with pytest.raises(ValueError, match=r"^the result of the OnLabel callback cannot be encoded as UTF-8: "):
        rt.text_result(what, "\ud800")


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


def test_array_items_checks_the_length_and_each_item_for_both_backends() -> None:
    assert rt.array_items(2, (1, True), "raw", "S.raw", kind="u8") == [1, 1]
    assert rt.array_items(2, [Color.Red, 4], "c", "S.c", kind="enum", target=Color) == [Color.Red, Color.Blue]
    assert rt.array_items(2, [None, 3], "o", "S.o", kind="i8", optional=True) == [None, 3]
    with pytest.raises(TypeError, match=r"an item of S\.o must be int, not NoneType"):
        rt.array_items(2, [None, 3], "o", "S.o", kind="i8")
    with pytest.raises(TypeError, match=r"field 'raw' must be a sequence of 2 items, not int"):
        rt.array_items(2, 5, "raw", "S.raw", kind="u8")
    with pytest.raises(ValueError, match=r"field 'raw' must have exactly 2 items, not 1"):
        rt.array_items(2, "x", "raw", "S.raw", kind="u8")
    with pytest.raises(ValueError, match=r"an item of S\.c: 2 is not a valid Color"):
        rt.array_items(1, [2], "c", "S.c", kind="enum", target=Color)
    with pytest.raises(TypeError, match=r"an item of S\.p must be Point, not tuple"):
        rt.array_items(1, [(1, 2)], "p", "S.p", kind="struct", target=Point)
    assert rt.array_items(1, ["x"], "t", "S.t", kind="tagged", target=str.upper) == ["X"]


def test_fixed_array_checks_struct_items_itself() -> None:
    """Not ctypes' own message, which differs between CPython and PyPy (and takes a tuple for a struct)."""
    points = ct.fixed_array(Point * 2, [Point(1, 2), Point(3, 4)], "p", "S.p")
    assert [point.y for point in points] == [2, 4]
    with pytest.raises(TypeError, match=r"an item of S\.p must be Point, not int"):
        ct.fixed_array(Point * 2, [Point(), 3], "p", "S.p")


class _Option(ctypes.Structure):
    _fields_ = (("value", ctypes.c_uint8), ("is_some", ctypes.c_uint8))


def test_fixed_array_of_options() -> None:
    options = ct.fixed_array(_Option * 2, [None, 7], "o", "S.o", kind="u8", option=_Option)
    assert [(o.value, o.is_some) for o in options] == [(0, 0), (7, 1)]


class _CffiStruct:
    def __init__(self, c: object) -> None:
        self._ffi_c = [c]


def test_cffi_fixed_array_gives_cffi_initializers() -> None:
    assert cf.fixed_array(2, [None, 7], "o", "S.o", kind="u8", absent="zero") == ["zero", (7, 1)]
    one, two = _CffiStruct("one"), _CffiStruct("two")
    assert cf.fixed_array(2, [one, two], "p", "S.p", kind="struct", target=_CffiStruct) == ["one", "two"]
    assert cf.fixed_array(2, [None, two], "p", "S.p", kind="struct", target=_CffiStruct, absent=0) == [0, ("two", 1)]
    with pytest.raises(OverflowError, match=r"an item of S\.o is -1"):
        cf.fixed_array(2, [None, -1], "o", "S.o", kind="u8", absent=0)


def test_cffi_views_and_layout_check_by_path() -> None:
    cffi = pytest.importorskip("cffi")
    ffi = cffi.FFI()
    ffi.cdef(
        "typedef struct V { float x; } V; typedef struct S { uint8_t tag; union { struct { V c[2]; } R; } payload; } S;"
    )
    s = ffi.new("S *")
    views = cf.views(s.payload.R.c, lambda pointer, base: (pointer, base), s)
    assert [ffi.addressof(s.payload.R.c, i) == pointer for i, (pointer, _) in enumerate(views)] == [True, True]
    assert all(base is s for _, base in views)
    cf.check_layout(ffi, "m", ("S", 12, 4, (("payload", 4), ("payload.R.c", 4))))
    # A data-carrying enum's stand-in without a union, written through its C layout.
    ffi.cdef("typedef struct T { uint32_t words[3]; } T;")
    library = object.__new__(cf.Library)  # only its ffi object is used
    library.ffi = ffi
    value = library.tagged_value("T", "S", (7, {"R": ([(1.5,), (2.5,)],)}))
    assert value.words[0] == 7  # the tag (little-endian, and 4 bytes wide)
    assert ffi.cast("S *", value).payload.R.c[1].x == 2.5
    with pytest.raises(ImportError, match="cffi lays out S"):
        cf.check_layout(ffi, "m", ("S", 12, 4, (("payload.R.c", 8),)))


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


def test_an_async_call_completed_during_the_call_is_settled_at_once() -> None:
    """A future ready when first polled: the library calls the completion during the call, on the event loop's
    thread. The asyncio future is done when the call returns, and awaiting it does not suspend the coroutine."""

    class Record:
        kind, code, message = 2, 7, "it failed"

    class Runtime(rt.Support):
        def failure_error(self, failure: object, errors: rt.Errors) -> BaseException:
            assert isinstance(failure, Record)
            return self.error(failure.kind, failure.code, failure.message, errors)

    support = Runtime("pkg._native", Panic)

    async def call(value: object, failure: object, errors: rt.Errors) -> object:
        future, key = support.awaiting(lambda value: value * 2, errors)
        support.complete(key, value, failure)  # what the library does before the call returns
        assert future.done() and support.callbacks == {}
        return await future

    async def main() -> None:
        coroutine = call(21, None, None)
        with pytest.raises(StopIteration) as stopped:
            coroutine.send(None)  # runs to its end in one step: the await never suspended
        assert stopped.value.value == 42
        with pytest.raises(Failed, match="it failed"):
            call(None, [Record()], {7: Failed}).send(None)

    asyncio.run(main())


def test_an_async_call_whose_loop_closed_is_dropped_quietly() -> None:

    support = rt.Support("pkg._native", Panic)

    async def start() -> object:
        return support.awaiting(lambda value: value, None)[1]

    key = asyncio.run(start())  # the loop is closed when its outcome arrives
    support.complete(key, 1, None)
    assert support.callbacks == {}


def test_cancelling_an_awaiting_task_cancels_its_library_call() -> None:
    """The library's cancel function is called with the key, once, only when the awaiting task is cancelled;
    the key stays until the library releases the call (or completes it, having finished first)."""
    support = rt.Support("pkg._native", Panic)
    cancelled: list[object] = []
    support.cancel_calls = cancelled.append

    async def main() -> None:
        future, key = support.awaiting(lambda value: value * 2, None)
        threading.Thread(target=support.complete, args=(key, 21, None)).start()
        assert await future == 42
        assert cancelled == [] and support.callbacks == {}

        future, key = support.awaiting(lambda value: value, None)
        task = asyncio.ensure_future(future)
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert future.cancelled() and cancelled == [key]
        assert key in support.callbacks  # until the library lets go of the call
        support.release_callback(key)
        assert support.callbacks == {}

        # The call finished as it was cancelled: its completion still reads (and frees) the value.
        read: list[int] = []
        future, key = support.awaiting(read.append, None)
        future.cancel()
        assert future.cancel() is False and cancelled == [cancelled[0], key]  # a second cancel does nothing
        support.complete(key, 5, None)
        await asyncio.sleep(0)
        assert read == [5] and support.callbacks == {}

    asyncio.run(main())


def test_without_a_cancel_function_a_cancelled_await_only_forgets_its_outcome() -> None:
    support = rt.Support("pkg._native", Panic)

    async def main() -> None:
        future, key = support.awaiting(lambda value: value, None)
        assert future.cancel()
        support.complete(key, 1, None)
        assert support.callbacks == {}

    asyncio.run(main())


def test_an_outcome_settled_now_resumes_the_awaiting_task_in_the_same_iteration() -> None:
    # The outcome's callback (the bell's, or call_soon_threadsafe's) runs the task's wake-up itself: one loop
    # iteration per hop instead of two. Any other way of settling schedules it, as every future does.
    support = rt.Support("pkg._native", Panic)
    order: list[str] = []

    async def waiter(future: asyncio.Future[object]) -> object:
        value = await future
        order.append(f"resumed {value}")
        return value

    async def main() -> None:
        loop = asyncio.get_running_loop()
        future, _ = support.awaiting(lambda value: value, None)
        task = loop.create_task(waiter(future))
        await asyncio.sleep(0)  # the task awaits the future: its wake-up is kept aside
        assert future.wake is not None
        extra: list[object] = []
        future.add_done_callback(extra.append)  # any other callback is the future's own
        loop.call_soon(lambda: (future.settle_now(1), order.append("after settle_now")))
        await asyncio.sleep(0)
        assert order == ["resumed 1", "after settle_now"], order
        assert task.done() and task.result() == 1 and future.wake is None
        await asyncio.sleep(0)
        assert extra == [future]

        future, _ = support.awaiting(lambda value: value, None)
        task = loop.create_task(waiter(future))
        await asyncio.sleep(0)
        future.set_result(2)  # scheduled, not run here
        assert not task.done() and future.wake is None
        assert await task == 2

        future, _ = support.awaiting(lambda value: value, None)
        task = loop.create_task(waiter(future))
        await asyncio.sleep(0)
        task.cancel()  # the future is cancelled, and the task's wake-up scheduled
        with pytest.raises(asyncio.CancelledError):
            await task
        future.settle_now(3)  # too late: nothing happens
        assert future.cancelled()

        future, _ = support.awaiting(lambda value: value, None)
        wake = [lambda done: order.append("wrong")]
        future.add_done_callback(wake[0])
        assert future.remove_done_callback(wake[0]) == 1 and future.wake is None
        future.settle_now(ValueError("failed"))
        assert isinstance(future.exception(), ValueError)

    asyncio.run(main())


# buffers PyPy may move ------------------------------------------------------------------------------


def test_resizable_buffers_are_those_pypy_lets_grow_while_exported() -> None:
    assert rt.resizable(bytearray(b"ab")) and rt.resizable(array.array("d", [1.0]))
    assert rt.resizable(memoryview(bytearray(b"ab")).toreadonly())
    assert not rt.resizable(b"ab") and not rt.resizable(memoryview(b"ab")) and not rt.resizable([1, 2])
    assert (sys.implementation.name == "pypy") == rt.COPIES_RESIZABLE_BUFFERS


def test_ctypes_copies_a_resizable_buffer_and_writes_it_back_where_pypy_would_move_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ct, "COPIES_RESIZABLE_BUFFERS", True)
    values = array.array("d", [1.0, 2.0])
    items, count = ct.numbers_argument("f", "values", values, ctypes.c_double, "d", mutable=True)
    assert count == 2 and ctypes.addressof(items) != values.buffer_info()[0]  # a copy, not the array's memory
    values.append(3.0)  # another thread may grow it: it is not exported
    items[0], items[1] = 10.0, 20.0  # what the library writes
    ct.write_numbers_back(values, items)
    assert values.tolist() == [10.0, 20.0, 3.0]
    shrunk = bytearray(b"abc")
    items, count = ct.numbers_argument("f", "data", shrunk, ctypes.c_uint8, "B", mutable=True)
    del shrunk[1:]
    ct.write_numbers_back(shrunk, items)  # as much as still fits
    assert shrunk == bytearray(b"a")


def test_cffi_copies_a_resizable_buffer_and_writes_it_back_where_pypy_would_move_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(cf, "COPIES_RESIZABLE_BUFFERS", True)
    library = cf.Library.__new__(cf.Library)  # only its `ffi` is used here
    library.ffi = cffi.FFI()
    data = bytearray(b"\x01\x02")
    items, count = library.numbers_argument("f", "data", data, "uint8_t", "B", mutable=True)
    assert count == 2
    data.extend(b"\x03")  # not exported: it may grow
    items[0] = 9
    library.write_numbers_back(data, items)
    assert data == bytearray(b"\x09\x02\x03")


def test_shared_buffers_are_written_back_by_the_library_itself() -> None:
    values = array.array("d", [1.0])
    items, _ = ct.numbers_argument("f", "values", values, ctypes.c_double, "d", mutable=True)
    if not rt.COPIES_RESIZABLE_BUFFERS:
        assert ctypes.addressof(items) == values.buffer_info()[0]
        ct.write_numbers_back(values, items)  # nothing to do


# the wire encoding of owned values ------------------------------------------------------------------------------


def test_wire_values_round_trip_in_the_documented_encoding() -> None:
    strings = rt.wire_vec(rt.WIRE_STR)
    nested = rt.wire_option(strings)
    # The example of docs/wire-format.md, the bytes the Rust side's own test expects.
    encoded = rt.wire_encode(nested, ["hé"], "f() argument 'x'")
    assert encoded == bytes([1, 1, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0x68, 0xC3, 0xA9])
    assert rt.wire_decode(nested, encoded) == ["hé"]
    assert rt.wire_decode(nested, rt.wire_encode(nested, None, "x")) is None
    samples = rt.wire_map(rt.WIRE_STR, rt.wire_option(rt.wire_vec(rt.wire_number("f64"))))
    value = {"a": [1.5, -0.0], "b": None, "日本": []}
    assert rt.wire_decode(samples, rt.wire_encode(samples, value, "x")) == value
    keyed = rt.wire_map(rt.wire_number("i16"), rt.wire_number("bool"))
    assert rt.wire_decode(keyed, rt.wire_encode(keyed, {-3: True, 7: False}, "x")) == {-3: True, 7: False}


def test_wire_wide_integers_and_chars() -> None:
    wide = rt.wire_vec(rt.wire_number("i128"))
    assert rt.wire_decode(wide, rt.wire_encode(wide, [-(2**127), 2**127 - 1, True], "x")) == [-(2**127), 2**127 - 1, 1]
    with pytest.raises(OverflowError, match="item 0 is 170141183460469231731687303715884105728, outside the range"):
        rt.wire_encode(wide, [2**127], "f() argument 'x'")
    chars = rt.wire_option(rt.wire_number("char"))
    assert rt.wire_encode(chars, "é", "x") == bytes([1, 0xE9, 0, 0, 0])
    assert rt.wire_decode(chars, bytes([1, 0x80, 0xF9, 1, 0])) == "🦀"
    with pytest.raises(ValueError, match="must be one character, got a str of length 2"):
        rt.wire_encode(chars, "ab", "f() argument 'x'")


def test_wire_bytes_are_one_block() -> None:
    blobs = rt.wire_vec(rt.wire_vec(rt.wire_number("u8")))
    words = memoryview(array.array("H", [1, 2]))
    encoded = rt.wire_encode(blobs, [b"ab", bytearray(b"c"), memoryview(b"de"), [1, 2], words], "x")
    assert rt.wire_decode(blobs, encoded) == [b"ab", b"c", b"de", b"\x01\x02", words.tobytes()]
    with pytest.raises(TypeError, match="f\\(\\) argument 'x' item 0 must be a contiguous buffer"):
        rt.wire_encode(blobs, [memoryview(b"abcd")[::2]], "f() argument 'x'")


@pytest.mark.parametrize(
    ("codec", "value", "error", "message"),
    [
        (rt.wire_vec(rt.WIRE_STR), ["a", 1], TypeError, "f() argument 'x' item 1 must be str, not int"),
        (rt.wire_vec(rt.WIRE_STR), "ab", TypeError, "f() argument 'x' must be a list, not str"),
        (rt.wire_vec(rt.WIRE_STR), 5, TypeError, "f() argument 'x' must be a list, not int"),
        (rt.wire_vec(rt.WIRE_STR), ["\ud800"], ValueError, "f() argument 'x' item 0 is not valid UTF-8 text"),
        (rt.wire_vec(rt.wire_number("u8")), [1, 256], OverflowError, "item 1 is 256, outside the range of u8"),
        (rt.wire_vec(rt.wire_number("f32")), [1e39], OverflowError, "item 0 is 1e+39, outside the range of f32"),
        (rt.wire_vec(rt.wire_number("bool")), [1], TypeError, "item 0 must be bool, not int"),
        (rt.wire_map(rt.WIRE_STR, rt.wire_number("i64")), {"k": 2**63}, OverflowError, "['k'] is 9223372036854775808"),
        (rt.wire_map(rt.WIRE_STR, rt.wire_number("i64")), {1: 1}, TypeError, "key 1 must be str, not int"),
        (rt.wire_map(rt.WIRE_STR, rt.wire_number("i64")), [], TypeError, "must be a dict, not list"),
        (
            rt.wire_map(rt.WIRE_STR, rt.wire_vec(rt.wire_option(rt.WIRE_STR))),
            {"k": [None, 3]},
            TypeError,
            "f() argument 'x' ['k'] item 1 must be str, not int",
        ),
    ],
)
def test_wire_values_are_checked_as_arguments_are(codec: object, value: object, error: type, message: str) -> None:
    with pytest.raises(error) as raised:  # type: ignore[var-annotated]
        rt.wire_encode(codec, value, "f() argument 'x'")
    assert message in str(raised.value)
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


class _Point(ctypes.Structure):
    """A struct as the ctypes backend generates one: positional construction, values from `__reduce__`."""

    _fields_ = (("tag", ctypes.c_uint8), ("x", ctypes.c_double), ("raw", ctypes.c_uint8 * 2))

    def __init__(self, tag: int = 0, x: float = 0.0, raw: object = (0, 0)) -> None:
        ctypes.Structure.__init__(self, tag, x, (ctypes.c_uint8 * 2)(*raw))  # type: ignore[misc]

    def __reduce__(self) -> tuple[object, ...]:
        return (_Point, (self.tag, self.x, bytes(self.raw)))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Point) and self.__reduce__() == other.__reduce__()

    __hash__ = None  # type: ignore[assignment]


class _Node:
    """A record's class as generated: slots, positional or keyword construction, `==` by fields."""

    __slots__ = ("children", "label", "point")
    __match_args__ = ("label", "children", "point")

    def __init__(self, label: str, children: list[_Node], point: object = None) -> None:
        self.label, self.children, self.point = label, children, point

    __hash__ = None  # type: ignore[assignment]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Node) and (self.label, self.children, self.point) == (
            other.label,
            other.children,
            other.point,
        )


_POINT = rt.wire_struct(
    _Point,
    (("tag", rt.wire_number("u8")), ("x", rt.wire_number("f64")), ("raw", rt.wire_array(rt.wire_number("u8"), 2))),
)
# Built as generated modules build it: the fields are resolved at first use, so the record may hold itself.
_NODE: rt.Codec = rt.wire_record(
    _Node, lambda: (("label", rt.WIRE_STR), ("children", rt.wire_vec(_NODE)), ("point", rt.wire_option(_POINT)))
)


def test_records_and_structs_cross_field_by_field() -> None:
    tree = _Node("root", [_Node("a", [], _Point(7, 1.5, (1, 2))), _Node("b", [_Node("c", [])])])
    encoded = rt.wire_encode(_NODE, tree, "x")
    # `Some(point)`: the tag, then the struct's fields in order, without the 7 bytes of padding after `tag`.
    assert bytes([1, 7]) + bytes(ctypes.c_double(1.5)) + bytes([1, 2]) in encoded
    decoded = rt.wire_decode(_NODE, encoded)
    assert decoded.children[0].point.x == 1.5 and bytes(decoded.children[0].point.raw) == b"\x01\x02"
    assert [c.label for c in decoded.children] == ["a", "b"] and decoded.children[1].children[0].label == "c"


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        ({}, TypeError, "f() argument 'x' must be _Node, not dict"),
        (_Node("r", [_Node(3, [])]), TypeError, "argument 'x' field 'children' item 0 field 'label' must be str, not"),
        (_Node("r", [], (1, 2)), TypeError, "argument 'x' field 'point' must be _Point, not tuple"),
        (_Node("r", [], _Point(1, 2.0, (1, 2))), None, ""),
    ],
)
def test_records_are_checked_field_by_field(value: object, error: type | None, message: str) -> None:
    if error is None:
        assert rt.wire_decode(_NODE, rt.wire_encode(_NODE, value, "x")) == value
        return
    with pytest.raises(error) as raised:  # type: ignore[var-annotated]
        rt.wire_encode(_NODE, value, "f() argument 'x'")
    assert message in str(raised.value)


def test_wire_arrays_have_exactly_their_length() -> None:
    triple = rt.wire_array(rt.wire_number("i16"), 3)
    assert rt.wire_decode(triple, rt.wire_encode(triple, [1, -2, 3], "x")) == (1, -2, 3)
    with pytest.raises(ValueError, match="must have 3 items, not 2"):
        rt.wire_encode(triple, [1, 2], "x")
    with pytest.raises(TypeError, match="must be a sequence of 3 items, not str"):
        rt.wire_encode(triple, "abc", "x")


def test_wire_containers_are_sequences_and_mappings() -> None:
    strings = rt.wire_vec(rt.WIRE_STR)
    assert rt.wire_decode(strings, rt.wire_encode(strings, collections.deque(["a"]), "x")) == ["a"]
    for wrong in ({"a": 1}, {"a"}, "a", b"a", iter(["a"]), None):
        with pytest.raises(TypeError, match="must be a list"):
            rt.wire_encode(strings, wrong, "x")
    counts = rt.wire_map(rt.WIRE_STR, rt.wire_number("u8"))
    ordered = collections.OrderedDict(a=1)
    assert rt.wire_decode(counts, rt.wire_encode(counts, ordered, "x")) == {"a": 1}
    for wrong in ([("a", 1)], dict, None):
        with pytest.raises(TypeError, match="must be a dict"):
            rt.wire_encode(counts, wrong, "x")


def test_wire_enums_are_members_in_and_out() -> None:
    colors = rt.wire_vec(rt.wire_option(rt.wire_enum(Color, "u8")))
    encoded = rt.wire_encode(colors, [Color.Blue, None, 1], "x")
    assert encoded == bytes([3, 0, 0, 0, 0, 0, 0, 0, 1, 4, 0, 1, 1])
    assert rt.wire_decode(colors, encoded) == [Color.Blue, None, Color.Red]
    with pytest.raises(ValueError, match=r"^f\(\) argument 'x' item 1 is 2, not a valid Color$"):
        rt.wire_encode(colors, [1, 2], "f() argument 'x'")
    with pytest.raises(TypeError, match="item 0 must be Color or int, not str"):
        rt.wire_encode(colors, ["Red"], "f() argument 'x'")

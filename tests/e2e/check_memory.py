"""Calls every allocating pattern of the installed sample_crate many times; memory must stay flat (resident memory,
Python's allocators and the C allocator's main arena).

Strings and vectors the library returns (async functions' too), the messages of errors and panics, copies of lists
passed as slices, async calls (completed at once, later, or cancelled), callbacks (the Python side's table of
callables, the library's boxed listeners, the exceptions they raise, the copies of the text they return), trait
objects and service objects are all allocated on one side of the boundary and freed on the other: a leak in any of
them grows the process by megabytes over these calls.
"""

import array
import asyncio
import contextlib
import ctypes
import gc
import inspect
import os
import sys
import tracemalloc

import sample_crate

CALLS = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000


def resident_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def raise_key_error(index, value):
    raise KeyError(index)


def _raise(error):
    raise error


class _Job(sample_crate.Progress):
    def on_progress(self, done, total):
        pass

    def cancelled(self):
        return False

    def label(self, job, step):
        return f"{job}{step}"

    def check(self, value):
        if value > 10:
            raise sample_crate.MathError.Overflow()
        return value + 1


_JOB = _Job()


def contact_of(i):
    """A record whose encoding takes some kilobytes."""
    return sample_crate.Contact(f"contact {i}", ["tag"] * 100, 1.0, sample_crate.Vec2(), {str(k): k for k in range(50)})


#: The async functions `async_round` calls.
ASYNC_CALLS = {"double_now", "divide_now", "greet_later", "sleep_with_guard", "checksum_later", "contact_later"}
#: The event loop of the async calls.
LOOP = asyncio.new_event_loop()


async def async_round(i):
    """Async calls: one ready when first polled (its value kept in the call until it is read: the compiled
    coroutine's), its error's message, a `String` made on the library's runtime (the caller frees it), and, every
    twentieth time, a call cancelled while it waits (its future dropped on the runtime, its completion released)."""
    assert await sample_crate.double_now(i) == 2 * i
    with contextlib.suppress(sample_crate.MathError.DivisionByZero):
        await sample_crate.divide_now(i, 0)
    assert await sample_crate.greet_later(i) == f"Hello, visitor {i}!"
    if i % 40 == 2:
        # Text, bytes and a record converted when the call starts (the cpython backend's encoding freed after it),
        # and a record result (fewer: each waits for the library's runtime).
        assert (await sample_crate.checksum_later(b"abc" * 100, "x")).startswith("x:")
        assert (await sample_crate.contact_later(contact_of(i))).tags[-1] == "later"
    if i % 20 == 0:
        task = asyncio.ensure_future(sample_crate.sleep_with_guard(60_000))
        await asyncio.sleep(0)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def one_round(i):
    assert sample_crate.greet("Ferris") == "Hello, Ferris!"
    assert len(sample_crate.range_u32(0, 16)) == 16
    assert len(sample_crate.vec2_grid(3)) == 9
    assert sample_crate.reversed_bytes(b"abcdef") == b"fedcba"
    assert sample_crate.repeat_text("ab", 8) == "ab" * 8
    assert sample_crate.sum_i32([1, 2, 3]) == 6
    # Lists copied for a slice, beyond the few items a call keeps on its stack (the cpython backend allocates).
    assert sample_crate.sum_i32([1] * 100) == 100
    assert sample_crate.vec2_sum([sample_crate.Vec2(1.0, 2.0)] * 40).x == 40.0
    points = [sample_crate.Vec2(3.0, 4.0) for _ in range(40)]
    sample_crate.vec2_normalize_all(points)  # written back into the list's objects
    assert abs(points[-1].x - 0.6) < 1e-6
    assert sample_crate.count_true([True, False] * 200) == 200
    assert sample_crate.colors_in(7)[2] is sample_crate.Color.Blue
    # Owned parameters: copied into Rust's allocations, which the functions drop (or return).
    assert sample_crate.title_case("ab cd") == "Ab Cd"
    assert sample_crate.median([3.0, 1.0, 2.0]) == 2.0
    assert sample_crate.nearest([sample_crate.Vec2()], sample_crate.Vec2()) is not None
    # Encoded values: bytes Python made (the library decodes them into its own allocations), and buffers the
    # library encoded (Python frees them).
    assert sample_crate.word_counts(["a", "b", "a"]) == {"a": 2, "b": 1}
    assert sample_crate.means({"x": [1.0], "y": []}) == {"x": 1.0, "y": None}
    assert sample_crate.first_word("ab cd") == "ab"
    assert sample_crate.chunks(b"abc", 2) == [b"ab", b"c"]
    if i % 4 == 0:
        # Records: encoded in, decoded into Rust's allocations (strings, lists, maps), and encoded out; a refused
        # one. Every fourth round (they are slow to build, and each call allocates a dozen times: a leak would
        # still grow the process by megabytes).
        contact = sample_crate.contact_new("ab")
        contact.counts["k"] = i
        team = sample_crate.Team(lead=contact, members=[contact, contact], color=sample_crate.Color.Red)
        assert len(sample_crate.team_roster(team)) == 3
        assert sample_crate.contact_tagged(contact, "t").tags == ["t"]
        assert sample_crate.tree_size(sample_crate.TreeNode("a", [sample_crate.TreeNode("b", [])])) == 2
        # One whose encoding outgrows a small buffer (the cpython backend's encoder then allocates it).
        assert sample_crate.contact_summary(contact_of(i)).startswith("contact ")
        with contextlib.suppress(TypeError):
            sample_crate.tree_size(sample_crate.TreeNode("a", [sample_crate.TreeNode("b", [None])]))
        # Newtypes in the library's allocations: a `Vec` of them, a record holding them, a map keyed by them.
        assert len(sample_crate.user_range(sample_crate.UserId(1), 8)) == 8
        assert sample_crate.member_friends(sample_crate.member_new(sample_crate.UserId(3), "m")) == [4, 5, 3]
        assert sample_crate.user_scores_raised({sample_crate.UserId(1): 1, 2: 2}) == {1: 2, 2: 3}
        # Records a callback gets: encoded by the library for the call, decoded by Python.
        assert sample_crate.entries_kept(team, [sample_crate.Value.Text("v")], lambda c, v, i: i == 0) == ["ab"]
        # An error with data: its message and its encoding, both the caller's to free.
        with contextlib.suppress(sample_crate.ParseError.UnknownUnit):
            sample_crate.length_in_metres("1 pc")
        # One a callback raises: encoded by Python, decoded by the library, sent back as the call's error.
        with contextlib.suppress(sample_crate.ParseError.UnknownUnit):
            sample_crate.total_length(
                ["1 m", "2 pc"], lambda text: _raise(sample_crate.ParseError.UnknownUnit("pc", []))
            )
    with contextlib.suppress(sample_crate.MathError.DivisionByZero):
        sample_crate.divide(i, 0)
    # Callbacks: one used during the call, and one the library keeps and then drops.
    assert sample_crate.for_each_value([1.0, 2.0], lambda index, value: True) == 2
    if i % 2 == 1:
        # Text a callback returns: copied by the library (the copy dropped with the call), even when one of them
        # fails (the text set before the failure is dropped too). Every other round, as the records above.
        assert sample_crate.label_each([1, 2], ",", lambda value: "label" * value) == "label,labellabel"
        with contextlib.suppress(KeyError):
            sample_crate.label_each([1, 2], ",", lambda value: "label" if value == 1 else {}[value])
        assert sample_crate.walk(sample_crate.Vec2(), 2, lambda point, step: point).x == 0.0
        assert sample_crate.rename_words("a b", lambda word: None if word == "a" else "bb") == "a bb"
        assert sample_crate.find_points(2, lambda round: sample_crate.Vec2() if round else None)[0].x == 0.0
        with contextlib.suppress(sample_crate.MathError.Overflow):
            sample_crate.check_all([1, 2], lambda value: (_ for _ in ()).throw(sample_crate.MathError.Overflow()))
        assert sample_crate.describe_all([1], lambda value: "one") == "one"
        # Encoded results: Python's encoding, decoded into the library's allocations.
        assert sample_crate.split_words("ab", lambda word: ["a", "b"]) == "a+b"
        assert sample_crate.tally_words("a", lambda word: {"x": 1}) == 1
        # Trait objects lent for a call: a method's text, and its `Result` error (step 4's value is 16).
        assert sample_crate.run_job("j", 2, _JOB) == "j0=1\nj1=2"
        with contextlib.suppress(sample_crate.MathError.Overflow):
            sample_crate.run_job("j", 5, _JOB)
    notifier = sample_crate.notifier_new()
    sample_crate.notifier_subscribe(notifier, lambda code: None)
    sample_crate.notifier_emit(notifier, i)
    sample_crate.notifier_free(notifier)
    # Owned objects Python drops without their free function: the finaliser drops them (listeners included).
    dropped = sample_crate.notifier_new()
    sample_crate.notifier_subscribe(dropped, lambda code: None)
    del dropped
    sample_crate.counter_increment(sample_crate.counter_new(i))
    # Freed: the emptied cell given back by the call (nothing else refers to it), or, held elsewhere meanwhile (as
    # by another thread's call), by its finaliser.
    sample_crate.counter_free(sample_crate.counter_new(i))
    counter = sample_crate.counter_new(i)
    cell = counter._ffi_ptr
    sample_crate.counter_free(counter)
    del cell
    with contextlib.suppress(KeyError):
        sample_crate.for_each_value([1.0], raise_key_error)
    # Services: one closed by close(), one by `with`, one by the garbage collector; a refused constructor.
    store = sample_crate.Store()
    store.put("key", i)
    assert store.get("key") == i
    assert store.keys() == "key"
    assert store.each_value(lambda index, value: True) == 1
    store.close()
    with sample_crate.Store.with_capacity(4) as scoped:
        scoped.add_all("key", [1, 2, 3])
    sample_crate.Store().put("key", i)
    merged = sample_crate.Store()
    merged.merge(sample_crate.Store.with_capacity(2))  # a store by value: dropped by the call
    # Service objects returned by value (a method's `-> Self`, a function's `Option`/`Result`), dropped by the
    # garbage collector or closed.
    hasher = sample_crate.hasher_for(b"abc")
    hasher.copy().update(b"d")
    sample_crate.hasher_repeating(b"ab", 2).close()
    sample_crate.hasher_finish(sample_crate.Hasher())  # taken: its value dropped in the call, its cell at release
    assert not hasher.matches(sample_crate.hasher_for(b"abd"))
    with contextlib.suppress(sample_crate.MathError.Overflow):
        sample_crate.hasher_repeating(b"x" * 1001, 1000)
    with contextlib.suppress(sample_crate.MathError.Overflow):
        sample_crate.Store.with_capacity(2_000_000)
    if i % 20 == 0:
        # Trait objects a service keeps (and calls from threads of its own), released method by method when it
        # drops them: at `clear()`, and when it is closed.
        tracker = sample_crate.Tracker(2)
        tracker.watch(_JOB)
        tracker.share(_Job())
        assert tracker.advance(1) == 2
        tracker.clear()
        tracker.watch(_Job())
        tracker.close()
    if i % 8 == 2:  # every eighth round: most of their time is the wait for the library's runtime
        LOOP.run_until_complete(async_round(i))
    if i % 20 == 0:  # a panic also prints its message to stderr: fewer of them
        with contextlib.suppress(sample_crate.RustPanic):
            sample_crate.panic_with_message("boom")


def main():
    floats = array.array("f", [1.0] * 64)
    for i in range(CALLS // 10):  # warm up: allocator pools and caches reach their steady size
        one_round(i)
    before = resident_bytes()
    for i in range(CALLS):
        one_round(i)
        sample_crate.scale_f32_in_place(floats, 1.0)
    grown = resident_bytes() - before
    print(f"{CALLS} rounds: resident memory grew by {grown / 1e6:.2f} MB")
    python_grown = python_heap_growth(2000)
    if python_grown is not None:
        print(f"2000 rounds: Python's allocators hold {python_grown} bytes more")
    c_grown = c_heap_growth(4000)
    if c_grown is not None:
        print(f"4000 rounds: the C allocator's main arena holds {c_grown} bytes more")
    dropped = dropped_counters(100_000)
    print(f"100000 Counters dropped without counter_free: resident memory grew by {dropped / 1e6:.2f} MB")
    assert not sample_crate._native._ffi_callbacks, "every callback was forgotten once the library dropped it"
    gc.collect()
    assert sample_crate.Store.live_stores() == 0, "every store was dropped"
    assert sample_crate.guards_held() == 0, "every cancelled async call's future was dropped"
    # A coroutine the library kept a reference to (a compiled one's, until it completes or is released) would be
    # too small a leak for resident memory to show over these calls: looked for by name instead.
    kept = [o for o in gc.get_objects() if inspect.isawaitable(o) and getattr(o, "__qualname__", "") in ASYNC_CALLS]
    assert not kept, f"{len(kept)} async calls outlived their await: {kept[:3]}"
    # Resident memory sees every allocator and thread, the library's runtime's too, but a small leak can land in
    # memory an allocator holds already (16 bytes a round went unseen over 40,000 rounds): at most ten bytes a round
    # here (the growth measured without a leak is below one page), and the exact counts below for small leaks.
    assert grown < 10 * CALLS, f"resident memory grew by {grown} bytes over {CALLS} rounds"
    # 32 bytes a round (a small Python object, or an encoding's buffer) would be 64 KB.
    assert python_grown is None or python_grown < 65536, f"Python's allocators hold {python_grown} bytes more"
    # 16 bytes a round malloc'd on the calling thread (the library's `String`s, vectors, encodings, cells) would be
    # 128 KB, chunk headers included; without a leak it grows by some 7 KB.
    assert c_grown is None or c_grown < 65536, f"the C allocator's main arena holds {c_grown} bytes more"
    # A leaked Counter (its box and history) is some 48 bytes: 4.8 MB over 100,000.
    assert dropped < 1_000_000, f"resident memory grew by {dropped} bytes over 100,000 dropped Counters"


def python_heap_growth(rounds):
    """How much more memory Python's allocators hold after `rounds` rounds (tracemalloc; None where there is none,
    PyPy): exact where resident memory is not, since a small leak can land in memory the C allocator holds already
    (the bindings allocate with Python's allocators: objects, and the cpython backend's encodings)."""
    if sys.implementation.name != "cpython":
        return None
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for i in range(rounds):
        one_round(i)
    gc.collect()
    grown = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    return grown


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


def c_heap_growth(rounds):
    """How many more bytes the C allocator hands out from its main arena after `rounds` rounds (glibc's `mallinfo2`;
    None where there is none): exact where resident memory is not, since a small leak can land in memory the
    allocator holds already. The library allocates on the calling thread for every synchronous call (its strings,
    vectors, encodings, cells); what its runtime's threads allocate is in arenas of their own, which only resident
    memory sees."""
    libc = ctypes.CDLL(None)
    if sys.implementation.name != "cpython" or not hasattr(libc, "mallinfo2"):
        return None
    libc.mallinfo2.restype = _MallInfo2

    def allocated():
        info = libc.mallinfo2()
        return info.uordblks + info.hblkhd

    gc.collect()
    before = allocated()
    for i in range(rounds):
        one_round(i)
    gc.collect()
    return allocated() - before


def dropped_counters(count):
    """Resident memory growth over `count` Counters (each incremented, so its history allocates) that Python
    drops without calling counter_free."""
    for i in range(count // 10):
        sample_crate.counter_increment(sample_crate.counter_new(i))
    before = resident_bytes()
    for i in range(count):
        counter = sample_crate.counter_new(i)
        sample_crate.counter_increment(counter)
        del counter
    gc.collect()
    return resident_bytes() - before


if __name__ == "__main__":
    main()

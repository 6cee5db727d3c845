"""Per-call cost of sample_crate's generated ctypes bindings against hand-written baselines.

Run through `bash benches/run.sh`, which builds and installs everything this imports. Every cell
(one call through one binding technology) is timed with timeit in rounds: each round times every
cell once, in a freshly shuffled order, so slow drift of the machine spreads over all cells alike;
a cell's result is its best round. Numbers are nanoseconds per call as seen from Python: loading
the function and its arguments from fast locals, the call, the native function, building the
result and discarding it (timeit's loop, measured below as "empty loop", is not subtracted).

With --callgrind, each cell is instead counted under valgrind's callgrind: instructions per call, which
load on the machine does not change (one process; collection is switched on only around each cell's
calls, by the callgrind_probe extension run.sh builds). Ratios of these counts are the comparison to
trust on a noisy machine.

Slices are `array.array("d")` objects made once (1, 1,000 and 10^6 values), so every binding can share the
buffer instead of copying it; the 10^6-value cell runs its statement 100 times fewer than the others (its
count is still per call). The callback is `for_each_value` over one value, with a Python function that
returns True. The service method is `Store.get` on a store holding the key.

An async function cannot be one call of a timeit statement: its cell's statement is
`run(batch())`, where `run` is `run_until_complete` of one event loop made for the benchmark and
`batch` a coroutine function that awaits the function 100 times, in a `for` loop; the
statement runs 100 times fewer than the others, and its count (or time) is divided by the 100
awaits. So it is the cost of one `await` of the function inside a running event loop, plus a
hundredth of `run_until_complete`'s own cost. Two async cells: `double_later(21, 0)`, whose
future is pending when first polled (the library's timer rounds the 0 ms sleep up to its next
1 ms tick), so the cost is the call that starts the work, the hop to the library's runtime, the
wake-up of the event loop through `call_soon_threadsafe` and resuming the coroutine (timed, an
await is about 1 ms whatever the binding, the timer's tick; callgrind counts no instructions while
the threads wait, and only the main thread's: collection is switched per thread); and
`double_now(21)`, whose future is ready when first polled, so it completes during the call, on
the awaiting thread, and the coroutine never suspends (the generated bindings only: the
hand-written ones have no such function). A third, `i128_double_later(21)`, is pending once (it
yields to the runtime) and so is completed from the runtime's thread without waiting for a timer:
the timed cost of the hop itself (generated bindings only). Three reference cells give its scale:
`await asyncio.sleep(0)`, an `await` of `run_in_executor` on a one-thread pool (a Python thread's
round trip through `call_soon_threadsafe`), and the machine's floor of such a hop: an `await` of a
future that a bare C thread (benches/cext/hop_floor.c, never taking the GIL) settles by making a
descriptor the loop watches readable, as the library's doorbells do (and that thread's round trip in C
alone, a reference cell of one call per round trip). A cell that an implementation has no
reasonable way to make (an async call through a bare C function, for instance) is left out, and
its table cell reads "—".

Usage: python bench.py [--repeats N] [--target-seconds S] [--seed N] [--json PATH] [--markdown PATH]
       python bench.py --callgrind [--calls N]
"""
# ruff: noqa: PLC0415  (the bindings are imported once main() has put the C extension on sys.path)

from __future__ import annotations

import argparse
import array
import asyncio
import concurrent.futures
import functools
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import time
import timeit
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Tuple

HERE = Path(__file__).resolve().parent
WORK = HERE / ".work"

#: "generated" is the ctypes backend's bindings; "generated cffi" and "generated cffi API" the cffi backend's in
#: ABI and in API mode; "generated cpython" the cpython backend's (the ctypes module with its compiled fast path,
#: which takes the calls of numbers). The others are hand-written: bare calls; "+checks", `def` wrappers with the
#: generated module's Python-facing types making the checks it makes (handwritten_*_checked.py); "+def", the same
#: wrappers without any check.
IMPLEMENTATIONS = (
    "generated",
    "ctypes",
    "ctypes+def",
    "ctypes+checks",
    "generated cffi",
    "cffi ABI",
    "cffi ABI+def",
    "cffi ABI+checks",
    "generated cffi API",
    "cffi API",
    "cffi API+def",
    "cffi API+checks",
    "generated cpython",
    "C extension",
    "C extension, same GIL policy",
    "PyO3",
    "PyO3, same GIL policy",
)
#: The ratio columns: each generated binding against hand-written wrappers of the same technology making the same
#: checks (the issue's targets: 1.05, 1.1 and 1.2), then against wrappers without checks (what the checks cost).
RATIOS = (
    ("generated", "ctypes+checks"),
    ("generated cffi", "cffi ABI+checks"),
    ("generated cffi API", "cffi API+checks"),
    ("generated", "ctypes+def"),
    ("generated cffi", "cffi ABI+def"),
    ("generated cffi API", "cffi API+def"),
    ("generated cpython", "C extension"),
    ("generated cpython", "C extension, same GIL policy"),
    ("generated cpython", "PyO3"),
    ("generated cpython", "PyO3, same GIL policy"),
)
CALLS = (
    "noop()",
    "add(u32, u32)",
    "scale(f64, f32)",
    "vec2_add(Vec2, Vec2)",
    "vec2_length(&Vec2)",
    "color_next(Color)",
    "counter_get(&Counter)",
    "counter_increment(&mut Counter)",
    "counter_new(u64) + counter_free(Box<Counter>)",
    "str_byte_len(&str)",
    "for_each_value(&[f64; 1], &OnValue)",
    "sum_f64(&[f64]), 1 value",
    "sum_f64(&[f64]), 1,000 values",
    "sum_f64(&[f64]), 10^6 values",
    "Store.get(&self, &str)",
    "await double_later(u64, 0)",
    "await double_now(u64)",
    "await i128_double_later(i128)",
    "contact_summary(Contact), a record",
    "word_list(&str): a Vec<String> of 5 words back",
    "counter_new(u64), dropped: the object frees it",
    "Store(), dropped: a service made and released",
)

# One timing's statement, the names it uses (bound to fast locals) and what to do afterwards.
Made = Tuple[str, Dict[str, Any], Optional[Callable[[], None]]]


class Cell(NamedTuple):
    table: str  # "main", "ablation" or "reference"
    call: str
    impl: str
    make: Callable[[], Made]  # a fresh statement and its names, for one timing
    check: Callable[[Any], bool]  # the statement's result is right


def vec2_ok(r: Any) -> bool:
    return (r.x, r.y) == (4.0, 6.0)


NEW_FREE = "counter_new(u64) + counter_free(Box<Counter>)"
STR, CALLBACK, STORE_GET, ASYNC, ASYNC_NOW, ASYNC_HOP = CALLS[9], CALLS[10], CALLS[14], CALLS[15], CALLS[16], CALLS[17]
#: The async reference cells (see the module's docstring).
SLEEP_0 = "await asyncio.sleep(0)"
EXECUTOR_HOP = "await run_in_executor(a one-thread pool, int)"
HOP_FLOOR = "await a future a bare C thread settles through an eventfd"
#: The same round trip in C alone (not an async cell: one call is one round trip).
BARE_HOP = "a bare C thread's round trip through eventfds, in C"
SUMS = {1: CALLS[11], 1000: CALLS[12], 10**6: CALLS[13]}  # by the slice's length
RECORD = CALLS[18]
#: A result in the wire encoding (a list of `str`), decoded by the bindings.
WORDS = CALLS[19]
#: An object made and dropped (its Python object gives the counter back; PyO3's frees the value it holds), and a
#: service's. Only the bindings whose objects free what they hold when they die (not the hand-written ones). (PyO3's
#: `counter_free`, in NEW_FREE, takes the value out of its object: a `#[pyclass]`'s value cannot leave it.)
NEW_DROP, STORE_NEW = CALLS[20], CALLS[21]
#: What `contact_summary` returns for the record the cells pass (`record_argument`).
RECORD_SUMMARY = 'Ada [math, code] 9.5 at (1.5, -2) [("a", 1), ("b", 2)] None'
#: Awaits of the async function in one statement of an async cell.
AWAITS = 100
#: Calls whose statement runs this many times fewer than the others' (each statement is long).
ASYNC_CELLS = (ASYNC, ASYNC_NOW, ASYNC_HOP, SLEEP_0, EXECUTOR_HOP, HOP_FLOOR)
FEWER = {SUMS[10**6]: 100, **dict.fromkeys(ASYNC_CELLS, AWAITS)}
#: Calls whose statement makes several calls: its count (or time) is divided by this too.
PER_STATEMENT = dict.fromkeys(ASYNC_CELLS, AWAITS)
CHECKS: Dict[str, Callable[[Any], bool]] = {
    "noop()": lambda r: r is None,
    "add(u32, u32)": lambda r: r == 5,
    "scale(f64, f32)": lambda r: r == 3.0,
    "vec2_add(Vec2, Vec2)": vec2_ok,
    "vec2_length(&Vec2)": lambda r: r == 5.0,
    "color_next(Color)": lambda r: int(r) == 2,
    "counter_get(&Counter)": lambda r: r == 7,
    "counter_increment(&mut Counter)": lambda r: r == 8,
    NEW_FREE: lambda r: r is None or type(r).__name__ == "Counter",
    STR: lambda r: r == 5,
    CALLBACK: lambda r: r == 1,
    **{name: (lambda r, n=n: r == float(n)) for n, name in SUMS.items()},
    STORE_GET: lambda r: getattr(r, "value", r) == 1,  # a bare call's result is the C struct
    ASYNC: lambda r: r == 42,
    ASYNC_NOW: lambda r: r == 42,
    ASYNC_HOP: lambda r: r == 42,
    RECORD: lambda r: r == RECORD_SUMMARY,
    WORDS: lambda r: r == ["a", "b", "c", "d", "e"],
    NEW_DROP: lambda r: type(r).__name__ == "Counter",
    STORE_NEW: lambda r: type(r).__name__ == "Store",
}


def record_argument(m: Any) -> Any:
    """The `Contact` the record cells pass: a name, two tags, a score, a position and a two-entry map (an object
    of the generated module's class; PyO3's `FromPyObject` reads the same attributes)."""
    return m.Contact(name="Ada", tags=["math", "code"], score=9.5, position=m.Vec2(1.5, -2.0), counts={"a": 1, "b": 2})


def on_value(index: int, value: float) -> bool:
    """The callback of the callback cells."""
    return True


def on_value_bare(context: object, index: int, value: float) -> bool:
    """The callback of the bare calls' cells, which get the C function's context too."""
    return True


#: The slices, by length: made once, shared by every binding.
SLICES = {n: array.array("d", [1.0]) * n for n in SUMS}
#: Objects that must live as long as the cells.
KEPT: List[Any] = []


@functools.lru_cache(maxsize=None)
def event_loop() -> asyncio.AbstractEventLoop:
    """The one event loop the async cells run in."""
    return asyncio.new_event_loop()


def call(f: Callable[..., Any], *args: Any) -> Callable[[], Made]:
    """`f(a0, a1, ...)` with fixed arguments."""
    names = {"f": f, **{f"a{i}": arg for i, arg in enumerate(args)}}
    stmt = f"f({', '.join(f'a{i}' for i in range(len(args)))})"
    return lambda: (stmt, names, None)


def on_counter(
    new: Callable[[int], Any], free: Optional[Callable[[Any], None]], f: Callable[..., Any]
) -> Callable[[], Made]:
    """`f(counter)` on a fresh counter for every timing (counter_increment grows its history)."""

    def make() -> Made:
        counter = new(7)
        return "f(a0)", {"f": f, "a0": counter}, (None if free is None else (lambda: free(counter)))

    return make


def new_free(new: Callable[[int], Any], free: Optional[Callable[[Any], None]]) -> Callable[[], Made]:
    """`free(new(7))`; without `free`, the object frees the counter when it dies."""
    if free is None:
        return lambda: ("new(a0)", {"new": new, "a0": 7}, None)
    return lambda: ("free(new(a0))", {"new": new, "free": free, "a0": 7}, None)


def on_store(store_class: Callable[[], Any]) -> Callable[[], Made]:
    """`s.get("a")` on a fresh store holding "a" (the service method)."""

    def make() -> Made:
        store = store_class()
        store.put("a", 1)
        return "s.get(a0)", {"s": store, "a0": "a"}, store.close

    return make


def awaits(f: Callable[..., Any], *args: Any) -> Callable[[], Made]:
    """`run(batch())`: AWAITS awaits of `f(*args)` in the benchmark's event loop (see the module's docstring)."""

    async def batch() -> Any:
        result = None
        for _ in range(AWAITS):
            result = await f(*args)
        return result

    return lambda: ("run(batch())", {"run": event_loop().run_until_complete, "batch": batch}, None)


def build_cells() -> List[Cell]:
    import ablations
    import handwritten_cffi as hcffi
    import handwritten_cffi_api as hapi
    import handwritten_ctypes as hct
    import handwritten_ctypes_checked as hctc
    import pyo3_baseline as p
    import sample_cext as cx
    import sample_cext_policy as cxp
    import sample_crate._native as g
    import sample_crate_cffi._native as gf
    import sample_crate_cffi_api._native as gfa
    import sample_crate_cpython._native as gcp

    cells: List[Cell] = []

    def per_impl(impl: str, makers: Dict[str, Callable[[], Made]]) -> None:
        """The cells of `impl`: every call of CALLS it has a maker for (the others are left out)."""
        assert set(makers) <= set(CALLS), impl
        cells.extend(Cell("main", name, impl, makers[name], CHECKS[name]) for name in CALLS if name in makers)

    def pythonic(m: Any, without: Tuple[str, ...] = ()) -> Dict[str, Callable[[], Made]]:
        """The calls through a module with the generated module's Python surface (`Vec2`, `Color`, `counter_*`,
        `Store`, ...); `without`, the calls the module does not have."""
        free = m.counter_free
        makers = {
            "noop()": call(m.noop),
            "add(u32, u32)": call(m.add, 2, 3),
            "scale(f64, f32)": call(m.scale, 1.5, 2.0),
            "vec2_add(Vec2, Vec2)": call(m.vec2_add, m.Vec2(1.0, 2.0), m.Vec2(3.0, 4.0)),
            "vec2_length(&Vec2)": call(m.vec2_length, m.Vec2(3.0, 4.0)),
            "color_next(Color)": call(m.color_next, m.Color.Red),
            "counter_get(&Counter)": on_counter(m.counter_new, free, m.counter_get),
            "counter_increment(&mut Counter)": on_counter(m.counter_new, free, m.counter_increment),
            NEW_FREE: new_free(m.counter_new, free),
            # (getattr: a module without one of these has it in `without`.)
            STR: call(getattr(m, "str_byte_len", None), "hello"),  # type: ignore[arg-type]
            CALLBACK: call(getattr(m, "for_each_value", None), SLICES[1], on_value),  # type: ignore[arg-type]
            **{name: call(getattr(m, "sum_f64", None), SLICES[n]) for n, name in SUMS.items()},  # type: ignore[arg-type]
            STORE_GET: on_store(getattr(m, "Store", None)),  # type: ignore[arg-type]
            ASYNC: awaits(getattr(m, "double_later", None), 21, 0),  # type: ignore[arg-type]
            ASYNC_NOW: awaits(getattr(m, "double_now", None), 21),  # type: ignore[arg-type]
            ASYNC_HOP: awaits(getattr(m, "i128_double_later", None), 21),  # type: ignore[arg-type]
            RECORD: call(getattr(m, "contact_summary", None), record_argument(m if hasattr(m, "Contact") else g)),  # type: ignore[arg-type]
            WORDS: call(getattr(m, "word_list", None), "a b c d e"),  # type: ignore[arg-type]
            NEW_DROP: new_free(m.counter_new, None),
            STORE_NEW: call(getattr(m, "Store", None)),  # type: ignore[arg-type]
        }
        return {name: make for name, make in makers.items() if name not in without}

    # The hand-written bindings bridge `double_later` only (their completion always goes through
    # `call_soon_threadsafe`).
    handwritten = (ASYNC_NOW, ASYNC_HOP, RECORD, WORDS, NEW_DROP, STORE_NEW)
    per_impl("generated", pythonic(g))
    per_impl("ctypes+def", pythonic(hct, without=handwritten))
    per_impl("generated cffi", pythonic(gf))
    per_impl("generated cffi API", pythonic(gfa))
    per_impl("generated cpython", pythonic(gcp))
    per_impl("cffi ABI+def", pythonic(hcffi.defs, without=handwritten))
    per_impl("cffi API+def", pythonic(hapi.defs, without=handwritten))
    per_impl("ctypes+checks", pythonic(hctc, without=handwritten))
    per_impl("cffi ABI+checks", pythonic(hcffi.checked, without=handwritten))
    per_impl("cffi API+checks", pythonic(hapi.checked, without=handwritten))
    # Neither has an async function (a C extension or PyO3 would need its own bridge to asyncio).
    # (No hand-written record decoder in C either: the record cell compares the generated bindings with PyO3.)
    per_impl("C extension", pythonic(cx, without=(ASYNC, ASYNC_NOW, ASYNC_HOP, RECORD, WORDS)))
    # The same bindings releasing the GIL where the sample crate lets bindings release it (see sample_cext.c).
    per_impl("C extension, same GIL policy", pythonic(cxp, without=(ASYNC, ASYNC_NOW, ASYNC_HOP, RECORD, WORDS)))
    per_impl("PyO3", pythonic(p, without=(ASYNC, ASYNC_NOW, ASYNC_HOP)))
    # Its functions under the sample crate's GIL policy (`Python::detach` where the crate lets bindings release it).
    per_impl("PyO3, same GIL policy", pythonic(p.released, without=(ASYNC, ASYNC_NOW, ASYNC_HOP)))

    def bare_store(new: Callable[[], Any], put: Callable[..., None], get: Callable[..., Any]) -> Callable[[], Made]:
        """`get(store, b"a", 1)` on a fresh store holding "a" (never destroyed: a few bytes per cell)."""

        def make() -> Made:
            store = new()
            put(store, b"a", 1, 1)
            return "f(a0, a1, a2)", {"f": get, "a0": store, "a1": b"a", "a2": 1}, None

        return make

    def bare_extras(m: Any, doubles: Callable[[Any], Any], callback: Any) -> Dict[str, Callable[[], Made]]:
        """The calls added for the issue through a bare binding `m` (no async: a bare call cannot be awaited);
        `doubles` makes the `double *` of a slice, `callback` is the `OnValue` (pointer) to pass."""
        return {
            STR: call(m.str_byte_len, b"hello", 5),
            CALLBACK: call(m.for_each_value, doubles(SLICES[1]), 1, callback),
            **{name: call(m.sum_f64, doubles(SLICES[n]), n) for n, name in SUMS.items()},
            STORE_GET: bare_store(m.store_new, m.store_put, m.store_get),
        }

    per_impl(
        "ctypes",
        {
            "noop()": call(hct.c_noop),
            "add(u32, u32)": call(hct.c_add, 2, 3),
            "scale(f64, f32)": call(hct.c_scale, 1.5, 2.0),
            "vec2_add(Vec2, Vec2)": call(hct.c_vec2_add, hct.Vec2(1.0, 2.0), hct.Vec2(3.0, 4.0)),
            "vec2_length(&Vec2)": call(hct.c_vec2_length, hct.Vec2(3.0, 4.0)),
            "color_next(Color)": call(hct.c_color_next, 1),
            "counter_get(&Counter)": on_counter(hct.c_counter_new, hct.c_counter_free, hct.c_counter_get),
            "counter_increment(&mut Counter)": on_counter(
                hct.c_counter_new, hct.c_counter_free, hct.c_counter_increment
            ),
            NEW_FREE: new_free(hct.c_counter_new, hct.c_counter_free),
            **bare_extras(
                SimpleNamespace(**{name[2:]: getattr(hct, name) for name in dir(hct) if name.startswith("c_")}),
                hct.doubles,
                hct.OnValue(hct.ON_VALUE_CALL(on_value_bare), None, None),
            ),
        },
    )
    api = hapi.lib
    # The bare cffi calls' callbacks, made once (kept alive in KEPT: an `OnValue *` does not keep its `call`).
    KEPT.extend(ffi.callback("bool(*)(const void *, size_t, double)", on_value_bare) for ffi in (hapi.ffi, hcffi.ffi))
    api_on_value = hapi.ffi.new("OnValue *", (KEPT[-2], hapi.ffi.NULL))
    abi_on_value = hcffi.ffi.new("OnValue *", (KEPT[-1], hcffi.ffi.NULL))
    per_impl(
        "cffi API",
        {
            "noop()": call(api.noop),
            "add(u32, u32)": call(api.add, 2, 3),
            "scale(f64, f32)": call(api.scale, 1.5, 2.0),
            "vec2_add(Vec2, Vec2)": call(
                api.vec2_add, hapi.ffi.new("Vec2 *", (1.0, 2.0))[0], hapi.ffi.new("Vec2 *", (3.0, 4.0))[0]
            ),
            "vec2_length(&Vec2)": call(api.vec2_length, hapi.ffi.new("Vec2 *", (3.0, 4.0))),
            "color_next(Color)": call(api.color_next, 1),
            "counter_get(&Counter)": on_counter(api.counter_new, api.counter_free, api.counter_get),
            "counter_increment(&mut Counter)": on_counter(api.counter_new, api.counter_free, api.counter_increment),
            NEW_FREE: new_free(api.counter_new, api.counter_free),
            **bare_extras(api, lambda values: hapi.ffi.from_buffer("double[]", values), api_on_value),
        },
    )
    lib = hcffi.lib
    per_impl(
        "cffi ABI",
        {
            "noop()": call(lib.noop),
            "add(u32, u32)": call(lib.add, 2, 3),
            "scale(f64, f32)": call(lib.scale, 1.5, 2.0),
            "vec2_add(Vec2, Vec2)": call(
                lib.vec2_add, hcffi.vec2_pointer(1.0, 2.0)[0], hcffi.vec2_pointer(3.0, 4.0)[0]
            ),
            "vec2_length(&Vec2)": call(lib.vec2_length, hcffi.vec2_pointer(3.0, 4.0)),
            "color_next(Color)": call(lib.color_next, 1),
            "counter_get(&Counter)": on_counter(lib.counter_new, lib.counter_free, lib.counter_get),
            "counter_increment(&mut Counter)": on_counter(lib.counter_new, lib.counter_free, lib.counter_increment),
            NEW_FREE: new_free(lib.counter_new, lib.counter_free),
            **bare_extras(lib, hcffi.doubles, abi_on_value),
        },
    )

    # Ablations: the generated wrapper minus one line (see ablations.py), on the same arguments.
    for name, variants in ablations.VARIANTS.items():
        for label, function in variants:
            if name.startswith("counter_"):
                make = on_counter(g.counter_new, g.counter_free, function)  # type: ignore[arg-type]
            else:
                arguments = {
                    "noop()": (),
                    "add(u32, u32)": (2, 3),
                    "vec2_length(&Vec2)": (g.Vec2(3.0, 4.0),),
                    "color_next(Color)": (g.Color.Red,),
                }[name]
                make = call(function, *arguments)  # type: ignore[arg-type]
            cells.append(Cell("ablation", name, label, make, CHECKS[name]))

    # Reference points.
    def py_noop() -> None:
        pass

    def py_two(a: Any, b: Any) -> Any:
        return a

    def reference(what: str, make: Callable[[], Made], check: Callable[[Any], bool]) -> None:
        cells.append(Cell("reference", what, "", make, check))

    reference("timeit's empty loop (per iteration)", lambda: ("pass", {}, None), lambda r: r is None)
    reference("a Python `def f(): pass` called", call(py_noop), lambda r: r is None)
    reference("a Python `def f(a, b): return a` called", call(py_two, 2, 3), lambda r: r == 2)
    reference("C extension noop() releasing the GIL", call(cx.noop_nogil), lambda r: r is None)
    reference(SLEEP_0, awaits(asyncio.sleep, 0), lambda r: r is None)
    pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="bench-hop")
    KEPT.append(pool)  # its thread lives as long as the cells

    def executor_hop() -> Any:
        return event_loop().run_in_executor(pool, int)

    reference(EXECUTOR_HOP, awaits(executor_hop), lambda r: r == 0)
    reference(HOP_FLOOR, awaits(hop_floor()), lambda r: r == 0)
    import hop_floor as floor

    reference(BARE_HOP, call(floor.round_trip), lambda r: r is None)
    return cells


def hop_floor() -> Callable[[], asyncio.Future[int]]:
    """A future of the benchmark's loop that the hop_floor extension's C thread settles, through the loop's reader
    of an eventfd it writes (see benches/cext/hop_floor.c): the floor of a pending await's hop on this machine."""
    import hop_floor as floor

    to_worker, to_loop = floor.start()
    loop, one = event_loop(), (1).to_bytes(8, sys.byteorder)
    waiting: List[asyncio.Future[int]] = []

    def settle() -> None:
        os.read(to_loop, 8)
        waiting.pop().set_result(0)

    loop.add_reader(to_loop, settle)

    def hop() -> asyncio.Future[int]:
        future = loop.create_future()
        waiting.append(future)
        os.write(to_worker, one)
        return future

    return hop


def make_timer(stmt: str, names: Dict[str, Any]) -> timeit.Timer:
    """A timer of `stmt` with every name in a fast local (timeit runs the setup inside its function)."""
    setup = "; ".join(f"{name} = _names[{name!r}]" for name in names) or "pass"
    return timeit.Timer(stmt, setup, globals={"_names": names})


def time_once(cell: Cell, loops: int) -> float:
    stmt, names, cleanup = cell.make()
    try:
        return make_timer(stmt, names).timeit(loops)
    finally:
        if cleanup is not None:
            cleanup()


def runs(cell: Cell, calls: int) -> int:
    """How many times to run the statement of `cell` where the others' run `calls` times (see FEWER)."""
    return max(1, calls // FEWER.get(cell.call, 1))


def calibrate(cell: Cell, target: float) -> int:
    """Loops for one timing of about `target` seconds."""
    loops = least = runs(cell, 1000)
    while True:
        elapsed = time_once(cell, loops)
        if elapsed >= target / 5:
            break
        loops *= 10
    loops = max(least, int(loops * target / elapsed))
    digits = len(str(loops)) - 2  # two significant digits
    return round(loops, -digits) if digits > 0 else loops


def statement(cell: Cell) -> str:
    stmt, _, cleanup = cell.make()
    if cleanup is not None:
        cleanup()
    return stmt


def verify(cells: List[Cell]) -> None:
    for cell in cells:
        stmt, names, cleanup = cell.make()
        try:
            result = None if stmt == "pass" else eval(stmt, {}, dict(names))
            if not cell.check(result):
                raise SystemExit(f"bench: {cell.call} through {cell.impl or 'reference'} returned {result!r}")
        finally:
            if cleanup is not None:
                cleanup()


def library_mappings() -> list[str]:
    """The files named libsample_crate.so mapped into this process (should be exactly one)."""
    try:
        with open("/proc/self/maps") as maps:
            return sorted({line.split()[-1] for line in maps if line.rstrip().endswith("libsample_crate.so")})
    except OSError:
        return []


def command_output(*command: str) -> str:
    try:
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def machine() -> dict[str, Any]:
    lscpu = command_output("lscpu")
    model = next((line.split(":", 1)[1].strip() for line in lscpu.splitlines() if line.startswith("Model name")), "?")
    import cffi

    generated = Path(__import__("sample_crate._native", fromlist=["_"]).__file__)  # type: ignore[arg-type]
    lock = (HERE / "pyo3_baseline" / "Cargo.lock").read_text()
    pyo3 = lock.split('name = "pyo3"\nversion = "', 1)[1].split('"', 1)[0]
    return {
        "cpu": model,
        "cpus": os.cpu_count(),
        "affinity": sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "kernel": " ".join(platform.uname()[i] for i in (0, 2, 4)),
        "python": f"{platform.python_implementation()} {platform.python_version()} ({sys.executable})",
        "rustc": command_output("rustc", "-V"),
        "cffi": cffi.__version__,
        "pyo3": pyo3,
        "generator": generated.read_text().splitlines()[0].lstrip("# ").split("; do not edit")[0],
        "library": library_mappings(),
    }


def measure(repeats: int, target: float, seed: int) -> List[Dict[str, Any]]:
    """Time every cell `repeats` times in shuffled rounds, in this process."""
    sys.path.insert(0, str(WORK / "cext"))
    generated = __import__("sample_crate._native", fromlist=["_"])
    if "site-packages" not in generated.__file__:
        raise SystemExit(f"bench: sample_crate._native comes from {generated.__file__}, not from an installed wheel")

    cells = build_cells()
    verify(cells)
    mapped = library_mappings()
    if not 1 <= len(mapped) <= 4:  # each wheel's (ctypes, cffi in ABI and API mode, cpython) unless the loader shares
        raise SystemExit(f"bench: expected the installed wheels' libsample_crate.so in the process, found {mapped}")

    loops = [calibrate(cell, target) for cell in cells]
    times: List[List[float]] = [[] for _ in cells]
    rng = random.Random(seed)
    for _ in range(repeats):
        order = list(range(len(cells)))
        rng.shuffle(order)
        for index in order:
            per = loops[index] * PER_STATEMENT.get(cells[index].call, 1)
            times[index].append(time_once(cells[index], loops[index]) / per * 1e9)
    return [
        {
            "table": cell.table,
            "call": cell.call,
            "impl": cell.impl,
            "statement": statement(cell),
            "loops": loops[i],
            "rounds_ns": times[i],
        }
        for i, cell in enumerate(cells)
    ]


def count_worker(calls: int) -> None:
    """Under callgrind: run every cell `calls` times with collection on, dumping the counts per cell."""
    sys.path.insert(0, str(WORK / "cext"))
    import callgrind_probe

    if not callgrind_probe.running():
        raise SystemExit("bench: --callgrind-worker runs under valgrind (use --callgrind)")
    cells = build_cells()
    verify(cells)
    for index, cell in enumerate(cells):
        stmt, names, cleanup = cell.make()
        try:
            timer = make_timer(stmt, names)
            timer.timeit(runs(cell, 200))  # warm: caches, specialisation, lazily built objects
            callgrind_probe.toggle()
            timer.timeit(runs(cell, calls))
            callgrind_probe.toggle()
            callgrind_probe.dump(f"cell {index}")
        finally:
            if cleanup is not None:
                cleanup()


def count(calls: int) -> List[Dict[str, Any]]:
    """Instructions per call of every cell, from one process run under callgrind."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise SystemExit("bench: --callgrind needs valgrind")
    out = WORK / "callgrind"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    command = [valgrind, "--tool=callgrind", "--collect-atstart=no", f"--callgrind-out-file={out}/cg.out"]
    command += [sys.executable, str(Path(__file__).resolve()), "--callgrind-worker", "--calls", str(calls)]
    proc = subprocess.run(command, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"bench: the callgrind run failed:\n{proc.stderr[-4000:]}")
    totals: Dict[int, int] = {}
    for dump in out.glob("cg.out.*"):
        text = dump.read_text()
        label = next(
            (line.split("Client Request: ", 1)[1] for line in text.splitlines() if "Client Request: " in line), ""
        )
        total = next((line.split()[1] for line in text.splitlines() if line.startswith(("totals:", "summary:"))), None)
        if label.startswith("cell ") and total is not None:
            totals[int(label.split()[1])] = int(total)
    sys.path.insert(0, str(WORK / "cext"))
    cells = build_cells()
    if sorted(totals) != list(range(len(cells))):
        raise SystemExit(f"bench: callgrind dumped {len(totals)} cells of {len(cells)}")
    return [
        {
            "table": cell.table,
            "call": cell.call,
            "impl": cell.impl,
            "statement": statement(cell),
            "calls": runs(cell, calls) * PER_STATEMENT.get(cell.call, 1),
            "instructions": totals[i] / (runs(cell, calls) * PER_STATEMENT.get(cell.call, 1)),
        }
        for i, cell in enumerate(cells)
    ]


MISSING = "—"


def cell_text(values: Dict[Tuple[str, str, str], float], call: str, impl: str, form: Callable[[float], str]) -> str:
    """A main-table cell: the value of `call` through `impl`, or MISSING when that cell was left out."""
    value = values.get(("main", call, impl))
    return MISSING if value is None else form(value)


def ratio_text(values: Dict[Tuple[str, str, str], float], call: str, a: str, b: str) -> str:
    """The ratio of `a` to `b` on `call`, or MISSING."""
    if ("main", call, a) not in values or ("main", call, b) not in values:
        return MISSING
    return f"{values[('main', call, a)] / values[('main', call, b)]:.2f}"


def ratio_table(values: Dict[Tuple[str, str, str], float]) -> str:
    """The ratios of RATIOS, a row per call."""
    lines = [
        "| call | " + " | ".join(f"{a} / {b}" for a, b in RATIOS) + " |",
        "| --- |" + " ---: |" * len(RATIOS),
    ]
    lines += [f"| {call} | " + " | ".join(ratio_text(values, call, a, b) for a, b in RATIOS) + " |" for call in CALLS]
    return "\n".join(lines)


def render_counts(results: List[Dict[str, Any]], calls: int) -> str:
    per = {(r["table"], r["call"], r["impl"]): r["instructions"] for r in results}
    lines = [
        f"{platform.python_implementation()} {platform.python_version()}; instructions per call under callgrind "
        f"({calls:,} calls per cell; "
        + "; ".join(f"{name}: {max(1, calls // n):,} statements" for name, n in FEWER.items())
        + f", see bench.py; timeit's loop included: see the empty loop below; {MISSING} a cell left out)",
        "",
        "| call | " + " | ".join(IMPLEMENTATIONS) + " |",
        "| --- |" + " ---: |" * len(IMPLEMENTATIONS),
    ]
    for call in CALLS:
        row = [cell_text(per, call, impl, lambda n: f"{n:,.0f}") for impl in IMPLEMENTATIONS]
        lines.append(f"| {call} | " + " | ".join(row) + " |")
    lines += ["", ratio_table(per)]
    lines += ["", "| call | variant | instructions | generated - variant |", "| --- | --- | ---: | ---: |"]
    for r in results:
        if r["table"] == "ablation":
            delta = per[("main", r["call"], "generated")] - r["instructions"]
            lines.append(f"| {r['call']} | {r['impl']} | {r['instructions']:,.0f} | {delta:+,.0f} |")
    lines += ["", "| what | instructions |", "| --- | ---: |"]
    lines += [f"| {r['call']} | {r['instructions']:,.0f} |" for r in results if r["table"] == "reference"]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--processes", type=int, default=3, help="fresh processes, one after the other")
    parser.add_argument("--repeats", type=int, default=10, help="shuffled rounds in each process")
    parser.add_argument("--target-seconds", type=float, default=0.04, help="length of one timing")
    parser.add_argument("--seed", type=int, default=2026, help="seed of the shuffled order (+1 per process)")
    parser.add_argument("--json", type=Path, default=WORK / "results.json")
    parser.add_argument("--markdown", type=Path, default=WORK / "results.md")
    parser.add_argument("--callgrind", action="store_true", help="count instructions instead of timing")
    parser.add_argument("--calls", type=int, default=2000, help="calls per cell under --callgrind")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--callgrind-worker", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()

    if options.worker:  # one process's measurements, as JSON on stdout
        json.dump(measure(options.repeats, options.target_seconds, options.seed), sys.stdout)
        return
    if options.callgrind_worker:
        count_worker(options.calls)
        return
    if options.callgrind:
        started = time.perf_counter()
        results = count(options.calls)
        markdown = render_counts(results, options.calls)
        options.json.parent.mkdir(parents=True, exist_ok=True)
        options.json.with_name("counts.json").write_text(json.dumps(results, indent=2) + "\n")
        options.markdown.with_name("counts.md").write_text(markdown)
        print(markdown)
        print(
            f"(written to {options.json.with_name('counts.md')}; counting took {time.perf_counter() - started:.0f} s)"
        )
        return

    # Several processes, because a process's memory layout moves some cells by a few percent for
    # its whole life; every cell's best over all of them is the result.
    started = time.perf_counter()
    runs: List[List[Dict[str, Any]]] = []
    for process in range(options.processes):
        command = [sys.executable, str(Path(__file__).resolve()), "--worker", "--repeats", str(options.repeats)]
        command += ["--target-seconds", str(options.target_seconds), "--seed", str(options.seed + process)]
        output = subprocess.run(command, capture_output=True, text=True, check=False)
        if output.returncode != 0:
            raise SystemExit(f"bench: worker process failed:\n{output.stderr}")
        runs.append(json.loads(output.stdout))
        print(f"process {process + 1}/{options.processes} done", file=sys.stderr)
    elapsed = time.perf_counter() - started

    results = []
    for cells in zip(*runs):
        rounds = [t for cell in cells for t in cell["rounds_ns"]]
        results.append(
            {
                **{key: cells[0][key] for key in ("table", "call", "impl", "statement")},
                "loops": [cell["loops"] for cell in cells],
                "best_ns": min(rounds),
                "median_ns": statistics.median(rounds),
                "best_per_process_ns": [min(cell["rounds_ns"]) for cell in cells],
                "rounds_ns": [cell["rounds_ns"] for cell in cells],
            }
        )
    report = {
        "machine": machine(),
        "method": {
            "processes": options.processes,
            "repeats_per_process": options.repeats,
            "target_seconds": options.target_seconds,
            "seed": options.seed,
            "gc": "disabled during timings (timeit's default)",
            "seconds": round(elapsed, 1),
        },
        "results": results,
    }
    options.json.parent.mkdir(parents=True, exist_ok=True)
    options.json.write_text(json.dumps(report, indent=2) + "\n")
    markdown = render(report)
    options.markdown.write_text(markdown)
    print(markdown)
    print(f"(written to {options.json} and {options.markdown}; timing took {elapsed:.0f} s)")


def fmt(ns: float) -> str:
    return f"{ns:,.0f}" if ns >= 100 else f"{ns:.1f}"


def render(report: dict[str, Any]) -> str:
    best = {(r["table"], r["call"], r["impl"]): r["best_ns"] for r in report["results"]}
    m, method = report["machine"], report["method"]
    lines = [
        f"{m['cpu']}, {m['cpus']} CPUs, affinity {m['affinity']}; {m['kernel']}; {m['python']}; {m['rustc']}; "
        f"cffi {m['cffi']}; PyO3 {m['pyo3']}; {m['generator']}",
        f"best of {method['processes']} processes x {method['repeats_per_process']} shuffled rounds of "
        f"~{method['target_seconds'] * 1000:.0f} ms per cell; ns per call",
        "",
        "| call | " + " | ".join(IMPLEMENTATIONS) + " |",
        "| --- |" + " ---: |" * len(IMPLEMENTATIONS),
    ]
    for call in CALLS:
        row = [cell_text(best, call, impl, fmt) for impl in IMPLEMENTATIONS]
        lines.append(f"| {call} | " + " | ".join(row) + " |")
    lines += ["", ratio_table(best)]
    lines += [
        "",
        "Generated wrappers minus one line (same ctypes function object as the generated module):",
        "",
        "| call | variant | ns | generated - variant |",
        "| --- | --- | ---: | ---: |",
    ]
    for r in report["results"]:
        if r["table"] == "ablation":
            delta = best[("main", r["call"], "generated")] - r["best_ns"]
            lines.append(f"| {r['call']} | {r['impl']} | {fmt(r['best_ns'])} | {delta:+.1f} |")
    lines += ["", "Reference points:", "", "| what | ns |", "| --- | ---: |"]
    for r in report["results"]:
        if r["table"] == "reference":
            lines.append(f"| {r['call']} | {fmt(r['best_ns'])} |")
    main_rows = [r for r in report["results"] if r["table"] == "main"]
    within = [(r["median_ns"] - r["best_ns"]) / r["best_ns"] * 100 for r in main_rows]
    between = [(max(r["best_per_process_ns"]) - r["best_ns"]) / r["best_ns"] * 100 for r in main_rows]
    lines += [
        "",
        f"Noise (main table): a cell's median round is {statistics.median(within):.1f} % above its best "
        f"(worst cell {max(within):.1f} %); the processes' bests differ by {statistics.median(between):.1f} % "
        f"(worst cell {max(between):.1f} %).",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()

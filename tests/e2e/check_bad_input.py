"""A bad-input corpus for the installed sample_crate wheel: no call from plain Python may crash the process.

For every public function and coroutine function of the generated module, each parameter in turn gets each
value of a corpus of bad ones (wrong types, None, out-of-range and extreme numbers, wrong and strided buffers,
released handles, callables that raise or return the wrong thing) while the others get valid values. Each call
must return or raise one of the documented exceptions with a bounded message. Handles are also copied,
pickled, destroyed twice and re-initialised, and struct views are kept past the callbacks that got them.

The cases run in a child process, in order; each is announced before it runs. When the child dies (a signal,
an abort), the case it was running is reported as a crash naming the signal, and a new child goes on with the
next case. Runs on CPython 3.8+ and PyPy with only the standard library and the installed wheel:

    python check_bad_input.py            the whole corpus (prints one line per failure, then a summary)
    python check_bad_input.py --child N  (internal) run the cases from number N on
"""

import array
import asyncio
import contextlib
import copy
import ctypes
import gc
import importlib
import inspect
import math
import pickle
import signal
import subprocess
import sys
import threading
import time

#: The exceptions a bad argument may raise (besides the crate's own: RustPanic, MathError, ParseError), and those a
#: callback of the corpus raises itself (which the call that ran it raises).
DOCUMENTED = (TypeError, ValueError, OverflowError)
RAISED_BY_CALLBACKS = (ZeroDivisionError, LookupError)
#: The longest message an error may have (a message that formats a huge argument is a bug).
MAX_MESSAGE = 2000


def _native():
    return importlib.import_module("sample_crate._native")


def _strided():
    return memoryview(array.array("d", [1.0, 2.0, 3.0, 4.0]))[::2]


def _released_counter(m):
    counter = m.counter_new(1)
    m.counter_free(counter)
    return counter


def _closed_store(m):
    store = m.Store()
    store.close()
    return store


def _closed_hasher(m):
    hasher = m.Hasher()
    hasher.close()
    return hasher


def _raising(*_args):
    return 1 / 0


def _throw(error):
    raise error


#: Bad values, each made fresh for its call: (label, factory of the module).
BAD_VALUES = [
    ("None", lambda m: None),
    ("str", lambda m: "x"),
    ("bytes", lambda m: b"xy"),
    ("float", lambda m: 1.5),
    ("nan", lambda m: float("nan")),
    ("inf", lambda m: float("-inf")),
    ("2**64", lambda m: 2**64),
    ("-2**64", lambda m: -(2**64)),
    ("2**100000", lambda m: 2**100000),
    ("2**128", lambda m: 2**128),
    ("-2**128", lambda m: -(2**128)),
    ("empty str", lambda m: ""),
    ("lone surrogate", lambda m: "\ud800"),
    ("two characters", lambda m: "ab"),
    ("-1", lambda m: -1),
    ("True", lambda m: True),
    ("object", lambda m: object()),
    ("list of objects", lambda m: [object()]),
    ("list of huge ints", lambda m: [2**64]),
    ("list of floats", lambda m: [1.5]),
    ("list of ints", lambda m: [1, 99]),
    ("bytes not bools", lambda m: b"\x01\x02"),
    ("array of int32", lambda m: array.array("I", [0, 7])),
    ("tuple", lambda m: (1.5, 2)),
    ("dict", lambda m: {"a": 1}),
    ("bytearray", lambda m: bytearray(3)),
    ("array of int8", lambda m: array.array("b", [1, 2])),
    ("array of float64", lambda m: array.array("d", [1.0])),
    ("strided view", lambda m: _strided()),
    ("read-only view", lambda m: memoryview(b"abcdefgh")),
    ("Vec2", lambda m: m.Vec2(1.0, 2.0)),
    ("Sample", lambda m: m.Sample()),
    ("released Counter", _released_counter),
    ("closed Store", _closed_store),
    ("closed Hasher", _closed_hasher),
    ("Counter without a pointer", lambda m: m.Counter.__new__(m.Counter)),
    ("Color member", lambda m: m.Color.Blue),
    ("Direction member", lambda m: m.Direction.West),
    ("Shape variant", lambda m: m.Shape.Rect(m.Vec2(), 1.0, 2.0)),
    ("callable raising", lambda m: _raising),
    ("callable returning str", lambda m: lambda *args: "no"),
    ("callable taking nothing", lambda m: lambda: True),
]


class _Progress:
    """A `Progress` by duck typing: the methods, no base class."""

    def on_progress(self, done, total):
        pass

    def cancelled(self):
        return True

    def label(self, job, step):
        return "a"

    def check(self, value):
        return value


def _valid(m, hint):
    """A valid value for a parameter of type hint `hint` (a string: the module uses postponed annotations)."""
    if hint.startswith("Optional["):
        return None
    table = {
        "int": lambda: 1,
        "float": lambda: 1.0,
        "bool": lambda: True,
        "str": lambda: "a",
        "Vec2": lambda: m.Vec2(1.0, 2.0),
        "Rect": m.Rect,
        "Sample": m.Sample,
        "Reading": m.Reading,
        "Color": lambda: m.Color.Red,
        "Direction": lambda: m.Direction.North,
        "Counter": lambda: m.counter_new(1),
        "Notifier": m.notifier_new,
        "Hasher": m.Hasher,
        "ByteOrder": lambda: m.ByteOrder.Big,
        "Shape": lambda: m.Shape.Circle(1.0),
        "Measure": lambda: m.Measure.At(1.0, 2.0),
        "Contact": lambda: m.contact_new("a"),
        "Team": lambda: m.Team(m.contact_new("a"), [], m.Color.Red),
        "TreeNode": lambda: m.TreeNode("a", []),
        "UserId": lambda: m.UserId(1),
        "Celsius": lambda: m.Celsius(36.5),
        "Member": lambda: m.member_new(1, "a"),
        "Union[Sequence[UserId], memoryview]": lambda: [m.UserId(1), 2],
        "Union[MutableSequence[UserId], memoryview]": lambda: [m.UserId(1), 2],
        "Sequence[Contact]": lambda: [m.contact_new("a")],
        "Sequence[Value]": lambda: [m.Value.Int(1), m.Value.Text("a")],
        "Sequence[Vec2]": lambda: [m.Vec2(1.0, 2.0)],
        "Sequence[str]": lambda: ["1 m", "2"],
        "Union[Sequence[int], memoryview]": lambda: [1, 2],
        "Union[Sequence[float], memoryview]": lambda: [1.0, 2.0],
        "Union[MutableSequence[int], memoryview]": lambda: [1, 2],
        "Union[MutableSequence[float], memoryview]": lambda: [1.0, 2.0],
        "Union[Sequence[bool], memoryview]": lambda: [True, False],
        "Union[MutableSequence[bool], memoryview]": lambda: [True, False],
        "Sequence[Color]": lambda: [m.Color.Red],
        "MutableSequence[Color]": lambda: [m.Color.Red],
        "Sequence[Direction]": lambda: [m.Direction.North],
        "Sequence[int]": lambda: [1, 2, 3],  # an array of 3 (sum3's)
        "Sequence[bool]": lambda: [True, True, True, True],  # an array of 4 (all_four's)
        "OnValue": lambda: lambda index, value: True,
        "Transform": lambda: lambda value: value,
        "PointFilter": lambda: lambda point, color: True,
        "ColorPicker": lambda: lambda round: m.Color.Red,
        "OnLabel": lambda: lambda value: "label",
        "OnMove": lambda: lambda point, step: point,
        "OnParse": lambda: lambda word: None,
        "OnRename": lambda: lambda word: None,
        "OnFind": lambda: lambda round: None,
        "OnCheck": lambda: lambda value: value,
        "OnLength": lambda: lambda text: 1.0,
        "OnEntry": lambda: lambda contact, value, index: True,
        "OnSplit": lambda: lambda word: [word],
        "Mapping[UserId, int]": lambda: {m.UserId(1): 2},
        "PickUser": lambda: lambda ids: ids[0] if ids else 0,
        "OnTally": lambda: lambda word: None,
        "OnDescribe": lambda: lambda value: "value",
        "OnEvent": lambda: lambda code: None,
        "OnWord": lambda: lambda word, index: True,
        "OnLine": lambda: lambda line, lengths: True,
        "OnChar": lambda: lambda c, index: True,
        "OnWindow": lambda: lambda values, raw: 1.0,
        "OnPoint": lambda: lambda point, index: 1.0,
        "NextUser": lambda: lambda id: id,
        "Progress": _Progress,
        "Tracker": lambda: m.Tracker(1),
    }
    return table[hint]()


def _callables(m):
    """The public functions of the module, and the public methods of its service, by name."""
    found = []
    for name in sorted(m.__all__):
        value = getattr(m, name)
        # A compiled function (the cpython backend's) wraps the Python function it stands for.
        if inspect.isfunction(inspect.unwrap(value)):
            found.append((name, value, None))
    for service in SERVICES:
        for name, member in sorted(vars(getattr(m, service)).items()):
            if name.startswith("_") or name == "close":
                continue
            function = member.__func__ if isinstance(member, (staticmethod, classmethod)) else member
            if inspect.isfunction(inspect.unwrap(function)):  # a compiled method too
                found.append((f"{service}.{name}", function, member))
    return found


#: The sample's services, whose members the corpus calls too.
SERVICES = ("Store", "Hasher", "Tracker")


def _bound(m, member, name):
    """The callable to call for a service's member: a method of a new object, or the class's own."""
    service, attribute = name.split(".", 1)
    cls = getattr(m, service)
    if isinstance(member, (staticmethod, classmethod)):
        return getattr(cls, attribute)
    return getattr(_handles(m)[service](), attribute)


def _outcome(m, call):
    """None if `call()` returned or raised as documented; else what went wrong."""
    allowed = (*DOCUMENTED, *RAISED_BY_CALLBACKS, m.RustPanic, m.MathError, m.ParseError)
    try:
        result = call()
        # A coroutine, or the cpython backend's compiled coroutine (an awaitable of its own type).
        if inspect.isawaitable(result):
            asyncio.run(result)
    except allowed as error:
        message = str(error)
        if len(message) > MAX_MESSAGE:
            return f"{type(error).__name__} with a message of {len(message)} characters"
        return None
    except BaseException as error:  # the point: anything else is a failure
        return f"raised {type(error).__module__}.{type(error).__name__}: {str(error)[:300]}"
    return None


def _bad_call(m, name, function, member, parameters, index, bad):  # noqa: PLR0917
    """Call `function` with the bad value for parameter `index` and valid values for the others."""
    args = [bad(m) if i == index else _valid(m, p.annotation) for i, p in enumerate(parameters)]
    target = function if member is None else _bound(m, member, name)
    return _outcome(m, lambda: target(*args))


def cases(m):
    """Every case: (name, function of nothing that returns None or a failure)."""
    found = []
    for name, function, member in _callables(m):
        parameters = list(inspect.signature(function).parameters.values())
        if member is not None and not isinstance(member, staticmethod):
            parameters = parameters[1:]  # self or cls
        for index, parameter in enumerate(parameters):
            for label, bad in BAD_VALUES:
                call = (name, function, member, parameters, index, bad)
                found.append((f"{name}({parameter.name}={label})", lambda call=call: _bad_call(m, *call)))
    found.extend(_class_cases(m))
    found.extend(_handle_cases(m))
    found.extend(_arbitration_cases(m))
    return found


def _same(stored, value):
    """Whether a field read back holds the value it was given (converted, never cut to fit)."""
    if stored is value or stored == value:
        return True
    if isinstance(stored, ctypes.Structure) and isinstance(value, tuple):
        return stored == type(stored)(*value)  # ctypes makes a struct field of a tuple, through the class
    if isinstance(value, float) and math.isnan(value):
        return isinstance(stored, float) and math.isnan(stored)
    try:
        return tuple(stored) == tuple(value)
    except TypeError:
        return False


def _stored(m, cls, field, bad, assign):
    """Construct a `cls` with `field` set to the bad value (or assign it); if accepted, it must read back."""
    value = bad(m)
    holder = {}

    def call():
        if assign:
            holder["obj"] = cls()
            setattr(holder["obj"], field, value)
        else:
            holder["obj"] = cls(**{field: value})
        holder["accepted"] = True

    problem = _outcome(m, call)
    if problem is None and "accepted" in holder and not (value is None and not assign):
        stored = getattr(holder["obj"], field)
        if not _same(stored, value):
            problem = f"stored {_shown(stored)} for {_shown(value)}"
    return problem


def _shown(value):
    """A bounded repr (an integer of more than 4300 digits cannot even be formatted)."""
    if isinstance(value, int) and value.bit_length() > 128:
        return f"an integer of {value.bit_length()} bits"
    return repr(value)[:200]


def _variant_call(m, variant, parameters, index, bad):
    """A variant with one bad field, passed to a function: checked where it enters Rust."""
    args = [bad(m) if i == index else _valid(m, p.annotation) for i, p in enumerate(parameters)]
    return _outcome(m, lambda: m.shape_area(variant(*args)))


def _class_cases(m):
    """Struct constructors and field assignments, and variants of data-carrying enums passed to Rust."""
    found = []
    for name in sorted(m.__all__):
        cls = getattr(m, name)
        if not (isinstance(cls, type) and issubclass(cls, ctypes.Structure)):
            continue
        for field in inspect.signature(cls).parameters:
            for label, bad in BAD_VALUES:
                for assign in (False, True):
                    how = f"{name}().{field} = {label}" if assign else f"{name}({field}={label})"
                    found.append((how, lambda c=cls, f=field, b=bad, a=assign: _stored(m, c, f, b, a)))
    # A newtype's constructor checks its value as an argument of its number type is checked.
    for newtype in (m.UserId, m.Celsius):
        for label, bad in BAD_VALUES:
            found.append((f"{newtype.__name__}({label})", lambda c=newtype, b=bad: _outcome(m, lambda: c(b(m)))))
    for variant_name in ("Circle", "Rect", "Empty"):
        variant = getattr(m.Shape, variant_name)
        parameters = list(inspect.signature(variant).parameters.values())
        for index, parameter in enumerate(parameters):
            for label, bad in BAD_VALUES:
                call = (variant, parameters, index, bad)
                how = f"shape_area(Shape.{variant_name}({parameter.name}={label}))"
                found.append((how, lambda call=call: _variant_call(m, *call)))
    return found


def _expect(error_type, call):
    """None if `call()` raises `error_type`, else what happened."""
    try:
        call()
    except error_type:
        return None
    except BaseException as error:
        return f"raised {type(error).__name__}: {str(error)[:300]}, not {error_type.__name__}"
    return f"did not raise {error_type.__name__}"


def _handles(m):
    return {
        "Counter": lambda: m.counter_new(1),
        "Notifier": m.notifier_new,
        "Store": m.Store,
        "Hasher": m.Hasher,
        "Tracker": lambda: m.Tracker(1),
    }


def _handle_cases(m):
    found = []
    copies = {
        "copy.copy": copy.copy,
        "copy.deepcopy": copy.deepcopy,
        "pickle": pickle.dumps,
        "pickle protocol 0": lambda x: pickle.dumps(x, 0),
    }
    for cls, make in sorted(_handles(m).items()):
        for how, copier in copies.items():
            found.append(
                (f"{how} of a {cls}", lambda make=make, copier=copier: _expect(TypeError, lambda: copier(make())))
            )

    def double_del():
        store = m.Store()
        store.put("a", 1)
        store.__del__()  # explicit, then the garbage collector's: one release only
        problem = _expect(ValueError, lambda: store.get("a"))  # noqa: F821 - deleted below, not before
        del store
        gc.collect()
        return problem

    def del_then_close():
        store = m.Store()
        store.__del__()
        store.close()
        store.__del__()

    def init_again():
        store = m.Store()
        store.put("a", 1)
        problem = _expect(TypeError, store.__init__)
        if problem is None and store.get("a") != 1:
            problem = "the store lost its contents"
        return problem

    def closed_methods():
        with m.Store() as store:
            pass
        store.close()
        return _expect(ValueError, lambda: store.put("a", 1))

    def uninitialised():
        store = m.Store.__new__(m.Store)
        outcome = _outcome(m, lambda: store.get("a"))
        # No pointer at all: an AttributeError is acceptable, a crash is not.
        return None if outcome is None or "AttributeError" in outcome else outcome

    def consumed_twice():
        counter = m.counter_new(1)
        m.counter_free(counter)
        return _expect(ValueError, lambda: m.counter_free(counter))

    def consumed_optional_twice():
        counter = m.counter_new(1)
        m.counter_free_if_any(counter)
        return _expect(ValueError, lambda: m.counter_free_if_any(counter))

    def view_kept_past_callback():
        kept = []
        m.count_kept([m.Vec2(1.0, 2.0), m.Vec2(3.0, 4.0)], m.Color.Red, lambda point, color: kept.append(point) or True)
        for _ in range(3):
            m.vec2_grid(50)  # reuse the library's memory
        kept[0].x = 9.0
        if (kept[0].x, kept[0].y, kept[1].x, kept[1].y) != (9.0, 2.0, 3.0, 4.0):
            return f"the kept points changed: {kept}"
        return None

    def raising_callbacks():
        problems = [
            _expect(ZeroDivisionError, lambda: m.for_each_value([1.0, 2.0], _raising)),
            _expect(ZeroDivisionError, lambda: m.pick_colors(_raising)),
            _expect(ValueError, lambda: m.pick_colors(lambda round: 99)),
            _expect(TypeError, lambda: m.pick_colors(lambda round: 1.0)),
            _expect(OverflowError, lambda: m.transform_all([1, 2], lambda value: 2**70)),
            _expect(ZeroDivisionError, lambda: m.label_each([1, 2], ",", _raising)),
            _expect(TypeError, lambda: m.label_each([1], ",", lambda value: None)),
            _expect(ValueError, lambda: m.label_each([1], ",", lambda value: "\udc80")),
            _expect(ZeroDivisionError, lambda: m.walk(m.Vec2(), 2, _raising)),
            _expect(TypeError, lambda: m.walk(m.Vec2(), 1, lambda point, step: (1.0, 2.0))),
            _expect(OverflowError, lambda: m.parse_all("a", lambda word: 2**64)),
            _expect(TypeError, lambda: m.rename_words("a", lambda word: b"b")),
            _expect(TypeError, lambda: m.find_points(1, lambda round: (1.0, 2.0))),
            _expect(
                m.MathError.Overflow,
                lambda: m.check_all([1], lambda value: (_ for _ in ()).throw(m.MathError.Overflow())),
            ),
            _expect(TypeError, lambda: m.describe_all([1], lambda value: 1)),
            # Encoded results that do not fit: the callback's failure, named.
            _expect(TypeError, lambda: m.split_words("a", lambda word: [1])),
            _expect(TypeError, lambda: m.split_words("a", lambda word: "ab")),
            _expect(OverflowError, lambda: m.tally_words("a", lambda word: {"k": -1})),
            _expect(TypeError, lambda: m.tally_words("a", lambda word: {1: 1})),
            # An error with data whose fields cannot be encoded: the callback's failure, named.
            _expect(TypeError, lambda: m.total_length(["a"], lambda text: _throw(m.ParseError.TooLong("x")))),
            _expect(OverflowError, lambda: m.total_length(["a"], lambda text: _throw(m.ParseError.TooLong(-1)))),
            _expect(TypeError, lambda: m.total_length(["a"], lambda text: _throw(m.ParseError.NotANumber(1, 2)))),
        ]
        return next((p for p in problems if p), None)

    found += [
        ("Store: explicit __del__, then garbage collection", double_del),
        ("Store: __del__, close, __del__", del_then_close),
        ("Store: __init__ on a live store", init_again),
        ("Store: methods after with and close", closed_methods),
        ("Store: a method of an object made by __new__", uninitialised),
        ("Counter: consumed twice", consumed_twice),
        ("Counter: consumed twice through an option", consumed_optional_twice),
        ("PointFilter: points kept past the call", view_kept_past_callback),
        ("callbacks that raise or return bad values", raising_callbacks),
    ]
    return found


def _collect():
    """Run the garbage collector until it frees nothing more (PyPy may need more than one pass: an object's
    finaliser can make another object's finaliser due only at the next one)."""
    for _ in range(3):
        gc.collect()


def _in_threads(count, work, trace=None):
    """Runs `work(i)` on `count` threads started together (each traced by `trace` if given); returns their results
    (an exception counts as one)."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def run(i):
        barrier.wait()
        if trace is not None:
            sys.settrace(trace)
        try:
            results[i] = work(i)
        except BaseException as error:  # reported by the case
            results[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _arbitration_cases(m):
    """Opaque objects of free functions are cells that arbitrate every call, as services do: threads and
    re-entrant callbacks that conflict get a ValueError, never a race, a use-after-free or a double free."""

    def threads_increment():
        counter = m.counter_new(0)
        refused = []

        def work(i):
            counted = 0
            for _ in range(20000):
                try:
                    m.counter_increment(counter)
                    counted += 1
                except ValueError as error:
                    refused.append(str(error))
                if i % 2:
                    try:
                        m.counter_get(counter)  # `&`: runs beside other `&` calls, refused beside `&mut` ones
                    except ValueError as error:
                        refused.append(str(error))
            return counted

        previous = sys.getswitchinterval()
        sys.setswitchinterval(1e-6)
        try:
            results = _in_threads(8, work)
        finally:
            sys.setswitchinterval(previous)
        errors = [r for r in results if isinstance(r, BaseException)]
        if errors:
            return f"a thread raised {type(errors[0]).__name__}: {errors[0]}"
        if sum(results) != m.counter_get(counter):
            return f"{sum(results)} increments succeeded, but the counter is at {m.counter_get(counter)}"
        wrong = [r for r in refused if "in use by another call" not in r or "argument `c`" not in r]
        if wrong:
            return f"an unexpected message: {wrong[0]}"
        m.counter_free(counter)
        return None

    def threads_free_one_counter():
        # The worst interleaving, made certain: both threads read the counter's pointer before either marks it
        # released (a trace function holds each at the line that does), so both calls reach the library with it.
        # Through the Python wrapper: a compiled function (the cpython backend's) reads and marks it at once.
        free = inspect.unwrap(m.counter_free)
        code = free.__code__
        lines, first = inspect.getsourcelines(free)
        marking = [first + i for i, line in enumerate(lines) if line.strip().endswith("._ffi_ptr = None")]
        if len(marking) != 1:
            return f"counter_free() does not read as expected (the line marking the counter released): {lines}"
        for _ in range(20):
            problem = free_one_counter_twice(free, code, marking[0])
            if problem:
                return problem
        return None

    def free_one_counter_twice(free, code, marking):
        counter = m.counter_new(1)
        meet = threading.Barrier(2, timeout=10)

        def local(frame, event, arg):
            if event == "line" and frame.f_lineno == marking:
                meet.wait()
            return local

        def trace(frame, event, arg):
            return local if frame.f_code is code else None

        results = _in_threads(2, lambda i: free(counter), trace)
        freed = [r for r in results if r is None]
        refused = [r for r in results if isinstance(r, ValueError)]
        if len(freed) != 1 or len(refused) != 1:
            return f"two threads freeing one counter: {results!r}, not one success and one ValueError"
        if "counter_free() argument `c`: the Counter was released" not in str(refused[0]):
            return f"an unexpected message: {refused[0]}"
        problem = _expect(ValueError, lambda: m.counter_get(counter))
        return f"the counter after both frees: {problem}" if problem else None

    def listener_frees_its_notifier():
        notifier = m.notifier_new()
        seen = []

        def listener(code):
            try:
                m.notifier_free(notifier)  # the running emit borrows it: refused, the notifier stays usable
            except ValueError as error:
                seen.append(str(error))

        m.notifier_subscribe(notifier, listener)
        if m.notifier_emit(notifier, 1) != 1 or len(seen) != 1:
            return f"emit during which its listener frees the notifier: {seen}"
        if "notifier_free() argument `notifier`" not in seen[0] or "in use by another call" not in seen[0]:
            return f"an unexpected message: {seen[0]}"
        if m.notifier_emit(notifier, 2) != 1:
            return "the notifier is not usable after the refused free"
        m.notifier_clear(notifier)
        m.notifier_free(notifier)
        return _expect(ValueError, lambda: m.notifier_emit(notifier, 3))

    def listener_subscribes_during_emit():
        notifier = m.notifier_new()
        problems = []

        def listener(code):
            problems.append(_expect(ValueError, lambda: m.notifier_subscribe(notifier, lambda c: None)))
            problems.append(_expect(ValueError, lambda: m.notifier_clear(notifier)))

        m.notifier_subscribe(notifier, listener)
        count = m.notifier_emit(notifier, 1)
        problem = next((p for p in problems if p), None)
        if problem is None and count != 1:
            problem = f"notifier_emit counted {count} listeners, not 1"
        m.notifier_clear(notifier)
        return problem

    def listener_deletes_its_notifier():
        native = _native()
        notifier = m.notifier_new()
        emitted = []

        def deleting(code):
            emitted.append(code)
            notifier.__del__()  # explicit, during the call that borrows it: dropped once that call returns

        m.notifier_subscribe(notifier, deleting)
        for _ in range(3):  # still told: the running call's notifier and listeners stay valid
            m.notifier_subscribe(notifier, emitted.append)
        count = m.notifier_emit(notifier, 7)
        if count != 4 or emitted != [7] * 4:
            return f"emit during which a listener deletes the notifier: counted {count}, emitted {emitted}"
        problem = _expect(ValueError, lambda: m.notifier_emit(notifier, 8))
        _collect()  # PyPy runs finalisers (the cell's) at collections
        if problem is None and native._ffi_callbacks:
            problem = "the notifier was not dropped once the call using it returned (its listener is still kept)"
        return problem

    def del_while_other_threads_call():
        for _ in range(20):
            problem = del_while_calling()
            if problem:
                return problem
        return None

    def del_while_calling():
        counter = m.counter_new(0)
        stop = threading.Event()

        def work(i):
            calls = 0
            while not stop.is_set() or calls < 50:
                with contextlib.suppress(ValueError):  # in use by another call, or released
                    m.counter_increment(counter) if i % 2 else m.counter_get(counter)
                calls += 1
                if i == 0 and calls == 200:
                    counter.__del__()  # under the other threads' calls
                    stop.set()

        errors = [r for r in _in_threads(4, work) if r is not None]
        if errors:
            return f"a thread raised {type(errors[0]).__name__}: {errors[0]}"
        return _expect(ValueError, lambda: m.counter_get(counter))

    def store_deleted_during_its_method():
        _collect()  # the stores of earlier cases, which PyPy finalises at collections
        before = m.Store.live_stores()
        store = m.Store()
        for i in range(50):
            store.put(f"k{i}", i)
        values = []

        def on_value(index, value):
            values.append(value)
            if index == 0:
                store.__del__()  # explicit, during the method that borrows it: released once that call returns
            return True

        count = store.each_value(on_value)
        if count != 50 or sorted(values) != [float(i) for i in range(50)]:
            return f"each_value during which its callback deletes the store: counted {count}, saw {values}"
        problem = _expect(ValueError, lambda: store.get("k1"))
        _collect()  # PyPy runs finalisers (the handle's) at collections
        if problem is None and m.Store.live_stores() != before:
            problem = "the store was not dropped once the call using it returned"
        return problem

    return [
        ("Store: a callback calls __del__ on its store during each_value", store_deleted_during_its_method),
        ("Counter: 8 threads incrementing one counter", threads_increment),
        ("Counter: 2 threads freeing one counter", threads_free_one_counter),
        ("Notifier: a listener frees its notifier during emit", listener_frees_its_notifier),
        ("Notifier: a listener subscribes and clears during emit", listener_subscribes_during_emit),
        ("Notifier: a listener calls __del__ on its notifier during emit", listener_deletes_its_notifier),
        ("Counter: explicit __del__ while other threads call", del_while_other_threads_call),
    ]


def child(start):
    m = _native()
    every = cases(m)
    for number in range(start, len(every)):
        _, case = every[number]
        sys.stdout.write(f"START {number}\n")
        sys.stdout.flush()
        problem = case()
        sys.stdout.write(f"END {number} {'ok' if problem is None else 'FAIL ' + problem}\n")
        sys.stdout.flush()
    gc.collect()
    sys.stdout.write("DONE\n")


def _signal_name(returncode):
    if returncode < 0:
        try:
            return signal.Signals(-returncode).name
        except ValueError:
            return f"signal {-returncode}"
    return f"exit code {returncode}"


def main():
    started = time.monotonic()
    names = [name for name, _ in cases(_native())]
    failures = []
    start, children = 0, 0
    while start < len(names):
        children += 1
        proc = subprocess.run(
            [sys.executable, __file__, "--child", str(start)],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        running = None
        for line in proc.stdout.splitlines():
            if line.startswith("START "):
                running = int(line.split()[1])
            elif line.startswith("END "):
                _, number, result = line.split(" ", 2)
                running = None
                if result != "ok":
                    failures.append(f"{names[int(number)]}: {result[5:]}")
        if running is None and "DONE" in proc.stdout and proc.returncode == 0:
            break
        if running is None:  # died after its last case, or before its first
            failures.append(f"the child process ended with {_signal_name(proc.returncode)}: {proc.stderr[-2000:]}")
            break
        failures.append(
            f"{names[running]}: CRASH, the process was killed by {_signal_name(proc.returncode)}\n"
            f"    {proc.stderr[-1500:].strip()}"
        )
        start = running + 1
    for failure in failures:
        print(f"FAIL {failure}")
    elapsed = time.monotonic() - started
    summary = f"{len(names)} cases in {children} process(es), {elapsed:.1f} s"
    if failures:
        print(f"bad-input corpus: {len(failures)} of {summary} failed")
        sys.exit(1)
    print(f"bad-input corpus: all {summary} passed")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(int(sys.argv[2]))
    else:
        main()

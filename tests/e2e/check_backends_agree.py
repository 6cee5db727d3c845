"""Two Python backends' bindings of one library present the same surface: the same calls give the same results.

    python check_backends_agree.py CTYPES_ROOT CFFI_ROOT MODULE [SHARD/SHARDS]

Each root is a directory holding the generated package `MODULE` (e.g. `sample_crate._native`) over the same
library. For every public function of the second (a backend may express fewer constructs) and every method of
its services, each parameter in turn takes each value of a corpus (valid ones, and wrong types, None,
out-of-range numbers, wrong buffers) while the others keep a valid one; the outcome (the result, or the
exception's class and message) must be the same through both. Prints one line per difference and a summary;
exits 1 when there is one. Runs on CPython 3.8+ and PyPy with only the standard library, cffi and the packages.

A callback parameter takes callables that record what they receive (part of the outcome), return a valid
value, raise, or return a wrong one; an async function is awaited (with a time limit: a corpus number may be
a pause of years).

With SHARD/SHARDS (e.g. 0/6), it checks one in SHARDS of the groups of cases (a function's, a method's, a struct's,
an extra case), the async ones spread evenly: most of the check's time is awaits waiting out their limit, so shards
run at once in as many processes take a fraction of the time on any machine.
"""

import array
import asyncio
import collections.abc
import copy
import enum
import gc
import importlib
import inspect
import itertools
import sys
import typing

VALID = {"int": 3, "float": 2.5, "bool": True, "str": "héllo"}


def make_corpus():
    """The values each kind of parameter takes in turn, made anew for each call: a call may write into a buffer it
    is given (`transform_all`'s `&mut [i64]`), and each binding must get it as it was."""
    return {
        "int": [0, 1, 255, -1, 2**31, 2**32, 2**64, 2**127, 2**128, -(2**127) - 1, True, 1.5, None, "7"],
        "float": [0.0, -1.5, 3, float("inf"), float("nan"), 1e39, None, "1.0", 2**1100],
        "bool": [False, 1, 0, None, "yes"],
        "str": ["", "a\0b", "\ud800", "x" * 300, 5, b"bytes", None],
        "sequence": [
            [],
            [1, 2, 3],
            (4, 5),
            array.array("d", [1.5]),
            array.array("B", [1, 2]),
            bytearray(b"\x01\x02"),
            b"\x03",
            [1.5, None],
            "text",
            None,
            memoryview(bytearray(16)).cast("d")[::2],
        ],
    }


CORPUS = make_corpus()
#: Functions whose valid calls take long with corpus values, and those that allocate as much as they are told
#: (whose calls skip corpus integers above 2**20: 2**31 numbers are 8 GiB).
#: (slice_address and counter_snapshot return addresses, which differ between the two libraries.)
#: (notify_in_background and notify_after call their callback after they return, at a time the outcome cannot
#: depend on.)
#: (user_follow calls its callback as many times as it is told, and each call is recorded in RECEIVED.)
SKIP = {"spin", "spin_holding", "slice_address", "counter_snapshot", "notify_in_background", "notify_after"}
# (How many stores are alive: the two modules' garbage differs until it is collected.)
SKIP.add("Store.live_stores")
#: What the callables given for callback parameters received during the current call.
RECEIVED = []
ALLOCATING = {"range_u32", "user_range", "user_follow"}


def load(root, module):
    sys.path.insert(0, root)
    try:
        return importlib.import_module(module)
    finally:
        sys.path.remove(root)
        for name in [n for n in sys.modules if n == module.split(".")[0] or n.startswith(module.split(".")[0] + ".")]:
            del sys.modules[name]


def newtype_number(cls):
    """ "int" or "float" for a newtype's class (a subclass of its number that is no enum), else None."""
    if not isinstance(cls, type) or issubclass(cls, (bool, enum.Enum)):
        return None
    return "int" if issubclass(cls, int) else "float" if issubclass(cls, float) else None


def kind(hint):
    hint = hint.replace("Optional[", "").rstrip("]")
    if hint.startswith(("Union[Sequence", "Union[MutableSequence")):
        return "sequence"
    if hint.startswith(("Sequence[", "MutableSequence[")):
        return "structs:" + hint.split("[", 1)[1]
    return hint


def callables(mod, alias):
    """A valid callable for the callback type `alias` (``Callable[[int, float], bool]``), then the corpus."""
    _, result = typing.get_args(alias)
    if typing.get_origin(result) is typing.Union:  # an `Option`: None is a valid result too
        result = next(arg for arg in typing.get_args(result) if arg is not type(None))
    if result is type(None):
        good = None
    elif newtype_number(result) and result not in (int, float):
        good = result(VALID[newtype_number(result)])
    elif isinstance(result, type) and issubclass(result, int) and result not in (int, bool):  # an enum
        good = list(result)[-1]
    elif typing.get_origin(result) in (list, dict):  # an encoded result (`Vec<String>`, a map of numbers)
        good = {list: ["part"], dict: {"k": 1}}[typing.get_origin(result)]
    elif result in (bool, int, float, str):
        good = {bool: True, int: 7, float: 0.5, str: "labél"}[result]
    else:  # a struct
        good = result()

    def returning(value):
        def callback(*args):
            RECEIVED.append(tuple(map(repr, args)))
            return value

        return callback

    def raising(*args):
        RECEIVED.append(tuple(map(repr, args)))
        raise ValueError("raised by the callback")

    wrong = [returning("x"), returning(2**70), returning(None)] if result is not type(None) else []
    if result is str:
        wrong.append(returning("\ud800"))
    return returning(good), [3, None, raising, *wrong]


def wire_value(hint):
    """A valid value of an encoded parameter's hint (``Mapping[str, Sequence[float]]``), made from its parts."""
    if hint.startswith("Optional["):
        return wire_value(hint[len("Optional[") : -1])
    if hint.startswith("Sequence["):
        return [wire_value(hint[len("Sequence[") : -1])] * 2
    if hint.startswith("Mapping["):
        key, value = hint[len("Mapping[") : -1].split(", ", 1)
        return {wire_value(key): wire_value(value)}
    return VALID.get(hint, b"ab" if hint == "bytes" else None)


#: Wrong values for any encoded parameter (lists of strings, maps): wrong containers, wrong items, huge numbers.
WIRE_CORPUS = [
    [],
    {},
    None,
    "abc",
    b"x",
    ["a", 1],
    [None],
    {1: "x"},
    {"a": "x"},
    {"a": 2**70},
    {"a": [None]},
    ["\ud800"],
]


def is_record(cls):
    """Whether `cls` is a record's class: a plain class with `__match_args__`, not a struct or an enum."""
    return (
        isinstance(cls, type)
        and hasattr(cls, "__match_args__")
        and not issubclass(cls, int)
        and not hasattr(cls, "_fields_")
        and not hasattr(cls, "_ffi_ctype")
    )


def record_enum_variants(cls):
    """The variant classes of a record enum's class (its attributes that subclass it), or [] for another class."""
    if not isinstance(cls, type) or hasattr(cls, "_ffi_to_c") or issubclass(cls, int):
        return []
    return [v for v in vars(cls).values() if isinstance(v, type) and issubclass(v, cls) and v is not cls]


def record_value(mod, hint, depth=0):
    """A valid value of a record's field (``List[str]``, ``Dict[str, int]``, a struct, another record)."""
    if hint.startswith("Optional["):
        return None if depth else record_value(mod, hint[len("Optional[") : -1], depth)
    if hint.startswith("List["):
        # A record may hold itself: its lists end two levels down.
        return [record_value(mod, hint[len("List[") : -1], depth + 1)] if depth < 2 else []
    if hint.startswith("Dict["):
        key, value = hint[len("Dict[") : -1].split(", ", 1)
        return {record_value(mod, key, depth + 1): record_value(mod, value, depth + 1)}
    if hint in VALID:
        return VALID[hint]
    cls = getattr(mod, hint)
    if newtype_number(cls):
        return cls(VALID[newtype_number(cls)])
    if issubclass(cls, int):
        return next(iter(cls))
    if record_enum_variants(cls):
        return variant_value(mod, record_enum_variants(cls)[-1])
    if is_record(cls):
        hints = {k: v for k, v in cls.__init__.__annotations__.items() if k != "return"}
        return cls(**{field: record_value(mod, h, depth + 1) for field, h in hints.items()})
    return cls()


def variant_value(mod, variant):
    """A record enum's variant with valid fields."""
    hints = {k: v for k, v in variant.__init__.__annotations__.items() if k != "return"}
    return variant(*(record_value(mod, h, 1) for h in hints.values()))


def wrong_variants(mod, variant):
    """The variant with each field set to a wrong value."""
    made = []
    for field in variant.__match_args__:
        wrong = variant_value(mod, variant)
        setattr(wrong, field, [None])
        made.append(wrong)
    return made


def record_corpus(mod, cls):
    """Wrong values for a record parameter: other types, and the record with each field set to wrong values."""
    valid = record_value(mod, cls.__name__)
    corpus = []
    # (The cases try the first 8: one wrong value per field first, then wrong types.)
    for field, bad in zip(cls.__match_args__, itertools.cycle((3, [None], "x", 2**70))):
        wrong = record_value(mod, cls.__name__)
        setattr(wrong, field, bad)
        corpus.append(wrong)
    return valid, [*corpus, None, "x", {}, ()]


def values(mod, hint, valid):
    """A valid value for a parameter of `hint`, then the corpus for it."""
    if hint.startswith("Mapping[") or hint.startswith("Sequence[Sequence") or hint == "Sequence[str]":
        return wire_value(hint), WIRE_CORPUS
    base = kind(hint)
    if is_record(getattr(mod, base, None)):
        return record_corpus(mod, getattr(mod, base))
    if base.startswith("structs:") and record_enum_variants(getattr(mod, base[len("structs:") :], None)):
        made = [variant_value(mod, v) for v in record_enum_variants(getattr(mod, base[len("structs:") :]))]
        wrong = [
            v
            for variant in record_enum_variants(getattr(mod, base[len("structs:") :]))
            for v in wrong_variants(mod, variant)
        ]
        return made, [*[[bad] for bad in wrong][:6], [3], None, "x"]
    if base.startswith("structs:") and is_record(getattr(mod, base[len("structs:") :], None)):
        good, corpus = record_corpus(mod, getattr(mod, base[len("structs:") :]))
        return [good, good], [[bad] for bad in corpus] + [None, "x", good]
    alias = getattr(mod, base, None)
    if newtype_number(alias):  # the newtype, or anything its number takes
        number = newtype_number(alias)
        return alias(VALID[number]), CORPUS[number]
    if typing.get_origin(alias) is collections.abc.Callable:
        return callables(mod, alias)
    if base in CORPUS:
        if base == "sequence":
            first = [1.0, 2.0] if "float" in hint else [True, False] if "bool" in hint else [1, 2]
        else:
            first = VALID[base]
        return first, make_corpus()[base]
    if base in ("structs:int", "structs:bool"):  # an array argument: sum3's 3 numbers, all_four's 4 bools
        if base == "structs:int":
            return [1, 2, 3], [[1, 2], [1, 2, 3, 4], [1, 2**31, 3], [1, 2.5, 3], (-1, 0, 1), range(3), 5, None, "abc"]
        return [True] * 4, [[True] * 3, [True, 1, True, True], (False,) * 4, b"\x01\x01\x01\x01", None]
    if base.startswith("structs:"):
        cls = getattr(mod, base[len("structs:") :])
        if issubclass(cls, int):  # an enum's members
            members = list(cls)
            return members, [[], tuple(members), [members[0], 99], [1.5], None, "x", array.array("B", [1, 3])]
        return [cls(), cls()], [[], (cls(),), [cls(), 3], None, "x", cls()]
    cls = getattr(mod, base)
    if hasattr(cls, "_fields_") or hasattr(cls, "_ffi_ctype"):  # a struct, of ctypes or of cffi
        return cls(), [None, 3, "x", ()]
    if hasattr(cls, "_ffi_to_c"):  # a data-carrying enum
        made = variants(mod, cls)
        return made[0], [*made[1:], None, 3, "x", cls.__name__]
    if isinstance(cls, type) and issubclass(cls, int):  # an enum
        members = list(cls)
        return members[0], [members[-1], 1, 99, -1, 2**70, None, "Red"]
    made = fresh(mod, base)
    if made is None:
        return None, []
    return made, [None, 3, "x"]


def variants(mod, cls):
    """Objects of each variant of the data-carrying enum `cls`: each with valid fields, then each with one field of
    a number (or enum) type set to each value of its corpus (refused when the variant is converted for a call).
    Struct fields keep valid values: ctypes refuses another object there with its own message (a documented
    difference)."""
    classes = [v for v in vars(cls).values() if isinstance(v, type) and issubclass(v, cls)]
    made = []
    for variant in classes:
        hints = {k: v for k, v in variant.__init__.__annotations__.items() if k != "return"}
        valid = {field: values(mod, hint, None)[0] for field, hint in hints.items()}
        made.append(variant(**valid))
        for field, hint in hints.items():
            base = kind(hint)
            if base in CORPUS or (isinstance(getattr(mod, base, None), type) and issubclass(getattr(mod, base), int)):
                for bad in values(mod, hint, None)[1]:
                    try:
                        made.append(variant(**{**valid, field: bad}))
                    except Exception:  # an enum field is converted when the variant is made
                        continue
    return made


def implementation(mod, trait):
    """An object of a subclass of the trait's class whose methods each return a valid value (as a valid callback
    of the method's signature does), recording their arguments."""
    methods = {}
    for name in sorted(trait.__abstractmethods__):
        hints = typing.get_type_hints(getattr(trait, name), vars(mod))
        result = hints.pop("return")
        good, _ = callables(mod, typing.Callable[list(hints.values()), result])
        methods[name] = lambda self, *args, _good=good: _good(*args)
    return type(f"Some{trait.__name__}", (trait,), methods)()


def fresh(mod, cls_name):
    """A new object of the opaque class `cls_name`, made by a function of the module (or its constructor)."""
    cls = getattr(mod, cls_name)
    if getattr(cls, "__abstractmethods__", None):  # an `#[ffi_trait]`'s class
        return implementation(mod, cls)
    try:
        return cls()
    except TypeError:
        pass
    # A constructor that takes numbers (`Tracker(total)`).
    try:
        return cls(*([3] * (len(inspect.signature(cls.__init__).parameters) - 1)))
    except TypeError:
        pass
    for name in mod.__all__:
        # The wrapper of a compiled function (the cpython backend's, which is no Python function) tells its kind.
        obj = getattr(mod, name)
        if (
            inspect.isfunction(inspect.unwrap(obj))
            and name.endswith("_new")
            and obj.__annotations__.get("return") == cls_name
        ):
            params = list(inspect.signature(obj).parameters)
            return obj(*([3] * len(params)))
    return None


def outcome(call):
    del RECEIVED[:]
    try:
        result = call()
        # A coroutine, or the cpython backend's compiled coroutine (an awaitable of its own type).
        if inspect.isawaitable(result):
            result = asyncio.run(asyncio.wait_for(result, 0.5))
    except Exception as error:
        # The one documented difference: the ctypes backend also takes a ctypes array of structs for a slice.
        message = str(error).replace(" (or a ctypes array of them)", "")
        return ("raises", type(error).__qualname__, message[:300], tuple(RECEIVED))
    if hasattr(result, "__slots__") and "_ffi_ptr" in getattr(type(result), "__slots__", ()):
        return ("object", type(result).__name__, tuple(RECEIVED))
    return ("returns", repr(result), tuple(RECEIVED))


def cases(mod, owner, name):
    """(label, function of the module -> outcome) for each call of `name` (a function, or a method of the
    service class `owner`) with one parameter varied."""
    target = getattr(mod, owner) if owner else mod
    function = getattr(target, name)
    hints = {k: v for k, v in function.__annotations__.items() if k != "return"}
    params = [p for p in inspect.signature(function).parameters if p in hints]
    for index, param in enumerate(params):
        for trial in range(1 + len(CORPUS.get(kind(hints[param]), [])) + 8):

            def call(mod, index=index, trial=trial):
                target = mod if not owner else fresh(mod, owner)
                args = []
                for position, other in enumerate(params):
                    valid, corpus = values(mod, hints[other], None)
                    if position == index and trial:
                        if trial - 1 >= len(corpus):
                            return ("skip",)
                        value = corpus[trial - 1]
                        if name in ALLOCATING and isinstance(value, int) and value > 2**20:
                            return ("skip",)
                        args.append(value)
                    else:
                        args.append(valid)
                return outcome(lambda: getattr(target, name)(*args))

            yield f"{owner + '.' if owner else ''}{name} {param}#{trial}", call
    if not params:
        yield (
            f"{owner + '.' if owner else ''}{name}()",
            lambda mod: outcome(getattr(mod if not owner else fresh(mod, owner), name)),
        )


def field_values(mod, name, field, hint):
    """A valid value for the field `field` of the struct class `name`, then a corpus for it; for an array field
    (`[T; N]`): sequences of the right and wrong lengths, and the valid items with the first replaced by each
    value of the element type's corpus."""
    if "Sequence[" not in hint:
        return values(mod, hint, None)
    default = list(getattr(getattr(mod, name)(), field))
    element = hint[len("Optional[") : -1] if hint.startswith("Optional[") else hint
    element = element[len("Sequence[") : -1]
    if element.startswith("Optional["):
        element = element[len("Optional[") : -1]
    corpus = [default, tuple(default), default[:-1], default * 2, [], 5, None, "x" * len(default), iter(default)]
    corpus += [[bad, *default[1:]] for bad in values(mod, element, None)[1]]
    return default, corpus


def struct_cases(mod, name):
    """(label, function of the module -> outcome) for a struct class: construction with each field in turn set
    to each corpus value, assignment of each, and a copy that must not share the original's memory."""
    cls = getattr(mod, name)
    hints = {k: v for k, v in cls.__init__.__annotations__.items() if k != "return"}
    yield f"{name}()", lambda mod: outcome(lambda: repr(getattr(mod, name)()))
    for field, hint in hints.items():
        for trial in range(len(field_values(mod, name, field, hint)[1])):

            def construct(mod, field=field, hint=hint, trial=trial):
                value = field_values(mod, name, field, hint)[1][trial]
                return outcome(lambda: repr(getattr(mod, name)(**{field: value})))

            def assign(mod, field=field, hint=hint, trial=trial):
                obj = getattr(mod, name)()
                value = field_values(mod, name, field, hint)[1][trial]
                return outcome(lambda: (setattr(obj, field, value), repr(obj))[1])

            yield f"{name}({field}=#{trial})", construct
            yield f"{name}.{field} = #{trial}", assign

    def copied(mod):
        obj = getattr(mod, name)()
        twin = copy.copy(obj)
        field = next(iter(hints))
        valid = field_values(mod, name, field, hints[field])[0]
        return outcome(lambda: (setattr(twin, field, valid), repr(obj), repr(twin), obj == twin)[1:])

    yield f"copy of {name}", copied


def _rect(m):
    return m.Shape.Rect(corner=m.Vec2(x=1.0, y=2.0), width=3.0, height=4.0)


def _kept_view(m):
    corners = m.reading_example().corners  # views of a result that only they keep
    gc.collect()
    return corners


def _written_through(m):
    reading = m.Reading(corners=[m.Vec2(x=1.0), m.Vec2(y=2.0)])
    reading.corners[1].x = 5.0  # a view: writes go into the reading
    return reading.corners, m.reading_total(reading)


def _figure_view(m):
    figure = m.Figure(shape=_rect(m), color=m.Color.Blue)
    shape = figure.shape
    shape.corner.x = 7.0  # the variant's struct is a view of the figure's, in both backends
    shape.width = 9.0  # a plain attribute: the figure keeps its own
    return figure, shape


def _figure_fields(m):
    figure = m.figure_of(_rect(m), 1)
    return figure.shape, figure.color, figure.shape.corner


def _figure_set(m):
    figure = m.Figure()
    figure.shape = m.Shape.Circle(2)
    return figure


def _reading_fields(m):
    reading = m.reading_example()
    return reading.samples, reading.corners, reading.channels, reading.antennas, reading.light, reading.celsius


def _reading_set(m):
    # Made here: PyPy's ctypes cannot store into a structure a call returned (nor can those bindings, then).
    reading = m.Reading(celsius=21.5, corners=m.reading_example().corners, antennas=(m.Direction.West, 0))
    reading.samples = [0.5] * 4
    reading.channels = (None,) * 3
    reading.antennas = [m.Direction.South, 1]
    return m.reading_total(reading), reading


def _reading_copies(m):
    reading = m.reading_example()
    copied, deep = copy.copy(reading), copy.deepcopy(reading)
    copied.corners[0].x = 9.0  # a copy holds its own memory
    return reading, copied, deep == reading, copied == reading


def _reassigned(m):
    circle = m.Shape.Circle(radius=1.0)
    circle.radius = "wide"  # attributes are plain; checked when the variant is converted
    return m.shape_area(circle)


#: Hand-written calls of the data-carrying enums and fixed-size arrays (round trips, views, fields, copies):
#: (label, function of the module) whose outcomes must agree.
EXTRA = [
    ("Shape variants", lambda m: [m.Shape.Circle(1.5), _rect(m), m.Shape.Empty()]),
    (
        "Shape equality",
        lambda m: [
            m.Shape.Circle(1.0) == m.Shape.Circle(1.0),
            _rect(m) == _rect(m),
            m.Shape.Empty() != m.Shape.Empty(),
        ],
    ),
    (
        "Shape inequality",
        lambda m: [m.Shape.Circle(1.0) == m.Shape.Empty(), _rect(m) == m.Shape.Circle(1.0), _rect(m) == 3],
    ),
    ("Shape()", lambda m: m.Shape()),
    ("Shape hash", lambda m: hash(m.Shape.Empty())),
    ("Shape names", lambda m: [m.Shape.Rect.__name__, m.Shape.Rect.__qualname__, m.Shape.Rect.__match_args__]),
    ("Shape docs", lambda m: [m.Shape.__doc__, m.Shape.Circle.__doc__, m.Shape.Empty.__doc__]),
    ("Shape.Circle()", lambda m: m.Shape.Circle()),
    ("Shape.Circle(1, 2)", lambda m: m.Shape.Circle(1.0, 2.0)),
    ("Shape.Rect(mode=...)", lambda m: m.Shape.Rect(corner=m.Vec2(), width=1.0, height=1.0, mode=1)),
    (
        "shape_scale round trips",
        lambda m: [m.shape_scale(s, 2) for s in (m.Shape.Circle(1), _rect(m), m.Shape.Empty())],
    ),
    ("shape_scale f32", lambda m: m.shape_scale(m.Shape.Circle(3e38), 2.0)),
    ("shape_scale overflow", lambda m: m.shape_scale(m.Shape.Circle(1e39), 1.0)),
    ("shape_scale subclass", lambda m: m.shape_scale(m.Shape.Rect, 1.0)),
    ("shape_area", lambda m: [m.shape_area(s) for s in (m.Shape.Circle(1), _rect(m), m.Shape.Empty())]),
    ("shape_area None", lambda m: m.shape_area(None)),
    ("shape_area reassigned", _reassigned),
    (
        "figure_of",
        lambda m: [m.figure_of(s, m.Color.Red) for s in (m.Shape.Circle(1), _rect(m), m.Shape.Empty(), None)],
    ),
    ("figure_of bad color", lambda m: m.figure_of(_rect(m), 99)),
    ("figure_of fields", _figure_fields),
    ("Figure()", lambda m: m.Figure()),
    ("Figure set", _figure_set),
    ("Figure set bad", lambda m: setattr(m.Figure(), "shape", m.Shape.Circle("x"))),
    ("Figure view", _figure_view),
    ("Figure copy", lambda m: [copy.deepcopy(m.Figure(shape=_rect(m))), copy.copy(m.Figure()) == m.Figure()]),
    ("reading_example", lambda m: m.reading_example()),
    ("reading_example fields", _reading_fields),
    ("reading_total", lambda m: m.reading_total(m.reading_example())),
    ("reading kept view", _kept_view),
    ("reading written through", _written_through),
    (
        "Reading arrays",
        lambda m: m.Reading(samples=range(4), channels=iter([1, None, 3]), antennas=(1, m.Direction.West)),
    ),
    ("Reading set arrays", _reading_set),
    ("Reading copies", _reading_copies),
    ("Reading f32 item", lambda m: m.Reading(samples=[1.0, 1e39, 0.0, 0.0])),
    ("Reading bool item", lambda m: m.Reading(channels=[True, None, False])),
    ("Reading enum item", lambda m: m.Reading(antennas=[m.Direction.East, 99])),
    ("Reading struct item", lambda m: m.Reading(corners=[m.Vec2(), (1.0, 2.0)])),
    ("Reading == tuple", lambda m: m.reading_example().samples == (1.0, 2.0, 3.0, 4.5)),
    # `char` parameters take one character (the corpus's valid `str` is longer).
    ("char results", lambda m: [m.char_upper(c) for c in "aßé€\0\U0010ffff"] + [m.char_from_code(0xD800)]),
    ("char codes", lambda m: [m.char_code(c) for c in "a\0\U0010ffff"] + [m.char_repeat("ü", 3)]),
    *(
        (f"char_code({bad!r})", lambda m, bad=bad: m.char_code(bad))
        for bad in ["", "ab", "\ud800", "\udfff", 97, None, b"a"]
    ),
    ("char_repeat(times=bad)", lambda m: m.char_repeat("x", -1)),
    ("wide results", lambda m: [m.i128_from_halves(-1, 2**64 - 1), m.u128_wrapping_mul(2**127, 3)]),
    ("i128 overflow", lambda m: m.i128_checked_add(2**127 - 1, 1)),
]


def awaits(function):
    """Whether `function` is async: its calls may wait out the time limit."""
    return asyncio.iscoroutinefunction(inspect.unwrap(getattr(function, "__func__", function)))


def groups(second):
    """The cases, in groups (each function's, method's, struct's, extra case's): (whether its calls are awaited,
    its (label, call) pairs, where `call(mod)` is the case's outcome through the bindings `mod`)."""
    for name in second.__all__:
        obj = getattr(second, name)
        # A compiled function (the cpython backend's) wraps the Python function it stands for.
        if inspect.isfunction(inspect.unwrap(obj)) and name not in SKIP:
            yield awaits(obj), cases(second, "", name)
        elif isinstance(obj, type) and (hasattr(obj, "_fields_") or hasattr(obj, "_ffi_ctype")):  # a struct
            yield False, struct_cases(second, name)
        elif isinstance(obj, type) and "close" in vars(obj):  # a service's class
            # (A compiled method, the cpython backend's, wraps the Python function it stands for.)
            for member, value in vars(obj).items():
                public = not member.startswith("_") and f"{name}.{member}" not in SKIP
                if public and inspect.isfunction(inspect.unwrap(value)):
                    yield awaits(value), cases(second, name, member)
    for label, function in EXTRA:
        yield False, [(label, lambda mod, function=function: outcome(lambda: function(mod)))]


def main():
    first_root, second_root, module = sys.argv[1:4]
    shard, shards = map(int, sys.argv[4].split("/")) if len(sys.argv) > 4 else (0, 1)
    first, second = load(first_root, module), load(second_root, module)
    differences = compared = 0
    # The awaited groups first, so that each shard gets its share of them.
    ordered = sorted(groups(second), key=lambda group: not group[0])
    for position, (_, group) in enumerate(ordered):
        if position % shards != shard:
            continue
        for label, call in group:
            theirs, ours = call(first), call(second)
            if ours == ("skip",):
                continue
            compared += 1
            if theirs != ours:
                differences += 1
                print(f"DIFFERENT {label}: {theirs!r} != {ours!r}")
    print(f"{compared} calls compared, {differences} different")
    sys.exit(1 if differences or not compared else 0)


if __name__ == "__main__":
    main()

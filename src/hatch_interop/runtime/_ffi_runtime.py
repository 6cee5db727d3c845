# Shipped by hatch-interop into each generated package; do not edit (regenerated with the bindings).
"""What generated bindings check and raise, whatever technology calls the library.

Every function here runs only where a value is refused or converted, never on the valid fast path of a
call: wrappers test the exact class and range inline and call these to convert or to build the error.
:class:`Support` is the state both runtimes' ``Library`` keep alike: the callables the library may call
back, what a callback raised, and the async calls awaiting their outcome.
"""

from __future__ import annotations

import array
import atexit
import collections.abc as _abc
import contextlib
import contextvars
import enum
import functools
import itertools
import math
import operator
import struct as _struct
import sys
import threading
from typing import Any, Callable, Dict, List, Optional, Tuple, Type, Union, cast

#: An error enum's exception classes by the code of their variant (the library reports the code), or, for an enum
#: whose variants carry data, how its errors are decoded (see `DataErrors`).
Errors = Union[None, Dict[int, Type[Exception]], "DataErrors"]

#: The values of each integer type (usize and isize as 64-bit: the library is built for a 64-bit platform).
INT_RANGES = {
    **{f"u{bits}": (0, (1 << bits) - 1) for bits in (8, 16, 32, 64)},
    **{f"i{bits}": (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) for bits in (8, 16, 32, 64)},
    "usize": (0, (1 << 64) - 1),
    "isize": (-(1 << 63), (1 << 63) - 1),
    "u128": (0, (1 << 128) - 1),
    "i128": (-(1 << 127), (1 << 127) - 1),
}
#: The Rust number types (and bool) by name.
SCALAR_KINDS = frozenset((*INT_RANGES, "f32", "f64", "bool"))
#: The smallest magnitude that rounds to infinity as an f32 (half an ulp above f32::MAX): a finite number from
#: there on would silently become `inf`, so it is refused.
F32_OVERFLOW = float.fromhex("0x1.ffffffp+127")


def _shown(number: int) -> object:
    """An integer as an error message shows it: Python refuses to format one of more than 4300 digits."""
    return number if number.bit_length() <= 128 else f"an integer of {number.bit_length()} bits"


def scalar(what: str, value: object, rust: str) -> Any:
    """A number or bool for `what` (an argument, a callback's result) of the Rust type `rust` that is not exactly
    of its Python type: an integer of another type (a bool, an IntEnum, a NumPy integer) or a real number for a
    float is converted; anything else, or an integer out of range, is refused rather than truncated."""
    if rust == "bool":
        raise TypeError(f"{what} must be bool, not {type(value).__name__}")
    if rust == "char":
        if not isinstance(value, str):
            raise TypeError(f"{what} must be str (one character), not {type(value).__name__}")
        if len(value) != 1:
            raise ValueError(f"{what} must be one character, got a str of length {len(value)}")
        return str.__str__(value)  # a subclass's own __str__ is not the character it holds
    if rust in ("f32", "f64"):
        if not (isinstance(value, int) or hasattr(type(value), "__float__")):
            raise TypeError(f"{what} must be float, not {type(value).__name__}")
        converted = float(value)  # type: ignore[arg-type]
        if rust == "f32" and F32_OVERFLOW <= abs(converted) < math.inf:
            raise OverflowError(
                f"{what} is {converted!r}, outside the range of f32 (its largest is 3.4028234663852886e+38)"
            )
        return converted
    index = getattr(type(value), "__index__", None)
    if index is None:
        raise TypeError(f"{what} must be int, not {type(value).__name__}")
    number: int = index(value)
    low, high = INT_RANGES[rust]
    if not low <= number <= high:
        raise OverflowError(f"{what} is {_shown(number)}, outside the range of {rust} ({low} to {high})")
    return number


def number(what: str, value: Any, rust: str) -> Any:
    """`value` checked for a number or bool of the Rust type `rust` where it enters a struct, an option or an
    array (`what` names the place): exactly of its type and in range, else converted or refused."""
    if rust == "bool":
        return value if value.__class__ is bool else scalar(what, value, rust)
    if rust == "f64":
        return value if value.__class__ is float else scalar(what, value, rust)
    if rust == "f32":
        return value if value.__class__ is float and -F32_OVERFLOW < value < F32_OVERFLOW else scalar(what, value, rust)
    low, high = INT_RANGES[rust]
    return value if value.__class__ is int and low <= value <= high else scalar(what, value, rust)


def array_argument(
    function: str, parameter: str, value: Any, length: int, kind: str, *, cls: Any = None
) -> tuple[Any, ...]:
    """The items of `value` for an array argument of `length` items, as the numbers they cross as: a sequence of
    exactly that many, each checked as an argument of its type (`kind`: a Rust number type, "bool", or "enum" for
    a member or valid value of the IntEnum `cls`), never truncated."""
    what = f"{function}() argument {parameter!r}"
    try:
        items = tuple(value)
    except TypeError:
        raise TypeError(f"{what} must be a sequence of {length} items, not {type(value).__name__}") from None
    if len(items) != length:
        raise ValueError(f"{what} must have exactly {length} items, not {len(items)}")
    if kind == "enum":
        return tuple(enum_member(f"{what} item {index}", item, cls) for index, item in enumerate(items))
    for index, item in enumerate(items):
        if kind == "bool" and item.__class__ is not bool:
            raise TypeError(f"{what} item {index} must be bool, not {type(item).__name__}")
    if kind == "bool":
        return items
    bounds = INT_RANGES.get(kind)
    if bounds is not None:
        low, high = bounds
        if all(item.__class__ is int and low <= item <= high for item in items):  # the common case, checked at once
            return items
    elif kind == "f64" and all(item.__class__ is float for item in items):
        return items
    return tuple(number(f"{what} item {index}", item, kind) for index, item in enumerate(items))


def checked_items(function: str, parameter: str, value: Any, code: str, cls: Any, *, mutable: bool) -> Any:
    """For a slice of bools or enum members (`cls`): the items of a list or tuple, each checked (an enum's valid
    value is taken too), in an ``array.array`` of the type code `code`; any other value as it is (a buffer of the
    numbers they cross as, whose values the library checks)."""
    if not isinstance(value, (list, tuple)):
        return value
    if mutable and not isinstance(value, list):
        message = f"{function}() argument {parameter!r} must be a list or a writable buffer: the library writes into it"
        raise TypeError(message)
    for index, item in enumerate(value):
        if item.__class__ is not cls:
            if cls is bool:
                message = f"{function}() argument {parameter!r} item {index} must be bool, not {type(item).__name__}"
                raise TypeError(message)
            enum_member(f"{function}() argument {parameter!r} item {index}", item, cls)
    return array.array(code, value)


def enum_member(what: str, value: object, cls: Any) -> Any:
    """The member of the IntEnum `cls` for `value` (a member, or an integer of a valid value; `what` names the
    argument or field): any other object is a TypeError, an integer no member has a ValueError."""
    if value.__class__ is cls:
        return value
    index = getattr(type(value), "__index__", None)
    if index is None:
        raise TypeError(f"{what} must be {cls.__name__} or int, not {type(value).__name__}")
    found: int = index(value)
    try:
        return cls(found)
    except ValueError:
        raise ValueError(f"{what}: {_shown(found)} is not a valid {cls.__name__}") from None


def array_items(
    length: int, value: Any, field: str, what: str, *, kind: str = "", target: Any = None, optional: bool = False
) -> list[Any]:
    """The items of `value`, a sequence of exactly `length` items for the array field `field` (`what` names it in
    errors), each checked and converted as the array's element type says (`kind`): a Rust number type (checked,
    never truncated), "enum" (a member of the IntEnum `target`), "struct" (an object of the class `target`),
    "tagged" (`target` converts it to C), or "" (as it is); with `optional`, None (an absent option) stays None."""
    try:
        items = list(value)
    except TypeError:
        raise TypeError(f"field {field!r} must be a sequence of {length} items, not {type(value).__name__}") from None
    if len(items) != length:
        raise ValueError(f"field {field!r} must have exactly {length} items, not {len(items)}")
    label = f"an item of {what}"
    checked: list[Any] = []
    for item in items:
        if item is None and optional:
            checked.append(None)
        elif kind == "enum":
            checked.append(enum_member(label, item, target))
        elif kind == "struct":
            checked.append(struct_field(label, item, target))
        elif kind == "tagged":
            checked.append(target(item))
        elif kind in SCALAR_KINDS:
            checked.append(number(label, item, kind))
        else:
            checked.append(item)
    return checked


def enum_repr(value: object) -> str:
    """The repr of an enum member, or of None or a tuple holding them, as the expression that makes it."""
    if isinstance(value, tuple):
        return "(" + ", ".join(map(enum_repr, value)) + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, enum.Enum):
        return f"{type(value).__name__}.{value.name}"
    return repr(value)


def invalid_argument(
    function: str,
    parameter: str,
    value: object,
    expected: type[object],
    or_none: bool = False,
) -> Exception:
    """The error for an argument a wrapper rejects (only built once a check has failed)."""
    if value.__class__ is expected:
        if "_ffi_handle" in getattr(expected, "__slots__", ()):  # a service's class: its objects are closed
            return ValueError(f"{function}() argument {parameter!r} is a {expected.__name__} that is closed")
        return ValueError(
            f"{function}() argument {parameter!r} is a {expected.__name__} that was already released "
            "(a call took ownership of it)"
        )
    allowed = f"{expected.__name__} or None" if or_none else expected.__name__
    return TypeError(f"{function}() argument {parameter!r} must be {allowed}, not {type(value).__name__}")


def text_argument(function: str, parameter: str, value: object, error: Exception) -> Exception:
    """The error for an argument that is not a `str`, or that UTF-8 cannot encode (a lone surrogate)."""
    if isinstance(error, UnicodeEncodeError):
        return ValueError(f"{function}() argument {parameter!r} cannot be encoded as UTF-8: {error}")
    return TypeError(f"{function}() argument {parameter!r} must be str, not {type(value).__name__}")


def text_result(what: str, value: object) -> bytes:
    """The UTF-8 bytes of the `str` a callback returned for a `String` result (`what` names it in errors)."""
    if not isinstance(value, str):
        raise TypeError(f"{what} must be str, not {type(value).__name__}")
    try:
        return str.encode(value)  # a subclass's own `encode` is not the text it holds
    except UnicodeEncodeError as error:
        raise ValueError(f"{what} cannot be encoded as UTF-8: {error}") from None


def nul_argument(function: str, parameter: str) -> Exception:
    """The error for a C-string argument with a NUL character inside, which would cut it short."""
    return ValueError(f"{function}() argument {parameter!r} contains a NUL character, which a C string cannot hold")


def not_callable(function: str, parameter: str, value: object) -> Exception:
    """The error for a callback argument that cannot be called."""
    return TypeError(f"{function}() argument {parameter!r} must be callable, not {type(value).__name__}")


def implements(function: str, parameter: str, value: object, trait: str, methods: Tuple[str, ...]) -> Tuple[Any, ...]:
    """The bound methods of `value` that the library calls as those of the trait `trait` (one per name of
    `methods`), or a TypeError naming the first it lacks: any object with the methods will do (duck typing), a
    subclass of the generated abstract class included."""
    bound = []
    for name in methods:
        method = getattr(value, name, None)
        if method is None or not callable(method):
            cls = type(value).__name__
            problem = f"{cls} has no method {name!r}" if method is None else f"{cls}.{name} is not callable"
            raise TypeError(
                f"{function}() argument {parameter!r} must implement {trait}: {problem} (subclass {trait}, or give "
                f"{cls} the methods {', '.join(methods)})"
            )
        bound.append(method)
    return tuple(bound)


class InitSignature:
    """A service class's ``__signature__``: its ``__init__``'s without ``self``, computed when asked (``inspect`` is
    slow to import). The class's ``__new__`` takes any arguments, which ``inspect.signature`` would show instead."""

    def __get__(self, instance: object, owner: type) -> Any:
        import inspect  # noqa: PLC0415  (only for introspection)

        signature = inspect.signature(vars(owner)["__init__"])
        parameters = list(signature.parameters.values())[1:]
        return signature.replace(parameters=parameters, return_annotation=inspect.Signature.empty)


def compiled(
    module: str,
    fast: Any,
    raise_failure: Callable[[Any], None],
    functions: Tuple[Tuple[str, Any, Tuple[Any, ...]], ...],
    *,
    shared: Optional[Tuple[Tuple[Any, ...], Tuple[Tuple[int, str], ...]]] = None,
    constructs: Tuple[type, ...] = (),
) -> None:
    """Replace each wrapper of module `module` named in `functions` (a function's name, or a method's, `Store.get`;
    with the `errors` its failures are raised with, and the module's objects its C code refers to) by its compiled
    function of the extension `fast` (the cpython backend's), which carries the wrapper's name, docstring, hints and
    signature (`__wrapped__`) and hands it every call its fast path does not take. `shared`: the classes the
    extension's encoders of owned values check against, and the records' slots they read (a class's index and an
    attribute). `constructs`: the
    services' classes whose `__init__` is compiled, whose `__new__` (and `tp_new`) the extension's replaces (the
    same, in C), and whose `tp_init` calls the compiled `__init__` without looking it up."""
    if shared is not None:
        fast.share(*shared)
    for cls in constructs:
        setattr(cls, "__new__", staticmethod(fast.new_object))  # noqa: B010  (a method mypy would not let be set)
    namespace = sys.modules[module].__dict__
    for index, (name, errors, objects) in enumerate(functions):
        owner, _, attribute = name.rpartition(".")
        holder = namespace[owner].__dict__ if owner else namespace
        wrapper = holder[attribute]
        # A service's static function stays a staticmethod, a constructor a classmethod, of the compiled function.
        kind = type(wrapper) if isinstance(wrapper, (staticmethod, classmethod)) else None
        if kind is not None:
            wrapper = wrapper.__func__
        made = functools.update_wrapper(fast.function(index, wrapper, raise_failure, errors, objects), wrapper)
        if owner:
            setattr(namespace[owner], attribute, made if kind is None else kind(made))
        else:
            namespace[name] = made
    for cls in constructs:
        # The class's `tp_new` and `tp_init` in C, which `cls()` calls without looking `__new__` and `__init__` up
        # (once the compiled `__init__` is the class's).
        fast.construct_slots(cls)


def closed(cls: str, method: str) -> Exception:
    """The error for a method called on a closed object."""
    return ValueError(f"cannot call {cls}.{method}(): the {cls} is closed")


def initialized(cls: str) -> Exception:
    """The error for `__init__` called again on an object that already holds a Rust object."""
    return TypeError(f"{cls}.__init__() called on a {cls} that already holds a Rust object: create a new {cls} instead")


def struct_field(what: str, value: object, cls: type) -> Any:
    """`value`, checked to be a `cls` where it is stored into a struct field (`what` names it)."""
    if value.__class__ is not cls:
        raise TypeError(f"{what} must be {cls.__name__}, not {type(value).__name__}")
    return value


def not_copyable(handle: object) -> Exception:
    """The error for copying or pickling an object that holds a Rust object: both copies would release it."""
    cls = type(handle).__name__
    return TypeError(f"{cls} objects cannot be copied or pickled: each holds a Rust object only it may release")


def error_variants(base: type[Exception], *variants: tuple[int, str, str]) -> dict[int, type[Exception]]:
    """Create a subclass of `base` for each variant (code, name, doc), as an attribute of `base`."""
    by_code: dict[int, type[Exception]] = {}
    for code, name, doc in variants:
        namespace = {
            "__doc__": doc or None,
            "__module__": base.__module__,
            "__qualname__": f"{base.__qualname__}.{name}",
        }
        subclass = type(name, (base,), {**namespace, "code": code})
        setattr(base, name, subclass)
        by_code[code] = subclass
    return by_code


class DataErrors:
    """How the errors of an enum whose variants carry data are raised: the library sends each one's encoding (its
    variant's index, then its fields), decoded into the variant's exception class with the fields as attributes and
    the error's `Display` text as its message."""

    __slots__ = ("_base", "_codec")

    def __init__(self, base: type[Exception], codec: Callable[[], Codec]) -> None:
        self._base = base
        #: The enum's codec, looked up at the first error (it is defined after the classes).
        self._codec = codec

    def decode(self, code: int, message: str, payload: bytes) -> BaseException:
        """The exception for the error whose variant's index is `code` and whose encoding is `payload`."""
        try:
            error, end = self._codec()[1](payload, 0)
            if end != len(payload):
                raise ValueError(f"{len(payload) - end} bytes are left over")
        except Exception as problem:
            # Only a library built apart from these bindings sends what they cannot read: say so, with its message.
            return RuntimeError(
                f"the library reported a {self._base.__name__} error (variant {code}) these bindings cannot "
                f"decode ({problem}); its message: {message}"
            )
        error.args = (message,)
        return cast(BaseException, error)


def rebuild_error(cls: type[BaseException], args: tuple[Any, ...]) -> BaseException:
    """An exception of an error enum's variant `cls` with the message `args`, its fields set after (unpickling)."""
    error = cls.__new__(cls)
    error.args = args
    return error


def variants(base: type[object], *classes: tuple[str, type[object]]) -> None:
    """Make each variant's class an attribute of its enum's class, named (and shown) as the Rust variant."""
    for name, variant in classes:
        variant.__name__ = name
        variant.__qualname__ = f"{base.__qualname__}.{name}"
        setattr(base, name, variant)


def unknown_tag(base: type[object], tag: int) -> Exception:
    """The error for a data-carrying enum whose tag is none of its variants: never converted by guesswork."""
    return ValueError(f"the library returned a {base.__name__} whose tag {tag} is none of its variants")


#: memoryview format characters of each kind of number ("q" and "n" are also signed, and so on).
_NUMBER_KINDS = {
    **dict.fromkeys("bhilqn", "signed"),
    **dict.fromkeys("BHILQNc", "unsigned"),
    "f": "float",
    "d": "float",
}
#: The byte-order prefixes a buffer of native numbers may have.
_NATIVE_ORDERS = ("@", "=", "<" if sys.byteorder == "little" else ">")


def check_numbers_view(function: str, parameter: str, value: Any, size: int, code: str, *, mutable: bool) -> memoryview:
    """A memoryview of `value`, a buffer for a slice argument of `size`-byte numbers of the kind of the ``array``
    type code `code`: of that kind and size, contiguous, and writable if the library writes into it."""
    kind = _NUMBER_KINDS[code]
    try:
        view = memoryview(value)
    except TypeError:
        message = (
            f"{function}() argument {parameter!r} must be a list or a buffer of {size}-byte {kind} numbers "
            f"(such as array.array({code!r}) or a NumPy array), not {type(value).__name__}"
        )
        raise TypeError(message) from None
    letter = view.format[1:] if view.format[:1] in _NATIVE_ORDERS else view.format
    if _NUMBER_KINDS.get(letter) != kind or view.itemsize != size:
        message = (
            f"{function}() argument {parameter!r} must hold {size}-byte {kind} numbers, but its items have "
            f"the format {view.format!r} ({view.itemsize} bytes)"
        )
        raise TypeError(message)
    if not view.c_contiguous:
        raise TypeError(f"{function}() argument {parameter!r} must be a contiguous buffer (a strided view is not)")
    if mutable and view.readonly:
        raise TypeError(f"{function}() argument {parameter!r} must be writable: the library writes into it")
    return view


#: PyPy lets a `bytearray` or an `array.array` grow (and move its memory) while a buffer of it is exported,
#: where CPython refuses with a BufferError; a call lets go of the GIL, so another thread could move the memory
#: the library is reading or writing. There, such buffers are passed as copies (written back after the call).
COPIES_RESIZABLE_BUFFERS = sys.implementation.name == "pypy"
_RESIZABLE = (bytearray, array.array)


#: The class whose objects a slice argument shares directly when their type code is the element's (the
#: wrappers' fast path, skipping `check_numbers_view`): `array.array`, except on PyPy, where it is copied.
SHARED_ARRAY: Type[array.array[Any]] = array.array
if COPIES_RESIZABLE_BUFFERS:
    SHARED_ARRAY = cast("Type[array.array[Any]]", type("_NotShared", (), {}))


def resizable(value: object) -> bool:
    """Whether `value` is a buffer that may move while exported on PyPy (itself or what a memoryview views)."""
    if value.__class__ is memoryview:
        value = value.obj
    return isinstance(value, _RESIZABLE)


def check_f32_items(function: str, parameter: str, given: Any, stored: Any) -> None:
    """Refuse a finite number of a list for an `f32` slice that became infinite in its copy (`stored`, an
    ``array.array("f")``): the library would see `inf` where the caller wrote a number."""
    if math.inf not in stored and -math.inf not in stored:
        return
    for index, (item, copied) in enumerate(zip(given, stored)):
        if math.isinf(copied) and not math.isinf(float(item)):
            message = f"{function}() argument {parameter!r}: item {index} is {float(item)!r}, outside the range of f32"
            raise OverflowError(message)


# callbacks and async calls ----------------------------------------------------------------------


def immortal(thunk: Any) -> Any:
    """Keep a C function made of a Python one for good: a thread of the library may call it until the process
    ends, even after the module is torn down at exit, and calling a freed one would crash the process."""
    if sys.implementation.name == "cpython":
        # Imported here: only bindings with callbacks need it (PyPy's ctypes has no pythonapi; there the
        # `Support` that made the function keeps it).
        import ctypes  # noqa: PLC0415

        ctypes.pythonapi.Py_IncRef(ctypes.py_object(thunk))
    return thunk


def is_finalizing_address() -> int:
    """The address of the interpreter's `int Py_IsFinalizing(void)` (`_Py_IsFinalizing` before CPython 3.13), which
    may be called from any thread at any time, also after finalization; 0 where there is none (PyPy).

    The library's shutdown function gets it at exit: once it returns nonzero, no other thread than the one
    finalizing the interpreter calls into it. CPython 3.8-3.13 free what taking the GIL from a thread needs at the
    end of finalization, so that a callback called then by a daemon thread or a library thread would crash the
    process."""
    if sys.implementation.name != "cpython":
        return 0
    import ctypes  # noqa: PLC0415 (the cffi runtime needs it only here)

    for name in ("Py_IsFinalizing", "_Py_IsFinalizing"):
        function = getattr(ctypes.pythonapi, name, None)
        if function is not None:
            return ctypes.cast(function, ctypes.c_void_p).value or 0
    return 0


class ExitGuard:
    """Tells the library when the interpreter exits: at `atexit`, and again once it is finalizing.

    Made once per generated module with callbacks, at import; it registers itself with `atexit` and keeps itself
    where only finalization lets go of it (the `sys` module's namespace, which finalization clears after every other
    module's). At exit, on the thread that finalizes the interpreter, it calls the library's shutdown function with
    the interpreter's `Py_IsFinalizing` (see `is_finalizing_address`, looked up then, not at import): no thread of
    the library's async runtime calls into the interpreter from then on, and once it is finalizing, no other thread.
    Its finaliser calls the function a second time, which then waits, the GIL released by the call, for the
    callbacks that other threads began before finalization to end, so that none of their threads takes the GIL
    after it. Were that call to fail, the library would not wait: the process exits as before."""

    __slots__ = ("_argument", "_called", "_finalizing", "_shutdown", "_to_argument")

    def __init__(self, module: str, shutdown: Callable[[Any], None], to_argument: Callable[[int], Any]) -> None:
        """`shutdown` is the library's function and `to_argument` makes its argument of the function's address (0
        where there is none)."""
        self._shutdown = shutdown
        self._to_argument = to_argument
        self._argument: Any = None
        self._called = False
        # Bound here: the modules' globals may be gone when the finaliser runs.
        self._finalizing = sys.is_finalizing
        atexit.register(self.at_exit)
        # A module imported again replaces its own guard (whose finaliser then does nothing: no interpreter exits).
        sys.__dict__.setdefault("_hatch_interop_exit_guards", {})[module] = self

    def at_exit(self) -> None:
        # The library's functions release the GIL during the call: outcomes being delivered meanwhile finish first.
        self._argument = self._to_argument(is_finalizing_address())
        self._called = True
        self._shutdown(self._argument)

    def __del__(self) -> None:
        try:
            if self._called and self._finalizing():
                self._shutdown(self._argument)
        except BaseException:
            # Nothing may be printed at exit, and nothing is left to do: the library simply does not wait.
            pass


class Support:
    """What a native library's bindings keep and do whatever technology calls it: the Python callables the
    library may call (by the key it gets as their context), what a callback raised on each thread, the async
    calls awaiting their outcome, and the exception for each kind of failure the library records.

    A runtime's ``Library`` subclasses it, providing how a key is passed (`key`), how the library is told
    that a callback raised (`_callback_failed`), and how a failure record is made and memory read
    (`_new_failure`, `_bytes_at`).
    """

    def __init__(self, module: str, panic: Type[Exception]) -> None:
        self.module = module
        self.panic = panic
        #: The Python callables (and the futures of async calls) the library may call, by their key.
        self.callbacks: Dict[object, Any] = {}
        self._keys = itertools.count(1)
        #: What a callback raised on this thread, for the library call that ran it to raise.
        self._callback_errors = threading.local()
        #: The library's function told that a callback raised: `(message, length)`.
        self._callback_failed: Any = None
        #: The C functions made of Python ones, kept as long as this object (for good on CPython, see
        #: `immortal`; PyPy has no way to, and frees a C function whose object is collected).
        self._thunks: List[Any] = []
        #: The library's function that cancels the async calls started with a key (`enable_async` binds it; None
        #: when the library has none: its calls then run to their end), and the class of the futures awaiting them.
        self.cancel_calls: Any = None
        self._call_future: Any = None
        self._compiled_future: Any = None
        #: asyncio's `_get_running_loop` (the running event loop of the calling thread, or None; how `complete` tells
        #: a call completed during the call from one completed later), `get_running_loop` (which raises without
        #: one) and `Future.set_result`, once the first `awaiting` has imported asyncio (`_import_asyncio`).
        self._running_loop: Callable[[], Any] = _no_running_loop
        self._get_running_loop: Callable[[], Any] = self._import_asyncio
        self._set_result: Any = None
        #: The library's doorbell functions, which `enable_async` binds when the library has them (see `Doorbell`):
        #: use a bell (a thread's calls ring it), drain it (on its loop's thread), close it.
        self._bell_use: Any = None
        self._bell_drain: Any = None
        self._bell_close: Any = None
        #: Each event loop's bell (weakly: the loop's reader holds it), made on the loop's first call that waits.
        self._bells: Any = None
        #: This thread's `loop` (the event loop of its last async call), `bell` (True: its calls ring that loop's bell;
        #: None: it has none yet; False: it cannot have one; never the bell itself, which only the loop holds) and,
        #: while a bell drains, `woken` (the futures settled, with their outcomes, whose tasks go on once the
        #: library's drain has returned).
        self._bell_thread = threading.local()

    def key(self, number: int) -> object:
        """The key of the `number`-th callable kept, as the library's context pointer arrives in Python."""
        return number

    def keep_callback(self, function: object) -> object:
        """Keep `function` alive under a new key, which the library gets as the callback's context."""
        key = self.key(next(self._keys))
        self.callbacks[key] = function
        return key

    def release_callback(self, key: object) -> None:
        """The library dropped a callback it kept: forget the callable."""
        self.callbacks.pop(key, None)

    def callback_raised(self, callback: str, error: BaseException) -> None:
        """Hand what a Python callback raised to the library call that ran it, which raises it when it returns."""
        if isinstance(threading.current_thread(), threading._DummyThread):
            # A thread of the library's own: no call of these bindings waits on it to raise the error.
            import traceback  # noqa: PLC0415  (only needed here, and a slow import)

            sys.stderr.write(f"Exception in the {callback} callback of {self.module}, on a thread of the library:\n")
            traceback.print_exception(type(error), error, error.__traceback__)
            return
        self._callback_errors.error = error
        message = f"the {callback} callback raised {error!r}".encode("utf-8", "replace")
        self._callback_failed(message, len(message))

    def set_encoded(self, callback: str, what: str, slot: Any, value: object, codec: Any) -> None:
        """Hand a value of the callback `callback` to the library in the wire encoding: `what` (``the result of the
        OnSplit callback``) it returned, or the error it raised (a variant of its `Result`'s error enum, whose
        variants carry data). The slot's `set` decodes it before it returns. A value that cannot be encoded (of the
        wrong type, out of range) is a failure of the callback instead, named as an argument's is."""
        try:
            data = wire_encode(codec, value, what)
        except (TypeError, ValueError, OverflowError) as problem:
            self.callback_raised(callback, problem)
            return
        self._set_bytes(slot, data)

    def _set_bytes(self, slot: Any, data: bytes) -> None:
        """Call the `set` function of the library's slot `slot` (its first field) with `data`."""
        raise NotImplementedError

    def error(self, kind: int, code: int, message: str, errors: Errors, payload: bytes = b"") -> BaseException:
        """The exception for a failure: a panic (1), an error of the function's enum (2, with the error's encoding
        as `payload` when its variants carry data), an invalid argument (3), a callback that raised (4) or an
        allocation that failed (5)."""
        # What a callback raised during the call: the error itself (kind 4), or the cause of a later failure.
        cause = getattr(self._callback_errors, "error", None)
        self._callback_errors.error = None
        if kind == 4:
            return cause if cause is not None else RuntimeError(message)
        error: BaseException
        if kind == 2 and isinstance(errors, DataErrors):
            error = errors.decode(code, message, payload)
        elif kind == 2 and isinstance(errors, dict) and code in errors:
            error = errors[code](message)
        elif kind == 3:
            error = ValueError(message)
        elif kind == 5:  # out of memory
            error = MemoryError(message)
        else:
            error = self.panic(message)
        error.__cause__ = cause
        return error

    # failures and buffers, over two primitives of each runtime ----------------------------------------

    #: The library's support functions (a runtime's ``Library`` binds them): take this thread's failure into a
    #: record, and free a buffer the library handed over (pointer, size, alignment).
    _take_failure: Any
    free: Any

    def _new_failure(self) -> Any:
        """A zeroed failure record that the library's take function writes into."""
        raise NotImplementedError

    def _bytes_at(self, pointer: Any, length: int) -> bytes:
        """A copy of `length` bytes of the library's memory at `pointer`."""
        raise NotImplementedError

    def raise_failure(self, errors: Errors) -> None:
        """Raise what the library recorded about this thread's last call.

        Returns if it recorded nothing: the pending failure is another thread's, which raises it itself.
        """
        failure = self._new_failure()
        if not self._take_failure(failure):
            return
        try:
            raise self.failure_error(failure, errors)
        finally:
            self.free(failure.message, failure.message_len, 1)
            self.free(failure.payload, failure.payload_len, 1)

    def failure_error(self, failure: Any, errors: Errors) -> BaseException:
        """The exception for the failure record `failure` (its message and payload stay the caller's to free)."""
        message = ""
        if failure.message_len:
            message = self._bytes_at(failure.message, failure.message_len).decode("utf-8", "replace")
        payload = self._bytes_at(failure.payload, failure.payload_len) if failure.payload_len else b""
        return self.error(failure.kind, failure.code, message, errors, payload)

    def take_string(self, buffer: Any) -> str:
        """The text of a `String` the library returned; its buffer is freed."""
        return self.take_bytes(buffer).decode()

    def take_bytes(self, buffer: Any) -> bytes:
        """The bytes of a `Vec<u8>` the library returned; its buffer is freed."""
        if not buffer.len:
            return b""
        try:
            return self._bytes_at(buffer.ptr, buffer.len)
        finally:
            self.free(buffer.ptr, buffer.len, 1)

    def awaiting(self, read: Callable[[Any], Any], errors: Errors) -> tuple[Any, object]:
        """A future of the running event loop for an async function's outcome, and the key its completion finds
        it by (with how to read the value and the function's error classes)."""
        loop = self._get_running_loop()
        if self._bell_use is not None and getattr(self._bell_thread, "loop", None) is not loop:
            self._use_bell(loop)
        # `_future` and `keep_callback`, inline: a few frames less on every await.
        make = self._call_future
        if make is None:
            make = self._future_class()
        future = make(loop=loop)
        future.wake = None
        future.key = key = self.key(next(self._keys))
        self.callbacks[key] = (loop, future, read, errors)
        return future, key

    def _import_asyncio(self) -> Any:
        """The running event loop (asyncio's error without one), on the first call of `awaiting`, which imports
        asyncio: here, not at the top, since most bindings have no async function, and it is a slow import."""
        import asyncio  # noqa: PLC0415

        self._running_loop = asyncio._get_running_loop
        self._set_result = asyncio.Future.set_result
        self._get_running_loop = asyncio.get_running_loop
        return asyncio.get_running_loop()

    # doorbells ---------------------------------------------------------------------------------

    def _open_bell(self) -> Optional[Tuple[Any, int]]:
        """A new bell of the library for this runtime's completions and its descriptor, or None if the library
        cannot make one."""
        raise NotImplementedError

    def _use_bell(self, loop: Any) -> None:
        """The first call on this thread since it ran another event loop: its calls ring the bell of `loop`, if the
        loop has one yet (else none, until one of them waits: see `_suspended`)."""
        import weakref  # noqa: PLC0415  (see `_import_asyncio`)

        local = self._bell_thread
        bell: Union[Doorbell, bool, None] = None
        try:
            if self._bells is None:
                self._bells = weakref.WeakKeyDictionary()
            reference = self._bells.get(loop)
            bell = None if reference is None else reference()
        except TypeError:  # a loop that cannot be weakly referred to cannot have a bell
            bell = False
        self._bell_use(bell.handle if isinstance(bell, Doorbell) else None)
        # A strong reference: a closed loop stays until this thread's next call (its bell was closed with it).
        local.loop = loop
        local.bell = True if isinstance(bell, Doorbell) else bell

    def _suspended(self, future: Any) -> None:
        """A call's coroutine waits for its future (the call went on in the library's runtime): the calls made on this
        thread from now on ring its loop's bell, opened now if it has none yet (the one that waits completes through
        `call_soon_threadsafe`). A loop whose calls never wait has no bell."""
        import weakref  # noqa: PLC0415  (see `_import_asyncio`)

        local = self._bell_thread
        loop = future.get_loop()
        if getattr(local, "bell", False) is not None or local.loop is not loop:
            return  # a bell in use, or none possible; or the future of another loop than this thread's
        bell = Doorbell.open(self, loop)
        if bell is None:
            local.bell = False
            return
        self._bells[loop] = weakref.ref(bell)
        self._bell_use(bell.handle)
        local.bell = True

    def ring(self, bell: Any, close: bool = False) -> None:
        """Deliver the outcomes a bell holds (the library calls `complete` for each), then let their tasks go on;
        or close the bell, delivering them the same way."""
        local = self._bell_thread
        # Another bell's drain may be in progress on this thread (a finaliser that closes a bell runs anywhere).
        outer = getattr(local, "woken", None)
        woken: List[Tuple[Any, object]] = []
        local.woken = woken
        try:
            (self._bell_close if close else self._bell_drain)(bell)
        finally:
            local.woken = outer
        for index, (future, outcome) in enumerate(woken):
            try:
                future.settle_now(outcome)
            except BaseException:
                # The loop stops (KeyboardInterrupt, SystemExit): the others still get their outcome.
                for later, held in woken[index + 1 :]:
                    later.get_loop().call_soon(later.settle_now, held)
                raise

    def call_future(self, key: int, loop: Any = None) -> Any:
        """The future a compiled coroutine (the cpython backend's) awaits while its call, whose completion's context
        is `key`, goes on in the library's runtime: of the running event loop (`loop`, if the caller found it),
        cancelling the call when cancelled. Without a running event loop, the call is cancelled and the RuntimeError
        raised."""
        import asyncio  # noqa: PLC0415  (see `_import_asyncio`)

        try:
            if loop is None:
                loop = asyncio.get_running_loop()
        except RuntimeError:
            if self.cancel_calls is not None:
                self.cancel_calls(key)
            raise
        if self._compiled_future is None:
            # Compiled coroutines' calls ring the extension's own bells, not the library's.
            self._compiled_future = _call_future_class(asyncio.Future, self.cancel_calls, None)
        future = self._compiled_future(loop=loop)
        future.wake = None
        # A compiled coroutine's address, never one of `keep_callback`'s small keys: `cancel_calls` tells them apart.
        future.key = key
        return future

    def _future_class(self) -> Any:
        """The class of the futures of async calls, made on the first call."""
        import asyncio  # noqa: PLC0415  (see `_import_asyncio`)

        suspended = self._suspended if self._bell_use is not None else None
        self._call_future = _call_future_class(asyncio.Future, self.cancel_calls, suspended)
        return self._call_future

    def complete(self, key: object, value: Any, failure: Any) -> None:
        """Settles the awaiting future: at once when the library calls this during the call that started the work
        (its future was ready when first polled), else, from a thread of the library's runtime, in the future's
        event loop's thread."""
        loop, future, read, errors = self.callbacks.pop(key)
        outcome: object
        try:
            # The value and the failure are the library's, valid during this call: read (or take) them now.
            outcome = self.failure_error(failure[0], errors) if failure else read(value)
        except BaseException as error:
            outcome = error
        if self._running_loop() is loop:
            if future.wake is None:
                # Inside the call (a runtime thread runs no event loop): the future is done before the coroutine
                # awaits it, which then goes on without suspending, and no thread is woken. Nothing awaits it yet (no
                # task to run): a value is set by asyncio's own `set_result`, without `settle_now`'s frame.
                if isinstance(outcome, BaseException) or future.cancelled():
                    future.settle_now(outcome)
                else:
                    self._set_result(future, outcome)
                return
            # From the loop's bell: its task goes on once the library's drain has returned (`ring`), not inside it.
            woken = getattr(self._bell_thread, "woken", None)
            if woken is not None:
                woken.append((future, outcome))
            else:
                loop.call_soon(future.settle_now, outcome)
            return
        with contextlib.suppress(RuntimeError):  # the event loop is closed: nobody awaits the outcome
            loop.call_soon_threadsafe(future.settle_now, outcome)


class Doorbell:
    """An event loop's reader of the outcomes the library's threads hand to its bell (the library's doorbells).

    A loop's bell is opened when one of its calls first waits (see `Support._suspended`). A call that goes pending
    on a thread using the bell finishes on a thread of the library, which holds the outcome in the bell and makes
    the bell's descriptor readable, without taking the GIL; the loop, which watches the descriptor, calls this
    reader, which drains the bell on the loop's own thread: the library calls the completions there, and the
    awaiting tasks go on in this iteration of the loop. Through the GIL and `call_soon_threadsafe`, the library's
    thread would wait for the GIL, run Python code and wake the loop through its self-pipe. Only the loop holds the
    reader: when the loop is closed (which drops its readers), the bell is closed, and calls that finish later
    complete from the library's threads again.
    """

    __slots__ = ("__weakref__", "_support", "handle")

    def __init__(self, support: Support, handle: Any) -> None:
        self._support = support
        #: The library's bell.
        self.handle = handle

    @classmethod
    def open(cls, support: Support, loop: Any) -> Optional[Doorbell]:
        """A new bell of `loop`, its reader added; None if the library or the loop cannot have one."""
        opened = support._open_bell()
        if opened is None:
            return None
        bell = cls(support, opened[0])
        try:
            loop.add_reader(opened[1], bell)
        except (NotImplementedError, RuntimeError, OSError, ValueError):
            return None  # closed by its finaliser: no reader, no bell
        return bell

    def __call__(self) -> None:
        self._support.ring(self.handle)

    def __del__(self) -> None:
        try:  # noqa: SIM105  (`contextlib` may be gone at exit: this module's globals are cleared)
            self._support.ring(self.handle, close=True)
        except BaseException:
            # At exit: nothing may be printed, and the library delivers nothing more.
            pass


def _call_future_class(base: Any, cancel_calls: Any, suspended: Optional[Callable[[Any], None]]) -> Any:
    """The class of the futures awaiting async calls of a library whose function `cancel_calls` (None: it has none)
    cancels them, and which tell `suspended` (if not None) when their coroutine first waits for them."""

    # The base class's, which schedule no wake-up kept aside (looked up once: `super()` costs more than the call).
    set_result, set_exception = base.set_result, base.set_exception

    class CallFuture(base):  # type: ignore[misc]  # asyncio.Future, imported only when needed
        """The future an async call's coroutine awaits while the call goes on in the library's runtime.

        Cancelled (its awaiting task was), it cancels the library's call: the library drops the call's future, then
        releases its completion (which forgets the key), unless the call has finished. A method override rather
        than a done callback: the success path schedules nothing more.

        The awaiting task's wake-up (the callback the task adds when the coroutine yields this future) is kept
        aside: `settle_now`, which runs in a callback of the loop (the one that brings the outcome from the
        library's thread), sets the outcome and runs it at once, so the task goes on in this iteration of the loop
        rather than the next. Set or cancelled any other way, the future schedules it as any future does.
        """

        __slots__ = ("key", "wake")
        key: object
        #: The awaiting task's wake-up and its context, until it is run or scheduled (else None).
        wake: Any

        def add_done_callback(self, fn: Any, *, context: Any = None) -> None:
            if self.wake is None and not self.done():
                self.wake = (fn, contextvars.copy_context() if context is None else context)
                if suspended is not None:
                    suspended(self)
            else:
                super().add_done_callback(fn, context=context)

        def remove_done_callback(self, fn: Any) -> int:
            removed: int = super().remove_done_callback(fn)
            if self.wake is not None and self.wake[0] == fn:
                self.wake = None
                removed += 1
            return removed

        def _wake_soon(self) -> None:
            wake, self.wake = self.wake, None
            if wake is not None:
                self.get_loop().call_soon(wake[0], self, context=wake[1])

        def set_result(self, result: Any) -> None:
            super().set_result(result)
            self._wake_soon()

        def set_exception(self, exception: Any) -> None:
            super().set_exception(exception)
            self._wake_soon()

        def cancel(self, *args: Any, **kwargs: Any) -> bool:
            cancelled: bool = super().cancel(*args, **kwargs)
            if cancelled:
                self._wake_soon()
                if cancel_calls is not None:
                    # The key stays until the library releases (or, having won the race, completes) the call: a
                    # completion that arrives meanwhile still takes its value (and frees what it owns).
                    cancel_calls(self.key)
            return cancelled

        def settle_now(self, outcome: object) -> None:
            """Give the awaiting task its outcome and let it go on at once, unless it stopped waiting (it was
            cancelled). Only from a callback of the future's own event loop, which runs nothing else meanwhile."""
            if self.cancelled():
                return
            wake, self.wake = self.wake, None
            if isinstance(outcome, BaseException):
                set_exception(self, outcome)
            else:
                set_result(self, outcome)
            if wake is not None:
                wake[1].run(wake[0], self)

    return CallFuture


def settle_later(future: Any, outcome: object) -> None:
    """Give the coroutine awaiting `future` its outcome, from a thread other than its event loop's (a compiled
    coroutine's completion from the library's runtime), as `complete` does."""
    with contextlib.suppress(RuntimeError):  # the event loop is closed: nobody awaits the outcome
        future.get_loop().call_soon_threadsafe(future.settle_now, outcome)


def _no_running_loop() -> None:
    """No event loop runs (before any async call imported asyncio)."""
    return None


# owned values in the wire encoding ------------------------------------------------------------------------------
#
# `Vec<String>`, maps, `Option<String>` and the like have no C layout: they cross as bytes in the encoding the
# helper crate documents (docs/wire-format.md): little-endian numbers of their own width (usize/isize as 8 bytes),
# a bool as one byte, a string as its UTF-8 length (a u64) and bytes, a list or map as its count (a u64) and its
# items (a map's as key, value), an option as a byte 0 or 1 and, for 1, the value.
#
# A codec is a pair of functions built once, at import, for one Rust type: `encode(value, out)` appends the
# encoding of a Python value to a bytearray, checking it as an argument is checked (a wrong type or an integer
# out of range raises, never truncates); `decode(data, offset)` reads a value the library wrote and returns it
# with the offset after it. A refused value's message is built on the way out ("item 2 must be str, not int"),
# so that the valid path formats nothing.

_U64 = _struct.Struct("<Q")

Encode = Callable[[Any, bytearray], None]
Decode = Callable[[bytes, int], "tuple[Any, int]"]
#: A codec: how a value is encoded and decoded (what `wire_vec` and the others take and return).
Codec = Tuple[Encode, Decode]

#: The struct format of each number type in the encoding.
_WIRE_FORMATS = {
    "u8": "<B",
    "u16": "<H",
    "u32": "<I",
    "u64": "<Q",
    "usize": "<Q",
    "i8": "<b",
    "i16": "<h",
    "i32": "<i",
    "i64": "<q",
    "isize": "<q",
    "f32": "<f",
    "f64": "<d",
    "bool": "<?",
}


class _Refused(Exception):
    """A value the encoding refuses: the exception to raise, and where in the value it is (built outwards)."""

    def __init__(self, error: Exception, where: str = "") -> None:
        super().__init__(error, where)
        self.error = error
        self.where = where


def _refused(error: Exception) -> _Refused:
    """A runtime check's error (its message made for an empty `what`) as the encoding refuses it."""
    return _Refused(type(error)(str(error).lstrip()))


def wire_number(rust: str) -> Any:
    """The codec of a number type or bool (one per type: `wire_vec` knows `u8`'s by identity)."""
    return _NUMBER_CODECS[rust]


def wire_newtype(cls: Any, rust: str) -> Any:
    """The codec of a newtype `cls` of the number type `rust`: the number's encoding; values of `cls` out."""
    encode, decode_number = _NUMBER_CODECS[rust]

    def decode(data: bytes, offset: int) -> tuple[Any, int]:
        value, offset = decode_number(data, offset)
        return cls(value), offset

    return encode, decode


def _number_codec(rust: str) -> Any:
    packer = _struct.Struct(_WIRE_FORMATS[rust])
    pack, unpack_from, size = packer.pack, packer.unpack_from, packer.size
    # The common case checked inline (a value exactly of its Python type, in range); anything else goes through
    # `number`, which converts or refuses it.
    kind = bool if rust == "bool" else float if rust in ("f32", "f64") else int

    def slow(value: Any) -> Any:
        try:
            return number("", value, rust)
        except (TypeError, ValueError, OverflowError) as error:
            raise _refused(error) from None

    if rust in ("bool", "f64"):  # any value of the type

        def encode(value: Any, out: bytearray) -> None:
            out += pack(value if value.__class__ is kind else slow(value))

    elif rust == "f32":  # one that does not round to infinity (NaN and infinities take the slow path, which keeps them)

        def encode(value: Any, out: bytearray) -> None:
            out += pack(value if value.__class__ is float and -F32_OVERFLOW < value < F32_OVERFLOW else slow(value))

    else:
        low, high = INT_RANGES[rust]

        def encode(value: Any, out: bytearray) -> None:
            out += pack(value if value.__class__ is int and low <= value <= high else slow(value))

    def decode(data: bytes, offset: int) -> tuple[Any, int]:
        return unpack_from(data, offset)[0], offset + size

    return encode, decode


def _encode_str(value: Any, out: bytearray) -> None:
    if not isinstance(value, str):
        raise _Refused(TypeError(f"must be str, not {type(value).__name__}"))
    try:
        data = value.encode()
    except UnicodeEncodeError as error:
        raise _Refused(ValueError(f"is not valid UTF-8 text: {error.reason}")) from None
    out += _U64.pack(len(data))
    out += data


def _decode_str(data: bytes, offset: int) -> tuple[Any, int]:
    (length,) = _U64.unpack_from(data, offset)
    start = offset + 8
    return data[start : start + length].decode(), start + length


#: The codec of `String`.
WIRE_STR = (_encode_str, _decode_str)


def _encode_bytes(value: Any, out: bytearray) -> None:
    # A `Vec<u8>` inside an encoded value: any bytes-like object is its bytes; a list of ints is checked.
    if isinstance(value, (bytes, bytearray, memoryview)):
        data = value
        if isinstance(value, memoryview):
            try:
                data = value.cast("B")  # its bytes, whatever its items
            except TypeError:
                raise _Refused(TypeError("must be a contiguous buffer (a strided memoryview is not)")) from None
        out += _U64.pack(len(data))
        out += data
        return
    _encode_items(value, out, _U8_ENCODE)


def _decode_bytes(data: bytes, offset: int) -> tuple[Any, int]:
    (length,) = _U64.unpack_from(data, offset)
    start = offset + 8
    return data[start : start + length], start + length


def _wide_codec(rust: str) -> Any:
    """The codec of `u128` or `i128`: 16 bytes (no struct format holds them)."""
    signed = rust == "i128"

    def encode(value: Any, out: bytearray) -> None:
        try:
            out += number("", value, rust).to_bytes(16, "little", signed=signed)
        except (TypeError, ValueError, OverflowError) as error:
            raise _refused(error) from None

    def decode(data: bytes, offset: int) -> tuple[Any, int]:
        return int.from_bytes(data[offset : offset + 16], "little", signed=signed), offset + 16

    return encode, decode


def _encode_char(value: Any, out: bytearray) -> None:
    try:
        out += _U32.pack(ord(scalar("", value, "char") if value.__class__ is not str or len(value) != 1 else value))
    except (TypeError, ValueError) as error:
        raise _refused(error) from None


def _decode_char(data: bytes, offset: int) -> tuple[Any, int]:
    return chr(_U32.unpack_from(data, offset)[0]), offset + 4


_U32 = _struct.Struct("<I")
_NUMBER_CODECS = {
    **{rust: _number_codec(rust) for rust in _WIRE_FORMATS},
    "u128": _wide_codec("u128"),
    "i128": _wide_codec("i128"),
    "char": (_encode_char, _decode_char),
}
_U8_ENCODE = _NUMBER_CODECS["u8"][0]


def _encode_items(value: Any, out: bytearray, encode: Encode) -> None:
    # A list or tuple, or another sequence (not text: a str is no list of its characters here).
    if not isinstance(value, (list, tuple)):
        if isinstance(value, (str, bytes, bytearray)) or not isinstance(value, _abc.Sequence):
            raise _Refused(TypeError(f"must be a list, not {type(value).__name__}"))
        value = list(value)
    out += _U64.pack(len(value))
    for index, item in enumerate(value):
        try:
            encode(item, out)
        except _Refused as refused:
            raise _Refused(refused.error, f" item {index}{refused.where}") from None


def wire_enum(cls: Any, rust: str) -> Any:
    """The codec of a field-less enum `cls` (an IntEnum) whose repr is `rust`: a member, or an int of a valid
    value, in; members out."""
    packer = _struct.Struct(_WIRE_FORMATS[rust])
    pack, unpack_from, size = packer.pack, packer.unpack_from, packer.size
    members = {member.value: member for member in cls}

    def encode(value: Any, out: bytearray) -> None:
        if value.__class__ is not cls:
            try:
                value = enum_member("", value, cls)
            except TypeError as error:
                raise _refused(error) from None
            except ValueError:
                raise _Refused(ValueError(f"is {_shown(operator.index(value))}, not a valid {cls.__name__}")) from None
        out += pack(value.value)

    def decode(data: bytes, offset: int) -> tuple[Any, int]:
        return members[unpack_from(data, offset)[0]], offset + size

    return encode, decode


def wire_vec(item: Any) -> Any:
    """The codec of `Vec<T>`, from `T`'s: a list (any sequence in), or `bytes` for `Vec<u8>`."""
    encode_item, decode_item = item
    if encode_item is _U8_ENCODE:
        return _encode_bytes, _decode_bytes

    def encode(value: Any, out: bytearray) -> None:
        _encode_items(value, out, encode_item)

    def decode(data: bytes, offset: int) -> tuple[Any, int]:
        (count,) = _U64.unpack_from(data, offset)
        offset += 8
        items: List[Any] = []
        append = items.append
        for _ in range(count):
            value, offset = decode_item(data, offset)
            append(value)
        return items, offset

    return encode, decode


def wire_option(inner: Any) -> Any:
    """The codec of `Option<T>`, from `T`'s: None, or a value."""
    encode_inner, decode_inner = inner

    def encode(value: Any, out: bytearray) -> None:
        if value is None:
            out.append(0)
        else:
            out.append(1)
            encode_inner(value, out)

    def decode(data: bytes, offset: int) -> tuple[Any, int]:
        if not data[offset]:
            return None, offset + 1
        value, offset = decode_inner(data, offset + 1)
        return value, offset

    return encode, decode


def wire_map(key: Any, value: Any) -> Any:
    """The codec of `HashMap<K, V>` or `BTreeMap<K, V>`, from `K`'s and `V`'s: a dict (any mapping in)."""
    encode_key, decode_key = key
    encode_value, decode_value = value

    def encode(mapping: Any, out: bytearray) -> None:
        if not isinstance(mapping, (dict, _abc.Mapping)):
            raise _Refused(TypeError(f"must be a dict, not {type(mapping).__name__}"))
        out += _U64.pack(len(mapping))
        for k, v in mapping.items():
            try:
                encode_key(k, out)
            except _Refused as refused:
                raise _Refused(refused.error, f" key {k!r}{refused.where}") from None
            try:
                encode_value(v, out)
            except _Refused as refused:
                raise _Refused(refused.error, f" [{k!r}]{refused.where}") from None

    def decode(data: bytes, offset: int) -> tuple[Any, int]:
        (count,) = _U64.unpack_from(data, offset)
        offset += 8
        result = {}
        for _ in range(count):
            k, offset = decode_key(data, offset)
            result[k], offset = decode_value(data, offset)
        return result, offset

    return encode, decode


def wire_array(item: Any, length: int) -> Any:
    """The codec of `[T; N]` (a struct's array field inside an encoded value), from `T`'s: `N` items, no count; a
    tuple out (`bytes` for `[u8; N]`, as the struct's field gives them)."""
    encode_item, decode_item = item
    raw = encode_item is _U8_ENCODE

    def encode(value: Any, out: bytearray) -> None:
        if raw and isinstance(value, (bytes, bytearray)) and len(value) == length:
            out += value
            return
        if isinstance(value, (str, bytes, bytearray)) or not isinstance(value, (list, tuple, _abc.Sequence)):
            raise _Refused(TypeError(f"must be a sequence of {length} items, not {type(value).__name__}"))
        if len(value) != length:
            raise _Refused(ValueError(f"must have {length} items, not {len(value)}"))
        for index, element in enumerate(value):
            try:
                encode_item(element, out)
            except _Refused as refused:
                raise _Refused(refused.error, f" item {index}{refused.where}") from None

    def decode(data: bytes, offset: int) -> tuple[Any, int]:
        if raw:
            return bytes(data[offset : offset + length]), offset + length
        items = []
        for _ in range(length):
            element, offset = decode_item(data, offset)
            items.append(element)
        return tuple(items), offset

    return encode, decode


def _fields_codec(cls: Any, fields: Any, values_of: Callable[[Any], Any]) -> Any:
    """The codec of a struct or record `cls` sent field by field: `fields()` gives each field's name (for messages)
    and codec, in order; `values_of(value)` its values in that order; `cls(*values)` makes one."""
    resolved: List[Any] = []

    def parts() -> Any:
        if not resolved:
            # Resolved at first use: a record's fields may name records defined later, or itself.
            resolved.append(tuple((name, codec[0], codec[1]) for name, codec in fields()))
        return resolved[0]

    def encode(value: Any, out: bytearray) -> None:
        if not isinstance(value, cls):
            raise _Refused(TypeError(f"must be {cls.__name__}, not {type(value).__name__}"))
        for (name, encode_field, _), field in zip(parts(), values_of(value)):
            try:
                encode_field(field, out)
            except _Refused as refused:
                raise _Refused(refused.error, f" field {name!r}{refused.where}") from None

    def decode(data: bytes, offset: int) -> tuple[Any, int]:
        values = []
        for _, _, decode_field in parts():
            field, offset = decode_field(data, offset)
            values.append(field)
        return cls(*values), offset

    return encode, decode


def wire_struct(cls: Any, fields: Any) -> Any:
    """The codec of a struct `cls` inside an encoded value: its fields in order (`fields`: each one's name and codec),
    not its bytes, which hold padding; its values as its `__reduce__` gives them."""
    return _fields_codec(cls, lambda: fields, lambda value: value.__reduce__()[1])


def wire_record(cls: Any, fields: Callable[[], Any]) -> Any:
    """The codec of a record `cls` (a plain class with `__slots__`): its fields in order. `fields()` gives each one's
    attribute and codec, and is called at first use: records may hold themselves."""
    getters: List[Any] = []

    def values_of(value: Any) -> Any:
        if not getters:
            names = [attribute for attribute, _ in fields()]
            # `attrgetter` of one attribute gives the value itself, not a tuple of it.
            getters.append(operator.attrgetter(*names) if len(names) > 1 else lambda v: (getattr(v, names[0]),))
        return getters[0](value)

    return _fields_codec(cls, fields, values_of)


_U32 = _struct.Struct("<I")


def wire_variants(base: Any, variants: Callable[[], Any]) -> Any:
    """The codec of a record enum `base`: a variant's index (a `u32`) and then its fields. `variants()` gives each
    variant's class and its fields' attributes and codecs, in index order, and is called at first use."""
    resolved: List[Any] = []

    def table() -> Any:
        if not resolved:
            by_class = {}
            readers = []
            for index, (cls, fields) in enumerate(variants()):
                names = tuple(attribute for attribute, _ in fields)
                by_class[cls] = (_U32.pack(index), names, tuple(codec[0] for _, codec in fields))
                readers.append((cls, tuple(codec[1] for _, codec in fields)))
            resolved.append((by_class, readers))
        return resolved[0]

    def encode(value: Any, out: bytearray) -> None:
        by_class = table()[0]
        entry = by_class.get(value.__class__)
        if entry is None:
            entry = next((e for cls, e in by_class.items() if isinstance(value, cls)), None)
            if entry is None:
                raise _Refused(TypeError(f"must be {base.__name__}, not {type(value).__name__}"))
        tag, names, encoders = entry
        out += tag
        for name, encode_field in zip(names, encoders):
            try:
                encode_field(getattr(value, name), out)
            except _Refused as refused:
                raise _Refused(refused.error, f" field {name!r}{refused.where}") from None

    def decode(data: bytes, offset: int) -> tuple[Any, int]:
        # (The library writes only its variants' indexes.)
        cls, readers = table()[1][_U32.unpack_from(data, offset)[0]]
        offset += 4
        values = []
        for read in readers:
            field, offset = read(data, offset)
            values.append(field)
        return cls(*values), offset

    return encode, decode


def wire_encode(codec: Any, value: Any, what: str) -> bytes:
    """The encoding of `value` for `what` (``f() argument 'x'``), or the error that names what is wrong in it."""
    out = bytearray()
    try:
        codec[0](value, out)
    except _Refused as refused:
        error = refused.error
        raise type(error)(f"{what}{refused.where} {error}") from None
    return bytes(out)


def wire_decode(codec: Any, data: bytes) -> Any:
    """The value the library encoded in `data`."""
    return codec[1](data, 0)[0]

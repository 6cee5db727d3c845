"""The typed inventory model, and the validation that turns the crate's JSON into it.

The inventory binary's JSON (``docs/inventory-schema.md``) is untrusted input: every field is
checked here, once, and an error names the field by its path (``functions[2].params[0].type``)
and says what was expected. Backends only ever see the frozen model below.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, TypeVar, Union, cast

from hatch_interop.errors import InventoryError

FORMAT = "hatch-interop-inventory"
FORMAT_VERSION = 1

#: Rust primitive name -> (size in bytes, signed, is_float). ``usize``/``isize`` are pointer-sized;
#: their size here is only used for range checks of constants, so the widest (64-bit) is assumed.
PRIMITIVES: Dict[str, Tuple[int, bool, bool]] = {
    "u8": (1, False, False),
    "u16": (2, False, False),
    "u32": (4, False, False),
    "u64": (8, False, False),
    "usize": (8, False, False),
    "i8": (1, True, False),
    "i16": (2, True, False),
    "i32": (4, True, False),
    "i64": (8, True, False),
    "isize": (8, True, False),
    "f32": (4, True, True),
    "f64": (8, True, True),
    "bool": (1, False, False),
    "u128": (16, False, False),
    "i128": (16, True, False),
    "char": (4, False, False),
}
#: The primitives that are only a function's parameters and results: ``char`` crosses as a ``uint32_t`` that
#: Rust checks, and ``u128``/``i128`` as ``struct { uint64_t lo; uint64_t hi; }``. Rust refuses them in
#: fields, options, arrays, slices, callbacks and constants.
SIGNATURE_ONLY_PRIMITIVES = ("u128", "i128", "char")
INTEGER_PRIMITIVES = tuple(
    name
    for name, (_, _, is_float) in PRIMITIVES.items()
    if not is_float and name != "bool" and name not in SIGNATURE_ONLY_PRIMITIVES
)

_IDENTIFIER = re.compile(r"\A[A-Za-z_][A-Za-z0-9_]*\Z")
RESERVED_PREFIX = "_ffi_"
#: The largest size, offset or array length: Rust's limit on the size of an object, `isize::MAX` (64-bit).
MAX_SIZE = (1 << 63) - 1
#: The largest alignment Rust allows (`#[repr(align(N))]`, N at most 2**29).
MAX_ALIGN = 1 << 29


# --------------------------------------------------------------------------------------------
# Type references
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Void:
    """``()``: the return type of a function that returns nothing."""

    kind = "void"


@dataclass(frozen=True)
class Primitive:
    """A fixed-width integer, float, ``bool`` or ``char`` (a Unicode scalar value)."""

    name: str
    #: The ``#[repr(transparent)]`` newtype this number is a value of (a ``named`` reference to a
    #: :class:`NewtypeDef` in the JSON), or None: by value a newtype is its number everywhere, so the parser lowers its
    #: references to the number once, and only what a Python user sees (type hints, the class of results) differs.
    newtype: Optional[str] = None

    kind = "primitive"

    @property
    def is_float(self) -> bool:
        return PRIMITIVES[self.name][2]

    @property
    def is_bool(self) -> bool:
        return self.name == "bool"

    @property
    def is_char(self) -> bool:
        return self.name == "char"

    @property
    def is_wide(self) -> bool:
        """``u128`` or ``i128``: passed as two 64-bit halves."""
        return self.name in ("u128", "i128")

    @property
    def signature_only(self) -> bool:
        """Only a function's parameter or result (see :data:`SIGNATURE_ONLY_PRIMITIVES`)."""
        return self.name in SIGNATURE_ONLY_PRIMITIVES

    @property
    def is_integer(self) -> bool:
        return not self.is_float and not self.is_bool and not self.is_char

    @property
    def is_signed(self) -> bool:
        return PRIMITIVES[self.name][1]

    @property
    def bits(self) -> int:
        return PRIMITIVES[self.name][0] * 8

    def integer_range(self) -> Tuple[int, int]:
        """The inclusive range of an integer type (pointer-sized types as 64-bit)."""
        bits = self.bits
        if self.is_signed:
            return -(1 << (bits - 1)), (1 << (bits - 1)) - 1
        return 0, (1 << bits) - 1


@dataclass(frozen=True)
class Named:
    """A reference to a struct, enum (field-less or data-carrying) or opaque type defined in ``Inventory.types``."""

    name: str

    kind = "named"


@dataclass(frozen=True)
class Pointer:
    """``&T``, ``&mut T``, ``Box<T>``, ``*const T`` or ``*mut T`` to a named type."""

    target: Named
    mutable: bool
    nullable: bool
    owned: bool

    kind = "pointer"


@dataclass(frozen=True)
class Str:
    """``&str`` as a parameter: UTF-8 bytes passed as a pointer and a length (two C parameters)."""

    kind = "str"


@dataclass(frozen=True)
class CStr:
    """``&CStr`` as a parameter: a NUL-terminated C string."""

    kind = "cstr"


#: What a slice or an owned vector may hold: a number, ``bool``, a struct or a field-less enum.
Element = Union[Primitive, Named]


@dataclass(frozen=True)
class Slice:
    """``&[T]`` or ``&mut [T]`` as a parameter: a pointer to the first element and the element count."""

    element: Element
    mutable: bool

    kind = "slice"


@dataclass(frozen=True)
class OwnedString:
    """``String`` as a result: a buffer of UTF-8 bytes the library allocated and the caller frees."""

    kind = "string"


@dataclass(frozen=True)
class Vec:
    """``Vec<T>`` as a result: a buffer of elements the library allocated and the caller frees."""

    element: Element

    kind = "vec"


@dataclass(frozen=True)
class Option:
    """``FfiOption<T>``: ``struct { T value; uint8_t is_some; }`` (a primitive, struct or enum value)."""

    inner: Union[Primitive, Named]

    kind = "option"


#: What a fixed-size array in a struct may hold.
ArrayElement = Union[Primitive, Named, Option]


@dataclass(frozen=True)
class Array:
    """``[T; N]``: ``len`` elements in a row, as a struct field, or as a parameter or result (then of numbers, bools
    or field-less enums, passed as ``struct { T items[N]; }``)."""

    element: ArrayElement
    len: int

    kind = "array"


@dataclass(frozen=True)
class WireList:
    """``Vec<T>`` inside an encoded value (or of an item C has no layout for): a count and the items."""

    item: WireValue

    kind = "vec"


@dataclass(frozen=True)
class WireOption:
    """``Option<T>`` inside an encoded value (or of a value C has no layout for): a tag byte and the value."""

    inner: WireValue

    kind = "option"


@dataclass(frozen=True)
class WireMap:
    """``HashMap<K, V>`` or ``BTreeMap<K, V>``: a count and the entries; the key a string or an integer (or, until
    newtypes are lowered to their numbers, a ``named`` integer newtype)."""

    key: Union[Primitive, OwnedString, Named]
    value: WireValue

    kind = "map"


@dataclass(frozen=True)
class Record:
    """A record (an ``#[ffi_type]`` struct with owned fields) by value: its fields in order, encoded."""

    name: str

    kind = "record"


#: What an encoded value is made of (a `Named` one is a field-less enum or a struct, sent field by field).
WireValue = Union[Primitive, OwnedString, Named, Record, WireList, WireOption, WireMap]


@dataclass(frozen=True)
class Encoded:
    """An owned value without a C layout (``Vec<String>``, a map, ``Option<String>``, a record) as a parameter or
    result: it crosses in the wire encoding (docs/wire-format.md), a parameter as the caller's bytes and their count
    (a record, or an option of one, as one ``{ptr, len}`` struct), a result as a buffer of bytes the caller frees."""

    value: Union[WireList, WireOption, WireMap, Record]

    @property
    def lent_as_struct(self) -> bool:
        """Whether the parameter is one ``<crate>_bytes`` struct rather than a pointer and a length: a record, or an
        ``Option`` of one (the Rust helper lowers them as it lowers any value spelled as a type name)."""
        value = self.value
        return isinstance(value, Record) or (isinstance(value, WireOption) and isinstance(value.inner, Record))

    @property
    def kind(self) -> str:
        return self.value.kind


def wire_spelling(value: WireValue) -> str:
    """An encoded value's type as Rust spells it (a map as ``HashMap``: the inventory does not tell which map)."""
    if isinstance(value, Primitive):
        return value.newtype or value.name
    if isinstance(value, OwnedString):
        return "String"
    if isinstance(value, (Named, Record)):
        return value.name
    if isinstance(value, WireList):
        return f"Vec<{wire_spelling(value.item)}>"
    if isinstance(value, WireOption):
        return f"Option<{wire_spelling(value.inner)}>"
    return f"HashMap<{wire_spelling(value.key)}, {wire_spelling(value.value)}>"


TypeRef = Union[Void, Primitive, Named, Pointer, Str, CStr, Slice, OwnedString, Vec, Option, Array, Encoded]


def encoded_callback_result(returns: TypeRef) -> Optional[WireValue]:
    """The encoded value a callback's result crosses as (a ``Vec``, a map or an ``Option`` of one, set into the slot
    the library passes last), or None for a result that crosses otherwise."""
    if isinstance(returns, Vec) and isinstance(returns.element, (Primitive, Named)):
        return WireList(returns.element)
    if isinstance(returns, Encoded):
        value = returns.value
        inner = value.inner if isinstance(value, WireOption) else value
        if isinstance(inner, (WireList, WireMap)):
            return value
    return None


_T = TypeVar("_T", bound=Union[Primitive, Named, Option, Vec, Array, Slice, OwnedString])


def plain(ty: _T) -> _T:
    """`ty` with its newtypes replaced by their numbers: what C lays out and passes, so that ``FfiOption<UserId>`` and
    ``FfiOption<u64>`` (or two ``Vec`` results of them) share one C declaration."""
    if isinstance(ty, Primitive):
        return cast(_T, Primitive(ty.name)) if ty.newtype else ty
    if isinstance(ty, Option):
        return cast(_T, Option(plain(ty.inner)))
    if isinstance(ty, Vec):
        return cast(_T, Vec(plain(ty.element)))
    if isinstance(ty, Slice):
        return cast(_T, Slice(plain(ty.element), ty.mutable))
    if isinstance(ty, Array):
        return cast(_T, Array(plain(ty.element), ty.len))
    return ty


#: The kinds that only a parameter may have, and those only a result may have.
PARAM_ONLY = (Str, CStr, Slice)
RETURN_ONLY = (OwnedString, Vec)


# --------------------------------------------------------------------------------------------
# Definitions
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    name: str
    doc: str
    type: TypeRef
    offset: int


@dataclass(frozen=True)
class StructDef:
    """A ``#[repr(C)]`` struct, passed by value or behind a pointer."""

    name: str
    doc: str
    size: int
    align: int
    fields: Tuple[Field, ...]
    #: A tuple struct (``struct Meters(f64)``): its fields are ``_0``, ``_1``, ..., and bindings construct it
    #: positionally.
    tuple: bool = False

    kind = "struct"


@dataclass(frozen=True)
class RecordField:
    name: str
    doc: str
    type: WireValue


@dataclass(frozen=True)
class RecordDef:
    """A struct with owned fields (``String``, ``Vec<T>``, ``Option<T>``, maps, other records): no C layout; it is
    copied across the boundary in the wire encoding, its fields in order."""

    name: str
    doc: str
    fields: Tuple[RecordField, ...]
    #: A tuple struct: its fields are ``_0``, ``_1``, ..., and bindings construct it positionally.
    tuple: bool = False

    kind = "record"


@dataclass(frozen=True)
class RecordVariant:
    name: str
    doc: str
    fields: Tuple[RecordField, ...]
    #: A tuple variant (``Pair(i32, i32)``): its fields are ``_0``, ``_1``, ...
    tuple: bool = False


@dataclass(frozen=True)
class RecordEnumDef:
    """An enum whose variants carry owned values: no C layout; copied in the wire encoding, as the variant's index (a
    ``u32``, in declaration order) and then its fields in order."""

    name: str
    doc: str
    variants: Tuple[RecordVariant, ...]

    kind = "record_enum"


@dataclass(frozen=True)
class Variant:
    name: str
    doc: str
    value: int


@dataclass(frozen=True)
class EnumDef:
    """A field-less enum with an integer representation."""

    name: str
    doc: str
    repr: Primitive
    size: int
    align: int
    variants: Tuple[Variant, ...]

    kind = "enum"


@dataclass(frozen=True)
class OpaqueDef:
    """A Rust type only ever handled through pointers."""

    name: str
    doc: str
    #: The symbol that drops an owned object of the type (``void <drop>(T *object)``): the bindings' finaliser
    #: of an object a function returned as ``Box<T>`` and no function consumed. None in inventories from before
    #: the Rust helper exported it: such objects are then never released by the bindings.
    drop: Optional[str] = None
    #: Whether dropping a value only frees memory (the type implements no ``Drop`` and holds only numbers, strings and
    #: the standard library's containers of them): its drop function (and a service's release) then never waits and
    #: never calls back, so bindings may hold the GIL for it. False in inventories from before the Rust helper said.
    drop_frees_only: bool = False
    #: ``#[ffi_type(opaque, drop_gil = "hold")]`` (the inventory's ``drop_gil``): the crate says that dropping a value
    #: is short and never waits for a thread that calls into Python, whatever its ``Drop`` does, so bindings may hold
    #: the GIL for its drop function (and a service's release) as for a ``gil = "hold"`` function.
    drop_holds_gil: bool = False

    kind = "opaque"


@dataclass(frozen=True)
class TaggedVariant:
    name: str
    doc: str
    value: int
    #: The variant's fields, their offsets from the start of the enum (not of the payload).
    fields: Tuple[Field, ...]
    #: A tuple variant (``Pair(i32, i32)``): its fields are ``_0``, ``_1``, ... and bindings construct it
    #: positionally.
    tuple: bool = False


@dataclass(frozen=True)
class TaggedDef:
    """A data-carrying ``#[repr(C, int)]`` enum, laid out as RFC 2195 says: a struct of the tag (``repr``)
    and, at ``payload_offset``, a union of one struct per variant."""

    name: str
    doc: str
    repr: Primitive
    size: int
    align: int
    payload_offset: int
    variants: Tuple[TaggedVariant, ...]

    kind = "tagged"


ConstValue = Union[bool, int, float]


@dataclass(frozen=True)
class Constant:
    name: str
    doc: str
    type: Primitive
    value: ConstValue


@dataclass(frozen=True)
class Param:
    name: str
    type: TypeRef
    #: What the foreign side passes when the caller leaves the argument out (see :class:`Default`), or None.
    default: Optional[Default] = None


@dataclass(frozen=True)
class Default:
    """A parameter's default value: a number, a bool, a string, or None (for an option or a nullable pointer)."""

    value: Union[int, float, bool, str, None]


@dataclass(frozen=True)
class CallbackDef:
    """A function the caller implements and Rust calls: ``struct { call, context, release }`` in C.

    ``call(context, params...)`` runs it; ``release(context)``, when not NULL, tells the caller that
    Rust dropped it. A function taking it by value keeps it; one taking a pointer uses it during the call.
    """

    name: str
    doc: str
    params: Tuple[Param, ...]
    returns: TypeRef
    #: The error enum of a callback returning ``Result<T, E>`` (``returns`` is then ``T``), else None (also for
    #: documents written before callbacks could return one).
    error: Optional[Named] = None

    kind = "callback"


@dataclass(frozen=True)
class TraitMethod:
    """A method of a trait: its name, and the callback it is called through (its parameters, result and doc)."""

    name: str
    callback: Named


@dataclass(frozen=True)
class TraitDef:
    """An ``#[ffi_trait]``: an object the caller implements and Rust calls methods of. C sees a struct of one
    callback structure per method (``struct { Progress_on_progress on_progress; ... }``), each called and released as
    a callback of the method's signature is. A function takes it by value (Rust keeps it: ``Box<dyn T>``,
    ``Arc<dyn T>``) or behind ``&`` (for the call)."""

    name: str
    doc: str
    methods: Tuple[TraitMethod, ...]

    kind = "trait"


@dataclass(frozen=True)
class NewtypeDef:
    """A ``#[repr(transparent)]`` struct of one number (``struct UserId(u64)``): by value it is that number, so C sees
    ``typedef uint64_t UserId;`` and Python a subclass of ``int`` (``float`` for ``f32``/``f64``). References to it are
    :class:`Primitive` values of ``inner`` with ``newtype`` set."""

    name: str
    doc: str
    inner: Primitive

    kind = "newtype"


TypeDef = Union[StructDef, RecordDef, RecordEnumDef, EnumDef, OpaqueDef, CallbackDef, TraitDef, TaggedDef, NewtypeDef]


@dataclass(frozen=True)
class Function:
    name: str
    symbol: str
    doc: str
    params: Tuple[Param, ...]
    returns: TypeRef
    #: The error enum of a function returning ``Result<T, E>`` (``returns`` is then ``T``), else None.
    error: Optional[Named] = None
    #: An ``async fn``: the C function takes a completion after its parameters and returns nothing.
    asynchronous: bool = False
    #: ``gil = "hold"``: bindings that can keep the GIL during the call do (a short call saves releasing
    #: and retaking it); by default they release it, so that other Python threads run meanwhile.
    hold_gil: bool = False


@dataclass(frozen=True)
class Method(Function):
    """A service's method: its first C parameter, not listed in ``params``, is the object's handle."""

    #: ``"shared"`` (``&self``: such calls may overlap) or ``"exclusive"`` (``&mut self``).
    receiver: str = "shared"


RECEIVERS = ("shared", "exclusive")
GIL_POLICIES = ("hold", "release")
GIL_AND_ASYNC = ("async", "gil")


@dataclass(frozen=True)
class Service:
    """An ``#[ffi_service]``: an opaque type with constructors, methods and static functions.

    Its objects cross the C ABI as handles the constructors return (typed as owned pointers to the
    type) and the methods take first. ``destructor(handle)`` drops the object (it fails while a method
    runs, and does nothing the second time; later calls on the handle fail); ``release(handle)`` gives
    up the handle, once, dropping the object if it was not destroyed.
    """

    name: str
    doc: str
    destructor: str
    release: str
    constructors: Tuple[Function, ...]
    methods: Tuple[Method, ...]
    statics: Tuple[Function, ...]

    def members(self) -> Iterator[Function]:
        """Constructors, methods and static functions, in that order."""
        yield from self.constructors
        yield from self.methods
        yield from self.statics


@dataclass(frozen=True)
class Bell:
    """The library's functions of doorbells (see "Doorbells" in the schema): a pending async call's outcome
    delivered on the thread that drains the bell."""

    open: str
    use: str
    drain: str
    close: str


@dataclass(frozen=True)
class Library:
    crate: str
    version: str
    doc: str
    api_guard: str
    #: The support symbols every library exports (see "The C ABI of failures and buffers" in the schema).
    ffi_pending: str
    ffi_take_failure: str
    ffi_free: str
    ffi_callback_failed: str
    ffi_shutdown: str
    api_hash: str
    #: Cancels an async call in flight; None in an inventory written before the crate had it (its async calls
    #: then run to their end when the awaiting task is cancelled).
    ffi_cancel: Optional[str] = None
    #: Whether the library takes a ``str`` length with its top bit set as the caller's promise that the bytes are
    #: UTF-8 (and skips validating them); False in an inventory written before the crate had it.
    vouched_utf8: bool = False
    #: The doorbell functions; None in an inventory written before the crate had them (pending async calls then
    #: complete from the library's threads).
    ffi_bell: Optional[Bell] = None
    #: Frees a ``Vec<String>`` result (see ``abi.CTexts``); None in an inventory written before the crate had it
    #: (such a result is then encoded, as other owned values are).
    ffi_free_texts: Optional[str] = None


@dataclass(frozen=True)
class Generator:
    name: str
    version: str


@dataclass(frozen=True)
class Inventory:
    """Everything a crate exports, validated and cross-checked."""

    generator: Generator
    library: Library
    constants: Tuple[Constant, ...]
    types: Tuple[TypeDef, ...]
    functions: Tuple[Function, ...]
    services: Tuple[Service, ...] = ()

    def type(self, name: str) -> TypeDef:
        """The definition a :class:`Named` reference points at."""
        for definition in self.types:
            if definition.name == name:
                return definition
        raise KeyError(name)

    def structs(self) -> Iterator[StructDef]:
        return (t for t in self.types if isinstance(t, StructDef))

    def enums(self) -> Iterator[EnumDef]:
        return (t for t in self.types if isinstance(t, EnumDef))

    def callbacks(self) -> Iterator[CallbackDef]:
        return (t for t in self.types if isinstance(t, CallbackDef))

    def traits(self) -> Iterator[TraitDef]:
        return (t for t in self.types if isinstance(t, TraitDef))

    def trait_of(self, callback: str) -> Optional[TraitDef]:
        """The trait whose method the callback `callback` is, if it is one."""
        return next((t for t in self.traits() if any(m.callback.name == callback for m in t.methods)), None)

    def opaques(self) -> Iterator[OpaqueDef]:
        return (t for t in self.types if isinstance(t, OpaqueDef))

    def tagged(self) -> Iterator[TaggedDef]:
        return (t for t in self.types if isinstance(t, TaggedDef))

    def records(self) -> Iterator[RecordDef]:
        return (t for t in self.types if isinstance(t, RecordDef))

    def newtypes(self) -> Iterator[NewtypeDef]:
        return (t for t in self.types if isinstance(t, NewtypeDef))

    def service(self, name: str) -> Optional[Service]:
        """The service of the opaque type `name`, if it is one."""
        return next((s for s in self.services if s.name == name), None)

    def all_functions(self) -> Iterator[Function]:
        """Every function the library exports: the free ones, then the services' members."""
        yield from self.functions
        for service in self.services:
            yield from service.members()


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------


class _Reader:
    """Walks untrusted JSON and raises :class:`InventoryError` naming the path of a bad field."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, path: str, message: str) -> InventoryError:
        return InventoryError(f"Invalid inventory from {self.source}: `{path}` {message}")

    def object(self, value: Any, path: str, keys: Sequence[str], optional: Sequence[str] = ()) -> Mapping[str, Any]:
        """The object at `path`, which has every key of `keys`, may have those of `optional`, and nothing else."""
        if not isinstance(value, dict):
            raise self.fail(path, f"must be an object, got {_describe(value)}")
        missing = [k for k in keys if k not in value]
        if missing:
            raise self.fail(path, f"is missing the key(s) {', '.join(repr(k) for k in missing)}")
        unknown = sorted(set(value) - set(keys) - set(optional))
        if unknown:
            message = (
                f"has unknown key(s) {', '.join(repr(k) for k in unknown)} (expected only "
                f"{', '.join(repr(k) for k in keys)}); the crate's hatch-interop Rust helper may be "
                "newer than this hatch-interop: upgrade hatch-interop or pin the Rust crate to a "
                "matching version"
            )
            raise self.fail(path, message)
        return value

    def array(self, value: Any, path: str) -> List[Any]:
        if not isinstance(value, list):
            raise self.fail(path, f"must be an array, got {_describe(value)}")
        return value

    def string(self, value: Any, path: str) -> str:
        if not isinstance(value, str):
            raise self.fail(path, f"must be a string, got {_describe(value)}")
        return value

    def boolean(self, value: Any, path: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(path, f"must be true or false, got {_describe(value)}")
        return value

    def integer(self, value: Any, path: str, minimum: Optional[int] = None, maximum: Optional[int] = None) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(path, f"must be an integer, got {_describe(value)}")
        if minimum is not None and value < minimum:
            raise self.fail(path, f"must be at least {minimum}, got {_number(value)}")
        if maximum is not None and value > maximum:
            raise self.fail(path, f"must be at most {maximum}, got {_number(value)}")
        return value

    def size(self, value: Any, path: str, minimum: int = 0) -> int:
        """A size, offset or length: no object in Rust is larger than `isize::MAX` bytes."""
        return self.integer(value, path, minimum=minimum, maximum=MAX_SIZE)

    def alignment(self, value: Any, path: str) -> int:
        """An alignment: a power of two, at most Rust's largest (`#[repr(align(536870912))]`)."""
        align = self.integer(value, path, minimum=1, maximum=MAX_ALIGN)
        if align & (align - 1):
            raise self.fail(path, f"must be a power of two, got {align}")
        return align

    def identifier(self, value: Any, path: str) -> str:
        name = self.string(value, path)
        if not _IDENTIFIER.match(name):
            raise self.fail(path, f"must be an ASCII identifier ([A-Za-z_][A-Za-z0-9_]*), got {name!r}")
        if name.startswith(RESERVED_PREFIX):
            raise self.fail(path, f"uses the reserved prefix {RESERVED_PREFIX!r}: {name!r}")
        return name


def _number(value: int) -> str:
    """An integer for a message, bounded: Python refuses to format one of more than 4300 digits."""
    return str(value) if value.bit_length() <= 128 else f"an integer of {value.bit_length()} bits"


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return f"the number {_number(value)}"
    if isinstance(value, float):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the string {value[:60]!r}"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__  # pragma: no cover - json.loads produces nothing else


def _type_ref(r: _Reader, value: Any, path: str) -> TypeRef:
    if not isinstance(value, dict):
        raise r.fail(path, f"must be a type object, got {_describe(value)}")
    kind = value.get("kind")
    if not isinstance(kind, str):
        raise r.fail(f"{path}.kind", f"must be a string naming the kind of type, got {_describe(kind)}")
    if kind == "void":
        r.object(value, path, ["kind"])
        return Void()
    if kind == "primitive":
        obj = r.object(value, path, ["kind", "name"])
        name = r.string(obj["name"], f"{path}.name")
        if name not in PRIMITIVES:
            raise r.fail(f"{path}.name", f"must be one of {', '.join(PRIMITIVES)}, got {name!r}")
        return Primitive(name)
    if kind == "named":
        obj = r.object(value, path, ["kind", "name"])
        return Named(r.identifier(obj["name"], f"{path}.name"))
    if kind == "pointer":
        obj = r.object(value, path, ["kind", "target", "mutable", "nullable", "owned"])
        target = _type_ref(r, obj["target"], f"{path}.target")
        if not isinstance(target, Named):
            raise r.fail(f"{path}.target", "must be a `named` type (pointers to primitives are not supported)")
        return Pointer(
            target=target,
            mutable=r.boolean(obj["mutable"], f"{path}.mutable"),
            nullable=r.boolean(obj["nullable"], f"{path}.nullable"),
            owned=r.boolean(obj["owned"], f"{path}.owned"),
        )
    if kind in _BARE_KINDS:
        r.object(value, path, ["kind"])
        return _BARE_KINDS[kind]
    if kind == "slice":
        obj = r.object(value, path, ["kind", "element", "mutable"])
        return Slice(_element(r, obj["element"], f"{path}.element"), r.boolean(obj["mutable"], f"{path}.mutable"))
    if kind == "vec":
        obj = r.object(value, path, ["kind", "element"])
        if _encoded(obj["element"]):
            return Encoded(WireList(_wire_value(r, obj["element"], f"{path}.element")))
        return Vec(_element(r, obj["element"], f"{path}.element"))
    if kind == "option":
        obj = r.object(value, path, ["kind", "inner"])
        if _encoded(obj["inner"]):
            return Encoded(WireOption(_wire_value(r, obj["inner"], f"{path}.inner")))
        inner = _type_ref(r, obj["inner"], f"{path}.inner")
        if not isinstance(inner, (Primitive, Named)):
            raise r.fail(f"{path}.inner", "must be a `primitive` or a `named` struct or enum")
        _refuse_signature_only(r, inner, f"{path}.inner", "an option's value")
        return Option(inner)
    if kind == "map":
        wire = _wire_value(r, value, path)
        assert isinstance(wire, WireMap)
        return Encoded(wire)
    if kind == "record":
        obj = r.object(value, path, ["kind", "name"])
        return Encoded(Record(r.identifier(obj["name"], f"{path}.name")))
    if kind == "array":
        obj = r.object(value, path, ["kind", "element", "len"])
        element = _type_ref(r, obj["element"], f"{path}.element")
        if not isinstance(element, (Primitive, Named, Option)):
            raise r.fail(f"{path}.element", "must be a `primitive`, a `named` struct or enum, or an `option`")
        _refuse_signature_only(r, element, f"{path}.element", "an array element")
        length = obj["len"]
        if isinstance(length, bool) or not isinstance(length, int) or length < 1:
            raise r.fail(f"{path}.len", f"must be a positive integer, got {_describe(length)}")
        return Array(element, r.size(length, f"{path}.len"))
    kinds = ", ".join(repr(k) for k in _TYPE_KINDS)
    raise r.fail(f"{path}.kind", f"must be one of {kinds}, got {kind!r}")


_TYPE_KINDS = (
    "void",
    "primitive",
    "named",
    "pointer",
    "str",
    "cstr",
    "slice",
    "string",
    "vec",
    "option",
    "map",
    "array",
    "record",
)
#: The kinds of a `vec`'s element or an `option`'s value that make it an encoded value (C has no layout for it).
_ENCODED_KINDS = ("string", "vec", "option", "map", "record")


def _encoded(value: Any) -> bool:
    """Whether a `vec` of `value` or an `option` of it is an encoded value: of a string, vec, option or map, or of a
    `char`, `u128` or `i128` (which have no C form there)."""
    if not isinstance(value, dict):
        return False
    kind = value.get("kind")
    return kind in _ENCODED_KINDS or (kind == "primitive" and value.get("name") in SIGNATURE_ONLY_PRIMITIVES)


def _wire_value(r: _Reader, value: Any, path: str) -> WireValue:
    """A value inside an encoded one: a number or bool, a string, or a vec, option or map of those."""
    if not isinstance(value, dict):
        raise r.fail(path, f"must be a type object, got {_describe(value)}")
    kind = value.get("kind")
    if kind == "string":
        r.object(value, path, ["kind"])
        return OwnedString()
    if kind == "named":
        # Checked to be a field-less enum or a struct with the other references.
        obj = r.object(value, path, ["kind", "name"])
        return Named(r.identifier(obj["name"], f"{path}.name"))
    if kind == "record":
        obj = r.object(value, path, ["kind", "name"])
        return Record(r.identifier(obj["name"], f"{path}.name"))
    if kind == "primitive":
        primitive = _type_ref(r, value, path)
        assert isinstance(primitive, Primitive)
        return primitive
    if kind == "vec":
        obj = r.object(value, path, ["kind", "element"])
        return WireList(_wire_value(r, obj["element"], f"{path}.element"))
    if kind == "option":
        obj = r.object(value, path, ["kind", "inner"])
        return WireOption(_wire_value(r, obj["inner"], f"{path}.inner"))
    if kind == "map":
        obj = r.object(value, path, ["kind", "key", "value"])
        key = _wire_value(r, obj["key"], f"{path}.key")
        # (A `named` key may be an integer newtype: checked once references are resolved.)
        if not (isinstance(key, (OwnedString, Named)) or (isinstance(key, Primitive) and key.is_integer)):
            # (`is_integer` is true of `u128`/`i128`, false of `char`, `bool` and floats.)
            raise r.fail(f"{path}.key", f"is a `{key.kind}`: map keys are strings or integers")
        return WireMap(key, _wire_value(r, obj["value"], f"{path}.value"))
    message = (
        f"is of kind {kind!r}: an encoded value (a `record`, a `vec` of strings, vecs, options, maps or records, an "
        "`option` of those, a `map`) holds numbers, bools, strings, structs, field-less enums, records, and vecs, "
        "options and maps of those"
    )
    raise r.fail(path, message)


#: The kinds without fields besides `kind`, as the (immutable) references they read as.
_BARE_KINDS: Dict[str, TypeRef] = {"str": Str(), "cstr": CStr(), "string": OwnedString()}


def _element(r: _Reader, value: Any, path: str) -> Element:
    """The element type of a slice or vector: a number or ``bool``, or a named type (checked to be a struct or a
    field-less enum later)."""
    element = _type_ref(r, value, path)
    _refuse_signature_only(r, element, path, "a slice or vector element")
    if isinstance(element, (Primitive, Named)):
        return element
    raise r.fail(path, "must be a `primitive` or a `named` struct or field-less enum")


def _refuse_signature_only(r: _Reader, ty: TypeRef, path: str, where: str) -> None:
    """Refuse ``char``, ``u128`` and ``i128`` where they are not a function's parameter or result."""
    if isinstance(ty, Primitive) and ty.signature_only:
        message = (
            f"is `{ty.name}`, which can only be a function's parameter or result, not {where} "
            "(its C form is not the Rust value's)"
        )
        raise r.fail(path, message)


def _place(r: _Reader, ty: TypeRef, path: str, where: str) -> TypeRef:
    """Refuse a kind of type in a place the ABI has no room for it (a `str` field, a `vec` parameter)."""
    allowed = {
        "parameter": PARAM_ONLY,
        "result": RETURN_ONLY,
    }.get(where, ())
    if isinstance(ty, PARAM_ONLY + RETURN_ONLY) and not isinstance(ty, allowed):
        only = "a parameter" if isinstance(ty, PARAM_ONLY) else "a function's result"
        raise r.fail(path, f"is a `{ty.kind}`, which can only be {only}, not a {where}")
    if where == "field":
        _refuse_signature_only(r, ty, path, "a struct field")
    if isinstance(ty, Encoded) and where not in ("parameter", "result"):
        message = (
            f"is an encoded `{ty.kind}` (of strings, chars, 128-bit integers, vecs, options or maps), which can "
            f"only be a function's parameter or result, not a {where}"
        )
        raise r.fail(path, message)
    if isinstance(ty, Array) and where not in ("field", "parameter", "result"):
        raise r.fail(path, f"is an `array`, which can only be a struct field, a parameter or a result, not a {where}")
    return ty


def _unique(r: _Reader, names: Sequence[Tuple[str, str]], what: str) -> None:
    seen: Dict[str, str] = {}
    for path, name in names:
        if name in seen:
            raise r.fail(path, f"repeats the {what} {name!r} (first at `{seen[name]}`)")
        seen[name] = path


def _bell(r: _Reader, value: Any) -> Bell:
    path = "library.ffi_bell"
    symbols = r.object(value, path, ["open", "use", "drain", "close"])
    return Bell(**{key: r.identifier(symbols[key], f"{path}.{key}") for key in ("open", "use", "drain", "close")})


def _constant(r: _Reader, value: Any, path: str) -> Constant:
    obj = r.object(value, path, ["name", "doc", "type", "value"])
    ty = _type_ref(r, obj["type"], f"{path}.type")
    if not isinstance(ty, Primitive):
        raise r.fail(f"{path}.type", "must be a primitive type")
    _refuse_signature_only(r, ty, f"{path}.type", "a constant")
    raw = obj["value"]
    vpath = f"{path}.value"
    parsed: ConstValue
    if ty.is_bool:
        parsed = r.boolean(raw, vpath)
    elif ty.is_float:
        special = isinstance(raw, str) and raw in ("inf", "-inf", "nan")
        finite = isinstance(raw, (int, float)) and not isinstance(raw, bool) and math.isfinite(raw)
        if special or finite:
            parsed = float(raw)
        else:
            raise r.fail(vpath, f"must be a finite number or 'inf', '-inf', 'nan', got {_describe(raw)}")
    else:
        parsed = r.integer(raw, vpath)
        low, high = ty.integer_range()
        if not low <= parsed <= high:
            raise r.fail(vpath, f"{_number(parsed)} is out of range for {ty.name} ({low}..={high})")
    return Constant(
        name=r.identifier(obj["name"], f"{path}.name"),
        doc=r.string(obj["doc"], f"{path}.doc"),
        type=ty,
        value=parsed,
    )


def _typedef(r: _Reader, value: Any, path: str) -> TypeDef:
    kind = value.get("kind") if isinstance(value, dict) else None
    if kind == "struct":
        obj = r.object(value, path, ["kind", "name", "doc", "size", "align", "fields"], optional=["tuple"])
        fields = _fields(r, obj["fields"], f"{path}.fields")
        if not fields:
            raise r.fail(f"{path}.fields", "must not be empty (a C struct needs at least one field)")
        # `tuple` is written only when true, so that older documents stay as they were.
        tuple_struct = r.boolean(obj.get("tuple", False), f"{path}.tuple")
        if tuple_struct:
            for i, f in enumerate(fields):
                if f.name != f"_{i}":
                    raise r.fail(f"{path}.fields[{i}].name", f"must be `_{i}` in a tuple struct, got {f.name!r}")
        return StructDef(
            name=r.identifier(obj["name"], f"{path}.name"),
            doc=r.string(obj["doc"], f"{path}.doc"),
            size=r.size(obj["size"], f"{path}.size", minimum=1),
            align=r.alignment(obj["align"], f"{path}.align"),
            fields=tuple(fields),
            tuple=tuple_struct,
        )
    if kind == "enum":
        obj = r.object(value, path, ["kind", "name", "doc", "repr", "size", "align", "variants"])
        repr_name = r.string(obj["repr"], f"{path}.repr")
        if repr_name not in INTEGER_PRIMITIVES:
            raise r.fail(f"{path}.repr", f"must be one of {', '.join(INTEGER_PRIMITIVES)}, got {repr_name!r}")
        repr_type = Primitive(repr_name)
        low, high = repr_type.integer_range()
        variants = []
        for i, raw in enumerate(r.array(obj["variants"], f"{path}.variants")):
            vpath = f"{path}.variants[{i}]"
            v = r.object(raw, vpath, ["name", "doc", "value"])
            number = r.integer(v["value"], f"{vpath}.value")
            if not low <= number <= high:
                raise r.fail(f"{vpath}.value", f"{_number(number)} is out of range for the enum's repr {repr_name}")
            variants.append(
                Variant(
                    name=r.identifier(v["name"], f"{vpath}.name"),
                    doc=r.string(v["doc"], f"{vpath}.doc"),
                    value=number,
                )
            )
        if not variants:
            raise r.fail(f"{path}.variants", "must not be empty")
        _unique(r, [(f"{path}.variants[{i}].name", v.name) for i, v in enumerate(variants)], "variant name")
        _unique(r, [(f"{path}.variants[{i}].value", str(v.value)) for i, v in enumerate(variants)], "variant value")
        return EnumDef(
            name=r.identifier(obj["name"], f"{path}.name"),
            doc=r.string(obj["doc"], f"{path}.doc"),
            repr=repr_type,
            size=r.size(obj["size"], f"{path}.size", minimum=1),
            align=r.alignment(obj["align"], f"{path}.align"),
            variants=tuple(variants),
        )
    if kind == "record":
        obj = r.object(value, path, ["kind", "name", "doc", "fields"], optional=["tuple"])
        record_fields, tuple_record = _record_fields(r, obj, path)
        if not record_fields:
            raise r.fail(f"{path}.fields", "must not be empty")
        return RecordDef(
            name=r.identifier(obj["name"], f"{path}.name"),
            doc=r.string(obj["doc"], f"{path}.doc"),
            fields=record_fields,
            tuple=tuple_record,
        )
    if kind == "record_enum":
        obj = r.object(value, path, ["kind", "name", "doc", "variants"])
        record_variants = []
        for i, raw in enumerate(r.array(obj["variants"], f"{path}.variants")):
            vpath = f"{path}.variants[{i}]"
            raw_variant = r.object(raw, vpath, ["name", "doc", "fields"], optional=["tuple"])
            variant_fields, tuple_variant = _record_fields(r, raw_variant, vpath)
            record_variants.append(
                RecordVariant(
                    name=r.identifier(raw_variant["name"], f"{vpath}.name"),
                    doc=r.string(raw_variant["doc"], f"{vpath}.doc"),
                    fields=variant_fields,
                    tuple=tuple_variant,
                )
            )
        if not record_variants:
            raise r.fail(f"{path}.variants", "must not be empty")
        _unique(r, [(f"{path}.variants[{i}].name", v.name) for i, v in enumerate(record_variants)], "variant name")
        return RecordEnumDef(
            name=r.identifier(obj["name"], f"{path}.name"),
            doc=r.string(obj["doc"], f"{path}.doc"),
            variants=tuple(record_variants),
        )
    if kind == "tagged":
        return _tagged(r, value, path)
    if kind == "opaque":
        obj = r.object(value, path, ["kind", "name", "doc"], optional=["drop", "drop_frees_only", "drop_gil"])
        drop_gil = r.string(obj.get("drop_gil", "release"), f"{path}.drop_gil")
        if drop_gil not in GIL_POLICIES:
            raise r.fail(f"{path}.drop_gil", f"must be 'hold' or 'release', got {drop_gil!r}")
        return OpaqueDef(
            name=r.identifier(obj["name"], f"{path}.name"),
            doc=r.string(obj["doc"], f"{path}.doc"),
            drop=r.identifier(obj["drop"], f"{path}.drop") if "drop" in obj else None,
            drop_frees_only=(
                r.boolean(obj["drop_frees_only"], f"{path}.drop_frees_only") if "drop_frees_only" in obj else False
            ),
            drop_holds_gil=drop_gil == "hold",
        )
    if kind == "callback":
        obj = r.object(value, path, ["kind", "name", "doc", "params", "returns"], optional=["error"])
        return CallbackDef(
            name=r.identifier(obj["name"], f"{path}.name"),
            doc=r.string(obj["doc"], f"{path}.doc"),
            params=_params(r, obj["params"], f"{path}.params", defaults=False),
            returns=_type_ref(r, obj["returns"], f"{path}.returns"),
            error=_error(r, obj.get("error"), f"{path}.error"),
        )
    if kind == "trait":
        obj = r.object(value, path, ["kind", "name", "doc", "methods"])
        methods = []
        for i, raw in enumerate(r.array(obj["methods"], f"{path}.methods")):
            mpath = f"{path}.methods[{i}]"
            m = r.object(raw, mpath, ["name", "callback"])
            callback = _type_ref(r, m["callback"], f"{mpath}.callback")
            if not isinstance(callback, Named):
                raise r.fail(f"{mpath}.callback", f"must be a `named` callback, got a {callback.kind!r}")
            methods.append(TraitMethod(name=r.identifier(m["name"], f"{mpath}.name"), callback=callback))
        if not methods:
            raise r.fail(f"{path}.methods", "must not be empty (a trait has at least one method)")
        _unique(r, [(f"{path}.methods[{i}].name", m.name) for i, m in enumerate(methods)], "method name")
        return TraitDef(
            name=r.identifier(obj["name"], f"{path}.name"),
            doc=r.string(obj["doc"], f"{path}.doc"),
            methods=tuple(methods),
        )
    if kind == "newtype":
        obj = r.object(value, path, ["kind", "name", "doc", "inner"])
        inner = _type_ref(r, obj["inner"], f"{path}.inner")
        if not isinstance(inner, Primitive) or inner.is_bool or inner.signature_only:
            message = "must be a `primitive` number: an integer up to 64 bits, `f32` or `f64`"
            raise r.fail(f"{path}.inner", message)
        return NewtypeDef(
            name=r.identifier(obj["name"], f"{path}.name"),
            doc=r.string(obj["doc"], f"{path}.doc"),
            inner=inner,
        )
    if not isinstance(value, dict):
        raise r.fail(path, f"must be an object, got {_describe(value)}")
    kinds = "'struct', 'record', 'record_enum', 'enum', 'opaque', 'callback', 'trait', 'tagged', 'newtype'"
    raise r.fail(f"{path}.kind", f"must be one of {kinds}, got {kind!r}")


def _fields(r: _Reader, value: Any, path: str) -> Tuple[Field, ...]:
    """The fields of a struct or of a variant of a data-carrying enum, with unique names."""
    fields = []
    for i, raw in enumerate(r.array(value, path)):
        fpath = f"{path}[{i}]"
        f = r.object(raw, fpath, ["name", "doc", "type", "offset"])
        fty = _place(r, _type_ref(r, f["type"], f"{fpath}.type"), f"{fpath}.type", "field")
        if isinstance(fty, Void):
            raise r.fail(f"{fpath}.type", "cannot be void")
        fields.append(
            Field(
                name=r.identifier(f["name"], f"{fpath}.name"),
                doc=r.string(f["doc"], f"{fpath}.doc"),
                type=fty,
                offset=r.size(f["offset"], f"{fpath}.offset"),
            )
        )
    _unique(r, [(f"{path}[{i}].name", f.name) for i, f in enumerate(fields)], "field name")
    return tuple(fields)


def _record_fields(r: _Reader, obj: Mapping[str, Any], path: str) -> Tuple[Tuple[RecordField, ...], bool]:
    """The `fields` of a record or of a record enum's variant (unique names; `_0`, `_1`, ... when `tuple`), and
    whether it is a tuple struct or variant."""
    fields = []
    for i, raw in enumerate(r.array(obj["fields"], f"{path}.fields")):
        fpath = f"{path}.fields[{i}]"
        raw_field = r.object(raw, fpath, ["name", "doc", "type"])
        fields.append(
            RecordField(
                name=r.identifier(raw_field["name"], f"{fpath}.name"),
                doc=r.string(raw_field["doc"], f"{fpath}.doc"),
                type=_wire_value(r, raw_field["type"], f"{fpath}.type"),
            )
        )
    _unique(r, [(f"{path}.fields[{i}].name", f.name) for i, f in enumerate(fields)], "field name")
    # `tuple` is written only when true.
    tuple_fields = r.boolean(obj.get("tuple", False), f"{path}.tuple")
    if tuple_fields:
        for i, f in enumerate(fields):
            if f.name != f"_{i}":
                raise r.fail(f"{path}.fields[{i}].name", f"must be `_{i}` in a tuple struct or variant, got {f.name!r}")
    return tuple(fields), tuple_fields


def _tagged(r: _Reader, value: Any, path: str) -> TaggedDef:
    keys = ["kind", "name", "doc", "repr", "size", "align", "payload_offset", "variants"]
    obj = r.object(value, path, keys)
    repr_name = r.string(obj["repr"], f"{path}.repr")
    if repr_name not in INTEGER_PRIMITIVES:
        raise r.fail(f"{path}.repr", f"must be one of {', '.join(INTEGER_PRIMITIVES)}, got {repr_name!r}")
    repr_type = Primitive(repr_name)
    low, high = repr_type.integer_range()
    size = r.size(obj["size"], f"{path}.size", minimum=1)
    payload_offset = r.size(obj["payload_offset"], f"{path}.payload_offset", minimum=repr_type.bits // 8)
    variants = []
    for i, raw in enumerate(r.array(obj["variants"], f"{path}.variants")):
        vpath = f"{path}.variants[{i}]"
        v = r.object(raw, vpath, ["name", "doc", "value", "fields"], optional=["tuple"])
        number = r.integer(v["value"], f"{vpath}.value")
        if not low <= number <= high:
            raise r.fail(f"{vpath}.value", f"{_number(number)} is out of range for the enum's repr {repr_name}")
        fields = _fields(r, v["fields"], f"{vpath}.fields")
        for j, f in enumerate(fields):
            if not payload_offset <= f.offset < size:
                message = f"{f.offset} is outside the enum's payload (from {payload_offset} to its size {size})"
                raise r.fail(f"{vpath}.fields[{j}].offset", message)
        tuple_variant = r.boolean(v.get("tuple", False), f"{vpath}.tuple")
        if tuple_variant:
            for j, f in enumerate(fields):
                if f.name != f"_{j}":
                    raise r.fail(f"{vpath}.fields[{j}].name", f"must be `_{j}` in a tuple variant, got {f.name!r}")
        variants.append(
            TaggedVariant(
                name=r.identifier(v["name"], f"{vpath}.name"),
                doc=r.string(v["doc"], f"{vpath}.doc"),
                value=number,
                fields=fields,
                tuple=tuple_variant,
            )
        )
    if not variants:
        raise r.fail(f"{path}.variants", "must not be empty")
    if not any(v.fields for v in variants):
        raise r.fail(f"{path}.variants", "must have a variant with fields (else the enum is a field-less `enum`)")
    _unique(r, [(f"{path}.variants[{i}].name", v.name) for i, v in enumerate(variants)], "variant name")
    _unique(r, [(f"{path}.variants[{i}].value", str(v.value)) for i, v in enumerate(variants)], "variant value")
    return TaggedDef(
        name=r.identifier(obj["name"], f"{path}.name"),
        doc=r.string(obj["doc"], f"{path}.doc"),
        repr=repr_type,
        size=size,
        align=r.alignment(obj["align"], f"{path}.align"),
        payload_offset=payload_offset,
        variants=tuple(variants),
    )


def _params(r: _Reader, value: Any, path: str, defaults: bool = True) -> Tuple[Param, ...]:
    """The parameters at `path`; with `defaults`, a trailing parameter may have a ``default``."""
    params: List[Param] = []
    for i, raw in enumerate(r.array(value, path)):
        ppath = f"{path}[{i}]"
        p = r.object(raw, ppath, ["name", "type"], optional=["default"] if defaults else [])
        pty = _place(r, _type_ref(r, p["type"], f"{ppath}.type"), f"{ppath}.type", "parameter")
        if isinstance(pty, Void):
            raise r.fail(f"{ppath}.type", "cannot be void (only a return type may be)")
        default = _default(r, p["default"], pty, f"{ppath}.default") if "default" in p else None
        if default is None and params and params[-1].default is not None:
            message = (
                f"is missing: parameter `{p['name']}` follows `{params[-1].name}`, which has a default, and only "
                "trailing parameters can have defaults"
            )
            raise r.fail(f"{ppath}.default", message)
        params.append(Param(name=r.identifier(p["name"], f"{ppath}.name"), type=pty, default=default))
    _unique(r, [(f"{path}[{i}].name", p.name) for i, p in enumerate(params)], "parameter name")
    return tuple(params)


def _default(r: _Reader, raw: Any, ty: TypeRef, path: str) -> Default:
    """A parameter's default, which must be a value of its type."""
    if isinstance(ty, Primitive) and not ty.signature_only:
        if ty.is_bool:
            return Default(r.boolean(raw, path))
        if ty.is_float:
            if isinstance(raw, (int, float)) and not isinstance(raw, bool) and math.isfinite(raw):
                return Default(float(raw))
            raise r.fail(path, f"must be a finite number for a {ty.name} parameter, got {_describe(raw)}")
        number = r.integer(raw, path)
        low, high = ty.integer_range()
        if not low <= number <= high:
            raise r.fail(path, f"{_number(number)} is out of range for {ty.name} ({low}..={high})")
        return Default(number)
    if isinstance(ty, (Str, CStr)):
        text = r.string(raw, path)
        if isinstance(ty, CStr) and "\0" in text:
            raise r.fail(path, "must not contain NUL for a C string parameter")
        return Default(text)
    if (
        isinstance(ty, Option)
        or (isinstance(ty, Pointer) and ty.nullable)
        or (isinstance(ty, Encoded) and isinstance(ty.value, WireOption))
    ):
        if raw is not None:
            raise r.fail(path, f"must be null (nothing) for an optional parameter, got {_describe(raw)}")
        return Default(None)
    message = "is not allowed here: only numbers up to 64 bits, bools, text and optional parameters can have defaults"
    raise r.fail(path, message)


def _function(r: _Reader, value: Any, path: str) -> Function:
    # `async` and `gil` are written only when not the default, so that older documents stay as they were.
    obj = r.object(value, path, ["name", "symbol", "doc", "params", "returns", "error"], optional=GIL_AND_ASYNC)
    params = _params(r, obj["params"], f"{path}.params")
    asynchronous = r.boolean(obj.get("async", False), f"{path}.async")
    gil = r.string(obj.get("gil", "release"), f"{path}.gil")
    if gil not in GIL_POLICIES:
        raise r.fail(f"{path}.gil", f"must be 'hold' or 'release', got {gil!r}")
    return Function(
        name=r.identifier(obj["name"], f"{path}.name"),
        symbol=r.identifier(obj["symbol"], f"{path}.symbol"),
        doc=r.string(obj["doc"], f"{path}.doc"),
        params=params,
        returns=_place(r, _type_ref(r, obj["returns"], f"{path}.returns"), f"{path}.returns", "result"),
        error=_error(r, obj["error"], f"{path}.error"),
        asynchronous=asynchronous,
        hold_gil=gil == "hold",
    )


def _method(r: _Reader, value: Any, path: str) -> Method:
    keys = ["name", "symbol", "doc", "params", "returns", "error", "receiver"]
    obj = r.object(value, path, keys, optional=GIL_AND_ASYNC)
    function = _function(r, {k: v for k, v in obj.items() if k != "receiver"}, path)
    receiver = r.string(obj["receiver"], f"{path}.receiver")
    if receiver not in RECEIVERS:
        raise r.fail(f"{path}.receiver", f"must be 'shared' or 'exclusive', got {receiver!r}")
    return Method(**{**function.__dict__, "receiver": receiver})


def _service(r: _Reader, value: Any, path: str) -> Service:
    keys = ["name", "doc", "destructor", "release", "constructors", "methods", "statics"]
    obj = r.object(value, path, keys)
    service = Service(
        name=r.identifier(obj["name"], f"{path}.name"),
        doc=r.string(obj["doc"], f"{path}.doc"),
        destructor=r.identifier(obj["destructor"], f"{path}.destructor"),
        release=r.identifier(obj["release"], f"{path}.release"),
        constructors=tuple(
            _function(r, f, f"{path}.constructors[{i}]")
            for i, f in enumerate(r.array(obj["constructors"], f"{path}.constructors"))
        ),
        methods=tuple(
            _method(r, f, f"{path}.methods[{i}]") for i, f in enumerate(r.array(obj["methods"], f"{path}.methods"))
        ),
        statics=tuple(
            _function(r, f, f"{path}.statics[{i}]") for i, f in enumerate(r.array(obj["statics"], f"{path}.statics"))
        ),
    )
    # One Python class (or one C prefix) holds them all.
    _unique(r, [(f"{path}.{member_path}.name", f.name) for member_path, f in _member_paths(service)], "member name")
    return service


def _member_paths(service: Service) -> Iterator[Tuple[str, Function]]:
    """Each member of `service` with its path relative to the service (``methods[1]``)."""
    for kind, members in (
        ("constructors", service.constructors),
        ("methods", service.methods),
        ("statics", service.statics),
    ):
        for i, f in enumerate(members):
            yield f"{kind}[{i}]", f


def _error(r: _Reader, value: Any, path: str) -> Optional[Named]:
    if value is None:
        return None
    error = _type_ref(r, value, path)
    if not isinstance(error, Named):
        raise r.fail(path, "must be null or a `named` reference to an enum")
    return error


def _check_references(r: _Reader, inventory: Inventory) -> None:
    """Every named reference resolves, and each definition only names types defined before it."""
    defined: Dict[str, TypeDef] = {}

    def resolve(named: Named, path: str) -> TypeDef:
        target = defined.get(named.name) or next((t for t in inventory.types if t.name == named.name), None)
        if target is None:
            raise r.fail(path, f"names the type {named.name!r}, which is not defined in `types`")
        return target

    def check_wire(value: WireValue, path: str) -> None:
        """An encoded value's named types are field-less enums and structs of numbers, bools, enums, structs, options
        and arrays of those (sent field by field), and its records are records."""
        if isinstance(value, Named):
            target = resolve(value, path)
            if isinstance(target, StructDef):
                check_encodable_struct(target, path)
            elif not isinstance(target, EnumDef):
                message = (
                    f"names {value.name!r}, which is not a field-less enum or a struct: encoded values hold no other "
                    "named types"
                )
                raise r.fail(path, message)
        elif isinstance(value, Record):
            if not isinstance(resolve(Named(value.name), path), (RecordDef, RecordEnumDef)):
                raise r.fail(path, f"names {value.name!r} as a record, which it is not")
        elif isinstance(value, WireList):
            check_wire(value.item, f"{path}.element")
        elif isinstance(value, WireOption):
            check_wire(value.inner, f"{path}.inner")
        elif isinstance(value, WireMap):
            key = value.key
            if isinstance(key, Named) or (isinstance(key, Primitive) and not key.is_integer):
                # A `named` key not lowered to its number, or lowered to a float: no integer newtype.
                name = key.name if isinstance(key, Named) else key.newtype
                message = f"is {name!r}, which is no integer newtype: map keys are strings or integers"
                raise r.fail(f"{path}.key", message)
            check_wire(value.value, f"{path}.value")

    def check_encodable_struct(struct: StructDef, path: str) -> None:
        """A struct inside an encoded value is sent field by field: its fields hold no pointer."""
        for field in struct.fields:
            held: TypeRef = field.type
            while isinstance(held, (Array, Option)):
                held = held.element if isinstance(held, Array) else held.inner
            if isinstance(held, Pointer):
                message = (
                    f"holds the struct {struct.name!r}, whose field {field.name!r} is a pointer: encoded values hold "
                    "values, not addresses"
                )
                raise r.fail(path, message)
            if isinstance(held, Named):
                target = resolve(held, path)
                if isinstance(target, StructDef):
                    check_encodable_struct(target, path)
                elif not isinstance(target, EnumDef):
                    message = (
                        f"holds the struct {struct.name!r}, whose field {field.name!r} is a {target.kind}: a struct "
                        "inside an encoded value holds numbers, bools, field-less enums, structs, options and arrays"
                    )
                    raise r.fail(path, message)

    def check(ty: TypeRef, path: str) -> None:
        if isinstance(ty, Encoded):
            check_wire(ty.value, path)
            return
        if isinstance(ty, Array):
            check(ty.element, f"{path}.element")
            return
        if isinstance(ty, Option):
            if isinstance(ty.inner, Named) and isinstance(resolve(ty.inner, path), OpaqueDef):
                raise r.fail(f"{path}.inner", f"names the opaque type {ty.inner.name!r}: use a nullable pointer")
            check(ty.inner, f"{path}.inner")
            return
        if isinstance(ty, (Slice, Vec)):
            if isinstance(ty.element, Named) and not isinstance(resolve(ty.element, path), (StructDef, EnumDef)):
                message = f"names {ty.element.name!r}: elements are numbers, bools, structs or field-less enums"
                raise r.fail(f"{path}.element", message)
            return
        named = ty.target if isinstance(ty, Pointer) else ty
        if not isinstance(named, Named):
            return
        target = resolve(named, path)
        if isinstance(target, CallbackDef):
            raise r.fail(path, f"uses the callback {named.name!r}, which can only be a function's parameter")
        if isinstance(target, TraitDef):
            raise r.fail(path, f"uses the trait {named.name!r}, which can only be a function's parameter")
        if isinstance(ty, Pointer) and isinstance(target, EnumDef):
            raise r.fail(path, f"points at the enum {named.name!r}; pointers to enums are not supported")
        if isinstance(ty, Pointer) and isinstance(target, NewtypeDef):
            raise r.fail(path, f"points at the newtype {named.name!r}; pointers to numbers are not supported")
        if not isinstance(ty, Pointer) and isinstance(target, OpaqueDef):
            raise r.fail(path, f"uses the opaque type {named.name!r} by value; opaque types only go behind pointers")

    for i, definition in enumerate(inventory.types):
        if isinstance(definition, RecordDef):
            # Records may hold themselves (in a `Vec` or an `Option`) and each other in any order: they are copied.
            for j, rf in enumerate(definition.fields):
                check_wire(rf.type, f"types[{i}].fields[{j}].type")
            defined[definition.name] = definition
            continue
        if isinstance(definition, RecordEnumDef):
            for k, variant in enumerate(definition.variants):
                for j, rf in enumerate(variant.fields):
                    check_wire(rf.type, f"types[{i}].variants[{k}].fields[{j}].type")
            defined[definition.name] = definition
            continue
        fields: List[Tuple[str, Field]] = []
        if isinstance(definition, StructDef):
            fields = [(f"types[{i}].fields[{j}].type", f) for j, f in enumerate(definition.fields)]
        elif isinstance(definition, TaggedDef):
            fields = [
                (f"types[{i}].variants[{k}].fields[{j}].type", f)
                for k, v in enumerate(definition.variants)
                for j, f in enumerate(v.fields)
            ]
        for fpath, f in fields:
            named = _by_value(f.type)
            if named is not None and named.name not in defined:
                if named.name == definition.name:
                    raise r.fail(fpath, f"makes {definition.name!r} contain itself by value")
                if any(t.name == named.name for t in inventory.types):
                    raise r.fail(fpath, f"names {named.name!r}, which must come earlier in `types`")
            check(f.type, fpath)
        defined[definition.name] = definition

    def check_array(ty: TypeRef, path: str) -> None:
        """An array parameter or result (``struct { T items[N]; }`` in C) holds numbers, bools or field-less enums."""
        if not isinstance(ty, Array):
            return
        element = ty.element
        if isinstance(element, Named) and isinstance(resolve(element, path), EnumDef):
            return
        if not isinstance(element, Primitive):
            message = "must be a `primitive` or a `named` field-less enum in an array parameter or result"
            raise r.fail(f"{path}.element", message)

    def check_param(ty: TypeRef, path: str) -> None:
        """A function's parameter: a callback by value (kept) or behind ``&`` (for the call), or else `check`."""
        check_array(ty, path)
        named = ty.target if isinstance(ty, Pointer) else ty
        if isinstance(named, Named) and isinstance(resolve(named, path), CallbackDef):
            if isinstance(ty, Pointer) and (ty.owned or ty.mutable):
                message = f"is an owned or mutable pointer to the callback {named.name!r}: pass it by value or `&`"
                raise r.fail(path, message)
            return
        if isinstance(named, Named) and isinstance(resolve(named, path), TraitDef):
            if isinstance(ty, Pointer) and (ty.owned or ty.mutable):
                message = (
                    f"is an owned or mutable pointer to the trait {named.name!r}: pass it by value (`Box<dyn T>`, "
                    "`Arc<dyn T>`) or `&`"
                )
                raise r.fail(path, message)
            return
        check(ty, path)

    def check_callback(callback: CallbackDef, path: str) -> None:
        for j, p in enumerate(callback.params):
            ppath = f"{path}.params[{j}].type"
            target = None
            if isinstance(p.type, (Named, Pointer)):
                target = resolve(p.type.target if isinstance(p.type, Pointer) else p.type, ppath)
            fits = (
                # A `char` crosses as its code point (a `u32`), as a function's result does.
                (isinstance(p.type, Primitive) and (p.type.is_char or not p.type.signature_only))
                or isinstance(p.type, Str)
                or (
                    isinstance(p.type, Slice)
                    and not p.type.mutable
                    and isinstance(p.type.element, Primitive)
                    and not (p.type.element.is_bool or p.type.element.signature_only)
                )
                or (isinstance(p.type, Named) and isinstance(target, (EnumDef, StructDef)))
                or (isinstance(p.type, Pointer) and not p.type.owned and isinstance(target, StructDef))
                # A record (or record enum) by value, lent encoded for the call.
                or (isinstance(p.type, Encoded) and isinstance(p.type.value, Record))
            )
            if not fits:
                message = (
                    "must be a `primitive` (not `u128` or `i128`), a `str`, a non-`mutable` `slice` of numbers, a "
                    "`named` enum or struct, a non-owning `pointer` to a struct, or a `record`"
                )
                raise r.fail(ppath, f"{message}: callbacks take nothing else yet")
            if isinstance(p.type, Encoded):
                check_wire(p.type.value, ppath)
        returns = callback.returns
        if not (
            isinstance(returns, Void)
            or (isinstance(returns, Primitive) and not returns.signature_only)
            or (isinstance(returns, Named) and isinstance(resolve(returns, f"{path}.returns"), (EnumDef, StructDef)))
            or isinstance(returns, OwnedString)
            or (
                isinstance(returns, Option)
                and (
                    isinstance(returns.inner, Primitive)
                    or isinstance(resolve(returns.inner, f"{path}.returns.inner"), (EnumDef, StructDef))
                )
            )
            or returns == Encoded(WireOption(OwnedString()))
            or encoded_callback_result(returns) is not None
        ):
            message = (
                "must be `void`, a `primitive`, a `named` enum or struct, a `string`, a `vec` or `map`, or an `option` "
                "of one"
            )
            raise r.fail(f"{path}.returns", message)
        encoded = encoded_callback_result(returns)
        if encoded is not None:
            check_wire(encoded, f"{path}.returns")
        if callback.error is not None:
            _check_error(r, resolve(callback.error, f"{path}.error"), callback.error.name, f"{path}.error")

    for i, definition in enumerate(inventory.types):
        if isinstance(definition, CallbackDef):
            check_callback(definition, f"types[{i}]")
    methods_of: Dict[str, str] = {}
    for i, definition in enumerate(inventory.types):
        if not isinstance(definition, TraitDef):
            continue
        earlier = {t.name for t in inventory.types[:i]}
        for j, method in enumerate(definition.methods):
            mpath = f"types[{i}].methods[{j}].callback"
            if not isinstance(resolve(method.callback, mpath), CallbackDef):
                raise r.fail(mpath, f"names {method.callback.name!r}, which is not a callback")
            if method.callback.name not in earlier:
                raise r.fail(mpath, f"names {method.callback.name!r}, which must come earlier in `types`")
            if method.callback.name in methods_of:
                message = f"names {method.callback.name!r}, the callback of {methods_of[method.callback.name]} already"
                raise r.fail(mpath, message)
            methods_of[method.callback.name] = f"method {method.name!r} of trait {definition.name!r}"

    def check_result(ty: TypeRef, path: str) -> None:
        """A result: `check`, and never a borrowed pointer to an object the bindings own as a cell."""
        check_array(ty, path)
        check(ty, path)
        if isinstance(ty, Pointer) and not ty.owned:
            target = resolve(ty.target, path)
            if isinstance(target, OpaqueDef) and target.drop is not None:
                message = (
                    f"is a borrowed pointer to the opaque type {ty.target.name!r}, whose objects the bindings own "
                    "(it has a `drop` function): a second Python object over it would bypass the borrow checks "
                    "of the first and outlive it. Return an owned pointer (`Box`, `owned: true`)"
                )
                raise r.fail(path, message)

    for i, function in enumerate(inventory.functions):
        for j, p in enumerate(function.params):
            check_param(p.type, f"functions[{i}].params[{j}].type")
        check_result(function.returns, f"functions[{i}].returns")
        if function.error is not None:
            epath = f"functions[{i}].error"
            _check_error(r, resolve(function.error, epath), function.error.name, epath)
    _check_services(r, inventory, check_param, check_result)


def _check_error(r: _Reader, error: Optional[TypeDef], name: str, path: str) -> None:
    """A function's error type is a field-less enum or an enum whose variants carry owned values (its fields cross
    in the failure's payload); a C-layout data-carrying enum has no encoding to send them in."""
    if isinstance(error, TaggedDef):
        message = (
            f"names the C-layout data-carrying enum {name!r}: error types are field-less enums or enums whose "
            "variants carry owned values (`#[ffi_type(record)]`)"
        )
        raise r.fail(path, message)
    if not isinstance(error, (EnumDef, RecordEnumDef)):
        raise r.fail(path, f"names {name!r}, which is not an enum: error types are enums")


def _check_services(
    r: _Reader,
    inventory: Inventory,
    check_param: Callable[[TypeRef, str], None],
    check: Callable[[TypeRef, str], None],
) -> None:
    """Each service is an opaque type, its members' signatures are valid, and only its members name it."""
    services = {s.name for s in inventory.services}

    def refuse_service_pointer(ty: TypeRef, path: str, place: str = "field") -> None:
        if not isinstance(ty, Pointer) or ty.target.name not in services:
            return
        if place == "result" and ty.owned and ty.mutable:
            return  # a new object's handle, which the caller owns (`-> Self`, `-> Other`, in an Option)
        if place == "param":
            return  # the object borrowed for the call (`&Store`, `Option<&Store>`) or taken (`Box<Store>`)
        message = (
            f"points to {ty.target.name!r}, which is a service: its objects are handles, which parameters borrow "
            "or take and results make (an owned, mutable `pointer`)"
        )
        raise r.fail(path, message)

    for i, service in enumerate(inventory.services):
        path = f"services[{i}]"
        definition = next((t for t in inventory.types if t.name == service.name), None)
        if not isinstance(definition, OpaqueDef):
            found = "not defined in `types`" if definition is None else f"a {definition.kind}"
            raise r.fail(f"{path}.name", f"must name an opaque type of `types`, but {service.name!r} is {found}")
        for member_path, f in _member_paths(service):
            mpath = f"{path}.{member_path}"
            for j, p in enumerate(f.params):
                refuse_service_pointer(p.type, f"{mpath}.params[{j}].type", "param")
                check_param(p.type, f"{mpath}.params[{j}].type")
            if not member_path.startswith("constructors"):
                refuse_service_pointer(f.returns, f"{mpath}.returns", "result")
            elif f.returns != Pointer(Named(service.name), mutable=True, nullable=False, owned=True):
                message = f"must be an owned, non-nullable, mutable `pointer` to {service.name!r}: the new object"
                raise r.fail(f"{mpath}.returns", message)
            check(f.returns, f"{mpath}.returns")
            if f.error is not None:
                error = next((t for t in inventory.types if t.name == f.error.name), None)
                _check_error(r, error, f.error.name, f"{mpath}.error")
    for i, function in enumerate(inventory.functions):
        for j, p in enumerate(function.params):
            refuse_service_pointer(p.type, f"functions[{i}].params[{j}].type", "param")
        refuse_service_pointer(function.returns, f"functions[{i}].returns", "result")
    for i, definition in enumerate(inventory.types):
        if isinstance(definition, StructDef):
            for j, field in enumerate(definition.fields):
                refuse_service_pointer(field.type, f"types[{i}].fields[{j}].type")


def _by_value(ty: TypeRef) -> Optional[Named]:
    """The type a field holds by value (itself, inside an option or as array elements), if it is named."""
    if isinstance(ty, Array):
        return _by_value(ty.element)
    if isinstance(ty, Option):
        return _by_value(ty.inner)
    return ty if isinstance(ty, Named) else None


def parse_inventory(data: Any, source: str = "the inventory binary") -> Inventory:
    """Validate decoded JSON into an :class:`Inventory`, or raise :class:`InventoryError`."""
    r = _Reader(source)
    if not isinstance(data, dict):
        raise r.fail("$", f"must be a JSON object, got {_describe(data)}")
    if data.get("format") != FORMAT:
        raise r.fail("format", f"must be {FORMAT!r}, got {_describe(data.get('format'))}: this is not an inventory")
    version = data.get("format_version")
    if version != FORMAT_VERSION:
        message = (
            f"is {_describe(version)}, but this hatch-interop reads version {FORMAT_VERSION}: use the "
            "hatch-interop Rust crate and Python package from the same release"
        )
        raise r.fail("format_version", message)
    top = r.object(
        data, "$", ["format", "format_version", "generator", "library", "constants", "types", "functions", "services"]
    )
    gen = r.object(top["generator"], "generator", ["name", "version"])
    lib = r.object(
        top["library"],
        "library",
        [
            "crate",
            "version",
            "doc",
            "api_guard",
            "ffi_pending",
            "ffi_take_failure",
            "ffi_free",
            "ffi_callback_failed",
            "ffi_shutdown",
            "api_hash",
        ],
        optional=["ffi_cancel", "vouched_utf8", "ffi_bell", "ffi_free_texts"],
    )
    api_hash = r.string(lib["api_hash"], "library.api_hash")
    if not re.match(r"\A[0-9a-f]{16}\Z", api_hash):
        raise r.fail("library.api_hash", f"must be 16 lowercase hex digits, got {api_hash!r}")
    library = Library(
        crate=r.identifier(lib["crate"], "library.crate"),
        version=r.string(lib["version"], "library.version"),
        doc=r.string(lib["doc"], "library.doc"),
        api_guard=r.identifier(lib["api_guard"], "library.api_guard"),
        ffi_pending=r.identifier(lib["ffi_pending"], "library.ffi_pending"),
        ffi_take_failure=r.identifier(lib["ffi_take_failure"], "library.ffi_take_failure"),
        ffi_free=r.identifier(lib["ffi_free"], "library.ffi_free"),
        ffi_callback_failed=r.identifier(lib["ffi_callback_failed"], "library.ffi_callback_failed"),
        ffi_shutdown=r.identifier(lib["ffi_shutdown"], "library.ffi_shutdown"),
        api_hash=api_hash,
        ffi_cancel=r.identifier(lib["ffi_cancel"], "library.ffi_cancel") if "ffi_cancel" in lib else None,
        vouched_utf8=r.boolean(lib["vouched_utf8"], "library.vouched_utf8") if "vouched_utf8" in lib else False,
        ffi_bell=_bell(r, lib["ffi_bell"]) if "ffi_bell" in lib else None,
        ffi_free_texts=(
            r.identifier(lib["ffi_free_texts"], "library.ffi_free_texts") if "ffi_free_texts" in lib else None
        ),
    )
    constants = tuple(_constant(r, c, f"constants[{i}]") for i, c in enumerate(r.array(top["constants"], "constants")))
    types = tuple(_typedef(r, t, f"types[{i}]") for i, t in enumerate(r.array(top["types"], "types")))
    functions = tuple(_function(r, f, f"functions[{i}]") for i, f in enumerate(r.array(top["functions"], "functions")))
    services = tuple(_service(r, s, f"services[{i}]") for i, s in enumerate(r.array(top["services"], "services")))
    _unique(r, [(f"constants[{i}].name", c.name) for i, c in enumerate(constants)], "constant name")
    _unique(r, [(f"types[{i}].name", t.name) for i, t in enumerate(types)], "type name")
    _unique(r, [(f"functions[{i}].name", f.name) for i, f in enumerate(functions)], "function name")
    symbols = [(f"functions[{i}].symbol", f.symbol) for i, f in enumerate(functions)]
    symbols += [(f"types[{i}].drop", t.drop) for i, t in enumerate(types) if isinstance(t, OpaqueDef) and t.drop]
    for i, service in enumerate(services):
        symbols += [(f"services[{i}].{m}.symbol", f.symbol) for m, f in _member_paths(service)]
        symbols += [(f"services[{i}].destructor", service.destructor), (f"services[{i}].release", service.release)]
    _unique(r, symbols, "symbol name")
    _unique(r, [(f"services[{i}].name", s.name) for i, s in enumerate(services)], "service name")
    inventory = Inventory(
        generator=Generator(
            name=r.string(gen["name"], "generator.name"), version=r.string(gen["version"], "generator.version")
        ),
        library=library,
        constants=constants,
        types=types,
        functions=functions,
        services=services,
    )
    inventory = _lower_newtypes(inventory)
    _check_references(r, inventory)
    _check_layouts(r, inventory)
    return inventory


def _lower_newtypes(inventory: Inventory) -> Inventory:
    """The inventory with each by-value ``named`` reference to a newtype replaced by its number (a :class:`Primitive`
    with ``newtype`` set): every check and backend then treats it as the number it is. Pointers and error types keep
    their ``named`` target, which the checks refuse for a newtype."""
    numbers = {t.name: Primitive(t.inner.name, newtype=t.name) for t in inventory.newtypes()}
    if not numbers:
        return inventory

    def lower(value: Any) -> Any:
        if isinstance(value, Named):
            return numbers.get(value.name, value)
        if isinstance(value, tuple):
            return tuple(lower(item) for item in value)
        if isinstance(value, (Pointer, Primitive, NewtypeDef)) or not dataclasses.is_dataclass(value):
            return value
        changes = {
            f.name: lower(getattr(value, f.name))
            for f in dataclasses.fields(value)
            # An error type stays named, for the checks to refuse a newtype there.
            if f.name != "error"
        }
        return dataclasses.replace(value, **changes)  # type: ignore[type-var]

    return lower(inventory)  # type: ignore[no-any-return]


def _round_up(value: int, align: int) -> int:
    return -(-value // align) * align


def _check_layouts(r: _Reader, inventory: Inventory) -> None:
    """Each struct, field-less and data-carrying enum has the layout C gives its fields (``repr(C)``, and RFC 2195
    for data-carrying enums): the sizes, alignments and offsets the inventory states. A disagreement would
    only show later, as a C header whose layout assertions fail and bindings that refuse to import."""
    paths = {t.name: f"types[{i}]" for i, t in enumerate(inventory.types)}
    done: Dict[str, Tuple[int, int]] = {}

    def of_type(ty: TypeRef, path: str, within: Tuple[str, ...]) -> Optional[Tuple[int, int]]:
        """The (size, alignment) of a field's type, or None for one the other checks refuse anyway."""
        if isinstance(ty, Primitive):
            size = 8 if ty.name in ("usize", "isize") else 1 if ty.is_bool else ty.bits // 8
            return size, size
        if isinstance(ty, Pointer):
            return 8, 8
        if isinstance(ty, Option):
            inner = of_type(ty.inner, path, within)
            return None if inner is None else (_round_up(inner[0] + 1, inner[1]), inner[1])
        if isinstance(ty, Array):
            element = of_type(ty.element, path, within)
            if element is None:
                return None
            if element[0] * ty.len > MAX_SIZE:
                raise r.fail(path, f"is an array of {ty.len} items, larger than any object can be")
            return element[0] * ty.len, element[1]
        if isinstance(ty, Named):
            definition = inventory.type(ty.name)
            if isinstance(definition, (StructDef, EnumDef, TaggedDef)):
                return of_definition(definition, within)
        return None

    def of_definition(t: Union[StructDef, EnumDef, TaggedDef], within: Tuple[str, ...]) -> Tuple[int, int]:
        path = paths[t.name]
        if t.name in done:
            return done[t.name]
        if t.name in within:
            raise r.fail(path, f"contains itself by value (through {' -> '.join((*within, t.name))})")
        inside = (*within, t.name)
        if isinstance(t, EnumDef):
            size = align = t.repr.bits // 8 if t.repr.name not in ("usize", "isize") else 8
        elif isinstance(t, StructDef):
            size, align = fields_layout(t.fields, 0, f"{path}.fields", inside)
        else:
            tag = t.repr.bits // 8 if t.repr.name not in ("usize", "isize") else 8
            variants = [
                fields_layout(v.fields, None, f"{path}.variants[{i}].fields", inside) for i, v in enumerate(t.variants)
            ]
            payload_align = max(a for _, a in variants)
            payload_offset = _round_up(tag, payload_align)
            if t.payload_offset != payload_offset:
                raise r.fail(
                    f"{path}.payload_offset", f"is {t.payload_offset}, but C puts the payload at {payload_offset}"
                )
            for i, v in enumerate(t.variants):
                fields_layout(v.fields, payload_offset, f"{path}.variants[{i}].fields", inside)
            align = max(tag, payload_align)
            size = _round_up(payload_offset + max(s for s, _ in variants), align)
        if t.align != align:
            raise r.fail(f"{path}.align", f"is {t.align}, but C aligns `{t.name}` to {align}")
        if t.size != size:
            raise r.fail(f"{path}.size", f"is {t.size}, but C lays `{t.name}` out in {size} bytes")
        done[t.name] = (size, align)
        return size, align

    def fields_layout(
        fields: Sequence[Field], start: Optional[int], path: str, within: Tuple[str, ...]
    ) -> Tuple[int, int]:
        """The size and alignment of a C struct of `fields`; with `start`, each field's stated offset is checked
        (from the start of the enclosing type: `start` is where the struct begins in it)."""
        offset, align = 0, 1
        for j, f in enumerate(fields):
            layout = of_type(f.type, f"{path}[{j}].type", within)
            if layout is None:
                continue
            size, field_align = layout
            offset = _round_up(offset, field_align)
            if start is not None and f.offset != start + offset:
                message = f"is {f.offset}, but C puts field `{f.name}` at {start + offset}"
                raise r.fail(f"{path}[{j}].offset", message)
            offset += size
            align = max(align, field_align)
        size = _round_up(offset, align)
        if size > MAX_SIZE:
            raise r.fail(path, "make a type larger than any object can be")
        return size, align

    for t in inventory.types:
        if isinstance(t, (StructDef, EnumDef, TaggedDef)):
            of_definition(t, ())


def load_inventory(text: Union[str, bytes], source: str = "the inventory binary") -> Inventory:
    """Decode and validate an inventory document."""
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError) as e:
        raise InventoryError(f"Invalid inventory from {source}: it is not valid JSON ({e})") from None
    return parse_inventory(data, source)

"""The ``c`` backend: a C header (``<crate>.h``) declaring everything the library exports.

The header is valid C99 and C++11 (``extern "C"``), needs only ``<stdbool.h>``, ``<stddef.h>`` and
``<stdint.h>`` (``<math.h>`` too when a constant is infinite or NaN), and checks each struct's layout
against the sizes, alignments and offsets Rust measured with ``static_assert`` in C11 and C++11.

Each function is declared with the signature of its ``extern "C"`` shim (``fn shim`` in the Rust
helper's macros): a ``&str`` or ``&[T]`` parameter becomes a pointer and a ``size_t`` length, a
``String`` or ``Vec<T>`` result a ``{ptr, len}`` buffer struct the caller frees, and a ``Result<T, E>``
the signature of ``T`` (an error is reported as a failure). The library's support symbols (taking a
failure, freeing a buffer) are declared with them. An ``FfiOption<T>`` is a ``{T value; uint8_t is_some;}``
struct (one typedef per option type the crate uses) and a ``[T; N]`` field a C array ``T name[N]``. A
``#[repr(transparent)]`` newtype is its number, under a typedef (``typedef uint64_t UserId;``) that signatures and
fields spell.

Symbols are never renamed (the linker knows them by name), so a symbol, type or constant whose name
C or C++ reserves is an error: a keyword, a name of the standard headers, a function of the C library
that compilers declare as a built-in (``free``, ``printf``, ``sin``), a predefined macro (``linux``,
``unix``) or a name of the reserved forms ``__x`` and ``_X``. A parameter or field named like a keyword,
a standard header's name, a predefined macro or in a reserved form gets a trailing ``_``.
"""

from __future__ import annotations

import math
import struct
import textwrap
from dataclasses import dataclass
from typing import Callable, ClassVar, Dict, FrozenSet, Iterator, List, Optional, Set, Tuple, Union

from hatch_interop import abi, constructs
from hatch_interop.backend import Backend, GeneratedFile
from hatch_interop.backends.c.reserved import C_LIBRARY_NAMES, C_PREDEFINED_MACROS, is_reserved_form
from hatch_interop.codegen import Namespace, c_comment, normalize_doc, templates_beside
from hatch_interop.errors import BackendError
from hatch_interop.inventory import (
    Array,
    Bell,
    CallbackDef,
    Constant,
    CStr,
    Encoded,
    EnumDef,
    Inventory,
    Named,
    NewtypeDef,
    Option,
    OwnedString,
    Pointer,
    Primitive,
    RecordDef,
    RecordEnumDef,
    Slice,
    Str,
    StructDef,
    TaggedDef,
    TraitDef,
    TypeRef,
    Variant,
    Vec,
    Void,
    plain,
    wire_spelling,
)

BACKEND = "c"

#: Rust primitive -> its C type (public: the cffi backend names buffer element types by it).
C_PRIMITIVES: Dict[str, str] = {
    "u8": "uint8_t",
    "u16": "uint16_t",
    "u32": "uint32_t",
    "u64": "uint64_t",
    "usize": "size_t",
    "i8": "int8_t",
    "i16": "int16_t",
    "i32": "int32_t",
    "i64": "int64_t",
    "isize": "ptrdiff_t",
    "f32": "float",
    "f64": "double",
    "bool": "bool",
}

#: Keywords of C99, C11, C23 and C++20 (the header must compile as C++ too), with GNU's ``asm``.
C_KEYWORDS: FrozenSet[str] = frozenset(
    """
    auto break case char const continue default do double else enum extern float for goto if inline
    int long register restrict return short signed sizeof static struct switch typedef union
    unsigned void volatile while _Bool _Complex _Imaginary _Alignas _Alignof _Atomic _Generic
    _Noreturn _Static_assert _Thread_local _BitInt _Decimal128 _Decimal32 _Decimal64 alignas alignof
    bool constexpr false nullptr static_assert thread_local true typeof typeof_unqual and and_eq asm
    bitand bitor catch char8_t char16_t char32_t class compl concept consteval constinit const_cast
    co_await co_return co_yield decltype delete dynamic_cast explicit export friend mutable
    namespace new noexcept not not_eq operator or or_eq private protected public reinterpret_cast
    requires static_cast template this throw try typeid typename using virtual wchar_t xor xor_eq
    """.split()  # noqa: SIM905 (a word list reads better than a literal of 150 strings)
)
#: Names the included standard headers define (types and macros), which the header cannot reuse.
C_HEADER_NAMES: FrozenSet[str] = frozenset(
    """
    NULL offsetof size_t ptrdiff_t max_align_t intptr_t uintptr_t intmax_t uintmax_t INTPTR_MIN
    INTPTR_MAX UINTPTR_MAX INTMAX_MIN INTMAX_MAX UINTMAX_MAX INTMAX_C UINTMAX_C PTRDIFF_MIN
    PTRDIFF_MAX SIZE_MAX SIG_ATOMIC_MIN SIG_ATOMIC_MAX WCHAR_MIN WCHAR_MAX WINT_MIN WINT_MAX
    INFINITY NAN HUGE_VAL
    """.split()  # noqa: SIM905 (a word list reads better than a literal of 150 strings)
) | frozenset(
    name
    for bits in (8, 16, 32, 64)
    for kind in ("", "_least", "_fast")
    for name in (
        f"int{kind}{bits}_t",
        f"uint{kind}{bits}_t",
        f"INT{kind.upper()}{bits}_MIN",
        f"INT{kind.upper()}{bits}_MAX",
        f"UINT{kind.upper()}{bits}_MAX",
        f"INT{bits}_C",
        f"UINT{bits}_C",
    )
)
#: Names nothing in the header can have: a parameter or field of such a name gets a trailing ``_``.
_RESERVED = C_KEYWORDS | C_HEADER_NAMES | C_PREDEFINED_MACROS
#: The names the header gives the fields of its failure and buffer structs and the parameters of the
#: support functions: fixed, documented API, so a crate macro that would replace one is refused.
_SUPPORT_LOCALS = (
    "kind",
    "code",
    "message",
    "message_len",
    "payload",
    "payload_len",
    "ptr",
    "len",
    "size",
    "align",
    "out",
    "call",
    "context",
    "release",
)
#: The fields of the option structs (only fixed when the crate uses an option).
_OPTION_LOCALS = ("value", "is_some")
#: The field and parameters of the slot a callback returning text fills (only fixed when a callback does).
_TEXT_RESULT_LOCALS = ("set", "result", "bytes")
#: Those of the slot a callback fills with an error that carries data.
_ENCODED_RESULT_LOCALS = ("set", "slot", "bytes")
_INT_RANGE = (-(1 << 31), (1 << 31) - 1)


@dataclass(frozen=True)
class CConstant:
    name: str
    value: str
    comment: Optional[str]


@dataclass(frozen=True)
class CEnumerator:
    name: str
    value: str
    comment: Optional[str]


@dataclass(frozen=True)
class CEnum:
    template: ClassVar[str] = "enum.h.j2"

    name: str
    repr: str
    comment: Optional[str]
    enumerators: Tuple[CEnumerator, ...]
    #: Every value fits an ``int``, so the constants can be an anonymous enum (else ``#define``\ s).
    anonymous_enum: bool


@dataclass(frozen=True)
class CField:
    declaration: str
    comment: Optional[str]
    name: str
    offset: int


@dataclass(frozen=True)
class CStruct:
    template: ClassVar[str] = "struct.h.j2"

    name: str
    comment: Optional[str]
    fields: Tuple[CField, ...]
    size: int
    align: int


@dataclass(frozen=True)
class CVariant:
    """A variant of a data-carrying enum with fields: its struct in the payload union."""

    name: str
    comment: Optional[str]
    fields: Tuple[CField, ...]


@dataclass(frozen=True)
class CTagged:
    """A data-carrying enum: RFC 2195's C layout, a struct of the tag and a union of one struct per variant."""

    template: ClassVar[str] = "tagged.h.j2"

    name: str
    comment: Optional[str]
    tag: str
    #: The tag constants (``<Type>_<Variant>``), declared as a field-less enum's are.
    tags: CEnum
    variants: Tuple[CVariant, ...]
    size: int
    align: int
    payload_offset: int
    #: For cffi's declarations: the members of a struct without a union, of the enum's size, alignment and calling
    #: convention (libffi passes no unions by value); the enum itself is declared as ``_ffi_<name>``.
    stand_in: Tuple[str, ...] = ()


@dataclass(frozen=True)
class CNewtype:
    """A ``#[repr(transparent)]`` newtype: ``typedef uint64_t UserId;`` (by value it is the number)."""

    template: ClassVar[str] = "newtype.h.j2"

    name: str
    comment: Optional[str]
    ctype: str


@dataclass(frozen=True)
class COpaque:
    template: ClassVar[str] = "opaque.h.j2"

    name: str
    comment: Optional[str]


@dataclass(frozen=True)
class CCallback:
    """A callback type: ``struct { call; context; release; }``."""

    template: ClassVar[str] = "callback.h.j2"

    name: str
    comment: Optional[str]
    #: The declaration of the ``call`` field: a function pointer taking the context and the arguments.
    call: str
    #: How ``call`` returns a result passed through a slot (its last parameter), or "".
    result: str = ""


@dataclass(frozen=True)
class CTraitStruct:
    """A trait object's struct: one callback structure per method, named after the method."""

    template: ClassVar[str] = "trait.h.j2"

    name: str
    comment: Optional[str]
    #: The fields (their offsets are unused: a callback structure's size is the target's, as the Rust struct's is).
    fields: Tuple[CField, ...]


@dataclass(frozen=True)
class CFunction:
    prototype: str
    comment: Optional[str]


@dataclass(frozen=True)
class CBuffer:
    """The ``FfiBuffer<T>`` (``{T *ptr; size_t len;}``) a ``String`` or ``Vec<T>`` result comes back in."""

    name: str
    comment: str
    #: ``char *ptr`` / ``Vec2 *ptr``.
    pointer: str
    pointer_comment: str
    length_comment: str


@dataclass(frozen=True)
class CArrayType:
    """The ``struct { T items[N]; }`` an array parameter or result crosses as."""

    name: str
    comment: str
    #: ``uint8_t items[32]``.
    items: str


@dataclass(frozen=True)
class CWideType:
    """The ``struct { uint64_t lo; uint64_t hi; }`` a ``u128`` or ``i128`` parameter or result crosses as."""

    name: str
    comment: str


@dataclass(frozen=True)
class COption:
    """The ``FfiOption<T>`` (``{T value; uint8_t is_some;}``) of an optional parameter, result or field."""

    template: ClassVar[str] = "option.h.j2"

    name: str
    comment: str
    #: ``uint32_t`` / ``Vec2``: the C type of ``value``.
    inner: str
    #: The crate type this option follows in the header (None for an option of a primitive).
    follows: Optional[str]


@dataclass(frozen=True)
class CHeader:
    notice: str
    comment: Optional[str]
    #: The prefix of the header's own macros: the crate name in upper case.
    prefix: str
    includes: Tuple[str, ...]
    api_guard: str
    api_hash: str
    #: The support symbols, and the name of the failure struct ``ffi_take_failure`` fills in.
    ffi_pending: str
    ffi_take_failure: str
    ffi_free: str
    ffi_callback_failed: str
    ffi_shutdown: str
    #: Cancels async calls (None from an inventory without it); declared with the completion type.
    ffi_cancel: Optional[str]
    #: The doorbell functions (None from an inventory without them); declared with the completion type.
    ffi_bell: Optional[Bell]
    #: Whether a text argument's length may carry the ``<PREFIX>_VOUCHED_UTF8`` bit.
    vouched_utf8: bool
    #: The name of the completion type of async functions, if the crate has any.
    completion: Optional[str]
    #: The name of the slot a callback returning text fills, if a callback does.
    text_result: Optional[str]
    #: The name of the slot a callback fills with an encoded value (a result, or an error that carries data).
    encoded_result: Optional[str]
    failure: str
    constants: Tuple[CConstant, ...]
    #: The 128-bit integer types (``u128``, ``i128``) used by a function.
    wide: Tuple[CWideType, ...]
    #: The structs of the arrays functions take or return (after the crate's types, which they may hold).
    arrays: Tuple[CArrayType, ...]
    #: The options of primitives (declared before the crate's types; those of a crate type follow it).
    options: Tuple[COption, ...]
    types: Tuple[Union[CEnum, CStruct, COpaque, COption, CCallback, CTraitStruct, CTagged, CNewtype], ...]
    buffers: Tuple[CBuffer, ...]
    functions: Tuple[CFunction, ...]
    #: The name of the struct that lends an encoded record for a call, if some function takes one.
    bytes: Optional[str] = None
    #: The names of a `Vec<String>` result's string and list structs, and its free function, if a function returns
    #: one (see `abi.CTexts`).
    texts: Optional[Tuple[str, str, str]] = None


class CHeaderBackend(Backend):
    """Generates ``<crate>.h``, a C header for the library (beside it in the package)."""

    PLUGIN_NAME = "c"
    SUPPORTS = constructs.ALL

    def generate(self, inventory: Inventory) -> List[GeneratedFile]:
        header = _Builder(inventory, self.context.generator_version).header()
        content = templates_beside(__file__).get_template("header.h.j2").render(header=header)
        return [GeneratedFile(f"{inventory.library.crate}.h", content)]


def cdef(inventory: Inventory, generator_version: str) -> str:
    """The header's declarations as cffi's ``FFI.cdef`` takes them: the same types and prototypes (so the same
    names, escaping and checks), without comments, preprocessor lines, constants or layout checks."""
    header = _Builder(inventory, generator_version).header()
    return templates_beside(__file__).get_template("cdef.h.j2").render(header=header)


def c_types(inventory: Inventory, generator_version: str) -> Callable[[abi.CType], str]:
    """How the header (and so `cdef`) spells each type of the ABI model: ``uint64_t``, ``Vec2``, the crate's
    buffer, option and completion types, as another backend must name them to cffi or a C compiler."""
    builder = _Builder(inventory, generator_version)
    builder.header()  # claims the names of the buffer and option types
    return builder.c_type


def payload_names(inventory: Inventory, generator_version: str) -> Dict[str, Dict[str, Tuple[str, Tuple[str, ...]]]]:
    """The names the header gives the payload of each data-carrying enum (what cffi's declarations call them): by
    enum and by variant with fields, the variant's member of the payload union and its fields' names, in order."""
    header = _Builder(inventory, generator_version).header()
    declared = {t.name: t for t in header.types if isinstance(t, CTagged)}
    return {
        t.name: {
            v.name: (c.name, tuple(f.name for f in c.fields))
            for v, c in zip([v for v in t.variants if v.fields], declared[t.name].variants)
        }
        for t in inventory.tagged()
    }


def field_names(inventory: Inventory, generator_version: str) -> Dict[str, Tuple[str, ...]]:
    """The names the header gives each struct's fields (what cffi's declarations call them: a field C reserves,
    such as `int`, is `int_`), by struct, in order."""
    header = _Builder(inventory, generator_version).header()
    return {t.name: tuple(f.name for f in t.fields) for t in header.types if isinstance(t, CStruct)}


def _stand_in(inventory: Inventory, t: TaggedDef) -> Tuple[str, ...]:
    """The members of a struct without a union that a C function passes and returns as it does the data-carrying
    enum `t` (libffi, under cffi's ABI mode, takes no union by value): its size and alignment, in units of its
    alignment, integers but where the x86-64 System V ABI passes the second eightbyte of a 9-to-16-byte one in an
    SSE register (every scalar there is a float). Elsewhere (larger ones, Windows, AArch64, where a tag makes the
    enum no floating-point aggregate) only the size and alignment matter."""

    def size_align(ty: TypeRef) -> Tuple[int, int]:
        if isinstance(ty, Primitive):
            return ty.bits // 8, ty.bits // 8
        if isinstance(ty, Pointer):
            return 8, 8
        if isinstance(ty, Option):
            size, align = size_align(ty.inner)
            return -(-(size + 1) // align) * align, align
        if isinstance(ty, Array):
            size, align = size_align(ty.element)
            return size * ty.len, align
        assert isinstance(ty, Named)
        definition = inventory.type(ty.name)
        assert isinstance(definition, (StructDef, EnumDef, TaggedDef))
        return definition.size, definition.align

    def scalars(ty: TypeRef, offset: int) -> Iterator[Tuple[int, int, bool]]:
        """(offset, size, is a float) of every number in a value of `ty` at `offset`."""
        if isinstance(ty, Primitive):
            yield offset, ty.bits // 8, ty.is_float
        elif isinstance(ty, Pointer):
            yield offset, 8, False
        elif isinstance(ty, Option):
            yield from scalars(ty.inner, offset)
            yield offset + size_align(ty.inner)[0], 1, False
        elif isinstance(ty, Array):
            step = size_align(ty.element)[0]
            for index in range(ty.len):
                yield from scalars(ty.element, offset + index * step)
        else:
            assert isinstance(ty, Named)
            definition = inventory.type(ty.name)
            if isinstance(definition, EnumDef):
                yield offset, definition.size, False
            elif isinstance(definition, StructDef):
                for f in definition.fields:
                    yield from scalars(f.type, offset + f.offset)
            else:
                assert isinstance(definition, TaggedDef)
                yield from scalars(definition.repr, offset)
                for v in definition.variants:
                    for f in v.fields:
                        yield from scalars(f.type, offset + f.offset)

    unit = {1: "uint8_t", 2: "uint16_t", 4: "uint32_t", 8: "uint64_t"}[t.align]
    count = t.size // t.align
    if not 8 < t.size <= 16:
        return (f"{unit} words[{count}];",)
    second = [is_float for offset, size, is_float in scalars(Named(t.name), 0) if offset < 16 and offset + size > 8]
    if not (second and all(second)):
        return (f"{unit} words[{count}];",)
    # A float can only be there in an enum of 4- or 8-byte alignment: its first eightbyte in integers, then floats.
    float_unit = "float" if t.align == 4 else "double"
    return (f"{unit} integers[{8 // t.align}];", f"{float_unit} floats[{count - 8 // t.align}];")


def _declare(ctype: str, name: str) -> str:
    """``uint32_t name`` / ``const Vec2 *name``."""
    return f"{ctype}{name}" if ctype.endswith("*") else f"{ctype} {name}"


def _quick_drop(c: abi.Callable) -> str:
    """What the doc of a drop or release function says of a drop that keeps the GIL in Python bindings."""
    if c.frees_only:
        return " Dropping it only frees memory: the call never waits and never calls back."
    if c.drop_holds_gil:
        return " Its crate says dropping it is short and never waits for a thread that calls into Python."
    return ""


def _wrap(*paragraphs: str) -> str:
    """The header's own prose, wrapped to fit a ``/** */`` comment in 100 columns (the crate's docs are
    left as written)."""
    return "\n\n".join(textwrap.fill(p, 96, break_long_words=False, break_on_hyphens=False) for p in paragraphs)


def c_literal(constant: Constant) -> str:
    """The C expression of a constant's value, parenthesized when negative (it is a macro body)."""
    ty, value = constant.type, constant.value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "NAN"
        if math.isinf(value):
            return "INFINITY" if value > 0 else "(-INFINITY)"
        text = _shortest_f32(value) + "f" if ty.name == "f32" else repr(value)
        return f"({text})" if text.startswith("-") else text
    if ty.bits == 64:
        if not ty.is_signed:
            return f"UINT64_C({value})"
        if value == -(1 << 63):
            return "(-INT64_C(9223372036854775807) - 1)"
        return f"INT64_C({value})" if value >= 0 else f"(-INT64_C({-value}))"
    if not ty.is_signed:
        return f"{value}u"
    if value == -(1 << 31):
        return "(-2147483647 - 1)"
    return str(value) if value >= 0 else f"({value})"


def _shortest_f32(value: float) -> str:
    """The shortest decimal that reads back as the same ``float`` (f32), with a ``.`` or exponent."""
    for digits in range(1, 10):
        text = f"{value:.{digits}g}"
        if struct.unpack("f", struct.pack("f", float(text)))[0] == value:
            break
    return text if any(ch in text for ch in ".en") else f"{text}.0"


class _Builder:
    def __init__(self, inventory: Inventory, generator_version: str) -> None:
        self.inventory = inventory
        self.abi = abi.lower(inventory)
        self.generator_version = generator_version
        self.names = Namespace(BACKEND, "the header")
        #: File-scope names a parameter or field must not hide: types, macros and enum constants.
        self.shadowable: Set[str] = set()
        self.emitted: Set[str] = set()
        #: The typedef name of each buffer (``String`` or ``Vec<T>`` result) the functions return.
        self.buffer_names: Dict[Union[OwnedString, Vec], str] = {}
        #: The name of `<crate>_bytes`, once claimed.
        self.bytes_name: Optional[str] = None
        self.texts_name: Optional[str] = None
        #: The typedef name of each option type used anywhere (a parameter, result, field or array element).
        self.option_names: Dict[Option, str] = {}
        #: The typedef name of the 128-bit integer types (``u128``, ``i128``) functions use.
        self.wide_names: Dict[str, str] = {}
        #: The typedef name of each array parameter's or result's struct.
        self.array_names: Dict[Array, str] = {}

    def _claim(self, name: str, owner: str, shadowable: bool = True) -> str:
        if name in _RESERVED or name in C_LIBRARY_NAMES or is_reserved_form(name):
            if name in C_LIBRARY_NAMES:
                why = "a function of the C library, which compilers declare as a built-in"
            elif name in C_PREDEFINED_MACROS:
                why = "a macro compilers predefine"
            elif name in _RESERVED:
                why = "a keyword, or a name the standard headers define"
            else:
                why = "C reserves names beginning with `__` or `_` and a capital letter"
            message = (
                f"The {BACKEND} backend cannot declare {owner} in C: `{name}` is reserved by C or C++ ({why}). "
                "Rename it in the crate."
            )
            raise BackendError(message)
        self.names.claim(name, owner)
        if shadowable:
            self.shadowable.add(name)
        return name

    def _local(self, name: str) -> str:
        """A parameter or field name: with a trailing ``_`` when C reserves it or it would hide a type
        or macro of the header."""
        reserved = name in _RESERVED or name in self.shadowable or is_reserved_form(name)
        return f"{name}_" if reserved else name

    def header(self) -> CHeader:
        inv = self.inventory
        lib = inv.library
        prefix = lib.crate.upper()
        for suffix in ("_H", "_API_HASH", "_STATIC_ASSERT", "_ALIGNOF"):
            self._claim(prefix + suffix, f"the header's macro `{prefix}{suffix}`")
        for suffix in (
            "_FAILURE_PANIC",
            "_FAILURE_ERROR",
            "_FAILURE_INVALID_ARGUMENT",
            "_FAILURE_CALLBACK",
            "_FAILURE_OUT_OF_MEMORY",
            *(("_VOUCHED_UTF8",) if lib.vouched_utf8 else ()),
        ):
            self._claim(prefix + suffix, f"the header's macro `{prefix}{suffix}`")
        failure = self._claim(f"{lib.crate}_failure", f"the header's failure type `{lib.crate}_failure`")
        buffers = self.buffers()
        options = self.options()
        wide = self.wide()
        arrays = self.arrays()
        constants = []
        for c in inv.constants:
            constants.append(CConstant(self._claim(c.name, f"constant `{c.name}`"), c_literal(c), c_comment(c.doc)))
        for t in inv.types:
            self._claim(t.name, f"type `{t.name}`")
            if isinstance(t, (EnumDef, TaggedDef)):
                for v in t.variants:
                    self._claim(f"{t.name}_{v.name}", f"variant `{v.name}` of enum `{t.name}`")
        self._claim(lib.api_guard, f"the API guard function `{lib.api_guard}`", shadowable=False)
        completion = None
        if self.abi.uses_completion:
            completion = self._claim(
                f"{lib.crate}_completion", f"the header's completion type `{lib.crate}_completion`"
            )
        if self.abi.uses_bytes:
            self.bytes_name = self._claim(f"{lib.crate}_bytes", f"the header's struct `{lib.crate}_bytes`")
        text_result = None
        if self.abi.uses_text_result:
            text_result = self._claim(
                f"{lib.crate}_text_result", f"the header's text result type `{lib.crate}_text_result`"
            )
        encoded_result = None
        if self.abi.uses_encoded_result:
            encoded_result = self._claim(
                f"{lib.crate}_encoded_result", f"the header's encoded result type `{lib.crate}_encoded_result`"
            )
        support = (lib.ffi_pending, lib.ffi_take_failure, lib.ffi_free, lib.ffi_callback_failed, lib.ffi_shutdown)
        optional = [lib.ffi_cancel] if lib.ffi_cancel else []
        texts = None
        if self.abi.uses_texts:
            assert lib.ffi_free_texts is not None, "the lowering returns texts only from a library that frees them"
            texts = (
                self._claim(f"{lib.crate}_text", f"the header's string type `{lib.crate}_text`"),
                self._claim(f"{lib.crate}_texts", f"the header's string list type `{lib.crate}_texts`"),
                lib.ffi_free_texts,
            )
            self.texts_name = texts[1]
            optional.append(lib.ffi_free_texts)
        if lib.ffi_bell:
            optional += (lib.ffi_bell.open, lib.ffi_bell.use, lib.ffi_bell.drain, lib.ffi_bell.close)
        for symbol in (*support, *optional):
            self._claim(symbol, f"the support function `{symbol}`", shadowable=False)
        for f in inv.functions:
            if f.symbol != lib.api_guard:
                self._claim(f.symbol, f"function `{f.symbol}`", shadowable=False)
        for s in inv.services:
            for f in s.members():
                self._claim(f.symbol, f"function `{f.symbol}` of service `{s.name}`", shadowable=False)
            for symbol in (s.destructor, s.release):
                self._claim(symbol, f"function `{symbol}` of service `{s.name}`", shadowable=False)
        types: List[Union[CEnum, CStruct, COpaque, COption, CCallback, CTraitStruct, CTagged, CNewtype]] = []
        for t in inv.types:
            if isinstance(t, EnumDef):
                types.append(self.enum(t))
            elif isinstance(t, StructDef):
                types.append(self.struct(t))
            elif isinstance(t, CallbackDef):
                types.append(self.callback(t))
            elif isinstance(t, TraitDef):
                types.append(self.trait(t))
            elif isinstance(t, TaggedDef):
                types.append(self.tagged(t))
            elif isinstance(t, (RecordDef, RecordEnumDef)):
                continue  # no C layout: C passes and gets its wire encoding
            elif isinstance(t, NewtypeDef):
                types.append(CNewtype(t.name, c_comment(t.doc), C_PRIMITIVES[t.inner.name]))
            else:
                types.append(COpaque(t.name, c_comment(t.doc)))
            self.emitted.add(t.name)
            # An option of the type right after it: a later struct may hold it by value.
            types.extend(o for o in options if o.follows == t.name)
        self._check_support_locals(types)
        includes = ["stdbool.h", "stddef.h", "stdint.h"]
        if any(isinstance(c.value, float) and not math.isfinite(c.value) for c in inv.constants):
            includes.insert(0, "math.h")
        notice = (
            f"Generated by hatch-interop {self.generator_version} ({BACKEND} backend) from crate {lib.crate} "
            f"{lib.version}; do not edit."
        )
        return CHeader(
            notice=c_comment(notice, opener="/*") or "",
            comment=c_comment(lib.doc),
            prefix=prefix,
            includes=tuple(includes),
            api_guard=lib.api_guard,
            api_hash=lib.api_hash,
            ffi_pending=lib.ffi_pending,
            ffi_take_failure=lib.ffi_take_failure,
            ffi_free=lib.ffi_free,
            ffi_callback_failed=lib.ffi_callback_failed,
            ffi_shutdown=lib.ffi_shutdown,
            ffi_cancel=lib.ffi_cancel,
            ffi_bell=lib.ffi_bell,
            vouched_utf8=lib.vouched_utf8,
            completion=completion,
            text_result=text_result,
            encoded_result=encoded_result,
            failure=failure,
            constants=tuple(constants),
            wide=tuple(wide),
            arrays=tuple(arrays),
            options=tuple(o for o in options if o.follows is None),
            types=tuple(types),
            buffers=tuple(buffers),
            functions=tuple(self.function(c) for c in self.abi.callables),
            bytes=self.bytes_name,
            texts=texts,
        )

    def callback(self, c: CallbackDef) -> CCallback:
        signature = next(s for s in self.abi.callbacks if s.name == c.name)
        names = Namespace(BACKEND, f"callback `{c.name}`")
        names.claim("context", "the context parameter")
        params = ["const void *context"]
        own = {
            p.source: names.claim(self._local(p.source), f"parameter `{p.source}`", p.source)
            for p in signature.params
            if p.source is not None and p.role != "length"
        }
        error_name = ""
        for p in signature.params:
            if p.role in ("result", "error"):
                # The slot of a result C does not return by value, last (see `abi.CTextResult`), and a `Result`'s
                # error's before it.
                name = p.role
                while name in names or name in _RESERVED or name in self.shadowable:
                    name += "_"
                names.claim(name, f"the {p.role} parameter")
                if p.role == "error":
                    error_name = name
            else:
                assert p.source is not None, "a callback's other parameters each come from one Rust parameter"
                # A `&str` is two C parameters, as in functions: its bytes, then their count (`word_len`).
                name = self._length(names, p.source) if p.role == "length" else own[p.source]
            params.append(_declare(self.c_type(p.type), name))
        call = _declare(self.c_type(signature.returns), f"(*call)({', '.join(params)})")
        result = ""
        slot = signature.result
        if slot is None:
            pass
        elif isinstance(slot.type, abi.CTextResult):
            result = f"It returns text with `{name}->set({name}, bytes, len)`."
            if not isinstance(c.returns, OwnedString):
                result = f"It returns text with `{name}->set({name}, bytes, len)`; setting none returns `None`."
        elif isinstance(slot.type, abi.CSlot):
            result = f"It writes its result to `*{name}`; left as it is (`is_some` 0), the result is `None`."
        elif isinstance(slot.type, abi.CEncodedResult):
            result = (
                f"It returns its result with `{name}->set({name}, bytes, len)`, the wire encoding; setting none "
                "returns an empty one (`None` for an `Option`)."
            )
        else:
            result = f"It writes its result to `*{name}` (zeroes until then: the result if it writes none)."
        error_slot = next((p for p in signature.params if p.role == "error"), None)
        if error_slot is not None:
            error = c.error.name if c.error else ""
            if isinstance(error_slot.type, abi.CEncodedResult):
                failing = (
                    f"It fails with a `{error}` with `{error_name}->set({error_name}, bytes, len)`, its wire encoding."
                )
            else:
                failing = (
                    f"It fails with an error of `{error}` by writing it to `*{error_name}` (`is_some` 0 until then: "
                    "no error)."
                )
            result = f"{result}\n     * {failing}" if result else failing
        return CCallback(c.name, c_comment(c.doc), call, result)

    def _check_support_locals(
        self, types: List[Union[CEnum, CStruct, COpaque, COption, CCallback, CTraitStruct, CTagged, CNewtype]]
    ) -> None:
        """Refuse a crate macro (a constant, or a variant of an enum too wide for ``int``) named like a field
        or parameter of the support declarations (or of the option structs, when there are any): the
        preprocessor would replace that name there."""
        macros = {c.name: f"constant `{c.name}`" for c in self.inventory.constants}
        for t in types:
            tags = t.tags if isinstance(t, CTagged) else t
            if isinstance(tags, CEnum) and not tags.anonymous_enum:
                macros.update((e.name, f"the variant constant `{e.name}`") for e in tags.enumerators)
        text_locals = (_TEXT_RESULT_LOCALS if self.abi.uses_text_result else ()) + (
            _ENCODED_RESULT_LOCALS if self.abi.uses_encoded_result else ()
        )
        for name in _SUPPORT_LOCALS + (_OPTION_LOCALS if self.option_names else ()) + text_locals:
            if name in macros:
                what = (
                    "option"
                    if name in _OPTION_LOCALS
                    else "text result"
                    if name in _TEXT_RESULT_LOCALS and self.abi.uses_text_result
                    else "encoded result"
                    if name in _ENCODED_RESULT_LOCALS
                    else "failure and buffer"
                )
                message = (
                    f"The {BACKEND} backend cannot define {macros[name]} as a macro in the header: `{name}` "
                    f"names a field or parameter of the header's {what} declarations, which the macro would "
                    "replace. Rename it in the crate."
                )
                raise BackendError(message)

    def buffers(self) -> List[CBuffer]:
        """One buffer typedef per kind of ``String``/``Vec<T>`` result, claimed before the crate's own
        names (so that a clash names the crate's type as the one to rename).

        Ordered by kind (``String``, vectors of primitives, vectors of structs in definition order),
        not by first use, so reordering functions leaves the header's types where they were."""
        inv = self.inventory
        crate = inv.library.crate
        free = inv.library.ffi_free
        vectors = [ty for ty in self.abi.buffers if isinstance(ty, Vec)]
        buffers = []
        if OwnedString() in self.abi.buffers:
            name = self._claim(f"{crate}_string", "the header's buffer type for `String` results")
            self.buffer_names[OwnedString()] = name
            comment = _wrap(
                "A `String` the library returned: UTF-8 text (not NUL-terminated) that the caller owns.",
                f"Free it with `{free}(s.ptr, s.len, 1)`. When `len` is 0 there is nothing to free (and `ptr` "
                "dangles: it is not NULL).",
            )
            buffers.append(
                CBuffer(
                    name,
                    c_comment(comment) or "",
                    "char *ptr",
                    c_comment("The first byte; dangling when `len` is 0.", "    ") or "",
                    c_comment("The length in bytes.", "    ") or "",
                )
            )
        for ty in vectors:
            element = ty.element.name
            name = self._claim(f"{crate}_vec_{element}", f"the header's buffer type for `Vec<{element}>` results")
            self.buffer_names[ty] = name
            ctype = self.ctype(ty.element)
            comment = _wrap(
                f"A `Vec<{element}>` the library returned: `len` elements that the caller owns.",
                f"Free it with `{free}(v.ptr, v.len * sizeof({ctype}), _Alignof({ctype}))` (`alignof` in "
                "C++). When `len` is 0 there is nothing to free (and `ptr` dangles: it is not NULL).",
            )
            buffers.append(
                CBuffer(
                    name,
                    c_comment(comment) or "",
                    _declare(f"{ctype} *", "ptr"),
                    c_comment("The first element; dangling when `len` is 0.", "    ") or "",
                    c_comment("The number of elements.", "    ") or "",
                )
            )
        return buffers

    def arrays(self) -> List[CArrayType]:
        """The struct of each array parameter or result, ``<crate>_array_<T>_<N>``, claimed like the buffers."""
        crate = self.inventory.library.crate
        declared = []
        for ty in self.abi.arrays:
            element = ty.element.name  # type: ignore[union-attr]
            name = self._claim(
                f"{crate}_array_{element}_{ty.len}", f"the header's struct for `[{element}; {ty.len}]` arguments"
            )
            self.array_names[ty] = name
            comment = _wrap(
                f"A `[{element}; {ty.len}]` as the library takes and returns it, by value (C passes no array by value)."
            )
            declared.append(
                CArrayType(name, c_comment(comment) or "", _declare(self.ctype(ty.element), f"items[{ty.len}]"))
            )
        return declared

    def wide(self) -> List[CWideType]:
        """The typedef of each 128-bit integer type a function takes or returns, claimed like the buffers."""
        crate = self.inventory.library.crate
        declared = []
        for ty in self.abi.wide:
            name = self._claim(f"{crate}_{ty.name}", f"the header's type for `{ty.name}` values")
            self.wide_names[ty.name] = name
            value = "an `i128` (two's complement)" if ty.is_signed else "a `u128`"
            comment = _wrap(
                f"{value[0].upper()}{value[1:]} as the library takes and returns it, by value: its low and high "
                f"64 bits (C has no 128-bit integer type every compiler defines). The value is `lo + hi * 2^64`"
                + (", minus 2^128 when the top bit of `hi` is set." if ty.is_signed else ".")
            )
            declared.append(CWideType(name, c_comment(comment) or ""))
        return declared

    def options(self) -> List[COption]:
        """One option typedef per ``FfiOption<T>`` used anywhere, claimed (like the buffers) before the
        crate's own names. Ordered by inner type (primitives, then the crate's types in definition order)."""
        crate = self.inventory.library.crate
        options = []
        for ty in self.abi.options:
            inner = ty.inner.name
            name = self._claim(f"{crate}_option_{inner}", f"the header's option type for `FfiOption<{inner}>`")
            self.option_names[ty] = name
            ctype = self.ctype(ty.inner)
            comment = _wrap(
                f"An optional `{inner}` (`FfiOption<{inner}>`): `value` holds it when `is_some` is not 0 (any "
                "non-zero value means present); when `is_some` is 0, `value` is not read and may hold anything."
            )
            follows = ty.inner.name if isinstance(ty.inner, Named) else None
            options.append(COption(name, c_comment(comment) or "", ctype, follows))
        return options

    def ctype(self, ty: TypeRef, in_struct: bool = False) -> str:
        """The C type of a field, a by-value parameter or a result (``&str`` and slices are lowered by
        :meth:`params`)."""
        if isinstance(ty, Void):
            return "void"
        if isinstance(ty, Primitive):
            return ty.newtype or C_PRIMITIVES[ty.name]
        if isinstance(ty, Named):
            return ty.name
        if isinstance(ty, (OwnedString, Vec)):
            return self.buffer_names[plain(ty) if isinstance(ty, Vec) else ty]
        if isinstance(ty, Encoded):
            # An encoded result: its bytes, in the buffer of a `Vec<u8>`.
            return self.buffer_names[abi.ENCODED_BUFFER.of]
        if isinstance(ty, Option):
            return self.option_names[plain(ty)]
        if isinstance(ty, (Str, CStr, Slice)):
            raise AssertionError(f"a `{ty.kind}` is lowered to several C parameters, not one C type")
        if isinstance(ty, Array):
            raise AssertionError("an `array` is declared by :meth:`struct` (`T name[N]`), not as one C type")
        name = ty.target.name
        # A pointer field may name a type declared later (or its own struct): use the struct tag.
        if in_struct and name not in self.emitted:
            name = f"struct {name}"
        return f"{name} *" if ty.mutable else f"const {name} *"

    def enum(self, e: EnumDef) -> CEnum:
        repr_type = C_PRIMITIVES[e.repr.name]
        anonymous = all(_INT_RANGE[0] <= v.value <= _INT_RANGE[1] for v in e.variants)
        enumerators = []
        for v in e.variants:
            value = str(v.value) if anonymous else f"(({e.name}){c_literal(Constant(v.name, '', e.repr, v.value))})"
            enumerators.append(CEnumerator(f"{e.name}_{v.name}", value, c_comment(v.doc, "    " if anonymous else "")))
        return CEnum(e.name, repr_type, c_comment(e.doc), tuple(enumerators), anonymous)

    def struct(self, s: StructDef) -> CStruct:
        names = Namespace(BACKEND, f"struct `{s.name}`")
        fields = []
        for f in s.fields:
            name = names.claim(self._local(f.name), f"field `{f.name}`", f.name)
            if isinstance(f.type, Array):
                declaration = _declare(self.ctype(f.type.element, in_struct=True), f"{name}[{f.type.len}]")
            else:
                declaration = _declare(self.ctype(f.type, in_struct=True), name)
            fields.append(CField(declaration, c_comment(f.doc, "    "), name, f.offset))
        return CStruct(s.name, c_comment(s.doc), tuple(fields), s.size, s.align)

    def trait(self, t: TraitDef) -> CTraitStruct:
        names = Namespace(BACKEND, f"trait `{t.name}`")
        fields = []
        for m in t.methods:
            name = names.claim(self._local(m.name), f"method `{m.name}`", m.name)
            callback = self.inventory.type(m.callback.name)
            fields.append(CField(_declare(m.callback.name, name), c_comment(callback.doc, "    "), name, 0))
        return CTraitStruct(t.name, c_comment(t.doc), tuple(fields))

    def tagged(self, t: TaggedDef) -> CTagged:
        """The struct of the tag and the payload union; a variant without fields has no member in the union (C
        has no empty structs), and each field's offset is checked from the start of the enum."""
        tags = self.enum(
            EnumDef(t.name, "", t.repr, t.size, t.align, tuple(Variant(v.name, v.doc, v.value) for v in t.variants))
        )
        # `tag` and `payload` are the struct's own: a variant named so would hide nothing, but is renamed alike.
        members = Namespace(BACKEND, f"the payload of enum `{t.name}`")
        variants = []
        for v in t.variants:
            if not v.fields:
                continue
            name = members.claim(self._local(v.name), f"variant `{v.name}`", v.name)
            names = Namespace(BACKEND, f"variant `{v.name}` of enum `{t.name}`")
            fields = []
            for f in v.fields:
                fname = names.claim(self._local(f.name), f"field `{f.name}`", f.name)
                if isinstance(f.type, Array):
                    declaration = _declare(self.ctype(f.type.element, in_struct=True), f"{fname}[{f.type.len}]")
                else:
                    declaration = _declare(self.ctype(f.type, in_struct=True), fname)
                fields.append(CField(declaration, c_comment(f.doc, "            "), fname, f.offset))
            variants.append(CVariant(name, c_comment(v.doc, "        "), tuple(fields)))
        return CTagged(
            t.name,
            c_comment(t.doc),
            C_PRIMITIVES[t.repr.name],
            tags,
            tuple(variants),
            t.size,
            t.align,
            t.payload_offset,
            _stand_in(self.inventory, t),
        )

    def c_type(self, t: abi.CType) -> str:
        """The C spelling of a type of the ABI model."""
        if isinstance(t, abi.CVoid):
            return "void"
        if isinstance(t, abi.CScalar):
            return t.primitive.newtype or C_PRIMITIVES[t.primitive.name]
        if isinstance(t, abi.CWide):
            return self.wide_names[t.primitive.name]
        if isinstance(t, abi.CArray):
            return self.array_names[t.array]
        if isinstance(t, (abi.CEnum, abi.CRecord, abi.CCallback, abi.CTrait)):
            return t.name
        if isinstance(t, abi.COption):
            return self.option_names[t.option]
        if isinstance(t, abi.CBuffer):
            return self.buffer_names[t.of]
        if isinstance(t, abi.CTexts):
            assert self.texts_name is not None, "claimed by header() when a callable returns one"
            return self.texts_name
        if isinstance(t, abi.CCompletion):
            return f"{self.inventory.library.crate}_completion"
        if isinstance(t, abi.CBytes):
            assert self.bytes_name is not None, "claimed by header() when a callable takes one"
            return self.bytes_name
        if isinstance(t, abi.CBytesRef):
            assert self.bytes_name is not None, "claimed by header() when a callback takes one"
            return f"const {self.bytes_name} *"
        if isinstance(t, abi.CText):
            # UTF-8 bytes: `char` so that C strings and literals pass without a cast.
            return "const char *"
        if isinstance(t, abi.CTextResult):
            return f"{self.inventory.library.crate}_text_result *"
        if isinstance(t, abi.CEncodedResult):
            return f"{self.inventory.library.crate}_encoded_result *"
        if isinstance(t, abi.CSlot):
            return f"{self.c_type(t.of)} *"
        pointee = (
            self.c_type(t.element)
            if isinstance(t, abi.CElements)
            else t.name
            if isinstance(t, abi.CHandle)
            else t.target.name
        )
        return f"{pointee} *" if t.mutable else f"const {pointee} *"

    def _length(self, names: Namespace, param: str) -> str:
        """The name of the length that follows parameter `param`: ``<param>_len``, with ``_`` appended
        until it is no other parameter's and hides nothing of the header."""
        name = f"{param}_len"
        while name in names or name in _RESERVED or name in self.shadowable:
            name += "_"
        return names.claim(name, f"the length of parameter `{param}`")

    def function(self, c: abi.Callable) -> CFunction:
        """The prototype of a callable of the ABI model, with the crate's doc and what C callers must know."""
        crate = self.inventory.library.crate
        if c.function is None:
            return self._handle_function(c)
        f = c.function
        names = Namespace(BACKEND, f"function `{f.symbol}`")
        # Every parameter's own name first, so a length never takes a name a later parameter has.
        own = {p.name: names.claim(self._local(p.name), f"parameter `{p.name}`", p.name) for p in f.params}
        declared: List[Tuple[abi.CParam, str]] = []
        for p in c.params:
            if p.role == "self":
                name = "self"
            elif p.role == "length":
                assert p.source is not None
                name = self._length(names, p.source)
            elif p.role == "completion":
                taken = {n for _, n in declared}
                name = "completion"
                while name in taken or name in self.shadowable:
                    name += "_"
            else:
                assert p.source is not None
                name = own[p.source]
            declared.append((p, name))
        notes = []
        chars = [own[p.name] for p in f.params if p.type == Primitive("char")]
        if chars:
            listed = " and ".join(f"`{name}`" for name in chars)
            notes.append(
                f"{listed} {'is a `char`' if len(chars) == 1 else 'are `char`s'}: a Unicode scalar value (not a "
                f"surrogate, at most 0x10FFFF); any other value returns zeroes and records a failure of kind "
                f"{crate.upper()}_FAILURE_INVALID_ARGUMENT."
            )
        if f.returns == Primitive("char"):
            notes.append("It returns a `char`: a Unicode scalar value.")
        encoded = [(own[p.name], p.type) for p in f.params if isinstance(p.type, Encoded)]
        for name, ty in encoded:
            notes.append(
                f"`{name}` is the wire encoding of a `{wire_spelling(ty.value)}` (see hatch-interop's "
                f"docs/wire-format.md), which the library checks: an invalid one returns zeroes and records a "
                f"failure of kind {crate.upper()}_FAILURE_INVALID_ARGUMENT."
            )
        if isinstance(f.returns, Encoded):
            notes.append(
                f"It returns the wire encoding of a `{wire_spelling(f.returns.value)}` (see docs/wire-format.md)."
            )
        for param in f.params:
            sliced = param.type
            if not isinstance(sliced, (Slice, Array)):
                continue
            element = sliced.element
            if isinstance(element, Named) and isinstance(self.inventory.type(element.name), EnumDef):
                valid = f"the value of a `{element.name}` variant"
            elif element == Primitive("bool"):
                valid = "0 or 1"
            else:
                continue
            notes.append(
                f"Each element of `{own[param.name]}` must be {valid}: the library checks them all before the "
                f"call, and any other returns zeroes and records a failure of kind "
                f"{crate.upper()}_FAILURE_INVALID_ARGUMENT."
            )
        if c.role == "method":
            access = (
                "shared: calls on the same object may run at the same time"
                if c.receiver == "shared"
                else "exclusive: no other call may run on the same object"
            )
            notes.append(
                f"A method of `{c.service}` ({access}). A call that conflicts with a running one, or on a destroyed "
                f"object, returns zeroes and records a failure of kind {crate.upper()}_FAILURE_INVALID_ARGUMENT."
            )
        if c.completes_with is not None:
            local = next(name for p, name in declared if p.role == "completion")
            value = c.completes_with
            outcome = "nothing" if isinstance(value, abi.CVoid) else f"a `const {self.c_type(value)} *`"
            notes.append(
                f"Async: it polls the work once and returns; `{local}` is called with {outcome} as its value, or "
                "with the failure: before it returns, on the calling thread, when that poll finished the work, else "
                "later, from a thread of the library."
            )
        params = ", ".join(_declare(self.c_type(p.type), name) for p, name in declared) or "void"
        prototype = _declare(self.c_type(c.returns), f"{c.symbol}({params});")
        result = c.returns if c.completes_with is None else c.completes_with
        if isinstance(result, abi.CBuffer):
            notes.append(f"The caller frees the result (see `{self.buffer_names[result.of]}`).")
        if isinstance(result, abi.CTexts):
            notes.append(f"The caller gives the result back (see `{self.c_type(result)}`).")
        made = f.returns if isinstance(f.returns, Pointer) and f.returns.owned and c.role != "constructor" else None
        service = None if made is None else self.inventory.service(made.target.name)
        if made is not None and service is not None:
            none = " (NULL for none)" if made.nullable else ""
            notes.append(
                f"It returns a new `{service.name}`{none}, which the caller owns as one a constructor made: "
                f"`{service.destructor}` destroys it, `{service.release}` gives it up, once."
            )
        if c.error is not None:
            if c.asynchronous:
                outcome = "an error completes it with a failure"
            else:
                outcome = "on an error it " + ("" if isinstance(c.returns, abi.CVoid) else "returns zeroes and ")
                outcome += "records a failure"
            if isinstance(self.inventory.type(c.error), RecordEnumDef):
                detail = (
                    f"`code` is the index of the `{c.error}` variant and whose `payload` holds the error in the wire "
                    f"encoding of a `{c.error}` (see docs/wire-format.md)."
                )
            else:
                detail = f"`code` is the `{c.error}` variant's value."
            notes.append(f"{outcome[0].upper()}{outcome[1:]} of kind {crate.upper()}_FAILURE_ERROR whose {detail}")
        doc = "\n\n".join(text for text in [normalize_doc(f.doc), _wrap(" ".join(notes))] if text)
        return CFunction(prototype, c_comment(doc))

    def _handle_function(self, c: abi.Callable) -> CFunction:
        """A service's destructor or release function, on its handle, or an opaque type's drop function."""
        crate = self.inventory.library.crate.upper()
        if c.role == "drop":
            (handle,) = c.params
            assert isinstance(handle.type, abi.CHandle)
            name = handle.type.name
            prototype = _declare("void", f"{c.symbol}({_declare(self.c_type(handle.type), 'self')});")
            doc = (
                f"Drops a `{name}` the caller owns: one a function returned as an owned pointer (`Box<{name}>`) "
                "and that no function took back (a function taking ownership drops it itself). Call it once; "
                "nothing else may use the object during or after the call. NULL does nothing. Never call it on a "
                f"`{name}` a function returned as a borrowed pointer."
            )
            doc += _quick_drop(c)
            return CFunction(prototype, c_comment(_wrap(doc)))
        service = self.inventory.service(c.service or "")
        assert service is not None
        if c.role == "destructor":
            doc = (
                f"Destroys the `{service.name}` made by a constructor: later calls on it fail. Destroying it again "
                f"does nothing; while a method runs on it, this fails ({crate}_FAILURE_INVALID_ARGUMENT) and leaves "
                f"it alive. `{service.release}` must still be called."
            )
        else:
            doc = (
                f"Gives up a `{service.name}` handle, once, when no call can use it any more; destroys the object "
                f"if `{service.destructor}` did not."
            )
            doc += _quick_drop(c)
        (handle,) = c.params
        prototype = _declare("void", f"{c.symbol}({_declare(self.c_type(handle.type), 'self')});")
        return CFunction(prototype, c_comment(_wrap(doc)))

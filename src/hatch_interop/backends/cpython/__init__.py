"""The ``cpython`` backend: the ctypes backend's module with a compiled fast path for CPython.

It writes the module the ctypes backend writes (the whole Pythonic surface: classes, exceptions, hints,
docstrings, every pattern) and an extension module, ``_ffi_cpython``, compiled at packaging time against the
building interpreter and linked with the library. The extension has one compiled function per synchronous free
function or service method whose parameters are numbers, bools, ``&str``, slices (of numbers, bools, enums,
structs), field-less enums, structs of numbers (by value or behind a reference) or objects lent for the call, and
whose result is nothing, a number, a bool, an ``Option`` of one, a ``String``, an enum, such a struct or a ``Vec``
of those (see :func:`eligible`), owned values that cross in the wire encoding among the parameters (encoded in C:
:mod:`.wire`), and async free functions of values (a call makes a compiled coroutine, which calls the library when
first awaited); the module replaces its wrapper of each (a method of its class) with it when it is imported:

- a call whose arguments are exactly of the expected types (a plain ``int`` in the parameter's range, a ``float``,
  ``True``/``False``, a ``str``: its UTF-8 as CPython keeps it, an ``array.array`` of the element's type code or
  ``bytes``, or an object of a struct's class: its memory, exported for the call, an enum's member, an open object
  of an opaque type's class: the pointer it holds, its holder kept for the call), passed by position and all of
  them, converts them
  and calls the library in C, keeping or releasing the GIL as the function's ``gil`` policy says, and reads the
  library's failure count as the wrapper does (after a zero result only, for a number);
- any other call (keywords, defaults, an ``int`` subclass or ``__index__``, a value out of range, a wrong type)
  goes to the wrapper, so that every backend converts, refuses and names arguments alike;
- a failure the library recorded is raised by the runtime, as the wrapper raises it.

The compiled function carries the wrapper's ``__name__``, ``__doc__``, ``__annotations__`` and ``__wrapped__``, so
``inspect.signature`` and ``typing.get_type_hints`` read the wrapper's; it pickles by reference, as a function does.

The extension uses CPython's full C API (the vectorcall protocol is in the limited API from 3.12 only), so the wheel
is tagged for the building interpreter alone (``cp311-cp311``): build one wheel per CPython version (cibuildwheel
does). PyPy users build the cffi backend instead, whose ABI mode is PyPy's fast FFI.
"""

from __future__ import annotations

import dataclasses
import importlib.machinery
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, ClassVar, FrozenSet, List, Optional, Tuple, Union

import jinja2
from packaging import tags

from hatch_interop import abi
from hatch_interop.backend import GeneratedFile
from hatch_interop.backends.c import C_PRIMITIVES
from hatch_interop.backends.cffi import CffiBackend, api_mode
from hatch_interop.backends.cpython.wire import WireCodecs, encodable, tagged_name
from hatch_interop.backends.ctypes import CtypesBackend, CtypesWrapperBuilder
from hatch_interop.backends.python import ARRAY_CODES, PyOpaque, has_cells
from hatch_interop.codegen import c_comment, python_string
from hatch_interop.config import Option as BackendOption
from hatch_interop.errors import BackendError
from hatch_interop.inventory import (
    Array,
    CallbackDef,
    CStr,
    Encoded,
    EnumDef,
    Function,
    Inventory,
    Method,
    Named,
    OpaqueDef,
    OwnedString,
    Pointer,
    Primitive,
    Record,
    Slice,
    Str,
    StructDef,
    TaggedDef,
    TraitDef,
    TypeRef,
    Vec,
    Void,
    WireList,
    WireMap,
    WireOption,
    encoded_callback_result,
)
from hatch_interop.inventory import Option as FfiOption
from hatch_interop.pylayout import Group, layout
from hatch_interop.runtime import runtime_files

BACKEND = "cpython"
#: What a build on PyPy makes (option `pypy`).
PYPY_ROUTES = ("cffi", "error")
#: The extension module's name inside the generated package.
MODULE = "_ffi_cpython"
#: What the extension's own C names begin with (its functions, types and statics): no library symbol may.
LOCAL_PREFIX = "ffi_fast_"
#: Who compiles the extension, for the compiler's errors.
BUILDER = api_mode.Builder(
    f"The {BACKEND} backend",
    'use the ctypes backend (`backends = ["ctypes"]`), which needs no compiler',
    flags=("-DNDEBUG",),
)

#: How the fast path takes an argument of each primitive: the C variable it converts into, and the check that
#: converts it (``{value}`` the argument, ``{out}`` the variable's address).
_UNSIGNED_MAX = {"u8": "255ULL", "u16": "65535ULL", "u32": "4294967295ULL", "u64": "UINT64_MAX", "usize": "SIZE_MAX"}
_SIGNED_RANGE = {
    "i8": ("-128LL", "127LL"),
    "i16": ("-32768LL", "32767LL"),
    "i32": ("-2147483648LL", "2147483647LL"),
    "i64": ("INT64_MIN", "INT64_MAX"),
    "isize": ("PTRDIFF_MIN", "PTRDIFF_MAX"),
}


#: The template's optional helpers, each emitted only when a compiled function uses it (the names of its flags):
#: conversions of arguments (``uses_*``), of results (``returns_*``), and what several share (``uses_cdata``: the
#: probed layout of ctypes objects).
HELPERS = frozenset(
    {
        "uses_text",
        "uses_chars",
        "uses_wide",
        "uses_arrays",
        "uses_members",
        "uses_struct_values",
        "uses_struct_refs",
        "uses_objects",
        "uses_cdata",
        "moves_objects",
        "lends_bytes",
        "returns_newtypes",
        "returns_members",
        "returns_structs",
        "returns_text",
        "returns_lists",
        "returns_encoded",
        "returns_texts",
        "callback_results",
        "callback_errors",
        "keeps_callbacks",
        "uses_traits",
        "callback_encoded",
        "callback_records",
        "callback_error_data",
        "writes_back",
        "returns_objects",
        "owns_objects",
        "constructs_objects",
    }
)


def _helpers(*names: str) -> FrozenSet[str]:
    assert set(names) <= HELPERS, names
    return frozenset(names)


@dataclass(frozen=True)
class FastParam:
    #: The declarations of the variables the argument converts into (``unsigned long long arg0``).
    declarations: Tuple[str, ...]
    #: The conversion, false when the argument is not exactly of the expected type (the wrapper takes it then).
    check: str
    #: The C arguments the library takes for it (a text's bytes and their count are two).
    arguments: Tuple[str, ...]
    #: Its C parameters in the library function's prototype.
    prototype: Tuple[str, ...]
    #: What gives back what the conversion holds (a buffer's export), after the call or when a later argument
    #: fails its conversion; None when it holds nothing.
    release: Optional[str] = None
    #: File-scope declarations the conversion uses (where an object's class keeps its pointer).
    statics: Tuple[str, ...] = ()
    #: For an object moved into the library: the statement that takes it from its Python object once every
    #: argument converted, and the one that gives it back when the library refuses it (a `ValueError`).
    take: Optional[str] = None
    give_back: Optional[str] = None
    #: The template's helpers the conversion uses (names of :data:`HELPERS`).
    helpers: FrozenSet[str] = frozenset()
    #: For an object whose cell moves into the library: the statement that, right after the call, gives the emptied
    #: cell back to the library when nothing else refers to it and the library took the value (no failure
    #: pending), and the one that then empties the cell's Python object (whose finaliser finds nothing to do).
    drop_emptied: Optional[str] = None
    mark_emptied: Optional[str] = None
    #: What the call hands over to the library, which owns it from the call on (a kept callable's context): the
    #: statement run after the call so that the releases then give back nothing.
    handed_over: Optional[str] = None
    #: What the library wrote into a copy of the argument, copied back into it when the call succeeded (the
    #: structs of a list the library writes into), before the releases.
    written_back: Optional[str] = None


@dataclass(frozen=True)
class CTaggedLayout:
    """A data-carrying enum as the extension declares it: its C name, the crate's name of it, its tag's C type, each
    variant with fields (the union's member and the fields' declarations), its size and payload's offset, and every
    field's offset (the member's path, the offset Rust measured)."""

    kind: ClassVar[str] = "tagged"
    name: str
    rust: str
    tag: str
    variants: Tuple[Tuple[str, Tuple[str, ...]], ...]
    size: int
    payload_offset: int
    offsets: Tuple[Tuple[str, int], ...]


@dataclass(frozen=True)
class CStructLayout:
    """A struct as the extension declares it: its C name, its fields (declaration, name, offset), its size, and the
    crate's name of it (for the static assertions' messages)."""

    kind: ClassVar[str] = "struct"
    name: str
    fields: Tuple[Tuple[str, str, int], ...]
    size: int
    struct: str
    #: A compiled function returns it: the extension keeps the last object it made (``<name>_spare``).
    returned: bool = False


@dataclass(frozen=True)
class FastFunction:
    index: int
    #: The name of the Python function it replaces: a module-level function's, or a method's (``Store.get``).
    name: str
    #: Its C name.
    c_name: str
    #: A method of a service's class (its first argument is the object), not a module-level function.
    method: bool
    #: The C comment above it: its Python signature.
    comment: str
    prototype: str
    params: Tuple[FastParam, ...]
    #: Each parameter's conversion, with what to give back if it fails (the holds of the conversions before it).
    conversions: Tuple[Tuple[str, Tuple[str, ...]], ...]
    #: What to give back after the call.
    releases: Tuple[str, ...]
    returns_value: bool
    result_type: str
    releases_gil: bool
    call: str
    #: When to read the library's failure count (as the wrapper does: after a zero result only, for a number).
    failed: str
    convert: str
    #: The wrapper's `errors` argument of `raise_failure` (the error enum's variants by code), or "None".
    errors: str
    #: The module's objects the C code refers to (``FFI_FAST_OBJECT(self, i)``): classes, an enum's members by value.
    objects: Tuple[str, ...] = ()
    #: An async function: the call makes a compiled coroutine keeping the converted arguments (`stored`: each
    #: variable's declaration and name), which calls the library when it is first awaited; `call` is then the
    #: statement of that call, `result_type` what the completion's value points at.
    asynchronous: bool = False
    stored: Tuple[Tuple[str, str], ...] = ()
    #: An async method's object: the class it must be exactly of when called (else the wrapper takes the call), and
    #: how its coroutine reads the object's pointer when it calls the library (from the call's arguments, which it
    #: keeps: if the object is closed by then, the wrapper's coroutine takes over).
    receiver_class: Optional[str] = None
    receiver: Optional[FastParam] = None
    #: The template's helpers its result's conversion uses (its parameters' are theirs).
    result_helpers: FrozenSet[str] = frozenset()
    #: An async function whose coroutine converts its arguments when it calls the library (see `late_param`).
    late: bool = False

    @property
    def helpers(self) -> FrozenSet[str]:
        """The template's helpers the function uses."""
        return self.result_helpers.union(*(p.helpers for p in self.every_param))

    @property
    def every_param(self) -> Tuple[FastParam, ...]:
        """The parameters, and an async method's object."""
        return self.params if self.receiver is None else (self.receiver, *self.params)

    @property
    def statics(self) -> Tuple[str, ...]:
        return tuple(declaration for p in self.every_param for declaration in p.statics)

    @property
    def moves(self) -> Tuple[FastParam, ...]:
        """The parameters whose objects move into the library."""
        return tuple(p for p in self.params if p.take is not None)


@dataclass(frozen=True)
class CCallback:
    """A callback type whose Python callables the fast path lends the library for a call, and the C function the
    library calls them through (its trampoline)."""

    #: Its comment (the callback's name, escaped).
    comment: str
    #: The C name of its structure (``call``, ``context``, ``release``), and of its trampoline.
    struct: str
    trampoline: str
    #: Each parameter's C declarations (a text's pointer and length are two), and the expression making its Python
    #: object.
    params: Tuple[Tuple[Tuple[str, ...], str], ...]
    #: The C result type (``void``), the type the result is checked into, and the check (None: no result).
    result_type: str
    value_type: str
    check: Optional[str]
    #: What the trampoline returns when the callable failed: zero, or an enum's first value (the library must get
    #: a valid one, as from the module's trampoline).
    failed: str = "0"
    #: The module's objects the trampoline reads (``lent->objects[i]``): classes, enums' members by value.
    objects: Tuple[ModuleObject, ...] = ()
    #: The template's helpers its conversions use.
    helpers: FrozenSet[str] = frozenset()
    #: The slots the library passes after the arguments (an error's, a result's), declared.
    slots: Tuple[str, ...] = ()
    #: The statements handing the callable's result (`returned`, not NULL) over through a slot; one that fails
    #: leaves `returned` NULL with the exception raised.
    finish: Tuple[str, ...] = ()
    #: A `Result`'s error enum: the module's class of it (its variants' exceptions fill the `error` slot).
    error_class: Optional[str] = None
    #: For an error enum whose variants carry data: the module's `set_encoded` and what it is called with besides the
    #: slot and the exception (which it encodes into the slot).
    error_encoded: Optional[str] = None


@dataclass(frozen=True)
class CListResult:
    """How the extension makes the list of a `Vec` the library returns: its helper's C name, the element's C type,
    and the expression making an element's Python object from ``items[i]`` (``object``: the module's class or
    members by value that it needs)."""

    name: str
    element: str
    item: str
    #: The comment above the helper (the Rust type, escaped).
    comment: str
    uses_object: bool


@dataclass(frozen=True)
class CHolder:
    """What objects of an opaque type hold, whose finaliser the extension replaces by its own: a cell (given back by
    the type's drop function, except at shutdown) or a service's handle (given up by its release function)."""

    name: str
    symbol: str
    cell: bool
    #: Whether the GIL stays held while the library drops the value (the ABI model's ``holds_gil``: dropping it only
    #: frees memory, or its crate says ``drop_gil = "hold"``: the call never waits for a thread calling into Python).
    hold_gil: bool
    #: Whether dropping the value only frees memory (the ABI model's ``frees_only``): no Python code can run during
    #: the drop, so the exception being raised as the holder is freed, if any, needs no keeping aside.
    frees_only: bool = False


@dataclass(frozen=True)
class COptionLayout:
    """An option as the extension declares it (``FfiOption<T>``: the value, then whether it is there), of a number,
    an enum (its integer) or a struct of numbers."""

    name: str
    value: str


def _number(ty: TypeRef) -> bool:
    """A number or bool whose Python value is a plain `int`, `float` or `bool` (no `char`, `u128`/`i128` or
    newtype, whose values the wrapper makes)."""
    return isinstance(ty, Primitive) and not (ty.is_char or ty.is_wide or ty.newtype)


def _scalar(ty: TypeRef) -> bool:
    """A number or bool, or a `#[repr(transparent)]` newtype of a number (no `char`, `u128`/`i128`)."""
    return isinstance(ty, Primitive) and not (ty.is_char or ty.is_wide)


def _char_or_wide(ty: TypeRef) -> bool:
    """A `char` (a one-character `str` in Python) or a `u128`/`i128` (an `int`), by value (no newtype)."""
    return isinstance(ty, Primitive) and (ty.is_char or ty.is_wide) and ty.newtype is None


def _c_type(ty: Primitive) -> str:
    """The C type of a number, bool or `char` as the library takes and returns it (a `u128` or `i128` as its two
    64-bit halves, ``ffi_fast_wide``)."""
    if ty.is_char:
        return "uint32_t"
    if ty.is_wide:
        return "ffi_fast_wide"
    return C_PRIMITIVES[ty.name]


def _numbers(ty: TypeRef, inventory: Inventory) -> bool:
    """A slice the fast path takes: of what :func:`_plain_value` takes."""
    return isinstance(ty, Slice) and _plain_value(inventory, ty.element)


def plain_struct(inventory: Inventory, ty: TypeRef) -> Optional[StructDef]:
    """The struct `ty` names (by value or behind a pointer) if the extension declares it: every field held in the
    struct's own memory (numbers, bools, `char`s, field-less enums, other such structs, arrays and options of those,
    addresses), which the struct's ctypes object holds as the library lays it out, so that its memory is the value
    (a struct holding a tagged union is not taken)."""
    named = ty.target if isinstance(ty, Pointer) else ty
    if not isinstance(named, Named):
        return None
    target = inventory.type(named.name)
    if not isinstance(target, StructDef):
        return None
    return target if all(_inline(inventory, f.type) for f in target.fields) else None


def _inline(inventory: Inventory, ty: TypeRef) -> bool:
    """Whether a struct's field of type `ty` is held in the struct's memory as the extension declares it."""
    if isinstance(ty, Primitive):
        return True
    if isinstance(ty, Pointer):
        return not ty.owned  # an address (`*const T`, `Option<&T>`): an integer in Python
    if isinstance(ty, (Array, FfiOption)):
        return _inline(inventory, ty.element if isinstance(ty, Array) else ty.inner)
    if isinstance(ty, Named):
        return any(
            found is not None
            for found in (_enum(inventory, ty), plain_struct(inventory, ty), plain_tagged(inventory, ty))
        )
    return False


def plain_tagged(inventory: Inventory, ty: TypeRef) -> Optional[TaggedDef]:
    """The data-carrying enum `ty` names (by value, or behind a shared reference) if the extension converts it: its
    variants' fields numbers, bools, field-less enums or structs it declares (see
    :meth:`WireCodecs.tagged_conversions`), at least one variant with fields."""
    shared = isinstance(ty, Pointer) and not (ty.mutable or ty.nullable or ty.owned)
    named = ty.target if shared else ty  # type: ignore[union-attr]
    if not isinstance(named, Named):
        return None
    target = inventory.type(named.name)
    if not isinstance(target, TaggedDef) or not any(v.fields for v in target.variants):
        return None
    for variant in target.variants:
        for field in variant.fields:
            field_type = field.type
            if isinstance(field_type, Primitive):
                if not _scalar(field_type) or field_type.newtype:
                    return None
            elif _enum(inventory, field_type) is None and plain_struct(inventory, field_type) is None:
                return None
    return target


def _tagged_layout(inventory: Inventory, t: TaggedDef) -> CTaggedLayout:
    """A data-carrying enum's layout as the extension declares it (see :meth:`CpythonBackend.layouts`)."""
    variants = tuple(
        (f"v{i}", tuple(_field_declaration(inventory, f.type, f"f{j}") for j, f in enumerate(v.fields)))
        for i, v in enumerate(t.variants)
        if v.fields
    )
    offsets = tuple((f"payload.v{i}.f{j}", f.offset) for i, v in enumerate(t.variants) for j, f in enumerate(v.fields))
    return CTaggedLayout(
        tagged_name(t.name), t.name, C_PRIMITIVES[t.repr.name], variants, t.size, t.payload_offset, offsets
    )


def _field_declaration(inventory: Inventory, ty: TypeRef, name: str) -> str:
    """The C declaration of a struct's field `name` of type `ty` (see :func:`_inline`): an option as an anonymous
    struct of its layout, an array as C's."""
    if isinstance(ty, Primitive):
        return f"{_c_type(ty)} {name}"
    if isinstance(ty, Pointer):
        return f"void *{name}"
    if isinstance(ty, Array):
        return _field_declaration(inventory, ty.element, f"{name}[{ty.len}]")
    if isinstance(ty, FfiOption):
        return f"struct {{ {_field_declaration(inventory, ty.inner, 'value')}; uint8_t is_some; }} {name}"
    enum = _enum(inventory, ty)
    if enum is not None:
        return f"{C_PRIMITIVES[enum.repr.name]} {name}"
    tagged = plain_tagged(inventory, ty)
    if tagged is not None:
        return f"{tagged_name(tagged.name)} {name}"
    struct = plain_struct(inventory, ty)
    assert struct is not None, ty
    return f"{_struct_name(struct)} {name}"


def _held_structs(inventory: Inventory, ty: TypeRef) -> List[Union[StructDef, TaggedDef]]:
    """The structs and data-carrying enums a struct's (or variant's) field of type `ty` holds (itself one, or its
    arrays' or options' elements)."""
    if isinstance(ty, (Array, FfiOption)):
        return _held_structs(inventory, ty.element if isinstance(ty, Array) else ty.inner)
    if not isinstance(ty, Named):
        return []
    held = plain_struct(inventory, ty) or plain_tagged(inventory, ty)
    return [] if held is None else [held]


def _holds_wide(inventory: Inventory, struct: Union[StructDef, TaggedDef]) -> bool:
    """Whether `struct` (or one it holds) has a `u128` or `i128` field, declared as ``ffi_fast_wide``."""

    def wide(ty: TypeRef) -> bool:
        if isinstance(ty, (Array, FfiOption)):
            return wide(ty.element if isinstance(ty, Array) else ty.inner)
        return isinstance(ty, Primitive) and ty.is_wide

    fields = struct.fields if isinstance(struct, StructDef) else tuple(f for v in struct.variants for f in v.fields)
    return any(wide(f.type) for f in fields) or any(
        _holds_wide(inventory, held) for f in fields for held in _held_structs(inventory, f.type)
    )


def _enum(inventory: Inventory, ty: TypeRef) -> Optional[EnumDef]:
    """The field-less enum `ty` names by value, if it does."""
    target = inventory.type(ty.name) if isinstance(ty, Named) else None
    return target if isinstance(target, EnumDef) else None


def returned_object(inventory: Inventory, ty: TypeRef) -> Optional[OpaqueDef]:
    """The opaque type (or service) of an object behind a pointer: one a function returns (`Box<T>`,
    `Option<Box<T>>`, a service), lends or moves in."""
    if not isinstance(ty, Pointer):
        return None
    target = inventory.type(ty.target.name)
    return target if isinstance(target, OpaqueDef) else None


def moved_object(inventory: Inventory, ty: TypeRef) -> Optional[OpaqueDef]:
    """The opaque type with cells, or service, whose object a `Box<T>`, `Option<Box<T>>` or by-value service
    parameter moves into the library (given back when the library refuses to take it, as the wrapper does)."""
    target = returned_object(inventory, ty) if isinstance(ty, Pointer) and ty.owned else None
    if target is None or not (has_cells(inventory, target) or inventory.service(target.name) is not None):
        return None
    return target


def lent_object(inventory: Inventory, ty: TypeRef) -> Optional[OpaqueDef]:
    """The opaque type (or service) whose object a `&T`, `&mut T` or `Option<&T>` parameter lends for the call (a
    `Box<T>`, which moves the object into the library, is the wrapper's)."""
    return returned_object(inventory, ty) if isinstance(ty, Pointer) and not ty.owned else None


def compiled_callback(callback: CallbackDef, inventory: Inventory) -> bool:
    """Whether the fast path lends the library callables of `callback`: its parameters numbers, bools, newtypes,
    `char`s, text, field-less enums, structs (by value or behind a reference) or slices the library lends (of
    numbers, newtypes, enums or structs; `bytes` for `&[u8]`); its result nothing, a number, a bool, a newtype, a
    field-less enum, a `String`, such a struct, or an `Option` of a number or such a struct; a `Result` of those
    whose error is a field-less enum."""
    return c_callback(callback, inventory) is not None


def lent_callback(inventory: Inventory, ty: TypeRef) -> Optional[CallbackDef]:
    """The callback a `&Callback` or `Option<&Callback>` parameter lends the library for the call, if the fast path
    takes it (one the library keeps, taken by value, is the wrapper's: it registers the callable)."""
    if not isinstance(ty, Pointer) or ty.owned:
        return None
    target = inventory.type(ty.target.name)
    return target if isinstance(target, CallbackDef) and compiled_callback(target, inventory) else None


def _lent_object(objects: List[ModuleObject], kind: str, name: str) -> str:
    """The C expression of the module's object (`kind`, `name`: see :class:`ModuleObject`) as a callback's trampoline
    reads it from its lent callable (``lent->objects[i]``), added to the callback's `objects` once."""
    _object(objects, kind, name)
    return f"lent->objects[{objects.index(ModuleObject(kind, name))}]"


def kept_callback(inventory: Inventory, ty: TypeRef) -> Optional[CallbackDef]:
    """The callback a by-value parameter hands over to the library, which keeps it (and releases it when it drops
    it), if the fast path takes it."""
    target = inventory.type(ty.name) if isinstance(ty, Named) else None
    return target if isinstance(target, CallbackDef) and compiled_callback(target, inventory) else None


def compiled_trait(inventory: Inventory, ty: TypeRef) -> Optional[TraitDef]:
    """The trait whose object a parameter takes, lent for the call (`&dyn T`, `Option<&dyn T>`) or handed over
    (`Box<dyn T>`, `Arc<dyn T>` by value), if the fast path takes every method's callback."""
    named = ty.target if isinstance(ty, Pointer) else ty
    target = inventory.type(named.name) if isinstance(named, Named) else None
    if not isinstance(target, TraitDef) or (isinstance(ty, Pointer) and ty.owned):
        return None
    for method in target.methods:
        callback = inventory.type(method.callback.name)
        if not isinstance(callback, CallbackDef) or not compiled_callback(callback, inventory):
            return None
    return target


def _callback_param(
    inventory: Inventory,
    ty: TypeRef,
    name: str,
    objects: List[ModuleObject],
    codecs: Optional[WireCodecs] = None,
) -> Optional[Tuple[Tuple[str, ...], str, FrozenSet[str]]]:
    """How a trampoline takes its callback's parameter `name` of type `ty` and makes its Python object, as the module's
    trampoline makes it (its C declarations, the expression, the template's helpers), or None if it cannot yet;
    `objects` collects the module's objects it reads (``lent->objects[i]``)."""

    def read(kind: str, wanted: str) -> str:
        return _lent_object(objects, kind, wanted)

    if isinstance(ty, Primitive):
        if ty.is_wide:
            return None
        declaration = (f"{_c_type(ty)} {name}",)
        if ty.is_char:
            return declaration, f"PyUnicode_FromOrdinal((int){name})", _helpers()
        number = _number_object(ty, name)
        if ty.newtype is None:
            return declaration, number, _helpers()
        base = "PyFloat_Type" if ty.is_float else "PyLong_Type"
        return (
            declaration,
            f"ffi_fast_newtype(&{base}, {read('class', ty.newtype)}, {number})",
            _helpers("returns_newtypes"),
        )
    if isinstance(ty, Encoded) and not isinstance(ty.value, (WireList, WireMap, WireOption)):
        # A record (or record enum) the library encodes for the call: decoded in C into what the runtime's codec
        # makes, or by that codec where the decoders cannot (`codecs` None: only whether the fast path takes it).
        if not encodable(inventory, ty.value):
            return None
        decoder = codecs.decoder(ty.value) if codecs is not None else "NULL"
        codec = read("global", codecs.builder.codec(ty)) if codecs is not None else "NULL"
        make = f"ffi_fast_decode_lent({decoder}, {read('global', '_ffi_wire_decode')}, {codec}, {name})"
        return (f"const ffi_fast_bytes *{name}",), make, _helpers("lends_bytes", "callback_records")
    if isinstance(ty, Str):
        # The library's UTF-8, decoded as the module's trampoline decodes it.
        declarations = (f"const char *{name}", f"size_t {name}_len")
        return declarations, f"PyUnicode_DecodeUTF8({name}, (Py_ssize_t){name}_len, NULL)", _helpers()
    if isinstance(ty, Slice):
        if ty.mutable or not listed(inventory, Vec(ty.element)):
            return None
        element = ty.element
        declarations = (f"const void *{name}", f"size_t {name}_len")
        buffer = f"(ffi_fast_buffer){{(char *){name}, {name}_len}}"
        if element == Primitive("u8"):
            # `bytes`, as the module's trampoline makes (`string_at`).
            return (
                declarations,
                f'PyBytes_FromStringAndSize({name}_len != 0 ? {name} : "", (Py_ssize_t){name}_len)',
                _helpers(),
            )
        # A list of the items, copied (the library lends them for the call only).
        made = c_list_result(inventory, Vec(element))
        argument, helpers = _list_argument(inventory, element, read)
        return declarations, f"{made.name}({buffer}, {argument}, false)", helpers
    if isinstance(ty, Pointer):
        struct = plain_struct(inventory, ty)
        if struct is None or ty.owned or ty.nullable:
            return None
        declaration = (f"const {_struct_name(struct)} *{name}",)
        make = f"ffi_fast_make_struct({read('class', struct.name)}, {name}, sizeof(*{name}), NULL)"
        return declaration, make, _helpers("returns_structs", "uses_cdata")
    if isinstance(ty, Named):
        enum = _enum(inventory, ty)
        if enum is not None:
            key = f"PyLong_FromLongLong((long long){name})"
            make = f"ffi_fast_member({read('by_value', enum.name)}, {key})"
            return (f"{C_PRIMITIVES[enum.repr.name]} {name}",), make, _helpers("returns_members")
        struct = plain_struct(inventory, ty)
        if struct is not None:
            make = f"ffi_fast_make_struct({read('class', struct.name)}, &{name}, sizeof({name}), NULL)"
            return (f"{_struct_name(struct)} {name}",), make, _helpers("returns_structs", "uses_cdata")
    return None


def _plain_value(inventory: Inventory, ty: TypeRef) -> bool:
    """What the extension converts by value in slices, `Vec`s and options: a number, a bool, a newtype of a number,
    a field-less enum or a struct it declares (no `char` or `u128`/`i128`, whose values the wrapper converts)."""
    if isinstance(ty, Primitive):
        return _scalar(ty)
    return isinstance(ty, Named) and (_enum(inventory, ty) is not None or plain_struct(inventory, ty) is not None)


def listed(inventory: Inventory, ty: TypeRef) -> bool:
    """A `Vec` result the extension makes the list (or, of `u8`, the `bytes`) of (see :func:`_plain_value`)."""
    return isinstance(ty, Vec) and _plain_value(inventory, ty.element)


def _fixed(ty: TypeRef, inventory: Inventory) -> bool:
    """A `[T; N]` parameter or result (``struct { T items[N]; }`` by value) of numbers, bools, newtypes of numbers or
    field-less enums (a `list` or `tuple` of exactly N items in, a `tuple` out, `bytes` for `[u8; N]`)."""
    if not isinstance(ty, Array):
        return False
    element = ty.element
    if isinstance(element, Primitive):
        return _scalar(element)
    return isinstance(element, Named) and _enum(inventory, element) is not None


def _array_name(ty: Array) -> str:
    """The extension's C name of an array's layout (a newtype's is its number's)."""
    element = ty.element
    assert isinstance(element, (Primitive, Named)), "_fixed() takes numbers and enums"
    named = element.name if isinstance(element, Primitive) else f"type_{element.name}"
    return f"{LOCAL_PREFIX}array_{named}_{ty.len}"


def _value_option(ty: TypeRef, inventory: Inventory) -> bool:
    """An `FfiOption` (``Option<T>`` by value) of what :func:`_plain_value` takes, or of a data-carrying enum the
    extension converts."""
    return isinstance(ty, FfiOption) and (
        _plain_value(inventory, ty.inner) or plain_tagged(inventory, ty.inner) is not None
    )


def value_param(ty: TypeRef, inventory: Inventory) -> bool:
    """A parameter the fast path converts into a plain C value that holds nothing of the Python argument: a number,
    a bool, a newtype of a number, a field-less enum or a struct of numbers by value (what a compiled async call
    keeps from its call until it is awaited)."""
    return (
        _scalar(ty)
        or _char_or_wide(ty)
        or _enum(inventory, ty) is not None
        or (isinstance(ty, Named) and plain_struct(inventory, ty) is not None)
        or (_value_option(ty, inventory) and not _tagged_option(ty, inventory))
    )


def _tagged_option(ty: TypeRef, inventory: Inventory) -> bool:
    """An `FfiOption` of a data-carrying enum (the fast path takes it in sync calls only)."""
    return isinstance(ty, FfiOption) and plain_tagged(inventory, ty.inner) is not None


def eligible(f: Function, inventory: Inventory) -> bool:
    """Whether the fast path takes the function: a free function or a method (`&self`, `&mut self`), every
    parameter a number, a bool, a `&str`, a slice (:func:`_numbers`), a field-less enum, a struct of numbers by value or
    behind `&`/`&mut` (`Option` of one too), or an object lent (`&T`, `&mut T`, `Option<&T>` of an opaque type or
    service); the result nothing, a number, a bool, an `Option` of a number, a `String`, a field-less enum, such
    a struct, a `Vec` of those (:func:`listed`) or an owned value in the wire encoding; a parameter may also be an
    owned value the extension encodes (a record, a `Vec`, map or `Option` of what
    :func:`~hatch_interop.backends.cpython.wire.encodable` takes). An async function or method is taken when its
    parameters are all values (:func:`value_param`)."""

    def param(ty: TypeRef) -> bool:
        if compiled_trait(inventory, ty) is not None:
            return True
        if isinstance(ty, Pointer):
            return moved_object(inventory, ty) is not None or (
                not ty.owned
                and (
                    plain_struct(inventory, ty) is not None
                    or plain_tagged(inventory, ty) is not None
                    or lent_object(inventory, ty) is not None
                    or lent_callback(inventory, ty) is not None
                )
            )
        if kept_callback(inventory, ty) is not None:
            return True
        return (
            _scalar(ty)
            or _char_or_wide(ty)
            or _value_option(ty, inventory)
            or _fixed(ty, inventory)
            or isinstance(ty, (Str, CStr))
            or _numbers(ty, inventory)
            or _enum(inventory, ty) is not None
            or plain_struct(inventory, ty) is not None
            or plain_tagged(inventory, ty) is not None
            or (isinstance(ty, Encoded) and encodable(inventory, ty.value))
        )

    returns = f.returns
    result = (
        _scalar(returns)
        or _char_or_wide(returns)
        or _fixed(returns, inventory)
        or (_value_option(returns, inventory) and not (f.asynchronous and _tagged_option(returns, inventory)))
        or returned_object(inventory, returns) is not None
        or isinstance(returns, (Void, OwnedString, Encoded))
        or _enum(inventory, returns) is not None
        or (isinstance(returns, Named) and plain_struct(inventory, returns) is not None)
        or listed(inventory, returns)
        or (isinstance(returns, Named) and plain_tagged(inventory, returns) is not None and not f.asynchronous)
    )
    if f.asynchronous:
        return result and all(value_param(p.type, inventory) or late_param(p.type, inventory) for p in f.params)
    return result and all(param(p.type) for p in f.params)


def late_param(ty: TypeRef, inventory: Inventory) -> bool:
    """A parameter of an async function that the compiled coroutine converts when it calls the library (from the
    call's arguments, which it keeps), since what it converts into holds onto the Python argument: text (a `String`
    or `&str`, which the library copies before it returns), a slice it only reads, an owned value the
    extension encodes."""
    return (
        isinstance(ty, Str)
        or (_numbers(ty, inventory) and not ty.mutable)  # type: ignore[union-attr]
        or (isinstance(ty, Encoded) and encodable(inventory, ty.value))
    )


def fast_members(inventory: Inventory) -> List[Function]:
    """The library functions the fast path takes: free functions, then services' sync constructors (``__init__``,
    their constructor `new`, and classmethods), methods and static functions (async constructors are the
    wrappers')."""
    members: List[Function] = [f for f in inventory.functions if eligible(f, inventory)]
    for service in inventory.services:
        # `__init__`, and the other sync constructors (classmethods: the class they are called on is not used).
        members.extend(c for c in service.constructors if eligible(c, inventory))
        members.extend(m for m in service.methods if eligible(m, inventory))
        members.extend(f for f in service.statics if eligible(f, inventory))
    return members


def _init(f: Function) -> bool:
    """Whether the service constructor `f` is its class's ``__init__`` (`new`, sync: an async one is a classmethod)."""
    return f.name == "new" and not f.asynchronous


def _struct_name(struct: StructDef) -> str:
    """The extension's C name of a struct's layout (its own declaration: it includes no header)."""
    return f"{LOCAL_PREFIX}struct_{struct.name}"


def _param(
    index: int,
    name: str,
    ty: TypeRef,
    *,
    inventory: Inventory,
    objects: List[ModuleObject],
    site: str,
    position: int,
    encoders: WireCodecs,
    value: Optional[str] = None,
) -> FastParam:
    """How the fast path takes parameter `index`, the argument at `position`, of the compiled function `site` (its C
    name); `objects` collects the Python objects the C code refers to (classes), which the C code reads as
    ``FFI_FAST_OBJECT(self, i)``; `encoders` makes the encoders of owned values; `value`, where the argument is
    read from (else `args[position]`)."""
    local = f"arg{index}"
    value = value or f"args[{position}]"
    if isinstance(ty, Encoded):
        # Encoded in C into a buffer of the call's (on the stack while it is small), lent for the call.
        encode = encoders.encoder(ty.value)
        check = f"ffi_fast_encoded(&{local}, {value}, {encode})"
        release = f"ffi_fast_out_free(&{local})"
        if ty.lent_as_struct:
            arguments: Tuple[str, ...] = (f"ffi_fast_lent_bytes(&{local})",)
            prototype: Tuple[str, ...] = (f"ffi_fast_bytes {name}",)
            helpers = _helpers("lends_bytes")
        else:
            arguments = (f"(const uint8_t *){local}.data", f"{local}.len")
            prototype = (f"const uint8_t *{name}", f"size_t {name}_len")
            helpers = _helpers()
        return FastParam((f"ffi_fast_out {local}",), check, arguments, prototype, release, helpers=helpers)
    target = lent_object(inventory, ty) or moved_object(inventory, ty)
    if target is not None:
        assert isinstance(ty, Pointer)
        lent = _lent(local, name, value, target, nullable=ty.nullable, objects=objects, slot=f"{site}_slot{index}")
        if not ty.owned:
            return lent
        # Moved: the object's `_ffi_ptr` becomes None for the call (the call holds the cell or handle), as the
        # wrapper does, and is given back when the library refuses to take it.
        slot = f"&{site}_slot{index}"
        moved = dataclasses.replace(
            lent,
            take=f"ffi_fast_move_out({value}, {slot}, {local}_held)",
            give_back=f"ffi_fast_move_back({value}, {slot}, {local}_held)",
            helpers=lent.helpers | _helpers("moves_objects"),
        )
        if inventory.service(target.name) is not None or not has_cells(inventory, target):
            return moved
        # A cell that only the call holds now (its object let go of it) is given back to the library as soon as
        # the library took the value: the finaliser's own call to the drop function, and its GIL release, are
        # saved.
        assert target.drop is not None
        sole = f"{local}_sole"
        return dataclasses.replace(
            moved,
            declarations=(*moved.declarations, f"bool {sole}"),
            take=f"{sole} = ffi_fast_move_out({value}, {slot}, {local}_held)",
            drop_emptied=f"{sole} = {sole} && *ffi_fast_pending == 0 && ({target.drop}({local}), true)",
            mark_emptied=f"ffi_fast_emptied({local}_held, {sole})",
        )
    if isinstance(ty, Array):
        # A list or tuple of exactly its length, each item as a slice's, into the array passed by value.
        element, _, kind, helpers = _slice_items(Slice(ty.element, False), inventory, objects)  # type: ignore[arg-type]
        array = _array_name(ty)
        return FastParam(
            (f"{array} {local}",),
            f"ffi_fast_exact_fixed({value}, {ty.len}, sizeof({element}), {kind}, {local}.items)",
            (local,),
            (f"{array} {name}",),
            helpers=helpers | _helpers("uses_arrays"),
        )
    if isinstance(ty, FfiOption):
        # None, or the value as the parameter of its type takes it, passed as the option's layout.
        inner = _param(
            index,
            name,
            ty.inner,
            inventory=inventory,
            objects=objects,
            site=site,
            position=position,
            encoders=encoders,
            value=value,
        )
        assert len(inner.arguments) == 1 and inner.release is None and not inner.statics, ty
        option = _option_name(ty)
        some = f"{local}_some"
        return FastParam(
            (*inner.declarations, f"bool {some}"),
            f"(({some} = {value} != Py_None) ? {inner.check} : true)",
            (f"({some} ? ({option}){{{inner.arguments[0]}, 1}} : ({option}){{0}})",),
            (f"{option} {name}",),
            helpers=inner.helpers,
        )
    trait = compiled_trait(inventory, ty)
    if trait is not None:
        return _trait_object(local, name, value, ty, trait, objects=objects, inventory=inventory, codecs=encoders)
    callback = kept_callback(inventory, ty)
    if callback is not None:
        return _lent_callable(
            local,
            name,
            value,
            callback,
            nullable=False,
            objects=objects,
            inventory=inventory,
            codecs=encoders,
            kept=True,
        )
    callback = lent_callback(inventory, ty)
    if callback is not None:
        assert isinstance(ty, Pointer)
        return _lent_callable(
            local, name, value, callback, nullable=ty.nullable, objects=objects, inventory=inventory, codecs=encoders
        )
    tagged = plain_tagged(inventory, ty)
    if tagged is not None:
        # Converted into the layout from the variant's fields (exactly of their types), as its `_ffi_to_c` does;
        # behind a reference, the call's copy is lent.
        made = encoders.tagged_conversions(tagged)
        check = f"{made.writer}({value}, &{local})"
        if isinstance(ty, Pointer):
            return FastParam((f"{made.layout} {local}",), check, (f"&{local}",), (f"const {made.layout} *{name}",))
        return FastParam((f"{made.layout} {local}",), check, (local,), (f"{made.layout} {name}",))
    struct = plain_struct(inventory, ty)
    if struct is not None:
        c_name = _struct_name(struct)
        cls = _object(objects, "class", struct.name)
        if isinstance(ty, Pointer):
            # The object's own memory, for the call, as ctypes passes it (`&mut` writes into it).
            qualifier = "" if ty.mutable else "const "
            check = f"ffi_fast_exact_struct_ref({value}, {cls}, {'true' if ty.nullable else 'false'}, &{local})"
            return FastParam(
                (f"void *{local}",),
                check,
                (f"({qualifier}{c_name} *){local}",),
                (f"{qualifier}{c_name} *{name}",),
                helpers=_helpers("uses_struct_refs", "uses_cdata"),
            )
        check = f"ffi_fast_exact_struct({value}, {cls}, &{local}, sizeof({local}))"
        helpers = _helpers("uses_struct_values", "uses_cdata")
        return FastParam((f"{c_name} {local}",), check, (local,), (f"{c_name} {name}",), helpers=helpers)
    enum = _enum(inventory, ty)
    if enum is not None:
        cls = _object(objects, "class", enum.name)
        repr_type = C_PRIMITIVES[enum.repr.name]
        check = f"ffi_fast_exact_member({value}, {cls}, &{local})"
        return FastParam(
            (f"long long {local}",),
            check,
            (f"({repr_type}){local}",),
            (f"{repr_type} {name}",),
            helpers=_helpers("uses_members"),
        )
    if isinstance(ty, CStr):
        # The same UTF-8, which CPython ends with a NUL: taken when it holds none of its own (the wrapper refuses
        # one that does).
        length = f"{local}_len"
        return FastParam(
            (f"const char *{local}", f"Py_ssize_t {length}"),
            f"(ffi_fast_exact_text({value}, &{local}, &{length}) && memchr({local}, 0, (size_t){length}) == NULL)",
            (local,),
            (f"const char *{name}",),
            helpers=_helpers("uses_text"),
        )
    if isinstance(ty, Str):
        # UTF-8 that CPython caches in the `str` itself, which the caller's arguments keep alive for the call.
        # CPython made it (strictly: a lone surrogate has none), so the length vouches for it where the library
        # takes that and does not validate it again.
        length = f"{local}_len"
        vouched = " | FFI_FAST_VOUCHED_UTF8" if inventory.library.vouched_utf8 else ""
        return FastParam(
            (f"const char *{local}", f"Py_ssize_t {length}"),
            f"ffi_fast_exact_text({value}, &{local}, &{length})",
            (local, f"(size_t){length}{vouched}"),
            (f"const char *{name}", f"size_t {name}_len"),
            helpers=_helpers("uses_text"),
        )
    if isinstance(ty, Slice):
        # An `array.array` of the element's own type code (and `bytes` for `&[u8]`), shared for the call: its
        # export stops it from being resized meanwhile, as the wrapper's `from_buffer` does. For a `&[T]`, a list or
        # tuple of exactly typed items too (numbers, bools, enums' members, structs), copied into memory of the
        # call's; the library checks the values of bools and enums in an array, as it does the wrapper's.
        element, code, kind, helpers = _slice_items(ty, inventory, objects)
        qualifier = "" if ty.mutable else "const "
        struct = plain_struct(inventory, ty.element)
        if ty.mutable and struct is not None:
            # Structs the library writes into: a list's or tuple's objects copied, what the library wrote copied
            # back into them when the call succeeds, as the wrapper does (a ctypes array of them is the wrapper's).
            cls = _object(objects, "class", struct.name)
            return FastParam(
                (f"ffi_fast_numbers {local}",),
                f"ffi_fast_list_numbers({value}, sizeof({element}), {kind}, &{local})",
                (f"({element} *){local}.data", f"(size_t){local}.count"),
                (f"{element} *{name}", f"size_t {name}_len"),
                f"ffi_fast_numbers_release(&{local})",
                written_back=f"ffi_fast_write_back({value}, &{local}, {cls}, sizeof({element}))",
                helpers=helpers | _helpers("uses_arrays", "writes_back"),
            )
        accepts_bytes = "true" if ty.element == Primitive("u8") and not ty.mutable else "false"
        check = (
            f"ffi_fast_exact_numbers({value}, '{code}', sizeof({element}), {'true' if ty.mutable else 'false'}, "
            f"{accepts_bytes}, {kind}, &{local})"
        )
        return FastParam(
            (f"ffi_fast_numbers {local}",),
            check,
            (f"({qualifier}{element} *){local}.data", f"(size_t){local}.count"),
            (f"{qualifier}{element} *{name}", f"size_t {name}_len"),
            f"ffi_fast_numbers_release(&{local})",
            helpers=helpers | _helpers("uses_arrays"),
        )
    assert isinstance(ty, Primitive)
    c_type = _c_type(ty)
    prototype = (f"{c_type} {name}",)
    if ty.is_char:
        # A `str` of one character: its code point, which the library checks (a surrogate is no `char`).
        check = f"ffi_fast_exact_char({value}, &{local})"
        return FastParam(
            (f"Py_UCS4 {local}",), check, (f"(uint32_t){local}",), prototype, helpers=_helpers("uses_chars")
        )
    if ty.is_wide:
        signed = "true" if ty.is_signed else "false"
        check = f"ffi_fast_exact_wide({value}, {signed}, &{local})"
        return FastParam((f"ffi_fast_wide {local}",), check, (local,), prototype, helpers=_helpers("uses_wide"))
    if ty.is_bool:
        return FastParam((f"bool {local}",), f"ffi_fast_exact_bool({value}, &{local})", (local,), prototype)
    # A newtype's parameter takes a plain number or an object of the newtype's class (an `int` or `float` subclass
    # whose value is its number), as the wrapper does.
    also = _object(objects, "class", ty.newtype) if ty.newtype else "NULL"
    if ty.name == "f64":
        check = f"ffi_fast_exact_double({value}, {also}, &{local})"
        return FastParam((f"double {local}",), check, (local,), prototype)
    if ty.name == "f32":
        check = f"ffi_fast_exact_float({value}, {also}, &{local})"
        return FastParam((f"float {local}",), check, (local,), prototype)
    if ty.name in _UNSIGNED_MAX:
        check = f"ffi_fast_exact_unsigned({value}, {also}, {_UNSIGNED_MAX[ty.name]}, &{local})"
        return FastParam((f"unsigned long long {local}",), check, (f"({c_type}){local}",), prototype)
    low, high = _SIGNED_RANGE[ty.name]
    check = f"ffi_fast_exact_signed({value}, {also}, {low}, {high}, &{local})"
    return FastParam((f"long long {local}",), check, (f"({c_type}){local}",), prototype)


def _grouped(expression: str) -> str:
    """`expression` as one operand (the template negates a conversion's check, `!check`): in parentheses unless it
    is one already (a name, a call, or wholly parenthesized), so that no check made of `&&` and `||` can be negated
    in part."""
    head = expression.split("(", 1)[0]
    if "(" not in expression:
        return expression if expression.isidentifier() else f"({expression})"
    if head and not head.isidentifier():
        return f"({expression})"
    # A call or a parenthesized expression: one operand if the first parenthesis closes at the very end.
    depth = 0
    for index, char in enumerate(expression):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return expression if index == len(expression) - 1 else f"({expression})"
    return f"({expression})"


def _slice_items(ty: Slice, inventory: Inventory, objects: List[ModuleObject]) -> Tuple[str, str, str, FrozenSet[str]]:
    """How the fast path takes the items of the slice `ty`: the element's C type, its `array.array` type code (NUL:
    none), how a list's items convert (the kind, an integer's range and the class an item may be exactly of: see
    ``ffi_fast_list_numbers``), and the template's helpers that uses."""
    element = ty.element
    if isinstance(element, Primitive):
        c_type = C_PRIMITIVES[element.name]
        if element.is_bool:
            return c_type, "B", "FFI_FAST_BOOL, 0, 0, NULL", _helpers()
        # A newtype's item is a plain number or an object of the newtype's class, as its parameter is.
        also = _object(objects, "class", element.newtype) if element.newtype else "NULL"
        code = ARRAY_CODES[element.name]
        if element.name == "f64":
            return c_type, code, f"FFI_FAST_F64, 0, 0, {also}", _helpers()
        if element.name == "f32":
            return c_type, code, f"FFI_FAST_F32, 0, 0, {also}", _helpers()
        if element.name in _UNSIGNED_MAX:
            return c_type, code, f"FFI_FAST_UNSIGNED, 0, {_UNSIGNED_MAX[element.name]}, {also}", _helpers()
        low, high = _SIGNED_RANGE[element.name]
        return c_type, code, f"FFI_FAST_SIGNED, {low}, (unsigned long long){high}, {also}", _helpers()
    enum = _enum(inventory, element)
    if enum is not None:
        cls = _object(objects, "class", enum.name)
        c_type = C_PRIMITIVES[enum.repr.name]
        return c_type, ARRAY_CODES[enum.repr.name], f"FFI_FAST_MEMBER, 0, 0, {cls}", _helpers("uses_members")
    struct = plain_struct(inventory, element)
    assert struct is not None, "_numbers() takes numbers, bools, enums and structs"
    cls = _object(objects, "class", struct.name)
    # No `array.array` holds structs: a list or tuple of the struct's objects, each one's memory copied.
    return _struct_name(struct), "\\0", f"FFI_FAST_STRUCT, 0, 0, {cls}", _helpers("uses_cdata")


def _lent(
    local: str, name: str, value: str, target: OpaqueDef, *, nullable: bool, objects: List[ModuleObject], slot: str
) -> FastParam:
    """An object of `target` lent for the call (`self` too): its pointer, read as the wrapper reads it (the object's
    `_ffi_ptr`, whose cell or handle the call holds, so that another thread releasing the object meanwhile cannot
    free what the library uses; the library arbitrates borrows)."""
    cls = _object(objects, "class", target.name)
    holder = _object(objects, "holder", target.name)
    held = f"{local}_held"
    check = (
        f"ffi_fast_exact_object({value}, {cls}, {holder}, &{slot}, {'true' if nullable else 'false'}, &{local}, "
        f"&{held})"
    )
    return FastParam(
        (f"void *{local}", f"PyObject *{held}"),
        check,
        (local,),
        (f"void *{name}",),
        f"Py_XDECREF({held})",
        (f"static ffi_fast_slot {slot};",),
        helpers=_helpers("uses_objects", "uses_cdata"),
    )


def _fresh(target: OpaqueDef, *, objects: List[ModuleObject], slots: str) -> FastParam:
    """The object a service's ``__init__`` is called on: exactly of its class and holding no handle yet, else the
    wrapper takes the call (it raises for an object already initialized). The constructor takes nothing of it."""
    cls = _object(objects, "class", target.name)
    return FastParam(
        (),
        f"ffi_fast_fresh_object(args[0], {cls}, &{slots})",
        (),
        (),
        statics=(f"static ffi_fast_init_slots {slots};",),
        helpers=_helpers("constructs_objects", "uses_objects", "uses_cdata"),
    )


def _lent_callable(
    local: str,
    name: str,
    value: str,
    callback: CallbackDef,
    *,
    nullable: bool,
    objects: List[ModuleObject],
    inventory: Inventory,
    codecs: WireCodecs,
    kept: bool = False,
) -> FastParam:
    """A Python callable lent for the call as a callback (`&OnValue`): the library calls it through the callback's
    trampoline, with what the module's own trampoline would use (see ``ffi_fast_lent_callback``). `kept`: handed
    over to the library (a callback by value), which keeps it until it releases it: the trampoline's context is then
    on the heap, holding what it uses."""
    lent = f"{local}_lent"
    raised = _object(objects, "global", "_ffi_callback_raised")
    named = _object(objects, "shown", callback.name)
    enum = _enum(inventory, callback.returns)
    if enum is not None:
        # A result of another type is converted by the module's `enum_member` (into a member, or refused).
        scalar = _object(objects, "global", "_ffi_enum_member")
        what = _object(objects, "result_of", callback.name)
        type_name = _object(objects, "class", enum.name)
    elif isinstance(callback.returns, Primitive):
        scalar = _object(objects, "global", "_ffi_scalar")
        what = _object(objects, "result_of", callback.name)
        type_name = _object(objects, "text", callback.returns.name)
    else:
        scalar = what = type_name = "NULL"
    # The module's objects its trampoline reads, in its order.
    needed = [_object(objects, o.kind, o.name) for o in callback_objects(callback, inventory, codecs)]
    declarations = [f"ffi_fast_lent_callback {lent}"]
    table = "NULL"
    if needed:
        table = f"{lent}_objects"
        declarations.append(f"PyObject *{table}[{len(needed)}]")
    check = (
        f"ffi_fast_exact_callable({value}, {'true' if nullable else 'false'}, &{lent}, {raised}, {named}, {scalar}, "
        f"{what}, {type_name}, {table})"
    )
    if needed:
        fill = " && ".join(f"({table}[{i}] = {expression}) != NULL" for i, expression in enumerate(needed))
        check = f"({fill} && {check})"
    struct = _callback_struct(callback)
    if kept:
        # A context of its own on the heap (the wrapper takes the call when there is no memory for it), given back
        # if the call goes to the wrapper after all, else handed over: the library releases it.
        context = f"{local}_kept"
        keep = (
            f"ffi_fast_keep_callable({value}, {raised}, {named}, {scalar}, {what}, {type_name}, {table}, {len(needed)})"
        )
        check = f"(({context} = {keep}) != NULL)"
        if needed:
            check = f"({fill} && {check})"
        return FastParam(
            (*declarations[1:], f"ffi_fast_lent_callback *{context} = NULL"),
            check,
            (f"({struct}){{{struct}_call, {context}, ffi_fast_release_kept}}",),
            (f"{struct} {name}",),
            release=f"ffi_fast_unkeep({context})",
            handed_over=f"{context} = NULL",
            helpers=_helpers("keeps_callbacks"),
        )
    declarations.append(f"{struct} {local} = {{{struct}_call, &{lent}, NULL}}")
    return FastParam(
        tuple(declarations),
        check,
        (f"{lent}.callable == NULL ? NULL : &{local}" if nullable else f"&{local}",),
        (f"const {struct} *{name}",),
    )


def _trait_object(
    local: str,
    name: str,
    value: str,
    ty: TypeRef,
    trait: TraitDef,
    *,
    objects: List[ModuleObject],
    inventory: Inventory,
    codecs: WireCodecs,
) -> FastParam:
    """An object implementing the trait `trait`, lent for the call (`&dyn T`, `Option<&dyn T>`: None is NULL) or
    handed over (by value): its bound methods, looked up as the wrapper looks them up (any object with the methods
    will do; one that lacks one is the wrapper's, which names it), each lent or handed over as a callable of its
    method's callback is. The call holds the bound methods."""
    kept = not isinstance(ty, Pointer)
    nullable = isinstance(ty, Pointer) and ty.nullable
    declarations: List[str] = []
    checks: List[str] = []
    elements: List[str] = []
    lent: List[FastParam] = []
    for i, method in enumerate(trait.methods):
        callback = inventory.type(method.callback.name)
        assert isinstance(callback, CallbackDef)
        bound = f"{local}_m{i}"
        declarations.append(f"PyObject *{bound} = NULL")
        checks.append(f"ffi_fast_bound_method({value}, {python_string(method.name)}, &{bound})")
        made = _lent_callable(
            f"{bound}_cb",
            f"{name}_m{i}",
            bound,
            callback,
            nullable=False,
            objects=objects,
            inventory=inventory,
            codecs=codecs,
            kept=kept,
        )
        lent.append(made)
        declarations.extend(made.declarations)
        checks.append(made.check)
        # Lent: the callback structure itself (its context the lent callable, filled by its check); kept: the
        # structure made at the call, with its own context.
        elements.append(made.arguments[0] if kept else f"{bound}_cb")
    struct = _trait_struct(trait)
    releases = [made.release for made in lent if made.release is not None]
    releases += [f"Py_XDECREF({local}_m{i})" for i in range(len(trait.methods))]
    argument = f"({struct}){{{', '.join(elements)}}}"
    if not kept:
        declarations.append(f"{struct} {local}")
        checks.append(f"({local} = {argument}, true)")
        argument = f"({value} == Py_None ? NULL : &{local})" if nullable else f"&{local}"
    # One that fails half-way gives back what the methods before it hold (the wrapper then takes the call).
    given_back = ", ".join(part for release in releases for part in release.split("; "))
    check = f"(({' && '.join(checks)}) || ({given_back}, false))"
    if nullable:
        check = f"({value} == Py_None || {check})"
    handed_over = [made.handed_over for made in lent if made.handed_over]
    return FastParam(
        tuple(declarations),
        check,
        (argument,),
        (f"{struct} {name}" if kept else f"const {struct} *{name}",),
        release="; ".join(releases),
        handed_over="; ".join(handed_over) if handed_over else None,
        helpers=_helpers("uses_traits").union(*(made.helpers for made in lent)),
    )


def _trait_struct(trait: TraitDef) -> str:
    """The extension's C name of a trait object's structure (one callback structure per method)."""
    return f"{LOCAL_PREFIX}trait_{trait.name}"


def _callback_struct(callback: CallbackDef) -> str:
    """The extension's C name of a callback's structure (its trampoline's: with ``_call``)."""
    return f"{LOCAL_PREFIX}callback_{callback.name}"


def callback_objects(callback: CallbackDef, inventory: Inventory, codecs: WireCodecs) -> List[ModuleObject]:
    """The module's objects the trampoline of `callback` reads (``lent->objects[i]``), in that order."""
    made = c_callback(callback, inventory, codecs)
    assert made is not None, callback.name
    return list(made.objects)


def c_callback(callback: CallbackDef, inventory: Inventory, codecs: Optional[WireCodecs] = None) -> Optional[CCallback]:
    """How the extension declares a callback the fast path lends: its structure and trampoline (None: it does not
    take it, see :func:`compiled_callback`); `codecs` makes the encoders and decoders of owned values it uses
    (None: only whether it takes it, with stand-ins for their names)."""
    objects: List[ModuleObject] = []

    def read(kind: str, name: str) -> str:
        return _lent_object(objects, kind, name)

    params = []
    helpers = _helpers()
    for i, p in enumerate(callback.params):
        made = _callback_param(inventory, p.type, f"p{i}", objects, codecs)
        if made is None:
            return None
        declarations, make, needs = made
        params.append((declarations, make))
        helpers |= needs
    slots: List[str] = []
    error_class = None
    error_encoded = None
    if callback.error is not None:
        error = _enum(inventory, callback.error)
        if error is not None:
            # A field-less error enum: a variant's exception fills the error's slot (passed before the result's).
            error_class = read("class", error.name)
            slots.append(f"{_option_name(FfiOption(callback.error))} *error")
            helpers |= _helpers("callback_errors")
        else:
            # One whose variants carry data: a variant's exception goes to the module's `set_encoded`, which encodes
            # it into the error's slot (or hands the call what is wrong), as the module's trampoline does.
            error_class = read("class", callback.error.name)
            slots.append("ffi_fast_text_result *error")
            codec = codecs.builder.value_codec(Record(callback.error.name)) if codecs is not None else "NULL"
            error_encoded = ", ".join(
                (
                    read("global", "_ffi_set_encoded"),
                    read("shown", callback.name),
                    read("error_of", callback.name),
                    read("global", codec),
                )
            )
            helpers |= _helpers("callback_error_data")
    struct = _callback_struct(callback)
    returns = callback.returns
    what = callback.name  # (its text is the module's: see `_module_name`)
    comment = (
        c_comment(
            f"`{callback.name}`: the library calls the Python callable lent to it for a call, as the module's own "
            "trampoline would (a result of another type converted by the module, or refused; an exception handed "
            "to the call).",
            opener="/*",
        )
        or ""
    )

    def trampoline(**fields: Any) -> CCallback:
        return CCallback(
            comment=comment,
            struct=struct,
            trampoline=f"{struct}_call",
            params=tuple(params),
            objects=tuple(objects),
            slots=tuple(slots),
            error_class=error_class,
            error_encoded=error_encoded,
            **fields,
        )

    enum = _enum(inventory, returns)
    if enum is not None:
        # A member of the enum's class (any other converted by the module, `_ffi_enum_member`, or refused); the
        # first variant's value when the callable failed, as the module's trampoline returns.
        cls = read("class", enum.name)
        return trampoline(
            result_type=C_PRIMITIVES[enum.repr.name],
            value_type="long long",
            check=f"ffi_fast_exact_member(returned, {cls}, &value)",
            failed=str(enum.variants[0].value),
            helpers=helpers | _helpers("uses_members"),
        )
    if isinstance(returns, Primitive) and _scalar(returns):
        value_type, check = _callback_number(returns, "returned", "&value")
        return trampoline(result_type=C_PRIMITIVES[returns.name], value_type=value_type, check=check, helpers=helpers)
    finish: Tuple[str, ...] = ()
    if isinstance(returns, OwnedString) or returns == Encoded(WireOption(OwnedString())):
        # The text set into the slot the library passes last, which copies it (an `Option<String>`'s None sets
        # none); any other result goes to the module's `set_text`, which converts or refuses it.
        slots.append("ffi_fast_text_result *result")
        set_text = read("global", "_ffi_set_text")
        unless_none = "" if isinstance(returns, OwnedString) else "returned == Py_None ? returned : "
        described = read("result_of", what)
        finish = (f"returned = {unless_none}ffi_fast_set_text(returned, result, {set_text}, {described});",)
        helpers |= _helpers("callback_results")
    elif isinstance(returns, FfiOption) or plain_struct(inventory, returns) is not None:
        # Written into the slot the library passes last: a struct, or an option's value and `is_some` (None
        # leaves it as it is); any other value is converted by the module (or refused), as its trampoline does.
        inner = returns.inner if isinstance(returns, FfiOption) else returns
        target = plain_struct(inventory, inner)
        optional = isinstance(returns, FfiOption)
        out = "&result->value" if optional else "result"
        declared: Tuple[str, ...] = ()
        if target is not None:
            check = f"ffi_fast_exact_struct(returned, {read('class', target.name)}, {out}, sizeof(*{out}))"
            convert, kind = read("global", "_ffi_struct_field"), read("class", target.name)
            helpers |= _helpers("uses_struct_values", "uses_cdata")
            store = ["result->is_some = 1;"] if optional else []
        elif isinstance(inner, Primitive) and _scalar(inner):
            value_type, check = _callback_number(inner, "returned", "&value")
            convert, kind = read("global", "_ffi_number"), read("text", inner.name)
            declared = (f"{value_type} value;",)
            store = [f"result->value = ({C_PRIMITIVES[inner.name]})value;", "result->is_some = 1;"]
        else:
            return None
        described = read("result_of", what)
        slots.append(f"{_option_name(returns) if optional else _struct_name(target)} *result")  # type: ignore[arg-type]
        finish = (
            f"if (returned != NULL{' && returned != Py_None' if optional else ''}) {{",
            *(f"    {line}" for line in declared),
            f"    if (!{check}) {{",
            "        /* As the module's trampoline: converted (an int subclass, __index__, ...) or refused by it. */",
            f"        PyObject *converted = PyObject_CallFunctionObjArgs({convert}, {described}, returned, {kind}, "
            "NULL);",
            "        Py_DECREF(returned);",
            "        returned = converted;",
            f"        if (returned != NULL && !{check}) {{",
            "            Py_CLEAR(returned);",
            "            PyErr_SetString(PyExc_SystemError, \"a callback's result was converted to a value out of its "
            'type");',
            "        }",
            "    }",
            *([f"    if (returned != NULL) {{ {' '.join(store)} }}"] if store else []),
            "}",
        )
    elif encoded_callback_result(returns) is not None:
        # Encoded in C into the slot the library passes last, which decodes it; any other value goes to the module's
        # `set_encoded`, which encodes it or names what is wrong, as the module's trampoline does.
        encoded = encoded_callback_result(returns)
        assert encoded is not None
        if not encodable(inventory, encoded):
            return None
        slots.append("ffi_fast_text_result *result")
        encoder = codecs.encoder(encoded) if codecs is not None else "NULL"
        codec = codecs.builder.value_codec(encoded) if codecs is not None else "NULL"
        arguments = ", ".join(
            (
                encoder,
                read("global", "_ffi_set_encoded"),
                read("shown", what),
                read("result_of", what),
                read("global", codec),
            )
        )
        finish = (f"returned = ffi_fast_set_encoded(returned, result, {arguments});",)
        helpers |= _helpers("callback_results", "callback_encoded")
    elif not isinstance(returns, Void):
        return None
    return trampoline(result_type="void", value_type="", check=None, helpers=helpers, finish=finish)


def _callback_number(ty: Primitive, value: str, out: str) -> Tuple[str, str]:
    """The C type a callback's number or bool result is checked into, and the check of `value` (exactly of its
    Python type and in range, into `out`)."""
    if ty.is_bool:
        return "bool", f"ffi_fast_exact_bool({value}, {out})"
    if ty.name == "f64":
        return "double", f"ffi_fast_exact_double({value}, NULL, {out})"
    if ty.name == "f32":
        return "float", f"ffi_fast_exact_float({value}, NULL, {out})"
    if ty.name in _UNSIGNED_MAX:
        return "unsigned long long", f"ffi_fast_exact_unsigned({value}, NULL, {_UNSIGNED_MAX[ty.name]}, {out})"
    low, high = _SIGNED_RANGE[ty.name]
    return "long long", f"ffi_fast_exact_signed({value}, NULL, {low}, {high}, {out})"


@dataclass(frozen=True)
class ModuleObject:
    """A Python object of the module that the C code refers to (``FFI_FAST_OBJECT(self, i)``); `kind` says what
    `name` names: ``class`` (a type's class), ``by_value`` (the dict of an enum's members by value), ``holder`` (the
    class of what an opaque type's objects hold), ``global`` (one of the module's own names, ``_ffi_scalar``),
    ``text`` (a `str` of `name` itself), or ``shown`` and ``result_of`` (what errors call the callback `name`, and
    its result: ``OnValue``, ``the result of the Progress.check method``)."""

    kind: str
    name: str


def _object(objects: List[ModuleObject], kind: str, name: str) -> str:
    """The C expression of the module's object (`kind`, `name`: see :class:`ModuleObject`), added to `objects`
    once."""
    wanted = ModuleObject(kind, name)
    if wanted not in objects:
        objects.append(wanted)
    return f"FFI_FAST_OBJECT(self, {objects.index(wanted)})"


def _module_name(builder: CtypesWrapperBuilder, wanted: ModuleObject) -> str:
    """The module's expression of an object of `_object`: a type's class, an enum's members by value, the class of
    what an opaque type's objects hold (a service's handle, another's cell; `None` for an opaque type without a drop
    function, whose objects hold addresses), one of its own names, or a text."""
    kind, name = wanted.kind, wanted.name
    if kind == "global":
        return name
    if kind == "text":
        return python_string(name)
    if kind in ("shown", "result_of", "error_of"):
        # What errors call a callback (`name`): a trait's method by its Python spelling, as the module's trampoline.
        trait = builder.inventory.trait_of(name)
        if trait is None:
            shown, subject = name, f"the {name} callback"
        else:
            method = next(m.name for m in trait.methods if m.callback.name == name)
            shown = f"{builder.classes[trait.name]}.{method}"
            subject = f"the {shown} method"
        if kind == "shown":
            return python_string(shown)
        return python_string(f"the {'result' if kind == 'result_of' else 'error'} of {subject}")
    if kind == "by_value":
        return f"_ffi_{builder.classes[name]}_by_value"
    if kind == "holder":
        target = builder.inventory.type(name)
        if builder.inventory.service(name) is not None:
            return f"_ffi_{builder.classes[name]}_handle"
        return f"_ffi_{name}_cell" if has_cells(builder.inventory, target) else "None"
    assert kind == "class", kind
    return builder.classes[name]


#: The module's objects every compiled coroutine refers to, at these indexes of its objects: the runtime's maker of
#: a failure's exception, of the future a call awaits while the library's runtime works, and what settles that
#: future from another thread.
ASYNC_HELPERS = ("_ffi_support.error", "_ffi_support.call_future", "_ffi_rt.settle_later")


def _convert(
    ty: TypeRef,
    inventory: Inventory,
    objects: List[ModuleObject],
    result: str = "result",
    codecs: Optional[WireCodecs] = None,
) -> Tuple[str, FrozenSet[str]]:
    """The statement returning the result (the C variable `result`) as a Python object, and the template's helpers
    it uses (`codecs` makes a data-carrying enum's reader)."""
    if isinstance(ty, Void):
        return "Py_RETURN_NONE", _helpers()
    tagged = plain_tagged(inventory, ty) if isinstance(ty, Named) else None
    if tagged is not None:
        # The variant's object, made from the layout as `_ffi_<Type>_from_c` makes it.
        assert codecs is not None, ty
        return f"return {codecs.tagged_conversions(tagged).reader}(&{result})", _helpers()
    if isinstance(ty, FfiOption):
        # None, or the value as a result of its type.
        inner, helpers = _convert(ty.inner, inventory, objects, f"{result}.value", codecs)
        assert inner.startswith("return "), inner
        return f"return {result}.is_some ? {inner[len('return ') :]} : ffi_fast_none()", helpers
    target = returned_object(inventory, ty)
    if target is not None:
        assert isinstance(ty, Pointer)
        # The module's own function makes the object, as the wrapper's does: a cell its finaliser drops for an
        # owned object of a type with a drop function, else the address (a service's handle).
        cells = ty.owned and has_cells(inventory, target)
        nullable = "true" if ty.nullable else "false"
        if cells:
            # Made in C as `_ffi_own_<Type>` makes it (which stays the fallback).
            cls = _object(objects, "class", target.name)
            holder = _object(objects, "holder", target.name)
            wrap = _object(objects, "global", f"_ffi_own_{target.name}")
            slot = f"&{LOCAL_PREFIX}own_slot_{target.name}"
            statement = f"return ffi_fast_own({cls}, {holder}, {wrap}, {slot}, {result}, {nullable})"
            return statement, _helpers("returns_objects", "owns_objects", "uses_objects", "uses_cdata")
        wrap = _object(objects, "global", f"_ffi_wrap_{target.name}")
        return f"return ffi_fast_wrap({wrap}, {result}, {nullable})", _helpers("returns_objects")
    struct = plain_struct(inventory, ty)
    if struct is not None:
        cls = _object(objects, "class", struct.name)
        statement = f"return ffi_fast_make_struct({cls}, &{result}, sizeof({result}), &{_struct_name(struct)}_spare)"
        return statement, _helpers("returns_structs", "uses_cdata")
    enum = _enum(inventory, ty)
    if enum is not None:
        by_value = _object(objects, "by_value", enum.name)
        return f"return {_member_object(enum, by_value, result)}", _helpers("returns_members")
    if isinstance(ty, OwnedString):
        return f"return ffi_fast_take_text({result})", _helpers("returns_text")
    if isinstance(ty, Array):
        # `bytes` for `[u8; N]`, else a tuple of the items (made as a `Vec`'s list is).
        if ty.element == Primitive("u8"):
            return f"return PyBytes_FromStringAndSize((const char *){result}.items, {ty.len})", _helpers()
        made = c_list_result(inventory, Vec(ty.element))  # type: ignore[arg-type]
        argument, helpers = _list_argument(inventory, ty.element, lambda kind, name: _object(objects, kind, name))
        items = f"(ffi_fast_buffer){{(char *){result}.items, {ty.len}}}"
        return f"return ffi_fast_tuple({made.name}({items}, {argument}, false))", helpers
    if isinstance(ty, Vec):
        if ty.element == Primitive("u8"):
            return f"return ffi_fast_take_bytes({result})", _helpers("returns_lists")
        made = c_list_result(inventory, ty)
        argument, helpers = _list_argument(inventory, ty.element, lambda kind, name: _object(objects, kind, name))
        return f"return {made.name}({result}, {argument}, true)", helpers
    assert isinstance(ty, Primitive)
    if ty.is_char:
        # The library's `char`, a valid code point (`chr` of it, as the wrapper makes it).
        return f"return PyUnicode_FromOrdinal((int){result})", _helpers()
    if ty.is_wide:
        return f"return ffi_fast_wide_object({result}, {'true' if ty.is_signed else 'false'})", _helpers("uses_wide")
    number = _number_object(ty, result)
    if ty.newtype:
        # An object of the newtype's class, as `UserId(result)` makes (the number is the library's: in range).
        base = "PyFloat_Type" if ty.is_float else "PyLong_Type"
        cls = _object(objects, "class", ty.newtype)
        statement = f"return ffi_fast_newtype(&{base}, {cls}, {number})"
        return statement, _helpers("returns_newtypes")
    return f"return {number}", _helpers()


def _member_object(enum: EnumDef, by_value: str, value: str) -> str:
    """The expression making the member of `enum` for the library's `value` (a new reference), from the module's
    members by value, `by_value`."""
    if _member_table_size(enum) is not None:
        # Small values: the member read from a table the first calls fill (a hand-written extension's array).
        return f"ffi_fast_member_at({by_value}, &{_member_table_name(enum)}, (long long){value})"
    if enum.repr.is_signed:
        return f"ffi_fast_member({by_value}, PyLong_FromLongLong({value}))"
    return f"ffi_fast_member({by_value}, PyLong_FromUnsignedLongLong({value}))"


def _list_argument(
    inventory: Inventory, element: TypeRef, module_object: Callable[[str, str], str]
) -> Tuple[str, FrozenSet[str]]:
    """The module's object a list helper of `element`s needs (``module_object(kind, name)`` refers to it; "NULL":
    none), and the template's helpers the list uses."""
    helpers = _helpers("returns_lists")
    if isinstance(element, Primitive):
        if element.newtype is None:
            return "NULL", helpers
        return module_object("class", element.newtype), helpers | _helpers("returns_newtypes")
    assert isinstance(element, Named)
    if _enum(inventory, element) is not None:
        return module_object("by_value", element.name), helpers | _helpers("returns_members")
    return module_object("class", element.name), helpers | _helpers("returns_structs", "uses_cdata")


def c_list_result(inventory: Inventory, ty: Vec) -> CListResult:
    """How the extension makes the list of the `Vec` result `ty` (see :func:`listed`): a helper per element type,
    taking the module's object the elements need as `object` (a class, an enum's members by value)."""
    element = ty.element
    spelled = element.newtype or element.name if isinstance(element, Primitive) else element.name
    comment = c_comment(
        f"The list of the `{spelled}`s in `buffer`: a `Vec` the library returned (`owned`: its buffer is freed), or a "
        "slice it lends a callback.",
        opener="/*",
    )
    if isinstance(element, Primitive):
        c_type = C_PRIMITIVES[element.name]
        number = _number_object(element, "items[i]")
        if element.newtype is None:
            return CListResult(f"{LOCAL_PREFIX}list_of_{element.name}", c_type, number, comment or "", False)
        base = "PyFloat_Type" if element.is_float else "PyLong_Type"
        item = f"ffi_fast_newtype(&{base}, object, {number})"
        return CListResult(f"{LOCAL_PREFIX}list_of_newtype_{element.newtype}", c_type, item, comment or "", True)
    enum = _enum(inventory, element)
    if enum is not None:
        c_type = C_PRIMITIVES[enum.repr.name]
        item = _member_object(enum, "object", "items[i]")
        return CListResult(f"{LOCAL_PREFIX}list_of_enum_{enum.name}", c_type, item, comment or "", True)
    struct = plain_struct(inventory, element)
    assert struct is not None, "listed() takes numbers, enums and structs of numbers"
    c_type = _struct_name(struct)
    item = "ffi_fast_make_struct(object, &items[i], sizeof(items[i]), NULL)"
    return CListResult(f"{LOCAL_PREFIX}list_of_struct_{struct.name}", c_type, item, comment or "", True)


#: The largest table of an enum's members by value the extension keeps (values 0 to this, minus one).
_MEMBER_TABLE_LIMIT = 256


def _member_table_size(enum: EnumDef) -> Optional[int]:
    """The size of the table of `enum`'s members by value (its largest value plus one), or None when a value is
    negative or too large for a table (the members are then looked up in the module's dict)."""
    values = [v.value for v in enum.variants]
    if not values or min(values) < 0 or max(values) >= _MEMBER_TABLE_LIMIT:
        return None
    return max(values) + 1


def _member_table_name(enum: EnumDef) -> str:
    return f"{LOCAL_PREFIX}members_{enum.name}"


def _number_object(ty: Primitive, value: str) -> str:
    """The expression making the Python object of the number or bool `value` (a new reference)."""
    if ty.is_bool:
        return f"PyBool_FromLong({value})"
    if ty.is_float:
        return f"PyFloat_FromDouble({value})"
    # The narrowest constructor that holds the type (CPython's small-int cache sits behind `PyLong_FromLong`).
    if ty.name in ("u8", "u16", "i8", "i16", "i32"):
        return f"PyLong_FromLong({value})"
    if ty.name == "u32":
        return f"PyLong_FromUnsignedLong({value})"
    if ty.is_signed:
        return f"PyLong_FromLongLong({value})"
    return f"PyLong_FromUnsignedLongLong({value})"


def _option_name(ty: FfiOption) -> str:
    """The extension's C name of an option's layout (a newtype's is its number's; a crate's type apart from any
    number's, whatever its name)."""
    if isinstance(ty.inner, Primitive):
        return f"{LOCAL_PREFIX}option_{ty.inner.name}"
    return f"{LOCAL_PREFIX}option_type_{ty.inner.name}"


def holder_types(inventory: Inventory) -> List[str]:
    """The opaque types whose objects hold a cell or a service's handle, in the inventory's order: each one's objects
    and cells or handles are C types of the extension's (see ``object_class``, ``service_class`` and
    ``holder_class`` in its source), by this index."""
    return [
        t.name
        for t in inventory.types
        if isinstance(t, OpaqueDef) and (inventory.service(t.name) is not None or has_cells(inventory, t))
    ]


class CpythonWrapperBuilder(CtypesWrapperBuilder):
    """The ctypes backend's builder, whose classes of owned objects and services' objects, and of the cells and
    handles they hold, the extension makes C types at import (not tracked by the garbage collector: an object holds
    only its cell or handle, which holds only an address)."""

    def opaque(self, o: OpaqueDef) -> PyOpaque:
        made = super().opaque(o)
        if made.cell is None and made.service is None:
            return made
        index = holder_types(self.inventory).index(o.name)
        kind = "object_class" if made.service is None else "service_class"
        return dataclasses.replace(
            made, cell_decorator=f"_ffi_fast.holder_class({index})", class_decorator=f"_ffi_fast.{kind}"
        )


class CpythonBackend(CtypesBackend):
    """Generates the ctypes backend's ``__init__.py`` with a compiled fast path, ``_ffi_cpython`` (see the module's
    docstring)."""

    PLUGIN_NAME = BACKEND
    OPTIONS = (
        BackendOption(
            "pypy",
            "string",
            "cffi",
            "What a build on PyPy, which cannot load a CPython extension, makes: `cffi` (the cffi backend's "
            "bindings in ABI mode, PyPy's fast FFI, the same Python surface, in a wheel tagged for that PyPy: one "
            "configuration then builds wheels for CPython and PyPy alike) or `error` (the build stops).",
            choices=PYPY_ROUTES,
        ),
    )
    #: The C source of the extension: generate() makes it, build() compiles it.
    _c_source: Optional[str] = None
    #: On PyPy (option `pypy = "cffi"`): the cffi backend, in ABI mode, which makes this build's files instead.
    _instead: Optional[CffiBackend] = None

    def generate(self, inventory: Inventory) -> List[GeneratedFile]:
        if sys.implementation.name == "pypy" and self.context.options.get("pypy", "cffi") == "cffi":
            self._instead = CffiBackend(dataclasses.replace(self.context, options={"mode": "abi"}))
            return self._instead.generate(inventory)
        builder = CpythonWrapperBuilder(inventory, self.context)
        content = self.render(builder)
        fast, encoders = self.fast_functions(builder)
        runtimes = runtime_files(("_ffi_runtime.py", "_ffi_ctypes_runtime.py"))
        if not fast:
            # Nothing to compile: the ctypes backend's module, in a wheel any Python 3 can use.
            self._c_source = None
            content = self.render(CtypesWrapperBuilder(inventory, self.context))
            return [GeneratedFile("__init__.py", content), *runtimes]
        self._c_source = self.c_source(inventory, fast, encoders)
        # The module imports the extension with its other relative imports (a module with functions imports the
        # ctypes runtime), and binds the compiled functions last, once everything their failures name exists.
        ctypes_runtime = "from . import _ffi_ctypes_runtime as _ffi_ct\n"
        imports = f"from . import {MODULE} as _ffi_fast\n{ctypes_runtime}"
        if "from . import _ffi_runtime as _ffi_rt\n" not in content:
            imports += "from . import _ffi_runtime as _ffi_rt\n"
        assert ctypes_runtime in content, "a module with functions imports the ctypes runtime"
        content = content.replace(ctypes_runtime, imports, 1)
        rows = tuple(
            Group("(", (python_string(f.name), f.errors, Group("(", f.objects, ")", is_tuple=True)), ")") for f in fast
        )
        arguments: Tuple[Union[str, Group], ...] = (
            "__name__",
            "_ffi_fast",
            "_ffi_raise_failure",
            Group("(", rows, ")", is_tuple=True),
        )
        if encoders.encoders or encoders.decoders or encoders.tagged:
            # The classes the encoders check values against (and the decoders make), and the records' slots they
            # read (and the data-carrying enums' variants' slots).
            shared = Group("(", tuple(encoders.shared), ")", is_tuple=True)
            fields = Group("(", encoders.python_fields(), ")", is_tuple=True)
            arguments = (*arguments, Group("shared=(", (shared, fields), ")", is_tuple=True))
        constructed = tuple(f.name.rpartition(".")[0] for f in fast if f.name.endswith(".__init__"))
        if constructed:
            # The classes whose `__init__` is compiled: their `__new__` is the extension's too.
            arguments = (*arguments, Group("constructs=(", constructed, ")", is_tuple=True))
        binding = layout(Group("_ffi_rt.compiled(", arguments, ")", explode=True), 0)
        comment = (
            "# The compiled fast path: each of these functions takes a call whose arguments are exactly of the "
            "expected types\n# in C, and hands any other to its wrapper above."
        )
        content = f"{content.rstrip()}\n\n\n{comment}\n{binding}\n"
        stub = (
            f"# Generated by hatch-interop {self.context.generator_version} ({BACKEND} backend): the types of the "
            "compiled extension module; do not edit.\n"
            "from typing import Any, Callable, TypeVar\n\n"
            '_T = TypeVar("_T")\n\n'
            "def object_class(cls: _T) -> _T: ...\n"
            "def service_class(cls: _T) -> _T: ...\n"
            "def holder_class(index: int) -> Callable[[_T], _T]: ...\n"
            "def function(\n"
            "    index: int,\n"
            "    wrapper: Callable[..., Any],\n"
            "    raise_failure: Callable[[Any], None],\n"
            "    errors: Any,\n"
            "    objects: tuple[Any, ...],\n"
            ") -> Any: ...\n"
        )
        return [GeneratedFile("__init__.py", content), GeneratedFile(f"{MODULE}.pyi", stub), *runtimes]

    def fast_functions(self, builder: CtypesWrapperBuilder) -> Tuple[List[FastFunction], WireCodecs]:
        """The compiled functions, and the encoders of owned values they use."""
        made: List[FastFunction] = []
        inventory = builder.inventory
        encoders = WireCodecs(builder, _struct_name)
        c_names = set()
        for f in fast_members(inventory):
            lowered = builder.abi.callable(f)
            sig = builder.api.signature(f)
            method = isinstance(f, Method)
            # A service's `__init__` is called on its object too (`args[0]`), which it fills rather than lends.
            init = sig.kind == "init"
            # A classmethod constructor is called with the class first, which it does not use (as the wrapper).
            constructor = sig.kind == "constructor"
            bound = method or init or constructor
            if init:
                assert sig.cls is not None
                name = f"{sig.cls}.__init__"
                c_name = f"ffi_fast_init_{sig.cls}"
            elif method:
                assert sig.cls is not None
                name = f"{sig.cls}.{sig.name}"
                c_name = f"ffi_fast_method_{sig.cls}_{sig.name}"
            elif constructor:
                assert sig.cls is not None
                name = f"{sig.cls}.{sig.name}"
                c_name = f"ffi_fast_class_{sig.cls}_{sig.name}"
            elif sig.cls is not None:
                # A service's static function: a function the class holds (as a staticmethod).
                name = f"{sig.cls}.{sig.name}"
                c_name = f"ffi_fast_static_{sig.cls}_{sig.name}"
            else:
                name = builder.api.functions[f.name]
                c_name = f"ffi_fast_call_{name}"
            if c_name in c_names:
                # Two methods whose class and name join alike (`A_b.c` and `A.b_c`).
                c_name = f"{c_name}_{len(made)}"
            c_names.add(c_name)
            objects: List[ModuleObject] = []
            if f.asynchronous:
                # What every compiled coroutine uses, first (the template reads them at these indexes): how a
                # failure becomes its exception, the future it awaits when the work goes on in the library's
                # runtime, and how that future gets its outcome from another thread.
                for index, helper in enumerate(ASYNC_HELPERS):
                    assert _object(objects, "global", helper) == f"FFI_FAST_OBJECT(self, {index})"
            # An async function that takes what holds onto its arguments converts them all when its coroutine calls
            # the library, from the arguments it keeps.
            late = f.asynchronous and not all(value_param(p.type, inventory) for p in f.params)
            # C names of the prototype's parameters: any identifier will do, so no reserved word can clash.
            params = tuple(
                _param(
                    i,
                    f"p{i}",
                    p.type,
                    inventory=inventory,
                    objects=objects,
                    site=c_name,
                    position=i + bound,
                    encoders=encoders,
                    value=f"PyTuple_GET_ITEM(call->arguments, {i + bound})" if late else None,
                )
                for i, p in enumerate(f.params)
            )
            receiver: Optional[FastParam] = None
            receiver_class: Optional[str] = None
            if init:
                service = inventory.type(lowered.service or "")
                assert isinstance(service, OpaqueDef) and not f.asynchronous
                params = (_fresh(service, objects=objects, slots=f"{c_name}_slots"), *params)
            if constructor:
                # The class it is called on: any, unconverted (a subclass's call gets the service's object, as the
                # wrapper's).
                params = (FastParam((), "true", (), ()), *params)
            if method:
                # The object the method is called on, lent for the call as an argument is (an async method's when
                # its coroutine calls the library: the object is read from the arguments it keeps).
                service = inventory.type(lowered.service or "")
                assert isinstance(service, OpaqueDef)
                slot = f"{c_name}_slot_self"
                value = "PyTuple_GET_ITEM(call->arguments, 0)" if f.asynchronous else "args[0]"
                receiver = _lent("arg_self", "p_self", value, service, nullable=False, objects=objects, slot=slot)
                if f.asynchronous:
                    receiver_class = _object(objects, "class", service.name)
                else:
                    params = (receiver, *params)
            # Each conversion in turn; one that fails gives back what the ones before it hold.
            conversions = tuple(
                (_grouped(p.check), tuple(q.release for q in params[:i] if q.release is not None))
                for i, p in enumerate(params)
            )
            # A moved object's hold is given up after the call, unless the library refused it (see the template).
            releases = tuple(p.release for p in params if p.release is not None and p.take is None)
            c_params = ", ".join(c for p in params for c in p.prototype)
            returns = f.returns
            struct, enum = plain_struct(inventory, returns), _enum(inventory, returns)
            # (A pointer to one is no result the fast path takes: only a data-carrying enum by value is.)
            tagged = None if isinstance(returns, Pointer) else plain_tagged(inventory, returns)
            if isinstance(returns, Void):
                result_type = "void"
            elif abi.crosses_as_texts(inventory, returns):
                result_type = "ffi_fast_texts"
            elif isinstance(returns, (OwnedString, Encoded, Vec)):
                result_type = "ffi_fast_buffer"  # a buffer the caller frees: UTF-8, an encoding or elements
            elif isinstance(returns, FfiOption):
                result_type = _option_name(returns)
            elif isinstance(returns, Array):
                result_type = _array_name(returns)
            elif isinstance(returns, Pointer):
                result_type = "void *"
            elif struct is not None:
                result_type = _struct_name(struct)
            elif tagged is not None:
                result_type = tagged_name(tagged.name)
            elif enum is not None:
                result_type = C_PRIMITIVES[enum.repr.name]
            else:
                assert isinstance(returns, Primitive)
                result_type = _c_type(returns)
            arguments = [a for p in params for a in p.arguments]
            stored: Tuple[Tuple[str, str], ...] = ()
            if f.asynchronous:
                # The library's function takes the completion last; the arguments wait in the coroutine until then
                # (converted, or, `late`, as they are).
                if not late:
                    stored = tuple((d, d.split()[-1]) for p in params for d in p.declarations)
                    assert all(p.release is None and not p.statics for p in params), f.name
                assert all(p.take is None for p in params), f.name
                if receiver is not None:
                    # The object first, read when the coroutine calls the library.
                    c_params = ", ".join(c for p in (receiver, *params) for c in p.prototype)
                    arguments = [*receiver.arguments, *arguments]
                c_params = (
                    f"{c_params}, ffi_fast_completion completion" if c_params else "ffi_fast_completion completion"
                )
                arguments.append("completion")
            invocation = f"{f.symbol}({', '.join(arguments)})"
            returns_value = not isinstance(returns, Void)
            # As the wrapper does: a number's, bool's or enum's zero is the only result a failed call can have left.
            zeroable = (
                returns_value
                and isinstance(returns, (Primitive, Named, Pointer))
                and struct is None
                and tagged is None
                and not (isinstance(returns, Primitive) and returns.is_wide)
            )
            if init:
                # The object gets the handle, as the wrapper gives it.
                assert isinstance(returns, Pointer)
                holder = _object(objects, "holder", returns.target.name)
                convert = f"return ffi_fast_init(args[0], {holder}, &{c_name}_slots, result)"
                result_helpers = _helpers("constructs_objects", "uses_objects", "uses_cdata")
            elif abi.crosses_as_texts(inventory, returns):
                convert, result_helpers = "return ffi_fast_take_texts(result)", _helpers("returns_texts")
            elif isinstance(returns, Encoded):
                # Decoded in C into what the runtime's codec makes, or by that codec (the fallback, and the only
                # way for types the decoders do not take), as the wrapper decodes it.
                decode = _object(objects, "global", "_ffi_rt.wire_decode")
                codec = _object(objects, "global", builder.codec(returns))
                if encodable(inventory, returns.value):
                    decoder = encoders.decoder(returns.value)
                    convert = f"return ffi_fast_decode({decoder}, {decode}, {codec}, result)"
                else:
                    convert = f"return ffi_fast_decoded({decode}, {codec}, result)"
                result_helpers = _helpers("returns_text", "returns_encoded")
            else:
                convert, result_helpers = _convert(returns, inventory, objects, codecs=encoders)
            made.append(
                FastFunction(
                    index=len(made),
                    name=name,
                    c_name=c_name,
                    method=bound,
                    comment=c_comment(
                        f"{sig.label}({', '.join(p.name for p in f.params)}) -> {sig.returns}", opener="/*"
                    )
                    or "",
                    prototype=f"{'void' if f.asynchronous else result_type} {f.symbol}({c_params or 'void'})",
                    params=params,
                    conversions=conversions,
                    releases=releases,
                    returns_value=returns_value,
                    result_type=result_type,
                    releases_gil=not lowered.holds_gil,
                    call=f"result = {invocation}" if returns_value and not f.asynchronous else invocation,
                    failed="result == 0 && *ffi_fast_pending != 0" if zeroable else "*ffi_fast_pending != 0",
                    convert=convert,
                    errors="None" if sig.error is None else f"_ffi_{sig.error}_by_code",
                    objects=tuple(_module_name(builder, name) for name in objects),
                    asynchronous=f.asynchronous,
                    stored=stored,
                    receiver_class=receiver_class,
                    receiver=receiver if f.asynchronous else None,
                    result_helpers=result_helpers,
                    late=late,
                )
            )
        return made, encoders

    def c_source(self, inventory: Inventory, functions: List[FastFunction], encoders: WireCodecs) -> str:
        lib = inventory.library
        # The extension's own names begin with `ffi_fast_`; the library's, which it declares beside them, must not.
        symbols = [
            lib.ffi_pending,
            lib.ffi_free,
            *([lib.ffi_free_texts] if lib.ffi_free_texts else []),
            *(f.symbol for f in fast_members(inventory)),
            *(holder.symbol for holder in self.holders(inventory)),
        ]
        clashing = [symbol for symbol in symbols if symbol.startswith(LOCAL_PREFIX)]
        if clashing:
            message = (
                f"The {BACKEND} backend's extension module names its own C functions and types `{LOCAL_PREFIX}...`, "
                f'and the library exports `{clashing[0]}`: rename it (`#[ffi_function(name = "...")]` renames its '
                f"symbol too), or use the ctypes backend."
            )
            raise BackendError(message)
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(Path(__file__).parent / "templates")),
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            undefined=jinja2.StrictUndefined,
            autoescape=False,
        )
        notice = (
            f"Generated by hatch-interop {self.context.generator_version} ({BACKEND} backend) from crate "
            f"{lib.crate} {lib.version}; do not edit."
        )
        # The helpers the functions use, the callbacks' trampolines and the encoders; the finalisers read cells and
        # objects' slots.
        callbacks = self.callbacks(inventory, encoders)
        used = encoders.helpers.union(*(f.helpers for f in functions), *(cb.helpers for cb in callbacks))
        holders = self.holders(inventory)
        if holders:
            used |= _helpers("uses_cdata", "uses_objects")
        declared = self.layouts(inventory, encoders)
        structs = [layout for layout in declared if isinstance(layout, CStructLayout)]
        # The type of their `u128` or `i128` fields, if they have any.
        wide_fields = any(
            _holds_wide(inventory, t) for t in inventory.structs() if _struct_name(t) in {x.name for x in structs}
        )
        return env.get_template("fast.c.j2").render(
            # The crate's name and version are its own text: escaped, as every comment the generator writes.
            notice=c_comment(notice, opener="/*"),
            ffi_free=lib.ffi_free,
            ffi_free_texts=lib.ffi_free_texts,
            structs=structs,
            wide_fields=wide_fields,
            member_tables=self.member_tables(inventory),
            callbacks=callbacks,
            traits=[
                (_trait_struct(t), [(f"{LOCAL_PREFIX}callback_{m.callback.name}", m.name) for m in t.methods])
                for t in self.traits(inventory)
            ],
            list_results=self.list_results(inventory),
            options=self.options(inventory),
            arrays=self.arrays(inventory),
            any_methods=any(f.method for f in functions),
            async_functions=[f for f in functions if f.asynchronous],
            encoders=encoders.encoders,
            decoders=encoders.decoders,
            tagged=list(encoders.tagged.values()),
            declared=declared,
            shares=bool(encoders.encoders or encoders.decoders or encoders.tagged),
            max_fields=encoders.max_fields,
            shared_count=len(encoders.shared),
            field_count=len(encoders.fields),
            module=f"{self.context.module}.{MODULE}",
            module_name=MODULE,
            parent=self.context.module,
            ffi_pending=lib.ffi_pending,
            vouched_utf8=lib.vouched_utf8,
            functions=functions,
            owned_types=self.owned_types(inventory),
            holders=holders,
            # The services' classes whose `__init__` is compiled.
            constructed_count=sum(1 for f in functions if f.name.endswith(".__init__")),
            **{helper: helper in used for helper in HELPERS},
        )

    def layouts(self, inventory: Inventory, encoders: WireCodecs) -> List[Union[CStructLayout, CTaggedLayout]]:
        """The layouts of the structs the compiled functions take or return, or encode, and of the data-carrying
        enums they convert or such structs hold, as the extension declares them (a struct's fields `f0`, `f1`, ...; a
        data-carrying enum's variants' fields `f0`, ... in the union's member `v<i>`, `i` the variant's place: no
        name of the crate's can clash), each after those it holds, with the size and offsets Rust measured (an enum
        field as its `repr` integer)."""
        used = set(encoders.structs)
        returned = set()
        for f in fast_members(inventory):
            # The structs taken or returned, and those in the slices taken and the `Vec`s returned.
            elements: List[TypeRef] = [
                ty.element for ty in (*(p.type for p in f.params), f.returns) if isinstance(ty, (Slice, Vec))
            ]
            elements += [ty.inner for ty in (*(p.type for p in f.params), f.returns) if isinstance(ty, FfiOption)]
            for ty in (*(p.type for p in f.params), f.returns, *elements):
                struct = plain_struct(inventory, ty)
                if struct is not None:
                    used.add(struct.name)
            # A struct returned, or in an option returned: the extension keeps the last one it made.
            struct = plain_struct(inventory, f.returns.inner if isinstance(f.returns, FfiOption) else f.returns)
            if struct is not None:
                returned.add(struct.name)
        # Those the callbacks' trampolines make objects of (by value, behind a reference, in a slice), and those
        # their results are (or are options of).
        for cb in self.lent_callbacks(inventory):
            lent = [p.type.element if isinstance(p.type, Slice) else p.type for p in cb.params]
            returns = cb.returns.inner if isinstance(cb.returns, FfiOption) else cb.returns
            for ty in (*lent, returns):
                struct = plain_struct(inventory, ty)
                if struct is not None:
                    used.add(struct.name)
        # Each after those it holds (C declares a struct's fields before the struct).
        ordered: List[Union[StructDef, TaggedDef]] = []

        def visit(declared: Union[StructDef, TaggedDef]) -> None:
            if declared in ordered:
                return
            if isinstance(declared, StructDef):
                fields = declared.fields
            else:
                fields = tuple(field for variant in declared.variants for field in variant.fields)
            for field in fields:
                for held in _held_structs(inventory, field.type):
                    visit(held)
            ordered.append(declared)

        for struct in inventory.structs():
            if struct.name in used:
                visit(struct)
        for name in encoders.tagged:
            tagged = inventory.type(name)
            assert isinstance(tagged, TaggedDef)
            visit(tagged)
        layouts: List[Union[CStructLayout, CTaggedLayout]] = []
        for declared in ordered:
            if isinstance(declared, TaggedDef):
                layouts.append(_tagged_layout(inventory, declared))
                continue
            fields = tuple(
                (_field_declaration(inventory, field.type, f"f{i}"), f"f{i}", field.offset)
                for i, field in enumerate(declared.fields)
            )
            layouts.append(
                CStructLayout(_struct_name(declared), fields, declared.size, declared.name, declared.name in returned)
            )
        return layouts

    def holders(self, inventory: Inventory) -> List[CHolder]:
        """What the objects of the opaque types hold and the extension finalises, in the inventory's order: services'
        handles, and the cells of the other types with a drop function (in the order of ``holder_types``, whose index
        ``holder_class`` takes)."""
        # Whether each drop or release function keeps the GIL: the ABI model's policy, as every backend's.
        callables = abi.lower(inventory).callables
        holds_gil = {c.symbol: c.holds_gil for c in callables}
        frees_only = {c.symbol for c in callables if c.frees_only}
        made = []
        for target in inventory.types:
            if not isinstance(target, OpaqueDef):
                continue
            service = inventory.service(target.name)
            if service is not None:
                symbol = service.release
                made.append(CHolder(target.name, symbol, False, holds_gil[symbol], symbol in frees_only))
            elif has_cells(inventory, target):
                assert target.drop is not None
                symbol = target.drop
                made.append(CHolder(target.name, symbol, True, holds_gil[symbol], symbol in frees_only))
        return made

    def owned_types(self, inventory: Inventory) -> List[str]:
        """The opaque types whose owned objects (cells) the compiled functions return, in the inventory's order."""
        owned = set()
        for f in fast_members(inventory):
            target = returned_object(inventory, f.returns)
            owned_cell = isinstance(f.returns, Pointer) and f.returns.owned
            if target is not None and owned_cell and has_cells(inventory, target):
                owned.add(target.name)
        return [t.name for t in inventory.types if t.name in owned]

    def member_tables(self, inventory: Inventory) -> List[Tuple[str, int]]:
        """The tables of enums' members the compiled functions return (each one's C name and size)."""
        returned = set()
        for f in fast_members(inventory):
            # An enum returned, or the elements of a `Vec` returned.
            named = f.returns.element if isinstance(f.returns, Vec) else f.returns
            named = named.inner if isinstance(named, FfiOption) else named
            if isinstance(named, Named):
                returned.add(named.name)
        tables = []
        for enum in inventory.types:
            size = _member_table_size(enum) if isinstance(enum, EnumDef) and enum.name in returned else None
            if size is not None:
                assert isinstance(enum, EnumDef)
                tables.append((_member_table_name(enum), size))
        return tables

    def list_results(self, inventory: Inventory) -> List[CListResult]:
        """The helpers making the lists of the `Vec`s the compiled functions return, one per element type, in a
        stable order."""
        made = {}
        vecs = [f.returns for f in fast_members(inventory) if isinstance(f.returns, Vec)]
        vecs += [Vec(f.returns.element) for f in fast_members(inventory) if isinstance(f.returns, Array)]  # type: ignore[arg-type]
        # The slices a compiled callback's trampoline makes lists of.
        vecs += [
            Vec(p.type.element) for cb in self.lent_callbacks(inventory) for p in cb.params if isinstance(p.type, Slice)
        ]
        for vec in vecs:
            if vec.element != Primitive("u8"):
                helper = c_list_result(inventory, vec)
                made[helper.name] = helper
        return [made[name] for name in sorted(made)]

    def lent_callbacks(self, inventory: Inventory) -> List[CallbackDef]:
        """The callbacks the compiled functions lend callables as (for the call, or handed over), in the inventory's
        order."""
        used = {
            cb.name
            for f in fast_members(inventory)
            for p in f.params
            if (cb := lent_callback(inventory, p.type) or kept_callback(inventory, p.type))
        }
        # The methods' callbacks of the trait objects they take.
        used |= {m.callback.name for trait in self.traits(inventory) for m in trait.methods}
        return [t for t in inventory.types if isinstance(t, CallbackDef) and t.name in used]

    def traits(self, inventory: Inventory) -> List[TraitDef]:
        """The traits whose objects the compiled functions take, in the inventory's order."""
        used = {t.name for f in fast_members(inventory) for p in f.params if (t := compiled_trait(inventory, p.type))}
        return [t for t in inventory.types if isinstance(t, TraitDef) and t.name in used]

    def callbacks(self, inventory: Inventory, codecs: WireCodecs) -> List[CCallback]:
        """How the extension declares the callbacks the compiled functions lend callables as."""
        made = [c_callback(t, inventory, codecs) for t in self.lent_callbacks(inventory)]
        return [c for c in made if c is not None]

    def options(self, inventory: Inventory) -> List[COptionLayout]:
        """The layouts of the options the compiled functions take or return, in a stable order (a newtype's is its
        number's)."""
        made = {}
        # The options the compiled functions take and return, and those of the callbacks' results and errors.
        types: List[TypeRef] = [ty for f in fast_members(inventory) for ty in (*(p.type for p in f.params), f.returns)]
        for cb in self.lent_callbacks(inventory):
            types.append(cb.returns)
            if cb.error is not None and _enum(inventory, cb.error) is not None:
                types.append(FfiOption(cb.error))
        for ty in types:
            if not isinstance(ty, FfiOption):
                continue
            inner = ty.inner
            if isinstance(inner, Primitive):
                value = C_PRIMITIVES[inner.name]
            elif (enum := _enum(inventory, inner)) is not None:
                value = C_PRIMITIVES[enum.repr.name]
            elif (tagged := plain_tagged(inventory, inner)) is not None:
                value = tagged_name(tagged.name)
            else:
                struct = plain_struct(inventory, inner)
                assert struct is not None, "_value_option() takes numbers, enums, structs and data-carrying enums"
                value = _struct_name(struct)
            made[_option_name(ty)] = COptionLayout(_option_name(ty), value)
        return [made[name] for name in sorted(made)]

    def arrays(self, inventory: Inventory) -> List[Tuple[str, str, int]]:
        """The layouts of the `[T; N]` the compiled functions take or return (C name, element type, length), in a
        stable order."""
        made = {}
        for f in fast_members(inventory):
            for ty in (*(p.type for p in f.params), f.returns):
                if isinstance(ty, Array):
                    element = ty.element
                    enum = _enum(inventory, element) if isinstance(element, Named) else None
                    c_type = C_PRIMITIVES[enum.repr.name] if enum is not None else _c_type(element)  # type: ignore[arg-type]
                    made[_array_name(ty)] = (_array_name(ty), c_type, ty.len)
        return [made[name] for name in sorted(made)]

    def build(self, directory: Path, library: Path) -> List[str]:
        """Compile the extension beside the library, linking it."""
        if self._instead is not None:
            return self._instead.build(directory, library)
        if sys.implementation.name != "cpython":
            message = (
                f"The {BACKEND} backend compiles a CPython extension module, and this build runs on "
                f"{sys.implementation.name}: build the wheel with CPython, or use the cffi backend "
                '(`backends = ["cffi"]`), whose ABI mode is the fast FFI on PyPy'
            )
            if sys.implementation.name == "pypy":
                message += f' (option `pypy = "cffi"` of `[tool.hatch.build.hooks.interop.{BACKEND}]` does that here)'
            raise BackendError(message + ".")
        if self._c_source is None:
            return []  # no function takes the fast path (or generate() did not run)
        return [
            api_mode.compile_extension(
                self._c_source,
                directory,
                library,
                os.environ,
                built=target(),
                module=MODULE,
                builder=BUILDER,
                cache=self.context.cache,
            )
        ]

    def wheel_tag(self) -> Optional[Tuple[str, str]]:
        """The building interpreter's own tags (``cp311-cp311``): the extension uses the full C API. Without one
        (no function takes the fast path), ``py3-none``. On PyPy, the cffi backend's files are tagged for that PyPy
        (``pp310-pypy310_pp73``): a CPython must not take them for its own, having no cffi requirement for them."""
        if self._instead is not None:
            return target().tag
        return None if self._c_source is None else target().tag


def target() -> api_mode.Target:
    """The extension the running CPython builds: its own suffix and ABI (no limited API, see the docstring)."""
    best = next(iter(tags.sys_tags()))
    return api_mode.Target(importlib.machinery.EXTENSION_SUFFIXES[0], (best.interpreter, best.abi), None)

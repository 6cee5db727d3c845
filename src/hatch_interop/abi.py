"""The ABI model: the C-level view of everything the library exports, computed once from the inventory.

The inventory says what the Rust author wrote (``fn greet(name: &str) -> String``); this module says
what crosses the C ABI for it (``greet(const char *name, size_t name_len) -> <crate>_string``), for
every callable: free functions, the constructors, methods and statics of services, their destructors
and release functions, and the library's support functions. Every backend declares and calls the
library from this one model (the C header, ctypes, cffi, a compiled extension); none re-derives how a
signature is lowered, so they cannot disagree with each other or with the Rust helper's shims.

The lowering (it mirrors ``fn shim`` in the Rust helper's macros):

* ``&str`` -> a UTF-8 pointer and a ``size_t`` length; ``&CStr`` -> a NUL-terminated pointer;
* ``&[T]``/``&mut [T]`` -> a pointer to the elements and a ``size_t`` count;
* ``[T; N]`` -> ``struct { T items[N]; }`` by value;
* a ``#[repr(transparent)]`` newtype -> its number (the inventory model already lowered it: a ``Primitive`` that
  names its newtype, which C spells through ``typedef uint64_t UserId;``); an option, array or buffer of it is the
  number's, one declaration for both;
* ``char`` -> its code point as a ``uint32_t``; ``u128``/``i128`` -> ``struct { uint64_t lo; uint64_t hi; }``;
* a ``String`` or ``Vec<T>`` result -> a ``{ptr, len}`` buffer the caller frees;
* a ``Vec<String>`` result -> ``<crate>_texts``, its strings' ``{ptr, len, capacity}`` in the vector's own memory
  (nothing copied), which the caller reads and gives back to ``<crate>_ffi_free_texts``;
* another owned value without a C layout (a ``Vec<String>`` parameter, a map, ``Option<String>``, a record: an
  ``Encoded`` one) -> its bytes in the wire encoding: as a parameter a ``const uint8_t *`` and a ``size_t`` length (a
  record, or an ``Option`` of one, as one ``<crate>_bytes`` struct of the two), as a result the buffer of a
  ``Vec<u8>``;
* ``Result<T, E>`` -> the signature of ``T`` (an error is a failure the caller takes afterwards);
* a callback's result that not every foreign side can return by value (a ``String``, a struct, an ``Option``) -> a
  last parameter, a pointer to a slot the library owns that the callback fills; a callback's ``Result<T, E>`` ->
  ``T``'s lowering, with a pointer to an ``FfiOption<E>`` slot before ``T``'s slot;
* a service's method -> its object's handle first; ``async fn`` -> a completion last, returning nothing;
* each opaque type -> a drop function ``void <type>_ffi_drop(T *object)`` for the owned objects (``Box<T>``
  results) that no function consumed;
* an ``#[ffi_trait]`` object -> a struct of one callback structure per method, by value (``Box<dyn T>``,
  ``Arc<dyn T>``: the library keeps it) or behind a pointer (``&dyn T``: for the call);
* an opaque type behind any pointer -> a handle; a struct, data-carrying enum, callback or trait object behind
  one -> a pointer to it; an enum by value -> its integer representation.

Names here are the inventory's (a length is named after its parameter by the backend, which knows its
language's reserved words); nothing here is specific to any language.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Dict, Iterator, List, Optional, Set, Tuple, Union

from hatch_interop.inventory import (
    PRIMITIVES,
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
    Option,
    OwnedString,
    Param,
    Pointer,
    Primitive,
    RecordEnumDef,
    Service,
    Slice,
    Str,
    StructDef,
    TaggedDef,
    TraitDef,
    TypeRef,
    Vec,
    Void,
    WireList,
    WireOption,
    encoded_callback_result,
    plain,
)

# --------------------------------------------------------------------------------------------
# C types
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CVoid:
    """No value: the result of a function that returns nothing (or of every async function)."""

    kind = "void"


@dataclass(frozen=True)
class CScalar:
    """A fixed-width integer, float or ``bool``, by value (a length is a ``usize``)."""

    primitive: Primitive

    kind = "scalar"


@dataclass(frozen=True)
class CWide:
    """A ``u128`` or ``i128`` by value: ``struct { uint64_t lo; uint64_t hi; }`` (two's complement for ``i128``),
    since no 128-bit C type is defined on every target."""

    primitive: Primitive

    kind = "wide"


@dataclass(frozen=True)
class CArray:
    """An array parameter or result: ``struct { T items[N]; }`` by value (C passes no array by value)."""

    array: Array

    kind = "array"


@dataclass(frozen=True)
class CEnum:
    """A field-less enum by value: its integer representation ``repr`` crosses the ABI."""

    name: str
    repr: Primitive

    kind = "enum"


@dataclass(frozen=True)
class CRecord:
    """A ``#[repr(C)]`` struct or data-carrying enum (``tagged``) of the crate, by value."""

    name: str
    tagged: bool

    kind = "record"


@dataclass(frozen=True)
class COption:
    """An ``FfiOption<T>`` by value: ``struct { T value; uint8_t is_some; }``, one declaration per ``T``."""

    option: Option

    kind = "option"


@dataclass(frozen=True)
class CBuffer:
    """A ``String`` or ``Vec<T>`` result: ``struct { T *ptr; size_t len; }`` that the caller frees."""

    of: Union[OwnedString, Vec]

    kind = "buffer"


@dataclass(frozen=True)
class CTexts:
    """A ``Vec<String>`` result: ``struct { <crate>_text *ptr; size_t len; size_t capacity; }``, each
    ``<crate>_text`` a string's ``{const char *ptr; size_t len; size_t capacity; }`` (UTF-8, checked by Rust) written
    over the ``String`` in the vector's memory. The caller makes its own strings of them and gives the whole back to
    ``<crate>_ffi_free_texts`` (a failed call's zeroes need not be: their ``ptr`` is NULL)."""

    kind = "texts"


@dataclass(frozen=True)
class CBytes:
    """An encoded value lent for the call as one struct, ``struct { const uint8_t *ptr; size_t len; }``: a record
    (or an ``Option`` of one) by value, which the Rust helper lowers as it lowers any value spelled as a type name."""

    kind = "bytes"


@dataclass(frozen=True)
class CBytesRef:
    """A record (or record enum) a callback gets: a pointer to its encoding's ``<crate>_bytes``
    (``const <crate>_bytes *``), which the library keeps, with the bytes, until ``call`` returns."""

    kind = "bytes_ref"


@dataclass(frozen=True)
class CCallback:
    """A callback by value: ``struct { call, context, release }``, which the library keeps."""

    name: str

    kind = "callback"


@dataclass(frozen=True)
class CTrait:
    """A trait object by value: a struct of one callback structure per method, which the library keeps (and
    releases, method by method, when it drops it)."""

    name: str

    kind = "trait"


@dataclass(frozen=True)
class CCompletion:
    """An async function's completion: ``struct { call, context, release }``, called once from a library thread."""

    kind = "completion"


@dataclass(frozen=True)
class CHandle:
    """A pointer to an opaque type's object (a service's handle included)."""

    name: str
    mutable: bool

    kind = "handle"


@dataclass(frozen=True)
class CPointer:
    """A pointer to a struct, a data-carrying enum, a callback structure or a trait object (``&T``, ``&mut T``,
    ``Box<T>``, ``&dyn T``)."""

    target: Union[CRecord, CCallback, CTrait]
    mutable: bool

    kind = "pointer"


@dataclass(frozen=True)
class CText:
    """``const char *``: UTF-8 bytes followed by a length, or (``nul_terminated``) a C string."""

    nul_terminated: bool

    kind = "text"


@dataclass(frozen=True)
class CElements:
    """A pointer to the first element of a slice (followed by the element count)."""

    element: Union[CScalar, CEnum, CRecord]
    mutable: bool

    kind = "elements"


@dataclass(frozen=True)
class CTextResult:
    """A pointer to the slot a callback returning ``String`` fills (``<crate>_text_result *``): its last parameter.

    The slot's first field is ``bool (*set)(slot, const char *bytes, size_t len)``, which copies the bytes (UTF-8)
    before it returns; the callback's own memory stays its own."""

    kind = "text_result"


@dataclass(frozen=True)
class CEncodedResult:
    """A pointer to the slot a callback fills with a value in the wire encoding (``<crate>_encoded_result *``): a
    ``Vec``, map or ``Option`` of one it returns (its last parameter), or its ``Result``'s error when the error enum
    carries data (before the result's slot, if there is one).

    The slot's first field is ``bool (*set)(slot, const uint8_t *bytes, size_t len)``: the value's wire encoding,
    which the library decodes (checked) before it returns."""

    kind = "encoded_result"


@dataclass(frozen=True)
class CSlot:
    """A pointer to the slot a callback returning ``Option<T>`` fills: ``<crate>_option_<T> *`` (``is_some`` 0 until
    the callback writes the option), its last parameter; or, for ``Result<T, E>``, the slot of ``E``."""

    of: COption

    kind = "slot"


CType = Union[
    CVoid,
    CScalar,
    CWide,
    CArray,
    CEnum,
    CRecord,
    COption,
    CBuffer,
    CTexts,
    CBytes,
    CCallback,
    CTrait,
    CCompletion,
    CHandle,
    CPointer,
    CText,
    CElements,
    CTextResult,
    CEncodedResult,
    CBytesRef,
    CSlot,
]

USIZE = CScalar(Primitive("usize"))
#: An encoded parameter's bytes, and an encoded result's buffer: those of a `&[u8]` and a `Vec<u8>`.
ENCODED_BYTES = CElements(CScalar(Primitive("u8")), False)
ENCODED_BUFFER = CBuffer(Vec(Primitive("u8")))
#: The result that crosses as ``CTexts`` rather than encoded.
TEXTS = Encoded(WireList(OwnedString()))


def crosses_as_texts(inventory: Inventory, ty: TypeRef) -> bool:
    """Whether a result of type `ty` crosses as ``CTexts``: a ``Vec<String>``, from a library that frees one (an
    older library returns it encoded)."""
    return ty == TEXTS and inventory.library.ffi_free_texts is not None


# --------------------------------------------------------------------------------------------
# Callables
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CParam:
    """One C parameter.

    ``role`` says what it carries: ``value`` (a Rust parameter that is one C parameter), ``data`` and
    ``length`` (the two halves of a ``&str`` or slice), ``self`` (a method's handle) or ``completion``
    (an async function's). ``source`` is the Rust parameter it comes from (None for ``self`` and
    ``completion``), and ``index`` that parameter's position in the Rust signature.
    """

    type: CType
    role: str
    source: Optional[str] = None
    index: Optional[int] = None


@dataclass(frozen=True)
class Callable:
    """A symbol of the library as C sees it, and what it stands for.

    ``role`` is ``function`` (free), ``constructor``, ``method``, ``static`` (a service's members),
    ``destructor`` or ``release`` (a service's handle functions), or ``drop`` (an opaque type's drop
    function, on a handle of that type). ``function`` is the inventory's item (None for destructors,
    release and drop functions). Every callable may fail: it then returns zeroes
    and records a failure that the caller takes (``Library.ffi_pending``/``ffi_take_failure``).
    """

    symbol: str
    role: str
    service: Optional[str]
    function: Optional[Function]
    params: Tuple[CParam, ...]
    returns: CType
    #: For an async function, what its completion's ``value`` points at (``CVoid`` for nothing), else None.
    completes_with: Optional[CType] = None
    #: A drop or release function of a type whose values only free memory as they are dropped
    #: (``drop_frees_only``): it never waits, never calls back.
    frees_only: bool = False
    #: A drop or release function of a type whose crate says its drop keeps the GIL (``drop_gil = "hold"``): short,
    #: and never waiting for a thread that calls into Python.
    drop_holds_gil: bool = False

    @property
    def asynchronous(self) -> bool:
        return self.completes_with is not None

    @property
    def error(self) -> Optional[str]:
        """The error enum of a ``Result``, whose variant's value is the failure's code."""
        return None if self.function is None or self.function.error is None else self.function.error.name

    @property
    def holds_gil(self) -> bool:
        """``gil = "hold"``, or a drop or release function that only frees memory or whose type says
        ``drop_gil = "hold"``: a binding that can keep the GIL during the call does (the other destructors release
        it)."""
        return self.frees_only or self.drop_holds_gil or (self.function is not None and self.function.hold_gil)

    @property
    def receiver(self) -> Optional[str]:
        """``shared`` or ``exclusive`` for a method, else None."""
        return self.function.receiver if isinstance(self.function, Method) else None


@dataclass(frozen=True)
class CallbackSignature:
    """A callback type as C sees it: ``returns call(const void *context, params...)``.

    A result not returned by value (a ``String``, a struct) is a last parameter of role ``result`` instead, a pointer
    to the slot the callback fills, and ``returns`` is ``CVoid``."""

    name: str
    params: Tuple[CParam, ...]
    returns: CType

    @property
    def result(self) -> Optional[CParam]:
        """The result slot's parameter, if the result is not returned by value."""
        last = self.params[-1] if self.params else None
        return last if last is not None and last.role == "result" else None


@dataclass(frozen=True)
class Abi:
    """The C-level view of a whole inventory."""

    inventory: Inventory
    #: Every exported function in declaration order: the free functions, then each service's
    #: constructors, methods, statics, destructor and release function, then the drop function of each opaque type
    #: that is not a service.
    callables: Tuple[Callable, ...]
    callbacks: Tuple[CallbackSignature, ...]
    #: The option and buffer types used anywhere, each once, in a stable order: primitives first, then the
    #: crate's types in definition order (``String`` before vectors), not in order of first use, so that
    #: reordering functions leaves the declarations where they were.
    options: Tuple[Option, ...]
    buffers: Tuple[Union[OwnedString, Vec], ...]
    #: Whether some callable (a free function or a service's member) is async: the completion type is declared.
    uses_completion: bool
    #: The 128-bit integer types (``u128``, ``i128``) some callable takes or returns, in that order.
    wide: Tuple[Primitive, ...] = ()
    #: Whether some callable takes an encoded value as one ``<crate>_bytes`` struct (a record): it is declared.
    uses_bytes: bool = False
    #: The arrays callables take or return (each ``struct { T items[N]; }``), primitives first, then by type and
    #: length.
    arrays: Tuple[Array, ...] = ()
    #: Whether some callable returns a ``Vec<String>`` (``CTexts``): its types and ``Library.ffi_free_texts`` are
    #: declared.
    uses_texts: bool = False
    #: Whether some callback returns text: the slot it fills (``<crate>_text_result``) is declared.
    uses_text_result: bool = False
    #: Whether some callback returns an encoded value or fails with an error that carries data: the slot it fills
    #: (``<crate>_encoded_result``) is declared.
    uses_encoded_result: bool = False
    #: The callables by symbol, built once (a lookup must not hash the whole model).
    _by_symbol: Dict[str, Callable] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_symbol", {c.symbol: c for c in self.callables})

    def callable(self, function: Function) -> Callable:
        """The callable of an inventory function or service member."""
        return self._by_symbol[function.symbol]

    def by_symbol(self, symbol: str) -> Callable:
        return self._by_symbol[symbol]

    def service_callables(self, service: Service) -> Iterator[Callable]:
        return (c for c in self.callables if c.service == service.name)


# --------------------------------------------------------------------------------------------
# Lowering
# --------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=16)
def lower(inventory: Inventory) -> Abi:
    """The ABI of a validated inventory (computed once per inventory, whichever backends ask)."""
    return _Lowering(inventory).abi()


class _Lowering:
    def __init__(self, inventory: Inventory) -> None:
        self.inventory = inventory

    def abi(self) -> Abi:
        inv = self.inventory
        callables: List[Callable] = [self.function(f, "function") for f in inv.functions]
        for s in inv.services:
            callables.extend(self.function(f, "constructor", s.name) for f in s.constructors)
            callables.extend(self.function(f, "method", s.name) for f in s.methods)
            callables.extend(self.function(f, "static", s.name) for f in s.statics)
            handle = CParam(CHandle(s.name, mutable=True), "self")
            own = inv.type(s.name)
            frees_only = isinstance(own, OpaqueDef) and own.drop_frees_only
            declared = isinstance(own, OpaqueDef) and own.drop_holds_gil
            callables.append(Callable(s.destructor, "destructor", s.name, None, (handle,), CVoid()))
            callables.append(
                Callable(
                    s.release,
                    "release",
                    s.name,
                    None,
                    (handle,),
                    CVoid(),
                    frees_only=frees_only,
                    drop_holds_gil=declared,
                )
            )
        for o in inv.opaques():
            # A service's objects are cells that only its release function may give up: its drop function (which
            # the Rust helper exports for every opaque type) has nothing to drop and is not declared.
            if o.drop is not None and inv.service(o.name) is None:
                handle = CParam(CHandle(o.name, True), "self")
                callables.append(
                    Callable(
                        o.drop,
                        "drop",
                        None,
                        None,
                        (handle,),
                        CVoid(),
                        frees_only=o.drop_frees_only,
                        drop_holds_gil=o.drop_holds_gil,
                    )
                )
        callbacks = tuple(self.callback(c) for c in inv.callbacks())
        return Abi(
            inventory=inv,
            callables=tuple(callables),
            callbacks=callbacks,
            options=self.options(),
            buffers=self.buffers(),
            uses_completion=any(c.asynchronous for c in callables),
            uses_bytes=any(isinstance(p.type, CBytes) for c in callables for p in c.params)
            or any(isinstance(p.type, CBytesRef) for c in callbacks for p in c.params),
            uses_text_result=any(any(isinstance(p.type, CTextResult) for p in c.params) for c in callbacks),
            uses_encoded_result=any(any(isinstance(p.type, CEncodedResult) for p in c.params) for c in callbacks),
            wide=self.wide(),
            arrays=self.arrays(),
            uses_texts=any(isinstance(c.completes_with or c.returns, CTexts) for c in callables),
        )

    def function(self, f: Function, role: str, service: Optional[str] = None) -> Callable:
        params = self.params(f.params)
        if role == "method":
            params.insert(0, CParam(CHandle(service or "", mutable=True), "self"))
        if f.asynchronous:
            params.append(CParam(CCompletion(), "completion"))
            return Callable(f.symbol, role, service, f, tuple(params), CVoid(), completes_with=self.value(f.returns))
        return Callable(f.symbol, role, service, f, tuple(params), self.value(f.returns))

    def callback(self, c: CallbackDef) -> CallbackSignature:
        # A record is lent to the callback as a pointer to its bytes (a function takes the struct by value).
        params = [
            CParam(CBytesRef(), p.role, p.source, p.index) if isinstance(p.type, CBytes) else p
            for p in self.params(c.params)
        ]
        if c.error is not None and isinstance(self.inventory.type(c.error.name), RecordEnumDef):
            # An error enum whose variants carry data: a slot the callback sets with the error's encoding.
            params.append(CParam(CEncodedResult(), "error"))
        elif c.error is not None:
            # `Result<T, E>`: the error's option structure, absent until the callback fails with one of its variants;
            # before the result's slot, if there is one (`T` crosses as it would alone).
            params.append(CParam(CSlot(COption(Option(c.error))), "error"))
        if encoded_callback_result(c.returns) is not None:
            # A `Vec`, a map or an `Option` of one: encoded into a slot the library passes last (see `CEncodedResult`).
            return CallbackSignature(c.name, (*params, CParam(CEncodedResult(), "result")), CVoid())
        if isinstance(c.returns, OwnedString) or c.returns == Encoded(WireOption(OwnedString())):
            # Text goes through a slot the library passes last (see `CTextResult`), not a buffer it would own; an
            # `Option<String>` is `None` until the callback sets text.
            return CallbackSignature(c.name, (*params, CParam(CTextResult(), "result")), CVoid())
        if isinstance(c.returns, Option):
            # An option structure the library passes last, absent until the callback writes it.
            return CallbackSignature(c.name, (*params, CParam(CSlot(COption(plain(c.returns))), "result")), CVoid())
        if isinstance(c.returns, Named) and isinstance(self.inventory.type(c.returns.name), StructDef):
            # A struct is written into a slot the library passes last, zeroed until then: not every foreign side
            # can return a struct by value (ctypes cannot).
            slot = CPointer(CRecord(c.returns.name, False), True)
            return CallbackSignature(c.name, (*params, CParam(slot, "result")), CVoid())
        return CallbackSignature(c.name, tuple(params), self.value(c.returns))

    def params(self, params: Tuple[Param, ...]) -> List[CParam]:
        lowered: List[CParam] = []
        for index, p in enumerate(params):
            name, ty = p.name, p.type
            if isinstance(ty, Str):
                lowered += [CParam(CText(False), "data", name, index), CParam(USIZE, "length", name, index)]
            elif isinstance(ty, Encoded) and ty.lent_as_struct:
                lowered.append(CParam(CBytes(), "value", name, index))
            elif isinstance(ty, Encoded):
                lowered += [CParam(ENCODED_BYTES, "data", name, index), CParam(USIZE, "length", name, index)]
            elif isinstance(ty, CStr):
                lowered.append(CParam(CText(True), "value", name, index))
            elif isinstance(ty, Slice):
                element = self.value(ty.element)
                assert isinstance(element, (CScalar, CEnum, CRecord)), "the model refuses other slice elements"
                lowered += [
                    CParam(CElements(element, ty.mutable), "data", name, index),
                    CParam(USIZE, "length", name, index),
                ]
            else:
                lowered.append(CParam(self.value(ty), "value", name, index))
        return lowered

    def value(self, ty: TypeRef) -> CType:
        """The C type of something that is one C value: a by-value parameter, a result, a field's type."""
        if isinstance(ty, Void):
            return CVoid()
        if isinstance(ty, Primitive):
            if ty.is_wide:
                return CWide(ty)
            # A `char` crosses as its code point, which Rust checks on the way in.
            return CScalar(Primitive("u32")) if ty.is_char else CScalar(ty)
        if isinstance(ty, (OwnedString, Vec)):
            return CBuffer(plain(ty))
        if crosses_as_texts(self.inventory, ty):
            return CTexts()
        if isinstance(ty, Encoded):
            return ENCODED_BUFFER
        if isinstance(ty, Option):
            return COption(plain(ty))
        if isinstance(ty, Array):
            return CArray(plain(ty))
        if isinstance(ty, Named):
            target = self.inventory.type(ty.name)
            if isinstance(target, EnumDef):
                return CEnum(target.name, target.repr)
            if isinstance(target, CallbackDef):
                return CCallback(target.name)
            if isinstance(target, TraitDef):
                return CTrait(target.name)
            assert isinstance(target, (StructDef, TaggedDef)), "opaque types are only behind pointers"
            return CRecord(target.name, isinstance(target, TaggedDef))
        if isinstance(ty, Pointer):
            target = self.inventory.type(ty.target.name)
            if isinstance(target, OpaqueDef):
                return CHandle(target.name, ty.mutable)
            pointee = self.value(ty.target)
            assert isinstance(pointee, (CRecord, CCallback, CTrait)), "the model refuses pointers to enums"
            return CPointer(pointee, ty.mutable)
        raise AssertionError(f"a `{ty.kind}` is not one C value")

    def _used(self) -> Iterator[TypeRef]:
        """Every type reference of the inventory: fields, parameters and results."""
        inv = self.inventory
        for s in inv.structs():
            yield from (field.type for field in s.fields)
        for t in inv.tagged():
            yield from (field.type for variant in t.variants for field in variant.fields)
        for c in inv.callbacks():
            yield from (p.type for p in c.params)
            yield c.returns
            if c.error is not None and not isinstance(inv.type(c.error.name), RecordEnumDef):
                yield Option(c.error)
        for f in inv.all_functions():
            yield from (p.type for p in f.params)
            yield f.returns

    def _order(self) -> Dict[str, int]:
        return {name: i for i, name in enumerate([*PRIMITIVES, *(t.name for t in self.inventory.types)])}

    def options(self) -> Tuple[Option, ...]:
        used: Set[Option] = set()
        for ty in self._used():
            held = ty.element if isinstance(ty, Array) else ty
            if isinstance(held, Option):
                used.add(plain(held))
        order = self._order()
        return tuple(sorted(used, key=lambda o: (isinstance(o.inner, Named), order[o.inner.name])))

    def arrays(self) -> Tuple[Array, ...]:
        used: Set[Array] = set()
        for f in self.inventory.all_functions():
            used.update(plain(ty) for ty in (*(p.type for p in f.params), f.returns) if isinstance(ty, Array))
        order = self._order()
        return tuple(
            sorted(used, key=lambda a: (isinstance(a.element, Named), order[a.element.name], a.len))  # type: ignore[union-attr]
        )

    def wide(self) -> Tuple[Primitive, ...]:
        used = {ty.name for ty in self._used() if isinstance(ty, Primitive) and ty.is_wide}
        return tuple(Primitive(name) for name in ("u128", "i128") if name in used)

    def buffers(self) -> Tuple[Union[OwnedString, Vec], ...]:
        returns = [f.returns for f in self.inventory.all_functions()]
        used: Set[Union[OwnedString, Vec]] = {
            plain(ty) if isinstance(ty, Vec) else ty for ty in returns if isinstance(ty, (OwnedString, Vec))
        }
        if any(isinstance(ty, Encoded) and isinstance(self.value(ty), CBuffer) for ty in returns):
            used.add(ENCODED_BUFFER.of)
        order = self._order()
        vectors = sorted(
            (ty for ty in used if isinstance(ty, Vec)),
            key=lambda ty: (isinstance(ty.element, Named), order[ty.element.name]),
        )
        strings: List[Union[OwnedString, Vec]] = [OwnedString()] if OwnedString() in used else []
        return (*strings, *vectors)

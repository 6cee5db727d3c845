"""The Python API model: what a crate looks like from Python, whichever technology calls the library.

Between the ABI model (:mod:`hatch_interop.abi`: what crosses the C ABI) and the Python backends (how a call
crosses it): every Python backend renders the same names, signatures, type hints and docstrings from this
model, so the ctypes and cffi bindings of a crate present one public surface and differ only in how they call.

Naming rules, all deterministic and collision-checked (a clash is a build error naming both items):

* a module-level name (function, type, constant) that is a keyword, a builtin (so generated code can use
  builtins by their bare names), a name generated code imports from ``typing``, ``annotations``, ``self`` or
  ``other`` gets a trailing ``_``;
* a parameter gets a trailing ``_`` when it is a keyword, or a type or builtin its wrapper's body refers to
  (which follows from the signature alone: the same in every backend);
* a service's member when it is a keyword or a name the class body uses (``classmethod``, ``Optional``...);
* names beginning with ``__`` are refused (classes would mangle them); every private name of generated code
  starts with ``_ffi_``, a prefix the inventory cannot use.
"""

from __future__ import annotations

import keyword
import textwrap
from dataclasses import dataclass, field
from typing import AbstractSet, Dict, FrozenSet, List, Optional, Sequence, Set, Tuple, Union

from hatch_interop import abi
from hatch_interop.codegen import Namespace, normalize_doc, python_string
from hatch_interop.errors import BackendError
from hatch_interop.inventory import (
    Array,
    CallbackDef,
    CStr,
    Encoded,
    EnumDef,
    Function,
    Inventory,
    Named,
    OpaqueDef,
    Option,
    OwnedString,
    Pointer,
    Primitive,
    Record,
    RecordDef,
    RecordEnumDef,
    Service,
    Slice,
    Str,
    StructDef,
    TaggedDef,
    TraitDef,
    TypeDef,
    TypeRef,
    Vec,
    Void,
    WireList,
    WireMap,
    WireOption,
    WireValue,
)

#: Every name in ``builtins`` on CPython 3.8-3.13 and PyPy, dunders aside (those are refused anyway).
#: Fixed rather than read from the running interpreter, so the output does not depend on it.
PYTHON_BUILTINS: FrozenSet[str] = frozenset(
    """
    ArithmeticError AssertionError AttributeError BaseException BaseExceptionGroup BlockingIOError
    BrokenPipeError BufferError BytesWarning ChildProcessError ConnectionAbortedError
    ConnectionError ConnectionRefusedError ConnectionResetError DeprecationWarning EOFError Ellipsis
    EncodingWarning EnvironmentError Exception ExceptionGroup False FileExistsError
    FileNotFoundError FloatingPointError FutureWarning GeneratorExit IOError ImportError
    ImportWarning IndentationError IndexError InterruptedError IsADirectoryError KeyError
    KeyboardInterrupt LookupError MemoryError ModuleNotFoundError NameError None NoneType
    NotADirectoryError NotImplemented NotImplementedError OSError OverflowError
    PendingDeprecationWarning PermissionError ProcessLookupError PythonFinalizationError
    RecursionError ReferenceError ResourceWarning RuntimeError RuntimeWarning StopAsyncIteration
    StopIteration SyntaxError SyntaxWarning SystemError SystemExit TabError TimeoutError True
    TypeError UnboundLocalError UnicodeDecodeError UnicodeEncodeError UnicodeError
    UnicodeTranslateError UnicodeWarning UserWarning ValueError Warning ZeroDivisionError
    _IncompleteInputError abs aiter all anext any ascii bin bool breakpoint bytearray bytes callable
    chr classmethod compile complex copyright credits delattr dict dir divmod enumerate eval exec
    exit filter float format frozenset getattr globals hasattr hash help hex id input int isinstance
    issubclass iter len license list locals map max memoryview min next object oct open ord pow
    print property quit range repr reversed round sequenceiterator set setattr slice sorted
    staticmethod str sum super tuple type vars zip
    """.split()  # noqa: SIM905 (a word list reads better than a literal of 150 strings)
)
PYTHON_KEYWORDS: FrozenSet[str] = frozenset(keyword.kwlist)
#: What generated code may import from ``typing``.
TYPING_NAMES = (
    "Any",
    "Callable",
    "ClassVar",
    "Dict",
    "List",
    "MutableSequence",
    "NoReturn",
    "Optional",
    "Sequence",
    "Tuple",
    "Type",
    "Union",
)
#: Module-level names generated code needs besides builtins: ``annotations`` is bound by the
#: ``__future__`` import; ``self`` and ``other`` are the parameters of generated methods.
MODULE_RESERVED = PYTHON_KEYWORDS | PYTHON_BUILTINS | {"annotations", "self", "other", *TYPING_NAMES}
#: Names a service's class body uses when it runs (its decorators) or that ``typing.get_type_hints()`` looks up in
#: it (its annotations): a member of that name would replace them.
SERVICE_BODY_NAMES = PYTHON_KEYWORDS | {"classmethod", "staticmethod", "Optional", "int", "Any", "object"}

#: Rust primitive -> its Python type hint.
PRIMITIVE_HINTS: Dict[str, str] = {
    **dict.fromkeys(("u8", "u16", "u32", "u64", "usize", "i8", "i16", "i32", "i64", "isize", "u128", "i128"), "int"),
    "f32": "float",
    "f64": "float",
    "bool": "bool",
    "char": "str",
}


def python_literal(value: Union[int, float, bool, str, None]) -> str:
    """A parameter default as Python source: ``10``, ``2.5``, ``True``, ``None``, or a string literal (escaped)."""
    if isinstance(value, str):
        return python_string(value)
    return repr(value)


def refuse_dunder(name: str, what: str, backend: str) -> None:
    """Refuse a name Python would mangle inside a class body."""
    if name.startswith("__"):
        message = (
            f"The {backend} backend cannot use the {what} name `{name}`: Python mangles names beginning "
            "with two underscores inside class bodies. Rename it in the crate."
        )
        raise BackendError(message)


def escape(name: str, reserved: AbstractSet[str]) -> str:
    """`name`, or `name_` when it is reserved."""
    return f"{name}_" if name in reserved else name


def with_note(doc: str, notes: Sequence[str]) -> str:
    """A doc with generated notes appended as a paragraph (wrapped: they are our own text)."""
    text = normalize_doc(doc)
    note = textwrap.fill(" ".join(notes), width=96, break_long_words=False, break_on_hyphens=False)
    if not note:
        return text
    return f"{text}\n\n{note}" if text else note


@dataclass(frozen=True)
class Param:
    """A parameter of a Python function or method."""

    #: The Rust name, and the Python one (escaped).
    rust: str
    name: str
    type: TypeRef
    hint: str
    #: The default value as a Python literal, or None when the argument is required.
    default: Optional[str] = None

    @property
    def declaration(self) -> str:
        """``name: hint`` or ``name: hint = default``, as the ``def`` line declares it."""
        default = "" if self.default is None else f" = {self.default}"
        return f"{self.name}: {self.hint}{default}"


@dataclass(frozen=True)
class Signature:
    """A function as Python sees it: a module-level function, or a member of a service's class."""

    function: Function
    #: The C view of the same function (its symbol, lowered parameters, GIL policy).
    callable: abi.Callable
    #: ``function``, or for a service's member ``init`` (the constructor named ``new``), ``constructor``,
    #: ``method`` or ``static``.
    kind: str
    #: The ``def`` name, and the name errors call it by (``Store.get``; ``Store`` for ``__init__``).
    name: str
    label: str
    params: Tuple[Param, ...]
    #: The type hint of the result (``None`` for ``__init__``).
    returns: str
    #: The docstring's text (the Rust doc with what the bindings add: ownership, errors, views), not a literal.
    doc: str
    #: The Python class of the function's error enum, if it returns a ``Result``.
    error: Optional[str]
    #: The class that holds a member (None for a module-level function).
    cls: Optional[str] = None

    @property
    def receiver(self) -> str:
        """The first parameter of the ``def``: ``self``, ``cls``, or nothing (a function, a staticmethod)."""
        return {"init": "self", "method": "self", "constructor": "cls"}.get(self.kind, "")

    @property
    def decorator(self) -> str:
        return {"constructor": "@classmethod\n", "static": "@staticmethod\n"}.get(self.kind, "")


@dataclass(frozen=True)
class PythonApi:
    """The public names of a crate's bindings and the signatures of its functions and services' members."""

    inventory: Inventory
    abi: abi.Abi
    #: Inventory name -> Python name, for constants, types and module-level functions.
    constants: Dict[str, str]
    classes: Dict[str, str]
    functions: Dict[str, str]
    #: The exception class of Rust panics.
    panic: str
    #: The enums that are some function's error type: exceptions in Python, not IntEnums.
    errors: FrozenSet[str]
    #: Opaque type -> the Python names of the module-level functions that return it.
    producers: Dict[str, Tuple[str, ...]]
    #: By symbol: every module-level function's signature, and every service member's.
    signatures: Dict[str, Signature]
    #: Service -> its members' signatures, in the inventory's order (constructors, methods, statics).
    members: Dict[str, Tuple[Signature, ...]]
    #: The names the type hints import from ``typing``.
    typing: FrozenSet[str]
    #: The module-level namespace, for a backend's own public names (it claims them there to be checked too).
    namespace: Namespace = field(compare=False)

    def signature(self, f: Function) -> Signature:
        return self.signatures[f.symbol]

    def public_names(self) -> List[str]:
        """Every public name of the module (for ``__all__``)."""
        public = [
            *self.constants.values(),
            *(name for name in self.classes.values() if not name.startswith("_")),
            *self.functions.values(),
        ]
        if self.inventory.functions or self.inventory.services:
            public.append(self.panic)
        return public


def build(inventory: Inventory, backend: str) -> PythonApi:
    """The Python API model of `inventory`; errors name `backend` (the backend that asked for it)."""
    return _Builder(inventory, backend).build()


def hint(ty: TypeRef, inventory: Inventory, classes: Dict[str, str], typing: Set[str], param: bool = False) -> str:
    """The type hint of a parameter (`param`), result or field of this type (`classes`: the Python names of the
    types); adds the names it imports from ``typing`` to `typing`."""
    if isinstance(ty, Void):
        return "None"
    if isinstance(ty, Primitive):
        return number_hint(ty, classes)
    if isinstance(ty, (Str, CStr, OwnedString)):
        return "str"
    if isinstance(ty, Slice):
        if isinstance(ty.element, Named):
            if isinstance(inventory.type(ty.element.name), EnumDef):
                # Members, of which a list gets the library's writes back.
                sequence = "MutableSequence" if ty.mutable else "Sequence"
                typing.add(sequence)
                return f"{sequence}[{classes[ty.element.name]}]"
            typing.add("Sequence")
            return f"Sequence[{classes[ty.element.name]}]"
        # Buffers (bytes, bytearray, array.array, NumPy arrays through memoryview) or a sequence.
        sequence = "MutableSequence" if ty.mutable else "Sequence"
        typing.update({sequence, "Union"})
        return f"Union[{sequence}[{number_hint(ty.element, classes)}], memoryview]"
    if isinstance(ty, Option):
        typing.add("Optional")
        return f"Optional[{hint(ty.inner, inventory, classes, typing)}]"
    if isinstance(ty, Encoded):
        return wire_hint(ty.value, typing, param, classes)
    if isinstance(ty, Vec):
        if ty.element == Primitive("u8"):
            return "bytes"
        typing.add("List")
        element = ty.element
        item = number_hint(element, classes) if isinstance(element, Primitive) else classes[element.name]
        return f"List[{item}]"
    if isinstance(ty, Array):
        # An array argument or result (fields' hints are the backends'): bytes for `[u8; N]` results.
        item = hint(ty.element, inventory, classes, typing)
        if param:
            typing.add("Sequence")
            return f"Sequence[{item}]"
        if ty.element == Primitive("u8"):
            return "bytes"
        typing.add("Tuple")
        return f"Tuple[{item}, ...]"
    assert isinstance(ty, (Named, Pointer)), "the model refuses other types here"
    target = inventory.type(ty.target.name if isinstance(ty, Pointer) else ty.name)
    cls = classes[target.name]
    if isinstance(target, CallbackDef):
        typing.add("Callable")
    if isinstance(ty, Pointer) and ty.nullable:
        typing.add("Optional")
        return f"Optional[{cls}]"
    return cls


def number_hint(ty: Primitive, classes: Dict[str, str]) -> str:
    """The hint of a number: its newtype's class (an ``int`` or ``float`` subclass), else ``int``, ``float``..."""
    return classes[ty.newtype] if ty.newtype else PRIMITIVE_HINTS[ty.name]


def wire_hint(ty: WireValue, typing: Set[str], param: bool, classes: Dict[str, str]) -> str:
    """The hint of an encoded value: any sequence or mapping in, a list or dict out (``bytes`` for ``Vec<u8>``)."""
    if isinstance(ty, Primitive):
        return number_hint(ty, classes)
    if isinstance(ty, OwnedString):
        return "str"
    if isinstance(ty, (Named, Record)):
        return classes[ty.name]
    if isinstance(ty, WireOption):
        typing.add("Optional")
        return f"Optional[{wire_hint(ty.inner, typing, param, classes)}]"
    if isinstance(ty, WireList):
        if ty.item == Primitive("u8"):
            return "bytes"
        sequence = "Sequence" if param else "List"
        typing.add(sequence)
        return f"{sequence}[{wire_hint(ty.item, typing, param, classes)}]"
    assert isinstance(ty, WireMap)
    mapping = "Mapping" if param else "Dict"
    typing.add(mapping)
    key, value = wire_hint(ty.key, typing, param, classes), wire_hint(ty.value, typing, param, classes)
    return f"{mapping}[{key}, {value}]"


def names_in(f: Function) -> Set[str]:
    """The types a function uses as values (parameters and result, not its error type)."""
    names = set()
    for ty in [p.type for p in f.params] + [f.returns]:
        if isinstance(ty, Named):
            names.add(ty.name)
        elif isinstance(ty, Pointer):
            names.add(ty.target.name)
        elif isinstance(ty, (Slice, Vec)) and isinstance(ty.element, Named):
            names.add(ty.element.name)
        elif isinstance(ty, Encoded):
            names |= wire_names_in(ty.value)
    return names


def wire_names_in(value: WireValue) -> Set[str]:
    """The types an encoded value names (its enums, structs and records, at any depth)."""
    if isinstance(value, (Named, Record)):
        return {value.name}
    if isinstance(value, WireList):
        return wire_names_in(value.item)
    if isinstance(value, WireOption):
        return wire_names_in(value.inner)
    if isinstance(value, WireMap):
        return wire_names_in(value.key) | wire_names_in(value.value)
    return set()


def _field_names_in(s: StructDef) -> Set[str]:
    return {f.type.name for f in s.fields if isinstance(f.type, Named)} | {
        f.type.target.name for f in s.fields if isinstance(f.type, Pointer)
    }


class _Builder:
    def __init__(self, inventory: Inventory, backend: str) -> None:
        self.inventory = inventory
        self.backend = backend
        self.abi = abi.lower(inventory)
        self.namespace = Namespace(backend, "the generated module")
        self.constants: Dict[str, str] = {}
        self.classes: Dict[str, str] = {}
        self.functions: Dict[str, str] = {}
        self.producers: Dict[str, List[str]] = {}
        self.errors = frozenset(f.error.name for f in inventory.all_functions() if f.error is not None) | frozenset(
            c.error.name for c in inventory.callbacks() if c.error is not None
        )
        #: `Optional[...]` rather than `X | None` (and `List`, `Type`): typing.get_type_hints() must work on Python
        #: 3.8 and 3.9.
        self.typing: Set[str] = set()

    def build(self) -> PythonApi:
        inv = self.inventory
        self._check_error_use()
        panic = self.namespace.claim("RustPanic", "the exception of Rust panics", "RustPanic")
        for c in inv.constants:
            self.constants[c.name] = self._module_name(c.name, "constant")
        for t in inv.types:
            what = {"opaque": "opaque type"}.get(t.kind, t.kind)
            trait = inv.trait_of(t.name) if isinstance(t, CallbackDef) else None
            if trait is not None:
                # A trait's method is called through a callback type of its own, which is no public name.
                method = next(m.name for m in trait.methods if m.callback.name == t.name)
                self.classes[t.name] = self.namespace.claim(
                    f"_ffi_{t.name}_method", f"the callback of method `{method}` of trait `{trait.name}`", t.name
                )
                continue
            self.classes[t.name] = self._module_name(t.name, what)
        for f in inv.functions:
            self.functions[f.name] = self._module_name(f.name, "function")
            if isinstance(f.returns, Pointer) and isinstance(inv.type(f.returns.target.name), OpaqueDef):
                self.producers.setdefault(f.returns.target.name, []).append(self.functions[f.name])
        signatures = {f.symbol: self._signature(f) for f in inv.functions}
        members = {}
        for s in inv.services:
            members[s.name] = self._members(s)
            signatures.update((m.function.symbol, m) for m in members[s.name])
        return PythonApi(
            inventory=inv,
            abi=self.abi,
            constants=self.constants,
            classes=self.classes,
            functions=self.functions,
            panic=panic,
            errors=self.errors,
            producers={name: tuple(users) for name, users in self.producers.items()},
            signatures=signatures,
            members=members,
            typing=frozenset(self.typing),
            namespace=self.namespace,
        )

    def _check_error_use(self) -> None:
        """An error enum becomes an exception hierarchy, so it cannot also be a value anywhere."""
        for name in sorted(self.errors):
            users = [f"function `{f.name}`" for f in self.inventory.all_functions() if name in names_in(f)]
            users += [f"struct `{s.name}`" for s in self.inventory.structs() if name in _field_names_in(s)]
            for t in self.inventory.types:
                fields = t.fields if isinstance(t, RecordDef) else ()
                if isinstance(t, RecordEnumDef):
                    fields = tuple(f for v in t.variants for f in v.fields)
                if any(name in wire_names_in(f.type) for f in fields):
                    users.append(f"{'record' if isinstance(t, RecordDef) else 'enum'} `{t.name}`")
            if users:
                message = (
                    f"The {self.backend} backend cannot bind enum `{name}`: it is the error type of a `Result`, "
                    f"which becomes a Python exception class, but {users[0]} also uses it as a value. Use a "
                    "separate enum for the values."
                )
                raise BackendError(message)

    def _module_name(self, name: str, what: str) -> str:
        refuse_dunder(name, what, self.backend)
        return self.namespace.claim(escape(name, MODULE_RESERVED), f"{what} `{name}`", name)

    # services ---------------------------------------------------------------------------------

    def _members(self, s: Service) -> Tuple[Signature, ...]:
        """The service's members as methods of its class: `new` as ``__init__``, other constructors as
        classmethods, methods as methods, static functions as staticmethods."""
        cls = self.classes[s.name]
        names = Namespace(self.backend, f"class `{cls}`")
        for generated in ("close", "new"):
            names.claim(generated, "the generated method" if generated == "close" else "the constructor `new`")
        members = []
        for f in s.members():
            refuse_dunder(f.name, f"member of service `{s.name}`", self.backend)
            if f in s.constructors and f.name == "new":
                # `__init__` cannot be awaited: an async `new` is a classmethod, `await Store.new()`.
                kind, name = ("constructor", "new") if f.asynchronous else ("init", "__init__")
            else:
                kind = "constructor" if f in s.constructors else "method" if f in s.methods else "static"
                name = names.claim(escape(f.name, SERVICE_BODY_NAMES), f"member `{f.name}`", f.name)
            members.append(self._signature(f, cls, kind, name))
        return tuple(members)

    # functions --------------------------------------------------------------------------------

    def _signature(
        self, f: Function, cls: Optional[str] = None, kind: str = "function", name: Optional[str] = None
    ) -> Signature:
        label = self.functions[f.name] if cls is None else cls if kind == "init" else f"{cls}.{name}"
        receiver = {"init": "self", "method": "self", "constructor": "cls"}.get(kind, "")
        # The globals a wrapper's body refers to, which follow from the signature: a parameter of the same name
        # would hide them.
        referenced = {receiver} if receiver else set()
        for ty in [p.type for p in f.params] + [f.returns]:
            if isinstance(ty, (Named, Pointer)):
                target = self._target(ty)
                if isinstance(target, CallbackDef):
                    referenced.add("callable")
                elif not (isinstance(target, StructDef) and isinstance(ty, Named)):
                    referenced.add(self.classes[target.name])
            elif isinstance(ty, (Slice, Vec)) and isinstance(ty.element, Named):
                referenced.add(self.classes[ty.element.name])
            elif isinstance(ty, Option) and isinstance(ty.inner, Named):
                referenced.add(self.classes[ty.inner.name])
            if isinstance(ty, Primitive) and ty.is_char:
                referenced.update({"len", "str"})
            elif isinstance(ty, Primitive):
                referenced.add("bool" if ty.is_bool else "float" if ty.is_float else "int")
            if isinstance(ty, (Str, CStr)):
                referenced.update({"len", "str"})
            elif isinstance(ty, Slice):
                referenced.update({"list", "map", "bool"} if ty.element == Primitive("bool") else {"list", "map"})
            elif isinstance(ty, Vec) and isinstance(ty.element, Named):
                referenced.update({"list", "map"})
            elif isinstance(ty, Array):
                referenced.update({"bytes", "tuple", "map"})
        names = Namespace(self.backend, f"function `{f.name}`")
        params = []
        notes: List[str] = []
        for p in f.params:
            refuse_dunder(p.name, f"parameter of function `{f.name}`", self.backend)
            pname = names.claim(escape(p.name, PYTHON_KEYWORDS | referenced), f"parameter `{p.name}`", p.name)
            default = None if p.default is None else python_literal(p.default.value)
            params.append(Param(p.name, pname, p.type, self.hint(p.type, param=True), default))
            notes.extend(self._param_notes(pname, p.type))
        error = None if f.error is None else self.classes[f.error.name]
        if error is not None:
            notes.append(f"Raises a subclass of `{error}` when the library reports one of its errors.")
        notes.extend(self._result_notes(f.returns))
        return Signature(
            function=f,
            callable=self.abi.callable(f),
            kind=kind,
            name=name or self.functions[f.name],
            label=label,
            params=tuple(params),
            returns="None" if kind == "init" else self.hint(f.returns),
            doc=with_note(f.doc, notes),
            error=error,
            cls=cls,
        )

    def _param_notes(self, pname: str, ty: TypeRef) -> List[str]:
        """What the docstring says about a parameter: ownership that moves, a callback the library keeps."""
        if not isinstance(ty, (Named, Pointer)):
            return []
        target = self._target(ty)
        cls = self.classes[target.name]
        if isinstance(target, (CallbackDef, TraitDef)):
            return (
                []
                if isinstance(ty, Pointer)
                else [f"The library keeps `{pname}` (and what it refers to) until it drops it."]
            )
        if not (isinstance(ty, Pointer) and ty.owned):
            return []
        if isinstance(target, StructDef):
            return [
                f"Ownership of `{pname}` moves into the library: it must be a `{cls}` the library allocated, and "
                "must not be used after this call."
            ]
        if isinstance(target, OpaqueDef) and self.inventory.service(target.name) is not None:
            return [f"The call takes the object of `{pname}`: the `{cls}` is closed after it."]
        if isinstance(target, OpaqueDef):
            return [
                f"Ownership of `{pname}` moves into the library: the `{cls}` is released and cannot be used after "
                "this call."
            ]
        return []

    def _result_notes(self, ty: TypeRef) -> List[str]:
        """What the docstring says about a result: a view, a borrowed or an owned object, a copy."""
        if not isinstance(ty, Pointer):
            return []
        target = self._target(ty)
        cls = self.classes[target.name]
        if isinstance(target, TaggedDef):
            return [f"The result is a copy of the `{cls}` the library points to."]
        if isinstance(target, StructDef):
            if ty.owned:
                return [
                    f"The result is a view of a `{cls}` the library allocated, not a copy: ownership passes to the "
                    "caller."
                ]
            return [f"The result is a view of a `{cls}` the library owns, not a copy."]
        if not ty.owned:
            return [f"The result borrows a `{cls}` the library still owns: do not pass it where ownership moves."]
        if isinstance(target, OpaqueDef) and target.drop and self.inventory.service(target.name) is None:
            return [
                f"The result is owned: the `{cls}` is dropped when it is garbage-collected, unless a function that "
                "takes ownership of it was called first."
            ]
        return []

    # type hints -------------------------------------------------------------------------------

    def _target(self, ty: TypeRef) -> TypeDef:
        assert isinstance(ty, (Named, Pointer))
        return self.inventory.type(ty.target.name if isinstance(ty, Pointer) else ty.name)

    def hint(self, ty: TypeRef, param: bool = False) -> str:
        return hint(ty, self.inventory, self.classes, self.typing, param)


# names and checks of generated classes ------------------------------------------------------------

#: Names a struct's class body uses: its annotations, ``property`` and the methods' ``self``.
CLASS_BODY_NAMES = frozenset(
    {"int", "float", "bool", "str", "object", "property", "self", "Optional", "Sequence", "Tuple"}
)
#: Attributes of ``int`` and ``IntEnum`` (on any supported Python) that an enum member would shadow.
ENUM_ATTRIBUTES = frozenset(
    """
    as_integer_ratio bit_count bit_length conjugate denominator from_bytes imag is_integer mro name
    numerator real to_bytes value
    """.split()  # noqa: SIM905 (a word list reads better than a literal of 150 strings)
)
#: The smallest magnitude that an f64 rounds to infinity as an f32 (half an ulp above f32::MAX): a finite
#: number from there on would silently become `inf`, so it is refused.
F32_OVERFLOW = float.fromhex("0x1.ffffffp+127")


def member_name(name: str) -> str:
    """The Python name of an enum member (a keyword or an attribute of ``IntEnum`` gets a trailing ``_``)."""
    return escape(name, PYTHON_KEYWORDS | ENUM_ATTRIBUTES)


def held(ty: TypeRef) -> Optional[Named]:
    """The named type a field or argument holds by value: itself, inside an option or as array elements."""
    if isinstance(ty, Array):
        return held(ty.element)
    if isinstance(ty, Option):
        return held(ty.inner)
    return ty if isinstance(ty, Named) else None


def not_exactly(ty: Primitive, value: str) -> Tuple[str, ...]:
    """The conditions under which `value` is not exactly a valid Python value of `ty` (and takes the slow path
    that converts or refuses it): its class, and its range for integers and f32 (NaN and infinities take the
    slow path too, which keeps them)."""
    if ty.is_char:
        # A `str` of one code point (a surrogate passes: Rust refuses it, naming the argument).
        return (f"{value}.__class__ is not str", f"len({value}) != 1")
    kind = "bool" if ty.is_bool else "float" if ty.is_float else "int"
    wrong: Tuple[str, ...] = (f"{value}.__class__ is not {kind}",)
    if kind == "int":
        low, high = int_range(ty)
        wrong += (f"not {low} <= {value} <= {high}",)
    elif ty.name == "f32":
        limit = repr(F32_OVERFLOW).replace("e+", "e")  # as ruff writes a float literal
        wrong += (f"not -{limit} < {value} < {limit}",)
    return wrong


def int_range(ty: Primitive) -> Tuple[int, int]:
    """The values of an integer type (``usize``/``isize`` are 64-bit: the wheel is for a 64-bit platform)."""
    bits = {"8": 8, "16": 16, "32": 32, "64": 64, "128": 128, "size": 64}[ty.name[1:]]
    return (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if ty.is_signed else (0, (1 << bits) - 1)

"""The Python layer that the Python backends (``ctypes``, ``cffi``) share: from the inventory and its Python API model
(:mod:`hatch_interop.python_api`) to the wrappers, classes and names of a generated module, which present the same
Pythonic surface whatever calls the library.

:class:`WrapperBuilder` builds the intermediate model the templates render (the ``Py*`` classes below); a backend
subclasses it and implements the hooks that say how its technology calls (how a library function is declared, a
struct or a callback passed, a buffer shared: the section "How a backend calls"), and renders the model with its own
templates first and this layer's (``templates/``: constants, enums, errors, opaque types, functions, callbacks' Python
functions) after them.

Naming rules of the generated code, all deterministic and collision-checked:

* every private name starts with ``_ffi_``, a prefix the inventory cannot use: helpers, library
  function aliases (``_ffi_fn_<symbol>``), handle constructors (``_ffi_wrap_<Type>``) and the
  locals of generated functions;
* a module-level name (function, type, constant) that is a keyword, a builtin (so generated code can
  use builtins by their bare names), ``annotations``, ``self`` or ``other`` gets a trailing ``_``;
* a parameter gets a trailing ``_`` when it is a keyword or a type its wrapper's body refers to;
* a struct field when it is a keyword, a name its class body refers to (``int``, ``property``...) or
  ``self``; an enum member when it is a keyword or an attribute of ``int``/``IntEnum``;
* names beginning with ``__`` are refused (classes would mangle them), and so are field names that
  ctypes reserves and enum member names that ``enum`` reserves.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path
from typing import AbstractSet, Any, ClassVar, Dict, FrozenSet, List, Optional, Set, Tuple, Union

import jinja2

from hatch_interop import abi, python_api
from hatch_interop.backend import BackendContext
from hatch_interop.backends.python import statements
from hatch_interop.backends.python.statements import (
    Assign,
    Call,
    Check,
    Evaluate,
    FailureCheck,
    If,
    NumbersArgument,
    Return,
    Statement,
    Take,
    TextArgument,
    WriteBack,
)
from hatch_interop.codegen import (
    Namespace,
    normalize_doc,
    one_line,
    python_docstring,
    python_string,
    template_environment,
)
from hatch_interop.errors import BackendError
from hatch_interop.inventory import (
    Array,
    CallbackDef,
    Constant,
    CStr,
    Encoded,
    EnumDef,
    Field,
    Function,
    Inventory,
    Named,
    NewtypeDef,
    OpaqueDef,
    Option,
    OwnedString,
    Pointer,
    Primitive,
    Record,
    RecordDef,
    RecordEnumDef,
    RecordVariant,
    Service,
    Slice,
    Str,
    StructDef,
    TaggedDef,
    TaggedVariant,
    TraitDef,
    TypeDef,
    TypeRef,
    Vec,
    Void,
    WireList,
    WireMap,
    WireOption,
    WireValue,
    encoded_callback_result,
    plain,
)
from hatch_interop.pylayout import (
    BoolOp,
    Group,
    Ternary,
    Walrus,
    all_order,
    by_value_assignment,
    layout,
    layout_assign,
    layout_bool,
    repr_return,
)
from hatch_interop.python_api import (
    CLASS_BODY_NAMES,
    PYTHON_KEYWORDS,
    Signature,
    held,
    member_name,
    not_exactly,
)

#: Rust primitive -> the ``array`` module's type code of the same size and kind (``usize``/``isize`` as
#: 64-bit: the library's wheel is for a 64-bit platform, which the layout checks confirm at import).
ARRAY_CODES: Dict[str, str] = {
    "u8": "B",
    "u16": "H",
    "u32": "I",
    "u64": "Q",
    "usize": "Q",
    "i8": "b",
    "i16": "h",
    "i32": "i",
    "i64": "q",
    "isize": "q",
    "f32": "f",
    "f64": "d",
}

_MODULE_RESERVED = python_api.MODULE_RESERVED
#: Attributes of exceptions (``BaseException`` on any supported Python, and the ``code`` generated classes
#: set) that a variant subclass, an attribute of its base class, would hide.
_EXCEPTION_ATTRIBUTES = frozenset({"args", "code", "with_traceback", "add_note", "mro"})
#: Attributes ``ctypes.Structure`` uses itself; a field of that name would break the class.
CTYPES_STRUCT_ATTRIBUTES = frozenset(
    {
        "_fields_",
        "_pack_",
        "_anonymous_",
        "_objects",
        "_b_base_",
        "_b_needsfree_",
        "_as_parameter_",
        "_type_",
        "_align_",
        "_layout_",
        "_swappedbytes_",
    }
)


#: The runtime's functions a module binds to globals of its own (``_ffi_rt``: the shared runtime; ``_ffi_ct``: the
#: ctypes backend's, which a backend without it leaves out), by the helper (see ``WrapperBuilder.helpers``) that
#: needs them; ``checks`` stands for ``checks_arguments``.
RUNTIME_ALIASES: Tuple[Tuple[str, Tuple[str, ...]], ...] = (
    ("checks", ("_ffi_invalid_argument = _ffi_rt.invalid_argument",)),
    ("scalars", ("_ffi_scalar = _ffi_rt.scalar", "_ffi_number = _ffi_rt.number")),
    ("enums", ("_ffi_enum_member = _ffi_rt.enum_member",)),
    ("arrays", ("_ffi_fixed_array = _ffi_ct.fixed_array",)),
    ("handles", ("_ffi_not_copyable = _ffi_rt.not_copyable", "_ffi_address = _ffi_ct.address")),
    ("struct_fields", ("_ffi_struct_field = _ffi_rt.struct_field",)),
    ("enum_repr", ("_ffi_enum_repr = _ffi_rt.enum_repr",)),
    ("tagged", ("_ffi_variants = _ffi_rt.variants", "_ffi_unknown_tag = _ffi_rt.unknown_tag")),
    # Builtins under names of their own: a parameter may be called `ord`.
    ("chars", ("_ffi_ord = ord", "_ffi_chr = chr")),
    ("checked_items", ("_ffi_checked_items = _ffi_rt.checked_items",)),
    ("array_arguments", ("_ffi_array_argument = _ffi_rt.array_argument",)),
    ("wire", ("_ffi_wire_encode = _ffi_rt.wire_encode", "_ffi_wire_decode = _ffi_rt.wire_decode")),
    ("traits", ("_ffi_implements = _ffi_rt.implements",)),
)


# --------------------------------------------------------------------------------------------
# The intermediate model the templates render
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PyConstant:
    name: str
    annotation: str
    value: str
    docstring: Optional[str]


@dataclass(frozen=True)
class PyMember:
    name: str
    value: int


@dataclass(frozen=True)
class PyEnum:
    template: ClassVar[str] = "enum.py.j2"

    name: str
    docstring: Optional[str]
    members: Tuple[PyMember, ...]
    #: ``_ffi_Color_by_value = {...}``: value -> member, for converting the library's results cheaply.
    by_value: str


@dataclass(frozen=True)
class PyErrorVariant:
    name: str
    code: int
    #: The subclass's docstring as a string literal.
    doc: str


@dataclass(frozen=True)
class PyError:
    """An error enum (the ``E`` of ``Result<T, E>``): an exception class with one subclass per variant."""

    template: ClassVar[str] = "error.py.j2"

    name: str
    docstring: Optional[str]
    variants: Tuple[PyErrorVariant, ...]
    #: ``_ffi_<Error>_by_code = _ffi_error_variants(...)``, laid out.
    by_code: str


@dataclass(frozen=True)
class PyDataError:
    """An error enum whose variants carry owned values: an exception class with a subclass per variant, each with
    the variant's fields as attributes (built like a record's class), decoded from the failure's payload."""

    template: ClassVar[str] = "data_error.py.j2"

    name: str
    docstring: Optional[str]
    variants: Tuple[PyRecordVariant, ...]
    init_raise: str
    register: str
    #: ``_ffi_<Error>_by_code = _ffi_rt.DataErrors(...)``, laid out: what the wrappers raise failures with.
    by_code: str


@dataclass(frozen=True)
class PyService:
    """What an opaque type's class gets when the type is a service (see ``opaque.py.j2``)."""

    #: The aliases of the destructor and the release function, and their declarations (before the class:
    #: ``__del__`` binds the release function as a default, so it still has it at interpreter shutdown).
    destructor: str
    release: str
    declarations: str
    #: The ``__init__`` made of the constructor named ``new``, if there is one, and the other members
    #: (classmethods, methods, staticmethods), rendered as methods of the class.
    init: Optional[PyFunction]
    members: Tuple[PyFunction, ...]
    #: The class of the object's handle (``_ffi_<Class>_handle``): what the object passes as its pointer; its
    #: finaliser releases the handle once no call holds it.
    handle: str = ""


@dataclass(frozen=True)
class PyOpaque:
    template: ClassVar[str] = "opaque.py.j2"

    name: str
    docstring: Optional[str]
    #: The ``raise TypeError(...)`` statement of ``__init__``, laid out at its indentation.
    init_raise: str
    #: The function that wraps an address returned by the library (``_ffi_wrap_<Type>``).
    wrap: str
    service: Optional[PyService] = None
    #: For a type that is not a service and has a drop function: the function that wraps an owned address
    #: (``_ffi_own_<Type>``: the object is dropped when garbage-collected unless a function took it), the drop
    #: function's alias, and its declaration (before the class: ``__del__`` binds it as a default).
    own: Optional[str] = None
    drop: Optional[str] = None
    drop_declaration: Optional[str] = None
    #: The ``def __del__(...)`` line of the class of such a type's cells, laid out at its body's indentation.
    del_def: Optional[str] = None
    #: The class of such a type's cells (``_ffi_<Type>_cell``): what an owned object holds and passes as its
    #: pointer; its finaliser gives the cell back to the library.
    cell: Optional[str] = None
    #: The type hints of what an object holds: a borrowed object's address, a service's handle, an owned
    #: object's cell (or a borrowed address).
    address_hint: str = "int"
    handle_hint: str = ""
    cell_hint: str = ""
    #: The read of the failure counter (``WrapperBuilder.PENDING``), after ``close()``'s call.
    pending: str = "_ffi_pending.value"
    #: Decorators of the cell or handle class and of the class (a backend's: the cpython backend makes both C
    #: types).
    cell_decorator: Optional[str] = None
    class_decorator: Optional[str] = None


@dataclass(frozen=True)
class CallbackFunction:
    """What every Python backend writes for a callback type: its public ``Callable`` alias and the function the
    library's calls reach, which finds the Python callable by its context and checks what it returns."""

    #: ``OnValue = Callable[[int, float], bool]``, laid out.
    alias: str
    docstring: Optional[str]
    #: The function (``_ffi_OnValue_call``): its ``def`` line, the statements of its ``try``, the value it
    #: returns when the Python callable raised (None for no result), and the callback's name.
    name: str
    signature: Group
    body: Tuple[Statement, ...]
    fallback: Optional[str]
    label: str
    #: For ``Result<T, E>``: the exception class of ``E``, and the statement that writes what a variant's class
    #: raised into the library's error slot.
    error: Optional[Tuple[str, Statement]] = None


@dataclass(frozen=True)
class PyAttribute:
    """An attribute of a variant class of a data-carrying enum (a field of the Rust variant)."""

    name: str
    annotation: str
    docstring: Optional[str]


@dataclass(frozen=True)
class PyTaggedVariant:
    #: The attribute of the enum's class that holds the variant's class, and that class's module-level name.
    name: str
    cls: str
    docstring: Optional[str]
    #: The ctypes structure of the variant's fields, and its ``_fields_``: None for a variant without fields.
    fields_struct: Optional[str]
    fields_assignment: str
    attributes: Tuple[PyAttribute, ...]
    slots: str
    match_args: str
    init_def: str
    init_body: Tuple[str, ...]
    repr_return: str
    eq_return: str
    to_c_return: str
    from_c_return: str


@dataclass(frozen=True)
class PyTagged:
    """A data-carrying enum: a base class with one subclass per variant, and the ctypes structure (the tag and
    a union of the variants' fields) that crosses the boundary, with the conversions between the two."""

    template: ClassVar[str] = "tagged.py.j2"

    name: str
    rust: str
    docstring: Optional[str]
    #: The private names of the ctypes structure, its payload union and the conversion functions.
    raw: str
    payload: str
    from_c: str
    to_c: str
    raw_assignment: str
    payload_assignment: str
    #: The ``raise TypeError(...)`` of the base class's ``__init__``, laid out at its indentation.
    init_raise: str
    variants: Tuple[PyTaggedVariant, ...]
    #: ``_ffi_variants(...)``: makes each variant class an attribute of the base class.
    register: str
    #: ``_ffi_<Type>_by_tag = {...}``: tag -> the variant's reader, and that dict's name.
    by_tag: str
    by_tag_name: str
    layout_check: str


@dataclass(frozen=True)
class PyField:
    name: str
    #: The name in ``_fields_``: the field's own, or ``_ffi_<name>`` behind a property.
    raw: str
    annotation: str
    docstring: Optional[str]
    #: For a field behind a property (an enum, an option, an array): the getter's statements and the setter's,
    #: which store ``_ffi_value``.
    getter: Tuple[Statement, ...] = ()
    setter: Tuple[Statement, ...] = ()


@dataclass(frozen=True)
class PyStruct:
    template: ClassVar[str] = "struct.py.j2"

    name: str
    docstring: Optional[str]
    fields: Tuple[PyField, ...]
    fields_assignment: str
    init_def: str
    init_call: str
    repr_return: str
    eq_return: str
    #: ``return (Vec2, (self.x, self.y))``: copies and pickles are made of the fields' values.
    reduce_return: str


@dataclass(frozen=True)
class PyTraitMethod:
    """An abstract method of a trait's class: its ``def`` line, laid out, and its docstring."""

    signature: str
    docstring: Optional[str]


@dataclass(frozen=True)
class PyTrait:
    """An ``#[ffi_trait]``'s abstract base class, and the backend's C structure of it if it declares one."""

    template: ClassVar[str] = "trait.py.j2"

    name: str
    docstring: Optional[str]
    methods: Tuple[PyTraitMethod, ...]
    #: The ctypes backend's structure class and its ``_fields_`` assignment ("" for the others).
    struct: str = ""
    fields_assignment: str = ""


@dataclass(frozen=True)
class PyNewtype:
    """A ``#[repr(transparent)]`` newtype's class: a subclass of ``int`` (``float`` for ``f32``/``f64``), constructed
    positionally and range-checked as an argument of its number type is."""

    template: ClassVar[str] = "newtype.py.j2"

    name: str
    #: ``int`` or ``float``.
    base: str
    docstring: Optional[str]
    #: ``return int.__new__(cls, _ffi_number(...))`` laid out.
    new_return: str


@dataclass(frozen=True)
class PyRecord:
    """A record's class: plain Python (it has no C layout), copied across the boundary in the wire encoding."""

    template: ClassVar[str] = "record.py.j2"

    name: str
    docstring: Optional[str]
    fields: Tuple[PyField, ...]
    slots: str
    #: ``__match_args__ = (...)``: the fields, for `match` (a literal tuple, which type checkers need).
    match_args: str
    init_def: str
    repr_return: str
    eq_return: str
    #: The class it derives from: a record enum's, for a variant.
    base: Optional[str] = None


@dataclass(frozen=True)
class PyRecordVariant:
    #: Its attribute of the enum's class (``Int``), and its class.
    name: str
    record: PyRecord


@dataclass(frozen=True)
class PyRecordEnum:
    """An enum whose variants carry owned values: a base class, a subclass per variant (each like a record's class,
    reachable as an attribute: ``Value.Text("x")``), copied across the boundary in the wire encoding."""

    template: ClassVar[str] = "record_enum.py.j2"

    name: str
    docstring: Optional[str]
    variants: Tuple[PyRecordVariant, ...]
    init_raise: str
    register: str


@dataclass(frozen=True)
class PyDef:
    """A function the module defines: its decorator (or ""), ``def`` line, docstring and statements, which
    ``wrapper.py.j2`` spells."""

    decorator: str
    signature: Group
    docstring: Optional[str]
    body: Tuple[Statement, ...]


@dataclass(frozen=True)
class PyFunction:
    name: str
    alias: str
    lookup: str
    #: The ``argtypes`` and ``restype`` declarations (None for a backend whose library declares its functions).
    argtypes: Optional[str]
    restype: Optional[str]
    #: ``@classmethod``/``@staticmethod`` for a service's member that is one, and the ``def`` line's parts.
    decorator: str
    signature: Group
    docstring: Optional[str]
    #: The statements of the wrapper after its docstring (see :mod:`.statements`): argument checks and
    #: conversions, taking owned objects, the call, the failure check, writing mutable slices back, the result.
    body: Tuple[Statement, ...]
    #: For an async function, ``_ffi_read_<symbol>``: how its completion's value is read.
    reader: Optional[PyDef] = None


@dataclass(frozen=True)
class PyModuleBase:
    """What every Python backend's module model has (each backend's adds its own: types, library loading)."""

    header: str
    docstring: str
    uses_enum: bool
    #: Whether a trait's abstract base class needs ``abc``.
    uses_abc: bool
    #: The names imported from ``typing`` (sorted), and their import statement as ruff lays it out.
    typing_imports: Tuple[str, ...]
    typing_import: str
    all_assignment: str
    constants: Tuple[PyConstant, ...]
    #: String literals: the library's file name, the symbol of the API guard, and what the bindings
    #: were generated for ("crate version (API hash ...)").
    library_filename: str
    api_guard: str
    generated_for: str
    #: The API hash as a Python hex literal.
    api_hash: str
    functions: Tuple[PyFunction, ...]
    #: The library functions the services' methods call (declared after the types their arguments use).
    service_functions: Tuple[PyFunction, ...]
    #: Whether the module binds the library's support functions, and ``_ffi_support = ...Library(...)`` laid out.
    uses_support: bool
    support: str
    #: The runtime's functions the wrappers and classes use, bound to module globals (``_ffi_scalar = ...``).
    runtime_aliases: Tuple[str, ...]
    #: ``_ffi_wire_vec_str = _ffi_rt.wire_vec(_ffi_rt.WIRE_STR)``: the codecs of encoded values, after the types.
    codecs: Tuple[str, ...]
    #: Whether the module uses the shared runtime (``_ffi_rt``), and so imports it.
    uses_runtime: bool
    #: The name of the exception a Rust panic raises.
    panic: str
    #: The module-level helpers the wrappers use, by name.
    helpers: FrozenSet[str]
    #: String literals of the support symbols the runtime binds on demand (callbacks, async completion).
    ffi_callback_failed: str
    ffi_shutdown: str
    #: The literal of the cancel function's symbol (None: an inventory without it).
    ffi_cancel: Optional[str]
    #: The literals of the doorbell functions' symbols: open, use, drain, close (None: an inventory without them).
    ffi_bell: Optional[Tuple[str, str, str, str]]
    #: The literal of the function that frees a `Vec<String>` result (None: an inventory without it).
    ffi_free_texts: Optional[str]


#: The helpers whose code is in the shared runtime: a module using one with the support functions imports it.
_RUNTIME_HELPERS = frozenset(
    {
        "callbacks",
        "services",
        "errors",
        "text_arguments",
        "c_strings",
        "write_numbers_back",
        "number_slices",
        "text_results",
        "encoded_results",
    }
)


# --------------------------------------------------------------------------------------------
# From the inventory to the intermediate model
# --------------------------------------------------------------------------------------------


_escape = python_api.escape


def has_cells(inventory: Inventory, target: TypeDef) -> bool:
    """Whether the objects of `target` are cells an owner drops (an opaque type with a drop function that is no
    service's: a service's objects are handles its release function gives up)."""
    return isinstance(target, OpaqueDef) and bool(target.drop) and inventory.service(target.name) is None


def _wire_names(values: Any) -> Set[str]:
    """The types an encoded value's parts name (its enums, structs and records)."""
    names: Set[str] = set()
    for value in values:
        if isinstance(value, (Named, Record)):
            names.add(value.name)
        elif isinstance(value, WireList):
            names |= _wire_names([value.item])
        elif isinstance(value, WireOption):
            names |= _wire_names([value.inner])
        elif isinstance(value, WireMap):
            names |= _wire_names([value.value])
    return names


def _typing_import(names: List[str]) -> str:
    """``from typing import ...`` on one line, or one name a line when that is too long (as ruff writes it)."""
    line = f"from typing import {', '.join(names)}"
    if len(line) <= 120:
        return line
    return "from typing import (\n" + "".join(f"    {name},\n" for name in names) + ")"


def python_templates(backend_file: str) -> jinja2.Environment:
    """The templates of the Python backend whose module is `backend_file`: those in the ``templates`` folder beside it
    first (its module, library loading, structs...), then this layer's own."""
    own = template_environment(str(Path(backend_file).resolve().parent / "templates"))
    shared = template_environment(str(Path(__file__).resolve().parent / "templates"))
    assert own.loader is not None and shared.loader is not None
    env = own.overlay(loader=jinja2.ChoiceLoader([own.loader, shared.loader]))
    # What the templates lay expressions out with, at the column where they go (see wrapper.py.j2).
    env.globals.update(
        at=lambda column: " " * column,
        layout=layout,
        layout_bool=layout_bool,
        assign=statements.assign,
        returned=statements.returned,
    )
    return env


def _is_sunder(name: str) -> bool:
    return len(name) > 2 and name[0] == "_" and name[1] != "_" and name[-1] == "_" and name[-2] != "_"


class WrapperBuilder:
    """Builds the :class:`PyModule` of one inventory: names first (so every reference is known), then
    each construct.

    How a call crosses the boundary is up to each backend: see the section "How a backend calls" for the hooks a
    subclass implements (the ctypes and the cffi backends' builders).
    """

    def __init__(self, inventory: Inventory, context: BackendContext) -> None:
        self.inventory = inventory
        #: The public surface (names, signatures, hints, docstrings), shared with every Python backend.
        self.api = python_api.build(inventory, self.BACKEND_NAME)
        self.abi = self.api.abi
        self.context = context
        #: Inventory name -> Python name, for constants, types and functions.
        self.constants = self.api.constants
        self.classes = self.api.classes
        #: The (private) class of each variant of a record enum, by the enum's and the variant's names.
        self.variant_classes: Dict[Tuple[str, str], str] = {}
        #: Each data-carrying enum's variants as the module makes them: the variant's (private) class and its fields'
        #: attributes, in the enum's order of variants (filled as the module is rendered).
        self.tagged_variants: Dict[str, Tuple[Tuple[str, Tuple[str, ...]], ...]] = {}
        self.functions = self.api.functions
        self.checks_arguments = False
        #: Names to import from typing: the hints' (`Optional[...]` rather than `X | None`, and `List`, `Type`:
        #: typing.get_type_hints() must work on Python 3.8 and 3.9), and the generated code's own.
        self.typing: Set[str] = set(self.api.typing)
        if any(isinstance(t, OpaqueDef) for t in inventory.types):
            self.typing.add("Optional")
        #: The module-level helpers the generated code needs (see support.py.j2).
        self.helpers: Set[str] = set()
        #: The codecs of encoded values, by their global's name: the expression that builds each.
        self.codecs: Dict[str, str] = {}
        #: The records' codecs, first (they name nothing at import: their fields are resolved at first use).
        self.record_codecs: Dict[str, str] = {}
        #: The enums that are some function's error type: exceptions in Python, not IntEnums.
        self.errors = self.api.errors
        #: Every `FfiOption` the inventory uses, by the name of its value type, in order of first use.
        self.options: Dict[str, Option] = {}
        for t in inventory.structs():
            for field in t.fields:
                self._collect_options(field.type)
        for tagged in inventory.tagged():
            for variant in tagged.variants:
                for field in variant.fields:
                    self._collect_options(field.type)
        for f in inventory.all_functions():
            for ty in [p.type for p in f.params] + [f.returns]:
                self._collect_options(ty)
        # A callback's `Option` result, and a `Result`'s error, cross as option structures.
        for c in inventory.callbacks():
            self._collect_options(c.returns)
            if c.error is not None and not isinstance(inventory.type(c.error.name), RecordEnumDef):
                self._collect_options(Option(c.error))
        #: The library functions of the services' members, for their declarations.
        self.service_functions: List[PyFunction] = []

    def _collect_options(self, ty: TypeRef) -> None:
        if isinstance(ty, Array):
            ty = ty.element
        if isinstance(ty, Option):
            # A newtype's option is its number's (one structure for `FfiOption<UserId>` and `FfiOption<u64>`).
            self.options.setdefault(ty.inner.name, plain(ty))

    def module_base(
        self, functions: Tuple[PyFunction, ...], uses_support: bool, library: str, leading: Tuple[str, ...]
    ) -> Dict[str, Any]:
        """The fields of :class:`PyModuleBase`, once every type and function was built (they record the helpers
        and ``typing`` names they use). `library` is the runtime's ``Library`` class of the support functions and
        `leading` its first arguments, the backend's own."""
        inv = self.inventory
        lib = inv.library
        public = sorted(self.api.public_names(), key=all_order)
        if public:
            all_assignment = layout(
                Group("[", tuple(python_string(n) for n in public), "]", explode=True), 0, "__all__ = "
            )
        else:
            all_assignment = "__all__: list[str] = []"
        aliases = self.runtime_aliases()
        version = self.context.generator_version
        header = one_line(
            f"Generated by hatch-interop {version} ({self.BACKEND_NAME} backend) from crate {lib.crate} {lib.version}"
        )
        default_doc = f"Python bindings of the Rust crate `{lib.crate}` {lib.version}, generated by hatch-interop."
        support_args = (
            *leading,
            "__name__",
            self.api.panic,
            f"pending={python_string(lib.ffi_pending)}",
            f"take_failure={python_string(lib.ffi_take_failure)}",
            f"free={python_string(lib.ffi_free)}",
        )
        return {
            "header": f"# {header}; do not edit.",
            "docstring": python_docstring(lib.doc) or python_docstring(default_doc) or '""""""',
            "uses_enum": any(isinstance(t, EnumDef) and t.name not in self.errors for t in inv.types),
            "uses_abc": any(isinstance(t, TraitDef) for t in inv.types),
            "typing_imports": tuple(sorted(self.typing)),
            "typing_import": _typing_import(sorted(self.typing)),
            "all_assignment": all_assignment,
            "constants": tuple(self.constant(c) for c in inv.constants),
            "library_filename": python_string(self.context.library_filename),
            "api_guard": python_string(lib.api_guard),
            "generated_for": python_string(f"{lib.crate} {lib.version} (API hash {lib.api_hash})"),
            "api_hash": f"0x{lib.api_hash.upper()}",
            "functions": functions,
            "service_functions": tuple(self.service_functions),
            "uses_support": uses_support,
            "support": layout(Group(f"{library}(", support_args, ")"), 0, "_ffi_support = "),
            "runtime_aliases": aliases,
            # The codecs of the encoded values the functions take or return, built once at import, after the classes.
            "codecs": tuple(
                statement for codecs in (self.record_codecs, self.codecs) for _, statement in sorted(codecs.items())
            ),
            "uses_runtime": any("_ffi_rt." in alias for alias in aliases)
            or bool(self.codecs)
            or (uses_support and bool(self.helpers & _RUNTIME_HELPERS)),
            "panic": self.api.panic,
            "helpers": frozenset(self.helpers),
            "ffi_callback_failed": python_string(lib.ffi_callback_failed),
            "ffi_shutdown": python_string(lib.ffi_shutdown),
            "ffi_cancel": python_string(lib.ffi_cancel) if lib.ffi_cancel else None,
            "ffi_free_texts": python_string(lib.ffi_free_texts) if lib.ffi_free_texts else None,
            "ffi_bell": (
                tuple(python_string(s) for s in (bell.open, bell.use, bell.drain, bell.close))
                if (bell := lib.ffi_bell)
                else None
            ),
        }

    # types ------------------------------------------------------------------------------------

    def _target(self, ty: TypeRef) -> TypeDef:
        assert isinstance(ty, (Named, Pointer))
        return self.inventory.type(ty.target.name if isinstance(ty, Pointer) else ty.name)

    def hint(self, ty: TypeRef) -> str:
        """The type hint of a parameter, result or field of this type."""
        return python_api.hint(ty, self.inventory, self.classes, self.typing)

    def optional(self, hint: str) -> str:
        self.typing.add("Optional")
        return f"Optional[{hint}]"

    # How a backend calls: the hooks each Python backend implements --------------------------------
    #
    # Everything above and below is the same in every Python backend: names, checks, conversions, classes. What
    # differs is how a call crosses (how the module declares a library function, passes a struct, a callback's
    # context, a buffer), which the methods and attributes of this section say.

    #: The backend errors name.
    BACKEND_NAME: ClassVar[str]
    #: The runtime's functions the module binds to globals, by the helper (see ``helpers``) that needs them.
    RUNTIME_ALIASES: ClassVar[Tuple[Tuple[str, Tuple[str, ...]], ...]]
    #: The expression that reads the library's count of failures nobody has taken (one memory read).
    PENDING: ClassVar[str]
    #: The test that a pointer result is NULL (a format string), and the NULL pointer argument.
    NULL: ClassVar[str]
    NULL_ARGUMENT: ClassVar[str]
    #: Whether the technology converts an argument itself and may refuse it after the wrapper's checks (ctypes: a
    #: struct by value), so that what the wrapper took must be given back; the exception it raises then.
    ARGUMENT_ERRORS: ClassVar[bool]
    ARGUMENT_ERROR: ClassVar[str] = "_ffi_ctypes.ArgumentError"
    #: The hint of the context a callback's function receives (see `Support.key`).
    CONTEXT_HINT: ClassVar[str]
    #: The parameter of an async function's completion reader (``_ffi_read_<symbol>``).
    COMPLETION_VALUE: ClassVar[str]

    def _declaration(self, alias: str, lowered: abi.Callable) -> Tuple[str, Optional[str], Optional[str]]:
        """How the module gets the library function `alias` calls: its lookup, and what declares its parameters and
        result (None where the technology needs nothing)."""
        raise NotImplementedError

    def element(self, ty: Primitive) -> str:
        """The element type of a buffer of numbers, as the runtime's buffer functions take it."""
        raise NotImplementedError

    def struct_argument(self, value: str) -> str:
        """A struct argument passed by value (the wrapper checked its class)."""
        raise NotImplementedError

    def wide_argument(self, value: str, ty: Primitive) -> str:
        """A ``u128``/``i128`` argument (checked to be an int in range) as its C form, ``{lo, hi}``."""
        raise NotImplementedError

    def array_struct_argument(self, ty: Array, items: Group) -> Union[str, Group]:
        """An array argument as its C form, ``struct { T items[N]; }``, from the tuple of its checked items."""
        raise NotImplementedError

    def _array_argument(self, function: str, pname: str, ty: Array) -> Union[str, Group]:
        """The C form of an array argument: its items checked as arguments of their type, in a struct."""
        self.helpers.add("array_arguments")
        element = ty.element
        extra: Tuple[str, ...] = ()
        if isinstance(element, Primitive):
            kind = element.name
        else:
            assert isinstance(element, Named), "the model allows numbers, bools and enums in array arguments"
            kind, extra = "enum", (f"cls={self.classes[element.name]}",)
        items = Group(
            "_ffi_array_argument(",
            (python_string(function), python_string(pname), pname, str(ty.len), python_string(kind), *extra),
            ")",
        )
        return self.array_struct_argument(ty, items)

    @staticmethod
    def halves(value: str, ty: Primitive) -> Tuple[str, str]:
        """The low and high 64 bits of the int `value` of the 128-bit type `ty`, as unsigned ints (the high half
        of a `u128` in range needs no mask)."""
        mask = "0xFFFFFFFFFFFFFFFF"
        return f"{value} & {mask}", f"{value} >> 64 & {mask}" if ty.is_signed else f"{value} >> 64"

    def struct_pointer_argument(self, value: str, nullable: bool) -> Union[str, Ternary]:
        """A struct argument passed by reference (NULL for None where `nullable`)."""
        raise NotImplementedError

    def struct_result(self, cls: str) -> str:
        """How a struct result by value becomes the Python object (a format string applied to the result)."""
        raise NotImplementedError

    def struct_pointer_result(self, cls: str, nullable: bool) -> str:
        """How a pointer to a struct result becomes a view of it (a format string applied to the result)."""
        raise NotImplementedError

    def list_element(self, ty: Named) -> str:
        """The arguments of the runtime's ``take_list`` after the buffer, for a `Vec` of structs."""
        raise NotImplementedError

    def callback_struct_copy(self, target: StructDef, pointer: str) -> str:
        """The copy a callback's function makes of a struct the library passes by pointer."""
        raise NotImplementedError

    def callback_struct_value(self, target: StructDef, value: str) -> str:
        """The copy a callback's function makes of a struct the library passes by value."""
        raise NotImplementedError

    def callback_text(self, pointer: str, length: str) -> str:
        """The `str` a callback's function makes of a `&str` the library passes as UTF-8 bytes and their count
        (valid only during the call: copied, then decoded)."""
        raise NotImplementedError

    def callback_numbers(self, element: Primitive, pointer: str, length: str) -> str:
        """The copy a callback's function makes of a `&[T]` of numbers the library passes as the first element's
        address and the count (valid only during the call): `bytes` for `u8`, else a list."""
        raise NotImplementedError

    def callback_encoded(self, pointer: str) -> str:
        """The `bytes` a callback's function copies of a record the library lends encoded: ``pointer`` is the
        address of its ``<crate>_bytes`` (valid only during the call)."""
        raise NotImplementedError

    def callback_write_back(self, pointer: str, copy: str) -> Assign:
        """The statement writing a callback's copy of a `&mut` struct back into the library's."""
        raise NotImplementedError

    def callback_argument(self, target: CallbackDef, key: str, by_pointer: bool) -> str:
        """The C value of a callback argument whose callable is kept under `key`."""
        raise NotImplementedError

    def completion_argument(self) -> str:
        """The C value of an async function's completion (the future is kept under ``_ffi_key``)."""
        raise NotImplementedError

    def completion_read(self, f: Function) -> str:
        """The expression reading the value an async function completed with (see :meth:`_reader`)."""
        raise NotImplementedError

    def shared_array(self, element: Primitive, value: str, length: str) -> Union[str, Group]:
        """The C pointer of an ``array.array`` of `element`'s type code, sharing its buffer (the fast path of a
        slice argument)."""
        raise NotImplementedError

    def _to_option(self, o: Option, value: str, what: Optional[str]) -> Ternary:
        """The expression that makes the option structure of a Python value (``None`` for absent).

        With `what` (the field it enters, named in errors), a present number is checked (the technology would
        truncate it) and an enum value converted to its member (an invalid discriminant would be undefined behaviour
        in Rust); without, the caller checked and converted it already (a function's argument). See
        :meth:`_option_value`."""
        raise NotImplementedError

    def _variant_field(
        self, f: Field, name: str, what: str
    ) -> Tuple[str, str, str, str, Union[str, Ternary, Group], str, str]:
        """A variant's field: its annotation, its ``__init__`` parameter's hint and stored value, its C type, the C
        value of ``self.<name>``, the Python value read from ``_ffi_fields``, and its repr (see :meth:`tagged`)."""
        raise NotImplementedError

    def _variant_conversions(
        self,
        t: TaggedDef,
        v: TaggedVariant,
        name: str,
        vcls: str,
        *,
        fields_struct: Optional[str],
        to_c: List[Union[str, Ternary, Group]],
        from_c: List[str],
    ) -> Tuple[str, str]:
        """The return statements of a variant's ``_ffi_to_c`` and ``_ffi_from_c`` (see :meth:`tagged`)."""
        raise NotImplementedError

    def _tagged_result(self, ty: Union[Named, Pointer]) -> str:
        """How a data-carrying enum result becomes the Python object (a format string)."""
        raise NotImplementedError

    def runtime_aliases(self) -> Tuple[str, ...]:
        """The runtime's functions the module binds to globals of its own (after generating everything else)."""
        return tuple(
            alias
            for helper, helper_aliases in self.RUNTIME_ALIASES
            if helper in self.helpers or (helper == "checks" and self.checks_arguments)
            for alias in helper_aliases
        )

    def codec(self, ty: Encoded) -> str:
        """The module global of the codec of an encoded value (``_ffi_wire_vec_str``), defined once (after the
        classes: an enum's codec names its class)."""
        return self.value_codec(ty.value)

    def value_codec(self, ty: WireValue) -> str:
        """The module global of the codec of `ty` (a record's own global), as `codec` makes it."""
        name, expression = self._codec(ty)
        self.helpers.add("wire")
        if isinstance(ty, Record):
            assert isinstance(expression, str)
            return expression  # the record's own global
        glob = f"_ffi_wire_{name}"
        self.codecs[glob] = layout(expression, 0, f"{glob} = ")
        return glob

    def _codec(self, ty: WireValue) -> Tuple[str, Union[str, Group]]:
        """A name for the codec of `ty` (``vec_str``) and the expression that builds it from the runtime's parts."""
        if isinstance(ty, Primitive) and ty.newtype:
            # The number's encoding, decoded into the newtype's class.
            cls = self.classes[ty.newtype]
            return ty.newtype, f"_ffi_rt.wire_newtype({cls}, {python_string(ty.name)})"
        if isinstance(ty, Primitive):
            return ty.name, f"_ffi_rt.wire_number({python_string(ty.name)})"
        if isinstance(ty, OwnedString):
            return "str", "_ffi_rt.WIRE_STR"
        if isinstance(ty, Record):
            # One global per record, which every value holding it names (a record may hold itself).
            # `record_`: no other codec's global can have it (theirs begin `vec_`, `option_` or `map_`), nor a
            # runtime alias (a record named `encode`).
            glob = f"_ffi_wire_record_{ty.name}"
            if glob not in self.record_codecs:
                self.record_codecs[glob] = ""
                self.record_codecs[glob] = layout(self._record_codec(ty.name), 0, f"{glob}: _ffi_rt.Codec = ")
            return ty.name, glob
        if isinstance(ty, Named):
            target = self._target(ty)
            cls = self.classes[target.name]
            if isinstance(target, StructDef):
                return target.name, self._struct_codec(target)
            assert isinstance(target, EnumDef), "the model allows field-less enums and structs only"
            return target.name, f"_ffi_rt.wire_enum({cls}, {python_string(target.repr.name)})"
        if isinstance(ty, WireList):
            name, expression = self._codec(ty.item)
            return f"vec_{name}", Group("_ffi_rt.wire_vec(", (expression,), ")")
        if isinstance(ty, WireOption):
            name, expression = self._codec(ty.inner)
            return f"option_{name}", Group("_ffi_rt.wire_option(", (expression,), ")")
        assert isinstance(ty, WireMap)
        key, key_expression = self._codec(ty.key)
        value, value_expression = self._codec(ty.value)
        return f"map_{key}_{value}", Group("_ffi_rt.wire_map(", (key_expression, value_expression), ")")

    def _record_codec(self, name: str) -> Group:
        """A record's codec: its class and, resolved at first use (records may hold themselves, or each other in any
        order), each field's attribute and codec; a record enum's: each variant's class and fields, by index."""
        record = self.inventory.type(name)
        if isinstance(record, RecordEnumDef):
            hidden = self._variant_hidden(record)
            variants = tuple(
                Group(
                    "(",
                    (
                        self.variant_classes[(name, v.name)],
                        Group("(", self._record_fields(v, hidden), ")", is_tuple=True),
                    ),
                    ")",
                    is_tuple=True,
                )
                for v in record.variants
            )
            thunk = Group("lambda: (", variants, ")", is_tuple=True)
            return Group("_ffi_rt.wire_variants(", (self.classes[name], thunk), ")")
        assert isinstance(record, RecordDef)
        thunk = Group("lambda: (", self._record_fields(record), ")", is_tuple=True)
        return Group("_ffi_rt.wire_record(", (self.classes[name], thunk), ")")

    def _record_fields(
        self, record: Union[RecordDef, RecordVariant], hidden: AbstractSet[str] = frozenset()
    ) -> Tuple[Group, ...]:
        """``("name", codec)`` of each field: its attribute and codec."""
        return tuple(
            Group("(", (python_string(attribute), self._codec(f.type)[1]), ")", is_tuple=True)
            for f, attribute in zip(record.fields, self.record_attributes(record, hidden))
        )

    def record_classes(self, name: str) -> Tuple[Tuple[str, Tuple[str, ...]], ...]:
        """What values of the record (or record enum) `name` are made of: its class and its fields' attributes, or each
        variant's class and fields' attributes, in index order (the encoding's; the module must have been rendered)."""
        record = self.inventory.type(name)
        if isinstance(record, RecordEnumDef):
            hidden = self._variant_hidden(record)
            return tuple(
                (self.variant_classes[(name, v.name)], self.record_attributes(v, hidden)) for v in record.variants
            )
        assert isinstance(record, RecordDef)
        return ((self.classes[name], self.record_attributes(record)),)

    def _struct_codec(self, struct: StructDef) -> Group:
        """A struct's codec inside an encoded value: its fields in order (values as its ``__reduce__`` gives them and
        its constructor takes them), not its bytes, which hold padding."""
        fields = tuple(
            Group("(", (python_string(f.name), self._field_codec(f.type)), ")", is_tuple=True) for f in struct.fields
        )
        return Group("_ffi_rt.wire_struct(", (self.classes[struct.name], Group("(", fields, ")", is_tuple=True)), ")")

    def _field_codec(self, ty: TypeRef) -> Union[str, Group]:
        """The codec of a struct's field inside an encoded value: a number, an enum or struct, an option, an array."""
        if isinstance(ty, Option):
            return Group("_ffi_rt.wire_option(", (self._field_codec(ty.inner),), ")")
        if isinstance(ty, Array):
            return Group("_ffi_rt.wire_array(", (self._field_codec(ty.element), str(ty.len)), ")")
        assert isinstance(ty, (Primitive, Named)), "the model refuses pointers in a struct inside an encoded value"
        return self._codec(ty)[1]

    def record_attributes(
        self, record: Union[RecordDef, RecordVariant], hidden: AbstractSet[str] = frozenset()
    ) -> Tuple[str, ...]:
        """The Python attribute of each field of a record's class (or a record enum's variant's): its name, escaped
        where Python or the class body reserves it (or, `hidden`, where it would hide a variant class)."""
        referenced = {self.classes[name] for name in _wire_names(f.type for f in record.fields)}
        reserved = PYTHON_KEYWORDS | CLASS_BODY_NAMES | referenced | {"ClassVar", "List", "Dict"} | hidden
        names = Namespace(self.BACKEND_NAME, f"record `{record.name}`")
        attributes = []
        for f in record.fields:
            python_api.refuse_dunder(f.name, f"field of `{record.name}`", self.BACKEND_NAME)
            attributes.append(names.claim(_escape(f.name, reserved), f"field `{f.name}`", f.name))
        return tuple(attributes)

    def record_enum(self, t: RecordEnumDef) -> PyRecordEnum:
        """An enum whose variants carry owned values: the base class, and a record-like class per variant."""
        self.typing.update({"ClassVar", "Type"})
        cls = self.classes[t.name]
        variants, listed, register = self._variant_classes(t, f"enum `{t.name}`", PYTHON_KEYWORDS | {"mro"})
        section = "Its variants are subclasses, reachable as attributes:\n\n" + "\n".join(listed)
        doc = normalize_doc(t.doc)
        doc = f"{doc}\n\n{section}" if doc else section
        message = f"{cls} cannot be created directly: create one of its variants, such as {cls}.{variants[0].name}"
        return PyRecordEnum(
            name=cls,
            docstring=python_docstring(doc),
            variants=variants,
            init_raise=layout(Group("TypeError(", (python_string(message),), ")"), 8, before="raise "),
            register=register,
        )

    def _variant_classes(
        self, t: RecordEnumDef, what: str, reserved: AbstractSet[str]
    ) -> Tuple[Tuple[PyRecordVariant, ...], List[str], str]:
        """The record-like class of each variant of `t` (its attribute of the base class escaped from `reserved`), the
        docstring's list of them, and the statement that makes them the base class's attributes."""
        self.helpers.add("tagged")
        cls = self.classes[t.name]
        names = Namespace(self.BACKEND_NAME, what)
        hidden = self._variant_hidden(t)
        variants = []
        listed = []
        for v in t.variants:
            python_api.refuse_dunder(v.name, f"variant of enum `{t.name}`", self.BACKEND_NAME)
            name = names.claim(_escape(v.name, reserved), f"variant `{v.name}`", v.name)
            private = self.api.namespace.claim(f"_ffi_{cls}_{name}", f"the class of variant `{v.name}` of `{t.name}`")
            self.variant_classes[(t.name, v.name)] = private
            record = self.record(v, private, f"{cls}.{name}", cls, hidden)
            variants.append(PyRecordVariant(name, record))
            params = ", ".join(f.name for f in record.fields)
            doc = normalize_doc(v.doc)
            listed.append(f"- ``{cls}.{name}({params})``" + (": " + doc.replace("\n", "\n  ") if doc else ""))
        register = layout(
            Group(
                "_ffi_variants(",
                (cls, *(Group("(", (python_string(v.name), v.record.name), ")") for v in variants)),
                ")",
            ),
            0,
        )
        return tuple(variants), listed, register

    def record(
        self,
        record: Union[RecordDef, RecordVariant],
        cls: Optional[str] = None,
        shown: Optional[str] = None,
        base: Optional[str] = None,
        hidden: AbstractSet[str] = frozenset(),
    ) -> PyRecord:
        """A record's class (or a record enum's variant's: `cls`, shown as `shown`, deriving from `base`): keyword
        (or positional) construction, a `repr` that evaluates back to an equal object, `==` by fields, type hints
        and the fields' docs. Trailing optional fields default to None."""
        self.typing.add("ClassVar")
        if cls is None:
            cls = self.classes[record.name]
        attributes = self.record_attributes(record, hidden)
        fields = []
        params = []
        optional_from = len(record.fields)
        while optional_from and isinstance(record.fields[optional_from - 1].type, WireOption):
            optional_from -= 1
        for i, (f, name) in enumerate(zip(record.fields, attributes)):
            annotation = python_api.wire_hint(f.type, self.typing, False, self.classes)
            fields.append(PyField(name, name, annotation, python_docstring(f.doc)))
            params.append(f"{name}: {annotation}" + (" = None" if i >= optional_from else ""))
        values = [("" if record.tuple else f"{name}=", f"{{self.{name}!r}}") for name in attributes]
        slots = Group("(", tuple(python_string(name) for name in attributes), ")", is_tuple=True)
        eq = BoolOp("and", tuple(f"self.{name} == other.{name}" for name in attributes))
        return PyRecord(
            base=base,
            name=cls,
            docstring=python_docstring(record.doc),
            fields=tuple(fields),
            # Sorted (as ruff's RUF023 wants: their order means nothing); `__match_args__` keeps the fields' order.
            slots=layout(
                Group("(", tuple(python_string(name) for name in sorted(attributes)), ")", is_tuple=True),
                4,
                "__slots__ = ",
            ),
            match_args=layout(slots, 4, "__match_args__ = "),
            init_def=layout(Group("def __init__(", ("self", *params), ") -> None:"), 4),
            repr_return=repr_return(shown or cls, values) if values else f'return "{shown or cls}()"',
            eq_return=layout_bool(eq, 8, "return ") if attributes else "return True",
        )

    def encoded_argument(self, local: str) -> str:
        """The argument of an encoded value's bytes (the pointer parameter's; the length follows)."""
        return local

    def lent_bytes_argument(self, local: str) -> Union[str, Group]:
        """The ``<crate>_bytes`` argument of an encoded record's bytes (``local``): its pointer and length."""
        raise NotImplementedError

    def _declare(self, alias: str, lowered: abi.Callable) -> str:
        """The statements of :meth:`_declaration`, one per line."""
        return "\n".join(line for line in self._declaration(alias, lowered) if line)

    # callbacks --------------------------------------------------------------------------------

    def callback_function(self, c: CallbackDef) -> CallbackFunction:
        """The function a callback type's calls reach, the same in every Python backend but for how it receives
        the context and copies structs (see the hooks above)."""
        self.helpers.add("callbacks")
        self.typing.add("Callable")
        cls = self.classes[c.name]
        # What errors call it: a trait's method by its Python spelling.
        trait = self.inventory.trait_of(c.name)
        if trait is None:
            shown, subject = c.name, f"the {c.name} callback"
        else:
            method = next(m.name for m in trait.methods if m.callback.name == c.name)
            shown = f"{self.classes[trait.name]}.{method}"
            subject = f"the {shown} method"
        names = Namespace(self.BACKEND_NAME, f"callback `{c.name}`")
        hints: List[str] = []
        params: List[str] = [f"_ffi_context: {self.CONTEXT_HINT}"]
        values: List[str] = []
        #: For `&mut S` parameters: the copies made before the call, and the writes back into the library's struct.
        copies: List[Statement] = []
        write_backs: List[Statement] = []
        for p in c.params:
            python_api.refuse_dunder(p.name, f"parameter of callback `{c.name}`", self.BACKEND_NAME)
            pname = names.claim(_escape(p.name, PYTHON_KEYWORDS), f"parameter `{p.name}`", p.name)
            # A slice arrives as a copy, like a `Vec<T>` result.
            hint = self.hint(Vec(p.type.element) if isinstance(p.type, Slice) else p.type)
            hints.append(hint)
            if isinstance(p.type, Pointer):
                # The library's struct is valid only while the callback runs, and the callable may keep what it
                # gets: it gets a copy. Through `&mut`, what it wrote is copied back when it returns.
                params.append(f"{pname}: Any")
                target = self._target(p.type)
                assert isinstance(target, StructDef), "the model allows pointers to structs only"
                copy = self.callback_struct_copy(target, pname)
                value = f"None if not {pname} else {copy}" if p.type.nullable else copy
                if p.type.mutable:
                    local = f"_ffi_copy_{pname}"
                    copies.append(Assign(local, value))
                    write_back: Statement = self.callback_write_back(pname, local)
                    if p.type.nullable:
                        write_back = If(f"{local} is not None", (write_back,))
                    write_backs.append(write_back)
                    values.append(local)
                else:
                    values.append(value)
            elif isinstance(p.type, Named) and isinstance(self._target(p.type), StructDef):
                # By value: the library's copy is valid only while the callback runs; the callable gets its own.
                target = self._target(p.type)
                assert isinstance(target, StructDef)
                params.append(f"{pname}: Any")
                values.append(self.callback_struct_value(target, pname))
            elif isinstance(p.type, Named):
                params.append(f"{pname}: int")
                values.append(f"_ffi_{self.classes[p.type.name]}_by_value[{pname}]")
            elif isinstance(p.type, Primitive) and p.type.newtype:
                params.append(f"{pname}: {python_api.PRIMITIVE_HINTS[p.type.name]}")
                values.append(f"{self.classes[p.type.newtype]}({pname})")
            elif isinstance(p.type, Primitive) and p.type.is_char:
                # Its code point, which the library made from a `char`: a valid one.
                self.helpers.add("chars")
                params.append(f"{pname}: int")
                values.append(f"_ffi_chr({pname})")
            elif isinstance(p.type, Str):
                # Two C parameters: the bytes (valid during the call only) and their count. Rust's `&str` is UTF-8.
                length = f"_ffi_len_{pname}"
                params += [f"{pname}: Any", f"{length}: int"]
                values.append(self.callback_text(pname, length))
            elif isinstance(p.type, Encoded):
                # A record: a pointer to its encoding (valid during the call only), decoded into the callable's own.
                params.append(f"{pname}: Any")
                codec = self.codec(p.type)
                values.append(f"_ffi_wire_decode({codec}, {self.callback_encoded(pname)})")
            elif isinstance(p.type, Slice):
                # The elements (valid during the call only) and their count: the callable gets a copy, as it gets a
                # `Vec<T>` result (bytes for u8, else a list), which it may keep.
                assert isinstance(p.type.element, Primitive), "the model allows slices of numbers only"
                length = f"_ffi_len_{pname}"
                params += [f"{pname}: Any", f"{length}: int"]
                numbers = self.callback_numbers(p.type.element, pname, length)
                if p.type.element.newtype:
                    # A list of the newtype, as a `Vec` of it comes back.
                    numbers = f"list(map({self.classes[p.type.element.newtype]}, {numbers}))"
                values.append(numbers)
            else:
                params.append(f"{pname}: {hint}")
                values.append(pname)
        self.typing.add("Any")
        error: Optional[Tuple[str, Statement]] = None
        if c.error is not None and isinstance(self.inventory.type(c.error.name), RecordEnumDef):
            # An error that carries data: its encoding, set into the error's slot (passed before the result's),
            # which the library decodes (see `abi.CEncodedResult`).
            params.append("_ffi_error_slot: Any")
            self.helpers.add("encoded_results")
            codec = self.value_codec(Record(c.error.name))
            what = python_string(f"the error of {subject}")
            set_error = Group(
                "_ffi_set_encoded(", (python_string(shown), what, "_ffi_error_slot", "_ffi_error", codec), ")"
            )
            error = (self.classes[c.error.name], Evaluate(set_error))
        elif c.error is not None:
            # `Result<T, E>`: a variant's exception fills the error's slot (passed before the result's).
            params.append("_ffi_error_slot: Any")
            option = self._to_option(Option(c.error), "_ffi_error.code", None).other
            error = (self.classes[c.error.name], Assign("_ffi_error_slot[0]", option))
        returns = c.returns
        result_hint = self.hint(returns)
        label = python_string(shown)
        call = Group("_ffi_callbacks[_ffi_context](", tuple(values), ")")
        body: List[Statement]
        fallback: Optional[str]
        if isinstance(returns, Void):
            body, fallback, raw_hint = [*copies, Evaluate(call), *write_backs], None, "None"
        elif encoded_callback_result(returns) is not None:
            # A `Vec`, a map or an `Option` of one: encoded, and set into the slot the library passes last, which
            # decodes it (see `abi.CEncodedResult`). A function that raised sets nothing: the library gets an empty
            # one.
            encoded = encoded_callback_result(returns)
            assert encoded is not None
            self.helpers.add("encoded_results")
            params.append("_ffi_slot: Any")
            what = python_string(f"the result of {subject}")
            codec = self.value_codec(encoded)
            set_result = Group(
                "_ffi_set_encoded(", (python_string(shown), what, "_ffi_slot", "_ffi_result", codec), ")"
            )
            body = [*copies, Assign("_ffi_result", call), *write_backs, Evaluate(set_result)]
            fallback, raw_hint = None, "None"
        elif isinstance(returns, OwnedString):
            # The library passes a slot last and copies the text the function sets in it (see `abi.CTextResult`):
            # the encoded bytes stay Python's. A function that raised sets nothing: the library gets "".
            self.helpers.add("text_results")
            params.append("_ffi_slot: Any")
            what = python_string(f"the result of {subject}")
            set_text = Group("_ffi_set_text(", (what, "_ffi_slot", "_ffi_result"), ")")
            body = [*copies, Assign("_ffi_result", call), *write_backs, Evaluate(set_text)]
            fallback, raw_hint = None, "None"
        elif returns == Encoded(WireOption(OwnedString())):
            # As a `String`, but `None` sets no text (the library's slot holds `None` until text is set).
            self.helpers.add("text_results")
            params.append("_ffi_slot: Any")
            what = python_string(f"the result of {subject}")
            set_text = Group("_ffi_set_text(", (what, "_ffi_slot", "_ffi_result"), ")")
            body = [
                *copies,
                Assign("_ffi_result", call),
                *write_backs,
                If("_ffi_result is not None", (Evaluate(set_text),)),
            ]
            fallback, raw_hint = None, "None"
        elif isinstance(returns, Option):
            # Written into an option structure the library passes last (absent until then: what it gets when the
            # function raised), checked and converted as an option field is.
            params.append("_ffi_slot: Any")
            what = f"the result of {subject}"
            present: List[Statement] = []
            inner = returns.inner
            checked: Optional[str] = what
            if isinstance(inner, Named) and isinstance(self._target(inner), StructDef):
                # Its class checked here, so that every backend names the callback (ctypes would refuse it itself).
                checked = None
                self.helpers.add("struct_fields")
                struct = self.classes[inner.name]
                convert = Group("_ffi_struct_field(", (python_string(what), "_ffi_result", struct), ")")
                present.append(
                    Check(BoolOp("or", (f"_ffi_result.__class__ is not {struct}",)), None, "_ffi_result", convert)
                )
            # The option structure of a present value (the slot holds an absent one already).
            option = self._to_option(returns, "_ffi_result", checked).other
            present.append(Assign("_ffi_slot[0]", option))
            body = [*copies, Assign("_ffi_result", call), *write_backs, If("_ffi_result is not None", tuple(present))]
            fallback, raw_hint = None, "None"
        elif isinstance(returns, Named) and isinstance(self._target(returns), StructDef):
            # Written into a slot the library passes last (zeroes until then: what it gets when the function raised).
            self.helpers.add("struct_fields")
            struct = self.classes[returns.name]
            params.append("_ffi_slot: Any")
            what = python_string(f"the result of {subject}")
            convert = Group("_ffi_struct_field(", (what, "_ffi_result", struct), ")")
            body = [
                *copies,
                Assign("_ffi_result", call),
                *write_backs,
                Check(BoolOp("or", (f"_ffi_result.__class__ is not {struct}",)), None, "_ffi_result", convert),
                Assign("_ffi_slot[0]", self.struct_argument("_ffi_result")),
            ]
            fallback, raw_hint = None, "None"
        elif isinstance(returns, Primitive):
            kind = "bool" if returns.is_bool else "float" if returns.is_float else "int"
            self.helpers.add("scalars")
            what = python_string(f"the result of {subject}")
            convert = Group("_ffi_scalar(", (what, "_ffi_result", python_string(returns.name)), ")")
            body = [
                *copies,
                Assign("_ffi_result", call),
                *write_backs,
                Check(BoolOp("or", not_exactly(returns, "_ffi_result")), None, "_ffi_result", convert),
                Return("_ffi_result"),
            ]
            fallback = {"bool": "False", "float": "0.0", "int": "0"}[kind]
            # A newtype's number, which the library gets.
            raw_hint = python_api.PRIMITIVE_HINTS[returns.name] if returns.newtype else result_hint
        else:
            assert isinstance(returns, Named), "the model allows void, primitive, enum, struct and string results"
            enum = self.inventory.type(returns.name)
            assert isinstance(enum, EnumDef)
            member = self._enum_value(returns, "_ffi_result", f"the result of {subject}")
            body = [*copies, Assign("_ffi_result", call), *write_backs, Return(member, ".value")]
            fallback = str(enum.variants[0].value)
            raw_hint = "int"
        alias_value = f"Callable[[{', '.join(hints)}], {result_hint}]"
        function = f"_ffi_{c.name}_call"
        return CallbackFunction(
            alias=layout_assign(cls, alias_value, 0),
            docstring=python_docstring(c.doc),
            name=function,
            signature=Group(f"def {function}(", tuple(params), f") -> {raw_hint}:"),
            body=tuple(body),
            fallback=fallback,
            label=label,
            error=error,
        )

    # traits -----------------------------------------------------------------------------------

    def trait(self, t: TraitDef) -> PyTrait:
        """A trait's abstract base class: a method per method of the trait, with the hints and docstring its
        callback's function has (a subclass, or any object with the methods, implements it)."""
        cls = self.classes[t.name]
        names = Namespace(self.BACKEND_NAME, f"class `{cls}`")
        methods = []
        for m in t.methods:
            python_api.refuse_dunder(m.name, f"method of trait `{t.name}`", self.BACKEND_NAME)
            name = names.claim(_escape(m.name, PYTHON_KEYWORDS), f"method `{m.name}`", m.name)
            c = self.inventory.type(m.callback.name)
            assert isinstance(c, CallbackDef), "the inventory checks that a method is called through a callback"
            params = Namespace(self.BACKEND_NAME, f"method `{m.name}` of trait `{t.name}`")
            params.claim("self", "the object")
            hinted = ["self"]
            for p in c.params:
                python_api.refuse_dunder(
                    p.name, f"parameter of method `{m.name}` of trait `{t.name}`", self.BACKEND_NAME
                )
                pname = params.claim(_escape(p.name, PYTHON_KEYWORDS), f"parameter `{p.name}`", p.name)
                hinted.append(f"{pname}: {self.hint(Vec(p.type.element) if isinstance(p.type, Slice) else p.type)}")
            signature = layout(Group(f"def {name}(", tuple(hinted), f") -> {self.hint(c.returns)}:"), 4)
            methods.append(PyTraitMethod(signature, python_docstring(c.doc)))
        return self.trait_struct(t, PyTrait(cls, python_docstring(t.doc), tuple(methods)))

    def trait_struct(self, t: TraitDef, base: PyTrait) -> PyTrait:
        """The backend's trait class: `base`, with the C structure of the trait if the backend declares one."""
        return base

    def trait_argument(self, t: TraitDef, keys: Tuple[str, ...], by_pointer: bool) -> Group:
        """The C structure of a trait object argument whose bound methods are kept under `keys`, one per method in
        order (the library releases those of one passed by value)."""
        raise NotImplementedError

    # options ----------------------------------------------------------------------------------

    def _option_value(self, o: Option, value: str, what: Optional[str]) -> Union[str, Group]:
        """The value an option structure holds for a present Python value: checked and converted where it enters a
        struct (see :meth:`_to_option`)."""
        inner = o.inner
        if what is not None and isinstance(inner, Primitive):
            return self._checked_number(inner, value, what)
        if what is not None and isinstance(inner, Named) and self._is_enum(inner):
            return self._enum_value(inner, value, what)
        if self._is_tagged(inner):
            return f"_ffi_{self.classes[inner.name]}_to_c({value})"
        return value

    def _checked_number(self, ty: Primitive, value: str, what: str) -> Group:
        """`value` checked for the number type `ty` where it enters a struct, an option or an array."""
        self.helpers.add("scalars")
        return Group("_ffi_number(", (python_string(what), value, python_string(ty.name)), ")")

    def _address(self, value: str, what: str) -> Ternary:
        """A raw address for a pointer field: None (NULL) or an integer that fits 64 bits, never cut to fit."""
        return Ternary(value, f"{value} is None", self._checked_number(Primitive("usize"), value, what))

    def _enum_value(self, ty: Named, value: str, what: str) -> Group:
        """The member of enum `ty` for `value`: a TypeError for a non-integer, a ValueError for an invalid one."""
        self.helpers.add("enums")
        return Group("_ffi_enum_member(", (python_string(what), value, self.classes[ty.name]), ")")

    def _from_option(self, o: Option) -> str:
        """How a returned or stored option structure becomes ``None`` or its value (a format string)."""
        value = "{0}.value"
        if isinstance(o.inner, Primitive) and o.inner.newtype:
            value = f"{self.classes[o.inner.newtype]}({value})"
        elif self._is_enum(o.inner):
            value = f"_ffi_{self.classes[o.inner.name]}_by_value[{value}]"
        elif self._is_tagged(o.inner):
            value = f"_ffi_{self.classes[o.inner.name]}_from_c({value})"
        return f"{value} if {{0}}.is_some else None"

    def _is_enum(self, ty: Optional[TypeRef]) -> bool:
        return isinstance(ty, Named) and isinstance(self.inventory.type(ty.name), EnumDef)

    def _is_tagged(self, ty: Optional[TypeRef]) -> bool:
        return isinstance(ty, Named) and isinstance(self.inventory.type(ty.name), TaggedDef)

    # data-carrying enums -----------------------------------------------------------------------

    def tagged(self, t: TaggedDef) -> PyTagged:
        self.typing.add("ClassVar")  # `__hash__: ClassVar[None]`: typed, so type checkers agree it is unhashable
        cls = self.classes[t.name]
        self.helpers.add("tagged")
        self.typing.update({"ClassVar", "Type"})
        self._check_tagged_pointers(t)

        def private(suffix: str, what: str) -> str:
            return self.api.namespace.claim(f"_ffi_{cls}{suffix}", f"the {what} of enum `{t.name}`")

        raw, payload = private("", "ctypes structure"), private("_payload", "ctypes union")
        from_c, to_c = private("_from_c", "conversion from C"), private("_to_c", "conversion to C")
        by_tag = private("_by_tag", "readers by tag")
        names = Namespace(self.BACKEND_NAME, f"enum `{t.name}`")
        # A field must not hide a variant class (an attribute of the base class) on its instances.
        hidden = {_escape(v.name, PYTHON_KEYWORDS | {"mro"}) for v in t.variants}
        variants: List[PyTaggedVariant] = []
        listed: List[str] = []
        for v in t.variants:
            python_api.refuse_dunder(v.name, f"variant of enum `{t.name}`", self.BACKEND_NAME)
            if v.name in CTYPES_STRUCT_ATTRIBUTES:
                message = (
                    f"The {self.BACKEND_NAME} backend cannot use `{v.name}` as a variant of enum `{t.name}`: ctypes "
                    "uses that attribute itself. Rename the variant in the crate."
                )
                raise BackendError(message)
            name = names.claim(_escape(v.name, PYTHON_KEYWORDS | {"mro"}), f"variant `{v.name}`", v.name)
            variant = self._tagged_variant(t, v, name, hidden)
            variants.append(variant)
            params = ", ".join(a.name for a in variant.attributes)
            doc = normalize_doc(v.doc)
            listed.append(f"- ``{cls}.{name}({params})``" + (": " + doc.replace("\n", "\n  ") if doc else ""))
        self.tagged_variants[t.name] = tuple((made.cls, tuple(a.name for a in made.attributes)) for made in variants)
        section = "Its variants are subclasses, reachable as attributes:\n\n" + "\n".join(listed)
        doc = normalize_doc(t.doc)
        doc = f"{doc}\n\n{section}" if doc else section
        message = f"{cls} cannot be created directly: create one of its variants, such as {cls}.{variants[0].name}"
        with_fields = [(v, variant) for v, variant in zip(t.variants, variants) if variant.fields_struct]
        # The union's members and the variants' ctypes fields go by their Python names (a Rust name such as
        # `None` or `from` cannot follow a dot or be a keyword argument); the C layout knows no names.
        union = tuple(
            Group("(", (python_string(variant.name), str(variant.fields_struct)), ")") for _, variant in with_fields
        )
        tag = self.element(t.repr)
        rows = tuple(
            Group(
                "(",
                (str(variant.fields_struct), Group("(", tuple(str(f.offset) for f in v.fields), ")", is_tuple=True)),
                ")",
            )
            for v, variant in with_fields
        )
        size = Group("(", (str(t.size), str(t.align), str(t.payload_offset)), ")")
        return PyTagged(
            name=cls,
            rust=t.name,
            docstring=python_docstring(doc),
            raw=raw,
            payload=payload,
            from_c=from_c,
            to_c=to_c,
            raw_assignment=layout(
                Group("(", (f'("tag", {tag})', f'("payload", {payload})'), ")", explode=True, is_tuple=True),
                4,
                before="_fields_ = ",
            ),
            payload_assignment=layout(Group("(", union, ")", explode=True, is_tuple=True), 4, before="_fields_ = "),
            init_raise=layout(Group("TypeError(", (python_string(message),), ")"), 8, before="raise "),
            variants=tuple(variants),
            register=layout(
                Group(
                    "_ffi_variants(", (cls, *(Group("(", (python_string(v.name), v.cls), ")") for v in variants)), ")"
                ),
                0,
            ),
            by_tag=layout(
                Group(
                    "{", tuple(f"{v.value}: {variant.cls}._ffi_from_c" for v, variant in zip(t.variants, variants)), "}"
                ),
                0,
                before=f"{by_tag} = ",
            ),
            by_tag_name=by_tag,
            layout_check=layout(Group("_ffi_ct.check_tagged_layout(", ("__name__", raw, size, *rows), ")"), 0),
        )

    def _tagged_variant(self, t: TaggedDef, v: TaggedVariant, name: str, hidden: AbstractSet[str]) -> PyTaggedVariant:
        cls = self.classes[t.name]
        vcls = self.api.namespace.claim(f"_ffi_{cls}_{v.name}", f"the class of variant `{v.name}` of enum `{t.name}`")
        fields_struct = None
        if v.fields:
            what = f"the ctypes structure of variant `{v.name}` of enum `{t.name}`"
            fields_struct = self.api.namespace.claim(f"_ffi_{cls}_{v.name}_fields", what)
        referenced = {self.classes[named.name] for named in map(held, (f.type for f in v.fields)) if named}
        reserved = PYTHON_KEYWORDS | {"self", "other"} | referenced | hidden
        names = Namespace(self.BACKEND_NAME, f"variant `{v.name}` of enum `{t.name}`")
        attributes: List[PyAttribute] = []
        params: List[str] = []
        init_body: List[str] = []
        specs: List[Group] = []
        to_c: List[Union[str, Ternary, Group]] = []
        from_c: List[str] = []
        shown: List[Tuple[str, str]] = []
        for f in v.fields:
            python_api.refuse_dunder(f.name, f"field of variant `{v.name}` of enum `{t.name}`", self.BACKEND_NAME)
            if f.name in CTYPES_STRUCT_ATTRIBUTES:
                message = (
                    f"The {self.BACKEND_NAME} backend cannot use `{f.name}` as a field of variant `{v.name}` of enum "
                    f"`{t.name}`: ctypes uses that attribute itself. Rename the field in the crate."
                )
                raise BackendError(message)
            fname = names.claim(_escape(f.name, reserved), f"field `{f.name}`", f.name)
            what = f"{cls}.{name}.{fname}"
            annotation, param, init, ctype, to_value, from_value, repr_field = self._variant_field(f, fname, what)
            attributes.append(PyAttribute(fname, annotation, python_docstring(f.doc)))
            params.append(f"{fname}: {param}")
            init_body.append(layout_assign(f"self.{fname}", init, 8))
            specs.append(Group("(", (python_string(fname), ctype), ")"))
            to_c.append(to_value)
            from_c.append(from_value)
            shown.append(("" if v.tuple else f"{fname}=", repr_field))
        qualified = f"{cls}.{name}"
        to_c_return, from_c_return = self._variant_conversions(
            t, v, name, vcls, fields_struct=fields_struct, to_c=to_c, from_c=from_c
        )
        if v.fields:
            repr_text = repr_return(qualified, shown)
            eq_return = layout_bool(
                BoolOp("and", tuple(f"self.{a.name} == other.{a.name}" for a in attributes)), 8, "return "
            )
        else:
            repr_text = f"return {python_string(qualified + '()')}"
            eq_return = "return True"
            init_body.append("pass")
        slot_names = tuple(python_string(a.name) for a in attributes)
        return PyTaggedVariant(
            name=name,
            cls=vcls,
            docstring=python_docstring(v.doc),
            fields_struct=fields_struct,
            fields_assignment=layout(
                Group("(", tuple(specs), ")", explode=True, is_tuple=True), 4, before="_fields_ = "
            ),
            attributes=tuple(attributes),
            slots=layout(Group("(", tuple(sorted(slot_names)), ")", is_tuple=True), 4, before="__slots__ = "),
            match_args=layout(Group("(", slot_names, ")", is_tuple=True), 4, before="__match_args__ = "),
            init_def=layout(Group("def __init__(", ("self", *params), ") -> None:"), 4),
            init_body=tuple(init_body),
            repr_return=repr_text,
            eq_return=eq_return,
            to_c_return=to_c_return,
            from_c_return=from_c_return,
        )

    def _tagged_field(
        self, t: TaggedDef, name: str, doc: Optional[str]
    ) -> Tuple[PyField, str, Union[str, Ternary], str, str]:
        """A struct field holding a data-carrying enum: stored as its C value behind a property."""
        cls = self.classes[t.name]
        getter = Return(f"_ffi_{cls}_from_c(self._ffi_{name})")
        setter = Assign(f"self._ffi_{name}", Group(f"_ffi_{cls}_to_c(", ("_ffi_value",), ")"))
        field = PyField(name, f"_ffi_{name}", cls, doc, (getter,), (setter,))
        # Left out, the field holds the first variant with zeroed fields, as a struct field holds a zeroed struct.
        arg = Ternary(f"_ffi_{cls}({t.variants[0].value})", f"{name} is None", Group(f"_ffi_{cls}_to_c(", (name,), ")"))
        return field, f"{name}: {self.optional(cls)} = None", arg, f"_ffi_{cls}", f"{{self.{name}!r}}"

    def _tagged_argument(
        self, function: str, pname: str, ty: Union[Named, Pointer], checks: List[Statement]
    ) -> Union[str, Ternary]:
        """Checks that an argument is a variant of its enum (appended to `checks`); returns its C value."""
        cls = self.classes[self._target(ty).name]
        nullable = isinstance(ty, Pointer) and ty.nullable
        wrong = f"not isinstance({pname}, {cls})"
        condition = BoolOp("and", (f"{pname} is not None", wrong) if nullable else (wrong,))
        checks.append(Check(condition, self._invalid_argument(function, pname, cls, nullable)))
        value = f"{pname}._ffi_to_c()"
        return Ternary(self.NULL_ARGUMENT, f"{pname} is None", value) if nullable else value

    def _check_tagged_pointers(self, t: TaggedDef) -> None:
        """Refuse the pointers to a data-carrying enum that a Python object cannot stand behind: the library would
        write into (`&mut`) or take (`Box`) the temporary C copy made for the call, or hand over one (`Box`)."""
        for f in self.inventory.functions:
            places = [(f"parameter `{p.name}`", p.type) for p in f.params] + [("the result", f.returns)]
            for where, ty in places:
                if not (isinstance(ty, Pointer) and ty.target.name == t.name):
                    continue
                if ty.owned or (ty.mutable and where != "the result"):
                    kind = f"Box<{t.name}>" if ty.owned else f"&mut {t.name}"
                    message = (
                        f"The {self.BACKEND_NAME} backend cannot bind {where} of function `{f.name}`: it is a "
                        f"`{kind}`, and a Python `{self.classes[t.name]}` is passed and returned as a copy. Pass "
                        f"`{t.name}` or `&{t.name}` and return the new value."
                    )
                    raise BackendError(message)

    # constants --------------------------------------------------------------------------------

    def constant(self, c: Constant) -> PyConstant:
        value = c.value
        # Non-finite floats as `float("inf")`, `float("-inf")`, `float("nan")`: `float` is never shadowed.
        text = f'float("{value!r}")' if isinstance(value, float) and not math.isfinite(value) else repr(value)
        return PyConstant(self.constants[c.name], self.hint(c.type), text, python_docstring(c.doc))

    # enums ------------------------------------------------------------------------------------

    def enum(self, e: EnumDef) -> PyEnum:
        cls = self.classes[e.name]
        names = Namespace(self.BACKEND_NAME, f"enum `{e.name}`")
        members = []
        listed = []
        for v in e.variants:
            python_api.refuse_dunder(v.name, f"variant of enum `{e.name}`", self.BACKEND_NAME)
            if _is_sunder(v.name) or v.name.startswith(f"_{cls.lstrip('_')}__"):
                message = (
                    f"The {self.BACKEND_NAME} backend cannot use `{v.name}` as a member of enum `{e.name}`: Python's "
                    "enum module reserves names of the forms `_name_` and `_Class__name`. Rename it in the crate."
                )
                raise BackendError(message)
            name = names.claim(member_name(v.name), f"variant `{v.name}`", v.name)
            members.append(PyMember(name, v.value))
            doc = normalize_doc(v.doc)
            if doc:
                listed.append(f"- {name}: " + doc.replace("\n", "\n  "))
        doc = normalize_doc(e.doc)
        if listed:
            section = "Members:\n\n" + "\n".join(listed)
            doc = f"{doc}\n\n{section}" if doc else section
        return PyEnum(cls, python_docstring(doc), tuple(members), by_value_assignment(cls))

    # newtypes ---------------------------------------------------------------------------------

    def newtype(self, t: NewtypeDef) -> PyNewtype:
        cls = self.classes[t.name]
        base = "float" if t.inner.is_float else "int"
        self.helpers.add("scalars")
        what = python_string(f"{cls}() argument 'value'")
        check = Group("_ffi_number(", (what, "value", python_string(t.inner.name)), ")")
        new_return = layout(Group(f"{base}.__new__(", ("cls", check), ")"), 8, before="return ")
        return PyNewtype(cls, base, python_docstring(t.doc), new_return)

    # error enums ------------------------------------------------------------------------------

    def error(self, e: EnumDef) -> PyError:
        cls = self.classes[e.name]
        self.helpers.add("errors")
        self.typing.update({"ClassVar", "Type"})
        names = Namespace(self.BACKEND_NAME, f"error enum `{e.name}`")
        variants = []
        listed = []
        for v in e.variants:
            python_api.refuse_dunder(v.name, f"variant of enum `{e.name}`", self.BACKEND_NAME)
            # A subclass is an attribute of the base class: it must not hide `code` or Exception's own.
            name = names.claim(_escape(v.name, PYTHON_KEYWORDS | _EXCEPTION_ATTRIBUTES), f"variant `{v.name}`", v.name)
            doc = normalize_doc(v.doc)
            variants.append(PyErrorVariant(name, v.value, python_string(doc)))
            listed.append(f"- ``{cls}.{name}``" + (": " + doc.replace("\n", "\n  ") if doc else ""))
        intro = f"Raised as one of its subclasses, one per variant of the Rust enum `{e.name}`:"
        section = intro + "\n\n" + "\n".join(listed)
        doc = normalize_doc(e.doc)
        doc = f"{doc}\n\n{section}" if doc else section
        rows = tuple(Group("(", (str(v.code), python_string(v.name), v.doc), ")") for v in variants)
        by_code = layout(Group("_ffi_error_variants(", (cls, *rows), ")"), 0, before=f"_ffi_{cls}_by_code = ")
        return PyError(cls, python_docstring(doc), tuple(variants), by_code)

    def data_error(self, e: RecordEnumDef) -> PyDataError:
        """An error enum whose variants carry owned values: the exception class, and a subclass per variant with
        the variant's fields as attributes, constructible by keyword (so that Python code can raise one too)."""
        self.typing.update({"Any", "ClassVar", "Type"})
        cls = self.classes[e.name]
        # A subclass is an attribute of the base class: it must not hide `code` or Exception's own.
        reserved = PYTHON_KEYWORDS | _EXCEPTION_ATTRIBUTES
        variants, listed, register = self._variant_classes(e, f"error enum `{e.name}`", reserved)
        intro = f"Raised as one of its subclasses, one per variant of the Rust enum `{e.name}` (fields as attributes):"
        section = intro + "\n\n" + "\n".join(listed)
        doc = normalize_doc(e.doc)
        doc = f"{doc}\n\n{section}" if doc else section
        message = f"{cls} cannot be created directly: create one of its variants, such as {cls}.{variants[0].name}()"
        codec = self.value_codec(Record(e.name))
        return PyDataError(
            name=cls,
            docstring=python_docstring(doc),
            variants=variants,
            init_raise=layout(Group("TypeError(", (python_string(message),), ")"), 8, before="raise "),
            register=register,
            # The codec is defined after the classes: looked up when the first error arrives.
            by_code=layout(
                Group("_ffi_rt.DataErrors(", (cls, f"lambda: {codec}"), ")"), 0, before=f"_ffi_{cls}_by_code = "
            ),
        )

    def _variant_hidden(self, e: RecordEnumDef) -> AbstractSet[str]:
        """The attributes a record enum's variant's fields cannot have: the variant classes' (and, for an error
        enum, the exception's own)."""
        hidden = {_escape(v.name, PYTHON_KEYWORDS | {"mro"}) for v in e.variants}
        if e.name in self.errors:
            hidden = {_escape(v.name, PYTHON_KEYWORDS | _EXCEPTION_ATTRIBUTES) for v in e.variants}
            hidden |= _EXCEPTION_ATTRIBUTES | {"_ffi_message"}
        return hidden

    # opaque types -----------------------------------------------------------------------------

    def opaque(self, o: OpaqueDef) -> PyOpaque:
        cls = self.classes[o.name]
        producers = self.api.producers.get(o.name, ())
        if producers:
            calls = [f"{name}()" for name in producers]
            origin = "they are returned by " + (", ".join(calls[:-1]) + " or " if len(calls) > 1 else "") + calls[-1]
        else:
            origin = "no function of this library returns one"
        service = self.inventory.service(o.name)
        if service is not None:
            constructors = [f"{cls}.{f.name}()" for f in service.constructors]
            origin = "use " + " or ".join(constructors) if constructors else "the service has no constructor"
        self.helpers.add("handles")
        self.typing.add("NoReturn")
        message = python_string(f"{cls} objects cannot be created directly: {origin}")
        init_raise = layout(Group("TypeError(", (message,), ")"), 8, before="raise ")
        parts = None if service is None else self.service(service)
        if service is not None or o.drop is None:
            opaque = PyOpaque(cls, python_docstring(o.doc), init_raise, f"_ffi_wrap_{o.name}", parts)
            return self._handle_hints(opaque)
        self.typing.update({"Any", "Union"})
        self.helpers.add("finalisers")
        drop, lowered = f"_ffi_fn_{o.drop}", self.abi.by_symbol(o.drop)
        declaration = self._declare(drop, lowered)
        opaque = PyOpaque(
            cls,
            python_docstring(o.doc),
            init_raise,
            f"_ffi_wrap_{o.name}",
            None,
            f"_ffi_own_{o.name}",
            drop,
            declaration,
            layout(
                Group(
                    "def __del__(",
                    ("self", f"_ffi_drop: Any = {drop}", "_ffi_finalizing: Any = _ffi_sys.is_finalizing"),
                    ") -> None:",
                ),
                4,
            ),
            f"_ffi_{o.name}_cell",
        )
        return self._handle_hints(opaque)

    def _handle_hints(self, opaque: PyOpaque) -> PyOpaque:
        """The type hints of what the objects of an opaque type hold (ctypes: its handle and cell classes)."""
        handle = opaque.service.handle if opaque.service is not None else ""
        cell = f"{opaque.cell}, int" if opaque.cell else ""
        return dataclasses.replace(opaque, handle_hint=handle, cell_hint=cell)

    # services ---------------------------------------------------------------------------------

    def service(self, s: Service) -> PyService:
        """The service's members as methods of its class: `new` as ``__init__``, other constructors as
        classmethods, methods as methods, static functions as staticmethods."""
        self.helpers.add("services")
        self.typing.add("Any")
        init = None
        members = []
        for signature in self.api.members[s.name]:
            function = self.function(signature)
            self.service_functions.append(function)
            if signature.kind == "init":
                init = function
            else:
                members.append(function)
        destructor, release = f"_ffi_fn_{s.destructor}", f"_ffi_fn_{s.release}"
        declarations = "\n".join(
            self._declare(alias, lowered)
            for alias, lowered in (
                (destructor, self.abi.by_symbol(s.destructor)),
                (release, self.abi.by_symbol(s.release)),
            )
        )
        return PyService(destructor, release, declarations, init, tuple(members), f"_ffi_{self.classes[s.name]}_handle")

    # structs ----------------------------------------------------------------------------------

    # functions --------------------------------------------------------------------------------

    def function(self, sig: Signature) -> PyFunction:
        """The wrapper of a function, or of a service's member (a method of its class): its statements, which
        ``wrapper.py.j2`` spells."""
        f = sig.function
        # The name errors call it by: the function's, or `Store.get` for a member.
        name = sig.label
        alias = f"_ffi_fn_{f.symbol}"
        lowered = sig.callable
        errors = None if sig.error is None else f"_ffi_{sig.error}_by_code"
        params: List[str] = [sig.receiver] if sig.receiver else []
        args: List[Union[str, Ternary, Group]] = []
        checks: List[Statement] = []
        takes: List[Take] = []
        #: Owned objects of opaque types that are cells, given back when the library refused to take one (a
        #: ValueError: another call was using it), which leaves it the caller's.
        given_back: List[Take] = []
        after: List[Statement] = []
        #: Callbacks: registered after every check passed (so a failed check leaks nothing), and the keys to
        #: forget if the technology refuses the call (kept ones) or once it returns (borrowed ones).
        keeps: List[Statement] = []
        forget_if_refused: List[str] = []
        forget_after: List[str] = []
        converted_by_technology = False
        if sig.kind == "init":
            # `__init__` again on a live object would orphan its Rust object (or own it twice).
            again = Group("_ffi_initialized(", (python_string(sig.label),), ")")
            checks.append(Check(BoolOp("and", ('getattr(self, "_ffi_handle", None) is not None',)), again))
        if sig.kind == "method":
            # The object's handle: its first C parameter. A closed object raises here, naming the method.
            # Read once: another thread may close the object between a check and a second read.
            assert sig.cls is not None
            closed = Group("_ffi_closed(", (python_string(sig.cls), python_string(sig.name)), ")")
            checks.append(Check(BoolOp("and", ("(_ffi_self := self._ffi_ptr) is None",)), closed))
            args.append("_ffi_self")
        for p in sig.params:
            pname = p.name
            params.append(p.declaration)
            ty = p.type
            assert not isinstance(ty, (Void, OwnedString, Vec)), "the model refuses these as parameters"
            if isinstance(ty, (Str, CStr)):
                checks.append(self._text_argument(name, pname, ty))
                args.append(f"_ffi_text_{pname}")
                if isinstance(ty, Str):
                    args.append(f"len(_ffi_text_{pname})")
                continue
            if isinstance(ty, Encoded):
                # Its bytes in the wire encoding, checked on the way (the library checks them again).
                # (Not `_ffi_wire_<name>`: a parameter named `encode` or `vec_str` would shadow a module global.)
                local = f"_ffi_encoded_{pname}"
                what = python_string(f"{name}() argument {pname!r}")
                checks.append(Assign(local, f"_ffi_wire_encode({self.codec(ty)}, {pname}, {what})"))
                if ty.lent_as_struct:
                    args.append(self.lent_bytes_argument(local))
                else:
                    args.extend((self.encoded_argument(local), f"len({local})"))
                continue
            if isinstance(ty, Option):
                local = f"_ffi_option_{pname}"
                checks.append(self._option_argument(name, pname, ty))
                checks.append(Assign(local, self._to_option(ty, pname, None)))
                args.append(local)
                continue
            if isinstance(ty, Slice):
                checks.append(self._slice_argument(name, pname, ty))
                args.extend((f"_ffi_slice_{pname}", f"_ffi_len_{pname}"))
                if ty.mutable:
                    after.append(self._slice_write_back(pname, ty))
                continue
            if isinstance(ty, Primitive):
                # A `char` crosses as its code point; a `u128`/`i128` as its two 64-bit halves.
                if ty.is_char:
                    self.helpers.add("chars")
                args.append(
                    f"_ffi_ord({pname})" if ty.is_char else self.wide_argument(pname, ty) if ty.is_wide else pname
                )
                checks.append(self._scalar_argument(name, pname, ty))
                continue
            if isinstance(ty, Array):
                local = f"_ffi_array_{pname}"
                checks.append(Assign(local, self._array_argument(name, pname, ty)))
                args.append(local)
                continue
            assert isinstance(ty, (Named, Pointer)), "the model refuses other types as parameters"
            target = self._target(ty)
            cls = self.classes[target.name]
            if isinstance(target, CallbackDef):
                nullable = isinstance(ty, Pointer) and ty.nullable
                self.helpers.add("callbacks")
                uncallable = f"not callable({pname})"
                if nullable:
                    uncallable = f"{pname} is not None and {uncallable}"
                failure = Group("_ffi_not_callable(", (python_string(name), python_string(pname), pname), ")")
                checks.append(Check(BoolOp("and", (uncallable,)), failure))
                key = f"_ffi_key_{pname}"
                keep = f"_ffi_keep_callback({pname})"
                if nullable:
                    keep = f"None if {pname} is None else {keep}"
                keeps.append(Assign(key, keep))
                made = self.callback_argument(target, key, isinstance(ty, Pointer))
                args.append(Ternary(self.NULL_ARGUMENT, f"{pname} is None", made) if nullable else made)
                (forget_after if isinstance(ty, Pointer) else forget_if_refused).append(key)
                continue
            if isinstance(target, TraitDef):
                # Any object with the trait's methods: each bound method is kept as a callback is, checked first.
                nullable = isinstance(ty, Pointer) and ty.nullable
                self.helpers.update({"callbacks", "traits"})
                methods = f"_ffi_methods_{pname}"
                method_names = Group("(", tuple(python_string(m.name) for m in target.methods), ")", is_tuple=True)
                found = Group(
                    "_ffi_implements(",
                    (python_string(name), python_string(pname), pname, python_string(cls), method_names),
                    ")",
                )
                checks.append(Assign(methods, Ternary("None", f"{pname} is None", found) if nullable else found))
                method_keys = []
                for i in range(len(target.methods)):
                    key = f"_ffi_key_{pname}_{i}"
                    keep = f"_ffi_keep_callback({methods}[{i}])"
                    keeps.append(Assign(key, f"None if {methods} is None else {keep}" if nullable else keep))
                    method_keys.append(key)
                    (forget_after if isinstance(ty, Pointer) else forget_if_refused).append(key)
                trait_made = self.trait_argument(target, tuple(method_keys), isinstance(ty, Pointer))
                args.append(Ternary(self.NULL_ARGUMENT, f"{pname} is None", trait_made) if nullable else trait_made)
                continue
            if isinstance(target, TaggedDef):
                args.append(self._tagged_argument(name, pname, ty, checks))
                continue
            if isinstance(ty, Named):
                args.append(pname if isinstance(target, EnumDef) else self.struct_argument(pname))
                if isinstance(target, EnumDef):
                    what = f"{name}() argument {pname!r}"
                    conversion = self._enum_value(ty, pname, what)
                    checks.append(Check(BoolOp("and", (f"{pname}.__class__ is not {cls}",)), None, pname, conversion))
                else:
                    # A struct by value: ctypes would raise an ArgumentError, naming neither function nor parameter.
                    failure = self._invalid_argument(name, pname, cls, False)
                    checks.append(Check(BoolOp("and", (f"{pname}.__class__ is not {cls}",)), failure))
                    converted_by_technology = self.ARGUMENT_ERRORS
                continue
            failure = self._invalid_argument(name, pname, cls, ty.nullable)
            wrong: List[Union[str, Walrus]]
            if isinstance(target, StructDef):
                wrong = [f"{pname}.__class__ is not {cls}"]
                args.append(self.struct_pointer_argument(pname, ty.nullable))
            else:
                # The pointer is read once, in the check: another thread may release the object (or move it
                # into the library) between a check and a second read.
                temp = f"_ffi_ptr_{pname}"
                wrong = [
                    f"{pname}.__class__ is not {cls}",
                    Walrus(temp, f"{pname}._ffi_ptr", "is None"),
                ]
                if ty.owned:
                    # `Option<Box<T>>`: None moves nothing.
                    take = Take(pname, temp, ty.nullable, self.NULL_ARGUMENT)
                    takes.append(take)
                    if self._has_cells(target) or self.inventory.service(target.name) is not None:
                        # A cell, or a service's object: the library may refuse to take it.
                        given_back.append(take)
                    args.append(temp)
                elif ty.nullable:
                    args.append(Ternary(self.NULL_ARGUMENT, f"{pname} is None", temp))
                else:
                    args.append(temp)
            either = BoolOp("or", tuple(wrong))
            if ty.nullable:
                either = BoolOp("and", (f"{pname} is not None", either if len(wrong) > 1 else wrong[0]))
            checks.append(Check(either, failure))
        convert = self._result(f.returns)
        reader = None
        if f.asynchronous:
            self.helpers.update({"async", "callbacks"})
            reader = self._reader(f, convert)
            keeps.append(
                Assign(
                    "_ffi_future, _ffi_key", Group("_ffi_awaiting(", (f"_ffi_read_{f.symbol}", errors or "None"), ")")
                )
            )
            args.append(self.completion_argument())
            forget_if_refused.append("_ffi_key")
        returns_now = not (isinstance(f.returns, Void) or f.asynchronous)
        # What to undo if the technology refuses an argument (the library never saw the call).
        call = Call(
            Group(f"{alias}(", tuple(args), ")"),
            "_ffi_result" if returns_now else None,
            self.ARGUMENT_ERROR,
            refused=tuple(takes) if converted_by_technology else (),
            forget_if_refused=tuple(forget_if_refused) if converted_by_technology else (),
            forget_after=tuple(forget_after),
        )
        # One memory read: the library counts the failures it recorded and nobody has taken yet. A call that leaves
        # a failure returns zeroes, so after a number, an enum or a pointer only a zero result needs the read.
        failed = (
            f"not _ffi_result and {self.PENDING}" if returns_now and self._zero_if_failed(f.returns) else self.PENDING
        )
        body: List[Statement] = [
            *checks,
            *keeps,
            *takes,
            call,
            FailureCheck(failed, errors or "None", tuple(given_back)),
        ]
        body.extend(after)
        if f.asynchronous:
            body.append(Return("await _ffi_future"))
        elif sig.kind == "init":
            # The handle stays until the object is garbage-collected; `_ffi_ptr` only while it is open.
            body.append(Assign("self._ffi_handle = self._ffi_ptr", f"_ffi_{sig.cls}_handle(_ffi_result)"))
        elif returns_now and (owned := self._owned_cell(f.returns)) is not None:
            # What `_ffi_own_<Type>` does, inline: the object made and handed its cell without one more call.
            cls, type_name = owned
            body.append(Assign("_ffi_handle", f"object.__new__({cls})"))
            body.append(Assign("_ffi_handle._ffi_ptr", self.cell(type_name, "_ffi_result")))
            body.append(Return("_ffi_handle"))
        elif returns_now:
            body.append(Return(convert.format("_ffi_result")))
        lookup, argtypes, restype = self._declaration(alias, lowered)
        define = "async def" if f.asynchronous else "def"
        return PyFunction(
            name=name,
            alias=alias,
            # A `PyDLL` function keeps the GIL during the call; a `CDLL` one releases it.
            lookup=lookup,
            argtypes=argtypes,
            restype=restype,
            decorator=sig.decorator.rstrip("\n"),
            signature=Group(f"{define} {sig.name}(", tuple(params), f") -> {sig.returns}:"),
            docstring=python_docstring(sig.doc),
            body=tuple(body),
            reader=reader,
        )

    def _has_cells(self, target: TypeDef) -> bool:
        return has_cells(self.inventory, target)

    def _owned_cell(self, ty: TypeRef) -> Optional[Tuple[str, str]]:
        """For a result that is an owned object (not NULL) of an opaque type with cells: its class and type name."""
        if not (isinstance(ty, Pointer) and ty.owned and not ty.nullable):
            return None
        target = self._target(ty)
        if self._has_cells(target):
            return self.classes[target.name], target.name
        return None

    def cell(self, name: str, address: str) -> str:
        """The cell an object of the opaque type `name` holds for the owned `address` (see ``opaque_cell.py.j2``)."""
        return f"_ffi_{name}_cell({address})"

    def _zero_if_failed(self, ty: TypeRef) -> bool:
        """Whether a failed call's zeroes are the only falsy results of type `ty` (as the call returns it, before
        conversion): numbers, `bool`, C-like enums (their raw value) and pointers (`None`, a NULL pointer)."""
        if isinstance(ty, Primitive):
            return not ty.is_wide  # a structure, always truthy
        if isinstance(ty, Pointer):
            return True
        return isinstance(ty, Named) and isinstance(self._target(ty), EnumDef)

    def _reader(self, f: Function, convert: str) -> PyDef:
        """``_ffi_read_<symbol>``: the value an async function completed with, read from the address the
        library passes it at (valid only during the completion, so it is copied, or taken, at once)."""
        ty = f.returns
        if isinstance(ty, Pointer) and isinstance(self._target(ty), StructDef):
            message = (
                f"The {self.BACKEND_NAME} backend cannot bind async function `{f.name}`: it returns a pointer to a "
                "struct, which would outlive the call it points into. Return the struct by value."
            )
            raise BackendError(message)
        signature = Group(f"def _ffi_read_{f.symbol}(", (self.COMPLETION_VALUE,), f") -> {self.hint(ty)}:")
        body: Tuple[Statement, ...] = (Return("None"),)
        if not isinstance(ty, Void):
            body = (Assign("_ffi_result", self.completion_read(f)), Return(convert.format("_ffi_result")))
        return PyDef("", signature, python_docstring(f"The value `{f.name}` completed with."), body)

    def _scalar_argument(self, function: str, pname: str, ty: Primitive) -> Check:
        """The check of a number or bool argument: ctypes itself would truncate an out-of-range int and
        take any object as a bool. An exact `int`, `float` or `bool` in range costs a comparison or three."""
        self.helpers.add("scalars")
        args = (python_string(f"{function}() argument {pname!r}"), pname, python_string(ty.name))
        return Check(BoolOp("or", not_exactly(ty, pname)), None, pname, Group("_ffi_scalar(", args, ")"))

    def _option_argument(self, function: str, pname: str, ty: Option) -> Check:
        """The check of an ``FfiOption`` argument's value when it is not None, as for an argument of its type."""
        inner = ty.inner
        if isinstance(inner, Primitive):
            self.helpers.add("scalars")
            wrong = not_exactly(inner, pname)
            condition = BoolOp("and", (f"{pname} is not None", BoolOp("or", wrong) if len(wrong) > 1 else wrong[0]))
            args = (python_string(f"{function}() argument {pname!r}"), pname, python_string(inner.name))
            return Check(condition, None, pname, Group("_ffi_scalar(", args, ")"))
        else:
            assert isinstance(inner, Named)
            definition = self.inventory.type(inner.name)
            cls = self.classes[inner.name]
            if isinstance(definition, EnumDef):
                condition = BoolOp("and", (f"{pname} is not None", f"{pname}.__class__ is not {cls}"))
                what = f"{function}() argument {pname!r}"
                return Check(condition, None, pname, self._enum_value(inner, pname, what))
            wrong_type = f"not isinstance({pname}, {cls})" if isinstance(definition, TaggedDef) else None
            condition = BoolOp("and", (f"{pname} is not None", wrong_type or f"{pname}.__class__ is not {cls}"))
            return Check(condition, self._invalid_argument(function, pname, cls, True))

    def _text_argument(self, function: str, pname: str, ty: Union[Str, CStr]) -> TextArgument:
        """The statements that encode a ``str`` argument as UTF-8 (and refuse NUL for a C string)."""
        self.helpers.add("text_arguments")
        failure = Group(
            "_ffi_text_argument(", (python_string(function), python_string(pname), pname, "_ffi_error"), ")"
        )
        nul = None
        if isinstance(ty, CStr):
            self.helpers.add("c_strings")
            nul = Group("_ffi_nul_argument(", (python_string(function), python_string(pname)), ")")
        return TextArgument(pname, f"_ffi_text_{pname}", failure, nul)

    def _raw_element(self, element: Union[Primitive, Named]) -> Optional[Primitive]:
        """The primitive a slice's or vector's element crosses as (an enum as its repr), or None for a struct."""
        if isinstance(element, Primitive):
            return element
        target = self._target(element)
        return target.repr if isinstance(target, EnumDef) else None

    @staticmethod
    def _checked(element: Union[Primitive, Named], raw: Primitive) -> bool:
        """Whether a slice of `element`s holds values that are checked (bools, enum members)."""
        return raw != element or raw.is_bool

    def _slice_argument(self, function: str, pname: str, ty: Slice) -> Union[NumbersArgument, Assign]:
        """``_ffi_slice_p, _ffi_len_p = ...``: a pointer to the elements (zero-copy for buffers) and their count."""
        element = ty.element
        targets = f"_ffi_slice_{pname}, _ffi_len_{pname}"
        raw = self._raw_element(element)
        if raw is not None:
            self.helpers.add("number_slices")
            # A bool is a byte: its array's type code is that of `u8` (the library checks each is 0 or 1).
            code = ARRAY_CODES["u8" if raw.is_bool else raw.name]
            value: Union[str, Group] = pname
            if self._checked(element, raw):
                # bools and enum members: the items of a list or tuple are checked (a buffer passes as it is, the
                # library checks every value).
                self.helpers.add("checked_items")
                cls = "bool" if isinstance(element, Primitive) else self.classes[element.name]
                value = Group(
                    "_ffi_checked_items(",
                    (
                        python_string(function),
                        python_string(pname),
                        pname,
                        python_string(code),
                        cls,
                        f"mutable={ty.mutable}",
                    ),
                    ")",
                )
            call = Group(
                "_ffi_numbers_argument(",
                (
                    python_string(function),
                    python_string(pname),
                    value,
                    self.element(raw),
                    python_string(code),
                    f"mutable={ty.mutable}",
                ),
                ")",
            )
            # The fast path: an `array.array` of the element's own type code is shared without the helper's
            # memoryview and format checks (a third of a one-value call's cost).
            length, pointer = f"_ffi_len_{pname}", f"_ffi_slice_{pname}"
            exact = f"isinstance({pname}, _ffi_array) and {pname}.typecode == {python_string(code)}"
            return NumbersArgument(pname, pointer, length, exact, self.shared_array(raw, pname, length), call)
        else:
            self.helpers.add("struct_slices")
            call = Group(
                "_ffi_structs_argument(",
                (python_string(function), python_string(pname), pname, self.classes[element.name]),
                ")",
            )
        return Assign(targets, call)

    def _slice_write_back(self, pname: str, ty: Slice) -> WriteBack:
        """After the call: copy what the library wrote into a list the caller passed (buffers were shared)."""
        raw = self._raw_element(ty.element)
        if raw is not None:
            # On PyPy a resizable buffer was passed as a copy (see the runtime's `COPIES_RESIZABLE_BUFFERS`).
            self.helpers.add("write_numbers_back")
            convert = None
            if isinstance(ty.element, Primitive) and ty.element.newtype:
                # A list gets newtypes back, as the values it passed.
                convert = self.classes[ty.element.newtype]
            elif self._checked(ty.element, raw):
                # A list gets bools or enum members back, not the numbers they crossed as.
                named = ty.element
                convert = (
                    "bool" if isinstance(named, Primitive) else f"_ffi_{self.classes[named.name]}_by_value.__getitem__"
                )
            return WriteBack(pname, Group("_ffi_write_numbers_back(", (pname, f"_ffi_slice_{pname}"), ")"), convert)
        self.helpers.add("write_back")
        return WriteBack(pname, None)

    def _invalid_argument(self, function: str, param: str, cls: str, nullable: bool) -> Group:
        """The error of an argument of the wrong class (or a released object)."""
        self.checks_arguments = True
        args: Tuple[str, ...] = (python_string(function), python_string(param), param, cls)
        if nullable:
            args += ("or_none=True",)
        return Group("_ffi_invalid_argument(", args, ")")

    def _result(self, ty: TypeRef) -> str:
        """How the wrapper turns the library's result into its own: a format string applied to the result."""
        if isinstance(ty, Primitive) and ty.is_char:
            self.helpers.add("chars")
            return "_ffi_chr({0})"
        if isinstance(ty, Primitive) and ty.is_wide:
            # `{lo, hi}` to the int; an `i128` whose top bit is set is that minus 2**128.
            if ty.is_signed:
                return "({0}.lo | {0}.hi << 64) - ({0}.hi >> 63 << 128)"
            return "{0}.lo | {0}.hi << 64"
        if isinstance(ty, Primitive) and ty.newtype:
            return f"{self.classes[ty.newtype]}({{0}})"
        if isinstance(ty, (Void, Primitive)):
            return "{0}"
        if isinstance(ty, Array):
            # `struct { T items[N]; }`: bytes for `[u8; N]`, else a tuple (of members for an enum).
            if ty.element == Primitive("u8"):
                return "bytes({0}.items)"
            if isinstance(ty.element, Named):
                return f"tuple(map(_ffi_{self.classes[ty.element.name]}_by_value.__getitem__, {{0}}.items))"
            if isinstance(ty.element, Primitive) and ty.element.newtype:
                return f"tuple(map({self.classes[ty.element.newtype]}, {{0}}.items))"
            return "tuple({0}.items)"
        if isinstance(ty, Option):
            return self._from_option(ty)
        if isinstance(ty, OwnedString):
            self.helpers.add("take_string")
            return "_ffi_take_string({0})"
        if abi.crosses_as_texts(self.inventory, ty):
            self.helpers.add("take_texts")
            return "_ffi_take_texts({0})"
        if isinstance(ty, Encoded):
            self.helpers.add("take_bytes")
            return f"_ffi_wire_decode({self.codec(ty)}, _ffi_take_bytes({{0}}))"
        if isinstance(ty, Vec):
            if ty.element == Primitive("u8"):
                self.helpers.add("take_bytes")
                return "_ffi_take_bytes({0})"
            self.helpers.add("take_list")
            element = ty.element
            if isinstance(element, Named) and isinstance(self._target(element), EnumDef):
                # The values, then their members (the library only returns valid values).
                raw = self._raw_element(element)
                assert raw is not None
                by_value = f"_ffi_{self.classes[element.name]}_by_value.__getitem__"
                return f"list(map({by_value}, _ffi_take_list({{0}}, {self.element(raw)})))"
            item = self.element(element) if isinstance(element, Primitive) else self.list_element(element)
            if isinstance(element, Primitive) and element.newtype:
                return f"list(map({self.classes[element.newtype]}, _ffi_take_list({{0}}, {item})))"
            return f"_ffi_take_list({{0}}, {item})"
        assert isinstance(ty, (Named, Pointer)), "the model refuses these as results"
        target = self._target(ty)
        cls = self.classes[target.name]
        if isinstance(target, TaggedDef):
            return self._tagged_result(ty)
        if isinstance(ty, Named):
            # A dict lookup, not `Color(raw)`: the library only returns valid values, and the call is 8x cheaper.
            return f"_ffi_{cls}_by_value[{{0}}]" if isinstance(target, EnumDef) else self.struct_result(cls)
        if isinstance(target, StructDef):
            return self.struct_pointer_result(cls, ty.nullable)
        wrap = f"_ffi_wrap_{target.name}"
        if ty.owned and self._has_cells(target):
            wrap = f"_ffi_own_{target.name}"
        return f"None if {self.NULL.format('{0}')} else {wrap}({{0}})" if ty.nullable else f"{wrap}({{0}})"

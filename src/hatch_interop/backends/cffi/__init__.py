"""The ``cffi`` backend: the same Python surface as the ``ctypes`` backend, calling the library through cffi.

ABI mode, out of line: at packaging time cffi parses the library's declarations (the C header's, see
:func:`hatch_interop.backends.c.cdef`) and writes ``_ffi_cffi.py``, a module that rebuilds its ``ffi`` object
in a few milliseconds without a parser or a C compiler. The generated ``__init__.py`` opens the library with
``ffi.dlopen`` and wraps each function in the ``def`` the ctypes backend writes: the names, signatures, type
hints, docstrings and argument checks come from the same Python API model (:mod:`hatch_interop.python_api`)
and the same wrapper builder, which this backend tells how a call crosses the boundary (a declaration is an
attribute of the library; the failure counter is a ``size_t *``; buffers are shared with ``ffi.from_buffer``;
a struct class holds a ``T *`` cdata and passes ``obj._ffi_c[0]`` by value).

Building needs cffi (``cffi`` in ``[build-system] requires``); the wheel requires it at run time on CPython
(PyPy has it built in). cffi's ABI mode always lets go of the GIL during a call, so ``gil = "hold"`` has no
effect here.

API mode (option ``mode = "api"``): the same ``__init__.py`` takes ``ffi`` and ``lib`` from ``_ffi_cffi``, an
extension module that :meth:`CffiBackend.build` compiles beside the library and links against it
(:mod:`hatch_interop.backends.cffi.api_mode`); ``_ffi_cffi.pyi`` types it. The wheel is then tagged for the
interpreters that can import the extension (:meth:`CffiBackend.wheel_tag`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import importlib
import io
import keyword
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Dict, List, Optional, Tuple, Union

import jinja2

from hatch_interop import abi, constructs, python_api
from hatch_interop.backend import Backend, GeneratedFile
from hatch_interop.backends.c import C_PRIMITIVES, c_types, cdef, field_names, payload_names
from hatch_interop.backends.cffi import api_mode
from hatch_interop.backends.python import (
    CTYPES_STRUCT_ATTRIBUTES,
    RUNTIME_ALIASES,
    CallbackFunction,
    PyDataError,
    PyEnum,
    PyError,
    PyModuleBase,
    PyNewtype,
    PyOpaque,
    PyRecord,
    PyRecordEnum,
    PyTagged,
    PyTrait,
    WrapperBuilder,
    python_templates,
)
from hatch_interop.backends.python.statements import Assign, Check, Evaluate, Return, Statement
from hatch_interop.codegen import Namespace, python_docstring, python_string
from hatch_interop.config import Option as BackendOption
from hatch_interop.errors import BackendError
from hatch_interop.inventory import (
    Array,
    CallbackDef,
    EnumDef,
    Field,
    Function,
    Inventory,
    Named,
    NewtypeDef,
    OpaqueDef,
    Option,
    Pointer,
    Primitive,
    RecordDef,
    RecordEnumDef,
    StructDef,
    TaggedDef,
    TaggedVariant,
    TraitDef,
)
from hatch_interop.pylayout import (
    WIDTH,
    BoolOp,
    Group,
    Subscript,
    Ternary,
    layout,
    layout_bool,
    reduce_return,
    repr_return,
)
from hatch_interop.python_api import CLASS_BODY_NAMES, held, member_name, not_exactly
from hatch_interop.runtime import runtime_files

BACKEND = "cffi"
#: What the wheel needs at run time: `_cffi_backend`, which PyPy has built in.
REQUIREMENT = 'cffi>=1.15; platform_python_implementation != "PyPy"'
#: The values of option `mode`: cffi's out-of-line ABI mode (the default) or API mode.
MODES = ("abi", "api")


@dataclass(frozen=True)
class CffiField:
    """A field of a struct class: a property over the C struct's field."""

    name: str
    annotation: str
    docstring: Optional[str]
    #: The getter's statements and the setter's, which store ``_ffi_value``.
    getter: Tuple[Statement, ...]
    setter: Tuple[Statement, ...]


@dataclass(frozen=True)
class CffiStruct:
    """A `#[repr(C)]` struct: a class over cffi memory (a `T *` it owns, or a view of another's)."""

    template: ClassVar[str] = "cffi_struct.py.j2"

    name: str
    #: The C name (a string literal, and as is), and the function that wraps a pointer to one (`_ffi_view_T`).
    ctype: str
    cname: str
    view: str
    view_def: str
    docstring: Optional[str]
    fields: Tuple[CffiField, ...]
    init_def: str
    init_new: str
    repr_return: str
    eq_return: str
    reduce_return: str


@dataclass(frozen=True)
class CffiCallback:
    """A callback type: its function (as the ctypes backend writes it) and the C function cffi makes of it."""

    template: ClassVar[str] = "cffi_callback.py.j2"

    function: CallbackFunction
    #: ``_ffi_OnValue_thunk = _ffi_callback("OnValue", _ffi_OnValue_call)``, laid out.
    thunk: str


@dataclass(frozen=True)
class CffiTagged(PyTagged):
    """A data-carrying enum: the ctypes backend's classes, converted to and from cffi's initializers and cdata of
    the C header's struct (the tag and the payload union)."""

    template: ClassVar[str] = "cffi_tagged.py.j2"

    #: ``"_ffi_Shape *"``: a pointer to its C layout, the tag and the payload union (cffi's declarations name the
    #: C type itself, ``Shape``, for a struct of its size without a union: libffi passes no union by value).
    view_pointer: str
    #: A new C value of ``_ffi_value`` (``_ffi_tagged_value(...)[0]``, which owns its memory).
    new_value: str


@dataclass(frozen=True)
class CffiModule(PyModuleBase):
    #: The API guard's symbol, an attribute of the library object (it ends in `_api_guard`: never a keyword).
    api_guard_symbol: str
    types: Tuple[
        Union[
            PyEnum,
            PyError,
            PyOpaque,
            PyRecord,
            PyRecordEnum,
            PyDataError,
            PyNewtype,
            CffiStruct,
            CffiTagged,
            CffiCallback,
            PyTrait,
        ],
        ...,
    ]
    #: The layout check's call (every struct and data-carrying enum with the size, alignment and offsets Rust
    #: measured).
    layout_check: Optional[str]
    #: The C type of an async function's completion, as a string literal (None: the library has none).
    completion: Optional[str]


class CffiBackend(Backend):
    """Generates ``__init__.py`` and cffi's out-of-line module for the package: ``_ffi_cffi.py`` in ABI mode, or in
    API mode an extension module that :meth:`build` compiles (typed by ``_ffi_cffi.pyi``)."""

    PLUGIN_NAME = "cffi"
    SUPPORTS = constructs.ALL
    OPTIONS = (
        BackendOption(
            "mode",
            "string",
            "abi",
            "How the bindings call the library: `abi` (cffi's ABI mode: no C compiler, any Python 3) or `api` "
            "(an extension module compiled at packaging time: needs a C compiler and Python's headers, and the "
            "wheel serves the building CPython and newer ones, or the building PyPy).",
            choices=MODES,
        ),
    )
    #: The same in both modes: an API-mode extension imports `_cffi_backend` too (and checks its version).
    DEPENDENCIES = (REQUIREMENT,)
    #: API mode: the extension's C source, which generate() makes and build() compiles.
    _c_source: Optional[str] = None

    @property
    def api_mode(self) -> bool:
        """Whether option `mode` is ``"api"``."""
        return bool(self.context.options.get("mode", "abi") == "api")

    def generate(self, inventory: Inventory) -> List[GeneratedFile]:
        builder = CffiWrapperBuilder(inventory, self.context)
        model = builder.cffi_module()
        template = _environment().get_template("cffi_module.py.j2")
        content = template.render(module=model, api_mode=self.api_mode)
        if any(len(line) > WIDTH for line in content.split("\n")):
            # Only the crate's own text (docs, long names) makes a line this long: tell linters it is meant.
            header, rest = content.split("\n", 1)
            pragma = (
                "# Some lines hold the crate's own text, which is longer than 120 characters.\n"
                "# ruff: noqa: E501, RUF100"
            )
            content = f"{header}\n{pragma}\n{rest}"
        declarations = cdef(inventory, self.context.generator_version)
        name = f"{self.context.module}.{api_mode.MODULE}"
        if self.api_mode:
            # The extension's C source, made now (so that a missing cffi stops the build here, as in ABI mode);
            # build() compiles it once the library is in place.
            self._c_source = api_mode.c_source(_cffi(), name, declarations)
            ffi_module = GeneratedFile(f"{api_mode.MODULE}.pyi", _ffi_stub(self.context.generator_version))
        else:
            ffi_module = GeneratedFile(f"{api_mode.MODULE}.py", _ffi_module(name, declarations))
        return [
            GeneratedFile("__init__.py", content),
            ffi_module,
            *runtime_files(("_ffi_runtime.py", "_ffi_cffi_runtime.py")),
        ]

    def build(self, directory: Path, library: Path) -> List[str]:
        """API mode: compile the extension module beside the library, linking it."""
        if not self.api_mode:
            return []
        if self._c_source is None:
            raise BackendError("The cffi backend's build step runs after generate(), which makes the C source")
        return [api_mode.compile_extension(self._c_source, directory, library, os.environ, cache=self.context.cache)]

    def wheel_tag(self) -> Optional[Tuple[str, str]]:
        """API mode: the building interpreter's (``cp3X-abi3`` on CPython; PyPy's own on PyPy); else ``py3-none``."""
        return api_mode.target().tag if self.api_mode else None


def _ffi_stub(generator_version: str) -> str:
    """The type stub of API mode's extension module: type checkers cannot read an extension."""
    return (
        f"# Generated by hatch-interop {generator_version} (cffi backend): the types of the extension module cffi "
        "compiled; do not edit.\n"
        "from typing import Any\n\n"
        "ffi: Any\n"
        "lib: Any\n"
    )


def _cffi() -> Any:
    """cffi, which building needs (in either mode); a clear error without it."""
    try:
        # Imported here: only this backend needs cffi, and only when it runs (cffi ships no type hints).
        return importlib.import_module("cffi")
    except ImportError:
        message = (
            'The cffi backend needs cffi when the wheel is built: add "cffi" to `requires` in the project\'s '
            "[build-system] table (next to hatch-interop)."
        )
        raise BackendError(message) from None


def _environment() -> jinja2.Environment:
    """This backend's templates, then the Python layer's (the classes and wrappers both backends render)."""
    return python_templates(__file__)


def _store(field: str, value: Union[str, Group, Ternary]) -> Tuple[Statement, ...]:
    """The statements of a setter that store `value` into the C field `field`; through setattr where the field's
    name is a Python keyword."""
    if keyword.iskeyword(field):
        if isinstance(value, Ternary):
            return (Assign("_ffi_value", value), Evaluate(f'setattr(self._ffi_c, "{field}", _ffi_value)'))
        return (Evaluate(Group("setattr(", ("self._ffi_c", python_string(field), value), ")")),)
    return (Assign(f"self._ffi_c.{field}", value, flat=isinstance(value, str)),)


def _attribute(value: str, name: str) -> str:
    """``value.name``, or through getattr where `name` (a C name) is a Python keyword."""
    return f"getattr({value}, {python_string(name)})" if keyword.iskeyword(name) else f"{value}.{name}"


def _ffi_module(name: str, declarations: str) -> str:
    """cffi's out-of-line ABI module for `declarations`: an ``ffi`` object built from precomputed tables."""
    cffi = _cffi()
    ffi = cffi.FFI()
    try:
        ffi.cdef(declarations)
    except cffi.CDefError as error:  # the C header compiles, so this is a bug of ours
        raise BackendError(f"cffi cannot parse the declarations hatch-interop made: {error}") from None
    ffi.set_source(name, None)
    with tempfile.TemporaryDirectory() as directory, contextlib.redirect_stdout(io.StringIO()):
        # (cffi prints "generating <path>", which is none of the build's business)
        path = Path(directory) / "_ffi_cffi.py"
        ffi.emit_python_code(str(path))
        code = path.read_text(encoding="utf-8")
    header = (
        f"# Generated by cffi {cffi.__version__} for hatch-interop: the library's declarations, parsed at "
        "packaging time; do not edit.\n# ruff: noqa\n# mypy: ignore-errors\n"
    )
    return header + code


class CffiWrapperBuilder(WrapperBuilder):
    """The Python layer's builder, calling through cffi."""

    PENDING = "_ffi_pending[0]"
    #: cffi returns a NULL pointer as a (false) cdata, not None.
    NULL = "not {}"
    NULL_ARGUMENT = "_ffi.NULL"
    BACKEND_NAME: ClassVar[str] = BACKEND
    #: `_ffi_address` is the cffi module's own (see cffi_support.py.j2); there are no ctypes arrays.
    RUNTIME_ALIASES = tuple(
        (helper, tuple(alias for alias in aliases if not alias.startswith("_ffi_address")))
        for helper, aliases in RUNTIME_ALIASES
        if helper != "arrays"
    )

    def __init__(self, inventory: Inventory, context: Any) -> None:
        super().__init__(inventory, context)
        #: How cffi knows each type of the ABI model: as the declarations it parsed spell it.
        self.c_spelling = c_types(inventory, context.generator_version)

    def _declaration(self, alias: str, lowered: abi.Callable) -> Tuple[str, Optional[str], Optional[str]]:
        symbol = lowered.symbol
        # cffi's library object has the functions as attributes; a Python keyword needs getattr.
        found = f"getattr(_ffi_lib, {python_string(symbol)})" if keyword.iskeyword(symbol) else f"_ffi_lib.{symbol}"
        return f"{alias} = {found}", None, None

    def element(self, ty: Primitive) -> str:
        return python_string(C_PRIMITIVES[ty.name])

    def _to_option(self, o: Option, value: str, what: Optional[str]) -> Ternary:
        # A struct passed by value takes a tuple of its fields, all of them: cffi does not zero what an argument's
        # initializer leaves out. An absent struct (or data-carrying enum) is a zeroed one the runtime keeps.
        inner = o.inner
        if isinstance(inner, Named) and isinstance(self.inventory.type(inner.name), (StructDef, TaggedDef)):
            cls = self.classes[inner.name]
            present: Union[str, Group] = f"{value}._ffi_c[0]"
            if self._is_tagged(inner):
                present = Group(f"_ffi_{cls}_to_c(", (value,), ")")
            elif what is not None:
                present = Group("_ffi_struct_value(", (python_string(what), value, cls), ")")
            self.helpers.add("absent")
            absent = f"_ffi_absent({python_string(self._option_ctype(o))})"
            return Ternary(absent, f"{value} is None", Group("(", (present, "1"), ")", is_tuple=True))
        present_value = self._option_value(o, value, what)
        return Ternary("(0, 0)", f"{value} is None", Group("(", (present_value, "1"), ")", is_tuple=True))

    def _option_ctype(self, o: Option) -> str:
        """The C type of an ``FfiOption`` (as the C header names it)."""
        return f"{self.inventory.library.crate}_option_{o.inner.name}"

    def _from_option(self, o: Option, base: str = "{0}") -> str:
        """How an option's cdata becomes None or its value (a format string); a struct is a view of the option's
        value in memory that `base` keeps alive: the option itself (a result), or the struct it is a field of."""
        inner = o.inner
        if isinstance(inner, Named) and isinstance(self.inventory.type(inner.name), StructDef):
            view = f"_ffi_view_{self.classes[inner.name]}"
            return f'{view}(_ffi.addressof({{0}}, "value"), {base}) if {{0}}.is_some else None'
        if self._is_tagged(inner):
            return f"_ffi_{self.classes[inner.name]}_from_c({{0}}.value, {base}) if {{0}}.is_some else None"
        return super()._from_option(o)

    # callbacks and async functions ------------------------------------------------------------

    #: The library's context pointer arrives as a `void *` cdata (the key it was kept under, see `Support.key`).
    CONTEXT_HINT = "Any"

    def callback_struct_copy(self, target: StructDef, pointer: str) -> str:
        new = f"_ffi.new({python_string(target.name + ' *')}, {pointer}[0])"
        return f"_ffi_view_{self.classes[target.name]}({new}, None)"

    def callback_struct_value(self, target: StructDef, value: str) -> str:
        new = f"_ffi.new({python_string(target.name + ' *')}, {value})"
        return f"_ffi_view_{self.classes[target.name]}({new}, None)"

    def callback_text(self, pointer: str, length: str) -> str:
        return f"_ffi.unpack({pointer}, {length}).decode()"

    def callback_encoded(self, pointer: str) -> str:
        return f"_ffi.unpack(_ffi.cast({python_string('char *')}, {pointer}.ptr), {pointer}.len)"

    def callback_numbers(self, element: Primitive, pointer: str, length: str) -> str:
        if element == Primitive("u8"):
            return f"_ffi.unpack(_ffi.cast({python_string('char *')}, {pointer}), {length})"
        return f"_ffi.unpack({pointer}, {length})"

    def callback_write_back(self, pointer: str, copy: str) -> Assign:
        return Assign(f"{pointer}[0]", f"{copy}._ffi_c[0]")

    def callback_argument(self, target: CallbackDef, key: str, by_pointer: bool) -> str:
        # cffi fills a struct argument from a tuple of its fields (a `T *` one from `ffi.new`).
        thunk = f"_ffi_{target.name}_thunk"
        if by_pointer:
            return f"_ffi.new({python_string(target.name + ' *')}, ({thunk}, {key}, _ffi.NULL))"
        return f"({thunk}, {key}, _ffi_release)"

    def trait_argument(self, t: TraitDef, keys: Tuple[str, ...], by_pointer: bool) -> Group:
        # Each method's callback structure as a tuple of its fields, as a callback argument is (see there).
        release = "_ffi.NULL" if by_pointer else "_ffi_release"
        methods = tuple(f"(_ffi_{m.callback.name}_thunk, {key}, {release})" for m, key in zip(t.methods, keys))
        fields = Group("(", methods, ")", is_tuple=True)
        if by_pointer:
            return Group("_ffi.new(", (python_string(t.name + " *"), fields), ")")
        return fields

    def completion_argument(self) -> str:
        return "(_ffi_complete, _ffi_key, _ffi_release)"

    def callback(self, c: CallbackDef) -> CffiCallback:
        function = self.callback_function(c)
        thunk = layout(
            Group("_ffi_callback(", (python_string(c.name), function.name), ")"), 0, f"_ffi_{c.name}_thunk = "
        )
        return CffiCallback(function=function, thunk=thunk)

    COMPLETION_VALUE = "_ffi_value: Any"

    def completion_read(self, f: Function) -> str:
        # The library passes a `void *` to the value, valid only during the completion: a value that is more than a
        # number is copied at once.
        lowered = self.abi.callable(f)
        assert lowered.completes_with is not None
        ctype = self.c_spelling(lowered.completes_with)
        pointer = f"_ffi.cast({python_string(ctype + ' *')}, _ffi_value)[0]"
        if not isinstance(lowered.completes_with, abi.CScalar):
            pointer = f"_ffi.new({python_string(ctype + ' *')}, {pointer})[0]"
        return pointer

    # structs ----------------------------------------------------------------------------------

    ARGUMENT_ERRORS = False

    def struct_argument(self, value: str) -> str:
        return f"{value}._ffi_c[0]"

    def struct_pointer_argument(self, value: str, nullable: bool) -> Union[str, Ternary]:
        return Ternary("_ffi.NULL", f"{value} is None", f"{value}._ffi_c") if nullable else f"{value}._ffi_c"

    def array_struct_argument(self, ty: Array, items: Group) -> Union[str, Group]:
        # A struct passed by value takes a tuple of its fields: here the one array.
        return Group("(", (items,), ")", is_tuple=True)

    def wide_argument(self, value: str, ty: Primitive) -> str:
        # A tuple initializer of `{lo, hi}` (cffi refuses an int out of a `uint64_t`'s range).
        return f"({', '.join(self.halves(value, ty))})"

    def struct_result(self, cls: str) -> str:
        # The result is a struct cdata that owns its memory: the object views it and keeps it.
        return f"_ffi_view_{cls}(_ffi.addressof({{0}}), {{0}})"

    def struct_pointer_result(self, cls: str, nullable: bool) -> str:
        view = f"_ffi_view_{cls}({{0}}, None)"
        return f"{view} if {{0}} else None" if nullable else view

    def list_element(self, ty: Named) -> str:
        return f"{python_string(ty.name)}, _ffi_view_{self.classes[ty.name]}"

    def struct(self, s: StructDef) -> CffiStruct:
        self.typing.add("ClassVar")  # `__hash__: ClassVar[None]`: typed, so type checkers agree it is unhashable
        cls = self.classes[s.name]
        self.typing.update({"Any", "Tuple"})
        referenced = {self.classes[named.name] for named in map(held, (f.type for f in s.fields)) if named}
        reserved = python_api.PYTHON_KEYWORDS | CLASS_BODY_NAMES | referenced
        names = Namespace(BACKEND, f"struct `{s.name}`")
        fields: List[CffiField] = []
        params: List[str] = []
        items: List[Union[str, Ternary, Group]] = []
        shown: List[Tuple[str, str]] = []
        for f, cname in zip(s.fields, self.field_names[s.name]):
            python_api.refuse_dunder(f.name, f"field of struct `{s.name}`", BACKEND)
            if f.name in CTYPES_STRUCT_ATTRIBUTES:  # refused by the ctypes backend: the same surface here
                message = (
                    f"The {BACKEND} backend cannot use `{f.name}` as a field of struct `{s.name}`: the ctypes "
                    "backend refuses it (ctypes uses that attribute itself), and both present one surface. Rename "
                    "the field in the crate."
                )
                raise BackendError(message)
            name = names.claim(python_api.escape(f.name, reserved), f"field `{f.name}`", f.name)
            field, param, item, repr_value = self._cffi_field(f, name, f"{cls}.{name}", cname)
            fields.append(field)
            params.append(param)
            items.append(item)
            # A tuple struct's repr is positional, as it is constructed: `Meters(2.5)`.
            shown.append(("" if s.tuple else f"{name}=", repr_value))
        if any(isinstance(item, Ternary) for item in items):
            self.helpers.add("struct_values")
        new = Group("_ffi.new(", (python_string(f"{s.name} *"), Group("(", tuple(items), ")", is_tuple=True)), ")")
        return CffiStruct(
            name=cls,
            ctype=python_string(s.name),
            cname=s.name,
            view=f"_ffi_view_{cls}",
            view_def=layout(Group(f"def _ffi_view_{cls}(", ("_ffi_pointer: Any", "_ffi_base: Any"), f") -> {cls}:"), 0),
            docstring=python_docstring(s.doc),
            fields=tuple(fields),
            init_def=layout(Group("def __init__(", ("self", *params), ") -> None:"), 4),
            init_new=layout(new, 8, before="self._ffi_c = "),
            repr_return=repr_return(cls, shown),
            eq_return=layout_bool(
                BoolOp("and", tuple(f"self.{f.name} == other.{f.name}" for f in fields)), 8, "return "
            ),
            reduce_return=reduce_return(cls, [f.name for f in fields]),
        )

    def _cffi_field(
        self, f: Field, name: str, what: str, c: str
    ) -> Tuple[CffiField, str, Union[str, Ternary, Group], str]:
        """A struct's field: its property, its ``__init__`` parameter, its item in the initializer of the C struct
        and its repr (`what` names the field in errors: ``Sample.id``; `c` is its C name, ``int_`` for ``int``)."""
        ty = f.type
        # The C field, by its C name (through getattr where that is a Python keyword).
        raw = f'getattr(self._ffi_c, "{c}")' if keyword.iskeyword(c) else f"self._ffi_c.{c}"
        doc = python_docstring(f.doc)
        shown = f"{{self.{name}!r}}"
        if isinstance(ty, (Option, Array)) and self._is_enum(held(ty)):
            # A member's repr (`<Color.Red: 1>`) is no expression: show `Color.Red` inside options and tuples too.
            self.helpers.add("enum_repr")
            shown = f"{{_ffi_enum_repr(self.{name})}}"
        if isinstance(ty, Primitive):
            hint, defaults = python_api.PRIMITIVE_HINTS[ty.name], {"f32": "0.0", "f64": "0.0", "bool": "False"}
            default, read = defaults.get(ty.name, "0"), raw
            param = f"{name}: {hint} = {default}"
            number = self._checked_number(ty, name, what)
            item: Union[Group, Ternary] = number
            if ty.newtype:
                # The number is stored and read back as its newtype; left out (None: no call in a default), zero.
                hint = self.classes[ty.newtype]
                read, param = f"{hint}({raw})", f"{name}: {self.optional(hint)} = None"
                item = Ternary(default, f"{name} is None", number)
            self.helpers.add("scalars")
            refused = Group("_ffi_scalar(", (python_string(what), "_ffi_value", python_string(ty.name)), ")")
            check = Check(BoolOp("or", not_exactly(ty, "_ffi_value")), None, "_ffi_value", refused)
            return (
                CffiField(name, hint, doc, (Return(read, flat=True),), (check, *_store(c, "_ffi_value"))),
                param,
                item,
                shown,
            )
        if isinstance(ty, Pointer):
            target = self.classes[ty.target.name]
            null = "None for NULL" if ty.nullable else "None for NULL, which the library does not expect"
            note = f"The raw address of a `{target}`, as an int ({null})."
            hint = self.optional("int")
            self.helpers.add("pointer_fields")
            doc = python_docstring(python_api.with_note(f.doc, [note]))
            pointer = Group("_ffi_pointer(", (self._address("_ffi_value", what),), ")")
            field = CffiField(name, hint, doc, (Return(Group("_ffi_address_of(", (raw,), ")")),), _store(c, pointer))
            return field, f"{name}: {hint} = None", Group("_ffi_pointer(", (self._address(name, what),), ")"), shown
        if isinstance(ty, Array):
            hint = self.hint(ty.element)
            self.typing.update({"Tuple", "Sequence"})
            getter = (Return(self._read_array(ty, "self").format(raw)),)
            field = CffiField(
                name, f"Tuple[{hint}, ...]", doc, getter, _store(c, self._fixed_array(ty, "_ffi_value", f.name, what))
            )
            item = Ternary("()", f"{name} is None", self._fixed_array(ty, name, f.name, what))
            return field, f"{name}: {self.optional(f'Sequence[{hint}]')} = None", item, shown
        if isinstance(ty, Option):
            hint = self.hint(ty)
            getter = (Return(self._from_option(ty, "self").format(raw)),)
            return (
                CffiField(name, hint, doc, getter, _store(c, self._to_option(ty, "_ffi_value", what))),
                f"{name}: {hint} = None",
                self._to_option(ty, name, what),
                shown,
            )
        assert isinstance(ty, Named), "the model refuses void fields"
        definition = self.inventory.type(ty.name)
        cls = self.classes[ty.name]
        if isinstance(definition, TaggedDef):
            getter = (Return(f"_ffi_{cls}_from_c({raw}, self)"),)
            field = CffiField(name, cls, doc, getter, _store(c, Group(f"_ffi_{cls}_to_c(", ("_ffi_value",), ")")))
            # Left out, the field holds the first variant with zeroed fields, as a struct field holds a zeroed struct.
            first = f"{self._tagged_value(definition, f'({definition.variants[0].value},)').flat()}[0]"
            item = Ternary(first, f"{name} is None", Group(f"_ffi_{cls}_to_c(", (name,), ")"))
            return field, f"{name}: {self.optional(cls)} = None", item, shown
        if isinstance(definition, EnumDef):
            getter = (Return(Subscript(f"_ffi_{cls}_by_value", raw)),)
            field = CffiField(name, cls, doc, getter, _store(c, self._enum_value(ty, "_ffi_value", what)))
            default = f"{cls}.{member_name(definition.variants[0].name)}"
            return field, f"{name}: {cls} = {default}", self._enum_value(ty, name, what), f"{cls}.{{self.{name}.name}}"
        assert isinstance(definition, StructDef)
        self.helpers.add("struct_values")
        view = Group(f"_ffi_view_{cls}(", (f'_ffi.addressof(self._ffi_c[0], "{c}")', "self"), ")")
        setter = _store(c, Group("_ffi_struct_value(", (python_string(what), "_ffi_value", cls), ")"))
        item = Ternary("()", f"{name} is None", Group("_ffi_struct_value(", (python_string(what), name, cls), ")"))
        field = CffiField(name, cls, doc, (Return(view),), setter)
        return field, f"{name}: {self.optional(cls)} = None", item, shown

    # fixed-size arrays ------------------------------------------------------------------------

    def _fixed_array(self, ty: Array, value: str, field: str, what: str) -> Group:
        """What cffi stores into an array field from `value`: its items checked and converted by the runtime, as the
        ctypes backend checks them (`field` and `what` name the field in errors)."""
        self.helpers.add("arrays")
        element = ty.element
        args = [str(ty.len), value, python_string(field), python_string(what)]
        if isinstance(element, Option):
            self.helpers.add("absent")
            args_absent = f"absent=_ffi_absent({python_string(self._option_ctype(element))})"
            element = element.inner
        else:
            args_absent = ""
        if isinstance(element, Primitive):
            self.helpers.add("scalars")
            args.append(f"kind={python_string(element.name)}")
        else:
            cls = self.classes[element.name]
            if self._is_enum(element):
                self.helpers.add("enums")
                args += ['kind="enum"', f"target={cls}"]
            elif self._is_tagged(element):
                args += ['kind="tagged"', f"target=_ffi_{cls}_to_c"]
            else:
                args += ['kind="struct"', f"target={cls}"]
        if args_absent:
            args.append(args_absent)
        return Group("_ffi_fixed_array(", tuple(args), ")")

    def _read_array(self, ty: Array, base: str) -> str:
        """How an array field's cdata becomes a tuple (a format string): numbers, enum members, options, views of
        structs in memory that `base` keeps alive, variants of data-carrying enums."""
        element = ty.element
        if isinstance(element, Option):
            return f"tuple({self._from_option(element, base).format('item')} for item in {{0}})"
        if isinstance(element, Primitive) and element.newtype:
            return f"tuple(map({self.classes[element.newtype]}, {{0}}))"
        if isinstance(element, Primitive):
            return "tuple({0})"
        cls = self.classes[element.name]
        if self._is_enum(element):
            return f"tuple(_ffi_{cls}_by_value[item] for item in {{0}})"
        if self._is_tagged(element):
            return f"tuple(_ffi_{cls}_from_c(item, {base}) for item in {{0}})"
        self.helpers.add("struct_arrays")
        return f"_ffi_views({{0}}, _ffi_view_{cls}, {base})"

    # data-carrying enums -----------------------------------------------------------------------

    @functools.cached_property
    def field_names(self) -> Dict[str, Tuple[str, ...]]:
        """The C names of each struct's fields (see ``field_names``)."""
        return field_names(self.inventory, self.context.generator_version)

    @functools.cached_property
    def payload_names(self) -> Dict[str, Dict[str, Tuple[str, Tuple[str, ...]]]]:
        """The C names of each data-carrying enum's payload members and their fields (see ``payload_names``)."""
        return payload_names(self.inventory, self.context.generator_version)

    def tagged(self, t: TaggedDef) -> CffiTagged:
        # The ctypes backend's classes; what crosses is cffi's (see `_variant_field`, `_variant_conversions`).
        model = super().tagged(t)
        return CffiTagged(
            **{f.name: getattr(model, f.name) for f in dataclasses.fields(model)},
            view_pointer=python_string(f"_ffi_{t.name} *"),
            new_value=layout(self._tagged_value(t, "_ffi_value._ffi_to_c()"), 8, after="[0]"),
        )

    def _tagged_value(self, t: TaggedDef, initializer: str) -> Group:
        """A pointer to a new C value of the data-carrying enum `t` (it owns it) from an initializer of its layout."""
        return Group("_ffi_tagged_value(", (python_string(t.name), python_string(f"_ffi_{t.name}"), initializer), ")")

    def _variant_field(
        self, f: Field, name: str, what: str
    ) -> Tuple[str, str, str, str, Union[str, Ternary, Group], str, str]:
        # As the ctypes backend's, but the C value is cffi's initializer, and the value read is a format string
        # applied to the C field (see `_variant_conversions`). No ctypes type: "".
        ty = f.type
        value = f"self.{name}"
        shown = f"{{self.{name}!r}}"
        if isinstance(ty, (Option, Array)) and self._is_enum(held(ty)):
            self.helpers.add("enum_repr")
            shown = f"{{_ffi_enum_repr(self.{name})}}"
        if isinstance(ty, Primitive):
            hint = python_api.PRIMITIVE_HINTS[ty.name]
            return hint, hint, name, "", self._checked_number(ty, value, what), "{0}", shown
        if isinstance(ty, Pointer):
            self.helpers.add("pointer_fields")
            hint = self.optional("int")
            pointer = Group("_ffi_pointer(", (self._address(value, what),), ")")
            return hint, hint, name, "", pointer, "_ffi_address_of({0})", shown
        if isinstance(ty, Option):
            hint = self.hint(ty)
            return hint, hint, name, "", self._to_option(ty, value, what), self._from_option(ty, "_ffi_base"), shown
        if isinstance(ty, Array):
            self.typing.update({"Tuple", "Sequence"})
            item = self.hint(ty.element)
            build = self._fixed_array(ty, value, f.name, what)
            read = self._read_array(ty, "_ffi_base")
            return f"Tuple[{item}, ...]", f"Sequence[{item}]", f"tuple({name})", "", build, read, shown
        assert isinstance(ty, Named), "the model refuses void fields"
        definition = self.inventory.type(ty.name)
        cls = self.classes[ty.name]
        if isinstance(definition, EnumDef):
            init = self._enum_value(ty, name, what).flat()
            return cls, cls, init, "", self._enum_value(ty, value, what), "{0}", f"{cls}.{{self.{name}.name}}"
        if isinstance(definition, TaggedDef):
            return cls, cls, name, "", f"_ffi_{cls}_to_c({value})", f"_ffi_{cls}_from_c({{0}}, _ffi_base)", shown
        # A struct: its C struct (a TypeError naming the field for anything else), and a view of the C one.
        self.helpers.add("struct_values")
        struct = Group("_ffi_struct_value(", (python_string(what), value, cls), ")")
        return cls, cls, name, "", struct, f"_ffi_view_{cls}(_ffi.addressof({{0}}), _ffi_base)", shown

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
        # The initializer of the C struct: the tag and, for a variant with fields, its member of the payload union
        # (a variant's member and fields go by the C header's names).
        if not v.fields:
            return f"return ({v.value},)", f"return {vcls}()"
        member, fields = self.payload_names[t.name][v.name]
        payload = Group("{", (Group(f"{python_string(member)}: (", tuple(to_c), ")", is_tuple=True),), "}")
        to_c_return = layout(Group("(", (str(v.value), payload), ")", is_tuple=True), 8, "return ")
        reads = tuple(read.format(_attribute("_ffi_fields", c)) for read, c in zip(from_c, fields))
        read = layout(Group(f"{vcls}(", reads, ")"), 8, "return ")
        return to_c_return, f"_ffi_fields = {_attribute('_ffi_payload', member)}\n        {read}"

    def _measured(self, t: Union[StructDef, TaggedDef]) -> List[Tuple[str, List[Tuple[str, int]]]]:
        """The C types whose layout (the size and alignment of `t`) is checked, with the offsets Rust measured: of a
        struct's fields; of a data-carrying enum's C layout (``_ffi_<name>``), its payload and its variants' fields
        (by their paths: ``payload.Circle.radius``), and of its stand-in without a union (no fields)."""
        if isinstance(t, StructDef):
            return [(t.name, [(c, f.offset) for c, f in zip(self.field_names[t.name], t.fields)])]
        offsets = [("payload", t.payload_offset)]
        for v in t.variants:
            if v.fields:
                member, fields = self.payload_names[t.name][v.name]
                offsets.extend((f"payload.{member}.{c}", f.offset) for c, f in zip(fields, v.fields))
        return [(f"_ffi_{t.name}", offsets), (t.name, [])]

    def _tagged_argument(
        self, function: str, pname: str, ty: Union[Named, Pointer], checks: List[Statement]
    ) -> Union[str, Ternary]:
        super()._tagged_argument(function, pname, ty, checks)  # the check that it is a variant of the enum
        if isinstance(ty, Named):
            return f"_ffi_{self.classes[ty.name]}_to_c({pname})"
        # `&T`, `Option<&T>`: a pointer to a C copy the call holds.
        target = self._target(ty)
        assert isinstance(target, TaggedDef)
        copy = self._tagged_value(target, f"{pname}._ffi_to_c()").flat()
        return Ternary("_ffi.NULL", f"{pname} is None", copy) if ty.nullable else copy

    def _tagged_result(self, ty: Union[Named, Pointer]) -> str:
        cls = self.classes[self._target(ty).name]
        if isinstance(ty, Named):  # the result cdata owns its memory: the variant's structs view it
            return f"_ffi_{cls}_from_c({{0}}, {{0}})"
        read = f"_ffi_{cls}_from_c({{0}}[0], None)"
        return f"{read} if {{0}} else None" if ty.nullable else read

    def lent_bytes_argument(self, local: str) -> Union[str, Group]:
        # cffi takes a tuple for a struct argument: the pointer (shared, as for a pointer and a length) and the length.
        return Group("(", (self.encoded_argument(local), f"len({local})"), ")", is_tuple=True)

    def encoded_argument(self, local: str) -> str:
        # cffi passes bytes only to a `char *`: the encoding's bytes are shared as the `uint8_t *` the library takes.
        return f'_ffi.from_buffer("uint8_t[]", {local})'

    def shared_array(self, element: Primitive, value: str, length: str) -> Union[str, Group]:
        return Group("_ffi.from_buffer(", (python_string(C_PRIMITIVES[element.name] + "[]"), value), ")")

    def cell(self, name: str, address: str) -> str:
        # What `_ffi_<name>_cell` returns, without the call.
        return f"_ffi.gc({address}, _ffi_{name}_cell_drop)"

    def _handle_hints(self, opaque: PyOpaque) -> PyOpaque:
        # An object holds the library's pointer as a cdata (its handle and its cell are `ffi.gc` cdata).
        return dataclasses.replace(opaque, address_hint="Any", handle_hint="Any", cell_hint="Any", pending=self.PENDING)

    def cffi_module(self) -> CffiModule:
        inv = self.inventory
        self.typing.add("Any")  # the library object's annotation
        types: List[
            Union[
                PyEnum,
                PyError,
                PyOpaque,
                PyRecord,
                PyRecordEnum,
                PyDataError,
                PyNewtype,
                CffiStruct,
                CffiTagged,
                CffiCallback,
                PyTrait,
            ]
        ] = []
        for t in inv.types:
            if isinstance(t, EnumDef) and t.name in self.errors:
                types.append(self.error(t))
            elif isinstance(t, EnumDef):
                types.append(self.enum(t))
            elif isinstance(t, OpaqueDef):
                self.typing.add("Any")
                types.append(self.opaque(t))
            elif isinstance(t, StructDef):
                types.append(self.struct(t))
            elif isinstance(t, CallbackDef):
                types.append(self.callback(t))
            elif isinstance(t, TraitDef):
                types.append(self.trait(t))
            elif isinstance(t, TaggedDef):
                types.append(self.tagged(t))
            elif isinstance(t, RecordDef):
                types.append(self.record(t))
            elif isinstance(t, RecordEnumDef) and t.name in self.errors:
                types.append(self.data_error(t))
            elif isinstance(t, RecordEnumDef):
                types.append(self.record_enum(t))
            elif isinstance(t, NewtypeDef):
                types.append(self.newtype(t))
            else:  # check_supported() refuses the others before generation
                raise BackendError(f"The {BACKEND} backend cannot express type `{t.name}` yet")
        functions = tuple(self.function(self.api.signature(f)) for f in inv.functions)
        structs = [t for t in inv.types if isinstance(t, (StructDef, TaggedDef))]
        layout_check = None
        if structs:
            rows = tuple(
                Group(
                    "(",
                    (
                        python_string(name),
                        str(t.size),
                        str(t.align),
                        Group(
                            "(",
                            tuple(Group("(", (python_string(f), str(offset)), ")") for f, offset in offsets),
                            ")",
                            is_tuple=True,
                        ),
                    ),
                    ")",
                )
                for t in structs
                for name, offsets in self._measured(t)
            )
            layout_check = layout(Group("_ffi_cf.check_layout(", ("_ffi", "__name__", *rows), ")", explode=True), 0)
        uses_support = bool(functions or self.service_functions or structs or "callbacks" in self.helpers)
        return CffiModule(
            **self.module_base(functions, uses_support, "_ffi_cf.Library", ("_ffi", "_ffi_lib")),
            api_guard_symbol=inv.library.api_guard,
            types=tuple(types),
            layout_check=layout_check,
            completion=python_string(self.c_spelling(abi.CCompletion())) if self.abi.uses_completion else None,
        )

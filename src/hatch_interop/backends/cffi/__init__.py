"""The ``cffi`` backend: the same Python surface as the ``ctypes`` backend, calling the library through cffi.

ABI mode, out of line: at packaging time cffi parses the library's declarations (the C header's, see
:func:`hatch_interop.backends.c.cdef`) and writes ``_ffi_cffi.py``, a module that rebuilds its ``ffi`` object
in a few milliseconds without a parser or a C compiler. The generated ``__init__.py`` opens the library with
``ffi.dlopen`` and wraps each function in the ``def`` the ctypes backend writes: the names, signatures, type
hints, docstrings and argument checks come from the same Python API model (:mod:`hatch_interop.python_api`)
and the same wrapper builder, which this backend tells how a call crosses the boundary (a declaration is an
attribute of the library; the failure counter is a ``size_t *``; buffers are shared with ``ffi.from_buffer``).

Building needs cffi (``cffi`` in ``[build-system] requires``); the wheel requires it at run time on CPython
(PyPy has it built in). cffi's ABI mode always lets go of the GIL during a call, so ``gil = "hold"`` has no
effect here. Not yet expressed (the build stops naming them): structs, data-carrying enums, callbacks, async
functions and fixed-size arrays; API mode (a compiled extension) is not there yet either.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import io
import keyword
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, List, Optional, Tuple, Union

import jinja2

from hatch_interop import abi, constructs
from hatch_interop.backend import Backend, GeneratedFile
from hatch_interop.backends.c import C_PRIMITIVES, cdef
from hatch_interop.backends.ctypes import PyConstant, PyEnum, PyError, PyFunction, PyOpaque, WrapperBuilder, all_order
from hatch_interop.codegen import one_line, python_docstring, python_string, template_environment
from hatch_interop.errors import BackendError
from hatch_interop.inventory import EnumDef, Inventory, OpaqueDef, Option, Primitive
from hatch_interop.pylayout import WIDTH, Group, Ternary, layout
from hatch_interop.runtime import runtime_files

BACKEND = "cffi"
#: What the wheel needs at run time: `_cffi_backend`, which PyPy has built in.
REQUIREMENT = 'cffi>=1.15; platform_python_implementation != "PyPy"'


@dataclass(frozen=True)
class CffiModule:
    header: str
    docstring: str
    uses_enum: bool
    typing_imports: Tuple[str, ...]
    all_assignment: str
    constants: Tuple[PyConstant, ...]
    library_filename: str
    api_guard: str
    #: The API guard's symbol, an attribute of the library object (it ends in `_api_guard`: never a keyword).
    api_guard_symbol: str
    generated_for: str
    api_hash: str
    types: Tuple[Union[PyEnum, PyError, PyOpaque], ...]
    functions: Tuple[PyFunction, ...]
    service_functions: Tuple[PyFunction, ...]
    uses_support: bool
    #: ``_ffi_support = _ffi_cf.Library(...)``, laid out, and the runtime's functions bound to module globals.
    support: str
    runtime_aliases: Tuple[str, ...]
    uses_runtime: bool
    panic: str
    helpers: frozenset[str]


class CffiBackend(Backend):
    """Generates ``__init__.py`` and ``_ffi_cffi.py`` (cffi's out-of-line ABI module) for the package."""

    PLUGIN_NAME = "cffi"
    SUPPORTS = constructs.ALL - {"structs", "struct-pointers", "tagged-enums", "callbacks", "async", "arrays"}
    DEPENDENCIES = (REQUIREMENT,)

    def generate(self, inventory: Inventory) -> List[GeneratedFile]:
        builder = CffiWrapperBuilder(inventory, self.context)
        model = builder.cffi_module()
        content = _environment().get_template("cffi_module.py.j2").render(module=model)
        if any(len(line) > WIDTH for line in content.split("\n")):
            # Only the crate's own text (docs, long names) makes a line this long: tell linters it is meant.
            header, rest = content.split("\n", 1)
            pragma = (
                "# Some lines hold the crate's own text, which is longer than 120 characters.\n"
                "# ruff: noqa: E501, RUF100"
            )
            content = f"{header}\n{pragma}\n{rest}"
        declarations = cdef(inventory, self.context.generator_version)
        return [
            GeneratedFile("__init__.py", content),
            GeneratedFile("_ffi_cffi.py", _ffi_module(f"{self.context.module}._ffi_cffi", declarations)),
            *runtime_files(("_ffi_runtime.py", "_ffi_cffi_runtime.py")),
        ]


def _environment() -> jinja2.Environment:
    """This backend's templates, then the ctypes backend's (the classes and wrappers both render)."""
    here = Path(__file__).resolve().parent
    env = template_environment(str(here / "templates"))
    shared = template_environment(str(here.parent / "ctypes" / "templates"))
    assert env.loader is not None and shared.loader is not None
    return env.overlay(loader=jinja2.ChoiceLoader([env.loader, shared.loader]))


def _ffi_module(name: str, declarations: str) -> str:
    """cffi's out-of-line ABI module for `declarations`: an ``ffi`` object built from precomputed tables."""
    try:
        # Imported here: only this backend needs cffi, and only when it runs (cffi ships no type hints).
        cffi: Any = importlib.import_module("cffi")
    except ImportError:
        message = (
            'The cffi backend needs cffi when the wheel is built: add "cffi" to `requires` in the project\'s '
            "[build-system] table (next to hatch-interop)."
        )
        raise BackendError(message) from None
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
    """The ctypes backend's builder, told how cffi calls: what differs is in the methods below."""

    PENDING = "_ffi_pending[0]"
    #: cffi returns a NULL pointer as a (false) cdata, not None.
    NULL = "not {}"
    NULL_ARGUMENT = "_ffi.NULL"
    BACKEND_NAME: ClassVar[str] = BACKEND

    def _declaration(self, alias: str, lowered: abi.Callable) -> Tuple[str, Optional[str], Optional[str]]:
        symbol = lowered.symbol
        # cffi's library object has the functions as attributes; a Python keyword needs getattr.
        found = f"getattr(_ffi_lib, {python_string(symbol)})" if keyword.iskeyword(symbol) else f"_ffi_lib.{symbol}"
        return f"{alias} = {found}", None, None

    def element(self, ty: Primitive) -> str:
        return python_string(C_PRIMITIVES[ty.name])

    def _to_option(self, o: Option, value: str, what: Optional[str]) -> Ternary:
        # A struct passed by value takes a tuple of its fields (all of them: cffi does not zero the rest of an
        # argument's struct).
        present = super()._to_option(o, value, what).other
        assert isinstance(present, Group)
        return Ternary("(0, 0)", f"{value} is None", Group("(", present.items, ")", is_tuple=True))

    def opaque(self, o: OpaqueDef) -> PyOpaque:
        # An object holds the library's pointer as a cdata; shown as its address.
        return dataclasses.replace(
            super().opaque(o), address_hint="Any", address_shown="_ffi_address(self._ffi_ptr)", pending=self.PENDING
        )

    def cffi_module(self) -> CffiModule:
        inv = self.inventory
        lib = inv.library
        self.typing.add("Any")  # the library object's annotation
        types: List[Union[PyEnum, PyError, PyOpaque]] = []
        for t in inv.types:
            if isinstance(t, EnumDef) and t.name in self.errors:
                types.append(self.error(t))
            elif isinstance(t, EnumDef):
                types.append(self.enum(t))
            elif isinstance(t, OpaqueDef):
                self.typing.add("Any")
                types.append(self.opaque(t))
            else:  # check_supported() refuses the others before generation
                raise BackendError(f"The {BACKEND} backend cannot express type `{t.name}` yet")
        functions = tuple(self.function(self.api.signature(f)) for f in inv.functions)
        public = sorted(self.api.public_names(), key=all_order)
        if public:
            all_assignment = layout(
                Group("[", tuple(python_string(n) for n in public), "]", explode=True), 0, "__all__ = "
            )
        else:
            all_assignment = "__all__: list[str] = []"
        aliases = self.runtime_aliases()
        uses_support = bool(functions or self.service_functions)
        version = self.context.generator_version
        header = one_line(
            f"Generated by hatch-interop {version} ({BACKEND} backend) from crate {lib.crate} {lib.version}"
        )
        default_doc = f"Python bindings of the Rust crate `{lib.crate}` {lib.version}, generated by hatch-interop."
        support = layout(
            Group(
                "_ffi_cf.Library(",
                (
                    "_ffi",
                    "_ffi_lib",
                    "__name__",
                    self.api.panic,
                    f"pending={python_string(lib.ffi_pending)}",
                    f"take_failure={python_string(lib.ffi_take_failure)}",
                    f"free={python_string(lib.ffi_free)}",
                ),
                ")",
            ),
            0,
            "_ffi_support = ",
        )
        return CffiModule(
            header=f"# {header}; do not edit.",
            docstring=python_docstring(lib.doc) or python_docstring(default_doc) or '""""""',
            uses_enum=any(isinstance(t, EnumDef) and t.name not in self.errors for t in inv.types),
            typing_imports=tuple(sorted(self.typing)),
            all_assignment=all_assignment,
            constants=tuple(self.constant(c) for c in inv.constants),
            library_filename=python_string(self.context.library_filename),
            api_guard=python_string(lib.api_guard),
            api_guard_symbol=lib.api_guard,
            generated_for=python_string(f"{lib.crate} {lib.version} (API hash {lib.api_hash})"),
            api_hash=f"0x{lib.api_hash.upper()}",
            types=tuple(types),
            functions=functions,
            service_functions=tuple(self.service_functions),
            uses_support=uses_support,
            support=support,
            runtime_aliases=aliases,
            uses_runtime=any("_ffi_rt." in alias for alias in aliases)
            or (uses_support and bool(self.helpers & {"services", "errors", "text_arguments", "c_strings"})),
            panic=self.api.panic,
            helpers=frozenset(self.helpers),
        )

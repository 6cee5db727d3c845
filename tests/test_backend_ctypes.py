"""The ctypes backend: snapshots, determinism, lint/type cleanliness, injection, rejections, behaviour."""

from __future__ import annotations

import ast
import copy
import ctypes
import importlib
import importlib.util
import inspect
import itertools
import pickle
import shutil
import struct as _struct
import subprocess
import sys
import threading
import typing
import unicodedata
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import pytest
from backend_support import (
    DATA,
    INVENTORIES,
    assert_type_complete,
    check_snapshot,
    generate,
    load,
    raw_inventory,
    write,
)
from support import find_pythons

import hatch_interop.runtime
from hatch_interop import inventory as inventory_module
from hatch_interop.backend import BackendContext
from hatch_interop.backends import c as c_backend
from hatch_interop.backends.c import CHeaderBackend
from hatch_interop.backends.ctypes import CtypesBackend
from hatch_interop.errors import BackendError
from hatch_interop.inventory import Inventory, Void, parse_inventory

GCC = shutil.which("gcc")
needs_gcc = pytest.mark.skipif(GCC is None, reason="needs gcc to build a stand-in native library")
RUFF_SELECT = "E,F,W,I,B,UP,C4,SIM,RUF,PL"


def source(inventory: Inventory) -> str:
    generated, *runtime = generate(CtypesBackend, inventory)
    assert generated.path == "__init__.py"
    assert [f.path for f in runtime] == ["_ffi_runtime.py", "_ffi_ctypes_runtime.py"]
    return generated.content


def test_ships_the_runtime_files_unchanged() -> None:
    """The runtime is a static file of this package (linted, type-checked and tested here), not a template."""
    _, *runtime = generate(CtypesBackend, load("basic"))
    here = Path(hatch_interop.runtime.__file__).parent
    for shipped in runtime:
        assert shipped.content == (here / shipped.path).read_text(encoding="utf-8")


# --------------------------------------------------------------------------------------------
# Snapshots, determinism, linters
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("stem", INVENTORIES)
def test_matches_snapshot(stem: str) -> None:
    # The runtime files are this package's own source (see test_ships_the_runtime_files_unchanged).
    check_snapshot("ctypes", stem, generate(CtypesBackend, load(stem))[:1])


@pytest.mark.parametrize("stem", INVENTORIES)
def test_is_deterministic(stem: str) -> None:
    first = generate(CtypesBackend, load(stem))
    second = generate(CtypesBackend, load(stem))
    assert [(f.path, f.content.encode()) for f in first] == [(f.path, f.content.encode()) for f in second]


def _write_packages(tmp_path: Path) -> List[Path]:
    packages = []
    for stem in INVENTORIES:
        packages.append(write(generate(CtypesBackend, load(stem)), tmp_path / f"gen_{stem}"))
    return packages


def test_output_is_ruff_formatted_and_clean(tmp_path: Path) -> None:
    packages = [str(p) for p in _write_packages(tmp_path)]
    common = ["--isolated", "--line-length", "120", "--target-version", "py38"]
    # The hints are `Optional[X]` on purpose: typing.get_type_hints() must evaluate them on Python 3.8 and 3.9.
    lint_options = ["--config", "lint.pyupgrade.keep-runtime-typing = true"]
    ruff = [sys.executable, "-m", "ruff"]
    fmt = subprocess.run([*ruff, "format", *common, "--diff", *packages], capture_output=True, text=True, check=False)
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr
    ignore = "PLR0913,PLR0917,PLR2004"
    check = subprocess.run(
        [
            *ruff,
            "check",
            *common,
            *lint_options,
            "--select",
            RUFF_SELECT,
            "--ignore",
            ignore,
            "--output-format",
            "concise",
            *packages,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_output_passes_mypy_strict(tmp_path: Path) -> None:
    packages = [str(p) for p in _write_packages(tmp_path / "src")]
    cache = str(tmp_path / "mypy-cache")
    cmd = [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir", cache, *packages]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=tmp_path / "src")
    assert proc.returncode == 0, proc.stdout + proc.stderr


# --------------------------------------------------------------------------------------------
# Untrusted text and names
# --------------------------------------------------------------------------------------------


def _docstrings(tree: ast.Module) -> Dict[str, str]:
    """Every docstring by dotted name, attribute docstrings (a string after an annotation) included."""
    found: Dict[str, str] = {}

    def visit(body: List[ast.stmt], prefix: str) -> None:
        for before, node in zip([None, *body], body):
            if isinstance(node, (ast.ClassDef, ast.FunctionDef)):
                doc = ast.get_docstring(node, clean=False)
                if doc is not None:
                    found[prefix + node.name] = doc
                if isinstance(node, ast.ClassDef):
                    visit(node.body, f"{prefix}{node.name}.")
            elif (
                isinstance(node, ast.Expr)
                and isinstance(node.value, ast.Constant)
                and isinstance(before, ast.AnnAssign)
            ):
                assert isinstance(before.target, ast.Name)
                found[prefix + before.target.id] = node.value.value

    doc = ast.get_docstring(tree, clean=False)
    if doc is not None:
        found[""] = doc
    visit(tree.body, "")
    return found


def test_untrusted_text_cannot_escape_its_literal() -> None:
    inventory = load("tricky")
    text = source(inventory)
    tree = ast.parse(text)
    compile(text, "tricky/__init__.py", "exec")
    # No raw control, format or separator character survives: everything is escaped.
    assert all(ch == "\n" or unicodedata.category(ch) not in {"Cc", "Cf", "Cs", "Zl", "Zp"} for ch in text)
    # The version string holds a newline and `import os`: it stays inside the header comment.
    lines = text.split("\n")
    assert lines[0].startswith(
        "# Generated by hatch-interop 0.1.0 (ctypes backend) from crate tricky 0.1.0\\nimport os"
    )
    imports = [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
    assert [ast.unparse(node) for node in imports] == [
        "from __future__ import annotations",
        "import ctypes as _ffi_ctypes",
        "import enum as _ffi_enum",
        "import os as _ffi_os",
        "from typing import ClassVar, NoReturn, Optional, Tuple",
        "from . import _ffi_ctypes_runtime as _ffi_ct",
        "from . import _ffi_runtime as _ffi_rt",
    ]
    docs = _docstrings(tree)
    raw = raw_inventory("tricky")
    # A lone surrogate cannot be part of a class docstring (CPython stores it as UTF-8): it is spelled out.
    nasty = raw["types"][0]["doc"].replace("\ud800", "\\ud800")
    cleaned = inspect.cleandoc
    assert cleaned(docs[""]) == cleaned(raw["library"]["doc"].replace("\ud800", "\\ud800"))
    assert docs["None_"] == 'ends with a quote"'
    assert docs["True_"] == '""'
    assert docs["max_"] == '"'
    assert docs["min_"] == "Trailing backslash \\"
    assert docs["type_"] == nasty
    assert docs["object_"] == 'Starts with """ quotes'
    assert docs["object_.from_"] == nasty
    assert docs["print_"] == nasty
    assert docs["other_"] == '"'
    assert cleaned(docs["annotations_"]).startswith("ends with a backslash\\\n\nThe result is a view")
    assert nasty in docs["Color"] and "- name_: " + nasty in docs["Color"]


def test_names_are_escaped_for_python() -> None:
    tree = ast.parse(source(load("tricky")))
    all_assignment = next(n for n in tree.body if isinstance(n, ast.Assign))
    assert ast.literal_eval(all_assignment.value) == [
        "NEG_ZERO", "Color", "Flags", "Later", "Node", "None_", "RustPanic", "True_", "annotations_", "max_", "min_",
        "object_", "other_", "print_", "tiny", "type_", "type_of",
    ]  # fmt: skip
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    # Keywords get a `_`, and so does a parameter named like a type or builtin its wrapper uses (`int`
    # checks the integer arguments); another builtin's name is fine for a parameter.
    assert [a.arg for a in functions["print_"].args.args] == ["from_", "lambda_", "int_", "Color_", "type", "str"]
    assert [a.arg for a in functions["type_of"].args.args] == ["Flags_"]
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    members = [
        t.id for n in classes["Color"].body if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)
    ]
    assert members == ["None_", "True_", "name_", "value_", "mro_", "Red"]
    init = next(n for n in classes["object_"].body if isinstance(n, ast.FunctionDef) and n.name == "__init__")
    assert [a.arg for a in init.args.args] == [
        "self", "from_", "int_", "self_", "Color_", "class_", "default", "property_", "link",
    ]  # fmt: skip


def test_parameters_do_not_hide_what_chars_and_checked_slices_use() -> None:
    """A `char` is checked with `str` and `len`, a list for a slice of bools gets `bool`s back through `map`: a
    parameter of such a name is escaped; `ord` and `chr` are the module's own aliases."""
    data = raw_inventory("basic")
    bools = {"kind": "slice", "element": {"kind": "primitive", "name": "bool"}, "mutable": True}
    colors = {"kind": "slice", "element": {"kind": "named", "name": "Color"}, "mutable": True}
    params = [
        {"name": "str", "type": {"kind": "primitive", "name": "char"}},
        {"name": "bool", "type": bools},
        {"name": "ord", "type": {"kind": "primitive", "name": "u128"}},
        {"name": "map", "type": colors},
        {"name": "chr", "type": {"kind": "primitive", "name": "char"}},
    ]
    returns = {"kind": "vec", "element": {"kind": "named", "name": "Color"}}
    data["functions"].append(
        {"name": "letters", "symbol": "letters", "doc": "", "params": params, "returns": returns, "error": None}
    )
    tree = ast.parse(source(parse_inventory(data)))
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    assert [a.arg for a in functions["letters"].args.args] == ["str_", "bool_", "ord", "map_", "chr"]


def test_long_crate_text_gets_a_line_length_pragma_and_nothing_else_does() -> None:
    assert "# ruff: noqa: E501" in source(load("tricky"))
    assert "# ruff: noqa" not in source(load("basic"))


# --------------------------------------------------------------------------------------------
# What the backend refuses
# --------------------------------------------------------------------------------------------


def _basic_with(change: Callable[[Dict[str, Any]], None]) -> Inventory:
    data = raw_inventory("basic")
    change(data)
    return parse_inventory(data)


def _u8(name: str) -> Dict[str, Any]:
    return {"name": name, "type": {"kind": "primitive", "name": "u8"}}


def _types(data: Dict[str, Any]) -> Dict[str, Dict[str, Any]]:
    return {t["name"]: t for t in data["types"]}


def _functions(data: Dict[str, Any]) -> Dict[str, Dict[str, Any]]:
    return {f["name"]: f for f in data["functions"]}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: _functions(d)["add"].update(name="__add"),
            "The ctypes backend cannot use the function name `__add`: Python mangles names beginning with two "
            "underscores inside class bodies. Rename it in the crate.",
        ),
        (
            lambda d: _functions(d)["add"]["params"][0].update(name="__a"),
            "cannot use the parameter of function `add` name `__a`",
        ),
        (lambda d: _types(d)["Vec2"]["fields"][0].update(name="__x"), "the field of struct `Vec2` name `__x`"),
        (lambda d: _types(d)["Color"]["variants"][0].update(name="__Red"), "the variant of enum `Color` name `__Red`"),
        (lambda d: d["constants"][0].update(name="__MAX"), "the constant name `__MAX`"),
        (
            lambda d: _functions(d)["add"].update(error={"kind": "named", "name": "Color"}),
            "cannot bind enum `Color`: it is the error type of a `Result`, which becomes a Python exception class, "
            "but function `next_color` also uses it as a value",
        ),
        (
            lambda d: _types(d)["Vec2"]["fields"][1].update(name="_fields_"),
            "The ctypes backend cannot use `_fields_` as a field of struct `Vec2`: ctypes uses that attribute itself.",
        ),
        (
            lambda d: _types(d)["Vec2"]["fields"][1].update(name="_objects"),
            "cannot use `_objects` as a field of struct `Vec2`",
        ),
        (
            lambda d: _types(d)["Color"]["variants"][1].update(name="_missing_"),
            "The ctypes backend cannot use `_missing_` as a member of enum `Color`: Python's enum module reserves "
            "names of the forms `_name_` and `_Class__name`.",
        ),
        (
            lambda d: _types(d)["Color"]["variants"][1].update(name="_Color__secret"),
            "cannot use `_Color__secret` as a member of enum `Color`",
        ),
        (
            lambda d: (_functions(d)["noop"].update(name="print"), d["constants"][0].update(name="print_")),
            "The ctypes backend cannot name function `print` (renamed `print_`) in the generated module: `print_` is "
            "already the name of constant `print_`. Rename one of them in the crate.",
        ),
        (
            lambda d: _functions(d)["noop"].update(name="Vec2"),
            "cannot name function `Vec2` in the generated module: `Vec2` is already the name of struct `Vec2`.",
        ),
        (
            lambda d: _functions(d)["add"].update(params=[_u8("from"), _u8("from_")]),
            "cannot name parameter `from_` in function `add`: `from_` is already the name of parameter `from` "
            "(renamed `from_`).",
        ),
        (
            lambda d: (
                _types(d)["Vec2"]["fields"][0].update(name="int"),
                _types(d)["Vec2"]["fields"][1].update(name="int_"),
            ),
            "cannot name field `int_` in struct `Vec2`: `int_` is already the name of field `int` (renamed `int_`).",
        ),
        (
            lambda d: (
                _types(d)["Color"]["variants"][0].update(name="True"),
                _types(d)["Color"]["variants"][1].update(name="True_"),
            ),
            "cannot name variant `True_` in enum `Color`: `True_` is already the name of variant `True` "
            "(renamed `True_`).",
        ),
    ],
)
def test_refuses(change: Callable[[Dict[str, Any]], Any], message: str) -> None:
    inventory = _basic_with(change)
    with pytest.raises(BackendError) as info:
        source(inventory)
    assert message in str(info.value)


# --------------------------------------------------------------------------------------------
# Behaviour, against a C stand-in for the Rust library
# --------------------------------------------------------------------------------------------

_packages = itertools.count()


#: The support symbols of every library (docs/inventory-schema.md): a stand-in library never fails, except
#: through `{library.crate}_fail_next`, which makes the calling thread's next `take_failure` report one.
_SUPPORT = """
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {{
    uint32_t kind; int64_t code; uint8_t *message; size_t message_len; uint8_t *payload; size_t payload_len;
}} Failure;
static size_t pending = 0;
static _Thread_local Failure recorded;
static _Thread_local bool has_failure = false;

const size_t *{library.ffi_pending}(void) {{ return &pending; }}

void {library.crate}_fail_next(uint32_t kind, int64_t code, const char *message) {{
    if (!has_failure) pending++;
    has_failure = true;
    recorded.kind = kind;
    recorded.code = code;
    recorded.message_len = strlen(message);
    recorded.message = malloc(recorded.message_len + 1);
    memcpy(recorded.message, message, recorded.message_len + 1);
    recorded.payload = NULL;
    recorded.payload_len = 0;
}}

/* The next failure's payload (after `fail_next`): an error's encoding, for an enum whose variants carry data. */
void {library.crate}_fail_next_payload(const uint8_t *payload, size_t len) {{
    recorded.payload = malloc(len);
    memcpy(recorded.payload, payload, len);
    recorded.payload_len = len;
}}

bool {library.ffi_take_failure}(Failure *out) {{
    if (!has_failure) return false;
    *out = recorded;
    has_failure = false;
    pending--;
    return true;
}}

void {library.ffi_free}(void *ptr, size_t size, size_t align) {{
    (void)align;
    if (size) free(ptr);
}}

void {library.ffi_shutdown}(int (*is_exiting)(void)) {{ (void)is_exiting; }}

void {library.ffi_callback_failed}(const char *message, size_t len) {{
    char text[256];
    size_t n = len < sizeof text - 1 ? len : sizeof text - 1;
    memcpy(text, message, n);
    text[n] = 0;
    {library.crate}_fail_next(4, 0, text);
}}
"""


def _compile_library(inventory: Inventory, directory: Path, implementation: Optional[Path] = None) -> Path:
    """A shared library for `inventory`, built with gcc against the C backend's header: `implementation`,
    or stubs that return zeroes."""
    crate = inventory.library.crate
    write(generate(CHeaderBackend, inventory), directory)
    if implementation is None:
        header = c_backend._Builder(inventory, "0").header()
        stubs = [f'#include <string.h>\n#include "{crate}.h"\n']
        stubs.append(f"uint64_t {inventory.library.api_guard}(void) {{ return {header.prefix}_API_HASH; }}\n")
        # In the header's order: the functions, then each service's members, destructor and release function,
        # then each opaque type's drop function.
        exported = [(f.symbol, f.returns) for f in inventory.functions]
        for service in inventory.services:
            exported += [(f.symbol, f.returns) for f in service.members()]
            exported += [(service.destructor, Void()), (service.release, Void())]
        exported += [(o.drop, Void()) for o in inventory.opaques() if o.drop and inventory.service(o.name) is None]
        for (symbol, returns), declared in zip(exported, header.functions):
            signature = declared.prototype.rstrip(";")
            if isinstance(returns, Void) or signature.startswith(f"void {symbol}("):  # async ones return void too
                stubs.append(f"{signature} {{}}\n")
            else:
                result = signature[: signature.index(f"{symbol}(")].strip()
                stubs.append(f"{signature} {{ {result} zero; memset(&zero, 0, sizeof zero); return zero; }}\n")
        implementation = directory / f"{crate}_stub.c"
        implementation.write_text("".join(stubs))
    support = directory / f"{crate}_support.c"
    cancel = inventory.library.ffi_cancel
    # The stand-in runs no async call: there is none to cancel.
    cancel_stub = f"\nvoid {cancel}(const void *context) {{ (void)context; }}\n" if cancel else ""
    bell = inventory.library.ffi_bell
    if bell is not None:
        # No bells: the bindings then let the library's threads complete calls.
        cancel_stub += f"\nconst void *{bell.open}(void *call, int *fd) {{ (void)call; (void)fd; return 0; }}\n"
        cancel_stub += "".join(
            f"void {f}(const void *bell) {{ (void)bell; }}\n" for f in (bell.use, bell.drain, bell.close)
        )
    texts = inventory.library.ffi_free_texts
    if texts is not None:
        # Nothing to free: the stubs return empty lists.
        cancel_stub += "\ntypedef struct { void *ptr; size_t len; size_t capacity; } stub_texts;\n"
        cancel_stub += f"void {texts}(stub_texts texts) {{ (void)texts; }}\n"
    support.write_text(_SUPPORT.format(library=inventory.library) + cancel_stub)
    library = directory / f"lib{crate}.so"
    cmd = [GCC, "-std=gnu11", "-shared", "-fPIC", "-w", f"-I{directory}", "-o", library, implementation, support, "-lm"]
    subprocess.run([str(c) for c in cmd], check=True, capture_output=True)
    return library


@pytest.fixture
def import_generated(tmp_path: Path) -> Iterator[Callable[..., ModuleType]]:
    """Import a generated module from a fresh package beside a copy of the given shared library."""
    imported: List[str] = []

    def do_import(inventory: Inventory, library: Path, library_filename: Optional[str] = None) -> ModuleType:
        name = f"gen_pkg_{next(_packages)}"
        context = BackendContext(name, library_filename or library.name, "0.1.0")
        package = write(CtypesBackend(context).generate(inventory), tmp_path / "site" / name)
        shutil.copy(library, package / library.name)
        imported.append(name)
        return importlib.import_module(name)

    sys.path.insert(0, str(tmp_path / "site"))
    importlib.invalidate_caches()
    try:
        yield do_import
    finally:
        sys.path.remove(str(tmp_path / "site"))
        for name in imported:
            sys.modules.pop(name, None)


@pytest.fixture(scope="module")
def basic_library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if GCC is None:
        pytest.skip("needs gcc to build a stand-in native library")
    return _compile_library(load("basic"), tmp_path_factory.mktemp("basic-lib"), DATA / "basic.c")


@needs_gcc
@pytest.mark.parametrize("stem", INVENTORIES)
def test_every_module_imports_against_a_stub_library(
    stem: str, tmp_path: Path, import_generated: Callable[..., ModuleType]
) -> None:
    inventory = load(stem)
    module = import_generated(inventory, _compile_library(inventory, tmp_path / "lib"))
    for name in module.__all__:
        assert hasattr(module, name), name
    for struct in inventory.structs():
        cls = getattr(module, struct.name if struct.name in module.__all__ else f"{struct.name}_")
        value = cls()
        assert value == cls() and value != object()
        assert repr(value).startswith(f"{cls.__name__}(")
        with pytest.raises(TypeError):
            hash(value)


@needs_gcc
def test_calls(basic_library: Path, import_generated: Callable[..., ModuleType]) -> None:
    m = import_generated(load("basic"), basic_library)
    assert m.add(2, 3) == 5
    assert m.noop() is None
    assert m.scale(m.Vec2(1.0, 2.0), 2.0) == m.Vec2(x=2.0, y=4.0)
    assert m.length(m.Vec2(3.0, 4.0)) == 5.0
    v = m.Vec2(3.0, 4.0)
    m.normalize(v)
    assert (round(v.x, 6), round(v.y, 6)) == (0.6, 0.8)
    assert m.length_or_zero(None) == 0.0
    assert m.length_or_zero(m.Vec2(0.0, 2.0)) == 2.0
    assert m.origin() == m.Vec2()
    assert m.find(1) == m.Vec2(3.0, 4.0) and m.find(7) is None
    assert m.next_color(m.Color.Red) is m.Color.Green
    assert m.next_color(5) is m.Color.Blue  # a plain int is accepted and checked
    assert m.is_positive(3) is True and m.is_positive(-3) is False
    line = m.make_line(m.Vec2(0.0, 0.0), m.Vec2(3.0, 4.0), m.Color.Blue)
    assert line.color is m.Color.Blue and line.visible is True and line.owner is None
    assert m.line_length(line) == 5.0
    assert repr(line) == (
        "Line(start=Vec2(x=0.0, y=0.0), end=Vec2(x=3.0, y=4.0), color=Color.Blue, visible=True, owner=None)"
    )
    assert eval(repr(line), vars(m)) == line
    assert m.MAX_ITEMS == 64 and m.BIG == 2**64 - 1 and float("inf") == m.LIMIT and m.UNKNOWN != m.UNKNOWN


#: An error enum whose variants carry data (a field named like an exception's own attribute among them).
_PARSE_ERROR = {
    "kind": "record_enum",
    "name": "ParseError",
    "doc": "Why it does not parse.",
    "variants": [
        {"name": "Empty", "doc": "Blank.", "fields": []},
        {
            "name": "Unknown",
            "doc": "",
            "fields": [
                {"name": "unit", "doc": "As written.", "type": {"kind": "string"}},
                {"name": "args", "doc": "", "type": {"kind": "primitive", "name": "u32"}},
            ],
        },
    ],
}


@needs_gcc
def test_errors_with_data_become_exceptions_with_fields(
    basic_library: Path, import_generated: Callable[..., ModuleType]
) -> None:
    data = raw_inventory("basic")
    data["types"].append(_PARSE_ERROR)
    _functions(data)["add"]["error"] = {"kind": "named", "name": "ParseError"}
    m = import_generated(parse_inventory(data), basic_library)
    fail = m._ffi_lib["basic_fail_next"]
    fail.argtypes = (ctypes.c_uint32, ctypes.c_int64, ctypes.c_char_p)
    payload = m._ffi_lib["basic_fail_next_payload"]
    payload.argtypes = (ctypes.c_char_p, ctypes.c_size_t)

    unknown = _struct.pack("<IQ", 1, 2) + b"pc" + _struct.pack("<I", 7)
    fail(2, 1, b"unknown unit pc")
    payload(unknown, len(unknown))
    with pytest.raises(m.ParseError.Unknown) as info:
        m.add(0, 0)
    error = info.value
    # `args` is Exception's own: the field is `args_`.
    assert (error.unit, error.args_, error.code, str(error)) == ("pc", 7, 1, "unknown unit pc")
    assert repr(error) == "ParseError.Unknown(unit='pc', args_=7)"
    assert type(pickle.loads(pickle.dumps(error))) is m.ParseError.Unknown

    fail(2, 0, b"blank")
    payload(_struct.pack("<I", 0), 4)
    with pytest.raises(m.ParseError.Empty, match=r"^blank$"):
        m.add(0, 0)
    # An encoding these bindings cannot read (a library built apart from them): a RuntimeError that says so.
    for bad in (_struct.pack("<I", 5), unknown[:-1], unknown + b"x"):
        fail(2, 1, b"the message")
        payload(bad, len(bad))
        with pytest.raises(RuntimeError, match=r"cannot decode .*; its message: the message$"):
            m.add(0, 0)
    # Python code makes them by keyword and raises them; the message is then the repr.
    made = m.ParseError.Unknown(unit="x", args_=1)
    assert str(made) == "ParseError.Unknown(unit='x', args_=1)" and isinstance(made, m.ParseError)
    with pytest.raises(TypeError, match="ParseError cannot be created directly"):
        m.ParseError()


def test_an_error_enum_with_data_is_no_value_too() -> None:
    def change(d: Dict[str, Any]) -> None:
        d["types"].append(_PARSE_ERROR)
        _functions(d)["add"]["error"] = {"kind": "named", "name": "ParseError"}
        _functions(d)["noop"]["params"] = [{"name": "error", "type": {"kind": "record", "name": "ParseError"}}]

    with pytest.raises(BackendError, match="cannot bind enum `ParseError`: it is the error type of a `Result`"):
        source(_basic_with(change))


@needs_gcc
def test_failures_become_exceptions(basic_library: Path, import_generated: Callable[..., ModuleType]) -> None:
    data = raw_inventory("basic")
    variants = [{"name": "Broken", "doc": "It broke.", "value": 7}, {"name": "Gone", "doc": "", "value": 9}]
    fault = {"kind": "enum", "name": "Fault", "doc": "What went wrong.", "repr": "u32", "size": 4, "align": 4}
    data["types"].append({**fault, "variants": variants})
    _functions(data)["add"]["error"] = {"kind": "named", "name": "Fault"}
    m = import_generated(parse_inventory(data), basic_library)
    fail = m._ffi_lib["basic_fail_next"]
    fail.argtypes = (ctypes.c_uint32, ctypes.c_int64, ctypes.c_char_p)
    fail.restype = None

    fail(1, 0, b"index out of bounds: the len is 3 but the index is 7")
    with pytest.raises(m.RustPanic, match=r"^index out of bounds: the len is 3 but the index is 7$"):
        m.noop()
    assert m.add(2, 3) == 5, "the call after a panic works"

    # A failed call returns zeroes (docs/inventory-schema.md): the stand-in's add(0, 0) does, and only a zero
    # result of a function returning a number makes the bindings read the failure counter.
    fail(2, 9, b"gone for good")
    with pytest.raises(m.Fault.Gone) as info:
        m.add(0, 0)
    assert isinstance(info.value, m.Fault) and not isinstance(info.value, m.Fault.Broken)
    assert (info.value.code, str(info.value)) == (9, "gone for good")
    gone = m.Fault.Gone
    assert (gone.__name__, gone.__qualname__, gone.__module__) == ("Gone", "Fault.Gone", m.__name__)
    assert m.Fault.Broken.__doc__ == "It broke." and "Fault.Broken``: It broke." in (m.Fault.__doc__ or "")
    assert "Raises a subclass of `Fault`" in (m.add.__doc__ or "")

    fail(2, 12345, b"not a Fault")
    with pytest.raises(m.RustPanic, match="not a Fault"):
        m.add(0, 0)
    fail(3, 0, b"argument `name` is not valid UTF-8")
    with pytest.raises(ValueError, match="not valid UTF-8"):
        m.noop()

    # Another thread's failure is left to that thread: calls here see the count but return normally.
    other = threading.Thread(target=fail, args=(1, 0, b"elsewhere"))
    other.start()
    other.join()
    assert m._ffi_pending.value == 1
    assert m.add(1, 2) == 3
    assert m.add(0, 0) == 0


@needs_gcc
def test_handles(basic_library: Path, import_generated: Callable[..., ModuleType]) -> None:
    m = import_generated(load("basic"), basic_library)
    counter = m.counter_new(5)
    assert repr(counter).startswith(f"<{m.__name__}.Counter object at 0x")
    m.counter_add(counter, 3)
    assert m.counter_get(counter) == 8
    assert m.counter_get_or(None, 9) == 9 and m.counter_get_or(counter, 9) == 8
    found = m.counter_find(8)
    assert isinstance(found, m.Counter) and found._ffi_ptr == counter._ffi_ptr
    assert m.counter_find(1) is None
    # `extra` is refused before the call: the counter is not released.
    with pytest.raises(TypeError, match=r"^counter_take\(\) argument 'extra' must be int, not str$"):
        m.counter_take(counter, "many")
    assert m.counter_take(counter, 2) == 10
    assert repr(counter) == f"<{m.__name__}.Counter object (released)>"
    with pytest.raises(ValueError, match=r"^counter_get\(\) argument 'counter' is a Counter that was already released"):
        m.counter_get(counter)
    with pytest.raises(ValueError, match="already released"):
        m.counter_free(counter)
    with pytest.raises(ValueError, match="already released"):
        m.counter_get_or(counter, 1)
    other = m.counter_new(1)
    m.counter_free(other)
    with pytest.raises(ValueError, match="already released"):
        m.counter_add(other, 1)
    with pytest.raises(TypeError, match=r"^Counter objects cannot be created directly: they are returned by "):
        m.Counter()


@needs_gcc
@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda m: m.counter_get(None), TypeError, r"counter_get\(\) argument 'counter' must be Counter, not NoneType"),
        (lambda m: m.counter_get(m.Vec2()), TypeError, "must be Counter, not Vec2"),
        (lambda m: m.counter_get_or(3, 1), TypeError, "argument 'counter' must be Counter or None, not int"),
        (lambda m: m.length(None), TypeError, r"length\(\) argument 'v' must be Vec2, not NoneType"),
        (lambda m: m.normalize(m.Line()), TypeError, "must be Vec2, not Line"),
        (lambda m: m.length_or_zero(1), TypeError, "must be Vec2 or None, not int"),
        (lambda m: m.line_length(m.Vec2()), TypeError, "must be Line, not Vec2"),
        (lambda m: m.next_color(3), ValueError, "3 is not a valid Color"),
        (lambda m: m.make_line(m.Vec2(), m.Vec2(), 4), ValueError, "4 is not a valid Color"),
        (lambda m: m.Line(color=4), ValueError, "4 is not a valid Color"),
        (lambda m: setattr(m.Line(), "color", 6), ValueError, "6 is not a valid Color"),
        # A struct by value: not ctypes' ArgumentError, which names neither the function nor the parameter.
        (lambda m: m.scale((1, 2), 2.0), TypeError, r"^scale\(\) argument 'v' must be Vec2, not tuple$"),
    ],
)
def test_rejects_bad_arguments(
    basic_library: Path,
    import_generated: Callable[..., ModuleType],
    call: Callable[[ModuleType], Any],
    error: type,
    message: str,
) -> None:
    m = import_generated(load("basic"), basic_library)
    with pytest.raises(error, match=message):
        call(m)


@needs_gcc
def test_import_fails_on_another_build(basic_library: Path, import_generated: Callable[..., ModuleType]) -> None:
    data = raw_inventory("basic")
    data["library"]["api_hash"] = "00000000000000aa"
    with pytest.raises(ImportError) as info:
        import_generated(parse_inventory(data), basic_library)
    assert " was generated for basic 1.2.3 (API hash 00000000000000aa) but " in str(info.value)
    assert str(info.value).endswith(
        "libbasic.so reports 0123456789abcdef: the library and its bindings come from different builds; "
        "reinstall the package (or rebuild it with `pip wheel`)"
    )


@needs_gcc
def test_import_fails_without_the_api_guard(basic_library: Path, import_generated: Callable[..., ModuleType]) -> None:
    data = raw_inventory("basic")
    data["library"]["api_guard"] = "basic_no_such_guard"
    with pytest.raises(ImportError, match="does not export the API guard function basic_no_such_guard: it is not"):
        import_generated(parse_inventory(data), basic_library)


@needs_gcc
def test_import_fails_without_the_library(basic_library: Path, import_generated: Callable[..., ModuleType]) -> None:
    with pytest.raises(ImportError, match=r"cannot load its native library .*libmissing\.so: .*Reinstall the package"):
        import_generated(load("basic"), basic_library, library_filename="libmissing.so")


@needs_gcc
def test_layout_check(
    basic_library: Path, import_generated: Callable[..., ModuleType], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The validator refuses such an inventory; the import-time check is the backstop behind it.
    monkeypatch.setattr(inventory_module, "_check_layouts", lambda *_: None)
    data = raw_inventory("basic")
    _types(data)["Line"]["fields"][4]["offset"] = 28
    with pytest.raises(ImportError, match=r"the ctypes layout of Line \(size, alignment, field offsets\) is "):
        import_generated(parse_inventory(data), basic_library)


@needs_gcc
def test_other_interpreters(basic_library: Path, tmp_path: Path) -> None:
    """The generated module runs on every CPython and PyPy this machine has (3.8 and up)."""
    interpreters = find_pythons()
    if not interpreters:
        pytest.skip("no other interpreters found")
    package = write(generate(CtypesBackend, load("basic")), tmp_path / "basicpkg")
    shutil.copy(basic_library, package / basic_library.name)
    script = (
        "import basicpkg as m\n"
        "c = m.counter_new(2); m.counter_add(c, 1); assert m.counter_get(c) == 3; m.counter_free(c)\n"
        "assert m.scale(m.Vec2(1, 2), 2) == m.Vec2(2, 4) and m.next_color(0) is m.Color.Green\n"
        "line = m.make_line(m.Vec2(), m.Vec2(3, 4), m.Color.Blue); assert m.line_length(line) == 5\n"
        "try:\n    m.counter_get(c)\nexcept ValueError:\n    pass\nelse:\n    raise AssertionError\n"
    )
    failures = []
    for name, python in sorted(interpreters.items()):
        proc = subprocess.run([python, "-c", script], cwd=tmp_path, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            failures.append(f"{name}: {proc.stderr[-2000:]}")
    assert not failures, "\n".join(failures)


# --------------------------------------------------------------------------------------------
# Data-carrying enums
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tagged_library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if GCC is None:
        pytest.skip("needs gcc to build a stand-in native library")
    return _compile_library(load("tagged"), tmp_path_factory.mktemp("tagged-lib"), DATA / "tagged.c")


@needs_gcc
def test_tagged_enums(tagged_library: Path, import_generated: Callable[..., ModuleType]) -> None:
    m = import_generated(load("tagged"), tagged_library)
    circle = m.Shape.Circle(radius=1.0)
    assert isinstance(circle, m.Shape) and type(circle) is m.Shape.Circle and circle.radius == 1.0
    assert repr(circle) == "Shape.Circle(radius=1.0)" and eval(repr(circle), vars(m)) == circle
    assert m.Shape.Circle.__qualname__ == "Shape.Circle" and m.Shape.Circle.__match_args__ == ("radius",)
    assert circle != m.Shape.Circle(2.0) and circle != m.Shape.Empty() and m.Shape.Empty() == m.Shape.Empty()
    with pytest.raises(TypeError, match="unhashable"):
        hash(circle)
    with pytest.raises(TypeError, match="Shape cannot be created directly: create one of its variants, such as "):
        m.Shape()
    # By value in and out, by reference, as a nullable reference.
    assert m.grow(circle, 0.5) == m.Shape.Circle(1.5)
    rect = m.Shape.Rect(m.Point(1.0, 2.0), 1)
    assert rect.mode is m.Mode.On and repr(rect) == "Shape.Rect(corner=Point(x=1.0, y=2.0), mode=Mode.On)"
    assert m.grow(rect, 1.0) == rect and m.grow(m.Shape.Empty(), 1.0) == m.Shape.Empty()
    tail = m.Shape.Tail(len=5, next=None)
    assert m.grow(tail, 0.0) == tail and m.grow(m.Shape.Tail(None, None), 0.0).len is None
    assert m.tags(rect, None) == 256 + 255 and m.tags(m.Shape.Empty(), circle) == 7 * 256
    # In a struct field, an option and an array.
    event = m.Event.Key(code=65, shifted=True, type=3)
    scene = m.make_scene(rect, None, event)
    assert scene.shape == rect and scene.maybe is None and scene.events == (event, m.Event.Quit())
    assert m.scene_maybe(m.make_scene(circle, tail, event)) == tail
    scene.shape = circle
    scene.maybe = rect
    assert (scene.shape, scene.maybe, m.scene_maybe(scene)) == (circle, rect, rect)
    assert m.Scene().shape == m.Shape.Circle(0.0)
    assert repr(m.Scene(shape=circle, events=[event, event])) == (
        "Scene(shape=Shape.Circle(radius=1.0), maybe=None, events=(Event.Key(code=65, shifted=True, type=3), "
        "Event.Key(code=65, shifted=True, type=3)))"
    )
    # `match` on Python 3.10+ (compiled at run time: the test module itself must parse on 3.8).
    if sys.version_info >= (3, 10):
        namespace: Dict[str, Any] = {"Shape": m.Shape}
        exec(
            "def area(s):\n"
            "    match s:\n"
            "        case Shape.Circle(r):\n"
            "            return 3 * r * r\n"
            "        case Shape.Rect(corner=c):\n"
            "            return c.x\n"
            "        case _:\n"
            "            return 0\n",
            namespace,
        )
        assert (namespace["area"](circle), namespace["area"](rect), namespace["area"](tail)) == (3.0, 1.0, 0)


@needs_gcc
@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda m: m.grow(1, 0.5), TypeError, "^grow\\(\\) argument 'shape' must be Shape, not int$"),
        (
            lambda m: m.tags(m.Shape.Empty(), 7),
            TypeError,
            "^tags\\(\\) argument 'next' must be Shape or None, not int$",
        ),
        (
            lambda m: m.make_scene(m.Shape.Empty(), 3, m.Event.Quit()),
            TypeError,
            r"^make_scene\(\) argument 'maybe' must be Shape or None, not int$",
        ),
        (lambda m: m.Scene(shape=m.Point()), TypeError, "^expected Shape, not Point$"),
        (lambda m: m.Shape.Rect(m.Point(), 5), ValueError, "5 is not a valid Mode"),
        (lambda m: m.grow(m.Shape.Circle("big"), 1.0), TypeError, "not str"),
        (
            lambda m: m.bad_shape(),
            ValueError,
            "^the library returned a Shape whose tag 3 is none of its variants$",
        ),
    ],
)
def test_tagged_enums_reject_bad_values(
    tagged_library: Path,
    import_generated: Callable[..., ModuleType],
    call: Callable[[ModuleType], Any],
    error: type,
    message: str,
) -> None:
    m = import_generated(load("tagged"), tagged_library)
    with pytest.raises(error, match=message):
        call(m)


@needs_gcc
def test_tagged_layout_check(
    tagged_library: Path, import_generated: Callable[..., ModuleType], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The validator refuses such an inventory; the import-time check is the backstop behind it.
    monkeypatch.setattr(inventory_module, "_check_layouts", lambda *_: None)
    data = raw_inventory("tagged")
    _types(data)["Shape"]["variants"][1]["fields"][1]["offset"] = 28
    message = (
        r"the ctypes layout of _ffi_Shape \(size, alignment, payload offset; field offsets\) is "
        r"\(\(32, 8, 8\), \(\(8,\), \(8, 24\), \(8, 16\)\)\), but Rust laid it out as "
        r"\(\(32, 8, 8\), \(\(8,\), \(8, 28\), \(8, 16\)\)\)"
    )
    with pytest.raises(ImportError, match=message):
        import_generated(parse_inventory(data), tagged_library)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda p: p.update(mutable=True),
            "The ctypes backend cannot bind parameter `shape` of function `tags`: it is a `&mut Shape`, and a "
            "Python `Shape` is passed and returned as a copy. Pass `Shape` or `&Shape` and return the new value.",
        ),
        (
            lambda p: p.update(mutable=True, owned=True),
            "The ctypes backend cannot bind parameter `shape` of function `tags`: it is a `Box<Shape>`, and a "
            "Python `Shape` is passed and returned as a copy. Pass `Shape` or `&Shape` and return the new value.",
        ),
    ],
)
def test_refuses_pointers_that_would_write_into_a_copy(change: Callable[[Dict[str, Any]], Any], message: str) -> None:
    data = raw_inventory("tagged")
    change(_functions(data)["tags"]["params"][0]["type"])
    with pytest.raises(BackendError) as info:
        source(parse_inventory(data))
    assert str(info.value) == message


def _with_store(data: Dict[str, Any], *statics: str) -> None:
    """Add an opaque type `Store` that is a service with the given static functions."""
    data["types"].append({"kind": "opaque", "name": "Store", "doc": ""})
    u32 = {"kind": "primitive", "name": "u32"}
    members = [
        {"name": name, "symbol": f"store_{name}", "doc": "", "params": [], "returns": u32, "error": None}
        for name in statics
    ]
    data["services"].append(
        {
            "name": "Store",
            "doc": "",
            "destructor": "store_destroy",
            "release": "store_release",
            "constructors": [],
            "methods": [],
            "statics": members,
        }
    )


@pytest.mark.parametrize(
    ("statics", "message"),
    [
        (
            ("close",),
            "cannot name member `close` in class `Store`: `close` is already the name of the generated method",
        ),
        (("from", "from_"), "`from_` is already the name of member `from` (renamed `from_`)"),
    ],
)
def test_refuses_service_members_that_clash(statics: Tuple[str, ...], message: str) -> None:
    with pytest.raises(BackendError) as info:
        source(_basic_with(lambda d: _with_store(d, *statics)))
    assert message in str(info.value)


def test_service_without_constructor_says_so() -> None:
    text = source(_basic_with(lambda d: _with_store(d, "count")))
    assert "Store objects cannot be created directly: the service has no constructor" in text
    assert "    @staticmethod\n    def count() -> int:" in text
    assert "def count(" not in text.replace("    def count(", "")  # only as a method, not a module function


def test_functions_that_hold_the_gil_are_called_through_a_pydll_handle() -> None:
    text = source(load("sample_inventory"))
    assert '_ffi_fn_add = _ffi_pylib["add"]' in text
    assert '_ffi_fn_store_get = _ffi_pylib["store_get"]' in text
    assert '_ffi_fn_spin = _ffi_lib["spin"]' in text
    # Without any function that holds it, there is no second handle.
    assert "_ffi_pylib" not in source(load("basic"))


# --------------------------------------------------------------------------------------------
# Soundness: no number is truncated, every wrong argument raises the documented class naming
# the function and parameter, handles cannot be copied, any legal Rust name generates code
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_stub_library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if GCC is None:
        pytest.skip("needs gcc to build a stand-in native library")
    return _compile_library(load("sample_inventory"), tmp_path_factory.mktemp("sample-stub"))


@needs_gcc
@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        # FfiOption<int> parameters, struct fields at construction and assignment, array and option fields.
        (lambda m: m.or_fallback(2**31, 0), OverflowError, r"^or_fallback\(\) argument 'value' is 2147483648, "),
        (lambda m: m.or_fallback(1.5, 0), TypeError, r"^or_fallback\(\) argument 'value' must be int, not float$"),
        (lambda m: m.Sample(id=256), OverflowError, r"^Sample\.id is 256, outside the range of u8 \(0 to 255\)$"),
        (lambda m: m.Sample(id=1.0), TypeError, r"^Sample\.id must be int, not float$"),
        (lambda m: setattr(m.Sample(), "flags", 65536), OverflowError, r"^Sample\.flags is 65536, outside"),
        (lambda m: m.Snapshot(value=-1), OverflowError, r"^Snapshot\.value is -1, outside the range of u64"),
        (lambda m: setattr(m.Snapshot(), "increments", 2**32), OverflowError, r"^Snapshot\.increments is 4294967296"),
        # A pointer field is a raw address: ctypes would store 2**70 as NULL and -1 as the highest address.
        (lambda m: m.Snapshot(counter=2**70), OverflowError, r"^Snapshot\.counter is 1180591620717411303424, outside"),
        (lambda m: setattr(m.Snapshot(), "counter", -1), OverflowError, r"^Snapshot\.counter is -1, outside"),
        (lambda m: m.Snapshot(counter=1.5), TypeError, r"^Snapshot\.counter must be int, not float$"),
        (
            lambda m: m.Reading(channels=[256, None, None]),
            OverflowError,
            r"^an item of Reading\.channels is 256, outside the range of u8",
        ),
        (lambda m: m.Reading(antennas=[0, 4]), ValueError, r"^an item of Reading\.antennas: 4 is not a valid Direct"),
        (lambda m: m.Reading(antennas=[0, 1.0]), TypeError, r"^an item of Reading\.antennas must be Direction or int"),
        (lambda m: m.Reading(samples=[1.0, 2.0, 3.0, "x"]), TypeError, r"^an item of Reading\.samples must be float"),
        (lambda m: setattr(m.Reading(), "light", 3), ValueError, r"^Reading\.light: 3 is not a valid Color$"),
        (lambda m: m.Reading(celsius="hot"), TypeError, r"^Reading\.celsius must be float, not str$"),
        # Variant fields of data-carrying enums, checked where they enter Rust.
        (lambda m: m.shape_area(m.Shape.Circle("big")), TypeError, r"^Shape\.Circle\.radius must be float, not str$"),
        # Enum arguments: a float or None is a TypeError (never a member found by equality), a bad int a ValueError.
        (lambda m: m.color_next(1.0), TypeError, r"^color_next\(\) argument 'c' must be Color or int, not float$"),
        (lambda m: m.color_next(None), TypeError, r"^color_next\(\) argument 'c' must be Color or int, not NoneType$"),
        (lambda m: m.color_next(3), ValueError, r"^color_next\(\) argument 'c': 3 is not a valid Color$"),
        (lambda m: m.color_after(2.0), TypeError, r"^color_after\(\) argument 'color' must be Color or int, not float"),
        (lambda m: setattr(m.Sample(), "color", None), TypeError, r"^Sample\.color must be Color or int, not NoneType"),
        # Structs by value and in options: the documented TypeError, not ctypes.ArgumentError.
        (lambda m: m.vec2_add(1, m.Vec2()), TypeError, r"^vec2_add\(\) argument 'a' must be Vec2, not int$"),
        (lambda m: m.rect_area(m.Vec2()), TypeError, r"^rect_area\(\) argument 'r' must be Rect, not Vec2$"),
        (lambda m: m.midpoint(m.Vec2(), 3), TypeError, r"^midpoint\(\) argument 'b' must be Vec2 or None, not int$"),
        # Messages stay bounded whatever the number.
        (lambda m: m.add(2**100000, 1), OverflowError, r"^add\(\) argument 'a' is an integer of 100001 bits, outside"),
        (lambda m: m.color_next(10**5000), ValueError, r"^color_next\(\) argument 'c': an integer of 16610 bits is"),
    ],
)
def test_no_number_is_truncated_and_errors_name_the_place(
    sample_stub_library: Path,
    import_generated: Callable[..., ModuleType],
    call: Callable[[ModuleType], Any],
    error: type,
    message: str,
) -> None:
    m = import_generated(load("sample_inventory"), sample_stub_library)
    with pytest.raises(error, match=message):
        call(m)


@needs_gcc
def test_valid_values_still_pass(sample_stub_library: Path, import_generated: Callable[..., ModuleType]) -> None:
    m = import_generated(load("sample_inventory"), sample_stub_library)
    sample = m.Sample(id=255, value=1, flags=True, color=2)  # an int for a float, a bool for an int, an int for an enum
    assert (sample.id, sample.value, sample.flags, sample.color) == (255, 1.0, 1, m.Color.Green)
    sample.id = 0
    assert sample == m.Sample(id=0, value=1.0, flags=1, color=m.Color.Green)
    reading = m.Reading(channels=[255, None, 0], antennas=[m.Direction.West, 0], celsius=20)
    assert reading.channels == (255, None, 0) and reading.antennas == (m.Direction.West, m.Direction.North)
    assert reading.celsius == 20.0
    assert m.Snapshot().counter is None and m.Snapshot(counter=0x1000).counter == 0x1000


@needs_gcc
def test_newtypes_are_subclasses_of_their_number(
    sample_stub_library: Path, import_generated: Callable[..., ModuleType]
) -> None:
    m = import_generated(load("sample_inventory"), sample_stub_library)
    uid = m.UserId(7)
    assert isinstance(uid, int) and uid == 7 and repr(uid) == "UserId(7)" and str(uid) == "7"
    assert eval(repr(uid), vars(m)) == uid and type(pickle.loads(pickle.dumps(uid))) is m.UserId
    assert not hasattr(uid, "__dict__")  # `__slots__ = ()`: as small as the int
    with pytest.raises(OverflowError, match=r"^UserId\(\) argument 'value' is -1, outside the range of u64"):
        m.UserId(-1)
    with pytest.raises(TypeError, match=r"^Celsius\(\) argument 'value' must be float, not str$"):
        m.Celsius("hot")
    # The stub returns zeroes: results are the newtype all the same (an absent option is None).
    assert type(m.user_next(3)) is m.UserId and m.user_next(3) == 0
    assert m.user_max([1, m.UserId(2)]) is None
    badge = m.Badge(owner=3, fever=37.5)
    assert type(badge.owner) is m.UserId and type(badge.fever) is m.Celsius
    assert repr(badge) == "Badge(owner=UserId(3), fever=Celsius(37.5))" and m.Badge().owner == 0
    with pytest.raises(OverflowError, match=r"^Badge\.owner is -1, outside the range of u64"):
        m.Badge(owner=-1)
    # A record's newtype fields: the number's encoding, decoded into the newtypes.
    member = m.Member(id=1, name="a", friends=[2, m.UserId(3)], temperature=36.0)
    back = m._ffi_wire_decode(m._ffi_wire_record_Member, m._ffi_wire_encode(m._ffi_wire_record_Member, member, "x"))
    assert back == member and type(back.id) is m.UserId and type(back.temperature) is m.Celsius
    assert [type(friend) for friend in back.friends] == [m.UserId, m.UserId]
    hints = typing.get_type_hints(m.user_range)
    assert hints == {"first": m.UserId, "count": int, "return": typing.List[m.UserId]}


@needs_gcc
@pytest.mark.parametrize("copy_it", [copy.copy, copy.deepcopy, pickle.dumps, lambda x: pickle.dumps(x, 0)])
def test_handles_cannot_be_copied_or_pickled(
    copy_it: Callable[[Any], Any], sample_stub_library: Path, import_generated: Callable[..., ModuleType]
) -> None:
    """A copy of a handle holds the same raw pointer: releasing both would be a double free."""
    m = import_generated(load("sample_inventory"), sample_stub_library)
    for handle in (m._ffi_wrap_Counter(0x1000), m._ffi_wrap_Notifier(0x1000), m._ffi_wrap_Store(None)):
        cls = type(handle).__name__
        with pytest.raises(TypeError, match=f"^{cls} objects cannot be copied or pickled: each holds a Rust object"):
            copy_it(handle)


def _tagged_with(change: Callable[[Dict[str, Any]], None]) -> Inventory:
    data = raw_inventory("tagged")
    change(data)
    return parse_inventory(data)


@needs_gcc
def test_legal_rust_names_generate_code_that_imports(
    tmp_path: Path, import_generated: Callable[..., ModuleType]
) -> None:
    """A variant named `None`, a field named `from`, service members named like the class body's own names."""

    def change(d: Dict[str, Any]) -> None:
        shape = _types(d)["Shape"]
        shape["variants"][0]["name"] = "None"
        shape["variants"][0]["fields"][0]["name"] = "from"
        _with_store(d, "staticmethod", "classmethod", "int", "Optional", "Any", "object")

    inventory = _tagged_with(change)
    m = import_generated(inventory, _compile_library(inventory, tmp_path / "lib"))
    circle = m.Shape.None_(from_=2.0)
    assert circle.from_ == 2.0 and repr(circle) == "Shape.None_(from_=2.0)"
    assert m._ffi_Shape_from_c(circle._ffi_to_c()) == circle
    for name in ("staticmethod_", "classmethod_", "int_", "Optional_", "Any_", "object_"):
        assert callable(getattr(m.Store, name))
    assert typing.get_type_hints(m.Store)["_ffi_ptr"] == Optional[m._ffi_Store_handle]


@needs_gcc
def test_encoded_values_named_like_the_module_s_own_names(
    tmp_path: Path, import_generated: Callable[..., ModuleType]
) -> None:
    """Parameters named `encode` and `vec_str` (beside the codec `_ffi_wire_vec_str` and the runtime's
    `_ffi_wire_encode`) and a record named `encode`: the wrappers' locals and the codecs' globals never meet."""
    strings = {"kind": "vec", "element": {"kind": "string"}}

    def change(d: Dict[str, Any]) -> None:
        field = {"name": "decode", "doc": "", "type": strings}
        d["types"].append({"kind": "record", "name": "encode", "doc": "", "fields": [field]})
        params = [
            {"name": "encode", "type": strings},
            {"name": "vec_str", "type": strings},
            {"name": "record", "type": {"kind": "record", "name": "encode"}},
        ]
        d["functions"].append(
            {
                "name": "count_all",
                "symbol": "count_all",
                "doc": "",
                "params": params,
                "returns": {"kind": "primitive", "name": "u32"},
                "error": None,
            }
        )

    inventory = _tagged_with(change)
    m = import_generated(inventory, _compile_library(inventory, tmp_path / "lib"))
    # (The stub returns 0: what matters is that the arguments are encoded without a name clash.)
    assert m.count_all(["a"], ["b", "c"], m.encode(decode=["d"])) == 0
    with pytest.raises(TypeError, match="argument 'record' field 'decode' item 0 must be str, not int"):
        m.count_all([], [], m.encode([1]))


_STRUCT_CALLBACKS = """
float basic_nudge(const Nudge *cb) {
    Vec2 v = {1.0f, 2.0f};
    Vec2 w = {0.0f, 0.0f};
    cb->call(cb->context, &v, NULL);
    cb->call(cb->context, &v, &w);
    return v.x + 10.0f * w.y;
}

float basic_peek(const Peek *cb) {
    Vec2 v = {3.0f, 4.0f};
    cb->call(cb->context, &v);
    return v.x;
}
"""


@needs_gcc
def test_callbacks_get_copies_of_structs(tmp_path: Path, import_generated: Callable[..., ModuleType]) -> None:
    """A struct a callback receives lives on the library's stack: the callable gets a copy it may keep; through
    `&mut`, what it wrote when it returns is copied back, and later writes reach only the copy."""

    def vec2(mutable: bool, nullable: bool) -> Dict[str, Any]:
        target = {"kind": "named", "name": "Vec2"}
        return {"kind": "pointer", "target": target, "mutable": mutable, "nullable": nullable, "owned": False}

    def by_ref(name: str) -> Dict[str, Any]:
        target = {"kind": "named", "name": name}
        return {"kind": "pointer", "target": target, "mutable": False, "nullable": False, "owned": False}

    def change(d: Dict[str, Any]) -> None:
        nudge = [{"name": "v", "type": vec2(True, False)}, {"name": "w", "type": vec2(True, True)}]
        d["types"].append(
            {"kind": "callback", "name": "Nudge", "doc": "", "params": nudge, "returns": {"kind": "void"}}
        )
        peek = [{"name": "v", "type": vec2(False, False)}]
        bool_ = {"kind": "primitive", "name": "bool"}
        d["types"].append({"kind": "callback", "name": "Peek", "doc": "", "params": peek, "returns": bool_})
        f32 = {"kind": "primitive", "name": "f32"}
        for name in ("nudge", "peek"):
            cb = [{"name": "cb", "type": by_ref(name.capitalize())}]
            d["functions"].append(
                {"name": name, "symbol": f"basic_{name}", "doc": "", "params": cb, "returns": f32, "error": None}
            )

    inventory = _basic_with(change)
    implementation = tmp_path / "impl.c"
    implementation.write_text((DATA / "basic.c").read_text() + _STRUCT_CALLBACKS)
    m = import_generated(inventory, _compile_library(inventory, tmp_path / "lib", implementation))
    kept: List[Any] = []

    def nudge(v: Any, w: Any) -> None:
        v.x += 1.0
        if w is not None:
            w.y = 5.0
        kept.append(v)

    assert m.nudge(nudge) == 3.0 + 10.0 * 5.0  # both writes reached the library
    kept[0].x = 7.0  # after the call: the callable's own copy, never the library's (gone) stack
    assert (kept[0].x, kept[1].x) == (7.0, 3.0)

    def peek(v: Any) -> bool:
        v.x = 100.0  # a `&Vec2`: a copy, so the library's struct is unchanged
        kept.append(v)
        return True

    assert m.peek(peek) == 3.0
    assert (kept[-1].x, kept[-1].y) == (100.0, 4.0)


def test_output_is_type_complete_for_pyright(tmp_path: Path) -> None:
    """`pyright --verifytypes`: every public symbol's type is known (a struct's `__hash__ = None` without an
    annotation made pyright call every struct, and so every function taking one, partially unknown)."""
    assert_type_complete(_write_packages(tmp_path / "src" / "generated"), tmp_path)

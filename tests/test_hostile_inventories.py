"""Property-based: any inventory, however hostile, is refused with an error naming the field or item, or
generates Python that compiles and a C header that gcc accepts with -Wall -Werror.

The inventory is data from the user's crate (names are legal Rust, numbers are whatever Rust measured):
starting from the test inventories, each example renames identifiers to names that Python or C reserve, sets
numbers to extremes and replaces parts with arbitrary JSON. Bounded and derandomized, so it stays fast and
reproducible; a failure shows the mutations that caused it.
"""

from __future__ import annotations

import copy
import json
import keyword
import shutil
import subprocess
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest
from backend_support import context, raw_inventory
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from hatch_interop.backends.c import CHeaderBackend
from hatch_interop.backends.c.reserved import C_LIBRARY_NAMES, C_PREDEFINED_MACROS
from hatch_interop.backends.ctypes import CtypesBackend
from hatch_interop.errors import BackendError, InventoryError
from hatch_interop.inventory import parse_inventory
from hatch_interop.python_api import PYTHON_BUILTINS

GCC = shutil.which("gcc")
STEMS = ["basic", "tagged", "sample_inventory", "tricky"]

#: Names a generator has to think about: Python's keywords and builtins, C's keywords, library functions and
#: macros, the names generated code uses itself, and the reserved forms of both languages.
HOSTILE_NAMES = sorted(
    set(keyword.kwlist)
    | set(keyword.softkwlist if hasattr(keyword, "softkwlist") else [])
    | {"None", "True", "False", "self", "cls", "other", "annotations", "Optional", "Any", "ClassVar", "Type"}
    | {"int", "float", "bool", "str", "list", "len", "callable", "property", "staticmethod", "classmethod"}
    | {"object", "type", "super", "print", "id", "hash", "NotImplemented", "Ellipsis", "__name__", "__init__"}
    | {"_fields_", "_pack_", "_anonymous_", "_type_", "_length_", "_as_parameter_", "_b_base_", "_objects"}
    | {"_name_", "_value_", "_missing_", "mro", "name", "value", "code", "args", "with_traceback", "tag"}
    | {"close", "new", "RustPanic", "payload", "is_some", "context", "call", "release", "ptr", "kind"}
    | {"ord", "chr", "lo", "hi", "Int128", "sample_crate_u128", "sample_crate_i128"}
    | {"_ffi_", "_ffi_x", "__x", "_X", "x_", "_", "__", "a" * 200}
    | {"int", "char", "void", "struct", "union", "enum", "typedef", "class", "template", "this", "new", "delete"}
    | {"size_t", "NULL", "offsetof", "bool", "true", "false", "uint8_t", "INFINITY", "NAN", "static_assert"}
    | {"linux", "unix", "free", "malloc", "printf", "exit", "sin", "index", "round", "abs", "main", "errno"}
    | set(sorted(PYTHON_BUILTINS)[::3])  # sorted: a frozenset's order changes with the hash seed
    | set(sorted(C_LIBRARY_NAMES)[::25])
    | set(C_PREDEFINED_MACROS)
)
EXTREME_NUMBERS = [0, 1, -1, 3, 7, 255, 256, 2**31, 2**32, 2**53 + 1, 2**63 - 1, 2**63, 2**64, -(2**63) - 1, 10**40]
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=6,
)


def _paths(node: Any, path: Tuple[Any, ...] = ()) -> List[Tuple[Any, ...]]:
    """Every path into the JSON document (to a value inside an object or array)."""
    found = [path] if path else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*path, index))
    return found


def _set(document: Any, path: Tuple[Any, ...], value: Any) -> None:
    node = document
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value


def _get(document: Any, path: Tuple[Any, ...]) -> Any:
    node = document
    for step in path:
        node = node[step]
    return node


@st.composite
def hostile_inventories(draw: st.DrawFn) -> Tuple[Dict[str, Any], List[str]]:
    document = raw_inventory(draw(st.sampled_from(STEMS)))
    done: List[str] = []
    for _ in range(draw(st.integers(1, 4))):
        paths = _paths(document)
        # Mostly names (most inventories that get through the validator come from these), then numbers and JSON.
        action = draw(st.sampled_from(["rename"] * 4 + ["rename-everywhere"] * 4 + ["number", "kind", "json"]))
        if action in ("rename", "rename-everywhere"):
            names = [p for p in paths if p[-1] in ("name", "symbol") and isinstance(_get(document, p), str)]
            if not names:
                continue
            path = draw(st.sampled_from(names))
            new = draw(st.sampled_from(HOSTILE_NAMES) | st.from_regex(r"\A[A-Za-z_][A-Za-z0-9_]{0,6}\Z"))
            old = _get(document, path)
            if action == "rename-everywhere":  # a type renamed with every reference to it
                text = json.dumps(document).replace(f'"name": "{old}"', f'"name": "{new}"')
                document = json.loads(text)
            else:
                _set(document, path, new)
            done.append(f"{action} {'.'.join(map(str, path))}: {old} -> {new}")
        elif action == "number":
            numbers = [
                p for p in paths if isinstance(_get(document, p), int) and not isinstance(_get(document, p), bool)
            ]
            if not numbers:
                continue
            path = draw(st.sampled_from(numbers))
            value = draw(st.sampled_from(EXTREME_NUMBERS) | st.integers())
            _set(document, path, value)
            done.append(f"number {'.'.join(map(str, path))} = {value}")
        elif action == "kind":
            kinds = [p for p in paths if p[-1] == "kind"]
            path = draw(st.sampled_from(kinds))
            value = draw(JSON)
            _set(document, path, value)
            done.append(f"kind {'.'.join(map(str, path))} = {value!r}")
        else:
            path = draw(st.sampled_from(paths))
            value = draw(JSON)
            _set(document, path, value)
            done.append(f"json {'.'.join(map(str, path))} = {value!r}")
    return document, done


def _gcc(header: str, directory: Path) -> subprocess.CompletedProcess[str]:
    path = directory / "hostile.h"
    path.write_text(header, encoding="utf-8")
    # gcc's default mode (GNU C, where `linux` and `unix` are macros), every warning an error.
    cmd = [str(GCC), "-x", "c", "-Wall", "-Werror", "-fsyntax-only", str(path)]
    return subprocess.run(cmd, capture_output=True, text=True, check=False)


def _refused_naming(error: Exception) -> bool:
    """An error that says what is wrong where: a path (inventory) or an item (backend) in backquotes."""
    return "`" in str(error)


@pytest.mark.skipif(GCC is None, reason="needs gcc")
@settings(
    max_examples=150,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(case=hostile_inventories())
def test_hostile_inventories_are_refused_or_generate_code_that_compiles(
    case: Tuple[Dict[str, Any], List[str]], tmp_path: Path
) -> None:
    document, mutations = case
    try:
        inventory = parse_inventory(copy.deepcopy(document), "a hostile inventory")
    except InventoryError as error:
        assert _refused_naming(error), (mutations, str(error))
        event("refused by the validator")
        return
    for backend in (CtypesBackend, CHeaderBackend):
        try:
            generated, *_ = backend(context(inventory)).generate(inventory)  # the module (runtime files aside)
        except BackendError as error:
            assert _refused_naming(error), (mutations, str(error))
            event(f"refused by {backend.PLUGIN_NAME}")
            continue
        if generated.path.endswith(".py"):
            try:
                compile(generated.content, generated.path, "exec")
            except SyntaxError as error:
                pytest.fail(f"{mutations}: the generated Python does not compile: {error}")
            event("Python generated and compiled")
        else:
            proc = _gcc(generated.content, tmp_path)
            assert proc.returncode == 0, (mutations, proc.stderr[-3000:])
            event("C generated and compiled")

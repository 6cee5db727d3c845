"""The ``hatch-interop`` command: the pipeline outside of packaging.

    hatch-interop inspect [PROJECT] [--json]       what the crate exports, as the bindings will see it
    hatch-interop generate [PROJECT] --out DIR     the bindings and the library, written to a directory
    hatch-interop new NAME --rust-helper PATH      a new project (crate + Python package) that builds at once

PROJECT is the directory of the project's ``pyproject.toml`` (default: the current one); its options
come from ``[tool.hatch.build.hooks.interop]`` or ``[tool.hatch-interop]``, as in a build. Errors are
one line on stderr and exit status 1, as in the build hook.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

from hatch_interop import __version__
from hatch_interop.cargo import run_inventory
from hatch_interop.config import HOOK_TABLE, SETUPTOOLS_TABLE, InteropConfig, read_pyproject
from hatch_interop.errors import ConfigError, InteropError
from hatch_interop.inventory import (
    Array,
    CallbackDef,
    CStr,
    Encoded,
    EnumDef,
    Function,
    Inventory,
    Named,
    NewtypeDef,
    OpaqueDef,
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
    Vec,
    Void,
    wire_spelling,
)
from hatch_interop.pipeline import build_bindings, build_inventory, install_in_place
from hatch_interop.scaffold import new_project


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="hatch-interop",
        description="Build a Rust crate's Python bindings outside of packaging, or see what it exports.",
    )
    parser.add_argument("--version", action="version", version=f"hatch-interop {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    inspect = commands.add_parser(
        "inspect",
        help="build the crate and show what it exports (functions, types, constants, services)",
        description="Build the crate and show its inventory: what it exports, with the doc comments.",
    )
    inspect.add_argument("project", nargs="?", type=Path, default=Path(), help="the project directory (default: .)")
    inspect.add_argument("--json", action="store_true", help="print the inventory as JSON, as the crate prints it")
    generate = commands.add_parser(
        "generate",
        help="build the crate and write its bindings and library to a directory",
        description="Build the crate and write the generated package (bindings and library) below --out.",
    )
    generate.add_argument("project", nargs="?", type=Path, default=Path(), help="the project directory (default: .)")
    generate.add_argument("--out", type=Path, required=True, help="where to write the package (created if needed)")
    generate.add_argument(
        "--backend",
        action="append",
        dest="backends",
        metavar="NAME",
        help="a backend to run (repeatable; default: the project's `backends` option)",
    )
    new = commands.add_parser(
        "new",
        help="create a project: a Rust crate and its Python package, ready for `pip wheel .`",
        description=(
            "Create a project NAME: a Rust crate exporting a function and a struct, the Python package around its "
            "generated bindings, pyproject.toml with the build hook's table, and a .gitignore. `pip wheel .` in it "
            "builds a wheel at once."
        ),
    )
    new.add_argument("name", help="the project's name, also its crate's and Python package's (my_crate or my-crate)")
    new.add_argument("--path", type=Path, help="where to create it (default: ./NAME; must not exist or be empty)")
    new.add_argument(
        "--rust-helper",
        type=Path,
        required=True,
        metavar="PATH",
        help="the hatch-interop helper crate the project depends on (`rust_helper/` of a hatch-interop checkout), "
        "until it is published on crates.io",
    )
    options = parser.parse_args(argv)
    try:
        if options.command == "inspect":
            return _inspect(options.project, options.json)
        if options.command == "new":
            directory = options.path if options.path is not None else Path(options.name)
            for path in new_project(directory, options.name, options.rust_helper):
                print(path)
            return 0
        return _generate(options.project, options.out, options.backends)
    except InteropError as e:
        print(f"hatch-interop: {e}", file=sys.stderr)
        return 1


def load_config(project: Path) -> InteropConfig:
    """The project's options, from whichever of the two tables its ``pyproject.toml`` has."""
    pyproject = project / "pyproject.toml"
    if not pyproject.is_file():
        raise ConfigError(f"No pyproject.toml in {project.resolve()}: run this in a project, or pass its directory.")
    tool = read_pyproject(pyproject).get("tool", {})
    hook = tool.get("hatch", {}).get("build", {}).get("hooks", {}).get("interop")
    if hook is not None:
        return InteropConfig.from_mapping(hook)
    table = tool.get("hatch-interop")
    if table is not None:
        return InteropConfig.from_mapping(table, table=SETUPTOOLS_TABLE)
    raise ConfigError(f"{pyproject} configures hatch-interop nowhere: add [{HOOK_TABLE}] or [{SETUPTOOLS_TABLE}].")


def _inspect(project: Path, as_json: bool) -> int:
    config = load_config(project)
    artifacts, inventory = build_inventory(project.resolve(), config)
    if as_json:
        # What the crate prints (validated above), indented.
        print(json.dumps(json.loads(run_inventory(artifacts.inventory_bin)), indent=2, ensure_ascii=False))
    else:
        print(describe(inventory), end="")
    return 0


def _generate(project: Path, out: Path, backends: Optional[List[str]]) -> int:
    config = load_config(project)
    if backends:
        config = dataclasses.replace(config, backends=tuple(backends))
    staging = Path(tempfile.mkdtemp(prefix="hatch-interop-generate-"))
    try:
        output = build_bindings(
            project.resolve(), config, staging, warn=lambda m: print(f"warning: {m}", file=sys.stderr)
        )
        # As an editable install writes the package into a source tree: the user's own package is left alone.
        for target in install_in_place(output, out):
            print(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return 0


# --------------------------------------------------------------------------------------------
# The inventory, for people
# --------------------------------------------------------------------------------------------


def rust_type(ty: TypeRef) -> str:
    """A type reference as the Rust author wrote it (as near as the inventory tells)."""
    if isinstance(ty, Void):
        return "()"
    if isinstance(ty, Primitive):
        return ty.newtype or ty.name
    if isinstance(ty, Named):
        return ty.name
    if isinstance(ty, Str):
        return "&str"
    if isinstance(ty, CStr):
        return "&CStr"
    if isinstance(ty, OwnedString):
        return "String"
    if isinstance(ty, Slice):
        return f"&{'mut ' if ty.mutable else ''}[{rust_type(ty.element)}]"
    if isinstance(ty, Vec):
        return f"Vec<{rust_type(ty.element)}>"
    if isinstance(ty, Option):
        return f"FfiOption<{rust_type(ty.inner)}>"
    if isinstance(ty, Array):
        return f"[{rust_type(ty.element)}; {ty.len}]"
    if isinstance(ty, Encoded):
        return wire_spelling(ty.value)
    assert isinstance(ty, Pointer)
    inner = "Box<{}>" if ty.owned else ("&mut {}" if ty.mutable else "&{}")
    text = inner.format(ty.target.name)
    return f"Option<{text}>" if ty.nullable else text


def _signature(f: Function, receiver: str = "") -> str:
    params = [receiver] if receiver else []
    params += [f"{p.name}: {rust_type(p.type)}" for p in f.params]
    returns = rust_type(f.returns)
    if f.error is not None:
        returns = f"Result<{returns}, {f.error.name}>"
    head = "async fn" if f.asynchronous else "fn"
    gil = "  [gil = hold]" if f.hold_gil else ""
    return f"{head} {f.name}({', '.join(params)}){'' if returns == '()' else f' -> {returns}'}{gil}"


def _literal(value: object) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else repr(value)


def _first_line(doc: str) -> str:
    line = doc.strip().split("\n", 1)[0].strip()
    return f"  // {line}" if line else ""


def describe(inventory: Inventory) -> str:
    """A readable summary: what a Python user of the bindings will find, in Rust's terms."""
    lib = inventory.library
    lines = [f"crate {lib.crate} {lib.version} (API hash {lib.api_hash})"]
    sections: List[Tuple[str, List[str]]] = [
        (
            "constants",
            [f"{c.name}: {c.type.name} = {_literal(c.value)}{_first_line(c.doc)}" for c in inventory.constants],
        ),
        ("types", [_type_line(t) for t in inventory.types]),
        ("functions", [f"{_signature(f)}{_first_line(f.doc)}" for f in inventory.functions]),
    ]
    for title, entries in sections:
        if entries:
            lines += ["", f"{title}:"] + [f"  {entry}" for entry in entries]
    for s in inventory.services:
        lines += ["", f"service {s.name}:{_first_line(s.doc)}"]
        lines += [f"  {_signature(f)}  [constructor]" for f in s.constructors]
        lines += [f"  {_signature(m, '&self' if m.receiver == 'shared' else '&mut self')}" for m in s.methods]
        lines += [f"  {_signature(f)}  [static]" for f in s.statics]
    return "\n".join(lines) + "\n"


def _type_line(t: object) -> str:
    if isinstance(t, StructDef):
        fields = ", ".join(f"{f.name}: {rust_type(f.type)}" for f in t.fields)
        return f"struct {t.name} {{ {fields} }}{_first_line(t.doc)}"
    if isinstance(t, RecordDef):
        fields = ", ".join(f"{f.name}: {wire_spelling(f.type)}" for f in t.fields)
        return f"record {t.name} {{ {fields} }}{_first_line(t.doc)}"
    if isinstance(t, RecordEnumDef):
        variants = ", ".join(
            v.name
            + (f"({', '.join(wire_spelling(f.type) for f in v.fields)})" if v.tuple else "")
            + (
                f" {{ {', '.join(f'{f.name}: {wire_spelling(f.type)}' for f in v.fields)} }}"
                if v.fields and not v.tuple
                else ""
            )
            for v in t.variants
        )
        return f"enum {t.name} {{ {variants} }}{_first_line(t.doc)}"
    if isinstance(t, EnumDef):
        variants = ", ".join(f"{v.name} = {v.value}" for v in t.variants)
        return f"enum {t.name}: {t.repr.name} {{ {variants} }}{_first_line(t.doc)}"
    if isinstance(t, TaggedDef):
        variants = ", ".join(
            v.name + (f" {{ {', '.join(f'{f.name}: {rust_type(f.type)}' for f in v.fields)} }}" if v.fields else "")
            for v in t.variants
        )
        return f"enum {t.name}: {t.repr.name} {{ {variants} }}{_first_line(t.doc)}"
    if isinstance(t, CallbackDef):
        params = ", ".join(f"{p.name}: {rust_type(p.type)}" for p in t.params)
        returns = "" if isinstance(t.returns, Void) else f" -> {rust_type(t.returns)}"
        return f"callback {t.name} = fn({params}){returns}{_first_line(t.doc)}"
    if isinstance(t, NewtypeDef):
        return f"newtype {t.name}({t.inner.name}){_first_line(t.doc)}"
    if isinstance(t, TraitDef):
        methods = ", ".join(f"{m.name} (callback {m.callback.name})" for m in t.methods)
        return f"trait {t.name} {{ {methods} }}{_first_line(t.doc)}"
    assert isinstance(t, OpaqueDef)
    return f"opaque {t.name}{_first_line(t.doc)}"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""``hatch-interop new``: a ready project, a Rust crate and its Python package, that builds with ``pip wheel .``.

The files are those of the README's quickstart: the crate (a function and a struct, the inventory function and
the inventory binary the build hook runs), the Python package around the generated module, ``pyproject.toml``
with the hook's table, and a ``.gitignore`` for cargo's output and what editable installs generate.
"""

from __future__ import annotations

import keyword
import os
import re
from pathlib import Path
from string import Template
from typing import Dict, List

from hatch_interop.errors import ConfigError

#: Rust's keywords (strict and reserved, 2021 edition): cargo refuses them as crate names.
RUST_KEYWORDS = frozenset(
    """
    as async await break const continue crate dyn else enum extern false fn for if impl in let loop match mod move
    mut pub ref return self static struct super trait true type unsafe use where while abstract become box do final
    macro override priv try typeof unsized virtual yield
    """.split()  # noqa: SIM905 (a word list reads better than a literal of strings)
)

_NAME = re.compile(r"[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*")

_FILES: Dict[str, str] = {
    "Cargo.toml": """\
[package]
name = "$crate"
version = "0.1.0"
edition = "2021"

[lib]
crate-type = ["cdylib", "rlib"]   # cdylib: what Python loads; rlib: what the inventory binary links

[[bin]]
name = "inventory"
path = "src/bin/inventory.rs"

[dependencies]
hatch-interop = { path = "$rust_helper" }
""",
    "src/lib.rs": """\
//! $crate: a Rust library shipped to Python with hatch-interop.

use hatch_interop::prelude::*;

/// Adds two numbers, wrapping on overflow.
#[ffi_function]
pub fn add(a: u32, b: u32) -> u32 {
    a.wrapping_add(b)
}

/// A point in the plane.
#[ffi_type]
pub struct Vec2 {
    /// The horizontal coordinate.
    pub x: f32,
    /// The vertical coordinate.
    pub y: f32,
}

/// What the crate exports, for the build hook (it generates the Python bindings from it).
#[ffi_inventory]
pub fn inventory() -> Inventory {
    Inventory::new().function::<add>().ty::<Vec2>()
}
""",
    "src/bin/inventory.rs": """\
//! Prints the crate's FFI inventory as JSON; the hatch-interop build hook runs this.

fn main() {
    hatch_interop::dump($crate::inventory());
}
""",
    "$module/__init__.py": '''\
"""$crate, from Python: the Rust crate's bindings are generated into `$module._native` at build time."""

from $module._native import Vec2, add

__all__ = ["Vec2", "add"]
''',
    "$module/py.typed": "",
    "pyproject.toml": """\
[build-system]
requires = ["hatchling>=1.24", "hatch-interop"]
build-backend = "hatchling.build"

[project]
name = "$distribution"
version = "0.1.0"
requires-python = ">=3.8"

[tool.hatch.build.targets.wheel]
packages = ["$module"]

[tool.hatch.build.hooks.interop]
module = "$module._native"   # the generated package: bindings + shared library
""",
    ".gitignore": """\
# cargo's output, and what editable installs generate (the sdist leaves them out too)
/target/
/$module/_native/
""",
    "README.md": """\
# $distribution

A Rust crate shipped to Python with hatch-interop.

```bash
pip wheel .          # a wheel with the library and its bindings (needs cargo); pip install . installs it
```

```python
from $module import Vec2, add
assert add(2, 3) == 5
```
""",
}


def check_name(name: str) -> str:
    """`name` as a Python package's import name (``my-crate`` -> ``my_crate``), or a ConfigError saying why not."""
    if not _NAME.fullmatch(name):
        message = (
            f"`{name}` is not a usable project name: use lowercase letters, digits, and single `-` or `_` between "
            "them, starting with a letter (such as `my_crate`)"
        )
        raise ConfigError(message)
    module = name.replace("-", "_")
    if keyword.iskeyword(module) or module in RUST_KEYWORDS:
        raise ConfigError(f"`{name}` is a keyword of Python or Rust, which neither allows as a package name")
    return module


def new_project(directory: Path, name: str, rust_helper: Path) -> List[Path]:
    """Write a new project called `name` into `directory` (which must not exist or be empty), depending on the
    helper crate at `rust_helper`; returns the files written."""
    module = check_name(name)
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise ConfigError(f"{directory} already exists and is not an empty directory: choose another place")
    if not (rust_helper / "Cargo.toml").is_file():
        message = (
            f"{rust_helper} holds no Cargo.toml: --rust-helper is the directory of the hatch-interop helper crate "
            "(`rust_helper/` in a checkout of hatch-interop)"
        )
        raise ConfigError(message)
    directory.mkdir(parents=True, exist_ok=True)
    # Relative where it can be, so that the project and the helper can move together.
    helper = Path(os.path.relpath(rust_helper.resolve(), directory.resolve())).as_posix()
    values = {"crate": module, "module": module, "distribution": module.replace("_", "-"), "rust_helper": helper}
    written = []
    for path, text in _FILES.items():
        target = directory / Template(path).substitute(values)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(Template(text).substitute(values), encoding="utf-8")
        written.append(target)
    return written

"""Bad input stops the build with one clear message, no traceback, and no wheel.

Each case is a small real project built by pip (without build isolation, so the installed
hatchling and hatch-interop are used) against real cargo.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import textwrap
import zipfile
from pathlib import Path
from typing import Dict, Optional

import pytest
from support import RUST_HELPER, build_env, run

pytestmark = pytest.mark.e2e

CARGO_TOML = """\
[package]
name = "demo"
version = "0.1.0"
edition = "2021"

[lib]
crate-type = {crate_types}

[dependencies]
{dependencies}
"""

PYPROJECT = """\
[build-system]
requires = ["hatchling", "hatch-interop"]
build-backend = "hatchling.build"

[project]
name = "demo"
version = "0.1.0"

[tool.hatch.build.hooks.interop]
{options}
"""

VALID_INVENTORY = {
    "format": "hatch-interop-inventory",
    "format_version": 1,
    "generator": {"name": "hatch-interop", "version": "0.1.0"},
    "library": {
        "crate": "demo",
        "version": "0.1.0",
        "doc": "",
        "api_guard": "demo_api_guard",
        "ffi_pending": "demo_ffi_pending",
        "ffi_take_failure": "demo_ffi_take_failure",
        "ffi_free": "demo_ffi_free",
        "ffi_callback_failed": "demo_ffi_callback_failed",
        "ffi_shutdown": "demo_ffi_shutdown",
        "api_hash": "0" * 16,
    },
    "constants": [],
    "types": [],
    "functions": [],
    "services": [],
}


def project(
    tmp_path: Path,
    *,
    lib_rs: str = "pub fn unused() {}\n",
    bin_rs: Optional[str] = 'fn main() { print!("{{}}"); }\n',
    crate_types: str = '["cdylib", "rlib"]',
    options: str = 'module = "demo._native"',
    helper: bool = False,
) -> Path:
    root = tmp_path / "demo"
    (root / "src" / "bin").mkdir(parents=True)
    dependencies = ""
    if helper:
        shutil.copytree(RUST_HELPER, tmp_path / "rust_helper", ignore=shutil.ignore_patterns("target"))
        dependencies = 'hatch-interop = { path = "../rust_helper" }'
    (root / "Cargo.toml").write_text(CARGO_TOML.format(crate_types=crate_types, dependencies=dependencies))
    (root / "pyproject.toml").write_text(PYPROJECT.format(options=options))
    (root / "src" / "lib.rs").write_text(lib_rs)
    if bin_rs is not None:
        (root / "src" / "bin" / "inventory.rs").write_text(bin_rs)
    return root


def printing(document: object) -> str:
    """An inventory binary that prints ``document`` as JSON."""
    text = json.dumps(json.dumps(document))  # a Rust string literal is close enough to a JSON string
    return f'fn main() {{ print!("{{}}", {text}); }}\n'


def build_fails(root: Path, wheelhouse: Path, env: Optional[Dict[str, str]] = None) -> str:
    out = root.parent / "out"
    out.mkdir()
    cmd = [sys.executable, "-m", "pip", "wheel", "--no-build-isolation", "--no-deps", "--wheel-dir", out, root]
    proc = run(cmd, env=env or build_env(wheelhouse), check=False)
    assert proc.returncode != 0, proc.stdout
    assert list(out.iterdir()) == [], "a failed build must leave no wheel behind"
    assert "Traceback" not in proc.stdout, proc.stdout
    return proc.stdout


def test_no_cargo_on_path(tmp_path: Path, wheelhouse: Path) -> None:
    cargo = shutil.which("cargo")
    assert cargo is not None
    path = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if p and not (Path(p) / "cargo").exists())
    env = build_env(wheelhouse, PATH=path)
    env.pop("CARGO", None)
    output = build_fails(project(tmp_path), wheelhouse, env)
    assert "hatch-interop: Cargo, the Rust package manager, was not found on PATH" in output
    assert "Install Rust with rustup" in output


def test_cargo_variable_pointing_nowhere(tmp_path: Path, wheelhouse: Path) -> None:
    env = build_env(wheelhouse, CARGO=str(tmp_path / "no-such-cargo"))
    output = build_fails(project(tmp_path), wheelhouse, env)
    assert "The CARGO environment variable points at" in output


def test_rust_compile_error(tmp_path: Path, wheelhouse: Path) -> None:
    root = project(tmp_path, lib_rs='pub fn broken() -> u32 { "not a number" }\n')
    output = build_fails(root, wheelhouse)
    assert "error[E0308]: mismatched types" in output  # cargo's own diagnostics reach the user
    assert "hatch-interop: cargo build failed (exit code 101); cargo's diagnostics are above." in output


def test_crate_without_cdylib(tmp_path: Path, wheelhouse: Path) -> None:
    output = build_fails(project(tmp_path, crate_types='["rlib"]'), wheelhouse)
    assert 'Crate `demo` does not build a C-compatible shared library: its crate-type is ["rlib"].' in output
    assert 'crate-type = ["cdylib", "rlib"]' in output


def test_crate_only_cdylib(tmp_path: Path, wheelhouse: Path) -> None:
    output = build_fails(project(tmp_path, crate_types='["cdylib"]'), wheelhouse)
    assert "the inventory binary cannot link a crate that is only a cdylib" in output


def test_no_inventory_binary(tmp_path: Path, wheelhouse: Path) -> None:
    output = build_fails(project(tmp_path, bin_rs=None), wheelhouse)
    assert "Crate `demo` has no binary target `inventory` to print its inventory." in output
    assert "fn main() { hatch_interop::dump(demo::inventory()); }" in output


def test_inventory_binary_fails(tmp_path: Path, wheelhouse: Path) -> None:
    root = project(tmp_path, bin_rs='fn main() { eprintln!("boom: no inventory"); std::process::exit(3); }\n')
    output = build_fails(root, wheelhouse)
    assert "The inventory binary failed (exit code 3)." in output
    assert "boom: no inventory" in output


def test_inventory_not_json(tmp_path: Path, wheelhouse: Path) -> None:
    output = build_fails(project(tmp_path, bin_rs='fn main() { print!("hello"); }\n'), wheelhouse)
    assert "Invalid inventory from the `inventory` binary of crate `demo`: it is not valid JSON" in output


def test_inventory_wrong_version(tmp_path: Path, wheelhouse: Path) -> None:
    root = project(tmp_path, bin_rs=printing({**VALID_INVENTORY, "format_version": 99}))
    output = build_fails(root, wheelhouse)
    assert "`format_version` is the number 99, but this hatch-interop reads version 1" in output


def test_inventory_malformed_field(tmp_path: Path, wheelhouse: Path) -> None:
    function = {"name": "f", "symbol": "f", "doc": "", "returns": {"kind": "void"}, "error": None}
    bad = {**VALID_INVENTORY, "functions": [function]}
    output = build_fails(project(tmp_path, bin_rs=printing(bad)), wheelhouse)
    assert "`functions[0]` is missing the key(s) 'params'" in output


def test_unknown_option(tmp_path: Path, wheelhouse: Path) -> None:
    root = project(tmp_path, options='module = "demo._native"\nbakends = ["ctypes"]')
    output = build_fails(root, wheelhouse)
    assert "Unknown option `bakends` for build hook `interop`. Did you mean `backends`?" in output
    assert "Valid options: module, crate, backends," in output


def test_mistyped_option(tmp_path: Path, wheelhouse: Path) -> None:
    output = build_fails(project(tmp_path, options='module = "demo._native"\nfeatures = "simd"'), wheelhouse)
    assert "Option `features` for build hook `interop` must be an array of strings; got 'simd'" in output


def test_unknown_backend(tmp_path: Path, wheelhouse: Path) -> None:
    root = project(tmp_path, options='module = "demo._native"\nbackends = ["ctype"]')
    output = build_fails(root, wheelhouse)
    assert "Unknown backend `ctype` in option `backends` for build hook `interop`. Did you mean `ctypes`?" in output
    assert "Available backends: c, cffi, cpython, ctypes." in output
    assert "Compiling" not in output  # it fails before the long compile, not after


def test_non_ffi_type_is_a_compile_error_naming_it(tmp_path: Path, wheelhouse: Path) -> None:
    lib_rs = textwrap.dedent(
        """\
        use hatch_interop::prelude::*;

        #[ffi_function]
        pub fn greet(names: std::collections::HashSet<String>) -> u32 { names.len() as u32 }

        #[ffi_inventory]
        pub fn inventory() -> Inventory { Inventory::new().function::<greet>() }
        """
    )
    root = project(
        tmp_path, lib_rs=lib_rs, bin_rs="fn main() { hatch_interop::dump(demo::inventory()); }\n", helper=True
    )
    output = build_fails(root, wheelhouse)
    assert "`HashSet<String>` cannot cross the FFI boundary" in output
    assert "hatch-interop: cargo build failed" in output


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="platform tags are checked on Linux")
def test_a_platform_tag_the_library_cannot_meet(tmp_path: Path, wheelhouse: Path) -> None:
    """`platform-tag = "any"` would ship a Linux library in a wheel every platform installs."""
    options = 'module = "demo._native"\nplatform-tag = "any"'
    root = project(tmp_path, bin_rs=printing(VALID_INVENTORY), options=options)
    output = build_fails(root, wheelhouse)
    assert "Option `platform-tag` for build hook `interop` is 'any', which the built library cannot meet" in output
    assert "the wheel holds the native library libdemo.so" in output
    assert "`auto` tags the wheel 'manylinux_" in output


def test_a_second_sdist_with_other_sources_is_rebuilt(tmp_path: Path, wheelhouse: Path) -> None:
    """Sdists stamp every file with one fixed date; with a shared CARGO_TARGET_DIR, cargo took the second
    sdist's changed sources for the first one's and shipped the old library. The wheel must hold the new one."""
    root = project(
        tmp_path,
        lib_rs='#[no_mangle]\npub extern "C" fn demo_value() -> u32 { 1111 }\n',
        bin_rs=printing(VALID_INVENTORY),
    )
    env = build_env(wheelhouse, SOURCE_DATE_EPOCH="1580601600")

    def library_from_sdist(out: Path) -> bytes:
        run([sys.executable, "-m", "build", "--no-isolation", "--outdir", out, root], env=env)
        (wheel,) = sorted(out.glob("*.whl"))
        with zipfile.ZipFile(wheel) as archive:
            return archive.read("demo/_native/libdemo.so")

    first = library_from_sdist(tmp_path / "first")
    (root / "src" / "lib.rs").write_text('#[no_mangle]\npub extern "C" fn demo_value() -> u32 { 2222 }\n')
    second = library_from_sdist(tmp_path / "second")
    assert first != second

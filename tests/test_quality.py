"""The code base holds itself to what it asks of generated code: ruff, mypy --strict, rustfmt, clippy."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Dict, List, Tuple, Union

import pytest
from support import REPO, one, run

import hatch_interop

RUST_CRATES = ["rust_helper", "rust_helper/macros", "sample_crate"]
BIN = Path(sys.executable).parent


def test_ruff_check() -> None:
    run([BIN / "ruff", "check", "src", "tests", "benches"], cwd=REPO)


def test_ruff_format() -> None:
    run([BIN / "ruff", "format", "--check", "src", "tests", "benches"], cwd=REPO)


def test_mypy_strict() -> None:
    run([BIN / "mypy", "--config-file", REPO / "pyproject.toml"], cwd=REPO)


def test_source_tree_is_the_import_tree() -> None:
    """Tests, editors and type checkers see the package users install: src/hatch_interop, backends inside."""
    assert Path(hatch_interop.__file__).resolve().parent == REPO / "src" / "hatch_interop"


def test_wheel_holds_the_source_tree(wheelhouse: Path) -> None:
    """hatch-interop's own wheel ships exactly the package of src/ (templates and py.typed included)."""
    wheel = one(sorted(wheelhouse.glob("hatch_interop-*.whl")))
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    shipped = {n for n in names if not n.startswith("hatch_interop-")}
    source = {
        p.relative_to(REPO / "src").as_posix()
        for p in (REPO / "src" / "hatch_interop").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert shipped == source
    assert "hatch_interop/py.typed" in shipped
    assert "hatch_interop/backends/ctypes/templates/module.py.j2" in shipped
    assert not any(n.startswith("backends/") for n in names)


@pytest.mark.cargo
@pytest.mark.parametrize("crate", RUST_CRATES)
def test_cargo_fmt(crate: str) -> None:
    run(["cargo", "fmt", "--check", "--manifest-path", REPO / crate / "Cargo.toml"])


def background_command(item: pytest.Item) -> Tuple[List[Union[str, Path]], Dict[str, str]]:
    """The cargo command of a `background` test of this module (see conftest.py), in a target directory of its own:
    cargo's lock on a shared one would hold up the wheels the tests build meanwhile (release builds, which share
    nothing with these)."""
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target" / "tests")) / "quality"
    env = {**os.environ, "CARGO_TARGET_DIR": str(target)}
    params = item.callspec.params  # type: ignore[attr-defined]
    features: List[str] = params["features"]
    if item.originalname == "test_cargo_clippy":  # type: ignore[attr-defined]
        manifest = REPO / params["crate"] / "Cargo.toml"
        return ["cargo", "clippy", "--all-targets", *features, "--manifest-path", manifest, "--", "-D", "warnings"], env
    return ["cargo", "test", *features, "--manifest-path", REPO / "rust_helper" / "Cargo.toml"], env


# The helper crate's tests first: the longest.
@pytest.mark.cargo
@pytest.mark.background
@pytest.mark.parametrize("features", [["--all-features"], []], ids=["all-features", "default"])
def test_rust_helper_unit_tests(features: List[str], background: subprocess.CompletedProcess[str]) -> None:
    assert "test result: ok" in background.stdout


@pytest.mark.cargo
@pytest.mark.background
@pytest.mark.parametrize(
    ("crate", "features"),
    [("rust_helper", []), ("rust_helper", ["--all-features"]), ("sample_crate", [])],
)
def test_cargo_clippy(crate: str, features: List[str], background: subprocess.CompletedProcess[str]) -> None:
    assert background.returncode == 0  # (`run` fails the test with cargo's output otherwise)


def test_cargo_is_available() -> None:
    assert shutil.which("cargo")

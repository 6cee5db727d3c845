"""The code base holds itself to what it asks of generated code: ruff, mypy --strict, rustfmt, clippy."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import List

import pytest
from support import REPO, run

import hatch_interop

RUST_CRATES = ["rust_helper", "rust_helper/macros", "sample_crate"]
BIN = Path(sys.executable).parent


def test_ruff_check() -> None:
    run([BIN / "ruff", "check", "hatch_interop", "backends", "tests"], cwd=REPO)


def test_ruff_format() -> None:
    run([BIN / "ruff", "format", "--check", "hatch_interop", "backends", "tests"], cwd=REPO)


def test_mypy_strict_on_the_installed_package(tmp_path: Path) -> None:
    # The installed package is what users get, and the only place backends/ is hatch_interop.backends.
    package = Path(hatch_interop.__file__).parent
    run([BIN / "mypy", "--config-file", REPO / "pyproject.toml", "-p", "hatch_interop"], cwd=tmp_path)
    assert (package / "py.typed").is_file()
    assert (package / "backends" / "ctypes" / "templates" / "module.py.j2").is_file()


@pytest.mark.parametrize("crate", RUST_CRATES)
def test_cargo_fmt(crate: str) -> None:
    run(["cargo", "fmt", "--check", "--manifest-path", REPO / crate / "Cargo.toml"])


@pytest.mark.parametrize(
    ("crate", "features"),
    [("rust_helper", []), ("rust_helper", ["--all-features"]), ("sample_crate", [])],
)
def test_cargo_clippy(crate: str, features: List[str]) -> None:
    env = {**os.environ, "CARGO_TARGET_DIR": os.environ.get("CARGO_TARGET_DIR", str(REPO / "target" / "tests"))}
    manifest = REPO / crate / "Cargo.toml"
    run(["cargo", "clippy", "--all-targets", *features, "--manifest-path", manifest, "--", "-D", "warnings"], env=env)


@pytest.mark.parametrize("features", [[], ["--all-features"]], ids=["default", "all-features"])
def test_rust_helper_unit_tests(features: List[str]) -> None:
    env = {**os.environ, "CARGO_TARGET_DIR": os.environ.get("CARGO_TARGET_DIR", str(REPO / "target" / "tests"))}
    proc = run(["cargo", "test", *features, "--manifest-path", REPO / "rust_helper" / "Cargo.toml"], env=env)
    assert "test result: ok" in proc.stdout


def test_no_top_level_backends_package() -> None:
    """backends/ ships as hatch_interop.backends: a top-level `backends` would collide in site-packages."""
    site = Path(hatch_interop.__file__).parent.parent
    assert not (site / "backends").exists()
    assert shutil.which("cargo")

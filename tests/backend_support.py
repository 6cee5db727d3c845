"""Helpers shared by the backend tests: test inventories, generation and snapshot comparison."""

from __future__ import annotations

import copy
import difflib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List, Type

import pytest

from hatch_interop.backend import Backend, BackendContext, GeneratedFile
from hatch_interop.inventory import Inventory, parse_inventory

TESTS = Path(__file__).resolve().parent
DATA = TESTS / "data"
SNAPSHOTS = TESTS / "snapshots"
UPDATE_VARIABLE = "HATCH_INTEROP_UPDATE_SNAPSHOTS"

#: Every inventory the backends are snapshot-tested with (the sample crate's, once it exists, too).
INVENTORIES = sorted(path.stem for path in DATA.glob("*.json"))


def raw_inventory(stem: str) -> Dict[str, Any]:
    """A test inventory as decoded JSON (a fresh copy, free to modify)."""
    data: Dict[str, Any] = json.loads((DATA / f"{stem}.json").read_text(encoding="utf-8"))
    return copy.deepcopy(data)


def load(stem: str) -> Inventory:
    return parse_inventory(raw_inventory(stem), f"tests/data/{stem}.json")


def context(inventory: Inventory) -> BackendContext:
    crate = inventory.library.crate
    return BackendContext(module=f"{crate}._native", library_filename=f"lib{crate}.so", generator_version="0.1.0")


def generate(backend: Type[Backend], inventory: Inventory) -> List[GeneratedFile]:
    return backend(context(inventory)).generate(inventory)


def write(files: List[GeneratedFile], directory: Path) -> Path:
    for f in files:
        target = directory / f.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(f.content.encode("utf-8"))
    return directory


def check_snapshot(backend: str, stem: str, files: List[GeneratedFile]) -> None:
    """Compare generated files with ``tests/snapshots/<backend>/<stem>/``, or rewrite the snapshots when
    HATCH_INTEROP_UPDATE_SNAPSHOTS=1."""
    directory = SNAPSHOTS / backend / stem
    generated = {f.path: f.content for f in files}
    if os.environ.get(UPDATE_VARIABLE) == "1":
        if directory.exists():
            for old in sorted(p for p in directory.rglob("*") if p.is_file()):
                old.unlink()
        write(files, directory)
        return
    hint = f"rerun the tests with {UPDATE_VARIABLE}=1 to write it, then review the new snapshot"
    existing = {p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file()}
    for path, content in sorted(generated.items()):
        snapshot = directory / path
        if not snapshot.exists():
            pytest.fail(f"No snapshot {snapshot.relative_to(TESTS.parent)} for the {backend} backend: {hint}")
        expected = snapshot.read_bytes().decode("utf-8")
        if content != expected:
            diff = "".join(
                difflib.unified_diff(
                    expected.splitlines(keepends=True),
                    content.splitlines(keepends=True),
                    f"snapshot {path}",
                    f"generated {path}",
                )
            )
            pytest.fail(
                f"{backend} output for {stem}.json differs from its snapshot ({hint} if intended):\n{diff[:6000]}"
            )
    stale = sorted(existing - set(generated))
    if stale:
        pytest.fail(f"Snapshots of files the {backend} backend no longer generates for {stem}: {stale}; {hint}")


def assert_type_complete(packages: List[Path], workdir: Path) -> None:
    """`pyright --verifytypes` finds every public symbol's type known in the generated `packages`, which are
    subpackages of one package (one pyright run for all: each run costs a second to start)."""
    parents = {package.parent for package in packages}
    assert len(parents) == 1, "the packages must be subpackages of one package"
    (parent,) = parents
    (parent / "__init__.py").write_text("", encoding="utf-8")
    (parent / "py.typed").write_text("", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(parent.parent)}
    cmd = [sys.executable, "-m", "pyright", "--verifytypes", parent.name, "--ignoreexternal"]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=workdir, env=env)
    modules = {line.strip() for line in proc.stdout.splitlines() if line.startswith(f"   {parent.name}.")}
    assert modules >= {f"{parent.name}.{package.name}" for package in packages}, proc.stdout + proc.stderr
    assert "Type completeness score: 100%" in proc.stdout, proc.stdout + proc.stderr


#: The rules generated Python is held to (every backend's tests).
RUFF_SELECT = "E,F,W,I,B,UP,C4,SIM,RUF,PL"


def check_ruff_and_mypy(packages: List[str], tmp_path: Path) -> None:
    """Generated packages are ruff-formatted, ruff-clean for Python 3.8 and pass `mypy --strict`."""
    common = ["--isolated", "--line-length", "120", "--target-version", "py38"]
    ruff = [sys.executable, "-m", "ruff"]
    fmt = subprocess.run([*ruff, "format", *common, "--diff", *packages], check=False, capture_output=True, text=True)
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr
    lint = ["--config", "lint.pyupgrade.keep-runtime-typing = true", "--select", RUFF_SELECT]
    check = [*ruff, "check", *common, *lint, "--ignore", "PLR0913,PLR0917,PLR2004", *packages]
    proc = subprocess.run(check, check=False, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    cache = str(tmp_path / "mypy-cache")
    mypy = [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir", cache, *packages]
    proc = subprocess.run(mypy, check=False, capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr

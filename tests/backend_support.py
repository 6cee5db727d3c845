"""Helpers shared by the backend tests: test inventories, generation and snapshot comparison."""

from __future__ import annotations

import copy
import difflib
import json
import os
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Type

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


def subset(document: Dict[str, Any], supports: FrozenSet[str]) -> Dict[str, Any]:
    """`document` (a decoded inventory) without what a backend that supports only `supports` cannot express:
    its types of other kinds and every function that uses one of them, or another construct it lacks. The
    library section stays, so the result describes a subset of the same library (for calling it)."""
    kinds = {"struct": "structs", "tagged": "tagged-enums", "callback": "callbacks"}
    dropped = {t["name"] for t in document["types"] if kinds.get(t["kind"], "") not in supports | {""}}

    def names(node: Any) -> List[str]:
        """The types a part of the document refers to ("array" for a fixed-size array)."""
        if isinstance(node, dict):
            found = [node["name"]] if node.get("kind") == "named" else ["array"] if node.get("kind") == "array" else []
            return found + [name for value in node.values() for name in names(value)]
        if isinstance(node, list):
            return [name for value in node for name in names(value)]
        return []

    if "arrays" not in supports:
        dropped.add("array")
    while True:  # a struct holding a dropped type goes too
        more = {t["name"] for t in document["types"] if t["kind"] == "struct" and set(names(t["fields"])) & dropped}
        if more <= dropped:
            break
        dropped |= more

    def keep(function: Dict[str, Any]) -> bool:
        if function.get("async") and "async" not in supports:
            return False
        return not set(names(function)) & dropped

    result = copy.deepcopy(document)
    result["types"] = [t for t in result["types"] if t["name"] not in dropped]
    result["functions"] = [f for f in result["functions"] if keep(f)]
    for service in result["services"]:
        for group in ("constructors", "methods", "statics"):
            service[group] = [f for f in service[group] if keep(f)]
    parse_inventory(copy.deepcopy(result), "a subset")  # still a valid inventory
    return result

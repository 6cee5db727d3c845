"""Making an sdist self-contained: vendor the crate's path dependencies that live outside the project.

A crate often depends on a sibling crate by path (``hatch-interop = { path = "../rust_helper" }``).
The sdist only holds the project directory, so such a dependency would be missing when the sdist
is built elsewhere. Like maturin, we copy every path dependency outside the project into
``_rust_deps/<name>/`` and rewrite the ``path`` entries of the manifests that point at them
(with tomlkit, so the rest of each manifest keeps its formatting).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any, Dict, List, Mapping, MutableMapping, Optional

import tomlkit

from hatch_interop.cargo import find_cargo
from hatch_interop.config import InteropConfig
from hatch_interop.errors import CargoError, CrateError
from hatch_interop.reproducible import stamp

VENDOR_DIR = "_rust_deps"
_SKIP_DIRS = {"target", ".git", "__pycache__", ".venv"}
_DEPENDENCY_TABLES = (
    "dependencies",
    "dev-dependencies",
    "build-dependencies",
    "dev_dependencies",
    "build_dependencies",
)


def _metadata(cargo: str, crate_dir: Path) -> Mapping[str, Any]:
    manifest = crate_dir / "Cargo.toml"
    cmd = [cargo, "metadata", "--format-version", "1", "--no-deps", "--manifest-path", str(manifest)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise CargoError(
            f"`cargo metadata` failed for {manifest} (exit code {proc.returncode}):\n{proc.stderr.strip()}"
        )
    data: Mapping[str, Any] = json.loads(proc.stdout)
    return data


def _path_dependency_closure(cargo: str, crate_dir: Path) -> Dict[Path, Mapping[str, Any]]:
    """Every crate directory reachable through path dependencies, with its own metadata package."""
    seen: Dict[Path, Mapping[str, Any]] = {}
    queue = [crate_dir.resolve()]
    while queue:
        directory = queue.pop(0)
        if directory in seen:
            continue
        metadata = _metadata(cargo, directory)
        manifest = (directory / "Cargo.toml").resolve()
        package = next(p for p in metadata["packages"] if Path(p["manifest_path"]).resolve() == manifest)
        seen[directory] = {"package": package, "workspace_root": metadata["workspace_root"]}
        for dep in package["dependencies"]:
            if dep.get("path"):
                queue.append(Path(dep["path"]).resolve())
    return seen


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
        return True
    except ValueError:
        return False


def vendor_path_dependencies(root: Path, config: InteropConfig, staging: Path) -> Dict[Path, str]:
    """Stage vendored dependencies and rewritten manifests; staged path -> path inside the sdist."""
    root = root.resolve()
    crate_dir = (root / config.crate).resolve()
    if not (crate_dir / "Cargo.toml").is_file():
        raise CrateError(f"No Cargo.toml in {crate_dir} (option `crate` for {config.owner} is {config.crate!r}).")
    closure = _path_dependency_closure(find_cargo(), crate_dir)
    workspace_root = Path(closure[crate_dir]["workspace_root"]).resolve()
    if not _inside(workspace_root, root):
        raise CrateError(
            f"Crate {crate_dir} belongs to the cargo workspace at {workspace_root}, outside the project "
            f"{root}; an sdist of this project could not build it. Move pyproject.toml to the workspace root "
            "(and set option `crate` to the member's directory), or make the crate standalone."
        )

    # Where each crate directory will be inside the sdist (relative to the sdist root).
    new_location: Dict[Path, str] = {}
    vendored_roots: List[Path] = []
    names_taken: Dict[str, Path] = {}
    for directory in sorted(closure, key=lambda p: len(p.parts)):
        if _inside(directory, root):
            new_location[directory] = directory.relative_to(root).as_posix() or "."
            continue
        parent = next((v for v in vendored_roots if _inside(directory, v)), None)
        if parent is not None:
            new_location[directory] = f"{new_location[parent]}/{directory.relative_to(parent).as_posix()}"
            continue
        name = closure[directory]["package"]["name"]
        unique, n = name, 1
        while unique in names_taken:
            n += 1
            unique = f"{name}-{n}"
        names_taken[unique] = directory
        new_location[directory] = f"{VENDOR_DIR}/{unique}"
        vendored_roots.append(directory)

    if not vendored_roots:
        return {}

    result: Dict[Path, str] = {}
    for directory in vendored_roots:
        target = staging / new_location[directory]
        shutil.copytree(directory, target, ignore=_ignore)
        result[target] = new_location[directory]
    for directory in closure:
        rewritten = _rewrite_manifest(directory, new_location)
        if rewritten is None:
            continue
        staged_manifest = staging / new_location[directory] / "Cargo.toml"
        staged_manifest.parent.mkdir(parents=True, exist_ok=True)
        staged_manifest.write_text(rewritten, encoding="utf-8")
        stamp(staged_manifest)
        if _inside(directory, root):
            location = new_location[directory]
            result[staged_manifest] = "Cargo.toml" if location == "." else f"{location}/Cargo.toml"
    return result


def _ignore(directory: str, names: List[str]) -> List[str]:
    return [n for n in names if n in _SKIP_DIRS or (n.startswith(".") and n not in (".cargo",))]


def _rewrite_manifest(directory: Path, new_location: Mapping[Path, str]) -> Optional[str]:
    """The manifest with path dependencies pointing at their new places, or None if nothing changes."""
    document = tomlkit.parse((directory / "Cargo.toml").read_text(encoding="utf-8"))
    changed = False

    def fix(table: MutableMapping[str, Any]) -> None:
        nonlocal changed
        for spec in table.values():
            if not isinstance(spec, MutableMapping) or "path" not in spec:
                continue
            old = (directory / str(spec["path"])).resolve()
            if old not in new_location:
                continue  # not a dependency cargo resolved (e.g. an inactive target); leave it as written
            new = os.path.relpath(new_location[old], new_location[directory]).replace(os.sep, "/")
            if Path(new) != Path(str(spec["path"])):
                spec["path"] = new
                changed = True

    for key in _DEPENDENCY_TABLES:
        if key in document:
            fix(document[key])
    for platform in document.get("target", {}).values():
        for key in _DEPENDENCY_TABLES:
            if key in platform:
                fix(platform[key])
    return tomlkit.dumps(document) if changed else None

"""Reproducible builds: the same sources give the same library, wherever they are built.

Two things make rustc's output depend on the directory a build runs in:

* Absolute paths that end up in the library (panic locations, ``file!()``): those of path dependencies
  outside the crate's workspace (``../rust_helper/src/json.rs``), of cargo's registry sources
  (``~/.cargo/registry/src/...``), of the toolchain and of the target directory (``OUT_DIR``). Every
  build passes ``--remap-path-prefix`` for them (:func:`remap_flags`), so no home directory or build
  directory is written into a wheel.
* Cargo's ``-C metadata`` hash, which rustc mixes into symbol names (and so into code layout): for a
  path package outside the workspace root, cargo hashes its absolute location. With
  ``SOURCE_DATE_EPOCH`` set, such a crate is built through a *workspace view* (:func:`workspace_view`):
  a directory under the target directory holding a workspace manifest and symlinks that repeat the
  relative layout of the crate and its path dependencies, so that every path package is inside the
  workspace root, where cargo hashes (and names to rustc) its relative path only.

Our flags are added to the user's, never put in their place (:func:`merge_rustflags`). Cargo takes
rustflags from exactly one of four sources, the first that is set: ``CARGO_ENCODED_RUSTFLAGS``,
``RUSTFLAGS``, the ``target.<triple>``/``target.<cfg>`` ``rustflags`` of its configuration (all
matching entries, joined), ``build.rustflags``. Stable cargo has no per-profile rustflags
(``profile.<name>.rustflags`` is unstable). So: when one of the environment variables is set, the
build gets ``CARGO_ENCODED_RUSTFLAGS`` holding the user's flags followed by ours; otherwise ours go
through ``--config`` into ``build.rustflags`` and into the ``target`` entries the user's configuration
has (cargo appends arrays given with ``--config`` to those of its files and environment), so they
join whichever source cargo ends up using.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Mapping, Optional, Sequence, Tuple

import tomlkit
from tomlkit.exceptions import TOMLKitError

ENCODED = "CARGO_ENCODED_RUSTFLAGS"
#: Cargo's separator of ``CARGO_ENCODED_RUSTFLAGS`` (the ASCII unit separator).
SEPARATOR = "\x1f"


@dataclass(frozen=True)
class PathPackage:
    name: str
    version: str
    root: Path


@dataclass(frozen=True)
class Layout:
    """Where cargo finds the crate's sources and puts its output (``cargo metadata`` with dependencies)."""

    workspace_root: Path
    target_dir: Path
    #: Every package from a path source (the crate, path dependencies, path patches).
    path_packages: Tuple[PathPackage, ...]


@dataclass(frozen=True)
class Toolchain:
    """What ``rustc -vV`` and ``rustc --print sysroot`` say; empty strings when rustc could not tell."""

    host: str = ""
    commit_hash: str = ""
    sysroot: str = ""


@dataclass(frozen=True)
class View:
    """A workspace view: its root directory and the crate's manifest as cargo sees it there."""

    root: Path
    manifest: Path


@dataclass(frozen=True)
class ConfiguredRustflags:
    """The rustflags of cargo's configuration (files and ``CARGO_BUILD_*``/``CARGO_TARGET_*`` variables)."""

    #: Every flag any of them sets, so that ours are not added twice.
    flags: FrozenSet[str] = frozenset()
    #: The keys of ``target.<key>.rustflags`` entries (``x86_64-unknown-linux-gnu``, ``cfg(unix)``).
    target_keys: Tuple[str, ...] = ()


def read_layout(metadata: Mapping[str, Any]) -> Layout:
    packages = tuple(
        PathPackage(name=p["name"], version=p["version"], root=Path(p["manifest_path"]).parent)
        for p in metadata.get("packages", [])
        if p.get("source") is None
    )
    return Layout(
        workspace_root=Path(metadata["workspace_root"]),
        target_dir=Path(metadata["target_directory"]),
        path_packages=packages,
    )


def read_toolchain(cwd: Path, env: Mapping[str, str]) -> Toolchain:
    """Ask the rustc that cargo will run (``$RUSTC``, else ``rustc`` as rustup resolves it in `cwd`)."""
    rustc = env.get("RUSTC") or "rustc"
    try:
        version, sysroot = (
            subprocess.run([rustc, *args], cwd=cwd, env=dict(env), capture_output=True, text=True, check=False)
            for args in (["-vV"], ["--print", "sysroot"])
        )
    except OSError:
        return Toolchain()
    fields = dict(line.split(": ", 1) for line in version.stdout.splitlines() if ": " in line)
    return Toolchain(
        host=fields.get("host", ""),
        commit_hash=fields.get("commit-hash", "") if fields.get("commit-hash") != "unknown" else "",
        sysroot=sysroot.stdout.strip() if sysroot.returncode == 0 else "",
    )


def source_date_epoch(env: Optional[Mapping[str, str]] = None) -> Optional[int]:
    """``SOURCE_DATE_EPOCH`` (https://reproducible-builds.org/specs/source-date-epoch/), if set and valid."""
    value = (os.environ if env is None else env).get("SOURCE_DATE_EPOCH", "").strip()
    return int(value) if value.isdigit() else None


def stamp(path: Path) -> None:
    """Date a file we write into an archive ``SOURCE_DATE_EPOCH``, when it is set (else it keeps the current time).

    Only for files that go into archives: the front-ends date wheel entries themselves, but a setuptools
    sdist takes each file's own time.
    """
    epoch = source_date_epoch()
    if epoch is not None:
        os.utime(path, (epoch, epoch))


def cargo_home(env: Mapping[str, str]) -> Path:
    given = env.get("CARGO_HOME")
    return Path(given) if given else Path.home() / ".cargo"


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
        return True
    except ValueError:
        return False


def remap_flags(
    layout: Layout, toolchain: Toolchain, home: Path, view: Optional[Path] = None, *, project: bool = True
) -> List[str]:
    """``--remap-path-prefix`` flags for every absolute location a build may embed in the library; without
    `project`, only for the machine's own (the cargo home and the toolchain), which are the same for every
    project: rustflags are part of every unit's fingerprint, so flags naming a project's directory would make
    projects that share a target directory rebuild all of their dependencies in turn.

    The names are cargo's own ``trim-paths`` conventions: a path package outside the workspace becomes
    ``<name>-<version>``, the workspace root ``.``, the toolchain ``/rustc/<commit>`` (as the standard
    library's own paths already are). rustc applies the last matching prefix, so more specific
    (longer) prefixes come last.
    """
    pairs: Dict[str, str] = {str(home): "/cargo"}
    if toolchain.sysroot:
        pairs[toolchain.sysroot] = f"/rustc/{toolchain.commit_hash or 'sysroot'}"
    if not project:
        return [f"--remap-path-prefix={source}={target}" for source, target in sorted(pairs.items())]
    pairs[str(layout.target_dir)] = "target"
    roots = [layout.workspace_root] + ([view] if view is not None else [])
    for root in roots:
        pairs[str(root)] = "."
    for package in layout.path_packages:
        if not any(_inside(package.root, root) for root in roots):
            pairs[str(package.root)] = f"{package.name}-{package.version}"
    ordered = sorted(pairs.items(), key=lambda item: (len(item[0]), item[0]))
    return [f"--remap-path-prefix={source}={target}" for source, target in ordered]


def _split(value: Any) -> List[str]:
    """A rustflags value of cargo's configuration: a string split on whitespace, or an array."""
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list):
        return [str(v) for v in value]
    return []


def config_files(cwd: Path, home: Path) -> List[Path]:
    """The configuration files cargo reads when run in `cwd`, most specific first."""
    files = []
    for directory in [cwd, *cwd.parents, home]:
        base = directory if directory == home else directory / ".cargo"
        for name in ("config.toml", "config"):
            if (base / name).is_file():
                files.append(base / name)
    seen: List[Path] = []
    for f in files:
        if f not in seen:
            seen.append(f)
    return seen


def configured_rustflags(cwd: Path, env: Mapping[str, str], triple: str) -> ConfiguredRustflags:
    """The rustflags cargo's configuration holds for a build run in `cwd` for `triple`."""
    flags: List[str] = []
    keys: List[str] = []
    for path in config_files(cwd, cargo_home(env)):
        try:
            document = tomlkit.parse(path.read_text(encoding="utf-8")).unwrap()
        except (OSError, UnicodeDecodeError, TOMLKitError):
            continue  # cargo reports a broken configuration itself
        build = document.get("build")
        if isinstance(build, dict):
            flags += _split(build.get("rustflags"))
        targets = document.get("target")
        if isinstance(targets, dict):
            for key, table in targets.items():
                if isinstance(table, dict) and "rustflags" in table:
                    flags += _split(table["rustflags"])
                    if key not in keys:
                        keys.append(key)
    flags += _split(env.get("CARGO_BUILD_RUSTFLAGS", ""))
    if triple:
        variable = f"CARGO_TARGET_{triple.upper().replace('-', '_').replace('.', '_')}_RUSTFLAGS"
        if variable in env:
            flags += _split(env[variable])
            if triple not in keys:
                keys.append(triple)
    return ConfiguredRustflags(flags=frozenset(flags), target_keys=tuple(keys))


def merge_rustflags(
    ours: Sequence[str], env: Mapping[str, str], configured: ConfiguredRustflags, triple: str
) -> Tuple[Dict[str, str], List[str]]:
    """How to add `ours` to the user's rustflags: ``(environment variables to set, cargo arguments)``.

    Flags the user already passes are not added again.
    """
    if ENCODED in env or "RUSTFLAGS" in env:
        if ENCODED in env:
            user = [f for f in env[ENCODED].split(SEPARATOR) if f] if env[ENCODED] else []
        else:
            user = env["RUSTFLAGS"].split()
        merged = user + [f for f in dict.fromkeys(ours) if f not in user]
        return {ENCODED: SEPARATOR.join(merged)}, []
    added = [f for f in dict.fromkeys(ours) if f not in configured.flags]
    if not added:
        return {}, []
    value = json.dumps(added)
    args = ["--config", f"build.rustflags={value}"]
    # Only target entries that match apply, all of them joined: ours go to the one entry that surely
    # matches (the triple's own) if there is one, else to each `cfg(...)` entry (none of which may match:
    # then `build.rustflags` is the source cargo uses).
    keys = [triple] if triple in configured.target_keys else list(configured.target_keys)
    for key in keys:
        args += ["--config", f"target.{json.dumps(key)}.rustflags={value}"]
    return {}, args


def _resolver(manifest: Mapping[str, Any]) -> str:
    package = manifest.get("package", {})
    if "resolver" in package:
        return str(package["resolver"])
    edition = str(package.get("edition", "2015"))
    return "3" if edition >= "2024" else "2" if edition >= "2021" else "1"


def workspace_view(layout: Layout, crate_dir: Path, views: Path) -> Optional[View]:
    """The manifest to build the crate through so that its ``-C metadata`` hashes are location-independent,
    or None when the crate needs no view (all its path packages are inside its workspace) or cannot have
    one (it belongs to a workspace of its own, or patches to paths outside the view).

    The view is ``views/<hash of the crate's directory>``: per source tree, so that repeated builds of
    one tree stay incremental. It holds a workspace manifest (the crate as its member, the crate's
    profiles, which cargo reads only from a workspace root, and its resolver), the crate's
    ``Cargo.lock``, and symlinks to the crate and to each path dependency outside it, at the same
    relative places as in the source tree.
    """
    root = layout.workspace_root
    outside = [p.root for p in layout.path_packages if not _inside(p.root, root)]
    if not outside or root != crate_dir:
        return None
    manifest_path = crate_dir / "Cargo.toml"
    manifest = tomlkit.parse(manifest_path.read_text(encoding="utf-8")).unwrap()
    if "workspace" in manifest or "patch" in manifest or "replace" in manifest:
        return None
    linked = sorted({crate_dir, *outside}, key=lambda p: len(p.parts))
    tops: List[Path] = []
    for path in linked:
        if not any(_inside(path, top) for top in tops):
            tops.append(path)
    common = Path(os.path.commonpath([str(t) for t in tops]))
    if common in tops:
        return None  # a path dependency contains the crate: there is no layout to repeat
    view = views / hashlib.sha256(str(crate_dir).encode()).hexdigest()[:16]
    try:
        for top in tops:
            _link(view / top.relative_to(common), top)
    except OSError:
        return None  # no symlinks here (Windows without the privilege): the paths are remapped all the same
    member = crate_dir.relative_to(common).as_posix()
    workspace: Dict[str, Any] = {
        "workspace": {
            "members": [member],
            # Path dependencies inside a workspace's directory would become members, and their
            # dev-dependencies part of the resolution (a `--locked` build would fail).
            "exclude": sorted(t.relative_to(common).as_posix() for t in tops if t != crate_dir),
            "resolver": _resolver(manifest),
        }
    }
    if "profile" in manifest:
        workspace["profile"] = manifest["profile"]
    text = "# Written by hatch-interop for a reproducible build: see hatch_interop/reproducible.py\n"
    text += tomlkit.dumps(workspace)
    _write_if_changed(view / "Cargo.toml", text.encode())
    lock = crate_dir / "Cargo.lock"
    if lock.is_file():
        _write_if_changed(view / "Cargo.lock", lock.read_bytes())
    return View(root=view, manifest=view / member / "Cargo.toml")


def _link(link: Path, target: Path) -> None:
    """Make `link` a symlink to `target`, replacing what was there at once (a concurrent build never sees none)."""
    link.parent.mkdir(parents=True, exist_ok=True)
    if link.is_symlink() and os.readlink(link) == str(target):
        return
    partial = link.with_name(f".{link.name}.hatch-interop-partial")
    if partial.is_symlink():
        partial.unlink()
    os.symlink(target, partial, target_is_directory=True)
    os.replace(partial, link)


def _write_if_changed(path: Path, content: bytes) -> None:
    if not path.is_file() or path.read_bytes() != content:
        path.write_bytes(content)


def sync_lock_back(view: View, crate_dir: Path) -> None:
    """Give the crate the ``Cargo.lock`` cargo wrote in the view, as a build in the crate would have."""
    written = view.root / "Cargo.lock"
    target = crate_dir / "Cargo.lock"
    if written.is_file() and (not target.is_file() or target.read_bytes() != written.read_bytes()):
        target.write_bytes(written.read_bytes())

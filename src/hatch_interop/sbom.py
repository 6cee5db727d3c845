"""The wheel's SBOM (PEP 770): the Rust crates compiled into the library, as a CycloneDX 1.6 JSON document.

The input is ``cargo metadata`` resolved for the build (its features, ``--filter-platform`` for its
target) and the crate's ``Cargo.lock`` (the registry checksums). The document lists the crates *linked
into the library*: the crate itself (the document's subject, ``metadata.component``) and everything
it reaches through normal dependencies. Left out, because none of their code is in the library:
dev-dependencies, build-dependencies (build scripts run at build time) and procedural macros with
their own dependencies (they run inside rustc; what they generate is the crate's own code).

CycloneDX rather than SPDX 2.3: SPDX 2.3 requires a creation timestamp and a unique document
namespace URI in every document, which a reproducible build has no honest value for when
``SOURCE_DATE_EPOCH`` is unset; CycloneDX makes both optional, and has package URLs, hashes and a
dependency graph as first-class fields.

The document is deterministic: components and relationships are sorted, keys too; there is no
absolute path (a path dependency is named relative to the crate's directory); the timestamp is
``SOURCE_DATE_EPOCH`` or absent; the serial number is derived from the content.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple
from urllib.parse import quote

import tomlkit
from tomlkit.exceptions import TOMLKitError

from hatch_interop import __version__

SPEC_VERSION = "1.6"
#: The file name's suffix, as the CycloneDX specification recommends for JSON documents.
SUFFIX = ".cdx.json"
CRATES_IO = "registry+https://github.com/rust-lang/crates.io-index"
_CRATES_IO_SPARSE = "sparse+https://index.crates.io/"

#: (name, version, source) -> sha256 checksum, from ``Cargo.lock``.
Checksums = Dict[Tuple[str, str, str], str]


def read_lock(path: Path) -> Checksums:
    """The checksums a ``Cargo.lock`` records (registry packages only); empty if there is none or it is unreadable."""
    try:
        document = tomlkit.parse(path.read_text(encoding="utf-8")).unwrap()
    except (OSError, UnicodeDecodeError, TOMLKitError):
        return {}
    checksums: Checksums = {}
    for package in document.get("package", []):
        if isinstance(package, dict) and all(isinstance(package.get(k), str) for k in ("name", "version", "checksum")):
            checksums[(package["name"], package["version"], str(package.get("source", "")))] = package["checksum"]
    return checksums


def file_name(crate: str) -> str:
    """``sample_crate`` -> ``sample_crate.cdx.json``, the name in ``*.dist-info/sboms/``."""
    return f"{crate}{SUFFIX}"


def linked_packages(metadata: Mapping[str, Any], root: str) -> Dict[str, List[str]]:
    """The packages linked into `root`'s library: package id -> the ids of its linked dependencies (sorted).

    Follows normal dependencies only (a dependency declared both normal and build counts as normal),
    and not into procedural macros.
    """
    packages = {p["id"]: p for p in metadata.get("packages", [])}
    nodes = {n["id"]: n for n in (metadata.get("resolve") or {}).get("nodes", [])}
    graph: Dict[str, List[str]] = {}
    pending = [root]
    while pending:
        current = pending.pop()
        if current in graph:
            continue
        deps = set()
        for dep in nodes.get(current, {}).get("deps", []):
            kinds = dep.get("dep_kinds") or [{"kind": None}]
            if not any(kind.get("kind") is None for kind in kinds):
                continue  # dev- and build-dependencies
            if dep["pkg"] not in packages or _is_proc_macro(packages[dep["pkg"]]):
                continue
            deps.add(dep["pkg"])
        graph[current] = sorted(deps)
        pending.extend(graph[current])
    return graph


def _is_proc_macro(package: Mapping[str, Any]) -> bool:
    return any("proc-macro" in target.get("kind", []) for target in package.get("targets", []))


def _component(package: Mapping[str, Any], crate_dir: Path, checksums: Checksums) -> Dict[str, Any]:
    name, version = package["name"], package["version"]
    source = package.get("source")
    purl = f"pkg:cargo/{quote(name)}@{quote(version)}"
    properties: List[Dict[str, str]] = []
    component: Dict[str, Any] = {"type": "library", "name": name, "version": version}
    if source is None:
        properties.append({"name": "cargo:source-kind", "value": "path"})
        properties.append({"name": "cargo:path", "value": _relative(Path(package["manifest_path"]).parent, crate_dir)})
    elif source.startswith("git+"):
        url, _, commit = source[len("git+") :].partition("#")
        repository = url.split("?", 1)[0]
        purl += f"?vcs_url={quote(f'git+{repository}@{commit}', safe=':/@')}"
        component["externalReferences"] = [{"type": "vcs", "url": f"git+{repository}#{commit}"}]
        properties.append({"name": "cargo:source-kind", "value": "git"})
        properties.append({"name": "cargo:source", "value": source})
        properties.append({"name": "cargo:git-commit", "value": commit})
    else:
        properties.append({"name": "cargo:source-kind", "value": "registry"})
        properties.append({"name": "cargo:source", "value": source})
        if source not in (CRATES_IO, _CRATES_IO_SPARSE):
            registry = source.split("+", 1)[-1]
            purl += f"?repository_url={quote(registry, safe=':/')}"
        checksum = checksums.get((name, version, source))
        if checksum:
            component["hashes"] = [{"alg": "SHA-256", "content": checksum}]
    component["purl"] = purl
    licenses = _licenses(package)
    if licenses:
        component["licenses"] = licenses
    component["properties"] = sorted(properties, key=lambda p: p["name"])
    return component


def _locator(package: Mapping[str, Any], crate_dir: Path) -> str:
    """Where a package comes from, without an absolute path: ``path:../x``, ``registry:<source>``, ``git:<source>``."""
    source = package.get("source")
    if source is None:
        return f"path:{_relative(Path(package['manifest_path']).parent, crate_dir)}"
    return f"{'git' if source.startswith('git+') else 'registry'}:{source}"


def _licenses(package: Mapping[str, Any]) -> List[Dict[str, Any]]:
    if package.get("license"):
        return [{"expression": package["license"]}]
    license_file = package.get("license_file")
    if license_file:
        # The file as the crate's manifest names it (relative to it); never an absolute path.
        named = license_file.replace("\\", "/")
        if posixpath.isabs(named) or os.path.isabs(license_file):
            named = posixpath.basename(named)
        return [{"license": {"name": f"See the file {named} in the crate's sources"}}]
    return []


def _relative(path: Path, crate_dir: Path) -> str:
    """`path` relative to the crate's directory, POSIX style (``../rust_helper``); never absolute."""
    try:
        return Path(os.path.relpath(path, crate_dir)).as_posix()
    except ValueError:  # another drive on Windows
        return path.name


def document(
    metadata: Mapping[str, Any],
    root: str,
    crate_dir: Path,
    checksums: Checksums,
    *,
    epoch: Optional[int] = None,
    target: str = "",
) -> Dict[str, Any]:
    """The CycloneDX document for the library of package `root` (a package id of `metadata`)."""
    packages = {p["id"]: p for p in metadata.get("packages", [])}
    graph = linked_packages(metadata, root)
    components = {pid: _component(packages[pid], crate_dir, checksums) for pid in graph}
    # bom-refs: the package URL, unless two packages share one (a crates.io crate and a path crate of
    # the same name and version): then the source kind and place tell them apart.
    refs: Dict[str, str] = {}
    by_purl: Dict[str, List[str]] = {}
    for pid, component in components.items():
        by_purl.setdefault(component["purl"], []).append(pid)
    for purl, pids in by_purl.items():
        for pid in pids:
            if len(pids) == 1:
                refs[pid] = purl
            else:
                refs[pid] = f"{purl}#{_locator(packages[pid], crate_dir)}"
    for pid, component in components.items():
        component["bom-ref"] = refs[pid]
    subject = components.pop(root)
    subject["type"] = "library"
    subject["properties"] = [p for p in subject["properties"] if p["name"] not in ("cargo:source-kind", "cargo:path")]
    nodes = {n["id"]: n for n in (metadata.get("resolve") or {}).get("nodes", [])}
    features = sorted(nodes.get(root, {}).get("features", []))
    if features:
        subject["properties"].append({"name": "cargo:features", "value": ",".join(features)})
    if target:
        subject["properties"].append({"name": "cargo:target", "value": target})
    subject["properties"].sort(key=lambda p: p["name"])
    if not subject["properties"]:
        del subject["properties"]
    meta: Dict[str, Any] = {
        "component": subject,
        "tools": {"components": [{"type": "application", "name": "hatch-interop", "version": __version__}]},
    }
    if epoch is not None:
        meta["timestamp"] = datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    doc: Dict[str, Any] = {
        "bomFormat": "CycloneDX",
        "specVersion": SPEC_VERSION,
        "version": 1,
        "metadata": meta,
        "components": sorted(components.values(), key=lambda c: c["bom-ref"]),
        "dependencies": sorted(
            ({"ref": refs[pid], "dependsOn": sorted(refs[d] for d in deps)} for pid, deps in graph.items()),
            key=lambda d: d["ref"],
        ),
    }
    # A serial number that names this content: the same build gives the same one, another build another.
    digest = hashlib.sha256(render(doc).encode("utf-8")).hexdigest()
    doc["serialNumber"] = f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'urn:hatch-interop:sbom:sha256:{digest}')}"
    return doc


def render(doc: Mapping[str, Any]) -> str:
    """The document as the wheel holds it: sorted keys, two-space indents, a final newline."""
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write(
    metadata: Mapping[str, Any],
    root: str,
    crate_dir: Path,
    directory: Path,
    *,
    epoch: Optional[int] = None,
    target: str = "",
) -> Path:
    """Write the SBOM of `root`'s library into `directory`; the file written (``<crate>.cdx.json``).

    Checksums come from the workspace's ``Cargo.lock`` (``workspace_root`` of `metadata`).
    """
    checksums = read_lock(Path(metadata["workspace_root"]) / "Cargo.lock")
    doc = document(metadata, root, crate_dir, checksums, epoch=epoch, target=target)
    name = next(p["name"] for p in metadata["packages"] if p["id"] == root)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / file_name(name)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(render(doc))
    return path

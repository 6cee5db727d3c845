"""The SBOM (sbom.py): from `cargo metadata` and Cargo.lock to a deterministic CycloneDX 1.6 document."""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Dict, List, Optional

import pytest

from hatch_interop import __version__, cargo, sbom
from hatch_interop.config import InteropConfig
from hatch_interop.frontends.hatch import InteropBuildHook

CRATES_IO = "registry+https://github.com/rust-lang/crates.io-index"
COMMIT = "0123456789abcdef0123456789abcdef01234567"
GIT = f"git+https://github.com/example/gitdep?branch=main#{COMMIT}"
GIT_PURL = f"pkg:cargo/gitdep@0.3.0?vcs_url=git%2Bhttps://github.com/example/gitdep@{COMMIT}"
OTHER_REGISTRY = "sparse+https://registry.example.com/index/"
#: Where the machine that ran `cargo metadata` had the crate: no trace of it may reach the document.
BASE = "/home/someone/work"


def package(
    name: str,
    version: str,
    source: Optional[str],
    *,
    path: str = "",
    license: Optional[str] = "MIT",
    license_file: Optional[str] = None,
    kind: str = "lib",
) -> Dict[str, Any]:
    manifest = f"{BASE}/{path or name}/Cargo.toml"
    ident = f"{source}#{name}@{version}" if source else f"path+file://{BASE}/{path or name}#{name}@{version}"
    return {
        "id": ident,
        "name": name,
        "version": version,
        "source": source,
        "license": license,
        "license_file": license_file,
        "manifest_path": manifest,
        "targets": [{"kind": [kind], "name": name.replace("-", "_")}],
    }


def dep(target: Dict[str, Any], *kinds: Optional[str]) -> Dict[str, Any]:
    return {
        "name": target["name"].replace("-", "_"),
        "pkg": target["id"],
        "dep_kinds": [{"kind": kind, "target": None} for kind in (kinds or (None,))],
    }


ROOT = package("my_crate", "0.1.0", None, path="project", license=None, kind="cdylib")
HELPER = package("hatch-interop", "0.1.0", None, path="rust_helper", license="MIT OR Apache-2.0")
MACROS = package("hatch-interop-macros", "0.1.0", None, path="rust_helper/macros", kind="proc-macro")
SYN = package("syn", "2.0.1", CRATES_IO)
TOKIO = package("tokio", "1.40.0", CRATES_IO)
PIN = package("pin-project-lite", "0.2.14", CRATES_IO, license="Apache-2.0 OR MIT")
GITDEP = package("gitdep", "0.3.0", GIT, license=None, license_file="LICENSE.txt")
PRIVATE = package("private", "1.0.0", OTHER_REGISTRY)
CC = package("cc", "1.1.0", CRATES_IO)
PROPTEST = package("proptest", "1.5.0", CRATES_IO)
BOTH = package("both", "0.1.0", CRATES_IO)

CHECKSUMS = {
    ("tokio", "1.40.0", CRATES_IO): "a" * 64,
    ("pin-project-lite", "0.2.14", CRATES_IO): "b" * 64,
    ("private", "1.0.0", OTHER_REGISTRY): "c" * 64,
    ("both", "0.1.0", CRATES_IO): "d" * 64,
}


def metadata() -> Dict[str, Any]:
    """`cargo metadata` of a crate with a path dependency (the helper, with a proc-macro crate), crates.io
    crates, a git crate, a crate of another registry, a build-dependency, a dev-dependency, and a crate
    that is both a normal and a build-dependency."""
    nodes = [
        (
            ROOT,
            [dep(HELPER), dep(GITDEP), dep(PRIVATE), dep(CC, "build"), dep(PROPTEST, "dev"), dep(BOTH, None, "build")],
        ),
        (HELPER, [dep(MACROS), dep(TOKIO)]),
        (MACROS, [dep(SYN)]),
        (SYN, []),
        (TOKIO, [dep(PIN)]),
        (PIN, []),
        (GITDEP, []),
        (PRIVATE, [dep(TOKIO)]),
        (CC, []),
        (PROPTEST, []),
        (BOTH, []),
    ]
    return {
        "packages": [p for p, _ in reversed(nodes)],
        "workspace_root": f"{BASE}/project",
        "target_directory": f"{BASE}/project/target",
        "resolve": {
            "root": ROOT["id"],
            "nodes": [
                {"id": p["id"], "deps": deps, "features": ["default", "fast"] if p is ROOT else []} for p, deps in nodes
            ],
        },
    }


def build(epoch: Optional[int] = None) -> Dict[str, Any]:
    return sbom.document(
        metadata(), ROOT["id"], Path(f"{BASE}/project"), CHECKSUMS, epoch=epoch, target="x86_64-unknown-linux-gnu"
    )


def by_name(doc: Dict[str, Any]) -> Dict[str, Dict[str, Any]]:
    return {c["name"]: c for c in doc["components"]}


def properties(component: Dict[str, Any]) -> Dict[str, str]:
    return {p["name"]: p["value"] for p in component.get("properties", [])}


def test_lists_exactly_the_crates_linked_into_the_library() -> None:
    """Normal dependencies, transitively; not dev- or build-dependencies, nor proc-macros and what they use."""
    assert sorted(by_name(build())) == ["both", "gitdep", "hatch-interop", "pin-project-lite", "private", "tokio"]


def test_the_crate_is_the_subject() -> None:
    subject = build()["metadata"]["component"]
    assert subject == {
        "bom-ref": "pkg:cargo/my_crate@0.1.0",
        "name": "my_crate",
        "version": "0.1.0",
        "purl": "pkg:cargo/my_crate@0.1.0",
        "type": "library",
        "properties": [
            {"name": "cargo:features", "value": "default,fast"},
            {"name": "cargo:target", "value": "x86_64-unknown-linux-gnu"},
        ],
    }


def test_registry_crates_have_purl_license_and_checksum() -> None:
    tokio = by_name(build())["tokio"]
    assert tokio["purl"] == tokio["bom-ref"] == "pkg:cargo/tokio@1.40.0"
    assert tokio["licenses"] == [{"expression": "MIT"}]
    assert tokio["hashes"] == [{"alg": "SHA-256", "content": "a" * 64}]
    assert properties(tokio) == {"cargo:source-kind": "registry", "cargo:source": CRATES_IO}
    assert by_name(build())["pin-project-lite"]["licenses"] == [{"expression": "Apache-2.0 OR MIT"}]


def test_another_registry_is_named_in_the_purl() -> None:
    private = by_name(build())["private"]
    assert private["purl"] == "pkg:cargo/private@1.0.0?repository_url=https://registry.example.com/index/"
    assert private["hashes"] == [{"alg": "SHA-256", "content": "c" * 64}]


def test_git_crates_carry_their_commit_and_no_checksum() -> None:
    gitdep = by_name(build())["gitdep"]
    commit = COMMIT
    assert gitdep["purl"] == f"pkg:cargo/gitdep@0.3.0?vcs_url=git%2Bhttps://github.com/example/gitdep@{commit}"
    assert gitdep["externalReferences"] == [{"type": "vcs", "url": f"git+https://github.com/example/gitdep#{commit}"}]
    assert properties(gitdep) == {"cargo:source-kind": "git", "cargo:source": GIT, "cargo:git-commit": commit}
    assert "hashes" not in gitdep
    # No license expression: the license file the manifest names is pointed at.
    assert gitdep["licenses"] == [{"license": {"name": "See the file LICENSE.txt in the crate's sources"}}]


def test_path_crates_are_named_relative_to_the_crate() -> None:
    helper = by_name(build())["hatch-interop"]
    assert properties(helper) == {"cargo:source-kind": "path", "cargo:path": "../rust_helper"}
    assert "hashes" not in helper
    assert helper["licenses"] == [{"expression": "MIT OR Apache-2.0"}]


def test_no_absolute_path_anywhere() -> None:
    text = sbom.render(build())
    assert BASE not in text and "file://" not in text
    absolute = package("odd", "1.0.0", None, path="odd", license=None, license_file=f"{BASE}/odd/LICENSE")
    meta = metadata()
    meta["packages"].append(absolute)
    meta["resolve"]["nodes"][0]["deps"].append(dep(absolute))
    meta["resolve"]["nodes"].append({"id": absolute["id"], "deps": [], "features": []})
    text = sbom.render(sbom.document(meta, ROOT["id"], Path(f"{BASE}/project"), CHECKSUMS))
    assert BASE not in text
    assert "See the file LICENSE in the crate's sources" in text


def test_dependency_relationships() -> None:
    dependencies = {d["ref"]: d["dependsOn"] for d in build()["dependencies"]}
    assert dependencies == {
        "pkg:cargo/my_crate@0.1.0": [
            "pkg:cargo/both@0.1.0",
            GIT_PURL,
            "pkg:cargo/hatch-interop@0.1.0",
            "pkg:cargo/private@1.0.0?repository_url=https://registry.example.com/index/",
        ],
        "pkg:cargo/hatch-interop@0.1.0": ["pkg:cargo/tokio@1.40.0"],
        "pkg:cargo/tokio@1.40.0": ["pkg:cargo/pin-project-lite@0.2.14"],
        "pkg:cargo/private@1.0.0?repository_url=https://registry.example.com/index/": ["pkg:cargo/tokio@1.40.0"],
        "pkg:cargo/pin-project-lite@0.2.14": [],
        GIT_PURL: [],
        "pkg:cargo/both@0.1.0": [],
    }


def test_same_name_and_version_from_two_sources_get_distinct_refs() -> None:
    local = package("tokio", "1.40.0", None, path="vendor/tokio")
    meta = metadata()
    meta["packages"].append(local)
    meta["resolve"]["nodes"][0]["deps"].append(dep(local))
    meta["resolve"]["nodes"].append({"id": local["id"], "deps": [], "features": []})
    doc = sbom.document(meta, ROOT["id"], Path(f"{BASE}/project"), CHECKSUMS)
    refs = sorted(c["bom-ref"] for c in doc["components"] if c["name"] == "tokio")
    assert refs == ["pkg:cargo/tokio@1.40.0#path:../vendor/tokio", f"pkg:cargo/tokio@1.40.0#registry:{CRATES_IO}"]
    assert len({d["ref"] for d in doc["dependencies"]}) == len(doc["dependencies"])


def test_deterministic_and_sorted() -> None:
    first = sbom.render(build())
    shuffled = metadata()
    shuffled["packages"].reverse()
    shuffled["resolve"]["nodes"].reverse()
    for node in shuffled["resolve"]["nodes"]:
        node["deps"].reverse()
    again = sbom.render(
        sbom.document(shuffled, ROOT["id"], Path(f"{BASE}/project"), CHECKSUMS, target="x86_64-unknown-linux-gnu")
    )
    assert first == again
    doc = json.loads(first)
    refs = [c["bom-ref"] for c in doc["components"]]
    assert refs == sorted(refs)
    assert [d["ref"] for d in doc["dependencies"]] == sorted(d["ref"] for d in doc["dependencies"])


def test_timestamp_only_from_source_date_epoch() -> None:
    assert "timestamp" not in build()["metadata"]
    assert build(epoch=1700000000)["metadata"]["timestamp"] == "2023-11-14T22:13:20Z"


def test_serial_number_is_derived_from_the_content() -> None:
    serial = build()["serialNumber"]
    assert re.fullmatch(r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", serial)
    assert build()["serialNumber"] == serial
    assert build(epoch=1700000000)["serialNumber"] != serial


def test_valid_cyclonedx_1_6_structure() -> None:
    """The parts of the CycloneDX 1.6 JSON schema the document uses (no schema package is available offline)."""
    doc = build(epoch=0)
    assert set(doc) == {"bomFormat", "specVersion", "version", "serialNumber", "metadata", "components", "dependencies"}
    assert (doc["bomFormat"], doc["specVersion"], doc["version"]) == ("CycloneDX", "1.6", 1)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", doc["metadata"]["timestamp"])
    assert doc["metadata"]["tools"] == {
        "components": [{"type": "application", "name": "hatch-interop", "version": __version__}]
    }
    refs = {doc["metadata"]["component"]["bom-ref"]} | {c["bom-ref"] for c in doc["components"]}
    assert len(refs) == len(doc["components"]) + 1, "bom-refs must be unique"
    components: List[Dict[str, Any]] = [doc["metadata"]["component"], *doc["components"]]
    allowed = {"type", "bom-ref", "name", "version", "purl", "licenses", "hashes", "externalReferences", "properties"}
    for component in components:
        assert set(component) <= allowed, component
        assert component["type"] == "library"
        assert component["purl"].startswith(f"pkg:cargo/{component['name']}@{component['version']}")
        for entry in component.get("licenses", []):
            assert set(entry) in ({"expression"}, {"license"})
            if "license" in entry:
                assert set(entry["license"]) in ({"id"}, {"name"})
        for digest in component.get("hashes", []):
            assert digest["alg"] == "SHA-256" and re.fullmatch(r"[0-9a-f]{64}", digest["content"])
        for reference in component.get("externalReferences", []):
            assert reference["type"] == "vcs" and reference["url"]
        for prop in component.get("properties", []):
            assert set(prop) == {"name", "value"} and isinstance(prop["value"], str)
    for dependency in doc["dependencies"]:
        assert dependency["ref"] in refs and set(dependency["dependsOn"]) <= refs


def test_read_lock(tmp_path: Path) -> None:
    lock = tmp_path / "Cargo.lock"
    lock.write_text(
        "version = 4\n\n"
        '[[package]]\nname = "my_crate"\nversion = "0.1.0"\ndependencies = ["tokio"]\n\n'
        f'[[package]]\nname = "tokio"\nversion = "1.40.0"\nsource = "{CRATES_IO}"\nchecksum = "{"a" * 64}"\n'
    )
    assert sbom.read_lock(lock) == {("tokio", "1.40.0", CRATES_IO): "a" * 64}
    assert sbom.read_lock(tmp_path / "missing.lock") == {}


def test_write_names_the_file_after_the_crate_and_reads_the_lock(tmp_path: Path) -> None:
    meta = metadata()
    meta["workspace_root"] = str(tmp_path)
    (tmp_path / "Cargo.lock").write_text(
        "version = 4\n\n"
        f'[[package]]\nname = "tokio"\nversion = "1.40.0"\nsource = "{CRATES_IO}"\nchecksum = "{"e" * 64}"\n'
    )
    path = sbom.write(meta, ROOT["id"], Path(f"{BASE}/project"), tmp_path / "out", epoch=None)
    assert path == tmp_path / "out" / "my_crate.cdx.json"
    text = path.read_text(encoding="utf-8")
    assert text.endswith("}\n")
    assert by_name(json.loads(text))["tokio"]["hashes"] == [{"alg": "SHA-256", "content": "e" * 64}]
    again = sbom.write(meta, ROOT["id"], Path(f"{BASE}/project"), tmp_path / "again", epoch=None)
    assert again.read_bytes() == path.read_bytes()


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({}, []),
        ({"features": ["fast", "tokio"]}, ["--features", "fast,tokio"]),
        ({"all-features": True, "cargo-args": ["--locked", "--verbose"]}, ["--all-features", "--locked"]),
        ({"no-default-features": True}, ["--no-default-features"]),
    ],
)
def test_cargo_metadata_is_resolved_as_the_build_was(
    options: Dict[str, Any], expected: List[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The build's features and target: what the library holds, not all the crate could hold."""
    seen: List[List[str]] = []

    def fake(cmd: List[str], cwd: Path, what: str) -> str:
        seen.append(list(cmd))
        return "{}"

    monkeypatch.setattr(cargo, "_run_captured", fake)
    crate = cargo.CrateInfo(
        name="my_crate",
        version="0.1.0",
        package_id=ROOT["id"],
        manifest_path=Path("/p/Cargo.toml"),
        lib_name="my_crate",
        bin_names=["inventory"],
    )
    config = InteropConfig.from_mapping({"module": "app._native", **options})
    cargo.resolve_library_dependencies("cargo", crate, config, "x86_64-unknown-linux-gnu")
    base = ["cargo", "metadata", "--format-version", "1", "--manifest-path", "/p/Cargo.toml"]
    assert seen == [[*base, "--filter-platform", "x86_64-unknown-linux-gnu", *expected]]


class _App:
    def __init__(self) -> None:
        self.warnings: List[str] = []

    def display_warning(self, message: str) -> None:
        self.warnings.append(message)


class TestHatchHook:
    """The hook hands the SBOM to hatchling as `sbom_files`, or says why it cannot."""

    def test_sbom_files(self, tmp_path: Path) -> None:
        hook = SimpleNamespace(app=_App())
        build_data: Dict[str, Any] = {"sbom_files": []}
        InteropBuildHook._add_sbom(hook, tmp_path / "my_crate.cdx.json", build_data)  # type: ignore[arg-type]
        assert build_data["sbom_files"] == [str(tmp_path / "my_crate.cdx.json")]
        assert hook.app.warnings == []

    def test_a_hatchling_without_sbom_files_gets_a_warning(self, tmp_path: Path) -> None:
        hook = SimpleNamespace(app=_App())
        build_data: Dict[str, Any] = {}
        InteropBuildHook._add_sbom(hook, tmp_path / "my_crate.cdx.json", build_data)  # type: ignore[arg-type]
        assert build_data == {}
        assert hook.app.warnings == [
            "hatch-interop: this hatchling cannot add an SBOM to the wheel (PEP 770 support came in hatchling "
            '1.28): require "hatchling>=1.28" in [build-system] to ship the Rust crates\' SBOM'
        ]

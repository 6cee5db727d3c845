"""Vendoring path dependencies into the sdist: every manifest that points outside is rewritten."""

from __future__ import annotations

from pathlib import Path

import pytest
import tomlkit

from hatch_interop.config import InteropConfig
from hatch_interop.errors import CrateError
from hatch_interop.sdist import vendor_path_dependencies


def crate(directory: Path, name: str, dependencies: str = "", extra: str = "") -> Path:
    (directory / "src").mkdir(parents=True)
    (directory / "src" / "lib.rs").write_text("")
    (directory / "Cargo.toml").write_text(
        f'[package]\nname = "{name}"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n{dependencies}\n{extra}'
    )
    return directory


def config() -> InteropConfig:
    return InteropConfig.from_mapping({"module": "app._native"})


def test_transitive_and_target_specific_dependencies(tmp_path: Path) -> None:
    crate(tmp_path / "other" / "b", "b")
    crate(tmp_path / "ext" / "a", "a", 'b = { path = "../../other/b" }')
    (tmp_path / "ext" / "a" / "target").mkdir()  # build output is never vendored
    crate(tmp_path / "project" / "inner", "inner")
    project = crate(
        tmp_path / "project",
        "app",
        'a = { path = "../ext/a" }  # keep this comment\ninner = { path = "inner" }',
        "[target.'cfg(unix)'.dependencies]\nb = { path = \"../other/b\" }\n",
    )
    staging = tmp_path / "staging"
    files = vendor_path_dependencies(project, config(), staging)

    assert sorted(files.values()) == ["Cargo.toml", "_rust_deps/a", "_rust_deps/b"]
    root_manifest = next(source for source, target in files.items() if target == "Cargo.toml")
    text = root_manifest.read_text()
    assert "# keep this comment" in text  # the rest of the manifest keeps its formatting
    manifest = tomlkit.parse(text)
    assert manifest["dependencies"]["a"]["path"] == "_rust_deps/a"
    assert manifest["dependencies"]["inner"]["path"] == "inner"  # inside the project: untouched
    assert manifest["target"]["cfg(unix)"]["dependencies"]["b"]["path"] == "_rust_deps/b"
    vendored_a = tomlkit.parse((staging / "_rust_deps" / "a" / "Cargo.toml").read_text())
    assert vendored_a["dependencies"]["b"]["path"] == "../b"
    assert not (staging / "_rust_deps" / "a" / "target").exists()


def test_nothing_outside_means_nothing_to_vendor(tmp_path: Path) -> None:
    crate(tmp_path / "project" / "inner", "inner")
    project = crate(tmp_path / "project", "app", 'inner = { path = "inner" }')
    assert vendor_path_dependencies(project, config(), tmp_path / "staging") == {}


def test_workspace_outside_the_project_is_refused(tmp_path: Path) -> None:
    (tmp_path / "Cargo.toml").write_text('[workspace]\nmembers = ["project"]\nresolver = "2"\n')
    project = crate(tmp_path / "project", "app")
    with pytest.raises(CrateError, match=r"belongs to the cargo workspace at .* outside the project"):
        vendor_path_dependencies(project, config(), tmp_path / "staging")


def test_rewritten_manifests_are_dated_source_date_epoch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A setuptools sdist dates each file by its own time: the manifests we write take SOURCE_DATE_EPOCH."""
    crate(tmp_path / "ext" / "a", "a")
    project = crate(tmp_path / "project", "app", 'a = { path = "../ext/a" }')
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    files = vendor_path_dependencies(project, config(), tmp_path / "staging")
    manifest = next(source for source, target in files.items() if target == "Cargo.toml")
    assert manifest.stat().st_mtime == 1700000000

"""The build pipeline's own steps that need no cargo."""

from __future__ import annotations

import mmap
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from hatch_interop import pipeline
from hatch_interop.cargo import Artifacts, CrateInfo
from hatch_interop.config import InteropConfig
from hatch_interop.inventory import Inventory, load_inventory
from hatch_interop.pipeline import INSTALLED_LIST, BuildOutput, install_in_place, source_root

DATA = Path(__file__).resolve().parent / "data"


def output(files: dict[str, Path], package: str = "app/_native") -> BuildOutput:
    inventory = load_inventory((DATA / "empty.json").read_text(encoding="utf-8"))
    return BuildOutput(files=files, tag="py3-none-any", inventory=inventory, package=package)


def test_editable_files_are_replaced_not_overwritten(tmp_path: Path) -> None:
    """A process that has the old library mapped keeps the old bytes: the new file is renamed over the
    old one (a new inode), never written into it. Overwriting in place crashed running interpreters."""
    build = tmp_path / "build"
    build.mkdir()
    (build / "libapp.so").write_bytes(b"new library")
    tree = tmp_path / "tree"
    (tree / "app" / "_native").mkdir(parents=True)
    old = tree / "app" / "_native" / "libapp.so"
    old.write_bytes(b"old library")
    with open(old, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
        inode = old.stat().st_ino
        written = install_in_place(output({"app/_native/libapp.so": build / "libapp.so"}), tree)
        assert written == [old]
        assert mapped[:] == b"old library"
    assert old.read_bytes() == b"new library"
    assert old.stat().st_ino != inode
    assert sorted(p.name for p in old.parent.iterdir()) == [INSTALLED_LIST, "libapp.so"]  # no partial file left


def test_source_root_follows_the_layout(tmp_path: Path) -> None:
    assert source_root(tmp_path, "app._native") == tmp_path
    (tmp_path / "src" / "app").mkdir(parents=True)
    assert source_root(tmp_path, "app._native") == tmp_path / "src"


def test_editable_installs_leave_the_users_package_alone(tmp_path: Path) -> None:
    """The `py.typed` a wheel adds to the user's top-level package is not written into their source tree."""
    build = tmp_path / "build"
    build.mkdir()
    (build / "py.typed").write_text("")
    (build / "__init__.py").write_text("")
    built = output({"app/py.typed": build / "py.typed", "app/_native/__init__.py": build / "__init__.py"})
    built = BuildOutput(files=built.files, tag=built.tag, inventory=built.inventory, package="app/_native")
    tree = tmp_path / "tree"
    assert install_in_place(built, tree) == [tree / "app" / "_native" / "__init__.py"]
    assert not (tree / "app" / "py.typed").exists()


def test_an_editable_install_removes_what_the_previous_one_wrote_and_this_one_does_not(tmp_path: Path) -> None:
    """Switching cffi from API mode to ABI mode: the extension module `_ffi_cffi.<abi>.so` of the first install
    would be imported before the second's `_ffi_cffi.py` (Python prefers extension modules), so it goes."""
    build = tmp_path / "build"
    build.mkdir()
    for name in ("__init__.py", "_ffi_cffi.cpython-311-x86_64-linux-gnu.so", "_ffi_cffi.py", "libapp.so"):
        (build / name).write_text(name)
    tree = tmp_path / "tree"
    native = tree / "app" / "_native"
    native.mkdir(parents=True)
    (native / "mine.txt").write_text("not written by an install")
    api = ("__init__.py", "_ffi_cffi.cpython-311-x86_64-linux-gnu.so", "libapp.so")
    install_in_place(output({f"app/_native/{n}": build / n for n in api}), tree)
    assert (native / "_ffi_cffi.cpython-311-x86_64-linux-gnu.so").is_file()
    abi = ("__init__.py", "_ffi_cffi.py", "libapp.so")
    install_in_place(output({f"app/_native/{n}": build / n for n in abi}), tree)
    assert sorted(p.name for p in native.iterdir()) == sorted([INSTALLED_LIST, "mine.txt", *abi])
    listed = (native / INSTALLED_LIST).read_text(encoding="utf-8").split()
    assert listed == sorted(f"app/_native/{n}" for n in abi)


def test_a_listing_cannot_make_an_install_remove_files_elsewhere(tmp_path: Path) -> None:
    build = tmp_path / "build"
    build.mkdir()
    (build / "__init__.py").write_text("")
    tree = tmp_path / "tree"
    native = tree / "app" / "_native"
    native.mkdir(parents=True)
    (tree / "app" / "keep.py").write_text("")
    (tree / "outside.py").write_text("")
    (native / INSTALLED_LIST).write_text("app/keep.py\napp/_native/../keep.py\n../outside.py\n")
    install_in_place(output({"app/_native/__init__.py": build / "__init__.py"}), tree)
    assert (tree / "app" / "keep.py").is_file() and (tree / "outside.py").is_file()


@pytest.mark.parametrize(
    ("options", "editable", "expected"),
    [
        ({}, False, ("release", True)),
        ({}, True, ("release", False)),
        ({"editable-profile": "dev"}, True, ("dev", False)),
        ({"editable-profile": "dev"}, False, ("release", True)),
    ],
)
def test_editable_installs_build_with_their_profile_and_no_sbom(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, options: Dict[str, str], editable: bool, expected: Tuple[str, bool]
) -> None:
    """`editable-profile` is the profile of `pip install -e` (the quick rebuild), not of wheels; an editable
    install ships no SBOM, so none is made."""
    built: List[str] = []
    library = tmp_path / "cargo" / "libempty.so"
    library.parent.mkdir()
    library.write_bytes(b"\x7fELF")
    inventory = load_inventory((DATA / "empty.json").read_text(encoding="utf-8"))
    artifacts = Artifacts(library=library, inventory_bin=tmp_path / "inventory")
    crate = CrateInfo("empty", "0.0.1", "empty 0.0.1", tmp_path / "Cargo.toml", "empty", ["inventory"])

    def build_crate(root: Path, config: InteropConfig, check: object) -> Tuple[str, CrateInfo, Artifacts, Inventory]:
        built.append(config.profile)
        return "cargo", crate, artifacts, inventory

    monkeypatch.setattr(pipeline, "_build_crate", build_crate)
    monkeypatch.setattr(pipeline.cargo, "resolve_library_dependencies", lambda *args: {})
    monkeypatch.setattr(pipeline.sbom, "write", lambda *args, **kwargs: tmp_path / "sbom.json")
    monkeypatch.setattr(pipeline, "check_platform_tag", lambda *args: None)
    config = InteropConfig.from_mapping({"module": "empty._native", "platform-tag": "linux_x86_64", **options})
    (tmp_path / "staging").mkdir()
    result = pipeline.build_bindings(tmp_path, config, tmp_path / "staging", warn=pytest.fail, editable=editable)
    assert (built[0], result.sbom is not None) == expected


def test_build_steps_may_keep_what_they_made_in_cargos_target_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The backends' context names a cache inside cargo's target directory (none when it is not known)."""
    library = tmp_path / "cargo" / "libempty.so"
    library.parent.mkdir()
    library.write_bytes(b"\x7fELF")
    inventory = load_inventory((DATA / "empty.json").read_text(encoding="utf-8"))
    crate = CrateInfo("empty", "0.0.1", "empty 0.0.1", tmp_path / "Cargo.toml", "empty", ["inventory"])
    made: List[object] = []
    real_instantiate = pipeline.instantiate

    def instantiate(*args: object) -> object:
        backends = real_instantiate(*args)  # type: ignore[arg-type]
        made.extend(backend.context.cache for backend in backends)
        return backends

    monkeypatch.setattr(pipeline, "instantiate", instantiate)
    monkeypatch.setattr(pipeline.cargo, "resolve_library_dependencies", lambda *args: {})
    monkeypatch.setattr(pipeline.sbom, "write", lambda *args, **kwargs: tmp_path / "sbom.json")
    monkeypatch.setattr(pipeline, "check_platform_tag", lambda *args: None)
    config = InteropConfig.from_mapping({"module": "empty._native", "platform-tag": "linux_x86_64"})
    for target_dir, expected in [(tmp_path / "target", tmp_path / "target" / "hatch-interop" / "cache"), (None, None)]:
        artifacts = Artifacts(library=library, inventory_bin=tmp_path / "inventory", target_dir=target_dir)
        monkeypatch.setattr(pipeline, "_build_crate", lambda *args, a=artifacts: ("cargo", crate, a, inventory))
        staging = tmp_path / f"staging-{len(made)}"
        staging.mkdir()
        pipeline.build_bindings(tmp_path, config, staging, warn=pytest.fail)
        assert made[-1] == expected

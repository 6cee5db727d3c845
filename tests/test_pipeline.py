"""The build pipeline's own steps that need no cargo."""

from __future__ import annotations

import mmap
from pathlib import Path

from hatch_interop.inventory import load_inventory
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

"""Backends are real plugins: found through the `hatch_interop.backends` entry-point group.

Each test installs a small third-party backend the way pip would (a module and its .dist-info
directory on sys.path), so discovery runs through importlib.metadata exactly as in a user's build.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path
from typing import Iterator

import pytest

from hatch_interop.backend import available_backends, resolve_backends
from hatch_interop.config import InteropConfig
from hatch_interop.errors import BackendError
from hatch_interop.inventory import load_inventory
from hatch_interop.pipeline import generate

DATA = Path(__file__).resolve().parent / "data"

PLUGIN = """
from hatch_interop.backend import Backend, GeneratedFile


class ListingBackend(Backend):
    PLUGIN_NAME = "{name}"

    def generate(self, inventory):
        names = "\\n".join(f.name for f in inventory.functions)
        return [GeneratedFile("{path}", names + "\\n")]
"""


@pytest.fixture
def install_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    def install(dist: str, entry_name: str, source: str, target: str = "ListingBackend") -> None:
        module = f"{dist}_module"
        (tmp_path / f"{module}.py").write_text(textwrap.dedent(source))
        info = tmp_path / f"{dist}-1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
        (info / "entry_points.txt").write_text(f"[hatch_interop.backends]\n{entry_name} = {module}:{target}\n")

    monkeypatch.syspath_prepend(str(tmp_path))
    yield install
    for name in [n for n in sys.modules if n.endswith("_module")]:
        del sys.modules[name]


def config(*backends: str) -> InteropConfig:
    return InteropConfig.from_mapping({"module": "sample_crate._native", "backends": list(backends)})


def sample() -> object:
    return load_inventory((DATA / "sample_inventory.json").read_text(encoding="utf-8"))


def test_builtin_backends_are_plugins_too() -> None:
    assert {"ctypes", "c"} <= set(available_backends())


def test_third_party_backend_is_found_and_runs(install_plugin) -> None:  # type: ignore[no-untyped-def]
    install_plugin("listing", "listing", PLUGIN.format(name="listing", path="functions.txt"))
    assert [cls.PLUGIN_NAME for cls in resolve_backends(["ctypes", "listing"])] == ["ctypes", "listing"]
    files = generate(sample(), config("ctypes", "listing"), "libsample_crate.so")  # type: ignore[arg-type]
    assert [(backend, f.path) for backend, f in files] == [("ctypes", "__init__.py"), ("listing", "functions.txt")]
    assert files[1][1].content.startswith("add\nsum_integers\n")


def test_two_backends_writing_one_file(install_plugin) -> None:  # type: ignore[no-untyped-def]
    install_plugin("clash", "clash", PLUGIN.format(name="clash", path="__init__.py"))
    with pytest.raises(BackendError) as e:
        generate(sample(), config("ctypes", "clash"), "libsample_crate.so")  # type: ignore[arg-type]
    assert str(e.value) == (
        "Backends `ctypes` and `clash` both generate '__init__.py': "
        "enable only one of them in option `backends` for build hook `interop`"
    )


def test_backend_escaping_the_package(install_plugin) -> None:  # type: ignore[no-untyped-def]
    install_plugin("escape", "escape", PLUGIN.format(name="escape", path="../evil.py"))
    with pytest.raises(BackendError, match=r"produced the file path '\.\./evil\.py'; paths must be relative"):
        generate(sample(), config("escape"), "libsample_crate.so")  # type: ignore[arg-type]


def test_plugin_name_must_match_entry_point(install_plugin) -> None:  # type: ignore[no-untyped-def]
    install_plugin("mismatch", "mine", PLUGIN.format(name="theirs", path="x.txt"))
    with pytest.raises(
        BackendError, match=r"Backend `mine` \(mismatch_module:ListingBackend\) has PLUGIN_NAME 'theirs'"
    ):
        available_backends()


def test_broken_plugin_is_named(install_plugin) -> None:  # type: ignore[no-untyped-def]
    install_plugin("broken", "broken", "raise RuntimeError('no luck')\n")
    with pytest.raises(
        BackendError, match=r"Backend `broken` \(broken_module:ListingBackend\) failed to import: RuntimeError: no luck"
    ):
        available_backends()


def test_unknown_backend_lists_what_exists() -> None:
    with pytest.raises(BackendError) as e:
        resolve_backends(["cffi"])
    assert "Unknown backend `cffi` in option `backends` for build hook `interop`." in str(e.value)
    assert "Available backends: c, ctypes." in str(e.value)

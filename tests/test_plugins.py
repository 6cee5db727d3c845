"""Backends are real plugins: found through the `hatch_interop.backends` entry-point group.

Each test installs a small third-party backend the way pip would (a module and its .dist-info
directory on sys.path), so discovery runs through importlib.metadata exactly as in a user's build.
"""

from __future__ import annotations

import hashlib
import json
import sys
import textwrap
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest
from support import build_env, one, read_from_wheel, run, wheel_names

from hatch_interop import constructs
from hatch_interop.backend import (
    Backend,
    BackendContext,
    GeneratedFile,
    available_backends,
    backend_options,
    resolve_backends,
)
from hatch_interop.config import InteropConfig
from hatch_interop.errors import BackendError, ConfigError
from hatch_interop.inventory import Inventory, load_inventory
from hatch_interop.pipeline import combined_tag, generate, run_build_steps
from hatch_interop.tags import wheel_tag

DATA = Path(__file__).resolve().parent / "data"

PLUGIN = """
from hatch_interop import constructs
from hatch_interop.backend import Backend, GeneratedFile


class ListingBackend(Backend):
    PLUGIN_NAME = "{name}"
    SUPPORTS = constructs.ALL

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
    assert [(backend, f.path) for backend, f in files] == [
        ("ctypes", "__init__.py"),
        ("ctypes", "_ffi_runtime.py"),
        ("ctypes", "_ffi_ctypes_runtime.py"),
        ("listing", "functions.txt"),
    ]
    assert files[-1][1].content.startswith(
        "add\nspin\nspin_holding\nfnv1a\nslice_address\nhasher_feed\nhasher_length\nhasher_finish\nhasher_for\n"
    )


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
        resolve_backends(["cfi"])
    assert "Unknown backend `cfi` in option `backends` for build hook `interop`." in str(e.value)
    assert "Available backends: c, cffi, cpython, ctypes." in str(e.value)


# ---------------------------------------------------------------------------------------------
# What a backend declares: the constructs it supports, its options, a build step, the wheel tag
# ---------------------------------------------------------------------------------------------

PARTIAL = """
from hatch_interop.backend import Backend, GeneratedFile


class PartialBackend(Backend):
    PLUGIN_NAME = "partial"
    SUPPORTS = frozenset({supports})

    def generate(self, inventory):
        return [GeneratedFile("partial.txt", "")]
"""


def test_a_construct_the_backend_lacks_stops_the_build(install_plugin) -> None:  # type: ignore[no-untyped-def]
    everything_but_async = ", ".join(repr(c) for c in constructs.CONSTRUCTS if c != "async")
    install_plugin("partial", "partial", PARTIAL.format(supports="{" + everything_but_async + "}"), "PartialBackend")
    with pytest.raises(BackendError) as e:
        generate(sample(), config("ctypes", "partial"), "libsample_crate.so")  # type: ignore[arg-type]
    assert str(e.value) == (
        "Backend `partial` does not support async functions, which crate `sample_crate` uses (function "
        "`double_later`). Remove `partial` from option `backends` or leave the construct out of the crate's "
        "inventory. Backends that support them: c, cffi, cpython, ctypes."
    )


def test_every_construct_missing_is_listed(install_plugin) -> None:  # type: ignore[no-untyped-def]
    install_plugin("partial", "partial", PARTIAL.format(supports="{'constants'}"), "PartialBackend")
    with pytest.raises(BackendError) as e:
        generate(sample(), config("partial"), "libsample_crate.so")  # type: ignore[arg-type]
    assert "does not support `#[repr(C)]` structs (and references to and boxes of structs" in str(e.value)
    assert "services (`#[ffi_service]`)" in str(e.value)


def test_a_backend_that_declares_nothing_supports_nothing(install_plugin) -> None:  # type: ignore[no-untyped-def]
    install_plugin("listing", "listing", PLUGIN.format(name="listing", path="x.txt").replace("constructs.ALL", "set()"))
    with pytest.raises(BackendError, match=r"Backend `listing` does not support constants"):
        generate(sample(), config("listing"), "libsample_crate.so")  # type: ignore[arg-type]


def test_unknown_constructs_in_supports_are_refused(install_plugin) -> None:  # type: ignore[no-untyped-def]
    install_plugin("partial", "partial", PARTIAL.format(supports="{'generics'}"), "PartialBackend")
    with pytest.raises(BackendError, match=r"declares support for unknown construct\(s\) generics"):
        generate(sample(), config("partial"), "libsample_crate.so")  # type: ignore[arg-type]


def test_constructs_used_by_the_sample_crate() -> None:
    used = constructs.used(sample())  # type: ignore[arg-type]
    # The reference crate exercises every construct.
    assert set(used) == constructs.ALL
    assert used["services"] == "service `Hasher`"  # the first one


OPTIONED = """
from hatch_interop import constructs
from hatch_interop.backend import Backend, GeneratedFile, Option


class OptionedBackend(Backend):
    PLUGIN_NAME = "optioned"
    SUPPORTS = constructs.ALL
    OPTIONS = (
        Option("mode", "string", "abi", "How to call the library.", choices=("abi", "api")),
        Option("verbose", "boolean", False, "Say more."),
    )

    def generate(self, inventory):
        return [GeneratedFile("options.txt", repr(sorted(self.context.options.items())))]
"""


def optioned(table: Dict[str, Any]) -> str:
    raw = {"module": "sample_crate._native", "backends": ["optioned"], "optioned": table}
    files = generate(sample(), InteropConfig.from_mapping(raw), "libsample_crate.so")  # type: ignore[arg-type]
    return files[0][1].content


def test_backend_options_reach_the_backend(install_plugin) -> None:  # type: ignore[no-untyped-def]
    install_plugin("optioned", "optioned", OPTIONED, "OptionedBackend")
    assert optioned({}) == "[('mode', 'abi'), ('verbose', False)]"
    assert optioned({"mode": "api"}) == "[('mode', 'api'), ('verbose', False)]"


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            {"mood": "api"},
            "Unknown option `mood` for backend `optioned`. Did you mean `mode`? Valid options: mode, verbose.",
        ),
        ({"mode": "apl"}, "Option `mode` for backend `optioned` must be one of `abi`, `api`; got 'apl'. Did you mean"),
        ({"verbose": "yes"}, "Option `verbose` for backend `optioned` must be a boolean; got 'yes'"),
    ],
)
def test_backend_options_are_validated(install_plugin, table: Dict[str, Any], message: str) -> None:  # type: ignore[no-untyped-def]
    install_plugin("optioned", "optioned", OPTIONED, "OptionedBackend")
    with pytest.raises(ConfigError) as e:
        optioned(table)
    assert str(e.value).startswith(message)


def test_a_table_for_a_backend_not_enabled_is_an_error() -> None:
    with pytest.raises(ConfigError) as e:
        InteropConfig.from_mapping({"module": "m", "cffi": {"mode": "api"}})
    assert str(e.value) == (
        "The table [tool.hatch.build.hooks.interop.cffi] configures backend `cffi`, which option `backends` does "
        "not enable (ctypes): add `cffi` to `backends` or remove the table."
    )


def test_a_backend_without_options_refuses_a_table() -> None:
    cls = resolve_backends(["c"])[0]
    with pytest.raises(ConfigError, match=r"Unknown option `mode` for backend `c`. Backend `c` has no options."):
        backend_options(cls, InteropConfig.from_mapping({"module": "m", "backends": ["c"], "c": {"mode": "x"}}))


class _Built(Backend):
    PLUGIN_NAME = "built"
    SUPPORTS = constructs.ALL

    def __init__(self, made: List[str], claims: List[str], tag: Optional[Tuple[str, str]] = None) -> None:
        super().__init__(BackendContext("m", "libm.so", "0"))
        self.made, self.claims, self.tag = made, claims, tag

    def generate(self, inventory: Inventory) -> List[GeneratedFile]:
        return []

    def build(self, directory: Path, library: Path) -> List[str]:
        assert library.is_file() and library.parent == directory
        for rel in self.made:
            (directory / rel).write_bytes(library.read_bytes()[:4])
        return self.claims

    def wheel_tag(self) -> Optional[Tuple[str, str]]:
        return self.tag


def _build_steps(tmp_path: Path, *backends: Backend) -> Dict[str, Path]:
    (tmp_path / "libm.so").write_bytes(b"\x7fELF")
    (tmp_path / "__init__.py").write_text("")
    generated = [("ctypes", GeneratedFile("__init__.py", ""))]
    return run_build_steps(backends, generated, tmp_path, tmp_path / "libm.so")


def test_a_build_step_ships_what_it_made(tmp_path: Path) -> None:
    assert _build_steps(tmp_path, _Built(["_ext.so"], ["_ext.so"])) == {"_ext.so": tmp_path / "_ext.so"}


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        (["missing.so"], "Backend `built` says its build step made 'missing.so', but there is no such file"),
        (["../x.so"], "Backend `built` produced the file path '../x.so'; paths must be relative POSIX paths"),
        (["libm.so"], "Backends `the shared library` and `built` both generate 'libm.so'"),
        (["__init__.py"], "Backends `ctypes` and `built` both generate '__init__.py'"),
    ],
)
def test_a_build_step_claims_only_its_own_files(tmp_path: Path, claims: List[str], message: str) -> None:
    with pytest.raises(BackendError) as e:
        _build_steps(tmp_path, _Built([], claims))
    assert str(e.value).startswith(message)


def test_a_backend_may_set_the_wheel_tag() -> None:
    assert combined_tag([_Built([], [])]) == ("py3", "none")
    assert combined_tag([_Built([], []), _Built([], [], ("cp38", "abi3"))]) == ("cp38", "abi3")
    assert wheel_tag("manylinux_2_17_x86_64", "cp38", "abi3") == "cp38-abi3-manylinux_2_17_x86_64"
    with pytest.raises(BackendError, match=r"The backends need different wheel tags \(`built` needs cp38-abi3 and"):
        combined_tag([_Built([], [], ("cp38", "abi3")), _Built([], [], ("pp39", "pypy39_pp73"))])


# ---------------------------------------------------------------------------------------------
# An out-of-tree backend package, built and used the way a third party's would be
# ---------------------------------------------------------------------------------------------

MANIFEST_PYPROJECT = """\
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "hatch-interop-manifest"
version = "1.0"
dependencies = ["hatch-interop"]

[project.entry-points."hatch_interop.backends"]
manifest = "hatch_interop_manifest:ManifestBackend"
"""

MANIFEST_MODULE = '''\
"""A third-party backend: lists the crate's functions, and digests the built library in a build step."""

import hashlib

from hatch_interop import constructs
from hatch_interop.backend import Backend, GeneratedFile, Option


class ManifestBackend(Backend):
    PLUGIN_NAME = "manifest"
    SUPPORTS = constructs.ALL
    OPTIONS = (Option("algorithm", "string", "sha256", "The digest.", choices=("sha256", "blake2b")),)

    def generate(self, inventory):
        return [GeneratedFile("functions.txt", "".join(f.name + "\\n" for f in inventory.functions))]

    def build(self, directory, library):
        algorithm = self.context.options["algorithm"]
        digest = hashlib.new(algorithm, library.read_bytes()).hexdigest()
        (directory / "library.digest").write_text(f"{algorithm} {digest}\\n")
        return ["library.digest"]
'''

DEMO_CARGO = """\
[package]
name = "demo"
version = "0.1.0"
edition = "2021"

[lib]
crate-type = ["cdylib", "rlib"]
"""

DEMO_PYPROJECT = """\
[build-system]
requires = ["hatchling", "hatch-interop", "hatch-interop-manifest"]
build-backend = "hatchling.build"

[project]
name = "demo"
version = "0.1.0"

[tool.hatch.build.targets.wheel]
packages = ["demo"]

[tool.hatch.build.hooks.interop]
module = "demo._native"
backends = ["ctypes", "manifest"]

[tool.hatch.build.hooks.interop.manifest]
algorithm = "blake2b"
"""


@pytest.mark.e2e
def test_an_out_of_tree_backend_package(wheelhouse: Path, tmp_path: Path) -> None:
    """A backend distribution built from its own pyproject.toml, found by a real isolated PEP 517 build through
    its entry point, given its options table, running a build step next to the library; its files ship."""
    plugin = tmp_path / "plugin"
    (plugin / "hatch_interop_manifest").mkdir(parents=True)
    (plugin / "pyproject.toml").write_text(MANIFEST_PYPROJECT)
    (plugin / "hatch_interop_manifest" / "__init__.py").write_text(MANIFEST_MODULE)
    plugins = tmp_path / "plugins"
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", plugins, plugin])

    demo = tmp_path / "demo"
    (demo / "src" / "bin").mkdir(parents=True)
    (demo / "demo").mkdir()
    (demo / "demo" / "__init__.py").write_text("")
    (demo / "Cargo.toml").write_text(DEMO_CARGO)
    (demo / "pyproject.toml").write_text(DEMO_PYPROJECT)
    (demo / "src" / "lib.rs").write_text('#[no_mangle]\npub extern "C" fn demo_noop() {}\n')
    inventory = json.loads((DATA / "empty.json").read_text())
    inventory["library"] = {k: v.replace("empty", "demo") for k, v in inventory["library"].items()}
    inventory["functions"] = [
        {"name": "noop", "symbol": "demo_noop", "doc": "", "params": [], "returns": {"kind": "void"}, "error": None}
    ]
    literal = json.dumps(json.dumps(inventory))
    (demo / "src" / "bin" / "inventory.rs").write_text(f'fn main() {{ print!("{{}}", {literal}); }}\n')

    out = tmp_path / "out"
    env = build_env(wheelhouse, PIP_FIND_LINKS=f"{wheelhouse} {plugins}")
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", out, demo], env=env)
    wheel = one(sorted(out.glob("demo-*.whl")))
    names = wheel_names(wheel)
    assert "demo/_native/functions.txt" in names
    # The bindings are typed: the user's package, which has no marker of its own, gets one (PEP 561).
    assert "demo/py.typed" in names
    assert read_from_wheel(wheel, "demo/_native/functions.txt") == b"noop\n"
    library = read_from_wheel(wheel, "demo/_native/libdemo.so")
    expected = f"blake2b {hashlib.blake2b(library).hexdigest()}\n"
    assert read_from_wheel(wheel, "demo/_native/library.digest").decode() == expected
    assert wheel.name.endswith("-py3-none-" + wheel.name.rsplit("-", 1)[1])

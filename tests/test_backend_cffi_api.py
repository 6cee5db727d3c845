"""The cffi backend's API mode: `_ffi_cffi` compiled into an extension module that links the library."""

from __future__ import annotations

import dataclasses
import importlib
import importlib.machinery
import importlib.util
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Dict, List

import pytest
from backend_support import INVENTORIES, check_ruff_and_mypy, check_snapshot, context, load, raw_inventory, write
from packaging import tags
from support import (
    RUST_HELPER,
    SAMPLE,
    build_env,
    check_agree,
    copy_tree,
    find_pythons,
    make_venv,
    one,
    read_from_wheel,
    run,
    wheel_names,
)
from test_backend_cffi import CFFI_CRATE, USE_CFFI_CRATE
from test_backend_ctypes import GCC, _compile_library, needs_gcc

from hatch_interop.backend import backend_dependencies, backend_options
from hatch_interop.backends.cffi import CffiBackend, api_mode
from hatch_interop.config import InteropConfig
from hatch_interop.errors import BackendError, ConfigError
from hatch_interop.inventory import Inventory, parse_inventory
from hatch_interop.tags import read_elf

TABLE = "tool.hatch.build.hooks.interop.cffi"


def api_backend(inventory: Inventory, mode: str = "api") -> CffiBackend:
    return CffiBackend(dataclasses.replace(context(inventory), options={"mode": mode}))


def options(table: Dict[str, Any]) -> Dict[str, Any]:
    raw = {"module": "sample_crate._native", "backends": ["cffi"], "cffi": table}
    return backend_options(CffiBackend, InteropConfig.from_mapping(raw))


class TestModeOption:
    def test_abi_by_default(self) -> None:
        assert options({}) == {"mode": "abi"}
        assert not api_backend(load("basic"), "abi").api_mode

    def test_api(self) -> None:
        assert options({"mode": "api"}) == {"mode": "api"}

    def test_another_value_names_the_table_the_value_and_the_choices(self) -> None:
        with pytest.raises(ConfigError) as e:
            options({"mode": "API"})  # values are case-sensitive, as TOML keys are
        assert str(e.value) == (
            f"Option `mode` for backend `cffi` must be one of `abi`, `api`; got 'API'. It is set in [{TABLE}]."
        )

    def test_not_a_string(self) -> None:
        with pytest.raises(ConfigError, match=r"^Option `mode` for backend `cffi` must be a string; got True$"):
            options({"mode": True})


#: The line after which both modes generate the same module.
LOADED = "_ffi_lib = _ffi_load_library()\n"


class TestGeneratedFiles:
    def test_the_module_a_stub_of_the_extension_and_the_runtime(self) -> None:
        files = api_backend(load("sample_inventory")).generate(load("sample_inventory"))
        assert [f.path for f in files] == ["__init__.py", "_ffi_cffi.pyi", "_ffi_runtime.py", "_ffi_cffi_runtime.py"]
        assert "ffi: Any\nlib: Any\n" in files[1].content

    @pytest.mark.parametrize("stem", INVENTORIES)
    def test_matches_snapshot(self, stem: str) -> None:
        # Up to the library's loading: the rest is ABI mode's, which its own snapshots hold (see the next test).
        inventory = load(stem)
        module = api_backend(inventory).generate(inventory)[0]
        head = module.content.split(LOADED, 1)[0] + LOADED
        check_snapshot("cffi", f"api-mode/{stem}", [dataclasses.replace(module, content=head)])

    @pytest.mark.parametrize("stem", INVENTORIES)
    def test_differs_from_abi_mode_only_in_how_it_loads_the_library(self, stem: str) -> None:
        inventory = load(stem)
        abi = api_backend(inventory, "abi").generate(inventory)[0].content
        api = api_backend(inventory).generate(inventory)[0].content
        assert "from ._ffi_cffi import ffi as _ffi\n" in abi and "_ffi.dlopen(" in abi
        assert "from ._ffi_cffi import ffi, lib  # noqa: PLC0415\n" in api and "dlopen" not in api
        assert abi.split(LOADED, 1)[1] == api.split(LOADED, 1)[1]  # everything after loading is the same

    def test_output_is_ruff_clean_and_passes_mypy_strict(self, tmp_path: Path) -> None:
        packages = []
        for stem in INVENTORIES:
            inventory = load(stem)
            packages.append(str(write(api_backend(inventory).generate(inventory), tmp_path / f"gen_{stem}")))
        check_ruff_and_mypy(packages, tmp_path)

    def test_without_cffi_says_what_to_install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        real = importlib.import_module

        def without_cffi(name: str, *args: Any) -> Any:
            if name == "cffi":
                raise ImportError("No module named 'cffi'")
            return real(name, *args)

        monkeypatch.setattr(importlib, "import_module", without_cffi)
        with pytest.raises(BackendError, match=r'add "cffi" to `requires` in the project\'s \[build-system\] table'):
            api_backend(load("basic")).generate(load("basic"))


class TestTag:
    def test_cpython_uses_the_limited_api_of_the_building_version(self) -> None:
        if sys.implementation.name != "cpython" or hasattr(sys, "gettotalrefcount"):
            pytest.skip("a release build of CPython")
        built = api_mode.target()
        minor = sys.version_info[1]
        assert built.tag == (f"cp3{minor}", "abi3")
        assert built.suffix == ".abi3.so" and built.suffix in importlib.machinery.EXTENSION_SUFFIXES
        assert built.limited_api == 0x03000000 + (minor << 16)
        assert api_backend(load("basic")).wheel_tag() == (f"cp3{minor}", "abi3")

    def test_abi_mode_needs_no_particular_python(self) -> None:
        assert api_backend(load("basic"), "abi").wheel_tag() is None
        assert api_backend(load("basic"), "abi").build(Path("unused"), Path("unused/libbasic.so")) == []

    def test_without_a_limited_api_the_interpreters_own_tags(self, monkeypatch: pytest.MonkeyPatch) -> None:
        # A free-threaded CPython has no limited API: the tags and the suffix are the interpreter's own, as PyPy's are.
        real = sysconfig.get_config_var
        monkeypatch.setattr(sysconfig, "get_config_var", lambda name: 1 if name == "Py_GIL_DISABLED" else real(name))
        built = api_mode.target()
        tag = next(iter(tags.sys_tags()))
        assert built.tag == (tag.interpreter, tag.abi) and built.limited_api is None
        assert built.suffix == importlib.machinery.EXTENSION_SUFFIXES[0]

    def test_the_dependency_is_the_same_in_both_modes(self) -> None:
        # The extension imports `_cffi_backend` (and checks its version) as `_ffi_cffi.py` does.
        assert backend_dependencies([CffiBackend]) == ['cffi>=1.15; platform_python_implementation != "PyPy"']


class TestCompilerErrors:
    def test_a_cc_that_does_not_exist(self) -> None:
        with pytest.raises(BackendError) as e:
            api_mode.find_compiler({"CC": "/nonexistent/bin/cc -O2", "PATH": os.environ.get("PATH", "")})
        message = str(e.value)
        assert "the C compiler in the CC environment variable, '/nonexistent/bin/cc', was not found" in message
        assert "`apt-get install gcc` or build-essential" in message
        assert 'ABI mode needs no compiler: remove `mode = "api"` from [tool.hatch.build.hooks.interop.cffi]' in message

    def test_no_compiler_on_the_path(self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        monkeypatch.setattr(sysconfig, "get_config_var", lambda name: "x86_64-linux-gnu-gcc -pthread")
        with pytest.raises(BackendError) as e:
            api_mode.find_compiler({"PATH": str(tmp_path)})
        message = str(e.value)
        assert message.startswith(
            "The cffi backend's API mode compiles an extension module, but there is no C compiler on this machine "
            "(looked for x86_64-linux-gnu-gcc, cc, gcc, clang)."
        )
        assert "point the CC environment variable at one" in message

    def test_the_build_step_stops_without_a_compiler(self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        monkeypatch.setenv("CC", str(tmp_path / "no-such-cc"))
        backend = api_backend(load("basic"))
        backend.generate(load("basic"))
        with pytest.raises(BackendError, match=r"the C compiler in the CC environment variable, .*no-such-cc"):
            backend.build(tmp_path, tmp_path / "libbasic.so")

    def test_the_build_step_needs_generate_first(self, tmp_path: Path) -> None:
        with pytest.raises(BackendError, match=r"runs after generate\(\)"):
            api_backend(load("basic")).build(tmp_path, tmp_path / "libbasic.so")

    def test_missing_python_headers(self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        monkeypatch.setattr(sysconfig, "get_paths", lambda: {"include": str(tmp_path)})
        with pytest.raises(BackendError) as e:
            api_mode.python_include()
        minor = sys.version_info[1]
        assert f"there is no {tmp_path / 'Python.h'}" in str(e.value)
        if sys.implementation.name == "cpython":
            assert f"`apt-get install python3.{minor}-dev`" in str(e.value)
        assert "or build in ABI mode, which needs none" in str(e.value)

    def test_a_failed_compile_is_our_error_with_the_compilers_output(self, tmp_path: Path) -> None:
        compiler = tmp_path / "broken-cc"
        compiler.write_text('#!/bin/sh\necho "_ffi_cffi.c:1:1: error: it\'s broken" >&2\nexit 3\n')
        compiler.chmod(0o755)
        environ = {"CC": str(compiler), "PATH": os.environ.get("PATH", "")}
        with pytest.raises(BackendError) as e:
            api_mode.compile_extension("int x;", tmp_path, tmp_path / "libbasic.so", environ)
        message = str(e.value)
        assert message.startswith(f"The cffi backend's API mode could not compile its extension module: `{compiler} ")
        assert "exited with code 3:\n    _ffi_cffi.c:1:1: error: it's broken\n" in message
        assert e.value.__cause__ is None and e.value.__suppress_context__ is False

    def test_an_unchanged_extension_is_taken_from_the_cache(self, tmp_path: Path) -> None:
        """A build whose source, command, compiler and library are those of an earlier one copies that build's
        extension from the cache instead of compiling (a warm `pip wheel .` compiles nothing); anything changed
        compiles, and the cache keeps the most recently used few."""
        calls = tmp_path / "calls"
        compiler = tmp_path / "fake-cc"
        # Writes which compile this is into the output (`-o NAME`), in its working directory.
        compiler.write_text(
            f'#!/bin/sh\necho "$@" >> "{calls}"\nwhile [ "$1" != "-o" ]; do shift; done\nwc -l < "{calls}" > "$2"\n'
        )
        compiler.chmod(0o755)
        environ = {"CC": str(compiler), "PATH": os.environ.get("PATH", "")}
        library = tmp_path / "libbasic.so"
        library.write_bytes(b"the library, first build")
        cache = tmp_path / "target" / "hatch-interop" / "cache"

        def build(source: str, use_cache: bool = True) -> int:
            # A staging directory of its own each time, holding a copy of the library, as a build's does.
            directory = Path(tempfile.mkdtemp(dir=tmp_path))
            shutil.copy(library, directory / library.name)
            name = api_mode.compile_extension(
                source, directory, directory / library.name, environ, cache=cache if use_cache else None
            )
            return int((directory / name).read_text())

        assert build("int x;") == 1
        assert build("int x;") == 1  # the cache's: not compiled again
        assert build("int y;") == 2  # another source
        assert build("int x;") == 1
        library.write_bytes(b"the library, rebuilt")
        assert build("int x;") == 3  # the library's bytes changed
        assert build("int x;", use_cache=False) == 4  # no cache: always compiled
        for n in range(api_mode.KEPT + 2):
            build(f"int z{n};")
        assert len(list((cache / "extensions").iterdir())) == api_mode.KEPT
        assert build(f"int z{api_mode.KEPT + 1};") == 4 + api_mode.KEPT + 2  # the newest kept ...
        assert build("int y;") == 4 + api_mode.KEPT + 3  # ... the oldest let go

    def test_a_cache_that_cannot_be_written_leaves_the_build_as_it_was(self, tmp_path: Path) -> None:
        compiler = tmp_path / "fake-cc"
        compiler.write_text('#!/bin/sh\nwhile [ "$1" != "-o" ]; do shift; done\necho built > "$2"\n')
        compiler.chmod(0o755)
        environ = {"CC": str(compiler), "PATH": os.environ.get("PATH", "")}
        (tmp_path / "libbasic.so").write_bytes(b"library")
        blocked = tmp_path / "a-file"
        blocked.write_text("not a directory")
        name = api_mode.compile_extension("int x;", tmp_path, tmp_path / "libbasic.so", environ, cache=blocked)
        assert (tmp_path / name).read_text() == "built\n"


def _build(inventory: Inventory, library: Path, directory: Path) -> List[str]:
    """Generate API-mode bindings of `inventory` into `directory` beside a copy of `library`, and build them."""
    backend = api_backend(inventory)
    write(backend.generate(inventory), directory)
    shutil.copy(library, directory / library.name)
    return backend.build(directory, directory / library.name)


def _import(root: Path, code: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root), "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("LD_LIBRARY_PATH", None)  # the extension finds the library through its rpath alone
    return subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, env=env, cwd=root)


@needs_gcc
def test_the_extension_links_the_library_beside_it_and_calls_it(tmp_path: Path) -> None:
    """Without cargo: the basic inventory's C stand-in library, the API-mode bindings built against it, then
    called (structs by value and by pointer, a service's `ffi.gc` handle, failures) in a fresh interpreter."""
    assert GCC is not None
    library = _compile_library(load("basic"), tmp_path / "lib", Path(__file__).parent / "data" / "basic.c")
    package = tmp_path / "site" / "basic_api"
    built = _build(load("basic"), library, package)
    assert built == [f"_ffi_cffi{api_mode.target().suffix}"]
    elf = read_elf(package / built[0])
    assert "libbasic.so" in elf.needed  # by name: found through the rpath, not a build path
    dynamic = subprocess.run(
        ["readelf", "-d", str(package / built[0])], check=False, capture_output=True, text=True
    ).stdout
    assert "[$ORIGIN]" in dynamic
    code = (
        "import sys, basic_api as m\n"
        "assert m.add(2, 3) == 5\n"
        "assert m.scale(m.Vec2(1.0, 2.0), 2.0) == m.Vec2(x=2.0, y=4.0)\n"
        "assert m.length(m.Vec2(3.0, 4.0)) == 5.0\n"
        "assert m.find(1) == m.Vec2(3.0, 4.0) and m.find(7) is None\n"
        "print(type(m._ffi_lib).__name__, 'pycparser' in sys.modules)\n"
    )
    proc = _import(tmp_path / "site", code)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["Lib", "False"]  # API mode's library object; no C parser at import


@needs_gcc
def test_the_build_is_deterministic(tmp_path: Path) -> None:
    library = _compile_library(load("basic"), tmp_path / "lib", Path(__file__).parent / "data" / "basic.c")
    first = _build(load("basic"), library, tmp_path / "one" / "basic_api")
    second = _build(load("basic"), library, tmp_path / "two" / "basic_api")
    one_bytes = (tmp_path / "one" / "basic_api" / first[0]).read_bytes()
    assert one_bytes == (tmp_path / "two" / "basic_api" / second[0]).read_bytes()
    assert str(tmp_path).encode() not in one_bytes and b"hatch-interop-cffi-" not in one_bytes


@needs_gcc
def test_a_library_from_another_build_is_refused_at_import(tmp_path: Path) -> None:
    inventory = load("basic")
    library = _compile_library(load("basic"), tmp_path / "lib", Path(__file__).parent / "data" / "basic.c")
    package = tmp_path / "site" / "basic_api"
    _build(inventory, library, package)
    # The guard reports another hash: the library beside the bindings was rebuilt from other sources.
    raw = raw_inventory("basic")
    raw["library"]["api_hash"] = "0000000000000007"
    other = _compile_library(parse_inventory(raw, "basic.json, another build"), tmp_path / "other")
    shutil.copy(other, package / library.name)
    proc = _import(tmp_path / "site", "import basic_api")
    assert "ImportError: basic_api was generated for basic" in proc.stderr
    assert "reports 0000000000000007: the library and its bindings come from different builds" in proc.stderr
    # No library at all: the same message as ABI mode's, naming the library and what to do.
    (package / library.name).unlink()
    proc = _import(tmp_path / "site", "import basic_api")
    assert f"ImportError: basic_api cannot load its native library {package / library.name}: " in proc.stderr
    assert "Reinstall the package from the wheel built for this platform and Python." in proc.stderr


API_CRATE_TABLE = '\n[tool.hatch.build.hooks.interop.cffi]\nmode = "api"\n'
#: PyPy has cffi built in: the build needs it from PyPI only on CPython.
BUILD_REQUIRES = (
    'requires = ["hatchling>=1.24", "hatch-interop", "cffi"]',
    'requires = ["hatchling>=1.24", "hatch-interop", "cffi; platform_python_implementation != \'PyPy\'"]',
)


def _write_api_crate(root: Path) -> Path:
    project = root / "cffi_crate"
    for name, text in CFFI_CRATE.items():
        content = text
        if name == "pyproject.toml":
            assert BUILD_REQUIRES[0] in text
            content = text.replace(*BUILD_REQUIRES) + API_CRATE_TABLE
        path = project / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    copy_tree(RUST_HELPER, root / "rust_helper")
    shutil.copy2(SAMPLE / "Cargo.lock", project / "Cargo.lock")
    return project


def _check_wheel(wheel: Path, python: str, abi: str, suffix: str) -> None:
    assert wheel.name.startswith(f"cffi_crate-0.1.0-{python}-{abi}-manylinux_"), wheel.name
    names = wheel_names(wheel)
    assert f"cffi_crate/_native/_ffi_cffi{suffix}" in names
    assert "cffi_crate/_native/_ffi_cffi.pyi" in names
    assert "cffi_crate/_native/_ffi_cffi.py" not in names
    assert "cffi_crate/_native/libcffi_crate.so" in names
    metadata = read_from_wheel(wheel, "cffi_crate-0.1.0.dist-info/METADATA").decode()
    assert 'Requires-Dist: cffi>=1.15; platform_python_implementation != "PyPy"' in metadata


def _use(exe: Path, cwd: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "LD_LIBRARY_PATH"}
    proc = run(
        [exe, "-c", USE_CFFI_CRATE + "print('lib:', type(__import__('cffi_crate._native')._native._ffi_lib))"],
        cwd=cwd,
        env=env,
    )
    assert "refused: nothing was fed" in proc.stdout
    assert "digest: 6" in proc.stdout
    assert "Vec2(x=1.5, y=2.5)" in proc.stdout
    assert "cffi: False" in proc.stdout  # no C parser at import
    assert "lib: <class '_cffi_backend.Lib'>" in proc.stdout or "lib: <class 'Lib'>" in proc.stdout


@pytest.mark.e2e
def test_an_api_mode_crate_built_by_a_real_front_end(wheelhouse: Path, tmp_path: Path) -> None:
    """`pip wheel` with `mode = "api"`: a `cp3X-abi3` wheel holding the extension, which auditwheel accepts, installed
    into a fresh environment of every CPython from 3.X on that this machine has, and called there (an older one
    refuses it); and the same crate built and called by PyPy, whose wheel is PyPy's own."""
    project = _write_api_crate(tmp_path)
    env = build_env(wheelhouse)
    env.pop("RUST_BACKTRACE", None)
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", tmp_path / "dist", project], env=env)
    wheel = one(sorted((tmp_path / "dist").glob("*.whl")))
    python, abi = api_mode.target().tag
    _check_wheel(wheel, python, abi, api_mode.target().suffix)
    if importlib.util.find_spec("auditwheel") is not None:  # the test extra has it; a bare environment may not
        proc = run([sys.executable, "-m", "auditwheel", "show", wheel])
        platform = wheel.name[: -len(".whl")].split("-")[-1]
        text = " ".join(proc.stdout.split())
        assert f'consistent with the following platform tag: "{platform}"' in text, proc.stdout
    minimum = sys.version_info[:2]
    pythons = {name: exe for name, exe in find_pythons().items() if name.startswith("cpython")}
    newer = [exe for name, exe in pythons.items() if tuple(map(int, name[7:].split("."))) >= minimum]
    assert newer, "the building interpreter itself at least"
    pypy = find_pythons().get("pypy3")
    if pypy is None and os.environ.get("HATCH_INTEROP_REQUIRE_ALL_PYTHONS"):
        pytest.fail("PyPy is required (HATCH_INTEROP_REQUIRE_ALL_PYTHONS) but was not found")
    # Side by side: they mostly wait for pip and the interpreters' start-up. PyPy's build, the longest, first.
    with ThreadPoolExecutor(max_workers=2) as pool:
        jobs = [pool.submit(_build_and_use_on_pypy, pypy, project, env, tmp_path)] if pypy is not None else []
        for index, exe in enumerate(newer):
            jobs.append(pool.submit(_install_and_use, exe, wheel, env, tmp_path / f"venv{index}"))
        older = [exe for name, exe in pythons.items() if tuple(map(int, name[7:].split("."))) < minimum]
        if older:  # the newest older CPython: the tag keeps pip from installing what the build did not prove
            jobs.append(pool.submit(_refused_by_an_older_cpython, older[-1], wheel, env, tmp_path / "venv-older"))
        for job in jobs:
            job.result()


def _install_and_use(python: str, wheel: Path, env: Dict[str, str], path: Path) -> None:
    venv = make_venv(python, path)
    run([venv, "-m", "pip", "install", "-q", wheel], env=env)  # cffi from the index, as the wheel requires
    _use(venv, path.parent)


def _refused_by_an_older_cpython(python: str, wheel: Path, env: Dict[str, str], path: Path) -> None:
    venv = make_venv(python, path)
    proc = run([venv, "-m", "pip", "install", "--no-deps", wheel], env=env, check=False)
    assert proc.returncode != 0 and "is not a supported wheel on this platform" in proc.stdout, proc.stdout


def _build_and_use_on_pypy(pypy: str, project: Path, env: Dict[str, str], tmp_path: Path) -> None:
    """The same crate built by PyPy, whose wheel is PyPy's own, installed and called there."""
    venv = make_venv(pypy, tmp_path / "venv-pypy")
    build = [venv, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", tmp_path / "dist-pypy", project]
    headers = run([venv, "-c", "import sysconfig; print(sysconfig.get_paths()['include'])"]).stdout.strip()
    if not (Path(headers) / "Python.h").is_file():  # e.g. Debian's pypy3 without pypy3-dev: our error says so
        proc = run(build, env=env, check=False)
        assert proc.returncode != 0 and f"lacks: there is no {headers}/Python.h" in proc.stdout, proc.stdout
        if os.environ.get("HATCH_INTEROP_REQUIRE_ALL_PYTHONS"):
            pytest.fail(f"PyPy's C headers are required (HATCH_INTEROP_REQUIRE_ALL_PYTHONS) but {headers} has none")
        return
    run(build, env=env)
    pypy_wheel = one(sorted((tmp_path / "dist-pypy").glob("*.whl")))
    # PyPy's own tags, as packaging.tags names them: pp39-pypy39_pp73 for PyPy 7.3 implementing Python 3.9.
    code = "import sys, sysconfig as c; print(*sys.version_info[:2], *map(c.get_config_var, ('SOABI', 'EXT_SUFFIX')))"
    major, minor, soabi, suffix = run([venv, "-c", code]).stdout.split()
    _check_wheel(pypy_wheel, f"pp{major}{minor}", soabi.replace("-", "_").replace(".", "_"), suffix)
    run([venv, "-m", "pip", "install", "-q", pypy_wheel], env=env)
    _use(venv, tmp_path)


@pytest.mark.e2e
def test_the_ctypes_and_api_mode_bindings_of_the_sample_library_agree(sample_wheel: Path, tmp_path: Path) -> None:
    """The ABI mode's differential check (tests/e2e/check_backends_agree.py) against API mode's bindings: the same
    calls through the ctypes bindings and through an extension module linking the sample library give the same
    outcomes. It reuses the session's sample wheel: a few seconds more."""
    ctypes_root, cffi_root = tmp_path / "ctypes", tmp_path / "cffi"
    with zipfile.ZipFile(sample_wheel) as wheel:
        wheel.extractall(ctypes_root)
    library = ctypes_root / "sample_crate" / "_native" / "libsample_crate.so"
    _build(load("sample_inventory"), library, cffi_root / "sample_crate" / "_native")
    (cffi_root / "sample_crate" / "__init__.py").write_text("", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("RUST_BACKTRACE", "LD_LIBRARY_PATH")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    check_agree([sys.executable], ctypes_root, cffi_root, "sample_crate._native", env=env)

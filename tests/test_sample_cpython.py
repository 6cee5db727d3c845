"""sample_crate built with the cpython backend: the ctypes wheel's end-to-end checks, through the compiled fast path.

The wheel is built once per run from a copy of the sample crate whose hook says ``backends = ["cpython", "c"]`` (a
real `pip wheel` with the running CPython, which compiles `_ffi_cpython` against it), installed into a fresh
environment of that interpreter (the wheel is tagged for it alone) and exercised by the scripts of tests/e2e: every
construct (check_sample.py) and the bad-input corpus, each case in a child process so that a crash names its signal.
"""

from __future__ import annotations

import importlib.machinery
import os
import re
import sys
import zipfile
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Dict, Iterator, Tuple

import pytest
from packaging import tags
from support import (
    build_sample_wheel,
    check_agree,
    check_validators,
    find_pythons,
    make_venv,
    read_from_wheel,
    run,
)

pytestmark = [pytest.mark.e2e, pytest.mark.cargo]

E2E = Path(__file__).resolve().parent / "e2e"


def build_wheel(python: str, wheelhouse: Path, root: Path) -> Path:
    """sample_crate's wheel with `backends = ["cpython", "c"]`, built by `pip wheel` of `python` (for which it
    compiles the extension)."""
    return build_sample_wheel(python, wheelhouse, root, [('backends = ["ctypes", "c"]', 'backends = ["cpython", "c"]')])


@pytest.fixture(scope="session")
def sample_cpython_wheel(wheelhouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel for the running interpreter."""
    return build_wheel(sys.executable, wheelhouse, tmp_path_factory.mktemp("sample-cpython"))


def test_the_wheel_holds_the_extension_and_is_tagged_for_this_interpreter(sample_cpython_wheel: Path) -> None:
    with zipfile.ZipFile(sample_cpython_wheel) as wheel:
        names = sorted(n for n in wheel.namelist() if ".dist-info/" not in n)
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    assert f"sample_crate/_native/_ffi_cpython{suffix}" in names
    assert "sample_crate/_native/_ffi_cpython.pyi" in names
    assert not any(name.endswith(".c") for name in names)  # the source is compiled, not shipped
    best = next(iter(tags.sys_tags()))
    tag = re.findall(
        r"^Tag: (.+)$", read_from_wheel(sample_cpython_wheel, "sample_crate-0.1.0.dist-info/WHEEL").decode(), re.M
    )
    assert len(tag) == 1 and re.fullmatch(rf"{best.interpreter}-{best.abi}-manylinux_2_\d+_x86_64", tag[0]), tag


def test_validators_accept_it(sample_cpython_wheel: Path) -> None:
    check_validators(sample_cpython_wheel)


#: What test_every_check_passes_through_the_compiled_functions runs about the objects' C types.
OBJECTS = """
import gc, sample_crate as m
counter = m.counter_new(5)
print(gc.is_tracked(counter), gc.is_tracked(counter._ffi_ptr))
print(m.counter_get(c=counter))
m.counter_increment(c=counter)
print(m.counter_get(counter))
m.counter_free(c=counter)
print("released" if counter._ffi_ptr is None else "kept")
del counter
class Sub(m.Counter):
    pass
made = Sub.__new__(Sub)
print(gc.is_tracked(made))
try:
    m.counter_get(made)
except TypeError:
    print("refused")
del made
store = m.Store()
store.put("key", 1)
print(gc.is_tracked(store), gc.is_tracked(store._ffi_handle), m.Store.get(store, key="key"))
store.close()
print("closed" if store._ffi_ptr is None else "open")
fast = m._native._ffi_fast
plain = fast.service_class(type("Plain", (), {"__init__": lambda self: None}))
for cls in (int, m.Counter, plain):  # not a service's class; a service's class whose `__init__` is not compiled
    try:
        fast.construct_slots(cls)
    except TypeError as error:
        said = str(error)
        print("service" if "made by service_class" in said else "compiled" if "is compiled" in said else said)
m.Counter.__del__ = lambda self: print("deleted")
m.counter_new(1)
"""


def test_every_check_passes_through_the_compiled_functions(sample_cpython_wheel: Path, tmp_path: Path) -> None:
    """check_sample.py, the bad-input corpus, the memory check and the exit check pass with the compiled functions
    and methods in place of the wrappers."""
    exe = make_venv(sys.executable, tmp_path / "venv")
    run([exe, "-m", "pip", "install", "-q", sample_cpython_wheel])
    workdir = tmp_path / "work"
    workdir.mkdir()
    # Compiled functions and methods (every function of the sample crate is), and the finalisers in C of what
    # objects hold (cells, handles) and of the objects.
    names = ("m.add", "m.counter_get", "m.Store.get", "m.figure_of", "m.Store.live_stores")
    names += ('m.Store.__dict__["live_stores"]', "m.Counter.__del__", "m._native._ffi_Counter_cell.__del__")
    names += ("m.Store.__del__", "m._native._ffi_Store_handle.__del__", "m.Store.__init__", "m.Store.__new__")
    names += ('m.Store.__dict__["with_capacity"]', "m.notifier_subscribe", "m.Store.open_later(1, 0)")
    kinds = ", ".join(f"type({name}).__name__" for name in names)
    compiled = run([exe, "-c", f"import sample_crate as m; print({kinds})"])
    assert compiled.stdout.split() == [
        "compiled_function",
        "compiled_function",
        "compiled_method",
        "compiled_function",  # a data-carrying enum in an option in, a struct holding one out
        "compiled_function",  # a static function, held by the class as a staticmethod
        "staticmethod",
        *["method_descriptor"] * 4,
        "compiled_method",  # `__init__`, the constructor `new`
        "builtin_function_or_method",  # `__new__`, the extension's
        "classmethod",  # another sync constructor, of a compiled function
        "compiled_function",  # a callback the library keeps
        "compiled_coroutine",  # an async constructor's call (never awaited: nothing runs)
    ]
    # Owned objects and services' objects, and their cells and handles, are the extension's C types, which the
    # garbage collector does not track; the wrappers (a call by keyword) pass a cell or handle through ctypes as
    # they passed a `c_void_p`; a subclass's objects and a `__del__` set on the class work as a Python class's would.
    objects = run([exe, "-c", OBJECTS], cwd=workdir)
    assert objects.stdout.split() == [
        *["False", "False", "5", "6", "released", "True", "refused"],
        *["False", "False", "1", "closed", "service", "service", "compiled", "deleted"],
    ]
    # Nothing leaks through the compiled paths either (the objects and callables they hold for a call, the
    # objects they return); fewer rounds than the ctypes wheel's test, for the suite's time, and on the other core
    # while the checks below run.
    env = {**os.environ, "RUST_BACKTRACE": "0"}  # thousands of caught panics
    with ThreadPoolExecutor(max_workers=1) as pool:
        memory = pool.submit(run, [exe, E2E / "check_memory.py", "40000"], cwd=workdir, env=env)
        proc = run([exe, E2E / "check_sample.py"], cwd=workdir)
        assert proc.stdout.strip().endswith("sample_crate: all checks passed"), proc.stdout
        bad = run([exe, E2E / "check_bad_input.py"], cwd=workdir, check=False)
        assert bad.returncode == 0 and "bad-input corpus: all " in bad.stdout, bad.stdout[-8000:]
        assert "rounds: resident memory grew by" in memory.result().stdout, memory.result().stdout
    # Exits in the middle of everything, the compiled trampolines' callbacks included (see test_e2e.py).
    for runs, scenario in (("30", "all"), ("8", "finalized")):
        exits = run([exe, E2E / "check_exit.py", runs, scenario], cwd=workdir)
        assert f"exit: {runs} of {runs} clean" in exits.stdout, exits.stdout


def test_the_ctypes_and_cpython_wheels_agree(sample_wheel: Path, sample_cpython_wheel: Path, tmp_path: Path) -> None:
    """The same calls (valid and bad arguments, the corpus of every parameter type) through the ctypes wheel's
    wrappers and the cpython wheel's compiled functions give the same results and the same exceptions."""
    roots = {}
    for label, wheel in (("ctypes", sample_wheel), ("cpython", sample_cpython_wheel)):
        roots[label] = tmp_path / label
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(roots[label])
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    check_agree([sys.executable], roots["ctypes"], roots["cpython"], "sample_crate._native", env=env)


def build_and_check(python: str, wheelhouse: Path, root: Path) -> Tuple[Path, str]:
    """sample_crate's wheel built by `pip wheel` of `python`, installed into a venv of it, and its checks' output
    there (check_sample.py)."""
    exe = make_venv(python, root / "venv")
    wheel = build_wheel(str(exe), wheelhouse, root / "build")
    run([exe, "-m", "pip", "install", "-q", wheel])
    workdir = root / "work"
    workdir.mkdir()
    return wheel, run([exe, E2E / "check_sample.py"], cwd=workdir).stdout


#: The other interpreters the extension's configuration is built with (PyPy gets the cffi backend's bindings).
OTHERS = ("cpython3.8", "cpython3.13", "pypy3")


@pytest.fixture(scope="module")
def other_interpreters(
    wheelhouse: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Dict[str, Future[Tuple[Path, str]]]]:
    """The wheel of each of `OTHERS` found, built, installed and checked side by side from the first test that asks
    (the builds' C compilers and the checks each use one core, and mostly wait); each test takes its own."""
    pythons = find_pythons()
    with ThreadPoolExecutor(max_workers=len(OTHERS)) as pool:
        yield {
            name: pool.submit(build_and_check, pythons[name], wheelhouse, tmp_path_factory.mktemp(name))
            for name in OTHERS
            if name in pythons
        }


def other_interpreter(name: str, checks: Dict[str, Future[Tuple[Path, str]]]) -> Tuple[Path, str]:
    """The wheel `other_interpreters` built for `name` and its checks' output, or a skip (a failure when
    HATCH_INTEROP_REQUIRE_ALL_PYTHONS is set) when the interpreter is not installed."""
    if name not in checks:
        if os.environ.get("HATCH_INTEROP_REQUIRE_ALL_PYTHONS"):
            pytest.fail(f"{name} is required (HATCH_INTEROP_REQUIRE_ALL_PYTHONS) but was not found")
        pytest.skip(f"{name} is not installed")
    return checks[name].result()


@pytest.mark.parametrize("version", ["3.8", "3.13"])
def test_the_oldest_and_newest_cpython_build_and_pass_the_checks(
    version: str, other_interpreters: Dict[str, Future[Tuple[Path, str]]]
) -> None:
    """The extension's C builds against each CPython's headers (3.8 has vectorcall under its provisional names):
    a wheel per interpreter, built by that interpreter's pip, tagged for it, passes every check there."""
    wheel, output = other_interpreter(f"cpython{version}", other_interpreters)
    tag = f"cp{version.replace('.', '')}"
    assert wheel.name.split("-")[2:4] == [tag, tag], wheel.name
    assert output.strip().endswith("sample_crate: all checks passed"), output


def test_pypy_builds_the_cffi_backends_wheel_from_the_same_configuration(
    other_interpreters: Dict[str, Future[Tuple[Path, str]]],
) -> None:
    """`backends = ["cpython"]` built by PyPy's pip: the cffi backend's bindings in ABI mode (option `pypy`'s
    default), in a wheel tagged for that PyPy, which passes every check there."""
    wheel, output = other_interpreter("pypy3", other_interpreters)
    interpreter, abi = wheel.name.split("-")[2:4]
    assert interpreter.startswith("pp") and abi.startswith("pypy"), wheel.name
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    assert "sample_crate/_native/_ffi_cffi.py" in names
    assert not any("_ffi_cpython" in name for name in names), names
    assert output.strip().endswith("sample_crate: all checks passed"), output

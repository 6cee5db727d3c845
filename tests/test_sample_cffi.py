"""sample_crate built with the cffi backend: the same end-to-end checks as its ctypes wheel, through cffi.

The wheel is built once per run from a copy of the sample crate whose hook says ``backends = ["cffi", "c"]``
(a real `pip wheel`, cffi in the build requirements), installed into fresh environments that get cffi from the
index as the wheel requires (PyPy has it built in), and exercised by the scripts of tests/e2e: every construct
(check_sample.py), the bad-input corpus (each case in a child process, so a crash names its signal), exit
while library threads are inside callbacks, and the differential check against the ctypes wheel.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Dict, Iterator, Optional

import pytest
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
#: The interpreters the cffi wheel is checked on: the oldest and newest CPython, the default one, and PyPy.
WANTED = ("cpython3.8", "cpython3.11", "cpython3.13", "pypy3")


@pytest.fixture(scope="session")
def sample_cffi_wheel(wheelhouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """sample_crate's wheel with `backends = ["cffi", "c"]` (cffi in the build requirements)."""
    replacements = [
        ('backends = ["ctypes", "c"]', 'backends = ["cffi", "c"]'),
        ('requires = ["hatchling>=1.24", "hatch-interop"]', 'requires = ["hatchling>=1.24", "hatch-interop", "cffi"]'),
    ]
    return build_sample_wheel(sys.executable, wheelhouse, tmp_path_factory.mktemp("sample-cffi"), replacements)


def install(python: str, wheel: Path, path: Path) -> Path:
    """A fresh venv of `python` with the wheel installed (cffi from the index, as the wheel requires it)."""
    exe = make_venv(python, path / "venv")
    run([exe, "-m", "pip", "install", "-q", wheel])
    return exe


def check_everything(python: str, wheel: Path, path: Path) -> Path:
    """check_sample.py and the bad-input corpus in a fresh venv of `python`; returns its interpreter."""
    exe = install(python, wheel, path)
    workdir = path / "work"
    workdir.mkdir()
    proc = run([exe, E2E / "check_sample.py"], cwd=workdir)
    assert proc.stdout.strip().endswith("sample_crate: all checks passed"), proc.stdout
    bad = run([exe, E2E / "check_bad_input.py"], cwd=workdir, check=False)
    assert bad.returncode == 0 and "bad-input corpus: all " in bad.stdout, bad.stdout[-8000:]
    return exe


@pytest.fixture(scope="session")
def cffi_venvs(sample_cffi_wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dict[str, Future[Path]]]:
    """The cffi wheel checked on each wanted interpreter, side by side (the checks mostly wait)."""
    pythons = find_pythons()
    if os.environ.get("HATCH_INTEROP_REQUIRE_ALL_PYTHONS"):
        missing = [name for name in WANTED if name not in pythons]
        assert not missing, f"required interpreters not found: {missing}"
    with ThreadPoolExecutor(max_workers=4) as pool:
        # PyPy's takes longest: it starts first.
        wanted = sorted((name for name in WANTED if name in pythons), key=lambda name: not name.startswith("pypy"))
        yield {
            name: pool.submit(
                check_everything, pythons[name], sample_cffi_wheel, tmp_path_factory.mktemp(f"cffi-{name}")
            )
            for name in wanted
        }


def check_memory(venv: Future[Path], path: Path) -> subprocess.CompletedProcess[str]:
    """check_memory.py through cffi, in the venv `venv` gives once it is ready."""
    env = {**os.environ, "RUST_BACKTRACE": "0"}  # thousands of caught panics
    return run([venv.result(), E2E / "check_memory.py", "40000"], cwd=path, env=env)


@pytest.fixture(scope="session")
def cffi_memory_check(
    cffi_venvs: Dict[str, Future[Path]], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Optional[Future[subprocess.CompletedProcess[str]]]]:
    """The memory check through cffi on CPython 3.11 (None without it), started in the background by the first test
    that asks for it, as soon as that interpreter's venv is ready: about half a minute of one core."""
    if "cpython3.11" not in cffi_venvs:
        yield None
        return
    with ThreadPoolExecutor(max_workers=1) as pool:
        yield pool.submit(check_memory, cffi_venvs["cpython3.11"], tmp_path_factory.mktemp("cffi-memory"))


def test_the_wheel_holds_the_cffi_bindings_and_requires_cffi(sample_cffi_wheel: Path) -> None:
    with zipfile.ZipFile(sample_cffi_wheel) as wheel:
        names = sorted(n for n in wheel.namelist() if ".dist-info/" not in n)
    assert names == [
        "sample_crate/__init__.py",
        "sample_crate/_native/__init__.py",
        "sample_crate/_native/_ffi_cffi.py",
        "sample_crate/_native/_ffi_cffi_runtime.py",
        "sample_crate/_native/_ffi_runtime.py",
        "sample_crate/_native/libsample_crate.so",
        "sample_crate/_native/sample_crate.h",
        "sample_crate/py.typed",
    ]
    metadata = read_from_wheel(sample_cffi_wheel, "sample_crate-0.1.0.dist-info/METADATA").decode()
    assert 'Requires-Dist: cffi>=1.15; platform_python_implementation != "PyPy"' in metadata
    tags = re.findall(
        r"^Tag: (.+)$", read_from_wheel(sample_cffi_wheel, "sample_crate-0.1.0.dist-info/WHEEL").decode(), re.M
    )
    assert len(tags) == 1 and re.fullmatch(r"py3-none-manylinux_2_\d+_x86_64", tags[0]), tags


def test_validators_accept_it(sample_cffi_wheel: Path) -> None:
    check_validators(sample_cffi_wheel)


@pytest.mark.parametrize("name", WANTED)
def test_every_construct_and_the_bad_input_corpus(
    name: str,
    cffi_venvs: Dict[str, Future[Path]],
    cffi_memory_check: Optional[Future[subprocess.CompletedProcess[str]]],
) -> None:
    """check_sample.py (every construct of the sample crate) and check_bad_input.py (thousands of bad arguments,
    copies of handles, double destruction, kept struct views, each in a child process) pass through cffi. (The
    memory check starts meanwhile: see test_memory_stays_flat_over_many_allocating_calls.)"""
    if name not in cffi_venvs:
        pytest.skip(f"{name} is not installed")
    cffi_venvs[name].result()


def test_exit_while_the_library_is_busy_with_python_objects(
    cffi_venvs: Dict[str, Future[Path]], tmp_path: Path
) -> None:
    """Children exit while library threads are inside retained callbacks and futures are in flight, or call
    callbacks after the interpreter finalized: every one exits with status 0, no signal and nothing on stderr (see
    the ctypes wheel's test in test_e2e.py)."""
    exe = cffi_venvs["cpython3.11"].result() if "cpython3.11" in cffi_venvs else None
    if exe is None:
        pytest.skip("CPython 3.11 is not installed")
    proc = run([exe, E2E / "check_exit.py", "50", "all"], cwd=tmp_path)
    assert "exit: 50 of 50 clean" in proc.stdout, proc.stdout
    proc = run([exe, E2E / "check_exit.py", "8", "finalized"], cwd=tmp_path)
    assert "exit: 8 of 8 clean" in proc.stdout, proc.stdout


def test_the_ctypes_and_cffi_wheels_agree(sample_wheel: Path, sample_cffi_wheel: Path, tmp_path: Path) -> None:
    """The same calls (valid and bad arguments, callbacks, async functions) through both wheels' bindings give the
    same results and the same exceptions, on CPython and on PyPy."""
    roots = {}
    for label, wheel in (("ctypes", sample_wheel), ("cffi", sample_cffi_wheel)):
        roots[label] = tmp_path / label
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(roots[label])
    pythons = [sys.executable]  # the test environment has cffi
    pypy = find_pythons().get("pypy3")
    if pypy is not None:
        pythons.append(pypy)
    elif os.environ.get("HATCH_INTEROP_REQUIRE_ALL_PYTHONS"):
        pytest.fail("PyPy is required (HATCH_INTEROP_REQUIRE_ALL_PYTHONS) but was not found")
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    check_agree(pythons, roots["ctypes"], roots["cffi"], "sample_crate._native", env=env)


def test_memory_stays_flat_over_many_allocating_calls(
    cffi_memory_check: Optional[Future[subprocess.CompletedProcess[str]]],
) -> None:
    """Strings, vectors, errors, panics, callbacks and service objects through cffi: nothing leaks (40,000 rounds,
    and 100,000 objects Python drops without freeing them)."""
    if cffi_memory_check is None:
        pytest.skip("CPython 3.11 is not installed")
    proc = cffi_memory_check.result()
    assert "rounds: resident memory grew by" in proc.stdout, proc.stdout

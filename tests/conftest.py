from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Dict, Iterator

import pytest
from support import REPO, SAMPLE, build_env, one, run

#: Variables of the developer's or CI's environment that change what the tests measure: a backtrace
#: captured per caught panic made one check 30x slower; a user's pip or Python configuration could
#: install from elsewhere or warn. Every child process (cargo, pip, the checks) inherits this environment.
UNHERMETIC = (
    "RUST_BACKTRACE",
    "RUST_LIB_BACKTRACE",
    "RUSTFLAGS",
    "CARGO_BUILD_TARGET",
    "_PYTHON_HOST_PLATFORM",
    "ARCHFLAGS",
    "MACOSX_DEPLOYMENT_TARGET",
    "PIP_INDEX_URL",
    "PIP_REQUIRE_VIRTUALENV",
    "PIP_USER",
    "PYTHONPATH",
    "PYTHONWARNINGS",
    "PYTHONHOME",
    "HATCH_INTEROP_PANIC_REPORT",
    "VIRTUAL_ENV",
)


def pytest_configure(config: pytest.Config) -> None:
    for name in UNHERMETIC:
        os.environ.pop(name, None)
    os.environ["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    os.environ["PIP_NO_INPUT"] = "1"


#: The commands of the tests marked `background`, by test: started one after the other, on one thread, as soon as the
#: session's tests are collected. Cargo's checks of the code base (test_quality.py) take minutes of a core each while
#: the unit tests before them leave one core idle.
_BACKGROUND: Dict[str, Future[subprocess.CompletedProcess[str]]] = {}
#: (Its thread starts with the first command.)
_POOL = ThreadPoolExecutor(max_workers=1, thread_name_prefix="background")


def pytest_collection_finish(session: pytest.Session) -> None:
    if session.config.option.collectonly:
        return
    for item in session.items:
        if item.get_closest_marker("background") is not None:
            command, env = item.module.background_command(item)  # type: ignore[attr-defined]
            _BACKGROUND[item.nodeid] = _POOL.submit(run, command, env=env)


def pytest_sessionfinish(session: pytest.Session) -> None:
    # Nothing left waits for what has not started (an interrupted or failed-fast session).
    _POOL.shutdown(wait=True, cancel_futures=True)


@pytest.fixture
def background(request: pytest.FixtureRequest) -> subprocess.CompletedProcess[str]:
    """The outcome of the test's command, started in the background (see `pytest_collection_finish`)."""
    return _BACKGROUND[request.node.nodeid].result()


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding hatch-interop's wheel, for front-ends to find with --find-links."""
    given = os.environ.get("HATCH_INTEROP_WHEELHOUSE")
    if given:
        return Path(given)
    out = tmp_path_factory.mktemp("wheelhouse")
    run([sys.executable, "-m", "build", "--wheel", "--outdir", out, REPO])
    return out


@pytest.fixture(scope="session")
def sample_wheel(wheelhouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """sample_crate's wheel, built once per test run by `pip wheel` (a real PEP 517 build, isolated)."""
    out = tmp_path_factory.mktemp("sample-pip")
    run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", out, SAMPLE],
        env=build_env(wheelhouse),
    )
    return one(sorted(out.glob("sample_crate-*.whl")))


@pytest.fixture(scope="session")
def sample_build_dists(wheelhouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """`python -m build`: an sdist, and a wheel built from that sdist (so the sdist must stand alone)."""
    out = tmp_path_factory.mktemp("sample-build")
    run([sys.executable, "-m", "build", "--outdir", out, SAMPLE], env=build_env(wheelhouse))
    yield out

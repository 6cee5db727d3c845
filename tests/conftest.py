from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Iterator

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

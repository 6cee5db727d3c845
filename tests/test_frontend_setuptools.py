"""The setuptools front-end: the same build as the Hatch hook, configured in [tool.hatch-interop]."""

from __future__ import annotations

import sys
import tarfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterator

import pytest
from setuptools import Distribution
from setuptools.errors import SetupError
from support import build_env, make_venv, one, read_from_wheel, run, wheel_names
from test_e2e import write_small_crate

from hatch_interop.frontends.setuptools import finalize


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    yield tmp_path


def test_a_project_without_the_table_is_left_alone(project: Path) -> None:
    (project / "pyproject.toml").write_text('[project]\nname = "plain"\nversion = "1"\n')
    dist = Distribution()
    finalize(dist)
    assert "build_py" not in dist.cmdclass
    assert not dist.has_ext_modules()


def test_the_table_sets_the_commands_up(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.hatch-interop]\nmodule = "app._native"\n')
    dist = Distribution()
    finalize(dist)
    assert {"build_py", "bdist_wheel", "sdist", "editable_wheel"} <= set(dist.cmdclass)
    assert dist.has_ext_modules()


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            'modul = "app._native"',
            "hatch-interop: Unknown option `modul` for [tool.hatch-interop]. Did you mean `module`?",
        ),
        ("", "hatch-interop: Option `module` for [tool.hatch-interop] is required"),
        (
            'module = "app._native"\nbackends = ["ctypes"]\n[tool.hatch-interop.cffi]\nmode = "api"',
            "hatch-interop: The table [tool.hatch-interop.cffi] configures backend `cffi`, which option `backends`",
        ),
    ],
)
def test_bad_options_are_one_clear_error(project: Path, table: str, message: str) -> None:
    (project / "pyproject.toml").write_text(f"[tool.hatch-interop]\n{table}\n")
    with pytest.raises(SetupError) as e:
        finalize(Distribution())
    assert str(e.value).startswith(message)


def test_invalid_toml_is_named(project: Path) -> None:
    (project / "pyproject.toml").write_text("[tool.hatch-interop\n")
    with pytest.raises(SetupError, match=r"hatch-interop: .*pyproject.toml is not valid TOML"):
        finalize(Distribution())


SETUPTOOLS_PYPROJECT = """\
[build-system]
requires = ["setuptools>=70.1", "hatch-interop"]
build-backend = "setuptools.build_meta"

[project]
name = "small-crate"
version = "0.1.0"
description = "A small crate, built by setuptools"
requires-python = ">=3.8"

[tool.setuptools]
packages = ["small_crate"]

[tool.hatch-interop]
module = "small_crate._native"
backends = ["ctypes", "c"]
editable-profile = "dev"
"""

#: A call of the small crate's bindings (a struct by value both ways) and what it prints.
CALL = "from small_crate import Vec2, vec2_add; print(vec2_add(Vec2(x=1.0, y=2.0), Vec2(x=3.0, y=4.0)))"


@pytest.mark.e2e
def test_setuptools_builds_sdists_wheels_and_editable_installs(wheelhouse: Path, tmp_path: Path) -> None:
    """With setuptools: the sdist carries the crate and its vendored path dependency; the wheel is tagged for its
    platform, holds the library and the bindings, and works; an editable install of the project works too, built
    with the `editable-profile`. (Building a wheel from an sdist is the Hatch tests' job: the vendoring is the
    same code; every construct is checked in the Hatch hook's wheels: the bindings are the same.)"""
    project = write_small_crate(tmp_path)
    (project / "pyproject.toml").write_text(SETUPTOOLS_PYPROJECT)
    # The sdist is made from a copy of the project, beside the wheel's build (setuptools writes into the tree).
    copy = write_small_crate(tmp_path / "copy")
    (copy / "pyproject.toml").write_text(SETUPTOOLS_PYPROJECT)
    out = tmp_path / "dist"
    env = build_env(wheelhouse)
    with ThreadPoolExecutor(max_workers=2) as pool:
        sdist_built = pool.submit(run, [sys.executable, "-m", "build", "--sdist", "--outdir", out, copy], env=env)
        venv = pool.submit(make_venv, sys.executable, tmp_path / "venv")
        # The wheel and the editable install build in the project itself: cargo builds the crate there once.
        run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", out, project], env=env)
        sdist_built.result()
        exe = venv.result()
    sdist = one(sorted(out.glob("*.tar.gz")))
    with tarfile.open(sdist) as archive:
        names = {n.split("/", 1)[1] for n in archive.getnames() if "/" in n}
    assert {"Cargo.toml", "src/lib.rs", "src/bin/inventory.rs", "_rust_deps/hatch-interop/Cargo.toml"} <= names
    wheel = one(sorted(out.glob("*.whl")))
    assert wheel.name.startswith("small_crate-0.1.0-py3-none-manylinux_")
    files = wheel_names(wheel)
    for name in ("small_crate/_native/__init__.py", "small_crate/_native/small_crate.h"):
        assert name in files
    assert "small_crate/_native/libsmall_crate.so" in files
    assert b"Root-Is-Purelib: false" in read_from_wheel(wheel, "small_crate-0.1.0.dist-info/WHEEL")
    # The SBOM (PEP 770) goes into the dist-info directory before bdist_wheel writes RECORD.
    sbom = "small_crate-0.1.0.dist-info/sboms/small_crate.cdx.json"
    assert sbom in files
    assert f"{sbom},sha256=" in read_from_wheel(wheel, "small_crate-0.1.0.dist-info/RECORD").decode()
    assert b'"name": "hatch-interop"' in read_from_wheel(wheel, sbom)
    run([exe, "-m", "pip", "install", "--no-index", "--no-deps", wheel])
    workdir = tmp_path / "work"
    workdir.mkdir()
    assert run([exe, "-c", CALL], cwd=workdir).stdout.strip() == "Vec2(x=4.0, y=6.0)"

    # An editable install writes the library and the bindings into the source tree, and imports them there.
    run([exe, "-m", "pip", "install", "-e", project], env=env)
    native = project / "small_crate" / "_native"
    assert {"__init__.py", "small_crate.h"} <= {p.name for p in native.iterdir()}
    target_dir = Path(env["CARGO_TARGET_DIR"])
    assert (native / "libsmall_crate.so").read_bytes() == (target_dir / "debug" / "libsmall_crate.so").read_bytes()
    located = run([exe, "-c", "import small_crate._native as m; print(m.__file__)"], cwd=workdir).stdout.strip()
    assert Path(located).resolve() == (native / "__init__.py").resolve()
    assert run([exe, "-c", CALL], cwd=workdir).stdout.strip() == "Vec2(x=4.0, y=6.0)"

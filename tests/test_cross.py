"""Cross targets end to end: a target given explicitly is built in cargo's per-target directory and shipped; a
target whose standard library is missing stops the build with one message that says how to install it.

Only the host's own triple can be built here (rustup has no other standard library installed, and no network);
the naming and tagging of other targets are unit-tested in test_targets.py.
"""

from __future__ import annotations

import os
import platform
import re
import subprocess
import sys
from pathlib import Path
from typing import Dict

import pytest
from support import REPO, build_env, one, read_from_wheel, run, wheel_names
from test_bad_input import VALID_INVENTORY, build_fails, printing, project
from test_e2e import write_small_crate

pytestmark = pytest.mark.e2e


def rustc_host() -> str:
    output = subprocess.run(["rustc", "-vV"], capture_output=True, text=True, check=True).stdout
    return next(line.split(": ", 1)[1] for line in output.splitlines() if line.startswith("host: "))


@pytest.mark.parametrize("given", ["CARGO_BUILD_TARGET", "cargo-args"])
def test_the_host_triple_given_explicitly(given: str, wheelhouse: Path, tmp_path: Path) -> None:
    """With a target given, cargo puts the library in `target/<triple>/release/`: the wheel ships that library
    (the one cargo built for the target), tagged for the target, and it works. `--target` in `cargo-args` is
    the same as the variable."""
    host = rustc_host()
    project_dir = write_small_crate(tmp_path)
    target_dir = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target" / "tests"))
    env = build_env(wheelhouse, CARGO_TARGET_DIR=str(target_dir))
    if given == "CARGO_BUILD_TARGET":
        env["CARGO_BUILD_TARGET"] = host
    else:
        pyproject = project_dir / "pyproject.toml"
        pyproject.write_text(pyproject.read_text() + f'cargo-args = ["--target", "{host}"]\n')
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "pip", "wheel", "--no-build-isolation", "--no-deps", "--wheel-dir", out, project_dir]
    run(cmd, env=env)
    wheel = one(sorted(out.glob("*.whl")))
    assert wheel.name.startswith("small_crate-0.1.0-py3-none-manylinux_")
    library = "small_crate/_native/libsmall_crate.so"
    assert library in wheel_names(wheel)
    assert read_from_wheel(wheel, library) == (target_dir / host / "release" / "libsmall_crate.so").read_bytes()
    site = tmp_path / "site"
    run([sys.executable, "-m", "pip", "install", "--no-deps", "--target", site, wheel])
    check = "from small_crate import Vec2, vec2_add; print(vec2_add(Vec2(x=1.0, y=2.0), Vec2(x=3.0, y=4.0)))"
    called = run([sys.executable, "-c", check], env={**env, "PYTHONPATH": str(site)})
    assert called.stdout.strip() == "Vec2(x=4.0, y=6.0)"


def test_a_target_whose_standard_library_is_missing(wheelhouse: Path, tmp_path: Path) -> None:
    """cargo would say `can't find crate for std` for every crate; the build says what to install, before cargo."""
    triple = "aarch64-unknown-linux-gnu"
    sysroot = subprocess.run(["rustc", "--print", "sysroot"], capture_output=True, text=True, check=True).stdout
    if (Path(sysroot.strip()) / "lib" / "rustlib" / triple).is_dir():
        pytest.skip(f"{triple} is installed here")
    root = project(tmp_path, bin_rs=printing(VALID_INVENTORY))
    output = build_fails(root, wheelhouse, build_env(wheelhouse, CARGO_BUILD_TARGET=triple))
    assert f"The Rust standard library for target {triple} (from CARGO_BUILD_TARGET) is not installed" in output
    assert f"`rustup target add {triple}`" in output
    assert "can't find crate" not in output and "Compiling" not in output


#: What a cibuildwheel run on Linux gives the build, in its manylinux container (the image's AUDITWHEEL_*
#: variables, cibuildwheel's own), with `_PYTHON_HOST_PLATFORM` naming the container's own platform as
#: cross-building setups (crossenv) set it.
def cibuildwheel_linux_env(machine: str) -> Dict[str, str]:
    glibc = os.confstr("CS_GNU_LIBC_VERSION") or "glibc 2.17"
    major, minor = glibc.split()[1].split(".")[:2]
    return {
        "CIBUILDWHEEL": "1",
        "AUDITWHEEL_ARCH": machine,
        "AUDITWHEEL_PLAT": f"manylinux_{major}_{minor}_{machine}",
        "AUDITWHEEL_POLICY": f"manylinux_{major}_{minor}",
        "_PYTHON_HOST_PLATFORM": f"linux-{machine}",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="cibuildwheel's Linux environment")
def test_cibuildwheel_linux_environment(wheelhouse: Path, tmp_path: Path) -> None:
    """In cibuildwheel's environment the build stays native (cargo's default layout, `target/release/`), and the
    wheel is one `py3-none-manylinux_*` wheel that auditwheel (cibuildwheel's repair step) finds consistent and
    within the container's policy."""
    machine = platform.machine()
    project_dir = write_small_crate(tmp_path)
    target_dir = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target" / "tests"))
    env = build_env(wheelhouse, CARGO_TARGET_DIR=str(target_dir), **cibuildwheel_linux_env(machine))
    out = tmp_path / "out"
    # cibuildwheel's `build` front-end (isolation left out: the installed hatch-interop is the one under test).
    run([sys.executable, "-m", "build", "--no-isolation", "--wheel", "--outdir", out, project_dir], env=env)
    wheel = one(sorted(out.glob("*.whl")))
    tag = wheel.name[len("small_crate-0.1.0-") : -len(".whl")]
    found = re.fullmatch(rf"py3-none-manylinux_(\d+)_(\d+)_{machine}", tag)
    assert found, tag
    policy = tuple(int(n) for n in env["AUDITWHEEL_POLICY"].split("_")[1:])
    assert (int(found.group(1)), int(found.group(2))) <= policy
    library = "small_crate/_native/libsmall_crate.so"
    assert read_from_wheel(wheel, library) == (target_dir / "release" / "libsmall_crate.so").read_bytes()
    shown = " ".join(run([sys.executable, "-m", "auditwheel", "show", wheel]).stdout.split())
    assert f'consistent with the following platform tag: "{tag.split("-")[2]}"' in shown, shown

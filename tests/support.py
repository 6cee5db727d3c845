"""Helpers shared by the tests: running commands, making virtual environments, finding interpreters."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence, Tuple, Union

import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "sample_crate"
RUST_HELPER = REPO / "rust_helper"
PYTHON_VERSIONS = ("3.8", "3.9", "3.10", "3.11", "3.12", "3.13")
AGREE = Path(__file__).resolve().parent / "e2e" / "check_backends_agree.py"

Command = Sequence[Union[str, Path]]


def run(
    cmd: Command,
    *,
    cwd: Optional[Path] = None,
    env: Optional[Mapping[str, str]] = None,
    check: bool = True,
    timeout: float = 1500,
) -> subprocess.CompletedProcess[str]:
    """Run a command with stdout and stderr merged; on an unexpected failure, fail with its output."""
    proc = subprocess.run(
        [str(c) for c in cmd],
        cwd=cwd,
        env=dict(env) if env is not None else None,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
        check=False,
    )
    if check and proc.returncode != 0:
        pytest.fail(f"command failed ({proc.returncode}): {' '.join(map(str, cmd))}\n{proc.stdout[-8000:]}")
    return proc


def check_agree(
    pythons: Sequence[Union[str, Path]],
    first: Path,
    second: Path,
    module: str,
    *,
    env: Mapping[str, str],
    shards: int = 6,
) -> None:
    """tests/e2e/check_backends_agree.py over the packages under `first` and `second`, by each of `pythons`: the
    same calls through both give the same outcomes. Its shards run at once (it mostly waits for awaits to reach
    their time limit); each must compare calls and find no difference."""
    procs = [
        (
            python,
            shard,
            subprocess.Popen(
                [str(python), str(AGREE), str(first), str(second), module, f"{shard}/{shards}"],
                env=dict(env),
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            ),
        )
        for python in pythons
        for shard in range(shards)
    ]
    try:
        for python, shard, proc in procs:
            out, _ = proc.communicate(timeout=600)
            assert proc.returncode == 0 and " 0 different" in out, f"{python}, shard {shard}/{shards}:\n{out[-8000:]}"
    finally:
        for _, _, proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def build_env(wheelhouse: Path, **extra: str) -> Dict[str, str]:
    """The environment for a PEP 517 front-end: hatch-interop comes from our wheelhouse (it is not on PyPI)."""
    env = dict(os.environ)
    env["PIP_FIND_LINKS"] = str(wheelhouse)
    env["UV_FIND_LINKS"] = str(wheelhouse)
    env.setdefault("CARGO_TARGET_DIR", str(REPO / "target" / "tests"))
    env.update(extra)
    return env


def make_venv(python: str, path: Path) -> Path:
    """A fresh virtual environment; returns its interpreter."""
    run([python, "-m", "venv", path])
    bindir = path / ("Scripts" if sys.platform == "win32" else "bin")
    exe = bindir / "python"
    if not exe.exists():  # PyPy names it pypy3 in some layouts
        exe = bindir / "pypy3"
    return exe


def find_pythons() -> Dict[str, str]:
    """Every interpreter on this machine that the ctypes wheel must serve: name -> executable."""
    found: Dict[str, str] = {}
    pyenv_root = _pyenv_root()
    for version in PYTHON_VERSIONS:
        candidates = sorted(pyenv_root.glob(f"versions/{version}.*/bin/python{version}")) if pyenv_root else []
        exact = [c for c in candidates if c.parent.parent.name.count(".") == 2]
        chosen = exact[-1] if exact else None
        if chosen is None:
            which = shutil.which(f"python{version}")
            chosen = Path(which) if which else None
        if chosen is not None:
            found[f"cpython{version}"] = str(chosen)
    pypy = shutil.which("pypy3")
    if pypy:
        found["pypy3"] = pypy
    return found


def _pyenv_root() -> Optional[Path]:
    root = os.environ.get("PYENV_ROOT") or str(Path.home() / ".pyenv")
    path = Path(root)
    return path if path.is_dir() else None


def wheel_names(wheel: Path) -> List[str]:
    with zipfile.ZipFile(wheel) as zf:
        return sorted(zf.namelist())


def read_from_wheel(wheel: Path, name: str) -> bytes:
    with zipfile.ZipFile(wheel) as zf:
        return zf.read(name)


def one(paths: Sequence[Path]) -> Path:
    assert len(paths) == 1, paths
    return paths[0]


def copy_tree(source: Path, target: Path) -> Path:
    """Copy a project without build output (what a user's fresh checkout would hold)."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("target", "__pycache__", "_native", "*.egg-info"))
    return target


def check_validators(wheel: Path) -> None:
    """The validators a publisher runs accept `wheel`: auditwheel finds the platform tag it carries consistent,
    check-wheel-contents and `twine check --strict` pass."""
    proc = run([sys.executable, "-m", "auditwheel", "show", wheel])
    platform = wheel.name[: -len(".whl")].split("-")[-1]
    text = " ".join(proc.stdout.split())
    assert f'consistent with the following platform tag: "{platform}"' in text, proc.stdout
    run([Path(sys.executable).parent / "check-wheel-contents", wheel])
    run([sys.executable, "-m", "twine", "check", "--strict", wheel])


def build_sample_wheel(python: str, wheelhouse: Path, root: Path, replacements: Sequence[Tuple[str, str]]) -> Path:
    """sample_crate's wheel, built by `pip wheel` of `python` from a copy of the crate (and of the helper crate) in
    `root` whose pyproject.toml has each `(old, new)` of `replacements` applied (`backends = [...]`, `requires`)."""
    project = copy_tree(SAMPLE, root / "sample_crate")
    copy_tree(RUST_HELPER, root / "rust_helper")
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, f"sample_crate/pyproject.toml has no {old!r} any more: update the test's replacements"
        text = text.replace(old, new)
    pyproject.write_text(text, encoding="utf-8")
    out = root / "dist"
    run([python, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", out, project], env=build_env(wheelhouse))
    return one(sorted(out.glob("sample_crate-*.whl")))

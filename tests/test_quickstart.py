"""The README's quickstart, run as written: its files, its commands, its Python, on a fresh machine's terms."""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path
from typing import List, Tuple

import pytest
from support import REPO, RUST_HELPER, make_venv, run

pytestmark = pytest.mark.e2e

#: A fenced block inside a list item: its indentation, language and text.
_BLOCK = re.compile(r"^( *)```(\w+)\n(.*?)^\1```", re.M | re.S)


def quickstart_blocks() -> List[Tuple[str, str]]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Quickstart\n", 1)[1].split("\n## ", 1)[0]
    blocks = []
    for indent, language, text in _BLOCK.findall(section):
        lines = [line[len(indent) :] for line in text.splitlines()]
        blocks.append((language, "\n".join(lines) + "\n"))
    return blocks


def test_the_readme_quickstart_works_as_written(tmp_path: Path) -> None:
    # The layout the quickstart describes: the project beside a checkout of hatch-interop.
    checkout = tmp_path / "hatch-interop"
    checkout.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, checkout / name)
    shutil.copytree(REPO / "src", checkout / "src", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(RUST_HELPER, checkout / "rust_helper", ignore=shutil.ignore_patterns("target"))
    project = tmp_path / "my_crate"
    project.mkdir()
    commands: List[str] = []
    python_code: List[str] = []
    for language, text in quickstart_blocks():
        first = text.splitlines()[0]
        if language == "bash":
            commands.append(text)
        elif language == "python" and not first.startswith("# "):
            python_code.append(text)
        else:
            # The first line names the file: `# Cargo.toml`, `// src/lib.rs: what it is for`.
            path = first.lstrip("#/ ").split(":", 1)[0].split()[0]
            target = project / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
    assert {"Cargo.toml", "src/lib.rs", "src/bin/inventory.rs", "pyproject.toml", "my_crate/__init__.py"} <= {
        p.relative_to(project).as_posix() for p in project.rglob("*") if p.is_file()
    }
    assert commands and python_code

    exe = make_venv(sys.executable, tmp_path / "venv")
    env = {**os.environ, "PATH": f"{exe.parent}{os.pathsep}{os.environ['PATH']}", "VIRTUAL_ENV": str(exe.parent.parent)}
    env.setdefault("CARGO_TARGET_DIR", str(REPO / "target" / "tests"))
    for command in commands:
        run(["bash", "-euo", "pipefail", "-c", command], cwd=project, env=env)
    workdir = tmp_path / "work"
    workdir.mkdir()
    for code in python_code:
        proc = run([exe, "-c", code], cwd=workdir)
        assert "Vec2(x=1.0, y=2.0)" in proc.stdout

"""The `hatch-interop` command: inspect and generate outside of packaging."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support import REPO, RUST_HELPER, SAMPLE, build_env, copy_tree, make_venv, one, run

from hatch_interop.cli import describe, load_config, main, rust_type
from hatch_interop.errors import ConfigError
from hatch_interop.inventory import Named, Option, Pointer, Primitive, Slice, load_inventory

DATA = Path(__file__).resolve().parent / "data"


def sample() -> object:
    return load_inventory((DATA / "sample_inventory.json").read_text(encoding="utf-8"))


def test_types_read_as_rust() -> None:
    assert rust_type(Slice(Primitive("u8"), mutable=True)) == "&mut [u8]"
    assert rust_type(Pointer(Named("Counter"), mutable=False, nullable=True, owned=False)) == "Option<&Counter>"
    assert rust_type(Pointer(Named("Counter"), mutable=True, nullable=False, owned=True)) == "Box<Counter>"
    assert rust_type(Option(Primitive("f64"))) == "FfiOption<f64>"


def test_describe_shows_what_the_crate_exports() -> None:
    text = describe(sample())  # type: ignore[arg-type]
    assert text.startswith("crate sample_crate 0.1.0 (API hash ")
    assert "  fn add(a: u32, b: u32) -> u32  [gil = hold]  // Adds two numbers" in text
    assert "  HAS_COUNTER: bool = true  // Whether counters are available." in text
    assert "  struct Vec2 { x: f32, y: f32 }  // A point or vector in the plane." in text
    assert "service Store:" in text
    assert "  trait Progress { on_progress (callback Progress_on_progress), cancelled (callback " in text
    assert "  fn size(&self) -> u64  [gil = hold]" in text


def test_a_project_must_configure_hatch_interop(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"No pyproject.toml in "):
        load_config(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    with pytest.raises(ConfigError, match=r"configures hatch-interop nowhere: add \[tool.hatch.build.hooks.interop\]"):
        load_config(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.hatch-interop]\nmodule = "x._native"\nmodul = 1\n')
    with pytest.raises(ConfigError, match=r"Unknown option `modul` for \[tool.hatch-interop\]"):
        load_config(tmp_path)


def test_errors_are_one_line_and_status_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("hatch-interop: No pyproject.toml in ") and err.count("\n") == 1


@pytest.mark.e2e
def test_inspect_and_generate_on_the_sample(tmp_path: Path) -> None:
    """The installed console script, on the reference crate: its inventory, and its package written out."""
    script = Path(sys.executable).parent / "hatch-interop"
    env = {**os.environ, "CARGO_TARGET_DIR": os.environ.get("CARGO_TARGET_DIR", str(REPO / "target" / "tests"))}
    shown = subprocess.run([script, "inspect", SAMPLE], env=env, capture_output=True, text=True, check=True)
    assert shown.stdout.startswith("crate sample_crate 0.1.0")
    raw = subprocess.run([script, "inspect", SAMPLE, "--json"], env=env, capture_output=True, text=True, check=True)
    assert json.loads(raw.stdout)["format"] == "hatch-interop-inventory"
    out = tmp_path / "out"
    written = subprocess.run(
        [script, "generate", SAMPLE, "--out", out, "--backend", "c"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    native = out / "sample_crate" / "_native"
    # The listing lets the next `generate` into this directory remove what it no longer writes.
    assert sorted(p.name for p in native.iterdir()) == [".hatch-interop-files", "libsample_crate.so", "sample_crate.h"]
    assert str(native / "sample_crate.h") in written.stdout


# new ---------------------------------------------------------------------------------------------


def test_new_writes_the_quickstart_project(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = tmp_path / "projects" / "my-crate"
    assert main(["new", "my-crate", "--path", str(project), "--rust-helper", str(RUST_HELPER)]) == 0
    written = {Path(line).relative_to(project).as_posix() for line in capsys.readouterr().out.split()}
    assert written == {
        "Cargo.toml",
        "src/lib.rs",
        "src/bin/inventory.rs",
        "my_crate/__init__.py",
        "my_crate/py.typed",
        "pyproject.toml",
        ".gitignore",
        "README.md",
    }
    cargo = (project / "Cargo.toml").read_text(encoding="utf-8")
    assert 'name = "my_crate"' in cargo
    helper = cargo.split('hatch-interop = { path = "', 1)[1].split('"', 1)[0]
    assert not Path(helper).is_absolute() and (project / helper / "Cargo.toml").is_file()
    config = load_config(project)
    assert config.module == "my_crate._native"
    assert "hatch_interop::dump(my_crate::inventory())" in (project / "src/bin/inventory.rs").read_text()
    assert "/my_crate/_native/" in (project / ".gitignore").read_text()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("My", "`My` is not a usable project name: use lowercase letters"),
        ("my--crate", "is not a usable project name"),
        ("1crate", "is not a usable project name"),
        ("for", "`for` is a keyword of Python or Rust"),
        ("crate", "`crate` is a keyword of Python or Rust"),
    ],
)
def test_new_refuses_names_neither_language_takes(
    name: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["new", name, "--path", str(tmp_path / "p"), "--rust-helper", str(RUST_HELPER)]) == 1
    assert message in capsys.readouterr().err
    assert not (tmp_path / "p").exists()


def test_new_refuses_a_used_directory_and_a_wrong_helper(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "file").write_text("", encoding="utf-8")
    assert main(["new", "x", "--path", str(tmp_path / "used"), "--rust-helper", str(RUST_HELPER)]) == 1
    assert "already exists and is not an empty directory" in capsys.readouterr().err
    assert main(["new", "x", "--path", str(tmp_path / "new"), "--rust-helper", str(tmp_path)]) == 1
    assert "holds no Cargo.toml: --rust-helper is the directory of the hatch-interop helper crate" in (
        capsys.readouterr().err
    )


@pytest.mark.e2e
def test_a_new_project_builds_with_pip_wheel_at_once(wheelhouse: Path, tmp_path: Path) -> None:
    """`hatch-interop new`, then `pip wheel .` (a real PEP 517 build), installed into a fresh venv and called."""
    helper = copy_tree(RUST_HELPER, tmp_path / "rust_helper")
    project = tmp_path / "demo"
    assert main(["new", "demo", "--path", str(project), "--rust-helper", str(helper)]) == 0
    shutil.copy2(SAMPLE / "Cargo.lock", project / "Cargo.lock")  # the helper's dependencies, pinned as in CI
    run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", tmp_path / "dist", project],
        env=build_env(wheelhouse),
    )
    wheel = one(sorted((tmp_path / "dist").glob("demo-*.whl")))
    exe = make_venv(sys.executable, tmp_path / "venv")
    run([exe, "-m", "pip", "install", "--no-index", "--no-deps", wheel])
    proc = run([exe, "-c", "from demo import Vec2, add; print(add(2, 3), Vec2(x=1.0, y=2.0))"], cwd=tmp_path)
    assert proc.stdout.strip() == "5 Vec2(x=1.0, y=2.0)"

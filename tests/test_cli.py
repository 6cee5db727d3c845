"""The `hatch-interop` command: inspect and generate outside of packaging."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from support import REPO, SAMPLE

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
    assert sorted(p.name for p in native.iterdir()) == ["libsample_crate.so", "sample_crate.h"]
    assert str(native / "sample_crate.h") in written.stdout

"""Cross targets without cargo: which target is asked for, how its library is named and how its wheel is tagged.

macOS, Windows and aarch64 cannot be built here; their naming and tagging are pure functions, tested as such. The
real cross build (the host's triple given explicitly, and a target whose standard library is missing) is in
test_e2e.py.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional

import pytest

from hatch_interop import pipeline, targets
from hatch_interop.cargo import (
    Artifacts,
    BuildPlan,
    CrateInfo,
    build_command,
    check_target,
    inventory_command,
    select_artifacts,
)
from hatch_interop.config import InteropConfig
from hatch_interop.errors import BackendError, CargoError, ConfigError
from hatch_interop.inventory import load_inventory
from hatch_interop.pipeline import BuildOutput
from hatch_interop.reproducible import read_toolchain
from hatch_interop.tags import check_platform_tag, platform_tag
from hatch_interop.targets import Requested, library_filename, python_target, requested_target

HOST = "x86_64-unknown-linux-gnu"
MAC_INTEL = "x86_64-apple-darwin"
CIBW_MACOS_ARM64 = {"_PYTHON_HOST_PLATFORM": "macosx-11.0-arm64", "ARCHFLAGS": "-arch arm64"}


@pytest.mark.parametrize(
    ("triple", "name"),
    [
        ("x86_64-unknown-linux-gnu", "libdemo.so"),
        ("aarch64-unknown-linux-gnu", "libdemo.so"),
        ("aarch64-unknown-linux-musl", "libdemo.so"),
        ("armv7-unknown-linux-gnueabihf", "libdemo.so"),
        ("aarch64-apple-darwin", "libdemo.dylib"),
        ("x86_64-apple-darwin", "libdemo.dylib"),
        ("x86_64-pc-windows-msvc", "demo.dll"),
        ("aarch64-pc-windows-msvc", "demo.dll"),
        ("x86_64-pc-windows-gnu", "demo.dll"),
    ],
)
def test_library_names_follow_the_target(triple: str, name: str) -> None:
    assert library_filename("demo", triple) == name


@pytest.mark.parametrize(
    ("triple", "deployment", "tag"),
    [
        ("x86_64-apple-darwin", None, "macosx_10_12_x86_64"),  # rustc's defaults
        ("aarch64-apple-darwin", None, "macosx_11_0_arm64"),
        ("x86_64-apple-darwin", "10.13", "macosx_10_13_x86_64"),
        ("aarch64-apple-darwin", "12.3", "macosx_12_0_arm64"),  # only the major version counts from 11 on
        ("aarch64-apple-darwin", "14", "macosx_14_0_arm64"),
        ("x86_64-apple-darwin", "10.9", "macosx_10_12_x86_64"),  # cibuildwheel's default, older than Rust's
        ("aarch64-apple-darwin", "10.13", "macosx_11_0_arm64"),
        ("x86_64-pc-windows-msvc", "10.13", "win_amd64"),
        ("i686-pc-windows-msvc", None, "win32"),
        ("aarch64-pc-windows-msvc", None, "win_arm64"),
        ("x86_64-pc-windows-gnu", None, "win_amd64"),
    ],
)
def test_macos_and_windows_tags_follow_the_target(
    triple: str, deployment: Optional[str], tag: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {} if deployment is None else {"MACOSX_DEPLOYMENT_TARGET": deployment}
    assert targets.platform_for(triple, env) == tag
    # Whatever machine builds it: the library is not read, the triple decides.
    monkeypatch.delenv("MACOSX_DEPLOYMENT_TARGET", raising=False)
    if deployment is not None:
        monkeypatch.setenv("MACOSX_DEPLOYMENT_TARGET", deployment)
    library = tmp_path / library_filename("demo", triple)
    library.write_bytes(b"\xcf\xfa\xed\xfe not an ELF file")
    assert platform_tag(library, warn=pytest.fail, target=triple, host=HOST) == tag
    assert check_platform_tag(tag, library) is None


def test_a_bad_deployment_target_is_named() -> None:
    with pytest.raises(ConfigError, match=r"MACOSX_DEPLOYMENT_TARGET is 'eleven'; it must be a macOS version"):
        targets.platform_for("aarch64-apple-darwin", {"MACOSX_DEPLOYMENT_TARGET": "eleven"})


def test_an_unknown_cross_target_needs_an_explicit_tag(tmp_path: Path) -> None:
    library = tmp_path / "libdemo.so"
    library.write_bytes(b"not read")
    with pytest.raises(ConfigError, match=r"target x86_64-unknown-freebsd .* set option `platform-tag`"):
        platform_tag(library, warn=pytest.fail, target="x86_64-unknown-freebsd", host=HOST)


@pytest.mark.skipif(shutil.which("gcc") is None or not sys.platform.startswith("linux"), reason="builds an ELF file")
def test_a_linux_target_is_tagged_from_its_library(tmp_path: Path) -> None:
    """An aarch64 library (here: an x86_64 one whose ELF header says aarch64) gets an aarch64 manylinux tag."""
    source = tmp_path / "demo.c"
    source.write_text("int add(int a, int b) { return a + b; }\n")
    library = tmp_path / "libdemo.so"
    subprocess.run(["gcc", "-shared", "-fPIC", "-o", library, source], check=True)
    data = bytearray(library.read_bytes())
    data[18:20] = (183).to_bytes(2, "little")  # e_machine: EM_AARCH64
    library.write_bytes(bytes(data))
    tag = platform_tag(library, warn=pytest.fail, target="aarch64-unknown-linux-gnu", host=HOST)
    assert tag.startswith("manylinux_2_") and tag.endswith("_aarch64")
    assert "x86_64 Linux" not in (check_platform_tag("manylinux_2_17_x86_64", library) or "")
    assert "is an aarch64 library" in (check_platform_tag("manylinux_2_17_x86_64", library) or "")


def _message(filenames: List[str], kind: List[str], name: str = "demo", executable: Optional[str] = None) -> str:
    return json.dumps(
        {
            "reason": "compiler-artifact",
            "package_id": "demo 0.1.0",
            "target": {"kind": kind, "name": name},
            "filenames": filenames,
            "executable": executable,
        }
    )


@pytest.mark.parametrize(
    ("triple", "files", "chosen"),
    [
        (
            "x86_64-pc-windows-msvc",
            ["demo.dll", "demo.dll.lib", "demo.dll.exp", "demo.pdb", "libdemo.rlib"],
            "demo.dll",
        ),
        ("x86_64-pc-windows-gnu", ["demo.dll", "libdemo.dll.a", "libdemo.rlib"], "demo.dll"),
        ("aarch64-apple-darwin", ["libdemo.rlib", "libdemo.dylib"], "libdemo.dylib"),
        ("aarch64-unknown-linux-gnu", ["libdemo.rlib", "libdemo.so"], "libdemo.so"),
    ],
)
def test_the_library_is_the_cdylib_file_of_the_target(triple: str, files: List[str], chosen: str) -> None:
    root = f"/t/{triple}/release/"
    lines = [
        "not JSON: cargo's other output",
        _message([root + f for f in files], ["cdylib", "rlib"]),
        _message(["/t/release/inventory"], ["bin"], "inventory", executable="/t/release/inventory"),
    ]
    suffix = targets.library_suffix(triple)
    library, binary = select_artifacts(lines, {"demo 0.1.0"}, "/x/Cargo.toml", "inventory", suffix)
    assert library == Path(root + chosen)
    assert binary == Path("/t/release/inventory")


class TestRequestedTarget:
    def test_none_by_default(self) -> None:
        assert requested_target([], {}, [], HOST) is None

    def test_cargo_precedence(self, tmp_path: Path) -> None:
        config = tmp_path / ".cargo" / "config.toml"
        config.parent.mkdir()
        config.write_text('[build]\ntarget = "aarch64-unknown-linux-gnu"\n')
        env = {"CARGO_BUILD_TARGET": "x86_64-pc-windows-msvc", **CIBW_MACOS_ARM64}
        given = ["--locked", "--target", "aarch64-apple-darwin"]
        assert requested_target(given, env, [config], HOST) == Requested(
            "aarch64-apple-darwin", "`--target` in option `cargo-args`"
        )
        assert requested_target(["--target=x86_64-apple-darwin"], env, [config], HOST) is not None
        assert requested_target([], env, [config], HOST) == Requested("x86_64-pc-windows-msvc", "CARGO_BUILD_TARGET")
        assert requested_target([], {}, [config], HOST) == Requested(
            "aarch64-unknown-linux-gnu", f"`build.target` in {config}"
        )

    def test_a_configured_specification_file_is_relative_to_the_configuration(self, tmp_path: Path) -> None:
        config = tmp_path / ".cargo" / "config.toml"
        config.parent.mkdir()
        config.write_text('[build]\ntarget = ["my-target.json"]\n')
        found = requested_target([], {}, [config], HOST)
        assert found is not None and found.triple == str(tmp_path / "my-target.json")
        config.write_text('[build]\ntarget = ["a", "b"]\n')
        with pytest.raises(ConfigError, match="names 2 targets; a wheel holds the library of one target"):
            requested_target([], {}, [config], HOST)

    def test_cibuildwheel_macos_arm64_on_an_intel_runner(self) -> None:
        found = python_target(CIBW_MACOS_ARM64, MAC_INTEL)
        assert found == Requested("aarch64-apple-darwin", "_PYTHON_HOST_PLATFORM=macosx-11.0-arm64")
        assert python_target({"ARCHFLAGS": "-arch arm64"}, MAC_INTEL) == Requested(
            "aarch64-apple-darwin", "ARCHFLAGS=-arch arm64"
        )
        intel = {"_PYTHON_HOST_PLATFORM": "macosx-10.9-x86_64", "ARCHFLAGS": "-arch x86_64"}
        assert python_target(intel, "aarch64-apple-darwin") == Requested(
            "x86_64-apple-darwin", "_PYTHON_HOST_PLATFORM=macosx-10.9-x86_64"
        )

    def test_the_host_platform_asks_for_nothing(self) -> None:
        assert (
            python_target({"_PYTHON_HOST_PLATFORM": "macosx-10.9-x86_64", "ARCHFLAGS": "-arch x86_64"}, MAC_INTEL)
            is None
        )
        assert python_target({"_PYTHON_HOST_PLATFORM": "linux-x86_64"}, HOST) is None
        assert python_target({"_PYTHON_HOST_PLATFORM": "linux-x86_64"}, "x86_64-unknown-linux-musl") is None
        # ARCHFLAGS is Apple clang's convention: elsewhere it is no request.
        assert python_target({"ARCHFLAGS": "-arch arm64"}, HOST) is None

    @pytest.mark.parametrize(
        ("platform", "host", "triple"),
        [
            ("linux-aarch64", HOST, "aarch64-unknown-linux-gnu"),
            ("linux-armv7l", HOST, "armv7-unknown-linux-gnueabihf"),
            ("linux-aarch64", "x86_64-unknown-linux-musl", "aarch64-unknown-linux-musl"),
            ("win-arm64", "x86_64-pc-windows-msvc", "aarch64-pc-windows-msvc"),
            ("win32", "x86_64-pc-windows-msvc", "i686-pc-windows-msvc"),
        ],
    )
    def test_python_host_platforms(self, platform: str, host: str, triple: str) -> None:
        found = python_target({"_PYTHON_HOST_PLATFORM": platform}, host)
        assert found is not None and found.triple == triple

    @pytest.mark.parametrize(
        ("env", "message"),
        [
            ({"ARCHFLAGS": "-arch arm64 -arch x86_64"}, r"universal2 \(fat\) library; hatch-interop builds one"),
            ({"_PYTHON_HOST_PLATFORM": "macosx-10.9-universal2"}, r"universal2 \(fat\) wheel"),
            (
                {"_PYTHON_HOST_PLATFORM": "macosx-11.0-arm64", "ARCHFLAGS": "-arch x86_64"},
                "asks for aarch64-apple-darwin and ARCHFLAGS=-arch x86_64 asks for x86_64-apple-darwin: they disagree",
            ),
            ({"_PYTHON_HOST_PLATFORM": "solaris-2.11-sparc"}, "cannot map to a Rust target. Set CARGO_BUILD_TARGET"),
        ],
    )
    def test_what_cannot_be_built_is_refused(self, env: Dict[str, str], message: str) -> None:
        with pytest.raises(ConfigError, match=message):
            python_target(env, MAC_INTEL)


def test_cargo_args_target() -> None:
    assert targets.without_target_args(["--locked", "--target", "t", "-j2", "--target=u"]) == ["--locked", "-j2"]
    assert targets.check_cargo_args_target(["--target", "a", "--target=b"]) == (
        "names 2 targets (a, b): a wheel holds the library of one target"
    )
    assert "without a value" in (targets.check_cargo_args_target(["--target"]) or "")
    config = InteropConfig.from_mapping({"module": "a._native", "cargo-args": ["--target", "aarch64-apple-darwin"]})
    assert config.cargo_args == ("--target", "aarch64-apple-darwin")
    with pytest.raises(ConfigError, match=r"Option `cargo-args` .* names 2 targets"):
        InteropConfig.from_mapping({"module": "a._native", "cargo-args": ["--target=a", "--target=b"]})


@pytest.mark.parametrize(
    ("cfg", "problem"),
    [
        ({"target_pointer_width": "64", "target_endian": "little"}, None),
        ({"target_pointer_width": "32", "target_endian": "little"}, "has 32-bit pointers"),
        ({"target_pointer_width": "64", "target_endian": "big"}, "is big-endian and this machine is little-endian"),
    ],
)
def test_targets_the_host_inventory_cannot_describe(cfg: Dict[str, str], problem: Optional[str]) -> None:
    found = targets.describe_layout_mismatch("t", cfg, "little")
    assert found == problem if problem is None else problem in (found or "")


class TestBuildCommands:
    crate = CrateInfo("demo", "0.1.0", "demo 0.1.0", Path("/x/Cargo.toml"), "demo", ["inventory"])
    config = InteropConfig.from_mapping(
        {"module": "demo._native", "features": ["f"], "cargo-args": ["--target", "aarch64-apple-darwin", "--locked"]}
    )

    def plan(self, target: str, explicit: bool = True) -> BuildPlan:
        return BuildPlan(Path("/x/Cargo.toml"), {}, [], target=target, host=HOST, explicit=explicit)

    def test_a_cross_build_builds_the_inventory_for_the_host(self) -> None:
        plan = self.plan("aarch64-apple-darwin")
        library = build_command("cargo", self.crate, self.config, plan)
        assert "--bin" not in library
        assert library[library.index("--lib") :][:3] == ["--lib", "--target", "aarch64-apple-darwin"]
        assert library.count("--target") == 1 and library[-1] == "--locked"
        inventory = inventory_command("cargo", self.crate, self.config, plan)
        assert inventory[inventory.index("--bin") :][:4] == ["--bin", "inventory", "--target", HOST]
        assert inventory.count("--target") == 1 and "--lib" not in inventory
        assert "f" in inventory  # the same features: the inventory depends on them

    def test_the_host_given_explicitly_is_one_build(self) -> None:
        command = build_command("cargo", self.crate, self.config, self.plan(HOST))
        assert command[command.index("--lib") :][:5] == ["--lib", "--bin", "inventory", "--target", HOST]

    def test_no_target_no_flag(self) -> None:
        command = build_command("cargo", self.crate, self.config, self.plan(HOST, explicit=False))
        assert "--target" not in command and "--bin" in command


needs_rustc = pytest.mark.skipif(shutil.which("rustc") is None, reason="asks rustc about targets")


@needs_rustc
@pytest.mark.parametrize(
    ("triple", "error", "message"),
    [
        (
            "aarch64-unknown-linux-gnu",
            CargoError,
            r"The Rust standard library for target aarch64-unknown-linux-gnu \(from CARGO_BUILD_TARGET\) is not "
            r"installed .* `rustup target add aarch64-unknown-linux-gnu`",
        ),
        ("aarch64-unknown-linux-gn", ConfigError, r"not one rustc knows .* Did you mean `aarch64-unknown-linux-gnu`\?"),
        ("i686-unknown-linux-gnu", ConfigError, "has 32-bit pointers, and hatch-interop supports 64-bit targets only"),
    ],
)
def test_targets_are_checked_before_cargo_runs(triple: str, error: type, message: str, tmp_path: Path) -> None:
    toolchain = read_toolchain(tmp_path, os.environ)
    if (Path(toolchain.sysroot) / "lib" / "rustlib" / triple).is_dir():
        pytest.skip(f"{triple} is installed here")
    with pytest.raises(error, match=message):
        check_target(Requested(triple, "CARGO_BUILD_TARGET"), toolchain, os.environ, tmp_path)


@needs_rustc
def test_the_host_passes_the_check(tmp_path: Path) -> None:
    toolchain = read_toolchain(tmp_path, os.environ)
    check_target(Requested(toolchain.host, "CARGO_BUILD_TARGET"), toolchain, os.environ, tmp_path)


@pytest.mark.parametrize(
    ("runner", "env", "library", "tag"),
    [
        # An arm64 wheel on an Intel runner, and an Intel wheel on an arm64 runner (cibuildwheel's settings).
        (
            MAC_INTEL,
            {**CIBW_MACOS_ARM64, "CIBUILDWHEEL": "1", "MACOSX_DEPLOYMENT_TARGET": "11.0"},
            "libdemo.dylib",
            "macosx_11_0_arm64",
        ),
        (
            "aarch64-apple-darwin",
            {
                "_PYTHON_HOST_PLATFORM": "macosx-10.9-x86_64",
                "ARCHFLAGS": "-arch x86_64",
                "MACOSX_DEPLOYMENT_TARGET": "10.9",
            },
            "libdemo.dylib",
            "macosx_10_12_x86_64",
        ),
    ],
)
def test_cibuildwheel_macos_cross_builds(runner: str, env: Dict[str, str], library: str, tag: str) -> None:
    found = requested_target([], env, [], runner)
    assert found is not None and found.triple != runner
    assert library_filename("demo", found.triple) == library
    assert targets.platform_for(found.triple, env) == tag


DATA = Path(__file__).resolve().parent / "data"


def cross_build(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, options: Dict[str, object], triple: str
) -> BuildOutput:
    """`build_bindings` as if cargo had built `empty.json`'s crate for `triple` on an x86_64 Linux machine."""
    library = tmp_path / "cargo" / library_filename("empty", triple)
    library.parent.mkdir()
    library.write_bytes(b"a library of another platform")
    inventory = load_inventory((DATA / "empty.json").read_text(encoding="utf-8"))
    artifacts = Artifacts(library=library, inventory_bin=tmp_path / "inventory", target=triple, host=HOST)
    crate = CrateInfo("empty", "0.0.1", "empty 0.0.1", tmp_path / "Cargo.toml", "empty", ["inventory"])
    monkeypatch.setattr(pipeline, "_build_crate", lambda root, config, check: ("cargo", crate, artifacts, inventory))
    monkeypatch.setattr(pipeline.cargo, "resolve_library_dependencies", lambda *args: {})
    monkeypatch.setattr(pipeline.sbom, "write", lambda *args, **kwargs: None)
    monkeypatch.delenv("MACOSX_DEPLOYMENT_TARGET", raising=False)
    config = InteropConfig.from_mapping({"module": "empty._native", **options})
    (tmp_path / "staging").mkdir()
    return pipeline.build_bindings(tmp_path, config, tmp_path / "staging", warn=pytest.fail)


@pytest.mark.parametrize(
    ("triple", "tag"),
    [("aarch64-apple-darwin", "macosx_11_0_arm64"), ("x86_64-pc-windows-msvc", "win_amd64")],
)
def test_a_cross_built_wheel_holds_the_targets_library_under_the_targets_tag(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, triple: str, tag: str
) -> None:
    output = cross_build(monkeypatch, tmp_path, {}, triple)
    assert output.tag == f"py3-none-{tag}"
    assert f"empty/_native/{library_filename('empty', triple)}" in output.files
    init = output.files["empty/_native/__init__.py"].read_text(encoding="utf-8")
    assert library_filename("empty", triple) in init  # the bindings load the target's file name


def test_a_backend_that_compiles_an_extension_cannot_cross_build(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Refused once the target is known, before cargo compiles anything."""
    crate = CrateInfo("empty", "0.0.1", "empty 0.0.1", tmp_path / "Cargo.toml", "empty", ["inventory"])
    plan = BuildPlan(tmp_path / "Cargo.toml", {}, [], target="aarch64-apple-darwin", host=HOST, explicit=True)
    monkeypatch.setattr(pipeline.cargo, "find_cargo", lambda: "cargo")
    monkeypatch.setattr(pipeline.cargo, "read_crate", lambda *args: crate)
    monkeypatch.setattr(pipeline.cargo, "plan_build", lambda *args: plan)
    monkeypatch.setattr(pipeline.cargo, "build", lambda *args: pytest.fail("cargo ran"))
    config = InteropConfig.from_mapping({"module": "empty._native", "backends": ["cffi"], "cffi": {"mode": "api"}})
    with pytest.raises(BackendError, match=r"cannot be cross-built for aarch64-apple-darwin: build this wheel on"):
        pipeline.build_bindings(tmp_path, config, tmp_path, warn=pytest.fail)
    # The same plan for this machine goes on to cargo.
    monkeypatch.setattr(pipeline.cargo, "plan_build", lambda *args: BuildPlan(tmp_path, {}, [], target=HOST, host=HOST))
    with pytest.raises(pytest.fail.Exception, match="cargo ran"):
        pipeline.build_bindings(tmp_path, config, tmp_path, warn=pytest.fail)


def test_an_editable_install_refuses_a_cross_target(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """An editable install imports the library here: one for another machine is refused before cargo runs."""
    crate = CrateInfo("empty", "0.0.1", "empty 0.0.1", tmp_path / "Cargo.toml", "empty", ["inventory"])
    plan = BuildPlan(tmp_path / "Cargo.toml", {}, [], target="aarch64-apple-darwin", host=HOST, explicit=True)
    plan = dataclasses.replace(plan, source="CARGO_BUILD_TARGET")
    monkeypatch.setattr(pipeline.cargo, "find_cargo", lambda: "cargo")
    monkeypatch.setattr(pipeline.cargo, "read_crate", lambda *args: crate)
    monkeypatch.setattr(pipeline.cargo, "plan_build", lambda *args: plan)
    monkeypatch.setattr(pipeline.cargo, "build", lambda *args: pytest.fail("cargo ran"))
    config = InteropConfig.from_mapping({"module": "empty._native"})
    message = (
        f"CARGO_BUILD_TARGET asks for a library for aarch64-apple-darwin, but an editable install imports it on "
        f"this machine ({HOST}), which cannot load it: unset it for `pip install -e`"
    )
    with pytest.raises(ConfigError, match=re.escape(message)):
        pipeline.build_bindings(tmp_path, config, tmp_path, warn=pytest.fail, editable=True)
    # A wheel for that target is another matter: it goes on to cargo.
    with pytest.raises(pytest.fail.Exception, match="cargo ran"):
        pipeline.build_bindings(tmp_path, config, tmp_path, warn=pytest.fail)

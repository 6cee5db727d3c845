"""Reproducible builds without cargo: our rustflags joined to the user's, the remapped paths, the workspace view."""

from __future__ import annotations

import json
from pathlib import Path
from typing import List

import pytest
import tomlkit

from hatch_interop.cargo import BuildPlan, CrateInfo, build_command
from hatch_interop.config import InteropConfig
from hatch_interop.reproducible import (
    ENCODED,
    ConfiguredRustflags,
    Layout,
    PathPackage,
    Toolchain,
    View,
    configured_rustflags,
    merge_rustflags,
    remap_flags,
    source_date_epoch,
    sync_lock_back,
    workspace_view,
)

HOST = "x86_64-unknown-linux-gnu"
OURS = ["--remap-path-prefix=/home/me/.cargo=/cargo", "--remap-path-prefix=/src/dep=dep-0.1.0"]
NOTHING = ConfiguredRustflags()


class TestMergeRustflags:
    def test_encoded_rustflags_are_kept_and_ours_appended(self) -> None:
        env = {ENCODED: "-Ctarget-cpu=native\x1f--cfg\x1fa b"}
        updates, args = merge_rustflags(OURS, env, NOTHING, HOST)
        assert updates == {ENCODED: "\x1f".join(["-Ctarget-cpu=native", "--cfg", "a b", *OURS])}
        assert args == []

    def test_rustflags_become_encoded_with_ours_appended(self) -> None:
        """RUSTFLAGS is split on whitespace as cargo splits it; ours may hold spaces, so the result is encoded."""
        updates, args = merge_rustflags(OURS, {"RUSTFLAGS": "  -C opt-level=2   --cfg feat "}, NOTHING, HOST)
        assert updates == {ENCODED: "\x1f".join(["-C", "opt-level=2", "--cfg", "feat", *OURS])}
        assert args == []

    def test_encoded_rustflags_win_over_rustflags(self) -> None:
        """As in cargo, which ignores RUSTFLAGS when CARGO_ENCODED_RUSTFLAGS is set."""
        updates, _ = merge_rustflags(OURS, {ENCODED: "--cfg\x1fx", "RUSTFLAGS": "--cfg y"}, NOTHING, HOST)
        assert updates[ENCODED].split("\x1f") == ["--cfg", "x", *OURS]

    @pytest.mark.parametrize("variable", [ENCODED, "RUSTFLAGS"])
    def test_empty_variables_still_take_precedence(self, variable: str) -> None:
        updates, args = merge_rustflags(OURS, {variable: ""}, NOTHING, HOST)
        assert updates == {ENCODED: "\x1f".join(OURS)}
        assert args == []

    def test_flags_the_user_already_passes_are_not_repeated(self) -> None:
        env = {ENCODED: "\x1f".join([OURS[1], "--cfg", "x"])}
        updates, _ = merge_rustflags([*OURS, OURS[0]], env, NOTHING, HOST)
        assert updates[ENCODED].split("\x1f") == [OURS[1], "--cfg", "x", OURS[0]]

    def test_without_variables_ours_go_to_build_rustflags_by_config(self) -> None:
        """cargo appends --config arrays to its files' (the user's build.rustflags stay, first)."""
        updates, args = merge_rustflags(OURS, {}, NOTHING, HOST)
        assert updates == {}
        assert args == ["--config", f"build.rustflags={json.dumps(OURS)}"]

    def test_the_triples_own_target_entry_gets_them_too(self) -> None:
        configured = ConfiguredRustflags(target_keys=("cfg(unix)", HOST))
        _, args = merge_rustflags(OURS, {}, configured, HOST)
        value = json.dumps(OURS)
        assert args == ["--config", f"build.rustflags={value}", "--config", f'target."{HOST}".rustflags={value}']

    def test_cfg_target_entries_each_get_them_when_the_triple_has_none(self) -> None:
        configured = ConfiguredRustflags(target_keys=("cfg(unix)", "cfg(windows)"))
        _, args = merge_rustflags(OURS, {}, configured, HOST)
        value = json.dumps(OURS)
        assert args == [
            "--config",
            f"build.rustflags={value}",
            "--config",
            f'target."cfg(unix)".rustflags={value}',
            "--config",
            f'target."cfg(windows)".rustflags={value}',
        ]

    def test_flags_in_the_configuration_are_not_repeated(self) -> None:
        _, args = merge_rustflags(OURS, {}, ConfiguredRustflags(flags=frozenset([OURS[0]])), HOST)
        assert args == ["--config", f"build.rustflags={json.dumps(OURS[1:])}"]
        assert merge_rustflags(OURS, {}, ConfiguredRustflags(flags=frozenset(OURS)), HOST) == ({}, [])

    def test_the_config_values_are_toml(self) -> None:
        odd = ['--remap-path-prefix=/tmp/a "quoted" dir\\x=y', "--remap-path-prefix=/tmp/ünï=z"]
        _, args = merge_rustflags(odd, {}, ConfiguredRustflags(target_keys=("cfg(unix)",)), HOST)
        for arg in args[1::2]:
            key, value = arg.split("=", 1)
            document = tomlkit.parse(f"{key} = {value}").unwrap()
            table = document["build"] if key == "build.rustflags" else document["target"]["cfg(unix)"]
            assert table["rustflags"] == odd


class TestConfiguredRustflags:
    def test_files_from_the_directory_up_and_the_cargo_home(self, tmp_path: Path) -> None:
        crate = tmp_path / "project" / "crate"
        crate.mkdir(parents=True)
        (tmp_path / "project" / ".cargo").mkdir()
        (tmp_path / "project" / ".cargo" / "config.toml").write_text(
            '[build]\nrustflags = "-C opt-level=3"\n[target.\'cfg(unix)\']\nrustflags = ["--cfg", "u"]\n'
        )
        home = tmp_path / "home"
        home.mkdir()
        (home / "config.toml").write_text(
            f'[target.{HOST}]\nrustflags = ["--cfg", "h"]\n[target.other]\nlinker = "x"\n'
        )
        env = {"CARGO_HOME": str(home), "CARGO_BUILD_RUSTFLAGS": "--cfg e"}
        configured = configured_rustflags(crate, env, HOST)
        assert configured.target_keys == ("cfg(unix)", HOST)
        assert configured.flags == {"-C", "opt-level=3", "--cfg", "u", "h", "e"}

    def test_the_triples_environment_variable_is_a_target_entry(self, tmp_path: Path) -> None:
        env = {"CARGO_HOME": str(tmp_path), "CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS": "--cfg t"}
        configured = configured_rustflags(tmp_path, env, HOST)
        assert configured.target_keys == (HOST,)
        assert "t" in configured.flags

    def test_a_broken_file_is_left_to_cargo(self, tmp_path: Path) -> None:
        (tmp_path / ".cargo").mkdir()
        (tmp_path / ".cargo" / "config.toml").write_text("[build\n")
        assert configured_rustflags(tmp_path, {"CARGO_HOME": str(tmp_path / "h")}, HOST) == ConfiguredRustflags()


def layout(tmp_path: Path, *packages: PathPackage) -> Layout:
    return Layout(workspace_root=tmp_path / "crate", target_dir=tmp_path / "crate" / "target", path_packages=packages)


def remaps(flags: List[str]) -> List[str]:
    assert all(f.startswith("--remap-path-prefix=") for f in flags)
    return [f.split("=", 1)[1] for f in flags]


class TestRemapFlags:
    def test_every_location_most_specific_last(self, tmp_path: Path) -> None:
        crate = PathPackage("app", "1.0.0", tmp_path / "crate")
        inner = PathPackage("inner", "0.2.0", tmp_path / "crate" / "inner")
        helper = PathPackage("hatch-interop", "0.1.0", tmp_path / "rust_helper")
        toolchain = Toolchain(host=HOST, commit_hash="abc123", sysroot="/opt/rust/toolchains/stable")
        flags = remap_flags(layout(tmp_path, crate, inner, helper), toolchain, Path("/home/me/.cargo"))
        assert remaps(flags) == sorted(
            [
                "/home/me/.cargo=/cargo",
                "/opt/rust/toolchains/stable=/rustc/abc123",
                f"{tmp_path}/crate=.",
                f"{tmp_path}/crate/target=target",
                f"{tmp_path}/rust_helper=hatch-interop-0.1.0",
            ],
            key=lambda pair: len(pair.rsplit("=", 1)[0]),
        )

    def test_through_a_view_its_root_is_the_workspace_too(self, tmp_path: Path) -> None:
        helper = PathPackage("hatch-interop", "0.1.0", tmp_path / "rust_helper")
        view = tmp_path / "crate" / "target" / "hatch-interop" / "views" / "0123"
        # Without SOURCE_DATE_EPOCH only the machine's paths: projects sharing a target dir share its builds.
        machine = remap_flags(layout(tmp_path, helper), Toolchain(sysroot="/opt/rust"), Path("/h"), project=False)
        assert remaps(machine) == ["/h=/cargo", "/opt/rust=/rustc/sysroot"]
        flags = remap_flags(layout(tmp_path, helper), Toolchain(), Path("/h"), view)
        assert remaps(flags)[-1] == f"{view}=."
        assert "/rustc/" not in " ".join(flags)  # no sysroot known: none remapped


def crate_tree(tmp_path: Path, manifest_extra: str = "") -> Path:
    """tmp_path/project/app (the crate) depending on tmp_path/libs/helper."""
    crate = tmp_path / "project" / "app"
    (crate / "src").mkdir(parents=True)
    (crate / "Cargo.toml").write_text(
        '[package]\nname = "app"\nversion = "0.1.0"\nedition = "2021"\n\n'
        f'[dependencies]\nhelper = {{ path = "../../libs/helper" }}\n{manifest_extra}'
    )
    (crate / "Cargo.lock").write_text("# lock\n")
    (tmp_path / "libs" / "helper" / "src").mkdir(parents=True)
    return crate


def crate_layout(tmp_path: Path, crate: Path) -> Layout:
    return Layout(
        workspace_root=crate,
        target_dir=crate / "target",
        path_packages=(
            PathPackage("app", "0.1.0", crate),
            PathPackage("helper", "0.1.0", tmp_path / "libs" / "helper"),
            PathPackage("helper-macros", "0.1.0", tmp_path / "libs" / "helper" / "macros"),
        ),
    )


class TestWorkspaceView:
    def test_repeats_the_layout_under_a_workspace_manifest(self, tmp_path: Path) -> None:
        crate = crate_tree(tmp_path, '\n[profile.release]\nlto = true\npanic = "abort"\n')
        views = tmp_path / "views"
        view = workspace_view(crate_layout(tmp_path, crate), crate, views)
        assert view is not None
        assert view.root.parent == views
        assert view.manifest == view.root / "project" / "app" / "Cargo.toml"
        assert (view.root / "project" / "app").resolve() == crate
        assert (view.root / "libs" / "helper").resolve() == tmp_path / "libs" / "helper"
        assert not (view.root / "libs" / "helper" / "macros").is_symlink()  # reached through its parent's link
        manifest = tomlkit.parse((view.root / "Cargo.toml").read_text()).unwrap()
        assert manifest == {
            "workspace": {"members": ["project/app"], "exclude": ["libs/helper"], "resolver": "2"},
            "profile": {"release": {"lto": True, "panic": "abort"}},
        }
        assert (view.root / "Cargo.lock").read_text() == "# lock\n"
        # A second build of the same tree uses the same view.
        again = workspace_view(crate_layout(tmp_path, crate), crate, views)
        assert again == view

    def test_the_lock_file_cargo_wrote_goes_back_to_the_crate(self, tmp_path: Path) -> None:
        crate = crate_tree(tmp_path)
        view = workspace_view(crate_layout(tmp_path, crate), crate, tmp_path / "views")
        assert view is not None
        (view.root / "Cargo.lock").write_text("# updated\n")
        sync_lock_back(view, crate)
        assert (crate / "Cargo.lock").read_text() == "# updated\n"

    def test_not_needed_when_every_path_package_is_inside_the_workspace(self, tmp_path: Path) -> None:
        crate = crate_tree(tmp_path)
        inside = Layout(crate, crate / "target", (PathPackage("app", "0.1.0", crate),))
        assert workspace_view(inside, crate, tmp_path / "views") is None

    @pytest.mark.parametrize("extra", ["[workspace]\n", '[patch.crates-io]\nsyn = { path = "../syn" }\n'])
    def test_not_possible_for_a_workspace_root_or_patches(self, tmp_path: Path, extra: str) -> None:
        crate = crate_tree(tmp_path, extra)
        assert workspace_view(crate_layout(tmp_path, crate), crate, tmp_path / "views") is None

    def test_not_possible_for_a_member_of_a_workspace(self, tmp_path: Path) -> None:
        crate = crate_tree(tmp_path)
        member = Layout(tmp_path / "project", tmp_path / "target", crate_layout(tmp_path, crate).path_packages)
        assert workspace_view(member, crate, tmp_path / "views") is None


def test_the_build_command_builds_the_planned_manifest_with_our_arguments(tmp_path: Path) -> None:
    crate = CrateInfo("app", "0.1.0", "path+file:///x#0.1.0", tmp_path / "Cargo.toml", "app", ["inventory"])
    config = InteropConfig.from_mapping({"module": "app._native", "cargo-args": ["--locked"]})
    plan = BuildPlan(
        manifest_path=tmp_path / "view" / "app" / "Cargo.toml",
        env={},
        args=["--config", 'build.rustflags=["x"]'],
        view=View(root=tmp_path / "view", manifest=tmp_path / "view" / "app" / "Cargo.toml"),
    )
    command = build_command("cargo", crate, config, plan)
    assert command[2:4] == ["--manifest-path", str(plan.manifest_path)]
    assert command[-3:] == ["--config", 'build.rustflags=["x"]', "--locked"]  # the user's arguments last


@pytest.mark.parametrize(("value", "expected"), [("1700000000", 1700000000), (" 0 ", 0), ("", None), ("soon", None)])
def test_source_date_epoch(value: str, expected: object) -> None:
    assert source_date_epoch({"SOURCE_DATE_EPOCH": value}) == expected
    assert source_date_epoch({}) is None

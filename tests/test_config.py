"""Options under [tool.hatch.build.hooks.interop]: defaults, validation, exact messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any, List

import pytest

from hatch_interop.cargo import CrateInfo, build_command
from hatch_interop.config import OPTIONS, InteropConfig, options_table
from hatch_interop.errors import ConfigError

README = Path(__file__).resolve().parent.parent / "README.md"


def parse(**raw: object) -> InteropConfig:
    return InteropConfig.from_mapping({"module": "pkg._native", **{k.replace("_", "-"): v for k, v in raw.items()}})


class TestDefaults:
    def test_only_module(self) -> None:
        config = parse()
        assert config.module == "pkg._native"
        assert config.crate == "."
        assert config.backends == ("ctypes",)
        assert config.profile == "release"
        assert config.features == ()
        assert config.cargo_args == ()
        assert config.inventory_bin == "inventory"
        assert config.platform_tag == "auto"

    def test_resolved_lists_every_option(self) -> None:
        assert list(parse().resolved()) == [o.key for o in OPTIONS]

    def test_hatchling_keys_are_not_ours_to_reject(self) -> None:
        InteropConfig.from_mapping({"module": "m", "dependencies": ["x"], "enable-by-default": True})


class TestModule:
    def test_missing(self) -> None:
        with pytest.raises(ConfigError, match=r"^Option `module` for build hook `interop` is required: .*module = "):
            InteropConfig.from_mapping({})

    def test_not_string(self) -> None:
        with pytest.raises(ConfigError) as e:
            InteropConfig.from_mapping({"module": 3})
        assert str(e.value) == "Option `module` for build hook `interop` must be a string; got 3"

    @pytest.mark.parametrize("value", ["", "pkg.", "1pkg", "pkg-native", "pkg..x", "pkg.__init__"])
    def test_invalid(self, value: str) -> None:
        with pytest.raises(ConfigError, match=r"^Option `module` for build hook `interop` must"):
            InteropConfig.from_mapping({"module": value})


class TestUnknown:
    def test_typo_suggests(self) -> None:
        with pytest.raises(ConfigError) as e:
            InteropConfig.from_mapping({"module": "m", "bakends": ["ctypes"]})
        assert str(e.value) == (
            "Unknown option `bakends` for build hook `interop`. Did you mean `backends`? Valid options: module, crate, "
            "backends, profile, editable-profile, strip, features, all-features, no-default-features, cargo-args, "
            "inventory-bin, platform-tag."
        )

    def test_underscore_spelling(self) -> None:
        with pytest.raises(ConfigError, match=r"Unknown option `cargo_args` .* Did you mean `cargo-args`\?"):
            InteropConfig.from_mapping({"module": "m", "cargo_args": []})


class TestBackends:
    def test_correct(self) -> None:
        assert parse(backends=["ctypes", "c"]).backends == ("ctypes", "c")

    def test_empty(self) -> None:
        with pytest.raises(ConfigError, match=r"`backends` .* must name at least one backend"):
            parse(backends=[])

    def test_not_array(self) -> None:
        with pytest.raises(ConfigError) as e:
            parse(backends="ctypes")
        assert str(e.value) == "Option `backends` for build hook `interop` must be an array of strings; got 'ctypes'"

    def test_duplicate(self) -> None:
        with pytest.raises(ConfigError, match=r"names ctypes more than once"):
            parse(backends=["ctypes", "ctypes"])


class TestCargoOptions:
    def test_features(self) -> None:
        assert parse(features=["a", "b"]).features == ("a", "b")

    def test_features_contradict_all_features(self) -> None:
        with pytest.raises(ConfigError, match=r"`all-features` and `features` .* contradict"):
            parse(features=["a"], all_features=True)

    def test_boolean_type(self) -> None:
        with pytest.raises(ConfigError, match=r"^Option `all-features` for build hook `interop` must be a boolean"):
            parse(all_features="yes")

    @pytest.mark.parametrize(
        ("arg", "remedy"),
        [
            ("--release", "use the `profile` option"),
            ("--message-format", "hatch-interop reads cargo's JSON messages itself"),
        ],
    )
    def test_cargo_args_owned_by_the_hook(self, arg: str, remedy: str) -> None:
        with pytest.raises(ConfigError, match=rf"must not contain `{arg.split('=', maxsplit=1)[0]}`: {remedy}"):
            parse(cargo_args=["--locked", arg])

    def test_cargo_args_passthrough(self) -> None:
        assert parse(cargo_args=["--locked", "-j2"]).cargo_args == ("--locked", "-j2")

    def test_profile(self) -> None:
        assert parse(profile="dev").profile == "dev"
        with pytest.raises(ConfigError, match="must be a cargo profile name"):
            parse(profile="re lease")
        assert parse().editable_profile == ""
        assert parse(editable_profile="dev").editable_profile == "dev"
        with pytest.raises(ConfigError, match="Option `editable-profile` for build hook `interop` must be a cargo"):
            parse(editable_profile="de v")

    def test_platform_tag(self) -> None:
        assert parse(platform_tag="manylinux_2_28_x86_64").platform_tag == "manylinux_2_28_x86_64"
        with pytest.raises(ConfigError, match="must be `auto` or a wheel platform tag"):
            parse(platform_tag="Linux X86")


def test_readme_documents_every_option() -> None:
    """The README's reference table is the one generated from OPTIONS (regenerate it when this fails)."""
    assert options_table() in README.read_text(encoding="utf-8"), options_table()


def test_strip_follows_the_profile() -> None:
    """`auto` strips the release library's symbols and leaves other profiles to the crate's Cargo.toml."""
    crate = CrateInfo("demo", "0.1.0", "demo 0.1.0", Path("Cargo.toml"), "demo", ["inventory"])

    def strip_args(**options: Any) -> List[str]:
        command = build_command("cargo", crate, parse(**options))
        return [arg for arg in command if arg.startswith("profile.")]

    assert strip_args() == ['profile.release.strip="symbols"']
    assert strip_args(profile="dev") == []
    assert strip_args(profile="dev", strip="debuginfo") == ['profile.dev.strip="debuginfo"']
    assert strip_args(strip="none") == ['profile.release.strip="none"']
    with pytest.raises(ConfigError, match=r"Option `strip` for build hook `interop` must be one of `auto`"):
        parse(strip="all")

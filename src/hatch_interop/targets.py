"""Cross targets: which Rust target triple the library is built for, and what that means for the wheel.

The library is built for the *target*; the inventory binary always for the *host*, because it runs here.
A target is asked for, in the order cargo itself obeys, by ``--target`` in ``cargo-args``, by
``CARGO_BUILD_TARGET`` or by ``build.target`` in cargo's configuration; failing those, by the variables
cross-building Python tools set (cibuildwheel on macOS: ``_PYTHON_HOST_PLATFORM``, ``ARCHFLAGS``), as
maturin and setuptools-rust read them. Everything here is pure (no cargo, no rustc), so that the naming and
tagging of targets this machine cannot build for are unit-tested.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import List, Mapping, Optional, Sequence, Tuple

import tomlkit
from tomlkit.exceptions import TOMLKitError

from hatch_interop.errors import ConfigError

#: rustc's default macOS deployment targets (what the library needs when MACOSX_DEPLOYMENT_TARGET is unset).
_MACOS_DEFAULT = {"x86_64": "10.12", "arm64": "11.0"}
#: Rust architecture -> the wheel's name for it, where they differ.
_WINDOWS_ARCH = {"x86_64": "win_amd64", "aarch64": "win_arm64", "i686": "win32", "i586": "win32"}
_APPLE_ARCH = {"aarch64": "arm64", "x86_64": "x86_64", "arm64e": "arm64e"}
#: Python's machine names (``linux-<machine>``, ``macosx-*-<machine>``) -> the Rust architecture.
_RUST_ARCH = {
    "x86_64": "x86_64",
    "amd64": "x86_64",
    "aarch64": "aarch64",
    "arm64": "aarch64",
    "i686": "i686",
    "armv7l": "armv7",
    "ppc64le": "powerpc64le",
    "s390x": "s390x",
    "riscv64": "riscv64gc",
}


@dataclass(frozen=True)
class Requested:
    """A target triple and what asked for it (named in error messages)."""

    triple: str
    source: str


def is_linux(triple: str) -> bool:
    return "-linux-" in triple or triple.endswith("-linux")


def is_apple(triple: str) -> bool:
    return triple.endswith("-apple-darwin")


def is_windows(triple: str) -> bool:
    return "-windows-" in triple or triple.endswith("-windows")


def arch_of(triple: str) -> str:
    return triple.split("-", 1)[0]


def library_suffix(triple: str) -> str:
    """The file name suffix of a cdylib built for `triple` (``.so`` for Linux and other Unixes)."""
    if is_apple(triple):
        return ".dylib"
    if is_windows(triple):
        return ".dll"
    return ".so"


def library_filename(lib_name: str, triple: str) -> str:
    """What cargo names the cdylib of library target `lib_name` for `triple`: ``libfoo.so``, ``libfoo.dylib``,
    ``foo.dll`` (no ``lib`` prefix on Windows)."""
    prefix = "" if is_windows(triple) else "lib"
    return f"{prefix}{lib_name}{library_suffix(triple)}"


def macos_platform(arch: str, env: Mapping[str, str]) -> str:
    """``macosx_<major>_<minor>_<arch>`` for a wheel architecture (``arm64``, ``x86_64``): the deployment target the
    linker was given (``MACOSX_DEPLOYMENT_TARGET``, which rustc honours), else rustc's default for `arch`, so that
    the tag promises no more than the library needs; never older than that default, the oldest macOS Rust's
    standard library supports."""
    given = env.get("MACOSX_DEPLOYMENT_TARGET", "").strip()
    if given and not re.match(r"\A\d+(\.\d+)*\Z", given):
        raise ConfigError(
            f"MACOSX_DEPLOYMENT_TARGET is {given!r}; it must be a macOS version such as `11.0` or `10.13`."
        )
    minimum = _version(_MACOS_DEFAULT.get(arch, "11.0"))
    # Rust's standard library needs at least its default (cibuildwheel's 10.9 is older): never promise less.
    major, minor = max(_version(given), minimum) if given else minimum
    if major >= 11:
        minor = 0  # since macOS 11 only the major version is meaningful in wheel tags
    return f"macosx_{major}_{minor}_{arch}"


def _version(text: str) -> Tuple[int, int]:
    parts = [*text.split("."), "0"][:2]
    return int(parts[0]), int(parts[1])


def platform_for(triple: str, env: Mapping[str, str]) -> Optional[str]:
    """The wheel platform tag of a macOS or Windows target (None for other targets: a Linux library's tag comes
    from the library itself, see tags.py)."""
    arch = arch_of(triple)
    if is_apple(triple):
        return macos_platform(_APPLE_ARCH.get(arch, arch), env)
    if is_windows(triple):
        return _WINDOWS_ARCH.get(arch, f"win_{arch}")
    return None


def cargo_args_target(args: Sequence[str]) -> Optional[str]:
    """The value of ``--target`` in cargo arguments (``--target T`` or ``--target=T``), if any."""
    found = _target_args(args)
    return found[0] if found else None


def _target_args(args: Sequence[str]) -> List[str]:
    values = []
    for i, arg in enumerate(args):
        if arg == "--target" and i + 1 < len(args):
            values.append(args[i + 1])
        elif arg.startswith("--target="):
            values.append(arg.split("=", 1)[1])
    return values


def check_cargo_args_target(args: Sequence[str]) -> Optional[str]:
    """Why `args` cannot carry their ``--target`` (None when they can)."""
    if args and args[-1] == "--target":
        return "ends with `--target` without a value: give a target triple, e.g. `--target`, `aarch64-apple-darwin`"
    values = _target_args(args)
    if len(values) > 1:
        return f"names {len(values)} targets ({', '.join(values)}): a wheel holds the library of one target"
    return None


def without_target_args(args: Sequence[str]) -> List[str]:
    """`args` without their ``--target`` (the build passes the target itself)."""
    kept: List[str] = []
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg == "--target":
            skip = True
        elif not arg.startswith("--target="):
            kept.append(arg)
    return kept


def python_target(env: Mapping[str, str], host: str) -> Optional[Requested]:
    """The target that ``_PYTHON_HOST_PLATFORM`` or (on macOS) ``ARCHFLAGS`` ask for, when it is not the host.

    These are what Python build tools set to cross-build a wheel: cibuildwheel on macOS sets both, e.g.
    ``_PYTHON_HOST_PLATFORM=macosx-11.0-arm64`` and ``ARCHFLAGS="-arch arm64"`` for an arm64 wheel on an x86_64
    runner. Nothing is asked when they name the host's own platform.
    """
    wanted: List[Requested] = []
    platform = env.get("_PYTHON_HOST_PLATFORM", "").strip()
    if platform:
        triple = _triple_of_python_platform(platform, host)
        if triple is None:
            raise ConfigError(
                f"_PYTHON_HOST_PLATFORM is {platform!r}, a platform hatch-interop cannot map to a Rust target. "
                "Set CARGO_BUILD_TARGET to the Rust target triple to build for (`rustc --print target-list` lists "
                "them), or unset _PYTHON_HOST_PLATFORM."
            )
        wanted.append(Requested(triple, f"_PYTHON_HOST_PLATFORM={platform}"))
    archflags = env.get("ARCHFLAGS", "").strip()
    if archflags and is_apple(host):  # ARCHFLAGS is a macOS (Apple clang) convention; elsewhere it means nothing
        arches = _archflags(archflags)
        if len(arches) > 1 or "universal2" in platform:
            raise ConfigError(
                f"ARCHFLAGS is {archflags!r}, which asks for a universal2 (fat) library; hatch-interop builds one "
                "architecture per wheel. Build one wheel per architecture instead (cibuildwheel: "
                '`archs = ["x86_64", "arm64"]`), or set CARGO_BUILD_TARGET to aarch64-apple-darwin or '
                "x86_64-apple-darwin."
            )
        if arches:
            arch = _RUST_ARCH.get(arches[0], arches[0])
            wanted.append(Requested(f"{arch}-apple-darwin", f"ARCHFLAGS={archflags}"))
    if len({w.triple for w in wanted}) > 1:
        described = " and ".join(f"{w.source} asks for {w.triple}" for w in wanted)
        raise ConfigError(f"{described}: they disagree. Set CARGO_BUILD_TARGET to the target you mean.")
    if not wanted or wanted[0].triple == host:
        return None
    return wanted[0]


def _archflags(value: str) -> List[str]:
    words = shlex.split(value)
    return [words[i + 1] for i, word in enumerate(words[:-1]) if word == "-arch"]


def _triple_of_python_platform(platform: str, host: str) -> Optional[str]:
    """``macosx-11.0-arm64`` -> ``aarch64-apple-darwin``, ``linux-aarch64`` -> ``aarch64-unknown-linux-gnu``,
    ``win-arm64`` -> ``aarch64-pc-windows-msvc``; None for a platform with no single Rust target."""
    if platform.startswith("macosx-"):
        machine = platform.rsplit("-", 1)[-1]
        if machine == "universal2":
            raise ConfigError(
                f"_PYTHON_HOST_PLATFORM is {platform!r}: a universal2 (fat) wheel. hatch-interop builds one "
                'architecture per wheel: build one wheel per architecture (cibuildwheel: `archs = ["x86_64", '
                '"arm64"]`), or set CARGO_BUILD_TARGET to aarch64-apple-darwin or x86_64-apple-darwin.'
            )
        return f"{_RUST_ARCH[machine]}-apple-darwin" if machine in _RUST_ARCH else None
    windows = {"win32": "i686", "win-amd64": "x86_64", "win-arm64": "aarch64"}
    if platform in windows:
        return f"{windows[platform]}-pc-windows-msvc"
    if platform.startswith("linux-"):
        machine = platform.split("-", 1)[1]
        if machine not in _RUST_ARCH:
            return None
        arch = _RUST_ARCH[machine]
        if arch_of(host) == arch and is_linux(host):
            return host  # the host itself (its own libc: gnu or musl)
        libc = "musl" if "-musl" in host else "gnu"
        return f"{arch}-unknown-linux-{libc}{'eabihf' if arch == 'armv7' else ''}"
    return None


def configured_target(config_files: Sequence[Path]) -> Optional[Requested]:
    """``build.target`` of cargo's configuration files (most specific first), as cargo resolves it."""
    for path in config_files:
        try:
            document = tomlkit.parse(path.read_text(encoding="utf-8")).unwrap()
        except (OSError, UnicodeDecodeError, TOMLKitError):
            continue  # cargo reports a broken configuration itself
        build = document.get("build")
        if not isinstance(build, dict) or "target" not in build:
            continue
        value = build["target"]
        if isinstance(value, list):
            if len(value) != 1:
                raise ConfigError(
                    f"`build.target` in {path} names {len(value)} targets; a wheel holds the library of one target. "
                    "Set CARGO_BUILD_TARGET to the one to build."
                )
            value = value[0]
        if isinstance(value, str) and value:
            # A target specification file is relative to the directory that holds `.cargo/`.
            if value.endswith(".json") and not Path(value).is_absolute():
                value = str(path.parent.parent / value)
            return Requested(value, f"`build.target` in {path}")
    return None


def requested_target(
    cargo_args: Sequence[str], env: Mapping[str, str], config_files: Sequence[Path], host: str
) -> Optional[Requested]:
    """The target the library must be built for, when one is asked for (None: the host, as cargo builds by
    default). Cargo's own precedence: the command line, then the environment, then the configuration."""
    given = cargo_args_target(cargo_args)
    if given:
        return Requested(given, "`--target` in option `cargo-args`")
    variable = env.get("CARGO_BUILD_TARGET", "").strip()
    if variable:
        return Requested(variable, "CARGO_BUILD_TARGET")
    configured = configured_target(config_files)
    if configured is not None:
        return configured
    return python_target(env, host)


def describe_layout_mismatch(triple: str, cfg: Mapping[str, str], host_byteorder: str) -> Optional[str]:
    """Why the inventory binary, which runs on the host, cannot describe `triple`'s library (None when it can).

    The inventory's sizes, alignments and offsets are measured by the host (docs/inventory-schema.md), and the
    format assumes 64-bit pointers: only targets with 64-bit pointers and the host's byte order share them.
    """
    width = cfg.get("target_pointer_width", "")
    endian = cfg.get("target_endian", "")
    if width and width != "64":
        return (
            f"{triple} has {width}-bit pointers, and hatch-interop supports 64-bit targets only (the inventory's "
            "layouts assume 64-bit pointers)"
        )
    if endian and endian != host_byteorder:
        return (
            f"{triple} is {endian}-endian and this machine is {host_byteorder}-endian: the inventory binary runs "
            "here and its layouts would not be the target's. Build on a machine of the target (cibuildwheel with "
            "QEMU emulation does that)"
        )
    return None


def parse_cfg(text: str) -> Tuple[Tuple[str, str], ...]:
    """``rustc --print cfg`` output -> ``(key, value)`` pairs (``target_os``, ``linux``)."""
    pairs = []
    for line in text.splitlines():
        if "=" in line:
            key, value = line.split("=", 1)
            pairs.append((key.strip(), value.strip().strip('"')))
    return tuple(pairs)

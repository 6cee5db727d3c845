"""Wheel tags for a wheel that holds a native library.

The interpreter and ABI tags are ``py3-none`` unless a backend built a CPython extension (see
``Backend.wheel_tag``); the platform tag comes from the library itself, and from what a backend built
beside it (an extension module that links it). On Linux it is ``manylinux_2_X_<arch>``, where
2.X is the newest glibc symbol version the library needs (read from its ELF version-needs
section, as auditwheel does) and the library links only against libraries every manylinux
system has. ``linux_<arch>`` (which PyPI rejects) is used only when that cannot be promised,
with a warning that says why.
"""

from __future__ import annotations

import os
import re
import struct
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Set, Tuple

from hatch_interop import targets
from hatch_interop.errors import ConfigError

#: Libraries that PEP 600 manylinux systems provide (the auditwheel policy's whitelist).
MANYLINUX_LIBRARIES = frozenset(
    {
        "libgcc_s.so.1",
        "libstdc++.so.6",
        "libm.so.6",
        "libdl.so.2",
        "librt.so.1",
        "libc.so.6",
        "libnsl.so.1",
        "libutil.so.1",
        "libpthread.so.0",
        "libresolv.so.2",
        "libcrypt.so.1",
        "ld-linux-x86-64.so.2",
        "ld-linux-aarch64.so.1",
        "ld-linux.so.2",
        "ld-linux-armhf.so.3",
        "ld64.so.2",
        "ld64.so.1",
        "ld-linux-riscv64-lp64d.so.1",
    }
)
#: The oldest glibc we tag for: manylinux2014, which every supported pip understands.
MIN_GLIBC = (2, 17)

# ELF e_machine -> wheel architecture name
_MACHINES = {3: "i686", 40: "armv7l", 62: "x86_64", 183: "aarch64", 21: "ppc64le", 22: "s390x", 243: "riscv64"}

_SHT_DYNAMIC = 6
_SHT_DYNSYM = 11
_SHT_GNU_VERNEED = 0x6FFFFFFE
_SHT_GNU_VERSYM = 0x6FFFFFFF
_DT_NEEDED = 1
_SHN_UNDEF = 0


@dataclass(frozen=True)
class ElfInfo:
    arch: str
    needed: Tuple[str, ...]
    #: (library, version name) pairs from the version-needs section, e.g. ("libc.so.6", "GLIBC_2.17")
    versions: Tuple[Tuple[str, str], ...]
    #: (symbol, version name) of each undefined dynamic symbol that needs a version, e.g. ("memcpy", "GLIBC_2.14")
    symbols: Tuple[Tuple[str, str], ...] = ()


class ElfError(ValueError):
    pass


def read_elf(path: Path) -> ElfInfo:
    """Read the architecture, DT_NEEDED entries and needed symbol versions of an ELF file."""
    data = path.read_bytes()
    if data[:4] != b"\x7fELF":
        raise ElfError(f"{path} is not an ELF file")
    is64 = data[4] == 2
    endian = "<" if data[5] == 1 else ">"
    if is64:
        (machine,) = struct.unpack_from(endian + "H", data, 18)
        shoff, shentsize, shnum = (
            struct.unpack_from(endian + "Q", data, 40)[0],
            *struct.unpack_from(endian + "HH", data, 58),
        )
        section = struct.Struct(endian + "IIQQQQIIQQ")
        dyn = struct.Struct(endian + "qQ")
    else:
        (machine,) = struct.unpack_from(endian + "H", data, 18)
        shoff, shentsize, shnum = (
            struct.unpack_from(endian + "I", data, 32)[0],
            *struct.unpack_from(endian + "HH", data, 46),
        )
        section = struct.Struct(endian + "IIIIIIIIII")
        dyn = struct.Struct(endian + "iI")
    arch = "ppc64" if machine == 21 and endian == ">" else _MACHINES.get(machine, f"elf-machine-{machine}")
    sections = [section.unpack_from(data, shoff + i * shentsize) for i in range(shnum)]

    def string_at(strtab_index: int, offset: int) -> str:
        base = sections[strtab_index][4] + offset  # sh_offset
        end = data.index(b"\0", base)
        return data[base:end].decode("ascii", "replace")

    needed: List[str] = []
    versions: List[Tuple[str, str]] = []
    version_names: Dict[int, str] = {}  # version index (vna_other) -> name
    for sh in sections:
        sh_type, sh_offset, sh_size, sh_link, sh_info = sh[1], sh[4], sh[5], sh[6], sh[7]
        if sh_type == _SHT_DYNAMIC:
            for pos in range(sh_offset, sh_offset + sh_size, dyn.size):
                tag, value = dyn.unpack_from(data, pos)
                if tag == 0:
                    break
                if tag == _DT_NEEDED:
                    needed.append(string_at(sh_link, value))
        elif sh_type == _SHT_GNU_VERNEED:
            pos = sh_offset
            for _ in range(sh_info):  # sh_info = number of Verneed entries
                _vn_version, vn_cnt, vn_file, vn_aux, vn_next = struct.unpack_from(endian + "HHIII", data, pos)
                library = string_at(sh_link, vn_file)
                aux = pos + vn_aux
                for _ in range(vn_cnt):
                    _hash, _flags, other, vna_name, vna_next = struct.unpack_from(endian + "IHHII", data, aux)
                    versions.append((library, string_at(sh_link, vna_name)))
                    version_names[other] = versions[-1][1]
                    aux += vna_next
                pos += vn_next
    symbols: List[Tuple[str, str]] = []
    dynsym = next((i for i, sh in enumerate(sections) if sh[1] == _SHT_DYNSYM), None)
    versym = next((sh for sh in sections if sh[1] == _SHT_GNU_VERSYM), None)
    if dynsym is not None and versym is not None:
        sym = sections[dynsym]
        entry = 24 if is64 else 16
        for index in range(sym[5] // entry):
            pos = sym[4] + index * entry
            if is64:
                name, _info, _other, shndx = struct.unpack_from(endian + "IBBH", data, pos)
            else:
                name, _value, _size, _info, _other, shndx = struct.unpack_from(endian + "IIIBBH", data, pos)
            (version,) = struct.unpack_from(endian + "H", data, versym[4] + index * 2)
            if shndx == _SHN_UNDEF and (version & 0x7FFF) in version_names:
                symbols.append((string_at(sym[6], name), version_names[version & 0x7FFF]))
    return ElfInfo(arch=arch, needed=tuple(needed), versions=tuple(versions), symbols=tuple(symbols))


def manylinux_tag(info: ElfInfo) -> Tuple[Optional[str], str]:
    """``(tag, reason)``: the manylinux tag for a library, or ``None`` and why it cannot have one."""
    foreign = sorted(set(info.needed) - MANYLINUX_LIBRARIES)
    if foreign:
        return None, (
            f"it links against {', '.join(foreign)}, which manylinux systems do not promise; "
            "vendor them with `auditwheel repair`, or link them statically"
        )
    glibc: Set[Tuple[int, int]] = {MIN_GLIBC}
    for _library, version in info.versions:
        if version == "GLIBC_PRIVATE":
            return None, "it uses private glibc symbols (GLIBC_PRIVATE)"
        m = re.match(r"GLIBC_(\d+)\.(\d+)", version)
        if m:
            glibc.add((int(m.group(1)), int(m.group(2))))
    major, minor = max(glibc)
    return f"manylinux_{major}_{minor}_{info.arch}", ""


def read_elf_shipped(library: Path, companions: Sequence[Path] = ()) -> ElfInfo:
    """What `library` and its `companions` (ELF files a backend built beside it, such as an extension module that
    links it) need together, as one :class:`ElfInfo` of the library's architecture; the libraries among them are
    not needed from the system (each finds the others beside it)."""
    info = read_elf(library)
    others = [read_elf(path) for path in companions if path.read_bytes()[:4] == b"\x7fELF"]
    if not others:
        return info
    inside = {library.name, *(path.name for path in companions)}
    every = [info, *others]
    return ElfInfo(
        arch=info.arch,
        needed=tuple(dict.fromkeys(name for i in every for name in i.needed if name not in inside)),
        versions=tuple(dict.fromkeys(version for i in every for version in i.versions)),
        symbols=tuple(dict.fromkeys(symbol for i in every for symbol in i.symbols)),
    )


def platform_tag(
    library: Path, warn: Callable[[str], None], companions: Sequence[Path] = (), target: str = "", host: str = ""
) -> str:
    """The wheel platform tag for a wheel holding ``library`` (and `companions`, see :func:`read_elf_shipped`),
    built for the Rust `target` triple; the running platform's when `target` is empty or the `host`'s own."""
    if targets.is_linux(target) or (not target and sys.platform.startswith("linux")):
        info = read_elf_shipped(library, companions)
        if _is_musl(info):
            return f"musllinux_1_2_{info.arch}"
        tag, reason = manylinux_tag(info)
        if tag is None:
            fallback = f"linux_{info.arch}"
            warn(f"Tagging the wheel {fallback} (PyPI rejects this tag) because {library.name} {reason}.")
            return fallback
        return tag
    known = targets.platform_for(target, os.environ) if target else None
    if known is not None:
        return known
    if target and target != host:
        raise ConfigError(
            f"hatch-interop cannot tell the wheel platform tag of target {target} (it knows Linux, macOS and "
            "Windows targets): set option `platform-tag` to the tag its wheels need."
        )
    if sys.platform == "darwin":
        return _macos_tag()
    return _normalise(sysconfig.get_platform())


#: The legacy manylinux tags and the glibc each promises (PEP 600).
_LEGACY_MANYLINUX = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}


def check_platform_tag(requested: str, library: Path, companions: Sequence[Path] = ()) -> Optional[str]:
    """Why a wheel holding `library` cannot carry the platform tag `requested` (None when it can).

    Only Linux (ELF) libraries are checked, whatever the building machine: each tag of a compressed set
    (``a.b``) must name the library's architecture, and a manylinux tag a glibc no older than every symbol
    version the library needs and no library beyond the ones manylinux promises.
    """
    with open(library, "rb") as f:
        if f.read(4) != b"\x7fELF":
            return None
    info = read_elf_shipped(library, companions)
    for tag in requested.split("."):
        problem = _tag_problem(tag, info, library.name)
        if problem:
            return problem
    return None


def _tag_problem(tag: str, info: ElfInfo, name: str) -> Optional[str]:
    if tag == "any":
        return f"the wheel holds the native library {name}, which runs on {info.arch} Linux only: `any` promises more"
    legacy = re.match(r"\A(manylinux1|manylinux2010|manylinux2014)_(.+)\Z", tag)
    modern = re.match(r"\A(many|musl)linux_(\d+)_(\d+)_(.+)\Z", tag)
    plain = re.match(r"\Alinux_(.+)\Z", tag)
    if legacy:
        family, version, arch = "many", _LEGACY_MANYLINUX[legacy.group(1)], legacy.group(2)
    elif modern:
        family, version, arch = modern.group(1), (int(modern.group(2)), int(modern.group(3))), modern.group(4)
    elif plain:
        family, version, arch = "", (0, 0), plain.group(1)
    else:
        return f"`{tag}` is not a Linux platform tag, and {name} is a Linux library"
    if arch != info.arch:
        return f"`{tag}` is for {arch}, but {name} is an {info.arch} library"
    musl = _is_musl(info)
    if family == "musl" and not musl:
        return f"`{tag}` promises musl, but {name} links glibc"
    if family == "many":
        if musl:
            return f"`{tag}` promises glibc, but {name} links musl"
        foreign = sorted(set(info.needed) - MANYLINUX_LIBRARIES)
        if foreign:
            return (
                f"`{tag}` promises only the libraries every manylinux system has, but {name} needs {', '.join(foreign)}"
            )
        needs = _newest_glibc(info)
        if needs is not None and needs[0] > version:
            (major, minor), symbol = needs
            return (
                f"`{tag}` promises glibc {version[0]}.{version[1]}, but {name} needs glibc {major}.{minor} "
                f"(symbol `{symbol}`, version GLIBC_{major}.{minor})"
            )
    return None


def _newest_glibc(info: ElfInfo) -> Optional[Tuple[Tuple[int, int], str]]:
    """The newest glibc version the library needs, with a symbol that needs it (or the library's name)."""
    best: Optional[Tuple[Tuple[int, int], str]] = None
    # The alphabetically first symbol of each version, so that messages are deterministic.
    named = {version: symbol for symbol, version in sorted(info.symbols, reverse=True)}
    for _library, version in info.versions:
        m = re.match(r"GLIBC_(\d+)\.(\d+)\Z", version)
        if m:
            found = (int(m.group(1)), int(m.group(2)))
            if best is None or found > best[0]:
                best = (found, named.get(version, "(unnamed)"))
    return best


def _is_musl(info: ElfInfo) -> bool:
    return any(name.startswith("libc.musl") or name.startswith("ld-musl") for name in info.needed)


def _macos_tag() -> str:
    return targets.macos_platform(os.uname().machine, os.environ)


def _normalise(platform: str) -> str:
    return platform.replace("-", "_").replace(".", "_")


def wheel_tag(platform: str, python: str = "py3", abi: str = "none") -> str:
    """The full wheel tag: by default any Python 3 and no CPython ABI (what the backends' files need), on this
    platform."""
    return f"{python}-{abi}-{platform}"

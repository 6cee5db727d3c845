"""Wheel tags for a wheel that holds a native library but no CPython extension.

The bindings do not touch the CPython ABI, so the interpreter and ABI tags are ``py3-none``;
the platform tag comes from the library itself. On Linux it is ``manylinux_2_X_<arch>``, where
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
from typing import Callable, List, Optional, Set, Tuple

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
_SHT_GNU_VERNEED = 0x6FFFFFFE
_DT_NEEDED = 1


@dataclass(frozen=True)
class ElfInfo:
    arch: str
    needed: Tuple[str, ...]
    #: (library, version name) pairs from the version-needs section, e.g. ("libc.so.6", "GLIBC_2.17")
    versions: Tuple[Tuple[str, str], ...]


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
                    _hash, _flags, _other, vna_name, vna_next = struct.unpack_from(endian + "IHHII", data, aux)
                    versions.append((library, string_at(sh_link, vna_name)))
                    aux += vna_next
                pos += vn_next
    return ElfInfo(arch=arch, needed=tuple(needed), versions=tuple(versions))


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


def platform_tag(library: Path, warn: Callable[[str], None]) -> str:
    """The wheel platform tag for a wheel holding ``library``, built for the running platform."""
    if sys.platform.startswith("linux"):
        info = read_elf(library)
        if _is_musl(info):
            return f"musllinux_1_2_{info.arch}"
        tag, reason = manylinux_tag(info)
        if tag is None:
            fallback = f"linux_{info.arch}"
            warn(f"Tagging the wheel {fallback} (PyPI rejects this tag) because {library.name} {reason}.")
            return fallback
        return tag
    if sys.platform == "darwin":
        return _macos_tag()
    return _normalise(sysconfig.get_platform())


def _is_musl(info: ElfInfo) -> bool:
    return any(name.startswith("libc.musl") or name.startswith("ld-musl") for name in info.needed)


def _macos_tag() -> str:
    arch = os.uname().machine
    # rustc's own deployment-target defaults, so the tag promises no more than the binary needs.
    default = "11.0" if arch == "arm64" else "10.12"
    target = os.environ.get("MACOSX_DEPLOYMENT_TARGET", default)
    parts = [*target.split("."), "0"][:2]
    major, minor = int(parts[0]), int(parts[1])
    if major >= 11:
        minor = 0  # since macOS 11 only the major version is meaningful in wheel tags
    return f"macosx_{major}_{minor}_{arch}"


def _normalise(platform: str) -> str:
    return platform.replace("-", "_").replace(".", "_")


def wheel_tag(platform: str, python: str = "py3", abi: str = "none") -> str:
    """The full wheel tag: by default any Python 3 and no CPython ABI (what the backends' files need), on this
    platform."""
    return f"{python}-{abi}-{platform}"

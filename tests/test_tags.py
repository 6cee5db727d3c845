"""Wheel platform tags from the library's ELF headers."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from hatch_interop.tags import ElfError, ElfInfo, manylinux_tag, read_elf, wheel_tag


def info(needed: tuple[str, ...], *versions: str) -> ElfInfo:
    return ElfInfo(arch="x86_64", needed=needed, versions=tuple(("libc.so.6", v) for v in versions))


def test_newest_glibc_version_decides() -> None:
    tag, _ = manylinux_tag(info(("libc.so.6", "libm.so.6"), "GLIBC_2.2.5", "GLIBC_2.28", "GLIBC_2.3.4", "GCC_3.0"))
    assert tag == "manylinux_2_28_x86_64"


def test_old_libraries_get_manylinux2014() -> None:
    assert manylinux_tag(info(("libc.so.6",), "GLIBC_2.2.5"))[0] == "manylinux_2_17_x86_64"


def test_foreign_library_has_no_manylinux_tag() -> None:
    tag, reason = manylinux_tag(info(("libc.so.6", "libssl.so.3"), "GLIBC_2.17"))
    assert tag is None
    assert "libssl.so.3" in reason and "auditwheel repair" in reason


def test_private_glibc_symbols() -> None:
    assert manylinux_tag(info(("libc.so.6",), "GLIBC_PRIVATE"))[0] is None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads this machine's ELF files")
def test_reads_a_real_shared_library() -> None:
    elf = read_elf(Path(sys.executable).resolve())
    assert elf.arch in {"x86_64", "aarch64"}
    assert any(v.startswith("GLIBC_") for _, v in elf.versions)


def test_not_elf(tmp_path: Path) -> None:
    path = tmp_path / "x.so"
    path.write_bytes(b"MZ not an elf")
    with pytest.raises(ElfError, match="is not an ELF file"):
        read_elf(path)


def test_wheel_tag() -> None:
    assert wheel_tag("manylinux_2_17_x86_64") == "py3-none-manylinux_2_17_x86_64"

"""Wheel platform tags from the library's ELF headers."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest

from hatch_interop.tags import ElfError, ElfInfo, check_platform_tag, manylinux_tag, platform_tag, read_elf, wheel_tag


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


needs_linux_gcc = pytest.mark.skipif(
    not sys.platform.startswith("linux") or shutil.which("gcc") is None, reason="builds a Linux shared library"
)


@pytest.fixture(scope="module")
def threads_library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real shared library that needs a recent glibc: `pthread_create` moved into libc at GLIBC_2.34."""
    directory = tmp_path_factory.mktemp("elf")
    source = directory / "threads.c"
    source.write_text(
        "#include <pthread.h>\n"
        "static void *run(void *arg) { return arg; }\n"
        "int start(void) { pthread_t t; return pthread_create(&t, 0, run, 0); }\n"
    )
    library = directory / "libthreads.so"
    subprocess.run(["gcc", "-shared", "-fPIC", "-O1", "-o", library, source], check=True)
    return library


@needs_linux_gcc
def test_symbols_carry_their_versions(threads_library: Path) -> None:
    symbols = dict(read_elf(threads_library).symbols)
    assert symbols["pthread_create"].startswith("GLIBC_2.")


@needs_linux_gcc
def test_a_platform_tag_the_library_meets(threads_library: Path) -> None:
    auto = platform_tag(threads_library, warn=lambda message: None)
    assert check_platform_tag(auto, threads_library) is None
    assert check_platform_tag(f"linux_{read_elf(threads_library).arch}", threads_library) is None
    assert check_platform_tag(f"{auto}.{auto}", threads_library) is None


@needs_linux_gcc
@pytest.mark.parametrize(
    ("tag", "problem"),
    [
        ("any", "the wheel holds the native library libthreads.so, which runs on {arch} Linux only"),
        ("win_amd64", "`win_amd64` is not a Linux platform tag, and libthreads.so is a Linux library"),
        ("manylinux_2_99_riscv32", "`manylinux_2_99_riscv32` is for riscv32, but libthreads.so is an {arch} library"),
        ("musllinux_1_2_{arch}", "`musllinux_1_2_{arch}` promises musl, but libthreads.so links glibc"),
        ("manylinux2014_{arch}", "`manylinux2014_{arch}` promises glibc 2.17, but libthreads.so needs glibc {glibc} "),
        (
            "manylinux_2_17_{arch}",
            "`manylinux_2_17_{arch}` promises glibc 2.17, but libthreads.so needs glibc {glibc} ",
        ),
    ],
)
def test_a_platform_tag_the_library_cannot_meet_is_explained(threads_library: Path, tag: str, problem: str) -> None:
    elf = read_elf(threads_library)
    needed = max(
        tuple(int(part) for part in version[len("GLIBC_") :].split("."))
        for _, version in elf.versions
        if version.startswith("GLIBC_2")
    )
    if needed <= (2, 17):
        pytest.skip("this machine's glibc is too old for the library to need more than 2.17")
    glibc = ".".join(map(str, needed))
    found = check_platform_tag(tag.format(arch=elf.arch), threads_library)
    assert found is not None
    assert found.startswith(problem.format(arch=elf.arch, glibc=glibc)), found
    if "needs glibc" in found:
        assert "(symbol `" in found


@needs_linux_gcc
def test_what_a_backend_built_beside_the_library_counts_too(tmp_path: Path) -> None:
    """An extension module that links the library (cffi's API mode) may need a newer glibc than the library; the
    library it links is in the wheel, not a system library that manylinux would have to promise."""
    (tmp_path / "plain.c").write_text("int plain(void) { return 1; }\n")
    library = tmp_path / "libplain.so"
    subprocess.run(["gcc", "-shared", "-fPIC", "-o", library, tmp_path / "plain.c"], check=True)
    (tmp_path / "ext.c").write_text(
        "#include <pthread.h>\n"
        "int plain(void);\n"
        "static void *run(void *arg) { return arg; }\n"
        "int start(void) { pthread_t t; return pthread_create(&t, 0, run, 0) + plain(); }\n"
    )
    extension = tmp_path / "_ext.so"
    command = ["gcc", "-shared", "-fPIC", "-o", extension, tmp_path / "ext.c", f"-L{tmp_path}", "-lplain"]
    subprocess.run(command, check=True)
    warnings: List[str] = []
    alone = platform_tag(library, warn=warnings.append)
    together = platform_tag(library, warn=warnings.append, companions=[extension])
    assert alone == f"manylinux_2_17_{read_elf(library).arch}"
    assert together == platform_tag(extension, warn=warnings.append, companions=[library]) != alone
    assert not warnings  # libplain.so, which the extension needs, ships beside it
    problem = check_platform_tag(alone, library, [extension])
    assert problem is not None and "symbol `pthread_create`" in problem

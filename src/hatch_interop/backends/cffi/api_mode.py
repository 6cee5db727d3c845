"""cffi's out-of-line API mode: the extension module ``_ffi_cffi``, compiled at packaging time, linking the library.

cffi writes the C source of a module that declares the library's functions and types (the same declarations the
ABI mode parses, :func:`hatch_interop.backends.c.cdef`) and calls them directly, without libffi. It is compiled
here with the system's C compiler against the building interpreter's headers, linked against the library beside
it (``-l<name>`` from the generated package's directory, found at run time through an rpath of ``$ORIGIN``), and
named for the interpreters that can import it:

- CPython: the limited API (``Py_LIMITED_API``, which cffi's C code keeps to), so one ``_ffi_cffi.abi3.so``
  serves the building CPython and every newer one; the wheel is tagged ``cp3X-abi3``, X being the building
  interpreter's minor version (the version the limited API is pinned to here, and the oldest the build proves).
- PyPy, and CPython builds without a limited API (debug, free-threaded): the interpreter's own extension suffix
  and tags (``pp39-pypy39_pp73``), as :mod:`packaging.tags` names them.

The compiler is ``$CC`` (else the one CPython was built with, else ``cc``); ``$CFLAGS`` and ``$LDFLAGS`` are
added. The build is deterministic: the source is compiled under a fixed relative name without debug info, so no
temporary path ends up in the extension. Given a cache directory (the backend context's, inside cargo's target
directory), an extension compiled before from the same source, command, compiler and library is copied from there
instead of compiled again: a build in which nothing changed compiles nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.machinery
import io
import json
import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, List, Mapping, Optional, Sequence, Tuple

from packaging import tags

from hatch_interop.errors import BackendError

#: The C file cffi writes and the extension module's name inside the generated package.
MODULE = "_ffi_cffi"
#: What the extension's C source includes before the declarations (they use these types).
INCLUDES = "#include <stdbool.h>\n#include <stddef.h>\n#include <stdint.h>\n"
#: How much of a failed compiler's output an error shows (its last lines).
OUTPUT_LINES = 60

_NO_COMPILER_FIX = (
    "Install one (Debian/Ubuntu: `apt-get install gcc` or build-essential; Fedora: `dnf install gcc`; macOS: "
    "`xcode-select --install`) or point the CC environment variable at one. ABI mode needs no compiler: remove "
    '`mode = "api"` from [tool.hatch.build.hooks.interop.cffi] to build without one.'
)


@dataclass(frozen=True)
class Builder:
    """Who compiles an extension with these functions, for their messages: ``who`` starts them ("The cffi backend's
    API mode"), ``instead`` says how to build without a compiler, and ``define`` is a macro the source needs
    without a limited API."""

    who: str
    instead: str
    define: Optional[str] = None
    #: More compiler flags (``-DNDEBUG``: no `assert` of Python's headers in a release build).
    flags: Tuple[str, ...] = ()


CFFI = Builder(
    "The cffi backend's API mode",
    'build in ABI mode, which needs no compiler (remove `mode = "api"` from [tool.hatch.build.hooks.interop.cffi])',
    "_CFFI_NO_LIMITED_API",
)


@dataclass(frozen=True)
class Target:
    """What the extension is built for: its file name's suffix, the wheel's ``(python, abi)`` tags, and the
    ``Py_LIMITED_API`` version it is compiled with (None: the interpreter's full API)."""

    suffix: str
    tag: Tuple[str, str]
    limited_api: Optional[int]


def target() -> Target:
    """The extension the running interpreter builds (see the module's docstring)."""
    suffixes = importlib.machinery.EXTENSION_SUFFIXES
    limited = (
        sys.implementation.name == "cpython"
        and not hasattr(sys, "gettotalrefcount")  # a debug build: cffi does not use the limited API there
        and not sysconfig.get_config_var("Py_GIL_DISABLED")  # free-threaded: no limited API (yet)
        and any(s.startswith(".abi3.") for s in suffixes)  # ".abi3.so" (POSIX)
    )
    if limited:
        minor = sys.version_info[1]
        suffix = next(s for s in suffixes if s.startswith(".abi3."))
        return Target(suffix, (f"cp3{minor}", "abi3"), 0x03000000 | minor << 16)
    best = next(iter(tags.sys_tags()))  # the most specific tag: this interpreter's own ABI
    return Target(suffixes[0], (best.interpreter, best.abi), None)


def _no_compiler_fix(builder: Builder) -> str:
    if builder is CFFI:
        return _NO_COMPILER_FIX
    return _NO_COMPILER_FIX.split(" ABI mode", 1)[0] + f" Or {builder.instead}."


def find_compiler(environ: Mapping[str, str], builder: Builder = CFFI) -> List[str]:
    """The C compiler's command: ``$CC``, else the one CPython was built with, else ``cc``/``gcc``/``clang``."""
    given = environ.get("CC", "").strip()
    if given:
        command = shlex.split(given)
        if shutil.which(command[0], path=environ.get("PATH")) is None:
            message = (
                f"{builder.who} compiles an extension module, but the C compiler in the CC "
                f"environment variable, {command[0]!r}, was not found. {_no_compiler_fix(builder)}"
            )
            raise BackendError(message)
        return command
    tried = []
    configured = shlex.split(str(sysconfig.get_config_var("CC") or ""))
    candidates = [configured] if configured else []
    candidates += [["cc"], ["gcc"], ["clang"]]
    for command in candidates:
        if shutil.which(command[0], path=environ.get("PATH")) is not None:
            return command
        tried.append(command[0])
    message = (
        f"{builder.who} compiles an extension module, but there is no C compiler on this machine "
        f"(looked for {', '.join(dict.fromkeys(tried))}). {_no_compiler_fix(builder)}"
    )
    raise BackendError(message)


def python_include(builder: Builder = CFFI) -> Path:
    """The building interpreter's C headers (the directory of ``Python.h``)."""
    include = Path(sysconfig.get_paths()["include"])
    if not (include / "Python.h").is_file():
        version = f"{sys.version_info[0]}.{sys.version_info[1]}"
        package = "pypy3-dev" if sys.implementation.name == "pypy" else f"python{version}-dev"
        instead = (
            'build in ABI mode, which needs none (remove `mode = "api"` from [tool.hatch.build.hooks.interop.cffi])'
            if builder is CFFI
            else builder.instead
        )
        message = (
            f"{builder.who} compiles an extension module against Python's C headers, which this "
            f"Python ({sys.executable}) lacks: there is no {include / 'Python.h'}. Install them (Debian/Ubuntu: "
            f"`apt-get install {package}`; Fedora: `dnf install python3-devel`), or {instead}."
        )
        raise BackendError(message)
    return include


def c_source(cffi: Any, module: str, declarations: str) -> str:
    """cffi's C source of the extension module `module` (a dotted name) for `declarations`."""
    ffi = cffi.FFI()
    ffi.cdef(declarations)
    ffi.set_source(module, INCLUDES + declarations)
    with tempfile.TemporaryDirectory() as directory, contextlib.redirect_stdout(io.StringIO()):
        path = Path(directory) / f"{MODULE}.c"
        ffi.emit_c_code(str(path))
        return path.read_text(encoding="utf-8")


def link_arguments(library: Path) -> List[str]:
    """How the extension links `library`, a file in the same directory, so that it finds it there when installed."""
    name = library.name
    stem = name[3:] if name.startswith("lib") else name
    stem = stem.split(".", 1)[0]  # libfoo.so / libfoo.dylib -> foo
    origin = "@loader_path" if sys.platform == "darwin" else "$ORIGIN"
    return [f"-L{library.parent}", f"-l{stem}", f"-Wl,-rpath,{origin}"]


def compile_extension(
    source: str,
    directory: Path,
    library: Path,
    environ: Mapping[str, str],
    *,
    built: Optional[Target] = None,
    module: str = MODULE,
    builder: Builder = CFFI,
    cache: Optional[Path] = None,
) -> str:
    """Compile `source` into the extension module `module` in `directory`, linking `library`, for `built` (by
    default the running interpreter's :func:`target`); its file name there. With a `cache` directory, one compiled
    before from the same inputs is taken from there (and one compiled now is kept there)."""
    if sys.platform == "win32":
        instead = "use ABI mode, the default, which needs no compiler" if builder is CFFI else builder.instead
        message = (
            f"{builder.who} does not build on Windows yet (it links the library's import library, "
            f"which the build does not place); {instead}."
        )
        raise BackendError(message)
    compiler = find_compiler(environ, builder)
    include = python_include(builder)
    built = built or target()
    output = f"{module}{built.suffix}"
    shared = ["-bundle", "-undefined", "dynamic_lookup"] if sys.platform == "darwin" else ["-shared"]
    defines = [] if built.limited_api is None else [f"-DPy_LIMITED_API=0x{built.limited_api:08X}"]
    if built.limited_api is None and sys.implementation.name == "cpython" and builder.define:
        defines.append(f"-D{builder.define}")  # the tag says this interpreter's own ABI: so does the code
    command = [
        *compiler,
        *shared,
        "-fPIC",
        "-O2",
        *defines,
        *builder.flags,
        f"-I{include}",
        *shlex.split(environ.get("CFLAGS", "")),
        "-o",
        output,
        f"{module}.c",
        *link_arguments(library),
        *shlex.split(environ.get("LDFLAGS", "")),
    ]
    kept = _kept_path(cache, command, source, library, environ, output=output) if cache is not None else None
    if kept is not None and kept.is_file():
        try:
            shutil.copyfile(kept, directory / output)
        except OSError:
            pass  # gone meanwhile (another build pruned it): compiled below
        else:
            with contextlib.suppress(OSError):
                os.utime(kept)  # recently used: the last pruned
            return output
    with tempfile.TemporaryDirectory(prefix="hatch-interop-cc-") as work:
        # A fixed relative file name, compiled without debug info: nothing in the extension names this directory.
        Path(work, f"{module}.c").write_text(source, encoding="utf-8")
        _run(command, Path(work), builder)
        shutil.copyfile(Path(work, output), directory / output)
    if kept is not None:
        # Best effort: a cache that cannot be written leaves the build as it was.
        with contextlib.suppress(OSError):
            _keep(directory / output, kept)
    return output


#: How many compiled extensions of one module name the cache keeps (the most recently used).
KEPT = 4


def _kept_path(
    cache: Path, command: Sequence[str], source: str, library: Path, environ: Mapping[str, str], *, output: str
) -> Optional[Path]:
    """Where the cache keeps the extension that `command` makes from `source`: named by a digest of everything it
    depends on (the source; the command, with the library's directory, which changes from build to build, left
    out; the compiler's file; the library's bytes, which the link reads). None where the compiler is not found."""
    compiler = shutil.which(command[0], path=environ.get("PATH"))
    if compiler is None:
        return None
    try:
        tool = os.stat(compiler)
        library_digest = hashlib.sha256(library.read_bytes()).hexdigest()
    except OSError:
        return None
    placed = f"-L{library.parent}"
    inputs = {
        "source": hashlib.sha256(source.encode("utf-8")).hexdigest(),
        "command": [arg if arg != placed else "-L<library>" for arg in command],
        "compiler": [os.path.realpath(compiler), tool.st_size, tool.st_mtime_ns],
        "library": [library.name, library_digest],
        "python": sys.version,  # its headers, at the same path after an upgrade in place
    }
    digest = hashlib.sha256(json.dumps(inputs, sort_keys=True).encode("utf-8")).hexdigest()
    return cache / "extensions" / f"{digest[:32]}-{output}"


def _keep(built: Path, kept: Path) -> None:
    """Puts `built` in the cache as `kept` (whole or not at all: a concurrent build reads either), and lets go of
    all but the :data:`KEPT` most recently used of its module's."""
    kept.parent.mkdir(parents=True, exist_ok=True)
    partial = kept.with_name(f".{kept.name}.{os.getpid()}")
    shutil.copyfile(built, partial)
    os.replace(partial, kept)
    module = kept.name.split("-", 1)[1]
    entries = sorted(kept.parent.glob(f"*-{module}"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for stale in entries[KEPT:]:
        with contextlib.suppress(OSError):
            stale.unlink()


def _run(command: Sequence[str], cwd: Path, builder: Builder) -> None:
    try:
        proc = subprocess.run(
            list(command), cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False
        )
    except OSError as error:
        message = f"{builder.who} could not run the C compiler {command[0]!r}: {error}. "
        message += _no_compiler_fix(builder)
        raise BackendError(message) from None
    if proc.returncode != 0:
        lines = proc.stdout.rstrip().splitlines()
        shown = lines[-OUTPUT_LINES:]
        cut = f"    ({len(lines) - len(shown)} earlier lines left out)\n" if len(lines) > len(shown) else ""
        output = cut + "\n".join(f"    {line}" for line in shown)
        message = (
            f"{builder.who} could not compile its extension module: `{shlex.join(command)}` "
            f"exited with code {proc.returncode}:\n{output}\n"
            f"Check that the compiler works for Python extensions (its Python headers, CFLAGS and LDFLAGS), or "
            f"{builder.instead}."
        )
        raise BackendError(message)

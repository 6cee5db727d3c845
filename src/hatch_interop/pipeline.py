"""The build pipeline, independent of any build backend: config -> cargo -> inventory -> backends.

A front-end (the Hatch hook, later a setuptools command) calls :func:`build_bindings` and ships
the files it returns at the paths it names.
"""

from __future__ import annotations

import posixpath
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Tuple

from hatch_interop import __version__, cargo
from hatch_interop.backend import BackendContext, GeneratedFile, resolve_backends
from hatch_interop.config import InteropConfig
from hatch_interop.errors import BackendError, InventoryError
from hatch_interop.inventory import Inventory, load_inventory
from hatch_interop.tags import platform_tag, wheel_tag


@dataclass(frozen=True)
class BuildOutput:
    #: POSIX path inside the wheel -> file on disk
    files: Dict[str, Path]
    #: the full wheel tag, e.g. ``py3-none-manylinux_2_17_x86_64``
    tag: str
    inventory: Inventory


def package_dir(module: str) -> str:
    """``sample_crate._native`` -> ``sample_crate/_native``."""
    return module.replace(".", "/")


def generate(inventory: Inventory, config: InteropConfig, library_filename: str) -> List[Tuple[str, GeneratedFile]]:
    """Run every configured backend; ``(backend name, file)`` pairs, paths checked and unique."""
    context = BackendContext(module=config.module, library_filename=library_filename, generator_version=__version__)
    owners: Dict[str, str] = {library_filename: "the shared library"}
    result: List[Tuple[str, GeneratedFile]] = []
    for cls in resolve_backends(config.backends):
        for file in cls(context).generate(inventory):
            path = file.path
            normal = posixpath.normpath(path)
            if path.startswith("/") or normal != path or normal.startswith("..") or "\\" in path:
                message = (
                    f"Backend `{cls.PLUGIN_NAME}` produced the file path {path!r}; "
                    "paths must be relative POSIX paths inside the generated package"
                )
                raise BackendError(message)
            if path in owners:
                raise BackendError(
                    f"Backends `{owners[path]}` and `{cls.PLUGIN_NAME}` both generate {path!r}: "
                    "enable only one of them in option `backends` for build hook `interop`"
                )
            owners[path] = cls.PLUGIN_NAME
            result.append((cls.PLUGIN_NAME, file))
    return result


def write_files(files: List[Tuple[str, GeneratedFile]], directory: Path) -> Dict[str, Path]:
    """Write generated files below ``directory``; relative path -> written file."""
    written = {}
    for _, file in files:
        target = directory.joinpath(*file.path.split("/"))
        target.parent.mkdir(parents=True, exist_ok=True)
        # newline="" keeps "\n" on every platform: the files are byte-identical everywhere.
        with open(target, "w", encoding="utf-8", newline="") as f:
            f.write(file.content)
        written[file.path] = target
    return written


def build_bindings(
    project_root: Path,
    config: InteropConfig,
    staging: Path,
    warn: Callable[[str], None],
) -> BuildOutput:
    """Build the crate, generate the bindings into ``staging``, and say what the wheel must hold."""
    cargo_exe = cargo.find_cargo()
    crate = cargo.read_crate(cargo_exe, (project_root / config.crate).resolve(), config)
    resolve_backends(config.backends)  # an unknown backend fails before a long compile, not after
    artifacts = cargo.build(cargo_exe, crate, config)
    source = f"the `{config.inventory_bin}` binary of crate `{crate.name}`"
    inventory = load_inventory(cargo.run_inventory(artifacts.inventory_bin), source)
    if inventory.library.crate != crate.lib_name:
        raise InventoryError(
            f"The inventory printed by {source} describes crate `{inventory.library.crate}`, "
            f"not `{crate.lib_name}`: the binary must dump this crate's own inventory, "
            f"`hatch_interop::dump({crate.lib_name}::inventory())`."
        )
    library_filename = artifacts.library.name
    generated = generate(inventory, config, library_filename)
    base = package_dir(config.module)
    files = {f"{base}/{rel}": path for rel, path in write_files(generated, staging / base).items()}
    files[f"{base}/{library_filename}"] = artifacts.library
    if "." not in config.module:
        # The whole top-level package is ours, so we also say it is typed (PEP 561).
        marker = staging / base / "py.typed"
        marker.write_text("", encoding="utf-8")
        files[f"{base}/py.typed"] = marker
    platform = platform_tag(artifacts.library, warn) if config.platform_tag == "auto" else config.platform_tag
    return BuildOutput(files=dict(sorted(files.items())), tag=wheel_tag(platform), inventory=inventory)


def install_in_place(output: BuildOutput, source_root: Path) -> List[Path]:
    """Copy the build's files into the source tree, for editable installs; the paths written."""
    written = []
    for rel, path in output.files.items():
        target = source_root.joinpath(*rel.split("/"))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        written.append(target)
    return written

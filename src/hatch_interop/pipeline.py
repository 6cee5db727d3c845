"""The build pipeline, independent of any build backend: config -> cargo -> inventory -> ABI -> backends -> wheel.

A front-end (the Hatch hook, later a setuptools command) calls :func:`build_bindings` and ships
the files it returns at the paths it names.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import posixpath
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Type

from hatch_interop import __version__, cargo, reproducible, sbom, targets
from hatch_interop.backend import (
    Backend,
    BackendContext,
    GeneratedFile,
    backend_dependencies,
    backend_options,
    check_supported,
    resolve_backends,
)
from hatch_interop.config import InteropConfig
from hatch_interop.errors import BackendError, ConfigError, InventoryError
from hatch_interop.inventory import Inventory, load_inventory
from hatch_interop.tags import check_platform_tag, platform_tag, wheel_tag


@dataclass(frozen=True)
class BuildOutput:
    #: POSIX path inside the wheel -> file on disk
    files: Dict[str, Path]
    #: the full wheel tag, e.g. ``py3-none-manylinux_2_17_x86_64``
    tag: str
    inventory: Inventory
    #: The generated package's directory in the wheel (``sample_crate/_native``): editable installs write
    #: only what is inside it into the source tree.
    package: str = ""
    #: What the generated files need at run time (PEP 508 requirements), for the wheel's metadata.
    dependencies: Tuple[str, ...] = ()
    #: The SBOM of the Rust crates in the library (PEP 770, CycloneDX JSON: see sbom.py), for the wheel's
    #: ``*.dist-info/sboms/`` under its own file name (``<crate>.cdx.json``); not part of `files`.
    sbom: Optional[Path] = None


def package_dir(module: str) -> str:
    """``sample_crate._native`` -> ``sample_crate/_native``."""
    return module.replace(".", "/")


def instantiate(
    classes: Sequence[Type[Backend]], config: InteropConfig, library_filename: str, cache: Optional[Path] = None
) -> List[Backend]:
    """One backend object per class, each with its validated options (and `cache`, the build steps' directory)."""
    backends = []
    for cls in classes:
        context = BackendContext(
            module=config.module,
            library_filename=library_filename,
            generator_version=__version__,
            options=backend_options(cls, config),
            cache=cache,
        )
        backends.append(cls(context))
    return backends


def generate(inventory: Inventory, config: InteropConfig, library_filename: str) -> List[Tuple[str, GeneratedFile]]:
    """Run every configured backend; ``(backend name, file)`` pairs, paths checked and unique."""
    classes = resolve_backends(config.backends, config.owner)
    check_supported(classes, inventory)
    return generate_with(instantiate(classes, config, library_filename), inventory, library_filename)


def generate_with(
    backends: Sequence[Backend], inventory: Inventory, library_filename: str
) -> List[Tuple[str, GeneratedFile]]:
    owners: Dict[str, str] = {library_filename: "the shared library"}
    result: List[Tuple[str, GeneratedFile]] = []
    for backend in backends:
        name = backend.PLUGIN_NAME
        for file in backend.generate(inventory):
            _claim(owners, name, file.path)
            result.append((name, file))
    return result


def _claim(owners: Dict[str, str], backend: str, path: str) -> None:
    """Check that `path` is a relative POSIX path inside the generated package that nobody else made."""
    normal = posixpath.normpath(path)
    if not path or path.startswith("/") or normal != path or normal.startswith("..") or "\\" in path:
        message = (
            f"Backend `{backend}` produced the file path {path!r}; "
            "paths must be relative POSIX paths inside the generated package"
        )
        raise BackendError(message)
    if path in owners:
        raise BackendError(
            f"Backends `{owners[path]}` and `{backend}` both generate {path!r}: "
            "enable only one of them in option `backends` for build hook `interop`"
        )
    owners[path] = backend


def run_build_steps(
    backends: Sequence[Backend], generated: List[Tuple[str, GeneratedFile]], directory: Path, library: Path
) -> Dict[str, Path]:
    """Each backend's build step, in order, in the generated package's `directory` (which holds the generated
    files and the library); the files they added, relative path -> file."""
    owners = {file.path: name for name, file in generated}
    owners[library.name] = "the shared library"
    built: Dict[str, Path] = {}
    for backend in backends:
        for rel in backend.build(directory, library):
            _claim(owners, backend.PLUGIN_NAME, rel)
            path = directory.joinpath(*rel.split("/"))
            if not path.is_file():
                message = f"Backend `{backend.PLUGIN_NAME}` says its build step made {rel!r}, but there is no such file"
                raise BackendError(message)
            built[rel] = path
    return built


def combined_tag(backends: Sequence[Backend]) -> Tuple[str, str]:
    """The wheel's ``(python, abi)`` tags: ``py3-none`` unless a backend needs particular interpreters."""
    wanted: Dict[Tuple[str, str], str] = {}
    for backend in backends:
        tag: Optional[Tuple[str, str]] = backend.wheel_tag()
        if tag is not None:
            wanted.setdefault(tag, backend.PLUGIN_NAME)
    if len(wanted) > 1:
        described = " and ".join(f"`{name}` needs {'-'.join(tag)}" for tag, name in wanted.items())
        raise BackendError(f"The backends need different wheel tags ({described}): choose one of them in `backends`")
    return next(iter(wanted), ("py3", "none"))


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


def build_inventory(project_root: Path, config: InteropConfig) -> Tuple[cargo.Artifacts, Inventory]:
    """Build the crate's library and inventory binary with cargo, and read the validated inventory."""
    _, _, artifacts, inventory = _build_crate(project_root, config)
    return artifacts, inventory


def _build_crate(
    project_root: Path,
    config: InteropConfig,
    check: Optional[Callable[[cargo.CrateInfo, cargo.BuildPlan], None]] = None,
) -> Tuple[str, cargo.CrateInfo, cargo.Artifacts, Inventory]:
    """Build the crate and read its inventory; `check` may refuse the build plan before cargo compiles."""
    cargo_exe = cargo.find_cargo()
    crate = cargo.read_crate(cargo_exe, (project_root / config.crate).resolve(), config)
    cargo.refresh_unpacked_sdist(project_root)
    plan = cargo.plan_build(cargo_exe, crate, config)
    if check is not None:
        check(crate, plan)
    artifacts = cargo.build(cargo_exe, crate, config, plan)
    source = f"the `{config.inventory_bin}` binary of crate `{crate.name}`"
    inventory = load_inventory(cargo.run_inventory(artifacts.inventory_bin), source)
    if inventory.library.crate != crate.lib_name:
        raise InventoryError(
            f"The inventory printed by {source} describes crate `{inventory.library.crate}`, "
            f"not `{crate.lib_name}`: the binary must dump this crate's own inventory, "
            f"`hatch_interop::dump({crate.lib_name}::inventory())`."
        )
    return cargo_exe, crate, artifacts, inventory


def build_bindings(
    project_root: Path,
    config: InteropConfig,
    staging: Path,
    warn: Callable[[str], None],
    editable: bool = False,
) -> BuildOutput:
    """Build the crate, generate the bindings into ``staging``, and say what the wheel must hold.

    For an `editable` install (its files go into the source tree, see :func:`install_in_place`) the crate is
    built with the `editable-profile`, for this machine only, and no SBOM is made (the install carries none).
    """
    if editable and config.editable_profile:
        config = dataclasses.replace(config, profile=config.editable_profile)
    # An unknown backend or a bad option of one fails before a long compile, not after.
    classes = resolve_backends(config.backends, config.owner)
    for cls in classes:
        backend_options(cls, config)

    def check_cross(crate: cargo.CrateInfo, plan: cargo.BuildPlan) -> None:
        if editable and plan.cross:
            raise ConfigError(
                f"{plan.source} asks for a library for {plan.target}, but an editable install imports it on "
                f"this machine ({plan.host}), which cannot load it: unset it for `pip install -e`, or build a "
                "wheel for that target (`pip wheel .`) and install it there."
            )
        # A backend with its own wheel tag compiles an extension for the running interpreter, this machine's:
        # refused before cargo spends minutes on a library that could not ship.
        if plan.cross:
            predicted = instantiate(classes, config, targets.library_filename(crate.lib_name, plan.target))
            if combined_tag(predicted) != ("py3", "none"):
                raise BackendError(
                    f"The backends {', '.join(config.backends)} build a Python extension for this interpreter, "
                    f"which cannot be cross-built for {plan.target}: build this wheel on a {plan.target} machine, "
                    "or use backends whose wheels are `py3-none` (`ctypes`, or `cffi` in its default ABI mode)."
                )

    cargo_exe, crate, artifacts, inventory = _build_crate(project_root, config, check_cross)
    check_supported(classes, inventory)
    library_filename = artifacts.library.name
    cache = artifacts.target_dir / "hatch-interop" / "cache" if artifacts.target_dir is not None else None
    backends = instantiate(classes, config, library_filename, cache)
    generated = generate_with(backends, inventory, library_filename)
    base = package_dir(config.module)
    directory = staging / base
    files = {f"{base}/{rel}": path for rel, path in write_files(generated, directory).items()}
    # The library sits in the package as it will in the wheel, so that a build step can link against it there.
    library = directory / library_filename
    shutil.copy2(artifacts.library, library)
    files[f"{base}/{library_filename}"] = library
    built = run_build_steps(backends, generated, directory, library)
    for rel, path in built.items():
        files[f"{base}/{rel}"] = path
    companions = sorted(built.values())  # what they need counts for the platform tag too
    top = base.split("/")[0]
    if "." not in config.module or not (source_root(project_root, config.module) / top / "py.typed").exists():
        # The bindings are typed, and type checkers read only a top-level package's marker (PEP 561): the
        # generated package's own, or the user's package's when it has none.
        marker = staging / top / "py.typed"
        marker.write_text("", encoding="utf-8")
        files[f"{top}/py.typed"] = marker
    if config.platform_tag == "auto":
        platform = platform_tag(library, warn, companions, artifacts.target, artifacts.host)
    else:
        platform = config.platform_tag
        problem = check_platform_tag(platform, library, companions)
        if problem:
            auto = platform_tag(library, warn, companions, artifacts.target, artifacts.host)
            raise ConfigError(
                f"Option `platform-tag` for {config.owner} is {platform!r}, which the built library cannot meet: "
                f"{problem}. Remove the option (`auto` tags the wheel {auto!r}), "
                "or build on an older system (a manylinux container) for an older glibc."
            )
    python, abi_tag = combined_tag(backends)
    tag = wheel_tag(platform, python, abi_tag)
    sbom_file = None
    if not editable:
        resolved = cargo.resolve_library_dependencies(cargo_exe, crate, config, artifacts.target)
        sbom_file = sbom.write(
            resolved,
            crate.package_id,
            crate.manifest_path.parent,
            staging / ".hatch-interop-sboms",
            epoch=reproducible.source_date_epoch(),
            target=artifacts.target,
        )
    return BuildOutput(
        files=dict(sorted(files.items())),
        tag=tag,
        inventory=inventory,
        package=base,
        dependencies=tuple(backend_dependencies(classes)),
        sbom=sbom_file,
    )


def source_root(root: Path, module: str) -> Path:
    """Where an editable install imports ``module``'s top-level package from (``src/`` layout or not)."""
    top = package_dir(module).split("/")[0]
    src = root / "src"
    if (src / top).is_dir() or (src / f"{top}.py").is_file():
        return src
    return root


#: The list of the files an editable install wrote, kept in the generated package's directory: the next install
#: removes those it does not write again (a cffi extension left from API mode would shadow the new ABI-mode module).
INSTALLED_LIST = ".hatch-interop-files"


def install_in_place(output: BuildOutput, source_root: Path) -> List[Path]:
    """Copy the build's files into the source tree, for editable installs; the paths written.

    Each file is written beside its target and renamed over it: a process that has the old library
    loaded keeps its mapping of the old file (overwriting it in place would change the code under it,
    and crash it), and a reader never sees a half-written file. Files the previous install wrote and this
    one does not (listed in :data:`INSTALLED_LIST`) are removed: Python would import a stale extension module
    before a new module of the same name.
    """
    written = []
    names: List[str] = []
    for rel, path in output.files.items():
        if output.package and not rel.startswith(f"{output.package}/"):
            continue  # the user's own package (its py.typed marker) is theirs to keep in the source tree
        target = source_root.joinpath(*rel.split("/"))
        target.parent.mkdir(parents=True, exist_ok=True)
        _replace(target, functools.partial(shutil.copy2, path))
        written.append(target)
        names.append(rel)
    listing = source_root.joinpath(*output.package.split("/"), INSTALLED_LIST) if output.package else None
    if listing is not None:
        previous = listing.read_text(encoding="utf-8").splitlines() if listing.is_file() else []
        for rel in sorted(set(previous) - set(names)):
            stale = source_root.joinpath(*rel.split("/"))
            # Only what an install of this package wrote: a listing edited by hand cannot reach elsewhere.
            if rel.startswith(f"{output.package}/") and ".." not in rel.split("/") and stale.is_file():
                stale.unlink()
        listing.parent.mkdir(parents=True, exist_ok=True)
        text = "".join(f"{rel}\n" for rel in sorted(names))
        _replace(listing, lambda partial: partial.write_text(text, encoding="utf-8"))
    return written


def _replace(target: Path, write: Callable[[Path], object]) -> None:
    """Write `target` through `write` into a file beside it, then rename that over it (atomic, a new inode)."""
    partial = target.with_name(f".{target.name}.hatch-interop-partial")
    try:
        write(partial)
        os.replace(partial, target)
    finally:
        if partial.exists():
            partial.unlink()

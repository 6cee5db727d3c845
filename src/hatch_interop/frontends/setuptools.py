"""The setuptools front-end: the Hatch hook's build, for projects built with setuptools.

    [build-system]
    requires = ["setuptools>=70.1", "hatch-interop"]
    build-backend = "setuptools.build_meta"

    [tool.hatch-interop]
    module = "my_package._native"

Registered in the ``setuptools.finalize_distribution_options`` entry-point group, so setuptools calls
:func:`finalize` for every distribution it builds; a project without a ``[tool.hatch-interop]`` table
is left alone. For one with it, four commands change:

* ``build_py`` builds the crate and puts the library and the generated bindings into the wheel (or,
  for an editable install, into the source tree, like ``maturin develop``);
* ``bdist_wheel`` tags the wheel for what it holds (``py3-none-<platform>``), not as pure Python, and
  adds the SBOM of the Rust crates in the library to ``*.dist-info/sboms/`` (PEP 770) when it turns
  the egg-info into the dist-info directory (``egg2dist``), so that the wheel's RECORD lists it;
* ``editable_wheel`` tells the others that the build is an editable install (built with the
  ``editable-profile``, for this machine);
* ``sdist`` adds the crate's sources and vendors its path dependencies outside the project, so that
  the sdist builds on its own.

Errors stop the build with one message naming the problem and the fix, and leave no wheel behind.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional, Type

from setuptools import Command, Distribution
from setuptools.errors import SetupError

from hatch_interop.backend import backend_dependencies, resolve_backends
from hatch_interop.config import SETUPTOOLS_TABLE, InteropConfig, read_pyproject
from hatch_interop.errors import InteropError
from hatch_interop.pipeline import BuildOutput, build_bindings, install_in_place, source_root
from hatch_interop.sdist import vendor_path_dependencies

#: What the crate's directory holds that an sdist does not need (build output, caches, environments).
_NOT_SOURCES = {"target", "build", "dist", ".git", "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache"}


def finalize(dist: Distribution) -> None:
    """Set the distribution up when its project has a ``[tool.hatch-interop]`` table."""
    root = Path.cwd()  # PEP 517 front-ends and setup.py both run setuptools in the project directory
    raw = _table(root / "pyproject.toml")
    if raw is None:
        return
    try:
        config = InteropConfig.from_mapping(raw, table=SETUPTOOLS_TABLE)
    except InteropError as e:
        raise SetupError(f"hatch-interop: {e}") from None
    state = _State(root, config)
    try:
        requirements = backend_dependencies(resolve_backends(config.backends, config.owner))
    except InteropError as e:
        raise SetupError(f"hatch-interop: {e}") from None
    # What the generated bindings import at run time (cffi for the cffi backend): the wheel requires it.
    dist.install_requires = [*(dist.install_requires or []), *requirements]  # type: ignore[attr-defined]
    # The wheel holds a native library: platlib, and a platform tag.
    dist.has_ext_modules = lambda: True  # type: ignore[method-assign]
    dist.cmdclass["build_py"] = _build_py(dist.get_command_class("build_py"), state)
    dist.cmdclass["bdist_wheel"] = _bdist_wheel(dist.get_command_class("bdist_wheel"), state)
    dist.cmdclass["sdist"] = _sdist(dist.get_command_class("sdist"), state)
    dist.cmdclass["editable_wheel"] = _editable_wheel(dist.get_command_class("editable_wheel"), state)


def _table(pyproject: Path) -> Optional[Mapping[str, Any]]:
    if not pyproject.is_file():
        return None
    try:
        data = read_pyproject(pyproject)
    except InteropError as e:
        raise SetupError(f"hatch-interop: {e}") from None
    table = data.get("tool", {}).get("hatch-interop")
    if table is not None and not isinstance(table, dict):
        raise SetupError(f"hatch-interop: [{SETUPTOOLS_TABLE}] in {pyproject} must be a table")
    return table


class _State:
    """What the commands of one build share: the options, and the build's output once it exists."""

    def __init__(self, root: Path, config: InteropConfig) -> None:
        self.root = root
        self.config = config
        self.output: Optional[BuildOutput] = None
        self.staging: Optional[Path] = None
        #: Set by ``editable_wheel`` before any command builds: its build_py writes into the source tree.
        self.editable = False

    def build(self, command: Command) -> BuildOutput:
        """The build's output, building the crate the first time a command asks."""
        if self.output is None:
            self.staging = Path(tempfile.mkdtemp(prefix="hatch-interop-"))
            # An editable install ends without bdist_wheel's cleanup: the directory must not outlive the build.
            atexit.register(shutil.rmtree, self.staging, True)

            def warn(message: str) -> None:
                command.announce(f"warning: hatch-interop: {message}", level=3)

            try:
                self.output = build_bindings(self.root, self.config, self.staging, warn=warn, editable=self.editable)
            except InteropError as e:
                self.cleanup()
                raise SetupError(f"hatch-interop: {e}") from None
        return self.output

    def cleanup(self) -> None:
        if self.staging is not None:
            shutil.rmtree(self.staging, ignore_errors=True)
            self.staging = None


def _build_py(base: Type[Any], state: _State) -> Type[Any]:
    class build_py(base):  # type: ignore[misc]
        """Also builds the crate and ships the library with its generated bindings."""

        def run(self) -> None:
            super().run()
            output = state.build(self)
            if getattr(self, "editable_mode", False):
                # An editable install imports the package from the source tree: the files go there.
                written = install_in_place(output, source_root(state.root, state.config.module))
                self.announce(f"hatch-interop: wrote {len(written)} files into the source tree", level=2)
                return
            for rel, path in output.files.items():
                target = Path(self.build_lib).joinpath(*rel.split("/"))
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target)
            crate = output.inventory.library
            self.announce(
                f"hatch-interop: {crate.crate} {crate.version} -> {state.config.module} "
                f"({', '.join(state.config.backends)}), tag {output.tag}",
                level=2,
            )

        def get_outputs(self, include_bytecode: bool = True) -> List[str]:
            outputs: List[str] = list(super().get_outputs(include_bytecode))
            if state.output is not None and not getattr(self, "editable_mode", False):
                outputs += [os.path.join(self.build_lib, *rel.split("/")) for rel in state.output.files]
            return outputs

    return build_py


def _bdist_wheel(base: Type[Any], state: _State) -> Type[Any]:
    class bdist_wheel(base):  # type: ignore[misc]
        """Tags the wheel for what the build put in it, as the Hatch hook does."""

        def finalize_options(self) -> None:
            super().finalize_options()
            self.root_is_pure = False

        def get_tag(self) -> Any:
            output = state.build(self)
            python, abi, platform = output.tag.split("-")
            return python, abi, platform

        def egg2dist(self, egginfo_path: str, distinfo_path: str) -> None:
            """Also puts the SBOM into ``*.dist-info/sboms/`` (PEP 770), before the wheel and its RECORD are written."""
            super().egg2dist(egginfo_path, distinfo_path)
            output = state.build(self)
            if output.sbom is not None:
                sboms = Path(distinfo_path) / "sboms"
                sboms.mkdir(exist_ok=True)
                shutil.copyfile(output.sbom, sboms / output.sbom.name)

        def run(self) -> None:
            try:
                super().run()
            finally:
                state.cleanup()

    return bdist_wheel


def _editable_wheel(base: Type[Any], state: _State) -> Type[Any]:
    class editable_wheel(base):  # type: ignore[misc]
        """Marks the build as editable before bdist_wheel's tag asks for it (it builds the crate first)."""

        def run(self) -> None:
            state.editable = True
            super().run()

    return editable_wheel


def _sdist(base: Type[Any], state: _State) -> Type[Any]:
    class sdist(base):  # type: ignore[misc]
        """Adds the crate's sources, and vendors its path dependencies outside the project."""

        def make_release_tree(self, base_dir: str, files: List[str]) -> None:
            super().make_release_tree(base_dir, files)
            release = Path(base_dir)
            crate_dir = (state.root / state.config.crate).resolve()
            for path in _crate_files(crate_dir):
                rel = path.relative_to(state.root).as_posix()
                _copy(path, release / rel)
            staging = Path(tempfile.mkdtemp(prefix="hatch-interop-sdist-"))
            try:
                vendored: Dict[Path, str] = vendor_path_dependencies(state.root, state.config, staging)
                for source, target in vendored.items():
                    _copy(source, release / target)
            except InteropError as e:
                raise SetupError(f"hatch-interop: {e}") from None
            finally:
                shutil.rmtree(staging, ignore_errors=True)

    return sdist


def _crate_files(crate_dir: Path) -> Iterator[Path]:
    """The crate's own files: its manifest, lock file and sources, without build output."""
    for directory, dirnames, filenames in os.walk(crate_dir):
        dirnames[:] = sorted(
            d for d in dirnames if d not in _NOT_SOURCES and not d.startswith(".venv") and not d.endswith(".egg-info")
        )
        for name in sorted(filenames):
            yield Path(directory) / name


def _copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        shutil.copytree(source, target, dirs_exist_ok=True)
    else:
        shutil.copy2(source, target)

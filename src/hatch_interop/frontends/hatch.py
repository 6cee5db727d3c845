"""The Hatch build hook: a thin adapter from hatchling's hook interface to the pipeline.

    [tool.hatch.build.hooks.interop]
    module = "my_package._native"

* ``wheel`` target, ``standard`` version: builds the crate and ships the library and the generated
  bindings inside the wheel, tagged ``py3-none-<platform>``, with the SBOM of the Rust crates in the
  library in ``*.dist-info/sboms/`` (``sbom_files``, hatchling 1.28 and later).
* ``wheel`` target, ``editable`` version: writes the same files into the source tree, next to the
  package, because an editable install imports the package from there (like ``maturin develop``).
* ``sdist`` target: vendors the crate's path dependencies that live outside the project, so that
  the sdist builds on its own.

Errors are reported as one message, not a traceback, and nothing half-built is left behind.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path
from typing import Any, Dict, List, Optional

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

from hatch_interop.config import HOOK, InteropConfig
from hatch_interop.errors import InteropError
from hatch_interop.pipeline import build_bindings, install_in_place, source_root
from hatch_interop.sdist import vendor_path_dependencies


class InteropBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = HOOK

    _staging: Optional[Path] = None

    def initialize(self, version: str, build_data: Dict[str, Any]) -> None:
        try:
            config = InteropConfig.from_mapping(self.config)
            if self.target_name == "wheel":
                self._build_wheel(config, version, build_data)
            elif self.target_name == "sdist":
                self._build_sdist(config, build_data)
            else:
                raise InteropError(
                    f"Build hook `{HOOK}` supports the `wheel` and `sdist` targets, not `{self.target_name}`."
                )
        except InteropError as e:
            self._cleanup()
            self.app.abort(f"hatch-interop: {e}")
        except BaseException:
            self._cleanup()
            raise

    def finalize(self, version: str, build_data: Dict[str, Any], artifact_path: str) -> None:
        self._cleanup()

    def _new_staging(self) -> Path:
        staging = Path(tempfile.mkdtemp(prefix="hatch-interop-"))
        self._staging = staging
        # hatchling skips finalize() when the build fails after initialize(); don't leak the directory.
        atexit.register(shutil.rmtree, staging, True)
        return staging

    def _cleanup(self) -> None:
        if self._staging is not None:
            shutil.rmtree(self._staging, ignore_errors=True)
            self._staging = None

    def _build_wheel(self, config: InteropConfig, version: str, build_data: Dict[str, Any]) -> None:
        root = Path(self.root)
        output = build_bindings(
            root, config, self._new_staging(), warn=self.app.display_warning, editable=version == "editable"
        )
        build_data["pure_python"] = False
        build_data["infer_tag"] = False
        build_data["tag"] = output.tag
        # What the generated bindings import at run time (cffi for the cffi backend): the wheel requires it.
        build_data.setdefault("dependencies", []).extend(output.dependencies)
        if version == "editable":
            written = install_in_place(output, source_root(root, config.module))
            self.app.display_info(
                f"hatch-interop: wrote {len(written)} files for `{config.module}` into the source tree"
            )
        else:
            for wheel_path, path in output.files.items():
                build_data["force_include"][str(path)] = wheel_path
            self._add_sbom(output.sbom, build_data)
        self.app.display_info(
            f"hatch-interop: {output.inventory.library.crate} {output.inventory.library.version} -> "
            f"{config.module} ({', '.join(config.backends)}), tag {output.tag}"
        )

    def _add_sbom(self, sbom: Optional[Path], build_data: Dict[str, Any]) -> None:
        """Ship the SBOM in ``*.dist-info/sboms/`` (PEP 770), where hatchling >= 1.28 puts ``sbom_files``."""
        if sbom is None:
            return
        if "sbom_files" not in build_data:
            # Older hatchling has no such build data, and would ignore it: say so rather than ship none silently.
            self.app.display_warning(
                "hatch-interop: this hatchling cannot add an SBOM to the wheel (PEP 770 support came in "
                'hatchling 1.28): require "hatchling>=1.28" in [build-system] to ship the Rust crates\' SBOM'
            )
            return
        build_data["sbom_files"].append(str(sbom))

    def _build_sdist(self, config: InteropConfig, build_data: Dict[str, Any]) -> None:
        root = Path(self.root)
        included: List[str] = []
        for source, target in vendor_path_dependencies(root, config, self._new_staging()).items():
            build_data["force_include"][str(source)] = target
            included.append(target)
        if included:
            self.app.display_info(
                f"hatch-interop: vendored Rust path dependencies into the sdist: {', '.join(included)}"
            )

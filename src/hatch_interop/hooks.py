"""Registration with hatchling's plugin system (the ``hatch`` entry-point group)."""

from __future__ import annotations

from typing import Type

from hatchling.plugin import hookimpl

from hatch_interop.frontends.hatch import InteropBuildHook


@hookimpl
def hatch_register_build_hook() -> Type[InteropBuildHook]:
    return InteropBuildHook

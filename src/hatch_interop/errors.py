"""The errors hatch-interop raises: one hierarchy, every message actionable."""

from __future__ import annotations


class InteropError(Exception):
    """Base class: a build that cannot go on, with a message that says why and what to do."""


class ConfigError(InteropError):
    """An option under ``[tool.hatch.build.hooks.interop]`` is missing, unknown or invalid."""


class CargoError(InteropError):
    """cargo is missing, failed, or did not produce what the build needs."""


class CrateError(InteropError):
    """The Rust crate is not set up the way hatch-interop needs (crate-type, inventory binary)."""


class InventoryError(InteropError):
    """The inventory printed by the crate is malformed, of another version, or inconsistent."""


class BackendError(InteropError):
    """A backend is unknown, broken, or cannot express something in the inventory."""

"""The ``[tool.hatch.build.hooks.interop]`` options: one table drives parsing, validation and docs.

TOML keys are hyphenated; attributes of :class:`InteropConfig` use underscores. Every option is
checked before cargo runs, and an error names the option, what it got and what it needs.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, FrozenSet, List, Mapping, Optional, Sequence, Tuple

import tomlkit

from hatch_interop.errors import ConfigError
from hatch_interop.targets import check_cargo_args_target

HOOK = "interop"
HOOK_TABLE = f"tool.hatch.build.hooks.{HOOK}"
#: Where the setuptools front-end reads the same options.
SETUPTOOLS_TABLE = "tool.hatch-interop"

#: Keys hatchling itself reads from every build-hook table; they are not ours to reject.
HATCHLING_HOOK_KEYS = frozenset(
    {"dependencies", "require-runtime-dependencies", "require-runtime-features", "enable-by-default"}
)

_MODULE = re.compile(r"\A[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*\Z")
_PROFILE = re.compile(r"\A[A-Za-z0-9_-]+\Z")
_PLATFORM_TAG = re.compile(r"\A[a-z0-9_.]+\Z")

#: cargo arguments that the hook sets itself; passing them in `cargo-args` would contradict it.
_OWNED_CARGO_ARGS: Dict[str, str] = {
    "--release": "use the `profile` option",
    "--profile": "use the `profile` option",
    "--features": "use the `features` option",
    "-F": "use the `features` option",
    "--all-features": "use the `all-features` option",
    "--no-default-features": "use the `no-default-features` option",
    "--manifest-path": "use the `crate` option",
    "--message-format": "hatch-interop reads cargo's JSON messages itself",
    "--bin": "use the `inventory-bin` option",
    "--lib": "the hook always builds the library",
}


@dataclass(frozen=True)
class Option:
    """One option of a TOML table: the hook's own, or a backend's (``Backend.OPTIONS``)."""

    key: str
    kind: str  # as shown in docs: "string", "boolean", "integer", "array of strings"
    default: Any  # None: required
    help: str
    check: Optional[Callable[[Any], Optional[str]]] = None  # returns an error fragment, or None
    #: The only values a string option may take (listed in errors and docs), or empty for any.
    choices: Tuple[str, ...] = ()


def _check_module(value: str) -> Optional[str]:
    if not _MODULE.match(value):
        return "must be a dotted Python module name such as `my_package._native`"
    if any(part.startswith("__") for part in value.split(".")):
        return "must not use dunder names as module parts"
    return None


def _check_profile(value: str) -> Optional[str]:
    return None if _PROFILE.match(value) else "must be a cargo profile name such as `release` or `dev`"


def _check_backends(value: List[str]) -> Optional[str]:
    if not value:
        return 'must name at least one backend, e.g. ["ctypes"]'
    dupes = sorted({b for b in value if value.count(b) > 1})
    return f"names {', '.join(dupes)} more than once" if dupes else None


def _check_cargo_args(value: List[str]) -> Optional[str]:
    for arg in value:
        flag = arg.split("=", 1)[0]
        if flag in _OWNED_CARGO_ARGS:
            return f"must not contain `{flag}`: {_OWNED_CARGO_ARGS[flag]}"
    return check_cargo_args_target(value)


def _check_platform_tag(value: str) -> Optional[str]:
    if value == "auto" or _PLATFORM_TAG.match(value):
        return None
    return "must be `auto` or a wheel platform tag such as `manylinux_2_17_x86_64`"


def _check_relative(value: str) -> Optional[str]:
    return None if value.strip() else "must be a non-empty path"


OPTIONS: Tuple[Option, ...] = (
    Option(
        "module",
        "string",
        None,
        "Dotted name of the generated Python package that holds the bindings and the library, "
        "e.g. `my_package._native`. Required.",
        _check_module,
    ),
    Option(
        "crate",
        "string",
        ".",
        "Directory of the Rust crate (its `Cargo.toml`), relative to the project root.",
        _check_relative,
    ),
    Option(
        "backends",
        "array of strings",
        ["ctypes"],
        "Generators to run, by name: `ctypes`, `cffi` and `cpython` (Python bindings) and `c` (a C header) ship with "
        "hatch-interop; others come from plugins in the `hatch_interop.backends` entry-point group.",
        _check_backends,
    ),
    Option(
        "profile",
        "string",
        "release",
        "Cargo profile to build with (`release`, `dev`, or one of the crate's own).",
        _check_profile,
    ),
    Option(
        "editable-profile",
        "string",
        "",
        "Cargo profile for editable installs (`pip install -e .`): `dev` compiles fastest while you work on the "
        "Rust code (see [The quickest rebuild](#the-quickest-rebuild)); empty uses `profile`.",
        lambda value: _check_profile(value) if value else None,
    ),
    Option(
        "strip",
        "string",
        "auto",
        "What to strip from the library: `symbols` (its symbol table and debug info; the exported functions "
        "stay), `debuginfo`, or `none`. `auto` strips symbols for the `release` profile and leaves other "
        "profiles as the crate's `Cargo.toml` says.",
        choices=("auto", "symbols", "debuginfo", "none"),
    ),
    Option("features", "array of strings", [], "Cargo features to enable."),
    Option("all-features", "boolean", False, "Enable all of the crate's features."),
    Option("no-default-features", "boolean", False, "Disable the crate's default features."),
    Option(
        "cargo-args",
        "array of strings",
        [],
        'Extra arguments for `cargo build`, e.g. `["--locked"]`. Options the hook sets itself are refused. '
        "`--target T` builds the library for the Rust target `T`, as `CARGO_BUILD_TARGET` does (see "
        "[Cross targets](#cross-targets)).",
        _check_cargo_args,
    ),
    Option(
        "inventory-bin",
        "string",
        "inventory",
        "Name of the crate's binary target that prints the inventory (`src/bin/inventory.rs`).",
        _check_relative,
    ),
    Option(
        "platform-tag",
        "string",
        "auto",
        "Wheel platform tag. `auto` derives it from the built library (`manylinux_2_X_<arch>` from "
        "the glibc versions it needs on Linux); any other value is used if the library meets it (its "
        "architecture, and on Linux the glibc and libraries a manylinux tag promises), and is an error naming "
        "the symbol or library that prevents it otherwise.",
        _check_platform_tag,
    ),
)

_BY_KEY = {o.key: o for o in OPTIONS}


@dataclass(frozen=True)
class InteropConfig:
    """The validated options of one build."""

    module: str
    crate: str = "."
    backends: Tuple[str, ...] = ("ctypes",)
    profile: str = "release"
    #: The profile of editable installs; empty: `profile`.
    editable_profile: str = ""
    strip: str = "auto"
    features: Tuple[str, ...] = ()
    all_features: bool = False
    no_default_features: bool = False
    cargo_args: Tuple[str, ...] = ()
    inventory_bin: str = "inventory"
    platform_tag: str = "auto"
    #: The raw tables of backends, ``[<table>.<backend>]``, by backend name; each is validated against its
    #: backend's ``OPTIONS`` once the backends are found (see ``backend_options``).
    backend_tables: Tuple[Tuple[str, Mapping[str, Any]], ...] = ()
    #: The TOML table the options come from: the Hatch hook's, or the setuptools front-end's.
    table: str = HOOK_TABLE

    @property
    def owner(self) -> str:
        """Who the options belong to, as messages name it: ``build hook `interop``` or ``[tool.hatch-interop]``."""
        return _owner(self.table)

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any], table: str = HOOK_TABLE) -> InteropConfig:
        """Validate the options' TOML table (`table` names it in errors); raise :class:`ConfigError` naming the
        first bad option."""
        owner = _owner(table)
        own = {key: value for key, value in raw.items() if not isinstance(value, Mapping)}
        tables = {key: value for key, value in raw.items() if isinstance(value, Mapping)}
        ignored = HATCHLING_HOOK_KEYS if table == HOOK_TABLE else frozenset()
        unknown = [key for key in own if key not in _BY_KEY and key not in ignored]
        if unknown:
            raise ConfigError(_unknown_message(unknown[0], owner, ignored))
        checked = validate_table(OPTIONS, {k: v for k, v in own.items() if k in _BY_KEY}, owner, table)
        values: Dict[str, Any] = {
            key.replace("-", "_"): tuple(value) if isinstance(value, list) else value
            for key, value in checked.items()
            if key in own
        }
        backends = values.get("backends", InteropConfig.backends)
        for name in tables:
            if name not in backends:
                if name in _BY_KEY:
                    message = f"Option `{name}` for {owner} must be {_article(_BY_KEY[name].kind)}, not a table"
                else:
                    message = (
                        f"The table [{table}.{name}] configures backend `{name}`, which option "
                        f"`backends` does not enable ({', '.join(backends)}): add `{name}` to `backends` or remove "
                        "the table."
                    )
                raise ConfigError(message)
        values["backend_tables"] = tuple(sorted((name, dict(backend)) for name, backend in tables.items()))
        values["table"] = table
        if values.get("all_features") and values.get("features"):
            raise ConfigError(
                f"Options `all-features` and `features` for {owner} contradict each other: "
                "remove `features` or set `all-features = false`"
            )
        return cls(**values)

    def backend_table(self, name: str) -> Mapping[str, Any]:
        """The raw table of backend `name` (empty when the user wrote none)."""
        return dict(self.backend_tables).get(name, {})

    def resolved(self) -> Dict[str, Any]:
        """The effective options, defaults included, keyed as in TOML (for `--show-config`-style output)."""
        return {o.key: getattr(self, o.key.replace("-", "_")) for o in OPTIONS}


def validate_table(options: Sequence[Option], raw: Mapping[str, Any], owner: str, table: str) -> Dict[str, Any]:
    """Every option of `options` from `raw` (a TOML table), defaults filled in, checked. `owner` names the
    options' owner in errors (``build hook `interop```, ``backend `cffi```) and `table` the TOML table that
    holds them. Unknown keys are errors."""
    by_key = {o.key: o for o in options}
    for key in raw:
        if key not in by_key:
            valid = [o.key for o in options]
            listing = (
                f" Valid options: {', '.join(valid)}." if valid else f" {owner[0].upper()}{owner[1:]} has no options."
            )
            raise ConfigError(f"Unknown option `{key}` for {owner}.{suggest(key, valid)}{listing}")
    values: Dict[str, Any] = {}
    for option in options:
        if option.key not in raw:
            if option.default is None:
                example = f'"{option.choices[0]}"' if option.choices else '"my_package._native"'
                message = (
                    f"Option `{option.key}` for {owner} is required: {option.help} "
                    f"Add it under [{table}], e.g. {option.key} = {example}"
                )
                raise ConfigError(message)
            values[option.key] = option.default
            continue
        value = _check_type(option, raw[option.key], owner)
        if option.choices and value not in option.choices:
            choices = ", ".join(f"`{c}`" for c in option.choices)
            hint = suggest(value, option.choices)
            message = (
                f"Option `{option.key}` for {owner} must be one of {choices}; got {value!r}.{hint} "
                f"It is set in [{table}]."
            )
            raise ConfigError(message)
        if option.check is not None:
            problem = option.check(value)
            if problem:
                raise ConfigError(f"Option `{option.key}` for {owner} {problem}; got {value!r}")
        values[option.key] = value
    return values


def _check_type(option: Option, value: Any, owner: str) -> Any:
    ok: bool
    if option.kind == "string":
        ok = isinstance(value, str)
    elif option.kind == "boolean":
        ok = isinstance(value, bool)
    elif option.kind == "integer":
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif option.kind == "array of strings":
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
    else:
        raise AssertionError(f"unknown option kind {option.kind!r} of option `{option.key}` for {owner}")
    if not ok:
        raise ConfigError(f"Option `{option.key}` for {owner} must be {_article(option.kind)}; got {value!r}")
    return value


def _article(kind: str) -> str:
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"


def read_pyproject(path: Path) -> Mapping[str, Any]:
    """A ``pyproject.toml`` as plain data, or :class:`ConfigError` saying it is not valid TOML."""
    try:
        data: Mapping[str, Any] = tomlkit.parse(path.read_text(encoding="utf-8")).unwrap()
    except Exception as e:  # tomlkit raises several error types; all mean the same to the user
        raise ConfigError(f"{path} is not valid TOML: {e}") from None
    return data


def _owner(table: str) -> str:
    return f"build hook `{HOOK}`" if table == HOOK_TABLE else f"[{table}]"


def _unknown_message(key: str, owner: str, ignored: FrozenSet[str]) -> str:
    valid = [o.key for o in OPTIONS]
    hint = suggest(key, valid + sorted(ignored))
    return f"Unknown option `{key}` for {owner}.{hint} Valid options: {', '.join(valid)}."


def suggest(name: str, choices: Sequence[str]) -> str:
    """`` Did you mean `x`?`` for a near miss, or an empty string."""
    close = difflib.get_close_matches(name, list(choices), n=1)
    return f" Did you mean `{close[0]}`?" if close else ""


def options_table(options: Sequence[Option] = OPTIONS) -> str:
    """The Markdown reference table of `options` (the README embeds the hook's; a test keeps it in sync)."""
    rows = ["| option | type | default | meaning |", "| --- | --- | --- | --- |"]
    for o in options:
        default = "(required)" if o.default is None else f"`{_toml(o.default)}`"
        rows.append(f"| `{o.key}` | {o.kind} | {default} | {o.help} |")
    return "\n".join(rows)


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    raise AssertionError(value)  # pragma: no cover

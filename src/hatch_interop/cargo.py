"""Driving cargo: check the crate's targets, build the library and the inventory binary, run it.

Artifacts are located from cargo's JSON messages, never by globbing ``target/``: the paths are
what cargo says it wrote, whatever ``CARGO_TARGET_DIR``, profile or layout is in effect.
cargo's progress and diagnostics go to the user's terminal (stderr is inherited).
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Set, Tuple

from hatch_interop import reproducible, targets
from hatch_interop.config import InteropConfig, suggest
from hatch_interop.errors import CargoError, ConfigError, CrateError

INVENTORY_TIMEOUT = 120  # seconds; the binary only prints JSON, so anything longer is a hang


@dataclass(frozen=True)
class CrateInfo:
    """What ``cargo metadata`` says about the crate we build."""

    name: str
    version: str
    package_id: str
    manifest_path: Path
    lib_name: str
    bin_names: List[str]


@dataclass(frozen=True)
class Artifacts:
    library: Path
    inventory_bin: Path
    #: The target triple the library was built for (empty when rustc could not tell the host's).
    target: str = ""
    #: The triple of this machine, which the inventory binary was built for (empty when rustc could not tell).
    host: str = ""
    #: Cargo's target directory (None when not known).
    target_dir: Optional[Path] = None

    @property
    def cross(self) -> bool:
        """Whether the library is for another platform than this machine's (it cannot be loaded here)."""
        return bool(self.target and self.host and self.target != self.host)


def find_cargo(env: Optional[Mapping[str, str]] = None) -> str:
    """The cargo executable: ``$CARGO`` if set, else ``cargo`` on ``PATH``."""
    env = os.environ if env is None else env
    explicit = env.get("CARGO")
    if explicit:
        if shutil.which(explicit) is None:
            raise CargoError(
                f"The CARGO environment variable points at {explicit!r}, which is not an executable. "
                "Unset CARGO to use `cargo` from PATH, or point it at the cargo binary."
            )
        return explicit
    found = shutil.which("cargo", path=env.get("PATH"))
    if found is None:
        raise CargoError(
            "Cargo, the Rust package manager, was not found on PATH; building this package compiles Rust code. "
            "Install Rust with rustup (https://rustup.rs), e.g. "
            "`curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh`, then open a new shell "
            "(or add ~/.cargo/bin to PATH). If cargo is installed elsewhere, set CARGO to its path."
        )
    return found


def _run_captured(cmd: Sequence[str], cwd: Path, what: str) -> str:
    try:
        proc = subprocess.run(list(cmd), cwd=cwd, capture_output=True, text=True, check=False)
    except OSError as e:
        raise CargoError(f"Could not run {_quote(cmd)}: {e}") from None
    if proc.returncode != 0:
        raise CargoError(_failure(cmd, proc.returncode, what, proc.stderr))
    return proc.stdout


def _failure(cmd: Sequence[str], code: int, what: str, output: str = "") -> str:
    message = f"{what} failed (exit code {code}).\nCommand: {_quote(cmd)}"
    output = output.strip()
    if output:
        message += "\nOutput:\n" + "\n".join("    " + line for line in output.splitlines())
    return message


def _quote(cmd: Sequence[str]) -> str:
    return " ".join(shlex.quote(str(c)) for c in cmd)


def read_crate(cargo: str, crate_dir: Path, config: InteropConfig) -> CrateInfo:
    """Check that the crate can be built the way the hook needs, before compiling anything."""
    manifest = crate_dir / "Cargo.toml"
    if not manifest.is_file():
        raise CrateError(
            f"No Cargo.toml in {crate_dir}. Option `crate` for {config.owner} must point at the "
            f"directory of the Rust crate (it is {config.crate!r}, relative to the project root)."
        )
    cmd = [cargo, "metadata", "--format-version", "1", "--no-deps", "--manifest-path", str(manifest)]
    metadata = json.loads(_run_captured(cmd, crate_dir, "Reading the crate's metadata with `cargo metadata`"))
    package = _own_package(metadata, manifest)
    lib_target: Optional[Dict[str, Any]] = None
    bins: List[str] = []
    for target in package["targets"]:
        kinds = target["kind"]
        if "bin" in kinds:
            bins.append(target["name"])
        elif any(k in kinds for k in ("cdylib", "rlib", "lib", "dylib", "staticlib")):
            lib_target = target
    name = package["name"]
    if lib_target is None:
        raise CrateError(
            f"Crate `{name}` has no library target. Add src/lib.rs and, in {manifest}:\n"
            '    [lib]\n    crate-type = ["cdylib", "rlib"]'
        )
    kinds = lib_target["kind"]
    if "cdylib" not in kinds:
        raise CrateError(
            f"Crate `{name}` does not build a C-compatible shared library: its crate-type is "
            f"{json.dumps(kinds)}. Add to {manifest}:\n"
            '    [lib]\n    crate-type = ["cdylib", "rlib"]\n'
            '("cdylib" is the library Python loads; "rlib" lets the inventory binary link the crate.)'
        )
    if not any(k in kinds for k in ("rlib", "lib")):
        raise CrateError(
            f"Crate `{name}` has crate-type {json.dumps(kinds)}; "
            "the inventory binary cannot link a crate that is only a cdylib. "
            f'Add "rlib" in {manifest}:\n    [lib]\n    crate-type = ["cdylib", "rlib"]'
        )
    if config.inventory_bin not in bins:
        found = f" The crate's binaries are: {', '.join(bins)}.{suggest(config.inventory_bin, bins)}" if bins else ""
        raise CrateError(
            f"Crate `{name}` has no binary target `{config.inventory_bin}` to print its inventory.{found} "
            f"Create {crate_dir / 'src' / 'bin' / (config.inventory_bin + '.rs')} containing:\n"
            f"    fn main() {{ hatch_interop::dump({lib_target['name']}::inventory()); }}\n"
            "or set option `inventory-bin` to the name of the binary that does."
        )
    return CrateInfo(
        name=name,
        version=package["version"],
        package_id=package["id"],
        manifest_path=manifest,
        lib_name=lib_target["name"],
        bin_names=bins,
    )


def _own_package(metadata: Mapping[str, Any], manifest: Path) -> Mapping[str, Any]:
    wanted = manifest.resolve()
    for package in metadata.get("packages", []):
        if Path(package["manifest_path"]).resolve() == wanted:
            return package  # type: ignore[no-any-return]
    raise CrateError(
        f"{manifest} is a virtual workspace manifest, not a package. Point option `crate` for build hook "
        "`interop` at the directory of the member crate that builds the cdylib."
    )


@dataclass(frozen=True)
class BuildPlan:
    """How cargo runs: the manifest it builds, its environment and our arguments (see reproducible.py)."""

    #: The crate's manifest, or the crate's place in its workspace view.
    manifest_path: Path
    env: Dict[str, str]
    #: Extra arguments of `cargo build` (our rustflags, when they go through `--config`).
    args: List[str]
    view: Optional[reproducible.View] = None
    #: The target triple the library is built for (empty when rustc could not tell the host's).
    target: str = ""
    #: This machine's triple, for the inventory binary (empty when rustc could not tell).
    host: str = ""
    #: Whether a target was asked for (then cargo gets `--target`; else it builds for the host, in its
    #: default layout, `target/<profile>/`).
    explicit: bool = False
    #: What asked for the target (``CARGO_BUILD_TARGET``, ...), for messages; empty when none did.
    source: str = ""
    #: Cargo's target directory (``cargo metadata``'s ``target_directory``), where the build keeps what lasts.
    target_dir: Optional[Path] = None

    @property
    def cross(self) -> bool:
        """Whether the library's target is not this machine: the inventory binary is then built on its own."""
        return self.explicit and self.target != self.host


#: `cargo build` options that change how cargo resolves dependencies; `cargo metadata` needs them too.
_RESOLUTION_OPTIONS = ("--locked", "--offline", "--frozen")


def plan_build(
    cargo: str, crate: CrateInfo, config: InteropConfig, env: Optional[Mapping[str, str]] = None
) -> BuildPlan:
    """Our rustflags (path remapping) added to the user's, and, with ``SOURCE_DATE_EPOCH`` set, the
    workspace view that makes the build independent of the source tree's location."""
    env = dict(os.environ if env is None else env)
    crate_dir = crate.manifest_path.parent
    cmd = [cargo, "metadata", "--format-version", "1", "--all-features", "--manifest-path", str(crate.manifest_path)]
    cmd += [arg for arg in config.cargo_args if arg in _RESOLUTION_OPTIONS]
    layout = reproducible.read_layout(
        json.loads(_run_captured(cmd, crate_dir, "Resolving the crate's dependencies with `cargo metadata`"))
    )
    toolchain = reproducible.read_toolchain(crate_dir, env)
    requested = targets.requested_target(
        config.cargo_args, env, reproducible.config_files(crate_dir, reproducible.cargo_home(env)), toolchain.host
    )
    if requested is not None:
        check_target(requested, toolchain, env, crate_dir, config.cargo_args)
    triple = requested.triple if requested is not None else toolchain.host
    view = None
    # Reproducible builds are asked for with SOURCE_DATE_EPOCH: then the project's own paths are remapped too.
    reproducing = reproducible.source_date_epoch(env) is not None
    if reproducing:
        view = reproducible.workspace_view(layout, crate_dir, layout.target_dir / "hatch-interop" / "views")
    if view is not None:
        env["CARGO_TARGET_DIR"] = str(layout.target_dir)  # not the view's own target/
    flags = reproducible.remap_flags(
        layout, toolchain, reproducible.cargo_home(env), view.root if view is not None else None, project=reproducing
    )
    configured = reproducible.configured_rustflags(crate_dir, env, triple)
    updates, args = reproducible.merge_rustflags(flags, env, configured, triple)
    env.update(updates)
    return BuildPlan(
        manifest_path=view.manifest if view is not None else crate.manifest_path,
        env=env,
        args=args,
        view=view,
        target=triple,
        host=toolchain.host,
        explicit=requested is not None,
        source=requested.source if requested is not None else "",
        target_dir=layout.target_dir,
    )


def check_target(
    requested: targets.Requested,
    toolchain: reproducible.Toolchain,
    env: Mapping[str, str],
    cwd: Path,
    cargo_args: Sequence[str] = (),
) -> None:
    """Refuse, before cargo runs, a target rustc does not know, one whose standard library is not installed
    (cargo would fail on every crate with `can't find crate for std`), and one the host's inventory cannot
    describe (see :func:`targets.describe_layout_mismatch`)."""
    rustc = env.get("RUSTC") or "rustc"
    triple = requested.triple
    cmd = [rustc, "--print", "cfg", "--target", triple]
    try:
        proc = subprocess.run(cmd, cwd=cwd, env=dict(env), capture_output=True, text=True, check=False)
    except OSError as e:
        raise CargoError(f"Could not run {_quote(cmd)}: {e}") from None
    if proc.returncode != 0:
        known = subprocess.run(
            [rustc, "--print", "target-list"], cwd=cwd, env=dict(env), capture_output=True, text=True, check=False
        ).stdout.split()
        said = next((line for line in proc.stderr.splitlines() if line.startswith("error")), proc.stderr.strip())
        raise ConfigError(
            f"The Rust target {triple!r} (from {requested.source}) is not one rustc knows ({said})."
            f"{suggest(triple, known)} `rustc --print target-list` lists the built-in targets."
        )
    cfg = dict(targets.parse_cfg(proc.stdout))
    problem = targets.describe_layout_mismatch(triple, cfg, sys.byteorder)
    if problem:
        raise ConfigError(f"Cannot build for {triple} (from {requested.source}): {problem}.")
    # A target built with -Zbuild-std brings its own standard library; a specification file has no rustup package.
    own_std = any("build-std" in arg for arg in cargo_args) or triple.endswith(".json")
    if toolchain.sysroot and not own_std:
        libdir = Path(toolchain.sysroot) / "lib" / "rustlib" / triple / "lib"
        if not libdir.is_dir():
            raise CargoError(
                f"The Rust standard library for target {triple} (from {requested.source}) is not installed in the "
                f"toolchain at {toolchain.sysroot}. Install it with `rustup target add {triple}` (or, without "
                f"rustup, the rust-std component for {triple}), or drop {requested.source} to build for this "
                f"machine ({toolchain.host})."
            )


def build_command(cargo: str, crate: CrateInfo, config: InteropConfig, plan: Optional[BuildPlan] = None) -> List[str]:
    """The `cargo build` of the library, and of the inventory binary too unless the target is another machine's
    (see :func:`inventory_command`)."""
    units = ["--lib"] if plan is not None and plan.cross else ["--lib", "--bin", config.inventory_bin]
    target = ["--target", plan.target] if plan is not None and plan.explicit else []
    return _cargo_build(cargo, crate, config, plan, units + target)


def inventory_command(cargo: str, crate: CrateInfo, config: InteropConfig, plan: BuildPlan) -> List[str]:
    """The `cargo build` of the inventory binary for this machine, when the library is for another one: the
    binary must run here. `--target <host>` beats a target asked for by the environment or configuration."""
    return _cargo_build(cargo, crate, config, plan, ["--bin", config.inventory_bin, "--target", plan.host])


def _cargo_build(
    cargo: str, crate: CrateInfo, config: InteropConfig, plan: Optional[BuildPlan], units: Sequence[str]
) -> List[str]:
    cmd = [
        cargo,
        "build",
        "--manifest-path",
        str(plan.manifest_path if plan is not None else crate.manifest_path),
        "--message-format=json-render-diagnostics",
        *units,
        "--profile",
        config.profile,
    ]
    strip = "symbols" if config.strip == "auto" and config.profile == "release" else config.strip
    if strip != "auto":
        # A profile setting given on the command line: the crate's own Cargo.toml is left as it is.
        cmd += ["--config", f'profile.{config.profile}.strip="{strip}"']
    if config.features:
        cmd += ["--features", ",".join(config.features)]
    if config.all_features:
        cmd.append("--all-features")
    if config.no_default_features:
        cmd.append("--no-default-features")
    if plan is not None:
        cmd += plan.args
    cmd += targets.without_target_args(config.cargo_args)  # the plan's target is given above
    return cmd


#: What an unpacked sdist may hold that is no source of the crate.
_NOT_SOURCES = frozenset({"target", ".git", "__pycache__"})


def refresh_unpacked_sdist(project_root: Path) -> bool:
    """Give the files of an unpacked sdist (a project root with ``PKG-INFO``) the current time; True if it was one.

    Reproducible sdists stamp every file with one fixed date (2020, or ``SOURCE_DATE_EPOCH``), and cargo
    judges freshness by file times: building two sdists of different sources with one shared
    ``CARGO_TARGET_DIR`` would find the first build's library "fresh" and ship it for the second. Cargo
    names the crate's artifacts the same wherever the sdist was unpacked, so the times must differ.
    """
    if not (project_root / "PKG-INFO").is_file():
        return False
    for directory, dirnames, filenames in os.walk(project_root):
        dirnames[:] = [d for d in dirnames if d not in _NOT_SOURCES]
        for name in filenames:
            os.utime(os.path.join(directory, name))
    return True


def build(cargo: str, crate: CrateInfo, config: InteropConfig, plan: Optional[BuildPlan] = None) -> Artifacts:
    """Build the cdylib and the inventory binary: in one cargo invocation, or in two when the library is for
    another platform (the binary is then built for this one, where it runs). `plan`: :func:`plan_build`'s."""
    plan = plan_build(cargo, crate, config) if plan is None else plan
    suffix = targets.library_suffix(plan.target)
    library, inventory_bin = _run_build(build_command(cargo, crate, config, plan), crate, config, plan, suffix)
    if plan.cross:
        _, inventory_bin = _run_build(inventory_command(cargo, crate, config, plan), crate, config, plan, suffix)
    if plan.view is not None:
        reproducible.sync_lock_back(plan.view, crate.manifest_path.parent)
    if library is None or inventory_bin is None:
        missing = "the cdylib" if library is None else f"the `{config.inventory_bin}` binary"
        command = build_command(cargo, crate, config, plan)
        raise CargoError(f"cargo build succeeded but reported no artifact for {missing}.\nCommand: {_quote(command)}")
    return Artifacts(
        library=library, inventory_bin=inventory_bin, target=plan.target, host=plan.host, target_dir=plan.target_dir
    )


def _run_build(
    cmd: Sequence[str], crate: CrateInfo, config: InteropConfig, plan: BuildPlan, suffix: str
) -> Tuple[Optional[Path], Optional[Path]]:
    try:
        # stdout carries JSON messages; stderr (progress, rendered diagnostics) goes to the user.
        proc = subprocess.Popen(
            list(cmd), cwd=crate.manifest_path.parent, env=plan.env, stdout=subprocess.PIPE, text=True
        )
    except OSError as e:
        raise CargoError(f"Could not run {_quote(cmd)}: {e}") from None
    assert proc.stdout is not None
    with proc:
        # Through a workspace view, cargo names the crate by the view's path.
        found = select_artifacts(
            proc.stdout,
            {crate.package_id} if plan.view is None else set(),
            str(plan.manifest_path),
            config.inventory_bin,
            suffix,
        )
    if proc.returncode != 0:
        sys.stderr.flush()
        message = (
            f"cargo build failed (exit code {proc.returncode}); cargo's diagnostics are above.\nCommand: {_quote(cmd)}"
        )
        raise CargoError(message)
    return found


def select_artifacts(
    lines: Iterable[str], package_ids: Set[str], manifest_path: str, inventory_bin: str, suffix: str
) -> Tuple[Optional[Path], Optional[Path]]:
    """``(cdylib, inventory binary)`` from cargo's JSON messages: the crate's cdylib file with the target's
    `suffix` (a Windows cdylib comes with ``.dll.lib``, ``.dll.exp`` and ``.pdb`` files beside the ``.dll``)."""
    library: Optional[Path] = None
    binary: Optional[Path] = None
    for line in lines:
        if not line.startswith("{"):
            continue
        message = json.loads(line)
        if message.get("reason") != "compiler-artifact":
            continue
        if message.get("package_id") not in package_ids and message.get("manifest_path") != manifest_path:
            continue
        target = message["target"]
        if "cdylib" in target["kind"]:
            for filename in message["filenames"]:
                if filename.endswith(suffix):
                    library = Path(filename)
        elif target["name"] == inventory_bin and message.get("executable"):
            binary = Path(message["executable"])
    return library, binary


def resolve_library_dependencies(cargo: str, crate: CrateInfo, config: InteropConfig, target: str) -> Dict[str, Any]:
    """``cargo metadata`` resolved as the build was: its features, its target (``--filter-platform``), for the SBOM.

    One more ``cargo metadata`` than the build needs (about 0.2 s, no network: the lock file is there): the
    one :func:`plan_build` runs resolves with all features, because the workspace view needs every path
    package the lock file names, and the SBOM must list only what this build compiled.
    """
    cmd = [cargo, "metadata", "--format-version", "1", "--manifest-path", str(crate.manifest_path)]
    if target and not target.endswith(".json"):  # cargo filters by built-in triples only
        cmd += ["--filter-platform", target]
    if config.features:
        cmd += ["--features", ",".join(config.features)]
    if config.all_features:
        cmd.append("--all-features")
    if config.no_default_features:
        cmd.append("--no-default-features")
    cmd += [arg for arg in config.cargo_args if arg in _RESOLUTION_OPTIONS]
    what = "Resolving the library's dependencies for its SBOM with `cargo metadata`"
    return json.loads(_run_captured(cmd, crate.manifest_path.parent, what))  # type: ignore[no-any-return]


def run_inventory(binary: Path) -> bytes:
    """Run the inventory binary and return what it printed (decoded by the inventory reader)."""
    cmd = [str(binary)]
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=INVENTORY_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise CargoError(f"The inventory binary {binary} did not finish within {INVENTORY_TIMEOUT} s.") from None
    except OSError as e:
        raise CargoError(f"Could not run the inventory binary {binary}: {e}") from None
    if proc.returncode != 0:
        stderr = proc.stderr.decode("utf-8", "replace")
        raise CargoError(
            _failure(cmd, proc.returncode, "The inventory binary", stderr)
            + "\nIt must print the crate's inventory, e.g. `fn main() { hatch_interop::dump(my_crate::inventory()); }`."
        )
    return proc.stdout

#!/usr/bin/env bash
# Measure the per-call cost of hatch-interop's generated ctypes, cffi and cpython bindings against hand-written
# ctypes, cffi (ABI and API mode), a C extension and PyO3, all on the reference crate. From a clean state:
# builds hatch-interop's wheel, sample_crate's wheel through it, the baselines, installs them into
# a fresh venv and runs bench.py pinned to one CPU. Everything it builds goes to benches/.work/
# (cargo's output to $CARGO_TARGET_DIR, default target/bench). Takes a few minutes.
#
#   bash benches/run.sh [bench.py options, e.g. --repeats 25]
#   bash benches/run.sh --callgrind     instructions per call under callgrind instead of timings
#
# Needs Python 3.8+ (PYTHON, default python3) with venv, a Rust toolchain (cargo) and a C compiler
# (CC, default cc); pip reaches PyPI and cargo crates.io.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=$root/benches/.work
python=${PYTHON:-python3}
cc=${CC:-cc}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target/bench}
export PIP_DISABLE_PIP_VERSION_CHECK=1

command -v cargo >/dev/null || { echo "run.sh: cargo is needed (https://rustup.rs)" >&2; exit 1; }
command -v "$cc" >/dev/null || { echo "run.sh: a C compiler is needed ($cc not found; set CC)" >&2; exit 1; }
step() { printf '\n== %s\n' "$*" >&2; }

rm -rf "$work"
mkdir -p "$work/wheelhouse" "$work/cext"

step "tools venv"
"$python" -m venv "$work/tools"
"$work/tools/bin/python" -m pip install -q -r benches/requirements-tools.txt

step "hatch-interop's wheel"
"$work/tools/bin/python" -m build --wheel --outdir "$work/wheelhouse" . >"$work/build-hatch-interop.log"

step "sample_crate's wheel, built by hatch-interop through pip"
# hatch-interop is not on PyPI: pip's isolated build environment gets it from the wheelhouse.
PIP_FIND_LINKS="$work/wheelhouse" "$work/tools/bin/python" -m pip wheel -q --no-deps \
    --wheel-dir "$work/wheelhouse" ./sample_crate

# sample_crate built with backend $3 (default cffi), as package $1 (beside the ctypes one), in cffi's mode $2.
cffi_variant() {
    local package=$1 mode=$2 backend=${3:-cffi} variant=$work/$1
    mkdir -p "$variant/$package"
    cp -r sample_crate/Cargo.toml sample_crate/Cargo.lock sample_crate/README.md sample_crate/src "$variant/"
    sed -i "s|path = \"../rust_helper\"|path = \"$root/rust_helper\"|" "$variant/Cargo.toml"
    touch "$variant/$package/__init__.py" "$variant/$package/py.typed"
    cat >"$variant/pyproject.toml" <<TOML
[build-system]
requires = ["hatchling>=1.24", "hatch-interop", "cffi"]
build-backend = "hatchling.build"

[project]
name = "${package//_/-}"
version = "0.1.0"
requires-python = ">=3.8"

[tool.hatch.build.targets.wheel]
packages = ["$package"]

[tool.hatch.build.hooks.interop]
module = "$package._native"
backends = ["$backend"]
TOML
    if [ "$backend" = cffi ]; then
        printf '\n[tool.hatch.build.hooks.interop.cffi]\nmode = "%s"\n' "$mode" >>"$variant/pyproject.toml"
    fi
    PIP_FIND_LINKS="$work/wheelhouse" "$work/tools/bin/python" -m pip wheel -q --no-deps \
        --wheel-dir "$work/wheelhouse" "$variant"
}
step "sample_crate's wheels with the cffi backend: ABI mode (sample_crate_cffi), API mode (sample_crate_cffi_api)"
cffi_variant sample_crate_cffi abi
cffi_variant sample_crate_cffi_api api
step "sample_crate's wheel with the cpython backend (sample_crate_cpython)"
cffi_variant sample_crate_cpython abi cpython

step "bench venv"
"$python" -m venv "$work/venv"
bench_python=$work/venv/bin/python
"$bench_python" -m pip install -q -r benches/requirements-bench.txt
"$bench_python" -m pip install -q --no-index --find-links "$work/wheelhouse" sample-crate sample-crate-cffi \
    sample-crate-cffi-api sample-crate-cpython

step "PyO3 baseline (maturin)"
"$work/tools/bin/maturin" build --release --locked --quiet -m benches/pyo3_baseline/Cargo.toml \
    --interpreter "$bench_python" --out "$work/wheelhouse"
"$bench_python" -m pip install -q --no-index --find-links "$work/wheelhouse" pyo3-baseline

step "C extension, linked against the installed libsample_crate.so"
native=$("$bench_python" -c 'import os, sample_crate._native as m; print(os.path.dirname(m.__file__))')
include=$("$bench_python" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
suffix=$("$bench_python" -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')
# sample_crate.h is the C header the wheel ships (hatch-interop's c backend).
"$cc" -O2 -std=c11 -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -shared -fPIC \
    -I"$include" -I"$native" benches/cext/sample_cext.c \
    -L"$native" -lsample_crate -Wl,-rpath,"$native" -o "$work/cext/sample_cext$suffix"
# The same source under the sample crate's GIL policy (the GIL released around most calls, as the crate lets).
"$cc" -O2 -std=c11 -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -shared -fPIC \
    -DSAMPLE_CEXT_POLICY -I"$include" -I"$native" benches/cext/sample_cext.c \
    -L"$native" -lsample_crate -Wl,-rpath,"$native" -o "$work/cext/sample_cext_policy$suffix"

step "cffi API-mode baseline, compiled against the wheel's sample_crate.h"
(cd benches && "$bench_python" handwritten_cffi_api.py "$work/cext")

step "callgrind probe (for --callgrind)"
"$cc" -O2 -std=c11 -Wall -Wextra -shared -fPIC -I"$include" benches/cext/callgrind_probe.c \
    -o "$work/cext/callgrind_probe$suffix"

step "the hop's floor (a bare C thread answering through eventfds)"
"$cc" -O2 -std=c11 -Wall -Wextra -shared -fPIC -pthread -D_GNU_SOURCE -I"$include" benches/cext/hop_floor.c \
    -o "$work/cext/hop_floor$suffix"

pin=()
if command -v taskset >/dev/null && [ "$(nproc)" -gt 1 ]; then
    cpu=$(( $(nproc) - 1 ))
    pin=(taskset -c "$cpu")
    step "benchmark, pinned to CPU $cpu"
else
    step "benchmark (not pinned: taskset missing or a single CPU)"
fi
"${pin[@]}" "$bench_python" benches/bench.py "$@"

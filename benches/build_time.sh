#!/usr/bin/env bash
# Build-time numbers of docs/performance.md, "Build time": `pip wheel .` of the quickstart project
# (`hatch-interop new`) and of a comparable trivial PyO3 crate built by maturin, cold and warm, and what each
# build-time dependency of hatch-interop costs in pip's isolated build environment. Not run by the tests.
#
#   bash benches/build_time.sh [OUT]      # OUT: a scratch directory (default /tmp/hatch-interop-build-time)
#   RUNS=5 CARGO_BUILD_JOBS=2 bash benches/build_time.sh
#   PROJECTS= bash benches/build_time.sh   # only the build dependencies and import times
#
# Needs python3, cargo with pyo3 0.30.1 and the helper crate's dependencies in its registry (cargo runs
# offline), and PyPI (or a pip cache) for the isolated build environments: a cold build downloads them.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-/tmp/hatch-interop-build-time}
python=${PYTHON:-python3}
runs=${RUNS:-3}
export CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-1}

. "$repo/benches/timing.sh"

step "tools: a venv with pip, build and hatch-interop's wheel"
"$python" -m venv "$out/venv"
py=$out/venv/bin/python
"$py" -m pip install -q --upgrade pip build >>"$log" 2>&1
"$py" -m build -q --wheel --outdir "$out/wheelhouse" "$repo" >>"$log" 2>&1
"$py" -m pip install -q "$out/wheelhouse"/hatch_interop-*.whl >>"$log" 2>&1

step "projects: the quickstart (hatch-interop new) and a trivial PyO3 crate (maturin)"
"$out/venv/bin/hatch-interop" new quick --path "$out/quick" --rust-helper "$repo/rust_helper" >>"$log"
mkdir -p "$out/pyo3_quick/src" "$out/pyo3_quick/pyo3_quick"
cp "$repo/benches/pyo3_baseline/Cargo.lock" "$out/pyo3_quick/Cargo.lock"   # pyo3 0.30.1, resolved offline
cat >"$out/pyo3_quick/Cargo.toml" <<'EOF'
[package]
name = "pyo3_quick"
version = "0.1.0"
edition = "2021"

[lib]
crate-type = ["cdylib"]

[dependencies]
pyo3 = { version = "=0.30.1", features = ["extension-module"] }

[workspace]
EOF
cat >"$out/pyo3_quick/src/lib.rs" <<'EOF'
use pyo3::prelude::*;

/// Adds two numbers.
#[pyfunction]
fn add(a: u32, b: u32) -> u32 {
    a.wrapping_add(b)
}

/// A point in the plane.
#[pyclass(get_all, set_all)]
#[derive(Clone, Copy)]
struct Vec2 {
    x: f32,
    y: f32,
}

#[pymethods]
impl Vec2 {
    #[new]
    fn new(x: f32, y: f32) -> Self {
        Vec2 { x, y }
    }
}

#[pymodule]
fn pyo3_quick(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(add, m)?)?;
    m.add_class::<Vec2>()?;
    Ok(())
}
EOF
cat >"$out/pyo3_quick/pyproject.toml" <<'EOF'
[build-system]
requires = ["maturin>=1.5,<2"]
build-backend = "maturin"

[project]
name = "pyo3-quick"
version = "0.1.0"
requires-python = ">=3.8"

[tool.maturin]
module-name = "pyo3_quick"
EOF

# One `pip wheel` of a project, with its own pip cache and cargo target directory (relative to $out).
wheel() {
  local project=$1 cache=$2 target=$3
  rm -rf "$out/dist"
  PIP_CACHE_DIR=$out/$cache CARGO_TARGET_DIR=$out/$target PIP_FIND_LINKS=$out/wheelhouse \
    "$py" -m pip wheel --no-deps --wheel-dir "$out/dist" "$out/$project"
}

results=$out/results.txt
: >"$results"
projects=${PROJECTS-quick pyo3_quick}   # PROJECTS= (empty) measures only the dependencies
for project in $projects; do
  step "$project: cold (empty pip cache, empty target directory)"
  cold=$(ms wheel "$project" "cache-$project" "target-$project")
  step "$project: cold cargo only (the pip cache of the run before, an empty target directory)"
  cold_cargo=$(ms wheel "$project" "cache-$project" "target-$project-2")
  step "$project: warm x$runs (nothing changed)"
  warm=()
  for _ in $(seq "$runs"); do warm+=("$(ms wheel "$project" "cache-$project" "target-$project")"); done
  step "$project: warm, without build isolation (the build environment's share)"
  noiso=()
  if [ "$project" = quick ]; then
    for _ in $(seq "$runs"); do
      noiso+=("$(ms env PIP_CACHE_DIR="$out/cache-$project" CARGO_TARGET_DIR="$out/target-$project" \
        "$py" -m pip wheel --no-deps --no-build-isolation --wheel-dir "$out/dist" "$out/$project")")
    done
  else
    "$py" -m pip install -q "maturin>=1.5,<2" >>"$log" 2>&1
    for _ in $(seq "$runs"); do
      noiso+=("$(ms env PIP_CACHE_DIR="$out/cache-$project" CARGO_TARGET_DIR="$out/target-$project" \
        "$py" -m pip wheel --no-deps --no-build-isolation --wheel-dir "$out/dist" "$out/$project")")
    done
  fi
  printf '%-10s cold %6s s   cold cargo %6s s   warm %6s s (runs: %s ms)   warm, no isolation %6s s (runs: %s ms)\n' \
    "$project" "$(seconds "$cold")" "$(seconds "$cold_cargo")" "$(seconds "$(median "${warm[@]}")")" "${warm[*]}" \
    "$(seconds "$(median "${noiso[@]}")")" "${noiso[*]}" | tee -a "$results"
done

step "build-time dependencies: what each adds to the isolated build environment"
# pip fills the isolated environment of a hatchling build with hatchling and its dependencies; a hatch-interop
# build adds hatch-interop and its own (jinja2 with markupsafe, tomlkit; packaging is hatchling's already). Each
# set is installed as pip installs build requirements (resolved against the index, from a warm cache, into a
# fresh prefix): the difference to hatchling alone is what our dependencies cost.
interop=$(ls "$out/wheelhouse"/hatch_interop-*.whl)
requirements() {
  rm -rf "$out/prefix"
  PIP_CACHE_DIR=$out/cache-deps PIP_FIND_LINKS=$out/wheelhouse \
    "$py" -m pip install -q --ignore-installed --no-user --no-warn-script-location --prefix "$out/prefix" "$@"
}
requirements hatchling "$interop" >>"$log" 2>&1   # warms the cache
printf '%-34s %8s\n' "build requirements" "ms" | tee -a "$results"
for set in "hatchling" "hatchling jinja2" "hatchling tomlkit" "hatchling packaging" "hatchling jinja2 tomlkit" \
  "hatchling $interop"; do
  times=()
  # shellcheck disable=SC2086  # the set is a list of words
  for _ in $(seq "$runs"); do times+=("$(ms requirements $set)"); done
  printf '%-34s %8s   (runs: %s)\n' "${set/$interop/hatch-interop}" "$(median "${times[@]}")" "${times[*]}" \
    | tee -a "$results"
done
rm -rf "$out/prefix" && requirements hatchling "$interop" >>"$log" 2>&1
printf '%-34s %8s\n' "installed (hatchling + hatch-interop)" "$(du -sk "$out/prefix" | cut -f1) KiB" | tee -a "$results"

step "import times (ms from \`import\` to its end, in a fresh interpreter, median of $runs)"
site=$(echo "$out"/prefix/lib/python3*/site-packages)
for module in hatchling.builders.wheel jinja2 tomlkit packaging.tags hatch_interop.frontends.hatch \
  hatch_interop.backends.ctypes; do
  times=()
  for _ in $(seq "$runs"); do
    times+=("$(PYTHONPATH=$site "$py" -c "import time; t = time.perf_counter(); import $module
print(round((time.perf_counter() - t) * 1000))")")
  done
  printf '%-34s %8s ms   (runs: %s)\n' "import $module" "$(median "${times[@]}")" "${times[*]}" | tee -a "$results"
done

step "versions"
{
  "$py" --version
  "$py" -m pip --version | cut -d' ' -f1-2
  cargo --version
  "$out/venv/bin/maturin" --version 2>/dev/null || true
  nproc | sed 's/^/cores: /'
  echo "CARGO_BUILD_JOBS=$CARGO_BUILD_JOBS"
} | tee -a "$results"
echo "results: $results" >&2

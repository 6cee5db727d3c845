#!/usr/bin/env bash
# The development loop of docs/performance.md, "The quickest rebuild": how long an editable install of the
# quickstart project (`hatch-interop new`) and of the sample crate (a copy) takes after a change to their Rust
# code, three ways. Not run by the tests.
#
#   bash benches/rebuild_time.sh [OUT]    # OUT: a scratch directory (default /tmp/hatch-interop-rebuild-time)
#   RUNS=5 bash benches/rebuild_time.sh
#
# Needs python3, cargo with the helper crate's dependencies in its registry (cargo runs offline) and PyPI (or
# a pip cache) for the build requirements.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-/tmp/hatch-interop-rebuild-time}
python=${PYTHON:-python3}
runs=${RUNS:-3}

. "$repo/benches/timing.sh"

"$python" -m venv "$out/venv"
py=$out/venv/bin/python
"$py" -m pip install -q --upgrade pip build >>"$log" 2>&1
"$py" -m build -q --wheel --outdir "$out/wheelhouse" "$repo" >>"$log" 2>&1
export PIP_FIND_LINKS=$out/wheelhouse
"$py" -m pip install -q hatchling editables "$out/wheelhouse"/hatch_interop-*.whl >>"$log" 2>&1
"$out/venv/bin/hatch-interop" new quick --path "$out/quick" --rust-helper "$repo/rust_helper" >>"$log"
cp -r "$repo/rust_helper" "$out/rust_helper"
rm -rf "$out/rust_helper/target"
cp -r "$repo/sample_crate" "$out/sample"
rm -rf "$out/sample/target" "$out/sample/sample_crate/_native"

# One rebuild: a change to lib.rs (a new function: cargo recompiles the crate, not its dependencies; the `dev`
# profile's incremental compilation recompiles only what changed), then the install.
rebuild() {
  local n=$RANDOM$RANDOM
  printf '\n#[allow(dead_code)]\nfn edit_%s() -> u64 {\n    %s\n}\n' "$n" "$n" >>src/lib.rs
  ms "$@"
}

printf '| %s | %s | %s |\n' "seconds, median of $runs (all runs, ms)" "quickstart" "sample crate"
printf '| --- | --- | --- |\n'
declare -A cells
for project in quick sample; do
  cd "$out/$project"
  cp pyproject.toml pyproject.release.toml
  sed 's/^module = .*/&\neditable-profile = "dev"/' pyproject.release.toml >pyproject.dev.toml
  grep -q 'editable-profile = "dev"' pyproject.dev.toml
  for mode in isolated release dev; do
    case $mode in
      isolated) cp pyproject.release.toml pyproject.toml; cmd=("$py" -m pip install -e .) ;;
      release) cp pyproject.release.toml pyproject.toml; cmd=("$py" -m pip install -e . --no-build-isolation --no-deps) ;;
      dev) cp pyproject.dev.toml pyproject.toml; cmd=("$py" -m pip install -e . --no-build-isolation --no-deps) ;;
    esac
    "${cmd[@]}" >>"$log" 2>&1   # warm up: the dependencies compiled for this profile
    times=()
    for _ in $(seq "$runs"); do times+=("$(rebuild "${cmd[@]}")"); done
    m=$(median "${times[@]}")
    cells[$project-$mode]="$(awk -v ms="$m" 'BEGIN {printf "%.1f", ms / 1000}') (${times[*]})"
  done
done
for mode in isolated release dev; do
  printf '| %s | %s | %s |\n' "$mode" "${cells[quick-$mode]}" "${cells[sample-$mode]}"
done

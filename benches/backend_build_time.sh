#!/usr/bin/env bash
# Build-time numbers of docs/performance.md, "Build time with each backend": `pip wheel .` of the sample crate
# with each backend (ctypes, cffi in ABI mode, cffi in API mode, cpython; each beside the c header, as the sample
# crate ships it), once cold (its own empty target directory) and RUNS times warm (nothing changed), with pip's
# isolated build environment (what `pip wheel .` does) and without it (the build hook's own time). Not run by the
# tests.
#
#   bash benches/backend_build_time.sh [OUT]     # OUT: a scratch directory (default /tmp/hatch-interop-backend-build)
#   RUNS=5 bash benches/backend_build_time.sh
#
# Needs python3 with venv, cargo (offline: the sample crate's dependencies in its registry), a C compiler, and PyPI
# (or a pip cache) for the isolated build environments.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-/tmp/hatch-interop-backend-build}
python=${PYTHON:-python3}
runs=${RUNS:-3}

. "$repo/benches/timing.sh"

step "tools: a venv with pip, the build requirements and hatch-interop's wheel"
"$python" -m venv "$out/venv"
py=$out/venv/bin/python
"$py" -m pip install -q --upgrade pip build "hatchling>=1.24" cffi >>"$log" 2>&1
"$py" -m build -q --wheel --outdir "$out/wheelhouse" "$repo" >>"$log" 2>&1
"$py" -m pip install -q "$out/wheelhouse"/hatch_interop-*.whl >>"$log" 2>&1

# The sample crate as project $1, its `backends` set to $2, with cffi's `mode` $3 (if any).
variant() {
  local dir=$out/$1
  mkdir -p "$dir"
  cp -r "$repo"/sample_crate/{Cargo.toml,Cargo.lock,README.md,pyproject.toml,src,sample_crate} "$dir/"
  sed -i "s|path = \"../rust_helper\"|path = \"$repo/rust_helper\"|" "$dir/Cargo.toml"
  "$py" - "$dir/pyproject.toml" "$2" "${3:-}" <<'EOF'
import sys
path, backends, mode = sys.argv[1:]
text = open(path).read().replace('backends = ["ctypes", "c"]', f"backends = {backends}")
if "cffi" in backends:
    text = text.replace('requires = ["hatchling>=1.24", "hatch-interop"]', 'requires = ["hatchling>=1.24", "hatch-interop", "cffi"]')
if mode:
    text += f'\n[tool.hatch.build.hooks.interop.cffi]\nmode = "{mode}"\n'
open(path, "w").write(text)
EOF
}
variant ctypes '["ctypes", "c"]'
variant cffi '["cffi", "c"]'
variant cffi-api '["cffi", "c"]' api
variant cpython '["cpython", "c"]'

wheel() {  # project, then pip's options
  local project=$1
  shift
  (cd "$out/$project" && PIP_FIND_LINKS="$out/wheelhouse" "$py" -m pip wheel -q --no-deps --wheel-dir dist "$@" .)
}

table="| seconds | cold | warm: median (every run) | warm, no isolation: median (every run) |
| --- | ---: | --- | --- |"
for project in ctypes cffi cffi-api cpython; do
  step "$project: cold, then $runs warm builds with and without isolation"
  cold=$(ms wheel "$project")
  warm=() plain=()
  for _ in $(seq "$runs"); do warm+=("$(ms wheel "$project")"); done
  for _ in $(seq "$runs"); do plain+=("$(ms wheel "$project" --no-build-isolation)"); done
  table+="
| $project | $(seconds "$cold") | $(seconds "$(median "${warm[@]}")") (${warm[*]} ms) | $(seconds "$(median "${plain[@]}")") (${plain[*]} ms) |"
done
# What the compile cache saves: the cpython project again, its cache emptied before every build.
step "cpython, its extension compiled anew: $runs warm builds without isolation, the cache emptied first"
anew=()
for _ in $(seq "$runs"); do
  rm -rf "$out/cpython/target/hatch-interop/cache"
  anew+=("$(ms wheel cpython --no-build-isolation)")
done
table+="
| cpython, its extension compiled anew (no cache) | | | $(seconds "$(median "${anew[@]}")") (${anew[*]} ms) |"
printf '\n%s\n' "$table" | tee "$out/results.md"

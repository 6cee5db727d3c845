#!/usr/bin/env bash
# Run the whole test suite against hatch-interop's own wheel, as a user's CI would use a pinned wheel.
#   bash scripts/test.sh            all tests
#   bash scripts/test.sh -m 'not e2e' -x   pytest arguments pass through
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
python=${PYTHON:-python3}
venv=$root/.venv-test
wheelhouse=$root/build/wheelhouse

command -v cargo >/dev/null || { echo "cargo is needed (install Rust with rustup: https://rustup.rs)" >&2; exit 1; }
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
"$venv/bin/python" -m pip install -q --upgrade pip build

rm -rf "$wheelhouse" && mkdir -p "$wheelhouse"
"$venv/bin/python" -m build --wheel --outdir "$wheelhouse" . >"$root/build/hatch-interop-build.log" 2>&1 \
  || { cat "$root/build/hatch-interop-build.log" >&2; exit 1; }
wheel=$(ls "$wheelhouse"/hatch_interop-*.whl)
"$venv/bin/python" -m pip install -q --force-reinstall "${wheel}[test]"

export HATCH_INTEROP_WHEELHOUSE=$wheelhouse
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target/tests}
# The `pytest` script (not `python -m pytest`) keeps the source tree off sys.path: tests import the installed wheel.
exec "$venv/bin/pytest" "$@"

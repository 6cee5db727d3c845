#!/usr/bin/env bash
# Run the whole test suite. Unit tests import the checkout (src/ is the import tree); end-to-end tests
# point real front-ends at hatch-interop's own wheel, built here, as a user's CI would use a pinned wheel.
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
# An editable install: the entry points of the built-in backends, and src/ on sys.path.
"$venv/bin/python" -m pip install -q -e "$root[test]"

export HATCH_INTEROP_WHEELHOUSE=$wheelhouse
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target/tests}
exec "$venv/bin/pytest" "$@"

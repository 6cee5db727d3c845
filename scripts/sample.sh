#!/usr/bin/env bash
# The main job on the reference crate: build hatch-interop's wheel, build sample_crate's wheel with it
# through pip (a real PEP 517 build), install that into a fresh virtual environment and call it.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
python=${PYTHON:-python3}
out=$root/build/sample
rm -rf "$out" && mkdir -p "$out/wheelhouse"

command -v cargo >/dev/null || { echo "cargo is needed (install Rust with rustup: https://rustup.rs)" >&2; exit 1; }
"$python" -m venv "$out/tools"
"$out/tools/bin/python" -m pip install -q --upgrade pip build
"$out/tools/bin/python" -m build --wheel --outdir "$out/wheelhouse" . >/dev/null
# --find-links: hatch-interop is not on PyPI yet, so the build environment gets it from our wheelhouse.
"$out/tools/bin/python" -m pip wheel --no-deps --find-links "$out/wheelhouse" --wheel-dir "$out/wheelhouse" ./sample_crate
"$python" -m venv "$out/venv"
"$out/venv/bin/python" -m pip install -q --no-index --find-links "$out/wheelhouse" sample-crate
cd "$out"  # away from the source tree, so Python imports the installed package
"$out/venv/bin/python" - <<'PY'
import sample_crate
from sample_crate import Color, Vec2, add, counter_free, counter_increment, counter_new, vec2_add

print("wheel:", sorted(p.name for p in __import__("pathlib").Path(sample_crate.__file__).parent.glob("_native/*")))
print("add(2, 3) =", add(2, 3))
print("vec2_add(...) =", vec2_add(Vec2(x=1.0, y=2.0), Vec2(x=3.0, y=4.0)))
print("Color members:", list(Color))
c = counter_new(41)
print("counter_increment ->", counter_increment(c))
counter_free(c)
print("help(add):", add.__doc__)
PY

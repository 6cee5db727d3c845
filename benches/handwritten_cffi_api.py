"""Benchmark baseline: cffi in API mode on the same libsample_crate.so.

The same hand-written declarations as the ABI-mode baseline (handwritten_cffi.py), compiled by cffi's
out-of-line API mode into an extension module that includes the wheel's sample_crate.h and links the
installed library: calls go through C code the compiler generated, not libffi.

    python handwritten_cffi_api.py OUTDIR     build `_handwritten_cffi_api` into OUTDIR (run.sh does)
    import handwritten_cffi_api              its `ffi` and `lib`, with OUTDIR on sys.path
"""

# ruff: noqa: PLC0415  (building imports the ABI baseline, which loads the library; importing does not)
from __future__ import annotations

import os
import sys


def build(outdir: str) -> None:
    import cffi
    from handwritten_cffi import DECLARATIONS
    from handwritten_ctypes import LIBRARY_PATH

    native = os.path.dirname(LIBRARY_PATH)
    ffi = cffi.FFI()
    ffi.cdef(DECLARATIONS)
    ffi.set_source(
        "_handwritten_cffi_api",
        '#include "sample_crate.h"',
        include_dirs=[native],
        library_dirs=[native],
        libraries=["sample_crate"],
        extra_link_args=[f"-Wl,-rpath,{native}"],
        extra_compile_args=["-O2"],
    )
    ffi.compile(tmpdir=outdir, verbose=False)


if __name__ == "__main__":
    build(sys.argv[1])
else:
    from _handwritten_cffi_api import ffi, lib
    from handwritten_cffi_checked import load_checked
    from handwritten_cffi_defs import load_defs

    #: The "cffi API+def" baseline: handwritten_cffi_defs.py over this `ffi` and `lib`.
    defs = load_defs("handwritten_cffi_api_defs", ffi, lib)
    #: The "cffi API+checks" baseline: handwritten_cffi_checked.py over this `ffi` and `lib`.
    checked = load_checked("handwritten_cffi_api_checked", ffi, lib)

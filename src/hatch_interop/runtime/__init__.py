"""The support code generated Python bindings import at run time, shipped as files into each generated package.

These modules are copied verbatim beside the generated ``__init__.py`` (they are not templates), so they are
linted, type-checked and unit-tested here as ordinary code. They import only the standard library, each other
(relatively), and, on PyPy only, ``cffi``:

* ``_ffi_runtime``: what does not depend on how the library is called: the checks of numbers and enum members
  that enter Rust, the errors a wrapper raises for a wrong argument, exception classes of error enums, the
  refusal to copy handles;
* ``_ffi_ctypes_runtime``: what the ``ctypes`` backend needs besides: the library's failure records, buffers it
  hands over, callbacks and async completion, and slices passed without copies;
* ``_ffi_cffi_runtime``: the same for the ``cffi`` backend (which gets the ``ffi`` object cffi generated).

Nothing here may keep state at module level that belongs to one library: two generated packages that ship
these files have their own copies, and a generated module binds its library through :class:`Library` objects.
"""

from pathlib import Path
from typing import List, Sequence

from hatch_interop.backend import GeneratedFile

#: The files a Python backend ships, by the name they have in the generated package (which is their name here).
RUNTIME_FILES = ("_ffi_runtime.py", "_ffi_ctypes_runtime.py", "_ffi_cffi_runtime.py")


def runtime_files(names: Sequence[str]) -> List[GeneratedFile]:
    """The runtime files `names` as files of a generated package: their text, unchanged."""
    unknown = sorted(set(names) - set(RUNTIME_FILES))
    if unknown:
        raise ValueError(f"no runtime file is named {unknown[0]!r}; there are {', '.join(RUNTIME_FILES)}")
    here = Path(__file__).parent
    return [GeneratedFile(name, (here / name).read_text(encoding="utf-8")) for name in names]

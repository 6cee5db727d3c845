"""Caught panics are quiet: run with the interpreter of a venv where the sample wheel is installed.

    python check_panic_report.py quiet    # 100 caught panics (and one in an async function)
    python check_panic_report.py report   # 3 caught panics, with HATCH_INTEROP_PANIC_REPORT=1 set by the caller

Each panic must still raise RustPanic with its message; the caller checks what reached stderr.
"""

from __future__ import annotations

import asyncio
import sys
import time

from sample_crate._native import RustPanic, panic_later, panic_with_message


def main() -> None:
    count = 100 if sys.argv[1] == "quiet" else 3
    start = time.perf_counter()
    for i in range(count):
        try:
            panic_with_message(f"boom {i}")
        except RustPanic as error:
            assert str(error) == f"boom {i}", error
        else:
            raise AssertionError("no RustPanic")

    async def later() -> None:
        try:
            await panic_later(1)
        except RustPanic as error:
            assert str(error) == "async panic after 1 ms", error
        else:
            raise AssertionError("no RustPanic")

    asyncio.run(later())
    elapsed = time.perf_counter() - start
    print(f"{count} caught panics (and an async one) in {elapsed * 1000:.1f} ms")


if __name__ == "__main__":
    main()

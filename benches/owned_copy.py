"""What an owned buffer parameter costs: `owned_byte_count(data: Vec<u8>)` against `bytes(data)`, for 100 MB.

The issue's promise: an owned `Vec<u8>` parameter costs one copy of the caller's buffer (the library's), not a
loop over its elements. Both sides copy the same 100 MB once, so the ratio should be near 1; a per-element path
would be tens of times slower. Timed (a copy this size is bound by memory bandwidth, which a noisy machine moves
less than it moves short calls): the best of several runs of each, interleaved, in one process.

    python benches/owned_copy.py          # in a venv where the sample crate's wheel is installed
"""

from __future__ import annotations

import statistics
import time
from typing import Callable, List

import sample_crate

SIZE = 100 * 1024 * 1024
ROUNDS = 15


def best(f: Callable[[], object]) -> float:
    start = time.perf_counter()
    f()
    return time.perf_counter() - start


def main() -> None:
    data = bytearray(SIZE)
    data[::4096] = b"\x01" * len(data[::4096])  # touched: no page is left to be faulted in by the first copy
    assert sample_crate.owned_byte_count(data) == SIZE
    copies: List[float] = []
    owned: List[float] = []
    for _ in range(ROUNDS):
        copies.append(best(lambda: bytes(data)))
        owned.append(best(lambda: sample_crate.owned_byte_count(data)))
    copy, call = min(copies), min(owned)
    print(f"bytes(data) of 100 MB:                 {copy * 1e3:7.1f} ms (median {statistics.median(copies) * 1e3:.1f})")
    print(f"owned_byte_count(data: Vec<u8>):       {call * 1e3:7.1f} ms (median {statistics.median(owned) * 1e3:.1f})")
    print(f"ratio (best of {ROUNDS}):                      {call / copy:5.2f}x")


if __name__ == "__main__":
    main()

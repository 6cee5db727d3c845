"""Out of memory is MemoryError, not an aborted process (run in a child process: it lowers its own limits).

    python check_out_of_memory.py
Caps the address space (RLIMIT_AS) a little above what the interpreter already uses, then asks
sample_crate for more numbers than fit (16 GiB): range_u32 allocates with try_reserve_exact, so the
call raises MemoryError and the library goes on working. Prints "out of memory: MemoryError raised".
"""

import os
import resource

from sample_crate import range_u32


def address_space_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


limit = address_space_bytes() + 256 * 1024 * 1024
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

for _ in range(3):
    try:
        range_u32(0, 2**32 - 1)
    except MemoryError as error:
        message = str(error)
    else:
        raise AssertionError("range_u32(0, 2**32 - 1) did not raise MemoryError under a 256 MiB margin")
assert "memory allocation failed" in message, message
# The library, and the interpreter, go on.
assert range_u32(0, 5) == [0, 1, 2, 3, 4]
assert len(range_u32(0, 1_000_000)) == 1_000_000
print("out of memory: MemoryError raised")

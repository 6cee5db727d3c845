"""Out of memory is MemoryError, not an aborted process (run in a child process: it lowers its own limits).

    python check_out_of_memory.py
Caps the address space (RLIMIT_AS) a little above what the interpreter already uses, then asks
sample_crate for more numbers than fit (16 GiB): range_u32 allocates with try_reserve_exact, so the
call raises MemoryError and the library goes on working. Then it takes every byte malloc can still give
(libc's malloc, through ctypes, until it returns NULL) and constructs a service object, Store(): the library
cannot allocate the object's cell, so the constructor raises MemoryError (it aborted the process before), and
once the memory is freed Store() works again. Prints "out of memory: MemoryError raised".
"""

import ctypes
import os
import resource

from sample_crate import Store, range_u32


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

# A service object's constructor: its cell (a few words) is allocated with the global allocator, malloc.
libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
taken = (ctypes.c_void_p * 2_000_000)()  # made before memory runs out: the pointers malloc gives
live = Store.live_stores()
for attempt in range(3):
    count = 0
    # Largest first, down to the smallest chunk: afterwards no request of malloc's can be served.
    for size in (1 << 24, 1 << 20, 1 << 16, 4096, 512, 128, 64, 48, 32, 16, 1):
        while count < len(taken):
            pointer = libc.malloc(size)
            if not pointer:
                break
            taken[count] = pointer
            count += 1
    assert count < len(taken), "malloc did not run out"
    try:
        Store()
    except MemoryError as error:
        # The library's failure: "out of memory", or no message if even its copy could not be made.
        failed = str(error) in ("", "out of memory")
    else:
        failed = False
    for i in range(count):
        libc.free(taken[i])
    assert failed, f"Store() did not raise the library's MemoryError without memory (attempt {attempt})"
    # The store the constructor made was dropped; the library goes on.
    assert Store.live_stores() == live, (Store.live_stores(), live)
    with Store() as store:
        store.put("a", 1)
        assert store.get("a") == 1
    del store
    assert Store.live_stores() == live, (Store.live_stores(), live)
print("out of memory: MemoryError raised")

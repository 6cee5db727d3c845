"""Exit tests: the interpreter exits while the library is busy with Python objects.

Run with the interpreter of a venv where the sample wheel is installed:
    python check_exit.py RUNS [SCENARIO]
Starts RUNS child interpreters (a few at a time), each of which exits in the middle of SCENARIO:

- `callbacks` (the default): library threads are inside retained Python callbacks;
- `futures`: async functions' futures are in flight, awaited by event loops on the main thread
  (which stops waiting) and on a daemon thread (which never finishes, and keeps awaiting futures
  ready at once, whose completions call into the interpreter from inside the call, during exit);
- `retained`: the library holds Python callbacks (a notifier's listeners, never released; a tracker's
  trait objects, released when finalization drops it) while daemon threads subscribe, emit to and release
  others (and keep, call from Rust threads and release trait objects), so that calls and releases land during
  finalization and after it;
- `finalized`: library threads call and release callbacks after the interpreter has finalized, while the process
  still exits (a C exit handler makes it take its time);
- `all`: the first three at once (what the end-to-end tests run, and `finalized` on its own).

Prints one line per outcome kind and "exit: N of N clean" when every child exited with status 0,
no signal and nothing on stderr. A child that is killed by a signal or prints "FATAL" is the bug
this guards against: CPython 3.8-3.13 end a thread that calls into the interpreter once
finalization has begun with pthread_exit (a forced unwind), and a Rust catch_unwind in its way
aborts the process.
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter

CALLBACKS = r"""
import random, sys, threading, time
from sample_crate._native import notify_from_thread, notify_in_background

inside = threading.Event()

def listener(code):
    inside.set()
    # Still inside the callback (the GIL released) when the interpreter finalizes; sometimes
    # longer, sometimes shorter, so that exits land before, during and after the release.
    time.sleep(random.random() * 0.01)

for code in range(3):
    # A library thread of its own, keeping the listener: not waited for.
    notify_in_background(listener, code)
# A daemon Python thread blocked in a library call whose Rust thread runs the listener.
threading.Thread(target=notify_from_thread, args=(listener, 9), daemon=True).start()

def each(index, value):
    inside.set()
    return True

def lend():
    # A daemon Python thread inside a library call that calls a callable lent for the call, again and again.
    import array
    from sample_crate._native import for_each_value
    values = array.array("d", [1.0] * 1000)
    while True:
        for_each_value(values, each)

threading.Thread(target=lend, daemon=True).start()
inside.wait()
"""

FUTURES = r"""
import asyncio, random, sys, threading, time
import sample_crate

started = threading.Event()

def retrieve(task):
    # The expected error of divide_later(1, 0) is taken, so asyncio does not report it.
    if not task.cancelled():
        task.exception()

def in_flight(loop):
    for i in range(20):
        loop.create_task(sample_crate.double_later(i, random.randint(0, 10)))
        loop.create_task(sample_crate.greet_later(i))
        # An async constructor: its new object's handle arrives during exit, or after.
        loop.create_task(sample_crate.Store.open_later(1, random.randint(0, 10)))
    loop.create_task(sample_crate.divide_later(1, 0)).add_done_callback(retrieve)

async def ready_at_once():
    # Completions on the loop's own thread, inside the call: during exit, or after.
    i = 0
    while True:
        await sample_crate.double_now(i)
        i += 1
        await asyncio.sleep(0)

def loop_thread():
    # An event loop that never finishes: its futures' outcomes arrive during exit, or after.
    loop = asyncio.new_event_loop()
    async def main():
        in_flight(loop)
        loop.create_task(ready_at_once())
        started.set()
        await asyncio.sleep(3600)
    loop.run_until_complete(main())

threading.Thread(target=loop_thread, daemon=True).start()
started.wait()

async def main():
    # The main thread's loop stops waiting: asyncio.run cancels the tasks and closes the loop
    # while their futures still run in the library.
    in_flight(asyncio.get_running_loop())
    await asyncio.sleep(random.random() * 0.01)

asyncio.run(main())
time.sleep(random.random() * 0.01)
"""

RETAINED = r"""
import random, threading, time
import sample_crate

def listener(code):
    pass

# Listeners the library keeps until the process ends: never released.
kept = sample_crate.notifier_new()
for _ in range(10):
    sample_crate.notifier_subscribe(kept, listener)
sample_crate.notifier_emit(kept, 1)

running = threading.Event()

def churn():
    # A daemon thread that keeps making the library take and release callbacks (each release
    # calls into Python), until the interpreter ends it, in the middle of a release or not.
    while True:
        notifier = sample_crate.notifier_new()
        for _ in range(10):
            sample_crate.notifier_subscribe(notifier, lambda code: None)
        sample_crate.notifier_emit(notifier, 2)
        running.set()
        sample_crate.notifier_clear(notifier)
        sample_crate.notifier_subscribe(notifier, listener)
        sample_crate.notifier_free(notifier)

class Watcher(sample_crate.Progress):
    def on_progress(self, done, total):
        pass

    def cancelled(self):
        return False

    def label(self, job, step):
        return ""

    def check(self, value):
        return value

# Trait objects a service keeps until the process ends (or until finalization drops the service, releasing each
# method), called once from Rust threads before.
tracker = sample_crate.Tracker(5)
tracker.watch(Watcher())
tracker.share(Watcher())
tracker.advance(1)

def track():
    # Trait objects kept, called from Rust threads and released method by method, until the end.
    while True:
        churned = sample_crate.Tracker(5)
        churned.watch(Watcher())
        churned.share(Watcher())
        churned.advance(1)
        running.set()
        churned.clear()
        churned.watch(Watcher())
        churned.close()

for _ in range(2):
    threading.Thread(target=churn, daemon=True).start()
threading.Thread(target=track, daemon=True).start()
# A library thread of its own that keeps a listener and releases it after calling it.
for code in range(3):
    sample_crate.notify_in_background(listener, code)
running.wait()
time.sleep(random.random() * 0.01)
"""

FINALIZED = r"""
import ctypes, os
import sample_crate

# The process lives on for 300 ms after the interpreter has finalized (a C exit handler, as a C library or an
# embedding application may have), so that the library threads' calls below come then: CPython 3.8-3.13 crashed
# inside PyGILState_Ensure, whose state finalization frees.
ctypes.CDLL(os.environ["CHECK_EXIT_DELAY"]).check_exit_delay(300)

def listener(code):
    pass

# Called, and released, from library threads a while later: during finalization or after it.
for millis in (20, 50, 100, 150):
    sample_crate.notify_after(listener, 1, millis)

def each(index, value):
    return True

def lend():
    # A daemon thread inside a library call that calls a callable lent for the call, again and again: during
    # finalization and after it.
    import array
    values = array.array("d", [1.0] * 100000)
    while True:
        sample_crate.for_each_value(values, each)

import threading
threading.Thread(target=lend, daemon=True).start()
"""

#: A C exit handler that sleeps: the process outlives its interpreter for a while.
DELAY_EXIT = r"""
#include <stdlib.h>
#include <unistd.h>
static unsigned delay_ms;
static void delay(void) { usleep(delay_ms * 1000); }
void check_exit_delay(unsigned ms) { delay_ms = ms; atexit(delay); }
"""

# Everything at once: callbacks kept and released by churning threads, library threads inside callbacks,
# futures in flight.
ALL = RETAINED + CALLBACKS + FUTURES

SCENARIOS = {"callbacks": CALLBACKS, "futures": FUTURES, "retained": RETAINED, "finalized": FINALIZED, "all": ALL}


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    child = SCENARIOS[sys.argv[2] if len(sys.argv) > 2 else "callbacks"]
    parallel = int(os.environ.get("CHECK_EXIT_PARALLEL", "8"))
    # Hermetic: nothing in the environment changes how a panic or a thread behaves.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RUST_", "HATCH_INTEROP_"))}
    env["RUST_BACKTRACE"] = "0"
    workdir = tempfile.mkdtemp(prefix="check-exit-")
    atexit.register(shutil.rmtree, workdir, ignore_errors=True)
    if child is FINALIZED:
        source = os.path.join(workdir, "delay.c")
        with open(source, "w") as f:
            f.write(DELAY_EXIT)
        env["CHECK_EXIT_DELAY"] = os.path.join(workdir, "libdelay.so")
        subprocess.run(["cc", "-shared", "-fPIC", "-o", env["CHECK_EXIT_DELAY"], source], check=True)
    outcomes: Counter[str] = Counter()
    examples = {}
    pending = list(range(runs))
    running = []
    start = time.perf_counter()
    while pending or running:
        while pending and len(running) < parallel:
            pending.pop()
            proc = subprocess.Popen(
                [sys.executable, "-c", child],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=env,
            )
            running.append(proc)
        proc = running.pop(0)
        out, err = proc.communicate(timeout=60)
        code = proc.returncode
        if code < 0:
            kind = f"killed by {signal.Signals(-code).name}"
        elif code != 0:
            kind = f"exit status {code}"
        elif err.strip():
            kind = "stderr output"
        else:
            kind = "clean"
        outcomes[kind] += 1
        examples.setdefault(kind, (out + err).decode(errors="replace")[-2000:])
    elapsed = time.perf_counter() - start
    for kind, count in sorted(outcomes.items()):
        print(f"{kind}: {count}")
        if kind != "clean":
            print(f"  e.g.: {examples[kind]!r}")
    print(f"({runs} runs in {elapsed:.1f} s)")
    if outcomes["clean"] == runs:
        print(f"exit: {runs} of {runs} clean")


if __name__ == "__main__":
    main()

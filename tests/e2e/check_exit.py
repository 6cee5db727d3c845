"""Exit tests: the interpreter exits while a library thread is inside a Python callback.

Run with the interpreter of a venv where the sample wheel is installed:
    python check_exit.py RUNS
Starts RUNS child interpreters (a few at a time), each of which makes library threads call
retained Python callbacks and exits while they are inside them; prints one line per outcome
kind and "exit: N of N clean" when every child exited with status 0, no signal and nothing on
stderr. A child that is killed by a signal or prints "FATAL" is the bug this guards against:
CPython 3.8-3.13 end such a thread with pthread_exit (a forced unwind) once finalization has
begun, and a Rust catch_unwind in its way aborts the process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter

CHILD = r"""
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
inside.wait()
"""


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    parallel = int(os.environ.get("CHECK_EXIT_PARALLEL", "8"))
    # Hermetic: nothing in the environment changes how a panic or a thread behaves.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RUST_", "HATCH_INTEROP_"))}
    env["RUST_BACKTRACE"] = "0"
    outcomes: Counter[str] = Counter()
    examples = {}
    pending = list(range(runs))
    running = []
    start = time.perf_counter()
    while pending or running:
        while pending and len(running) < parallel:
            pending.pop()
            proc = subprocess.Popen(
                [sys.executable, "-c", CHILD],
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

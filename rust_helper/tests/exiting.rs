//! Once the foreign side's interpreter is finalizing (as `<crate>_ffi_shutdown`'s function says),
//! only the thread that called shutdown calls into it: another thread skips a `release` and stops
//! at a `call` (CPython 3.8-3.13 crash a thread that takes the GIL after finalization ended).
//! One test: shutdown is for the life of the process.

use std::ffi::{c_int, c_void};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use hatch_interop::prelude::*;

#[ffi_callback]
pub type Tick = fn(n: u32) -> u32;

static FINALIZING: AtomicBool = AtomicBool::new(false);
static CALLS: AtomicUsize = AtomicUsize::new(0);
static RELEASES: AtomicUsize = AtomicUsize::new(0);

unsafe extern "C" fn is_finalizing() -> c_int {
    c_int::from(FINALIZING.load(Ordering::SeqCst))
}

unsafe extern "C-unwind" fn count_call(_context: *const c_void, n: u32) -> u32 {
    CALLS.fetch_add(1, Ordering::SeqCst);
    n + 1
}

unsafe extern "C-unwind" fn count_release(_context: *const c_void) {
    RELEASES.fetch_add(1, Ordering::SeqCst);
}

fn tick() -> Tick {
    Tick {
        call: count_call,
        context: std::ptr::null(),
        release: Some(count_release),
    }
}

/// Calls and drops a callback on a thread of its own, and waits for the thread.
fn on_another_thread(tick: Tick) {
    std::thread::spawn(move || {
        assert_eq!(tick.call(1), 2);
    })
    .join()
    .unwrap();
}

/// Set by `wait_in_call` itself: the call is in progress (counted) from then on.
static INSIDE: AtomicBool = AtomicBool::new(false);

unsafe extern "C-unwind" fn wait_in_call(context: *const c_void, n: u32) -> u32 {
    INSIDE.store(true, Ordering::SeqCst);
    // SAFETY: the context is the receiver of a channel that outlives the call.
    let release = unsafe { &*context.cast::<std::sync::Mutex<mpsc::Receiver<()>>>() };
    release.lock().unwrap().recv().unwrap();
    n
}

#[test]
fn only_the_finalizing_thread_calls_into_a_finalizing_interpreter() {
    // A call that began before the interpreter was finalizing, still in progress then: the second
    // shutdown, once it is, waits for it to end.
    let (release, released) = mpsc::channel();
    let released: &'static std::sync::Mutex<mpsc::Receiver<()>> =
        Box::leak(Box::new(std::sync::Mutex::new(released)));
    let in_call = Tick {
        call: wait_in_call,
        context: std::ptr::from_ref(released).cast(),
        release: None,
    };
    let early = std::thread::spawn(move || {
        assert_eq!(in_call.call(7), 7);
    });
    while !INSIDE.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(1));
    }

    // Before shutdown, and after it until the interpreter is finalizing (the atexit functions
    // that run after the library's are Python code too): every thread calls and releases.
    on_another_thread(tick());
    assert_eq!(
        (
            CALLS.load(Ordering::SeqCst),
            RELEASES.load(Ordering::SeqCst)
        ),
        (1, 1)
    );
    hatch_interop::__private::shutdown(Some(is_finalizing));
    on_another_thread(tick());
    assert_eq!(
        (
            CALLS.load(Ordering::SeqCst),
            RELEASES.load(Ordering::SeqCst)
        ),
        (2, 2)
    );

    FINALIZING.store(true, Ordering::SeqCst);
    // The finalizing thread (the one that called shutdown) still calls and releases: finalization
    // runs Python code that may call the library.
    let mine = tick();
    assert_eq!(mine.call(5), 6);
    drop(mine);
    assert_eq!(
        (
            CALLS.load(Ordering::SeqCst),
            RELEASES.load(Ordering::SeqCst)
        ),
        (3, 3)
    );

    // Another thread skips the release, and goes on.
    let other = tick();
    std::thread::spawn(move || drop(other)).join().unwrap();
    assert_eq!(
        RELEASES.load(Ordering::SeqCst),
        3,
        "released during finalization"
    );

    // Another thread's call stops it before the callback, for good.
    let (started, started_rx) = mpsc::channel();
    let caller = std::thread::spawn(move || {
        let tick = tick();
        started.send(()).unwrap();
        tick.call(1);
        unreachable!("a call during finalization does not return");
    });
    started_rx.recv().unwrap();
    std::thread::sleep(Duration::from_millis(200));
    assert!(!caller.is_finished(), "the thread left the call site");
    assert_eq!(
        CALLS.load(Ordering::SeqCst),
        3,
        "called during finalization"
    );

    // Shutdown again, now that the interpreter is finalizing: it waits for the call that began
    // before (ended 50 ms later), and not as long as it would for a call that does not end (200
    // ms): the stopped caller above is not counted.
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        release.send(()).unwrap();
    });
    let start = std::time::Instant::now();
    hatch_interop::__private::shutdown(Some(is_finalizing));
    let waited = start.elapsed();
    assert!(
        early.is_finished(),
        "shutdown returned before the call in progress ended"
    );
    assert!(
        waited < Duration::from_millis(190),
        "waited {waited:?}, past the call's end"
    );
    early.join().unwrap();
}

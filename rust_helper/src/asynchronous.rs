//! Async functions: a future is polled first on the calling thread, then, if it has to wait, on
//! a runtime the library owns, and hands its outcome to a completion callback.
//!
//! The shim of an `#[ffi_function] async fn` converts its arguments and polls the future once,
//! on the calling thread (inside the runtime's context). A future that is ready then (its
//! value, its `Err`, or a panic during that poll) is delivered at once: [`deliver`] calls the
//! caller's [`FfiCompletion`] on the calling thread, before the shim returns, and no thread
//! is involved. A pending one moves to the library's runtime, and the shim returns; when it
//! finishes, [`deliver`] calls the completion once, from a runtime thread (or, if it finished
//! before the shim returned, which on one CPU a short one usually does, on the calling thread
//! before the shim returns, as a ready one). Either way the
//! completion gets a pointer to the value or to the failure. Nothing the caller owns is written:
//! the outcome is passed by pointer for the duration of the call, so a caller that has given up
//! waiting (a cancelled Python task) has nothing to be corrupted.
//!
//! [`cancel`] gives up on the calls started with a completion's context: their futures are dropped
//! on the runtime (their destructors run there), and their completions released instead of
//! called. Ownership makes the race with delivery sound: the task owns the completion, which is
//! either consumed by `call` (the future finished first) or dropped, which calls `release` (the
//! future was dropped first), never both.
//!
//! [`shutdown`](crate::abi::shutdown) closes delivery for good. Bindings call it when their interpreter exits: a
//! runtime thread must not call into an interpreter that is being torn down (CPython may end
//! such a thread in the middle of Rust code). A completion in progress holds a read lock, so
//! `shutdown` waits for it (the caller must not block the completion meanwhile: ctypes
//! releases the GIL during the call).

use std::ffi::c_void;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering};
use std::sync::{RwLock, RwLockReadGuard};

use crate::abi::{stop_thread, Failure, FfiFailure};

/// How many `fork()`s this process descends from since the library was loaded (counted in the
/// child, by [`forked`], once [`watch_forks`] registered it).
static FORKS: AtomicUsize = AtomicUsize::new(0);

/// How many `fork()`s this process descends from (as [`FORKS`] counts them).
#[cfg_attr(not(all(feature = "tokio", unix)), allow(dead_code))]
pub(crate) fn forks() -> usize {
    FORKS.load(Ordering::Relaxed)
}

/// The `pthread_atfork` handler run in a child process right after `fork()` (only
/// async-signal-safe work: one atomic add): every [`PerProcess`] value is made again on its next
/// use.
#[cfg(unix)]
extern "C" fn forked() {
    FORKS.fetch_add(1, Ordering::Relaxed);
}

#[cfg(unix)]
extern "C" {
    fn pthread_atfork(
        prepare: Option<extern "C" fn()>,
        parent: Option<extern "C" fn()>,
        child: Option<extern "C" fn()>,
    ) -> std::ffi::c_int;
}

/// Registers [`forked`], once (before the first [`PerProcess`] value is made).
fn watch_forks() {
    #[cfg(unix)]
    {
        static WATCHING: std::sync::Once = std::sync::Once::new();
        // SAFETY: `forked` is async-signal-safe, as a child handler must be. A failure (no memory
        // for the handler) leaves a child process's values as the parent's were.
        WATCHING.call_once(|| unsafe {
            pthread_atfork(None, None, Some(forked));
        });
    }
}

/// A value of which each process has its own: made on first use, and again in a child process
/// made by `fork()`, which copies only the forking thread: the parent's runtime threads are gone
/// there (a task spawned on its runtime would never run), and so are threads that held its locks
/// (which stay locked). The parent's value is left as it is in the child, never dropped (dropping
/// a runtime would wait for its workers).
pub(crate) struct PerProcess<T> {
    current: AtomicPtr<Made<T>>,
}

/// A [`PerProcess`] value and the count of forks it was made under.
struct Made<T> {
    forks: usize,
    value: T,
}

impl<T: Send + Sync + 'static> PerProcess<T> {
    pub(crate) const fn new() -> Self {
        PerProcess {
            current: AtomicPtr::new(std::ptr::null_mut()),
        }
    }

    /// This process's value, made with `make` if it has none yet (one atomic load and a
    /// comparison otherwise); a value made meanwhile by another thread goes to `unused`.
    #[inline]
    pub(crate) fn get(&'static self, make: fn() -> T, unused: fn(T)) -> &'static T {
        let current = self.current.load(Ordering::Acquire);
        // SAFETY: a non-null pointer is a leaked `Made`, never freed.
        match unsafe { current.as_ref() } {
            Some(made) if made.forks == FORKS.load(Ordering::Relaxed) => &made.value,
            _ => self.make(current, make, unused),
        }
    }

    #[cold]
    #[inline(never)]
    fn make(&'static self, stale: *mut Made<T>, make: fn() -> T, unused: fn(T)) -> &'static T {
        watch_forks();
        let made = Box::into_raw(Box::new(Made {
            forks: FORKS.load(Ordering::Relaxed),
            value: make(),
        }));
        match self
            .current
            .compare_exchange(stale, made, Ordering::AcqRel, Ordering::Acquire)
        {
            // SAFETY: just made, and leaked.
            Ok(_) => unsafe { &(*made).value },
            Err(_) => {
                // SAFETY: `made` came from `Box::into_raw` above and went nowhere else.
                unused(unsafe { Box::from_raw(made) }.value);
                self.get(make, unused)
            }
        }
    }
}

/// The callback an async function reports its outcome to: `call(context, value, failure)`,
/// exactly once, with exactly one of `value` (the result, like a function's return value:
/// the caller owns what it owns, a `String`'s buffer for example) and `failure` non-null;
/// either on the calling thread before the async function returns (its future was ready when
/// first polled, or finished on the runtime before the function returned) or later from a
/// runtime thread; or
/// `release(context)` instead when the completion is dropped undelivered (a shim that fails
/// before it starts the future, a call [`cancel`]led before its future finished). After
/// [`shutdown`](crate::abi::shutdown), neither is called.
///
/// C layout: three pointers, like a callback: `call`, `context`, `release` (which may be null).
///
/// Both functions must return normally, except for a forced unwind (`pthread_exit`, with which
/// CPython 3.8 to 3.13 end a thread that calls into an interpreter that is finalizing): their
/// call sites are `extern "C-unwind"` and stop it there, and the thread sleeps until the process
/// ends (as a callback's do; see `ForeignCall`).
#[repr(C)]
pub struct FfiCompletion {
    call: unsafe extern "C-unwind" fn(*const c_void, *const c_void, *const FfiFailure),
    context: *const c_void,
    release: Option<unsafe extern "C-unwind" fn(*const c_void)>,
}

// SAFETY: whoever makes a completion lets it be called, or released, from any thread (Python's
// completions take the GIL).
unsafe impl Send for FfiCompletion {}

impl FfiCompletion {
    /// A completion from its parts (what C or Python code makes for itself).
    ///
    /// # Safety
    ///
    /// `call` may be called once with `context` (and the outcome) from any thread; so may
    /// `release` instead, if not `None`.
    pub unsafe fn new(
        call: unsafe extern "C-unwind" fn(*const c_void, *const c_void, *const FfiFailure),
        context: *const c_void,
        release: Option<unsafe extern "C-unwind" fn(*const c_void)>,
    ) -> Self {
        FfiCompletion {
            call,
            context,
            release,
        }
    }

    /// The function `call`s to.
    #[cfg_attr(not(all(feature = "tokio", unix)), allow(dead_code))]
    pub(crate) fn function(&self) -> crate::bell::CompleteFn {
        self.call
    }

    /// Calls `call`, while `open` (the read lock of delivery) is held.
    #[cfg_attr(not(feature = "tokio"), allow(dead_code))]
    fn complete(
        self,
        open: RwLockReadGuard<'_, ()>,
        value: *const c_void,
        failure: *const FfiFailure,
    ) {
        let this = std::mem::ManuallyDrop::new(self);
        let stop = StopUnwind(Some(open));
        // SAFETY: called once (`self` is consumed and not dropped), as the maker allows.
        unsafe { (this.call)(this.context, value, failure) };
        stop.returned();
    }
}

impl Drop for FfiCompletion {
    fn drop(&mut self) {
        if let Some(release) = self.release {
            // Held during the call, as in `deliver`: a cancelled call's completion is dropped on a
            // runtime thread, which must not call into an interpreter that is exiting.
            let open = delivering();
            if CLOSED.load(Ordering::SeqCst) {
                return;
            }
            let stop = StopUnwind(Some(open));
            // SAFETY: as in `complete`: instead of it, once.
            unsafe { release(self.context) };
            stop.returned();
        }
    }
}

/// Stops a forced unwind out of a completion's `call` or `release` (see [`FfiCompletion`]), as
/// `ForeignCall` does for callbacks, after letting go of delivery's read lock: a thread that
/// sleeps forever must not keep [`shutdown`](crate::abi::shutdown) waiting.
struct StopUnwind<'a>(Option<RwLockReadGuard<'a, ()>>);

impl StopUnwind<'_> {
    /// The call returned normally.
    #[inline(always)]
    fn returned(mut self) {
        drop(self.0.take());
        std::mem::forget(self);
    }
}

impl Drop for StopUnwind<'_> {
    /// Runs only when the call unwinds.
    #[cold]
    fn drop(&mut self) {
        drop(self.0.take());
        stop_thread()
    }
}

/// Set once, by [`close_delivery`]: no completion is delivered any more.
static CLOSED: AtomicBool = AtomicBool::new(false);

/// The lock a delivery holds (shared) while it calls into the caller, which [`close_delivery`]
/// takes (exclusively) to wait for those in progress. One per process ([`PerProcess`]): a child
/// made by `fork()` while a runtime thread was delivering (holding it, perhaps waiting for the
/// GIL) would otherwise find it held for good by a thread it does not have, and hang as it
/// exits.
static DELIVERING: PerProcess<RwLock<()>> = PerProcess::new();

/// This process's [`DELIVERING`] lock.
fn delivery_lock() -> &'static RwLock<()> {
    DELIVERING.get(|| RwLock::new(()), drop)
}

/// The shared hold of [`DELIVERING`] for a delivery.
fn delivering() -> RwLockReadGuard<'static, ()> {
    delivery_lock()
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Hands `outcome` to `completion`, unless delivery is shut down (then neither it nor the
/// value is touched again: the process is exiting).
#[cfg_attr(not(feature = "tokio"), allow(dead_code))]
pub(crate) fn deliver<T>(completion: FfiCompletion, outcome: Result<T, Failure>) {
    let open = delivering();
    if CLOSED.load(Ordering::SeqCst) {
        // Not even `release`: the code behind the completion may be gone (an interpreter that
        // has exited ends a thread that calls into it). Both leak; the process is exiting.
        std::mem::forget(completion);
        std::mem::forget(outcome);
        return;
    }
    match outcome {
        Ok(value) => {
            let value = std::mem::ManuallyDrop::new(value);
            completion.complete(open, std::ptr::from_ref(&*value).cast(), std::ptr::null());
        }
        Err(failure) => {
            let message = failure.message.as_bytes();
            let payload = failure.payload.as_deref().unwrap_or_default();
            let record = FfiFailure {
                kind: failure.kind,
                code: failure.code,
                // Borrowed for the call: the caller copies what it keeps.
                message: message.as_ptr().cast_mut(),
                message_len: message.len(),
                payload: payload.as_ptr().cast_mut(),
                payload_len: payload.len(),
            };
            completion.complete(open, std::ptr::null(), &record);
        }
    }
}

/// A completion and its outcome, held for another thread to deliver (a bell's draining thread, or
/// the thread that started the call).
#[cfg_attr(not(feature = "tokio"), allow(dead_code))]
pub(crate) struct Held(Box<dyn FnOnce()>);

// SAFETY: a completion may be called from any thread (see `FfiCompletion`), and the outcome is the
// value the completion takes ownership of, which `deliver` hands across threads anyway; holding
// both for another thread moves nothing a thread owns.
unsafe impl Send for Held {}

#[cfg_attr(not(feature = "tokio"), allow(dead_code))]
impl Held {
    /// `outcome`, to be handed to `completion` later (by [`Held::deliver`]).
    pub(crate) fn new<T: 'static>(completion: FfiCompletion, outcome: Result<T, Failure>) -> Self {
        Held(Box::new(move || deliver(completion, outcome)))
    }

    /// Hands the outcome to the completion, on this thread (as [`deliver`] does).
    pub(crate) fn deliver(self) {
        (self.0)();
    }
}

/// No completion is delivered after this returns; it waits for those in progress in this
/// process (part of `<crate>_ffi_shutdown`, see [`crate::abi::shutdown`]).
pub(crate) fn close_delivery() {
    // A delivery that holds the lock before this store may deliver, and is waited for; one that
    // takes it after the exclusive hold below sees the store.
    CLOSED.store(true, Ordering::SeqCst);
    drop(
        delivery_lock()
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
    );
}

#[cfg(feature = "tokio")]
mod runtime {
    use std::any::Any;
    use std::collections::BTreeMap;
    use std::ffi::c_void;
    use std::future::Future;
    use std::panic::{catch_unwind, AssertUnwindSafe};
    use std::pin::Pin;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::{Mutex, MutexGuard, PoisonError};
    use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};

    use tokio::task::AbortHandle;

    use super::{deliver, FfiCompletion, Held, PerProcess};
    use crate::abi::{Boundary, Failure};
    #[cfg(unix)]
    use crate::bell::{self, Bell};
    #[cfg(not(unix))]
    enum Bell {}
    use crate::traits::FfiReturn;

    /// What the library's async calls run on in this process: its runtime (worker threads named
    /// after hatch-interop) and the calls in flight, made on first use; a child process made by
    /// `fork()` makes its own (see [`PerProcess`]): the calls the parent had in flight go on in
    /// the parent.
    struct Engine {
        runtime: tokio::runtime::Runtime,
        in_flight: Mutex<BTreeMap<Key, Flight>>,
    }

    static ENGINE: PerProcess<Engine> = PerProcess::new();

    /// This process's engine.
    #[inline]
    fn engine() -> &'static Engine {
        ENGINE.get(
            || Engine {
                runtime: tokio::runtime::Builder::new_multi_thread()
                    .thread_name("hatch-interop-async")
                    .enable_all()
                    .build()
                    .expect("hatch-interop: cannot start the Tokio runtime of async functions"),
                in_flight: Mutex::new(BTreeMap::new()),
            },
            // Another thread's went in first: this one's workers have nothing to do.
            |unused| unused.runtime.shutdown_background(),
        )
    }

    /// The library's runtime in this process.
    fn runtime() -> &'static tokio::runtime::Runtime {
        &engine().runtime
    }

    /// A call in flight: its completion's context (as an address) and a number of its own, since
    /// a caller may start several calls with one context.
    type Key = (usize, u64);

    /// Where a call in flight is: being handed to the runtime (its task not known yet), asked
    /// to stop meanwhile, running as the task `AbortHandle` aborts, or finished while it was
    /// being handed over, its outcome held for the thread that started it.
    enum Flight {
        Starting,
        Cancelled,
        Running(AbortHandle),
        Finished(Held),
    }

    /// The calls whose future has not finished, so that [`cancel`] can abort them. An entry
    /// leaves when its future finishes (before the completion is called; or, finished before
    /// its starting thread went on, when that thread takes the outcome) or when it is
    /// cancelled.
    fn in_flight() -> MutexGuard<'static, BTreeMap<Key, Flight>> {
        // Nothing panics while the lock is held (a poisoned map is still consistent).
        engine()
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts an async call: polls `future` once on the calling thread, inside the runtime's
    /// context (a Tokio timer or socket needs it). Ready then, its outcome (its value, or the
    /// panic it raised, or its `Err`) goes to `completion` before this returns, on this thread,
    /// with no other thread involved: the fast path of a future that has nothing to wait for.
    /// Pending, the partially polled future moves to the library's runtime (it is pinned in a
    /// box, so moving the box is sound), which polls it again at once (so the waker of the first
    /// poll, which does nothing, is never the one a well-behaved future relies on) and hands
    /// its outcome to `completion`, unless [`cancel`] drops the future first.
    pub fn spawn<F>(future: F, completion: FfiCompletion)
    where
        F: Future + Send + 'static,
        F::Output: FfiReturn,
    {
        let runtime = runtime();
        let mut future = Box::pin(CatchUnwind(future));
        let first = {
            let _context = runtime.enter();
            let waker = noop_waker();
            match future.as_mut().poll(&mut Context::from_waker(&waker)) {
                Poll::Ready(outcome) => {
                    // Its destructors run here, in the runtime's context too, before the caller
                    // hears of the outcome (as a cancelled future's run before its release).
                    drop(future);
                    Ok(outcome)
                }
                Poll::Pending => Err(future),
            }
        };
        match first {
            Ok(outcome) => deliver(completion, abi_outcome(outcome)),
            Err(pending) => run_later(runtime, pending, completion),
        }
    }

    /// The pending future of a call, polled on the runtime from now on.
    type Polled<F> = Pin<Box<CatchUnwind<F>>>;

    /// The second half of [`spawn`]: the runtime runs the (pending) `future` to its end.
    #[inline(never)]
    fn run_later<F>(runtime: &tokio::runtime::Runtime, future: Polled<F>, completion: FfiCompletion)
    where
        F: Future + Send + 'static,
        F::Output: FfiReturn,
    {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let key = (
            completion.context as usize,
            NEXT.fetch_add(1, Ordering::Relaxed),
        );
        // The calling thread's bell, if its caller has one for this completion (see `bell`).
        #[cfg(unix)]
        let bell = bell::current(completion.function());
        #[cfg(not(unix))]
        let bell = None;
        // The entry goes in before the task starts and the lock is not held while it is spawned:
        // spawning wakes a worker, which may run at once (on this CPU, before this thread goes on)
        // and finish the call, and would then wait for the lock (measured: a futex wait and two
        // more context switches per call, when both threads share a CPU).
        in_flight().insert(key, Flight::Starting);
        let task = runtime.spawn(Call {
            future,
            completion: Some(completion),
            bell,
            key,
        });
        started(key, task.abort_handle());
    }

    /// The end of [`run_later`], once the task of the call `key` is spawned: the entry learns
    /// its task; or, if the task has finished meanwhile, its outcome goes to the completion
    /// now, on this thread, before the call returns (as a future ready when first polled does);
    /// or, if [`cancel`] came meanwhile, the task is aborted now.
    ///
    /// On one CPU the worker the spawn wakes usually runs at once and finishes a short call
    /// before this thread goes on: delivered here, the outcome needs no bell and no wake-up of
    /// the caller's event loop, whose coroutine then goes on without suspending.
    fn started(key: Key, task: AbortHandle) {
        let mut calls = in_flight();
        match calls.get_mut(&key) {
            Some(flight @ Flight::Starting) => *flight = Flight::Running(task),
            Some(Flight::Cancelled) => {
                calls.remove(&key);
                task.abort();
            }
            Some(Flight::Finished(_)) => {
                let Some(Flight::Finished(held)) = calls.remove(&key) else {
                    unreachable!("the entry was just seen finished, under the same lock")
                };
                // Not under the lock: the completion may start or cancel calls.
                drop(calls);
                held.deliver();
            }
            Some(Flight::Running(_)) | None => {}
        }
    }

    /// A waker that does nothing, for the first poll of [`spawn`]: a future pending then is
    /// polled again by the runtime, with the runtime's waker, before anything waits on it.
    /// (`Waker::noop` needs Rust 1.85.)
    fn noop_waker() -> Waker {
        const VTABLE: RawWakerVTable = RawWakerVTable::new(
            |_| RawWaker::new(std::ptr::null(), &VTABLE),
            |_| {},
            |_| {},
            |_| {},
        );
        // SAFETY: the functions ignore the (null) data pointer, and do nothing.
        unsafe { Waker::from_raw(RawWaker::new(std::ptr::null(), &VTABLE)) }
    }

    /// What the completion gets for what the future (caught) ended with.
    fn abi_outcome<T: FfiReturn>(
        outcome: Result<T, Box<dyn Any + Send>>,
    ) -> Result<T::Abi, Failure> {
        match outcome {
            Ok(value) => value.into_abi(),
            Err(payload) => Err(Failure::panic(payload)),
        }
    }

    /// The body of `<crate>_ffi_cancel`: aborts the calls in flight whose completion has
    /// `context`. Each future is dropped on the runtime (a worker thread runs its destructors),
    /// then its completion released. A call whose future has finished (its completion is
    /// being, or has been, called) and an unknown context are left alone.
    pub fn cancel(context: *const c_void) {
        let context = context as usize;
        let mut calls = in_flight();
        let mut running = Vec::new();
        for (key, flight) in calls.range_mut((context, 0)..=(context, u64::MAX)) {
            match flight {
                // Being spawned: the spawning thread aborts it as soon as it has its task.
                Flight::Starting => *flight = Flight::Cancelled,
                // Finished: its outcome is being delivered.
                Flight::Cancelled | Flight::Finished(_) => {}
                Flight::Running(_) => running.push(*key),
            }
        }
        for key in running {
            if let Some(Flight::Running(task)) = calls.remove(&key) {
                // Only marks the task: a worker thread drops it (an idle task is scheduled for
                // that), or the poll in progress finishes it first, when it returns `Ready`.
                task.abort();
            }
        }
    }

    /// How many calls are in flight (for tests: none is left behind).
    pub fn calls_in_flight() -> usize {
        in_flight().len()
    }

    /// The task of one call. Fields drop in declaration order: a cancelled call's future is
    /// dropped (its destructors have run) before its completion is released.
    struct Call<F> {
        future: Polled<F>,
        /// Taken when the future finishes: delivered, hence consumed, and not released.
        completion: Option<FfiCompletion>,
        /// Where the outcome goes instead of straight to the completion (see `bell`).
        bell: Option<std::sync::Arc<Bell>>,
        key: Key,
    }

    // `'static`: a bell holds the outcome for another thread.
    impl<F: Future + 'static> Future for Call<F>
    where
        F::Output: FfiReturn,
    {
        type Output = ();

        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            // `Call` is `Unpin`: its future is pinned in its own box.
            let this = self.get_mut();
            let outcome = match this.future.as_mut().poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(outcome) => abi_outcome(outcome),
            };
            // Finished: a `cancel` from now on finds nothing (an abort during this poll would
            // have been ignored anyway, since the poll returns `Ready`).
            let mut calls = in_flight();
            if let Some(flight @ Flight::Starting) = calls.get_mut(&this.key) {
                if let Some(completion) = this.completion.take() {
                    // The thread that started the call has not gone on since it spawned this
                    // task: it delivers the outcome itself, before the call returns (`started`).
                    *flight = Flight::Finished(Held::new(completion, outcome));
                    return Poll::Ready(());
                }
            }
            calls.remove(&this.key);
            drop(calls);
            if let Some(completion) = this.completion.take() {
                match this.bell.take() {
                    #[cfg(unix)]
                    Some(bell) => bell.ring(completion, outcome),
                    _ => deliver(completion, outcome),
                }
            }
            Poll::Ready(())
        }
    }

    /// A future that turns a panic inside `poll` into its output, like `catch_unwind`.
    struct CatchUnwind<F>(F);

    impl<F: Future> Future for CatchUnwind<F> {
        type Output = Result<F::Output, Box<dyn Any + Send>>;

        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
            // SAFETY: structural pinning: the inner future is never moved out of `self`.
            let inner = unsafe { self.map_unchecked_mut(|this| &mut this.0) };
            // A boundary: a panic inside is caught here and reported to the completion.
            let boundary = Boundary::enter();
            match catch_unwind(AssertUnwindSafe(|| inner.poll(cx))) {
                Ok(Poll::Ready(value)) => Poll::Ready(Ok(value)),
                Ok(Poll::Pending) => Poll::Pending,
                Err(payload) => {
                    boundary.caught();
                    Poll::Ready(Err(payload))
                }
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        /// A key of a context no real call has (the tests only compare addresses).
        fn key(context: usize) -> Key {
            (context, u64::MAX)
        }

        #[test]
        fn a_call_cancelled_while_its_task_is_spawned_is_aborted_once_spawned() {
            let key = key(0x1000);
            in_flight().insert(key, Flight::Starting);
            cancel(std::ptr::null::<c_void>().wrapping_byte_add(key.0));
            assert!(matches!(in_flight().get(&key), Some(Flight::Cancelled)));
            let task = runtime().spawn(std::future::pending::<()>());
            started(key, task.abort_handle());
            assert!(
                in_flight().get(&key).is_none(),
                "the entry leaves as its task is aborted"
            );
            let ended = runtime()
                .block_on(task)
                .expect_err("the task never ends by itself");
            assert!(ended.is_cancelled());
        }

        /// The values a test's completions got, by context.
        static COMPLETED: Mutex<Vec<(usize, u32)>> = Mutex::new(Vec::new());

        unsafe extern "C-unwind" fn record(
            context: *const c_void,
            value: *const c_void,
            failure: *const crate::abi::FfiFailure,
        ) {
            assert!(failure.is_null(), "the test's futures do not fail");
            // SAFETY: the test's futures return a `u32`, whose ABI is itself.
            let value = unsafe { *value.cast::<u32>() };
            COMPLETED.lock().unwrap().push((context as usize, value));
        }

        fn completed(context: usize) -> Vec<u32> {
            let completed = COMPLETED.lock().unwrap();
            completed
                .iter()
                .filter(|(of, _)| *of == context)
                .map(|(_, value)| *value)
                .collect()
        }

        /// The task of a call with `key` whose future returns `value` when first polled.
        fn call(key: Key, value: u32) -> Call<impl Future<Output = u32>> {
            Call {
                future: Box::pin(CatchUnwind(async move { value })),
                // SAFETY: `record` may be called from any thread.
                completion: Some(unsafe {
                    FfiCompletion::new(
                        record,
                        std::ptr::null::<c_void>().wrapping_byte_add(key.0),
                        None,
                    )
                }),
                bell: None,
                key,
            }
        }

        #[test]
        fn a_call_finished_before_its_spawning_thread_goes_on_is_delivered_by_that_thread() {
            let key = key(0x2000);
            in_flight().insert(key, Flight::Starting);
            // The runtime's thread finishes the call before the spawning thread goes on.
            std::thread::spawn(move || runtime().block_on(call(key, 7)))
                .join()
                .unwrap();
            assert!(completed(key.0).is_empty(), "held for the spawning thread");
            assert!(matches!(in_flight().get(&key), Some(Flight::Finished(_))));
            // A cancel now finds a finished call, which it leaves alone.
            cancel(std::ptr::null::<c_void>().wrapping_byte_add(key.0));
            let task = runtime().spawn(async {});
            started(key, task.abort_handle());
            assert_eq!(completed(key.0), [7], "delivered during `started`");
            assert!(in_flight().get(&key).is_none());
            runtime().block_on(task).expect("the task ran to its end");
        }

        #[test]
        fn a_call_finished_once_its_spawning_thread_went_on_is_delivered_by_the_runtime() {
            let key = key(0x2800);
            in_flight().insert(key, Flight::Starting);
            let task = runtime().spawn(async {});
            started(key, task.abort_handle());
            runtime().block_on(call(key, 8));
            assert_eq!(completed(key.0), [8]);
            assert!(in_flight().get(&key).is_none());
        }

        #[test]
        fn a_call_cancelled_while_spawned_that_finishes_first_is_still_delivered() {
            let key = key(0x2c00);
            in_flight().insert(key, Flight::Starting);
            cancel(std::ptr::null::<c_void>().wrapping_byte_add(key.0));
            // Its future finished before the cancel took effect: the outcome is delivered as
            // it would have been, and the entry leaves.
            runtime().block_on(call(key, 9));
            assert_eq!(completed(key.0), [9]);
            assert!(in_flight().get(&key).is_none());
            let task = runtime().spawn(async {});
            started(key, task.abort_handle());
            assert!(in_flight().get(&key).is_none());
        }

        #[test]
        fn a_spawned_call_is_cancelled_through_its_task() {
            let key = key(0x3000);
            in_flight().insert(key, Flight::Starting);
            let task = runtime().spawn(std::future::pending::<()>());
            started(key, task.abort_handle());
            assert!(matches!(in_flight().get(&key), Some(Flight::Running(_))));
            cancel(std::ptr::null::<c_void>().wrapping_byte_add(key.0));
            assert!(in_flight().get(&key).is_none());
            assert!(runtime()
                .block_on(task)
                .expect_err("aborted")
                .is_cancelled());
        }
    }
}

#[cfg(feature = "tokio")]
pub use runtime::{calls_in_flight, cancel, spawn};

/// Without the `tokio` feature no call is ever in flight: cancelling does nothing.
#[cfg(not(feature = "tokio"))]
pub fn cancel(_context: *const std::ffi::c_void) {}

/// Without the `tokio` feature no call is ever in flight.
#[cfg(not(feature = "tokio"))]
pub fn calls_in_flight() -> usize {
    0
}

/// Without the `tokio` feature there is no runtime: an `async fn` fails to compile with this
/// trait's message.
#[cfg(not(feature = "tokio"))]
#[diagnostic::on_unimplemented(
    message = "exporting an `async fn` needs the `tokio` feature of hatch-interop",
    label = "this async function needs a runtime",
    note = "enable it in Cargo.toml: hatch-interop = {{ version = \"...\", features = [\"tokio\"] }}"
)]
pub trait TokioFeature {}

/// See [`TokioFeature`]: never callable.
#[cfg(not(feature = "tokio"))]
pub fn spawn<F: TokioFeature>(_future: F, _completion: FfiCompletion) {
    unreachable!("no type implements TokioFeature")
}

//! Async functions: a future runs on a runtime the library owns and hands its outcome to a
//! completion callback.
//!
//! The shim of an `#[ffi_function] async fn` converts its arguments, spawns the future and
//! returns at once. When the future finishes, [`deliver`] calls the caller's
//! [`FfiCompletion`] once, from a runtime thread, with a pointer to the value or to the
//! failure (a panic inside the future, a returned `Err`). Nothing the caller owns is written:
//! the outcome is passed by pointer for the duration of the call, so a caller that has given up
//! waiting (a cancelled Python task) has nothing to be corrupted.
//!
//! [`shutdown`] closes delivery for good. Bindings call it when their interpreter exits: a
//! runtime thread must not call into an interpreter that is being torn down (CPython may end
//! such a thread in the middle of Rust code). A completion in progress holds a read lock, so
//! `shutdown` waits for it (the caller must not block the completion meanwhile: ctypes
//! releases the GIL during the call).

use std::ffi::c_void;
use std::sync::{RwLock, RwLockReadGuard};

use crate::abi::{stop_thread, Failure, FfiFailure};

/// The callback an async function reports its outcome to: `call(context, value, failure)`,
/// exactly once, with exactly one of `value` (the result, like a function's return value:
/// the caller owns what it owns, a `String`'s buffer for example) and `failure` non-null; or
/// `release(context)` instead when the completion is dropped undelivered (a shim that fails
/// before it starts the future). After [`shutdown`], neither is called.
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

    /// Calls `call`, while `open` (the read lock of delivery) is held.
    #[cfg_attr(not(feature = "tokio"), allow(dead_code))]
    fn complete(
        self,
        open: RwLockReadGuard<'_, bool>,
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
            let stop = StopUnwind(None);
            // SAFETY: as in `complete`: instead of it, once.
            unsafe { release(self.context) };
            stop.returned();
        }
    }
}

/// Stops a forced unwind out of a completion's `call` or `release` (see [`FfiCompletion`]), as
/// `ForeignCall` does for callbacks, after letting go of delivery's read lock: a thread that
/// sleeps forever must not keep [`shutdown`] waiting.
struct StopUnwind<'a>(Option<RwLockReadGuard<'a, bool>>);

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

/// Whether completions may still be delivered; written once, by [`shutdown`].
static OPEN: RwLock<bool> = RwLock::new(true);

/// Hands `outcome` to `completion`, unless delivery is shut down (then neither it nor the
/// value is touched again: the process is exiting).
#[cfg_attr(not(feature = "tokio"), allow(dead_code))]
pub(crate) fn deliver<T>(completion: FfiCompletion, outcome: Result<T, Failure>) {
    let open = OPEN
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if !*open {
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
            let record = FfiFailure {
                kind: failure.kind,
                code: failure.code,
                // Borrowed for the call: the caller copies what it keeps.
                message: message.as_ptr().cast_mut(),
                message_len: message.len(),
            };
            completion.complete(open, std::ptr::null(), &record);
        }
    }
}

/// The body of `<crate>_ffi_shutdown`: no completion is delivered after it returns; it
/// waits for those in progress.
pub fn shutdown() {
    *OPEN
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = false;
}

#[cfg(feature = "tokio")]
mod runtime {
    use std::any::Any;
    use std::future::Future;
    use std::panic::{catch_unwind, AssertUnwindSafe};
    use std::pin::Pin;
    use std::sync::OnceLock;
    use std::task::{Context, Poll};

    use super::{deliver, FfiCompletion};
    use crate::abi::{Boundary, Failure};
    use crate::traits::FfiReturn;

    /// The library's runtime, started on first use: worker threads named after hatch-interop.
    fn runtime() -> &'static tokio::runtime::Runtime {
        static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
        RUNTIME.get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .thread_name("hatch-interop-async")
                .enable_all()
                .build()
                .expect("hatch-interop: cannot start the Tokio runtime of async functions")
        })
    }

    /// Runs `future` on the library's runtime; its outcome (its value, or the panic it raised,
    /// or its `Err`) goes to `completion`.
    pub fn spawn<F>(future: F, completion: FfiCompletion)
    where
        F: Future + Send + 'static,
        F::Output: FfiReturn,
    {
        runtime().spawn(async move {
            let outcome = match CatchUnwind(future).await {
                Ok(value) => value.into_abi(),
                Err(payload) => Err(Failure::panic(payload)),
            };
            deliver(completion, outcome);
        });
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
}

#[cfg(feature = "tokio")]
pub use runtime::spawn;

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

//! Doorbells: a pending async call's outcome delivered on the thread that waits for it.
//!
//! A call whose future goes pending finishes on a thread of the library's runtime, which then
//! calls the call's completion. For a completion that has to run on the caller's own thread (a
//! Python one: called from another thread it has to take the GIL and wake the event loop
//! through its self-pipe, which costs both threads more than the call), the caller opens a
//! *bell* ([`open`]) for its completion function, makes it its thread's bell ([`use_bell`]) and
//! watches the bell's descriptor (an event loop's reader). A call made on that thread with that
//! completion function which goes pending takes the bell along; when its future finishes, the
//! runtime's thread holds the outcome in the bell and makes the descriptor readable (once until
//! the next drain), touching nothing of the caller's. The caller's thread then [`drain`]s the
//! bell: the held completions are called there, in order, as they would have been on the
//! runtime's thread (the same `deliver`, so shutdown still stops them).
//!
//! A bell lives while its opener holds it, a thread uses it or a call may ring it. [`close`] is
//! the opener letting go (its event loop was closed): outcomes held are delivered then, on the
//! closing thread, and later ones go straight to their completion from the runtime's thread.
//! Where there are no bells (without the `tokio` feature, or off Unix), [`open`] returns null.

use std::ffi::{c_int, c_void};

use crate::abi::FfiFailure;

/// The function of a completion (the `call` a bell serves).
pub type CompleteFn = unsafe extern "C-unwind" fn(*const c_void, *const c_void, *const FfiFailure);

#[cfg(all(feature = "tokio", unix))]
mod imp {
    use std::cell::RefCell;
    use std::ffi::{c_int, c_void};
    use std::io::{Read as _, Write as _};
    use std::os::fd::AsRawFd as _;
    use std::os::unix::net::UnixStream;
    use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

    use super::CompleteFn;
    use crate::abi::Failure;
    use crate::asynchronous::{deliver, forks, FfiCompletion, Held};

    pub struct Bell {
        /// The completion function whose calls ring this bell, as an address.
        call: usize,
        /// The process's count of forks when the bell was opened: a child process made by
        /// `fork()` has a copy of its parent's bells (its thread's current one too), whose lock a
        /// thread the child does not have may hold, and whose descriptor the parent watches: it
        /// neither rings, drains nor closes them (a closed one is left as it is).
        forks: usize,
        state: Mutex<State>,
        /// The descriptor the caller watches, and the end the runtime's threads write to (both
        /// non-blocking, closed when the bell is dropped).
        reader: UnixStream,
        writer: UnixStream,
    }

    #[derive(Default)]
    struct State {
        /// The opener let go: outcomes go straight to their completion.
        closed: bool,
        /// The descriptor was written to since the last drain.
        rung: bool,
        /// The outcomes not drained yet (a completion and its outcome each), in order.
        held: Vec<Held>,
    }

    impl Bell {
        fn state(&self) -> MutexGuard<'_, State> {
            // Nothing panics while the lock is held (a poisoned state is still consistent).
            self.state.lock().unwrap_or_else(PoisonError::into_inner)
        }

        /// Hands `outcome` to `completion` through the bell: held for the draining thread, or
        /// delivered at once (on this thread) if the bell is closed.
        pub(crate) fn ring<T: 'static>(
            &self,
            completion: FfiCompletion,
            outcome: Result<T, Failure>,
        ) {
            let mut state = self.state();
            if state.closed {
                drop(state);
                deliver(completion, outcome);
                return;
            }
            state.held.push(Held::new(completion, outcome));
            let first = !std::mem::replace(&mut state.rung, true);
            drop(state);
            if first {
                // A full buffer (impossible: one byte per drain) would still be readable.
                let _ = (&self.writer).write(&[1]);
            }
        }

        /// The held outcomes, taken, the descriptor reset.
        fn take(&self, close: bool) -> Vec<Held> {
            let mut state = self.state();
            state.closed |= close;
            if std::mem::take(&mut state.rung) {
                // A byte written after this read (a ring that set `rung` before this lock) only
                // makes the caller drain an empty bell once more.
                let _ = (&self.reader).read(&mut [0; 64]);
            }
            std::mem::take(&mut state.held)
        }
    }

    thread_local! {
        /// The bell of the calls this thread starts (see `use_bell`).
        static CURRENT: RefCell<Option<Arc<Bell>>> = const { RefCell::new(None) };
    }

    pub fn open(call: Option<CompleteFn>, fd: *mut c_int) -> *const c_void {
        let (Some(call), false) = (call, fd.is_null()) else {
            return std::ptr::null();
        };
        let Ok((reader, writer)) = UnixStream::pair() else {
            return std::ptr::null();
        };
        if reader.set_nonblocking(true).is_err() || writer.set_nonblocking(true).is_err() {
            return std::ptr::null();
        }
        // SAFETY: `fd` is not null and, as the caller promises, valid for writing an int.
        unsafe { fd.write(reader.as_raw_fd()) };
        let bell = Bell {
            call: call as usize,
            forks: forks(),
            state: Mutex::default(),
            reader,
            writer,
        };
        Arc::into_raw(Arc::new(bell)).cast()
    }

    pub unsafe fn use_bell(bell: *const c_void) {
        let bell = bell.cast::<Bell>();
        let bell = (!bell.is_null()).then(|| {
            // SAFETY: an open bell (the caller's promise): one more reference, this thread's.
            unsafe {
                Arc::increment_strong_count(bell);
                Arc::from_raw(bell)
            }
        });
        // A thread being torn down has no calls left to start.
        let _ = CURRENT.try_with(|current| current.replace(bell));
    }

    /// The bell a call made on this thread with the completion function `call` rings, if any.
    pub(crate) fn current(call: CompleteFn) -> Option<Arc<Bell>> {
        CURRENT
            .try_with(|current| {
                current
                    .borrow()
                    .as_ref()
                    .filter(|bell| bell.call == call as usize && bell.forks == forks())
                    .cloned()
            })
            .ok()
            .flatten()
    }

    pub unsafe fn drain(bell: *const c_void) {
        // SAFETY: an open bell (the caller's promise), borrowed for the call.
        let bell = unsafe { &*bell.cast::<Bell>() };
        if bell.forks != forks() {
            return; // the parent's (see `Bell::forks`)
        }
        for held in bell.take(false) {
            held.deliver();
        }
    }

    pub unsafe fn close(bell: *const c_void) {
        // SAFETY: an open bell (the caller's promise): the opener's reference, given back here.
        let bell = unsafe { Arc::from_raw(bell.cast::<Bell>()) };
        if bell.forks != forks() {
            // The parent's (see `Bell::forks`): its state may be locked for good here, and what it
            // holds is the parent's to deliver.
            std::mem::forget(bell);
            return;
        }
        for held in bell.take(true) {
            held.deliver();
        }
    }
}

#[cfg(all(feature = "tokio", unix))]
pub(crate) use imp::{current, Bell};

/// A new bell for calls whose completion function is `call`; its descriptor (readable when
/// outcomes are held) is written to `*fd`. Null if it cannot be made (then `*fd` is untouched):
/// without the `tokio` feature, off Unix, out of descriptors, or `call` or `fd` null.
///
/// # Safety
///
/// `fd` is null or valid for writing an int.
pub unsafe fn open(call: Option<CompleteFn>, fd: *mut c_int) -> *const c_void {
    #[cfg(all(feature = "tokio", unix))]
    return imp::open(call, fd);
    #[cfg(not(all(feature = "tokio", unix)))]
    {
        let _ = (call, fd);
        std::ptr::null()
    }
}

/// Makes `bell` (null: none) the bell of the async calls the calling thread starts from now on.
///
/// # Safety
///
/// `bell` is null or an open bell (not closed yet).
pub unsafe fn use_bell(bell: *const c_void) {
    #[cfg(all(feature = "tokio", unix))]
    // SAFETY: forwarded from the caller.
    unsafe {
        imp::use_bell(bell)
    };
    #[cfg(not(all(feature = "tokio", unix)))]
    let _ = bell;
}

/// Delivers the outcomes `bell` holds, on the calling thread, and resets its descriptor.
///
/// # Safety
///
/// `bell` is an open bell.
pub unsafe fn drain(bell: *const c_void) {
    #[cfg(all(feature = "tokio", unix))]
    // SAFETY: forwarded from the caller.
    unsafe {
        imp::drain(bell)
    };
    #[cfg(not(all(feature = "tokio", unix)))]
    let _ = bell;
}

/// The opener lets go of `bell`: the outcomes it holds are delivered on the calling thread, and
/// later ones straight from the runtime's thread; freed once no thread uses it and no call may
/// ring it.
///
/// # Safety
///
/// `bell` is an open bell, which this closes: it is not used again by the caller.
pub unsafe fn close(bell: *const c_void) {
    #[cfg(all(feature = "tokio", unix))]
    // SAFETY: forwarded from the caller.
    unsafe {
        imp::close(bell)
    };
    #[cfg(not(all(feature = "tokio", unix)))]
    let _ = bell;
}

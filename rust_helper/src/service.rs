//! The run-time half of `#[ffi_service]`: the cell a service object lives in, and the bodies
//! of the symbols the macro exports for it.
//!
//! A service object is a [`ServiceCell`] in an `Arc`; the handle the C ABI passes around is
//! `Arc::into_raw` of it. The cell's state word arbitrates every access, so that the foreign
//! side (Python, from any thread) can never cause undefined behaviour with a handle it still
//! holds: a `&self` method takes a shared borrow, a `&mut self` method an exclusive one, and
//! closing needs no borrow at all. A conflict is an invalid-argument failure (kind 3), never a
//! data race.
//!
//! Closing (`<type>_destroy`) and releasing (`<type>_release`) are separate on purpose.
//! Closing drops the value but keeps the cell, so that a call that read the handle just
//! before another thread closed it finds the cell closed and fails cleanly instead of reading
//! freed memory. Releasing gives up the foreign side's reference, once nothing of it can use
//! the handle any more (Python: when the object is garbage-collected).

use std::cell::UnsafeCell;
use std::mem::{ManuallyDrop, MaybeUninit};
use std::ops::{Deref, DerefMut};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use crate::abi::Failure;
use crate::traits::FfiError;

/// Set while a `&mut self` method runs.
const EXCLUSIVE: usize = 1 << (usize::BITS - 1);
/// Set once the value is dropped; never cleared.
const CLOSED: usize = 1 << (usize::BITS - 2);
/// The count of shared borrows lives in the bits below these two.
const FLAGS: usize = EXCLUSIVE | CLOSED;

/// A service object: the value and the state of its borrows, like a `RefCell` whose checks
/// are atomic and whose conflicts are reported to the caller instead of panicking.
///
/// Not a public API: the macro and the exported shims use it.
#[doc(hidden)]
pub struct ServiceCell<T> {
    /// The count of shared borrows, plus the `EXCLUSIVE` and `CLOSED` flags.
    state: AtomicUsize,
    value: UnsafeCell<ManuallyDrop<T>>,
}

// SAFETY: the state word hands out `&T` only alongside other `&T`s and `&mut T` only alone,
// on any thread: what `Sync` asks of `T` for the first and `Send` for the second (and for
// dropping the value on whichever thread closes it).
unsafe impl<T: Send + Sync> Sync for ServiceCell<T> {}
// SAFETY: as above; the cell owns a `T`.
unsafe impl<T: Send + Sync> Send for ServiceCell<T> {}

impl<T> Drop for ServiceCell<T> {
    fn drop(&mut self) {
        if *self.state.get_mut() & CLOSED == 0 {
            // SAFETY: not closed, so the value was not dropped yet; nothing borrows it (`&mut`).
            unsafe { ManuallyDrop::drop(self.value.get_mut()) }
        }
    }
}

/// A shared borrow of a service object, for the duration of a `&self` method.
#[doc(hidden)]
pub struct Shared<'a, T>(&'a ServiceCell<T>);

impl<T> Deref for Shared<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: a shared borrow is held: nobody has `&mut T` and the value is not dropped.
        unsafe { &*self.0.value.get() }
    }
}

impl<T> Drop for Shared<'_, T> {
    fn drop(&mut self) {
        self.0.state.fetch_sub(1, Ordering::Release);
    }
}

/// An exclusive borrow of a service object, for the duration of a `&mut self` method.
#[doc(hidden)]
pub struct Exclusive<'a, T>(&'a ServiceCell<T>);

impl<T> Deref for Exclusive<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: the exclusive borrow is held.
        unsafe { &*self.0.value.get() }
    }
}

impl<T> DerefMut for Exclusive<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the exclusive borrow is held: nothing else reads or writes the value.
        unsafe { &mut *self.0.value.get() }
    }
}

impl<T> Drop for Exclusive<'_, T> {
    fn drop(&mut self) {
        self.0.state.fetch_and(!EXCLUSIVE, Ordering::Release);
    }
}

impl<T> ServiceCell<T> {
    /// The handle of a new service object holding `value`: one reference, the foreign side's.
    pub fn into_handle(value: T) -> *const ServiceCell<T> {
        Arc::into_raw(Arc::new(ServiceCell {
            state: AtomicUsize::new(0),
            value: UnsafeCell::new(ManuallyDrop::new(value)),
        }))
    }

    /// The cell behind `handle`, which must not be NULL.
    ///
    /// # Safety
    ///
    /// Unless null, `handle` came from [`ServiceCell::into_handle`] and was not released.
    unsafe fn from_handle<'a>(
        handle: *const ServiceCell<T>,
        service: &str,
        method: &str,
    ) -> Result<&'a ServiceCell<T>, Failure> {
        if handle.is_null() {
            return Err(Failure::invalid_argument(format_args!(
                "cannot call {service}.{method}(): the {service} handle is NULL"
            )));
        }
        // SAFETY: the caller promises a live handle.
        Ok(unsafe { &*handle })
    }

    /// A shared borrow for the `&self` method `method` of `service`; fails if the object is
    /// closed or a `&mut self` method is running.
    ///
    /// # Safety
    ///
    /// As for [`ServiceCell::from_handle`].
    #[inline]
    pub unsafe fn shared<'a>(
        handle: *const ServiceCell<T>,
        service: &str,
        method: &str,
    ) -> Result<Shared<'a, T>, Failure> {
        // SAFETY: forwarded from the caller.
        let cell = unsafe { Self::from_handle(handle, service, method) }?;
        // One atomic operation when it succeeds; undone when the flags say no. (The count
        // cannot reach the flags: that would take 2^62 calls at once.)
        let before = cell.state.fetch_add(1, Ordering::Acquire);
        if before & FLAGS == 0 {
            return Ok(Shared(cell));
        }
        cell.state.fetch_sub(1, Ordering::Release);
        Err(conflict(before, service, method, "`&self`"))
    }

    /// An exclusive borrow for the `&mut self` method `method` of `service`; fails if the
    /// object is closed or any other method is running.
    ///
    /// # Safety
    ///
    /// As for [`ServiceCell::from_handle`].
    #[inline]
    pub unsafe fn exclusive<'a>(
        handle: *const ServiceCell<T>,
        service: &str,
        method: &str,
    ) -> Result<Exclusive<'a, T>, Failure> {
        // SAFETY: forwarded from the caller.
        let cell = unsafe { Self::from_handle(handle, service, method) }?;
        match cell
            .state
            .compare_exchange(0, EXCLUSIVE, Ordering::Acquire, Ordering::Relaxed)
        {
            Ok(_) => Ok(Exclusive(cell)),
            Err(before) => Err(conflict(before, service, method, "`&mut self`")),
        }
    }

    /// The body of `<type>_destroy`: drops the value unless it is already dropped (closing
    /// twice is harmless); fails, leaving the object alive, while a method runs. The handle
    /// stays valid: later calls fail as closed.
    ///
    /// # Safety
    ///
    /// As for [`ServiceCell::from_handle`].
    pub unsafe fn destroy(handle: *const ServiceCell<T>, service: &str) -> Result<(), Failure> {
        // SAFETY: forwarded from the caller.
        let cell = unsafe { Self::from_handle(handle, service, "close") }?;
        match cell
            .state
            .compare_exchange(0, CLOSED, Ordering::Acquire, Ordering::Relaxed)
        {
            // SAFETY: the state went from "free" to "closed": no borrow exists, none can be
            // taken any more, and the value is dropped here once.
            Ok(_) => unsafe { ManuallyDrop::drop(&mut *cell.value.get()) },
            Err(before) if before & CLOSED != 0 => {}
            Err(_) => {
                return Err(Failure::invalid_argument(format_args!(
                    "cannot close the {service}: another call is using it (close it once that \
                     call has returned)"
                )))
            }
        }
        Ok(())
    }

    /// The body of `<type>_release`: gives up the foreign side's reference, dropping the value
    /// if it was not closed. Records no failure: it runs when nothing is left to report to
    /// (a panic in the value's `Drop` is printed by the panic hook and otherwise ignored).
    ///
    /// # Safety
    ///
    /// Null, or a handle from [`ServiceCell::into_handle`], released only this once.
    pub unsafe fn release(handle: *const ServiceCell<T>) {
        if handle.is_null() {
            return;
        }
        // SAFETY: the caller gives up its reference, which `into_handle` made.
        let cell = unsafe { Arc::from_raw(handle) };
        if let Err(payload) = catch_unwind(AssertUnwindSafe(move || drop(cell))) {
            crate::abi::drop_payload(payload);
        }
    }
}

/// A borrow of a service object that owns a reference to it: what an async method's future
/// holds, so that the object outlives the future even if the foreign side releases it meanwhile.
/// Shared (for a `&self` method) or exclusive (`&mut self`), as `EXCLUSIVE` says.
#[doc(hidden)]
pub struct Owned<T, const EXCLUSIVE_BORROW: bool>(Arc<ServiceCell<T>>);

impl<T, const EXCLUSIVE_BORROW: bool> Deref for Owned<T, EXCLUSIVE_BORROW> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: the borrow is held (see `ServiceCell::owned`).
        unsafe { &*self.0.value.get() }
    }
}

impl<T> DerefMut for Owned<T, true> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the exclusive borrow is held.
        unsafe { &mut *self.0.value.get() }
    }
}

impl<T, const EXCLUSIVE_BORROW: bool> Drop for Owned<T, EXCLUSIVE_BORROW> {
    fn drop(&mut self) {
        if EXCLUSIVE_BORROW {
            self.0.state.fetch_and(!EXCLUSIVE, Ordering::Release);
        } else {
            self.0.state.fetch_sub(1, Ordering::Release);
        }
    }
}

impl<T> ServiceCell<T> {
    /// A borrow for the async method `method` that keeps the object alive until it is dropped
    /// (when the method's future finishes): like [`ServiceCell::shared`] or
    /// [`ServiceCell::exclusive`], plus a reference of its own.
    ///
    /// # Safety
    ///
    /// As for [`ServiceCell::from_handle`].
    pub unsafe fn owned<const EXCLUSIVE_BORROW: bool>(
        handle: *const ServiceCell<T>,
        service: &str,
        method: &str,
    ) -> Result<Owned<T, EXCLUSIVE_BORROW>, Failure> {
        // SAFETY: forwarded from the caller.
        let borrow = if EXCLUSIVE_BORROW {
            unsafe { Self::exclusive(handle, service, method) }.map(std::mem::forget)
        } else {
            unsafe { Self::shared(handle, service, method) }.map(std::mem::forget)
        };
        borrow?;
        // SAFETY: a live handle from `into_handle` (checked non-null by the borrow): one more
        // strong reference, owned by the guard. The borrow taken above is the guard's to undo.
        unsafe { Arc::increment_strong_count(handle) };
        Ok(Owned(unsafe { Arc::from_raw(handle) }))
    }
}

/// What a constructor returning `Self` returns through the C ABI: the new object's handle.
#[inline]
pub fn constructed<T>(value: T) -> Result<MaybeUninit<*const ServiceCell<T>>, Failure> {
    Ok(MaybeUninit::new(ServiceCell::into_handle(value)))
}

/// What a constructor returning `Result<Self, E>` returns through the C ABI: the new object's
/// handle, or the error as the call's failure.
#[inline]
pub fn constructed_or_error<T, E: FfiError>(
    result: Result<T, E>,
) -> Result<MaybeUninit<*const ServiceCell<T>>, Failure> {
    match result {
        Ok(value) => constructed(value),
        Err(error) => Err(Failure::error(&error)),
    }
}

/// The failure of a borrow for `method` refused in the state `before`.
#[cold]
fn conflict(before: usize, service: &str, method: &str, receiver: &str) -> Failure {
    if before & CLOSED != 0 {
        Failure::invalid_argument(format_args!(
            "cannot call {service}.{method}(): the {service} is closed"
        ))
    } else if before & EXCLUSIVE != 0 {
        Failure::invalid_argument(format_args!(
            "cannot call {service}.{method}() ({receiver}): the {service} is in use by another \
             call that changes it (`&mut self`)"
        ))
    } else {
        Failure::invalid_argument(format_args!(
            "cannot call {service}.{method}() ({receiver}): the {service} is in use by another \
             call, and this one needs it exclusively"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    static DROPS: AtomicUsize = AtomicUsize::new(0);

    struct Counted {
        value: u32,
    }

    impl Drop for Counted {
        fn drop(&mut self) {
            DROPS.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn borrows_conflict_and_closing_is_idempotent() {
        let handle = ServiceCell::into_handle(Counted { value: 7 });
        unsafe {
            let a = ServiceCell::shared(handle, "S", "get").unwrap();
            let b = ServiceCell::shared(handle, "S", "get").unwrap();
            assert_eq!(a.value + b.value, 14);
            assert!(ServiceCell::exclusive(handle, "S", "put").is_err());
            assert!(ServiceCell::destroy(handle, "S").is_err());
            drop((a, b));
            let mut c = ServiceCell::exclusive(handle, "S", "put").unwrap();
            c.value = 8;
            assert!(ServiceCell::shared(handle, "S", "get").is_err());
            drop(c);
            assert_eq!(ServiceCell::shared(handle, "S", "get").unwrap().value, 8);
            let before = DROPS.load(Ordering::SeqCst);
            ServiceCell::destroy(handle, "S").unwrap();
            ServiceCell::destroy(handle, "S").unwrap();
            assert_eq!(DROPS.load(Ordering::SeqCst), before + 1);
            assert!(ServiceCell::shared(handle, "S", "get").is_err());
            assert!(ServiceCell::exclusive(handle, "S", "put").is_err());
            ServiceCell::release(handle);
            assert_eq!(DROPS.load(Ordering::SeqCst), before + 1);
            assert!(ServiceCell::<Counted>::shared(std::ptr::null(), "S", "get").is_err());

            // An owning borrow (an async method's) holds the object: closing fails, and the
            // value outlives the foreign side's release until the borrow is dropped.
            let handle = ServiceCell::into_handle(Counted { value: 3 });
            let owned = ServiceCell::owned::<false>(handle, "S", "later").unwrap();
            assert!(ServiceCell::destroy(handle, "S").is_err());
            assert!(ServiceCell::owned::<true>(handle, "S", "later_mut").is_err());
            let drops = DROPS.load(Ordering::SeqCst);
            ServiceCell::release(handle);
            assert_eq!((owned.value, DROPS.load(Ordering::SeqCst)), (3, drops));
            drop(owned);
            assert_eq!(DROPS.load(Ordering::SeqCst), drops + 1);

            // Released without closing: the value is dropped then.
            let handle = ServiceCell::into_handle(Counted { value: 1 });
            ServiceCell::release(handle);
            assert_eq!(DROPS.load(Ordering::SeqCst), before + 3);
        }
    }
}

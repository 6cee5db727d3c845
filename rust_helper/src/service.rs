//! The run-time half of `#[ffi_service]`: the cell a service object lives in, and the bodies
//! of the symbols the macro exports for it.
//!
//! A service object is a [`ServiceCell`] on the heap with an atomic reference count of its own:
//! an `Arc`, except that the cell is allocated fallibly, so that a constructor whose allocation
//! fails reports out of memory (kind 5, Python's `MemoryError`) instead of aborting the
//! process. The handle the C ABI passes around points to the cell and holds one reference, the
//! foreign side's; an async method's future holds another until it finishes. The last
//! reference to go frees the cell.
//!
//! The cell's state word arbitrates every access, so that the foreign side (Python, from any
//! thread) can never cause undefined behaviour with a handle it still holds: a `&self` method
//! takes a shared borrow, a `&mut self` method an exclusive one, and closing needs no borrow at
//! all. A conflict is an invalid-argument failure (kind 3), never a data race.
//!
//! Closing (`<type>_destroy`) and releasing (`<type>_release`) are separate on purpose.
//! Closing drops the value but keeps the cell, so that a call that read the handle just
//! before another thread closed it finds the cell closed and fails cleanly instead of reading
//! freed memory. Releasing gives up the foreign side's reference, once nothing of it can use
//! the handle any more (Python: when the object is garbage-collected).

use std::alloc::Layout;
use std::any::Any;
use std::cell::UnsafeCell;
use std::marker::PhantomData;
use std::mem::{ManuallyDrop, MaybeUninit};
use std::ops::{Deref, DerefMut};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr::NonNull;
use std::sync::atomic::{fence, AtomicUsize, Ordering};

use crate::abi::Failure;
use crate::traits::FfiError;

/// Set while a `&mut self` method runs.
const EXCLUSIVE: usize = 1 << (usize::BITS - 1);
/// Set once the value is dropped; never cleared.
const CLOSED: usize = 1 << (usize::BITS - 2);
/// The count of shared borrows lives in the bits below these two.
const FLAGS: usize = EXCLUSIVE | CLOSED;
/// Past this many references, taking one more aborts the process, as `Arc`'s count does: the
/// count must never wrap around to a cell freed while referenced. This is not an allocation
/// failure, and cannot happen in practice: every reference beyond the foreign side's belongs to
/// an async method's future, which the library allocates and never forgets, so the address
/// space runs out (an out-of-memory failure) long before the count gets there.
const MAX_REFS: usize = isize::MAX as usize;

/// A service object: the value and the state of its borrows, like a `RefCell` whose checks
/// are atomic and whose conflicts are reported to the caller instead of panicking.
///
/// Not a public API: the macro and the exported shims use it.
#[doc(hidden)]
pub struct ServiceCell<T> {
    /// The count of references to the cell: the foreign side's handle until it is released,
    /// plus one per [`Owned`] borrow. The cell is freed when it drops to zero.
    refs: AtomicUsize,
    /// The count of shared borrows, plus the `EXCLUSIVE` and `CLOSED` flags.
    state: AtomicUsize,
    value: UnsafeCell<ManuallyDrop<T>>,
}

// SAFETY: the state word hands out `&T` only alongside other `&T`s and `&mut T` only alone,
// on any thread: what `Sync` asks of `T` for the first and `Send` for the second (and for
// dropping the value on whichever thread closes it or gives up its last reference).
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
    /// Out of memory for the cell is a failure (kind 5: Python raises `MemoryError`), not an
    /// abort; `value` is dropped then.
    pub fn into_handle(value: T) -> Result<*const ServiceCell<T>, Failure> {
        let layout = Layout::new::<ServiceCell<T>>();
        // SAFETY: the layout is not zero-sized (the cell holds two `AtomicUsize`s).
        let cell = unsafe { std::alloc::alloc(layout) }.cast::<ServiceCell<T>>();
        if cell.is_null() {
            drop(value);
            return Err(Failure::out_of_memory());
        }
        // SAFETY: `cell` is a fresh allocation of the global allocator with the cell's layout,
        // valid for writes and aligned; `release_ref` frees it with the same layout.
        unsafe {
            cell.write(ServiceCell {
                refs: AtomicUsize::new(1),
                state: AtomicUsize::new(0),
                value: UnsafeCell::new(ManuallyDrop::new(value)),
            });
        }
        Ok(cell.cast_const())
    }

    /// Takes one more reference to the cell (an [`Owned`] borrow's). Relaxed, as in `Arc`:
    /// the caller holds a reference already, so the cell cannot be freed meanwhile, and a new
    /// reference needs no synchronisation with other threads' uses of the value.
    fn acquire_ref(&self) {
        let before = self.refs.fetch_add(1, Ordering::Relaxed);
        if before > MAX_REFS {
            // See `MAX_REFS`: unreachable in practice; a use after free otherwise.
            std::process::abort();
        }
    }

    /// Gives up one reference to `cell`, dropping the value (unless closed) and freeing the
    /// cell if it was the last one. The cell is freed even if the value's `Drop` panics: the
    /// panic's payload is returned then, for the caller to report or ignore.
    ///
    /// # Safety
    ///
    /// `cell` came from [`ServiceCell::into_handle`] and the caller owns one of its references,
    /// given up here: it must not use `cell` afterwards.
    unsafe fn release_ref(cell: NonNull<ServiceCell<T>>) -> Result<(), Box<dyn Any + Send>> {
        // Release, as in `Arc`: every use of the value through this reference happens before
        // the decrement, so before whichever thread frees the cell (it acquires below).
        // SAFETY: the caller's reference keeps the cell live until the decrement.
        if unsafe { cell.as_ref() }
            .refs
            .fetch_sub(1, Ordering::Release)
            != 1
        {
            return Ok(());
        }
        // The last reference: synchronise with every other reference's release decrement, so
        // that all their uses of the value happen before it is dropped and the cell freed.
        fence(Ordering::Acquire);
        let pointer = cell.as_ptr();
        // SAFETY: the count reached zero, so no reference is left: nothing else can reach the
        // cell (the foreign side released its handle, every `Owned` borrow is gone). It is
        // initialised (by `into_handle`) and dropped in place here, once; its `Drop` drops
        // the value unless `destroy` did.
        let dropped = catch_unwind(AssertUnwindSafe(|| unsafe {
            std::ptr::drop_in_place(pointer)
        }));
        // SAFETY: `into_handle` allocated the cell with the global allocator and this layout.
        // Whether or not the value's `Drop` panicked, the cell is dropped (its other fields
        // are plain atomics), and its memory is freed here, once, and never read again.
        unsafe { std::alloc::dealloc(pointer.cast(), Layout::new::<ServiceCell<T>>()) };
        dropped
    }

    /// The cell behind `handle`, which must not be NULL.
    ///
    /// # Safety
    ///
    /// Unless null, `handle` came from [`ServiceCell::into_handle`] and was not released.
    #[inline]
    unsafe fn from_handle<'a>(
        handle: *const ServiceCell<T>,
        service: &str,
        method: &str,
    ) -> Result<&'a ServiceCell<T>, Failure> {
        if handle.is_null() {
            return Err(null_handle(service, method));
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
    /// if it was not closed, and freeing the cell, unless an async method's future still holds
    /// it (then the last of them does, when it finishes). Records no failure: it runs when
    /// nothing is left to report to (a panic in the value's `Drop` is printed by the panic hook
    /// and otherwise ignored).
    ///
    /// # Safety
    ///
    /// Null, or a handle from [`ServiceCell::into_handle`], released only this once.
    pub unsafe fn release(handle: *const ServiceCell<T>) {
        let Some(cell) = NonNull::new(handle.cast_mut()) else {
            return;
        };
        // SAFETY: the caller gives up the foreign side's reference, which `into_handle` made.
        if let Err(payload) = unsafe { Self::release_ref(cell) } {
            crate::abi::drop_payload(payload);
        }
    }
}

/// A borrow of a service object that owns a reference to it: what an async method's future
/// holds, so that the object outlives the future even if the foreign side releases it meanwhile.
/// Shared (for a `&self` method) or exclusive (`&mut self`), as `EXCLUSIVE_BORROW` says.
#[doc(hidden)]
pub struct Owned<T, const EXCLUSIVE_BORROW: bool> {
    /// The cell, of which the guard owns one reference and one borrow.
    cell: NonNull<ServiceCell<T>>,
    /// The guard may drop the `T` (when its reference is the last).
    _owns: PhantomData<ServiceCell<T>>,
}

// SAFETY: what `Arc<ServiceCell<T>>` is, which the guard stands for: the guard may be sent to
// another thread (an async method's future is polled on the runtime's threads), where it
// reads the value (`&T`, beside other threads' shared borrows: `Sync`), writes it (`&mut T`
// under the exclusive borrow: `Send`) and may drop it (`Send`). The cell's counts are atomic.
unsafe impl<T: Send + Sync, const EXCLUSIVE_BORROW: bool> Send for Owned<T, EXCLUSIVE_BORROW> {}
// SAFETY: as above; `&Owned` gives only `&T`, which `T: Sync` allows on any thread.
unsafe impl<T: Send + Sync, const EXCLUSIVE_BORROW: bool> Sync for Owned<T, EXCLUSIVE_BORROW> {}

impl<T, const EXCLUSIVE_BORROW: bool> Owned<T, EXCLUSIVE_BORROW> {
    fn cell(&self) -> &ServiceCell<T> {
        // SAFETY: the guard's reference keeps the cell live as long as the guard.
        unsafe { self.cell.as_ref() }
    }
}

impl<T, const EXCLUSIVE_BORROW: bool> Deref for Owned<T, EXCLUSIVE_BORROW> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: the borrow is held (see `ServiceCell::owned`), so the value is not dropped
        // and nobody else has `&mut T`.
        unsafe { &*self.cell().value.get() }
    }
}

impl<T> DerefMut for Owned<T, true> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the exclusive borrow is held: nothing else reads or writes the value.
        unsafe { &mut *self.cell().value.get() }
    }
}

impl<T, const EXCLUSIVE_BORROW: bool> Drop for Owned<T, EXCLUSIVE_BORROW> {
    fn drop(&mut self) {
        // The borrow first, while the guard's reference still keeps the cell.
        if EXCLUSIVE_BORROW {
            self.cell().state.fetch_and(!EXCLUSIVE, Ordering::Release);
        } else {
            self.cell().state.fetch_sub(1, Ordering::Release);
        }
        // SAFETY: the guard owns one reference (taken in `ServiceCell::owned`), given up here,
        // once; the guard does not touch the cell afterwards.
        if let Err(payload) = unsafe { ServiceCell::release_ref(self.cell) } {
            // The last reference, and the value's `Drop` panicked (the cell is freed). The
            // guard is dropped where the future ends, inside the boundary that polls it: the
            // panic goes on to it, which reports it as the call's outcome, as any panic of the
            // method. During another panic's unwinding (the method panicked) it is dropped
            // instead: the hook printed it (a second panic is never quiet).
            if std::thread::panicking() {
                crate::abi::drop_payload(payload);
            } else {
                std::panic::resume_unwind(payload);
            }
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
        // The borrow's guard is forgotten: the `Owned` guard undoes the borrow instead.
        if EXCLUSIVE_BORROW {
            // SAFETY: forwarded from the caller.
            std::mem::forget(unsafe { Self::exclusive(handle, service, method) }?);
        } else {
            // SAFETY: forwarded from the caller.
            std::mem::forget(unsafe { Self::shared(handle, service, method) }?);
        }
        // SAFETY: the borrow succeeded, so `handle` is not null. The guard keeps the handle's
        // own pointer, not one derived from a `&ServiceCell`: it may free the cell through it.
        let cell = unsafe { NonNull::new_unchecked(handle.cast_mut()) };
        // SAFETY: the caller's handle holds a reference for the duration of this call, so the
        // cell is live while the guard takes its own.
        unsafe { cell.as_ref() }.acquire_ref();
        Ok(Owned {
            cell,
            _owns: PhantomData,
        })
    }
}

impl<T> ServiceCell<T> {
    /// A borrow of the service object behind `handle` for parameter `param` of `function`
    /// (`&Store`, `&mut Store`, `Option<&Store>`, ...): shared, or exclusive if `exclusive`,
    /// held until the call returns. Fails, as a method's receiver does, if the object is
    /// closed or the borrow conflicts with a running call's (the receiver's own included:
    /// `store.merge(store)` with `&mut self` and `&Store`).
    ///
    /// # Safety
    ///
    /// `handle` is non-null, a handle of a `T` service object that its owner has not released.
    pub(crate) unsafe fn borrow_arg<'a>(
        handle: *const ServiceCell<T>,
        exclusive: bool,
        service: &str,
        function: &str,
        param: &str,
    ) -> Result<crate::opaque::Borrow<'a, T>, Failure> {
        use crate::opaque::{Borrow, ServiceBorrow};
        // SAFETY: the caller's promise.
        let cell = unsafe { &*handle };
        let refused = |before: usize| {
            let state = if before & CLOSED != 0 {
                "is closed"
            } else {
                "is in use by another call that changes it (`&mut`)"
            };
            Failure::invalid_argument(format_args!(
                "{function}() argument `{param}`: the {service} {state}"
            ))
        };
        if exclusive {
            match cell
                .state
                .compare_exchange(0, EXCLUSIVE, Ordering::Acquire, Ordering::Relaxed)
            {
                Ok(_) => {
                    let borrow = Exclusive(cell);
                    Ok(Borrow::service(
                        cell.value.get().cast(),
                        ServiceBorrow::Exclusive(borrow),
                    ))
                }
                Err(before) if before & CLOSED == 0 => {
                    Err(Failure::invalid_argument(format_args!(
                    "{function}() argument `{param}`: the {service} is in use by another call, \
                     and this one needs it exclusively (`&mut`)"
                )))
                }
                Err(before) => Err(refused(before)),
            }
        } else {
            let before = cell.state.fetch_add(1, Ordering::Acquire);
            if before & FLAGS == 0 {
                let borrow = Shared(cell);
                return Ok(Borrow::service(
                    cell.value.get().cast(),
                    ServiceBorrow::Shared(borrow),
                ));
            }
            cell.state.fetch_sub(1, Ordering::Release);
            Err(refused(before))
        }
    }
}

impl<T> ServiceCell<T> {
    /// Takes the value out of the service object behind `handle` for the `Box<T>` parameter
    /// `param` of `function`, which consumes the object: it is closed (later calls fail as
    /// closed), and its handle stays valid until its owner releases it. Fails, leaving the
    /// object as it was, if it is closed or a running call uses it.
    ///
    /// # Safety
    ///
    /// As for [`ServiceCell::borrow_arg`].
    pub(crate) unsafe fn take_arg(
        handle: *const ServiceCell<T>,
        service: &str,
        function: &str,
        param: &str,
    ) -> Result<Box<T>, Failure> {
        // SAFETY: the caller's promise.
        let cell = unsafe { &*handle };
        match cell
            .state
            .compare_exchange(0, CLOSED, Ordering::Acquire, Ordering::Relaxed)
        {
            // SAFETY: the state went from "free" to "closed": no borrow exists, none can be
            // taken any more, and the value is moved out here once (`release` drops no value
            // of a closed object).
            Ok(_) => Ok(Box::new(unsafe {
                ManuallyDrop::take(&mut *cell.value.get())
            })),
            Err(before) => {
                let state = if before & CLOSED != 0 {
                    "is closed"
                } else {
                    "is in use by another call"
                };
                Err(Failure::invalid_argument(format_args!(
                    "{function}() argument `{param}`: the {service} {state}, and this one takes it"
                )))
            }
        }
    }
}

/// What a constructor returning `Self` returns through the C ABI: the new object's handle.
#[inline]
pub fn constructed<T>(value: T) -> Result<MaybeUninit<*const ServiceCell<T>>, Failure> {
    // A callback failed during the constructor: the object is dropped and the shim returns
    // NULL, as every call that leaves a failure returns zeroes.
    if crate::abi::failed_during_call() {
        drop(value);
        return Ok(MaybeUninit::zeroed());
    }
    // Out of memory for the cell: a failure like the others, and the shim returns NULL.
    ServiceCell::into_handle(value).map(MaybeUninit::new)
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

/// The failure of a method given the object it is called on as the argument `param`, which
/// the receiver's borrow (it `receiver`) conflicts with (the argument would `verb` it): said as
/// such rather than as a borrow conflict (`store.merge(store)`).
#[cold]
#[inline(never)]
#[doc(hidden)]
pub fn receiver_as_argument(
    service: &str,
    method: &str,
    param: &str,
    receiver: &str,
    verb: &str,
) -> Failure {
    Failure::invalid_argument(format_args!(
        "{service}.{method}() argument `{param}` is the {service} the method is called on, which \
         it {receiver} and so cannot also {verb} as an argument: pass another {service}"
    ))
}

/// The failure of a NULL handle.
#[cold]
#[inline(never)]
fn null_handle(service: &str, method: &str) -> Failure {
    Failure::invalid_argument(format_args!(
        "cannot call {service}.{method}(): the {service} handle is NULL"
    ))
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
    use std::sync::Arc;

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
        let handle = ServiceCell::into_handle(Counted { value: 7 }).unwrap();
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
            let handle = ServiceCell::into_handle(Counted { value: 3 }).unwrap();
            let owned = ServiceCell::owned::<false>(handle, "S", "later").unwrap();
            assert!(ServiceCell::destroy(handle, "S").is_err());
            assert!(ServiceCell::owned::<true>(handle, "S", "later_mut").is_err());
            let drops = DROPS.load(Ordering::SeqCst);
            ServiceCell::release(handle);
            assert_eq!((owned.value, DROPS.load(Ordering::SeqCst)), (3, drops));
            drop(owned);
            assert_eq!(DROPS.load(Ordering::SeqCst), drops + 1);

            // Released without closing: the value is dropped then.
            let handle = ServiceCell::into_handle(Counted { value: 1 }).unwrap();
            ServiceCell::release(handle);
            assert_eq!(DROPS.load(Ordering::SeqCst), before + 3);
        }
    }

    /// A value that counts its drops in a counter of its own (the tests run in parallel).
    struct Tracked(Arc<AtomicUsize>);

    impl Drop for Tracked {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn tracked() -> (*const ServiceCell<Tracked>, Arc<AtomicUsize>) {
        let drops = Arc::new(AtomicUsize::new(0));
        let handle = ServiceCell::into_handle(Tracked(Arc::clone(&drops))).unwrap();
        (handle, drops)
    }

    /// The references to the live cell behind `handle`.
    unsafe fn refs<T>(handle: *const ServiceCell<T>) -> usize {
        unsafe { &*handle }.refs.load(Ordering::SeqCst)
    }

    #[test]
    fn the_last_reference_drops_the_value_and_frees_the_cell_once() {
        unsafe {
            // The foreign side's reference, then two async borrows': the last one to go drops.
            let (handle, drops) = tracked();
            assert_eq!(refs(handle), 1);
            let first = ServiceCell::owned::<false>(handle, "S", "later").unwrap();
            let second = ServiceCell::owned::<false>(handle, "S", "later").unwrap();
            assert_eq!(refs(handle), 3);
            ServiceCell::release(handle);
            assert_eq!(drops.load(Ordering::SeqCst), 0);
            drop(first);
            assert_eq!(
                (second.0.load(Ordering::SeqCst), Arc::strong_count(&drops)),
                (0, 2)
            );
            drop(second);
            assert_eq!(
                (drops.load(Ordering::SeqCst), Arc::strong_count(&drops)),
                (1, 1)
            );

            // An exclusive async borrow writes through its reference after the release.
            let (handle, drops) = tracked();
            let mut owned = ServiceCell::owned::<true>(handle, "S", "later_mut").unwrap();
            ServiceCell::release(handle);
            let other = Arc::new(AtomicUsize::new(0));
            // The assignment lets go of the first counter; the cell now drops into `other`.
            owned.0 = Arc::clone(&other);
            drop(owned);
            assert_eq!(drops.load(Ordering::SeqCst), 0);
            assert_eq!(
                (other.load(Ordering::SeqCst), Arc::strong_count(&other)),
                (1, 1)
            );

            // Borrows that end before the release: the release drops the value.
            let (handle, drops) = tracked();
            drop(ServiceCell::owned::<true>(handle, "S", "later_mut").unwrap());
            drop(ServiceCell::owned::<false>(handle, "S", "later").unwrap());
            assert_eq!((refs(handle), drops.load(Ordering::SeqCst)), (1, 0));
            ServiceCell::release(handle);
            assert_eq!(drops.load(Ordering::SeqCst), 1);

            // A refused async borrow takes no reference; closed then released: dropped once.
            let (handle, drops) = tracked();
            let running = ServiceCell::exclusive(handle, "S", "put").unwrap();
            assert!(ServiceCell::owned::<false>(handle, "S", "later").is_err());
            assert!(ServiceCell::owned::<true>(handle, "S", "later_mut").is_err());
            drop(running);
            ServiceCell::destroy(handle, "S").unwrap();
            assert!(ServiceCell::owned::<false>(handle, "S", "later").is_err());
            assert_eq!((refs(handle), drops.load(Ordering::SeqCst)), (1, 1));
            ServiceCell::release(handle);
            assert_eq!(
                (drops.load(Ordering::SeqCst), Arc::strong_count(&drops)),
                (1, 1)
            );
        }
    }

    #[test]
    fn threads_giving_up_their_references_at_once_free_the_cell_once() {
        for _ in 0..if cfg!(miri) { 10 } else { 200 } {
            let (handle, drops) = tracked();
            let start = Arc::new(std::sync::Barrier::new(5));
            let threads: Vec<_> = (0..4)
                .map(|i| {
                    // SAFETY: the foreign side's reference is live until the release below.
                    let owned = unsafe { ServiceCell::owned::<false>(handle, "S", "later") };
                    let owned = owned.unwrap();
                    let start = Arc::clone(&start);
                    std::thread::spawn(move || {
                        start.wait();
                        if i % 2 == 0 {
                            std::thread::yield_now();
                        }
                        assert_eq!(owned.0.load(Ordering::SeqCst), 0);
                        drop(owned);
                    })
                })
                .collect();
            start.wait();
            // SAFETY: the foreign side's reference, given up once.
            unsafe { ServiceCell::release(handle) };
            for thread in threads {
                thread.join().unwrap();
            }
            assert_eq!(
                (drops.load(Ordering::SeqCst), Arc::strong_count(&drops)),
                (1, 1)
            );
        }
    }

    /// A value whose `Drop` panics.
    struct Explosive(Arc<AtomicUsize>);

    impl Drop for Explosive {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
            panic!("boom in Drop");
        }
    }

    #[test]
    fn a_panic_in_the_last_drop_is_caught_at_a_release_and_passed_on_by_a_guard() {
        let drops = Arc::new(AtomicUsize::new(0));
        unsafe {
            // The foreign side's release: caught, nothing unwinds out.
            let handle = ServiceCell::into_handle(Explosive(Arc::clone(&drops))).unwrap();
            ServiceCell::release(handle);
            assert_eq!(
                (drops.load(Ordering::SeqCst), Arc::strong_count(&drops)),
                (1, 1)
            );

            // The last async borrow's: the panic goes on to the boundary that polls the future
            // (here `catch_unwind`); the value's fields and the cell are gone all the same.
            let handle = ServiceCell::into_handle(Explosive(Arc::clone(&drops))).unwrap();
            let owned = ServiceCell::owned::<false>(handle, "S", "later").unwrap();
            ServiceCell::release(handle);
            assert_eq!(drops.load(Ordering::SeqCst), 1);
            let payload = catch_unwind(AssertUnwindSafe(move || drop(owned))).unwrap_err();
            assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom in Drop"));
            assert_eq!(
                (drops.load(Ordering::SeqCst), Arc::strong_count(&drops)),
                (2, 1)
            );

            // The last async borrow's while the method's own panic unwinds: caught, no abort.
            let handle = ServiceCell::into_handle(Explosive(Arc::clone(&drops))).unwrap();
            let owned = ServiceCell::owned::<true>(handle, "S", "later_mut").unwrap();
            ServiceCell::release(handle);
            let payload = catch_unwind(AssertUnwindSafe(move || {
                let _owned = owned;
                panic!("the method panicked");
            }))
            .unwrap_err();
            assert_eq!(payload.downcast_ref::<&str>(), Some(&"the method panicked"));
            assert_eq!(
                (drops.load(Ordering::SeqCst), Arc::strong_count(&drops)),
                (3, 1)
            );
        }
    }
}

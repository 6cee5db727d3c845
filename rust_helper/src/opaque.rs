//! The run-time half of `#[ffi_type(opaque)]`: the cell an owned object lives in, the borrows
//! and takes that the shims of pointer parameters make through it, and the body of the drop
//! function it exports.
//!
//! An object of an opaque type `T` that the foreign side owns (a function returned it as
//! `Box<T>`, `Option<Box<T>>` or `Result<Box<T>, E>`) is an [`OpaqueCell`] on the heap: a
//! state word and the value, left in the box the function returned it in (so that a `Box<T>`
//! parameter hands that box on), like a service's cell. The C ABI still passes a `T *`: the foreign
//! side never looks inside, it only hands the pointer back. The state word arbitrates every
//! use, so that the foreign side (Python, from any thread, or from inside a callback a running
//! call makes) can never cause undefined behaviour with a pointer it still holds:
//!
//! - the shim of a `&T` parameter (and of `Option<&T>`, `*const T`) takes a shared borrow for
//!   the call, of a `&mut T` one (`Option<&mut T>`, `*mut T`) an exclusive borrow;
//! - the shim of a `Box<T>` parameter (`Option<Box<T>>`) takes the value out, once, and only
//!   while nothing borrows it; the cell stays, so that a later use fails cleanly;
//! - `<type>_ffi_drop` gives up the foreign side's pointer: it drops the value unless a
//!   function took it, and frees the cell; if a call is still using the object (a contract
//!   violation, but not one that may crash), both are deferred to the end of the last borrow.
//!
//! A conflict is an invalid-argument failure (kind 3) naming the function and the parameter,
//! never a data race.

use std::marker::PhantomData;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::abi::Failure;
use crate::service::{Exclusive, Shared};

/// Set while an exclusive borrow (a `&mut T` parameter) is held.
const EXCLUSIVE: usize = 1 << (usize::BITS - 1);
/// Set once a function took the value (a `Box<T>` parameter); never cleared.
const TAKEN: usize = 1 << (usize::BITS - 2);
/// Set once the foreign side gave up its pointer (`<type>_ffi_drop`); never cleared.
const RELEASED: usize = 1 << (usize::BITS - 3);
/// The flags; the count of shared borrows lives in the bits below them.
const FLAGS: usize = EXCLUSIVE | TAKEN | RELEASED;

/// An owned object of an opaque type: the value and the state of its borrows, like a
/// `RefCell` whose checks are atomic and whose conflicts are reported to the caller.
///
/// Not a public API: the macros and the exported shims use it.
#[doc(hidden)]
pub struct OpaqueCell<T> {
    /// The count of shared borrows, plus the `EXCLUSIVE`, `TAKEN` and `RELEASED` flags.
    state: AtomicUsize,
    /// The value, where the function that returned it boxed it (`Box::into_raw`), owned by the
    /// cell until a function takes it or the cell drops it. Kept in its box rather than moved
    /// into the cell, so that neither making the object nor a `Box<T>` parameter taking it
    /// allocates (or frees) a block of its own.
    value: NonNull<T>,
    _owns: PhantomData<T>,
}

impl<T> OpaqueCell<T> {
    /// The pointer the foreign side gets for a new owned object holding `value`, or an
    /// out-of-memory failure (the caller gets `MemoryError`, not an abort) if the allocator has
    /// no room for the cell; `value` is dropped then.
    pub fn into_raw(value: Box<T>) -> Result<*mut T, Failure> {
        let layout = std::alloc::Layout::new::<OpaqueCell<T>>();
        // SAFETY: the layout is not zero-sized (the cell holds an `AtomicUsize`).
        let cell = unsafe { std::alloc::alloc(layout) }.cast::<OpaqueCell<T>>();
        if cell.is_null() {
            drop(value);
            return Err(Failure::out_of_memory());
        }
        // SAFETY: `cell` is a fresh allocation of the cell's layout. The global allocator and
        // this layout are what `Box<OpaqueCell<T>>` uses, so `release` may free it as a `Box`.
        unsafe {
            cell.write(OpaqueCell {
                state: AtomicUsize::new(0),
                value: NonNull::from(Box::leak(value)),
                _owns: PhantomData,
            });
        }
        Ok(cell.cast())
    }

    /// The cell behind `object`, or the failure for a NULL one.
    ///
    /// # Safety
    ///
    /// Unless null, `object` came from [`OpaqueCell::into_raw`] and was not released.
    #[inline]
    unsafe fn from_raw<'a>(
        object: *mut T,
        type_name: &str,
        function: &str,
        param: &str,
    ) -> Result<&'a OpaqueCell<T>, Failure> {
        if object.is_null() {
            return Err(null_object(type_name, function, param));
        }
        // SAFETY: the caller promises a live cell.
        Ok(unsafe { &*object.cast::<OpaqueCell<T>>() })
    }

    /// A pointer to the value (valid while a borrow is held).
    fn value_ptr(&self) -> *mut T {
        self.value.as_ptr()
    }

    /// A borrow of the object behind `object` for parameter `param` of `function`: shared, or
    /// exclusive if `exclusive`. Fails if a function took the object, or the borrow conflicts
    /// with one that a running call holds.
    ///
    /// # Safety
    ///
    /// As for [`OpaqueCell::from_raw`].
    #[inline]
    pub unsafe fn borrow<'a>(
        object: *mut T,
        exclusive: bool,
        type_name: &str,
        function: &str,
        param: &str,
    ) -> Result<Borrow<'a, T>, Failure> {
        // SAFETY: forwarded from the caller.
        let cell = unsafe { Self::from_raw(object, type_name, function, param) }?;
        if exclusive {
            match cell
                .state
                .compare_exchange(0, EXCLUSIVE, Ordering::Acquire, Ordering::Relaxed)
            {
                Ok(_) => Ok(Borrow::cell(cell, true)),
                Err(before) => Err(conflict(before, true, type_name, function, param)),
            }
        } else {
            // One atomic operation when it succeeds; undone when the flags say no. (The count
            // cannot reach the flags: that would take 2^61 calls at once.)
            let before = cell.state.fetch_add(1, Ordering::Acquire);
            if before & FLAGS == 0 {
                return Ok(Borrow::cell(cell, false));
            }
            // SAFETY: this undoes the increment above; the cell is live until then.
            unsafe { Self::unshare(cell) };
            Err(conflict(before, false, type_name, function, param))
        }
    }

    /// Takes the value out of the object behind `object`, for the `Box<T>` parameter `param`
    /// of `function`. Fails, leaving the object as it was, if a function took it already or a
    /// running call borrows it.
    ///
    /// # Safety
    ///
    /// As for [`OpaqueCell::from_raw`].
    pub unsafe fn take(
        object: *mut T,
        type_name: &str,
        function: &str,
        param: &str,
    ) -> Result<Box<T>, Failure> {
        // SAFETY: forwarded from the caller.
        let cell = unsafe { Self::from_raw(object, type_name, function, param) }?;
        match cell
            .state
            .compare_exchange(0, TAKEN, Ordering::Acquire, Ordering::Relaxed)
        {
            // SAFETY: the state went from "free" to "taken": no borrow exists, none can be
            // taken any more, and the box `into_raw` was given is handed on here once.
            Ok(_) => Ok(unsafe { Box::from_raw(cell.value.as_ptr()) }),
            Err(before) => Err(conflict(before, true, type_name, function, param)),
        }
    }

    /// The body of `<type>_ffi_drop`: gives up the foreign side's pointer, dropping the value
    /// (unless a function took it) and freeing the cell, now or, if a call still borrows the
    /// object, when its last borrow ends. Records no failure: it runs when nothing is left to
    /// report to (a panic in the value's `Drop` is printed by the panic hook and otherwise
    /// ignored).
    ///
    /// # Safety
    ///
    /// Null, or a pointer from [`OpaqueCell::into_raw`], released only this once.
    pub unsafe fn release(object: *mut T) {
        if object.is_null() {
            return;
        }
        let cell = object.cast::<OpaqueCell<T>>();
        // SAFETY: live until released, which only this call or the last borrow does.
        let before = unsafe { &*cell }.state.fetch_or(RELEASED, Ordering::AcqRel);
        if before & !TAKEN == 0 {
            // SAFETY: no borrow is held, and none can be taken any more.
            unsafe { Self::free(cell) }
        }
    }

    /// Ends a shared borrow (or a refused attempt at one); frees the cell if it was the last
    /// use of a released object.
    ///
    /// # Safety
    ///
    /// A shared borrow of the live cell `cell` is held, and is given up here.
    unsafe fn unshare(cell: &OpaqueCell<T>) {
        let before = cell.state.fetch_sub(1, Ordering::AcqRel);
        if before & !TAKEN == RELEASED | 1 {
            // SAFETY: released, and this was the last borrow: nothing else refers to the cell.
            unsafe { Self::free(std::ptr::from_ref(cell).cast_mut()) }
        }
    }

    /// Ends an exclusive borrow; frees the cell if it was the last use of a released object.
    ///
    /// # Safety
    ///
    /// The exclusive borrow of the live cell `cell` is held, and is given up here.
    unsafe fn unexclusive(cell: &OpaqueCell<T>) {
        let before = cell.state.fetch_and(!EXCLUSIVE, Ordering::AcqRel);
        // A refused shared attempt may have its count in the word meanwhile: it frees then.
        if before & !TAKEN == RELEASED | EXCLUSIVE {
            // SAFETY: released, and this was the last borrow: nothing else refers to the cell.
            unsafe { Self::free(std::ptr::from_ref(cell).cast_mut()) }
        }
    }

    /// Drops the value (unless taken) and frees the cell.
    ///
    /// # Safety
    ///
    /// `cell` is released and nothing borrows it or ever will.
    unsafe fn free(cell: *mut OpaqueCell<T>) {
        // SAFETY: the caller gives up the last use of the cell, which `into_raw` allocated.
        let mut cell = unsafe { Box::from_raw(cell) };
        let taken = *cell.state.get_mut() & TAKEN != 0;
        let value = cell.value;
        // The cell first: a panic in the value's `Drop` cannot leak it.
        drop(cell);
        if !taken {
            let dropped = catch_unwind(AssertUnwindSafe(move || {
                // SAFETY: not taken, so the cell still owned its box; nothing borrows it.
                drop(unsafe { Box::from_raw(value.as_ptr()) });
            }));
            if let Err(payload) = dropped {
                crate::abi::drop_payload(payload);
            }
        }
    }
}

/// What the shim of a pointer parameter holds for the call: a borrow of an opaque object's
/// cell (given back when dropped), or a plain pointer (a struct's, a callback's).
#[doc(hidden)]
pub struct Borrow<'a, T> {
    pointer: *mut T,
    /// The cell and whether the borrow is exclusive; `None` for a plain pointer.
    cell: Option<(&'a OpaqueCell<T>, bool)>,
    /// A service object's borrow (see [`crate::service::ServiceCell::borrow_arg`]), given back
    /// when this is dropped.
    _service: Option<ServiceBorrow<'a, T>>,
    _marker: PhantomData<&'a mut T>,
}

/// A borrow of a service object, held by a parameter's [`Borrow`].
#[allow(dead_code)] // held for its `Drop`, which gives the borrow back
pub(crate) enum ServiceBorrow<'a, T> {
    Shared(Shared<'a, T>),
    Exclusive(Exclusive<'a, T>),
}

impl<'a, T> Borrow<'a, T> {
    /// A plain pointer, not an opaque object's: nothing to give back.
    pub fn plain(pointer: *mut T) -> Self {
        Borrow {
            pointer,
            cell: None,
            _service: None,
            _marker: PhantomData,
        }
    }

    /// A service object's borrow, `pointer` its value.
    pub(crate) fn service(pointer: *mut T, borrow: ServiceBorrow<'a, T>) -> Self {
        Borrow {
            pointer,
            cell: None,
            _service: Some(borrow),
            _marker: PhantomData,
        }
    }

    fn cell(cell: &'a OpaqueCell<T>, exclusive: bool) -> Self {
        Borrow {
            pointer: cell.value_ptr(),
            cell: Some((cell, exclusive)),
            _service: None,
            _marker: PhantomData,
        }
    }

    /// The pointer to the value, valid (for reads, and for writes if the borrow is exclusive)
    /// while this borrow lives.
    pub fn pointer(&self) -> *mut T {
        self.pointer
    }
}

impl<T> Drop for Borrow<'_, T> {
    fn drop(&mut self) {
        match self.cell {
            // SAFETY: this borrow is held, and given up here.
            Some((cell, false)) => unsafe { OpaqueCell::unshare(cell) },
            Some((cell, true)) => unsafe { OpaqueCell::unexclusive(cell) },
            None => {}
        }
    }
}

/// Which cell an opaque type's objects live in, decided where the type is concrete (in the
/// `FfiPointee` impl `#[ffi_type(opaque)]` writes, which cannot see whether an `#[ffi_service]`
/// block exists): a [`ServiceCell`](crate::service::ServiceCell) when the type is a service's,
/// else an [`OpaqueCell`]. Autoref specialization: the service's impl, on `&&CellProbe<T>`, is
/// found first when `T: ServiceInfo` holds; otherwise the opaque one, on `&CellProbe<T>`.
#[doc(hidden)]
pub struct CellProbe<T>(PhantomData<T>);

impl<T> CellProbe<T> {
    pub const fn new() -> Self {
        CellProbe(PhantomData)
    }
}

impl<T> Default for CellProbe<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// How a pointer parameter borrows or takes an opaque type's object: through a service's cell
/// (the impl on `&&CellProbe<T>`, for `T: ServiceInfo`) or an opaque object's (on
/// `&CellProbe<T>`); see [`CellProbe`].
#[doc(hidden)]
pub trait CellKind<T> {
    /// # Safety
    ///
    /// `pointer` is non-null and valid for its parameter's type, as the inventory describes it
    /// (a service's handle, or an opaque object's cell).
    unsafe fn __borrow_in_cell<'a>(
        &self,
        pointer: *mut T,
        exclusive: bool,
        type_name: &str,
        function: &str,
        param: &str,
    ) -> Result<Borrow<'a, T>, Failure>;

    /// The value a `Box` parameter takes: a service's object is closed, an opaque object's
    /// cell marked taken.
    ///
    /// # Safety
    ///
    /// As for `__borrow_in_cell`.
    unsafe fn __take_from_cell(
        &self,
        pointer: *mut T,
        type_name: &str,
        function: &str,
        param: &str,
    ) -> Result<Box<T>, Failure>;
}

impl<T: crate::ServiceInfo> CellKind<T> for &&CellProbe<T> {
    unsafe fn __borrow_in_cell<'a>(
        &self,
        pointer: *mut T,
        exclusive: bool,
        type_name: &str,
        function: &str,
        param: &str,
    ) -> Result<Borrow<'a, T>, Failure> {
        // SAFETY: forwarded from the caller: a service's objects are handles of its cells.
        unsafe {
            crate::service::ServiceCell::borrow_arg(
                pointer.cast_const().cast(),
                exclusive,
                type_name,
                function,
                param,
            )
        }
    }

    unsafe fn __take_from_cell(
        &self,
        pointer: *mut T,
        type_name: &str,
        function: &str,
        param: &str,
    ) -> Result<Box<T>, Failure> {
        // SAFETY: forwarded from the caller.
        unsafe {
            crate::service::ServiceCell::take_arg(
                pointer.cast_const().cast(),
                type_name,
                function,
                param,
            )
        }
    }
}

impl<T> CellKind<T> for &CellProbe<T> {
    unsafe fn __borrow_in_cell<'a>(
        &self,
        pointer: *mut T,
        exclusive: bool,
        type_name: &str,
        function: &str,
        param: &str,
    ) -> Result<Borrow<'a, T>, Failure> {
        // SAFETY: forwarded from the caller.
        unsafe { OpaqueCell::borrow(pointer, exclusive, type_name, function, param) }
    }

    unsafe fn __take_from_cell(
        &self,
        pointer: *mut T,
        type_name: &str,
        function: &str,
        param: &str,
    ) -> Result<Box<T>, Failure> {
        // SAFETY: forwarded from the caller.
        unsafe { OpaqueCell::take(pointer, type_name, function, param) }
    }
}

/// The failure of a NULL object argument.
#[cold]
#[inline(never)]
fn null_object(type_name: &str, function: &str, param: &str) -> Failure {
    Failure::invalid_argument(format_args!(
        "{function}() argument `{param}` is a NULL {type_name}"
    ))
}

/// The failure of a borrow (or take, which conflicts like an exclusive borrow) refused in the
/// state `before`.
#[cold]
fn conflict(
    before: usize,
    exclusive: bool,
    type_name: &str,
    function: &str,
    param: &str,
) -> Failure {
    if before & (TAKEN | RELEASED) != 0 {
        Failure::invalid_argument(format_args!(
            "{function}() argument `{param}`: the {type_name} was released (a function took \
             ownership of it)"
        ))
    } else if before & EXCLUSIVE != 0 {
        Failure::invalid_argument(format_args!(
            "{function}() argument `{param}`: the {type_name} is in use by another call that \
             changes it (`&mut {type_name}`)"
        ))
    } else if exclusive {
        Failure::invalid_argument(format_args!(
            "{function}() argument `{param}`: the {type_name} is in use by another call, and \
             this one needs it exclusively"
        ))
    } else {
        unreachable!("a shared borrow conflicts only with flags")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::sync::Arc;

    /// Counts its drops in a counter of its test's own (the tests run in parallel).
    struct Counted(u32, &'static AtomicUsize);

    impl Drop for Counted {
        fn drop(&mut self) {
            self.1.fetch_add(1, Ordering::SeqCst);
        }
    }

    struct Panics;

    impl Drop for Panics {
        fn drop(&mut self) {
            panic!("drop panics");
        }
    }

    fn borrow<'a, T>(object: *mut T, exclusive: bool) -> Result<Borrow<'a, T>, Failure> {
        unsafe { OpaqueCell::borrow(object, exclusive, "T", "f", "t") }
    }

    #[test]
    fn borrows_conflict_and_take_is_once() {
        static DROPS: AtomicUsize = AtomicUsize::new(0);
        let object = OpaqueCell::into_raw(Box::new(Counted(7, &DROPS))).unwrap();
        let a = borrow(object, false).unwrap();
        let b = borrow(object, false).unwrap();
        assert_eq!(unsafe { (*a.pointer()).0 + (*b.pointer()).0 }, 14);
        assert!(borrow(object, true).is_err());
        assert!(unsafe { OpaqueCell::take(object, "T", "f", "t") }.is_err());
        drop((a, b));
        let c = borrow(object, true).unwrap();
        unsafe { (*c.pointer()).0 = 8 };
        assert!(borrow(object, false).is_err());
        assert!(borrow(object, true).is_err());
        assert!(unsafe { OpaqueCell::take(object, "T", "f", "t") }.is_err());
        drop(c);
        let before = DROPS.load(Ordering::SeqCst);
        let taken = unsafe { OpaqueCell::take(object, "T", "f", "t") }.unwrap();
        assert_eq!(taken.0, 8);
        let again = unsafe { OpaqueCell::take(object, "T", "f", "t") };
        assert!(again.is_err());
        assert!(borrow(object, false).is_err());
        drop(taken);
        assert_eq!(DROPS.load(Ordering::SeqCst), before + 1);
        // Releasing a taken object frees the cell, not the value again.
        unsafe { OpaqueCell::release(object) };
        assert_eq!(DROPS.load(Ordering::SeqCst), before + 1);
        assert!(borrow::<Counted>(std::ptr::null_mut(), false).is_err());
    }

    #[test]
    fn release_drops_now_or_after_the_last_borrow() {
        static DROPS: AtomicUsize = AtomicUsize::new(0);
        let object = OpaqueCell::into_raw(Box::new(Counted(1, &DROPS))).unwrap();
        unsafe { OpaqueCell::release(object) };
        assert_eq!(DROPS.load(Ordering::SeqCst), 1);

        // Released while borrowed: the value and cell outlive the release until the borrows end.
        for exclusive in [false, true] {
            let drops = DROPS.load(Ordering::SeqCst);
            let object = OpaqueCell::into_raw(Box::new(Counted(2, &DROPS))).unwrap();
            let held = borrow(object, exclusive).unwrap();
            let other = borrow(object, false);
            assert!(exclusive == other.is_err());
            unsafe { OpaqueCell::release(object) };
            assert_eq!(unsafe { (*held.pointer()).0 }, 2);
            drop(other);
            assert_eq!(unsafe { (*held.pointer()).0 }, 2);
            assert_eq!(DROPS.load(Ordering::SeqCst), drops);
            drop(held); // the last borrow frees (Miri would see a leak or a double free)
            assert_eq!(DROPS.load(Ordering::SeqCst), drops + 1);
        }

        unsafe { OpaqueCell::<Panics>::release(std::ptr::null_mut()) };
        // A panicking `Drop` does not unwind out of the release.
        unsafe { OpaqueCell::release(OpaqueCell::into_raw(Box::new(Panics)).unwrap()) };
    }

    #[test]
    fn threads_never_race() {
        struct Tally(u64);
        let object = OpaqueCell::into_raw(Box::new(Tally(0))).unwrap() as usize;
        let successes = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let successes = Arc::clone(&successes);
                std::thread::spawn(move || {
                    for _ in 0..10_000 {
                        if let Ok(b) = borrow(object as *mut Tally, true) {
                            unsafe { (*b.pointer()).0 += 1 };
                            successes.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        let b = borrow(object as *mut Tally, false).unwrap();
        assert_eq!(
            unsafe { (*b.pointer()).0 },
            successes.load(Ordering::Relaxed) as u64
        );
        drop(b);
        unsafe { OpaqueCell::release(object as *mut Tally) };
    }
}

/// Types whose drop only frees memory: no code of the crate's runs, and nothing waits or calls
/// back (numbers, `String`, and the standard library's containers of such types). What
/// `#[ffi_type(opaque)]` checks the fields of a type against (with [`FreesProbe`]) to tell the
/// bindings that dropping one of its objects may keep the GIL.
///
/// # Safety
///
/// Dropping a value of the type runs no `Drop` implementation other than the standard
/// library's, which free memory (and drop elements that are `FreesOnly` too).
#[doc(hidden)]
pub unsafe trait FreesOnly {}

macro_rules! frees_only {
    ($($ty:ty),* $(,)?) => {
        $(
            // SAFETY: no drop glue, or the standard library's that frees memory only.
            unsafe impl FreesOnly for $ty {}
        )*
    };
}

frees_only!(
    (),
    bool,
    char,
    u8,
    u16,
    u32,
    u64,
    u128,
    usize,
    i8,
    i16,
    i32,
    i64,
    i128,
    isize,
    f32,
    f64,
    str,
    String,
    std::ffi::CString,
    std::hash::RandomState,
);

// SAFETY (all below): the standard library's containers free their memory and drop their
// elements, which are `FreesOnly` themselves.
unsafe impl<T: FreesOnly> FreesOnly for [T] {}
unsafe impl<T: FreesOnly, const N: usize> FreesOnly for [T; N] {}
unsafe impl<T: FreesOnly + ?Sized> FreesOnly for Box<T> {}
unsafe impl<T: FreesOnly> FreesOnly for Vec<T> {}
unsafe impl<T: FreesOnly> FreesOnly for Option<T> {}
unsafe impl<T: FreesOnly> FreesOnly for std::collections::VecDeque<T> {}
unsafe impl<T: FreesOnly> FreesOnly for std::collections::BTreeSet<T> {}
unsafe impl<K: FreesOnly, V: FreesOnly> FreesOnly for std::collections::BTreeMap<K, V> {}
unsafe impl<T: FreesOnly, S: FreesOnly> FreesOnly for std::collections::HashSet<T, S> {}
unsafe impl<K: FreesOnly, V: FreesOnly, S: FreesOnly> FreesOnly
    for std::collections::HashMap<K, V, S>
{
}
unsafe impl<A: FreesOnly, B: FreesOnly> FreesOnly for (A, B) {}
unsafe impl<A: FreesOnly, B: FreesOnly, C: FreesOnly> FreesOnly for (A, B, C) {}

/// Asks whether a type's drop only frees memory, by autoref specialization:
/// `(&&FreesProbe::<T>::new()).frees_only()` is true when `T` is [`FreesOnly`] (found first), else
/// when it has no drop glue at all; it never fails to compile.
#[doc(hidden)]
pub struct FreesProbe<T>(PhantomData<T>);

impl<T> FreesProbe<T> {
    pub const fn new() -> Self {
        FreesProbe(PhantomData)
    }
}

impl<T> Default for FreesProbe<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// [`FreesProbe`]'s answer for a [`FreesOnly`] type.
#[doc(hidden)]
pub trait FreesProbeFreesOnly {
    fn frees_only(&self) -> bool {
        true
    }
}

impl<T: FreesOnly> FreesProbeFreesOnly for &FreesProbe<T> {}

/// [`FreesProbe`]'s answer for any other type: whether it has drop glue.
#[doc(hidden)]
pub trait FreesProbeOther {
    fn frees_only(&self) -> bool;
}

impl<T> FreesProbeOther for FreesProbe<T> {
    fn frees_only(&self) -> bool {
        !std::mem::needs_drop::<T>()
    }
}

/// Asks whether a type implements `Drop` itself, by autoref specialization:
/// `(&&DropProbe::<T>::new()).has_drop_impl()`.
#[doc(hidden)]
pub struct DropProbe<T>(PhantomData<T>);

impl<T> DropProbe<T> {
    pub const fn new() -> Self {
        DropProbe(PhantomData)
    }
}

impl<T> Default for DropProbe<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// [`DropProbe`]'s answer for a type that implements `Drop`.
#[doc(hidden)]
pub trait DropProbeImplemented {
    fn has_drop_impl(&self) -> bool {
        true
    }
}

// `T: Drop` is the question (an implementation of its own), not whether `T` has drop glue.
#[allow(drop_bounds)]
impl<T: Drop> DropProbeImplemented for &DropProbe<T> {}

/// [`DropProbe`]'s answer for any other type.
#[doc(hidden)]
pub trait DropProbeOther {
    fn has_drop_impl(&self) -> bool {
        false
    }
}

impl<T> DropProbeOther for DropProbe<T> {}

//! `async fn`s through their C ABI: a future ready when first polled completes on the calling
//! thread before the shim returns; a pending one moves to the runtime, and the completion gets
//! the value, the error or the panic from a runtime thread; a cancelled one releases it instead.
//! Under Miri: `MIRIFLAGS=-Zmiri-ignore-leaks cargo +nightly miri test --all-features --test
//! asynchronous -- cancel` (the runtime's threads outlive `main`, by design; the tests count
//! what they free themselves).
#![cfg(feature = "tokio")]

use std::ffi::c_void;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use hatch_interop::prelude::*;
use hatch_interop::{FfiCompletion, FfiFailure};

#[ffi_type]
#[derive(Debug)]
pub enum Oops {
    Odd = 1,
}

impl fmt::Display for Oops {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("odd input")
    }
}

#[ffi_function]
pub async fn halve_later(value: u64) -> Result<u64, Oops> {
    tokio::time::sleep(Duration::from_millis(5)).await;
    if value % 2 == 1 {
        return Err(Oops::Odd);
    }
    assert!(value != 666, "the number of the beast");
    Ok(value / 2)
}

/// `halve_later` without the pause: its future is ready when first polled (or panics then).
#[ffi_function]
pub async fn halve_now(value: u64) -> Result<u64, Oops> {
    if value % 2 == 1 {
        return Err(Oops::Odd);
    }
    assert!(value != 666, "the number of the beast");
    Ok(value / 2)
}

/// `value`, from a task it spawns on the runtime: its first poll (on the caller's thread) needs
/// the runtime's context, and is pending.
#[ffi_function]
pub async fn echo_from_task(value: u64) -> u64 {
    let task = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(1)).await;
        value
    });
    task.await.unwrap()
}

/// `value`, after yielding once: Tokio wakes the first poll's waker during that poll (no
/// worker's scheduler to defer to on the caller's thread), and the runtime polls it again.
#[ffi_function]
pub async fn echo_after_yield(value: u64) -> u64 {
    tokio::task::yield_now().await;
    value
}

/// How many `Guard`s were made, and dropped.
static GUARDS_MADE: AtomicUsize = AtomicUsize::new(0);
static GUARDS_DROPPED: AtomicUsize = AtomicUsize::new(0);

/// Counts its drop: shows that a cancelled future's destructors ran.
struct Guard;

impl Guard {
    fn new() -> Self {
        GUARDS_MADE.fetch_add(1, Ordering::SeqCst);
        Guard
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        GUARDS_DROPPED.fetch_add(1, Ordering::SeqCst);
    }
}

/// Holds a guard for `millis` (0: not even once suspended), then returns `millis`. The guard
/// is made when the future first runs: a call cancelled before that makes none.
#[ffi_function]
pub async fn guarded_sleep(millis: u64) -> u64 {
    let _guard = Guard::new();
    if millis > 0 {
        tokio::time::sleep(Duration::from_millis(millis)).await;
    }
    millis
}

#[ffi_inventory]
pub fn inventory() -> Inventory {
    Inventory::new()
        .function::<halve_later>()
        .function::<guarded_sleep>()
        .function::<halve_now>()
        .function::<echo_from_task>()
        .function::<echo_after_yield>()
}

/// What a completion saw: the value, or the failure's kind, code and message.
type Outcome = Result<u64, (u32, i64, String)>;

/// The outcome a completion was called with.
///
/// # Safety
///
/// As the completion's `call` gets them: a `u64` value or a failure, valid during the call.
unsafe fn read_outcome(value: *const c_void, failure: *const FfiFailure) -> Outcome {
    if failure.is_null() {
        // SAFETY: the value of a `u64` result.
        Ok(unsafe { *value.cast::<u64>() })
    } else {
        // SAFETY: the failure, valid during the call.
        let failure = unsafe { &*failure };
        let message = unsafe { std::slice::from_raw_parts(failure.message, failure.message_len) };
        Err((
            failure.kind,
            failure.code,
            String::from_utf8_lossy(message).into_owned(),
        ))
    }
}

unsafe extern "C-unwind" fn complete(
    context: *const c_void,
    value: *const c_void,
    failure: *const FfiFailure,
) {
    // SAFETY: `context` is the `Box<Sender>` made in `run`, given up to this call.
    let sender = unsafe { Box::from_raw(context.cast_mut().cast::<Sender<Outcome>>()) };
    // SAFETY: as the library calls it.
    sender
        .send(unsafe { read_outcome(value, failure) })
        .unwrap();
}

fn run(value: u64) -> Receiver<Outcome> {
    let (sender, receiver) = channel();
    let context = Box::into_raw(Box::new(sender))
        .cast::<c_void>()
        .cast_const();
    // SAFETY: `complete` takes the context back, once.
    let completion = unsafe { FfiCompletion::new(complete, context, None) };
    extern "C" {
        fn halve_later(value: u64, completion: FfiCompletion);
    }
    // SAFETY: the exported shim, with its C signature.
    unsafe { halve_later(value, completion) };
    receiver
}

#[test]
fn outcomes_arrive_from_the_runtime() {
    // Its calls would count among those in flight of the cancellation tests.
    let _serial = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let timeout = Duration::from_secs(10);
    let receivers: Vec<_> = (0..100).map(|i| (i, run(i * 2))).collect();
    for (i, receiver) in receivers {
        assert_eq!(receiver.recv_timeout(timeout).unwrap(), Ok(i));
    }
    assert_eq!(
        run(3).recv_timeout(timeout).unwrap(),
        Err((2, 1, "odd input".to_owned()))
    );
    assert_eq!(
        run(666).recv_timeout(timeout).unwrap(),
        Err((1, 0, "the number of the beast".to_owned()))
    );
}

/// The outcome of a call and the thread its completion ran on.
type Delivered = (std::thread::ThreadId, Outcome);

unsafe extern "C-unwind" fn complete_where(
    context: *const c_void,
    value: *const c_void,
    failure: *const FfiFailure,
) {
    // SAFETY: `context` is the `Box<Sender>` made in `start`, given up to this call.
    let sender = unsafe { Box::from_raw(context.cast_mut().cast::<Sender<Delivered>>()) };
    // SAFETY: as the library calls it.
    let outcome = unsafe { read_outcome(value, failure) };
    sender.send((std::thread::current().id(), outcome)).unwrap();
}

/// Calls the async shim `shim` with `value`: where its outcome arrives.
fn start(shim: unsafe extern "C" fn(u64, FfiCompletion), value: u64) -> Receiver<Delivered> {
    let (sender, receiver) = channel();
    let context = Box::into_raw(Box::new(sender))
        .cast::<c_void>()
        .cast_const();
    // SAFETY: `complete_where` takes the context back, once.
    let completion = unsafe { FfiCompletion::new(complete_where, context, None) };
    // SAFETY: an exported shim of a function of one `u64`, with its C signature.
    unsafe { shim(value, completion) };
    receiver
}

extern "C" {
    #[link_name = "halve_now"]
    fn halve_now_shim(value: u64, completion: FfiCompletion);
    #[link_name = "halve_later"]
    fn halve_later_shim(value: u64, completion: FfiCompletion);
    #[link_name = "echo_from_task"]
    fn echo_from_task_shim(value: u64, completion: FfiCompletion);
    #[link_name = "echo_after_yield"]
    fn echo_after_yield_shim(value: u64, completion: FfiCompletion);
    #[link_name = "guarded_sleep"]
    fn guarded_sleep_shim(millis: u64, completion: FfiCompletion);
}

#[test]
fn a_future_ready_when_first_polled_completes_before_the_call_returns() {
    let here = std::thread::current().id();
    // The value, the error, and a panic during the first poll: each delivered on this thread,
    // before the shim returned (`try_recv`: nothing is left to wait for).
    let ready = |value| start(halve_now_shim, value).try_recv().unwrap();
    assert_eq!(ready(8), (here, Ok(4)));
    assert_eq!(ready(3), (here, Err((2, 1, "odd input".to_owned()))));
    assert_eq!(
        ready(666),
        (here, Err((1, 0, "the number of the beast".to_owned())))
    );
    // The panic left no failure behind for this thread's next call to take.
    assert_eq!(ready(10), (here, Ok(5)));
    // Nothing was handed to the runtime (counted under `SERIAL`, which the tests that leave
    // calls in flight hold).
    let _serial = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    assert_eq!(ready(2), (here, Ok(1)));
    assert_eq!(hatch_interop::__private::calls_in_flight(), 0);
}

#[test]
fn a_pending_future_completes_on_the_runtime() {
    // Its calls would count among those in flight of the cancellation tests.
    let _serial = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let here = std::thread::current().id();
    let timeout = Duration::from_secs(10);
    let pending: [(unsafe extern "C" fn(u64, FfiCompletion), u64, Outcome); 4] = [
        // A timer, registered during the first poll, in the runtime's context.
        (halve_later_shim, 8, Ok(4)),
        (
            halve_later_shim,
            666,
            Err((1, 0, "the number of the beast".to_owned())),
        ),
        // A task spawned during the first poll (which panics outside a runtime's context).
        (echo_from_task_shim, 7, Ok(7)),
        // A waker woken during the first poll.
        (echo_after_yield_shim, 9, Ok(9)),
    ];
    for (shim, value, expected) in pending {
        let receiver = start(shim, value);
        // A call the runtime finished before the shim went on (on one CPU, the worker the spawn
        // wakes often runs first) is delivered by the shim, on this thread, before it returns.
        let during = receiver.try_recv().ok();
        let early = during.is_some();
        let (thread, outcome) = match during {
            Some(delivered) => delivered,
            None => receiver.recv_timeout(timeout).unwrap(),
        };
        assert_eq!(outcome, expected);
        assert!(
            thread != here || early,
            "a pending call completes on a runtime thread, or on the caller's before it returns"
        );
    }
}

/// Waits until the bell's descriptor `fd` is readable, reading what was written (through a
/// duplicate: the bell's own drain then finds nothing, which it allows).
fn wait_for_ring(fd: std::ffi::c_int) {
    use std::io::Read as _;
    use std::os::fd::BorrowedFd;
    // SAFETY: the bell's descriptor, open while the bell is.
    let duplicate = unsafe { BorrowedFd::borrow_raw(fd) }
        .try_clone_to_owned()
        .unwrap();
    let reader = std::os::unix::net::UnixStream::from(duplicate);
    wait_for("the bell rings", || (&reader).read(&mut [0; 8]).is_ok());
}

/// The bell functions are those `#[ffi_inventory]` exported above.
#[test]
fn a_bell_delivers_pending_outcomes_on_the_thread_that_drains_it() {
    let _serial = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let here = std::thread::current().id();
    let timeout = Duration::from_secs(10);
    let mut fd = -1;
    // SAFETY: `fd` is writable.
    let bell = unsafe { asynchronous_ffi_bell_open(Some(complete_where), &mut fd) };
    assert!(!bell.is_null() && fd >= 0);
    // SAFETY: the bell is open until closed below.
    unsafe { asynchronous_ffi_bell_use(bell) };

    // Ready when first polled: delivered during the call, as without a bell.
    assert_eq!(start(halve_now_shim, 8).try_recv().unwrap(), (here, Ok(4)));
    // Pending: held until this thread drains the bell, then delivered here, in order.
    let first = start(halve_later_shim, 8);
    let second = start(echo_after_yield_shim, 9);
    let failed = start(halve_later_shim, 3);
    wait_for_ring(fd);
    wait_for("every call finished", || {
        hatch_interop::__private::calls_in_flight() == 0
    });
    assert!(first.try_recv().is_err(), "not delivered before the drain");
    // SAFETY: open.
    unsafe { asynchronous_ffi_bell_drain(bell) };
    assert_eq!(first.try_recv().unwrap(), (here, Ok(4)));
    assert_eq!(second.try_recv().unwrap(), (here, Ok(9)));
    assert_eq!(
        failed.try_recv().unwrap(),
        (here, Err((2, 1, "odd input".to_owned())))
    );
    // SAFETY: open; draining an empty bell does nothing.
    unsafe { asynchronous_ffi_bell_drain(bell) };

    // Another completion function does not ring this bell.
    let other = run(10);
    assert_eq!(other.recv_timeout(timeout).unwrap(), Ok(5));

    // A thread without a bell: from the runtime, as before.
    // SAFETY: null is allowed.
    unsafe { asynchronous_ffi_bell_use(std::ptr::null()) };
    let (thread, outcome) = start(halve_later_shim, 6).recv_timeout(timeout).unwrap();
    assert_eq!(outcome, Ok(3));
    assert_ne!(thread, here);

    // Closed: what it holds is delivered by the closing thread, later outcomes from the runtime
    // (the bell stays alive while a thread uses it or a call holds it).
    // SAFETY: open.
    unsafe { asynchronous_ffi_bell_use(bell) };
    let held = start(halve_later_shim, 4);
    let later = start(guarded_sleep_shim, 50);
    wait_for_ring(fd);
    // SAFETY: open, and not used again by this test.
    unsafe { asynchronous_ffi_bell_close(bell) };
    assert_eq!(held.try_recv().unwrap(), (here, Ok(2)));
    let (thread, outcome) = later.recv_timeout(timeout).unwrap();
    assert_eq!(outcome, Ok(50));
    assert_ne!(thread, here);
    // SAFETY: null is allowed; the thread's reference to the closed bell goes.
    unsafe { asynchronous_ffi_bell_use(std::ptr::null()) };
}

#[test]
fn the_inventory_marks_async_functions() {
    let json = inventory().to_json().unwrap();
    assert!(
        json.contains(r#""error":{"kind":"named","name":"Oops"},"async":true}"#),
        "{json}"
    );
}

/// What happened to a guarded call's completion: `Some(value)` when called, `None` when released.
type Ending = Option<u64>;

unsafe extern "C-unwind" fn guarded_complete(
    context: *const c_void,
    value: *const c_void,
    failure: *const FfiFailure,
) {
    assert!(failure.is_null(), "guarded_sleep does not fail");
    // SAFETY: `context` is the `Box<Sender>` made in `start_guarded`, given up to this call (or
    // to `guarded_release`: never both).
    let sender = unsafe { Box::from_raw(context.cast_mut().cast::<Sender<Ending>>()) };
    // SAFETY: the value of a `u64` result.
    sender.send(Some(unsafe { *value.cast::<u64>() })).unwrap();
}

unsafe extern "C-unwind" fn guarded_release(context: *const c_void) {
    // SAFETY: as in `guarded_complete`.
    let sender = unsafe { Box::from_raw(context.cast_mut().cast::<Sender<Ending>>()) };
    // The guard of the released call was dropped before its completion.
    let _ = sender.send(None);
}

/// Starts `guarded_sleep(millis)`: the context to cancel it with, and where its ending arrives.
fn start_guarded(millis: u64) -> (*const c_void, Receiver<Ending>) {
    let (sender, receiver) = channel();
    let context = Box::into_raw(Box::new(sender))
        .cast::<c_void>()
        .cast_const();
    // SAFETY: `guarded_complete` or `guarded_release` takes the context back, once.
    let completion =
        unsafe { FfiCompletion::new(guarded_complete, context, Some(guarded_release)) };
    extern "C" {
        fn guarded_sleep(millis: u64, completion: FfiCompletion);
    }
    // SAFETY: the exported shim, with its C signature.
    unsafe { guarded_sleep(millis, completion) };
    (context, receiver)
}

/// The tests that start calls run one at a time: some count guards and calls in flight.
static SERIAL: Mutex<()> = Mutex::new(());

/// The call ended once: its context (the sender) was taken back and freed, so the channel is
/// disconnected, with nothing more in it.
fn assert_freed(ending: &Receiver<Ending>) {
    assert_eq!(
        ending.recv_timeout(Duration::from_secs(10)),
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected)
    );
}

fn wait_for(what: &str, condition: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn cancelling_drops_the_future_and_releases_the_completion() {
    let _serial = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let made = GUARDS_MADE.load(Ordering::SeqCst);
    let dropped = GUARDS_DROPPED.load(Ordering::SeqCst);
    let (context, ending) = start_guarded(60_000);
    wait_for("the future runs", || {
        GUARDS_MADE.load(Ordering::SeqCst) > made
    });
    // Cancelled while it sleeps.
    // The exported `<crate>_ffi_cancel`, which `#[ffi_inventory]` defined here.
    asynchronous_ffi_cancel(context);
    let released = ending.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(
        released, None,
        "a cancelled call's completion is released, not called"
    );
    // Dropped before the completion was released.
    assert_eq!(GUARDS_DROPPED.load(Ordering::SeqCst), dropped + 1);
    assert_freed(&ending);
    wait_for("no call is in flight", || {
        hatch_interop::__private::calls_in_flight() == 0
    });
}

#[test]
fn cancelling_after_completion_or_an_unknown_context_does_nothing() {
    let _serial = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let (context, ending) = start_guarded(1);
    assert_eq!(
        ending.recv_timeout(Duration::from_secs(10)).unwrap(),
        Some(1)
    );
    assert_freed(&ending);
    // Only compared: the context is freed by now.
    asynchronous_ffi_cancel(context);
    asynchronous_ffi_cancel(std::ptr::null());
    asynchronous_ffi_cancel(std::ptr::dangling::<u64>().cast());
    assert_eq!(hatch_interop::__private::calls_in_flight(), 0);
    // The library still works.
    let (_, ending) = start_guarded(2);
    assert_eq!(
        ending.recv_timeout(Duration::from_secs(10)).unwrap(),
        Some(2)
    );
}

#[test]
fn cancel_racing_completion_ends_each_call_once() {
    let _serial = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let calls = if cfg!(miri) { 40 } else { 400 };
    // Calls that finish at once or almost, cancelled from another thread as they finish.
    let started: Vec<_> = (0..calls).map(|i| start_guarded(i % 3)).collect();
    let contexts: Vec<usize> = started.iter().map(|(c, _)| *c as usize).collect();
    let canceller = std::thread::spawn(move || {
        for context in contexts {
            // The address only (no provenance, which the library never needs: it compares).
            asynchronous_ffi_cancel(std::ptr::null::<c_void>().wrapping_byte_add(context));
        }
    });
    let (mut called, mut released) = (0, 0);
    for (i, (_, ending)) in started.into_iter().enumerate() {
        match ending.recv_timeout(Duration::from_secs(10)).unwrap() {
            Some(value) => {
                assert_eq!(value, i as u64 % 3);
                called += 1;
            }
            None => released += 1,
        }
        assert_freed(&ending);
    }
    canceller.join().unwrap();
    assert_eq!(called + released, calls);
    // Every future was dropped, whichever way its call ended (one cancelled before it first
    // ran made no guard).
    wait_for("every guard is dropped", || {
        GUARDS_DROPPED.load(Ordering::SeqCst) == GUARDS_MADE.load(Ordering::SeqCst)
    });
    wait_for("no call is in flight", || {
        hatch_interop::__private::calls_in_flight() == 0
    });
}

mod common;

#[ffi_type(opaque)]
pub struct Pot {
    total: u64,
}

#[ffi_service]
impl Pot {
    pub fn new(total: u64) -> Self {
        Pot { total }
    }

    /// An async method taking another object of its own type (moved into the future).
    pub async fn pour_later(&mut self, other: Pot) -> u64 {
        self.total += other.total;
        self.total
    }
}

unsafe extern "C-unwind" fn never_called(
    _context: *const c_void,
    _value: *const c_void,
    _failure: *const FfiFailure,
) {
    unreachable!("the call failed before it started its future");
}

#[test]
fn an_async_method_given_its_own_object_says_so() {
    // SAFETY: the handle is the constructor's, used while it lives and released once; the
    // completion is never called (the call fails before its future starts).
    unsafe {
        let pot = Pot::__hatch_interop_shim_new(1).assume_init();
        let completion = FfiCompletion::new(never_called, std::ptr::null(), None);
        Pot::__hatch_interop_shim_pour_later(pot, pot.cast_mut().cast(), completion);
        assert_eq!(
            common::failure_message().as_deref(),
            Some(
                "Pot.pour_later() argument `other` is the Pot the method is called on, which it \
                 changes (`&mut self`) and so cannot also take as an argument: pass another Pot"
            )
        );
        Pot::__hatch_interop_destroy(pot);
        Pot::__hatch_interop_release(pot);
    }
}

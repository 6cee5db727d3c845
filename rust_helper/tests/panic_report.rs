//! Caught panics are quiet: the library's panic hook keeps Rust's report (and the backtrace
//! that `RUST_BACKTRACE=1` asks for) from panics its boundaries catch, and hands every other
//! panic to the hook installed before it.
//!
//! One test per file: the panic hook is global to the process.

use std::mem::MaybeUninit;
use std::sync::atomic::{AtomicUsize, Ordering};

use hatch_interop::__private::{call, ffi_free, take_failure, Failure};
use hatch_interop::FfiFailure;

/// How often the hook installed before the library's ran (it stands for Rust's default hook,
/// which prints the report and captures the backtrace).
static PREVIOUS_HOOK_CALLS: AtomicUsize = AtomicUsize::new(0);

fn previous_hook_calls() -> usize {
    PREVIOUS_HOOK_CALLS.load(Ordering::SeqCst)
}

/// The calling thread's failure: its kind and message.
fn take() -> (u32, String) {
    let mut out = MaybeUninit::<FfiFailure>::uninit();
    // SAFETY: `out` is valid for writes.
    assert!(
        unsafe { take_failure(out.as_mut_ptr()) },
        "no failure recorded"
    );
    // SAFETY: written by `take_failure`.
    let failure = unsafe { out.assume_init() };
    // SAFETY: the message is `message_len` bytes of UTF-8 that now belong to us.
    let message = unsafe { std::slice::from_raw_parts(failure.message, failure.message_len) };
    let message = String::from_utf8(message.to_vec()).unwrap();
    // SAFETY: as `take_failure` documents.
    unsafe { ffi_free(failure.message.cast(), failure.message_len, 1) };
    (failure.kind, message)
}

fn panicking_call(message: String) {
    call(move || -> Result<(), Failure> { panic!("{message}") })
}

#[test]
fn caught_panics_are_quiet_and_the_others_reach_the_previous_hook() {
    // The environment asks for backtraces: the default hook would capture one per panic.
    std::env::set_var("RUST_BACKTRACE", "1");
    std::env::remove_var("HATCH_INTEROP_PANIC_REPORT");
    std::panic::set_hook(Box::new(|info| {
        PREVIOUS_HOOK_CALLS.fetch_add(1, Ordering::SeqCst);
        eprintln!("previous hook: {info}");
    }));

    // 100 caught panics: each message reaches the failure, none reaches the previous hook.
    for i in 0..100 {
        panicking_call(format!("boom {i}"));
        assert_eq!(take(), (1, format!("boom {i}")));
    }
    assert_eq!(
        previous_hook_calls(),
        0,
        "a caught panic went to the previous hook"
    );

    // Nested boundaries (a library call made from a callback of another) are quiet too, and
    // the outer one goes on quietly after the inner one caught its panic.
    call(|| -> Result<(), Failure> {
        panicking_call("inner".into());
        assert_eq!(take(), (1, "inner".into()));
        panic!("outer")
    });
    assert_eq!(take(), (1, "outer".into()));
    assert_eq!(previous_hook_calls(), 0);

    // A panic that the code inside a boundary catches itself is quiet as well, and the next
    // call's panic is quiet again.
    call(|| -> Result<(), Failure> {
        assert!(std::panic::catch_unwind(|| panic!("caught inside")).is_err());
        Ok(())
    });
    panicking_call("next call".into());
    assert_eq!(take(), (1, "next call".into()));
    assert_eq!(previous_hook_calls(), 0);

    // Outside any boundary: the previous hook, on this thread and on others.
    assert!(std::panic::catch_unwind(|| panic!("outside")).is_err());
    assert_eq!(previous_hook_calls(), 1);
    let thread = std::thread::spawn(|| panic!("on a thread of the crate's own"));
    assert!(thread.join().is_err());
    assert_eq!(previous_hook_calls(), 2);

    // A thread the library's code started inside a call is outside the boundary.
    call(|| -> Result<(), Failure> {
        let thread = std::thread::spawn(|| panic!("spawned inside a call"));
        assert!(thread.join().is_err());
        Ok(())
    });
    assert_eq!(previous_hook_calls(), 3);

    // A panic in a destructor during the unwinding of a quiet one is reported (it would abort
    // outside a test; here the destructor's own panic is caught inside it).
    struct PanicsOnDrop;
    impl Drop for PanicsOnDrop {
        fn drop(&mut self) {
            let _ = std::panic::catch_unwind(|| panic!("in a destructor during unwinding"));
        }
    }
    call(|| -> Result<(), Failure> {
        let _guard = PanicsOnDrop;
        panic!("first")
    });
    assert_eq!(take(), (1, "first".into()));
    assert_eq!(previous_hook_calls(), 4);
}

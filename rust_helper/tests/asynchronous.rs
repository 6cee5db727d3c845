//! `async fn`s through their C ABI: the shim returns at once and the completion gets the
//! value, the error or the panic, from a runtime thread.
#![cfg(feature = "tokio")]

use std::ffi::c_void;
use std::fmt;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::time::Duration;

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

#[ffi_inventory]
pub fn inventory() -> Inventory {
    Inventory::new().function::<halve_later>()
}

/// What a completion saw: the value, or the failure's kind, code and message.
type Outcome = Result<u64, (u32, i64, String)>;

unsafe extern "C-unwind" fn complete(
    context: *const c_void,
    value: *const c_void,
    failure: *const FfiFailure,
) {
    // SAFETY: `context` is the `Box<Sender>` made in `run`, given up to this call.
    let sender = unsafe { Box::from_raw(context.cast_mut().cast::<Sender<Outcome>>()) };
    let outcome = if failure.is_null() {
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
    };
    sender.send(outcome).unwrap();
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

#[test]
fn the_inventory_marks_async_functions() {
    let json = inventory().to_json().unwrap();
    assert!(
        json.contains(r#""error":{"kind":"named","name":"Oops"},"async":true}"#),
        "{json}"
    );
}

//! `#[repr(transparent)]` newtypes of a number: by value each is its number everywhere (C sees
//! the number), under its own name in the inventory.

mod common;

use std::ffi::c_void;

use common::{failure, taken};
use hatch_interop::__private::FfiWire;
use hatch_interop::prelude::*;

/// A user's id.
#[ffi_type]
#[repr(transparent)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UserId(pub u64);

/// A weight in kilograms (a named field).
#[ffi_type(name = "Kilograms")]
#[repr(transparent)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Kg {
    pub value: f32,
}

#[ffi_type]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Parcel {
    pub owner: UserId,
    pub weight: Kg,
    pub previous: FfiOption<UserId>,
}

#[ffi_type]
#[derive(Clone, Debug, PartialEq)]
pub struct Account {
    pub name: String,
    pub id: UserId,
    pub friends: Vec<UserId>,
}

/// Names a user's successor.
#[ffi_callback]
pub type NextId = fn(id: UserId) -> UserId;

#[ffi_function]
pub fn next_id(id: UserId) -> UserId {
    UserId(id.0 + 1)
}

#[ffi_function]
pub fn total(ids: &[UserId]) -> u64 {
    ids.iter().map(|id| id.0).sum()
}

#[ffi_function]
pub fn first_ids(n: u64) -> Vec<UserId> {
    (0..n).map(UserId).collect()
}

#[ffi_function]
pub fn heavier(weight: Option<Kg>) -> Option<Kg> {
    weight.map(|kg| Kg {
        value: kg.value * 2.0,
    })
}

#[ffi_function]
pub fn parcel_owner(parcel: Parcel) -> UserId {
    parcel.owner
}

#[ffi_function]
pub fn account_of(id: UserId) -> Account {
    Account {
        name: format!("user{}", id.0),
        id,
        friends: vec![UserId(id.0 * 2)],
    }
}

#[ffi_function]
pub fn follow(id: UserId, next: &NextId) -> UserId {
    next.call(id)
}

#[cfg(feature = "tokio")]
#[ffi_function]
pub async fn later(id: UserId) -> UserId {
    id
}

#[ffi_inventory]
pub fn inventory() -> Inventory {
    let inventory = Inventory::new()
        .function::<next_id>()
        .function::<total>()
        .function::<first_ids>()
        .function::<heavier>()
        .function::<parcel_owner>()
        .function::<account_of>()
        .function::<follow>();
    #[cfg(feature = "tokio")]
    let inventory = inventory.function::<later>();
    inventory
}

#[test]
fn the_inventory_describes_a_newtype_and_names_it_where_it_is_used() {
    let json = inventory().to_json().expect("a valid inventory");
    for expected in [
        r#"{"kind":"newtype","name":"UserId","doc":"A user's id.","inner":{"kind":"primitive","name":"u64"}}"#,
        r#"{"kind":"newtype","name":"Kilograms","doc":"A weight in kilograms (a named field).","inner":{"kind":"primitive","name":"f32"}}"#,
        r#""params":[{"name":"id","type":{"kind":"named","name":"UserId"}}],"returns":{"kind":"named","name":"UserId"}"#,
        r#"{"kind":"slice","element":{"kind":"named","name":"UserId"},"mutable":false}"#,
        r#""returns":{"kind":"vec","element":{"kind":"named","name":"UserId"}}"#,
        r#""returns":{"kind":"option","inner":{"kind":"named","name":"Kilograms"}}"#,
        r#"{"name":"previous","doc":"","type":{"kind":"option","inner":{"kind":"named","name":"UserId"}},"offset":16}"#,
        r#"{"name":"friends","doc":"","type":{"kind":"vec","element":{"kind":"named","name":"UserId"}}}"#,
    ] {
        assert!(json.contains(expected), "{expected} not in {json}");
    }
}

#[test]
fn a_newtype_crosses_as_its_number() {
    // The shims take and return the number's C type: a `u64` is a `UserId`.
    // SAFETY: any value may be passed.
    let next = unsafe { __hatch_interop_shim_next_id(UserId(41)).assume_init() };
    assert_eq!((next, failure()), (UserId(42), None));
    let ids = [1u64, 2, 39];
    // SAFETY: a valid pointer and length; every u64 is a UserId.
    let sum = unsafe { __hatch_interop_shim_total(ids.as_ptr().cast(), 3).assume_init() };
    assert_eq!(sum, 42);
    // SAFETY: the call succeeded.
    let made = taken(unsafe { __hatch_interop_shim_first_ids(3) });
    assert_eq!(made, [UserId(0), UserId(1), UserId(2)]);
    let parcel = Parcel {
        owner: UserId(7),
        weight: Kg { value: 1.5 },
        previous: FfiOption::none(),
    };
    // SAFETY: any value may be passed.
    let owner = unsafe { __hatch_interop_shim_parcel_owner(parcel).assume_init() };
    assert_eq!(owner, UserId(7));
    // SAFETY: as above.
    let heavier =
        unsafe { __hatch_interop_shim_heavier(FfiOption::some(Kg { value: 2.0 })).assume_init() };
    assert_eq!(heavier.into_option(), Some(Kg { value: 4.0 }));
    assert_eq!(std::mem::size_of::<UserId>(), 8);
    assert_eq!(failure(), None);
}

#[test]
fn a_newtype_is_encoded_as_its_number() {
    let account = account_of(UserId(3));
    let mut out = Vec::new();
    account.__write(&mut out);
    assert_eq!(account.__size(), out.len());
    let mut expected = Vec::new();
    "user3".to_owned().__write(&mut expected);
    3u64.__write(&mut expected);
    vec![6u64].__write(&mut expected);
    assert_eq!(out, expected);
    let mut input = &out[..];
    assert_eq!(
        Account::__read(&mut input).expect("a valid encoding"),
        account
    );
    assert!(input.is_empty());
}

unsafe extern "C-unwind" fn plus_ten(_context: *const c_void, id: UserId) -> UserId {
    UserId(id.0 + 10)
}

#[test]
fn a_callback_takes_and_returns_a_newtype_by_value() {
    let next = NextId {
        call: plus_ten,
        context: std::ptr::null(),
        release: None,
    };
    assert_eq!(follow(UserId(1), &next), UserId(11));
}

#[test]
fn an_integer_newtype_is_a_map_key_encoded_as_its_number() {
    let scores = std::collections::BTreeMap::from([(UserId(7), 1u32), (UserId(2), 3)]);
    let mut out = Vec::new();
    scores.__write(&mut out);
    assert_eq!(scores.__size(), out.len());
    let mut plain = Vec::new();
    std::collections::BTreeMap::from([(7u64, 1u32), (2, 3)]).__write(&mut plain);
    assert_eq!(out, plain);
    let mut input = &out[..];
    let decoded = std::collections::BTreeMap::<UserId, u32>::__read(&mut input).unwrap();
    assert_eq!(decoded, scores);
}

//! Records: `#[ffi_type]` structs with owned fields cross by value in the wire encoding, their
//! fields in order; a parameter as `FfiBytes` lent for the call (decoded with the other
//! arguments' checks), a result as a buffer the caller frees.

mod common;

use common::{failure, taken};
use hatch_interop::prelude::*;
use hatch_interop::FfiBytes;
use std::collections::HashMap;

/// A point (a plain C struct).
#[ffi_type]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spot {
    pub x: i16,
    /// Padding follows `x` in C; the encoding has none.
    pub y: f64,
}

/// A person (a record: it has owned fields).
#[ffi_type]
#[derive(Clone, Debug, PartialEq)]
pub struct Person {
    /// Their name.
    pub name: String,
    pub tags: Vec<String>,
    pub score: Option<f64>,
    pub home: Spot,
    pub meta: HashMap<String, u32>,
}

/// A team (a record of records, by the attribute's word as much as by its fields).
#[ffi_type(record)]
#[derive(Clone, Debug, PartialEq)]
pub struct Team {
    pub lead: Person,
    pub members: Vec<Person>,
}

/// A tuple record.
#[ffi_type]
#[derive(Clone, Debug, PartialEq)]
pub struct Label(pub String, pub u8);

/// A node of a tree: a record may hold itself in a `Vec` or an `Option`.
#[ffi_type]
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub value: u32,
    pub children: Vec<Node>,
}

#[ffi_function]
pub fn greeting(person: Person, times: u8) -> String {
    format!("{} x{times} ({})", person.name, person.tags.join(","))
}

#[ffi_function]
pub fn person_named(name: &str) -> Person {
    Person {
        name: name.to_owned(),
        tags: vec!["new".to_owned()],
        score: None,
        home: Spot { x: -1, y: 0.5 },
        meta: HashMap::new(),
    }
}

#[ffi_function]
pub fn lead_of(team: Option<Team>) -> Option<Person> {
    team.map(|team| team.lead)
}

#[ffi_function]
pub fn labels(count: u8) -> Vec<Label> {
    (0..count).map(|i| Label(format!("#{i}"), i)).collect()
}

#[ffi_function]
pub fn tree_sum(node: Node) -> u64 {
    u64::from(node.value) + node.children.into_iter().map(tree_sum).sum::<u64>()
}

#[ffi_inventory]
pub fn inventory() -> Inventory {
    Inventory::new()
        .function::<greeting>()
        .function::<person_named>()
        .function::<lead_of>()
        .function::<labels>()
        .function::<tree_sum>()
        .function::<value_kinds>()
        .function::<value_parsed>()
        .function::<measured>()
        .function::<measured_ref>()
}

fn encoded<T: hatch_interop::__private::FfiWire>(value: &T) -> Vec<u8> {
    let mut out = Vec::new();
    value.__write(&mut out);
    // A result's buffer is allocated at this size: it must be the encoding's.
    assert_eq!(value.__size(), out.len(), "__size of {} bytes", out.len());
    out
}

fn decoded<T: hatch_interop::__private::FfiWire>(bytes: &[u8]) -> T {
    let mut input = bytes;
    let value = T::__read(&mut input).expect("a valid encoding");
    assert!(input.is_empty());
    value
}

fn bytes(data: &[u8]) -> FfiBytes {
    FfiBytes {
        ptr: data.as_ptr(),
        len: data.len(),
    }
}

fn ada() -> Person {
    Person {
        name: "Ada".to_owned(),
        tags: vec!["math".to_owned(), "code".to_owned()],
        score: Some(9.5),
        home: Spot { x: 3, y: -2.0 },
        meta: HashMap::from([("year".to_owned(), 1843)]),
    }
}

#[test]
fn the_fields_cross_in_order_without_padding() {
    let spot = encoded(&Spot { x: 1, y: 2.0 });
    assert_eq!(
        spot,
        [&1i16.to_le_bytes()[..], &2f64.to_le_bytes()].concat()
    );
    let label = encoded(&Label("é".to_owned(), 7));
    assert_eq!(
        label,
        [&2u64.to_le_bytes()[..], "é".as_bytes(), &[7]].concat()
    );
}

#[test]
fn records_are_parameters_and_results() {
    let person = encoded(&ada());
    // SAFETY: valid bytes for the call.
    let text = taken(unsafe { __hatch_interop_shim_greeting(bytes(&person), 2) });
    assert_eq!(text, b"Ada x2 (math,code)");
    // SAFETY: a valid pointer and length.
    let made = taken(unsafe { __hatch_interop_shim_person_named(b"Bo".as_ptr(), 2) });
    assert_eq!(decoded::<Person>(&made), person_named("Bo"));
    // SAFETY: a valid count.
    let labels = taken(unsafe { __hatch_interop_shim_labels(2) });
    assert_eq!(
        decoded::<Vec<Label>>(&labels),
        [Label("#0".to_owned(), 0), Label("#1".to_owned(), 1)]
    );
    assert_eq!(failure(), None);
}

#[test]
fn options_and_nested_records() {
    let team = Team {
        lead: ada(),
        members: vec![person_named("Bo"), person_named("Cy")],
    };
    let some = encoded(&Some(team));
    // SAFETY: valid bytes for the call.
    let lead = taken(unsafe { __hatch_interop_shim_lead_of(bytes(&some)) });
    assert_eq!(decoded::<Option<Person>>(&lead), Some(ada()));
    // SAFETY: as above.
    let none = taken(unsafe { __hatch_interop_shim_lead_of(bytes(&[0])) });
    assert_eq!(none, [0]);
    let tree = Node {
        value: 1,
        children: vec![
            Node {
                value: 2,
                children: vec![],
            },
            Node {
                value: 3,
                children: vec![Node {
                    value: 4,
                    children: vec![],
                }],
            },
        ],
    };
    let tree = encoded(&tree);
    // SAFETY: as above.
    let sum = unsafe { __hatch_interop_shim_tree_sum(bytes(&tree)).assume_init() };
    assert_eq!(sum, 10);
}

#[test]
fn records_nest_at_most_128_deep() {
    // A chain of nodes, each the only child of the one before, encoded directly (a Rust value
    // a million deep would overflow the test's own stack when encoded or dropped).
    let tree = |depth: usize| {
        let node = |children: u64| [&1u32.to_le_bytes()[..], &children.to_le_bytes()].concat();
        let mut out = node(1).repeat(depth - 1);
        out.extend(node(0));
        out
    };
    assert_eq!(
        decoded::<Node>(&tree(2)),
        Node {
            value: 1,
            children: vec![Node {
                value: 1,
                children: vec![]
            }]
        }
    );
    let deep = tree(128);
    // SAFETY: valid bytes for the call.
    let sum = unsafe { __hatch_interop_shim_tree_sum(bytes(&deep)).assume_init() };
    assert_eq!((sum, failure()), (128, None));
    // A million levels would overflow the stack: refused at the 129th, whatever the thread.
    for depth in [129, 1_000_000] {
        let deeper = tree(depth);
        // SAFETY: as above; the nesting is checked.
        unsafe { __hatch_interop_shim_tree_sum(bytes(&deeper)) };
        let (kind, message) = failure().expect("a failure");
        assert_eq!(kind, 3);
        assert!(
            message.contains("a Node is nested deeper than 128 records"),
            "{message}"
        );
    }
}

#[test]
fn bad_encodings_are_invalid_arguments() {
    let person = encoded(&ada());
    let cases: [(&[u8], &str); 3] = [
        (&person[..person.len() - 1], "ends inside a u32"),
        (&[], "ends inside a string"),
        (&[person.clone(), vec![0]].concat(), "1 bytes are left"),
    ];
    for (data, needle) in cases {
        // SAFETY: valid bytes; they are checked.
        unsafe { __hatch_interop_shim_greeting(bytes(data), 1) };
        let (kind, message) = failure().expect("a failure");
        assert_eq!(kind, 3, "{message}");
        assert!(message.contains("argument `person`"), "{message}");
        assert!(message.contains(needle), "{message}");
    }
    // NULL with a length: refused, not read.
    // SAFETY: the pointer is checked.
    unsafe {
        __hatch_interop_shim_greeting(
            FfiBytes {
                ptr: std::ptr::null(),
                len: 4,
            },
            1,
        )
    };
    assert!(failure().unwrap().1.contains("is NULL"));
}

#[test]
fn the_inventory_describes_records() {
    let json = inventory().to_json().expect("a valid inventory");
    for needle in [
        r#"{"kind":"record","name":"Person","doc":"A person (a record: it has owned fields).","fields":[{"name":"name","doc":"Their name.","type":{"kind":"string"}}"#,
        r#"{"name":"home","doc":"","type":{"kind":"named","name":"Spot"}}"#,
        r#"{"kind":"record","name":"Label","doc":"A tuple record.","fields":[{"name":"_0","doc":"","type":{"kind":"string"}},{"name":"_1","doc":"","type":{"kind":"primitive","name":"u8"}}],"tuple":true}"#,
        r#"{"name":"children","doc":"","type":{"kind":"vec","element":{"kind":"record","name":"Node"}}}"#,
        r#""params":[{"name":"team","type":{"kind":"option","inner":{"kind":"record","name":"Team"}}}]"#,
        r#""returns":{"kind":"vec","element":{"kind":"record","name":"Label"}}"#,
    ] {
        assert!(json.contains(needle), "{needle} not in {json}");
    }
}

/// A value of any kind (an enum whose variants carry owned values: copied like a record).
#[ffi_type]
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A number.
    Int(i64),
    Text(String),
    Pair(i32, i32),
    Named {
        key: String,
        value: Option<f64>,
    },
    Nothing,
}

#[ffi_function]
pub fn value_kinds(values: Vec<Value>) -> String {
    values
        .iter()
        .map(|v| match v {
            Value::Int(n) => format!("int {n}"),
            Value::Text(t) => format!("text {t}"),
            Value::Pair(a, b) => format!("pair {a} {b}"),
            Value::Named { key, value } => format!("named {key} {value:?}"),
            Value::Nothing => "nothing".to_owned(),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[ffi_function]
pub fn value_parsed(text: &str) -> Value {
    match text.parse::<i64>() {
        Ok(n) => Value::Int(n),
        Err(_) if text.is_empty() => Value::Nothing,
        Err(_) => Value::Text(text.to_owned()),
    }
}

#[test]
fn enums_with_owned_fields_cross_as_their_index_and_fields() {
    let values = vec![
        Value::Int(-3),
        Value::Text("é".to_owned()),
        Value::Pair(1, 2),
        Value::Named {
            key: "k".to_owned(),
            value: Some(0.5),
        },
        Value::Nothing,
    ];
    let encoded = encoded(&values);
    assert_eq!(
        &encoded[8..20],
        [&0u32.to_le_bytes()[..], &(-3i64).to_le_bytes()].concat()
    );
    // SAFETY: a valid pointer and length.
    let kinds = taken(unsafe { __hatch_interop_shim_value_kinds(encoded.as_ptr(), encoded.len()) });
    assert_eq!(
        String::from_utf8(kinds).unwrap(),
        "int -3; text é; pair 1 2; named k Some(0.5); nothing"
    );
    // SAFETY: as above.
    let parsed = taken(unsafe { __hatch_interop_shim_value_parsed(b"42".as_ptr(), 2) });
    assert_eq!(decoded::<Value>(&parsed), Value::Int(42));
    let bad = [&1u64.to_le_bytes()[..], &9u32.to_le_bytes()].concat();
    // SAFETY: as above; the index is checked.
    unsafe { __hatch_interop_shim_value_kinds(bad.as_ptr(), bad.len()) };
    assert!(failure()
        .unwrap()
        .1
        .contains("9 is not the index of a variant of Value"));
}

#[test]
fn the_inventory_describes_enums_with_owned_fields() {
    let json = inventory().to_json().expect("a valid inventory");
    let needle = r#"{"kind":"record_enum","name":"Value","doc":"A value of any kind (an enum whose variants carry owned values: copied like a record).","variants":[{"name":"Int","doc":"A number.","fields":[{"name":"_0","doc":"","type":{"kind":"primitive","name":"i64"}}],"tuple":true},{"name":"Text""#;
    assert!(json.contains(needle), "{json}");
    assert!(
        json.contains(r#"{"name":"Nothing","doc":"","fields":[]}"#),
        "{json}"
    );
}

/// Measures a person (a callback that takes a record: the library encodes it for the call).
#[ffi_callback]
pub type OnPerson = fn(person: Person, index: u32) -> u32;

#[ffi_function]
pub fn measured(person: Person, on_person: &OnPerson) -> u32 {
    on_person.call(person, 0)
}

/// Measures a person by reference (encoded for the call all the same).
#[ffi_callback]
pub type OnPersonRef = fn(person: &Person) -> u32;

#[ffi_function]
pub fn measured_ref(person: Person, on_person: &OnPersonRef) -> u32 {
    on_person.call(&person)
}

unsafe extern "C-unwind" fn tag_count(
    _context: *const std::ffi::c_void,
    person: *const FfiBytes,
) -> u32 {
    // SAFETY: the library passes a valid `FfiBytes` for the call, and its bytes.
    let bytes = unsafe { std::slice::from_raw_parts((*person).ptr, (*person).len) };
    u32::try_from(decoded::<Person>(bytes).tags.len()).unwrap()
}

/// Decodes the record as a foreign implementation does: from the `FfiBytes` it points to.
unsafe extern "C-unwind" fn name_length(
    _context: *const std::ffi::c_void,
    person: *const FfiBytes,
    index: u32,
) -> u32 {
    // SAFETY: the library passes a valid `FfiBytes` for the call, and its bytes.
    let bytes = unsafe { std::slice::from_raw_parts((*person).ptr, (*person).len) };
    let person: Person = decoded(bytes);
    u32::try_from(person.name.len()).unwrap() * 10 + index + u32::from(person.home.x == 3)
}

#[test]
fn a_callback_gets_a_record_encoded_for_the_call() {
    let on_person = OnPerson {
        call: name_length,
        context: std::ptr::null(),
        release: None,
    };
    let person = ada();
    let expected =
        u32::try_from(person.name.len()).unwrap() * 10 + 2 + u32::from(person.home.x == 3);
    assert_eq!(on_person.call(person, 2), expected);
    let on_ref = OnPersonRef {
        call: tag_count,
        context: std::ptr::null(),
        release: None,
    };
    assert_eq!(on_ref.call(&ada()), 2);
    let json = inventory().to_json().expect("a valid inventory");
    assert!(
        json.contains(r#""params":[{"name":"person","type":{"kind":"record","name":"Person"}},{"name":"index""#),
        "{json}"
    );
}

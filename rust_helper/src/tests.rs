//! Unit tests of the inventory: docs, hashing, ordering and validation. JSON escaping and
//! float formatting are tested in `json.rs`; the macros end to end in `tests/`.

use crate::__private::{
    Doc, FieldDef, FunctionDef, Library, ParamDef, TaggedVariantDef, TypeDef, TypeRef, TypeRegistry,
};
use crate::inventory::fnv1a_64;
use crate::prelude::*;
use crate::{FunctionInfo, TypeInfo};

const LIBRARY: Library = Library {
    crate_name: "demo",
    version: "1.2.3",
    api_guard: "demo_api_guard",
    ffi_pending: "demo_ffi_pending",
    ffi_take_failure: "demo_ffi_take_failure",
    ffi_free: "demo_ffi_free",
    ffi_free_texts: "demo_ffi_free_texts",
    ffi_callback_failed: "demo_ffi_callback_failed",
    ffi_shutdown: "demo_ffi_shutdown",
    ffi_cancel: "demo_ffi_cancel",
    ffi_bells: [
        "demo_ffi_bell_open",
        "demo_ffi_bell_use",
        "demo_ffi_bell_drain",
        "demo_ffi_bell_close",
    ],
};

fn json(inventory: Inventory) -> String {
    inventory.__with_library(LIBRARY).to_json().unwrap()
}

fn problems(inventory: Inventory) -> Vec<String> {
    inventory
        .__with_library(LIBRARY)
        .to_json()
        .unwrap_err()
        .problems()
        .to_vec()
}

/// The `name`s of the `types` array, in order, read from the JSON.
fn type_names(json: &str) -> Vec<String> {
    let types = &json[json.find(r#""types":["#).unwrap()..json.find(r#""functions":"#).unwrap()];
    types
        .split(r#"{"kind":""#)
        .skip(1)
        .filter(|entry| !entry.starts_with("named") && !entry.starts_with("primitive"))
        .filter(|entry| !entry.starts_with("pointer"))
        .map(|entry| {
            let name = &entry[entry.find(r#""name":""#).unwrap() + 8..];
            name[..name.find('"').unwrap()].to_owned()
        })
        .collect()
}

#[test]
fn doc_text_strips_one_space_and_blank_ends() {
    assert_eq!(Doc(&[]).text(), "");
    assert_eq!(Doc(&[" Adds two numbers."]).text(), "Adds two numbers.");
    assert_eq!(
        Doc(&["", " First.", "", "   indented", " last ", ""]).text(),
        "First.\n\n  indented\nlast "
    );
    // A block comment is one attribute with several lines; CRLF endings are dropped.
    assert_eq!(Doc(&["\n one\r\n two\n   "]).text(), "one\ntwo");
    assert_eq!(Doc(&["no space"]).text(), "no space");
    assert_eq!(Doc(&["  \t ", " "]).text(), "");
}

#[test]
fn fnv1a_64_matches_reference_vectors() {
    assert_eq!(fnv1a_64(b""), 0xcbf2_9ce4_8422_2325);
    assert_eq!(fnv1a_64(b"a"), 0xaf63_dc4c_8601_ec8c);
    assert_eq!(fnv1a_64(b"foobar"), 0x8594_4171_f739_67e8);
}

/// A tiny value type for the hash test.
#[ffi_type]
#[derive(Clone, Copy)]
struct Pair {
    /// The "first" one.
    a: u8,
    b: u32,
}

/// Swaps the pair's members.
#[ffi_function]
fn pair_swap(p: Pair) -> Pair {
    Pair {
        a: p.b as u8,
        b: u32::from(p.a),
    }
}

/// A limit.
#[ffi_constant]
const LIMIT: i16 = -7;

#[test]
fn json_and_hash_are_stable() {
    let inventory = || {
        Inventory::new()
            .function::<pair_swap>()
            .constant::<LIMIT>()
            .__with_library(LIBRARY)
    };
    let json = inventory().to_json().unwrap();
    let expected_body = concat!(
        r#""constants":[{"name":"LIMIT","doc":"A limit.","type":{"kind":"primitive","name":"i16"},"value":-7}],"#,
        r#""types":[{"kind":"struct","name":"Pair","doc":"A tiny value type for the hash test.","size":8,"align":4,"fields":["#,
        r#"{"name":"a","doc":"The \"first\" one.","type":{"kind":"primitive","name":"u8"},"offset":0},"#,
        r#"{"name":"b","doc":"","type":{"kind":"primitive","name":"u32"},"offset":4}]}],"#,
        r#""functions":[{"name":"pair_swap","symbol":"pair_swap","doc":"Swaps the pair's members.","#,
        r#""params":[{"name":"p","type":{"kind":"named","name":"Pair"}}],"returns":{"kind":"named","name":"Pair"},"error":null}],"#,
        r#""services":[]}"#,
    );
    let head = |hash: &str| {
        format!(
            concat!(
                r#"{{"format":"hatch-interop-inventory","format_version":1,"#,
                r#""generator":{{"name":"hatch-interop","version":"{}"}},"#,
                r#""library":{{"crate":"demo","version":"1.2.3","doc":"","api_guard":"demo_api_guard","#,
                r#""ffi_pending":"demo_ffi_pending","ffi_take_failure":"demo_ffi_take_failure","#,
                r#""ffi_free":"demo_ffi_free","ffi_free_texts":"demo_ffi_free_texts","#,
                r#""ffi_callback_failed":"demo_ffi_callback_failed","#,
                r#""ffi_shutdown":"demo_ffi_shutdown","ffi_cancel":"demo_ffi_cancel","#,
                r#""ffi_bell":{{"open":"demo_ffi_bell_open","use":"demo_ffi_bell_use","#,
                r#""drain":"demo_ffi_bell_drain","close":"demo_ffi_bell_close"}},"#,
                r#""vouched_utf8":true,"api_hash":"{}"}},"#,
            ),
            env!("CARGO_PKG_VERSION"),
            hash
        )
    };
    let unhashed = head("") + expected_body;
    let hash = fnv1a_64(unhashed.as_bytes());
    assert_eq!(json, head(&format!("{hash:016x}")) + expected_body);
    assert_eq!(inventory().api_hash().unwrap(), hash);
    // Pins the serialisation (and the generator version, which is part of it): if this
    // changes, every crate's api_hash changes.
    assert_eq!(format!("{hash:016x}"), "0255ad8d4cb20f94");
    // The same inventory hashes the same every time.
    assert_eq!(inventory().to_json().unwrap(), json);
}

mod order {
    use super::*;

    /// Only ever behind a pointer.
    #[ffi_type(opaque)]
    pub struct Handle(#[allow(dead_code)] String);

    #[ffi_type]
    #[derive(Clone, Copy)]
    pub enum Mode {
        On,
    }

    #[ffi_type]
    #[derive(Clone, Copy)]
    pub struct Inner {
        pub mode: Mode,
    }

    #[ffi_type]
    pub struct Outer {
        pub handle: *mut Handle,
        pub inner: Inner,
        pub again: Inner,
        pub mode: Mode,
    }

    /// A linked list: a pointer back to the struct being registered must not recurse.
    #[ffi_type]
    pub struct Node {
        pub next: *mut Self,
        pub outer: *const Outer,
    }

    #[ffi_function]
    pub fn use_node(node: &Node, mode: Mode) -> bool {
        let _ = (node, mode);
        true
    }
}

#[test]
fn types_are_in_dependency_order_and_deduplicated() {
    let json = json(Inventory::new().ty::<order::Outer>().ty::<order::Inner>());
    assert_eq!(type_names(&json), ["Handle", "Mode", "Inner", "Outer"]);

    let json = json_of_node();
    assert_eq!(
        type_names(&json),
        ["Handle", "Mode", "Inner", "Outer", "Node"]
    );
    assert!(json.contains(
        r#"{"name":"next","doc":"","type":{"kind":"pointer","target":{"kind":"named","name":"Node"},"mutable":true,"nullable":true,"owned":false},"offset":0}"#
    ));
}

fn json_of_node() -> String {
    json(
        Inventory::new()
            .function::<order::use_node>()
            .ty::<order::Mode>()
            .ty::<order::Node>(),
    )
}

#[test]
fn registration_order_is_kept() {
    let json = json(
        Inventory::new()
            .ty::<order::Mode>()
            .function::<order::use_node>()
            .ty::<Pair>(),
    );
    assert_eq!(
        type_names(&json),
        ["Mode", "Handle", "Inner", "Outer", "Node", "Pair"]
    );
}

mod first {
    use super::*;

    #[ffi_type]
    #[derive(Clone, Copy)]
    pub struct Dup {
        pub a: u8,
    }

    #[ffi_constant]
    pub const SAME: u8 = 1;
}

mod second {
    use super::*;

    #[ffi_type]
    #[derive(Clone, Copy)]
    pub enum Dup {
        A,
    }

    #[ffi_constant]
    pub const SAME: u8 = 2;
}

#[test]
fn two_types_with_one_name_are_an_error() {
    let problems = problems(Inventory::new().ty::<first::Dup>().ty::<second::Dup>());
    assert_eq!(
        problems,
        [concat!(
            "enum `Dup` (`hatch_interop::tests::second::Dup`) has the same name as ",
            "struct `Dup` (`hatch_interop::tests::first::Dup`)"
        )]
    );
}

#[test]
fn names_are_unique_across_kinds() {
    let problems = problems(
        Inventory::new()
            .constant::<first::SAME>()
            .constant::<second::SAME>()
            .constant::<first::SAME>(),
    );
    assert_eq!(
        problems,
        [
            "constant `SAME` (`hatch_interop::tests::second::SAME`) has the same name as \
             constant `SAME` (`hatch_interop::tests::first::SAME`)",
            "constant `SAME` (`hatch_interop::tests::first::SAME`) is registered more than once",
        ]
    );
}

/// Hand-written markers: two `#[ffi_function]`s of one name cannot be compiled into one
/// crate (their symbols would clash), but the inventory must still reject them.
struct Twin<const N: usize>;

unsafe impl<const N: usize> FunctionInfo for Twin<N> {
    fn __function(_: &mut TypeRegistry) -> FunctionDef {
        FunctionDef {
            name: "twin",
            symbol: "twin",
            doc: Doc(&[]),
            params: vec![
                ParamDef {
                    name: "x",
                    ty: TypeRef::Primitive("u8"),
                    default: None,
                },
                ParamDef {
                    name: if N == 2 { "x" } else { "y" },
                    ty: TypeRef::Primitive("u8"),
                    default: None,
                },
            ],
            returns: TypeRef::Void,
            error: None,
            asynchronous: false,
            hold_gil: false,
        }
    }
}

#[test]
fn duplicate_functions_are_an_error() {
    assert_eq!(
        problems(Inventory::new().function::<Twin<0>>().function::<Twin<1>>()),
        [
            "function `twin` (`hatch_interop::tests::Twin<1>`) has the same name as function \
             `twin` (`hatch_interop::tests::Twin<0>`)",
            "function `twin` (`hatch_interop::tests::Twin<1>`) exports the symbol `twin` twice",
        ]
    );
    assert_eq!(
        problems(Inventory::new().function::<Twin<0>>().function::<Twin<0>>()),
        ["function `twin` (`hatch_interop::tests::Twin<0>`) is registered more than once"]
    );
    assert_eq!(
        problems(Inventory::new().function::<Twin<2>>()),
        ["parameter `x` of function `twin` appears twice"]
    );
}

/// A hand-written definition the macros would never produce.
struct Broken;

unsafe impl TypeInfo for Broken {
    const __NAME: &'static str = "Broken";

    fn __register(types: &mut TypeRegistry) -> &'static str {
        types.register::<Self>("Broken", |_| TypeDef::Struct {
            name: "Broken",
            doc: Doc(&[]),
            size: 0,
            align: 1,
            fields: Vec::new(),
            tuple: false,
        })
    }
}

struct BadName;

unsafe impl TypeInfo for BadName {
    const __NAME: &'static str = "größe";

    fn __register(types: &mut TypeRegistry) -> &'static str {
        types.register::<Self>("größe", |_| TypeDef::Opaque {
            name: "größe",
            doc: Doc(&[]),
            drop: "grosse_ffi_drop",
            drop_frees_only: false,
            drop_holds_gil: false,
        })
    }
}

/// A newtype of a `bool`, which `#[ffi_type]` refuses to write.
struct BoolNewtype;

unsafe impl TypeInfo for BoolNewtype {
    const __NAME: &'static str = "Flag";

    fn __register(types: &mut TypeRegistry) -> &'static str {
        types.register::<Self>("Flag", |_| TypeDef::Newtype {
            name: "Flag",
            doc: Doc(&[]),
            inner: TypeRef::Primitive("bool"),
        })
    }
}

#[test]
fn a_newtype_of_anything_but_a_number_is_refused() {
    let problems = problems(Inventory::new().ty::<BoolNewtype>());
    assert_eq!(
        problems,
        [
            "newtype `Flag` wraps a value of kind `bool`: a newtype wraps a number (an integer up \
          to 64 bits, f32 or f64)"
        ]
    );
}

#[test]
fn structural_problems_are_reported() {
    let problems = problems(Inventory::new().ty::<Broken>().ty::<BadName>());
    assert_eq!(
        problems,
        [
            "struct `Broken` has no fields",
            "opaque type `größe` (`hatch_interop::tests::BadName`): `größe` is not an ASCII \
             identifier ([A-Za-z_][A-Za-z0-9_]*)",
        ]
    );
}

#[test]
fn an_inventory_needs_library_information() {
    let err = Inventory::new().to_json().unwrap_err();
    assert_eq!(
        err.to_string(),
        "the inventory has no library information: build it in a function annotated with \
         #[ffi_inventory]"
    );
}

#[test]
fn enum_values_cover_the_whole_repr_range() {
    #[ffi_type]
    #[repr(u64)]
    #[derive(Clone, Copy)]
    enum Wide {
        Zero = 0,
        Max = u64::MAX,
    }

    #[ffi_type]
    #[repr(i64)]
    #[derive(Clone, Copy)]
    enum Signed {
        Min = i64::MIN,
        Max = i64::MAX,
    }

    #[ffi_type]
    #[repr(C)]
    #[derive(Clone, Copy)]
    enum CLike {
        Neg = -3,
        Next,
    }

    #[ffi_type]
    #[repr(u8)]
    #[derive(Clone, Copy)]
    enum Small {
        Top = 255,
    }

    let json = json(
        Inventory::new()
            .ty::<Wide>()
            .ty::<Signed>()
            .ty::<CLike>()
            .ty::<Small>(),
    );
    for expected in [
        r#""name":"Wide","doc":"","repr":"u64","size":8,"align":8"#,
        r#"{"name":"Max","doc":"","value":18446744073709551615}"#,
        r#""name":"Signed","doc":"","repr":"i64""#,
        r#"{"name":"Min","doc":"","value":-9223372036854775808}"#,
        r#"{"name":"Max","doc":"","value":9223372036854775807}"#,
        r#""name":"CLike","doc":"","repr":"i32","size":4,"align":4"#,
        r#"{"name":"Neg","doc":"","value":-3},{"name":"Next","doc":"","value":-2}"#,
        r#""name":"Small","doc":"","repr":"u8","size":1,"align":1"#,
        r#"{"name":"Top","doc":"","value":255}"#,
    ] {
        assert!(json.contains(expected), "{expected} not in {json}");
    }
}

/// A hand-written data-carrying enum with everything wrong that the macros rule out.
struct BrokenTagged;

unsafe impl TypeInfo for BrokenTagged {
    const __NAME: &'static str = "BrokenTagged";

    fn __register(types: &mut TypeRegistry) -> &'static str {
        let field = |name| FieldDef {
            name,
            doc: Doc(&[]),
            ty: TypeRef::Str,
            offset: 4,
        };
        let variant = |name, value, fields| TaggedVariantDef {
            name,
            doc: Doc(&[]),
            value,
            fields,
            tuple: false,
        };
        types.register::<Self>("Tagged", |_| TypeDef::Tagged {
            name: "Tagged",
            doc: Doc(&[]),
            repr: "u32",
            size: 8,
            align: 4,
            payload_offset: 4,
            variants: vec![
                variant("A", 0, vec![field("x"), field("x")]),
                variant("A", 0, Vec::new()),
            ],
        })
    }
}

#[test]
fn tagged_enum_problems_are_reported() {
    assert_eq!(
        problems(Inventory::new().ty::<BrokenTagged>()),
        [
            "field `x` of variant `A` of enum `Tagged` appears twice",
            "variant `A` of enum `Tagged` appears twice",
            "variant `A` of enum `Tagged` repeats the value 0",
            "field `x` of variant `A` of enum `Tagged` has a type of kind `str`, which a field \
             cannot have",
            "field `x` of variant `A` of enum `Tagged` has a type of kind `str`, which a field \
             cannot have",
        ]
    );
}

/// A service for the tests below.
#[ffi_type(opaque)]
pub struct Tally {
    total: u64,
}

#[ffi_service]
impl Tally {
    /// A tally at zero.
    pub fn new() -> Self {
        Tally { total: 0 }
    }

    /// Adds `n`.
    pub fn add(&mut self, n: u64) {
        self.total += n;
    }

    /// The total.
    #[ffi(gil = "hold")]
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Always 1.
    #[ffi(name = "unit")]
    pub fn one() -> u32 {
        1
    }
}

/// Points to a tally from a field, which a service's objects cannot be: they are handles that
/// parameters borrow or take for a call.
#[ffi_type]
pub struct TallyHolder {
    pub tally: *const Tally,
}

/// Takes a holder.
#[ffi_function]
pub fn tally_peek(holder: TallyHolder) -> bool {
    holder.tally.is_null()
}

#[test]
fn services_are_written_after_functions() {
    let json = json(Inventory::new().service::<Tally>());
    let services = &json[json.find(r#""services":"#).unwrap()..];
    assert_eq!(
        services,
        concat!(
            r#""services":[{"name":"Tally","doc":"A service for the tests below.","#,
            r#""destructor":"tally_destroy","release":"tally_release","constructors":["#,
            r#"{"name":"new","symbol":"tally_new","doc":"A tally at zero.","params":[],"#,
            r#""returns":{"kind":"pointer","target":{"kind":"named","name":"Tally"},"mutable":true,"#,
            r#""nullable":false,"owned":true},"error":null}],"methods":["#,
            r#"{"name":"add","symbol":"tally_add","doc":"Adds `n`.","#,
            r#""params":[{"name":"n","type":{"kind":"primitive","name":"u64"}}],"#,
            r#""returns":{"kind":"void"},"error":null,"receiver":"exclusive"},"#,
            r#"{"name":"total","symbol":"tally_total","doc":"The total.","params":[],"#,
            r#""returns":{"kind":"primitive","name":"u64"},"error":null,"receiver":"shared","gil":"hold"}],"#,
            r#""statics":[{"name":"unit","symbol":"tally_unit","doc":"Always 1.","params":[],"#,
            r#""returns":{"kind":"primitive","name":"u32"},"error":null}]}]}"#,
        )
    );
    // The opaque type is registered by the service.
    assert_eq!(type_names(&json), ["Tally"]);
}

#[test]
fn services_are_validated() {
    let found = problems(
        Inventory::new()
            .service::<Tally>()
            .service::<Tally>()
            .function::<tally_peek>(),
    );
    assert_eq!(
        found,
        [
            "service `Tally` (`hatch_interop::tests::Tally`) is registered more than once",
            "field `tally` of struct `TallyHolder` points to `Tally`, which is a service: its \
             objects are handles that calls borrow, take or return, not fields",
        ]
    );
}

/// Takes the calling thread's failure, if any: its kind.
fn take_kind() -> Option<u32> {
    let mut out = std::mem::MaybeUninit::<crate::abi::FfiFailure>::uninit();
    // SAFETY: `out` is valid for writing a failure.
    if !unsafe { crate::abi::take_failure(out.as_mut_ptr()) } {
        return None;
    }
    // SAFETY: take_failure wrote it.
    let failure = unsafe { out.assume_init() };
    // SAFETY: the message is ours to free, as the C ABI says.
    unsafe { crate::abi::ffi_free(failure.message.cast(), failure.message_len, 1) };
    // SAFETY: so is the payload.
    unsafe { crate::abi::ffi_free(failure.payload.cast(), failure.payload_len, 1) };
    Some(failure.kind)
}

#[test]
fn a_failure_belongs_to_the_call_that_caused_it() {
    use crate::abi::{call, callback_failed, Failure, KIND_CALLBACK, KIND_INVALID_ARGUMENT};

    // A call fails and its caller never takes the failure (interrupted between the call and
    // its check): the thread's next call does not hand it over as its own.
    call(|| Err::<(), _>(Failure::invalid_argument("the first call's")));
    let mut ran = false;
    call(|| {
        ran = true;
        Ok(())
    });
    assert!(ran);
    assert_eq!(take_kind(), None);

    // A failure taken right after its call is still that call's.
    call(|| Err::<(), _>(Failure::invalid_argument("taken")));
    assert_eq!(take_kind(), Some(KIND_INVALID_ARGUMENT));

    // A call made from inside another one (by a callback) keeps what the outer call recorded
    // meanwhile: the callback's failure reaches the outer call's caller.
    let mut inner_ran = false;
    call(|| {
        // SAFETY: no message.
        unsafe { callback_failed(std::ptr::null(), 0) };
        call(|| {
            inner_ran = true;
            Ok(())
        });
        Ok(())
    });
    assert!(inner_ran);
    assert_eq!(take_kind(), Some(KIND_CALLBACK));
    assert_eq!(take_kind(), None);
}

/// The error of `a_call_whose_callback_failed_returns_zeroes`.
#[ffi_type]
#[derive(Debug)]
pub enum Refusal {
    Refused = 1,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("refused")
    }
}

#[test]
fn a_call_whose_callback_failed_returns_zeroes() {
    use crate::abi::{call, callback_failed, finish, Failure, KIND_CALLBACK, KIND_ERROR};

    // A callback fails and the function goes on to return a value: the caller gets zeroes
    // (the bindings' cue to read the failure) and the value is dropped, not leaked (Miri).
    let text = call(|| {
        // SAFETY: no message.
        unsafe { callback_failed(std::ptr::null(), 0) };
        finish(String::from("dropped"))
    });
    // SAFETY: zeroes are a valid `FfiBuffer`.
    let text = unsafe { text.assume_init() };
    assert!(text.ptr.is_null());
    assert_eq!(text.len, 0);
    assert_eq!(take_kind(), Some(KIND_CALLBACK));

    let number = call(|| {
        // SAFETY: no message.
        unsafe { callback_failed(std::ptr::null(), 0) };
        finish(7_u32)
    });
    // SAFETY: a failed call returns zeroes, a valid `u32`.
    assert_eq!(unsafe { number.assume_init() }, 0);
    assert_eq!(take_kind(), Some(KIND_CALLBACK));

    // The function's own `Err` is still the call's failure: it replaces the callback's.
    let refused = call(|| {
        // SAFETY: no message.
        unsafe { callback_failed(std::ptr::null(), 0) };
        finish(Err::<u32, _>(Refusal::Refused))
    });
    // SAFETY: as above.
    assert_eq!(unsafe { refused.assume_init() }, 0);
    assert_eq!(take_kind(), Some(KIND_ERROR));
    assert_eq!(take_kind(), None);

    // A failure recorded and taken again during the call (a nested call's failure, which its
    // caller raised and handled) leaves the outer call's value alone.
    let kept = call(|| {
        call(|| Err::<(), _>(Failure::invalid_argument("inner")));
        assert!(take_kind().is_some());
        finish(7_u32)
    });
    // SAFETY: the call succeeded.
    assert_eq!(unsafe { kept.assume_init() }, 7);
    assert_eq!(take_kind(), None);

    // A nested call that succeeds after the outer call's callback failed returns its value;
    // the failure stays the outer call's.
    let outer = call(|| {
        // SAFETY: no message.
        unsafe { callback_failed(std::ptr::null(), 0) };
        let inner = call(|| finish(5_u32));
        // SAFETY: the nested call succeeded.
        assert_eq!(unsafe { inner.assume_init() }, 5);
        finish(7_u32)
    });
    // SAFETY: as above.
    assert_eq!(unsafe { outer.assume_init() }, 0);
    assert_eq!(take_kind(), Some(KIND_CALLBACK));
}

mod callback_struct_results {
    use super::*;

    /// A color without a variant of value 0.
    #[ffi_type]
    #[derive(Clone, Copy)]
    #[repr(u8)]
    pub enum Hue {
        Red = 1,
        Blue = 2,
    }

    #[ffi_type]
    #[derive(Clone, Copy)]
    pub struct Pixel {
        pub x: u32,
        pub hue: Hue,
    }

    #[ffi_type]
    #[derive(Clone, Copy)]
    pub struct Patch {
        pub pixels: [Pixel; 2],
    }

    #[ffi_callback]
    pub type OnPatch = fn(index: u32) -> Patch;

    #[ffi_function]
    pub fn first_patch(on_patch: &OnPatch) -> u32 {
        on_patch.call(0).pixels[0].x
    }

    #[test]
    fn a_struct_whose_zeroes_are_no_value_is_refused() {
        assert_eq!(
            problems(Inventory::new().function::<first_patch>()),
            [
                "callback `OnPatch` returns struct `Patch`, whose zero bytes are not a value: in \
                 field `pixels` of struct `Patch`, in field `hue` of struct `Pixel`, enum `Hue` \
                 has no variant of value 0 (a callback that fails writes nothing, and the library \
                 then returns the zero bytes; give the enum a variant of value 0)"
            ]
        );
    }
}

#[test]
fn str_arg_validates_utf8_unless_the_caller_vouched_for_it() {
    use crate::abi::{str_arg, VOUCHED_UTF8};
    let text = "h\u{e9}llo";
    // SAFETY (all below): each pointer points to its length's bytes, which live for the test.
    assert_eq!(
        unsafe { str_arg(text.as_ptr(), text.len(), "s") }.unwrap(),
        text
    );
    let vouched = unsafe { str_arg(text.as_ptr(), text.len() | VOUCHED_UTF8, "s") }.unwrap();
    assert_eq!(vouched, text);
    // An empty one, vouched or not, never reads its pointer.
    assert_eq!(
        unsafe { str_arg(std::ptr::null(), VOUCHED_UTF8, "s") }.unwrap(),
        ""
    );
    let bad = b"\xffx";
    let failure = unsafe { str_arg(bad.as_ptr(), bad.len(), "s") }.unwrap_err();
    assert_eq!(failure.kind, crate::abi::KIND_INVALID_ARGUMENT);
    assert!(
        failure
            .message
            .starts_with("argument `s` is not valid UTF-8: invalid utf-8 sequence"),
        "{}",
        failure.message
    );
    // The bit does not excuse the other checks: a NULL pointer with a length is refused.
    let failure = unsafe { str_arg(std::ptr::null(), 3 | VOUCHED_UTF8, "s") }.unwrap_err();
    assert_eq!(failure.message, "argument `s` is NULL but its length is 3");
}

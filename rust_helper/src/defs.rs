//! The inventory's data model, filled in by the code the attribute macros generate.
//!
//! Public (through the hidden `__private` module) only so that generated code can name it;
//! not a public API, hence no docs on every field.
#![allow(missing_docs)]

use std::any::TypeId;
use std::collections::HashSet;

/// A doc comment as the raw values of its `#[doc = "..."]` attributes.
///
/// Kept raw (rather than cleaned up by the macro) so that `#[doc = include_str!(..)]` and
/// other macro-valued docs work too.
#[derive(Clone, Copy, Debug, Default)]
pub struct Doc(pub &'static [&'static str]);

impl Doc {
    /// The doc text: one leading space removed from each line, lines joined with `\n`,
    /// blank lines at either end dropped.
    pub fn text(&self) -> String {
        let lines: Vec<&str> = self
            .0
            .iter()
            .flat_map(|part| part.split('\n'))
            .map(|line| line.strip_suffix('\r').unwrap_or(line))
            .map(|line| line.strip_prefix(' ').unwrap_or(line))
            .collect();
        let is_blank = |line: &&str| line.trim().is_empty();
        let start = lines
            .iter()
            .position(|l| !is_blank(l))
            .unwrap_or(lines.len());
        let end = lines
            .iter()
            .rposition(|l| !is_blank(l))
            .map_or(start, |i| i + 1);
        lines[start..end].join("\n")
    }
}

/// A type reference: how a parameter, return value or field is typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TypeRef {
    /// `()`, only as a return type.
    Void,
    /// One of the primitive names (`"u32"`, `"bool"`, ...).
    Primitive(&'static str),
    /// An `#[ffi_type]` struct or enum (field-less or data-carrying), by name.
    Named(&'static str),
    /// An `#[ffi_type]` record (a struct with owned fields), by name: a wire-encoded value.
    Record(&'static str),
    /// A pointer to an `#[ffi_type]` struct or opaque type.
    Pointer {
        target: &'static str,
        mutable: bool,
        nullable: bool,
        owned: bool,
    },
    /// An `#[ffi_service]` type's object returned by value (in an `Option`: `nullable`): the
    /// handle of a new service object, which the caller owns. Written as an owned, mutable
    /// `pointer` to the type, as a constructor's result is; kept apart from `Pointer` so that
    /// the validator can refuse a `Box` or reference of a service type (an opaque cell, not a
    /// handle) while it accepts this.
    ServiceObject {
        target: &'static str,
        nullable: bool,
    },
    /// `&str`, only as a parameter: a pointer to UTF-8 bytes and their count.
    Str,
    /// `&CStr`, only as a parameter: a NUL-terminated string.
    CStr,
    /// `&[T]` or `&mut [T]`, only as a parameter: a pointer to the elements and their count.
    /// The element is a numeric `Primitive` or a `Named` struct.
    Slice {
        element: Box<TypeRef>,
        mutable: bool,
    },
    /// `String`: as a return type, a buffer of UTF-8 bytes the caller frees; inside a `Vec`,
    /// `Option` or map, part of a wire-encoded value (see `wire`).
    String,
    /// `Vec<T>`: as a return type of a slice element, a buffer of elements the caller frees;
    /// of other items (`Vec<String>`), a wire-encoded value, as a parameter too.
    Vec { element: Box<TypeRef> },
    /// `FfiOption<T>` (or Rust's `Option<T>` of one): `struct { T value; uint8_t is_some; }`,
    /// the inner type a primitive or a `Named` struct or enum; or Rust's `Option<T>` of a
    /// wire-encoded value (`Option<String>`), itself wire-encoded.
    Option { inner: Box<TypeRef> },
    /// `HashMap<K, V>` or `BTreeMap<K, V>`: a wire-encoded value.
    Map {
        key: Box<TypeRef>,
        value: Box<TypeRef>,
    },
    /// `[T; N]`, only as a struct field: `N` elements in a row. The element is a primitive, a
    /// `Named` struct or enum, or an `Option`.
    Array { element: Box<TypeRef>, len: usize },
}

impl TypeRef {
    /// The reference's `kind` in the JSON.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            TypeRef::Void => "void",
            TypeRef::Primitive(_) => "primitive",
            TypeRef::Named(_) => "named",
            TypeRef::Record(_) => "record",
            TypeRef::Pointer { .. } | TypeRef::ServiceObject { .. } => "pointer",
            TypeRef::Str => "str",
            TypeRef::CStr => "cstr",
            TypeRef::Slice { .. } => "slice",
            TypeRef::String => "string",
            TypeRef::Vec { .. } => "vec",
            TypeRef::Option { .. } => "option",
            TypeRef::Map { .. } => "map",
            TypeRef::Array { .. } => "array",
        }
    }
}

/// A struct field.
#[derive(Clone, Debug)]
pub struct FieldDef {
    pub name: &'static str,
    pub doc: Doc,
    pub ty: TypeRef,
    pub offset: usize,
}

/// A field of a record: its values cross in the wire encoding, in the fields' order.
#[derive(Clone, Debug)]
pub struct RecordFieldDef {
    pub name: &'static str,
    pub doc: Doc,
    pub ty: TypeRef,
}

/// A variant of a record enum: its fields' values follow its index in the wire encoding.
#[derive(Clone, Debug)]
pub struct RecordVariantDef {
    pub name: &'static str,
    pub doc: Doc,
    pub fields: Vec<RecordFieldDef>,
    /// A tuple variant: its fields are `_0`, `_1`, ...
    pub tuple: bool,
}

/// An enum variant; `value` is wide enough for every `u64` and `i64` discriminant.
#[derive(Clone, Debug)]
pub struct VariantDef {
    pub name: &'static str,
    pub doc: Doc,
    pub value: i128,
}

/// A variant of a data-carrying enum; its fields' offsets are from the start of the enum.
#[derive(Clone, Debug)]
pub struct TaggedVariantDef {
    pub name: &'static str,
    pub doc: Doc,
    pub value: i128,
    pub fields: Vec<FieldDef>,
    /// A tuple variant (`Pair(i32, i32)`): its fields are `_0`, `_1`, ...
    pub tuple: bool,
}

/// An entry of `types`.
#[derive(Clone, Debug)]
pub enum TypeDef {
    Struct {
        name: &'static str,
        doc: Doc,
        size: usize,
        align: usize,
        fields: Vec<FieldDef>,
        /// A tuple struct (`struct Meters(f64)`): its fields are `_0`, `_1`, ...
        tuple: bool,
    },
    /// A struct with owned fields (`String`, `Vec<T>`, `Option<T>`, maps, other records): no C
    /// layout; copied across the boundary in the wire encoding, its fields in order.
    Record {
        name: &'static str,
        doc: Doc,
        fields: Vec<RecordFieldDef>,
        /// A tuple struct: its fields are `_0`, `_1`, ...
        tuple: bool,
    },
    /// An enum whose variants carry owned values: no C layout; copied in the wire encoding, as
    /// its variant's index (a `u32`, in declaration order) and that variant's fields.
    RecordEnum {
        name: &'static str,
        doc: Doc,
        variants: Vec<RecordVariantDef>,
    },
    Enum {
        name: &'static str,
        doc: Doc,
        repr: &'static str,
        size: usize,
        align: usize,
        variants: Vec<VariantDef>,
    },
    /// An `#[ffi_type(opaque)]` type; `drop` is the symbol `#[ffi_type(opaque)]` exports to
    /// drop an owned object of it (a `Box<T>` a function returned); `drop_frees_only` is true
    /// when dropping a value only frees memory (the type implements no `Drop` and its fields are
    /// numbers, strings or the standard library's containers of them, see `FreesOnly`): its drop
    /// function, and a service's release, then never wait or call back. `drop_holds_gil` is
    /// `#[ffi_type(opaque, drop_gil = "hold")]`: the crate says that dropping a value is short
    /// and never waits for a thread that calls into Python, whatever its `Drop` does.
    Opaque {
        name: &'static str,
        doc: Doc,
        drop: &'static str,
        drop_frees_only: bool,
        drop_holds_gil: bool,
    },
    /// An `#[ffi_callback]`: a function the foreign side implements, with the parameters and
    /// return type the Rust side calls it with.
    Callback {
        name: &'static str,
        doc: Doc,
        params: Vec<ParamDef>,
        /// For `Result<T, E>`, the reference of `T`.
        returns: TypeRef,
        /// For `Result<T, E>`, the `Named` reference of `E`; otherwise `None`.
        error: Option<TypeRef>,
    },
    /// An `#[ffi_trait]`: an object the foreign side implements, a `repr(C)` struct of one
    /// callback per method (in declaration order), each a `Callback` of its own.
    Trait {
        name: &'static str,
        doc: Doc,
        methods: Vec<TraitMethodDef>,
    },
    /// A `#[repr(transparent)]` struct of one number: by value it is that number (`inner`, a
    /// `Primitive`) everywhere, under its own name.
    Newtype {
        name: &'static str,
        doc: Doc,
        inner: TypeRef,
    },
    /// A data-carrying `#[repr(C, int)]` enum, laid out as RFC 2195 describes: a `repr(C)`
    /// struct of the tag (`repr`) and, at `payload_offset`, a `repr(C)` union of one
    /// `repr(C)` struct per variant.
    Tagged {
        name: &'static str,
        doc: Doc,
        repr: &'static str,
        size: usize,
        align: usize,
        payload_offset: usize,
        variants: Vec<TaggedVariantDef>,
    },
}

impl TypeDef {
    pub(crate) fn name(&self) -> &'static str {
        match self {
            TypeDef::Struct { name, .. }
            | TypeDef::Record { name, .. }
            | TypeDef::RecordEnum { name, .. }
            | TypeDef::Enum { name, .. }
            | TypeDef::Opaque { name, .. }
            | TypeDef::Callback { name, .. }
            | TypeDef::Trait { name, .. }
            | TypeDef::Newtype { name, .. }
            | TypeDef::Tagged { name, .. } => name,
        }
    }
}

/// A method of an `#[ffi_trait]`: its name and the `Named` reference of the callback it is
/// called through (which has the method's parameters, result and doc comment).
#[derive(Clone, Debug)]
pub struct TraitMethodDef {
    pub name: &'static str,
    pub callback: TypeRef,
}

/// A function parameter.
#[derive(Clone, Debug)]
pub struct ParamDef {
    pub name: &'static str,
    pub ty: TypeRef,
    /// The value the foreign side passes when the caller leaves the argument out
    /// (`#[ffi_function(defaults(name = value))]`).
    pub default: Option<DefaultValue>,
}

/// A parameter's default value: a literal of its type (the macro checks the type), or `None`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum DefaultValue {
    Int(i128),
    Float(f64),
    Bool(bool),
    Str(&'static str),
    None,
}

/// An entry of `functions`.
#[derive(Clone, Debug)]
pub struct FunctionDef {
    pub name: &'static str,
    pub symbol: &'static str,
    pub doc: Doc,
    pub params: Vec<ParamDef>,
    /// For `Result<T, E>`, the reference of `T`.
    pub returns: TypeRef,
    /// For `Result<T, E>`, the `Named` reference of `E`; otherwise `None`.
    pub error: Option<TypeRef>,
    /// An `async fn`: its C shim takes a completion, polls the future once and returns (the
    /// completion is called before it returns if the future was ready).
    pub asynchronous: bool,
    /// `gil = "hold"`: bindings that can keep the GIL during the call do (no other Python thread
    /// runs meanwhile, and the release and retake are saved); otherwise they release it.
    pub hold_gil: bool,
}

/// How a service method takes its receiver.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Receiver {
    /// `&self`: a shared borrow; such calls may run at the same time.
    Shared,
    /// `&mut self`: an exclusive borrow.
    Exclusive,
}

impl Receiver {
    /// The receiver's name in the JSON.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Receiver::Shared => "shared",
            Receiver::Exclusive => "exclusive",
        }
    }
}

/// An entry of `services`: the members of an `#[ffi_service]` impl block. Each member is
/// described like a function; a method's receiver is not one of its `params`.
#[derive(Clone, Debug)]
pub struct ServiceDef {
    /// The opaque type's name (its doc is the type's).
    pub name: &'static str,
    pub destructor: &'static str,
    pub release: &'static str,
    pub constructors: Vec<FunctionDef>,
    pub methods: Vec<(FunctionDef, Receiver)>,
    pub statics: Vec<FunctionDef>,
}

/// A constant's value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ConstValue {
    Int(i128),
    Bool(bool),
    F32(f32),
    F64(f64),
}

/// An entry of `constants`.
#[derive(Clone, Debug)]
pub struct ConstantDef {
    pub name: &'static str,
    pub doc: Doc,
    /// The primitive type's name.
    pub ty: &'static str,
    pub value: ConstValue,
}

/// What `#[ffi_inventory]` stamps into the inventory, expanded in the user's crate.
#[derive(Clone, Copy, Debug)]
pub struct Library {
    pub crate_name: &'static str,
    pub version: &'static str,
    pub api_guard: &'static str,
    pub ffi_pending: &'static str,
    pub ffi_take_failure: &'static str,
    pub ffi_free: &'static str,
    pub ffi_free_texts: &'static str,
    pub ffi_callback_failed: &'static str,
    pub ffi_shutdown: &'static str,
    pub ffi_cancel: &'static str,
    /// Open, use, drain and close a bell.
    pub ffi_bells: [&'static str; 4],
}

/// The `types` array under construction: deduplicated by `TypeId`, in dependency order.
#[derive(Default)]
pub struct TypeRegistry {
    /// Each definition with the Rust type's path, for error messages.
    pub(crate) defs: Vec<(TypeDef, &'static str)>,
    /// Types registered or being registered. A type is known before its fields are
    /// registered so that a pointer back to it (a linked list) ends the recursion.
    known: HashSet<TypeId>,
}

impl TypeRegistry {
    /// Registers `T` under `name` unless it is already known, building its definition with
    /// `build` (which registers the types it names first); returns `name`.
    pub fn register<T: ?Sized + 'static>(
        &mut self,
        name: &'static str,
        build: impl FnOnce(&mut TypeRegistry) -> TypeDef,
    ) -> &'static str {
        if !self.known.insert(TypeId::of::<T>()) {
            return name;
        }
        let def = build(self);
        self.defs.push((def, std::any::type_name::<T>()));
        name
    }
}

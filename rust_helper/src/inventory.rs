//! The inventory: registration, validation and JSON serialisation.

use std::any::TypeId;
use std::collections::{HashMap, HashSet};
use std::fmt;

use crate::defs::{
    ConstValue, ConstantDef, DefaultValue, FieldDef, FunctionDef, Library, ParamDef, Receiver,
    RecordFieldDef, ServiceDef, TaggedVariantDef, TypeDef, TypeRef, TypeRegistry,
};
use crate::json::{f32_token, f64_token, JsonWriter};

/// The document's `format` value.
const FORMAT: &str = "hatch-interop-inventory";
/// The document's `format_version` value.
const FORMAT_VERSION: i64 = 1;
const GENERATOR_NAME: &str = "hatch-interop";
const GENERATOR_VERSION: &str = env!("CARGO_PKG_VERSION");
/// Identifiers with this prefix are reserved by the format.
const RESERVED_PREFIX: &str = "__hatch_interop";

/// Why an inventory cannot be written: every problem found, one per line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InventoryError {
    problems: Vec<String>,
}

impl InventoryError {
    /// The problems, each a sentence naming the offending item.
    pub fn problems(&self) -> &[String] {
        &self.problems
    }
}

impl fmt::Display for InventoryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, problem) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            f.write_str(problem)?;
        }
        Ok(())
    }
}

impl std::error::Error for InventoryError {}

/// A crate's FFI inventory: its exported functions, the types they use, and constants.
///
/// Build it with the registration methods inside a function annotated with
/// `#[ffi_inventory]`, and print it from the inventory binary with [`dump`](crate::dump).
/// Registration never fails on its own; problems (such as two types sharing a name) are
/// collected and reported by [`Inventory::to_json`].
#[must_use = "an Inventory does nothing until it is returned from the #[ffi_inventory] function"]
#[derive(Default)]
pub struct Inventory {
    library: Option<Library>,
    types: TypeRegistry,
    functions: Vec<(FunctionDef, TypeId, &'static str)>,
    constants: Vec<(ConstantDef, TypeId, &'static str)>,
    services: Vec<(ServiceDef, TypeId, &'static str)>,
}

impl fmt::Debug for Inventory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Inventory")
            .field("library", &self.library)
            .field(
                "types",
                &self.types.defs.iter().map(|t| &t.0).collect::<Vec<_>>(),
            )
            .field(
                "functions",
                &self.functions.iter().map(|f| &f.0).collect::<Vec<_>>(),
            )
            .field(
                "constants",
                &self.constants.iter().map(|c| &c.0).collect::<Vec<_>>(),
            )
            .field(
                "services",
                &self.services.iter().map(|s| &s.0).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl Inventory {
    /// An empty inventory.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers the `#[ffi_function]` `F` (pass the function's name: `.function::<add>()`),
    /// and every type its signature names.
    pub fn function<F: crate::FunctionInfo>(mut self) -> Self {
        let def = F::__function(&mut self.types);
        self.functions
            .push((def, TypeId::of::<F>(), std::any::type_name::<F>()));
        self
    }

    /// Registers the `#[ffi_type]` `T` and the types its fields name. Only needed for types
    /// that no registered function signature reaches; registering a type again is harmless.
    pub fn ty<T: crate::TypeInfo>(mut self) -> Self {
        T::__register(&mut self.types);
        self
    }

    /// Registers the `#[ffi_constant]` `C` (pass the constant's name: `.constant::<MAX>()`).
    pub fn constant<C: crate::ConstantInfo>(mut self) -> Self {
        let def = C::__constant();
        self.constants
            .push((def, TypeId::of::<C>(), std::any::type_name::<C>()));
        self
    }

    /// Registers the `#[ffi_service]` `T` (the `#[ffi_type(opaque)]` type whose `impl` block
    /// has the attribute: `.service::<Store>()`), and every type its members' signatures name.
    pub fn service<T: crate::ServiceInfo>(mut self) -> Self {
        let def = T::__service(&mut self.types);
        self.services
            .push((def, TypeId::of::<T>(), std::any::type_name::<T>()));
        self
    }

    /// The crate name stamped by `#[ffi_inventory]`, if any.
    pub(crate) fn crate_name(&self) -> Option<&'static str> {
        self.library.map(|library| library.crate_name)
    }

    #[doc(hidden)]
    pub fn __with_library(mut self, library: Library) -> Self {
        self.library = Some(library);
        self
    }

    /// The inventory as one line of compact JSON, including its `api_hash`.
    pub fn to_json(&self) -> Result<String, InventoryError> {
        let library = self.validate()?;
        let hash = fnv1a_64(self.write_json(library, "").as_bytes());
        Ok(self.write_json(library, &format!("{hash:016x}")))
    }

    /// The `api_hash`: FNV-1a 64 of the compact JSON with `api_hash` set to `""`. This is
    /// what the crate's api-guard symbol returns.
    pub fn api_hash(&self) -> Result<u64, InventoryError> {
        let library = self.validate()?;
        Ok(fnv1a_64(self.write_json(library, "").as_bytes()))
    }

    /// Checks everything the format promises that the type system does not.
    fn validate(&self) -> Result<&Library, InventoryError> {
        let mut problems = Vec::new();
        let library = self.library.as_ref();
        if library.is_none() {
            problems.push(
                "the inventory has no library information: build it in a function annotated \
                 with #[ffi_inventory]"
                    .to_owned(),
            );
        }

        // Every name shares one namespace in generated C and Python modules.
        let mut seen: HashMap<&str, String> = HashMap::new();
        let mut claim = |problems: &mut Vec<String>, name: &'static str, what: String| {
            check_identifier(problems, name, &what);
            if let Some(previous) = seen.get(name) {
                problems.push(format!("{what} has the same name as {previous}"));
            } else {
                seen.insert(name, what);
            }
        };

        for (def, rust_name) in &self.types.defs {
            let name = def.name();
            match def {
                TypeDef::Struct { fields, .. } => {
                    claim(
                        &mut problems,
                        name,
                        format!("struct `{name}` (`{rust_name}`)"),
                    );
                    if fields.is_empty() {
                        problems.push(format!("struct `{name}` has no fields"));
                    }
                    let names = fields.iter().map(|field| field.name);
                    check_field_names(&mut problems, names, &format!("struct `{name}`"));
                }
                TypeDef::Record { fields, .. } => {
                    claim(
                        &mut problems,
                        name,
                        format!("record `{name}` (`{rust_name}`)"),
                    );
                    if fields.is_empty() {
                        problems.push(format!("record `{name}` has no fields"));
                    }
                    let names = fields.iter().map(|field| field.name);
                    check_field_names(&mut problems, names, &format!("record `{name}`"));
                }
                TypeDef::RecordEnum { variants, .. } => {
                    claim(
                        &mut problems,
                        name,
                        format!("enum `{name}` (`{rust_name}`)"),
                    );
                    if variants.is_empty() {
                        problems.push(format!("enum `{name}` has no variants"));
                    }
                    let mut variant_names = HashSet::new();
                    for variant in variants {
                        let what = format!("variant `{}` of enum `{name}`", variant.name);
                        check_identifier(&mut problems, variant.name, &what);
                        if !variant_names.insert(variant.name) {
                            problems.push(format!("{what} appears twice"));
                        }
                        let names = variant.fields.iter().map(|field| field.name);
                        check_field_names(&mut problems, names, &what);
                    }
                }
                TypeDef::Enum { variants, .. } => {
                    claim(
                        &mut problems,
                        name,
                        format!("enum `{name}` (`{rust_name}`)"),
                    );
                    if variants.is_empty() {
                        problems.push(format!("enum `{name}` has no variants"));
                    }
                    let mut variant_names = HashSet::new();
                    let mut values = HashSet::new();
                    for variant in variants {
                        let what = format!("variant `{}` of enum `{name}`", variant.name);
                        check_identifier(&mut problems, variant.name, &what);
                        if !variant_names.insert(variant.name) {
                            problems.push(format!("{what} appears twice"));
                        }
                        if !values.insert(variant.value) {
                            problems.push(format!("{what} repeats the value {}", variant.value));
                        }
                    }
                }
                TypeDef::Opaque { .. } => {
                    claim(
                        &mut problems,
                        name,
                        format!("opaque type `{name}` (`{rust_name}`)"),
                    );
                }
                TypeDef::Callback { params, .. } => {
                    claim(
                        &mut problems,
                        name,
                        format!("callback `{name}` (`{rust_name}`)"),
                    );
                    let mut param_names = HashSet::new();
                    for param in params {
                        let what = format!("parameter `{}` of callback `{name}`", param.name);
                        check_identifier(&mut problems, param.name, &what);
                        if !param_names.insert(param.name) {
                            problems.push(format!("{what} appears twice"));
                        }
                    }
                }
                TypeDef::Tagged { variants, .. } => {
                    claim(
                        &mut problems,
                        name,
                        format!("enum `{name}` (`{rust_name}`)"),
                    );
                    check_tagged_variants(&mut problems, name, variants);
                }
                TypeDef::Trait { methods, .. } => {
                    claim(
                        &mut problems,
                        name,
                        format!("trait `{name}` (`{rust_name}`)"),
                    );
                    let mut method_names = HashSet::new();
                    for method in methods {
                        let what = format!("method `{}` of trait `{name}`", method.name);
                        check_identifier(&mut problems, method.name, &what);
                        if !method_names.insert(method.name) {
                            problems.push(format!("{what} appears twice"));
                        }
                    }
                }
                TypeDef::Newtype { inner, .. } => {
                    claim(
                        &mut problems,
                        name,
                        format!("newtype `{name}` (`{rust_name}`)"),
                    );
                    if !is_number(inner) {
                        problems.push(format!(
                            "newtype `{name}` wraps a value of kind `{}`: a newtype wraps a \
                             number (an integer up to 64 bits, f32 or f64)",
                            match inner {
                                TypeRef::Primitive(name) => name,
                                other => other.kind(),
                            }
                        ));
                    }
                }
            }
        }

        // What each type name is, for the checks of references below.
        let kinds: HashMap<&str, &TypeDef> = self
            .types
            .defs
            .iter()
            .map(|(def, _)| (def.name(), def))
            .collect();
        // The library's own symbols, which no function may export.
        let support: Vec<&str> = library
            .map(|l| {
                [
                    l.api_guard,
                    l.ffi_pending,
                    l.ffi_take_failure,
                    l.ffi_free,
                    l.ffi_callback_failed,
                    l.ffi_shutdown,
                    l.ffi_cancel,
                ]
                .into_iter()
                .chain(l.ffi_bells)
                .collect()
            })
            .unwrap_or_default();

        for (def, _) in &self.types.defs {
            if let TypeDef::Callback {
                name,
                params,
                returns,
                error,
                ..
            } = def
            {
                if let Some(error) = error {
                    let is_enum = matches!(error, TypeRef::Named(target)
                        if matches!(kinds.get(target), Some(TypeDef::Enum { .. } | TypeDef::RecordEnum { .. })));
                    if !is_enum {
                        problems.push(format!(
                            "the error type of callback `{name}` is of kind `{}`: a callback's \
                             `Result` has an #[ffi_type] enum as its error (field-less, or with \
                             owned values)",
                            error.kind()
                        ));
                    }
                }
                for param in params {
                    let what = format!("parameter `{}` of callback `{name}`", param.name);
                    let fits = match &param.ty {
                        TypeRef::Primitive(_) | TypeRef::Str => true,
                        TypeRef::Slice {
                            element,
                            mutable: false,
                        } => match &**element {
                            TypeRef::Primitive(name) => *name != "bool",
                            // A newtype's slice is its number's.
                            TypeRef::Named(target) => {
                                matches!(kinds.get(target), Some(TypeDef::Newtype { .. }))
                            }
                            _ => false,
                        },
                        TypeRef::Named(target) => matches!(
                            kinds.get(target),
                            Some(
                                TypeDef::Enum { .. }
                                    | TypeDef::Struct { .. }
                                    | TypeDef::Newtype { .. }
                            )
                        ),
                        TypeRef::Pointer { target, owned, .. } => {
                            !owned && matches!(kinds.get(target), Some(TypeDef::Struct { .. }))
                        }
                        // A record or record enum by value, encoded for the call.
                        TypeRef::Record(_) => true,
                        _ => false,
                    };
                    if !fits {
                        problems.push(format!(
                            "{what} has a type of kind `{}` that callbacks do not support yet: a \
                             callback takes primitives, #[ffi_type] enums, #[ffi_type] structs \
                             and references to them, records by value, `&str` and slices of \
                             numbers",
                            param.ty.kind()
                        ));
                    }
                }
                let fits = match returns {
                    TypeRef::Void | TypeRef::Primitive(_) | TypeRef::String => true,
                    TypeRef::Named(target) => matches!(
                        kinds.get(target),
                        Some(
                            TypeDef::Enum { .. } | TypeDef::Struct { .. } | TypeDef::Newtype { .. }
                        )
                    ),
                    TypeRef::Option { inner } => match &**inner {
                        TypeRef::Primitive(_) | TypeRef::String => true,
                        TypeRef::Named(target) => matches!(
                            kinds.get(target),
                            Some(
                                TypeDef::Enum { .. }
                                    | TypeDef::Struct { .. }
                                    | TypeDef::Newtype { .. }
                            )
                        ),
                        // An `Option` of an encoded value: encoded too.
                        TypeRef::Vec { .. } | TypeRef::Map { .. } => true,
                        _ => false,
                    },
                    // Encoded into the slot the library passes last.
                    TypeRef::Vec { .. } | TypeRef::Map { .. } => true,
                    _ => false,
                };
                if !fits {
                    problems.push(format!(
                        "the return type of callback `{name}` is of kind `{}`: a callback returns \
                         nothing, a primitive, an #[ffi_type] struct or field-less enum, a \
                         `String`, a `Vec` or map, or an `Option` of one",
                        returns.kind()
                    ));
                }
                if let TypeRef::Named(target) = returns {
                    if let Some(TypeDef::Struct { .. }) = kinds.get(target) {
                        if let Some(field) = not_zeroable(returns, &kinds) {
                            problems.push(format!(
                                "callback `{name}` returns struct `{target}`, whose zero bytes are \
                                 not a value: {field} (a callback that fails writes nothing, and \
                                 the library then returns the zero bytes; give the enum a variant \
                                 of value 0)"
                            ));
                        }
                    }
                }
            }
            let fields: Vec<(String, &FieldDef)> = match def {
                TypeDef::Struct { name, fields, .. } => fields
                    .iter()
                    .map(|field| (format!("field `{}` of struct `{name}`", field.name), field))
                    .collect(),
                TypeDef::Tagged { name, variants, .. } => variants
                    .iter()
                    .flat_map(|variant| {
                        variant.fields.iter().map(move |field| {
                            let what = format!(
                                "field `{}` of variant `{}` of enum `{name}`",
                                field.name, variant.name
                            );
                            (what, field)
                        })
                    })
                    .collect(),
                TypeDef::Record { name, fields, .. } => {
                    for field in fields {
                        let what = format!("field `{}` of record `{name}`", field.name);
                        check_wire(&mut problems, &field.ty, &kinds, &what);
                    }
                    continue;
                }
                TypeDef::RecordEnum { name, variants, .. } => {
                    for variant in variants {
                        for field in &variant.fields {
                            let what = format!(
                                "field `{}` of variant `{}` of enum `{name}`",
                                field.name, variant.name
                            );
                            check_wire(&mut problems, &field.ty, &kinds, &what);
                        }
                    }
                    continue;
                }
                TypeDef::Trait { name, methods, .. } => {
                    for method in methods {
                        let is_callback = matches!(&method.callback, TypeRef::Named(target)
                            if matches!(kinds.get(target), Some(TypeDef::Callback { .. })));
                        if !is_callback {
                            problems.push(format!(
                                "method `{}` of trait `{name}` is called through a type of kind \
                                 `{}`, not a callback",
                                method.name,
                                method.callback.kind()
                            ));
                        }
                    }
                    continue;
                }
                TypeDef::Enum { .. }
                | TypeDef::Opaque { .. }
                | TypeDef::Callback { .. }
                | TypeDef::Newtype { .. } => continue,
            };
            for (what, field) in fields {
                if holds_callback(&field.ty, &kinds) {
                    problems.push(format!(
                        "{what} holds a callback: callbacks are only parameters of functions"
                    ));
                }
                match &field.ty {
                    TypeRef::Primitive(_) | TypeRef::Named(_) | TypeRef::Pointer { .. } => {}
                    TypeRef::Option { inner } => {
                        check_optional(&mut problems, inner, &kinds, &what)
                    }
                    TypeRef::Array { element, len } => {
                        if *len == 0 {
                            problems.push(format!(
                                "{what} is an array of length 0, which C cannot declare"
                            ));
                        }
                        match &**element {
                            TypeRef::Option { inner } => {
                                check_optional(&mut problems, inner, &kinds, &what)
                            }
                            TypeRef::Primitive(_) => {}
                            TypeRef::Named(name) if kinds.contains_key(name) => {}
                            other => problems.push(format!(
                                "{what} is an array of elements of kind `{}`: array elements \
                                     are primitives, #[ffi_type] structs and enums, or FfiOptions",
                                other.kind()
                            )),
                        }
                    }
                    other => problems.push(format!(
                        "{what} has a type of kind `{}`, which a field cannot have",
                        other.kind()
                    )),
                }
            }
        }

        let mut registered = HashSet::new();
        let mut symbols = HashSet::new();
        for (def, id, rust_name) in &self.functions {
            let what = format!("function `{}` (`{rust_name}`)", def.name);
            if !registered.insert(*id) {
                problems.push(format!("{what} is registered more than once"));
                continue;
            }
            claim(&mut problems, def.name, what.clone());
            if def.symbol != def.name {
                check_identifier(&mut problems, def.symbol, &format!("the symbol of {what}"));
            }
            if !symbols.insert(def.symbol) {
                problems.push(format!("{what} exports the symbol `{}` twice", def.symbol));
            }
            if support.contains(&def.symbol) {
                problems.push(format!(
                    "{what} exports the symbol `{}`, which the library exports itself",
                    def.symbol
                ));
            }
            check_signature(
                &mut problems,
                &kinds,
                def,
                &format!("function `{}`", def.name),
            );
        }

        for (def, _) in &self.types.defs {
            if let TypeDef::Opaque { name, drop, .. } = def {
                let what = format!("the drop function of opaque type `{name}`");
                check_identifier(&mut problems, drop, &format!("the symbol of {what}"));
                if !symbols.insert(*drop) {
                    problems.push(format!("{what} exports the symbol `{drop}` twice"));
                }
                if support.contains(drop) {
                    problems.push(format!(
                        "{what} exports the symbol `{drop}`, which the library exports itself"
                    ));
                }
            }
        }

        let services: HashSet<&str> = self.services.iter().map(|s| s.0.name).collect();
        for (service, id, rust_name) in &self.services {
            let name = service.name;
            let what = format!("service `{name}` (`{rust_name}`)");
            if !registered.insert(*id) {
                problems.push(format!("{what} is registered more than once"));
                continue;
            }
            match kinds.get(name) {
                Some(TypeDef::Opaque { .. }) => {}
                Some(other) => problems.push(format!(
                    "{what} is {}: services are #[ffi_type(opaque)] types",
                    describe(other)
                )),
                None => problems.push(format!("{what} is not registered in `types`")),
            }
            let mut export = |problems: &mut Vec<String>, symbol: &'static str, what: &str| {
                check_identifier(problems, symbol, &format!("the symbol of {what}"));
                if !symbols.insert(symbol) {
                    problems.push(format!("{what} exports the symbol `{symbol}` twice"));
                }
                if support.contains(&symbol) {
                    problems.push(format!(
                        "{what} exports the symbol `{symbol}`, which the library exports itself"
                    ));
                }
            };
            export(
                &mut problems,
                service.destructor,
                &format!("the destructor of service `{name}`"),
            );
            export(
                &mut problems,
                service.release,
                &format!("the release function of service `{name}`"),
            );
            // One Python class holds them all: one namespace.
            let mut members = HashSet::new();
            for (def, kind) in service_members(service) {
                let owner = format!("{kind} `{}` of service `{name}`", def.name);
                check_identifier(&mut problems, def.name, &owner);
                if !members.insert(def.name) {
                    problems.push(format!(
                        "{owner} has the same name as another member of the service"
                    ));
                }
                export(&mut problems, def.symbol, &owner);
                check_signature(&mut problems, &kinds, def, &owner);
            }
        }
        // A service's objects cross the C ABI as handles of its cells: parameters borrow them
        // (`&Store`, `&mut Store`, `Option<&Store>`) or take them (`Box<Store>`), results by
        // value make them (a `ServiceObject`); a `Box` or a borrowed result would be an opaque
        // cell instead.
        let functions = self
            .functions
            .iter()
            .map(|(def, _, _)| (def, format!("function `{}`", def.name), true));
        let members = self.services.iter().flat_map(|(service, _, _)| {
            service_members(service).map(|(def, kind)| {
                let owner = format!("{kind} `{}` of service `{}`", def.name, service.name);
                // A constructor's result is the new object's handle.
                (def, owner, kind != "constructor")
            })
        });
        for (def, owner, check_result) in functions.chain(members) {
            if !check_result {
                continue;
            }
            if let TypeRef::Pointer { target, .. } = &def.returns {
                if services.contains(target) {
                    problems.push(format!(
                        "the result of {owner} points to `{target}`, which is a service: its \
                         objects are handles of the service, not `Box`es or references \
                         (return `{target}` by value for a new object)"
                    ));
                }
            }
        }
        for (def, _) in &self.types.defs {
            if let TypeDef::Struct { name, fields, .. } = def {
                for field in fields {
                    if let TypeRef::Pointer { target, .. } = &field.ty {
                        if services.contains(target) {
                            problems.push(format!(
                                "field `{}` of struct `{name}` points to `{target}`, which is a \
                                 service: its objects are handles that calls borrow, take or return, not fields",
                                field.name
                            ));
                        }
                    }
                }
            }
        }

        for (def, id, rust_name) in &self.constants {
            let what = format!("constant `{}` (`{rust_name}`)", def.name);
            if !registered.insert(*id) {
                problems.push(format!("{what} is registered more than once"));
                continue;
            }
            claim(&mut problems, def.name, what);
        }

        match library {
            Some(library) if problems.is_empty() => Ok(library),
            _ => Err(InventoryError { problems }),
        }
    }

    fn write_json(&self, library: &Library, api_hash: &str) -> String {
        let mut w = JsonWriter::new();
        w.begin_object();
        w.key_string("format", FORMAT);
        w.key("format_version");
        w.int(FORMAT_VERSION);
        w.key("generator");
        w.begin_object();
        w.key_string("name", GENERATOR_NAME);
        w.key_string("version", GENERATOR_VERSION);
        w.end_object();
        w.key("library");
        w.begin_object();
        w.key_string("crate", library.crate_name);
        w.key_string("version", library.version);
        w.key_string("doc", "");
        w.key_string("api_guard", library.api_guard);
        w.key_string("ffi_pending", library.ffi_pending);
        w.key_string("ffi_take_failure", library.ffi_take_failure);
        w.key_string("ffi_free", library.ffi_free);
        w.key_string("ffi_free_texts", library.ffi_free_texts);
        w.key_string("ffi_callback_failed", library.ffi_callback_failed);
        w.key_string("ffi_shutdown", library.ffi_shutdown);
        w.key_string("ffi_cancel", library.ffi_cancel);
        w.key("ffi_bell");
        w.begin_object();
        for (key, symbol) in ["open", "use", "drain", "close"]
            .into_iter()
            .zip(library.ffi_bells)
        {
            w.key_string(key, symbol);
        }
        w.end_object();
        // `str` lengths may carry `abi::VOUCHED_UTF8`.
        w.key("vouched_utf8");
        w.bool(true);
        w.key_string("api_hash", api_hash);
        w.end_object();

        w.key("constants");
        w.begin_array();
        for (constant, _, _) in &self.constants {
            w.begin_object();
            w.key_string("name", constant.name);
            w.key_string("doc", &constant.doc.text());
            w.key("type");
            write_type_ref(&mut w, &TypeRef::Primitive(constant.ty));
            w.key("value");
            match constant.value {
                ConstValue::Int(value) => w.int(value),
                ConstValue::Bool(value) => w.bool(value),
                ConstValue::F32(value) => w.raw(&f32_token(value)),
                ConstValue::F64(value) => w.raw(&f64_token(value)),
            }
            w.end_object();
        }
        w.end_array();

        w.key("types");
        w.begin_array();
        for (def, _) in &self.types.defs {
            write_type_def(&mut w, def);
        }
        w.end_array();

        w.key("functions");
        w.begin_array();
        for (function, _, _) in &self.functions {
            write_function(&mut w, function, None);
        }
        w.end_array();

        w.key("services");
        w.begin_array();
        for (service, _, _) in &self.services {
            let doc = self.types.defs.iter().find_map(|(def, _)| match def {
                TypeDef::Opaque { name, doc, .. } if *name == service.name => Some(doc.text()),
                _ => None,
            });
            w.begin_object();
            w.key_string("name", service.name);
            w.key_string("doc", &doc.unwrap_or_default());
            w.key_string("destructor", service.destructor);
            w.key_string("release", service.release);
            w.key("constructors");
            w.begin_array();
            for function in &service.constructors {
                write_function(&mut w, function, None);
            }
            w.end_array();
            w.key("methods");
            w.begin_array();
            for (function, receiver) in &service.methods {
                write_function(&mut w, function, Some(*receiver));
            }
            w.end_array();
            w.key("statics");
            w.begin_array();
            for function in &service.statics {
                write_function(&mut w, function, None);
            }
            w.end_array();
            w.end_object();
        }
        w.end_array();

        w.end_object();
        w.finish()
    }
}

fn write_type_def(w: &mut JsonWriter, def: &TypeDef) {
    w.begin_object();
    match def {
        TypeDef::Struct {
            name,
            doc,
            size,
            align,
            fields,
            tuple,
        } => {
            w.key_string("kind", "struct");
            w.key_string("name", name);
            w.key_string("doc", &doc.text());
            w.key("size");
            w.uint(*size);
            w.key("align");
            w.uint(*align);
            w.key("fields");
            write_fields(w, fields);
            // Only when true, so that the documents of crates without tuple structs stay as
            // they were.
            if *tuple {
                w.key("tuple");
                w.bool(true);
            }
        }
        TypeDef::Record {
            name,
            doc,
            fields,
            tuple,
        } => {
            w.key_string("kind", "record");
            w.key_string("name", name);
            w.key_string("doc", &doc.text());
            w.key("fields");
            write_record_fields(w, fields);
            if *tuple {
                w.key("tuple");
                w.bool(true);
            }
        }
        TypeDef::RecordEnum {
            name,
            doc,
            variants,
        } => {
            w.key_string("kind", "record_enum");
            w.key_string("name", name);
            w.key_string("doc", &doc.text());
            w.key("variants");
            w.begin_array();
            for variant in variants {
                w.begin_object();
                w.key_string("name", variant.name);
                w.key_string("doc", &variant.doc.text());
                w.key("fields");
                write_record_fields(w, &variant.fields);
                if variant.tuple {
                    w.key("tuple");
                    w.bool(true);
                }
                w.end_object();
            }
            w.end_array();
        }
        TypeDef::Enum {
            name,
            doc,
            repr,
            size,
            align,
            variants,
        } => {
            w.key_string("kind", "enum");
            w.key_string("name", name);
            w.key_string("doc", &doc.text());
            w.key_string("repr", repr);
            w.key("size");
            w.uint(*size);
            w.key("align");
            w.uint(*align);
            w.key("variants");
            w.begin_array();
            for variant in variants {
                w.begin_object();
                w.key_string("name", variant.name);
                w.key_string("doc", &variant.doc.text());
                w.key("value");
                w.int(variant.value);
                w.end_object();
            }
            w.end_array();
        }
        TypeDef::Newtype { name, doc, inner } => {
            w.key_string("kind", "newtype");
            w.key_string("name", name);
            w.key_string("doc", &doc.text());
            w.key("inner");
            write_type_ref(w, inner);
        }
        TypeDef::Opaque {
            name,
            doc,
            drop,
            drop_frees_only,
            drop_holds_gil,
        } => {
            w.key_string("kind", "opaque");
            w.key_string("name", name);
            w.key_string("doc", &doc.text());
            w.key_string("drop", drop);
            w.key("drop_frees_only");
            w.bool(*drop_frees_only);
            // As a function's `gil`: written when it is "hold" only.
            if *drop_holds_gil {
                w.key_string("drop_gil", "hold");
            }
        }
        TypeDef::Trait { name, doc, methods } => {
            w.key_string("kind", "trait");
            w.key_string("name", name);
            w.key_string("doc", &doc.text());
            w.key("methods");
            w.begin_array();
            for method in methods {
                w.begin_object();
                w.key_string("name", method.name);
                w.key("callback");
                write_type_ref(w, &method.callback);
                w.end_object();
            }
            w.end_array();
        }
        TypeDef::Callback {
            name,
            doc,
            params,
            returns,
            error,
        } => {
            w.key_string("kind", "callback");
            w.key_string("name", name);
            w.key_string("doc", &doc.text());
            w.key("params");
            write_params(w, params);
            w.key("returns");
            write_type_ref(w, returns);
            // Only for `Result`: the documents of other callbacks stay as they were.
            if let Some(error) = error {
                w.key("error");
                write_type_ref(w, error);
            }
        }
        TypeDef::Tagged {
            name,
            doc,
            repr,
            size,
            align,
            payload_offset,
            variants,
        } => {
            w.key_string("kind", "tagged");
            w.key_string("name", name);
            w.key_string("doc", &doc.text());
            w.key_string("repr", repr);
            w.key("size");
            w.uint(*size);
            w.key("align");
            w.uint(*align);
            w.key("payload_offset");
            w.uint(*payload_offset);
            w.key("variants");
            w.begin_array();
            for variant in variants {
                w.begin_object();
                w.key_string("name", variant.name);
                w.key_string("doc", &variant.doc.text());
                w.key("value");
                w.int(variant.value);
                w.key("fields");
                write_fields(w, &variant.fields);
                // Only when true: the documents of enums without tuple variants stay as they were.
                if variant.tuple {
                    w.key("tuple");
                    w.bool(true);
                }
                w.end_object();
            }
            w.end_array();
        }
    }
    w.end_object();
}

/// A function object: an entry of `functions`, or a member of a service (with the receiver
/// of a method).
fn write_function(w: &mut JsonWriter, function: &FunctionDef, receiver: Option<Receiver>) {
    w.begin_object();
    w.key_string("name", function.name);
    w.key_string("symbol", function.symbol);
    w.key_string("doc", &function.doc.text());
    w.key("params");
    write_params(w, &function.params);
    w.key("returns");
    write_type_ref(w, &function.returns);
    w.key("error");
    match &function.error {
        Some(error) => write_type_ref(w, error),
        None => w.raw("null"),
    }
    if let Some(receiver) = receiver {
        w.key_string("receiver", receiver.name());
    }
    // Only when true, so that the documents of crates without async functions (and their
    // hashes) stay as they were.
    if function.asynchronous {
        w.key("async");
        w.bool(true);
    }
    // Likewise only when set: "release" is the default.
    if function.hold_gil {
        w.key_string("gil", "hold");
    }
    w.end_object();
}

/// Every member of `service` with what it is, for messages: constructors, methods, statics.
fn service_members(service: &ServiceDef) -> impl Iterator<Item = (&FunctionDef, &'static str)> {
    let constructors = service.constructors.iter().map(|f| (f, "constructor"));
    let methods = service.methods.iter().map(|(f, _)| (f, "method"));
    let statics = service.statics.iter().map(|f| (f, "static function"));
    constructors.chain(methods).chain(statics)
}

fn write_params(w: &mut JsonWriter, params: &[ParamDef]) {
    w.begin_array();
    for param in params {
        w.begin_object();
        w.key_string("name", param.name);
        w.key("type");
        write_type_ref(w, &param.ty);
        if let Some(default) = param.default {
            w.key("default");
            match default {
                DefaultValue::Int(value) => w.int(value),
                DefaultValue::Float(value) => w.raw(&f64_token(value)),
                DefaultValue::Bool(value) => w.bool(value),
                DefaultValue::Str(value) => w.string(value),
                DefaultValue::None => w.raw("null"),
            }
        }
        w.end_object();
    }
    w.end_array();
}

/// The `fields` array of a struct or of a variant of a data-carrying enum.
fn write_fields(w: &mut JsonWriter, fields: &[FieldDef]) {
    w.begin_array();
    for field in fields {
        w.begin_object();
        w.key_string("name", field.name);
        w.key_string("doc", &field.doc.text());
        w.key("type");
        write_type_ref(w, &field.ty);
        w.key("offset");
        w.uint(field.offset);
        w.end_object();
    }
    w.end_array();
}

/// Reports repeated variant names or values, and repeated or invalid field names, of the
/// data-carrying enum `name`.
fn check_tagged_variants(problems: &mut Vec<String>, name: &str, variants: &[TaggedVariantDef]) {
    if variants.is_empty() {
        problems.push(format!("enum `{name}` has no variants"));
    }
    let mut variant_names = HashSet::new();
    let mut values = HashSet::new();
    for variant in variants {
        let what = format!("variant `{}` of enum `{name}`", variant.name);
        check_identifier(problems, variant.name, &what);
        if !variant_names.insert(variant.name) {
            problems.push(format!("{what} appears twice"));
        }
        if !values.insert(variant.value) {
            problems.push(format!("{what} repeats the value {}", variant.value));
        }
        let mut field_names = HashSet::new();
        for field in &variant.fields {
            let what = format!("field `{}` of {what}", field.name);
            check_identifier(problems, field.name, &what);
            if !field_names.insert(field.name) {
                problems.push(format!("{what} appears twice"));
            }
        }
    }
}

/// Reports a field of `owner` (a struct, a record, a record enum's variant) whose name is no
/// identifier or appears twice.
fn check_field_names<'a>(
    problems: &mut Vec<String>,
    names: impl Iterator<Item = &'a str>,
    owner: &str,
) {
    let mut seen = HashSet::new();
    for name in names {
        let what = format!("field `{name}` of {owner}");
        check_identifier(problems, name, &what);
        if !seen.insert(name) {
            problems.push(format!("{what} appears twice"));
        }
    }
}

fn write_record_fields(w: &mut JsonWriter, fields: &[RecordFieldDef]) {
    w.begin_array();
    for field in fields {
        w.begin_object();
        w.key_string("name", field.name);
        w.key_string("doc", &field.doc.text());
        w.key("type");
        write_type_ref(w, &field.ty);
        w.end_object();
    }
    w.end_array();
}

fn write_type_ref(w: &mut JsonWriter, ty: &TypeRef) {
    if let TypeRef::ServiceObject { target, nullable } = ty {
        // A new service object's handle: the owned pointer a constructor returns.
        let handle = TypeRef::Pointer {
            target,
            mutable: true,
            nullable: *nullable,
            owned: true,
        };
        return write_type_ref(w, &handle);
    }
    w.begin_object();
    match ty {
        TypeRef::Void => w.key_string("kind", "void"),
        TypeRef::Primitive(name) => {
            w.key_string("kind", "primitive");
            w.key_string("name", name);
        }
        TypeRef::Named(name) => {
            w.key_string("kind", "named");
            w.key_string("name", name);
        }
        TypeRef::Record(name) => {
            w.key_string("kind", "record");
            w.key_string("name", name);
        }
        TypeRef::Pointer {
            target,
            mutable,
            nullable,
            owned,
        } => {
            w.key_string("kind", "pointer");
            w.key("target");
            write_type_ref(w, &TypeRef::Named(target));
            w.key("mutable");
            w.bool(*mutable);
            w.key("nullable");
            w.bool(*nullable);
            w.key("owned");
            w.bool(*owned);
        }
        TypeRef::ServiceObject { .. } => unreachable!("written as a pointer, above"),
        TypeRef::Str | TypeRef::CStr | TypeRef::String => w.key_string("kind", ty.kind()),
        TypeRef::Slice { element, mutable } => {
            w.key_string("kind", "slice");
            w.key("element");
            write_type_ref(w, element);
            w.key("mutable");
            w.bool(*mutable);
        }
        TypeRef::Vec { element } => {
            w.key_string("kind", "vec");
            w.key("element");
            write_type_ref(w, element);
        }
        TypeRef::Option { inner } => {
            w.key_string("kind", "option");
            w.key("inner");
            write_type_ref(w, inner);
        }
        TypeRef::Map { key, value } => {
            w.key_string("kind", "map");
            w.key("key");
            write_type_ref(w, key);
            w.key("value");
            write_type_ref(w, value);
        }
        TypeRef::Array { element, len } => {
            w.key_string("kind", "array");
            w.key("element");
            write_type_ref(w, element);
            w.key("len");
            w.uint(*len);
        }
    }
    w.end_object();
}

/// Reports what `def`'s parameters, result and error type cannot be; `owner` names it in
/// messages ("function `add`").
fn check_signature(
    problems: &mut Vec<String>,
    kinds: &HashMap<&str, &TypeDef>,
    def: &FunctionDef,
    owner: &str,
) {
    let mut param_names = HashSet::new();
    for param in &def.params {
        let what = format!("parameter `{}` of {owner}", param.name);
        check_identifier(problems, param.name, &what);
        if !param_names.insert(param.name) {
            problems.push(format!("{what} appears twice"));
        }
        match &param.ty {
            // By value: the library owns it; `&` (or nullable): borrowed for the call.
            TypeRef::Named(_) => {}
            TypeRef::Pointer {
                target,
                owned,
                mutable,
                ..
            } if (*owned || *mutable)
                && matches!(kinds.get(target), Some(TypeDef::Callback { .. })) =>
            {
                problems.push(format!(
                    "{what} is a `Box`, `&mut` or `*mut` of callback `{target}`: take \
                     the callback by value to keep it, or by `&` for the call"
                ));
            }
            TypeRef::Pointer {
                target,
                owned,
                mutable,
                ..
            } if (*owned || *mutable)
                && matches!(kinds.get(target), Some(TypeDef::Trait { .. })) =>
            {
                problems.push(format!(
                    "{what} is a `&mut` or `*mut` of trait `{target}`: take `&dyn {target}` \
                     for the call, or `Box<dyn {target}>` or `Arc<dyn {target}>` to keep it"
                ));
            }
            TypeRef::Pointer { .. } => {}
            other if holds_callback(other, kinds) => problems.push(format!(
                "{what} holds a callback inside a type of kind `{}`: take it by value \
                 or by `&`",
                other.kind()
            )),
            _ => {}
        }
        match &param.ty {
            TypeRef::Void => problems.push(format!("{what} has type `()`")),
            TypeRef::String => problems.push(format!(
                "{what} has a type of kind `string`, which only a return type may have (a \
                 `String` parameter is a `str`)"
            )),
            // A `Vec` of slice elements is a `slice` parameter; of other items, encoded.
            TypeRef::Vec { element } if is_element(element, kinds) => problems.push(format!(
                "{what} is a `vec` of C elements, which a parameter spells as a `slice`"
            )),
            TypeRef::Vec { .. } | TypeRef::Map { .. } | TypeRef::Record(_) => {
                check_wire(problems, &param.ty, kinds, &what)
            }
            TypeRef::Slice { element, .. } => {
                check_element(problems, element, kinds, &what);
            }
            TypeRef::Option { inner } if is_encoded(inner) => {
                check_wire(problems, &param.ty, kinds, &what)
            }
            TypeRef::Option { inner } => check_optional(problems, inner, kinds, &what),
            TypeRef::Array { element, len } => check_array(problems, element, *len, kinds, &what),
            _ => {}
        }
    }
    let what = format!("the return type of {owner}");
    if holds_callback(&def.returns, kinds) {
        problems.push(format!(
            "{what} holds a callback: callbacks are only parameters of functions"
        ));
    }
    match &def.returns {
        TypeRef::Str | TypeRef::CStr | TypeRef::Slice { .. } => {
            problems.push(format!(
                "{what} is of kind `{}`, which only a parameter may have",
                def.returns.kind()
            ));
        }
        TypeRef::Vec { element } if is_encoded(element) => {
            check_wire(problems, &def.returns, kinds, &what)
        }
        TypeRef::Vec { element } => {
            check_element(problems, element, kinds, &what);
        }
        TypeRef::Map { .. } | TypeRef::Record(_) => {
            check_wire(problems, &def.returns, kinds, &what)
        }
        TypeRef::Option { inner } if is_encoded(inner) => {
            check_wire(problems, &def.returns, kinds, &what)
        }
        TypeRef::Option { inner } => check_optional(problems, inner, kinds, &what),
        TypeRef::Array { element, len } => check_array(problems, element, *len, kinds, &what),
        _ => {}
    }
    if let Some(error) = &def.error {
        let what = format!("the error type of {owner}");
        match error {
            TypeRef::Named(name) => match kinds.get(name) {
                Some(TypeDef::Enum { .. } | TypeDef::RecordEnum { .. }) => {}
                Some(other) => problems.push(format!(
                    "{what} is `{name}`, which is {}: error types are #[ffi_type] enums, \
                     field-less or with owned values",
                    describe(other)
                )),
                None => problems.push(format!(
                    "{what} is `{name}`, which is not registered in `types`"
                )),
            },
            other => problems.push(format!(
                "{what} is of kind `{}`: error types are #[ffi_type] enums",
                other.kind()
            )),
        }
    }
}

/// Reports the element type of a slice or `Vec` (of `what`) unless it is a number or a
/// registered struct.
fn check_element(
    problems: &mut Vec<String>,
    element: &TypeRef,
    kinds: &HashMap<&str, &TypeDef>,
    what: &str,
) {
    match element {
        TypeRef::Primitive(name) if !matches!(*name, "char" | "u128" | "i128") => {}
        TypeRef::Named(name) => match kinds.get(name) {
            Some(TypeDef::Struct { .. } | TypeDef::Enum { .. } | TypeDef::Newtype { .. }) => {}
            Some(other) => problems.push(format!(
                "{what} holds `{name}`, which is {}: elements are numbers, bool, #[ffi_type] \
                 structs or field-less #[ffi_type] enums",
                describe(other)
            )),
            None => problems.push(format!(
                "{what} holds `{name}`, which is not registered in `types`"
            )),
        },
        TypeRef::Primitive(name) => problems.push(format!(
            "{what} holds `{name}`: elements are numbers, bool, #[ffi_type] structs or \
             field-less #[ffi_type] enums"
        )),
        other => problems.push(format!(
            "{what} holds elements of kind `{}`: elements are numbers, bool, #[ffi_type] \
             structs or field-less #[ffi_type] enums",
            other.kind()
        )),
    }
}

/// Reports an array parameter or result (`what`) unless it holds at least one number, `bool`
/// or field-less enum (it crosses as `struct { T items[N]; }`).
fn check_array(
    problems: &mut Vec<String>,
    element: &TypeRef,
    len: usize,
    kinds: &HashMap<&str, &TypeDef>,
    what: &str,
) {
    if len == 0 {
        problems.push(format!("{what} is an empty array, which C cannot declare"));
    }
    match element {
        TypeRef::Primitive(name) if !matches!(*name, "char" | "u128" | "i128") => {}
        TypeRef::Named(name)
            if matches!(
                kinds.get(name),
                Some(TypeDef::Enum { .. } | TypeDef::Newtype { .. })
            ) => {}
        other => problems.push(format!(
            "{what} is an array of elements of kind `{}`: an array parameter or result holds \
             numbers, bool or field-less #[ffi_type] enums",
            other.kind()
        )),
    }
}

/// Reports the value type of an `FfiOption` (in `what`) unless it is a primitive or a
/// registered struct or enum.
fn check_optional(
    problems: &mut Vec<String>,
    inner: &TypeRef,
    kinds: &HashMap<&str, &TypeDef>,
    what: &str,
) {
    match inner {
        TypeRef::Primitive(_) => {}
        TypeRef::Named(name) => match kinds.get(name) {
            Some(
                TypeDef::Struct { .. }
                | TypeDef::Enum { .. }
                | TypeDef::Tagged { .. }
                | TypeDef::Newtype { .. },
            ) => {}
            Some(other) => problems.push(format!(
                "{what} is an FfiOption of `{name}`, which is {}: an FfiOption holds a \
                 primitive or an #[ffi_type] struct or enum",
                describe(other)
            )),
            None => problems.push(format!(
                "{what} is an FfiOption of `{name}`, which is not registered in `types`"
            )),
        },
        other => problems.push(format!(
            "{what} is an FfiOption of kind `{}`: an FfiOption holds a primitive or an \
             #[ffi_type] struct or enum",
            other.kind()
        )),
    }
}

/// Whether `element` is one a slice or a C buffer may hold.
fn is_element(element: &TypeRef, kinds: &HashMap<&str, &TypeDef>) -> bool {
    let mut problems = Vec::new();
    check_element(&mut problems, element, kinds, "");
    problems.is_empty()
}

/// Whether a `vec`'s element or an `option`'s inner type makes it a wire-encoded value (C has
/// no layout for it): a `string`, `vec`, `option` or `map`, or a `char`, `u128` or `i128`.
fn is_encoded(ty: &TypeRef) -> bool {
    matches!(
        ty,
        TypeRef::String
            | TypeRef::Vec { .. }
            | TypeRef::Option { .. }
            | TypeRef::Map { .. }
            | TypeRef::Record(_)
    ) || matches!(ty, TypeRef::Primitive(name) if matches!(*name, "char" | "u128" | "i128"))
}

/// Checks a wire-encoded value: numbers, `bool`, `string`, field-less enums, and `vec`, `option`
/// and `map` of those; map keys are strings or integers.
fn check_wire(
    problems: &mut Vec<String>,
    ty: &TypeRef,
    kinds: &HashMap<&str, &TypeDef>,
    what: &str,
) {
    match ty {
        TypeRef::Primitive(_) | TypeRef::String => {}
        // A struct's fields in order (its layout's padding is not sent).
        TypeRef::Named(name)
            if matches!(
                kinds.get(name),
                Some(TypeDef::Enum { .. } | TypeDef::Struct { .. } | TypeDef::Newtype { .. })
            ) => {}
        TypeRef::Record(name)
            if matches!(
                kinds.get(name),
                Some(TypeDef::Record { .. } | TypeDef::RecordEnum { .. })
            ) => {}
        TypeRef::Vec { element } => check_wire(problems, element, kinds, what),
        TypeRef::Option { inner } => check_wire(problems, inner, kinds, what),
        TypeRef::Map { key, value } => {
            let integer = |name: &str| !matches!(name, "bool" | "f32" | "f64" | "char");
            let newtype_of_integer = matches!(&**key, TypeRef::Named(target)
                if matches!(kinds.get(target), Some(TypeDef::Newtype { inner, .. })
                    if matches!(inner, TypeRef::Primitive(name) if integer(name))));
            if !matches!(&**key, TypeRef::String)
                && !matches!(&**key, TypeRef::Primitive(name) if integer(name))
                && !newtype_of_integer
            {
                problems.push(format!(
                    "{what} is a map with keys of kind `{}`: map keys are strings or integers",
                    key.kind()
                ));
            }
            check_wire(problems, value, kinds, what);
        }
        other => problems.push(format!(
            "{what} holds a value of kind `{}` inside an encoded value, which holds numbers, \
             bool, strings, #[ffi_type] structs, field-less enums and records, and vecs, options \
             and maps of those",
            match other {
                TypeRef::Primitive(name) | TypeRef::Named(name) | TypeRef::Record(name) => name,
                other => other.kind(),
            }
        )),
    }
}

/// Where the all-zero bytes of `ty` are not a value of it (an enum without a variant of value
/// 0, by value somewhere inside), said as "field `x` of struct `S` is ..."; `None` if they are.
fn not_zeroable(ty: &TypeRef, kinds: &HashMap<&str, &TypeDef>) -> Option<String> {
    match ty {
        // Every primitive's zero is a value (`false`, `'\0'`); an option's is `None`; a raw
        // pointer's is NULL.
        TypeRef::Primitive(_) | TypeRef::Option { .. } | TypeRef::Pointer { .. } => None,
        TypeRef::Array { element, .. } => not_zeroable(element, kinds),
        TypeRef::Named(target) => match kinds.get(target)? {
            TypeDef::Enum { variants, .. } => (!variants.iter().any(|v| v.value == 0))
                .then(|| format!("enum `{target}` has no variant of value 0")),
            TypeDef::Struct { name, fields, .. } => fields.iter().find_map(|field| {
                not_zeroable(&field.ty, kinds)
                    .map(|why| format!("in field `{}` of struct `{name}`, {why}", field.name))
            }),
            TypeDef::Tagged { variants, .. } => match variants.iter().find(|v| v.value == 0) {
                None => Some(format!("enum `{target}` has no variant of value 0")),
                Some(variant) => variant.fields.iter().find_map(|field| {
                    not_zeroable(&field.ty, kinds).map(|why| {
                        format!(
                            "in field `{}` of variant `{}`, {why}",
                            field.name, variant.name
                        )
                    })
                }),
            },
            // A number's zero is one.
            TypeDef::Newtype { .. } => None,
            TypeDef::Opaque { .. }
            | TypeDef::Callback { .. }
            | TypeDef::Trait { .. }
            | TypeDef::Record { .. }
            | TypeDef::RecordEnum { .. } => Some(format!("`{target}` is not plain data")),
        },
        _ => Some(format!("a value of kind `{}` is not plain data", ty.kind())),
    }
}

/// Whether `ty` is, points to or holds an `#[ffi_callback]`.
fn holds_callback(ty: &TypeRef, kinds: &HashMap<&str, &TypeDef>) -> bool {
    match ty {
        TypeRef::Named(name) | TypeRef::Pointer { target: name, .. } => {
            matches!(
                kinds.get(name),
                Some(TypeDef::Callback { .. } | TypeDef::Trait { .. })
            )
        }
        TypeRef::Slice { element, .. }
        | TypeRef::Vec { element }
        | TypeRef::Array { element, .. } => holds_callback(element, kinds),
        TypeRef::Option { inner } => holds_callback(inner, kinds),
        _ => false,
    }
}

/// "a struct", "an enum", "an opaque type", "a callback" or "a data-carrying enum", for
/// messages.
fn describe(def: &TypeDef) -> &'static str {
    match def {
        TypeDef::Struct { .. } => "a struct",
        TypeDef::Record { .. } => "a record",
        TypeDef::RecordEnum { .. } => "an enum with owned fields",
        TypeDef::Enum { .. } => "an enum",
        TypeDef::Opaque { .. } => "an opaque type",
        TypeDef::Callback { .. } => "a callback",
        TypeDef::Trait { .. } => "a trait object",
        TypeDef::Tagged { .. } => "a data-carrying enum",
        TypeDef::Newtype { .. } => "a newtype",
    }
}

/// Whether `ty` is a number a newtype may wrap: an integer up to 64 bits, `f32` or `f64`.
fn is_number(ty: &TypeRef) -> bool {
    matches!(ty, TypeRef::Primitive(name)
        if !matches!(*name, "bool" | "char" | "u128" | "i128"))
}

/// Reports `name` unless it is an ASCII identifier outside the reserved prefix. The macros
/// check this at compile time too; this is the last line of defence for the format.
fn check_identifier(problems: &mut Vec<String>, name: &str, what: &str) {
    let mut chars = name.chars();
    let valid = matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        problems.push(format!(
            "{what}: `{name}` is not an ASCII identifier ([A-Za-z_][A-Za-z0-9_]*)"
        ));
    } else if name.starts_with(RESERVED_PREFIX) {
        problems.push(format!(
            "{what}: names beginning with `{RESERVED_PREFIX}` are reserved"
        ));
    }
}

/// FNV-1a, 64-bit.
pub(crate) fn fnv1a_64(bytes: &[u8]) -> u64 {
    const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes.iter().fold(OFFSET_BASIS, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(PRIME)
    })
}

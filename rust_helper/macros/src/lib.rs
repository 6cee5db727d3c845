//! Attribute macros of [`hatch-interop`](https://crates.io/crates/hatch-interop).
//!
//! Use them through `hatch_interop` (`use hatch_interop::prelude::*;`): the code they
//! generate refers to `::hatch_interop`, so the crate must be a dependency under that name.
//!
//! The macros check only what they can see in the tokens (shape of the item, repr,
//! identifiers). Everything about types is left to the trait system, so that type aliases
//! and paths resolve exactly as the compiler resolves them.

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::visit_mut::VisitMut;
use syn::{
    Attribute, Error, Expr, Fields, FnArg, GenericParam, Ident, Item, ItemConst, ItemEnum, ItemFn,
    ItemStruct, Lifetime, Lit, Meta, Pat, ReturnType, Signature, Type, WherePredicate,
};

/// Prefix the inventory format reserves for itself.
const RESERVED_PREFIX: &str = "__hatch_interop";

/// Exports a function through the C ABI and makes it registrable in the inventory.
///
/// The function itself stays a plain Rust function (an `extern "C"` written on it is
/// removed), callable from Rust with its Rust types. Beside it the macro emits:
///
/// - a hidden `extern "C"` *shim*, exported under the function's name, that converts the C
///   arguments, calls the function inside `catch_unwind` and converts the result. A panic,
///   a returned `Err` or an invalid argument (a `&str` that is not UTF-8, a null slice
///   pointer with a non-zero length) is recorded as the calling thread's failure and the
///   shim returns zeroes; it never unwinds;
/// - a hidden marker type of the same name in the type namespace, so that the inventory can
///   register it: `Inventory::new().function::<my_function>()`.
///
/// Parameters are `FfiType`s, passed as they are, or `&str` (pointer and length in bytes),
/// `&CStr` (a NUL-terminated string), `&[T]` and `&mut [T]` (pointer and element count, `T`
/// an `FfiSliceElement`); these are recognised by their spelling. The return type implements
/// `FfiReturn` (`()`, an `FfiType`, `String`, `Vec<T>`, or `Result<T, E>` with an
/// `#[ffi_type]` enum `E` that implements `Display` or `std::collections::TryReserveError`).
/// Other types fail to compile with an error naming them. Generic type parameters, `self`
/// parameters, pattern parameters, variadics and ABIs other than `"C"` are rejected, and so is
/// a parameter that borrows for `'static` (the caller lends it for the call only).
///
/// An `async fn` (with the `tokio` feature) is exported as a shim that also takes an
/// [`FfiCompletion`](../hatch_interop/struct.FfiCompletion.html), polls the future once on the
/// calling thread and returns; the future's outcome goes to the completion, before the shim
/// returns if that poll finished it, else from the library's runtime, which runs it on. Its
/// parameters must be owned (numbers, structs, enums, options, `Box<T>`, callbacks by value):
/// the future outlives the call, so a parameter whose type borrows (a reference or a lifetime
/// anywhere in it) is a compile error that names it.
#[proc_macro_attribute]
pub fn ffi_function(attr: TokenStream, item: TokenStream) -> TokenStream {
    run(attr, item, function::expand)
}

/// Turns the `impl` block of an `#[ffi_type(opaque)]` type into a *service*: an object the
/// foreign side creates, calls methods on and destroys (in Python, a class).
///
/// Every `pub` function of the block is exported (register the type with
/// `Inventory::new().service::<MyType>()`); the others are left alone, as helpers:
///
/// - a *constructor* is an associated function that returns `Self` or `Result<Self, E>` (with
///   an `#[ffi_type]` enum `E` that implements `Display`, as for `#[ffi_function]`);
/// - a *method* takes `&self` or `&mut self`, and any parameters and result `#[ffi_function]`
///   supports;
/// - a *static* function is any other associated function.
///
/// Each is exported as `<type in snake_case>_<name>` (`store_new`, `store_get`); a method gets
/// the object's handle as its first C parameter. The object lives in an `Arc` of a cell that
/// arbitrates its borrows at run time: `&self` methods may run at the same time (on several
/// threads), a `&mut self` method only alone, and a call that conflicts with a running one
/// fails (an invalid argument, kind 3) instead of racing. Two more symbols are exported:
/// `<type>_destroy(handle)` drops the object (it fails while a method runs; twice is
/// harmless; later calls fail as closed) and `<type>_release(handle)` gives up the handle,
/// once, dropping the object if it was not destroyed.
///
/// The type must be `Send + Sync`: the foreign side may use it from any thread. `self` by
/// value and generic functions are rejected; `async` constructors, methods and statics (with
/// the `tokio` feature) take owned parameters only, as `#[ffi_function]`'s.
#[proc_macro_attribute]
pub fn ffi_service(attr: TokenStream, item: TokenStream) -> TokenStream {
    let attr = TokenStream2::from(attr);
    let item = TokenStream2::from(item);
    match service::expand(attr, item.clone()) {
        Ok(tokens) => tokens.into(),
        Err(err) => {
            // Keep the block, without the `#[ffi(...)]` attributes only this macro reads, so
            // that the error is not buried under "cannot find attribute `ffi`" errors.
            let err = err.to_compile_error();
            let item = match syn::parse2::<syn::ItemImpl>(item.clone()) {
                Ok(mut block) => {
                    for member in &mut block.items {
                        if let syn::ImplItem::Fn(func) = member {
                            func.attrs.retain(|attr| !attr.path().is_ident("ffi"));
                        }
                    }
                    quote!(#block)
                }
                Err(_) => item,
            };
            quote!(#err #item).into()
        }
    }
}

/// Describes a struct or enum to the inventory and makes it an FFI type.
///
/// - A struct needs named fields, each of an FFI type; it gets `#[repr(C)]` unless it
///   already has it (any other repr is rejected).
/// - A field-less enum keeps `#[repr(u8 | u16 | u32 | u64 | i8 | i16 | i32 | i64)]` or
///   `#[repr(C)]` (recorded as `i32`) and gets `#[repr(u32)]` when it has no repr.
/// - A data-carrying enum (variants with named fields, unit variants allowed too) needs
///   `#[repr(C, u8 | u16 | ...)]`, the C layout of RFC 2195 (a struct of the tag and a union
///   of one struct per variant), and gets `#[repr(C, u32)]` when it has no repr. Each field
///   is of an FFI type.
/// - `#[ffi_type(opaque)]` accepts any `Send + Sync` struct or enum without changing it;
///   such a type only crosses the boundary behind a pointer: a function returns `Box<T>` (or
///   `Option<Box<T>>`, `Result<Box<T>, E>`) and takes `&T`, `&mut T`, `Box<T>`, `*const T`,
///   `*mut T` or their `Option`s. The caller's objects are cells that arbitrate every call
///   (shared borrows for `&T`, exclusive ones for `&mut T`, one take for `Box<T>`; a conflict
///   is a failure naming the function and parameter), so references and raw pointers to the
///   type cannot be returned. It exports `<type_snake>_ffi_drop(T *object)`, which gives back
///   an object a function returned (dropping it unless a function took it; NULL does nothing).
#[proc_macro_attribute]
pub fn ffi_type(attr: TokenStream, item: TokenStream) -> TokenStream {
    run(attr, item, types::expand)
}

/// Turns `type Name = fn(a: A, b: B) -> R;` into a callback type: a function the foreign side
/// (Python) implements and Rust calls with `name.call(a, b)`.
///
/// The alias becomes a `#[repr(C)]` struct `{ call, context, release }`: `call(context, a, b)`
/// runs the callback and `release(context)` (if not null) tells the foreign side that Rust
/// has dropped it. Take the callback by value to keep it (it is released when dropped), or by
/// `&` to use it during the call only. Parameters are primitives, `#[ffi_type]` enums and
/// references to `#[ffi_type]` structs; the return type is `()`, a primitive, an enum, a
/// struct, a `String`, or an `Option` or `Result<T, E>` (`E` an error enum) of one (a struct,
/// a `String` and an `Option` through a slot `call` gets last, a `Result`'s error through an
/// `FfiOption<E>` slot before it, or an `EncodedResult<E>` for an enum whose variants carry
/// data: see `CallbackResult`, `TextResult`, `EncodedResult` and `FfiOption`).
///
/// A callback that fails on the foreign side (a Python exception) returns zeroes (for an
/// enum, its first variant; an empty `String`; a struct's zero bytes; `None`) to Rust, and the library call it runs inside reports the failure
/// when it returns (Python re-raises the exception there).
#[proc_macro_attribute]
pub fn ffi_callback(attr: TokenStream, item: TokenStream) -> TokenStream {
    run(attr, item, callback::expand)
}

/// Makes a `const` item of a primitive type registrable in the inventory:
/// `Inventory::new().constant::<MY_CONSTANT>()`.
/// Makes a trait implementable by the foreign side (a Python class): `#[ffi_trait] pub trait
/// Progress { fn on_progress(&self, done: u64, total: u64); fn cancelled(&self) -> bool; }`.
///
/// Functions and service methods take its objects as `&dyn Progress` (for the call), as
/// `Option<&dyn Progress>`, or as `Box<dyn Progress>` or `Arc<dyn Progress>`, which Rust keeps
/// and may call from any thread (the attribute adds `Send + Sync` to the supertraits).
///
/// Each method takes `&self` and the parameters and result a callback takes
/// ([`ffi_callback`]), and is called as one: C sees a `repr(C)` struct with one callback
/// structure (`{call, context, release}`) per method, named `<Trait>_<method>`. A method that
/// fails on the foreign side returns `Err` if it returns `Result<T, E>` and it raised one of
/// `E`'s variants, else zeroes, as a callback does; the library call it runs inside reports the
/// failure. Default method bodies, generic or `async` methods, associated items and other
/// supertraits are compile errors.
#[proc_macro_attribute]
pub fn ffi_trait(attr: TokenStream, item: TokenStream) -> TokenStream {
    run(attr, item, foreign_trait::expand)
}

#[proc_macro_attribute]
pub fn ffi_constant(attr: TokenStream, item: TokenStream) -> TokenStream {
    run(attr, item, constant::expand)
}

/// Marks the crate's `fn() -> Inventory`.
///
/// The function is kept; it additionally stamps the crate's name and version into the
/// inventory. The macro also exports the library's support symbols:
///
/// - `<crate>_api_guard() -> u64`, which returns the inventory's `api_hash` so that bindings
///   can check, when they load the library, that it is the one they were generated for;
/// - `<crate>_ffi_pending() -> *const usize`, the address of the count of failures not yet
///   taken;
/// - `<crate>_ffi_take_failure(*mut FfiFailure) -> bool`, which hands over the calling
///   thread's failure;
/// - `<crate>_ffi_free(ptr, size, align)`, which frees a buffer the library returned;
/// - `<crate>_ffi_free_texts(texts)`, which frees a `Vec<String>` result (`FfiTexts`);
/// - `<crate>_ffi_callback_failed(message, len)`, with which a callback implemented in another
///   language reports that it failed (kind 4) to the library call it runs inside.
#[proc_macro_attribute]
pub fn ffi_inventory(attr: TokenStream, item: TokenStream) -> TokenStream {
    run(attr, item, inventory::expand)
}

fn run(
    attr: TokenStream,
    item: TokenStream,
    expand: fn(TokenStream2, TokenStream2) -> syn::Result<TokenStream2>,
) -> TokenStream {
    let item = TokenStream2::from(item);
    match expand(attr.into(), item.clone()) {
        Ok(tokens) => tokens.into(),
        // Keep the item so that the error is not buried under "cannot find ..." errors.
        Err(err) => {
            let err = err.to_compile_error();
            quote!(#err #item).into()
        }
    }
}

/// Collects several errors so that one compilation reports all of them.
#[derive(Default)]
struct Errors(Option<Error>);

impl Errors {
    fn push(&mut self, span: Span, message: impl std::fmt::Display) {
        self.add(Error::new(span, message));
    }

    fn add(&mut self, err: Error) {
        match &mut self.0 {
            Some(errors) => errors.combine(err),
            None => self.0 = Some(err),
        }
    }

    /// Records the error of `result`, if any, and returns its value.
    fn check<T>(&mut self, result: syn::Result<T>) -> Option<T> {
        result.map_err(|err| self.add(err)).ok()
    }

    fn finish(self) -> syn::Result<()> {
        self.0.map_or(Ok(()), Err)
    }
}

fn no_arguments(attr: TokenStream2, name: &str) -> syn::Result<()> {
    if attr.is_empty() {
        Ok(())
    } else {
        Err(Error::new_spanned(
            attr,
            format!("#[{name}] takes no arguments"),
        ))
    }
}

/// What `#[ffi_function(...)]` and a service member's `#[ffi(...)]` say.
#[derive(Default)]
struct ExportArguments {
    /// `gil = "hold"`.
    hold_gil: bool,
    /// `name = "..."`: the name Python and C know the function by, instead of its Rust name.
    name: Option<syn::LitStr>,
    /// `defaults(limit = 10, label = "x")`: the values of trailing parameters a caller may leave out.
    defaults: Vec<(Ident, Expr)>,
}

impl ExportArguments {
    /// Reads one `meta` item into `self`, or says what `what` takes.
    fn read(&mut self, meta: syn::meta::ParseNestedMeta, what: &str) -> syn::Result<()> {
        if meta.path.is_ident("name") {
            self.name = Some(meta.value()?.parse()?);
            return Ok(());
        }
        if meta.path.is_ident("defaults") {
            return meta.parse_nested_meta(|default| {
                let Some(ident) = default.path.get_ident().cloned() else {
                    return Err(
                        default.error("`defaults(...)` names parameters: `defaults(limit = 10)`")
                    );
                };
                let value: Expr = default.value()?.parse()?;
                self.defaults.push((ident, value));
                Ok(())
            });
        }
        if !meta.path.is_ident("gil") {
            return Err(meta.error(format!(
                "unknown argument of {what}: it takes `name = \"...\"` (the name Python and C \
                 use), `gil = \"hold\"` or `gil = \"release\"`, and `defaults(param = value, ...)`"
            )));
        }
        let value: syn::LitStr = meta.value()?.parse()?;
        self.hold_gil = match value.value().as_str() {
            "hold" => true,
            "release" => false,
            other => {
                let message = format!(
                    "`gil` is \"release\" (the default: other Python threads run during the call) or \
                     \"hold\" (for short calls that never wait for another thread calling into Python: \
                     saves releasing and retaking the GIL), not {other:?}"
                );
                return Err(Error::new(value.span(), message));
            }
        };
        Ok(())
    }

    /// The default of each of `params` (in order), checked: only trailing parameters have one,
    /// each names a parameter, and each is a literal or `None` (its type is checked by rustc: see
    /// [`default_checks`]).
    fn param_defaults(
        &self,
        params: &[(String, function::Lowering)],
        errors: &mut Errors,
    ) -> Vec<Option<DefaultArg>> {
        let mut defaults: Vec<Option<DefaultArg>> = params.iter().map(|_| None).collect();
        for (ident, expr) in &self.defaults {
            let name = ident.unraw().to_string();
            let Some(index) = params.iter().position(|(param, _)| *param == name) else {
                let names: Vec<&str> = params.iter().map(|(param, _)| param.as_str()).collect();
                errors.push(
                    ident.span(),
                    format!(
                        "`defaults` names `{name}`, which is not a parameter (the parameters: {})",
                        if names.is_empty() {
                            "none".to_owned()
                        } else {
                            names.join(", ")
                        }
                    ),
                );
                continue;
            };
            if defaults[index].is_some() {
                errors.push(ident.span(), format!("`{name}` has two defaults"));
                continue;
            }
            match default_value(expr).and_then(|value| {
                check_int_range(expr, &params[index].1)?;
                Ok(value)
            }) {
                Ok(value) => {
                    defaults[index] = Some(DefaultArg {
                        value,
                        expr: expr.clone(),
                    })
                }
                Err(error) => errors.push(error.span(), error.to_string()),
            }
        }
        // Python (and every language with default arguments) lets a caller leave out only trailing ones.
        if let Some(first) = defaults.iter().position(Option::is_some) {
            if let Some(gap) = (first..params.len()).find(|&i| defaults[i].is_none()) {
                let (with, without) = (&params[first].0, &params[gap].0);
                let span = self
                    .defaults
                    .iter()
                    .map(|(ident, _)| ident.span())
                    .next()
                    .unwrap_or_else(Span::call_site);
                errors.push(
                    span,
                    format!(
                        "parameter `{without}` comes after `{with}`, which has a default, but has none: only \
                         trailing parameters can have defaults (give `{without}` one, or move it before `{with}`)"
                    ),
                );
            }
        }
        defaults
    }

    /// The function's name in the inventory: `name = "..."` if given, else its Rust name.
    fn inventory_name(&self, ident: &Ident, what: &str) -> syn::Result<String> {
        match &self.name {
            Some(name) => checked_name(name.value(), name.span(), what),
            None => inventory_name(ident, what),
        }
    }
}

/// A parameter's default: its inventory value and the expression written (for the type check).
struct DefaultArg {
    value: TokenStream2,
    expr: Expr,
}

/// The `DefaultValue` of a default's expression: a number, `bool` or string literal, a negated
/// number, or `None`.
fn default_value(expr: &Expr) -> syn::Result<TokenStream2> {
    let literal = |lit: &Lit, negative: bool| -> syn::Result<TokenStream2> {
        let sign = if negative { "-" } else { "" };
        match lit {
            Lit::Int(int) => {
                let value: i128 =
                    format!("{sign}{}", int.base10_digits())
                        .parse()
                        .map_err(|_| {
                            Error::new(int.span(), "this default does not fit any integer type")
                        })?;
                Ok(quote!(::hatch_interop::__private::DefaultValue::Int(#value)))
            }
            Lit::Float(float) => {
                let value: f64 = format!("{sign}{}", float.base10_digits())
                    .parse()
                    .map_err(|_| Error::new(float.span(), "this default is not a float"))?;
                Ok(quote!(::hatch_interop::__private::DefaultValue::Float(#value)))
            }
            Lit::Bool(flag) if !negative => {
                Ok(quote!(::hatch_interop::__private::DefaultValue::Bool(#flag)))
            }
            Lit::Str(text) if !negative => {
                Ok(quote!(::hatch_interop::__private::DefaultValue::Str(#text)))
            }
            _ => Err(Error::new(lit.span(), DEFAULT_KINDS)),
        }
    };
    match expr {
        Expr::Lit(lit) => literal(&lit.lit, false),
        Expr::Unary(unary) if matches!(unary.op, syn::UnOp::Neg(_)) => match &*unary.expr {
            Expr::Lit(lit) if matches!(lit.lit, Lit::Int(_) | Lit::Float(_)) => {
                literal(&lit.lit, true)
            }
            other => Err(Error::new(other.span(), DEFAULT_KINDS)),
        },
        Expr::Path(path) if path.qself.is_none() && path.path.is_ident("None") => {
            Ok(quote!(::hatch_interop::__private::DefaultValue::None))
        }
        other => Err(Error::new(other.span(), DEFAULT_KINDS)),
    }
}

/// Refuses an integer default outside its primitive parameter type's range (rustc's own
/// `overflowing_literals` lint is silent in code a macro of another crate expanded).
fn check_int_range(expr: &Expr, lowering: &function::Lowering) -> syn::Result<()> {
    // `None` for an `Option<T>` (rustc checks the type below).
    let none = matches!(expr, Expr::Path(path) if path.path.is_ident("None"));
    if let (function::Lowering::Converted(ty), false) = (lowering, none) {
        return Err(Error::new(
            expr.span(),
            format!(
                "a `{}` parameter cannot have a default (defaults are numbers up to 64 bits, \
                 `bool`, strings and `None`)",
                type_text(ty)
            ),
        ));
    }
    let function::Lowering::Value(Type::Path(path)) = lowering else {
        return Ok(());
    };
    let Some(ident) = path.path.get_ident() else {
        return Ok(());
    };
    let (low, high): (i128, i128) = match ident.to_string().as_str() {
        "u8" => (0, u8::MAX.into()),
        "u16" => (0, u16::MAX.into()),
        "u32" => (0, u32::MAX.into()),
        "u64" | "usize" => (0, u64::MAX.into()),
        "i8" => (i8::MIN.into(), i8::MAX.into()),
        "i16" => (i16::MIN.into(), i16::MAX.into()),
        "i32" => (i32::MIN.into(), i32::MAX.into()),
        "i64" | "isize" => (i64::MIN.into(), i64::MAX.into()),
        _ => return Ok(()),
    };
    let (negative, lit) = match expr {
        Expr::Lit(lit) => (false, &lit.lit),
        Expr::Unary(unary) => match &*unary.expr {
            Expr::Lit(lit) => (true, &lit.lit),
            _ => return Ok(()),
        },
        _ => return Ok(()),
    };
    let Lit::Int(int) = lit else {
        return Ok(());
    };
    let value =
        format!("{}{}", if negative { "-" } else { "" }, int.base10_digits()).parse::<i128>();
    match value {
        Ok(value) if (low..=high).contains(&value) => Ok(()),
        _ => Err(Error::new(
            expr.span(),
            format!("this default is out of range for `{ident}` ({low}..={high})"),
        )),
    }
}

const DEFAULT_KINDS: &str = "a default is a literal of the parameter's type (a number, `true` or \
                             `false`, a string) or `None` (for an `Option` or a nullable pointer)";

/// Statements that make rustc check each default against its parameter's type, where they are
/// placed (they never run): `let _: u32 = 10;`.
fn default_checks(inputs: &[&Type], defaults: &[Option<DefaultArg>]) -> Vec<TokenStream2> {
    inputs
        .iter()
        .zip(defaults)
        .filter_map(|(ty, default)| {
            let default = default.as_ref()?;
            let expr = &default.expr;
            // A `String` parameter's default is a string literal, as a `&str`'s is.
            if function::is_string(ty) {
                return Some(quote_spanned!(expr.span()=> let _: &str = #expr;));
            }
            let ty = static_lifetimes(ty);
            Some(quote_spanned!(expr.span()=> let _: #ty = #expr;))
        })
        .collect()
}

/// The arguments of `#[ffi_function(...)]`.
fn function_arguments(attr: TokenStream2) -> syn::Result<ExportArguments> {
    let mut arguments = ExportArguments::default();
    let parser = syn::meta::parser(|meta| arguments.read(meta, "#[ffi_function]"));
    syn::parse::Parser::parse2(parser, attr)?;
    Ok(arguments)
}

/// The name an identifier has in the inventory (`r#type` is `type`), if the format allows it.
fn inventory_name(ident: &Ident, what: &str) -> syn::Result<String> {
    checked_name(ident.unraw().to_string(), ident.span(), what)
}

/// `name`, if the inventory's format allows it (`span` is where an error points).
fn checked_name(name: String, span: Span, what: &str) -> syn::Result<String> {
    if name == "_" || name.is_empty() {
        return Err(Error::new(span, format!("{what} needs a name")));
    }
    let identifier = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !identifier {
        return Err(Error::new(
            span,
            format!(
                "{what} `{name}` is not an ASCII identifier: names in the FFI inventory must \
                 match [A-Za-z_][A-Za-z0-9_]* so that C and Python can spell them"
            ),
        ));
    }
    if name.starts_with(RESERVED_PREFIX) {
        return Err(Error::new(
            span,
            format!("{what} `{name}`: names beginning with `{RESERVED_PREFIX}` are reserved"),
        ));
    }
    Ok(name)
}

/// `::hatch_interop::__private::Doc(&[...])` from the item's `#[doc = ...]` attributes.
///
/// The raw values are passed on and cleaned up at run time, so that macro-valued docs
/// (`#[doc = include_str!("..")]`) work as well as literals.
fn doc(attrs: &[Attribute]) -> TokenStream2 {
    let parts = attrs.iter().filter_map(|attr| match &attr.meta {
        Meta::NameValue(nv) if nv.path.is_ident("doc") => Some(&nv.value),
        _ => None,
    });
    quote!(::hatch_interop::__private::Doc(&[#(#parts),*]))
}

/// Rejects types that cannot be named outside the signature they appear in.
fn check_type(ty: &Type, errors: &mut Errors) {
    struct Check<'a>(&'a mut Errors);
    impl<'ast> Visit<'ast> for Check<'_> {
        fn visit_type(&mut self, ty: &'ast Type) {
            match ty {
                Type::ImplTrait(t) => self.0.push(
                    t.span(),
                    "`impl Trait` is not supported in an FFI signature: name a concrete type",
                ),
                Type::Never(t) => self.0.push(
                    t.span(),
                    "`!` is not supported in an FFI signature: a function that never returns \
                     can return `()`",
                ),
                _ => syn::visit::visit_type(self, ty),
            }
        }
    }
    Check(errors).visit_type(ty);
}

/// Rejects the borrowed parameters of an `async fn` (a reference or a lifetime anywhere in
/// a parameter's type): its future runs after the call has returned, when what the caller
/// lent (a Python string's bytes, a buffer) may be gone or changed.
fn check_async_params(sig: &Signature, errors: &mut Errors) {
    struct Borrow(Option<Span>);
    impl<'ast> Visit<'ast> for Borrow {
        fn visit_type_reference(&mut self, reference: &'ast syn::TypeReference) {
            self.0.get_or_insert(reference.and_token.span);
        }
        fn visit_lifetime(&mut self, lifetime: &'ast Lifetime) {
            self.0.get_or_insert(lifetime.span());
        }
    }
    if sig.asyncness.is_none() {
        return;
    }
    for input in &sig.inputs {
        let FnArg::Typed(typed) = input else { continue };
        let mut borrow = Borrow(None);
        borrow.visit_type(&typed.ty);
        if borrow.0.is_none() {
            continue;
        }
        let name = match &*typed.pat {
            Pat::Ident(pat) => format!("`{}`", pat.ident.unraw()),
            _ => "this parameter".to_owned(),
        };
        let ty = &typed.ty;
        errors.push(
            typed.span(),
            format!(
                "parameter {name} of the async function `{}` borrows (`{}`): its future runs \
                 after the call returns, when the caller's value may be gone or changed; take \
                 an owned value instead (a number, a struct or enum by value, a `Box<T>`, a \
                 callback by value)",
                sig.ident.unraw(),
                type_text(ty),
            ),
        );
    }
}

/// Rejects the `'static` borrows of a synchronous function's parameters (`&'static str`,
/// `&'static [u8]`, `Option<&'static T>`, or a lifetime parameter bounded by `'static`): what
/// the caller lends (a Python string's bytes, a buffer) is valid only during the call, so Rust
/// must not be able to keep it. (An `async fn` rejects every borrow: [`check_async_params`].)
fn check_static_params(sig: &Signature, errors: &mut Errors) {
    struct Static(Option<Span>);
    impl<'ast> Visit<'ast> for Static {
        fn visit_lifetime(&mut self, lifetime: &'ast Lifetime) {
            if lifetime.ident == "static" {
                self.0.get_or_insert(lifetime.span());
            }
        }
    }
    if sig.asyncness.is_some() {
        return;
    }
    let function = sig.ident.unraw();
    let advice = "what the caller lends is valid only during the call, so Rust must not keep \
                  it; take an owned value, or copy what you keep (`to_owned()`, `to_vec()`)";
    for input in &sig.inputs {
        let FnArg::Typed(typed) = input else { continue };
        let mut found = Static(None);
        found.visit_type(&typed.ty);
        if found.0.is_none() {
            continue;
        }
        let name = match &*typed.pat {
            Pat::Ident(pat) => format!("`{}`", pat.ident.unraw()),
            _ => "this parameter".to_owned(),
        };
        errors.push(
            typed.span(),
            format!(
                "parameter {name} of `{function}` borrows for `'static` (`{}`): {advice}",
                type_text(&typed.ty),
            ),
        );
    }
    // `<'a: 'static>` or `where 'a: 'static` makes `&'a str` a `&'static str`.
    let bounds = sig
        .generics
        .lifetimes()
        .map(|param| (&param.lifetime, &param.bounds))
        .chain(sig.generics.where_clause.iter().flat_map(|clause| {
            clause
                .predicates
                .iter()
                .filter_map(|predicate| match predicate {
                    WherePredicate::Lifetime(bound) => Some((&bound.lifetime, &bound.bounds)),
                    _ => None,
                })
        }));
    for (lifetime, bounds) in bounds {
        if let Some(bound) = bounds.iter().find(|bound| bound.ident == "static") {
            errors.push(
                bound.span(),
                format!(
                    "`{lifetime}: 'static` in `{function}` lets its parameters borrow for \
                     `'static`: {advice}"
                ),
            );
        }
    }
}

/// A type as a message shows it (`&[u8]`, not `& [u8]`).
fn type_text(ty: &Type) -> String {
    let mut text = quote!(#ty).to_string();
    for (spaced, tight) in [
        ("& ", "&"),
        (" <", "<"),
        ("< ", "<"),
        (" >", ">"),
        (" ,", ","),
    ] {
        text = text.replace(spaced, tight);
    }
    text.replace("[ ", "[").replace(" ]", "]")
}

/// The type with every named lifetime replaced by `'static`, so that it can be named in the
/// generated impls, where the function's lifetime parameters are not in scope. FFI types are
/// `'static` (no generics), so this names the same type description.
fn static_lifetimes(ty: &Type) -> Type {
    struct Replace;
    impl VisitMut for Replace {
        fn visit_lifetime_mut(&mut self, lifetime: &mut Lifetime) {
            if lifetime.ident != "static" && lifetime.ident != "_" {
                lifetime.ident = Ident::new("static", lifetime.ident.span());
            }
        }
    }
    let mut ty = ty.clone();
    Replace.visit_type_mut(&mut ty);
    ty
}

/// The type with every lifetime, named or elided, replaced by `'static`: the shim's
/// signature names the function's types without its lifetime parameters, and its
/// arguments, valid for the whole call, coerce to whatever lifetimes the function asks for.
fn all_static_lifetimes(ty: &Type) -> Type {
    struct Replace;
    impl VisitMut for Replace {
        fn visit_type_reference_mut(&mut self, reference: &mut syn::TypeReference) {
            if reference.lifetime.is_none() {
                reference.lifetime = Some(Lifetime::new("'static", reference.and_token.span));
            }
            syn::visit_mut::visit_type_reference_mut(self, reference);
        }
        fn visit_lifetime_mut(&mut self, lifetime: &mut Lifetime) {
            if lifetime.ident != "static" {
                lifetime.ident = Ident::new("static", lifetime.ident.span());
            }
        }
        // A function pointer's own lifetimes are its business (`fn(&u8)` is higher-ranked).
        fn visit_type_bare_fn_mut(&mut self, _: &mut syn::TypeBareFn) {}
    }
    let mut ty = ty.clone();
    Replace.visit_type_mut(&mut ty);
    ty
}

/// `<ty as ::hatch_interop::FfiType>::__type_ref(types)`, spanned at the user's type so that
/// "`String` cannot cross the FFI boundary" points at it.
fn type_ref(ty: &Type) -> TokenStream2 {
    let ty = static_lifetimes(ty);
    quote_spanned!(ty.span()=> <#ty as ::hatch_interop::FfiType>::__type_ref(types))
}

/// A compile-time check that a field of type `ty` holds no reference or `Box` (see
/// `FfiType::__TRUSTED_POINTER`): the foreign side sets a field to any address.
fn untrusted_field(ty: &Type) -> TokenStream2 {
    let ty = static_lifetimes(ty);
    quote_spanned! {ty.span()=>
        const _: () = ::core::assert!(
            !<#ty as ::hatch_interop::FfiType>::__TRUSTED_POINTER,
            "a field of an #[ffi_type] struct or enum cannot be a reference or a Box: the foreign \
             side sets a field to any address (a Python field is an int), and safe Rust would read \
             or free it; make it a raw pointer (*const T, *mut T) and dereference it in unsafe \
             code that checks it, or pass the object as a parameter (&T, Box<T>)",
        );
    }
}

mod function {
    use super::*;

    /// How a parameter crosses the C ABI, decided from its syntax: the types that need two C
    /// parameters (or a conversion) cannot be told apart by the trait system alone.
    pub(crate) enum Lowering<'a> {
        /// An `FfiType`, passed as it is.
        Value(&'a Type),
        /// `&str`: a pointer to UTF-8 bytes and their count.
        Str,
        /// `&CStr`: a NUL-terminated string.
        CStr,
        /// `&[T]` or `&mut [T]`: a pointer to the elements and their count.
        Slice { element: &'a Type, mutable: bool },
        /// `String`: passed as `&str` is (a pointer to UTF-8 bytes and their count), copied
        /// into a new `String` that the function owns.
        String,
        /// `Vec<T>`: for a slice element, passed as `&[T]` is, copied into a new `Vec` that the
        /// function owns (one copy of the caller's buffer, checked as a slice's elements are);
        /// for another item (`Vec<String>`), the caller's encoding of it: `FfiVecElement` says.
        Vec(&'a Type),
        /// `HashMap<K, V>`, `BTreeMap<K, V>`, or `Option<T>` of a `String`, `Vec`, map or
        /// `Option`: a pointer to the value's wire encoding and its length, decoded through
        /// `FfiWire`.
        Wire(&'a Type),
        /// `[T; N]`: `FfiArray<T's C type, N>` (a struct of the array), checked through `array_arg`.
        Array { element: &'a Type, len: &'a Expr },
        /// `char`, `u128`, `i128` or `Option<T>` of a value: another C type (`u32`,
        /// `FfiInt128`, `FfiOption<T>`), converted and checked through `ConvertedArg` (a C
        /// caller's `u32` need not be a `char`).
        Converted(&'a Type),
        /// `&T`, `&mut T`, `Box<T>`, `*const T`, `*mut T`, `Option<&T>`, `Option<&mut T>` or
        /// `Option<Box<T>>`: a pointer, which the shim borrows (or, for a `Box`, takes) for the
        /// call through `PointerArg`, so that an opaque object's cell arbitrates the call.
        Pointer(&'a Type),
        /// `&dyn T`, `Option<&dyn T>`, `Box<dyn T>` or `Arc<dyn T>` of an `#[ffi_trait]`: its
        /// struct of callbacks, by pointer for the call or by value for Rust to keep, through
        /// `TraitObjectArg`.
        TraitObject(&'a Type),
    }

    /// Whether `ty` is spelled as a trait object a parameter may take: `&dyn T`, `Box<dyn T>`,
    /// `Arc<dyn T>`, or an `Option` of one (`&mut dyn T` too, which `lowering` refuses).
    pub(crate) fn is_trait_object(ty: &Type) -> bool {
        let is_dyn = |ty: &Type| matches!(ungroup(ty), Type::TraitObject(_));
        match ungroup(ty) {
            Type::Reference(reference) => is_dyn(&reference.elem),
            _ => {
                argument(ty, "Box").is_some_and(is_dyn)
                    || argument(ty, "Arc").is_some_and(is_dyn)
                    || argument(ty, "Option").is_some_and(is_trait_object)
            }
        }
    }

    /// The lowering of a parameter of type `ty`; `&mut str` and `&mut CStr` are errors.
    fn lowering<'a>(ty: &'a Type, errors: &mut Errors) -> Lowering<'a> {
        if let Type::Array(array) = ungroup(ty) {
            return Lowering::Array {
                element: &array.elem,
                len: &array.len,
            };
        }
        if is_trait_object(ty) {
            let reference = match ungroup(ty) {
                Type::Reference(reference) => Some(reference),
                _ => argument(ty, "Option").and_then(|inner| match ungroup(inner) {
                    Type::Reference(reference) => Some(reference),
                    _ => None,
                }),
            };
            if reference.is_some_and(|reference| reference.mutability.is_some()) {
                errors.push(
                    ty.span(),
                    "take `&dyn Trait`: an #[ffi_trait]'s methods take `&self`, and the foreign \
                     object may be called from several threads at once",
                );
            }
            return Lowering::TraitObject(ty);
        }
        if is_pointer(ty) {
            return Lowering::Pointer(ty);
        }
        if is_wire(ty) {
            return Lowering::Wire(ty);
        }
        if is_path(ungroup(ty), &[&["char"], &["u128"], &["i128"]])
            || argument(ty, "Option").is_some()
        {
            return Lowering::Converted(ty);
        }
        if is_string(ty) {
            return Lowering::String;
        }
        if let Some(element) = argument(ty, "Vec") {
            return Lowering::Vec(element);
        }
        let Type::Reference(reference) = ungroup(ty) else {
            return Lowering::Value(ty);
        };
        let mutable = reference.mutability.is_some();
        match ungroup(&reference.elem) {
            Type::Slice(slice) => Lowering::Slice {
                element: &slice.elem,
                mutable,
            },
            elem if is_path(elem, &[&["str"]]) => {
                if mutable {
                    errors.push(
                        ty.span(),
                        "`&mut str` is not supported by #[ffi_function]: take `&str`, or \
                         `&mut [u8]` to write bytes",
                    );
                }
                Lowering::Str
            }
            elem if is_path(elem, CSTR_PATHS) => {
                if mutable {
                    errors.push(
                        ty.span(),
                        "`&mut CStr` is not supported by #[ffi_function]: take `&CStr`",
                    );
                }
                Lowering::CStr
            }
            _ => Lowering::Pointer(ty),
        }
    }

    /// An array's length as a const generic argument: braced unless it is a literal or a path
    /// (which rustc would warn about braces around).
    fn const_argument(len: &Expr) -> TokenStream2 {
        match len {
            Expr::Lit(_) | Expr::Path(_) => quote!(#len),
            _ => quote!({ #len }),
        }
    }

    /// Whether `ty` is spelled as a pointer `PointerArg` converts, other than a reference
    /// (which `lowering` tells apart from `&str`, `&CStr` and slices): `Box<T>`, `*const T`,
    /// `*mut T`, or `Option` of a reference or `Box`.
    fn is_pointer(ty: &Type) -> bool {
        if matches!(ungroup(ty), Type::Ptr(_)) || argument(ty, "Box").is_some() {
            return true;
        }
        match argument(ty, "Option") {
            Some(inner) => {
                matches!(ungroup(inner), Type::Reference(_)) || argument(inner, "Box").is_some()
            }
            None => false,
        }
    }

    /// `T` of a path type whose last segment is `name<T>` (`Option<T>`, `std::vec::Vec<T>`).
    pub(crate) fn argument<'a>(ty: &'a Type, name: &str) -> Option<&'a Type> {
        let Type::Path(path) = ungroup(ty) else {
            return None;
        };
        let last = path.path.segments.last()?;
        if path.qself.is_some() || last.ident != name {
            return None;
        }
        let syn::PathArguments::AngleBracketed(arguments) = &last.arguments else {
            return None;
        };
        match arguments.args.iter().collect::<Vec<_>>()[..] {
            [syn::GenericArgument::Type(ty)] => Some(ty),
            _ => None,
        }
    }

    /// Whether `ty` is spelled as a map, or as an `Option` of a value that C has no layout for
    /// (`Option<String>`, `Option<Vec<T>>`, `Option<HashMap<K, V>>`, `Option<Option<T>>`,
    /// `Option<char>`, `Option<u128>`).
    fn is_wire(ty: &Type) -> bool {
        let map = is_map;
        map(ty)
            || argument(ty, "Option").is_some_and(|inner| {
                is_string(inner)
                    || is_path(ungroup(inner), &[&["char"], &["u128"], &["i128"]])
                    || map(inner)
                    || argument(inner, "Vec").is_some()
                    || argument(inner, "Option").is_some()
            })
    }

    /// Whether `ty` is spelled as a `HashMap<..>` or `BTreeMap<..>`.
    pub(crate) fn is_map(ty: &Type) -> bool {
        matches!(ungroup(ty), Type::Path(path) if path.qself.is_none()
        && path.path.segments.last().is_some_and(|last| {
            (last.ident == "HashMap" || last.ident == "BTreeMap")
                && !last.arguments.is_none()
        }))
    }

    /// `T` of a type spelled `Vec<T>`.
    /// The `T` of `Option<T>`.
    pub(crate) fn option_inner(ty: &Type) -> Option<&Type> {
        argument(ty, "Option")
    }

    pub(crate) fn vec_element(ty: &Type) -> Option<&Type> {
        argument(ty, "Vec")
    }

    /// Whether `ty` is spelled as `String`.
    pub(crate) fn is_string(ty: &Type) -> bool {
        is_path(ungroup(ty), STRING_PATHS)
    }

    /// The spellings of `String` that owned text parameters are recognised by.
    const STRING_PATHS: &[&[&str]] = &[
        &["String"],
        &["std", "string", "String"],
        &["alloc", "string", "String"],
    ];

    /// The spellings of `CStr` that `&CStr` parameters are recognised by.
    const CSTR_PATHS: &[&[&str]] = &[&["CStr"], &["std", "ffi", "CStr"], &["core", "ffi", "CStr"]];

    /// `ty` without the invisible groups that `macro_rules!` wraps around substituted types.
    pub(crate) fn ungroup(ty: &Type) -> &Type {
        match ty {
            Type::Group(group) => ungroup(&group.elem),
            Type::Paren(paren) => ungroup(&paren.elem),
            ty => ty,
        }
    }

    /// Whether `ty` is a plain path spelled as one of `paths` (a leading `::` allowed).
    fn is_path(ty: &Type, paths: &[&[&str]]) -> bool {
        let Type::Path(path) = ty else {
            return false;
        };
        if path.qself.is_some() {
            return false;
        }
        let segments = &path.path.segments;
        paths.iter().any(|expected| {
            segments.len() == expected.len()
                && segments
                    .iter()
                    .zip(expected.iter())
                    .all(|(segment, name)| segment.ident == name && segment.arguments.is_none())
        })
    }

    pub(crate) fn expand(attr: TokenStream2, item: TokenStream2) -> syn::Result<TokenStream2> {
        let arguments = function_arguments(attr)?;
        let mut func: ItemFn = syn::parse2(item)?;
        let mut errors = Errors::default();
        let sig = &func.sig;

        if let Some(variadic) = &sig.variadic {
            errors.push(
                variadic.span(),
                "variadic functions are not supported by #[ffi_function]",
            );
        }
        if let Some(abi) = &sig.abi {
            if let Some(name) = abi.name.as_ref().filter(|name| name.value() != "C") {
                errors.push(
                    name.span(),
                    format!(
                        "#[ffi_function] exports through the \"C\" ABI; remove `extern \"{}\"`",
                        name.value()
                    ),
                );
            }
        }
        for param in &sig.generics.params {
            if !matches!(param, GenericParam::Lifetime(_)) {
                errors.push(
                    param.span(),
                    "generic functions cannot be exported: #[ffi_function] allows lifetime \
                     parameters only",
                );
            }
        }
        if let Some(clause) = &sig.generics.where_clause {
            for predicate in &clause.predicates {
                if !matches!(predicate, WherePredicate::Lifetime(_)) {
                    errors.push(
                        predicate.span(),
                        "#[ffi_function] allows lifetime bounds only in `where` clauses",
                    );
                }
            }
        }
        for attr in &func.attrs {
            if let Some(name) = export_attribute(attr) {
                errors.push(
                    attr.span(),
                    format!(
                        "remove #[{name}]: #[ffi_function] exports the function under its own \
                         name"
                    ),
                );
            }
        }
        let name = errors.check(arguments.inventory_name(&sig.ident, "the function"));
        check_async_params(sig, &mut errors);
        check_static_params(sig, &mut errors);
        let params = lower_params(&sig.inputs, &mut errors);
        let defaults = arguments.param_defaults(&params, &mut errors);
        if let ReturnType::Type(_, ty) = &sig.output {
            check_type(ty, &mut errors);
        }
        errors.finish()?;
        let name = name.expect("errors were reported above");

        let marker = marker(&func, &name, &params, &defaults, arguments.hold_gil);
        let shim = shim(&func, &name, &params);

        // The function stays a plain Rust function: the shim is the `extern "C"` one. An
        // `extern "C"` written on it goes, so that its panics unwind into the shim's
        // `catch_unwind` instead of aborting.
        func.sig.abi = None;
        Ok(quote!(#func #marker #shim))
    }

    /// The name and lowering of each parameter; a `self` parameter is an error.
    pub(crate) fn lower_params<'a>(
        inputs: impl IntoIterator<Item = &'a FnArg>,
        errors: &mut Errors,
    ) -> Vec<(String, Lowering<'a>)> {
        let mut params = Vec::new();
        for input in inputs {
            match input {
                FnArg::Receiver(receiver) => errors.push(
                    receiver.span(),
                    "#[ffi_function] cannot take `self`: export a free function instead",
                ),
                FnArg::Typed(typed) => {
                    check_type(&typed.ty, errors);
                    let lowering = lowering(&typed.ty, errors);
                    match &*typed.pat {
                        Pat::Ident(pat) if pat.by_ref.is_none() && pat.subpat.is_none() => {
                            if let Some(name) =
                                errors.check(inventory_name(&pat.ident, "the parameter"))
                            {
                                params.push((name, lowering));
                            }
                        }
                        pat => errors.push(
                            pat.span(),
                            "#[ffi_function] parameters must be plain names (`name: Type`); \
                             destructure inside the function",
                        ),
                    }
                }
            }
        }
        params
    }

    /// The `cfg` attributes of the function, repeated on everything emitted beside it.
    fn cfgs(func: &ItemFn) -> Vec<&Attribute> {
        func.attrs
            .iter()
            .filter(|attr| attr.path().is_ident("cfg"))
            .collect()
    }

    /// The hidden marker type of the function's name and its `FunctionInfo`.
    fn marker(
        func: &ItemFn,
        name: &str,
        params: &[(String, Lowering)],
        defaults: &[Option<DefaultArg>],
        hold_gil: bool,
    ) -> TokenStream2 {
        let checks = default_checks(&typed_inputs(&func.sig), defaults);
        let params = param_defs(params, defaults);
        let (returns, error) = returns_and_error(&func.sig.output);
        let doc = doc(&func.attrs);
        let ident = &func.sig.ident;
        let vis = &func.vis;
        let cfgs = cfgs(func);
        let asynchronous = func.sig.asyncness.is_some();
        quote! {
            #(#cfgs)*
            #[doc(hidden)]
            #[allow(non_camel_case_types, dead_code)]
            #vis struct #ident {}

            #(#cfgs)*
            unsafe impl ::hatch_interop::FunctionInfo for #ident {
                #[allow(unused_variables)]
                fn __function(
                    types: &mut ::hatch_interop::__private::TypeRegistry,
                ) -> ::hatch_interop::__private::FunctionDef {
                    // The defaults' types, checked by rustc (never run).
                    if false {
                        #(#checks)*
                    }
                    ::hatch_interop::__private::FunctionDef {
                        name: #name,
                        symbol: #name,
                        doc: #doc,
                        params: ::std::vec![#(#params),*],
                        returns: #returns,
                        error: #error,
                        asynchronous: #asynchronous,
                        hold_gil: #hold_gil,
                    }
                }
            }
        }
    }

    /// The `ParamDef`s of the parameters, built where `types` is in scope.
    pub(crate) fn param_defs(
        params: &[(String, Lowering)],
        defaults: &[Option<DefaultArg>],
    ) -> Vec<TokenStream2> {
        params.iter().zip(defaults).map(|((name, lowering), default)| {
            let ty = match lowering {
                Lowering::Value(ty) => {
                    let ty = static_lifetimes(ty);
                    quote_spanned! {ty.span()=>
                        <#ty as ::hatch_interop::__private::ValueArg>::__type_ref(types)
                    }
                }
                Lowering::Pointer(ty) => type_ref(ty),
                Lowering::Converted(ty) => quote_spanned! {ty.span()=>
                    <#ty as ::hatch_interop::__private::ConvertedArg>::__type_ref(types)
                },
                Lowering::TraitObject(ty) => {
                    let ty = all_static_lifetimes(ty);
                    quote_spanned! {ty.span()=>
                        <#ty as ::hatch_interop::__private::TraitObjectArg>::__type_ref(types)
                    }
                }
                Lowering::Array { element, len } => {
                    let element = static_lifetimes(element);
                    let len = const_argument(len);
                    quote_spanned! {element.span()=>
                        ::hatch_interop::__private::array_param_ref::<#element, #len>(types)
                    }
                }
                Lowering::Str | Lowering::String => {
                    quote!(::hatch_interop::__private::TypeRef::Str)
                }
                Lowering::CStr => quote!(::hatch_interop::__private::TypeRef::CStr),
                Lowering::Vec(element) => {
                    let element = static_lifetimes(element);
                    quote_spanned! {element.span()=>
                        <#element as ::hatch_interop::__private::FfiVecElement>::__vec_param_ref(types)
                    }
                }
                Lowering::Wire(ty) => {
                    let ty = static_lifetimes(ty);
                    quote_spanned! {ty.span()=>
                        <#ty as ::hatch_interop::__private::FfiWire>::__wire_ref(types)
                    }
                }
                Lowering::Slice { element, mutable } => {
                    let element = static_lifetimes(element);
                    quote_spanned! {element.span()=>
                        ::hatch_interop::__private::TypeRef::Slice {
                            element: ::std::boxed::Box::new(
                                <#element as ::hatch_interop::FfiSliceElement>::__element_ref(types),
                            ),
                            mutable: #mutable,
                        }
                    }
                }
            };
            let default = match default {
                Some(default) => {
                    let value = &default.value;
                    quote!(::core::option::Option::Some(#value))
                }
                None => quote!(::core::option::Option::None),
            };
            quote!(::hatch_interop::__private::ParamDef { name: #name, ty: #ty, default: #default })
        }).collect()
    }

    /// The types of a signature's parameters other than `self`, in order.
    pub(crate) fn typed_inputs(sig: &Signature) -> Vec<&Type> {
        sig.inputs
            .iter()
            .filter_map(|input| match input {
                FnArg::Typed(typed) => Some(&*typed.ty),
                FnArg::Receiver(_) => None,
            })
            .collect()
    }

    /// The `returns` and `error` of a `FunctionDef` for a return type.
    pub(crate) fn returns_and_error(output: &ReturnType) -> (TokenStream2, TokenStream2) {
        match output {
            ReturnType::Default => (
                quote!(::hatch_interop::__private::TypeRef::Void),
                quote!(::core::option::Option::None),
            ),
            ReturnType::Type(_, ty) => {
                let ty = static_lifetimes(ty);
                (
                    quote_spanned!(ty.span()=> <#ty as ::hatch_interop::FfiReturn>::__return_ref(types)),
                    quote_spanned!(ty.span()=> <#ty as ::hatch_interop::FfiReturn>::__error_ref(types)),
                )
            }
        }
    }

    /// The `extern "C"` shim, exported under the function's name: it converts the C
    /// arguments, calls the function inside `catch_unwind` and converts its result, recording
    /// a failure (and returning zeroes) instead of unwinding.
    fn shim(func: &ItemFn, name: &str, params: &[(String, Lowering)]) -> TokenStream2 {
        let (c_params, conversions, args) = lower_args(&quote!(#name), params);
        let ident = &func.sig.ident;
        let mut call = quote!(#ident(#(#args),*));
        if func.sig.unsafety.is_some() {
            call = quote!(unsafe { #call });
        }
        let shim = format_ident!("__hatch_interop_shim_{}", name);
        let vis = &func.vis;
        let cfgs = cfgs(func);
        if func.sig.asyncness.is_some() {
            // The future is polled once here, then runs on the library's runtime if it is pending;
            // its outcome goes to the completion.
            let mut c_params = c_params;
            c_params.push(quote!(__hatch_interop_completion: ::hatch_interop::FfiCompletion));
            let spawn = quote_spanned! {func.sig.ident.span()=>
                ::hatch_interop::__private::spawn(#call, __hatch_interop_completion)
            };
            let doc = format!(
                " The C ABI of the async [`{name}`]: exported as `{name}`, it converts the \
                 arguments, polls the future once (then leaves it to the library's runtime if it \
                 is pending) and returns; the outcome goes to the completion.\n\n # Safety\n\n The arguments must be valid for \
                 their types, as the inventory describes them."
            );
            return quote! {
                #(#cfgs)*
                #[doc = #doc]
                #[doc(hidden)]
                #[unsafe(export_name = #name)]
                #[allow(non_snake_case, clippy::too_many_arguments, clippy::missing_safety_doc)]
                #vis unsafe extern "C" fn #shim(#(#c_params),*) {
                    ::hatch_interop::__private::call(move || {
                        #(#conversions)*
                        #spawn;
                        ::core::result::Result::Ok(())
                    })
                }
            };
        }
        let (output, result) = convert_result(&func.sig.output, call);
        let doc = format!(
            " The C ABI of [`{name}`]: exported as `{name}`, it converts the arguments, calls \
             the function, and records a failure instead of unwinding.\n\n # Safety\n\n The \
             arguments must be valid for their types, as the inventory describes them."
        );
        quote! {
            #(#cfgs)*
            #[doc = #doc]
            #[doc(hidden)]
            #[unsafe(export_name = #name)]
            #[allow(non_snake_case, clippy::too_many_arguments, clippy::missing_safety_doc)]
            #vis unsafe extern "C" fn #shim(#(#c_params),*) #output {
                ::hatch_interop::__private::call(move || {
                    #(#conversions)*
                    #result
                })
            }
        }
    }

    /// The shim's C parameters for `params`, the statements that convert them, and the
    /// arguments (locals) to call the Rust function with.
    ///
    /// `function` names the function in the failures of pointer parameters (`f`,
    /// `Store.put`). The objects `Box<T>` parameters take are taken last, once every other
    /// argument converted: a failure before then leaves them with the caller.
    pub(crate) fn lower_args(
        function: &TokenStream2,
        params: &[(String, Lowering)],
    ) -> (Vec<TokenStream2>, Vec<TokenStream2>, Vec<Ident>) {
        let mut c_params = Vec::new();
        let mut conversions = Vec::new();
        let mut takes = Vec::new();
        let mut args = Vec::new();
        // The arguments that are references into the caller's memory, and whether the call may change each.
        let mut memory = Vec::new();
        // The pointer parameters (objects of an opaque type among them): each one's name, C argument, whether
        // it borrows exclusively or takes, and what it does with the object, said for a message.
        let mut pointers = Vec::new();
        for (i, (name, lowering)) in params.iter().enumerate() {
            // Reserved names: they cannot clash with the function's own name, which the
            // shim calls.
            let arg = format_ident!("__hatch_interop_arg_{}", i);
            let ptr = format_ident!("__hatch_interop_arg_{}_ptr", i);
            let len = format_ident!("__hatch_interop_arg_{}_len", i);
            match lowering {
                Lowering::Value(ty) => {
                    let ty = all_static_lifetimes(ty);
                    let value_arg = quote_spanned! {ty.span()=>
                        <#ty as ::hatch_interop::__private::ValueArg>
                    };
                    c_params.push(quote_spanned!(ty.span()=> #arg: #value_arg::C));
                    // A pointer spelled through an alias escapes `is_pointer`: passed as it is,
                    // a pointer to an opaque type would bypass its cell.
                    conversions.push(quote_spanned! {ty.span()=>
                        const _: () = ::core::assert!(
                            !#value_arg::__OPAQUE_POINTER,
                            "a pointer to an #[ffi_type(opaque)] type must be spelled out in the \
                             parameter's type (`&T`, `&mut T`, `Box<T>`, `Option<&T>`, ...), not \
                             through a type alias",
                        );
                    });
                    // Checked with the others (a record is decoded), then taken last, with the
                    // `Box`es (a service object by value is taken from its cell).
                    conversions.push(quote! {
                        // SAFETY: the caller passes a value valid for the parameter's type.
                        let #arg = unsafe { #value_arg::__check(#arg, #function, #name) }?;
                    });
                    takes.push(quote! {
                        // SAFETY: checked above, in this call.
                        let #arg = unsafe {
                            ::hatch_interop::__private::TakeArg::__take(#arg, #function, #name)
                        }?;
                    });
                }
                Lowering::Pointer(ty) => {
                    if let Some(changed) = reference_mutability(ty) {
                        memory.push((name.clone(), arg.clone(), changed));
                    }
                    let (exclusive, verb) = pointer_use(ty);
                    let ty = all_static_lifetimes(ty);
                    pointers.push((name.clone(), arg.clone(), exclusive, verb, ty.clone()));
                    let guard = format_ident!("__hatch_interop_arg_{}_guard", i);
                    let pointer_arg = quote_spanned! {ty.span()=>
                        <#ty as ::hatch_interop::__private::PointerArg>
                    };
                    c_params.push(quote_spanned!(ty.span()=> #arg: #pointer_arg::C));
                    let conversion = quote! {
                        // SAFETY: the caller passes a pointer valid for the parameter's type.
                        let mut #guard = unsafe { #pointer_arg::enter(#arg, #function, #name) }?;
                        // SAFETY: once; the guard lives until the call has returned.
                        let #arg = unsafe { #pointer_arg::arg(&mut #guard) };
                    };
                    if is_path_named(&ty, "Box") || is_option_box(&ty) {
                        takes.push(conversion);
                    } else {
                        conversions.push(conversion);
                    }
                }
                Lowering::Array { element, len } => {
                    let element = all_static_lifetimes(element);
                    let len = const_argument(len);
                    let raw = quote_spanned! {element.span()=>
                        <#element as ::hatch_interop::FfiSliceElement>::__Raw
                    };
                    c_params.push(quote!(#arg: ::hatch_interop::FfiArray<#raw, #len>));
                    let convert = quote_spanned! {element.span()=>
                        ::hatch_interop::__private::array_arg::<#element, #len>
                    };
                    conversions.push(quote! {
                        let #arg = #convert(#arg, #name)?;
                    });
                }
                Lowering::TraitObject(ty) => {
                    let ty = all_static_lifetimes(ty);
                    let trait_arg = quote_spanned! {ty.span()=>
                        <#ty as ::hatch_interop::__private::TraitObjectArg>
                    };
                    c_params.push(quote!(#arg: #trait_arg::C));
                    // Made last, with the `Box`es: a kept object releases its methods' contexts
                    // when dropped, which a failed check of a later argument must not cause.
                    takes.push(quote! {
                        // SAFETY: the caller passes a value valid for the parameter's type.
                        let #arg = unsafe { #trait_arg::__from_c(#arg, #function, #name) }?;
                    });
                }
                Lowering::Converted(ty) => {
                    let converted = quote_spanned! {ty.span()=>
                        <#ty as ::hatch_interop::__private::ConvertedArg>
                    };
                    c_params.push(quote!(#arg: #converted::C));
                    conversions.push(quote! {
                        // SAFETY: the caller passes a value valid for the parameter's type.
                        let #arg = unsafe { #converted::__from_c(#arg, #function, #name) }?;
                    });
                }
                Lowering::Str | Lowering::String => {
                    c_params.push(quote!(#ptr: *const u8, #len: usize));
                    conversions.push(quote! {
                        let #arg = unsafe { ::hatch_interop::__private::str_arg(#ptr, #len, #name) }?;
                    });
                    if let Lowering::String = lowering {
                        conversions.push(quote! {
                            let #arg = ::hatch_interop::__private::owned_str(#arg)?;
                        });
                    }
                }
                Lowering::CStr => {
                    c_params.push(quote!(#arg: *const ::core::ffi::c_char));
                    conversions.push(quote! {
                        let #arg = unsafe { ::hatch_interop::__private::cstr_arg(#arg, #name) }?;
                    });
                }
                Lowering::Vec(element) => {
                    let element = all_static_lifetimes(element);
                    // The elements as C passes them, or the bytes of their encoding.
                    let vec = quote_spanned! {element.span()=>
                        <#element as ::hatch_interop::__private::FfiVecElement>
                    };
                    c_params.push(
                        quote_spanned!(element.span()=> #ptr: *const #vec::__Item, #len: usize),
                    );
                    conversions.push(quote! {
                        let #arg = unsafe { #vec::__vec_arg(#ptr, #len, #name) }?;
                    });
                }
                Lowering::Wire(ty) => {
                    let ty = all_static_lifetimes(ty);
                    c_params.push(quote!(#ptr: *const u8, #len: usize));
                    let convert = quote_spanned! {ty.span()=>
                        ::hatch_interop::__private::wire_arg::<#ty>
                    };
                    conversions.push(quote! {
                        let #arg = unsafe { #convert(#ptr, #len, #name) }?;
                    });
                }
                Lowering::Slice { element, mutable } => {
                    memory.push((name.clone(), arg.clone(), *mutable));
                    let element = all_static_lifetimes(element);
                    // The elements as C passes them (a `bool` as a byte, an enum as its
                    // repr), which the conversion checks.
                    let raw = quote_spanned! {element.span()=>
                        <#element as ::hatch_interop::FfiSliceElement>::__Raw
                    };
                    let (pointer, convert) = if *mutable {
                        (quote!(*mut #raw), quote!(slice_mut_arg))
                    } else {
                        (quote!(*const #raw), quote!(slice_arg))
                    };
                    c_params.push(quote_spanned!(element.span()=> #ptr: #pointer, #len: usize));
                    let convert = quote_spanned! {element.span()=>
                        ::hatch_interop::__private::#convert::<#element>
                    };
                    conversions.push(quote! {
                        let #arg = unsafe { #convert(#ptr, #len, #name) }?;
                    });
                }
            }
            if let Lowering::Str | Lowering::CStr = lowering {
                memory.push((name.clone(), arg.clone(), false));
            }
            args.push(arg);
        }
        // Once every reference is what the function gets, and before anything is taken (a refused call
        // leaves every object with its caller): a `&mut` that shares memory with another argument is
        // refused (two such references are undefined behaviour in Rust).
        if memory.len() >= 2 && memory.iter().any(|(_, _, changed)| *changed) {
            let entries = memory.iter().map(|(name, arg, changed)| {
                quote! {
                    (#name, ::hatch_interop::__private::ArgMemory::__memory(&#arg), #changed)
                }
            });
            conversions.push(quote! {
                ::hatch_interop::__private::disjoint_args(#function, &[#(#entries),*])?;
            });
        }
        conversions.extend(takes);
        // Before any parameter borrows its object: one object of an opaque type as two parameters that conflict
        // (one of them `&mut` or a `Box`) is refused as such, rather than as the second one's borrow conflict.
        if pointers.len() >= 2 && pointers.iter().any(|(_, _, exclusive, _, _)| *exclusive) {
            let entries = pointers.iter().map(|(name, arg, exclusive, verb, ty)| {
                quote_spanned! {ty.span()=>
                    (
                        #name,
                        #arg as *const (),
                        #exclusive,
                        #verb,
                        <#ty as ::hatch_interop::__private::PointerArg>::__OBJECT,
                    )
                }
            });
            conversions.insert(
                0,
                quote! {
                    ::hatch_interop::__private::distinct_objects(#function, &[#(#entries),*])?;
                },
            );
        }
        (c_params, conversions, args)
    }

    /// For a pointer parameter: whether it borrows its object exclusively or takes it, and what it does
    /// with it, as a message says it (`tally_move() arguments ... which `from` changes (`&mut`)`).
    fn pointer_use(ty: &Type) -> (bool, &'static str) {
        if is_path_named(ty, "Box") || is_option_box(ty) {
            return (true, "takes (`Box`)");
        }
        let ty = argument(ty, "Option").unwrap_or(ty);
        match ungroup(ty) {
            Type::Reference(reference) if reference.mutability.is_some() => {
                (true, "changes (`&mut`)")
            }
            Type::Reference(_) => (false, "reads (`&`)"),
            Type::Ptr(pointer) if pointer.mutability.is_some() => (true, "changes (`*mut`)"),
            _ => (false, "reads (`*const`)"),
        }
    }

    /// For a parameter spelled `&T`, `&mut T`, `Option<&T>` or `Option<&mut T>`: whether the reference is
    /// `&mut`. `None` for other pointers (a `Box`, which moves the value; raw pointers, which may alias).
    fn reference_mutability(ty: &Type) -> Option<bool> {
        let ty = argument(ty, "Option").unwrap_or(ty);
        match ungroup(ty) {
            Type::Reference(reference) => Some(reference.mutability.is_some()),
            _ => None,
        }
    }

    /// Whether `ty` is a path whose last segment is `name` (`Box<T>`, `std::boxed::Box<T>`).
    fn is_path_named(ty: &Type, name: &str) -> bool {
        matches!(ungroup(ty), Type::Path(path)
            if path.qself.is_none()
                && path.path.segments.last().is_some_and(|segment| segment.ident == name))
    }

    /// Whether `ty` is `Option<Box<T>>`.
    fn is_option_box(ty: &Type) -> bool {
        let Type::Path(path) = ungroup(ty) else {
            return false;
        };
        let Some(last) = path.path.segments.last() else {
            return false;
        };
        if last.ident != "Option" {
            return false;
        }
        let syn::PathArguments::AngleBracketed(arguments) = &last.arguments else {
            return false;
        };
        arguments.args.iter().any(|argument| {
            matches!(argument, syn::GenericArgument::Type(inner) if is_path_named(inner, "Box"))
        })
    }

    /// The shim's return type and the expression that converts `call`'s result to it.
    pub(crate) fn convert_result(
        output: &ReturnType,
        call: TokenStream2,
    ) -> (TokenStream2, TokenStream2) {
        match output {
            ReturnType::Default => (
                quote!(),
                quote! {
                    #call;
                    ::core::result::Result::Ok(())
                },
            ),
            ReturnType::Type(_, ty) => {
                let ty = all_static_lifetimes(ty);
                (
                    quote_spanned!(ty.span()=> -> <#ty as ::hatch_interop::FfiReturn>::Abi),
                    quote_spanned!(ty.span()=> ::hatch_interop::__private::finish::<#ty>(#call)),
                )
            }
        }
    }

    /// `Some(name)` if `attr` sets the symbol name itself (`no_mangle`, `export_name`, also
    /// inside `unsafe(...)`).
    fn export_attribute(attr: &Attribute) -> Option<String> {
        let path = match &attr.meta {
            Meta::List(list) if list.path.is_ident("unsafe") => {
                let inner: Meta = syn::parse2(list.tokens.clone()).ok()?;
                inner.path().clone()
            }
            meta => meta.path().clone(),
        };
        ["no_mangle", "export_name"]
            .into_iter()
            .find(|name| path.is_ident(name))
            .map(str::to_owned)
    }
}

mod service {
    use super::function::{
        argument, convert_result, lower_args, lower_params, param_defs, returns_and_error,
        typed_inputs, ungroup, Lowering,
    };
    use super::*;
    use syn::{GenericArgument, ImplItem, ImplItemFn, ItemImpl, PathArguments, Visibility};

    /// What a function of the block is, decided from its receiver and return type.
    enum Kind<'a> {
        /// Returns `Self`, or `Result<Self, E>` with the error type `E`.
        Constructor {
            error: Option<&'a Type>,
        },
        /// Takes `&self` (shared) or `&mut self` (exclusive).
        Method {
            exclusive: bool,
        },
        Static,
    }

    struct Member<'a> {
        func: &'a ImplItemFn,
        name: String,
        kind: Kind<'a>,
        params: Vec<(String, Lowering<'a>)>,
        /// `#[ffi(defaults(...))]`: each parameter's default, if it has one.
        defaults: Vec<Option<DefaultArg>>,
        /// `#[ffi(gil = "hold")]` on the function.
        hold_gil: bool,
    }

    /// Member names the service's own symbols use.
    const RESERVED_MEMBERS: [&str; 2] = ["destroy", "release"];

    pub(crate) fn expand(attr: TokenStream2, item: TokenStream2) -> syn::Result<TokenStream2> {
        no_arguments(attr, "ffi_service")?;
        let block: ItemImpl = match syn::parse2::<Item>(item)? {
            Item::Impl(block) => block,
            item => {
                return Err(Error::new_spanned(
                    item,
                    "#[ffi_service] goes on the `impl` block of an #[ffi_type(opaque)] type: \
                     `#[ffi_service] impl Store { ... }`",
                ))
            }
        };
        let mut errors = Errors::default();
        if let Some((_, path, _)) = &block.trait_ {
            errors.push(
                path.span(),
                "#[ffi_service] goes on an inherent `impl` block, not on a trait implementation",
            );
        }
        if let Some(token) = &block.unsafety {
            errors.push(token.span, "#[ffi_service] blocks cannot be `unsafe impl`");
        }
        if !block.generics.params.is_empty() || block.generics.where_clause.is_some() {
            errors.push(
                block.generics.span(),
                "generic types cannot be services: C has one set of symbols per type",
            );
        }
        let ident = match &*block.self_ty {
            Type::Path(path)
                if path.qself.is_none()
                    && path
                        .path
                        .segments
                        .iter()
                        .all(|segment| segment.arguments.is_none()) =>
            {
                path.path.segments.last().map(|segment| &segment.ident)
            }
            _ => None,
        };
        let Some(ident) = ident else {
            errors.push(
                block.self_ty.span(),
                "#[ffi_service] needs the type by name: `impl Store`",
            );
            return Err(errors.finish().expect_err("an error was pushed"));
        };
        let prefix = errors
            .check(inventory_name(ident, "the service"))
            .map(|name| snake_case(&name));

        let mut members = Vec::new();
        for item in &block.items {
            // Private functions are the block's own helpers.
            if let ImplItem::Fn(
                func @ ImplItemFn {
                    vis: Visibility::Public(_),
                    ..
                },
            ) = item
            {
                if let Some(member) = member(func, ident, &mut errors) {
                    members.push(member);
                }
            } else if let ImplItem::Fn(func) = item {
                if let Some(attr) = func.attrs.iter().find(|attr| attr.path().is_ident("ffi")) {
                    errors.push(
                        attr.span(),
                        "#[ffi(...)] applies to the `pub` functions #[ffi_service] exports, not to \
                         the block's private helpers",
                    );
                }
            }
        }
        errors.finish()?;
        let prefix = prefix.expect("errors were reported above");

        let self_ty = &block.self_ty;
        // The service's name as the inventory has it (a rename of its type included).
        let service = quote!(<Self as ::hatch_interop::TypeInfo>::__NAME);
        let mut shims = Vec::new();
        let mut constructors = Vec::new();
        let mut methods = Vec::new();
        let mut statics = Vec::new();
        for member in &members {
            let symbol = format!("{prefix}_{}", member.name);
            shims.push(shim(member, &symbol, &service, self_ty));
            let def = function_def(member, &symbol);
            match member.kind {
                Kind::Constructor { .. } => constructors.push(def),
                Kind::Method { exclusive: false } => {
                    methods.push(quote!((#def, ::hatch_interop::__private::Receiver::Shared)))
                }
                Kind::Method { exclusive: true } => {
                    methods.push(quote!((#def, ::hatch_interop::__private::Receiver::Exclusive)))
                }
                Kind::Static => statics.push(def),
            }
        }
        let destructor = format!("{prefix}_destroy");
        let release = format!("{prefix}_release");
        let cell = quote!(::hatch_interop::__private::ServiceCell<Self>);
        let check = quote_spanned! {self_ty.span()=>
            // Python may call the object from any thread, and close it on another.
            const _: fn() = || {
                fn ffi_service_must_be_send_and_sync<
                    T: ::hatch_interop::FfiServiceType + ?::core::marker::Sized,
                >() {}
                ffi_service_must_be_send_and_sync::<#self_ty>();
            };
        };
        // Our `#[ffi(...)]` attributes are read; the compiler must not see them.
        let mut block = block.clone();
        for item in &mut block.items {
            if let ImplItem::Fn(func) = item {
                func.attrs.retain(|attr| !attr.path().is_ident("ffi"));
            }
        }
        Ok(quote! {
            #block

            #check

            impl #self_ty {
                #(#shims)*

                #[doc(hidden)]
                #[unsafe(export_name = #destructor)]
                #[allow(clippy::missing_safety_doc)]
                pub unsafe extern "C" fn __hatch_interop_destroy(handle: *const #cell) {
                    ::hatch_interop::__private::call(move || {
                        // SAFETY: the caller passes a handle it has not released.
                        unsafe { ::hatch_interop::__private::ServiceCell::destroy(handle, #service) }
                    })
                }

                #[doc(hidden)]
                #[unsafe(export_name = #release)]
                #[allow(clippy::missing_safety_doc)]
                pub unsafe extern "C" fn __hatch_interop_release(handle: *const #cell) {
                    // SAFETY: the caller gives up a handle it has not released.
                    unsafe { ::hatch_interop::__private::ServiceCell::release(handle) }
                }
            }

            // Returned by value (`fn copy(&self) -> Self`, `fn open(..) -> Child`, in `Option`
            // or `Result` too), an object becomes a new service object: its handle.
            unsafe impl ::hatch_interop::FfiReturn for #self_ty {
                type Abi = ::core::mem::MaybeUninit<*const #cell>;

                fn __return_ref(
                    types: &mut ::hatch_interop::__private::TypeRegistry,
                ) -> ::hatch_interop::__private::TypeRef {
                    ::hatch_interop::__private::TypeRef::ServiceObject {
                        target: <Self as ::hatch_interop::TypeInfo>::__register(types),
                        nullable: false,
                    }
                }

                fn into_abi(
                    self,
                ) -> ::core::result::Result<Self::Abi, ::hatch_interop::__private::Failure> {
                    ::hatch_interop::__private::ServiceCell::into_handle(self)
                        .map(::core::mem::MaybeUninit::new)
                }
            }

            unsafe impl ::hatch_interop::FfiOk for #self_ty {}

            // A parameter by value (`other: Other`) takes the caller's object, as `Box<Other>`
            // does: the object is closed, its value moved into the call.
            unsafe impl ::hatch_interop::__private::ValueArg for #self_ty {
                type C = *mut Self;
                type Checked = ::hatch_interop::__private::ObjectToTake<Self>;

                fn __type_ref(
                    types: &mut ::hatch_interop::__private::TypeRegistry,
                ) -> ::hatch_interop::__private::TypeRef {
                    <::std::boxed::Box<Self> as ::hatch_interop::FfiType>::__type_ref(types)
                }

                #[inline(always)]
                unsafe fn __check(
                    c: *mut Self,
                    _: &str,
                    _: &str,
                ) -> ::core::result::Result<Self::Checked, ::hatch_interop::__private::Failure> {
                    ::core::result::Result::Ok(::hatch_interop::__private::ObjectToTake(c))
                }
            }

            unsafe impl ::hatch_interop::FfiNullableResult for #self_ty {
                type Raw = *const #cell;

                fn __nullable_ref(
                    types: &mut ::hatch_interop::__private::TypeRegistry,
                ) -> ::hatch_interop::__private::TypeRef {
                    ::hatch_interop::__private::TypeRef::ServiceObject {
                        target: <Self as ::hatch_interop::TypeInfo>::__register(types),
                        nullable: true,
                    }
                }

                fn __into_nonnull(
                    self,
                ) -> ::core::result::Result<Self::Raw, ::hatch_interop::__private::Failure> {
                    ::hatch_interop::__private::ServiceCell::into_handle(self)
                }

                fn __null() -> ::core::result::Result<
                    Self::Raw,
                    ::hatch_interop::__private::Failure,
                > {
                    ::core::result::Result::Ok(::core::ptr::null())
                }
            }

            unsafe impl ::hatch_interop::ServiceInfo for #self_ty {
                #[allow(unused_variables)]
                fn __service(
                    types: &mut ::hatch_interop::__private::TypeRegistry,
                ) -> ::hatch_interop::__private::ServiceDef {
                    ::hatch_interop::__private::ServiceDef {
                        name: <Self as ::hatch_interop::TypeInfo>::__register(types),
                        destructor: #destructor,
                        release: #release,
                        constructors: ::std::vec![#(#constructors),*],
                        methods: ::std::vec![#(#methods),*],
                        statics: ::std::vec![#(#statics),*],
                    }
                }
            }
        })
    }

    /// Checks one function of the block and says what it is.
    fn member<'a>(func: &'a ImplItemFn, ty: &Ident, errors: &mut Errors) -> Option<Member<'a>> {
        let sig = &func.sig;
        if let Some(abi) = &sig.abi {
            errors.push(
                abi.span(),
                "remove the ABI: #[ffi_service] generates the `extern \"C\"` functions",
            );
        }
        if let Some(variadic) = &sig.variadic {
            errors.push(
                variadic.span(),
                "#[ffi_service] functions cannot be variadic",
            );
        }
        for param in &sig.generics.params {
            if !matches!(param, GenericParam::Lifetime(_)) {
                errors.push(
                    param.span(),
                    "generic functions cannot be exported: #[ffi_service] allows lifetime \
                     parameters only",
                );
            }
        }
        if let Some(clause) = &sig.generics.where_clause {
            for predicate in &clause.predicates {
                if !matches!(predicate, WherePredicate::Lifetime(_)) {
                    errors.push(
                        predicate.span(),
                        "#[ffi_service] allows lifetime bounds only in `where` clauses",
                    );
                }
            }
        }
        for attr in &func.attrs {
            let path = attr.path();
            if path.is_ident("cfg") || path.is_ident("no_mangle") || path.is_ident("export_name") {
                errors.push(
                    attr.span(),
                    "#[ffi_service] exports every `pub` function of the block under its own name: \
                     remove this attribute (put a `cfg` on the whole block)",
                );
            }
        }
        let mut arguments = ExportArguments::default();
        for attr in func.attrs.iter().filter(|attr| attr.path().is_ident("ffi")) {
            if let Err(error) = attr.parse_nested_meta(|meta| arguments.read(meta, "#[ffi(...)]")) {
                errors.push(error.span(), error.to_string());
            }
        }
        let name = errors.check(arguments.inventory_name(&sig.ident, "the function"));
        if let Some(reserved) = name.as_deref().filter(|n| RESERVED_MEMBERS.contains(n)) {
            errors.push(
                sig.ident.span(),
                format!(
                    "`{reserved}` is the name of the symbol #[ffi_service] exports to destroy or \
                     release the object: rename the function"
                ),
            );
        }
        let kind = match sig.receiver() {
            Some(receiver) => {
                if receiver.reference.is_none() || receiver.colon_token.is_some() {
                    errors.push(
                        receiver.span(),
                        "#[ffi_service] methods take `&self` or `&mut self`: the foreign side \
                         keeps the object, so a method cannot take it by value",
                    );
                }
                Kind::Method {
                    exclusive: receiver.mutability.is_some(),
                }
            }
            None => match constructed(&sig.output, ty) {
                Some(error) => Kind::Constructor { error },
                None => Kind::Static,
            },
        };
        check_async_params(sig, errors);
        check_static_params(sig, errors);
        let typed = sig
            .inputs
            .iter()
            .filter(|arg| matches!(arg, FnArg::Typed(_)));
        let params = lower_params(typed, errors);
        if let ReturnType::Type(_, output) = &sig.output {
            check_type(output, errors);
        }
        let defaults = arguments.param_defaults(&params, errors);
        Some(Member {
            func,
            name: name?,
            kind,
            params,
            defaults,
            hold_gil: arguments.hold_gil,
        })
    }

    /// `Some(None)` for a function returning `Self` (or the type by name), `Some(Some(E))`
    /// for one returning `Result<Self, E>`, and `None` for any other.
    fn constructed<'a>(output: &'a ReturnType, ty: &Ident) -> Option<Option<&'a Type>> {
        let ReturnType::Type(_, output) = output else {
            return None;
        };
        if is_self(output, ty) {
            return Some(None);
        }
        let Type::Path(path) = &**output else {
            return None;
        };
        let last = path.path.segments.last()?;
        let PathArguments::AngleBracketed(args) = &last.arguments else {
            return None;
        };
        let mut types = args.args.iter().filter_map(|arg| match arg {
            GenericArgument::Type(ty) => Some(ty),
            _ => None,
        });
        match (types.next(), types.next(), types.next()) {
            (Some(ok), Some(error), None) if last.ident == "Result" && is_self(ok, ty) => {
                Some(Some(error))
            }
            _ => None,
        }
    }

    /// Whether `output` is `Self` or the type by name.
    fn is_self(output: &Type, ty: &Ident) -> bool {
        matches!(output, Type::Path(path)
            if path.qself.is_none()
                && path.path.segments.len() == 1
                && path.path.segments[0].arguments.is_none()
                && (path.path.segments[0].ident == "Self" || path.path.segments[0].ident == *ty))
    }

    /// The member's `FunctionDef`, built where `types` is in scope.
    fn function_def(member: &Member, symbol: &str) -> TokenStream2 {
        let name = &member.name;
        let params = param_defs(&member.params, &member.defaults);
        let checks = default_checks(&typed_inputs(&member.func.sig), &member.defaults);
        let (returns, error) = match member.kind {
            Kind::Constructor { error } => {
                let error = match error {
                    Some(error) => {
                        let error = static_lifetimes(error);
                        quote_spanned! {error.span()=>
                            <::core::result::Result<(), #error> as ::hatch_interop::FfiReturn>::__error_ref(types)
                        }
                    }
                    None => quote!(::core::option::Option::None),
                };
                // The handle: C sees an owned pointer to the type.
                let returns = quote! {
                    ::hatch_interop::__private::TypeRef::ServiceObject {
                        target: <Self as ::hatch_interop::TypeInfo>::__register(types),
                        nullable: false,
                    }
                };
                (returns, error)
            }
            _ => returns_and_error(&member.func.sig.output),
        };
        let doc = doc(&member.func.attrs);
        let asynchronous = member.func.sig.asyncness.is_some();
        let hold_gil = member.hold_gil;
        quote! {
            {
                // The defaults' types, checked by rustc (never run).
                if false {
                    #(#checks)*
                }
                ::hatch_interop::__private::FunctionDef {
                    name: #name,
                    symbol: #symbol,
                    doc: #doc,
                    params: ::std::vec![#(#params),*],
                    returns: #returns,
                    error: #error,
                    asynchronous: #asynchronous,
                    hold_gil: #hold_gil,
                }
            }
        }
    }

    /// `"<service>.<member>"` as a constant expression of the shim (the service's name is its type's
    /// inventory name, which a rename in `#[ffi_type(name = "...")]` sets).
    fn label_const(self_ty: &Type, member: &str) -> TokenStream2 {
        // Items inside the shim cannot name `Self`: the type is spelled out.
        quote! {{
            const SERVICE: &str = <#self_ty as ::hatch_interop::TypeInfo>::__NAME;
            const LABEL: [u8; ::hatch_interop::__private::member_label_len(SERVICE, #member)] =
                ::hatch_interop::__private::member_label(SERVICE, #member);
            match ::core::str::from_utf8(&LABEL) {
                ::core::result::Result::Ok(label) => label,
                ::core::result::Result::Err(_) => ::core::panic!("names are ASCII"),
            }
        }}
    }

    /// The service type's name (`expand` refused a block whose type is not a plain path).
    fn service_ident(self_ty: &Type) -> &syn::Ident {
        match ungroup(self_ty) {
            Type::Path(path) => &path.path.segments.last().expect("a path").ident,
            _ => unreachable!("`expand` checked the block's type"),
        }
    }

    /// What a parameter of type `ty` does with an object of the service `service` (the block's
    /// type, or `Self`): `Some("take")` for `Service` and `Box<Service>`, `Some("borrow mutably")`
    /// for `&mut Service`, `Some("borrow")` for `&Service` (in an `Option` too); `None` for any
    /// other type.
    fn service_use(ty: &Type, service: &syn::Ident) -> Option<&'static str> {
        let ty = argument(ty, "Option").unwrap_or(ty);
        let (ty, verb) = match ungroup(ty) {
            Type::Reference(reference) if reference.mutability.is_some() => {
                (&*reference.elem, "borrow mutably")
            }
            Type::Reference(reference) => (&*reference.elem, "borrow"),
            _ => (argument(ty, "Box").unwrap_or(ty), "take"),
        };
        let Type::Path(path) = ungroup(ty) else {
            return None;
        };
        let last = path.path.segments.last()?;
        let named = path.qself.is_none()
            && last.arguments.is_none()
            && (last.ident == "Self" || (path.path.segments.len() == 1 && last.ident == *service));
        named.then_some(verb)
    }

    /// Checks, for a method, that no argument that conflicts with the receiver's borrow is the
    /// object the method is called on (`store.merge(store)`): said as such, rather than as the
    /// borrow conflict it would be ("in use by another call"). Made before the arguments'
    /// conversions, which read the same C parameters.
    fn receiver_checks(
        member: &Member,
        exclusive: bool,
        ident: &syn::Ident,
        service: &TokenStream2,
    ) -> Vec<TokenStream2> {
        let method = &member.name;
        let mut checks = Vec::new();
        for (i, (name, lowering)) in member.params.iter().enumerate() {
            // Only these are pointers in C (an `Option<Service>` by value is refused elsewhere, and its
            // check must not add an error of its own).
            let (Lowering::Value(ty) | Lowering::Pointer(ty)) = lowering else {
                continue;
            };
            let Some(verb) = service_use(ty, ident) else {
                continue;
            };
            if !exclusive && verb == "borrow" {
                // Two shared borrows of one object: allowed.
                continue;
            }
            let arg = format_ident!("__hatch_interop_arg_{}", i);
            let receiver = if exclusive {
                "changes (`&mut self`)"
            } else {
                "reads (`&self`)"
            };
            checks.push(quote! {
                // Every such parameter is a pointer to the object in C.
                if #arg as *const () == __hatch_interop_handle as *const () {
                    return ::core::result::Result::Err(
                        ::hatch_interop::__private::receiver_as_argument(
                            #service, #method, #name, #receiver, #verb,
                        ),
                    );
                }
            });
        }
        checks
    }

    /// The member's `extern "C"` shim, exported as `symbol`: like an `#[ffi_function]`'s,
    /// with the object's handle first for a method, borrowed for the duration of the call.
    fn shim(member: &Member, symbol: &str, service: &TokenStream2, self_ty: &Type) -> TokenStream2 {
        if member.func.sig.asyncness.is_some() {
            return async_shim(member, symbol, service, self_ty);
        }
        let (mut c_params, mut conversions, args) =
            lower_args(&label_const(self_ty, &member.name), &member.params);
        let ident = &member.func.sig.ident;
        let name = &member.name;
        let receiver = match member.kind {
            Kind::Method { exclusive } => {
                c_params.insert(
                    0,
                    quote!(__hatch_interop_handle: *const ::hatch_interop::__private::ServiceCell<Self>),
                );
                let borrow = if exclusive {
                    quote!(exclusive)
                } else {
                    quote!(shared)
                };
                // First, so that a closed object is reported before any argument.
                let checks = receiver_checks(member, exclusive, service_ident(self_ty), service);
                conversions.splice(
                    0..0,
                    std::iter::once(quote! {
                        // SAFETY: the caller passes a handle it has not released.
                        #[allow(unused_mut)]
                        let mut __hatch_interop_self = unsafe {
                            ::hatch_interop::__private::ServiceCell::#borrow(
                                __hatch_interop_handle, #service, #name,
                            )
                        }?;
                    })
                    .chain(checks),
                );
                if exclusive {
                    Some(quote!(&mut *__hatch_interop_self))
                } else {
                    Some(quote!(&*__hatch_interop_self))
                }
            }
            _ => None,
        };
        let receiver = receiver.into_iter();
        let mut call = quote!(Self::#ident(#(#receiver,)* #(#args),*));
        if member.func.sig.unsafety.is_some() {
            call = quote!(unsafe { #call });
        }
        let (output, result) = match member.kind {
            Kind::Constructor { error } => {
                let handle = quote!(
                    ::core::mem::MaybeUninit<*const ::hatch_interop::__private::ServiceCell<Self>>
                );
                let result = match error {
                    Some(_) => quote!(::hatch_interop::__private::constructed_or_error(#call)),
                    None => quote!(::hatch_interop::__private::constructed(#call)),
                };
                (quote!(-> #handle), result)
            }
            _ => convert_result(&member.func.sig.output, call),
        };
        let shim = format_ident!("__hatch_interop_shim_{}", name);
        let doc = format!(
            " The C ABI of [`Self::{name}`], exported as `{symbol}`.\n\n # Safety\n\n The \
             arguments must be valid for their types, as the inventory describes them."
        );
        quote! {
            #[doc = #doc]
            #[doc(hidden)]
            #[unsafe(export_name = #symbol)]
            #[allow(non_snake_case, clippy::too_many_arguments, clippy::missing_safety_doc)]
            pub unsafe extern "C" fn #shim(#(#c_params),*) #output {
                ::hatch_interop::__private::call(move || {
                    #(#conversions)*
                    #result
                })
            }
        }
    }

    /// The shim of an async method, constructor or static function: it takes the object (for a
    /// method: a borrow that owns a reference, held until the future finishes), polls the
    /// future once (then leaves it to the library's runtime if it is pending) and returns; the
    /// outcome goes to the completion (a constructor's: the new object's handle, see the service
    /// type's `FfiReturn`).
    fn async_shim(
        member: &Member,
        symbol: &str,
        service: &TokenStream2,
        self_ty: &Type,
    ) -> TokenStream2 {
        let (mut c_params, mut conversions, args) =
            lower_args(&label_const(self_ty, &member.name), &member.params);
        let ident = &member.func.sig.ident;
        let name = &member.name;
        let future = match member.kind {
            Kind::Method { exclusive } => {
                c_params.insert(
                    0,
                    quote!(__hatch_interop_handle: *const ::hatch_interop::__private::ServiceCell<Self>),
                );
                let checks = receiver_checks(member, exclusive, service_ident(self_ty), service);
                conversions.splice(
                    0..0,
                    std::iter::once(quote! {
                        // SAFETY: the caller passes a handle it has not released.
                        let __hatch_interop_self = unsafe {
                            ::hatch_interop::__private::ServiceCell::owned::<#exclusive>(
                                __hatch_interop_handle, #service, #name,
                            )
                        }?;
                    })
                    .chain(checks),
                );
                let receiver = if exclusive {
                    quote!(&mut *__hatch_interop_self)
                } else {
                    quote!(&*__hatch_interop_self)
                };
                // The future owns the borrow, and borrows the object from it.
                quote! {
                    async move {
                        #[allow(unused_mut)]
                        let mut __hatch_interop_self = __hatch_interop_self;
                        Self::#ident(#receiver, #(#args),*).await
                    }
                }
            }
            _ => quote!(Self::#ident(#(#args),*)),
        };
        c_params.push(quote!(__hatch_interop_completion: ::hatch_interop::FfiCompletion));
        let spawn = quote_spanned! {ident.span()=>
            ::hatch_interop::__private::spawn(#future, __hatch_interop_completion)
        };
        let shim = format_ident!("__hatch_interop_shim_{}", name);
        let doc = format!(
            " The C ABI of the async [`Self::{name}`], exported as `{symbol}`: it polls the \
             future once (then leaves it to the library's runtime if it is pending); the outcome \
             goes to the completion.\n\n # \
             Safety\n\n The arguments must be valid for their types, as the inventory describes \
             them."
        );
        quote! {
            #[doc = #doc]
            #[doc(hidden)]
            #[unsafe(export_name = #symbol)]
            #[allow(non_snake_case, clippy::too_many_arguments, clippy::missing_safety_doc)]
            pub unsafe extern "C" fn #shim(#(#c_params),*) {
                ::hatch_interop::__private::call(move || {
                    #(#conversions)*
                    #spawn;
                    ::core::result::Result::Ok(())
                })
            }
        }
    }

    /// `HttpServer` → `http_server`, `IOStats` → `io_stats`: the prefix of the symbols.
    pub(crate) fn snake_case(name: &str) -> String {
        let chars: Vec<char> = name.chars().collect();
        let mut out = String::new();
        for (i, &c) in chars.iter().enumerate() {
            if c.is_ascii_uppercase() {
                let after_lower =
                    i > 0 && (chars[i - 1].is_ascii_lowercase() || chars[i - 1].is_ascii_digit());
                let before_lower = i > 0
                    && chars[i - 1].is_ascii_uppercase()
                    && chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
                if after_lower || before_lower {
                    out.push('_');
                }
                out.push(c.to_ascii_lowercase());
            } else {
                out.push(c);
            }
        }
        out
    }
}

mod types {
    use super::*;

    /// Integer reprs an enum may have, as they are written in the inventory.
    const ENUM_REPRS: [&str; 8] = ["u8", "u16", "u32", "u64", "i8", "i16", "i32", "i64"];

    pub(crate) fn expand(attr: TokenStream2, item: TokenStream2) -> syn::Result<TokenStream2> {
        let mut opaque = false;
        let mut record = false;
        let mut rename: Option<syn::LitStr> = None;
        let mut drop_gil: Option<syn::LitStr> = None;
        let parser = syn::meta::parser(|meta| {
            if meta.path.is_ident("opaque") {
                opaque = true;
                Ok(())
            } else if meta.path.is_ident("drop_gil") {
                drop_gil = Some(meta.value()?.parse()?);
                Ok(())
            } else if meta.path.is_ident("record") {
                record = true;
                Ok(())
            } else if meta.path.is_ident("name") {
                rename = Some(meta.value()?.parse()?);
                Ok(())
            } else {
                Err(meta.error(
                    "#[ffi_type] takes `opaque`, `record`, `name = \"...\"` (the name Python \
                     and C use) and, with `opaque`, `drop_gil = \"hold\"`: #[ffi_type], \
                     #[ffi_type(opaque)], #[ffi_type(record)], #[ffi_type(name = \"Digest\")], \
                     #[ffi_type(opaque, drop_gil = \"hold\")]",
                ))
            }
        });
        syn::parse::Parser::parse2(parser, attr)?;
        let rename = rename.as_ref();
        // Whether Python bindings keep the GIL while a value is dropped (see `opaque_type`).
        let drop_holds_gil =
            match &drop_gil {
                None => false,
                Some(value) if !opaque => return Err(syn::Error::new(
                    value.span(),
                    "`drop_gil` is for opaque types (their objects are dropped by the library): \
                     #[ffi_type(opaque, drop_gil = \"hold\")]",
                )),
                Some(value) => match value.value().as_str() {
                    "hold" => true,
                    "release" => false,
                    other => {
                        return Err(syn::Error::new(
                            value.span(),
                            format!(
                                "`drop_gil` is \"release\" (the default: other Python threads run \
                             while a value is dropped) or \"hold\" (for a drop that is short and \
                             never waits for a thread that calls into Python), not {other:?}"
                            ),
                        ))
                    }
                },
            };
        match syn::parse2::<Item>(item)? {
            // The field types: whether dropping an object only frees memory (see `FreesOnly`).
            Item::Struct(item) if opaque => {
                check_not_generic(&item.generics)?;
                let fields = item.fields.iter().map(|f| &f.ty).collect();
                opaque_type(
                    &item.ident,
                    rename,
                    &item.attrs,
                    fields,
                    drop_holds_gil,
                    item.to_token_stream(),
                )
            }
            Item::Enum(item) if opaque => {
                check_not_generic(&item.generics)?;
                let fields = item
                    .variants
                    .iter()
                    .flat_map(|v| v.fields.iter().map(|f| &f.ty))
                    .collect();
                opaque_type(
                    &item.ident,
                    rename,
                    &item.attrs,
                    fields,
                    drop_holds_gil,
                    item.to_token_stream(),
                )
            }
            // Before the record check: `repr(transparent)` over a `String` is refused as a newtype.
            Item::Struct(item) if !record && is_transparent(&item.attrs) => {
                newtype_type(item, rename)
            }
            Item::Struct(item) if record || has_owned_field(&item) => record_type(item, rename),
            Item::Struct(item) => struct_type(item, rename),
            Item::Enum(item) if record || enum_has_owned_field(&item) => {
                record_enum_type(item, rename)
            }
            Item::Enum(item) => enum_type(item, rename),
            Item::Union(item) => Err(Error::new(
                item.union_token.span,
                "unions are not supported by #[ffi_type]",
            )),
            item => Err(Error::new_spanned(
                item,
                "#[ffi_type] goes on a struct or an enum",
            )),
        }
    }

    /// The type's name in the inventory (Python's and C's): `name = "..."` if given, else its Rust name.
    fn type_name(ident: &Ident, rename: Option<&syn::LitStr>, what: &str) -> syn::Result<String> {
        match rename {
            Some(name) => checked_name(name.value(), name.span(), what),
            None => inventory_name(ident, what),
        }
    }

    fn check_not_generic(generics: &syn::Generics) -> syn::Result<()> {
        if generics.params.is_empty() && generics.where_clause.is_none() {
            Ok(())
        } else {
            Err(Error::new_spanned(
                generics,
                "generic types cannot be #[ffi_type]s: C has one layout per type name",
            ))
        }
    }

    /// Every `repr(...)` hint of the item, by name, with its span.
    fn repr_hints(attrs: &[Attribute]) -> syn::Result<Vec<(String, Span)>> {
        let mut hints = Vec::new();
        for attr in attrs.iter().filter(|attr| attr.path().is_ident("repr")) {
            attr.parse_nested_meta(|meta| {
                let name = meta.path.to_token_stream().to_string();
                // `align(8)`, `packed(2)`: the argument only matters for the error message.
                if meta.input.peek(syn::token::Paren) {
                    let content;
                    syn::parenthesized!(content in meta.input);
                    content.parse::<TokenStream2>()?;
                }
                hints.push((name, meta.path.span()));
                Ok(())
            })?;
        }
        Ok(hints)
    }

    fn struct_type(
        mut item: ItemStruct,
        rename: Option<&syn::LitStr>,
    ) -> syn::Result<TokenStream2> {
        let mut errors = Errors::default();
        errors.check(check_not_generic(&item.generics));
        let name = errors.check(type_name(&item.ident, rename, "the struct"));

        let hints = errors.check(repr_hints(&item.attrs)).unwrap_or_default();
        for (hint, span) in &hints {
            if hint != "C" {
                errors.push(
                    *span,
                    format!(
                        "#[ffi_type] structs have the C layout: `repr({hint})` is not \
                         supported (write #[repr(C)] or leave the repr out)"
                    ),
                );
            }
        }

        // Each field's name in C and the inventory, and how Rust names it (`x`, or `0` in a tuple
        // struct, where field `i` is `_i` and the inventory marks the struct `tuple` for bindings
        // to construct positionally).
        let mut members: Vec<(String, TokenStream2, &syn::Field)> = Vec::new();
        match &item.fields {
            Fields::Named(named) if named.named.is_empty() => errors.push(
                named.brace_token.span.join(),
                "an #[ffi_type] struct needs at least one field (C has no empty structs)",
            ),
            Fields::Named(named) => {
                for field in &named.named {
                    let ident = field.ident.as_ref().expect("named field");
                    if let Some(name) = errors.check(inventory_name(ident, "the field")) {
                        members.push((name, quote!(#ident), field));
                    }
                }
            }
            Fields::Unnamed(unnamed) if unnamed.unnamed.is_empty() => errors.push(
                unnamed.paren_token.span.join(),
                "an #[ffi_type] struct needs at least one field (C has no empty structs)",
            ),
            Fields::Unnamed(unnamed) => {
                for (i, field) in unnamed.unnamed.iter().enumerate() {
                    let index = syn::Index::from(i);
                    members.push((format!("_{i}"), quote!(#index), field));
                }
            }
            Fields::Unit => errors.push(
                item.ident.span(),
                "unit structs are not supported by #[ffi_type]: C has no empty structs (use \
                 #[ffi_type(opaque)] for a handle type)",
            ),
        }
        let struct_ident = &item.ident;
        let checks: Vec<_> = members
            .iter()
            .map(|(_, _, field)| untrusted_field(&tagged::self_to(&field.ty, struct_ident)))
            .collect();
        let fields: Vec<_> = members
            .iter()
            .map(|(name, member, field)| {
                let ty = type_ref(&field.ty);
                let doc = doc(&field.attrs);
                quote! {
                    ::hatch_interop::__private::FieldDef {
                        name: #name,
                        doc: #doc,
                        ty: #ty,
                        offset: ::core::mem::offset_of!(#struct_ident, #member),
                    }
                }
            })
            .collect();
        let tuple = matches!(item.fields, Fields::Unnamed(_));
        errors.finish()?;
        let name = name.expect("errors were reported above");
        // Inside a record or another encoded value: its fields in order, not its bytes (which
        // hold padding). Bounded by the fields (under a binder, which defers the check to the
        // uses): a struct with a pointer field is no part of an encoded value.
        let wire_fields: Vec<(TokenStream2, Type)> = members
            .iter()
            .map(|(_, member, field)| (member.clone(), tagged::self_to(&field.ty, struct_ident)))
            .collect();
        let wire = wire_impl(
            &item.ident,
            quote!(::hatch_interop::__private::TypeRef::Named),
            &wire_fields,
            true,
        );

        if hints.is_empty() {
            item.attrs.push(syn::parse_quote!(#[repr(C)]));
        }
        let ident = &item.ident;
        let doc = doc(&item.attrs);
        let type_ref = named_type_ref(ident);
        let type_info = type_info(
            ident,
            &name,
            quote! {
                ::hatch_interop::__private::TypeDef::Struct {
                    name: #name,
                    doc: #doc,
                    size: ::core::mem::size_of::<Self>(),
                    align: ::core::mem::align_of::<Self>(),
                    fields: ::std::vec![#(#fields),*],
                    tuple: #tuple,
                }
            },
        );
        Ok(quote! {
            #item

            #(#checks)*

            #type_info

            #type_ref

            // A callback's result: written into a slot (not every foreign side returns a struct).
            ::hatch_interop::__callback_result_in_slot!(#ident);

            unsafe impl ::hatch_interop::FfiPointee for #ident {}

            unsafe impl ::hatch_interop::FfiBorrowedResult for #ident {}

            #wire

            unsafe impl ::hatch_interop::FfiSliceElement for #ident {
                type __Raw = Self;

                fn __element_ref(
                    types: &mut ::hatch_interop::__private::TypeRegistry,
                ) -> ::hatch_interop::__private::TypeRef {
                    ::hatch_interop::__private::TypeRef::Named(
                        <Self as ::hatch_interop::TypeInfo>::__register(types),
                    )
                }
            }
        })
    }

    /// The numbers a `repr(transparent)` newtype may wrap, as the inventory writes them.
    const NEWTYPE_INNERS: [&str; 12] = [
        "u8", "u16", "u32", "u64", "usize", "i8", "i16", "i32", "i64", "isize", "f32", "f64",
    ];

    fn is_transparent(attrs: &[Attribute]) -> bool {
        repr_hints(attrs)
            .map(|hints| hints.iter().any(|(hint, _)| hint == "transparent"))
            .unwrap_or(false)
    }

    /// A `#[repr(transparent)]` struct of one number (`struct UserId(pub u64);`): by value it has
    /// exactly the number's ABI, so C sees the number (`typedef uint64_t UserId;`) and every place
    /// a number goes (parameters, results, slices, options, fields, records, callbacks) takes it.
    fn newtype_type(item: ItemStruct, rename: Option<&syn::LitStr>) -> syn::Result<TokenStream2> {
        const SUPPORTED: &str = "a #[repr(transparent)] #[ffi_type] struct is a newtype of one \
            number field (u8, u16, u32, u64, usize, i8, i16, i32, i64, isize, f32 or f64, spelled \
            so): `pub struct UserId(pub u64);` or `pub struct UserId { pub value: u64 }`; for \
            another field, leave the repr out (C and Python then see `struct { T _0; }`)";
        let mut errors = Errors::default();
        errors.check(check_not_generic(&item.generics));
        let name = errors.check(type_name(&item.ident, rename, "the struct"));
        let hints = errors.check(repr_hints(&item.attrs)).unwrap_or_default();
        for (hint, span) in &hints {
            if hint != "transparent" {
                errors.push(
                    *span,
                    format!("a #[repr(transparent)] newtype cannot also be `repr({hint})`"),
                );
            }
        }
        let field = match &item.fields {
            Fields::Named(named) if named.named.len() == 1 => named.named.first(),
            Fields::Unnamed(unnamed) if unnamed.unnamed.len() == 1 => unnamed.unnamed.first(),
            _ => None,
        };
        let inner = field.and_then(|field| match function::ungroup(&field.ty) {
            Type::Path(path)
                if path.qself.is_none()
                    && NEWTYPE_INNERS.iter().any(|name| path.path.is_ident(name)) =>
            {
                Some(&field.ty)
            }
            _ => None,
        });
        let Some(inner) = inner else {
            let span = match field {
                Some(field) => field.ty.span(),
                None => item.ident.span(),
            };
            errors.push(span, SUPPORTED);
            return Err(errors.finish().expect_err("an error was just reported"));
        };
        let field = field.expect("a field was found");
        errors.finish()?;
        let name = name.expect("errors were reported above");
        let member = match &field.ident {
            Some(ident) => quote!(#ident),
            None => quote!(0),
        };
        let ident = &item.ident;
        let doc = doc(&item.attrs);
        let type_info = type_info(
            ident,
            &name,
            quote! {
                ::hatch_interop::__private::TypeDef::Newtype {
                    name: #name,
                    doc: #doc,
                    inner: <#inner as ::hatch_interop::FfiType>::__type_ref(types),
                }
            },
        );
        // An integer newtype is a map key as its number is (a float is none).
        let map_key = matches!(function::ungroup(inner), Type::Path(path)
            if !path.path.is_ident("f32") && !path.path.is_ident("f64"))
        .then(|| quote!(unsafe impl ::hatch_interop::__private::FfiMapKey for #ident {}));
        Ok(quote! {
            #item

            #type_info

            ::hatch_interop::__newtype!(#ident, #inner, #member);

            #map_key
        })
    }

    /// Whether a struct has a field spelled as an owned value without a C layout (`String`,
    /// `Vec<T>`, std `Option<T>` of a value, `HashMap`, `BTreeMap`): it is a record.
    fn has_owned_field(item: &ItemStruct) -> bool {
        item.fields.iter().any(is_owned_field)
    }

    /// Whether an enum has a variant with a field spelled as an owned value (see
    /// `has_owned_field`): its values are copied, in the wire encoding.
    fn enum_has_owned_field(item: &ItemEnum) -> bool {
        item.variants
            .iter()
            .flat_map(|variant| variant.fields.iter())
            .any(is_owned_field)
    }

    /// An enum whose variants carry owned values (a record enum): copied across the boundary in
    /// the wire encoding, as its variant's index (a `u32`, in declaration order) and then that
    /// variant's fields in order. No C layout, so no repr is added or needed.
    fn record_enum_type(item: ItemEnum, rename: Option<&syn::LitStr>) -> syn::Result<TokenStream2> {
        let mut errors = Errors::default();
        errors.check(check_not_generic(&item.generics));
        let name = errors.check(type_name(&item.ident, rename, "the enum"));
        let ident = &item.ident;
        if item.variants.is_empty() {
            errors.push(
                ident.span(),
                "an #[ffi_type] enum needs at least one variant",
            );
        }
        let wire = quote!(::hatch_interop::__private::FfiWire);
        let mut defs = Vec::new();
        let mut writes = Vec::new();
        let mut sizes = Vec::new();
        let mut reads = Vec::new();
        let mut indexes = Vec::new();
        for (index, variant) in item.variants.iter().enumerate() {
            let variant_ident = &variant.ident;
            let Some(variant_name) = errors.check(inventory_name(variant_ident, "the variant"))
            else {
                continue;
            };
            let index = u32::try_from(index).expect("fewer than 2^32 variants");
            let mut fields = Vec::new();
            let mut bindings = Vec::new();
            let mut members = Vec::new();
            let mut types = Vec::new();
            for (i, field) in variant.fields.iter().enumerate() {
                let (field_name, member) = match &field.ident {
                    Some(field_ident) => {
                        let Some(field_name) =
                            errors.check(inventory_name(field_ident, "the field"))
                        else {
                            continue;
                        };
                        (field_name, quote!(#field_ident))
                    }
                    None => {
                        let index = syn::Index::from(i);
                        (format!("_{i}"), quote!(#index))
                    }
                };
                let ty = tagged::self_to(&field.ty, ident);
                let doc = doc(&field.attrs);
                fields.push(quote_spanned! {field.ty.span()=>
                    ::hatch_interop::__private::RecordFieldDef {
                        name: #field_name,
                        doc: #doc,
                        ty: <#ty as #wire>::__wire_ref(types),
                    }
                });
                bindings.push(format_ident!("__hatch_interop_field_{}", i));
                members.push(member);
                types.push(ty);
            }
            let doc = doc(&variant.attrs);
            let tuple = matches!(variant.fields, Fields::Unnamed(_));
            defs.push(quote! {
                ::hatch_interop::__private::RecordVariantDef {
                    name: #variant_name,
                    doc: #doc,
                    fields: ::std::vec![#(#fields),*],
                    tuple: #tuple,
                }
            });
            writes.push(quote! {
                Self::#variant_ident { #(#members: #bindings,)* } => {
                    out.extend_from_slice(&#index.to_le_bytes());
                    #(<#types as #wire>::__write(#bindings, out);)*
                }
            });
            sizes.push(quote! {
                Self::#variant_ident { #(#members: #bindings,)* } => {
                    4 #(+ <#types as #wire>::__size(#bindings))*
                }
            });
            reads.push(quote! {
                #index => ::core::result::Result::Ok(Self::#variant_ident {
                    #(#members: <#types as #wire>::__read(input)?,)*
                }),
            });
            indexes.push(quote! {
                Self::#variant_ident { .. } => #index as i64
            });
        }
        errors.finish()?;
        let name = name.expect("errors were reported above");
        let doc = doc(&item.attrs);
        let type_info = type_info(
            ident,
            &name,
            quote! {
                ::hatch_interop::__private::TypeDef::RecordEnum {
                    name: #name,
                    doc: #doc,
                    variants: ::std::vec![#(#defs),*],
                }
            },
        );
        Ok(quote! {
            #item

            #type_info

            unsafe impl #wire for #ident {
                fn __wire_ref(
                    types: &mut ::hatch_interop::__private::TypeRegistry,
                ) -> ::hatch_interop::__private::TypeRef {
                    ::hatch_interop::__private::TypeRef::Record(
                        <Self as ::hatch_interop::TypeInfo>::__register(types),
                    )
                }

                fn __write(&self, out: &mut ::std::vec::Vec<u8>) {
                    match self {
                        #(#writes)*
                    }
                }

                fn __size(&self) -> usize {
                    match self {
                        #(#sizes)*
                    }
                }

                const __MIN_SIZE: usize = 4;

                fn __read(
                    input: &mut &[u8],
                ) -> ::core::result::Result<Self, ::hatch_interop::__private::WireError> {
                    let _depth = ::hatch_interop::__private::RecordDepth::enter(#name)?;
                    match <u32 as #wire>::__read(input)? {
                        #(#reads)*
                        other => ::core::result::Result::Err(
                            ::hatch_interop::__private::WireError::unknown_variant(#name, other),
                        ),
                    }
                }
            }

            ::hatch_interop::__record!(#ident);

            // As an error: the variant's index is the code, and the bindings decode the error's
            // fields from its encoding.
            unsafe impl ::hatch_interop::FfiErrorEnum for #ident {
                fn __error_code(&self) -> i64 {
                    match self {
                        #(#indexes,)*
                    }
                }

                fn __error_payload(&self) -> ::core::option::Option<::std::vec::Vec<u8>> {
                    let mut out = ::std::vec::Vec::new();
                    <Self as #wire>::__write(self, &mut out);
                    ::core::option::Option::Some(out)
                }
            }

            // As a callback's error: a slot the foreign side fills with the error's encoding.
            unsafe impl ::hatch_interop::__private::CallbackError for #ident {
                type Slot = ::hatch_interop::__private::EncodedResult<Self>;

                fn __slot(callback: &'static str) -> Self::Slot {
                    ::hatch_interop::__private::EncodedResult::new(callback, "error")
                }

                fn __take(slot: Self::Slot) -> ::core::option::Option<Self> {
                    slot.into_option()
                }
            }
        })
    }

    /// Whether a field is spelled as an owned value without a C layout (`String`, `Vec<T>`,
    /// std `Option<T>` of a value, `HashMap`, `BTreeMap`).
    fn is_owned_field(field: &syn::Field) -> bool {
        let ty = &field.ty;
        function::is_string(ty)
            || function::vec_element(ty).is_some()
            || function::is_map(ty)
            || function::argument(ty, "Option").is_some_and(|inner| {
                // `Option<&T>` and `Option<Box<T>>` are pointers, refused in a struct.
                !matches!(function::ungroup(inner), Type::Reference(_) | Type::Ptr(_))
                    && function::argument(inner, "Box").is_none()
            })
    }

    /// `unsafe impl FfiWire`: the fields in order (`fields`: how Rust names each, and its type);
    /// `type_ref` makes the reference from the registered name. `bounded`: the impl requires
    /// every field to be `FfiWire` (under a binder, so that the bound is checked where it is
    /// used: a struct with a pointer field is still a struct, just not part of a record).
    fn wire_impl(
        ident: &Ident,
        type_ref: TokenStream2,
        fields: &[(TokenStream2, Type)],
        bounded: bool,
    ) -> TokenStream2 {
        let wire = quote!(::hatch_interop::__private::FfiWire);
        // A record may hold itself: its reads count their nesting (a plain struct cannot).
        let depth = (!bounded).then(|| {
            quote! {
                let _depth = ::hatch_interop::__private::RecordDepth::enter(
                    <Self as ::hatch_interop::TypeInfo>::__NAME,
                )?;
            }
        });
        let members: Vec<_> = fields.iter().map(|(member, _)| member).collect();
        let types: Vec<_> = fields.iter().map(|(_, ty)| ty).collect();
        let bounds = bounded.then(|| {
            quote! {
                where #(for<'__hatch_interop> #types: #wire,)*
            }
        });
        quote! {
            unsafe impl #wire for #ident #bounds {
                fn __wire_ref(
                    types: &mut ::hatch_interop::__private::TypeRegistry,
                ) -> ::hatch_interop::__private::TypeRef {
                    #type_ref(<Self as ::hatch_interop::TypeInfo>::__register(types))
                }

                fn __write(&self, out: &mut ::std::vec::Vec<u8>) {
                    #(<#types as #wire>::__write(&self.#members, out);)*
                }

                fn __size(&self) -> usize {
                    0 #(+ <#types as #wire>::__size(&self.#members))*
                }

                const __MIN_SIZE: usize = 0 #(+ <#types as #wire>::__MIN_SIZE)*;

                fn __read(
                    input: &mut &[u8],
                ) -> ::core::result::Result<Self, ::hatch_interop::__private::WireError> {
                    #depth
                    // Read in the fields' order: a struct expression evaluates its fields as
                    // written.
                    ::core::result::Result::Ok(Self {
                        #(#members: <#types as #wire>::__read(input)?,)*
                    })
                }
            }
        }
    }

    /// A record: a struct with owned fields, copied across the boundary in the wire encoding
    /// (no C layout, so no `repr(C)`).
    fn record_type(item: ItemStruct, rename: Option<&syn::LitStr>) -> syn::Result<TokenStream2> {
        let mut errors = Errors::default();
        errors.check(check_not_generic(&item.generics));
        let name = errors.check(type_name(&item.ident, rename, "the struct"));
        let ident = &item.ident;
        let mut members: Vec<(String, TokenStream2, &syn::Field)> = Vec::new();
        match &item.fields {
            Fields::Named(named) => {
                for field in &named.named {
                    let field_ident = field.ident.as_ref().expect("named field");
                    if let Some(name) = errors.check(inventory_name(field_ident, "the field")) {
                        members.push((name, quote!(#field_ident), field));
                    }
                }
            }
            Fields::Unnamed(unnamed) => {
                for (i, field) in unnamed.unnamed.iter().enumerate() {
                    let index = syn::Index::from(i);
                    members.push((format!("_{i}"), quote!(#index), field));
                }
            }
            Fields::Unit => {}
        }
        if item.fields.is_empty() {
            errors.push(
                ident.span(),
                "an #[ffi_type] record needs at least one field",
            );
        }
        errors.finish()?;
        let name = name.expect("errors were reported above");
        let wire_fields: Vec<(TokenStream2, Type)> = members
            .iter()
            .map(|(_, member, field)| (member.clone(), tagged::self_to(&field.ty, ident)))
            .collect();
        let defs: Vec<_> = members
            .iter()
            .zip(&wire_fields)
            .map(|((name, _, field), (_, ty))| {
                let doc = doc(&field.attrs);
                quote_spanned! {field.ty.span()=>
                    ::hatch_interop::__private::RecordFieldDef {
                        name: #name,
                        doc: #doc,
                        ty: <#ty as ::hatch_interop::__private::FfiWire>::__wire_ref(types),
                    }
                }
            })
            .collect();
        let tuple = matches!(item.fields, Fields::Unnamed(_));
        let doc = doc(&item.attrs);
        let wire = wire_impl(
            ident,
            quote!(::hatch_interop::__private::TypeRef::Record),
            &wire_fields,
            false,
        );
        let type_info = type_info(
            ident,
            &name,
            quote! {
                ::hatch_interop::__private::TypeDef::Record {
                    name: #name,
                    doc: #doc,
                    fields: ::std::vec![#(#defs),*],
                    tuple: #tuple,
                }
            },
        );
        Ok(quote! {
            #item

            #type_info

            #wire

            ::hatch_interop::__record!(#ident);
        })
    }

    fn enum_type(mut item: ItemEnum, rename: Option<&syn::LitStr>) -> syn::Result<TokenStream2> {
        if item
            .variants
            .iter()
            .any(|variant| !matches!(variant.fields, Fields::Unit))
        {
            return tagged::expand(item, rename);
        }
        let mut errors = Errors::default();
        errors.check(check_not_generic(&item.generics));
        let name = errors.check(type_name(&item.ident, rename, "the enum"));

        let hints = errors.check(repr_hints(&item.attrs)).unwrap_or_default();
        let mut int_repr = None;
        let mut c_repr = false;
        for (hint, span) in &hints {
            if hint == "C" {
                c_repr = true;
            } else if ENUM_REPRS.contains(&hint.as_str()) {
                int_repr = Some(hint.clone());
            } else {
                errors.push(
                    *span,
                    format!(
                        "#[ffi_type] enums need a fixed-width integer repr: `repr({hint})` is \
                         not supported (use u8, u16, u32, u64, i8, i16, i32, i64 or C)"
                    ),
                );
            }
        }
        // `repr(C)` alone is C's `int`; `repr(C, u8)` is `u8`.
        let repr = int_repr.unwrap_or_else(|| if c_repr { "i32" } else { "u32" }.to_owned());

        if item.variants.is_empty() {
            errors.push(
                item.ident.span(),
                "an #[ffi_type] enum needs at least one variant",
            );
        }
        let mut variants = Vec::new();
        let mut codes = Vec::new();
        let mut values = Vec::new();
        let repr_ty = format_ident!("{}", repr);
        let enum_ident = &item.ident;
        for variant in &item.variants {
            if let Some(name) = errors.check(inventory_name(&variant.ident, "the variant")) {
                let ident = &variant.ident;
                let doc = doc(&variant.attrs);
                // An enum-to-integer cast reads the discriminant in the repr type and widens
                // it, so every u64 and i64 value arrives exactly.
                variants.push(quote! {
                    ::hatch_interop::__private::VariantDef {
                        name: #name,
                        doc: #doc,
                        value: Self::#ident as i128,
                    }
                });
                // Matching (rather than `*self as i64`) needs no `Copy`.
                codes.push(quote!(Self::#ident => Self::#ident as i64));
                values.push(quote!(#enum_ident::#ident as #repr_ty));
            }
        }
        errors.finish()?;
        let name = name.expect("errors were reported above");

        if hints.is_empty() {
            item.attrs.push(syn::parse_quote!(#[repr(u32)]));
        }
        let ident = &item.ident;
        let doc = doc(&item.attrs);
        let type_ref = named_type_ref(ident);
        let valid = format!("a variant of {name}");
        Ok(quote! {
            #item

            unsafe impl ::hatch_interop::TypeInfo for #ident {
                const __NAME: &'static str = #name;

                fn __register(
                    types: &mut ::hatch_interop::__private::TypeRegistry,
                ) -> &'static str {
                    types.register::<Self>(#name, |_| {
                        ::hatch_interop::__private::TypeDef::Enum {
                            name: #name,
                            doc: #doc,
                            repr: #repr,
                            size: ::core::mem::size_of::<Self>(),
                            align: ::core::mem::align_of::<Self>(),
                            variants: ::std::vec![#(#variants),*],
                        }
                    })
                }
            }

            #type_ref

            // A callback's result: returned by value, as its repr.
            ::hatch_interop::__callback_result_by_value!(#ident);

            unsafe impl ::hatch_interop::FfiEnum for #ident {
                fn __code(&self) -> i64 {
                    match self {
                        #(#codes,)*
                    }
                }
            }

            unsafe impl ::hatch_interop::FfiErrorEnum for #ident {
                fn __error_code(&self) -> i64 {
                    <Self as ::hatch_interop::FfiEnum>::__code(self)
                }

                fn __error_payload(&self) -> ::core::option::Option<::std::vec::Vec<u8>> {
                    ::core::option::Option::None
                }
            }

            // As a callback's error: an `FfiOption<Self>` slot (`None` until the foreign side fails).
            unsafe impl ::hatch_interop::__private::CallbackError for #ident {
                type Slot = ::hatch_interop::FfiOption<Self>;

                fn __slot(_callback: &'static str) -> Self::Slot {
                    ::hatch_interop::FfiOption::none()
                }

                fn __take(slot: Self::Slot) -> ::core::option::Option<Self> {
                    slot.into_option()
                }
            }

            unsafe impl ::hatch_interop::FfiArrayElement for #ident {}

            // Inside an encoded value (`Vec<Option<Color>>`, a map's value): its repr's bytes,
            // checked to be a variant's value when read.
            unsafe impl ::hatch_interop::__private::FfiWire for #ident {
                fn __wire_ref(
                    types: &mut ::hatch_interop::__private::TypeRegistry,
                ) -> ::hatch_interop::__private::TypeRef {
                    ::hatch_interop::__private::TypeRef::Named(
                        <Self as ::hatch_interop::TypeInfo>::__register(types),
                    )
                }

                fn __write(&self, out: &mut ::std::vec::Vec<u8>) {
                    // The discriminant (as `i64`: back to the repr loses nothing), without `Copy`.
                    let value = <Self as ::hatch_interop::FfiEnum>::__code(self) as #repr_ty;
                    out.extend_from_slice(&value.to_le_bytes());
                }

                #[inline]
                fn __size(&self) -> usize {
                    ::core::mem::size_of::<#repr_ty>()
                }

                const __MIN_SIZE: usize = ::core::mem::size_of::<#repr_ty>();

                fn __read(
                    input: &mut &[u8],
                ) -> ::core::result::Result<Self, ::hatch_interop::__private::WireError> {
                    ::hatch_interop::__private::wire_read_element::<Self>(input)
                }
            }

            // A C caller's buffer may hold any integer: each element is checked to be the
            // value of a variant before the slice is made.
            unsafe impl ::hatch_interop::FfiSliceElement for #ident {
                type __Raw = #repr_ty;
                const __VALID: &'static str = #valid;

                fn __element_ref(
                    types: &mut ::hatch_interop::__private::TypeRegistry,
                ) -> ::hatch_interop::__private::TypeRef {
                    ::hatch_interop::__private::TypeRef::Named(
                        <Self as ::hatch_interop::TypeInfo>::__register(types),
                    )
                }

                #[inline]
                fn __invalid_at(raw: &[#repr_ty]) -> ::core::option::Option<(usize, i128)> {
                    const VALUES: &[#repr_ty] = &[#(#values),*];
                    let index = raw.iter().position(|value| !VALUES.contains(value))?;
                    ::core::option::Option::Some((index, raw[index] as i128))
                }
            }
        })
    }

    /// Data-carrying enums, which have the C layout of RFC 2195 under `#[repr(C, int)]`.
    mod tagged {
        use super::*;

        pub(crate) fn expand(
            mut item: ItemEnum,
            rename: Option<&syn::LitStr>,
        ) -> syn::Result<TokenStream2> {
            let mut errors = Errors::default();
            errors.check(check_not_generic(&item.generics));
            let name = errors.check(type_name(&item.ident, rename, "the enum"));
            let repr = errors.check(tag_repr(&item));

            let enum_ident = &item.ident;
            let mut shadows = Vec::new();
            let mut discriminants = Vec::new();
            let mut variants = Vec::new();
            let mut field_checks = Vec::new();
            let mut any_field = false;
            for (index, variant) in item.variants.iter().enumerate() {
                let variant_name = errors.check(inventory_name(&variant.ident, "the variant"));
                let shadow = format_ident!("__hatch_interop_Variant{}", index);
                let mut shadow_fields = Vec::new();
                let mut fields = Vec::new();
                // A tuple variant's fields are `_0`, `_1`, ... in C and Python (the shadow's named
                // fields have the layout of the variant's, in order).
                for (i, field) in variant.fields.iter().enumerate() {
                    let (field_name, member) = match &field.ident {
                        Some(ident) => {
                            let Some(field_name) = errors.check(inventory_name(ident, "the field"))
                            else {
                                continue;
                            };
                            (field_name, ident.clone())
                        }
                        None => (format!("_{i}"), format_ident!("_{}", i)),
                    };
                    any_field = true;
                    let ty = self_to(&field.ty, enum_ident);
                    shadow_fields.push(quote!(#member: #ty));
                    field_checks.push(untrusted_field(&ty));
                    let type_ref = type_ref(&field.ty);
                    let doc = doc(&field.attrs);
                    fields.push(quote! {
                        ::hatch_interop::__private::FieldDef {
                            name: #field_name,
                            doc: #doc,
                            ty: #type_ref,
                            offset: ::core::mem::offset_of!(__hatch_interop_Layout, payload)
                                + ::core::mem::offset_of!(#shadow, #member),
                        }
                    });
                }
                let tuple = matches!(variant.fields, Fields::Unnamed(_));
                shadows.push(quote! {
                    #[repr(C)]
                    #[allow(dead_code, non_camel_case_types)]
                    struct #shadow { #(#shadow_fields),* }
                });

                // The discriminants as rustc assigns them: an explicit value, else one more than
                // the previous variant's (or 0), in the tag's type. (`as` casts are not allowed
                // on data-carrying enums, so the macro cannot ask the compiler.)
                let discriminant = format_ident!("__hatch_interop_D{}", index);
                let value = match (&variant.discriminant, index) {
                    (Some((_, expr)), _) => quote!(#expr),
                    (None, 0) => quote!(0),
                    (None, _) => {
                        let previous = format_ident!("__hatch_interop_D{}", index - 1);
                        quote!(#previous + 1)
                    }
                };
                discriminants.push((discriminant.clone(), value));

                let doc = doc(&variant.attrs);
                variants.push(quote! {
                    ::hatch_interop::__private::TaggedVariantDef {
                        name: #variant_name,
                        doc: #doc,
                        value: #discriminant as i128,
                        fields: ::std::vec![#(#fields),*],
                        tuple: #tuple,
                    }
                });
            }
            if !any_field && errors.0.is_none() {
                errors.push(
                    item.ident.span(),
                    "no variant of this enum has a field: write its variants without braces \
                     (`A` rather than `A {}`) to make it a field-less #[ffi_type] enum",
                );
            }
            errors.finish()?;
            let name = name.expect("errors were reported above");
            let repr = repr.expect("errors were reported above");

            if !item.attrs.iter().any(|attr| attr.path().is_ident("repr")) {
                item.attrs.push(syn::parse_quote!(#[repr(C, u32)]));
            }
            let tag = format_ident!("{}", repr);
            let tag = quote!(::core::primitive::#tag);
            let ident = &item.ident;
            let doc = doc(&item.attrs);
            let type_ref = named_type_ref(ident);
            let payload_fields = (0..item.variants.len()).map(|index| {
                let field = format_ident!("v{}", index);
                let shadow = format_ident!("__hatch_interop_Variant{}", index);
                quote!(#field: ::core::mem::ManuallyDrop<#shadow>)
            });
            let discriminants = discriminants
                .iter()
                .map(|(name, value)| quote!(const #name: #tag = #value;));
            let message = format!(
                "hatch-interop: the layout of `{name}` is not the repr(C) layout of RFC 2195 that \
                 its FFI description assumes"
            );
            let type_info = type_info(
                ident,
                &name,
                quote! {
                    ::hatch_interop::__private::TypeDef::Tagged {
                        name: #name,
                        doc: #doc,
                        repr: #repr,
                        size: ::core::mem::size_of::<Self>(),
                        align: ::core::mem::align_of::<Self>(),
                        payload_offset: ::core::mem::offset_of!(
                            __hatch_interop_Layout,
                            payload
                        ),
                        variants: ::std::vec![#(#variants),*],
                    }
                },
            );
            Ok(quote! {
                #item

                #(#field_checks)*

                // A shadow of the enum's layout (RFC 2195: a `repr(C)` struct of the tag and a
                // `repr(C)` union of one `repr(C)` struct per variant), because `offset_of!` on
                // enum variants is not stable yet. The assertion checks that the compiler agrees.
                const _: () = {
                    #(#shadows)*

                    #[repr(C)]
                    #[allow(dead_code, non_camel_case_types)]
                    union __hatch_interop_Payload { #(#payload_fields),* }

                    #[repr(C)]
                    #[allow(dead_code, non_camel_case_types)]
                    struct __hatch_interop_Layout {
                        tag: #tag,
                        payload: __hatch_interop_Payload,
                    }

                    const _: () = ::core::assert!(
                        ::core::mem::size_of::<#ident>()
                            == ::core::mem::size_of::<__hatch_interop_Layout>()
                            && ::core::mem::align_of::<#ident>()
                                == ::core::mem::align_of::<__hatch_interop_Layout>(),
                        #message
                    );

                    #(#discriminants)*

                    #type_info
                };

                #type_ref

                unsafe impl ::hatch_interop::FfiPointee for #ident {}

                unsafe impl ::hatch_interop::FfiBorrowedResult for #ident {}

                // Neither `FfiEnum` (an error code is a bare discriminant, and the variant's fields
                // would be lost) nor `FfiSliceElement`: a caller's buffer may hold tags that are
                // no variant, which the shim cannot check element by element.
            })
        }

        /// The tag's type: `u32` when the enum has no repr (the macro adds `repr(C, u32)`),
        /// else the integer of `#[repr(C, int)]`.
        fn tag_repr(item: &ItemEnum) -> syn::Result<String> {
            let hints = repr_hints(&item.attrs)?;
            let Some((_, first)) = hints.first() else {
                return Ok("u32".to_owned());
            };
            let mut errors = Errors::default();
            let mut int_repr = None;
            let mut c_repr = false;
            for (hint, span) in &hints {
                if hint == "C" {
                    c_repr = true;
                } else if ENUM_REPRS.contains(&hint.as_str()) {
                    int_repr = Some(hint.clone());
                } else {
                    errors.push(
                        *span,
                        format!(
                            "data-carrying #[ffi_type] enums have the C layout of RFC 2195: \
                             `repr({hint})` is not supported (write #[repr(C, u8)], or u16, u32, \
                             u64, i8, i16, i32, i64 for the tag)"
                        ),
                    );
                }
            }
            errors.finish()?;
            match (c_repr, int_repr) {
                (true, Some(repr)) => Ok(repr),
                (false, Some(repr)) => Err(Error::new(
                    *first,
                    format!(
                        "a data-carrying #[ffi_type] enum needs #[repr(C, {repr})], not \
                         #[repr({repr})]: only `repr(C, {repr})` lays it out as C would (a tag \
                         followed by a union of the variants' fields, RFC 2195)"
                    ),
                )),
                _ => Err(Error::new(
                    *first,
                    "a data-carrying #[ffi_type] enum needs the type of its tag in its repr: \
                     write #[repr(C, u8)] (or u16, u32, u64, i8, i16, i32, i64)",
                )),
            }
        }

        /// `ty` with `Self` replaced by the enum's name: the shadow structs name the field
        /// types outside the enum, where `Self` would mean the shadow itself.
        pub(crate) fn self_to(ty: &Type, enum_ident: &Ident) -> Type {
            struct Replace<'a>(&'a Ident);
            impl VisitMut for Replace<'_> {
                fn visit_type_path_mut(&mut self, path: &mut syn::TypePath) {
                    if path.qself.is_none() && path.path.is_ident("Self") {
                        let ident = self.0;
                        *path = syn::parse_quote!(#ident);
                    } else {
                        syn::visit_mut::visit_type_path_mut(self, path);
                    }
                }
            }
            let mut ty = ty.clone();
            Replace(enum_ident).visit_type_mut(&mut ty);
            ty
        }
    }

    fn opaque_type(
        ident: &Ident,
        rename: Option<&syn::LitStr>,
        attrs: &[Attribute],
        fields: Vec<&Type>,
        drop_holds_gil: bool,
        item: TokenStream2,
    ) -> syn::Result<TokenStream2> {
        let name = type_name(ident, rename, "the type")?;
        let doc = doc(attrs);
        // An owned object (a `Box<Self>` a function returned) that nothing consumed is dropped
        // through this symbol: by the Python bindings' finaliser, by C callers themselves.
        let drop = format!("{}_ffi_drop", super::service::snake_case(&name));
        let drop_doc = format!(
            " Exported as `{drop}`: gives back an owned `{name}` (a `Box<{name}>` a function \
             returned), dropping it unless a function took it (now, or once the last call \
             using it returns); nothing if NULL.\n\n # Safety\n\n `object` is NULL or such \
             a pointer, given back once and not used after the call."
        );
        let check = quote_spanned! {ident.span()=>
            // Python may use the objects from any thread, and drop them on another.
            const _: fn() = || {
                fn ffi_opaque_type_must_be_send_and_sync<
                    T: ::hatch_interop::FfiOpaqueType + ?::core::marker::Sized,
                >() {}
                ffi_opaque_type_must_be_send_and_sync::<#ident>();
            };
        };
        Ok(quote! {
            #item

            #check

            const _: () = {
                #[doc = #drop_doc]
                #[unsafe(export_name = #drop)]
                unsafe extern "C" fn __hatch_interop_drop(object: *mut #ident) {
                    // SAFETY: forwarded from the caller.
                    unsafe { ::hatch_interop::__private::OpaqueCell::release(object) }
                }
            };

            unsafe impl ::hatch_interop::TypeInfo for #ident {
                const __NAME: &'static str = #name;

                fn __register(
                    types: &mut ::hatch_interop::__private::TypeRegistry,
                ) -> &'static str {
                    types.register::<Self>(#name, |_| {
                        ::hatch_interop::__private::TypeDef::Opaque {
                            name: #name,
                            doc: #doc,
                            drop: #drop,
                            drop_frees_only: {
                                use ::hatch_interop::__private::{
                                    DropProbe, DropProbeImplemented as _, DropProbeOther as _,
                                    FreesProbe, FreesProbeFreesOnly as _, FreesProbeOther as _,
                                };
                                !(&&DropProbe::<Self>::new()).has_drop_impl()
                                    #(&& (&&FreesProbe::<#fields>::new()).frees_only())*
                            },
                            drop_holds_gil: #drop_holds_gil,
                        }
                    })
                }
            }

            // The foreign side's objects are cells (see `OpaqueCell`): a `Box` result makes one,
            // and the shims of pointer parameters borrow or take through it.
            unsafe impl ::hatch_interop::FfiPointee for #ident {
                const __OPAQUE: bool = true;

                fn __into_raw(
                    value: ::std::boxed::Box<Self>,
                ) -> ::core::result::Result<*mut Self, ::hatch_interop::__private::Failure> {
                    ::hatch_interop::__private::OpaqueCell::into_raw(value)
                }

                unsafe fn __borrow<'a>(
                    pointer: *mut Self,
                    exclusive: bool,
                    function: &str,
                    param: &str,
                ) -> ::core::result::Result<
                    ::hatch_interop::__private::Borrow<'a, Self>,
                    ::hatch_interop::__private::Failure,
                > {
                    use ::hatch_interop::__private::CellKind as _;
                    // The cell of a service's object if the type has an #[ffi_service] block,
                    // else an opaque object's (see `CellProbe`).
                    let probe = ::hatch_interop::__private::CellProbe::<Self>::new();
                    // SAFETY: forwarded from the caller.
                    unsafe {
                        (&&&probe).__borrow_in_cell(pointer, exclusive, #name, function, param)
                    }
                }

                unsafe fn __take(
                    pointer: *mut Self,
                    function: &str,
                    param: &str,
                ) -> ::core::result::Result<
                    ::std::boxed::Box<Self>,
                    ::hatch_interop::__private::Failure,
                > {
                    use ::hatch_interop::__private::CellKind as _;
                    let probe = ::hatch_interop::__private::CellProbe::<Self>::new();
                    // SAFETY: forwarded from the caller.
                    unsafe { (&&&probe).__take_from_cell(pointer, #name, function, param) }
                }
            }
        })
    }
}

mod callback {
    use super::*;

    /// Whether `ty` is `&str` (any lifetime) or `String`: a callback's text parameter (an owned
    /// one is lent to the foreign side for the call, then dropped).
    fn is_str(ty: &Type) -> bool {
        function::is_string(ty)
            || matches!(ty, Type::Reference(reference)
            if reference.mutability.is_none()
                && matches!(&*reference.elem, Type::Path(path)
                    if path.qself.is_none() && path.path.is_ident("str")))
    }

    /// Whether `ty` is `char`: a callback's character parameter, passed as its code point (a
    /// `u32`, which the foreign side needs no check to read).
    fn is_char(ty: &Type) -> bool {
        matches!(ty, Type::Path(path) if path.qself.is_none() && path.path.is_ident("char"))
    }

    /// The element of `&[T]` (any lifetime) or `Vec<T>`: a callback's slice parameter (an owned
    /// one is lent for the call, then dropped).
    fn slice_element(ty: &Type) -> Option<&Type> {
        match ty {
            Type::Reference(reference) if reference.mutability.is_none() => {
                match &*reference.elem {
                    Type::Slice(slice) => Some(&slice.elem),
                    _ => None,
                }
            }
            _ => function::vec_element(ty),
        }
    }

    /// The `T` and `E` of `Result<T, E>`.
    fn result_types(ty: &Type) -> Option<(&Type, &Type)> {
        let Type::Path(path) = function::ungroup(ty) else {
            return None;
        };
        let last = path.path.segments.last()?;
        if path.qself.is_some() || last.ident != "Result" {
            return None;
        }
        let syn::PathArguments::AngleBracketed(arguments) = &last.arguments else {
            return None;
        };
        match arguments.args.iter().collect::<Vec<_>>()[..] {
            [syn::GenericArgument::Type(ok), syn::GenericArgument::Type(error)] => {
                Some((ok, error))
            }
            _ => None,
        }
    }

    /// Whether a callback's result spelled `ty` crosses encoded (a `Vec` or a map).
    fn is_encoded_result(ty: &Type) -> bool {
        function::vec_element(ty).is_some() || function::is_map(ty)
    }

    /// Whether `ty` is `()` or spelled as a primitive type (returned by value, as always).
    fn is_primitive_name(ty: &Type) -> bool {
        const PRIMITIVES: &[&str] = &[
            "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize",
            "f32", "f64", "bool", "char",
        ];
        match function::ungroup(ty) {
            Type::Tuple(tuple) => tuple.elems.is_empty(),
            Type::Path(path) => {
                path.qself.is_none() && PRIMITIVES.iter().any(|name| path.path.is_ident(name))
            }
            _ => false,
        }
    }

    /// What a result spelled `ty` is, if callbacks cannot return it yet (structs, which syntax
    /// cannot tell from enums, are refused when the inventory is checked).
    fn refused_result(ty: &Type) -> Option<&'static str> {
        match function::ungroup(ty) {
            Type::Reference(reference) => Some(match &*reference.elem {
                Type::Path(path) if path.qself.is_none() && path.path.is_ident("str") => "`&str`",
                _ => "a reference",
            }),
            Type::Ptr(_) => Some("a pointer"),
            Type::Slice(_) | Type::Array(_) => Some("an array or slice"),
            Type::Tuple(tuple) if !tuple.elems.is_empty() => Some("a tuple"),
            Type::Path(path) => {
                let last = path.path.segments.last()?;
                match last.ident.to_string().as_str() {
                    "Option" => Some("this `Option`"),
                    "FfiOption" => Some("an `FfiOption` (return an `Option`)"),
                    "Result" => Some("this `Result`"),
                    "Vec" => Some("a `Vec`"),
                    "Box" => Some("a `Box`"),
                    "HashMap" | "BTreeMap" => Some("a map"),
                    "CString" => Some("a `CString`"),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    pub(crate) fn expand(attr: TokenStream2, item: TokenStream2) -> syn::Result<TokenStream2> {
        no_arguments(attr, "ffi_callback")?;
        let item: syn::ItemType = match syn::parse2::<Item>(item)? {
            Item::Type(item) => item,
            item => {
                return Err(Error::new_spanned(
                    item,
                    "#[ffi_callback] goes on a function type alias: \
                     `pub type OnEvent = fn(code: u32) -> bool;`",
                ))
            }
        };
        expand_item(item, None)
    }

    /// The callback type `item` (a function type alias), named `name` in the inventory (else
    /// after the alias): `#[ffi_trait]` makes one per method.
    pub(crate) fn expand_item(
        item: syn::ItemType,
        name: Option<String>,
    ) -> syn::Result<TokenStream2> {
        if !item.generics.params.is_empty() {
            return Err(Error::new_spanned(
                &item.generics,
                "#[ffi_callback] types cannot be generic",
            ));
        }
        let Type::BareFn(func) = &*item.ty else {
            return Err(Error::new_spanned(
                &item.ty,
                "#[ffi_callback] needs a function type: `fn(code: u32) -> bool`",
            ));
        };
        let mut errors = Errors::default();
        if let Some(abi) = &func.abi {
            errors.push(
                abi.span(),
                "remove the ABI: the callback's C ABI is generated (`fn(..)`, not `extern fn`)",
            );
        }
        if let Some(variadic) = &func.variadic {
            errors.push(variadic.span(), "callbacks cannot be variadic");
        }
        if func.lifetimes.is_some() {
            errors.push(
                func.span(),
                "write the callback without `for<'a>`: elided lifetimes are enough",
            );
        }
        let name = match name {
            Some(name) => Some(name),
            None => errors.check(inventory_name(&item.ident, "the callback")),
        };
        let mut params = Vec::new();
        for (i, arg) in func.inputs.iter().enumerate() {
            check_type(&arg.ty, &mut errors);
            match &arg.name {
                Some((ident, _)) => {
                    if let Some(param) = errors.check(inventory_name(ident, "the parameter")) {
                        params.push((param, ident.clone(), &arg.ty));
                    }
                }
                None => errors.push(
                    arg.ty.span(),
                    format!(
                        "name parameter {} of the callback (`fn(code: u32)`): the bindings \
                         show the names",
                        i + 1
                    ),
                ),
            }
        }
        // A `String` result crosses through a slot the library passes last (see `TextResult`);
        // the other results C returns by value.
        let mut text_result = false;
        // `Option<String>`: the text slot, `None` until the foreign side sets text.
        let mut optional_text = false;
        // `Option<T>` of a primitive, struct or enum: an `FfiOption<T>` slot, `None` until written.
        let mut option_result = None;
        // A `Vec`, a map or an `Option` of one: encoded into a slot the library passes last (see
        // `EncodedResult`); none set (the callback failed) is the empty value.
        let mut encoded_result = None;
        // A result named by a path that is no primitive: a struct or an enum (or an alias), which
        // cross differently (see `CallbackResult`).
        let mut named_result = None;
        // `Result<T, E>`: `T` crosses as a result of its own, and `E` (an error enum) through an
        // `FfiOption<E>` slot passed before the result's (`None` until the foreign side fails).
        let mut error_ty = None;
        let ok_ty: Option<Type> = match &func.output {
            ReturnType::Default => None,
            ReturnType::Type(_, ty) => {
                check_type(ty, &mut errors);
                match result_types(ty) {
                    Some((ok, error)) => {
                        error_ty = Some(all_static_lifetimes(error));
                        Some(ok.clone())
                    }
                    None => Some((**ty).clone()),
                }
            }
        };
        if let Some(ty) = &ok_ty {
            let inner = function::option_inner(ty);
            if function::is_string(ty) {
                text_result = true;
            } else if inner.is_some_and(function::is_string) {
                text_result = true;
                optional_text = true;
            } else if is_encoded_result(ty) || inner.is_some_and(is_encoded_result) {
                encoded_result = Some(all_static_lifetimes(ty));
            } else if let Some(inner) = inner.filter(|inner| refused_result(inner).is_none()) {
                option_result = Some(all_static_lifetimes(inner));
            } else if let Some(refused) = refused_result(ty) {
                let supported = "a callback returns nothing, a primitive, an #[ffi_type] struct \
                                 or field-less enum, a `String`, a `Vec` or map, an `Option` of \
                                 one, or a `Result<T, E>` of one with an #[ffi_type] error enum";
                let message = match refused {
                    "`&str`" => String::from(
                        "a callback cannot return `&str` (the foreign side's text is gone once it \
                         returns): return a `String`, which the library copies",
                    ),
                    refused => format!("a callback cannot return {refused} yet: {supported}"),
                };
                errors.push(ty.span(), message);
            } else if !is_primitive_name(ty) {
                named_result = Some(all_static_lifetimes(ty));
            }
        }
        errors.finish()?;
        let name = name.expect("errors were reported above");

        let ident = &item.ident;
        let vis = &item.vis;
        let attrs = &item.attrs;
        let doc = doc(&item.attrs);
        let names: Vec<_> = params.iter().map(|(_, ident, _)| ident).collect();
        let tys: Vec<_> = params.iter().map(|(_, _, ty)| *ty).collect();
        // `&str` and `&[T]` cross as two C parameters, the bytes (or elements) and their count,
        // as for functions.
        let texts: Vec<bool> = tys
            .iter()
            .map(|ty| is_str(ty) || slice_element(ty).is_some())
            .collect();
        let callback_param = quote!(::hatch_interop::__private::CallbackParam);
        // Any other parameter crosses as its `CallbackParam` says (a type of C layout as itself, a
        // record as a pointer to its encoding), made before the call and kept until it returns.
        let lowered: Vec<bool> = tys
            .iter()
            .zip(&texts)
            .map(|(ty, text)| !*text && !is_char(ty))
            .collect();
        let c_tys: Vec<TokenStream2> = tys
            .iter()
            .map(|ty| {
                if is_char(ty) {
                    quote!(u32)
                } else if is_str(ty) {
                    quote!(*const u8, usize)
                } else if let Some(element) = slice_element(ty) {
                    let element = all_static_lifetimes(element);
                    quote!(*const #element, usize)
                } else if named_result.is_some() {
                    // Named in a tuple (see `CallArgs`), where lifetimes cannot be elided.
                    let ty = all_static_lifetimes(ty);
                    quote_spanned!(ty.span()=> <#ty as #callback_param>::C)
                } else {
                    quote_spanned!(ty.span()=> <#ty as #callback_param>::C)
                }
            })
            .collect();
        let keeps: Vec<TokenStream2> = names
            .iter()
            .zip(&tys)
            .zip(&lowered)
            .enumerate()
            .filter(|(_, (_, lowered))| **lowered)
            .map(|(i, ((name, ty), _))| {
                let keep = format_ident!("__hatch_interop_keep_{}", i);
                let c = format_ident!("__hatch_interop_c_{}", i);
                quote_spanned! {ty.span()=>
                    let #keep = <#ty as #callback_param>::__keep(#name);
                    // SAFETY: lowered once; `keep` lives until the call has returned.
                    let #c = unsafe { <#ty as #callback_param>::__lower(&#keep) };
                }
            })
            .collect();
        let c_args: Vec<TokenStream2> = names
            .iter()
            .zip(&texts)
            .zip(&tys)
            .enumerate()
            .map(|(i, ((name, text), ty))| {
                let static_ty = all_static_lifetimes(ty);
                let c = format_ident!("__hatch_interop_c_{}", i);
                if *text {
                    quote!(#name.as_ptr(), #name.len())
                } else if is_char(ty) {
                    quote!(::core::primitive::u32::from(#name))
                } else if named_result.is_some()
                    && quote!(#static_ty).to_string() != quote!(#ty).to_string()
                {
                    // A reference the callback may use during the call only, which is all the
                    // `'static` of the tuple's type lets it do (the C contract: valid during
                    // the call).
                    quote! {
                        // SAFETY: only the lifetime changes; the foreign side uses the
                        // reference during the call only.
                        unsafe {
                            ::core::mem::transmute::<
                                <#ty as #callback_param>::C,
                                <#static_ty as #callback_param>::C,
                            >(#c)
                        }
                    }
                } else {
                    quote!(#c)
                }
            })
            .collect();
        let output = &func.output;
        let param_defs = params.iter().map(|(name, _, ty)| {
            let ty = if is_char(ty) {
                quote!(::hatch_interop::__private::TypeRef::Primitive("char"))
            } else if is_str(ty) {
                quote!(::hatch_interop::__private::TypeRef::Str)
            } else if let Some(element) = slice_element(ty) {
                let element = all_static_lifetimes(element);
                quote_spanned! {element.span()=>
                    ::hatch_interop::__private::TypeRef::Slice {
                        element: ::std::boxed::Box::new(
                            <#element as ::hatch_interop::FfiSliceElement>::__element_ref(types),
                        ),
                        mutable: false,
                    }
                }
            } else {
                let ty = static_lifetimes(ty);
                quote_spanned!(ty.span()=> <#ty as #callback_param>::__param_ref(types))
            };
            quote!(::hatch_interop::__private::ParamDef {
                name: #name,
                ty: #ty,
                default: ::core::option::Option::None,
            })
        });
        let returns = match &ok_ty {
            None => quote!(::hatch_interop::__private::TypeRef::Void),
            Some(_) if optional_text => quote! {
                ::hatch_interop::__private::TypeRef::Option {
                    inner: ::std::boxed::Box::new(::hatch_interop::__private::TypeRef::String),
                }
            },
            Some(_) if text_result => {
                quote!(::hatch_interop::__private::TypeRef::String)
            }
            Some(_) if encoded_result.is_some() => {
                let ty = encoded_result.as_ref().expect("checked");
                quote_spanned!(ty.span()=> <#ty as ::hatch_interop::__private::FfiWire>::__wire_ref(types))
            }
            Some(_) if option_result.is_some() => {
                let inner = option_result.as_ref().expect("checked");
                let inner = type_ref(inner);
                quote! {
                    ::hatch_interop::__private::TypeRef::Option {
                        inner: ::std::boxed::Box::new(#inner),
                    }
                }
            }
            Some(ty) => type_ref(ty),
        };
        let callback_error = quote!(::hatch_interop::__private::CallbackError);
        let error_ref = match &error_ty {
            Some(error) => quote_spanned! {error.span()=>
                ::core::option::Option::Some(::hatch_interop::__private::TypeRef::Named(
                    <#error as ::hatch_interop::TypeInfo>::__register(types),
                ))
            },
            None => quote!(::core::option::Option::None),
        };
        // The error slot: one more C parameter, before the result's slot if there is one.
        let mut c_tys = c_tys;
        let mut c_args = c_args;
        if let Some(error) = &error_ty {
            c_tys.push(quote_spanned!(error.span()=> *mut <#error as #callback_error>::Slot));
            c_args.push(quote!(::core::ptr::addr_of_mut!(error)));
        }
        let c_output = match &ok_ty {
            Some(ty) => quote!(-> #ty),
            None => quote!(),
        };
        // How `call` reaches the foreign side: the C signature's tail and the call's body.
        let c_void = quote!(::core::ffi::c_void);
        let into = if optional_text {
            quote!(into_option)
        } else {
            quote!(into_string)
        };
        let (call_ty, invoke) = if let Some(ret) = &named_result {
            let args = quote!((#(#c_tys,)*));
            // Spanned at the result, where "a callback cannot return `Shape`" belongs.
            let call_fn = quote_spanned!(ret.span()=>
                <#ret as ::hatch_interop::__private::CallbackResult>::__call::<#args>
            );
            (
                quote_spanned!(ret.span()=> <#ret as ::hatch_interop::__private::CallbackResult>::Call<#args>),
                quote! {
                    let guard = ::hatch_interop::__private::ForeignCall::enter();
                    // SAFETY: whoever made this value promised that `call` may be called
                    // with `context` for as long as the value lives.
                    let result = unsafe {
                        #call_fn(
                            self.call,
                            self.context,
                            (#(#c_args,)*),
                        )
                    };
                    guard.exit();
                    result
                },
            )
        } else if text_result {
            (
                quote! {
                    unsafe extern "C-unwind" fn(
                        *const #c_void,
                        #(#c_tys,)*
                        *mut ::hatch_interop::__private::TextResult,
                    )
                },
                quote! {
                    let mut result = ::hatch_interop::__private::TextResult::new(#name);
                    let guard = ::hatch_interop::__private::ForeignCall::enter();
                    // SAFETY: whoever made this value promised that `call` may be called
                    // with `context` for as long as the value lives; `result` outlives it.
                    unsafe { (self.call)(self.context, #(#c_args,)* &mut result) };
                    guard.exit();
                    result.#into()
                },
            )
        } else if let Some(ty) = &encoded_result {
            let slot = quote_spanned!(ty.span()=> ::hatch_interop::__private::EncodedResult<#ty>);
            (
                quote! {
                    unsafe extern "C-unwind" fn(*const #c_void, #(#c_tys,)* *mut #slot)
                },
                quote! {
                    let mut result = <#slot>::new(#name, "result");
                    let guard = ::hatch_interop::__private::ForeignCall::enter();
                    // SAFETY: whoever made this value promised that `call` may be called
                    // with `context` for as long as the value lives; `result` outlives it.
                    unsafe { (self.call)(self.context, #(#c_args,)* &mut result) };
                    guard.exit();
                    result.into_option().unwrap_or_default()
                },
            )
        } else if let Some(inner) = &option_result {
            let slot = quote_spanned!(inner.span()=> ::hatch_interop::FfiOption<#inner>);
            // What a callback can return, it can return in an `Option` (a data-carrying enum cannot).
            let returnable = quote_spanned! {inner.span()=>
                const _: fn() = || {
                    fn returnable<T: ::hatch_interop::__private::CallbackResult>() {}
                    returnable::<#inner>();
                };
            };
            (
                quote! {
                    unsafe extern "C-unwind" fn(*const #c_void, #(#c_tys,)* *mut #slot)
                },
                quote! {
                    #returnable
                    let mut result = <#slot>::none();
                    let guard = ::hatch_interop::__private::ForeignCall::enter();
                    // SAFETY: whoever made this value promised that `call` may be called
                    // with `context` for as long as the value lives; `result` outlives it.
                    unsafe { (self.call)(self.context, #(#c_args,)* &mut result) };
                    guard.exit();
                    result.into_option()
                },
            )
        } else {
            (
                quote!(unsafe extern "C-unwind" fn(*const #c_void, #(#c_tys),*) #c_output),
                quote! {
                    let guard = ::hatch_interop::__private::ForeignCall::enter();
                    // SAFETY: whoever made this value promised that `call` may be called
                    // with `context` for as long as the value lives.
                    let result = unsafe { (self.call)(self.context, #(#c_args),*) };
                    guard.exit();
                    result
                },
            )
        };
        let invoke = match &error_ty {
            Some(error) => {
                let error_enum = quote_spanned! {error.span()=>
                    const _: fn() = || {
                        fn error_enum<E: ::hatch_interop::__private::CallbackError + ::hatch_interop::FfiError>() {}
                        error_enum::<#error>();
                    };
                };
                quote! {
                    #error_enum
                    let mut error = <#error as #callback_error>::__slot(#name);
                    let value = { #invoke };
                    match <#error as #callback_error>::__take(error) {
                        ::core::option::Option::Some(error) => ::core::result::Result::Err(error),
                        ::core::option::Option::None => ::core::result::Result::Ok(value),
                    }
                }
            }
            None => invoke,
        };
        // The foreign side holds objects of opaque types as cells; what a callback would get is
        // a pointer into Rust's memory, which it could not use safely (nor tell from a cell).
        let no_opaque = tys
            .iter()
            .zip(&texts)
            .filter(|(ty, text)| !**text && !is_char(ty))
            .map(|(ty, _)| {
                let ty = all_static_lifetimes(ty);
                quote_spanned! {ty.span()=>
                    const _: () = ::core::assert!(
                        !<#ty as ::hatch_interop::__private::CallbackParam>::__OPAQUE_POINTER,
                        "a callback cannot take a pointer to an #[ffi_type(opaque)] type: pass the \
                         data it needs (numbers, structs), or make the type an #[ffi_service]",
                    );
                }
            });
        let type_info = type_info(
            ident,
            &name,
            quote! {
                ::hatch_interop::__private::TypeDef::Callback {
                    name: #name,
                    doc: #doc,
                    params: ::std::vec![#(#param_defs),*],
                    returns: #returns,
                    error: #error_ref,
                }
            },
        );
        Ok(quote! {
            #(#no_opaque)*

            #(#attrs)*
            #[repr(C)]
            #vis struct #ident {
                // `C-unwind`: the one unwind a foreign callback may start, CPython ending the
                // thread at exit, is stopped by `ForeignCall` (see there), never caught.
                call: #call_ty,
                context: *const #c_void,
                release: ::core::option::Option<unsafe extern "C-unwind" fn(*const #c_void)>,
            }

            impl #ident {
                /// Calls the callback. If it fails on the foreign side, it returns zeroes and
                /// the library call this runs inside reports the failure when it returns.
                #[allow(clippy::too_many_arguments)]
                #vis fn call(&self, #(#names: #tys),*) #output {
                    #(#keeps)*
                    #invoke
                }
            }

            impl ::core::ops::Drop for #ident {
                fn drop(&mut self) {
                    if let ::core::option::Option::Some(release) = self.release {
                        // None: the interpreter is exiting (the object leaks, see there).
                        if let ::core::option::Option::Some(guard) =
                            ::hatch_interop::__private::ForeignCall::enter_release()
                        {
                            // SAFETY: as in `call`; `release` is called once, here.
                            unsafe { release(self.context) };
                            guard.exit();
                        }
                    }
                }
            }

            // SAFETY: the foreign side makes its callbacks callable, and releasable, from any
            // thread (Python's take the GIL when they run).
            unsafe impl ::core::marker::Send for #ident {}
            unsafe impl ::core::marker::Sync for #ident {}

            #type_info

            unsafe impl ::hatch_interop::FfiType for #ident {
                fn __type_ref(
                    types: &mut ::hatch_interop::__private::TypeRegistry,
                ) -> ::hatch_interop::__private::TypeRef {
                    ::hatch_interop::__private::TypeRef::Named(
                        <Self as ::hatch_interop::TypeInfo>::__register(types),
                    )
                }
            }

            unsafe impl ::hatch_interop::FfiPointee for #ident {}
        })
    }
}

mod foreign_trait {
    use super::*;

    pub(crate) fn expand(attr: TokenStream2, item: TokenStream2) -> syn::Result<TokenStream2> {
        no_arguments(attr, "ffi_trait")?;
        let mut item: syn::ItemTrait =
            match syn::parse2::<Item>(item)? {
                Item::Trait(item) => item,
                item => return Err(Error::new_spanned(
                    item,
                    "#[ffi_trait] goes on a trait: `pub trait Progress { fn on_progress(&self, \
                     done: u64); }`",
                )),
            };
        let mut errors = Errors::default();
        let name = errors.check(inventory_name(&item.ident, "the trait"));
        if !item.generics.params.is_empty() || item.generics.where_clause.is_some() {
            errors.push(
                item.generics.span(),
                "#[ffi_trait] traits cannot be generic",
            );
        }
        if let Some(unsafety) = &item.unsafety {
            errors.push(
                unsafety.span(),
                "#[ffi_trait] traits cannot be `unsafe`: the foreign side implements them",
            );
        }
        if let Some(auto) = &item.auto_token {
            errors.push(auto.span(), "#[ffi_trait] traits cannot be auto traits");
        }
        // `Send + Sync`: a foreign object may be called from any Rust thread (Python's take the
        // GIL). Any other supertrait the foreign side could not implement.
        let mut send = false;
        let mut sync = false;
        for bound in &item.supertraits {
            let marker = match bound {
                syn::TypeParamBound::Trait(bound) if bound.lifetimes.is_none() => {
                    let last = bound.path.segments.last().map(|s| s.ident.to_string());
                    match last.as_deref() {
                        Some("Send") => {
                            send = true;
                            true
                        }
                        Some("Sync") => {
                            sync = true;
                            true
                        }
                        _ => false,
                    }
                }
                _ => false,
            };
            if !marker {
                errors.push(
                    bound.span(),
                    "an #[ffi_trait] has no supertraits but `Send` and `Sync` (which it \
                     implies): the foreign side implements its methods only",
                );
            }
        }
        if !send {
            item.supertraits
                .push(syn::parse_quote!(::core::marker::Send));
        }
        if !sync {
            item.supertraits
                .push(syn::parse_quote!(::core::marker::Sync));
        }

        struct Method<'a> {
            ident: &'a Ident,
            name: String,
            params: Vec<(&'a Ident, &'a Type)>,
            output: &'a ReturnType,
            attrs: Vec<&'a Attribute>,
        }
        let mut methods = Vec::new();
        for trait_item in &item.items {
            let syn::TraitItem::Fn(method) = trait_item else {
                errors.push(
                    trait_item.span(),
                    "an #[ffi_trait] has methods only (no associated types, constants or macros)",
                );
                continue;
            };
            let sig = &method.sig;
            if let Some(body) = &method.default {
                errors.push(
                    body.span(),
                    "remove the body: the foreign side implements every method of an #[ffi_trait]",
                );
            }
            if let Some(asyncness) = &sig.asyncness {
                errors.push(asyncness.span(), "#[ffi_trait] methods cannot be `async`");
            }
            if let Some(unsafety) = &sig.unsafety {
                errors.push(unsafety.span(), "#[ffi_trait] methods cannot be `unsafe`");
            }
            if let Some(constness) = &sig.constness {
                errors.push(constness.span(), "#[ffi_trait] methods cannot be `const`");
            }
            if let Some(abi) = &sig.abi {
                errors.push(
                    abi.span(),
                    "remove the ABI: the method's C ABI is generated",
                );
            }
            if let Some(variadic) = &sig.variadic {
                errors.push(variadic.span(), "#[ffi_trait] methods cannot be variadic");
            }
            if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
                errors.push(
                    sig.generics.span(),
                    "#[ffi_trait] methods cannot be generic (elided lifetimes are enough)",
                );
            }
            let method_name = errors.check(inventory_name(&sig.ident, "the method"));
            let mut inputs = sig.inputs.iter();
            match inputs.next() {
                Some(FnArg::Receiver(receiver))
                    if receiver.reference.is_some()
                        && receiver.mutability.is_none()
                        && receiver.colon_token.is_none() => {}
                Some(FnArg::Receiver(receiver)) => errors.push(
                    receiver.span(),
                    "an #[ffi_trait] method takes `&self` (the foreign object may be called \
                     from several threads at once)",
                ),
                _ => errors.push(
                    sig.ident.span(),
                    "an #[ffi_trait] method takes `&self` first (the trait must stay usable as \
                     `dyn Trait`)",
                ),
            }
            let mut params = Vec::new();
            for (i, input) in inputs.enumerate() {
                let FnArg::Typed(typed) = input else {
                    continue;
                };
                match &*typed.pat {
                    Pat::Ident(pat)
                        if pat.by_ref.is_none()
                            && pat.mutability.is_none()
                            && pat.subpat.is_none() =>
                    {
                        params.push((&pat.ident, &*typed.ty));
                    }
                    pat => errors.push(
                        pat.span(),
                        format!(
                            "name parameter {} of the method with an identifier (`done: u64`): \
                             the bindings show the names",
                            i + 1
                        ),
                    ),
                }
            }
            if let Some(method_name) = method_name {
                methods.push(Method {
                    ident: &sig.ident,
                    name: method_name,
                    params,
                    output: &sig.output,
                    attrs: method
                        .attrs
                        .iter()
                        .filter(|attr| attr.path().is_ident("doc"))
                        .collect(),
                });
            }
        }
        errors.finish()?;
        let name = name.expect("errors were reported above");

        let ident = &item.ident;
        let vis = &item.vis;
        let doc = doc(&item.attrs);
        let ffi = format_ident!("{}_{}_ffi", RESERVED_PREFIX, ident);
        let mut callbacks = Vec::new();
        let mut fields = Vec::new();
        let mut impls = Vec::new();
        let mut method_defs = Vec::new();
        for method in &methods {
            let callback = format_ident!("{}_{}_{}", RESERVED_PREFIX, ident, method.ident);
            let names: Vec<_> = method.params.iter().map(|(name, _)| *name).collect();
            let tys: Vec<_> = method.params.iter().map(|(_, ty)| *ty).collect();
            let output = method.output;
            let attrs = &method.attrs;
            let alias: syn::ItemType = syn::parse_quote! {
                #(#attrs)*
                #[doc(hidden)]
                #[allow(non_camel_case_types)]
                #vis type #callback = fn(#(#names: #tys),*) #output;
            };
            callbacks.push(callback::expand_item(
                alias,
                Some(format!("{name}_{}", method.name)),
            )?);
            let method_ident = method.ident;
            fields.push(quote!(#method_ident: #callback));
            impls.push(quote! {
                #[allow(clippy::too_many_arguments)]
                fn #method_ident(&self, #(#names: #tys),*) #output {
                    self.#method_ident.call(#(#names),*)
                }
            });
            let method_name = &method.name;
            method_defs.push(quote! {
                ::hatch_interop::__private::TraitMethodDef {
                    name: #method_name,
                    callback: ::hatch_interop::__private::TypeRef::Named(
                        <#callback as ::hatch_interop::TypeInfo>::__register(types),
                    ),
                }
            });
        }
        let type_info = type_info(
            &ffi,
            &name,
            quote! {
                ::hatch_interop::__private::TypeDef::Trait {
                    name: #name,
                    doc: #doc,
                    methods: ::std::vec![#(#method_defs),*],
                }
            },
        );
        Ok(quote! {
            #item

            #(#callbacks)*

            /// The foreign side's object: one callback structure per method, in order.
            #[doc(hidden)]
            #[allow(non_camel_case_types)]
            #[repr(C)]
            #vis struct #ffi {
                #(#fields,)*
            }

            impl #ident for #ffi {
                #(#impls)*
            }

            #type_info

            // SAFETY: `#ffi` is the struct its inventory entry describes.
            unsafe impl ::hatch_interop::__private::FfiTrait for dyn #ident {
                type Ffi = #ffi;

                #[inline(always)]
                fn __borrow(ffi: &#ffi) -> &Self {
                    ffi
                }

                #[inline]
                fn __boxed(ffi: #ffi) -> ::std::boxed::Box<Self> {
                    ::std::boxed::Box::new(ffi)
                }

                #[inline]
                fn __shared(ffi: #ffi) -> ::std::sync::Arc<Self> {
                    ::std::sync::Arc::new(ffi)
                }
            }
        })
    }
}

mod constant {
    use super::*;

    pub(crate) fn expand(attr: TokenStream2, item: TokenStream2) -> syn::Result<TokenStream2> {
        no_arguments(attr, "ffi_constant")?;
        let item: ItemConst = match syn::parse2::<Item>(item)? {
            Item::Const(item) => item,
            Item::Static(item) => {
                return Err(Error::new(
                    item.static_token.span,
                    "#[ffi_constant] goes on a `const` item; statics are not supported",
                ))
            }
            item => {
                return Err(Error::new_spanned(
                    item,
                    "#[ffi_constant] goes on a `const` item",
                ))
            }
        };
        let name = inventory_name(&item.ident, "the constant")?;
        if !item.generics.params.is_empty() {
            return Err(Error::new_spanned(
                &item.generics,
                "generic constants are not supported by #[ffi_constant]",
            ));
        }
        let ident = &item.ident;
        let vis = &item.vis;
        let doc = doc(&item.attrs);
        let ty = static_lifetimes(&item.ty);
        let type_name = quote_spanned! {ty.span()=>
            <#ty as ::hatch_interop::FfiPrimitive>::NAME
        };
        let value = quote_spanned! {ty.span()=>
            <#ty as ::hatch_interop::FfiPrimitive>::__const_value(#ident)
        };
        Ok(quote! {
            #item

            // Type namespace only (braced struct), beside the constant in the value namespace.
            #[doc(hidden)]
            #[allow(non_camel_case_types, dead_code)]
            #vis struct #ident {}

            impl ::hatch_interop::ConstantInfo for #ident {
                fn __constant() -> ::hatch_interop::__private::ConstantDef {
                    ::hatch_interop::__private::ConstantDef {
                        name: #name,
                        doc: #doc,
                        ty: #type_name,
                        value: #value,
                    }
                }
            }
        })
    }
}

mod inventory {
    use super::*;

    pub(crate) fn expand(attr: TokenStream2, item: TokenStream2) -> syn::Result<TokenStream2> {
        no_arguments(attr, "ffi_inventory")?;
        let func: ItemFn = syn::parse2(item)?;
        let sig = &func.sig;
        let mut errors = Errors::default();
        if !sig.inputs.is_empty() {
            errors.push(
                sig.inputs.span(),
                "the #[ffi_inventory] function takes no parameters",
            );
        }
        if !sig.generics.params.is_empty() {
            errors.push(
                sig.generics.span(),
                "the #[ffi_inventory] function cannot be generic",
            );
        }
        if let Some(token) = sig.asyncness {
            errors.push(
                token.span,
                "the #[ffi_inventory] function cannot be `async`",
            );
        }
        if let Some(token) = sig.unsafety {
            errors.push(
                token.span,
                "the #[ffi_inventory] function cannot be `unsafe`",
            );
        }
        if let Some(abi) = &sig.abi {
            errors.push(
                abi.span(),
                "the #[ffi_inventory] function is a Rust function: remove `extern`",
            );
        }
        if matches!(sig.output, ReturnType::Default) {
            errors.push(
                sig.ident.span(),
                "the #[ffi_inventory] function returns the `Inventory`: `-> Inventory`",
            );
        }
        // The symbol must be an identifier at expansion time, so it cannot come from `env!`.
        let crate_name = match std::env::var("CARGO_CRATE_NAME") {
            Ok(name) if syn::parse_str::<Ident>(&name).is_ok() => Some(name),
            Ok(name) => {
                errors.push(
                    sig.ident.span(),
                    format!("#[ffi_inventory]: the crate name `{name}` is not an identifier"),
                );
                None
            }
            Err(_) => {
                errors.push(
                    sig.ident.span(),
                    "#[ffi_inventory] needs the CARGO_CRATE_NAME environment variable, which \
                     cargo sets: build the crate with cargo",
                );
                None
            }
        };
        errors.finish()?;
        let crate_name = crate_name.expect("errors were reported above");
        let guard = format_ident!("{}_api_guard", crate_name);
        let pending = format_ident!("{}_ffi_pending", crate_name);
        let take_failure = format_ident!("{}_ffi_take_failure", crate_name);
        let free = format_ident!("{}_ffi_free", crate_name);
        let free_texts = format_ident!("{}_ffi_free_texts", crate_name);
        let callback_failed = format_ident!("{}_ffi_callback_failed", crate_name);
        let shutdown = format_ident!("{}_ffi_shutdown", crate_name);
        let cancel = format_ident!("{}_ffi_cancel", crate_name);
        let bell_open = format_ident!("{}_ffi_bell_open", crate_name);
        let bell_use = format_ident!("{}_ffi_bell_use", crate_name);
        let bell_drain = format_ident!("{}_ffi_bell_drain", crate_name);
        let bell_close = format_ident!("{}_ffi_bell_close", crate_name);
        let [guard_name, pending_name, take_failure_name, free_name, free_texts_name, callback_failed_name, shutdown_name, cancel_name, bell_open_name, bell_use_name, bell_drain_name, bell_close_name] =
            [
                &guard,
                &pending,
                &take_failure,
                &free,
                &free_texts,
                &callback_failed,
                &shutdown,
                &cancel,
                &bell_open,
                &bell_use,
                &bell_drain,
                &bell_close,
            ]
            .map(ToString::to_string);

        let ItemFn {
            attrs,
            vis,
            sig,
            block,
        } = func;
        let ident = &sig.ident;
        let output = &sig.output;
        Ok(quote! {
            #(#attrs)*
            #vis #sig {
                fn __hatch_interop_inventory() #output #block
                ::hatch_interop::Inventory::__with_library(
                    __hatch_interop_inventory(),
                    ::hatch_interop::__private::Library {
                        crate_name: ::core::env!("CARGO_CRATE_NAME"),
                        version: ::core::env!("CARGO_PKG_VERSION"),
                        api_guard: #guard_name,
                        ffi_pending: #pending_name,
                        ffi_take_failure: #take_failure_name,
                        ffi_free: #free_name,
                        ffi_free_texts: #free_texts_name,
                        ffi_callback_failed: #callback_failed_name,
                        ffi_shutdown: #shutdown_name,
                        ffi_cancel: #cancel_name,
                        ffi_bells: [#bell_open_name, #bell_use_name, #bell_drain_name, #bell_close_name],
                    },
                )
            }

            /// The API hash of this library's FFI inventory (the inventory's `api_hash`),
            /// which bindings compare with the hash they were generated for.
            #[doc(hidden)]
            #[unsafe(no_mangle)]
            pub extern "C" fn #guard() -> u64 {
                static CACHE: ::std::sync::OnceLock<u64> = ::std::sync::OnceLock::new();
                ::hatch_interop::__private::api_guard(&CACHE, #ident)
            }

            /// The address of the count of failures recorded and not yet taken, on all
            /// threads: bindings read it after every call, and take the failure only when it
            /// is not zero. The address never changes.
            #[doc(hidden)]
            #[unsafe(no_mangle)]
            pub extern "C" fn #pending() -> *const usize {
                ::hatch_interop::__private::pending()
            }

            /// Moves the calling thread's failure into `*out` and returns true, or returns
            /// false (leaving `*out` untouched) when there is none.
            ///
            /// # Safety
            ///
            /// `out` is null or valid for writing an `FfiFailure`.
            #[doc(hidden)]
            #[unsafe(no_mangle)]
            pub unsafe extern "C" fn #take_failure(out: *mut ::hatch_interop::FfiFailure) -> bool {
                // SAFETY: forwarded from the caller.
                unsafe { ::hatch_interop::__private::take_failure(out) }
            }

            /// Frees a buffer this library returned (a `String`, a `Vec`, a failure's
            /// message); `size` is in bytes, and a `size` of 0 is a no-op.
            ///
            /// # Safety
            ///
            /// Unless `size` is 0, `ptr` came from this library with this size and alignment.
            #[doc(hidden)]
            #[unsafe(no_mangle)]
            pub unsafe extern "C" fn #free(ptr: *mut ::core::ffi::c_void, size: usize, align: usize) {
                // SAFETY: forwarded from the caller.
                unsafe { ::hatch_interop::__private::ffi_free(ptr, size, align) }
            }

            /// Frees a `Vec<String>` result (its strings and the list), once its caller has
            /// made its own strings of them; a list with a null `ptr` is a no-op.
            ///
            /// # Safety
            ///
            /// `texts` came from this library, unchanged, and is not used afterwards.
            #[doc(hidden)]
            #[unsafe(no_mangle)]
            pub unsafe extern "C" fn #free_texts(texts: ::hatch_interop::FfiTexts) {
                // SAFETY: forwarded from the caller.
                unsafe { ::hatch_interop::__private::ffi_free_texts(texts) }
            }

            /// Records that a callback failed, for the library call it runs inside to report
            /// (a failure of kind 4 with `message`, UTF-8, copied).
            ///
            /// # Safety
            ///
            /// `message` is null or points to `len` readable bytes.
            #[doc(hidden)]
            #[unsafe(no_mangle)]
            pub unsafe extern "C" fn #callback_failed(message: *const u8, len: usize) {
                // SAFETY: forwarded from the caller.
                unsafe { ::hatch_interop::__private::callback_failed(message, len) }
            }

            /// Bindings call it when their interpreter begins to exit, on the thread that
            /// finalizes it, with the interpreter's "is it finalizing?" function (or null):
            /// stops delivering the outcomes of async functions, for good, once those in
            /// progress are delivered, and from when `is_exiting()` returns nonzero, lets no
            /// other thread call into the interpreter.
            #[doc(hidden)]
            #[unsafe(no_mangle)]
            pub extern "C" fn #shutdown(
                is_exiting: ::core::option::Option<::hatch_interop::__private::IsExiting>,
            ) {
                ::hatch_interop::__private::shutdown(is_exiting)
            }

            /// Cancels the async calls in flight whose completion has `context`: their futures
            /// are dropped on the library's runtime, then their completions released (not
            /// called). Does nothing for a call whose future has finished, or an unknown
            /// context. `context` is only compared, never read.
            #[doc(hidden)]
            #[unsafe(no_mangle)]
            pub extern "C" fn #cancel(context: *const ::core::ffi::c_void) {
                ::hatch_interop::__private::cancel(context)
            }

            /// Opens a bell for the async calls whose completion function is `call`: a call
            /// that goes pending on a thread using the bell hands its outcome to the bell, whose
            /// descriptor (written to `*fd`) becomes readable, and the completion is called by
            /// the thread that drains the bell. Null if the library has no bells (then `*fd` is
            /// untouched).
            ///
            /// # Safety
            ///
            /// `fd` is null or valid for writing an int.
            #[doc(hidden)]
            #[unsafe(no_mangle)]
            pub unsafe extern "C" fn #bell_open(
                call: ::core::option::Option<::hatch_interop::__private::CompleteFn>,
                fd: *mut ::core::ffi::c_int,
            ) -> *const ::core::ffi::c_void {
                // SAFETY: forwarded from the caller.
                unsafe { ::hatch_interop::__private::bell_open(call, fd) }
            }

            /// Makes `bell` (null: none) the bell of the async calls the calling thread starts.
            ///
            /// # Safety
            ///
            /// `bell` is null or open.
            #[doc(hidden)]
            #[unsafe(no_mangle)]
            pub unsafe extern "C" fn #bell_use(bell: *const ::core::ffi::c_void) {
                // SAFETY: forwarded from the caller.
                unsafe { ::hatch_interop::__private::bell_use(bell) }
            }

            /// Calls the completions of the outcomes `bell` holds, on the calling thread, and
            /// resets its descriptor.
            ///
            /// # Safety
            ///
            /// `bell` is open.
            #[doc(hidden)]
            #[unsafe(no_mangle)]
            pub unsafe extern "C" fn #bell_drain(bell: *const ::core::ffi::c_void) {
                // SAFETY: forwarded from the caller.
                unsafe { ::hatch_interop::__private::bell_drain(bell) }
            }

            /// Closes `bell`: the outcomes it holds are delivered on the calling thread, later
            /// ones from the library's threads.
            ///
            /// # Safety
            ///
            /// `bell` is open, and not used by the caller again.
            #[doc(hidden)]
            #[unsafe(no_mangle)]
            pub unsafe extern "C" fn #bell_close(bell: *const ::core::ffi::c_void) {
                // SAFETY: forwarded from the caller.
                unsafe { ::hatch_interop::__private::bell_close(bell) }
            }
        })
    }
}

/// `FfiType` and `FfiReturn` for a registered struct or enum: a by-value reference to its
/// named definition.
/// `unsafe impl TypeInfo`: the type's inventory name, and `def` (a `TypeDef` expression that may
/// register the types it names through `types`) registered under it.
fn type_info(ident: &syn::Ident, name: &str, def: TokenStream2) -> TokenStream2 {
    quote! {
        unsafe impl ::hatch_interop::TypeInfo for #ident {
            const __NAME: &'static str = #name;

            fn __register(
                types: &mut ::hatch_interop::__private::TypeRegistry,
            ) -> &'static str {
                types.register::<Self>(#name, |types| #def)
            }
        }
    }
}

fn named_type_ref(ident: &syn::Ident) -> TokenStream2 {
    quote! {
        unsafe impl ::hatch_interop::FfiType for #ident {
            fn __type_ref(
                types: &mut ::hatch_interop::__private::TypeRegistry,
            ) -> ::hatch_interop::__private::TypeRef {
                ::hatch_interop::__private::TypeRef::Named(
                    <Self as ::hatch_interop::TypeInfo>::__register(types),
                )
            }
        }

        unsafe impl ::hatch_interop::FfiReturn for #ident {
            type Abi = ::core::mem::MaybeUninit<Self>;

            fn __return_ref(
                types: &mut ::hatch_interop::__private::TypeRegistry,
            ) -> ::hatch_interop::__private::TypeRef {
                <Self as ::hatch_interop::FfiType>::__type_ref(types)
            }

            fn into_abi(
                self,
            ) -> ::core::result::Result<Self::Abi, ::hatch_interop::__private::Failure> {
                ::core::result::Result::Ok(::core::mem::MaybeUninit::new(self))
            }
        }

        unsafe impl ::hatch_interop::FfiOk for #ident {}

        unsafe impl ::hatch_interop::FfiOptional for #ident {}

        // `-> Option<Self>`: an `FfiOption<Self>` in C.
        unsafe impl ::hatch_interop::FfiNullableResult for #ident {
            type Raw = ::hatch_interop::FfiOption<Self>;

            fn __nullable_ref(
                types: &mut ::hatch_interop::__private::TypeRegistry,
            ) -> ::hatch_interop::__private::TypeRef {
                <::hatch_interop::FfiOption<Self> as ::hatch_interop::FfiType>::__type_ref(types)
            }

            fn __into_nonnull(
                self,
            ) -> ::core::result::Result<Self::Raw, ::hatch_interop::__private::Failure> {
                ::core::result::Result::Ok(::hatch_interop::FfiOption::some(self))
            }

            fn __null() -> ::core::result::Result<
                Self::Raw,
                ::hatch_interop::__private::Failure,
            > {
                ::core::result::Result::Ok(::hatch_interop::FfiOption::none())
            }
        }
    }
}

"""The constructs a crate can export, by name: what a backend declares it supports (``Backend.SUPPORTS``).

The build compares the constructs an inventory uses with those of each chosen backend before any
generates a file, so that a backend never silently drops what it cannot express: the error names the
construct, the first item that uses it and the backends that can.
"""

from __future__ import annotations

from typing import Dict, FrozenSet, Iterator, Tuple

from hatch_interop.inventory import (
    Array,
    CallbackDef,
    CStr,
    EnumDef,
    Function,
    Inventory,
    Named,
    OpaqueDef,
    Option,
    OwnedString,
    Pointer,
    Slice,
    Str,
    StructDef,
    TaggedDef,
    TraitDef,
    TypeRef,
    Vec,
)

#: Every construct, with how error messages and docs describe it.
CONSTRUCTS: Dict[str, str] = {
    "constants": "constants",
    "structs": "`#[repr(C)]` structs",
    "struct-pointers": "references to and boxes of structs (`&T`, `&mut T`, `Box<T>`, `Option<&T>`)",
    "enums": "field-less enums",
    "tagged-enums": "data-carrying enums",
    "opaque-types": "opaque types",
    "services": "services (`#[ffi_service]`)",
    "callbacks": "callbacks (`#[ffi_callback]`)",
    "traits": "foreign traits (`#[ffi_trait]`)",
    "async": "async functions",
    "errors": "`Result<T, E>` results",
    "strings": "`&str` parameters and `String` results",
    "c-strings": "`&CStr` parameters",
    "slices": "slice parameters (`&[T]`, `&mut [T]`)",
    "vectors": "`Vec<T>` results",
    "options": "`FfiOption<T>` values",
    "arrays": "fixed-size arrays in structs (`[T; N]`)",
}

#: For a backend that can express everything (or does not care, such as one that lists names).
ALL: FrozenSet[str] = frozenset(CONSTRUCTS)


def used(inventory: Inventory) -> Dict[str, str]:
    """Each construct the inventory uses, with the first item that uses it (``function `greet```)."""
    found: Dict[str, str] = {}
    for construct, item in _uses(inventory):
        found.setdefault(construct, item)
    return found


def _uses(inventory: Inventory) -> Iterator[Tuple[str, str]]:
    for c in inventory.constants:
        yield "constants", f"constant `{c.name}`"
    for t in inventory.types:
        item = f"type `{t.name}`"
        if isinstance(t, StructDef):
            yield "structs", item
            for field in t.fields:
                yield from _type_uses(inventory, field.type, f"field `{t.name}.{field.name}`")
        elif isinstance(t, EnumDef):
            yield "enums", item
        elif isinstance(t, TaggedDef):
            yield "tagged-enums", item
            for variant in t.variants:
                for field in variant.fields:
                    yield from _type_uses(inventory, field.type, f"field `{t.name}::{variant.name}.{field.name}`")
        elif isinstance(t, OpaqueDef):
            yield "opaque-types", item
        elif isinstance(t, TraitDef):
            yield "traits", item
        elif isinstance(t, CallbackDef):
            yield "callbacks", item
            for p in t.params:
                yield from _type_uses(inventory, p.type, f"callback `{t.name}`")
            yield from _type_uses(inventory, t.returns, f"callback `{t.name}`")
    for f in inventory.functions:
        yield from _function_uses(inventory, f, f"function `{f.name}`")
    for s in inventory.services:
        yield "services", f"service `{s.name}`"
        for member in s.members():
            yield from _function_uses(inventory, member, f"`{s.name}.{member.name}`")


def _function_uses(inventory: Inventory, f: Function, item: str) -> Iterator[Tuple[str, str]]:
    if f.asynchronous:
        yield "async", item
    if f.error is not None:
        yield "errors", item
    for p in f.params:
        yield from _type_uses(inventory, p.type, item)
    yield from _type_uses(inventory, f.returns, item)


def _type_uses(inventory: Inventory, ty: TypeRef, item: str) -> Iterator[Tuple[str, str]]:
    if isinstance(ty, (Str, OwnedString)):
        yield "strings", item
    elif isinstance(ty, CStr):
        yield "c-strings", item
    elif isinstance(ty, Slice):
        yield "slices", item
        yield from _type_uses(inventory, ty.element, item)
    elif isinstance(ty, Vec):
        yield "vectors", item
        yield from _type_uses(inventory, ty.element, item)
    elif isinstance(ty, Option):
        yield "options", item
        yield from _type_uses(inventory, ty.inner, item)
    elif isinstance(ty, Array):
        yield "arrays", item
        yield from _type_uses(inventory, ty.element, item)
    elif isinstance(ty, Pointer):
        target = inventory.type(ty.target.name)
        if isinstance(target, (StructDef, TaggedDef)):
            yield "struct-pointers", item
    elif isinstance(ty, Named):
        target = inventory.type(ty.name)
        kind = {"struct": "structs", "enum": "enums", "tagged": "tagged-enums", "callback": "callbacks"}
        if target.kind in kind:
            yield kind[target.kind], item

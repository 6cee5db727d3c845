"""Validating the inventory JSON into the typed model: every malformed field is named."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, Callable, Dict

import pytest

from hatch_interop.errors import InventoryError
from hatch_interop.inventory import (
    Array,
    Bell,
    CallbackDef,
    CStr,
    Default,
    Encoded,
    EnumDef,
    Method,
    Named,
    NewtypeDef,
    OpaqueDef,
    Option,
    OwnedString,
    Pointer,
    Primitive,
    RecordDef,
    Slice,
    Str,
    StructDef,
    Vec,
    Void,
    WireList,
    WireMap,
    WireOption,
    load_inventory,
    parse_inventory,
    plain,
)

DATA = Path(__file__).resolve().parent / "data"

U32 = {"kind": "primitive", "name": "u32"}
F32 = {"kind": "primitive", "name": "f32"}


def minimal() -> Dict[str, Any]:
    return {
        "format": "hatch-interop-inventory",
        "format_version": 1,
        "generator": {"name": "hatch-interop", "version": "0.1.0"},
        "library": {
            "crate": "demo",
            "version": "1.2.3",
            "doc": "",
            "api_guard": "demo_api_guard",
            "ffi_pending": "demo_ffi_pending",
            "ffi_take_failure": "demo_ffi_take_failure",
            "ffi_free": "demo_ffi_free",
            "ffi_callback_failed": "demo_ffi_callback_failed",
            "ffi_shutdown": "demo_ffi_shutdown",
            "api_hash": "00ff00ff00ff00ff",
        },
        "constants": [{"name": "LIMIT", "doc": "The limit.", "type": U32, "value": 7}],
        "types": [
            {
                "kind": "struct",
                "name": "Vec2",
                "doc": "",
                "size": 8,
                "align": 4,
                "fields": [
                    {"name": "x", "doc": "", "type": F32, "offset": 0},
                    {"name": "y", "doc": "", "type": F32, "offset": 4},
                ],
            },
            {
                "kind": "enum",
                "name": "Color",
                "doc": "",
                "repr": "u8",
                "size": 1,
                "align": 1,
                "variants": [{"name": "Red", "doc": "", "value": 1}, {"name": "Blue", "doc": "", "value": 4}],
            },
            {"kind": "opaque", "name": "Counter", "doc": "Counts."},
        ],
        "functions": [
            {
                "name": "add",
                "symbol": "add",
                "doc": "Adds.",
                "params": [{"name": "a", "type": U32}, {"name": "b", "type": U32}],
                "returns": U32,
                "error": None,
            },
            {
                "name": "get",
                "symbol": "get",
                "doc": "",
                "returns": {"kind": "void"},
                "error": {"kind": "named", "name": "Color"},
                "params": [
                    {
                        "name": "c",
                        "type": {
                            "kind": "pointer",
                            "target": {"kind": "named", "name": "Counter"},
                            "mutable": False,
                            "nullable": False,
                            "owned": False,
                        },
                    }
                ],
            },
        ],
        "services": [],
    }


def error_for(change: Callable[[Dict[str, Any]], None]) -> str:
    data = minimal()
    change(data)
    with pytest.raises(InventoryError) as e:
        parse_inventory(data, source="test")
    return str(e.value)


def test_minimal_parses_into_the_model() -> None:
    inv = parse_inventory(minimal())
    assert inv.library.crate == "demo"
    assert inv.constants[0].value == 7
    vec2, color, counter = inv.types
    assert isinstance(vec2, StructDef) and [f.name for f in vec2.fields] == ["x", "y"]
    assert isinstance(color, EnumDef) and color.repr == Primitive("u8")
    assert isinstance(counter, OpaqueDef)
    add, get = inv.functions
    assert add.returns == Primitive("u32")
    assert get.returns == Void()
    assert get.params[0].type == Pointer(Named("Counter"), mutable=False, nullable=False, owned=False)
    assert (add.error, get.error) == (None, Named("Color"))
    assert inv.type("Color") is color
    assert inv.library.ffi_take_failure == "demo_ffi_take_failure"


def test_the_cancel_symbol_is_optional() -> None:
    """`library.ffi_cancel` names the function that cancels async calls; an older inventory has none."""
    assert parse_inventory(minimal()).library.ffi_cancel is None
    data = minimal()
    data["library"]["ffi_cancel"] = "demo_ffi_cancel"
    assert parse_inventory(data).library.ffi_cancel == "demo_ffi_cancel"
    data["library"]["ffi_cancel"] = "not a symbol"
    with pytest.raises(InventoryError, match=r"library\.ffi_cancel"):
        parse_inventory(data)


def test_the_doorbell_symbols_are_optional() -> None:
    """`library.ffi_bell` names the four doorbell functions; an older inventory has none, and a partial or
    misspelt set is refused by name."""
    assert parse_inventory(minimal()).library.ffi_bell is None
    data = minimal()
    symbols = {key: f"demo_ffi_bell_{key}" for key in ("open", "use", "drain", "close")}
    data["library"]["ffi_bell"] = symbols
    assert parse_inventory(data).library.ffi_bell == Bell(**symbols)
    data["library"]["ffi_bell"] = {**symbols, "close": "not a symbol"}
    with pytest.raises(InventoryError, match=r"library\.ffi_bell\.close"):
        parse_inventory(data)
    data["library"]["ffi_bell"] = {key: symbols[key] for key in ("open", "use", "drain")}
    with pytest.raises(InventoryError, match=r"library\.ffi_bell.* missing the key\(s\) 'close'"):
        parse_inventory(data)


def test_vouched_utf8_is_an_optional_bool() -> None:
    """`library.vouched_utf8` says whether text lengths may carry the bit; an older inventory lacks it."""
    assert parse_inventory(minimal()).library.vouched_utf8 is False
    data = minimal()
    data["library"]["vouched_utf8"] = True
    assert parse_inventory(data).library.vouched_utf8 is True
    data["library"]["vouched_utf8"] = 1
    with pytest.raises(InventoryError, match=r"`library\.vouched_utf8` must be true or false"):
        parse_inventory(data)


def test_pattern_types_parse() -> None:
    data = minimal()
    vec2 = {"kind": "named", "name": "Vec2"}
    data["functions"][0]["params"] = [
        {"name": "text", "type": {"kind": "str"}},
        {"name": "c_text", "type": {"kind": "cstr"}},
        {"name": "values", "type": {"kind": "slice", "element": F32, "mutable": True}},
        {"name": "points", "type": {"kind": "slice", "element": vec2, "mutable": False}},
    ]
    data["functions"][0]["returns"] = {"kind": "vec", "element": vec2}
    data["functions"][1]["returns"] = {"kind": "string"}
    add, get = parse_inventory(data).functions
    assert [p.type for p in add.params] == [
        Str(),
        CStr(),
        Slice(Primitive("f32"), mutable=True),
        Slice(Named("Vec2"), mutable=False),
    ]
    assert (add.returns, get.returns) == (Vec(Named("Vec2")), OwnedString())


def test_recorded_sample_inventory_parses() -> None:
    inv = load_inventory((DATA / "sample_inventory.json").read_text(encoding="utf-8"), source="recording")
    assert inv.library.crate == "sample_crate"
    assert {"add", "vec2_add", "counter_new"} <= {f.name for f in inv.functions}
    assert [s.name for s in inv.services] == ["Hasher", "Store", "Tracker"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d.update(format="other"),
            "`format` must be 'hatch-interop-inventory', got the string 'other': this is not an inventory",
        ),
        (
            lambda d: d.update(format_version=2),
            "`format_version` is the number 2, but this hatch-interop reads version 1",
        ),
        (lambda d: d.pop("functions"), "`$` is missing the key(s) 'functions'"),
        (lambda d: d.update(extra=1), "`$` has unknown key(s) 'extra'"),
        (
            lambda d: d["library"].update(api_hash="XYZ"),
            "`library.api_hash` must be 16 lowercase hex digits, got 'XYZ'",
        ),
        (lambda d: d["functions"][0].update(name="add-one"), "`functions[0].name` must be an ASCII identifier"),
        (lambda d: d["functions"][0].update(name="_ffi_lib"), "`functions[0].name` uses the reserved prefix '_ffi_'"),
        (
            lambda d: d["functions"][0]["params"][1].update(type={"kind": "primitive", "name": "u256"}),
            "`functions[0].params[1].type.name` must be one of u8,",
        ),
        # `char`, `u128` and `i128` are only a function's parameters and results.
        (
            lambda d: d["types"][0]["fields"][0].update(type={"kind": "primitive", "name": "char"}),
            "`types[0].fields[0].type` is `char`, which can only be a function's parameter or result, not a struct "
            "field",
        ),
        (
            lambda d: d["types"][0]["fields"][0].update(
                type={"kind": "option", "inner": {"kind": "primitive", "name": "u128"}}
            ),
            "`types[0].fields[0].type` is an encoded `option` (of strings, chars, 128-bit integers, vecs, options or "
            "maps), which can only be a function's parameter or result, not a field",
        ),
        (
            lambda d: d["functions"][0]["params"][1].update(
                type={"kind": "slice", "element": {"kind": "primitive", "name": "i128"}, "mutable": False}
            ),
            "`functions[0].params[1].type.element` is `i128`, which can only be a function's parameter or result",
        ),
        (
            lambda d: d["constants"][0].update(type={"kind": "primitive", "name": "u128"}),
            "`constants[0].type` is `u128`, which can only be a function's parameter or result, not a constant",
        ),
        (
            lambda d: d["functions"][0]["params"][1].update(type={"kind": "void"}),
            "`functions[0].params[1].type` cannot be void",
        ),
        (
            lambda d: d["functions"][0]["params"][1].update(name="a"),
            "`functions[0].params[1].name` repeats the parameter name 'a' (first at `functions[0].params[0].name`)",
        ),
        (lambda d: d["functions"][1].update(name="add"), "`functions[1].name` repeats the function name 'add'"),
        (
            lambda d: d["functions"][0].update(returns={"kind": "named", "name": "Nope"}),
            "`functions[0].returns` names the type 'Nope', which is not defined in `types`",
        ),
        (
            lambda d: d["functions"][0].update(returns={"kind": "named", "name": "Counter"}),
            "`functions[0].returns` uses the opaque type 'Counter' by value",
        ),
        (
            lambda d: (
                d["types"][2].update(drop="counter_drop"),
                d["functions"][0].update(returns=d["functions"][1]["params"][0]["type"]),
            ),
            "`functions[0].returns` is a borrowed pointer to the opaque type 'Counter', whose objects the bindings "
            "own (it has a `drop` function): a second Python object over it would bypass the borrow checks of the "
            "first and outlive it. Return an owned pointer (`Box`, `owned: true`)",
        ),
        (
            lambda d: d["functions"][0].update(returns={"kind": "tuple"}),
            "`functions[0].returns.kind` must be one of 'void', 'primitive', 'named', 'pointer', 'str', 'cstr', "
            "'slice', 'string', 'vec', 'option', 'map', 'array', 'record', got 'tuple'",
        ),
        (
            lambda d: d["functions"][0].update(
                returns={"kind": "array", "element": {"kind": "named", "name": "Vec2"}, "len": 2}
            ),
            "`functions[0].returns.element` must be a `primitive` or a `named` field-less enum in an array parameter "
            "or result",
        ),
        (
            lambda d: d["functions"][0]["params"][0].update(
                type={"kind": "array", "element": {"kind": "option", "inner": F32}, "len": 2}
            ),
            "`functions[0].params[0].type.element` must be a `primitive` or a `named` field-less enum",
        ),
        (
            lambda d: d["types"].append(
                {
                    "kind": "callback",
                    "name": "OnArray",
                    "doc": "",
                    "params": [{"name": "v", "type": {"kind": "array", "element": F32, "len": 2}}],
                    "returns": {"kind": "void"},
                }
            ),
            "`types[3].params[0].type` must be a `primitive` (not `u128` or `i128`), a `str`, a non-`mutable` `slice` "
            "of numbers",
        ),
        (
            lambda d: d["types"][0]["fields"][0].update(type={"kind": "array", "element": F32, "len": 0}),
            "`types[0].fields[0].type.len` must be a positive integer, got the number 0",
        ),
        (
            lambda d: d["types"][0]["fields"][0].update(type={"kind": "array", "element": {"kind": "str"}, "len": 2}),
            "`types[0].fields[0].type.element` must be a `primitive`, a `named` struct or enum, or an `option`",
        ),
        (
            lambda d: d["functions"][0].update(returns={"kind": "option", "inner": {"kind": "str"}}),
            "`functions[0].returns.inner` must be a `primitive` or a `named` struct or enum",
        ),
        (
            lambda d: d["functions"][0].update(
                returns={"kind": "option", "inner": {"kind": "named", "name": "Counter"}}
            ),
            "`functions[0].returns.inner` names the opaque type 'Counter': use a nullable pointer",
        ),
        (
            lambda d: d["functions"][0].update(returns={"kind": "str"}),
            "`functions[0].returns` is a `str`, which can only be a parameter, not a result",
        ),
        (
            lambda d: d["functions"][0]["params"][0].update(type={"kind": "string"}),
            "`functions[0].params[0].type` is a `string`, which can only be a function's result, not a parameter",
        ),
        (
            lambda d: d["types"][0]["fields"][0].update(type={"kind": "slice", "element": F32, "mutable": False}),
            "`types[0].fields[0].type` is a `slice`, which can only be a parameter, not a field",
        ),
        (
            lambda d: d["functions"][0]["params"][0].update(
                type={"kind": "slice", "element": {"kind": "named", "name": "Counter"}, "mutable": False}
            ),
            "`functions[0].params[0].type.element` names 'Counter': elements are numbers, bools, structs or "
            "field-less enums",
        ),
        (
            lambda d: d["functions"][0].update(returns={"kind": "vec", "element": {"kind": "void"}}),
            "`functions[0].returns.element` must be a `primitive` or a `named` struct or field-less enum",
        ),
        (
            lambda d: d["functions"][0].update(returns={"kind": "vec", "element": {"kind": "str"}}),
            "`functions[0].returns.element` must be a `primitive` or a `named` struct or field-less enum",
        ),
        (
            lambda d: d["functions"][0]["params"][0].update(type={"kind": "slice", "element": U32}),
            "`functions[0].params[0].type` is missing the key(s) 'mutable'",
        ),
        (lambda d: d["functions"][0].pop("error"), "`functions[0]` is missing the key(s) 'error'"),
        (
            lambda d: d["functions"][0].update(error={"kind": "named", "name": "Vec2"}),
            "`functions[0].error` names 'Vec2', which is not an enum: error types are enums",
        ),
        (
            lambda d: d["functions"][0].update(error=U32),
            "`functions[0].error` must be null or a `named` reference to an enum",
        ),
        (lambda d: d["library"].pop("ffi_free"), "`library` is missing the key(s) 'ffi_free'"),
        (
            lambda d: d["library"].update(ffi_pending="x; import os"),
            "`library.ffi_pending` must be an ASCII identifier",
        ),
        (lambda d: d["types"][0].update(fields=[]), "`types[0].fields` must not be empty"),
        (lambda d: d["types"][0].update(size="8"), "`types[0].size` must be an integer, got the string '8'"),
        # Numbers are range-checked: a C header cannot state a size of 2**63 (and Rust has no such object).
        (
            lambda d: d["types"][0].update(size=2**63),
            "`types[0].size` must be at most 9223372036854775807, got 9223372036854775808",
        ),
        (
            lambda d: d["types"][0]["fields"][1].update(offset=2**64),
            "`types[0].fields[1].offset` must be at most 9223372036854775807, got 18446744073709551616",
        ),
        (lambda d: d["types"][0].update(align=3), "`types[0].align` must be a power of two, got 3"),
        # The layout must be the one C gives the fields, or the header and the bindings would refuse it later.
        (lambda d: d["types"][0].update(size=1), "`types[0].size` is 1, but C lays `Vec2` out in 8 bytes"),
        (lambda d: d["types"][0].update(align=8), "`types[0].align` is 8, but C aligns `Vec2` to 4"),
        (
            lambda d: d["types"][0]["fields"][1].update(offset=8),
            "`types[0].fields[1].offset` is 8, but C puts field `y` at 4",
        ),
        (lambda d: d["types"][1].update(size=4, align=4), "`types[1].align` is 4, but C aligns `Color` to 1"),
        (lambda d: d["types"][1].update(align=2**40), "`types[1].align` must be at most 536870912"),
        # Messages stay bounded: Python refuses to format an integer of more than 4300 digits.
        (
            lambda d: d["types"][1]["variants"][1].update(value=10**5000),
            "`types[1].variants[1].value` an integer of 16610 bits is out of range for the enum's repr u8",
        ),
        (
            lambda d: d["constants"].append({"name": "C", "doc": "", "type": U32, "value": -(10**5000)}),
            "`constants[1].value` an integer of 16610 bits is out of range for u32",
        ),
        # A `kind` that is not a string (an object cannot even be looked up in a table).
        (
            lambda d: d["functions"][0].update(returns={"kind": {"nested": 1}}),
            "`functions[0].returns.kind` must be a string naming the kind of type, got an object",
        ),
        (
            lambda d: d["functions"][0]["params"][0].update(type={"kind": ["u32"]}),
            "`functions[0].params[0].type.kind` must be a string naming the kind of type, got an array",
        ),
        (
            lambda d: d["types"][1]["variants"][1].update(value=1),
            "`types[1].variants[1].value` repeats the variant value '1'",
        ),
        (
            lambda d: d["types"][1]["variants"][1].update(value=300),
            "`types[1].variants[1].value` 300 is out of range for the enum's repr u8",
        ),
        (
            lambda d: d["types"][0]["fields"][0].update(type={"kind": "named", "name": "Color"}),
            "`types[0].fields[0].type` names 'Color', which must come earlier in `types`",
        ),
        (
            lambda d: d["types"][0]["fields"][0].update(type={"kind": "named", "name": "Vec2"}),
            "`types[0].fields[0].type` makes 'Vec2' contain itself by value",
        ),
        (
            lambda d: d["constants"][0].update(value=-1),
            "`constants[0].value` -1 is out of range for u32 (0..=4294967295)",
        ),
        (lambda d: d["constants"][0].update(value=True), "`constants[0].value` must be an integer, got a boolean"),
        (lambda d: d.update(types={}), "`types` must be an array, got an object"),
        (
            lambda d: d["types"].append(_callback(params=[{"name": "s", "type": {"kind": "cstr"}}])),
            "`types[3].params[0].type` must be a `primitive` (not `u128` or `i128`), a `str`, a non-`mutable` `slice` "
            "of numbers, a `named` enum or struct, a non-owning `pointer` to a struct, or a `record`: callbacks take "
            "nothing else yet",
        ),
        (
            lambda d: d["types"].append(_callback(returns={"kind": "str"})),
            "`types[3].returns` must be `void`, a `primitive`, a `named` enum or struct, a `string`, a `vec` or `map`, "
            "or an `option` of one",
        ),
        (
            lambda d: d["types"].append({**_callback(), "error": {"kind": "named", "name": "Vec2"}}),
            "`types[3].error` names 'Vec2', which is not an enum: error types are enums",
        ),
        (
            lambda d: d["types"].append(
                _callback(params=[{"name": "c", "type": {"kind": "primitive", "name": "u128"}}])
            ),
            "`types[3].params[0].type` must be a `primitive` (not `u128` or `i128`), a `str`, a non-`mutable` `slice` "
            "of numbers, a `named` enum or struct, a non-owning `pointer` to a struct, or a `record`",
        ),
        (
            lambda d: d["types"].append(_callback(returns={"kind": "primitive", "name": "u128"})),
            "`types[3].returns` must be `void`, a `primitive`, a `named` enum or struct, a `string`, a `vec` or `map`, "
            "or an `option` of one",
        ),
        (
            lambda d: (
                d["types"].append(_callback()),
                d["functions"][0].update(returns={"kind": "named", "name": "OnTick"}),
            ),
            "`functions[0].returns` uses the callback 'OnTick', which can only be a function's parameter",
        ),
        (
            lambda d: (
                d["types"].append(_callback()),
                d["functions"][0]["params"][0].update(type=_pointer("OnTick", owned=True)),
            ),
            "`functions[0].params[0].type` is an owned or mutable pointer to the callback 'OnTick': pass it "
            "by value or `&`",
        ),
        (
            lambda d: (
                d["types"].insert(0, _callback()),
                d["types"][1]["fields"][0].update(type={"kind": "named", "name": "OnTick"}),
            ),
            "`types[1].fields[0].type` uses the callback 'OnTick', which can only be a function's parameter",
        ),
    ],
)
def test_errors_name_the_field(change: Callable[[Dict[str, Any]], None], message: str) -> None:
    text = error_for(change)
    assert text.startswith("Invalid inventory from test: "), text
    assert message in text, text


def _callback(params: Any = None, returns: Any = None) -> Dict[str, Any]:
    if params is None:
        params = [{"name": "count", "type": U32}, {"name": "color", "type": {"kind": "named", "name": "Color"}}]
    return {
        "kind": "callback",
        "name": "OnTick",
        "doc": "",
        "params": params,
        "returns": returns or {"kind": "primitive", "name": "bool"},
    }


def _pointer(target: str, owned: bool = False) -> Dict[str, Any]:
    named = {"kind": "named", "name": target}
    return {"kind": "pointer", "target": named, "mutable": owned, "nullable": False, "owned": owned}


def test_callbacks_parse() -> None:
    data = minimal()
    data["types"].append(_callback(params=[{"name": "p", "type": _pointer("Vec2")}]))
    data["functions"][0]["params"][0].update(type={"kind": "named", "name": "OnTick"})
    data["functions"][0]["params"][1].update(type=_pointer("OnTick"))
    inventory = parse_inventory(data, source="test")
    callback = next(inventory.callbacks())
    assert (callback.name, callback.params[0].type, callback.returns) == (
        "OnTick",
        Pointer(Named("Vec2"), False, False, False),
        Primitive("bool"),
    )


def test_float_constants() -> None:
    data = minimal()
    data["constants"] = [
        {"name": f"C{i}", "doc": "", "type": {"kind": "primitive", "name": "f64"}, "value": v}
        for i, v in enumerate([1.5, "inf", "-inf", "nan", 3])
    ]
    values = [c.value for c in parse_inventory(data).constants]
    assert values[:3] == [1.5, float("inf"), float("-inf")]
    assert values[3] != values[3]  # nan
    assert values[4] == 3.0 and isinstance(values[4], float)
    data["constants"][0]["value"] = "Infinity"
    with pytest.raises(InventoryError, match="must be a finite number or 'inf', '-inf', 'nan'"):
        parse_inventory(data)


def test_not_json() -> None:
    with pytest.raises(InventoryError) as e:
        load_inventory(b"hello", source="the `inventory` binary")
    assert str(e.value).startswith("Invalid inventory from the `inventory` binary: it is not valid JSON (")


def test_not_utf8() -> None:
    with pytest.raises(InventoryError, match="it is not valid JSON"):
        load_inventory(b'{"format": "\xff"}')


def test_round_trip_does_not_mutate_input() -> None:
    data = minimal()
    before = copy.deepcopy(data)
    parse_inventory(data)
    assert data == before
    assert json.loads(json.dumps(data)) == before


def _tagged_error(change: Callable[[Dict[str, Any]], None]) -> str:
    data = json.loads((Path(__file__).parent / "data" / "tagged.json").read_text(encoding="utf-8"))
    change({t["name"]: t for t in data["types"]}["Shape"])
    with pytest.raises(InventoryError) as info:
        parse_inventory(data, "test")
    return str(info.value)


def _member(name: str, returns: Any = None, receiver: Any = None, **extra: Any) -> Dict[str, Any]:
    member = {
        "name": name,
        "symbol": f"store_{name}",
        "doc": "",
        "params": [],
        "returns": returns or U32,
        "error": None,
        **extra,
    }
    if receiver is not None:
        member["receiver"] = receiver
    return member


def with_service(data: Dict[str, Any]) -> Dict[str, Any]:
    """`data` with an opaque type `Store` that is a service."""
    data["types"].append({"kind": "opaque", "name": "Store", "doc": "Stores."})
    data["services"].append(
        {
            "name": "Store",
            "doc": "Stores.",
            "destructor": "store_destroy",
            "release": "store_release",
            "constructors": [
                _member("new", returns=_pointer("Store", owned=True), error={"kind": "named", "name": "Color"})
            ],
            "methods": [_member("get", receiver="shared"), _member("put", receiver="exclusive")],
            "statics": [_member("count")],
        }
    )
    return data


def test_services_parse() -> None:
    inventory = parse_inventory(with_service(minimal()), source="test")
    (service,) = inventory.services
    assert (service.name, service.doc, service.destructor, service.release) == (
        "Store",
        "Stores.",
        "store_destroy",
        "store_release",
    )
    assert [f.name for f in service.members()] == ["new", "get", "put", "count"]
    assert [m.receiver for m in service.methods] == ["shared", "exclusive"]
    assert all(isinstance(m, Method) for m in service.methods)
    assert service.constructors[0].error == Named("Color")
    assert inventory.service("Store") is service
    assert inventory.service("Counter") is None
    assert [f.symbol for f in inventory.all_functions()][-4:] == ["store_new", "store_get", "store_put", "store_count"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.update(repr="f32"), "`types[2].repr` must be one of u8, u16, u32, u64, usize, i8, i16,"),
        (lambda t: t.pop("payload_offset"), "`types[2]` is missing the key(s) 'payload_offset'"),
        (lambda t: t["variants"][1].update(name="Circle"), "`types[2].variants[1].name` repeats the variant name"),
        (lambda t: t["variants"][1].update(value=0), "`types[2].variants[1].value` repeats the variant value '0'"),
        (lambda t: t["variants"][0].update(value=256), "`types[2].variants[0].value` 256 is out of range for the"),
        (
            lambda t: t["variants"][0]["fields"][0].update(offset=0),
            "`types[2].variants[0].fields[0].offset` 0 is outside the enum's payload (from 8 to its size 32)",
        ),
        (
            lambda t: t["variants"][1]["fields"][1].update(name="corner"),
            "`types[2].variants[1].fields[1].name` repeats the field name 'corner'",
        ),
        (
            lambda t: t["variants"][0]["fields"][0].update(type={"kind": "str"}),
            "`types[2].variants[0].fields[0].type` is a `str`, which can only be a parameter, not a field",
        ),
        (
            lambda t: t["variants"][0]["fields"][0].update(type={"kind": "named", "name": "Shape"}),
            "`types[2].variants[0].fields[0].type` makes 'Shape' contain itself by value",
        ),
        (
            lambda t: t["variants"][0]["fields"][0].update(type={"kind": "named", "name": "Scene"}),
            "`types[2].variants[0].fields[0].type` names 'Scene', which must come earlier in `types`",
        ),
        (
            lambda t: [v.update(fields=[]) for v in t["variants"]],
            "`types[2].variants` must have a variant with fields (else the enum is a field-less `enum`)",
        ),
    ],
)
def test_tagged_enum_errors_name_the_field(change: Callable[[Dict[str, Any]], None], message: str) -> None:
    assert message in _tagged_error(change)


def test_tagged_enums_are_no_error_types_or_elements() -> None:
    data = json.loads((Path(__file__).parent / "data" / "tagged.json").read_text(encoding="utf-8"))
    data["functions"][0]["error"] = {"kind": "named", "name": "Shape"}
    message = "names the C-layout data-carrying enum 'Shape': error types are field-less enums or enums whose variants"
    with pytest.raises(InventoryError, match=message):
        parse_inventory(data, "test")
    data["functions"][0]["error"] = None
    data["functions"][0]["returns"] = {"kind": "vec", "element": {"kind": "named", "name": "Shape"}}
    with pytest.raises(InventoryError, match="names 'Shape': elements are numbers, bools, structs or field-less"):
        parse_inventory(data, "test")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("services"), "`$` is missing the key(s) 'services'"),
        (
            lambda d: d["services"][0].update(name="Vec2"),
            "`services[0].name` must name an opaque type of `types`, but 'Vec2' is a struct",
        ),
        (
            lambda d: d["services"][0].update(name="Missing"),
            "`services[0].name` must name an opaque type of `types`, but 'Missing' is not defined in `types`",
        ),
        (
            lambda d: d["services"][0]["methods"][0].update(receiver="owned"),
            "`services[0].methods[0].receiver` must be 'shared' or 'exclusive', got 'owned'",
        ),
        (
            lambda d: d["services"][0]["methods"][0].pop("receiver"),
            "`services[0].methods[0]` is missing the key(s) 'receiver'",
        ),
        (
            lambda d: d["services"][0]["statics"][0].update(receiver="shared"),
            "`services[0].statics[0]` has unknown key(s) 'receiver'",
        ),
        (
            lambda d: d["services"][0]["statics"][0].update(name="get"),
            "`services[0].statics[0].name` repeats the member name 'get' (first at `services[0].methods[0].name`)",
        ),
        (
            lambda d: d["services"][0]["methods"][1].update(symbol="add"),
            "`services[0].methods[1].symbol` repeats the symbol name 'add' (first at `functions[0].symbol`)",
        ),
        (
            lambda d: d["services"][0].update(release="store_get"),
            "`services[0].release` repeats the symbol name 'store_get'",
        ),
        (
            lambda d: next(t for t in d["types"] if t["name"] == "Counter").update(drop="add"),
            ".drop` repeats the symbol name 'add' (first at `functions[0].symbol`)",
        ),
        (
            lambda d: next(t for t in d["types"] if t["name"] == "Store").update(drop="store_get"),
            "repeats the symbol name 'store_get' (first at `types[",
        ),
        (
            lambda d: next(t for t in d["types"] if t["name"] == "Counter").update(drop="not a symbol"),
            "`types[2].drop` must be an ASCII identifier",
        ),
        (
            lambda d: d["services"][0]["constructors"][0].update(returns=U32),
            "`services[0].constructors[0].returns` must be an owned, non-nullable, mutable `pointer` to 'Store'",
        ),
        (
            # A borrowed result: parameters may borrow or take objects (below), owned results make them.
            lambda d: d["services"][0]["methods"][0].update(returns=_pointer("Store")),
            "`services[0].methods[0].returns` points to 'Store', which is a service",
        ),
        (
            # A borrowed one: an owned, mutable pointer is a new object's handle (below).
            lambda d: d["functions"][0].update(returns=_pointer("Store")),
            "`functions[0].returns` points to 'Store', which is a service",
        ),
        (
            lambda d: d["services"][0]["statics"][0].update(returns={"kind": "named", "name": "Nope"}),
            "`services[0].statics[0].returns` names the type 'Nope', which is not defined in `types`",
        ),
        (
            lambda d: d["services"][0]["methods"][0].update(error={"kind": "named", "name": "Vec2"}),
            "`services[0].methods[0].error` names 'Vec2', which is not an enum",
        ),
        (
            lambda d: d["services"][0]["methods"][0]["params"].append({"name": "s", "type": {"kind": "string"}}),
            "`services[0].methods[0].params[0].type` is a `string`, which can only be a function's result",
        ),
    ],
)
def test_service_errors_name_the_field(change: Callable[[Dict[str, Any]], None], message: str) -> None:
    text = error_for(lambda d: (with_service(d), change(d)))
    assert message in text, text


def test_a_result_may_be_a_new_service_object() -> None:
    """An owned, mutable pointer to a service's type as a function's or method's result (nullable or not) is a
    new object's handle: `fn copy(&self) -> Self`, `fn open() -> Option<Store>`."""
    data = json.loads((DATA / "basic.json").read_text(encoding="utf-8"))
    with_service(data)
    handle = {**_pointer("Store", owned=True), "nullable": True}
    data["functions"][0].update(returns=handle)
    data["services"][0]["methods"][0].update(returns=_pointer("Store", owned=True))
    inventory = load_inventory(json.dumps(data))
    assert inventory.functions[0].returns == Pointer(Named("Store"), mutable=True, nullable=True, owned=True)


def test_a_parameter_may_borrow_a_service_object() -> None:
    """A pointer to a service's type as a parameter: `&Store`, `&mut Store`, `Option<&Store>`, `Box<Store>`."""
    data = json.loads((DATA / "basic.json").read_text(encoding="utf-8"))
    with_service(data)
    data["functions"][0]["params"][0].update(type={**_pointer("Store"), "mutable": True})
    data["services"][0]["methods"][0]["params"].append(
        {"name": "other", "type": {**_pointer("Store"), "nullable": True}}
    )
    data["services"][0]["methods"][0]["params"].append({"name": "taken", "type": _pointer("Store", owned=True)})
    inventory = load_inventory(json.dumps(data))
    assert inventory.functions[0].params[0].type == Pointer(Named("Store"), mutable=True, nullable=False, owned=False)


def test_slices_and_vectors_of_bools_and_enums() -> None:
    data = minimal()
    bools = {"kind": "slice", "element": {"kind": "primitive", "name": "bool"}, "mutable": True}
    colors = {"kind": "slice", "element": {"kind": "named", "name": "Color"}, "mutable": False}
    data["functions"][0]["params"][0]["type"] = bools
    data["functions"][0]["params"][1]["type"] = colors
    data["functions"][0]["returns"] = {"kind": "vec", "element": {"kind": "named", "name": "Color"}}
    add = parse_inventory(data).functions[0]
    assert [p.type for p in add.params] == [Slice(Primitive("bool"), True), Slice(Named("Color"), False)]
    assert add.returns == Vec(Named("Color"))


def test_arrays_are_parameters_and_results() -> None:
    data = minimal()
    data["functions"][0]["params"][0]["type"] = {"kind": "array", "element": U32, "len": 3}
    data["functions"][0]["returns"] = {"kind": "array", "element": {"kind": "named", "name": "Color"}, "len": 2}
    add = parse_inventory(data).functions[0]
    assert add.params[0].type == Array(Primitive("u32"), 3)
    assert add.returns == Array(Named("Color"), 2)


def test_chars_and_wide_integers_are_parameters_and_results() -> None:
    data = minimal()
    data["functions"][0]["params"][0]["type"] = {"kind": "primitive", "name": "char"}
    data["functions"][0]["params"][1]["type"] = {"kind": "primitive", "name": "i128"}
    data["functions"][0]["returns"] = {"kind": "primitive", "name": "u128"}
    add = parse_inventory(data).functions[0]
    assert [p.type for p in add.params] == [Primitive("char"), Primitive("i128")]
    assert add.params[0].type.is_char and not add.params[0].type.is_integer  # type: ignore[union-attr]
    assert add.returns == Primitive("u128") and add.returns.integer_range() == (0, 2**128 - 1)


def test_gil_policy_is_read_and_checked() -> None:
    data = json.loads((DATA / "basic.json").read_text(encoding="utf-8"))
    data["functions"][0]["gil"] = "hold"
    data["functions"][1]["gil"] = "release"
    first, second, *_ = parse_inventory(data).functions
    assert (first.hold_gil, second.hold_gil) == (True, False)
    data["functions"][0]["gil"] = "keep"
    with pytest.raises(InventoryError, match=r"`functions\[0\].gil` must be 'hold' or 'release', got 'keep'"):
        parse_inventory(data)


def test_an_opaque_types_drop_gil_policy_is_read_and_checked() -> None:
    data = minimal()
    data["types"].append({"kind": "opaque", "name": "Gauge", "doc": "", "drop": "gauge_ffi_drop"})
    data["types"].append({"kind": "opaque", "name": "Store", "doc": "", "drop": "store_ffi_drop", "drop_gil": "hold"})
    gauge, store = (parse_inventory(data).type(name) for name in ("Gauge", "Store"))
    assert isinstance(gauge, OpaqueDef) and isinstance(store, OpaqueDef)
    assert (gauge.drop_holds_gil, store.drop_holds_gil) == (False, True)
    assert not store.drop_frees_only  # what the probe found, apart from what the crate says
    data["types"][-1]["drop_gil"] = "often"
    with pytest.raises(InventoryError, match=r"`types\[\d+\].drop_gil` must be 'hold' or 'release', got 'often'"):
        parse_inventory(data)


def test_parameter_defaults_parse() -> None:
    data = minimal()
    data["functions"][0]["params"][1]["default"] = 3
    text = {"kind": "str"}
    data["functions"].append(
        {
            "name": "label",
            "symbol": "label",
            "doc": "",
            "params": [
                {"name": "text", "type": text, "default": 'a "quoted" \\ line'},
                {"name": "scale", "type": {"kind": "primitive", "name": "f64"}, "default": 2},
                {"name": "on", "type": {"kind": "primitive", "name": "bool"}, "default": True},
                {
                    "name": "counter",
                    "type": {
                        "kind": "pointer",
                        "target": {"kind": "named", "name": "Counter"},
                        "mutable": False,
                        "nullable": True,
                        "owned": False,
                    },
                    "default": None,
                },
            ],
            "returns": {"kind": "void"},
            "error": None,
        }
    )
    inv = parse_inventory(data, source="test")
    add, _, label = inv.functions
    assert [p.default for p in add.params] == [None, Default(3)]
    assert [p.default for p in label.params] == [
        Default('a "quoted" \\ line'),
        Default(2.0),
        Default(True),
        Default(None),
    ]
    assert isinstance(label.params[1].default.value, float)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["functions"][0]["params"][0].update(default=1),
            "`functions[0].params[1].default` is missing: parameter `b` follows `a`, which has a default",
        ),
        (
            lambda d: d["functions"][0]["params"][1].update(default=2**32),
            "`functions[0].params[1].default` 4294967296 is out of range for u32 (0..=4294967295)",
        ),
        (
            lambda d: d["functions"][0]["params"][1].update(default="3"),
            "`functions[0].params[1].default` must be an integer",
        ),
        (
            lambda d: d["functions"][0]["params"][1].update(default=None),
            "`functions[0].params[1].default` must be an integer",
        ),
        (
            lambda d: d["functions"][1]["params"][0].update(default=None),
            "`functions[1].params[0].default` is not allowed here: only numbers up to 64 bits, bools, text and "
            "optional parameters",
        ),
        (
            lambda d: d["functions"][0]["params"][1].update(type={"kind": "primitive", "name": "u128"}, default=1),
            "`functions[0].params[1].default` is not allowed here: only numbers up to 64 bits",
        ),
        (
            lambda d: d["functions"][0]["params"][1].update(type={"kind": "primitive", "name": "char"}, default="x"),
            "`functions[0].params[1].default` is not allowed here: only numbers up to 64 bits",
        ),
        (
            lambda d: d["types"].append(
                {
                    "kind": "callback",
                    "name": "OnValue",
                    "doc": "",
                    "params": [{"name": "v", "type": U32, "default": 1}],
                    "returns": {"kind": "void"},
                }
            ),
            "`types[3].params[0]` has unknown key(s) 'default'",
        ),
    ],
)
def test_parameter_default_errors_name_the_field(change: Callable[[Dict[str, Any]], None], message: str) -> None:
    assert message in error_for(change)


def test_encoded_values_parse_as_parameters_and_results() -> None:
    strings = {"kind": "vec", "element": {"kind": "string"}}
    counts = {"kind": "map", "key": {"kind": "string"}, "value": {"kind": "option", "inner": U32}}
    data = minimal()
    data["functions"][0]["params"] = [{"name": "words", "type": strings}]
    data["functions"][0]["returns"] = counts
    f = parse_inventory(data, source="test").functions[0]
    assert f.params[0].type == Encoded(WireList(OwnedString()))
    assert f.returns == Encoded(WireMap(OwnedString(), WireOption(Primitive("u32"))))
    assert f.returns.kind == "map"
    # A `vec` of numbers stays a C buffer, and an `option` of one an FfiOption.
    data["functions"][0]["returns"] = {"kind": "vec", "element": U32}
    assert isinstance(parse_inventory(data, source="test").functions[0].returns, Vec)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["types"][0]["fields"][0].update(type={"kind": "vec", "element": {"kind": "string"}}),
            "`types[0].fields[0].type` is an encoded `vec` (of strings, chars, 128-bit integers, vecs, options or "
            "maps), which can only be a function's parameter or result, not a field",
        ),
        (
            lambda d: d["functions"][0].update(
                returns={"kind": "map", "key": {"kind": "primitive", "name": "f64"}, "value": U32}
            ),
            "`functions[0].returns.key` is a `primitive`: map keys are strings or integers",
        ),
        (
            lambda d: (
                d["types"][0]["fields"].append(
                    {"name": "next", "doc": "", "type": _pointer("Vec2"), "offset": 8},
                ),
                d["types"][0].update(size=16, align=8),
                d["functions"][0].update(
                    returns={"kind": "vec", "element": {"kind": "vec", "element": {"kind": "named", "name": "Vec2"}}}
                ),
            ),
            "`functions[0].returns.element.element` holds the struct 'Vec2', whose field 'next' is a pointer: encoded "
            "values hold values, not addresses",
        ),
        (
            lambda d: d["functions"][0].update(returns={"kind": "record", "name": "Vec2"}),
            "`functions[0].returns` names 'Vec2' as a record, which it is not",
        ),
        (
            lambda d: d["types"].append(
                {"kind": "record", "name": "Person", "doc": "", "fields": [{"name": "x", "doc": "", "type": F32}] * 2}
            ),
            "`types[3].fields[1].name` repeats the field name 'x'",
        ),
        (
            lambda d: d["types"].append({"kind": "record", "name": "Person", "doc": "", "fields": []}),
            "`types[3].fields` must not be empty",
        ),
        (
            lambda d: d["types"].append({"kind": "record_enum", "name": "Value", "doc": "", "variants": []}),
            "`types[3].variants` must not be empty",
        ),
        (
            lambda d: d["types"].append(
                {
                    "kind": "record_enum",
                    "name": "Value",
                    "doc": "",
                    "variants": [{"name": "A", "doc": "", "fields": []}] * 2,
                }
            ),
            "`types[3].variants[1].name` repeats the variant name 'A'",
        ),
        (
            lambda d: d["types"].append(
                {
                    "kind": "record_enum",
                    "name": "Value",
                    "doc": "",
                    "variants": [
                        {"name": "A", "doc": "", "fields": [{"name": "x", "doc": "", "type": F32}], "tuple": True}
                    ],
                }
            ),
            "`types[3].variants[0].fields[0].name` must be `_0` in a tuple struct or variant, got 'x'",
        ),
        (
            lambda d: d["types"].append(
                {
                    "kind": "record_enum",
                    "name": "Value",
                    "doc": "",
                    "variants": [
                        {
                            "name": "A",
                            "doc": "",
                            "fields": [{"name": "p", "doc": "", "type": {"kind": "record", "name": "Nope"}}],
                        }
                    ],
                }
            ),
            "`types[3].variants[0].fields[0].type` names the type 'Nope', which is not defined in `types`",
        ),
        (
            lambda d: d["types"].append(
                {
                    "kind": "record",
                    "name": "Person",
                    "doc": "",
                    "fields": [{"name": "f", "doc": "", "type": {"kind": "pointer", "target": {"kind": "named"}}}],
                }
            ),
            "`types[3].fields[0].type` is of kind 'pointer': an encoded value",
        ),
        (
            lambda d: d["functions"][0].update(
                returns={"kind": "map", "key": {"kind": "primitive", "name": "char"}, "value": U32}
            ),
            "`functions[0].returns.key` is a `primitive`: map keys are strings or integers",
        ),
        (
            lambda d: d["types"].append(
                _callback(params=[{"name": "words", "type": {"kind": "map", "key": {"kind": "string"}, "value": U32}}])
            ),
            "callbacks take nothing else yet",
        ),
    ],
)
def test_encoded_values_are_refused_where_they_cannot_be(
    change: Callable[[Dict[str, Any]], None], message: str
) -> None:
    assert message in error_for(change)


def _newtype(name: str = "UserId", inner: Any = None) -> Dict[str, Any]:
    return {"kind": "newtype", "name": name, "doc": "An id.", "inner": inner or {"kind": "primitive", "name": "u64"}}


USER_ID = {"kind": "named", "name": "UserId"}


def test_newtypes_are_their_number_wherever_they_are_used() -> None:
    data = minimal()
    data["types"][:0] = [_newtype(), _newtype("Celsius", F32)]
    data["types"].append(
        {
            "kind": "struct",
            "name": "Badge",
            "doc": "",
            "size": 16,
            "align": 8,
            "fields": [
                {"name": "owner", "doc": "", "type": USER_ID, "offset": 0},
                {
                    "name": "fever",
                    "doc": "",
                    "type": {"kind": "option", "inner": {"kind": "named", "name": "Celsius"}},
                    "offset": 8,
                },
            ],
        }
    )
    data["types"].append(
        {
            "kind": "record",
            "name": "Member",
            "doc": "",
            "fields": [{"name": "friends", "doc": "", "type": {"kind": "vec", "element": USER_ID}}],
        }
    )
    data["types"].append(_callback(params=[{"name": "id", "type": USER_ID}], returns=USER_ID))
    data["functions"][0].update(
        params=[
            {"name": "a", "type": USER_ID},
            {"name": "ids", "type": {"kind": "slice", "element": USER_ID, "mutable": False}},
        ],
        returns={"kind": "vec", "element": USER_ID},
    )
    inv = parse_inventory(data, source="test")
    user_id = Primitive("u64", newtype="UserId")
    assert inv.type("UserId") == NewtypeDef("UserId", "An id.", Primitive("u64"))
    add = inv.functions[0]
    assert [p.type for p in add.params] == [user_id, Slice(user_id, mutable=False)]
    assert add.returns == Vec(user_id)
    badge = inv.type("Badge")
    assert isinstance(badge, StructDef)
    assert [f.type for f in badge.fields] == [user_id, Option(Primitive("f32", newtype="Celsius"))]
    member = inv.type("Member")
    assert isinstance(member, RecordDef) and member.fields[0].type == WireList(user_id)
    callback = inv.type("OnTick")
    assert isinstance(callback, CallbackDef) and callback.params[0].type == user_id and callback.returns == user_id
    # What C lays out and passes: the number alone.
    assert plain(Option(user_id)) == Option(Primitive("u64")) and plain(Vec(user_id)) == Vec(Primitive("u64"))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["types"].insert(0, _newtype(inner={"kind": "primitive", "name": "bool"})),
            "`types[0].inner` must be a `primitive` number: an integer up to 64 bits, `f32` or `f64`",
        ),
        (
            lambda d: d["types"].insert(0, _newtype(inner={"kind": "primitive", "name": "u128"})),
            "`types[0].inner` must be a `primitive` number",
        ),
        (
            lambda d: d["types"].insert(0, _newtype(inner={"kind": "named", "name": "Vec2"})),
            "`types[0].inner` must be a `primitive` number",
        ),
        (
            lambda d: d["types"].insert(0, {"kind": "newtype", "name": "UserId", "doc": ""}),
            "`types[0]` is missing the key(s) 'inner'",
        ),
        (
            lambda d: (
                d["types"].insert(0, _newtype()),
                d["functions"][0].update(
                    returns={"kind": "pointer", "target": USER_ID, "mutable": False, "nullable": False, "owned": False}
                ),
            ),
            "`functions[0].returns` points at the newtype 'UserId'; pointers to numbers are not supported",
        ),
        (
            lambda d: (d["types"].insert(0, _newtype()), d["functions"][1].update(error=USER_ID)),
            "`functions[1].error` names 'UserId', which is not an enum: error types are enums",
        ),
        (
            lambda d: (
                d["types"].insert(0, _newtype(inner={"kind": "primitive", "name": "f64"})),
                d["functions"][0].update(returns={"kind": "map", "key": USER_ID, "value": {"kind": "string"}}),
            ),
            "`functions[0].returns.key` is 'UserId', which is no integer newtype: map keys are strings or integers",
        ),
        (
            lambda d: d["functions"][0].update(
                returns={"kind": "map", "key": {"kind": "named", "name": "Vec2"}, "value": {"kind": "string"}}
            ),
            "`functions[0].returns.key` is 'Vec2', which is no integer newtype: map keys are strings or integers",
        ),
    ],
)
def test_newtype_errors_name_the_field(change: Callable[[Dict[str, Any]], None], message: str) -> None:
    assert message in error_for(change)

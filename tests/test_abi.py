"""The ABI model: how each Rust signature of the inventory is lowered to C, computed once for every backend."""

from __future__ import annotations

from typing import Any, Dict, List

from backend_support import INVENTORIES, load, raw_inventory

from hatch_interop import abi
from hatch_interop.inventory import Named, Option, OwnedString, Primitive, Vec, parse_inventory

U32 = abi.CScalar(Primitive("u32"))


def signature(c: abi.Callable) -> List[Any]:
    return [(p.role, p.source, p.type) for p in c.params]


def function(name: str, params: List[Dict[str, Any]], returns: Dict[str, Any], **extra: Any) -> Dict[str, Any]:
    return {"name": name, "symbol": name, "doc": "", "params": params, "returns": returns, "error": None, **extra}


def test_text_and_slices_become_a_pointer_and_a_length() -> None:
    data = raw_inventory("empty")
    primitive = {"kind": "primitive", "name": "u32"}
    data["functions"] = [
        function(
            "f",
            [
                {"name": "name", "type": {"kind": "str"}},
                {"name": "path", "type": {"kind": "cstr"}},
                {"name": "values", "type": {"kind": "slice", "element": primitive, "mutable": True}},
                {"name": "n", "type": primitive},
            ],
            {"kind": "string"},
        )
    ]
    (f,) = abi.lower(parse_inventory(data)).callables
    assert signature(f) == [
        ("data", "name", abi.CText(nul_terminated=False)),
        ("length", "name", abi.USIZE),
        ("value", "path", abi.CText(nul_terminated=True)),
        ("data", "values", abi.CElements(U32, mutable=True)),
        ("length", "values", abi.USIZE),
        ("value", "n", U32),
    ]
    assert [p.index for p in f.params] == [0, 0, 1, 2, 2, 3]
    assert f.returns == abi.CBuffer(OwnedString())
    assert not f.asynchronous


def test_services_methods_take_the_handle_first_and_async_ones_a_completion_last() -> None:
    model = abi.lower(load("sample_inventory"))
    inventory = model.inventory
    store = next(s for s in inventory.services if s.name == "Store")
    callables = list(model.service_callables(store))
    assert [c.role for c in callables[-2:]] == ["destructor", "release"]
    assert [c.symbol for c in callables[-2:]] == [store.destructor, store.release]
    for c in callables:
        assert c.service == "Store"
        if c.role in ("method", "destructor", "release"):
            assert c.params[0] == abi.CParam(abi.CHandle("Store", mutable=True), "self")
        else:
            assert all(p.role != "self" for p in c.params)
    later = next(c for c in callables if c.function is not None and c.function.asynchronous and c.role == "method")
    assert later.params[-1] == abi.CParam(abi.CCompletion(), "completion")
    assert later.returns == abi.CVoid()
    assert later.completes_with is not None
    assert later.receiver in ("shared", "exclusive")
    assert model.uses_completion


def test_every_inventory_function_has_exactly_one_callable() -> None:
    for stem in INVENTORIES:
        inventory = load(stem)
        model = abi.lower(inventory)
        symbols = [c.symbol for c in model.callables]
        assert len(symbols) == len(set(symbols))
        for f in inventory.all_functions():
            assert model.callable(f).function == f
        handles = {sym for s in inventory.services for sym in (s.destructor, s.release)}
        drops = {o.drop for o in inventory.opaques() if o.drop is not None and inventory.service(o.name) is None}
        assert set(symbols) == {f.symbol for f in inventory.all_functions()} | handles | drops


def test_each_opaque_type_has_a_drop_function_on_its_handle() -> None:
    model = abi.lower(load("sample_inventory"))
    drops = {o.name: o.drop for o in model.inventory.opaques()}
    assert drops == {
        "Counter": "counter_ffi_drop",
        "Hasher": "hasher_ffi_drop",
        "Notifier": "notifier_ffi_drop",
        "Store": "store_ffi_drop",
        "Tracker": "tracker_ffi_drop",
    }
    # A service's objects are cells its release function gives up: its drop function is not a callable.
    assert "store_ffi_drop" not in {c.symbol for c in model.callables}
    for o in model.inventory.opaques():
        if model.inventory.service(o.name) is not None:
            continue
        drop = model.by_symbol(o.drop or "")
        assert (drop.role, drop.service, drop.function, drop.returns) == ("drop", None, None, abi.CVoid())
        assert drop.params == (abi.CParam(abi.CHandle(o.name, mutable=True), "self"),)


def test_values_are_lowered_by_what_they_name() -> None:
    model = abi.lower(load("sample_inventory"))
    kinds = {p.type.kind for c in model.callables for p in c.params} | {c.returns.kind for c in model.callables}
    # The sample crate exercises every kind of C value.
    assert kinds >= {"void", "scalar", "enum", "record", "option", "buffer", "callback", "handle", "pointer", "text"}
    for c in model.callables:
        for p in c.params:
            if isinstance(p.type, abi.CEnum):
                assert p.type.repr == model.inventory.type(p.type.name).repr  # type: ignore[union-attr]


def test_options_and_buffers_are_listed_once_in_definition_order() -> None:
    model = abi.lower(load("sample_inventory"))
    assert len(set(model.options)) == len(model.options)
    assert len(set(model.buffers)) == len(model.buffers)
    inner = [o.inner for o in model.options]
    primitives = [i for i in inner if isinstance(i, Primitive)]
    assert inner[: len(primitives)] == primitives
    if OwnedString() in model.buffers:
        assert model.buffers[0] == OwnedString()
    order = [t.name for t in model.inventory.types]
    named = [o.inner.name for o in model.options if isinstance(o.inner, Named)]
    assert named == sorted(named, key=order.index)
    assert all(isinstance(b, (OwnedString, Vec)) for b in model.buffers)
    assert all(isinstance(o, Option) for o in model.options)


def test_lowering_is_computed_once_per_inventory() -> None:
    inventory = load("sample_inventory")
    assert abi.lower(inventory) is abi.lower(inventory)


def test_the_gil_policy_is_the_functions() -> None:
    model = abi.lower(load("sample_inventory"))
    holding = sorted(c.symbol for c in model.callables if c.holds_gil and c.function is not None)
    assert holding == ["add", "pick_colors", "spin_holding", "store_get", "store_new", "store_size"]
    # Destructors and release functions run the crate's `Drop`, which may take long: they release it, except the
    # drop and release functions of types whose values only free memory as they are dropped (a `Counter` holds a
    # number and a `Vec<u64>`; a `Notifier` holds callbacks, whose release calls back) and of types whose crate says
    # `drop_gil = "hold"` (a `Store` implements `Drop`, which only counts it out).
    kept = sorted((c.symbol, c.role) for c in model.callables if c.holds_gil and c.function is None)
    assert kept == [("counter_ffi_drop", "drop"), ("fnv1a_hasher_release", "release"), ("store_release", "release")]
    frees_only = {o.name for o in model.inventory.opaques() if o.drop_frees_only}
    assert frees_only == {"Counter", "Hasher"}
    declared = {c.symbol for c in model.callables if c.drop_holds_gil}
    assert declared == {"store_release"}
    assert not any(c.holds_gil for c in model.callables if c.role == "destructor")

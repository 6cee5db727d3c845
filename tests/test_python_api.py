"""The Python API model: the public surface every Python backend renders."""

from __future__ import annotations

import pytest
from backend_support import load

from hatch_interop import python_api
from hatch_interop.errors import BackendError


def test_signatures_of_functions() -> None:
    api = python_api.build(load("sample_inventory"), "ctypes")
    distance = api.signatures["distance"]
    # `from` is a keyword: the parameter gets a trailing underscore (and so does it in every backend).
    assert [(p.rust, p.name, p.hint) for p in distance.params] == [("from", "from_", "int"), ("to", "to", "int")]
    assert (distance.kind, distance.name, distance.label, distance.receiver) == ("function", "distance", "distance", "")
    free = next(s for s in api.signatures.values() if s.function.name == "counter_free")
    assert "Ownership of `c` moves into the library" in free.doc
    divide = next(s for s in api.signatures.values() if s.function.name == "divide")
    assert divide.error == "MathError"
    assert divide.doc.endswith("Raises a subclass of `MathError` when the library reports one of its errors.")


def test_members_of_services() -> None:
    api = python_api.build(load("sample_inventory"), "ctypes")
    members = {m.function.name: m for m in api.members["Store"]}
    assert (members["new"].kind, members["new"].name, members["new"].label, members["new"].returns) == (
        "init",
        "__init__",
        "Store",
        "None",
    )
    assert members["with_capacity"].decorator == "@classmethod\n"
    assert members["put"].receiver == "self"
    assert members["put"].label == "Store.put"


def test_public_names_and_hints() -> None:
    api = python_api.build(load("sample_inventory"), "ctypes")
    assert "RustPanic" in api.public_names()
    assert api.signatures["sum_f64"].params[0].hint == "Union[Sequence[float], memoryview]"
    assert {"Optional", "Union", "Sequence", "MutableSequence", "List", "Callable"} <= api.typing


def test_reserved_module_names_are_escaped_and_dunders_refused() -> None:
    inventory = load("tricky")
    api = python_api.build(inventory, "cffi")
    assert all(name not in python_api.MODULE_RESERVED for name in api.public_names())
    with pytest.raises(BackendError, match="The cffi backend cannot use the function name `__x`"):
        python_api.refuse_dunder("__x", "function", "cffi")

"""The cpython backend: the ctypes backend's module with `_ffi_cpython`, a compiled fast path linking the library."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import List, Tuple

import pytest
from backend_support import INVENTORIES, check_ruff_and_mypy, check_snapshot, context, load, raw_inventory, write
from packaging import tags
from test_backend_ctypes import GCC, _compile_library, needs_gcc

from hatch_interop.backend import GeneratedFile
from hatch_interop.backends import cpython
from hatch_interop.backends.cffi import CffiBackend
from hatch_interop.backends.cpython import CpythonBackend, _grouped, eligible, fast_members, holder_types
from hatch_interop.backends.cpython.wire import MAX_DEPTH, encodable
from hatch_interop.backends.ctypes import CtypesBackend
from hatch_interop.errors import BackendError
from hatch_interop.inventory import Inventory, Primitive, Record, RecordDef, WireList, WireOption, parse_inventory

#: The lines the cpython backend adds to the ctypes backend's module: the extension's import.
IMPORT = "from . import _ffi_cpython as _ffi_fast\n"


def generate(inventory: Inventory) -> List[GeneratedFile]:
    return CpythonBackend(context(inventory)).generate(inventory)


def c_source(inventory: Inventory) -> str:
    backend = CpythonBackend(context(inventory))
    backend.generate(inventory)
    assert backend._c_source is not None, "no function of the inventory takes the fast path"
    return backend._c_source


def test_the_module_a_stub_of_the_extension_and_the_runtime() -> None:
    files = generate(load("sample_inventory"))
    assert [f.path for f in files] == ["__init__.py", "_ffi_cpython.pyi", "_ffi_runtime.py", "_ffi_ctypes_runtime.py"]
    assert "def function(\n    index: int,\n    wrapper: Callable[..., Any]," in files[1].content


def test_the_fast_path_takes_numbers_text_slices_of_numbers_enums_and_plain_structs_only() -> None:
    inventory = load("sample_inventory")
    taken = {f.name for f in inventory.functions if eligible(f, inventory)}
    assert {"add", "spin", "noop", "greet", "str_byte_len", "sum_f64", "scale_f32_in_place"} <= taken
    assert {"vec2_add", "vec2_length", "vec2_scale", "color_next"} <= taken  # structs by value and reference, enums
    assert "user_next" in taken  # a newtype in and out
    assert "divide" in taken  # a `Result` of a number: its failure is raised by the runtime
    assert "median" in taken  # an `Option` of a number
    assert {"counter_get", "counter_increment"} <= taken  # an object lent (`&Counter`, `&mut Counter`)
    # A callback of numbers lent for the call (`&OnValue`, `Option<&Transform>`).
    assert {"for_each_value", "transform_all"} <= taken
    # Owned values encoded in C: a record (`Contact`, `TreeNode` holding itself), an `Option` of one, a list of a
    # record enum, an `Option<String>`; results in the encoding too (decoded by the runtime's codec).
    assert {"contact_summary", "tree_size", "lead_name", "value_lines", "greet_maybe"} <= taken
    assert {"word_counts", "team_roster", "contact_tagged", "means"} <= taken
    # Async functions of text, bytes and records: converted when the coroutine calls the library.
    assert {"words_later", "checksum_later", "contact_later", "length_in_metres_later"} <= taken
    # Async functions of values: a call makes a compiled coroutine (numbers, a `Result`, a struct, a `String` out).
    assert {"double_later", "double_now", "divide_now", "panic_now", "vec2_later", "greet_later"} <= taken
    assert "user_next_later" in taken  # a newtype in and out
    # `Vec` results: of numbers, bools, bytes (`bytes`), newtypes, enums and structs (lists made in C).
    assert {"range_u32", "evens", "reversed_bytes", "user_range", "colors_in", "vec2_grid", "empty_f64s"} <= taken
    # Slices of bools, enums, newtypes and (read only) structs: a list or tuple of them copied in C, an array shared.
    assert {"count_true", "negate_all", "color_mask", "colors_advance", "blues", "meters_sum", "vec2_sum"} <= taken
    assert "vec2_normalize_all" in taken  # structs the library writes into, copied back into the list's objects
    # Options (`Option<T>` by value) of numbers, newtypes, enums and structs, in and out.
    assert {"or_fallback", "clamp_between", "midpoint", "color_after", "color_named", "celsius_to_fahrenheit"} <= taken
    assert {"user_max", "nearest"} <= taken
    assert "figure_of" in taken  # an option of a data-carrying enum in, of a struct holding one out
    # `char` (a one-character `str`) and `u128`/`i128` (split into halves in C), in and out, sync and async.
    assert {"char_upper", "char_code", "char_from_code", "char_repeat", "upper_later"} <= taken
    assert {"u128_wrapping_mul", "i128_checked_add", "i128_from_halves", "u128_low_bits", "i128_double_later"} <= taken
    # Structs holding enums, other structs, arrays, options, newtypes and addresses: their memory is the value.
    assert {"sample_new", "rect_area", "rect_center", "reading_example", "reading_total", "badge_for"} <= taken
    assert {"counter_snapshot", "extent_longer", "sample_score"} <= taken
    # Trait objects lent for the call (`&dyn Progress`, `Option<&dyn Progress>`): each bound method lent.
    assert {"run_job", "count_steps"} <= taken
    # Data-carrying enums by value, by reference and returned (`Shape`, `Measure`), in options and structs.
    assert {"shape_area", "shape_scale", "measure_doubled", "figure_of"} <= taken
    assert {"counter_new", "counter_try_new"} <= taken  # an object returned (`Box<Counter>`, `Option<Box<...>>`)
    assert {"counter_free", "counter_free_if_any"} <= taken  # an object moved in (`Box<Counter>`, `Option<...>`)
    # Callbacks the library keeps (by value): a context of their own on the heap, released by the library.
    assert {"notifier_subscribe", "notify_from_thread", "notify_in_background", "notify_after"} <= taken
    # Callbacks lent for the call taking text, `char`s, newtypes, enums, structs (by value and by reference) and
    # slices (lists, `bytes`), and returning newtypes and enums.
    assert {"for_each_word", "for_each_char", "for_each_line", "sum_windows", "count_kept", "fold_points"} <= taken
    assert {"user_follow", "user_picked", "pick_colors"} <= taken
    # Returning text, structs and options through the library's slots, and failing with a field-less error enum.
    assert {"label_each", "walk", "parse_all", "find_points", "check_all", "describe_all"} <= taken
    # Fixed-size arrays in (a list or tuple of exactly N items) and out (a tuple; `bytes` for `[u8; N]`), C strings.
    assert {"sum3", "all_four", "digest", "color_cycle", "c_str_len"} <= taken
    # Callbacks taking records (decoded in C) and returning lists and maps (encoded in C into the library's slot).
    assert {"split_words", "tally_words", "entries_kept"} <= taken
    assert "rename_words" in taken  # a callback returning an `Option<String>` (None sets no text)
    assert "total_length" in taken  # a callback failing with an error enum whose variants carry data


def test_the_fast_path_takes_the_methods_of_services_too() -> None:
    inventory = load("sample_inventory")
    taken = {f.symbol for f in fast_members(inventory)}
    # `&self` and `&mut self` methods, with another service object lent (`Hasher.matches(&Hasher)`).
    assert {"store_get", "store_put", "store_size", "store_explode", "tracker_advance", "fnv1a_hasher_matches"} <= taken
    # Async methods too (their coroutines read the object's pointer when they call the library).
    assert {"store_total_later", "store_add_to_all_later", "store_clear_now"} <= taken
    # Static functions too (sync or async: a staticmethod of the compiled function), `__init__` (the constructor
    # `new`, sync) and the other constructors (classmethods, sync or async).
    assert {"store_live_stores", "store_multiply_later", "store_new", "tracker_new", "fnv1a_hasher_new"} <= taken
    assert "store_with_capacity" in taken  # a sync constructor: a classmethod of the compiled function
    assert "store_open_later" in taken  # an async constructor: a classmethod making a compiled coroutine
    assert "store_values" in taken  # a `Vec` returned
    assert "store_each_value" in taken  # a callback lent for the call
    assert "fnv1a_hasher_copy" in taken  # a new service object returned
    assert "store_merge" in taken  # a service object moved in (`Store.merge(other: Store)`)
    assert {"tracker_watch", "tracker_share"} <= taken  # a trait object kept (each method's callable kept)


@pytest.mark.parametrize("stem", INVENTORIES)
def test_the_module_is_the_ctypes_backends_with_the_fast_path_bound_last(stem: str) -> None:
    inventory = load(stem)
    ours = generate(inventory)[0].content
    theirs = CtypesBackend(context(inventory)).generate(inventory)[0].content
    fast = fast_members(inventory)
    if not fast:
        assert ours == theirs  # nothing to compile
        return
    head, tail = ours.split("\n\n\n# The compiled fast path", 1)
    # The classes of owned objects and services' objects, and of their cells and handles, are the extension's C
    # types, made by its decorators.
    decorators = re.compile(r"^@_ffi_fast\.(holder_class\(\d+\)|object_class|service_class)\n", re.MULTILINE)
    kinds = ["service_class" if inventory.service(name) else "object_class" for name in holder_types(inventory)]
    assert decorators.findall(head) == [made for i, kind in enumerate(kinds) for made in (f"holder_class({i})", kind)]
    head = decorators.sub("", head)
    assert head.replace(IMPORT, "").replace("from . import _ffi_runtime as _ffi_rt\n", "") == theirs.rstrip().replace(
        "from . import _ffi_runtime as _ffi_rt\n", ""
    )
    assert "_ffi_rt.compiled(" in tail


def test_holders_keep_the_gil_for_the_drops_the_abi_model_says_and_skip_saving_the_exception_when_only_freeing() -> (
    None
):
    """A holder's drop keeps the GIL where the ABI model's ``holds_gil`` says (a type whose values only free memory,
    or whose crate says ``drop_gil = "hold"``); only a frees-only drop, which runs no Python code, is called from
    ``tp_dealloc`` without keeping the exception being raised aside."""
    inventory = load("sample_inventory")
    holders = {
        h.name: (h.cell, h.hold_gil, h.frees_only) for h in CpythonBackend(context(inventory)).holders(inventory)
    }
    assert holders == {
        "Hasher": (False, True, True),
        "Counter": (True, True, True),
        "Notifier": (True, False, False),
        "Store": (False, True, False),
        "Tracker": (False, False, False),
    }


#: The inventories with functions the fast path takes (the others' modules are the ctypes backend's, see above).
FAST = ["basic", "sample_inventory", "tricky", "wide"]


@pytest.mark.parametrize("stem", FAST)
def test_matches_snapshot(stem: str) -> None:
    inventory = load(stem)
    module = generate(inventory)[0]
    tail = module.content.split("\n\n\n# The compiled fast path", 1)[1]
    check_snapshot(
        "cpython",
        stem,
        [
            GeneratedFile("_ffi_cpython.c", c_source(inventory)),
            dataclasses.replace(module, path="tail.py", content=tail),
        ],
    )


def test_the_fast_path_is_in_the_inventories_of_the_snapshots_only() -> None:
    assert [stem for stem in INVENTORIES if fast_members(load(stem))] == FAST


def test_the_output_is_ruff_clean_and_passes_mypy_strict(tmp_path: Path) -> None:
    packages = []
    for stem in INVENTORIES:
        inventory = load(stem)
        packages.append(str(write(generate(inventory), tmp_path / f"gen_{stem}")))
    check_ruff_and_mypy(packages, tmp_path)


@needs_gcc
@pytest.mark.parametrize("stem", FAST)
def test_the_c_source_compiles_without_warnings(stem: str, tmp_path: Path) -> None:
    assert GCC is not None
    source = tmp_path / "_ffi_cpython.c"
    source.write_text(c_source(load(stem)))
    include = sysconfig.get_paths()["include"]
    command = [
        GCC,
        "-std=c11",
        "-Wall",
        "-Wextra",
        "-Wpedantic",
        "-Werror",
        "-fsyntax-only",
        f"-I{include}",
        str(source),
    ]
    proc = subprocess.run(command, check=False, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


@needs_gcc
@pytest.mark.parametrize(
    "undefined",
    [("-U__linux__",), ("-U__linux__", "-U__unix__", "-U__unix", "-Uunix"), ("-U__BYTE_ORDER__",)],
    ids=["a pipe for bells (other Unixes)", "no bells (Windows)", "integers read byte by byte (no byte order)"],
)
def test_the_c_source_of_other_platforms_compiles_without_warnings(undefined: Tuple[str, ...], tmp_path: Path) -> None:
    # The branches this machine does not take: a pending call's bell is a pipe where there is no eventfd, and
    # absent where there are no readers to watch it (Windows), where completions take the GIL; a result's
    # integers read byte by byte where the compiler does not say the host is little-endian.
    assert GCC is not None
    source = tmp_path / "_ffi_cpython.c"
    source.write_text(c_source(load("sample_inventory")))
    include = sysconfig.get_paths()["include"]
    command = [GCC, "-std=c11", "-Wall", "-Wextra", "-Wpedantic", "-Werror", "-fsyntax-only", *undefined]
    proc = subprocess.run([*command, f"-I{include}", str(source)], check=False, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize(
    ("check", "negatable"),
    [
        ("true", "true"),
        ("ffi_fast_exact_bool(args[0], &arg0)", "ffi_fast_exact_bool(args[0], &arg0)"),
        ("((arg0_kept = keep(args[0])) != NULL)", "((arg0_kept = keep(args[0])) != NULL)"),
        ("a(x) && b(y)", "(a(x) && b(y))"),
        ("(a) || (b)", "((a) || (b))"),
        ("(arg0 = f(x)) != NULL", "((arg0 = f(x)) != NULL)"),
        ('f(x, "(")', '(f(x, "("))'),  # unsure: grouped
    ],
)
def test_a_conversions_check_is_negated_whole(check: str, negatable: str) -> None:
    # The template writes `if (!check)`: a check made of `&&` (a trait's methods) negated in part would send a call
    # the fast path took to the wrapper, or take one it cannot.
    assert _grouped(check) == negatable


def test_the_extensions_own_names_cannot_clash_with_the_librarys(tmp_path: Path) -> None:
    raw = raw_inventory("basic")
    add = next(f for f in raw["functions"] if f["name"] == "add")
    # A function whose Python name is one of the extension's own words: its C function is `ffi_fast_call_<name>`.
    add["name"] = "pending"
    inventory = parse_inventory(raw)
    source = tmp_path / "_ffi_cpython.c"
    source.write_text(c_source(inventory))
    if GCC is not None:
        include = sysconfig.get_paths()["include"]
        command = [GCC, "-std=c11", "-Wall", "-Werror", "-fsyntax-only", f"-I{include}", str(source)]
        proc = subprocess.run(command, check=False, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
    # A library symbol in the extension's own namespace is refused, naming it.
    add["symbol"] = "ffi_fast_add"
    clashing = parse_inventory(raw)
    with pytest.raises(BackendError, match=r"names its own C functions and types `ffi_fast_\.\.\.`, and the library "):
        CpythonBackend(context(clashing)).generate(clashing)


def test_the_wheel_is_tagged_for_the_building_interpreter_alone(tmp_path: Path) -> None:
    inventory = load("basic")
    backend = CpythonBackend(context(inventory))
    backend.generate(inventory)
    best = next(iter(tags.sys_tags()))
    assert backend.wheel_tag() == (best.interpreter, best.abi)
    # Without a function the fast path takes, nothing is compiled and any Python 3 can use the wheel.
    tagged = load("tagged")
    plain = CpythonBackend(context(tagged))
    assert [f.path for f in plain.generate(tagged)] == ["__init__.py", "_ffi_runtime.py", "_ffi_ctypes_runtime.py"]
    assert plain.build(tmp_path, tmp_path / "libtagged.so") == [] and plain.wheel_tag() is None


def test_on_pypy_the_cffi_backend_makes_the_files_in_abi_mode(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """One configuration builds the set of wheels: CPython's with the extension, PyPy's with cffi's ABI mode (the
    fast FFI there), tagged for that PyPy alone (a CPython has no cffi requirement for it)."""
    inventory = load("sample_inventory")
    monkeypatch.setattr(sys.implementation, "name", "pypy")
    backend = CpythonBackend(context(inventory))
    files = backend.generate(inventory)
    assert [f.path for f in files] == ["__init__.py", "_ffi_cffi.py", "_ffi_runtime.py", "_ffi_cffi_runtime.py"]
    assert files == CffiBackend(context(inventory)).generate(inventory)
    assert backend.build(tmp_path, tmp_path / "libsample_crate.so") == []  # ABI mode: nothing to compile
    best = next(iter(tags.sys_tags()))
    assert backend.wheel_tag() == (best.interpreter, best.abi)


def test_on_pypy_option_pypy_error_stops_the_build(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    inventory = load("basic")
    backend = CpythonBackend(dataclasses.replace(context(inventory), options={"pypy": "error"}))
    monkeypatch.setattr(sys.implementation, "name", "pypy")
    backend.generate(inventory)
    message = r"compiles a CPython extension module, and this build runs on pypy: .*cffi.*option `pypy = \"cffi\"`"
    with pytest.raises(BackendError, match=message):
        backend.build(tmp_path, tmp_path / "libbasic.so")


def test_a_failed_compile_names_the_backend_and_the_way_without_a_compiler(tmp_path: Path) -> None:
    compiler = tmp_path / "broken-cc"
    compiler.write_text('#!/bin/sh\necho "_ffi_cpython.c:1:1: error: it\'s broken" >&2\nexit 3\n')
    compiler.chmod(0o755)
    inventory = load("basic")
    backend = CpythonBackend(context(inventory))
    backend.generate(inventory)
    environ = {"CC": str(compiler), "PATH": os.environ.get("PATH", "")}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os, "environ", environ)
        with pytest.raises(BackendError) as e:
            backend.build(tmp_path, tmp_path / "libbasic.so")
    message = str(e.value)
    assert message.startswith(f"The cpython backend could not compile its extension module: `{compiler} ")
    assert "_ffi_cpython.c:1:1: error: it's broken" in message
    assert message.endswith('or use the ctypes backend (`backends = ["ctypes"]`), which needs no compiler.')


@needs_gcc
def test_the_compiled_functions_call_the_library_and_hand_other_calls_to_the_wrappers(tmp_path: Path) -> None:
    """Without cargo: the basic inventory's C stand-in library and the bindings built against it, called in a fresh
    interpreter: the fast path, every call it hands to the wrapper, and what the compiled function shows."""
    library = _compile_library(load("basic"), tmp_path / "lib", Path(__file__).parent / "data" / "basic.c")
    package = tmp_path / "site" / "basic_fast"
    inventory = load("basic")
    backend = CpythonBackend(dataclasses.replace(context(inventory), module="basic_fast"))
    write(backend.generate(inventory), package)
    shutil.copy(library, package / library.name)
    built = backend.build(package, package / library.name)
    assert built == [f"_ffi_cpython{cpython.target().suffix}"]
    code = """
import copy, inspect, pickle, typing
import basic_fast as m

assert type(m.add).__name__ == "compiled_function" and repr(m.add) == "<compiled function add>"
assert m.add(2, 3) == 5 and m.add(4294967295, 1) == 0  # wrapping, as the library does
assert m.noop() is None and m.is_positive(3) is True and m.is_positive(-3) is False
# Handed to the wrapper: keywords, an int subclass, a bool for an int, and what it refuses.
assert m.add(a=2, b=3) == 5 and m.add(2, b=3) == 5 and m.add(True, 2) == 3
class Number(int): pass
assert m.add(Number(7), 1) == 8
refused = ((-1, OverflowError), (2**32, OverflowError), (2**70, OverflowError), ("1", TypeError), (1.0, TypeError))
for bad, error in refused:
    try:
        m.add(bad, 1)
    except error as e:
        assert str(e).startswith("add() argument 'a'"), str(e)
    else:
        raise AssertionError(bad)
try:
    m.add(1)
except TypeError as e:
    assert "missing 1 required positional argument: 'b'" in str(e), str(e)
else:
    raise AssertionError("add(1)")
# It shows the wrapper's name, docstring, signature and hints, and pickles by reference.
assert m.add.__name__ == "add" and m.add.__doc__ == m.add.__wrapped__.__doc__
assert str(inspect.signature(m.add)) == str(inspect.signature(m.add.__wrapped__))
assert typing.get_type_hints(m.add) == {"a": int, "b": int, "return": int}
assert pickle.loads(pickle.dumps(m.add)) is m.add and copy.deepcopy(m.add) is m.add
print("ok")
"""
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site"), "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("LD_LIBRARY_PATH", None)  # the extension finds the library through its rpath alone
    proc = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, env=env)
    assert proc.returncode == 0 and proc.stdout == "ok\n", proc.stdout + proc.stderr


def test_the_encoders_take_owned_values_of_exact_types_and_hand_the_rest_to_the_wrapper() -> None:
    inventory = load("sample_inventory")
    contact = inventory.type("Contact")
    assert isinstance(contact, RecordDef)
    assert encodable(inventory, Record("Contact"))  # text, lists, options, maps, structs with an enum field
    assert encodable(inventory, Record("TreeNode"))  # a record that holds itself
    assert encodable(inventory, Record("Value"))  # a record enum
    assert not encodable(inventory, WireList(Primitive("char")))  # not yet: `char`, `u128` and `i128`
    assert not encodable(inventory, WireOption(Primitive("u128")))
    source = c_source(inventory)
    # The depth the library accepts, beyond which a record is the wrapper's (whose error the library gives).
    assert f"if (depth >= {MAX_DEPTH}) {{" in source
    # Each encoder once, however many functions use it: `Contact` in `contact_summary` and inside `Team`.
    assert source.count("/* `Contact` */\nstatic bool") == 1


@needs_gcc
def test_data_carrying_enums_convert_in_c_and_a_tag_of_no_variant_raises(tmp_path: Path) -> None:
    """Without cargo: the tagged inventory's C stand-in (its `Tail` variant's fields made plain numbers, so that the
    extension takes `Shape`) and the compiled functions taking and returning it: by value and by reference, tags
    that are not 0, 1, 2, and a tag of no variant, which raises the wrapper's error rather than a guess."""
    raw = raw_inventory("tagged")
    shape = next(t for t in raw["types"] if t["name"] == "Shape")
    tail = next(v for v in shape["variants"] if v["name"] == "Tail")
    tail["fields"] = [
        {"name": "len", "doc": "", "type": {"kind": "primitive", "name": "u16"}, "offset": 8},
        {"name": "next", "doc": "", "type": {"kind": "primitive", "name": "u64"}, "offset": 16},
    ]
    inventory = parse_inventory(raw, "tagged.json, Tail made plain")
    taken = {f.name for f in fast_members(inventory)}
    assert {"grow", "bad_shape"} <= taken and "tags" not in taken  # `Option<&Shape>` is the wrapper's
    library = _compile_library(inventory, tmp_path / "lib", Path(__file__).parent / "data" / "tagged.c")
    package = tmp_path / "site" / "tagged_fast"
    backend = CpythonBackend(dataclasses.replace(context(inventory), module="tagged_fast"))
    write(backend.generate(inventory), package)
    shutil.copy(library, package / library.name)
    backend.build(package, package / library.name)
    code = """
import tagged_fast as m
S = m.Shape
assert type(m.grow).__name__ == "compiled_function" and type(m.bad_shape).__name__ == "compiled_function"
# Converted in C: the variants' own conversions are not called.
def refuse(self):
    raise AssertionError("converted by the wrapper")
saved = {cls: cls.__dict__["_ffi_to_c"] for cls in (S.Circle, S.Rect, S.Empty, S.Tail)}
for cls in saved:
    cls._ffi_to_c = refuse
assert m.grow(S.Circle(1.0), 2.0) == S.Circle(3.0)
rect = S.Rect(m.Point(1.0, 2.0), m.Mode.On)
grown = m.grow(rect, 2.0)
assert grown == rect and grown is not rect and grown.corner is not rect.corner, grown
assert m.grow(S.Empty(), 1.0) == S.Empty() and m.grow(S.Tail(7, 2**64 - 1), 1.0) == S.Tail(7, 2**64 - 1)
for cls, to_c in saved.items():
    cls._ffi_to_c = to_c
assert m.tags(S.Tail(1, 2), None) == 8 * 256 + 255 and m.tags(S.Empty(), S.Circle(1.0)) == 7 * 256 + 0
# Handed to the wrapper, which converts or refuses: an int for a float, a field out of range, not a variant.
assert m.grow(S.Circle(1), 1.0) == S.Circle(2.0)
for bad, error in ((S.Tail(-1, 0), OverflowError), (S.Circle("wide"), TypeError), (3, TypeError)):
    try:
        m.grow(bad, 1.0)
    except error:
        pass
    else:
        raise AssertionError(bad)
class Round(S.Circle):
    pass
assert m.grow(Round(1.0), 1.0) == S.Circle(2.0)
try:
    m.bad_shape()
except ValueError as e:
    assert str(e) == "the library returned a Shape whose tag 3 is none of its variants", str(e)
else:
    raise AssertionError("bad_shape() returned a value")
print("ok")
"""
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path / "site", capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0 and proc.stdout == "ok\n", proc.stdout + proc.stderr

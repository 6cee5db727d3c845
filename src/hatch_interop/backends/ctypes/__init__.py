"""The ``ctypes`` backend (the default): a plain Python module that loads the library with ctypes.

The generated ``__init__.py`` declares every function's ``argtypes``/``restype`` once at import and
wraps it in a typed ``def`` that does only what careful hand-written ctypes would do per call: the
type checks ctypes cannot do itself (a NULL where Rust wants a reference, a released handle, an
invalid enum discriminant would all be undefined behaviour in Rust) and the conversion of results.

The wrappers, classes and names are the Python layer's (:mod:`hatch_interop.backends.python`), shared with the
cffi backend; this module says how ctypes calls: the ``argtypes`` of each function, ``ctypes.Structure`` classes
for structs and options, ``CFUNCTYPE`` trampolines for callbacks, ``from_buffer`` for buffers.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import ClassVar, Dict, List, Optional, Tuple, Union

from hatch_interop import abi, constructs, python_api
from hatch_interop.backend import Backend, BackendContext, GeneratedFile
from hatch_interop.backends.python import (
    CTYPES_STRUCT_ATTRIBUTES,
    RUNTIME_ALIASES,
    CallbackFunction,
    PyDataError,
    PyEnum,
    PyError,
    PyField,
    PyModuleBase,
    PyNewtype,
    PyOpaque,
    PyRecord,
    PyRecordEnum,
    PyStruct,
    PyTagged,
    PyTrait,
    WrapperBuilder,
    python_templates,
)
from hatch_interop.backends.python.statements import Assign, Check, Return
from hatch_interop.codegen import Namespace, python_docstring, python_string
from hatch_interop.errors import BackendError
from hatch_interop.inventory import (
    Array,
    CallbackDef,
    Encoded,
    EnumDef,
    Field,
    Function,
    Inventory,
    Named,
    NewtypeDef,
    OpaqueDef,
    Option,
    OwnedString,
    Pointer,
    Primitive,
    RecordDef,
    RecordEnumDef,
    StructDef,
    TaggedDef,
    TaggedVariant,
    TraitDef,
    TypeRef,
    Vec,
    Void,
)
from hatch_interop.pylayout import (
    WIDTH,
    BoolOp,
    Group,
    Subscript,
    Ternary,
    layout,
    layout_assign,
    layout_bool,
    reduce_return,
    repr_return,
)
from hatch_interop.python_api import CLASS_BODY_NAMES, PYTHON_KEYWORDS, held, member_name, not_exactly
from hatch_interop.runtime import runtime_files

BACKEND = "ctypes"
_escape = python_api.escape

#: Rust primitive -> (ctypes type, Python type hint, default value).
_PRIMITIVES: Dict[str, Tuple[str, str, str]] = {
    "u8": ("c_uint8", "int", "0"),
    "u16": ("c_uint16", "int", "0"),
    "u32": ("c_uint32", "int", "0"),
    "u64": ("c_uint64", "int", "0"),
    "usize": ("c_size_t", "int", "0"),
    "i8": ("c_int8", "int", "0"),
    "i16": ("c_int16", "int", "0"),
    "i32": ("c_int32", "int", "0"),
    "i64": ("c_int64", "int", "0"),
    "isize": ("c_ssize_t", "int", "0"),
    "f32": ("c_float", "float", "0.0"),
    "f64": ("c_double", "float", "0.0"),
    "bool": ("c_bool", "bool", "False"),
    # Parameters and results only: a `char` crosses as its code point (u128/i128 as `_ffi_Int128`).
    "char": ("c_uint32", "str", "'\\0'"),
}


@dataclass(frozen=True)
class PyOption:
    """The ctypes structure of an ``FfiOption<T>``: the value and whether it is present."""

    template: ClassVar[str] = "option.py.j2"

    name: str
    rust: str
    fields_assignment: str


@dataclass(frozen=True)
class PyCallback:
    """A callback type: its function, the ctypes thunk the library calls, its C structure."""

    template: ClassVar[str] = "callback.py.j2"

    function: CallbackFunction
    #: The C function made of the thunk (``_ffi_OnValue_thunk = CFUNCTYPE(...)(...)``), its address, and
    #: the C structure's class statement parts.
    thunk: str
    address: str
    struct: str
    fields_assignment: str


@dataclass(frozen=True)
class PyModule(PyModuleBase):
    types: Tuple[
        Union[
            PyEnum,
            PyError,
            PyStruct,
            PyRecord,
            PyRecordEnum,
            PyDataError,
            PyNewtype,
            PyOpaque,
            PyOption,
            PyCallback,
            PyTrait,
            PyTagged,
        ],
        ...,
    ]
    #: The layout check's call (every struct with the size, alignment and offsets Rust measured).
    layout_check: Optional[str]
    #: Whether some wrapper checks its arguments (and so needs ``_ffi_invalid_argument``).
    checks_arguments: bool
    #: Whether the module uses the ctypes runtime (``_ffi_ct``), and so imports it.
    uses_ctypes_runtime: bool
    #: Whether some function holds the GIL (``gil = "hold"``): then a ``PyDLL`` handle of the library is made.
    holds_gil: bool


class CtypesBackend(Backend):
    """Generates ``__init__.py``: the Python module of the generated package."""

    PLUGIN_NAME = "ctypes"
    SUPPORTS = constructs.ALL

    def generate(self, inventory: Inventory) -> List[GeneratedFile]:
        content = self.render(CtypesWrapperBuilder(inventory, self.context))
        return [GeneratedFile("__init__.py", content), *runtime_files(("_ffi_runtime.py", "_ffi_ctypes_runtime.py"))]

    def render(self, builder: CtypesWrapperBuilder) -> str:
        """The module's text, as `builder` models it."""
        model = builder.module()
        env = python_templates(__file__)
        content = env.get_template("module.py.j2").render(module=model)
        if any(len(line) > WIDTH for line in content.split("\n")):
            # Only the crate's own text (docs, long names) makes a line this long: tell linters it is meant.
            header, rest = content.split("\n", 1)
            pragma = (
                "# Some lines hold the crate's own text, which is longer than 120 characters.\n"
                "# ruff: noqa: E501, RUF100"
            )
            content = f"{header}\n{pragma}\n{rest}"
        return content


class CtypesWrapperBuilder(WrapperBuilder):
    """The Python layer's builder, calling through ctypes."""

    BACKEND_NAME: ClassVar[str] = BACKEND
    RUNTIME_ALIASES: ClassVar[Tuple[Tuple[str, Tuple[str, ...]], ...]] = RUNTIME_ALIASES
    COMPLETION_VALUE: ClassVar[str] = "_ffi_address: int"

    #: The expression that reads the library's count of failures nobody has taken (one memory read).
    PENDING = "_ffi_pending.value"

    #: The test that a pointer result is NULL (ctypes returns None for a NULL ``c_void_p``), and the NULL
    #: pointer argument.
    NULL = "{} is None"

    NULL_ARGUMENT = "None"

    def __init__(self, inventory: Inventory, context: BackendContext) -> None:
        super().__init__(inventory, context)
        #: The declarations of the structures of array arguments and results, by name.
        self.array_structs: Dict[str, str] = {}

    def module(self) -> PyModule:
        inv = self.inventory
        # An option's structure comes right after its value type (primitives first): before any user.
        types: List[
            Union[
                PyEnum,
                PyError,
                PyStruct,
                PyRecord,
                PyRecordEnum,
                PyDataError,
                PyNewtype,
                PyOpaque,
                PyOption,
                PyCallback,
                PyTrait,
                PyTagged,
            ]
        ] = [self.option(o) for o in self.options.values() if isinstance(o.inner, Primitive)]
        for t in inv.types:
            if isinstance(t, StructDef):
                types.append(self.struct(t))
            elif isinstance(t, EnumDef) and t.name in self.errors:
                types.append(self.error(t))
            elif isinstance(t, EnumDef):
                types.append(self.enum(t))
            elif isinstance(t, CallbackDef):
                types.append(self.callback(t))
            elif isinstance(t, TraitDef):
                types.append(self.trait(t))
            elif isinstance(t, TaggedDef):
                types.append(self.tagged(t))
            elif isinstance(t, RecordDef):
                types.append(self.record(t))
            elif isinstance(t, RecordEnumDef) and t.name in self.errors:
                types.append(self.data_error(t))
            elif isinstance(t, RecordEnumDef):
                types.append(self.record_enum(t))
            elif isinstance(t, NewtypeDef):
                types.append(self.newtype(t))
            else:
                types.append(self.opaque(t))
            if t.name in self.options:
                types.append(self.option(self.options[t.name]))
        functions = tuple(self.function(self.api.signature(f)) for f in inv.functions)
        structs = [t for t in inv.types if isinstance(t, StructDef)]
        layout_check = None
        if structs:
            rows = tuple(
                Group(
                    "(",
                    (
                        self.classes[s.name],
                        str(s.size),
                        str(s.align),
                        Group("(", tuple(str(f.offset) for f in s.fields), ")", is_tuple=True),
                    ),
                    ")",
                )
                for s in structs
            )
            layout_check = layout(Group("_ffi_ct.check_layout(", ("__name__", *rows), ")", explode=True), 0)
        uses_support = bool(functions or self.service_functions or "callbacks" in self.helpers)
        base = self.module_base(functions, uses_support, "_ffi_ct.Library", ("_ffi_lib",))
        return PyModule(
            **base,
            types=tuple(types),
            layout_check=layout_check,
            checks_arguments=self.checks_arguments,
            uses_ctypes_runtime=uses_support
            or layout_check is not None
            or any("_ffi_ct." in alias for alias in base["runtime_aliases"])
            or "tagged" in self.helpers,
            holds_gil=any(c.holds_gil for c in self.abi.callables),
        )

    def ctype(self, ty: TypeRef) -> str:
        """The ctypes type of an argument or result of this type."""
        if isinstance(ty, Void):
            return "None"
        if isinstance(ty, Primitive):
            if ty.is_wide:
                self.helpers.add("wide")
                return "_ffi_Int128"
            return f"_ffi_ctypes.{_PRIMITIVES[ty.name][0]}"
        if isinstance(ty, (OwnedString, Vec, Encoded)):
            return "_ffi_Buffer"
        if isinstance(ty, Option):
            return f"_ffi_Option_{ty.inner.name}"
        if isinstance(ty, Array):
            return f"{self.ctype(ty.element)} * {ty.len}"
        assert isinstance(ty, (Named, Pointer)), "str, C-string and slice arguments are lowered by function()"
        target = self._target(ty)
        if isinstance(target, EnumDef):
            return f"_ffi_ctypes.{_PRIMITIVES[target.repr.name][0]}"
        if isinstance(target, OpaqueDef):
            return "_ffi_ctypes.c_void_p"
        if isinstance(target, (CallbackDef, TraitDef)):
            cls = f"_ffi_{target.name}"
            return f"_ffi_ctypes.POINTER({cls})" if isinstance(ty, Pointer) else cls
        cls = self.classes[target.name]
        if isinstance(target, TaggedDef):
            cls = f"_ffi_{cls}"
        return f"_ffi_ctypes.POINTER({cls})" if isinstance(ty, Pointer) else cls

    def c_type(self, t: abi.CType) -> str:
        """The ctypes type that declares a C parameter or result of the ABI model."""
        if isinstance(t, abi.CVoid):
            return "None"
        if isinstance(t, (abi.CScalar, abi.CEnum)):
            primitive = t.primitive if isinstance(t, abi.CScalar) else t.repr
            return f"_ffi_ctypes.{_PRIMITIVES[primitive.name][0]}"
        if isinstance(t, abi.CWide):
            self.helpers.add("wide")
            return "_ffi_Int128"
        if isinstance(t, abi.CArray):
            return self._array_struct(t.array)
        if isinstance(t, abi.CText):
            return "_ffi_ctypes.c_char_p"
        if isinstance(t, (abi.CHandle, abi.CElements, abi.CTextResult, abi.CEncodedResult, abi.CBytesRef)):
            # Addresses the wrapper computed itself (a handle's, a buffer's first element).
            return "_ffi_ctypes.c_void_p"
        if isinstance(t, abi.COption):
            return f"_ffi_Option_{t.option.inner.name}"
        if isinstance(t, abi.CBuffer):
            return "_ffi_Buffer"
        if isinstance(t, abi.CTexts):
            return "_ffi_Texts"
        if isinstance(t, abi.CCompletion):
            return "_ffi_Completion"
        if isinstance(t, abi.CBytes):
            self.helpers.add("lent_bytes")
            return "_ffi_Bytes"
        if isinstance(t, abi.CSlot):
            return f"_ffi_ctypes.POINTER({self.c_type(t.of)})"
        if isinstance(t, (abi.CCallback, abi.CTrait)):
            return f"_ffi_{t.name}"
        if isinstance(t, abi.CRecord):
            cls = self.classes[t.name]
            return f"_ffi_{cls}" if t.tagged else cls
        return f"_ffi_ctypes.POINTER({self.c_type(t.target)})"

    def _declaration(self, alias: str, lowered: abi.Callable) -> Tuple[str, Optional[str], Optional[str]]:
        """How the module gets the library function `alias` calls: its lookup, ``argtypes`` and ``restype``."""
        # A `PyDLL` function keeps the GIL during the call; a `CDLL` one releases it.
        handle = "_ffi_pylib" if lowered.holds_gil else "_ffi_lib"
        lookup = f"{alias} = {handle}[{python_string(lowered.symbol)}]"
        return lookup, self._argtypes(alias, lowered), f"{alias}.restype = {self.c_type(lowered.returns)}"

    def lent_bytes_argument(self, local: str) -> Union[str, Group]:
        self.helpers.add("lent_bytes")
        return f"_ffi_Bytes({local}, len({local}))"

    def element(self, ty: Primitive) -> str:
        """The element type of a buffer of numbers, as the runtime's buffer functions take it."""
        return f"_ffi_ctypes.{_PRIMITIVES[ty.name][0]}"

    # How structs cross (ctypes passes a Structure by value or by reference itself, and returns one).
    #: Whether ctypes converts an argument itself and may refuse it with an ArgumentError after the wrapper's
    #: checks (a struct by value), so that what the wrapper took must be given back.
    ARGUMENT_ERRORS = True

    def struct_argument(self, value: str) -> str:
        """A struct argument passed by value (the wrapper checked its class)."""
        return value

    def struct_pointer_argument(self, value: str, nullable: bool) -> Union[str, Ternary]:
        """A struct argument passed by reference (None for NULL where `nullable`)."""
        return value

    def array_struct_argument(self, ty: Array, items: Group) -> Union[str, Group]:
        # ctypes makes the struct's array field of a tuple.
        return Group(f"{self.c_type(abi.CArray(ty))}(", (items,), ")")

    def _array_struct(self, ty: Array) -> str:
        """The name of the ctypes structure of an array argument or result (declared once at import)."""
        element = ty.element
        if isinstance(element, Named):
            definition = self.inventory.type(element.name)
            assert isinstance(definition, EnumDef)
            ctype = f"_ffi_ctypes.{_PRIMITIVES[definition.repr.name][0]}"
        else:
            assert isinstance(element, Primitive), "the model allows numbers, bools and enums in array arguments"
            ctype = f"_ffi_ctypes.{_PRIMITIVES[element.name][0]}"
        name = f"_ffi_Array_{element.name}_{ty.len}"
        self.array_structs[name] = f"{name} = _ffi_ct.array_struct({ctype}, {ty.len})"
        return name

    def runtime_aliases(self) -> Tuple[str, ...]:
        # The structures of array arguments and results, after the runtime's functions.
        return (*super().runtime_aliases(), *(self.array_structs[name] for name in sorted(self.array_structs)))

    def wide_argument(self, value: str, ty: Primitive) -> str:
        """A ``u128``/``i128`` argument: its halves, masked (CPython's ctypes would keep the low 64 bits of any int
        itself, but it does not promise to, nor does PyPy's)."""
        self.helpers.add("wide")
        return f"_ffi_Int128({', '.join(self.halves(value, ty))})"

    def struct_result(self, cls: str) -> str:
        """How a struct result by value becomes the Python object (a format string applied to the result)."""
        return "{0}"

    def struct_pointer_result(self, cls: str, nullable: bool) -> str:
        """How a pointer to a struct result becomes a view of it (a format string applied to the result)."""
        return "{0}.contents if {0} else None" if nullable else "{0}.contents"

    def list_element(self, ty: Named) -> str:
        """The arguments of the runtime's ``take_list`` after the buffer, for a `Vec` of structs."""
        return self.classes[ty.name]

    def _argtypes(self, alias: str, lowered: abi.Callable) -> str:
        """``<alias>.argtypes = (...)``: the C parameters of the ABI model, declared once at import."""
        return layout(
            Group("(", tuple(self.c_type(p.type) for p in lowered.params), ")", is_tuple=True),
            0,
            f"{alias}.argtypes = ",
        )

    def _callback_address(self, c: CallbackDef) -> str:
        return f"_ffi_{c.name}_address"

    #: How the function a callback type's calls reach receives the context (see `Support.key`).
    CONTEXT_HINT: ClassVar[str] = "int"

    def callback_struct_copy(self, target: StructDef, pointer: str) -> str:
        """A copy of the struct a callback's parameter points to (the callable may keep what it gets)."""
        return f"{self.classes[target.name]}.from_buffer_copy({pointer}.contents)"

    def callback_struct_value(self, target: StructDef, value: str) -> str:
        # ctypes makes the argument a Structure over the call's memory: copied for the callable to keep.
        return f"{self.classes[target.name]}.from_buffer_copy({value})"

    def callback_text(self, pointer: str, length: str) -> str:
        return f"_ffi_ctypes.string_at({pointer}, {length}).decode()"

    def callback_encoded(self, pointer: str) -> str:
        self.helpers.add("lent_bytes")
        return f"_ffi_Bytes.from_address({pointer}).copy()"

    def callback_numbers(self, element: Primitive, pointer: str, length: str) -> str:
        if element == Primitive("u8"):
            return f"_ffi_ctypes.string_at({pointer}, {length})"
        # An empty slice's address may be NULL (from C) or dangling: nothing is read then.
        return f"list(({self.element(element)} * {length}).from_address({pointer})) if {length} else []"

    def callback_write_back(self, pointer: str, copy: str) -> Assign:
        """The statement that writes the copy of a `&mut S` callback parameter back into the library's struct."""
        return Assign(f"{pointer}[0]", copy)

    def callback_argument(self, target: CallbackDef, key: str, by_pointer: bool) -> str:
        """The C structure of a callback argument kept under `key` (the library releases one passed by value)."""
        release = "None" if by_pointer else "_ffi_release_address"
        return f"_ffi_{target.name}({self._callback_address(target)}, {key}, {release})"

    def trait_argument(self, t: TraitDef, keys: Tuple[str, ...], by_pointer: bool) -> Group:
        methods = []
        for m, key in zip(t.methods, keys):
            callback = self.inventory.type(m.callback.name)
            assert isinstance(callback, CallbackDef)
            methods.append(self.callback_argument(callback, key, by_pointer))
        return Group(f"_ffi_{t.name}(", tuple(methods), ")")

    def trait_struct(self, t: TraitDef, base: PyTrait) -> PyTrait:
        specs = tuple(f'("{m.name}", _ffi_{m.callback.name})' for m in t.methods)
        fields = layout(Group("(", specs, ")", is_tuple=True), 4, before="_fields_ = ")
        return dataclasses.replace(base, struct=f"_ffi_{t.name}", fields_assignment=fields)

    def completion_argument(self) -> str:
        """The completion structure of an async call awaiting under ``_ffi_key``."""
        return "_ffi_Completion(_ffi_complete_address, _ffi_key, _ffi_release_address)"

    def callback(self, c: CallbackDef) -> PyCallback:
        function = self.callback_function(c)
        signature = next(sig for sig in self.abi.callbacks if sig.name == c.name)
        ctypes_params: List[str] = [self.c_type(signature.returns), "_ffi_ctypes.c_void_p"]
        # A text parameter's bytes are an address (`c_char_p` would read up to a NUL that is not there).
        ctypes_params.extend(
            "_ffi_ctypes.c_void_p" if isinstance(p.type, abi.CText) else self.c_type(p.type) for p in signature.params
        )
        thunk = f"_ffi_{c.name}_thunk"
        made = layout(
            Group(
                "_ffi_immortal(", (Group("_ffi_ctypes.CFUNCTYPE(", tuple(ctypes_params), f")({function.name})"),), ")"
            ),
            0,
            f"{thunk} = ",
        )
        address = layout_assign(self._callback_address(c), f"_ffi_ctypes.cast({thunk}, _ffi_ctypes.c_void_p).value", 0)
        specs = tuple(f'("{field}", _ffi_ctypes.c_void_p)' for field in ("call", "context", "release"))
        fields = layout(Group("(", specs, ")", is_tuple=True), 4, before="_fields_ = ")
        return PyCallback(
            function=function, thunk=made, address=address, struct=f"_ffi_{c.name}", fields_assignment=fields
        )

    def option(self, o: Option) -> PyOption:
        name = self.ctype(o)
        spec = Group("(", (python_string("value"), self.ctype(o.inner)), ")")
        fields = Group("(", (spec, '("is_some", _ffi_ctypes.c_uint8)'), ")", is_tuple=True)
        return PyOption(name, f"FfiOption<{o.inner.name}>", layout(fields, 4, before="_fields_ = "))

    def _array_convert(self, element: TypeRef, what: str) -> Tuple[str, ...]:
        """The arguments of ``_ffi_fixed_array`` after the value and field, which say how each item of an array
        field is checked and converted (`what` names the field in errors)."""
        option = None
        if isinstance(element, Option):
            option = self.ctype(element)
            element = element.inner
        kind, target = "", None
        if isinstance(element, Primitive):
            self.helpers.add("scalars")
            kind = element.name
        elif self._is_enum(element):
            self.helpers.add("enums")
            assert isinstance(element, Named)
            kind, target = "enum", self.classes[element.name]
        elif self._is_tagged(element):
            assert isinstance(element, Named)
            kind, target = "tagged", f"_ffi_{self.classes[element.name]}_to_c"
        args = [python_string(what)]
        if kind:
            args.append(f"kind={python_string(kind)}")
        if target:
            args.append(f"target={target}")
        if option:
            args.append(f"option={option}")
        return tuple(args)

    def _variant_conversions(
        self,
        t: TaggedDef,
        v: TaggedVariant,
        name: str,
        vcls: str,
        *,
        fields_struct: Optional[str],
        to_c: List[Union[str, Ternary, Group]],
        from_c: List[str],
    ) -> Tuple[str, str]:
        """The return statements of a variant's ``_ffi_to_c`` and ``_ffi_from_c``, from the C values of its fields
        and the Python values read from ``_ffi_fields`` (see :meth:`_variant_field`)."""
        raw, payload = f"_ffi_{self.classes[t.name]}", f"_ffi_{self.classes[t.name]}_payload"
        if not v.fields:
            return f"return {raw}({v.value})", f"return {vcls}()"
        fields_call = Group(f"{name}={fields_struct}(", tuple(to_c), ")")
        to_c_return = layout(
            Group(f"{raw}(", (str(v.value), Group(f"{payload}(", (fields_call,), ")")), ")"), 8, "return "
        )
        read = layout(Group(f"{vcls}(", tuple(from_c), ")"), 8, "return ")
        return to_c_return, f"_ffi_fields = _ffi_payload.{name}\n        {read}"

    def _variant_field(
        self, f: Field, name: str, what: str
    ) -> Tuple[str, str, str, str, Union[str, Ternary, Group], str, str]:
        """A variant's field: its annotation, its ``__init__`` parameter's hint and stored value, its ctypes type,
        the C value of ``self.<name>``, the Python value read from ``_ffi_fields``, and its repr.

        The attributes of a variant are plain (and may be reassigned): numbers and enum values are checked when
        the variant is converted to C, where they enter Rust (`what` names the field in errors)."""
        ty = f.type
        value, raw = f"self.{name}", f"_ffi_fields.{name}"
        shown = f"{{self.{name}!r}}"
        if isinstance(ty, (Option, Array)) and self._is_enum(held(ty)):
            self.helpers.add("enum_repr")
            shown = f"{{_ffi_enum_repr(self.{name})}}"
        if isinstance(ty, Primitive):
            hint = _PRIMITIVES[ty.name][1]
            return hint, hint, name, self.ctype(ty), self._checked_number(ty, value, what), raw, shown
        if isinstance(ty, Pointer):
            hint = self.optional("int")
            return hint, hint, name, "_ffi_ctypes.c_void_p", self._address(value, what), raw, shown
        if isinstance(ty, Option):
            hint = self.hint(ty)
            return (
                hint,
                hint,
                name,
                self.ctype(ty),
                self._to_option(ty, value, what),
                self._from_option(ty).format(raw),
                shown,
            )
        if isinstance(ty, Array):
            self.helpers.add("arrays")
            self.typing.update({"Tuple", "Sequence"})
            element = ty.element
            item = self.hint(element)
            if isinstance(element, Option):
                read = f"tuple({self._from_option(element).format('item')} for item in {raw})"
            elif self._is_enum(element):
                read = f"tuple(_ffi_{self.classes[element.name]}_by_value[item] for item in {raw})"
            elif self._is_tagged(element):
                read = f"tuple(_ffi_{self.classes[element.name]}_from_c(item) for item in {raw})"
            else:
                read = f"tuple({raw})"
            array_type = f"({self.ctype(ty)})"
            args = (array_type, value, python_string(f.name), *self._array_convert(element, what))
            build = Group("_ffi_fixed_array(", args, ")")
            return f"Tuple[{item}, ...]", f"Sequence[{item}]", f"tuple({name})", self.ctype(ty), build, read, shown
        assert isinstance(ty, Named), "the model refuses void fields"
        definition = self.inventory.type(ty.name)
        cls = self.classes[ty.name]
        if isinstance(definition, EnumDef):
            # Converted when the variant is made, so a bad value fails there, and the repr shows the member; checked
            # again on the way to C, as the attribute may have been reassigned.
            init = self._enum_value(ty, name, what).flat()
            return cls, cls, init, self.ctype(ty), self._enum_value(ty, value, what), raw, f"{cls}.{{self.{name}.name}}"
        if isinstance(definition, TaggedDef):
            return cls, cls, name, self.ctype(ty), f"_ffi_{cls}_to_c({value})", f"_ffi_{cls}_from_c({raw})", shown
        return cls, cls, name, cls, value, raw, shown

    def _tagged_result(self, ty: Union[Named, Pointer]) -> str:
        """How a returned data-carrying enum (by value, or a copy of the one a pointer points to) becomes a variant."""
        cls = self.classes[self._target(ty).name]
        if isinstance(ty, Named):
            return f"_ffi_{cls}_from_c({{0}})"
        read = f"_ffi_{cls}_from_c({{0}}.contents)"
        return f"{read} if {{0}} else None" if ty.nullable else read

    def struct(self, s: StructDef) -> PyStruct:
        self.typing.add("ClassVar")  # `__hash__: ClassVar[None]`: typed, so type checkers agree it is unhashable
        cls = self.classes[s.name]
        self.typing.add("Tuple")  # __reduce__
        referenced = {self.classes[named.name] for named in map(held, (f.type for f in s.fields)) if named}
        reserved = PYTHON_KEYWORDS | CLASS_BODY_NAMES | referenced
        names = Namespace(BACKEND, f"struct `{s.name}`")
        fields: List[PyField] = []
        params: List[str] = []
        args: List[Union[str, Ternary, Group]] = []
        specs: List[Union[str, Group]] = []
        shown: List[Tuple[str, str]] = []
        for f in s.fields:
            python_api.refuse_dunder(f.name, f"field of struct `{s.name}`", self.BACKEND_NAME)
            if f.name in CTYPES_STRUCT_ATTRIBUTES:
                message = (
                    f"The {self.BACKEND_NAME} backend cannot use `{f.name}` as a field of struct `{s.name}`: ctypes "
                    "uses that attribute itself. Rename the field in the crate."
                )
                raise BackendError(message)
            name = names.claim(_escape(f.name, reserved), f"field `{f.name}`", f.name)
            field, param, arg, ctype, value = self._field(f, name, f"{cls}.{name}")
            fields.append(field)
            params.append(param)
            args.append(arg)
            specs.append(Group("(", (python_string(field.raw), ctype), ")"))
            # A tuple struct's repr is positional, as it is constructed: `Meters(2.5)`.
            shown.append(("" if s.tuple else f"{name}=", value))
        return PyStruct(
            name=cls,
            docstring=python_docstring(s.doc),
            fields=tuple(fields),
            fields_assignment=layout(
                Group("(", tuple(specs), ")", explode=True, is_tuple=True), 4, before="_fields_ = "
            ),
            init_def=layout(Group("def __init__(", ("self", *params), ") -> None:"), 4),
            init_call=layout(Group("_ffi_ctypes.Structure.__init__(", ("self", *args), ")"), 8),
            repr_return=repr_return(cls, shown),
            eq_return=layout_bool(
                BoolOp("and", tuple(f"self.{f.name} == other.{f.name}" for f in fields)), 8, "return "
            ),
            reduce_return=reduce_return(cls, [f.name for f in fields]),
        )

    def _field(self, f: Field, name: str, what: str) -> Tuple[PyField, str, Union[str, Ternary, Group], str, str]:
        """The field, its ``__init__`` parameter and argument, its ctypes type and its repr (`what` names the
        field in errors: ``Sample.id``)."""
        ty = f.type
        doc = python_docstring(f.doc)
        shown = f"{{self.{name}!r}}"
        if isinstance(ty, (Option, Array)) and self._is_enum(held(ty)):
            # A member's repr (`<Color.Red: 1>`) is no expression: show `Color.Red` inside options and tuples too.
            self.helpers.add("enum_repr")
            shown = f"{{_ffi_enum_repr(self.{name})}}"
        if isinstance(ty, Option):
            hint = self.hint(ty)
            getter = Return(self._from_option(ty).format(f"self._ffi_{name}"))
            setter = Assign(f"self._ffi_{name}", self._to_option(ty, "_ffi_value", what))
            field = PyField(name, f"_ffi_{name}", hint, doc, (getter,), (setter,))
            return field, f"{name}: {hint} = None", self._to_option(ty, name, what), self.ctype(ty), shown
        if isinstance(ty, Array):
            self.helpers.add("arrays")
            self.typing.update({"Tuple", "Sequence"})
            element = ty.element
            item = self.hint(element)
            if isinstance(element, Option):
                read = f"tuple({self._from_option(element).format('item')} for item in self._ffi_{name})"
            elif self._is_enum(element):
                cls = self.classes[element.name]
                read = f"tuple(_ffi_{cls}_by_value[item] for item in self._ffi_{name})"
            elif self._is_tagged(element):
                cls = self.classes[element.name]
                read = f"tuple(_ffi_{cls}_from_c(item) for item in self._ffi_{name})"
            elif isinstance(element, Primitive) and element.newtype:
                read = f"tuple(map({self.classes[element.newtype]}, self._ffi_{name}))"
            else:
                read = f"tuple(self._ffi_{name})"
            convert = self._array_convert(element, what)
            array_type = f"({self.ctype(ty)})"

            def build(value: str) -> Group:
                args = (array_type, value, python_string(f.name), *convert)
                return Group("_ffi_fixed_array(", args, ")")

            getter = Return(read)
            setter = Assign(f"self._ffi_{name}", build("_ffi_value"))
            field = PyField(name, f"_ffi_{name}", f"Tuple[{item}, ...]", doc, (getter,), (setter,))
            arg = Ternary(f"{array_type}()", f"{name} is None", build(name))
            param = f"{name}: {self.optional(f'Sequence[{item}]')} = None"
            return field, param, arg, self.ctype(ty), shown
        if isinstance(ty, Primitive):
            ctype, hint, default = _PRIMITIVES[ty.name]
            stored, param = f"self._ffi_{name}", f"{name}: {hint} = {default}"
            if ty.newtype:
                # The number is stored and read back as its newtype; left out (None: no call in a default), zero.
                hint = self.classes[ty.newtype]
                stored, param = f"{hint}({stored})", f"{name}: {self.optional(hint)} = None"
            # ctypes would truncate an int, take any object as a bool and round a large f32 to infinity, and its
            # errors name no field (and differ between CPython and PyPy): behind a property, checked as arguments are.
            self.helpers.add("scalars")
            refused = Group("_ffi_scalar(", (python_string(what), "_ffi_value", python_string(ty.name)), ")")
            checked_setter = (
                Check(BoolOp("or", not_exactly(ty, "_ffi_value")), None, "_ffi_value", refused),
                Assign(f"self._ffi_{name}", "_ffi_value", flat=True),
            )
            getter = Return(stored, flat=True)
            field = PyField(name, f"_ffi_{name}", hint, doc, (getter,), checked_setter)
            number = self._checked_number(ty, name, what)
            checked: Union[Group, Ternary] = Ternary(default, f"{name} is None", number) if ty.newtype else number
            return field, param, checked, f"_ffi_ctypes.{ctype}", shown
        if isinstance(ty, Pointer):
            target = self.classes[ty.target.name]
            null = "None for NULL" if ty.nullable else "None for NULL, which the library does not expect"
            note = f"The raw address of a `{target}`, as an int ({null})."
            hint = self.optional("int")
            # ctypes would store an address beyond 64 bits as NULL and -1 as the highest address: checked.
            setter = Assign(f"self._ffi_{name}", self._address("_ffi_value", what))
            doc = python_docstring(python_api.with_note(f.doc, [note]))
            getter = Return(f"self._ffi_{name}", flat=True)
            field = PyField(name, f"_ffi_{name}", hint, doc, (getter,), (setter,))
            arg = self._address(name, what)
            return field, f"{name}: {hint} = None", arg, "_ffi_ctypes.c_void_p", f"{{self.{name}!r}}"
        assert isinstance(ty, Named), "the model refuses void fields"
        definition = self.inventory.type(ty.name)
        cls = self.classes[ty.name]
        if isinstance(definition, EnumDef):
            first = member_name(definition.variants[0].name)
            getter = Return(Subscript(f"_ffi_{cls}_by_value", f"self._ffi_{name}"))
            setter = Assign(f"self._ffi_{name}", self._enum_value(ty, "_ffi_value", what))
            field = PyField(name, f"_ffi_{name}", cls, doc, (getter,), (setter,))
            ctype = f"_ffi_ctypes.{_PRIMITIVES[definition.repr.name][0]}"
            member = self._enum_value(ty, name, what)
            return field, f"{name}: {cls} = {cls}.{first}", member, ctype, f"{cls}.{{self.{name}.name}}"
        if isinstance(definition, TaggedDef):
            return self._tagged_field(definition, name, doc)
        # ctypes would take a tuple for it, and refuse another object without naming the field: checked.
        self.helpers.add("struct_fields")
        setter = Assign(f"self._ffi_{name}", Group("_ffi_struct_field(", (python_string(what), "_ffi_value", cls), ")"))
        field = PyField(name, f"_ffi_{name}", cls, doc, (Return(f"self._ffi_{name}", flat=True),), (setter,))
        arg = Ternary(f"{cls}()", f"{name} is None", Group("_ffi_struct_field(", (python_string(what), name, cls), ")"))
        return field, f"{name}: {self.optional(cls)} = None", arg, cls, f"{{self.{name}!r}}"

    def shared_array(self, element: Primitive, value: str, length: str) -> Union[str, Group]:
        """The pointer to the numbers of `value`, an ``array.array`` of `element`'s type code and `length` items,
        shared for the call (its buffer is exported, so it cannot be resized meanwhile)."""
        return Group(f"({self.element(element)} * {length}).from_buffer(", (value,), ")")

    def completion_read(self, f: Function) -> str:
        if isinstance(f.returns, Pointer) and not f.returns.nullable:
            # Never NULL: read as the address it is (`c_void_p` reads NULL as None, which the wrapping refuses).
            return "_ffi_ctypes.c_size_t.from_address(_ffi_address).value"
        # The C type the ABI model says the completion's value is (as the cffi backend reads it).
        lowered = self.abi.callable(f).completes_with
        assert lowered is not None
        ctype = self.c_type(lowered)
        if ctype.startswith("_ffi_ctypes.c_"):
            return f"{ctype}.from_address(_ffi_address).value"
        # A structure: copied out of the library's memory.
        return f"{ctype}.from_buffer_copy({ctype}.from_address(_ffi_address))"

    def _to_option(self, o: Option, value: str, what: Optional[str]) -> Ternary:
        cls = self.ctype(o)
        present = self._option_value(o, value, what)
        return Ternary(f"{cls}()", f"{value} is None", Group(f"{cls}(", (present, "1"), ")"))

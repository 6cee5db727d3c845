"""The compiled fast path's encoders and decoders of owned values (records, lists, maps, options:
docs/wire-format.md).

A function that takes such a value gets the wire encoding of its argument, built in Python by the runtime's codecs
(which check every item and name what is wrong). The extension encodes it in C instead, when every part of the value
is exactly of the type the encoding expects: a record exactly of its class (its fields read from their slots), a
`list` or `tuple` for a `Vec`, `bytes` for a `Vec<u8>`, a `dict` for a map, `None` or a value for an `Option`, a plain
`int` in range, a `float`, `True`/`False`, a `str`, an enum's member, a struct exactly of its class (its fields read
from its memory). Anything else (a subclass, another sequence or mapping, a value out of range, text UTF-8 cannot
encode, a record nested deeper than the library accepts) makes the encoder answer false, and the function's wrapper
takes the call: it encodes or refuses the value itself, with the message every backend gives.

One C function per encoded type, ``ffi_fast_encode_<n>``, numbered in the order the compiled functions first need
them; the classes they check against are the module's, shared by the runtime once at import (``FFI_FAST_SHARED``),
and the offsets of the records' slots are looked up then.

A function that returns such a value gets its encoding back from the library, which the runtime's codecs decode in
Python. The extension decodes it in C instead (``ffi_fast_decode_<n>``, one a type, for the same types the encoders
take), into the values the codecs make: lists (`bytes` for a `Vec<u8>`), dicts, `None`, numbers, `str`, enums'
members, and objects of the module's newtype, struct and record classes made by calling the class with the values
(as the codecs make them). A value nested deeper than the encoders go is decoded by the runtime's codec.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, FrozenSet, List, Optional, Tuple

from hatch_interop.backends.python import WrapperBuilder
from hatch_interop.codegen import c_comment, python_string
from hatch_interop.inventory import (
    EnumDef,
    Inventory,
    Named,
    OwnedString,
    Primitive,
    Record,
    RecordDef,
    RecordEnumDef,
    StructDef,
    TaggedDef,
    TypeRef,
    WireList,
    WireMap,
    WireOption,
    WireValue,
    wire_spelling,
)

#: Records nest at most this deep in the library's decoding (docs/wire-format.md): a deeper value is the wrapper's.
MAX_DEPTH = 128

#: The C name of the encoding's buffer type, and of its parts (see the template).
_PREFIX = "ffi_fast_encode_"


def wire_struct(inventory: Inventory, name: str) -> Optional[StructDef]:
    """The struct `name` if the encoders read it from memory: its fields numbers, bools or field-less enums (a struct
    holding options, arrays or other structs is not taken yet)."""
    target = inventory.type(name)
    if not isinstance(target, StructDef):
        return None
    for field in target.fields:
        ty = field.type
        if isinstance(ty, Primitive) and not (ty.is_char or ty.is_wide):
            continue
        if isinstance(ty, Named) and isinstance(inventory.type(ty.name), EnumDef):
            continue
        return None
    return target


def encodable(inventory: Inventory, ty: WireValue, seen: FrozenSet[str] = frozenset()) -> bool:
    """Whether the extension encodes values of `ty` (numbers other than `char`, `u128` and `i128`; text; field-less
    enums; structs of numbers and enums; records and record enums of such fields; lists, options and maps of
    them)."""
    if isinstance(ty, Primitive):
        return not (ty.is_char or ty.is_wide)
    if isinstance(ty, OwnedString):
        return True
    if isinstance(ty, Named):
        target = inventory.type(ty.name)
        return isinstance(target, EnumDef) or wire_struct(inventory, ty.name) is not None
    if isinstance(ty, Record):
        if ty.name in seen:
            return True  # a record that holds itself: as encodable as the rest of it
        record = inventory.type(ty.name)
        inner = seen | {ty.name}
        if isinstance(record, RecordEnumDef):
            return all(encodable(inventory, f.type, inner) for v in record.variants for f in v.fields)
        assert isinstance(record, RecordDef)
        return all(encodable(inventory, f.type, inner) for f in record.fields)
    if isinstance(ty, WireList):
        return encodable(inventory, ty.item, seen)
    if isinstance(ty, WireOption):
        return encodable(inventory, ty.inner, seen)
    assert isinstance(ty, WireMap)
    return encodable(inventory, ty.key, seen) and encodable(inventory, ty.value, seen)


@dataclass(frozen=True)
class CDecoder:
    """One decoder: its C name, comment (the Rust type) and body (statements, indented by four spaces)."""

    name: str
    comment: str
    declarations: Tuple[str, ...]
    body: Tuple[str, ...]


#: The C name prefix of the decoders.
_DECODE = "ffi_fast_decode_"


@dataclass(frozen=True)
class CTagged:
    """The conversions of one data-carrying enum between its variants' objects and its C layout (`layout`): the
    writer's and the reader's C names and bodies (statements, indented by four spaces)."""

    layout: str
    comment: str
    writer: str
    writer_body: Tuple[str, ...]
    reader: str
    reader_body: Tuple[str, ...]


@dataclass(frozen=True)
class CEncoder:
    """One encoder: its C name, comment (the Rust type) and body (statements, indented by four spaces)."""

    name: str
    comment: str
    declarations: Tuple[str, ...]
    body: Tuple[str, ...]


class WireCodecs:
    """The encoders and decoders the compiled functions use, made as they ask for them."""

    def __init__(self, builder: WrapperBuilder, struct_name: Callable[[StructDef], str]) -> None:
        self.builder = builder
        self.inventory = builder.inventory
        self.struct_name = struct_name
        self.indexes: Dict[WireValue, int] = {}
        self.encoders: List[CEncoder] = []
        #: The module's objects the encoders check against (classes), as the module names them.
        self.shared: List[str] = []
        #: The slots the record encoders read: (the index in `shared` of the class, the attribute).
        self.fields: List[Tuple[int, str]] = []
        #: The structs whose layouts the encoders read.
        self.structs: List[str] = []
        #: The decoders, made as the compiled functions' results ask for them.
        self.decoder_indexes: Dict[WireValue, int] = {}
        self.decoders: List[CDecoder] = []
        #: What helpers of the template they use.
        self.uses_text = False
        self.uses_members = False
        self.decodes_members = False
        #: The most fields a decoder passes a class.
        self.max_fields = 0
        #: The data-carrying enums the compiled functions take or return, by name, made as they ask for them.
        self.tagged: Dict[str, CTagged] = {}
        self.makes_structs = False

    def encoder(self, ty: WireValue) -> str:
        """The C name of the encoder of `ty`, made (with those it calls) on first use."""
        index = self.indexes.get(ty)
        if index is None:
            index = self.indexes[ty] = len(self.indexes)
            # Reserved before its body is made: a record may hold itself.
            self.encoders.append(CEncoder("", "", (), ()))
            comment = c_comment(f"`{wire_spelling(ty)}`", opener="/*") or ""
            declarations, body = self._body(ty)
            self.encoders[index] = CEncoder(f"{_PREFIX}{index}", comment, declarations, body)
        return f"{_PREFIX}{index}"

    def _shared(self, expression: str) -> str:
        if expression not in self.shared:
            self.shared.append(expression)
        return f"FFI_FAST_SHARED({self.shared.index(expression)})"

    def _body(self, ty: WireValue) -> Tuple[Tuple[str, ...], Tuple[str, ...]]:
        """The declarations and statements of the encoder of `ty` (its parameters: `out`, `value`, `depth`)."""
        if isinstance(ty, Primitive):
            declarations, check, put = self._number(ty, "value")
            return declarations, ("(void)depth;", f"return {check} && {put};")
        if isinstance(ty, OwnedString):
            self.uses_text = True
            return (), ("(void)depth;", "return ffi_fast_put_text(out, value);")
        if isinstance(ty, Named):
            target = self.inventory.type(ty.name)
            if isinstance(target, EnumDef):
                declarations, check, put = self._member(target, "value")
                return declarations, ("(void)depth;", f"return {check} && {put};")
            return self._struct(ty.name)
        if isinstance(ty, Record):
            return self._record(ty.name)
        if isinstance(ty, WireList):
            item = self.encoder(ty.item)
            bytes_case: Tuple[str, ...] = ()
            if isinstance(ty.item, Primitive) and ty.item.name == "u8" and not ty.item.newtype:
                # A `Vec<u8>` is `bytes` (its bytes in one copy), or a list of ints.
                bytes_case = ("if (PyBytes_CheckExact(value)) {", "    return ffi_fast_put_bytes(out, value);", "}")
            return (), (*bytes_case, f"return ffi_fast_put_items(out, value, depth, {item});")
        if isinstance(ty, WireOption):
            inner = self.encoder(ty.inner)
            return (), (
                "if (value == Py_None) {",
                "    return ffi_fast_put_le(out, 0, 1);",
                "}",
                f"return ffi_fast_put_le(out, 1, 1) && {inner}(out, value, depth);",
            )
        assert isinstance(ty, WireMap)
        key, value = self.encoder(ty.key), self.encoder(ty.value)
        return (), (f"return ffi_fast_put_entries(out, value, depth, {key}, {value});",)

    def _number(self, ty: Primitive, value: str, name: str = "number") -> Tuple[Tuple[str, ...], str, str]:
        """A number's declaration, check and put, as the fast path's arguments are checked (a newtype's class
        too)."""
        also = self._shared(self.builder.classes[ty.newtype]) if ty.newtype else "NULL"
        width = _width(ty)
        if ty.is_bool:
            return (f"bool {name};",), f"ffi_fast_exact_bool({value}, &{name})", f"ffi_fast_put_le(out, {name}, 1)"
        if ty.name == "f64":
            return (
                (f"double {name};",),
                f"ffi_fast_exact_double({value}, {also}, &{name})",
                f"ffi_fast_put_double(out, {name})",
            )
        if ty.name == "f32":
            return (
                (f"float {name};",),
                f"ffi_fast_exact_float({value}, {also}, &{name})",
                f"ffi_fast_put_float(out, {name})",
            )
        if ty.is_signed:
            low, high = _signed_range(ty)
            return (
                (f"long long {name};",),
                f"ffi_fast_exact_signed({value}, {also}, {low}, {high}, &{name})",
                f"ffi_fast_put_le(out, (unsigned long long){name}, {width})",
            )
        return (
            (f"unsigned long long {name};",),
            f"ffi_fast_exact_unsigned({value}, {also}, {_unsigned_max(ty)}, &{name})",
            f"ffi_fast_put_le(out, {name}, {width})",
        )

    def _member(self, enum: EnumDef, value: str) -> Tuple[Tuple[str, ...], str, str]:
        """An enum member's declaration, check and put (its `repr` integer)."""
        self.uses_members = True
        cls = self._shared(self.builder.classes[enum.name])
        put = f"ffi_fast_put_le(out, (unsigned long long)member, {_width(enum.repr)})"
        return ("long long member;",), f"ffi_fast_exact_member({value}, {cls}, &member)", put

    def _struct(self, name: str) -> Tuple[Tuple[str, ...], Tuple[str, ...]]:
        """A struct exactly of its class, read from its memory: each field in order (the encoding has no padding)."""
        struct = wire_struct(self.inventory, name)
        assert struct is not None, name
        if name not in self.structs:
            self.structs.append(name)
        cls = self._shared(self.builder.classes[name])
        c_name = self.struct_name(struct)
        puts = []
        for i, field in enumerate(struct.fields):
            ty = field.type
            if isinstance(ty, Named):
                enum = self.inventory.type(ty.name)
                assert isinstance(enum, EnumDef)
                puts.append(f"ffi_fast_put_le(out, (unsigned long long)copy.f{i}, {_width(enum.repr)})")
                continue
            assert isinstance(ty, Primitive)
            if ty.is_bool:
                puts.append(f"ffi_fast_put_le(out, copy.f{i} ? 1 : 0, 1)")
            elif ty.name == "f64":
                puts.append(f"ffi_fast_put_double(out, copy.f{i})")
            elif ty.name == "f32":
                puts.append(f"ffi_fast_put_float(out, copy.f{i})")
            else:
                puts.append(f"ffi_fast_put_le(out, (unsigned long long)copy.f{i}, {_width(ty)})")
        checks = (f"ffi_fast_exact_struct(value, {cls}, &copy, sizeof(copy))", *puts)
        return (f"{c_name} copy;",), ("(void)depth;", _conjunction(checks))

    def _record(self, name: str) -> Tuple[Tuple[str, ...], Tuple[str, ...]]:
        """A record exactly of its class (a record enum: of one of its variants' classes, whose index comes first):
        each field read from its slot, in order; deeper than the library accepts, the wrapper's."""
        body = [f"if (depth >= {MAX_DEPTH}) {{", "    return false;", "}"]
        classes = self.builder.record_classes(name)
        record = self.inventory.type(name)
        tagged = isinstance(record, RecordEnumDef)
        if isinstance(record, RecordEnumDef):
            field_types = [tuple(f.type for f in v.fields) for v in record.variants]
        else:
            assert isinstance(record, RecordDef)
            field_types = [tuple(f.type for f in record.fields)]
        for index, ((cls, attributes), types) in enumerate(zip(classes, field_types)):
            shared = self._shared(cls)
            class_index = self.shared.index(cls)
            body.append(f"if ((PyObject *)Py_TYPE(value) == {shared}) {{")
            if tagged:
                body.append(f"    if (!ffi_fast_put_le(out, {index}, 4)) {{")
                body.append("        return false;")
                body.append("    }")
            for attribute, ty in zip(attributes, types):
                self.fields.append((class_index, attribute))
                slot = len(self.fields) - 1
                encode = self.encoder(ty)
                # (`attribute` is the class's own spelling, shared with Python through the runtime.)
                body.append(f"    field = ffi_fast_field(value, {slot});")
                body.append(f"    if (field == NULL || !{encode}(out, field, depth + 1)) {{")
                body.append("        return false;")
                body.append("    }")
            body.append("    return true;")
            body.append("}")
        body.append("return false;")
        return ("PyObject *field;",), tuple(body)

    def decoder(self, ty: WireValue) -> str:
        """The C name of the decoder of `ty`, made (with those it calls) on first use."""
        index = self.decoder_indexes.get(ty)
        if index is None:
            index = self.decoder_indexes[ty] = len(self.decoder_indexes)
            # Reserved before its body is made: a record may hold itself.
            self.decoders.append(CDecoder("", "", (), ()))
            comment = c_comment(f"`{wire_spelling(ty)}`", opener="/*") or ""
            declarations, body = self._decoder_body(ty)
            self.decoders[index] = CDecoder(f"{_DECODE}{index}", comment, declarations, body)
        return f"{_DECODE}{index}"

    def _decoder_body(self, ty: WireValue) -> Tuple[Tuple[str, ...], Tuple[str, ...]]:
        """The declarations and statements of the decoder of `ty` (its parameters: `in`, `depth`; it returns a new
        reference, or NULL: an exception set, or none where the value is nested too deep for it)."""
        if isinstance(ty, Primitive):
            number = self._read_number(ty)
            if not ty.newtype:
                return (), ("(void)depth;", f"return {number};")
            cls = self._shared(self.builder.classes[ty.newtype])
            return (), ("(void)depth;", f"return ffi_fast_call_with({cls}, {number});")
        if isinstance(ty, OwnedString):
            return (), ("(void)depth;", "return ffi_fast_read_text(in);")
        if isinstance(ty, Named):
            target = self.inventory.type(ty.name)
            if isinstance(target, EnumDef):
                self.decodes_members = True
                by_value = self._shared(f"_ffi_{self.builder.classes[target.name]}_by_value")
                return (), ("(void)depth;", f"return ffi_fast_member({by_value}, {self._read_number(target.repr)});")
            struct = wire_struct(self.inventory, ty.name)
            assert struct is not None, ty.name
            # (Numbers, bools and field-less enums: what `wire_struct` takes.)
            types = tuple(f.type for f in struct.fields if isinstance(f.type, (Primitive, Named)))
            assert len(types) == len(struct.fields), ty.name
            return self._construct(self.builder.classes[ty.name], types)
        if isinstance(ty, Record):
            return self._decode_record(ty.name)
        if isinstance(ty, WireList):
            if isinstance(ty.item, Primitive) and ty.item.name == "u8" and not ty.item.newtype:
                return (), ("(void)depth;", "return ffi_fast_read_bytes(in);")
            item = self.decoder(ty.item)
            return (), (f"return ffi_fast_read_items(in, depth, {item});",)
        if isinstance(ty, WireOption):
            inner = self.decoder(ty.inner)
            return ("unsigned long long tag;",), (
                "if (!ffi_fast_read_le(in, 1, &tag)) {",
                "    return NULL;",
                "}",
                f"return tag == 0 ? ffi_fast_none() : {inner}(in, depth);",
            )
        assert isinstance(ty, WireMap)
        key, value = self.decoder(ty.key), self.decoder(ty.value)
        return (), (f"return ffi_fast_read_entries(in, depth, {key}, {value});",)

    def _read_number(self, ty: Primitive) -> str:
        """The expression reading a number (or bool) of `ty` from `in` into a new Python object (NULL: ended)."""
        if ty.is_bool:
            return "ffi_fast_read_bool(in)"
        if ty.is_float:
            return f"ffi_fast_read_float(in, {_width(ty)})"
        return f"ffi_fast_read_integer(in, {_width(ty)}, {'true' if ty.is_signed else 'false'})"

    def _construct(
        self, cls_expression: str, types: Tuple[WireValue, ...], indent: str = ""
    ) -> Tuple[Tuple[str, ...], Tuple[str, ...]]:
        """Statements decoding each of `types` in order and returning `cls(*values)` (a struct's or record's)."""
        cls = self._shared(cls_expression)
        count = len(types)
        self.max_fields = max(self.max_fields, count)
        decoders = ", ".join(self.decoder(t) for t in types)
        body: List[str] = []
        if not types:
            body.append(f"{indent}return ffi_fast_construct({cls}, in, depth, NULL, 0);")
            return (), tuple(body)
        body.append(f"{indent}{{")
        body.append(f"{indent}    static const ffi_fast_decoder fields[{count}] = {{{decoders}}};")
        body.append(f"{indent}    return ffi_fast_construct({cls}, in, depth, fields, {count});")
        body.append(f"{indent}}}")
        return (), tuple(body)

    def _decode_record(self, name: str) -> Tuple[Tuple[str, ...], Tuple[str, ...]]:
        """A record (a record enum: its variant's index first, then that variant's fields): its class called with
        its fields' values; deeper than the encoders go, the runtime's codec decodes the whole value."""
        body = [f"if (depth >= {MAX_DEPTH}) {{", "    in->too_deep = true;", "    return NULL;", "}"]
        classes = self.builder.record_classes(name)
        record = self.inventory.type(name)
        if isinstance(record, RecordEnumDef):
            body.append("if (!ffi_fast_read_le(in, 4, &tag)) {")
            body.append("    return NULL;")
            body.append("}")
            body.append("switch (tag) {")
            for index, ((cls, _), variant) in enumerate(zip(classes, record.variants)):
                body.append(f"case {index}:")
                _, statements = self._construct(cls, tuple(f.type for f in variant.fields), "    ")
                body.extend(statements)
            body.append("default:")
            body.append('    PyErr_SetString(PyExc_SystemError, "the library encoded a variant of no index");')
            body.append("    return NULL;")
            body.append("}")
            return ("unsigned long long tag;",), tuple(body)
        assert isinstance(record, RecordDef)
        ((cls, _),) = classes
        _, statements = self._construct(cls, tuple(f.type for f in record.fields))
        return (), (*body, *statements)

    def tagged_conversions(self, t: TaggedDef) -> CTagged:
        """The writer (``bool writer(PyObject *value, layout *out)``: false if `value` is not exactly an object of a
        variant's class whose fields are exactly of their types, which the wrapper then converts or refuses) and the
        reader (``PyObject *reader(const layout *value)``: the variant's object, or an error for a tag of no
        variant, as the wrapper raises) of the data-carrying enum `t`, made on first use. Its variants' fields are
        numbers, bools, field-less enums and structs (see `tagged_field`), read from their slots."""
        made = self.tagged.get(t.name)
        if made is not None:
            return made
        layout = tagged_name(t.name)
        classes = self.builder.tagged_variants[t.name]
        declarations: List[str] = []
        writer = ["if (!ffi_fast_encodable) {", "    return false;", "}", "memset(out, 0, sizeof *out);"]
        reader = [
            "if (ffi_fast_shared == NULL) {",
            '    PyErr_SetString(PyExc_SystemError, "the module did not share its classes");',
            "    return NULL;",
            "}",
            "switch (value->tag) {",
        ]
        most = max(len(v.fields) for v in t.variants)
        for i, (v, (cls_name, attributes)) in enumerate(zip(t.variants, classes)):
            cls = self._shared(cls_name)
            class_index = self.shared.index(cls_name)
            writer.append(f"if ((PyObject *)Py_TYPE(value) == {cls}) {{")
            writer.append(f"    out->tag = {v.value};")
            reader.append(f"case {v.value}:")
            for j, (f, attribute) in enumerate(zip(v.fields, attributes)):
                self.fields.append((class_index, attribute))
                slot = len(self.fields) - 1
                member = f"out->payload.v{i}.f{j}"
                local, check = self._tagged_store(f.type, member, f"n{i}_{j}")
                declarations.extend(local)
                writer.append(f"    field = ffi_fast_field(value, {slot});")
                writer.append(f"    if (field == NULL || !{check}) {{")
                writer.append("        return false;")
                writer.append("    }")
                if local:
                    writer.append(f"    {member} = n{i}_{j};")
                made_field = self._tagged_object(f.type, f"value->payload.v{i}.f{j}")
                reader.append(f"    fields[{j}] = {made_field};")
                reader.append(f"    if (fields[{j}] == NULL) {{")
                reader.extend(f"        Py_DECREF(fields[{k}]);" for k in range(j))
                reader.append("        return NULL;")
                reader.append("    }")
            writer.append("    return true;")
            writer.append("}")
            count = len(v.fields)
            reader.append(f"    made = PyObject_Vectorcall({cls}, {'fields' if count else 'NULL'}, {count}, NULL);")
            reader.extend(f"    Py_DECREF(fields[{k}]);" for k in range(count))
            reader.append("    return made;")
        writer.append("return false;")
        unknown = self._shared("_ffi_unknown_tag")
        base = self._shared(self.builder.classes[t.name])
        reader += [
            "default:",
            "    /* A tag of no variant: the error the wrapper raises. */",
            f'    made = PyObject_CallFunction({unknown}, "OL", {base}, (long long)value->tag);',
            "    if (made != NULL) {",
            "        PyErr_SetObject((PyObject *)Py_TYPE(made), made);",
            "        Py_DECREF(made);",
            "    }",
            "    return NULL;",
            "}",
        ]
        comment = c_comment(f"`{t.name}`", opener="/*") or ""
        made = CTagged(
            layout,
            comment,
            f"ffi_fast_to_tagged_{t.name}",
            ("PyObject *field;", *declarations, *writer),
            f"ffi_fast_from_tagged_{t.name}",
            (f"PyObject *fields[{max(most, 1)}], *made;", *reader),
        )
        self.tagged[t.name] = made
        return made

    def _tagged_store(self, ty: TypeRef, member: str, name: str) -> Tuple[Tuple[str, ...], str]:
        """A variant's field `field` converted into the layout's `member`: the declarations of the local it goes
        through (none: written in place) and the check."""
        if isinstance(ty, Primitive):
            declarations, check, _ = self._number(ty, "field", name)
            return declarations, check
        assert isinstance(ty, Named), ty
        target = self.inventory.type(ty.name)
        cls = self._shared(self.builder.classes[ty.name])
        if isinstance(target, EnumDef):
            self.uses_members = True
            return (f"long long {name};",), f"ffi_fast_exact_member(field, {cls}, &{name})"
        assert isinstance(target, StructDef), ty
        if ty.name not in self.structs:
            self.structs.append(ty.name)
        return (), f"ffi_fast_exact_struct(field, {cls}, &{member}, sizeof({member}))"

    def _tagged_object(self, ty: TypeRef, value: str) -> str:
        """The expression making the Python object of a variant's field `value` (NULL: an error is set)."""
        if isinstance(ty, Primitive):
            if ty.is_bool:
                return f"PyBool_FromLong({value})"
            if ty.is_float:
                return f"PyFloat_FromDouble({value})"
            if ty.is_signed:
                return f"PyLong_FromLongLong({value})"
            return f"PyLong_FromUnsignedLongLong({value})"
        assert isinstance(ty, Named), ty
        target = self.inventory.type(ty.name)
        if isinstance(target, EnumDef):
            self.decodes_members = True
            by_value = self._shared(f"_ffi_{self.builder.classes[target.name]}_by_value")
            return f"ffi_fast_member({by_value}, PyLong_FromLongLong((long long){value}))"
        self.makes_structs = True
        cls = self._shared(self.builder.classes[ty.name])
        return f"ffi_fast_make_struct({cls}, &{value}, sizeof({value}), NULL)"

    @property
    def helpers(self) -> FrozenSet[str]:
        """The template's helpers the encoders use (names of the backend's ``HELPERS``)."""
        used = set()
        if self.uses_text:
            used.add("uses_text")
        if self.uses_members:
            used.add("uses_members")
        if self.structs:
            used.update(("uses_struct_values", "uses_cdata"))
        if self.decodes_members:
            used.add("returns_members")
        if self.makes_structs:
            used.update(("returns_structs", "uses_cdata"))
        return frozenset(used)

    def python_fields(self) -> Tuple[str, ...]:
        """The slots' entries as the runtime passes them (``(class index, "attribute")``)."""
        return tuple(f"({index}, {python_string(attribute)})" for index, attribute in self.fields)


def tagged_name(name: str) -> str:
    """The extension's C name of the layout of the data-carrying enum `name`."""
    return f"ffi_fast_tagged_{name}"


def _width(ty: Primitive) -> int:
    """A number's width in the encoding (`usize`/`isize` as 8 bytes)."""
    return 8 if ty.name in ("usize", "isize") else ty.bits // 8


def _signed_range(ty: Primitive) -> Tuple[str, str]:
    low, high = ty.integer_range()
    return (f"{low}LL" if low != -(2**63) else "INT64_MIN", f"{high}LL")


def _unsigned_max(ty: Primitive) -> str:
    return "UINT64_MAX" if ty.bits == 64 else f"{(1 << ty.bits) - 1}ULL"


def _conjunction(checks: Tuple[str, ...]) -> str:
    """``return a && b && ...;`` over several lines."""
    return "return " + "\n    && ".join(checks) + ";"

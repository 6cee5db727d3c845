"""Layout of generated Python: what ruff's formatter (``line-length = 120``) would write, so that it leaves
generated code unchanged and a reader sees what a careful person would have typed.

Code is described as data (:class:`Group`, :class:`Ternary`, :class:`BoolOp`) and laid out at the column where it
goes: on one line when it fits, else split where ruff splits it. Backends of Python bindings share these.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Sequence, Tuple, Union

from hatch_interop.codegen import python_fstring

#: The line length generated code keeps to. Layout is stateless: every function is told the column where its
#: code starts (a method's body is 4 columns further in than a function's).
WIDTH = 120


@dataclass(frozen=True)
class Group:
    """A bracketed, comma-separated list: a call, a tuple, a parameter list.

    Rendered on one line when that fits, else one item per line with a trailing comma (a "magic"
    trailing comma, which ruff's formatter keeps).
    """

    open: str
    items: Tuple[Union[str, Group, Ternary], ...]
    close: str
    #: Always one item per line (``_fields_``, ``__all__``), which reads better for long lists.
    explode: bool = False
    #: A tuple, whose single item needs a comma on one line too.
    is_tuple: bool = False

    def flat(self) -> str:
        inner = ", ".join(item if isinstance(item, str) else item.flat() for item in self.items)
        if self.is_tuple and len(self.items) == 1:
            inner += ","
        return f"{self.open}{inner}{self.close}"


@dataclass(frozen=True)
class Ternary:
    """``a if condition else b``, which ruff splits before ``if`` and ``else`` when it is too long."""

    value: str
    condition: str
    other: Union[str, Group]

    def flat(self) -> str:
        other = self.other if isinstance(self.other, str) else self.other.flat()
        return f"{self.value} if {self.condition} else {other}"


@dataclass(frozen=True)
class Subscript:
    """``container[key]``, which ruff splits by putting the key on its own line."""

    container: str
    key: str

    def flat(self) -> str:
        return f"{self.container}[{self.key}]"


def layout(node: Union[str, Group, Ternary, Subscript], indent: int, before: str = "", after: str = "") -> str:
    """`node` preceded by `before` and followed by `after`, starting at column `indent`; lines after the
    first carry their own indentation, the first line none (the template places it)."""
    if isinstance(node, str):
        return f"{before}{node}{after}"
    if isinstance(node, Subscript):
        return subscript(node.container, node.key, indent, before) + after
    if isinstance(node, Ternary):
        flat = f"{before}{node.flat()}{after}"
        if indent + len(flat) <= WIDTH:
            return flat
        pad = " " * indent
        return f"{before}{node.value}\n{pad}if {node.condition}\n{pad}{layout(node.other, indent, 'else ', after)}"
    flat = f"{before}{node.flat()}{after}"
    # A one-item tuple's comma is not a "magic" one: ruff joins it whenever it fits.
    explode = node.explode and not (node.is_tuple and len(node.items) == 1)
    if not node.items or (not explode and indent + len(flat) <= WIDTH):
        return flat
    inner = " " * (indent + 4)
    lines = [f"{before}{node.open}"]
    lines.extend(inner + layout(item, indent + 4, after=",") for item in node.items)
    lines.append(f"{' ' * indent}{node.close}{after}")
    return "\n".join(lines)


def by_value_assignment(cls: str) -> str:
    """``_ffi_Color_by_value = {member.value: member for member in Color}``, wrapped as ruff would."""
    target, body = f"_ffi_{cls}_by_value", f"member.value: member for member in {cls}"
    flat = f"{target} = {{{body}}}"
    return flat if len(flat) <= WIDTH else f"{target} = {{\n    {body}\n}}"


def subscript(container: str, key: str, indent: int, before: str) -> str:
    """``before container[key]``, with the key on its own line when too long (no comma: not a tuple)."""
    flat = f"{before}{container}[{key}]"
    if indent + len(flat) <= WIDTH:
        return flat
    return f"{before}{container}[\n{' ' * (indent + 4)}{key}\n{' ' * indent}]"


def layout_assign(target: str, value: str, indent: int) -> str:
    """``target = value``, with the value in parentheses on its own line when the line is too long."""
    flat = f"{target} = {value}"
    if indent + len(flat) <= WIDTH:
        return flat
    return f"{target} = (\n{' ' * (indent + 4)}{value}\n{' ' * indent})"


def layout_assign_ternary(target: str, value: Ternary, indent: int) -> str:
    """``target = a if c else b`` as ruff lays it out: in parentheses on its own line when too long, split
    before ``if`` and ``else`` when that is too long still."""
    flat = value.flat()
    if indent + len(target) + 3 + len(flat) <= WIDTH:
        return f"{target} = {flat}"
    pad = " " * (indent + 4)
    if indent + 4 + len(flat) <= WIDTH:
        return f"{target} = (\n{pad}{flat}\n{' ' * indent})"
    other = layout(value.other, indent + 4, "else ")
    return f"{target} = (\n{pad}{value.value}\n{pad}if {value.condition}\n{pad}{other}\n{' ' * indent})"


@dataclass(frozen=True)
class Walrus:
    """``(target := value) suffix``, an operand that reads a value once into a local (``... is None``)."""

    target: str
    value: str
    suffix: str

    def flat(self) -> str:
        return f"({self.target} := {self.value}) {self.suffix}"

    def split(self, indent: int, prefix: str) -> str:
        """As ruff lays it out when its line is too long: the assignment in parentheses, one part per line."""
        pad, inner = " " * indent, " " * (indent + 4)
        return f"{pad}{prefix}(\n{inner}{self.target}\n{inner}:= {self.value}\n{pad})\n{pad}{self.suffix}"


@dataclass(frozen=True)
class BoolOp:
    """``a and b and c`` (or ``or``); a nested operation is an operand in parentheses."""

    operator: str
    operands: Tuple[Union[str, BoolOp, Walrus], ...]

    def texts(self) -> List[str]:
        return [
            o if isinstance(o, str) else o.flat() if isinstance(o, Walrus) else f"({o.flat()})" for o in self.operands
        ]

    def flat(self) -> str:
        return f" {self.operator} ".join(self.texts())


def layout_bool(op: BoolOp, indent: int, before: str, after: str = "") -> str:
    """``before <op> after`` (``if ...:``, ``return ...``) the way ruff splits a long boolean expression:
    the trailing parenthesized operand first, else the whole expression, into parentheses holding it on
    one line if it fits, or one operand per line."""
    flat = f"{before}{op.flat()}{after}"
    if indent + len(flat) <= WIDTH:
        return flat
    last = op.operands[-1]
    if isinstance(last, BoolOp):
        head = before + "".join(f"{text} {op.operator} " for text in op.texts()[:-1])
        return f"{head}(\n{_operands(last, indent + 4)}\n{' ' * indent}){after}"
    return f"{before}(\n{_operands(op, indent + 4)}\n{' ' * indent}){after}"


def _operands(op: BoolOp, indent: int) -> str:
    pad = " " * indent
    flat = op.flat()
    if indent + len(flat) <= WIDTH:
        return pad + flat
    lines = []
    for index, (operand, text) in enumerate(zip(op.operands, op.texts())):
        prefix = f"{op.operator} " if index else ""
        if isinstance(operand, Walrus) and indent + len(prefix) + len(text) > WIDTH:
            lines.append(operand.split(indent, prefix))
        else:
            lines.append(f"{pad}{prefix}{text}")
    return "\n".join(lines)


def layout_result(convert: str, value: str, indent: int) -> str:
    """``return <convert applied to value>``, in parentheses on its own line when too long (ruff's layout)."""
    expression = convert.format(value)
    flat = f"return {expression}"
    if indent + len(flat) <= WIDTH:
        return flat
    return f"return (\n{' ' * (indent + 4)}{expression}\n{' ' * indent})"


def repr_return(cls: str, shown: Sequence[Tuple[str, str]]) -> str:
    """``return f"Vec2(x={self.x!r}, y={self.y!r})"``, split into one f-string per field when too long."""
    pieces = [(("" if i else f"{cls}(") + label, value) for i, (label, value) in enumerate(shown)]
    flat = python_fstring(
        *[(("" if i == 0 else ", ") + text, value) for i, (text, value) in enumerate(pieces)], (")", "")
    )
    if 8 + len("return ") + len(flat) <= WIDTH:
        return f"return {flat}"
    last = len(pieces) - 1
    lines = [python_fstring(piece, (")" if i == last else ", ", "")) for i, piece in enumerate(pieces)]
    inner = " " * 12
    return "return (\n" + "".join(f"{inner}{line}\n" for line in lines) + " " * 8 + ")"


def reduce_return(cls: str, fields: Sequence[str]) -> str:
    """``return (Vec2, (self.x, self.y))``: a struct's ``__reduce__``, so that a copy or a pickle is made of its
    fields' values (ctypes' own copies raw memory, and refuses a struct with a pointer field)."""
    values = Group("(", tuple(f"self.{name}" for name in fields), ")", is_tuple=True)
    return layout(Group("(", (cls, values), ")"), 8, "return ")


def all_order(name: str) -> Tuple[int, str]:
    """The order of ``__all__`` that ruff's RUF022 expects: SCREAMING_CASE, then CamelCase, then the rest."""
    if name.upper() == name and any(ch.isalpha() for ch in name):
        return 0, name
    if name[:1].isupper() or (name[:1] == "_" and name.lstrip("_")[:1].isupper()):
        return 1, name
    return 2, name

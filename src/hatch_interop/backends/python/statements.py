"""The statements of a generated wrapper's body, as data: what each says, not how it is spelled.

The builder decides which statements a wrapper needs and what they hold (names, expressions as
:mod:`hatch_interop.pylayout` nodes); ``templates/wrapper.py.j2`` spells each kind, one macro per kind, laying out
its expressions at the column where they go (the template knows it: a function's body, a method's, a ``try``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Optional, Tuple, Union

from hatch_interop.pylayout import (
    BoolOp,
    Group,
    Subscript,
    Ternary,
    layout,
    layout_assign,
    layout_assign_ternary,
    layout_result,
)

#: An expression: plain text, a bracketed list (a call), a conditional expression, or a subscript.
Node = Union[str, Group, Ternary, Subscript]


@dataclass(frozen=True)
class Check:
    """``if <condition>:`` then ``raise <error>``, or ``<target> = <conversion>`` (an argument converted, or refused
    by the conversion)."""

    condition: BoolOp
    error: Optional[Node] = None
    target: str = ""
    conversion: Optional[Node] = None
    kind: ClassVar[str] = "check"


@dataclass(frozen=True)
class TextArgument:
    """A ``str`` argument encoded as UTF-8 into `local` (refused with `failure`), and for a C string refused when it
    holds a NUL (`nul`)."""

    param: str
    local: str
    failure: Group
    nul: Optional[Group] = None
    kind: ClassVar[str] = "text_argument"


@dataclass(frozen=True)
class NumbersArgument:
    """A slice of numbers: an ``array.array`` of the element's type code (`exact`) shared as `shared`, anything else
    through the runtime (`general`, assigned to the pointer and length)."""

    param: str
    pointer: str
    length: str
    exact: str
    shared: Node
    general: Group
    kind: ClassVar[str] = "numbers_argument"


@dataclass(frozen=True)
class Assign:
    """``<target> = <value>`` (`flat`: on one line whatever its length, as for a plain name)."""

    target: str
    value: Node
    flat: bool = False
    kind: ClassVar[str] = "assign"


@dataclass(frozen=True)
class Take:
    """An object whose ownership the call moves into the library: its pointer (read into `temp` by its check) is
    marked released before the call, and given back when the call is refused (``None`` passes `null` and moves
    nothing where `nullable`)."""

    param: str
    temp: str
    nullable: bool
    null: str
    kind: ClassVar[str] = "take"


@dataclass(frozen=True)
class Call:
    """The library call (its value into `result`, if any). When the technology may refuse an argument after the
    checks (`refused` non-empty: ctypes' ``ArgumentError``), what was taken is given back and the kept callbacks
    forgotten (`forget_if_refused`); callbacks used only during the call are forgotten after it (`forget_after`)."""

    call: Group
    result: Optional[str]
    argument_error: str
    refused: Tuple[Take, ...] = ()
    forget_if_refused: Tuple[str, ...] = ()
    forget_after: Tuple[str, ...] = ()
    kind: ClassVar[str] = "call"

    @property
    def guarded(self) -> bool:
        return bool(self.refused or self.forget_if_refused or self.forget_after)

    @property
    def handles_refusal(self) -> bool:
        return bool(self.refused or self.forget_if_refused)


@dataclass(frozen=True)
class FailureCheck:
    """After the call: the failure the library recorded, raised (`errors`: the error enum's classes by code). A
    refused take of an owned object (a ``ValueError``: another call was using it) gives it back (`given_back`)."""

    condition: str
    errors: str
    given_back: Tuple[Take, ...] = ()
    kind: ClassVar[str] = "failure_check"


@dataclass(frozen=True)
class WriteBack:
    """After a ``&mut`` slice call: what the library wrote, copied into a list the caller passed (or a buffer PyPy
    passed as a copy, for numbers)."""

    param: str
    #: For numbers, ``_ffi_write_numbers_back(...)``: PyPy's copy of a resizable buffer written back.
    numbers: Optional[Group]
    #: For bools and enums, what makes a list's item of each number written (``bool``, an enum's lookup).
    convert: Optional[str] = None
    kind: ClassVar[str] = "write_back"


@dataclass(frozen=True)
class Evaluate:
    """An expression evaluated for its effect (a call whose value is not used)."""

    value: Node
    kind: ClassVar[str] = "evaluate"


@dataclass(frozen=True)
class If:
    """``if <condition>:`` and the statements it guards."""

    condition: str
    body: Tuple[Statement, ...]
    kind: ClassVar[str] = "if"


@dataclass(frozen=True)
class Return:
    """``return <value><after>`` (`after`: an attribute of a value laid out as a call, ``.value``; `flat`: on one
    line whatever its length, as for a plain attribute)."""

    value: Node
    after: str = ""
    flat: bool = False
    kind: ClassVar[str] = "return"


Statement = Union[
    Check, TextArgument, NumbersArgument, Assign, Take, Call, FailureCheck, WriteBack, Evaluate, If, Return
]


def assign(target: str, value: Node, indent: int, flat: bool = False) -> str:
    """``target = value`` laid out at column `indent` as ruff would (for the templates)."""
    if flat:
        return f"{target} = {layout(value, indent)}"
    if isinstance(value, Ternary):
        return layout_assign_ternary(target, value, indent)
    if isinstance(value, (Group, Subscript)):
        return layout(value, indent, before=f"{target} = ")
    return layout_assign(target, value, indent)


def returned(value: str, indent: int) -> str:
    """``return value``, in parentheses on its own line when too long (for the templates)."""
    return layout_result("{0}", value, indent)

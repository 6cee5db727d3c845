"""Helpers for writing generated code, public for every backend (built-in or third-party): template loading,
text escaping and collision-checked naming.

Everything from the inventory is untrusted text. Names are validated identifiers already (the model
checks ``[A-Za-z_][A-Za-z0-9_]*``), but documentation and version strings can hold anything: quotes,
backslashes, comment terminators, NUL, bidirectional controls. The functions here turn such text into
something a generated file can carry without it changing how that file is read.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from pathlib import Path
from typing import Dict, Optional, Tuple

import jinja2

from hatch_interop.errors import BackendError

#: Unicode categories escaped wherever text lands in generated source: controls (NUL, CR, ESC...),
#: format characters (bidirectional overrides, zero-width marks: "Trojan Source"), lone surrogates
#: (not encodable as UTF-8) and the line/paragraph separators some tools treat as newlines.
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_SHORT_ESCAPES = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}
_SURROGATE = re.compile("[\ud800-\udfff]")


@functools.lru_cache(maxsize=None)
def template_environment(templates: str) -> jinja2.Environment:
    """The jinja2 environment of one backend's ``templates`` folder (plain text: no HTML autoescape)."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def templates_beside(module_file: str) -> jinja2.Environment:
    """The environment of the ``templates`` folder next to a backend's ``__init__.py``."""
    return template_environment(str(Path(module_file).resolve().parent / "templates"))


def escape_unsafe(text: str, keep: str = "") -> str:
    """Replace each unsafe character (see ``_UNSAFE_CATEGORIES``) not in `keep` with a backslash escape."""
    return "".join(
        _escape_char(ch) if ch not in keep and unicodedata.category(ch) in _UNSAFE_CATEGORIES else ch for ch in text
    )


def _escape_char(ch: str) -> str:
    if ch in _SHORT_ESCAPES:
        return _SHORT_ESCAPES[ch]
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def normalize_doc(doc: str) -> str:
    """A doc comment as generated files show it: trailing spaces and outer blank lines dropped, the
    first line stripped and the others dedented by their common indentation (as ``inspect.cleandoc``
    does, without expanding tabs)."""
    lines = [line.rstrip(" \t") for line in doc.split("\n")]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    if not lines:
        return ""
    rest = [line for line in lines[1:] if line]
    margin = min((len(line) - len(line.lstrip(" ")) for line in rest), default=0)
    return "\n".join([lines[0].lstrip(" \t")] + [line[margin:] for line in lines[1:]])


def _surrogates_as_text(text: str) -> str:
    """Lone surrogates spelled out (``\\ud800``): a Python string holding one cannot even become a class
    docstring (CPython stores that as UTF-8), and no tool can display one anyway."""
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def one_line(text: str) -> str:
    """`text` made safe for a single-line comment: every control character (newlines too) escaped."""
    return escape_unsafe(text)


def python_docstring(doc: str) -> Optional[str]:
    """A triple-quoted literal whose value is the normalized `doc`, or None for an empty doc.

    Backslashes are doubled, unsafe characters escaped (tabs too, so formatters leave the text alone),
    and a quote followed by another quote is escaped, so the text can never close the literal. A quote
    at either end is escaped too (formatters pad such docstrings with a space). A single-line docstring
    stays on one line; a longer one ends with the closing quotes on their own line.
    """
    text = normalize_doc(doc)
    if not text:
        return None
    body = escape_unsafe(_surrogates_as_text(text).replace("\\", "\\\\"), keep="\n")
    multiline = "\n" in text
    trailing = ""
    if not multiline and body.endswith('"'):
        body, trailing = body[:-1], "\\x22"
    body = re.sub(r'"(?=")', r'\\"', body)
    if body.startswith('"'):
        body = "\\" + body
    return f'"""{body}\n"""' if multiline else f'"""{body}{trailing}"""'


def python_string(text: str) -> str:
    """A one-line string literal for `text`, quoted the way ruff's formatter prefers."""
    body = escape_unsafe(_surrogates_as_text(text).replace("\\", "\\\\"))
    if body.count('"') > body.count("'"):
        return "'" + body.replace("'", "\\'") + "'"
    return '"' + body.replace('"', '\\"') + '"'


def python_fstring(*pieces: Tuple[str, str]) -> str:
    """An f-string made of (literal text, replacement field) pairs. The text is escaped; the fields
    (``{self.x!r}``, possibly empty) are written by the backend itself and copied as they are."""
    body = "".join(
        escape_unsafe(_surrogates_as_text(text).replace("\\", "\\\\"))
        .replace('"', '\\"')
        .replace("{", "{{")
        .replace("}", "}}")
        + field
        for text, field in pieces
    )
    return f'f"{body}"'


def c_comment(doc: str, indent: str = "", opener: str = "/**") -> Optional[str]:
    """A ``/** ... */`` comment holding `doc`, each line after the first prefixed by `indent`, or None
    (`opener` ``/*`` makes it a plain comment).

    ``*/`` and ``/*`` are broken with a backslash so the text can neither end the comment nor trip
    ``-Wcomment``; ``??/`` is broken so no trigraph can splice lines; unsafe characters are escaped.
    """
    text = normalize_doc(doc)
    if not text:
        return None
    text = escape_unsafe(text, keep="\n\t")
    text = text.replace("*/", "*\\/").replace("/*", "/\\*").replace("??/", "?\\?/")
    lines = text.split("\n")
    if len(lines) == 1:
        return f"{opener} {lines[0]} */"
    body = "".join(f"{indent} * {line}\n" if line else f"{indent} *\n" for line in lines)
    return f"{opener}\n{body}{indent} */"


class Namespace:
    """The names of one scope of generated code; a name claimed twice is a :class:`BackendError`.

    `where` says which scope it is ("the generated module", "struct `Vec2`") and `backend` which
    backend speaks, so the message can name both clashing items and the way out.
    """

    def __init__(self, backend: str, where: str) -> None:
        self.backend = backend
        self.where = where
        self._owners: Dict[str, str] = {}

    def claim(self, name: str, owner: str, original: Optional[str] = None) -> str:
        """Reserve `name` for `owner` (e.g. "function `print`"); `original` is the inventory's name when
        `name` is its escaped form. Returns `name`."""
        described = owner if original is None or original == name else f"{owner} (renamed `{name}`)"
        if name in self._owners:
            message = (
                f"The {self.backend} backend cannot name {described} in {self.where}: `{name}` is already "
                f"the name of {self._owners[name]}. Rename one of them in the crate."
            )
            raise BackendError(message)
        self._owners[name] = described
        return name

    def __contains__(self, name: object) -> bool:
        return name in self._owners

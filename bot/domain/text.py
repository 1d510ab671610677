"""Member text: what a person typed, marked so that every surface treats it as text.

The core never formats what a person typed. It marks it instead, and the adapters escape it:

* ``Typed`` is a ``str`` that a person typed (a comment, a chair's reason, an action's text or
  owner). A view field holding one is member text from end to end.
* ``Composed`` is a ``str`` made of the bot's own words and ``Typed`` pieces, in order
  (``parts``), e.g. an action line "4.2: <typed text> · High · <typed owner> · due …". Its value
  is the plain concatenation, so it reads (and compares) like any other string.

Both are ``str`` subclasses, so a surface that knows nothing of them still shows plain text;
a chat adapter looks at the type and escapes the typed parts.

``clean`` is the one sanitiser of typed text for every surface: it drops NUL and the other
control characters (keeping line feeds and tabs; a CR or CRLF becomes a line feed), bidi
embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) and zero-width characters
(U+200B-U+200D, U+2060, U+FEFF). ``export_cell`` is the one sanitiser of a plain-text export's
cell (CSV, XLSX): ``clean`` plus a leading apostrophe before anything a spreadsheet would run
as a formula.
"""

from __future__ import annotations

import re
import unicodedata

_DROPPED = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"  # control characters except TAB, LF (CR: see clean)
    "\u200b-\u200d\u2060\ufeff"  # zero-width characters
    "\u202a-\u202e\u2066-\u2069]"  # bidi embeddings, overrides and isolates
)
#: what a spreadsheet runs as a formula when it starts a cell (after NFKC: "＝" is "=")
FORMULA_STARTS = frozenset("=+-@")
#: leading characters a spreadsheet skips before a formula
FORMULA_LEADS = frozenset("\t\r")


class Typed(str):
    """Text a person typed. Adapters escape it; the core never formats it."""

    __slots__ = ()


class Composed(str):
    """The bot's own words and typed pieces, in order; its value is their concatenation."""

    parts: tuple[str, ...]

    def __new__(cls, *parts: str) -> Composed:
        flat = tuple(q for p in parts for q in (p.parts if isinstance(p, Composed) else (p,)))
        made = super().__new__(cls, "".join(flat))
        made.parts = flat
        return made

    def __reduce__(self) -> tuple[type[Composed], tuple[str, ...]]:
        return (Composed, self.parts)


def clean(text: str) -> str:
    """Typed text without control, bidi-control or zero-width characters; line breaks kept."""
    return _DROPPED.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def starts_like_formula(text: str) -> bool:
    """Would a spreadsheet take this as a formula? Full-width and other compatibility forms
    count as what they normalise to (NFKC), so "＝1+1" is as much a formula as "=1+1"."""
    if not text:
        return False
    if text[0] in FORMULA_LEADS:
        return True
    return unicodedata.normalize("NFKC", text[0])[:1] in FORMULA_STARTS


def export_cell(text: str) -> str:
    """The one sanitiser of a plain-text export's cell (CSV, XLSX): ``clean``, and an
    apostrophe before text a spreadsheet would run as a formula (checked before and after
    cleaning, so neither a leading tab or CR nor a zero-width prefix hides one)."""
    cleaned = clean(text)
    if starts_like_formula(text) or starts_like_formula(cleaned):
        return "'" + cleaned
    return cleaned


def cut(text: str, limit: int) -> str:
    """At most ``limit`` characters, cut at a character boundary with a visible "…"."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"

"""Member text: what a person typed, marked so that every surface treats it as text.

The core never formats what a person typed. It marks it instead, and the adapters escape it:

* ``Typed`` is a ``str`` that a person typed (a comment, a chair's reason, an action's text or
  owner). A view field holding one is member text from end to end.
* ``Composed`` is a ``str`` made of the bot's own words and ``Typed`` pieces, in order
  (``parts``), e.g. an action line "4.2: <typed text> · High · <typed owner> · due …". Its value
  is the plain concatenation, so it reads (and compares) like any other string.

Both are ``str`` subclasses, so a surface that knows nothing of them still shows plain text;
a chat adapter looks at the type and escapes the typed parts.

The core says what, the adapter says how: a ``Composed`` may also hold neutral parts that each
front end renders in its own markup (``Part`` and its kinds: ``Mention`` of a person,
``ChannelLink``, ``Emphasis``, ``CommandHint`` for a command in the platform's own words, and
``PlatformName``). Each part's value is its plain words, for plain-text surfaces.

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

    def __add__(self, other: str) -> Composed:
        return Composed(self, other)

    def __radd__(self, other: str) -> Composed:
        return Composed(other, self)


class Part(str):
    """A neutral piece of the bot's own text that each front end renders its own way; its value
    is the plain words. ``MARKUP_ROOM``: the characters a front end's markup may add to it, which
    a length budget (``room_needed``) keeps free."""

    __slots__ = ()
    MARKUP_ROOM = 0


class Mention(Part):
    """A person to mention, by their chat id."""

    MARKUP_ROOM = 2

    user_id: str

    def __new__(cls, user_id: str) -> Mention:
        made = super().__new__(cls, f"@{user_id}")
        made.user_id = user_id
        return made

    def __reduce__(self) -> tuple[type[Mention], tuple[str]]:
        return (Mention, (self.user_id,))


class ChannelLink(Part):
    """A link to a channel, by its chat id."""

    MARKUP_ROOM = 2

    channel_id: str

    def __new__(cls, channel_id: str) -> ChannelLink:
        made = super().__new__(cls, f"#{channel_id}")
        made.channel_id = channel_id
        return made

    def __reduce__(self) -> tuple[type[ChannelLink], tuple[str]]:
        return (ChannelLink, (self.channel_id,))


class Emphasis(Part):
    """The bot's own words, emphasised."""

    __slots__ = ()
    MARKUP_ROOM = 2


class CommandHint(Part):
    """A command of the app, by its words after the command's name ("domain 4"; "" for the
    command alone); each front end writes it the way its people type it."""

    MARKUP_ROOM = 1

    words: str

    def __new__(cls, words: str = "") -> CommandHint:
        made = super().__new__(cls, f"assess {words}".rstrip())
        made.words = words
        return made

    def __reduce__(self) -> tuple[type[CommandHint], tuple[str]]:
        return (CommandHint, (self.words,))


class PlatformName(Part):
    """The chat platform's name, which the front end supplies ("the chat" in plain text)."""

    def __new__(cls) -> PlatformName:
        return super().__new__(cls, "the chat")

    def __reduce__(self) -> tuple[type[PlatformName], tuple[()]]:
        return (PlatformName, ())


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


def command(words: str = "") -> Composed:
    """A command of the app in code quotes, e.g. ``command("domain 4")``."""
    return Composed("`", CommandHint(words), "`")


def room_needed(text: str) -> int:
    """The characters ``text`` may take once rendered: its plain length and its parts' markup."""
    parts = text.parts if isinstance(text, Composed) else (text,)
    return len(text) + sum(p.MARKUP_ROOM for p in parts if isinstance(p, Part))

"""The core's neutral text in Teams' words, and the one escape of member text for Teams.

Adaptive Card TextBlocks take a small markdown subset (``**bold**``, ``_italic_``, lists,
``[label](url)``) and Teams reads ``<at>Name</at>`` as a mention when the card carries the
matching mention entity. What a person typed is made inert (``escape_member``):

* the markdown and markup characters become look-alikes that nothing formats (``*`` ∗,
  ``_`` ˍ, ``~`` ∼, backtick ˋ, ``[`` ［, ``]`` ］, ``<`` ‹, ``>`` ›, ``&`` ＆, ``{`` ｛, ``}`` ｝,
  ``#`` ＃, backslash ∖, ``|`` ∣),
  so no link, emphasis, ``<at>`` mention, entity or ``{{DATE()}}`` function comes alive, and
  ``://`` becomes ``:∕∕`` so no bare address is linked;
* ``bot.domain.text.clean`` drops control, bidi-control and zero-width characters first.

A block of member text is quoted: every line starts with ``│``, so a typed line can never pass
for one of the bot's own. Inline member text shows a line break as `` ↵ ``.

``TeamsText`` renders a ``Composed`` string's parts: a ``Mention`` as ``<at>Name</at>`` plus its
entity (names from a lookup), a ``ChannelLink`` as the channel's name, ``Emphasis`` as
``**…**``, a ``CommandHint`` as ``@Assess domain 4`` and ``PlatformName`` as "Teams".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.domain.text import (
    ChannelLink,
    CommandHint,
    Composed,
    Emphasis,
    Mention,
    PlatformName,
    Typed,
    clean,
)

PLATFORM_NAME = "Teams"
DEFAULT_BOT_NAME = "Assess"
ELLIPSIS = "…"
LINE_BREAK = " ↵ "
QUOTE_MARK = "│ "
LOOKALIKES = str.maketrans(
    {
        "*": "∗",
        "_": "ˍ",
        "~": "∼",
        "`": "ˋ",
        "[": "［",
        "]": "］",
        "<": "‹",
        ">": "›",
        "&": "＆",
        "{": "｛",
        "}": "｝",
        "#": "＃",
        "\\": "∖",
        "|": "∣",
    }
)

Entity = dict[str, Any]


def escape_member(text: str) -> str:
    """The one escape for Teams: member text (or any text not ours) as inert card markdown,
    line breaks kept."""
    return clean(text).translate(LOOKALIKES).replace("://", ":∕∕")


def inline(text: str) -> str:
    """Member text on one line: escaped, each line break shown as " ↵ "."""
    return escape_member(text).replace("\t", " ").replace("\n", LINE_BREAK)


def quote(text: str) -> str:
    """Member text as a quote: every line, the first included, after the quote mark."""
    return "\n".join(QUOTE_MARK + line for line in escape_member(text).split("\n"))


def fit_quote(text: str, limit: int) -> tuple[str, bool]:
    """``quote(text)`` in at most ``limit`` characters, and whether it was cut (at a character
    boundary, before escaping, marked "…")."""
    whole = quote(text)
    if len(whole) <= limit:
        return whole, False
    raw = clean(text)
    low, high = 0, len(raw)
    while low < high:  # the longest prefix whose quote still fits
        mid = (low + high + 1) // 2
        if len(quote(raw[:mid].rstrip() + ELLIPSIS)) <= limit:
            low = mid
        else:
            high = mid - 1
    return quote(raw[:low].rstrip() + ELLIPSIS), True


@dataclass
class Rendered:
    """Card markdown and the mention entities it needs."""

    text: str
    entities: list[Entity] = field(default_factory=list)


NameLookup = Callable[[str], str | None]


def _lookup(names: Mapping[str, str] | NameLookup | None) -> NameLookup:
    if names is None:
        return lambda _id: None
    if isinstance(names, Mapping):
        return names.get
    return names


class TeamsText:
    """Renders the core's text parts for Teams; ``names`` finds a person's display name by id,
    ``channels`` a channel's name by id, ``bot_name`` is the app's name as people @mention it."""

    def __init__(
        self,
        names: Mapping[str, str] | NameLookup | None = None,
        channels: Mapping[str, str] | NameLookup | None = None,
        bot_name: str = DEFAULT_BOT_NAME,
    ) -> None:
        self._names = _lookup(names)
        self._channels = _lookup(channels)
        self.bot_name = bot_name

    def mention(self, user_id: str) -> Rendered:
        """``<at>Name</at>`` and its entity; the name is escaped like member text."""
        name = inline(self._names(user_id) or "someone")
        at = f"<at>{name}</at>"
        entity = {"type": "mention", "text": at, "mentioned": {"id": user_id, "name": name}}
        return Rendered(at, [entity])

    def channel(self, channel_id: str) -> str:
        return inline(self._channels(channel_id) or "the channel")

    def command(self, words: str = "") -> str:
        return f"@{self.bot_name} {words}".rstrip()

    def part(self, text: str, rendered: Rendered) -> None:
        """One part appended to ``rendered``."""
        if isinstance(text, Typed):
            rendered.text += inline(text)
        elif isinstance(text, Mention):
            at = self.mention(text.user_id)
            rendered.text += at.text
            rendered.entities.extend(at.entities)
        elif isinstance(text, ChannelLink):
            rendered.text += self.channel(text.channel_id)
        elif isinstance(text, Emphasis):
            rendered.text += f"**{text}**"
        elif isinstance(text, CommandHint):
            rendered.text += self.command(text.words)
        elif isinstance(text, PlatformName):
            rendered.text += PLATFORM_NAME
        else:
            rendered.text += str(text)

    def render(self, text: str) -> Rendered:
        """A core string as card markdown: every part in Teams' words, typed text escaped."""
        rendered = Rendered("")
        for piece in text.parts if isinstance(text, Composed) else (text,):
            self.part(piece, rendered)
        return rendered

    def plain(self, text: str) -> str:
        """A core string for a field without markdown (a button title, an error): mentions as
        names, typed text on one line."""
        out = []
        for piece in text.parts if isinstance(text, Composed) else (text,):
            if isinstance(piece, Mention):
                out.append(inline(self._names(piece.user_id) or "someone"))
            else:
                bit = Rendered("")
                self.part(piece, bit)
                out.append(bit.text.replace("**", ""))
        return "".join(out)

"""The one escape for member text in Slack (messages, modals, Home).

Slack's mrkdwn has no backslash escape. What a person typed is made inert this way:

* ``&``, ``<`` and ``>`` become ``&amp;``, ``&lt;`` and ``&gt;`` (Slack's own three escapes),
  so ``<!channel>``, ``<@U123>`` and ``<https://evil.example|minutes>`` show as typed and
  neither ping nor disguise a link, and a typed ``>`` cannot start a quote;
* the formatting characters ``*``, ``_``, ``~`` and the backtick become look-alikes that Slack
  does not format (U+2217 ∗, U+02CD ˍ, U+223C ∼, U+02CB ˋ). Nothing invisible is inserted (the
  sanitiser strips zero-width characters, and so may a copy and paste), and the reader still
  sees the shape of what was typed;
* ``bot.domain.text.clean`` drops control, bidi-control and zero-width characters first.

A block of member text is quoted: every line starts with ``>``, so a typed line can never
pass for one of the bot's own. Inline member text (an action's text or owner in a one-line
list) shows a line break as `` ↵ ``, so it stays on its line. Text is cut before it is
escaped, so a cut never falls inside ``&lt;``.
"""

from __future__ import annotations

from bot.domain.text import clean

LOOKALIKES = str.maketrans({"*": "∗", "_": "ˍ", "~": "∼", "`": "ˋ"})
ELLIPSIS = "…"
LINE_BREAK = " ↵ "


def escape_member(text: str) -> str:
    """Member text as inert mrkdwn (line breaks kept)."""
    escaped = clean(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return escaped.translate(LOOKALIKES)


def plain_member(text: str) -> str:
    """Member text for a plain-text field (an option's label, an input's initial value): Slack
    shows plain text as it is, so only the characters the sanitiser drops are dropped."""
    return clean(text)


def inline(text: str) -> str:
    """Member text on one line: escaped, each line break shown as " ↵ "."""
    return escape_member(text).replace("\t", " ").replace("\n", LINE_BREAK)


def quote(text: str, lead: str = "") -> str:
    """Member text as a quote: ``lead`` (the bot's own, e.g. a mention) before the first line,
    and every line, the first included, inside the quote marker."""
    lines = escape_member(text).split("\n")
    lines[0] = lead + lines[0]
    return "\n".join(f"> {line}" if line else ">" for line in lines)


def fit_quote(text: str, limit: int, lead: str = "", pointer: str = "") -> str:
    """``quote(text, lead)`` in at most ``limit`` characters. If it is too long, the text is cut
    at a character boundary (before escaping), marked "…", and ``pointer`` (where the rest is,
    in the bot's own words) follows on its own line, outside the quote."""
    whole = quote(text, lead)
    if len(whole) <= limit:
        return whole
    tail = f"\n{pointer}" if pointer else ""
    raw = clean(text)
    low, high = 0, len(raw)
    while low < high:  # the longest prefix whose quote still fits
        mid = (low + high + 1) // 2
        if len(quote(raw[:mid].rstrip() + ELLIPSIS, lead)) + len(tail) <= limit:
            low = mid
        else:
            high = mid - 1
    return quote(raw[:low].rstrip() + ELLIPSIS, lead) + tail


def entity_safe(text: str, cut: int) -> int:
    """``cut`` in escaped text, moved back so that it does not fall inside ``&lt;`` and the like."""
    amp = text.rfind("&", max(cut - 5, 0), cut)
    return amp if amp != -1 and ";" not in text[amp:cut] else cut

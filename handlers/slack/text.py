"""The core's neutral text in Slack's words: the one renderer of every text part for Slack.

A ``Composed`` string's parts are rendered one by one: typed text escaped inline (see
``member_text``), a ``Mention`` as ``<@U…>``, a ``ChannelLink`` as ``<#C…>``, ``Emphasis`` as
``*…*``, a ``CommandHint`` as the slash command ``/assess …`` and ``PlatformName`` as "Slack".
The bot's own plain words stay as they are.
"""

from __future__ import annotations

from bot.domain.text import (
    ChannelLink,
    CommandHint,
    Composed,
    Emphasis,
    Mention,
    PlatformName,
    Typed,
)
from handlers.slack.member_text import inline

SLASH_COMMAND = "/assess"
PLATFORM_NAME = "Slack"


def part(text: str, escape_typed: bool = True) -> str:
    """One part in mrkdwn (typed text left as typed when ``escape_typed`` is off)."""
    if isinstance(text, Typed):
        return inline(text) if escape_typed else str(text)
    if isinstance(text, Mention):
        return f"<@{text.user_id}>"
    if isinstance(text, ChannelLink):
        return f"<#{text.channel_id}>"
    if isinstance(text, Emphasis):
        return f"*{text}*"
    if isinstance(text, CommandHint):
        return f"{SLASH_COMMAND} {text.words}".rstrip()
    if isinstance(text, PlatformName):
        return PLATFORM_NAME
    return str(text)


def render(text: str) -> str:
    """A core string as mrkdwn: every part in Slack's words, the bot's own words as they are."""
    if isinstance(text, Composed):
        return "".join(part(p) for p in text.parts)
    return part(text)


def render_plain(text: str) -> str:
    """A core string for a plain-text field (a modal's error): every part in Slack's words,
    typed text as typed."""
    if isinstance(text, Composed):
        return "".join(part(p, escape_typed=False) for p in text.parts)
    return part(text, escape_typed=False)

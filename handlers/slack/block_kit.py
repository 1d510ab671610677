"""Block Kit's building blocks, kept inside Slack's limits.

Limits (https://api.slack.com/reference/block-kit): 50 blocks a message, 100 a modal; 3000
characters a section's text; 150 a header; 75 a button label; 2000 a button value; 255 an
action_id or block_id. Every message also carries a plain ``text`` fallback.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.domain.consensus import Distribution, OutcomeKind
from bot.views.facts import distribution_words, outcome_words
from handlers.slack.member_text import entity_safe
from handlers.slack.text import render

Block = dict[str, Any]

MAX_BLOCKS_PER_MESSAGE = 50
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
MAX_CONTEXT_TEXT = 2000
SAFE_SECTION_TEXT = 2900


@dataclass(frozen=True)
class SlackMessage:
    text: str
    blocks: list[Block]


def escape(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mention(user_id: str) -> str:
    return f"<@{user_id}>"


def truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: entity_safe(text, limit - 1)] + "…"


def mrkdwn(text: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": text}


def plain(text: str, limit: int = MAX_HEADER_TEXT) -> dict[str, Any]:
    return {"type": "plain_text", "text": truncate(text, limit), "emoji": True}


def section(text: str, block_id: str | None = None) -> Block:
    block: Block = {"type": "section", "text": mrkdwn(truncate(text, MAX_SECTION_TEXT))}
    if block_id:
        block["block_id"] = block_id
    return block


def context(text: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(truncate(text, MAX_CONTEXT_TEXT))]}


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text)}


DIVIDER: Block = {"type": "divider"}


def split_text(text: str, limit: int = SAFE_SECTION_TEXT) -> list[str]:
    """Cut text into pieces of at most ``limit`` characters, at line or word breaks if possible."""
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit)
        if cut < limit // 2:
            cut = rest.rfind(" ", 0, limit)
        if cut < limit // 2:
            cut = entity_safe(rest, limit)
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest or not pieces:
        pieces.append(rest)
    return pieces


def chunk_blocks(blocks: list[Block], size: int = MAX_BLOCKS_PER_MESSAGE) -> list[list[Block]]:
    return [blocks[i : i + size] for i in range(0, len(blocks), size)] or [[]]


def slack_date(moment: datetime) -> str:
    """A date Slack shows in each reader's own time zone (with a UTC fallback)."""
    fallback = moment.astimezone(UTC).strftime("%a %d %b %Y %H:%M UTC")
    return f"<!date^{int(moment.timestamp())}^{{date_long_pretty}} at {{time}}|{fallback}>"


def distribution_line(distribution: Distribution, labels: tuple[str, ...]) -> str:
    return render(distribution_words(distribution, labels))


def outcome_text(kind: OutcomeKind, grade: int | None, labels: tuple[str, ...]) -> str:
    return render(outcome_words(kind, grade, labels))

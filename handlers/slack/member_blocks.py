"""Blocks of member text (comments, a chair's reason), each quoted and fitted to its block, so
that the bot's own facts beside them are never cut to make room.

A comment gets its own section (at most ``SAFE_SECTION_TEXT`` characters): a long one is cut
with "…" and a pointer to where the whole of it is. When a message has room for fewer comments
than there are, it says how many more there are and where they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.views.rounds import CommentView, DecisionView
from handlers.slack.member_text import fit_quote

Block = dict[str, Any]

SAFE_SECTION_TEXT = 2900


def audit_command(question_id: str) -> str:
    """The command that sends the whole trail of a question's domain ("4.2" is in domain 4)."""
    return f"`/assess audit {question_id.split('.')[0]}`"


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def comment_block(comment: CommentView, pointer: str) -> Block:
    """One comment, quoted line by line after its author, cut with ``pointer`` if too long."""
    lead = f"<@{comment.user_id}>: "
    return _section(fit_quote(comment.text, SAFE_SECTION_TEXT, lead, pointer))


def comment_blocks(
    heading: str,
    comments: Sequence[CommentView],
    question_id: str,
    *,
    room: int | None = None,
    elsewhere: str = "",
) -> list[Block]:
    """A heading and one block per comment. With ``room`` (blocks this message can spare), the
    comments that do not fit are counted in a last block that says where they are."""
    audit = audit_command(question_id)
    pointer = f"_(Cut here: the whole comment is in {elsewhere}{audit}.)_"
    blocks = [_section(heading)]
    shown = list(comments)
    if room is not None and len(comments) + 1 > room:
        shown = list(comments[: max(room - 2, 0)])
    blocks.extend(comment_block(c, pointer) for c in shown)
    left = len(comments) - len(shown)
    if left:
        noun = "comment" if left == 1 else "comments"
        blocks.append(_context(f"{left} more {noun} on {question_id}: see {audit}."))
    return blocks


def reason_block(title: str, rationale: str, question_id: str) -> Block:
    """A chair's reason, quoted under ``title`` (the bot's own), cut with a pointer if long."""
    pointer = f"_(Cut here: the whole reason is in {audit_command(question_id)}.)_"
    budget = SAFE_SECTION_TEXT - len(title) - 1
    return _section(f"{title}\n{fit_quote(rationale, budget, '', pointer)}")


def decision_block(decision: DecisionView, labels: tuple[str, ...], question_id: str) -> Block:
    """The chair's decision; the reason, typed by the chair, quoted line by line below it."""
    grade = f"{decision.grade} {labels[decision.grade - 1]}"
    return reason_block(
        f"⚖️ *Decided by the chair (<@{decision.decided_by}>): {grade}*\n_Reason:_",
        decision.rationale,
        question_id,
    )

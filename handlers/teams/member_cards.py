"""Card elements of member text (comments, a chair's reason), each quoted and fitted, so the
bot's own facts beside them are never cut to make room. A long one is cut with "…" and a pointer
to where the whole of it is."""

from __future__ import annotations

from collections.abc import Sequence

from bot.views.rounds import CommentView, DecisionView
from handlers.teams.adaptive import Card, Element, card_bytes, quote_block, text_block
from handlers.teams.text import fit_quote

MAX_MEMBER_TEXT = 1500


def audit_pointer(card: Card, question_id: str, what: str) -> str:
    command = card.teams.command(f"audit {question_id.split('.')[0]}")
    return f"_(Cut here: the whole {what} is in `{command}`.)_"


def member_elements(card: Card, text: str, question_id: str, what: str) -> list[Element]:
    quoted, was_cut = fit_quote(text, MAX_MEMBER_TEXT)
    elements = [quote_block(quoted)]
    if was_cut:
        elements.append(text_block(audit_pointer(card, question_id, what), isSubtle=True))
    return elements


def comment_elements(
    card: Card,
    heading: str,
    comments: Sequence[CommentView],
    question_id: str,
    budget: int | None = None,
) -> list[Element]:
    """A heading and each comment (its author, then the quote); with ``budget`` (the JSON
    bytes they may take), the comments that do not fit are counted with a pointer."""
    elements = [text_block(heading)]
    used = card_bytes({"body": elements})
    shown = 0
    for comment in comments:
        one = [
            text_block(f"{card.teams.mention(comment.user_id).text}:", spacing="Small"),
            *member_elements(card, comment.text, question_id, "comment"),
        ]
        size = card_bytes({"body": one}) + 250  # and its mention entity
        if budget is not None and used + size > budget:
            break
        card.mention(comment.user_id)
        elements.extend(one)
        used += size
        shown += 1
    left = len(comments) - shown
    if left:
        noun = "comment" if left == 1 else "comments"
        command = card.teams.command(f"audit {question_id.split('.')[0]}")
        elements.append(text_block(f"{left} more {noun} on {question_id}: see `{command}`."))
    return elements


def decision_elements(
    card: Card, decision: DecisionView, labels: tuple[str, ...], question_id: str
) -> list[Element]:
    grade = f"{decision.grade} {labels[decision.grade - 1]}"
    head = f"⚖️ **Decided by the chair ({card.mention(decision.decided_by)}): {grade}**"
    return [
        text_block(f"{head}\n\n_Reason:_"),
        *member_elements(card, decision.rationale, question_id, "reason"),
    ]

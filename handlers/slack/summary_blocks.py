"""A domain's summary for the board channel in Block Kit (split into a thread when long) and
the note under it."""

from __future__ import annotations

from bot.domain.rounds import Settlement
from bot.views.facts import settled_words
from bot.views.rounds import DomainSummaryView, QuestionSummaryView, SummaryNoteView
from handlers.slack.block_kit import (
    DIVIDER,
    Block,
    SlackMessage,
    chunk_blocks,
    distribution_line,
    escape,
    header,
    section,
)
from handlers.slack.member_blocks import comment_blocks, reason_block
from handlers.slack.text import render


def settled_text(q: QuestionSummaryView, labels: tuple[str, ...]) -> str:
    """The outcome line of a summary, saying how the grade was reached."""
    return render(settled_words(q, labels))


def _question_summary_blocks(q: QuestionSummaryView, labels: tuple[str, ...]) -> list[Block]:
    shown_round = q.ballot - 1 if q.settlement is Settlement.OPEN else q.ballot
    turnout = f"Turnout {q.participants} of {q.electorate_size}"
    blocks = [
        section(
            f"*{q.question_id}* {escape(q.text)}\n"
            f"{settled_text(q, labels)}\n"
            f"{distribution_line(q.distribution, labels)} · {turnout}"
            + (f" (round {shown_round})" if q.ballot > 1 else "")
        )
    ]
    if q.settlement is Settlement.DECIDED and q.decision is not None:
        blocks.append(
            reason_block(f"_Reason for {q.question_id}:_", q.decision.rationale, q.question_id)
        )
    if q.comments:
        blocks.extend(comment_blocks(f"_Comments on {q.question_id}:_", q.comments, q.question_id))
    return blocks


def render_summary(view: DomainSummaryView) -> list[SlackMessage]:
    """The domain summary; more than one message (the rest to go in its thread) if it is long."""
    labels = view.scale.labels
    updated = "\n_Updated after discussion: every flagged question now has a grade._"
    blocks: list[Block] = [
        header(f"Domain {view.domain} graded by the {view.subgroup_name}"),
        section(
            f"*{view.domain}. {escape(view.domain_title)}*\n{view.headline()}"
            + (updated if view.updated else "")
        ),
        DIVIDER,
    ]
    for q in view.questions:
        blocks.extend(_question_summary_blocks(q, labels))
    text = f"Domain {view.domain} graded by the {view.subgroup_name}. {view.headline()}"
    chunks = chunk_blocks(blocks)
    messages = [SlackMessage(text=text, blocks=chunks[0])]
    for i, chunk in enumerate(chunks[1:], start=2):
        messages.append(
            SlackMessage(
                text=f"Domain {view.domain} summary, part {i} of {len(chunks)}", blocks=chunk
            )
        )
    return messages


def render_note(view: SummaryNoteView) -> SlackMessage:
    return SlackMessage(text=view.text, blocks=[section(f"📝 {escape(view.text)}")])

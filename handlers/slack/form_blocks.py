"""Private answers and forms in Block Kit: the reply to whoever acted, the comment modal and the
chair's decision modal."""

from __future__ import annotations

from typing import Any

from bot.views.forms import CommentFormView, DecisionFormView
from bot.views.reply import Reply
from bot.views.rounds import RoundStatusView
from handlers.slack.block_kit import (
    MAX_BLOCKS_PER_MESSAGE,
    Block,
    SlackMessage,
    context,
    distribution_line,
    escape,
    mention,
    plain,
    section,
    split_text,
    truncate,
)
from handlers.slack.codec import encode_form
from handlers.slack.text import render

COMMENT_CALLBACK = "comment_submit"
COMMENT_BLOCK = "comment_block"
COMMENT_INPUT = "comment_input"
DECIDE_CALLBACK = "decide_submit"
DECIDE_GRADE_BLOCK = "decide_grade_block"
DECIDE_GRADE_INPUT = "decide_grade"
DECIDE_REASON_BLOCK = "decide_reason_block"
DECIDE_REASON_INPUT = "decide_reason"


def _status_blocks(view: RoundStatusView) -> list[Block]:
    lines = []
    for q in view.questions:
        if not q.is_open:
            lines.append(f"• *{q.question_id}*: closed ({q.voted} of {q.electorate_size} voted)")
            continue
        waiting = ", ".join(mention(u) for u in q.not_voted) or "nobody"
        lines.append(
            f"• *{q.question_id}*: {q.voted} of {q.electorate_size} voted; waiting for {waiting}"
        )
    text = f"*Domain {view.domain}* with the {escape(view.subgroup_name)}\n" + "\n".join(lines)
    return [section(piece) for piece in split_text(text)]


def render_reply(reply: Reply) -> SlackMessage:
    shown = render(reply.text)
    blocks: list[Block] = [section(shown)]
    for round_view in reply.rounds:
        blocks.extend(_status_blocks(round_view))
    if len(blocks) > MAX_BLOCKS_PER_MESSAGE:
        blocks = [
            *blocks[: MAX_BLOCKS_PER_MESSAGE - 1],
            context("(More rounds are open than fit here.)"),
        ]
    return SlackMessage(text=truncate(shown, 3000), blocks=blocks)


def render_comment_modal(form: CommentFormView, channel_id: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": COMMENT_CALLBACK,
        "private_metadata": encode_form(form.round_id, form.round_question_id, channel_id),
        "title": plain(f"Comment on {form.question_id}", 24),
        "submit": plain("Save comment", 24),
        "close": plain("Cancel", 24),
        "blocks": [
            section(f"*{form.question_id}* {escape(form.question_text)}"),
            {
                "type": "input",
                "block_id": COMMENT_BLOCK,
                "label": plain("Your comment (shown with your name in the summary)", 2000),
                "element": {
                    "type": "plain_text_input",
                    "action_id": COMMENT_INPUT,
                    "multiline": True,
                    "max_length": 3000,
                },
            },
        ],
    }


def render_decision_modal(form: DecisionFormView, channel_id: str) -> dict[str, Any]:
    labels = form.scale.labels
    options = [
        {"text": plain(f"{grade} {label}", 75), "value": str(grade)}
        for grade, label in enumerate(labels, start=1)
    ]
    return {
        "type": "modal",
        "callback_id": DECIDE_CALLBACK,
        "private_metadata": encode_form(form.round_id, form.round_question_id, channel_id),
        "title": plain(f"Decide {form.question_id}", 24),
        "submit": plain("Record decision", 24),
        "close": plain("Cancel", 24),
        "blocks": [
            section(f"*{form.question_id}* {escape(form.question_text)}"),
            context(f"Round {form.ballot} gave: {distribution_line(form.distribution, labels)}"),
            {
                "type": "input",
                "block_id": DECIDE_GRADE_BLOCK,
                "label": plain("The grade", 2000),
                "element": {
                    "type": "static_select",
                    "action_id": DECIDE_GRADE_INPUT,
                    "placeholder": plain("Choose a grade", 150),
                    "options": options,
                },
            },
            {
                "type": "input",
                "block_id": DECIDE_REASON_BLOCK,
                "label": plain("The reason (the board will read it)", 2000),
                "element": {
                    "type": "plain_text_input",
                    "action_id": DECIDE_REASON_INPUT,
                    "multiline": True,
                    "max_length": 3000,
                },
            },
        ],
    }

"""A flagged question's discussion thread in Block Kit, with the chair's Re-vote and Decide
buttons."""

from __future__ import annotations

from bot.domain.consensus import OutcomeKind
from bot.views.rounds import DiscussionView
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
    truncate,
)
from handlers.slack.codec import encode_question
from handlers.slack.member_blocks import comment_blocks, decision_block

REVOTE_ACTION = "revote"
DECIDE_ACTION = "decide"


def _settle_buttons(view: DiscussionView) -> Block:
    """The chair's Re-vote and Decide buttons under a flagged question's thread."""
    value = encode_question(view.round_id, view.round_question_id)
    return {
        "type": "actions",
        "block_id": f"settle:{view.round_question_id}",
        "elements": [
            {
                "type": "button",
                "action_id": action_id,
                "text": plain(label, 75),
                "value": value,
            }
            for action_id, label in ((REVOTE_ACTION, "Re-vote"), (DECIDE_ACTION, "Decide"))
        ],
    }


def render_discussion(view: DiscussionView) -> SlackMessage:
    labels = view.scale.labels
    flag = "disagreement" if view.result.kind is OutcomeKind.DISAGREEMENT else "no quorum"
    blocks: list[Block] = [
        section(
            f"🗣️ *Question {view.question_id} closed with {flag}* (round {view.ballot}). "
            "Let's talk it through here.\n"
            f"{distribution_line(view.distribution, labels)} · Turnout "
            f"{view.distribution.participants} of {view.electorate_size}\n"
            f"_{escape(view.result.reason)}_"
        )
    ]
    if view.named is not None:
        lines = [
            f"• {labels[g.grade - 1] if g.grade else 'Don' + chr(39) + 't know'}"
            f"{f' ({g.grade})' if g.grade else ''}: {', '.join(mention(u) for u in g.voters)}"
            for g in view.named
        ]
        blocks.append(section("*Who gave each grade:*\n" + "\n".join(lines)))
    else:
        blocks.append(context("Votes were anonymous: nobody's grade is shown."))
    if view.comments:
        blocks.extend(
            comment_blocks(
                "*Comments so far:*",
                view.comments,
                view.question_id,
                room=MAX_BLOCKS_PER_MESSAGE - len(blocks) - 2,
            )
        )
    chairs = ", ".join(mention(c) for c in view.chairs)
    if view.decision is not None:
        blocks.append(decision_block(view.decision, labels, view.question_id))
    elif view.revote_by is not None:
        blocks.append(
            section(
                f"🔁 {mention(view.revote_by)} opened a re-vote (round {view.ballot + 1}): "
                "see the new message in the channel."
            )
        )
    else:
        blocks.append(
            section(
                "Reply in this thread with what you think. When the discussion is done, the "
                f"chair ({chairs}) can call a *Re-vote* (same people, votes secret again) or "
                "*Decide* the grade, giving a reason."
            )
        )
        blocks.append(_settle_buttons(view))
    text = (
        f"Question {view.question_id} closed with {flag}: "
        f"{distribution_line(view.distribution, labels).replace('*', '')}. Discuss here."
    )
    if len(blocks) > MAX_BLOCKS_PER_MESSAGE:
        blocks = [*blocks[: MAX_BLOCKS_PER_MESSAGE - 2], *blocks[-2:]]
    return SlackMessage(text=truncate(text, 3000), blocks=blocks)

"""Block Kit rendering of the core's view models, kept inside Slack's limits.

Limits (https://api.slack.com/reference/block-kit): 50 blocks a message, 100 a modal; 3000
characters a section's text; 150 a header; 75 a button label; 2000 a button value; 255 an
action_id or block_id. Every message also carries a plain ``text`` fallback.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.domain.consensus import Distribution, OutcomeKind
from bot.domain.rounds import Settlement
from bot.views.forms import CommentFormView, DecisionFormView
from bot.views.reply import Reply
from bot.views.rounds import (
    DiscussionView,
    DomainSummaryView,
    MessageView,
    QuestionCardView,
    QuestionSummaryView,
    ReminderView,
    RoundHeaderView,
    RoundStatusView,
    SummaryNoteView,
)
from handlers.slack.member_blocks import comment_blocks, decision_block, reason_block
from handlers.slack.member_text import entity_safe, rich

Block = dict[str, Any]

MAX_BLOCKS_PER_MESSAGE = 50
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
MAX_CONTEXT_TEXT = 2000
SAFE_SECTION_TEXT = 2900

VOTE_ACTION_PREFIX = "vote_"
COMMENT_ACTION = "comment"
COMMENT_CALLBACK = "comment_submit"
COMMENT_BLOCK = "comment_block"
COMMENT_INPUT = "comment_input"
REVOTE_ACTION = "revote"
DECIDE_ACTION = "decide"
DECIDE_CALLBACK = "decide_submit"
DECIDE_GRADE_BLOCK = "decide_grade_block"
DECIDE_GRADE_INPUT = "decide_grade"
DECIDE_REASON_BLOCK = "decide_reason_block"
DECIDE_REASON_INPUT = "decide_reason"


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


# ------------------------------------------------------------------- round header


def slack_date(moment: datetime) -> str:
    """A date Slack shows in each reader's own time zone (with a UTC fallback)."""
    fallback = moment.astimezone(UTC).strftime("%a %d %b %Y %H:%M UTC")
    return f"<!date^{int(moment.timestamp())}^{{date_long_pretty}} at {{time}}|{fallback}>"


def render_header(view: RoundHeaderView) -> SlackMessage:
    text = (
        f"Domain {view.domain}: {view.domain_title} Put to the {view.subgroup_name}: "
        f"{view.question_count} questions, {view.electorate_size} people to vote."
    )
    if view.deadline_at is not None and view.is_open:
        deadline = f"Voting closes *{slack_date(view.deadline_at)}*."
        if view.deadline_moved_by:
            deadline += f" (extended by {mention(view.deadline_moved_by)})"
    elif view.is_open:
        deadline = ""
    else:
        deadline = "Voting has closed; the summary is in the board channel."
    blocks = [
        header(f"Self-assessment: domain {view.domain}"),
        section(f"*{escape(view.domain_title)}*"),
        section(
            f"{mention(view.started_by)} has put this domain to the "
            f"*{escape(view.subgroup_name)}*: "
            f"{view.question_count} questions, {view.electorate_size} people to vote.\n"
            "Grade each question below. Votes are secret: everyone sees who has voted, "
            "nobody sees a grade until the question closes. You can change your vote until then. "
            "*Don't know* counts as taking part but not as a grade."
        ),
        *([section(deadline)] if deadline else []),
        context(
            f"{escape(view.framework_title)} · 1 Inadequate · 2 Adequate · 3 Good · 4 Outstanding"
        ),
    ]
    return SlackMessage(text=text, blocks=blocks)


# ------------------------------------------------------------------ question card


def vote_value(round_id: int, round_question_id: int) -> str:
    return f"{round_id}:{round_question_id}"


def distribution_line(distribution: Distribution, labels: tuple[str, ...]) -> str:
    parts = [
        f"{grade} {labels[grade - 1]}: *{distribution.by_grade.get(grade, 0)}*"
        for grade in range(1, len(labels) + 1)
    ]
    parts.append(f"Don't know: *{distribution.dont_know}*")
    return " · ".join(parts)


def outcome_text(kind: OutcomeKind, grade: int | None, labels: tuple[str, ...]) -> str:
    if kind is OutcomeKind.AGREED and grade is not None:
        return f"✅ *Agreed: {grade} {labels[grade - 1]}*"
    if kind is OutcomeKind.DISAGREEMENT:
        return "⚠️ *DISAGREEMENT*: no grade; for discussion"
    return "⚠️ *NO QUORUM*: no grade"


def render_card(view: QuestionCardView) -> SlackMessage:
    question = f"*{view.question_id}* {escape(view.text)}"
    blocks: list[Block] = [section(question, block_id=f"question:{view.round_question_id}")]
    if view.ballot > 1:
        labels = view.scale.labels
        closes = f" · closes {slack_date(view.deadline_at)}" if view.deadline_at else ""
        earlier = (
            f"\nRound {view.ballot - 1} gave: "
            f"{distribution_line(view.previous_distribution, labels)}"
            if view.previous_distribution is not None
            else ""
        )
        blocks.append(
            context(
                f"🔁 *Re-vote (round {view.ballot})*{closes}. Votes are secret again; "
                f"the same people vote.{earlier}"
            )
        )
    if view.prompts:
        prompts = "\n".join(f"• {escape(p)}" for p in view.prompts)
        blocks.append(context(f"_Prompts for discussion:_\n{prompts}"))
    comments = ""
    if view.comment_count:
        comments = f" · 💬 {view.comment_count} comment{'s' if view.comment_count != 1 else ''}"
    count = f"{len(view.voters)} of {view.electorate_size}"
    if view.is_open:
        value = vote_value(view.round_id, view.round_question_id)
        buttons = [
            {
                "type": "button",
                "action_id": f"{VOTE_ACTION_PREFIX}{grade}",
                "text": plain(f"{grade} {label}", 75),
                "value": value,
            }
            for grade, label in enumerate(view.scale.labels, start=1)
        ]
        buttons.append(
            {
                "type": "button",
                "action_id": f"{VOTE_ACTION_PREFIX}dont_know",
                "text": plain("Don't know", 75),
                "value": value,
            }
        )
        buttons.append(
            {
                "type": "button",
                "action_id": COMMENT_ACTION,
                "text": plain("Comment", 75),
                "value": value,
            }
        )
        blocks.append(
            {"type": "actions", "block_id": f"vote:{view.round_question_id}", "elements": buttons}
        )
        voters = ", ".join(mention(u) for u in view.voters) if view.voters else "nobody yet"
        blocks.append(context(f"Voted ({count}): {voters}{comments}"))
        text = f"Question {view.question_id}: {view.text} ({count} voted)"
    else:
        assert view.result is not None and view.distribution is not None
        labels = view.scale.labels
        blocks.append(
            section(
                f"{outcome_text(view.result.kind, view.result.grade, labels)}\n"
                f"{distribution_line(view.distribution, labels)}\n"
                f"Turnout: {view.distribution.participants} of {view.electorate_size}"
                f" · {escape(view.result.reason)}"
            )
        )
        if view.decision is not None:
            blocks.append(decision_block(view.decision, labels, view.question_id))
        blocks.append(context(f"Voting has closed{comments}"))
        text = f"Question {view.question_id} closed: {view.result.headline(view.scale)}"
        if view.decision is not None:
            text += f"; decided by the chair: {view.scale.named(view.decision.grade)}"
    return SlackMessage(text=truncate(text, 3000), blocks=blocks)


# ------------------------------------------------------------------ domain summary


def settled_text(q: QuestionSummaryView, labels: tuple[str, ...]) -> str:
    """The outcome line of a summary, saying how the grade was reached."""
    match q.settlement:
        case Settlement.AGREED if q.final_grade is not None:
            when = "in round 1" if q.ballot == 1 else f"on re-vote (round {q.ballot})"
            return f"✅ *Agreed: {q.final_grade} {labels[q.final_grade - 1]}*, {when}"
        case Settlement.DECIDED if q.decision is not None:
            return (
                f"⚖️ *Decided: {q.decision.grade} {labels[q.decision.grade - 1]}*, "
                f"{q.how_reached} ({mention(q.decision.decided_by)}); the reason is below."
            )
        case Settlement.OPEN:
            return f"🔁 *{q.how_reached.upper()}*: no grade yet"
        case _:
            flag = outcome_text(q.result.kind, q.result.grade, labels)
            return flag if q.ballot == 1 else f"{flag} (round {q.ballot})"


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


def render_reminder(view: ReminderView, permalink: str | None) -> SlackMessage:
    questions = ", ".join(view.waiting_on)
    link = f"<{permalink}|Open the round>" if permalink else f"Open <#{view.channel_id}>"
    closes = f" Voting closes {slack_date(view.deadline_at)}." if view.deadline_at else ""
    text = (
        f"Reminder: domain {view.domain} with the {escape(view.subgroup_name)} is waiting for "
        f"your vote on {questions}.{closes}"
    )
    blocks = [
        section(
            f"👋 *Reminder:* domain {view.domain}, _{escape(view.domain_title)}_, is with the "
            f"{escape(view.subgroup_name)}, and your vote is still needed on "
            f"*{questions}*.{closes}\n{link}"
        )
    ]
    return SlackMessage(text=text, blocks=blocks)


def _settle_buttons(view: DiscussionView) -> Block:
    """The chair's Re-vote and Decide buttons under a flagged question's thread."""
    value = vote_value(view.round_id, view.round_question_id)
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


def render_note(view: SummaryNoteView) -> SlackMessage:
    return SlackMessage(text=view.text, blocks=[section(f"📝 {escape(view.text)}")])


def render_message(view: MessageView, permalink: str | None = None) -> list[SlackMessage]:
    match view:
        case RoundHeaderView():
            return [render_header(view)]
        case QuestionCardView():
            return [render_card(view)]
        case DomainSummaryView():
            return render_summary(view)
        case ReminderView():
            return [render_reminder(view, permalink)]
        case DiscussionView():
            return [render_discussion(view)]
        case SummaryNoteView():
            return [render_note(view)]


# ------------------------------------------------------------------- private replies


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
    shown = rich(reply.text)
    blocks: list[Block] = [section(shown)]
    for round_view in reply.rounds:
        blocks.extend(_status_blocks(round_view))
    if len(blocks) > MAX_BLOCKS_PER_MESSAGE:
        blocks = [
            *blocks[: MAX_BLOCKS_PER_MESSAGE - 1],
            context("(More rounds are open than fit here.)"),
        ]
    return SlackMessage(text=truncate(shown, 3000), blocks=blocks)


# -------------------------------------------------------------------- comment modal


def render_comment_modal(form: CommentFormView, channel_id: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": COMMENT_CALLBACK,
        "private_metadata": f"{form.round_id}:{form.round_question_id}:{channel_id}",
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


# -------------------------------------------------------------------- decision modal


def render_decision_modal(form: DecisionFormView, channel_id: str) -> dict[str, Any]:
    labels = form.scale.labels
    options = [
        {"text": plain(f"{grade} {label}", 75), "value": str(grade)}
        for grade, label in enumerate(labels, start=1)
    ]
    return {
        "type": "modal",
        "callback_id": DECIDE_CALLBACK,
        "private_metadata": f"{form.round_id}:{form.round_question_id}:{channel_id}",
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

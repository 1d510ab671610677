"""A round's messages in Block Kit: its header, each question's card (grade buttons while it is
open, the result once closed) and the reminder."""

from __future__ import annotations

from bot.views.rounds import QuestionCardView, ReminderView, RoundHeaderView
from handlers.slack.block_kit import (
    Block,
    SlackMessage,
    context,
    distribution_line,
    escape,
    header,
    mention,
    outcome_text,
    plain,
    section,
    slack_date,
    truncate,
)
from handlers.slack.codec import encode_question, vote_action_id
from handlers.slack.member_blocks import decision_block

COMMENT_ACTION = "comment"


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


def _revote_context(view: QuestionCardView) -> Block:
    labels = view.scale.labels
    closes = f" · closes {slack_date(view.deadline_at)}" if view.deadline_at else ""
    earlier = (
        f"\nRound {view.ballot - 1} gave: {distribution_line(view.previous_distribution, labels)}"
        if view.previous_distribution is not None
        else ""
    )
    return context(
        f"🔁 *Re-vote (round {view.ballot})*{closes}. Votes are secret again; "
        f"the same people vote.{earlier}"
    )


def _button(action_id: str, label: str, value: str) -> Block:
    return {"type": "button", "action_id": action_id, "text": plain(label, 75), "value": value}


def _vote_buttons(view: QuestionCardView) -> Block:
    value = encode_question(view.round_id, view.round_question_id)
    buttons = [
        _button(vote_action_id(str(grade)), f"{grade} {label}", value)
        for grade, label in enumerate(view.scale.labels, start=1)
    ]
    buttons.append(_button(vote_action_id("dont_know"), "Don't know", value))
    buttons.append(_button(COMMENT_ACTION, "Comment", value))
    return {"type": "actions", "block_id": f"vote:{view.round_question_id}", "elements": buttons}


def _open_card(view: QuestionCardView, comments: str) -> tuple[list[Block], str]:
    count = f"{len(view.voters)} of {view.electorate_size}"
    voters = ", ".join(mention(u) for u in view.voters) if view.voters else "nobody yet"
    blocks = [_vote_buttons(view), context(f"Voted ({count}): {voters}{comments}")]
    return blocks, f"Question {view.question_id}: {view.text} ({count} voted)"


def _closed_card(view: QuestionCardView, comments: str) -> tuple[list[Block], str]:
    assert view.result is not None and view.distribution is not None
    labels = view.scale.labels
    blocks = [
        section(
            f"{outcome_text(view.result.kind, view.result.grade, labels)}\n"
            f"{distribution_line(view.distribution, labels)}\n"
            f"Turnout: {view.distribution.participants} of {view.electorate_size}"
            f" · {escape(view.result.reason)}"
        )
    ]
    if view.decision is not None:
        blocks.append(decision_block(view.decision, labels, view.question_id))
    blocks.append(context(f"Voting has closed{comments}"))
    text = f"Question {view.question_id} closed: {view.result.headline(view.scale)}"
    if view.decision is not None:
        text += f"; decided by the chair: {view.scale.named(view.decision.grade)}"
    return blocks, text


def render_card(view: QuestionCardView) -> SlackMessage:
    question = f"*{view.question_id}* {escape(view.text)}"
    blocks: list[Block] = [section(question, block_id=f"question:{view.round_question_id}")]
    if view.ballot > 1:
        blocks.append(_revote_context(view))
    if view.prompts:
        prompts = "\n".join(f"• {escape(p)}" for p in view.prompts)
        blocks.append(context(f"_Prompts for discussion:_\n{prompts}"))
    comments = ""
    if view.comment_count:
        comments = f" · 💬 {view.comment_count} comment{'s' if view.comment_count != 1 else ''}"
    rest, text = _open_card(view, comments) if view.is_open else _closed_card(view, comments)
    return SlackMessage(text=truncate(text, 3000), blocks=blocks + rest)


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

"""A round's cards: its header, each question (grade buttons while open, the result once
closed), the reminder, a flagged question's discussion and a note under the summary."""

from __future__ import annotations

from typing import Any

from bot.domain.consensus import Choice, OutcomeKind
from bot.domain.text import Mention
from bot.views.rounds import (
    DiscussionView,
    QuestionCardView,
    ReminderView,
    RoundHeaderView,
    SummaryNoteView,
)
from handlers.teams import codec
from handlers.teams.adaptive import (
    SAFE_CARD_BYTES,
    Card,
    Element,
    card_bytes,
    distribution_line,
    execute,
    outcome_text,
    plain,
    show_card,
    sub_card,
    teams_date,
    text_block,
)
from handlers.teams.member_cards import comment_elements, decision_elements
from handlers.teams.text import TeamsText

MAX_COMMENT = 3000
MAX_VOTER_BYTES = 12_000
#: what a discussion keeps free after its comments: the decision, the chair's words, buttons
ROOM_AFTER_COMMENTS = 9_000
MAX_REASON = 3000


def render_header(teams: TeamsText, view: RoundHeaderView) -> dict[str, Any]:
    card = Card(teams)
    if view.deadline_at is not None and view.is_open:
        deadline = f"Voting closes **{teams_date(view.deadline_at)}**."
        if view.deadline_moved_by:
            deadline += f" (extended by {card.mention(view.deadline_moved_by)})"
    elif view.is_open:
        deadline = ""
    else:
        deadline = "Voting has closed; the summary is in the board channel."
    card.add(
        text_block(f"Self-assessment: domain {view.domain}", size="Large", weight="Bolder"),
        text_block(f"**{plain(view.domain_title)}**"),
        text_block(
            f"{card.mention(view.started_by)} has put this domain to the "
            f"**{plain(view.subgroup_name)}**: {view.question_count} questions, "
            f"{view.electorate_size} people to vote.\n\nGrade each question below. Votes are "
            "secret: everyone sees who has voted, nobody sees a grade until the question "
            "closes. You can change your vote until then. **Don't know** counts as taking "
            "part but not as a grade."
        ),
    )
    if deadline:
        card.add(text_block(deadline))
    card.add(
        text_block(
            f"{plain(view.framework_title)} · 1 Inadequate · 2 Adequate · 3 Good · 4 Outstanding",
            isSubtle=True,
            size="Small",
        )
    )
    return card.json()


def _comment_action(view: QuestionCardView) -> Element:
    data = codec.encode_question(codec.COMMENT, view.round_id, view.round_question_id)
    body = [
        {
            "type": "Input.Text",
            "id": codec.COMMENT_INPUT,
            "isMultiline": True,
            "maxLength": MAX_COMMENT,
            "label": f"Your comment on {view.question_id}",
            "isRequired": True,
            "errorMessage": "Write a comment first.",
        }
    ]
    return show_card("Comment", sub_card(body, [execute("Send comment", codec.COMMENT, data)]))


def _vote_actions(view: QuestionCardView) -> list[Element]:
    choices = [
        (Choice.from_grade(g), f"{g} {label}") for g, label in enumerate(view.scale.labels, start=1)
    ]
    choices.append((Choice.DONT_KNOW, "Don't know"))
    actions = [
        execute(title, codec.VOTE, codec.encode_vote(view.round_id, view.round_question_id, c))
        for c, title in choices
    ]
    actions.append(_comment_action(view))
    return actions


def _closed_elements(card: Card, view: QuestionCardView) -> list[Element]:
    assert view.result is not None and view.distribution is not None
    labels = view.scale.labels
    elements = [
        text_block(
            f"{outcome_text(view.result.kind, view.result.grade, labels)}\n\n"
            f"{distribution_line(view.distribution, labels)}\n\n"
            f"Turnout: {view.distribution.participants} of {view.electorate_size}"
            f" · {plain(view.result.reason)}"
        )
    ]
    if view.decision is not None:
        elements.extend(decision_elements(card, view.decision, labels, view.question_id))
    return elements


def _names(teams: TeamsText, user_ids: tuple[str, ...]) -> str:
    """Voters by name (no mentions), as many as ``MAX_VOTER_BYTES`` allows, then how many more."""
    shown: list[str] = []
    used = 0
    for user_id in user_ids:
        name = teams.plain(Mention(user_id))
        used += len(name.encode("utf-8")) + 2
        if used > MAX_VOTER_BYTES:
            break
        shown.append(name)
    left = len(user_ids) - len(shown)
    return ", ".join(shown) + (f" and {left} more" if left else "")


def render_question(teams: TeamsText, view: QuestionCardView) -> dict[str, Any]:
    """A question: while open, who has voted and "k of n" (never a grade) and the buttons."""
    card = Card(teams)
    card.add(text_block(f"**{view.question_id}** {plain(view.text)}"))
    if view.ballot > 1:
        closes = f" · closes {teams_date(view.deadline_at)}" if view.deadline_at else ""
        earlier = ""
        if view.previous_distribution is not None:
            earlier = (
                f"\n\nRound {view.ballot - 1} gave: "
                f"{distribution_line(view.previous_distribution, view.scale.labels)}"
            )
        card.add(
            text_block(
                f"🔁 **Re-vote (round {view.ballot})**{closes}. Votes are secret "
                f"again; the same people vote.{earlier}",
                size="Small",
            )
        )
    if view.prompts:
        prompts = "\n".join(f"- {plain(p)}" for p in view.prompts)
        card.add(text_block(f"_Prompts for discussion:_\n\n{prompts}", size="Small"))
    comments = ""
    if view.comment_count:
        comments = f" · 💬 {view.comment_count} comment{'s' if view.comment_count != 1 else ''}"
    if view.is_open:
        count = f"{len(view.voters)} of {view.electorate_size}"
        card.add(
            text_block(f"Voted ({count}): {card.mentions(view.voters)}{comments}", size="Small")
        )
        card.actions = _vote_actions(view)
        if card_bytes(card.json()) > SAFE_CARD_BYTES:  # a large electorate: names, no mentions
            card.body[-1]["text"] = f"Voted ({count}): {_names(teams, view.voters)}{comments}"
            card.entities.clear()
    else:
        card.add(*_closed_elements(card, view))
        card.add(text_block(f"Voting has closed{comments}", isSubtle=True, size="Small"))
    return card.json()


def render_reminder(teams: TeamsText, view: ReminderView, link: str | None) -> dict[str, Any]:
    """A personal-chat nudge; ``link`` is the round's post, if the front end knows it."""
    card = Card(teams)
    closes = f" Voting closes {teams_date(view.deadline_at)}." if view.deadline_at else ""
    where = teams.channel(view.channel_id)
    card.add(
        text_block(
            f"👋 **Reminder:** domain {view.domain}, _{plain(view.domain_title)}_, is with the "
            f"{plain(view.subgroup_name)}, and your vote is still needed on "
            f"**{', '.join(plain(q) for q in view.waiting_on)}**.{closes}"
        )
    )
    if link:
        card.actions = [{"type": "Action.OpenUrl", "title": "Open the round", "url": link}]
    else:
        card.add(text_block(f"The round is in {where}."))
    return card.json()


def _settle_actions(view: DiscussionView) -> list[Element]:
    ref = (view.round_id, view.round_question_id)
    choices = [
        {"title": f"{g} {label}", "value": str(g)}
        for g, label in enumerate(view.scale.labels, start=1)
    ]
    body = [
        {
            "type": "Input.ChoiceSet",
            "id": codec.GRADE_INPUT,
            "label": "Grade",
            "choices": choices,
            "isRequired": True,
            "errorMessage": "Choose a grade.",
        },
        {
            "type": "Input.Text",
            "id": codec.REASON_INPUT,
            "label": "Reason",
            "isMultiline": True,
            "maxLength": MAX_REASON,
            "isRequired": True,
            "errorMessage": "Give a reason.",
        },
    ]
    decide = execute("Decide", codec.DECIDE, codec.encode_question(codec.DECIDE, *ref))
    return [
        execute("Re-vote", codec.REVOTE, codec.encode_question(codec.REVOTE, *ref)),
        show_card("Decide", sub_card(body, [decide])),
    ]


def _who_gave(card: Card, view: DiscussionView) -> Element:
    if view.named is None:
        return text_block("Votes were anonymous: nobody's grade is shown.", isSubtle=True)
    labels = view.scale.labels
    lines = [
        f"- {labels[g.grade - 1] + f' ({g.grade})' if g.grade else 'Don' + chr(39) + 't know'}"
        f": {card.mentions(g.voters, '')}"
        for g in view.named
    ]
    return text_block("**Who gave each grade:**\n\n" + "\n".join(lines))


def render_discussion(teams: TeamsText, view: DiscussionView) -> dict[str, Any]:
    """The reply under a flagged question, with the chair-only Re-vote and Decide."""
    card = Card(teams)
    labels = view.scale.labels
    flag = "disagreement" if view.result.kind is OutcomeKind.DISAGREEMENT else "no quorum"
    card.add(
        text_block(
            f"🗣️ **Question {view.question_id} closed with {flag}** (round {view.ballot}). "
            f"Let's talk it through here.\n\n{distribution_line(view.distribution, labels)} · "
            f"Turnout {view.distribution.participants} of {view.electorate_size}\n\n"
            f"_{plain(view.result.reason)}_"
        )
    )
    card.add(_who_gave(card, view))
    if view.comments:
        card.add(
            *comment_elements(
                card,
                "**Comments so far:**",
                view.comments,
                view.question_id,
                budget=SAFE_CARD_BYTES - card_bytes(card.json()) - ROOM_AFTER_COMMENTS,
            )
        )
    if view.decision is not None:
        card.add(*decision_elements(card, view.decision, labels, view.question_id))
    elif view.revote_by is not None:
        card.add(
            text_block(
                f"🔁 {card.mention(view.revote_by)} opened a re-vote (round "
                f"{view.ballot + 1}): see the new post in the channel."
            )
        )
    else:
        card.add(
            text_block(
                "Reply here with what you think. When the discussion is done, the chair "
                f"({card.mentions(view.chairs, 'a chair')}) can call a **Re-vote** (same people, "
                "votes secret again) or **Decide** the grade, giving a reason."
            )
        )
        card.actions = _settle_actions(view)
    return card.json()


def render_note(teams: TeamsText, view: SummaryNoteView) -> dict[str, Any]:
    card = Card(teams)
    card.add(text_block(f"📝 {card.say(view.text)}"))
    return card.json()

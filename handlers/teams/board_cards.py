"""Cards for the board and for one person: the Add action prompt, the report message, the
personal-chat status card (Teams' stand-in for Slack's Home tab) and private replies (a card
or text for the invoke response)."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.domain.report import PRIORITY_LABELS, DomainStatus
from bot.domain.report_text import domain_headline, outcome_text, status_text
from bot.views.forms import ActionFormView
from bot.views.reply import Reply
from bot.views.report import ActionPromptView, HomeView, ReportMessageView
from handlers.teams import codec
from handlers.teams.adaptive import (
    CARD_CONTENT_TYPE,
    Card,
    Element,
    execute,
    plain,
    show_card,
    sub_card,
    teams_date,
    text_block,
)
from handlers.teams.text import TeamsText

TEXT_CONTENT_TYPE = "application/vnd.microsoft.activity.message"
MAX_ACTION_TEXT = 1000
MAX_OWNER = 200


def _action_inputs(default_due: date | None) -> list[Element]:
    priorities = [
        {"title": f"{n} {label}", "value": str(n)} for n, label in sorted(PRIORITY_LABELS.items())
    ]
    body = [
        {
            "type": "Input.Text",
            "id": codec.ACTION_INPUT,
            "label": "Action",
            "isMultiline": True,
            "maxLength": MAX_ACTION_TEXT,
            "isRequired": True,
            "errorMessage": "Say what will be done.",
        },
        {
            "type": "Input.ChoiceSet",
            "id": codec.PRIORITY_INPUT,
            "label": "Priority",
            "choices": priorities,
            "isRequired": True,
            "errorMessage": "Choose a priority.",
        },
        {
            "type": "Input.Text",
            "id": codec.OWNER_INPUT,
            "label": "Owner",
            "maxLength": MAX_OWNER,
            "isRequired": True,
            "errorMessage": "Name an owner.",
        },
        {
            "type": "Input.Date",
            "id": codec.DUE_INPUT,
            "label": "Due",
            "isRequired": True,
            "errorMessage": "Choose a due date.",
            **({"value": default_due.isoformat()} if default_due else {}),
        },
    ]
    return body


def _add_action(round_question_id: int) -> Element:
    return execute("Add action", codec.ADD_ACTION, codec.encode_action_question(round_question_id))


def _action_form(round_question_id: int, question_id: str) -> Element:
    """Add action, opened in place under the prompt."""
    body = _action_inputs(None)
    return show_card(
        f"Add action for {question_id}", sub_card(body, [_add_action(round_question_id)])
    )


def render_action_form(teams: TeamsText, view: ActionFormView) -> dict[str, Any]:
    """The Add action form as a card of its own (for a dialog or a personal chat)."""
    card = Card(teams)
    card.add(
        text_block(
            f"**Add an action for {view.question_id}** ({plain(view.grade_label)})\n\n"
            f"{plain(view.question_text)}"
        ),
        *_action_inputs(view.default_due),
    )
    card.actions = [_add_action(view.round_question_id)]
    return card.json()


def render_action_prompt(teams: TeamsText, view: ActionPromptView) -> dict[str, Any]:
    card = Card(teams)
    card.add(
        text_block(
            f"**Action plan, domain {view.domain}: {plain(view.domain_title)}**\n\n"
            f"{len(view.questions)} question(s) graded 1 Inadequate or 2 Adequate need an action. "
            "A chair adds one with **Add action** (what will be done, priority, owner, due date)."
        )
    )
    for q in view.questions:
        if not card.add_if_room(
            text_block(f"**{q.question_id}** ({plain(q.grade_label)}) {plain(q.text)}")
        ):
            break
        if q.actions:
            card.add_if_room(
                text_block("Actions: " + " | ".join(card.say(a) for a in q.actions), size="Small")
            )
        card.actions.append(_action_form(q.round_question_id, q.question_id))
    card.add(
        text_block(
            f"`{teams.command('actions')}` lists the plan; actions carry over until done.",
            isSubtle=True,
            size="Small",
        )
    )
    return card.json()


def render_report(teams: TeamsText, view: ReportMessageView) -> dict[str, Any]:
    report, card = view.report, Card(teams)
    graded = sum(1 for d in report.domains if d.status is DomainStatus.GRADED)
    compared = f"; compared with {plain(report.previous_cycle)}." if report.previous_cycle else "."
    card.add(
        text_block(
            f"Self-assessment {plain(report.cycle)}: the board's report",
            size="Large",
            weight="Bolder",
        ),
        text_block(
            f"**{plain(report.board_name)}** · {plain(report.framework_title)}\n\n"
            f"{graded} of {len(report.domains)} domains graded{compared}"
        ),
    )
    for domain in report.domains:
        head = f"**{domain.number}. {plain(domain.title)}**"
        if domain.status is not DomainStatus.GRADED:
            card.add_if_room(
                text_block(f"{head}\n\n_{plain(status_text(domain))}_", separator=True)
            )
            continue
        lines = [
            f"{head} ({plain(domain.subgroup_name)})",
            plain(domain_headline(domain, report.scale)),
        ]
        lines += [
            f"- **{q.question_id}** {plain(outcome_text(q, report.scale))}"
            for q in domain.questions
        ]
        card.add_if_room(text_block("\n\n".join(lines), separator=True))
    open_actions = sum(1 for a in report.actions if not a.done)
    card.add(
        text_block(
            f"Posted by {card.mention(view.posted_by)} · Action plan: {len(report.actions)} "
            f"action(s), {open_actions} open (`{teams.command('actions')}`).",
            isSubtle=True,
        )
    )
    return card.json()


def render_status(teams: TeamsText, view: HomeView) -> dict[str, Any]:
    """The personal-chat status card: the cycle's domains, this person's questions to vote on
    and, for chairs, the open actions with Mark done."""
    card = Card(teams)
    card.add(
        text_block(f"Self-assessment: {plain(view.board_name)}", size="Large", weight="Bolder")
    )
    if view.notice:
        card.add(text_block(card.say(view.notice)))
    if view.cycle is None:
        card.add(
            text_block(
                "No assessment cycle has started yet. A chair begins one with "
                f"`{teams.command('cycle start 2026-27')}`."
            )
        )
    else:
        card.add(
            text_block(
                f"Current cycle **{plain(view.cycle)}** · {view.open_actions} open "
                f"action(s) (`{teams.command('actions')}`)."
            )
        )
    for d in view.domains:
        detail = plain(d.detail)
        if d.status is DomainStatus.OPEN and d.deadline_at is not None:
            detail += f"; closes {teams_date(d.deadline_at)}"
        card.add_if_room(
            text_block(
                f"**{d.number}. {plain(d.title)}** ({d.status.value})\n\n"
                f"{plain(d.subgroup_name)}: {detail}",
                separator=True,
            )
        )
    waiting = [f"- **{q.question_id}** {plain(q.text[:150])}" for q in view.waiting]
    card.add(
        text_block(
            "**Waiting for your vote:**\n\n" + "\n".join(waiting)
            if waiting
            else "Nothing is waiting for your vote. ✅",
            separator=True,
        )
    )
    for action in view.actions if view.is_chair else ():
        overdue = " · **overdue**" if action.overdue else ""
        line = text_block(f"**{action.id}.** {card.teams.render(action.line).text}{overdue}")
        if not card.add_if_room(line):
            break
        card.say(action.line)
        card.actions.append(
            execute(f"Mark {action.id} done", codec.MARK_DONE, codec.encode_mark_done(action.id))
        )
    return card.json()


def render_reply(teams: TeamsText, reply: Reply) -> dict[str, Any]:
    """A private answer as a card (a refusal says so first)."""
    card = Card(teams)
    card.add(text_block(("⛔ " if reply.is_refusal else "") + card.say(reply.text)))
    for r in reply.rounds:
        lines = [f"**Domain {r.domain}: {plain(r.domain_title)}** ({plain(r.subgroup_name)})"]
        for q in r.questions:
            waiting = card.mentions(q.not_voted, "everyone has voted")
            state = "open" if q.is_open else "closed"
            lines.append(
                f"- {q.question_id} ({state}): {q.voted} of {q.electorate_size} voted;"
                f" not yet: {waiting}"
            )
        card.add_if_room(text_block("\n".join(lines), separator=True))
    return card.json()


def invoke_response(teams: TeamsText, reply: Reply, as_card: bool = True) -> dict[str, Any]:
    """The answer to an ``adaptiveCard/action`` invoke: a card, or the reply's plain text."""
    if as_card:
        return {"statusCode": 200, "type": CARD_CONTENT_TYPE, "value": render_reply(teams, reply)}
    return {"statusCode": 200, "type": TEXT_CONTENT_TYPE, "value": teams.plain(reply.text)}


def answer_on_card(teams: TeamsText, card: dict[str, Any], reply: Reply) -> dict[str, Any]:
    """The answer to a click on a card: Teams replaces the clicker's copy of the card with the
    card in the invoke response, so this is the card as it now stands (say the question, its
    buttons still there) with the private answer on top, seen by the clicker alone."""
    note = Card(teams)
    text = ("⛔ " if reply.is_refusal else "✅ ") + note.say(reply.text)
    style = "attention" if reply.is_refusal else "good"
    answered = {
        **card,
        "body": [
            {"type": "Container", "style": style, "items": [text_block(text)]},
            *card["body"],
        ],
        "msteams": {
            **card.get("msteams", {}),
            "entities": [*card.get("msteams", {}).get("entities", []), *note.entities],
        },
    }
    return {"statusCode": 200, "type": CARD_CONTENT_TYPE, "value": answered}

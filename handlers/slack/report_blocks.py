"""Block Kit for the reporting side: the report message, the Add action prompt and modal, and
the Home tab. Kept within Slack's limits: 50 blocks a message, 100 a modal or Home tab, 3000
characters a section, 150 a header, and always a plain ``text`` fallback."""

from __future__ import annotations

from typing import Any

from bot.domain.report import (
    PRIORITY_LABELS,
    AssessmentReport,
    Change,
    DomainStatus,
    average_grade,
    domain_change,
    previous_average_grade,
)
from bot.domain.report_text import (
    change_text,
    domain_headline,
    format_average,
    outcome_text,
    status_text,
)
from bot.domain.text import Composed
from bot.views.forms import ActionFormView
from bot.views.report import (
    ActionPromptView,
    BoardMessage,
    HomeDomain,
    HomeView,
    ReportMessageView,
)
from handlers.slack.block_kit import (
    DIVIDER,
    MAX_BLOCKS_PER_MESSAGE,
    Block,
    SlackMessage,
    context,
    escape,
    header,
    mention,
    plain,
    section,
    slack_date,
    split_text,
    truncate,
)
from handlers.slack.codec import encode_action, encode_action_form, encode_action_question
from handlers.slack.text import render

MAX_VIEW_BLOCKS = 100
ADD_ACTION = "add_action"
MARK_DONE = "mark_action_done"
ACTION_CALLBACK = "action_submit"
ACTION_BLOCK = "action_block"
ACTION_INPUT = "action_input"
PRIORITY_BLOCK = "priority_block"
PRIORITY_INPUT = "priority_input"
OWNER_BLOCK = "owner_block"
OWNER_INPUT = "owner_input"
DUE_BLOCK = "due_block"
DUE_INPUT = "due_input"
#: which modal block shows a problem with which field
FIELD_BLOCKS = {
    "action": ACTION_BLOCK,
    "priority": PRIORITY_BLOCK,
    "owner": OWNER_BLOCK,
    "due": DUE_BLOCK,
    "form": ACTION_BLOCK,
}
ARROWS = {Change.UP: "▲ up", Change.DOWN: "▼ down", Change.SAME: "= same"}


# ------------------------------------------------------------------------------ report


def _domain_change_text(report: AssessmentReport, number: int) -> str:
    domain = report.domain(number)
    if domain is None or report.previous_cycle is None:
        return ""
    moved = domain_change(domain)
    if moved in ARROWS:
        return (
            f" · {ARROWS[moved]} since {escape(report.previous_cycle)} "
            f"(average {format_average(previous_average_grade(domain))} → "
            f"{format_average(average_grade(domain))})"
        )
    if moved is Change.NEW:
        return f" · not graded in {escape(report.previous_cycle)}"
    return ""


def render_report(view: ReportMessageView) -> SlackMessage:
    report = view.report
    scale = report.scale
    graded = sum(1 for d in report.domains if d.status is DomainStatus.GRADED)
    text = (
        f"Self-assessment {report.cycle} for {report.board_name}: {graded} of "
        f"{len(report.domains)} domains graded. The board paper (PDF), workbook and chart follow."
    )
    blocks: list[Block] = [
        header(f"Self-assessment {report.cycle}: the board's report"),
        section(
            f"*{escape(report.board_name)}* · {escape(report.framework_title)}\n"
            f"{graded} of {len(report.domains)} domains graded"
            + (
                f"; compared with {escape(report.previous_cycle)}."
                if report.previous_cycle
                else "."
            )
        ),
        DIVIDER,
    ]
    for domain in report.domains:
        head = f"*{domain.number}. {escape(domain.title)}*"
        if domain.status is not DomainStatus.GRADED:
            blocks.append(section(f"{head}\n_{escape(status_text(domain))}_"))
            continue
        lines = [
            f"{head} ({escape(domain.subgroup_name)})",
            escape(domain_headline(domain, scale)) + _domain_change_text(report, domain.number),
        ]
        for q in domain.questions:
            moved = change_text(q, scale) if report.previous_cycle else ""
            lines.append(
                f"• *{q.question_id}* {escape(outcome_text(q, scale))}"
                + (f" · {escape(moved)}" if moved else "")
            )
        for piece in split_text("\n".join(lines)):
            blocks.append(section(piece))
    open_actions = sum(1 for a in report.actions if not a.done)
    blocks.append(DIVIDER)
    blocks.append(
        context(
            f"Posted by {mention(view.posted_by)} · Action plan: {len(report.actions)} "
            f"action(s), {open_actions} open (`/assess actions`)."
        )
    )
    if len(blocks) > MAX_BLOCKS_PER_MESSAGE:
        blocks = [*blocks[: MAX_BLOCKS_PER_MESSAGE - 1], context("(More in the board paper.)")]
    return SlackMessage(text=truncate(text, 3000), blocks=blocks)


# ------------------------------------------------------------------------ action prompt


def render_action_prompt(view: ActionPromptView) -> SlackMessage:
    count = len(view.questions)
    text = (
        f"Domain {view.domain}: {count} question(s) graded 1 or 2 need an action in the "
        "action plan."
    )
    blocks: list[Block] = [
        section(
            f"*Action plan, domain {view.domain}: {escape(view.domain_title)}*\n"
            f"{count} question(s) graded 1 Inadequate or 2 Adequate need an action. "
            "A chair adds one with *Add action* (what will be done, priority, owner, due date)."
        )
    ]
    for q in view.questions[: (MAX_BLOCKS_PER_MESSAGE - 2) // 2]:
        block = section(f"*{q.question_id}* ({escape(q.grade_label)}) {escape(q.text)}")
        block["accessory"] = {
            "type": "button",
            "action_id": ADD_ACTION,
            "text": plain("Add action", 75),
            "value": encode_action_question(q.round_question_id),
        }
        blocks.append(block)
        if q.actions:
            blocks.append(context("Actions: " + " | ".join(render(a) for a in q.actions)))
    blocks.append(context("`/assess actions` lists the plan; actions carry over until done."))
    return SlackMessage(text=text, blocks=blocks)


def render_board_message(view: BoardMessage) -> SlackMessage:
    match view:
        case ReportMessageView():
            return render_report(view)
        case ActionPromptView():
            return render_action_prompt(view)


def _input(block_id: str, label: str, element: dict[str, Any]) -> Block:
    return {"type": "input", "block_id": block_id, "label": plain(label, 2000), "element": element}


def _action_fields(form: ActionFormView) -> list[Block]:
    options = [
        {"text": plain(f"{p} {label}", 75), "value": str(p)}
        for p, label in sorted(PRIORITY_LABELS.items(), reverse=True)
    ]
    what = {
        "type": "plain_text_input",
        "action_id": ACTION_INPUT,
        "multiline": True,
        "max_length": 1000,
    }
    priority = {
        "type": "static_select",
        "action_id": PRIORITY_INPUT,
        "options": options,
        "initial_option": options[1],
    }
    owner = {"type": "plain_text_input", "action_id": OWNER_INPUT, "max_length": 200}
    due = {
        "type": "datepicker",
        "action_id": DUE_INPUT,
        "initial_date": form.default_due.isoformat(),
    }
    return [
        _input(ACTION_BLOCK, "What will be done", what),
        _input(PRIORITY_BLOCK, "Priority", priority),
        _input(OWNER_BLOCK, "Owner (a person or a role)", owner),
        _input(DUE_BLOCK, "Due date", due),
    ]


def render_action_modal(
    form: ActionFormView, channel_id: str, message_ts: str | None = None
) -> dict[str, Any]:
    """The Add action form; ``message_ts`` is the Add action message, redrawn after a save."""
    return {
        "type": "modal",
        "callback_id": ACTION_CALLBACK,
        "private_metadata": encode_action_form(form.round_question_id, channel_id, message_ts),
        "title": plain(f"Action for {form.question_id}", 24),
        "submit": plain("Add action", 24),
        "close": plain("Cancel", 24),
        "blocks": [
            section(
                f"*{form.question_id}* ({escape(form.grade_label)}) {escape(form.question_text)}"
            ),
            *_action_fields(form),
        ],
    }


# ---------------------------------------------------------------------------- home tab


def permalink(team_url: str | None, channel_id: str, ts: str | None) -> str | None:
    """A message's link, as Slack forms it: <team url>archives/<channel>/p<ts without the dot>."""
    if not team_url or not ts:
        return None
    base = team_url if team_url.endswith("/") else team_url + "/"
    return f"{base}archives/{channel_id}/p{ts.replace('.', '')}"


STATUS_ICONS = {
    DomainStatus.NOT_STARTED: "⚪ not started",
    DomainStatus.OPEN: "🟡 open",
    DomainStatus.GRADED: "🟢 graded",
}


def _cycle_blocks(view: HomeView) -> list[Block]:
    blocks: list[Block] = [header(f"Self-assessment: {view.board_name}")]
    if view.notice:
        blocks.append(
            section(
                render(view.notice) if isinstance(view.notice, Composed) else escape(view.notice)
            )
        )
    if view.cycle is None:
        blocks.append(
            section(
                "No assessment cycle has started yet. A chair begins one with "
                "`/assess cycle start 2026-27` or `/assess domain N`."
            )
        )
    else:
        blocks.append(
            section(
                f"Current cycle *{escape(view.cycle)}* · {view.open_actions} open action(s) "
                "in the action plan (`/assess actions`)."
            )
        )
    blocks.append(DIVIDER)
    return blocks


def _domain_block(domain: HomeDomain) -> Block:
    line = f"*{domain.number}. {escape(domain.title)}*  {STATUS_ICONS[domain.status]}"
    if domain.status is DomainStatus.OPEN:
        detail = escape(domain.detail)
        if domain.deadline_at is not None:
            detail += f"; closes {slack_date(domain.deadline_at)}"
        line += f"\n{escape(domain.subgroup_name)}: {detail}"
    elif domain.status is DomainStatus.GRADED:
        line += f"\n{escape(domain.subgroup_name)}: {escape(domain.detail)}"
    elif domain.subgroup_name:
        line += f"\nTo be graded by the {escape(domain.subgroup_name)}"
    return section(line)


def _waiting_blocks(view: HomeView, team_url: str | None) -> list[Block]:
    if not view.waiting:
        return [section("Nothing is waiting for your vote. ✅")]
    blocks = [header(f"Waiting for your vote ({len(view.waiting)})")]
    by_domain: dict[int, list[str]] = {}
    for q in view.waiting:
        link = permalink(team_url, q.channel_id, q.message_id)
        label = f"*{q.question_id}*"
        label = f"<{link}|{q.question_id}>" if link else label
        by_domain.setdefault(q.domain, []).append(f"• {label} {escape(truncate(q.text, 150))}")
    for number, lines in by_domain.items():
        for piece in split_text(f"*Domain {number}*\n" + "\n".join(lines)):
            blocks.append(section(piece))
    return blocks


def _action_blocks(view: HomeView) -> list[Block]:
    if not view.actions:
        return []
    blocks = [DIVIDER, header(f"Open actions ({view.open_actions})")]
    for action in view.actions:
        block = section(
            f"*{action.id}.* {render(action.line)}" + (" · *overdue*" if action.overdue else "")
        )
        block["accessory"] = {
            "type": "button",
            "action_id": MARK_DONE,
            "text": plain("Mark done", 75),
            "value": encode_action(action.id),
        }
        blocks.append(block)
    if view.open_actions > len(view.actions):
        blocks.append(context("The rest are in `/assess actions`."))
    return blocks


def render_home(view: HomeView, team_url: str | None) -> dict[str, Any]:
    """The Home tab: the current cycle's domains, then this person's questions to vote on."""
    blocks = _cycle_blocks(view)
    blocks.extend(_domain_block(domain) for domain in view.domains)
    blocks.append(DIVIDER)
    blocks.extend(_waiting_blocks(view, team_url))
    blocks.extend(_action_blocks(view))
    if view.is_chair:
        blocks.append(
            context(
                "Chairs: `/assess domain N` puts a domain to its sub-group · `/assess report` "
                "posts the board paper · `/assess cycle start NAME` begins a new cycle."
            )
        )
    if len(blocks) > MAX_VIEW_BLOCKS:
        blocks = [*blocks[: MAX_VIEW_BLOCKS - 1], context("(More than fits here.)")]
    return {"type": "home", "blocks": blocks}

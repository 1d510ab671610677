"""Which card draws which core view: the one place the Teams gateway and listeners look up."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote, urlencode

from bot.domain.messages import FileToSend
from bot.views.report import ActionPromptView, BoardMessage, ReportMessageView
from bot.views.rounds import (
    DiscussionView,
    DomainSummaryView,
    MessageView,
    QuestionCardView,
    ReminderView,
    RoundHeaderView,
    SummaryNoteView,
)
from handlers.teams.adaptive import Card, Element, text_block
from handlers.teams.board_cards import render_action_prompt, render_report
from handlers.teams.round_cards import (
    render_discussion,
    render_header,
    render_note,
    render_question,
    render_reminder,
)
from handlers.teams.summary_cards import render_summary
from handlers.teams.text import TeamsText, inline

JsonCard = dict[str, Any]


def render_message(teams: TeamsText, view: MessageView, link: str | None = None) -> list[JsonCard]:
    """The cards of one message: the first is the post, any others continue in its replies."""
    match view:
        case RoundHeaderView():
            return [render_header(teams, view)]
        case QuestionCardView():
            return [render_question(teams, view)]
        case DomainSummaryView():
            return render_summary(teams, view)
        case ReminderView():
            return [render_reminder(teams, view, link)]
        case DiscussionView():
            return [render_discussion(teams, view)]
        case SummaryNoteView():
            return [render_note(teams, view)]
    raise AssertionError(f"no card for {type(view).__name__}")


def render_board(teams: TeamsText, view: BoardMessage) -> JsonCard:
    match view:
        case ActionPromptView():
            return render_action_prompt(teams, view)
        case ReportMessageView():
            return render_report(teams, view)
    raise AssertionError(f"no card for {type(view).__name__}")


def render_files(
    teams: TeamsText, files: Sequence[tuple[FileToSend, str]], comment: str | None
) -> JsonCard:
    """Files as a card: pictures shown, every file a download button (``url`` each)."""
    card = Card(teams)
    if comment:
        card.add(text_block(card.say(comment)))
    actions: list[Element] = []
    for file, url in files:
        if file.filename.lower().endswith(".png"):
            image: Element = {"type": "Image", "url": url, "size": "Stretch"}
            if file.alt_text:
                image["altText"] = inline(file.alt_text)[:1000]
            card.add(image)
        title = f"Download {inline(file.title)}"[:100]
        actions.append({"type": "Action.OpenUrl", "title": title, "url": url})
    card.add(text_block("The download links work for 7 days.", isSubtle=True, size="Small"))
    card.actions = actions
    return card.json()


def message_link(
    channel_id: str, message_id: str, tenant_id: str | None, group_id: str | None
) -> str:
    """A link that opens a channel post in Teams."""
    query = {"parentMessageId": message_id}
    if tenant_id:
        query["tenantId"] = tenant_id
    if group_id:
        query["groupId"] = group_id
    return (
        f"https://teams.microsoft.com/l/message/{quote(channel_id, safe='')}/"
        f"{quote(message_id, safe='')}?{urlencode(query)}"
    )


def summary_text(cards: Sequence[JsonCard]) -> str:
    """A short plain text for notifications: the first card's first text."""
    for element in cards[0].get("body", []) if cards else []:
        text = element.get("text")
        if isinstance(text, str) and text:
            return text.replace("**", "")[:200]
    return "Self-assessment"

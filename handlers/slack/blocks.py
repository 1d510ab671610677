"""The core's channel messages in Block Kit: each view model to its renderer (round_blocks,
summary_blocks, discussion_blocks). Limits and building blocks are in block_kit."""

from __future__ import annotations

from bot.views.rounds import (
    DiscussionView,
    DomainSummaryView,
    MessageView,
    QuestionCardView,
    ReminderView,
    RoundHeaderView,
    SummaryNoteView,
)
from handlers.slack.block_kit import SlackMessage
from handlers.slack.discussion_blocks import render_discussion
from handlers.slack.round_blocks import render_card, render_header, render_reminder
from handlers.slack.summary_blocks import render_note, render_summary

__all__ = ["SlackMessage", "render_message"]


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

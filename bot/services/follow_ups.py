"""After a domain's summary is sent: its chart, then the Add action message."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.messages import FileToSend, MessageRef
from bot.domain.report_text import chart_alt_text
from bot.domain.rounds import (
    ClaimedMessage,
    Delivered,
    MessageKind,
    OutboxStatus,
    OutgoingMessage,
    Round,
)
from bot.ports import ChatError, UnitOfWork
from bot.services.report_context import fit_alt_text
from bot.services.reporting import Reporting
from bot.views.report import ActionPromptView


@dataclass
class SummaryFollowUps:
    """After a domain's summary is sent: its chart is uploaded to the board channel, then a
    message offers `Add action` for each question graded 1 or 2 (a Delivery extension)."""

    reporting: Reporting
    kinds: frozenset[MessageKind] = frozenset(
        {MessageKind.SUMMARY_CHART, MessageKind.ACTION_PROMPT}
    )

    def after_sent(
        self, uow: UnitOfWork, claimed: ClaimedMessage, message_id: str | None, now: datetime
    ) -> bool:
        message = claimed.message
        if (
            message.kind not in (MessageKind.SUMMARY, MessageKind.SUMMARY_UPDATE)
            or message_id is None
        ):
            return False
        # after an updated summary (flags settled): a fresh chart, and the Add action message
        # brought up to date (see `_refresh_prompt`)
        tail = ":updated" if message.kind is MessageKind.SUMMARY_UPDATE else ""
        for kind, key in (
            (MessageKind.SUMMARY_CHART, f"summary-chart:{message.round_id}{tail}"),
            (MessageKind.ACTION_PROMPT, f"action-prompt:{message.round_id}{tail}"),
        ):
            # unique keys: a summary sent again (a retry) records nothing new
            uow.outbox.add(OutgoingMessage(key, kind, message.round_id), now, now)
        return True

    def deliver(self, claimed: ClaimedMessage, round_: Round) -> Delivered:
        reporting = self.reporting
        channel = reporting.config.board.channel
        if claimed.message.kind is MessageKind.SUMMARY_CHART:
            domain = reporting.context.domain_report(round_)
            scale = reporting.context.presenter.scale
            png = reporting.files.domain_chart(domain, scale)
            ids = reporting.chat.send_files(
                channel,
                [
                    FileToSend(
                        f"domain-{round_.domain}-chart.png",
                        f"Domain {round_.domain}: grades per question",
                        png,
                        alt_text=fit_alt_text(chart_alt_text(domain, scale)),
                    )
                ],
                comment=f"Chart of domain {round_.domain}'s grades, question by question.",
            )
            return (ids[0] if ids else None), OutboxStatus.SENT
        if claimed.message.key.endswith(":updated"):
            return self._refresh_prompt(round_, channel)
        view = self.prompt(round_)
        if view is None:
            return None, OutboxStatus.SKIPPED
        return reporting.chat.post_board_message(channel, view).message_id, OutboxStatus.SENT

    def _refresh_prompt(self, round_: Round, channel: str) -> Delivered:
        """One Add action message per round: redraw the first if it was posted, post one if
        there was nothing to act on then, and wait while the first is still on its way."""
        first = f"action-prompt:{round_.id}"
        with self.reporting.uow_factory() as uow:
            status, sent_id = uow.outbox.status_of(first), uow.outbox.sent_message_id(first)
        if status is OutboxStatus.PENDING:
            raise ChatError("the first Add action message is not sent yet")
        view = self.prompt(round_)
        if view is None:
            return None, OutboxStatus.SKIPPED
        if sent_id is not None:
            self.reporting.chat.update_board_message(MessageRef(channel, sent_id), view)
            return sent_id, OutboxStatus.UPDATED
        return self.reporting.chat.post_board_message(channel, view).message_id, OutboxStatus.SENT

    def prompt(self, round_: Round) -> ActionPromptView | None:
        return self.reporting.action_prompt(round_)

"""Delivering the outbox: every message that matters is recorded first, then sent, then marked.

A message is claimed by one sender at a time (a lease, taken with a conditional UPDATE), so several
workers can deliver side by side. A message whose earlier attempt may have reached Slack (the
process died, or the answer was lost) is looked up by its key before it is posted again: if Slack
has it, it is updated instead of posted twice. Failures are retried with a growing delay; Slack's
429s have already been retried after ``Retry-After`` by the chat adapter.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Protocol

import structlog

from bot.domain.messages import MessageRef
from bot.domain.rounds import ClaimedMessage, Delivered, MessageKind, OutboxStatus, Round
from bot.ports import ChatError, ChatGateway, Clock, UnitOfWork, UnitOfWorkFactory
from bot.presenter import Presenter
from bot.services.refresh import MessagePacer, NoPacing
from bot.views.rounds import MessageView, SummaryNoteView

log = structlog.get_logger(__name__)

MAX_BACKOFF = timedelta(minutes=5)


def _lane(claimed: ClaimedMessage) -> str:
    message = claimed.message
    if message.kind in (MessageKind.HEADER, MessageKind.CARD):
        return f"round-posts:{message.round_id}"
    if message.kind in (MessageKind.SUMMARY_CHART, MessageKind.ACTION_PROMPT):
        return f"summary-follow-ups:{message.round_id}"  # the chart, then the action buttons
    return message.key


class DeliveryExtension(Protocol):
    """Sends messages of further kinds, and records follow-ups once a message has been sent."""

    kinds: frozenset[MessageKind]

    def deliver(self, claimed: ClaimedMessage, round_: Round) -> Delivered:
        """Send one message of ``kinds``; return its message id (if any) and its outbox status."""
        ...

    def after_sent(
        self, uow: UnitOfWork, claimed: ClaimedMessage, message_id: str | None, now: datetime
    ) -> bool:
        """Record messages that follow this one (same transaction); True if any was recorded."""
        ...


def backoff(attempts: int) -> timedelta:
    return min(MAX_BACKOFF, timedelta(seconds=2 ** min(attempts, 10)))


@dataclass
class Delivery:
    """Sends recorded messages: at once (`send_now`), and whatever is due (`send_due`)."""

    presenter: Presenter
    uow_factory: UnitOfWorkFactory
    chat: ChatGateway
    clock: Clock
    lease: timedelta = timedelta(seconds=60)
    parallel: int = 4
    pacer: MessagePacer = field(default_factory=NoPacing)
    on_pending: Callable[[], None] = field(default=lambda: None)
    extensions: list[DeliveryExtension] = field(default_factory=list)

    def send_now(self, keys: list[str]) -> dict[str, str]:
        """Send these messages in order, in this thread; return each key's status afterwards."""
        with self.uow_factory() as uow:
            claimed = uow.outbox.claim_keys(keys, self.clock.now(), self.lease)
            uow.commit()
        for message in claimed:
            self._send(message)
        with self.uow_factory() as uow:
            return {key: uow.outbox.status_of(key) or OutboxStatus.MISSING for key in keys}

    def send_due(self, limit: int = 20) -> int:
        """Send messages whose time has come (new ones, and retries); return how many were tried.

        A round's header and questions go out in order, one after another; other messages go
        side by side, so a summary is not held up behind message updates that Slack is
        rate-limiting.
        """
        with self.uow_factory() as uow:
            claimed = uow.outbox.claim_due(self.clock.now(), self.lease, limit)
            uow.commit()
        lanes: dict[str, list[ClaimedMessage]] = {}
        for message in claimed:
            lanes.setdefault(_lane(message), []).append(message)
        if len(lanes) <= 1:
            for message in claimed:
                self._send(message)
            return len(claimed)
        with ThreadPoolExecutor(max_workers=min(self.parallel, len(lanes))) as pool:
            for lane in lanes.values():
                pool.submit(self._send_all, lane)
        return len(claimed)

    def _send_all(self, messages: list[ClaimedMessage]) -> None:
        for message in messages:
            try:
                self._send(message)
            except Exception:  # one bad message must not stop the others
                log.exception("message_send_crashed", key=message.message.key)

    def _send(self, claimed: ClaimedMessage) -> None:
        message = claimed.message
        logger = log.bind(key=message.key, attempt=claimed.attempts)
        with self.uow_factory() as uow:
            round_ = self._round_for(uow, claimed)
        try:
            message_id, status = self._deliver(claimed, round_)
        except ChatError as exc:
            retry_at = None if exc.permanent else self.clock.now() + backoff(claimed.attempts)
            with self.uow_factory() as uow:
                uow.outbox.mark_failed(claimed.id, str(exc), retry_at, self.clock.now())
                uow.commit()
            if retry_at is None:
                logger.error("message_failed", error=str(exc))
            else:
                logger.warning("message_retry_later", error=str(exc), retry_at=retry_at.isoformat())
                self.on_pending()
            return
        followed = False
        with self.uow_factory() as uow:
            uow.outbox.mark_sent(claimed.id, message_id, self.clock.now(), status)
            if message_id is not None and status is OutboxStatus.SENT:
                self._remember_message_id(uow, claimed, message_id)
            for extension in self.extensions:
                followed = (
                    extension.after_sent(uow, claimed, message_id, self.clock.now()) or followed
                )
            uow.commit()
        logger.info("message_" + status, kind=message.kind.value, message_id=message_id)
        if followed:
            self.on_pending()

    @staticmethod
    def _round_for(uow: UnitOfWork, claimed: ClaimedMessage) -> Round | None:
        """The round as the message needs it. A first ballot's card or its reveal shows that
        question and the round's electorate only: the round's outline and that one question,
        not every other question's votes (each closing's reveal loaded them all)."""
        message = claimed.message
        if message.kind in (MessageKind.CARD, MessageKind.REVEAL) and message.round_question_id:
            question = uow.rounds.get_question(message.round_question_id)
            if question is not None and question.ballot == 1:
                outline = uow.rounds.outline(message.round_id)
                return replace(outline, questions=[question]) if outline else None
        return uow.rounds.get(message.round_id)

    def _deliver(self, claimed: ClaimedMessage, round_: Round | None) -> Delivered:
        message = claimed.message
        if round_ is None:
            return None, OutboxStatus.DROPPED
        for extension in self.extensions:
            if message.kind in extension.kinds:
                return extension.deliver(claimed, round_)
        channel = message.channel_id or round_.channel_id
        match message.kind:
            case MessageKind.HEADER:
                header = self.presenter.header(round_)
                return self._post_or_update(
                    claimed, channel, header, claimed.message_id or round_.header_message_id
                )
            case MessageKind.CARD | MessageKind.REVEAL:
                return self._card(claimed, round_, channel)
            case MessageKind.HEADER_UPDATE:
                if round_.header_message_id is None:
                    return None, OutboxStatus.SKIPPED
                header_ref = MessageRef(channel, round_.header_message_id)
                self.chat.update(header_ref, self.presenter.header(round_))
                return round_.header_message_id, OutboxStatus.UPDATED
            case MessageKind.SUMMARY:
                board = self.presenter.config.board.channel
                summary = self.presenter.summary(round_)
                return self._post_or_update(
                    claimed, board, summary, claimed.message_id or round_.summary_message_id
                )
            case MessageKind.SUMMARY_UPDATE:
                return self._update_summary(claimed, round_)
            case MessageKind.DISCUSSION | MessageKind.DISCUSSION_UPDATE:
                return self._discussion(claimed, round_, channel)
            case MessageKind.REMINDER:
                assert message.user_id is not None
                reminder = self.presenter.reminder(round_, message.user_id)
                if reminder is None:
                    return None, OutboxStatus.SKIPPED  # finished voting, or the round closed
                direct = self.chat.direct_conversation(message.user_id)
                return self._post_or_update(claimed, direct, reminder, claimed.message_id)
            case _:
                return None, OutboxStatus.DROPPED  # a kind no extension of this process sends

    def _card(self, claimed: ClaimedMessage, round_: Round, channel: str) -> Delivered:
        question = round_.question(claimed.message.round_question_id or 0)
        if question is None:
            return None, OutboxStatus.DROPPED
        view = self.presenter.card(round_, question)
        known_id = claimed.message_id or question.message_id
        if claimed.message.kind is MessageKind.REVEAL:
            if known_id is None:
                return None, OutboxStatus.SKIPPED  # the card's own post will show the result
            with self.pacer.turn(question.id):  # spaced from vote-count redraws
                self.chat.update(MessageRef(channel, known_id), view)
            return known_id, OutboxStatus.UPDATED
        return self._post_or_update(claimed, channel, view, known_id)

    def _discussion(self, claimed: ClaimedMessage, round_: Round, channel: str) -> Delivered:
        message = claimed.message
        question = round_.question(message.round_question_id or 0)
        if question is None:
            return None, OutboxStatus.DROPPED
        view = self.presenter.discussion(round_, question)
        if message.kind is MessageKind.DISCUSSION_UPDATE:
            if question.discussion_message_id is None:
                return None, OutboxStatus.SKIPPED  # its first post will show the latest state
            thread = MessageRef(channel, question.discussion_message_id, question.message_id)
            self.chat.update(thread, view)
            return question.discussion_message_id, OutboxStatus.UPDATED
        known_id = claimed.message_id or question.discussion_message_id
        if question.message_id is None:
            if known_id is None:
                raise ChatError("the question's message is not posted yet")
            return self._post_or_update(claimed, channel, view, known_id)
        card = MessageRef(channel, question.message_id)
        if known_id is None and claimed.attempts > 1:
            found = self.chat.find_posted(channel, message.key, reply_to=card)
            known_id = found.message_id if found else None
        if known_id is None:
            posted = self.chat.post(channel, view, key=message.key, reply_to=card)
            with self.uow_factory() as uow:
                uow.outbox.record_message_id(claimed.id, posted.message_id)
                uow.commit()
            return posted.message_id, OutboxStatus.SENT
        return self._post_or_update(claimed, channel, view, known_id)

    def _post_or_update(
        self, claimed: ClaimedMessage, channel: str, view: MessageView, known_id: str | None
    ) -> Delivered:
        """Update the message if it was posted (or an earlier attempt may have posted it), else
        post it and record its id at once."""
        if known_id is None and claimed.attempts > 1:
            found = self.chat.find_posted(channel, claimed.message.key)
            known_id = found.message_id if found else None
        if known_id is not None:
            self.chat.update(MessageRef(channel, known_id), view)
            return known_id, OutboxStatus.SENT
        posted = self.chat.post(channel, view, key=claimed.message.key)
        with self.uow_factory() as uow:  # if we die now, the next attempt updates, not reposts
            uow.outbox.record_message_id(claimed.id, posted.message_id)
            uow.commit()
        return posted.message_id, OutboxStatus.SENT

    def _update_summary(self, claimed: ClaimedMessage, round_: Round) -> Delivered:
        """Redraw the board summary in place, then say in its thread that it changed (once: a
        later attempt first looks for the note an earlier one may have posted)."""
        if round_.summary_message_id is None:
            raise ChatError("the summary is not posted yet")
        board = self.presenter.config.board.channel
        summary = MessageRef(board, round_.summary_message_id)
        self.chat.update(summary, self.presenter.summary(round_, updated=True))
        note = SummaryNoteView(
            round_.domain,
            f"Updated: every flagged question of domain {round_.domain} now has a grade "
            "(after discussion, a re-vote or the chair's decision). The summary above shows "
            "how each grade was reached.",
        )
        key = f"{claimed.message.key}:note"
        if claimed.attempts <= 1 or not self.chat.find_posted(board, key, reply_to=summary):
            self.chat.post(board, note, key=key, reply_to=summary)
        return round_.summary_message_id, OutboxStatus.UPDATED

    @staticmethod
    def _remember_message_id(uow: UnitOfWork, claimed: ClaimedMessage, message_id: str) -> None:
        message = claimed.message
        if message.kind is MessageKind.HEADER:
            uow.rounds.set_header_message_id(message.round_id, message_id)
        elif message.kind is MessageKind.CARD and message.round_question_id is not None:
            uow.rounds.set_question_message_id(message.round_question_id, message_id)
        elif message.kind is MessageKind.SUMMARY:
            uow.rounds.set_summary_message_id(message.round_id, message_id)
        elif message.kind is MessageKind.DISCUSSION and message.round_question_id is not None:
            uow.rounds.set_discussion_message_id(message.round_question_id, message_id)

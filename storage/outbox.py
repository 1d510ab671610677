"""The outbox on SQLAlchemy."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, select, update
from sqlalchemy.orm import Session

from bot.domain.rounds import (
    ClaimedMessage,
    MessageKind,
    OutboxStatus,
    OutgoingMessage,
)
from storage.orm import (
    OutboxRow,
)
from storage.rows import _insert

# New messages before redraws of existing ones: a summary should not queue behind updates.
_POSTS_FIRST = case(
    (OutboxRow.kind.in_([MessageKind.REVEAL.value, MessageKind.HEADER_UPDATE.value]), 1), else_=0
)


def _message(row: OutboxRow) -> OutgoingMessage:
    return OutgoingMessage(
        key=row.key,
        kind=MessageKind(row.kind),
        round_id=row.round_id,
        channel_id=row.channel_id,
        round_question_id=row.round_question_id,
        user_id=row.user_id,
    )


class SqlOutbox:
    """Messages that matter, recorded in the same transaction as the change that needs them."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, message: OutgoingMessage, now: datetime, not_before: datetime) -> bool:
        statement = (
            _insert(self.session, OutboxRow)
            .values(
                key=message.key,
                kind=message.kind.value,
                round_id=message.round_id,
                round_question_id=message.round_question_id,
                channel_id=message.channel_id,
                user_id=message.user_id,
                status=OutboxStatus.PENDING.value,
                attempts=0,
                next_attempt_at=not_before,
                created_at=now,
            )
            .on_conflict_do_nothing(index_elements=[OutboxRow.key])
            .returning(OutboxRow.id)  # rowcount is not reliable here on PostgreSQL
        )
        return self.session.connection().execute(statement).scalar() is not None

    def _claim(self, row_id: int, now: datetime, lease: timedelta, due_only: bool) -> bool:
        conditions = [
            OutboxRow.id == row_id,
            OutboxRow.status == OutboxStatus.PENDING.value,
            (OutboxRow.claimed_until.is_(None)) | (OutboxRow.claimed_until < now),
        ]
        if due_only:
            conditions.append(OutboxRow.next_attempt_at <= now)
        outcome = self.session.execute(
            update(OutboxRow)
            .where(*conditions)
            .values(claimed_until=now + lease, attempts=OutboxRow.attempts + 1)
        )
        return bool(outcome.rowcount == 1)  # type: ignore[attr-defined]

    def _claimed(self, row_id: int) -> ClaimedMessage:
        row = self.session.get_one(OutboxRow, row_id, populate_existing=True)
        return ClaimedMessage(row.id, _message(row), row.attempts, row.ts)

    def claim_keys(self, keys: list[str], now: datetime, lease: timedelta) -> list[ClaimedMessage]:
        ids = self.session.scalars(
            select(OutboxRow.id).where(OutboxRow.key.in_(keys)).order_by(OutboxRow.id)
        ).all()
        return [self._claimed(i) for i in ids if self._claim(i, now, lease, due_only=False)]

    def claim_due(self, now: datetime, lease: timedelta, limit: int) -> list[ClaimedMessage]:
        ids = self.session.scalars(
            select(OutboxRow.id)
            .where(
                OutboxRow.status == OutboxStatus.PENDING.value,
                OutboxRow.next_attempt_at <= now,
                (OutboxRow.claimed_until.is_(None)) | (OutboxRow.claimed_until < now),
            )
            .order_by(_POSTS_FIRST, OutboxRow.id)
            .limit(limit)
        ).all()
        return [self._claimed(i) for i in ids if self._claim(i, now, lease, due_only=True)]

    def mark_sent(
        self,
        row_id: int,
        message_id: str | None,
        now: datetime,
        status: OutboxStatus = OutboxStatus.SENT,
    ) -> None:
        self.session.execute(
            update(OutboxRow)
            .where(OutboxRow.id == row_id)
            .values(
                status=status.value, ts=message_id, sent_at=now, claimed_until=None, last_error=None
            )
        )

    def record_message_id(self, row_id: int, message_id: str) -> None:
        self.session.execute(update(OutboxRow).where(OutboxRow.id == row_id).values(ts=message_id))

    def mark_failed(
        self, row_id: int, error: str, retry_at: datetime | None, now: datetime
    ) -> None:
        values: dict[str, Any] = {"claimed_until": None, "last_error": error}
        if retry_at is None:
            values.update(status=OutboxStatus.FAILED.value, sent_at=now)
        else:
            values.update(next_attempt_at=retry_at)
        self.session.execute(update(OutboxRow).where(OutboxRow.id == row_id).values(**values))

    def status_of(self, key: str) -> OutboxStatus | None:
        status = self.session.scalar(select(OutboxRow.status).where(OutboxRow.key == key))
        return None if status is None else OutboxStatus(status)

    def sent_message_id(self, key: str) -> str | None:
        return self.session.scalar(
            select(OutboxRow.ts).where(
                OutboxRow.key == key, OutboxRow.status == OutboxStatus.SENT.value
            )
        )

    def next_due(self) -> datetime | None:
        return self.session.scalar(
            select(OutboxRow.next_attempt_at)
            .where(OutboxRow.status == OutboxStatus.PENDING.value)
            .order_by(OutboxRow.next_attempt_at)
            .limit(1)
        )

"""The round repository and unit of work on SQLAlchemy (SQLite or PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, timedelta
from types import TracebackType
from typing import Any

from sqlalchemy import Select, case, delete, exists, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, lazyload, selectinload, sessionmaker

from bot.consensus import Choice, OutcomeKind
from bot.model import (
    ClaimedMessage,
    Comment,
    Decision,
    MessageKind,
    NewRound,
    OutgoingMessage,
    QuestionResult,
    Round,
    RoundQuestion,
    Status,
    StoredVote,
    VoteEvent,
)
from bot.ports import OpenRoundExists
from storage.cycles import current_cycle_id
from storage.orm import (
    CommentRow,
    ElectorRow,
    OutboxRow,
    RoundQuestionRow,
    RoundRow,
    VoteEventRow,
    VoteRow,
)

OPEN = Status.OPEN.value
CLOSED = Status.CLOSED.value


def _question(row: RoundQuestionRow, with_comments: bool = True) -> RoundQuestion:
    result = None
    if row.outcome is not None:
        result = QuestionResult(OutcomeKind(row.outcome), row.grade, row.outcome_reason or "")
    decision = None
    if row.decided_grade is not None:
        assert row.decided_by is not None and row.decided_at is not None
        decision = Decision(
            row.decided_grade, row.decision_rationale or "", row.decided_by, row.decided_at
        )
    return RoundQuestion(
        id=row.id,
        round_id=row.round_id,
        question_id=row.question_id,
        position=row.position,
        status=Status(row.status),
        message_ts=row.message_ts,
        result=result,
        closed_at=row.closed_at,
        ballot=row.ballot,
        opened_by=row.opened_by,
        opened_at=row.opened_at,
        deadline_at=row.deadline_at,
        discussion_ts=row.discussion_ts,
        decision=decision,
        votes={vote.user_id: Choice(vote.choice) for vote in row.votes},
        comments=[Comment(c.user_id, c.text, c.created_at) for c in row.comments]
        if with_comments
        else [],
    )


def _round(row: RoundRow, with_questions: bool = True) -> Round:
    return Round(
        id=row.id,
        framework=row.framework,
        domain=row.domain,
        subgroup_key=row.subgroup_key,
        channel_id=row.channel_id,
        status=Status(row.status),
        started_by=row.started_by,
        started_at=row.started_at,
        electorate=tuple(e.user_id for e in row.electors),
        deadline_at=row.deadline_at,
        remind_at=row.remind_at,
        reminded_at=row.reminded_at,
        header_ts=row.header_ts,
        summary_ts=row.summary_ts,
        closed_at=row.closed_at,
        anonymous=row.anonymous,
        questions=[_question(q) for q in row.questions] if with_questions else [],
    )


def _insert(session: Session, table: type[VoteRow] | type[OutboxRow]) -> Any:
    """INSERT with ON CONFLICT support, for whichever database the session is on."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql_insert(table)
    return sqlite_insert(table)


def _older(clicked_at: datetime | None, stored_at: datetime | None) -> bool:
    """A click made before the one whose choice is stored (a replay of an old request)."""
    return clicked_at is not None and stored_at is not None and clicked_at < stored_at


def _with_everything(statement: Select[RoundRow]) -> Select[RoundRow]:
    return statement.options(
        selectinload(RoundRow.electors),
        selectinload(RoundRow.questions),
    )


class SqlRoundRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, new_round: NewRound) -> Round:
        row = RoundRow(
            framework=new_round.framework,
            domain=new_round.domain,
            subgroup_key=new_round.subgroup_key,
            channel_id=new_round.channel_id,
            status=OPEN,
            started_by=new_round.started_by,
            started_at=new_round.started_at,
            deadline_at=new_round.deadline_at,
            remind_at=new_round.remind_at,
            anonymous=new_round.anonymous,
            cycle_id=current_cycle_id(self.session, new_round.framework, new_round.started_at),
            electors=[
                ElectorRow(user_id=user, position=i) for i, user in enumerate(new_round.electorate)
            ],
            questions=[
                RoundQuestionRow(
                    question_id=qid,
                    position=i,
                    status=OPEN,
                    ballot=1,
                    opened_by=new_round.started_by,
                    opened_at=new_round.started_at,
                )
                for i, qid in enumerate(new_round.question_ids, start=1)
            ],
        )
        try:
            with self.session.begin_nested():
                self.session.add(row)
        except IntegrityError as exc:
            raise OpenRoundExists(new_round.domain) from exc
        self.session.flush()
        for question in row.questions:
            question.votes = []
            question.comments = []
        return _round(row)

    def get(self, round_id: int) -> Round | None:
        row = self.session.scalars(
            _with_everything(select(RoundRow).where(RoundRow.id == round_id))
        ).one_or_none()
        return _round(row) if row else None

    def outline(self, round_id: int) -> Round | None:
        row = self.session.get(RoundRow, round_id, options=[selectinload(RoundRow.electors)])
        if row is None:
            return None
        return _round(row, with_questions=False)

    def get_round_of_question(self, round_question_id: int) -> Round | None:
        round_id = self.session.scalar(
            select(RoundQuestionRow.round_id).where(RoundQuestionRow.id == round_question_id)
        )
        return self.get(round_id) if round_id is not None else None

    def open_round_for_domain(self, framework: str, domain: int) -> Round | None:
        statement = select(RoundRow).where(
            RoundRow.framework == framework, RoundRow.domain == domain, RoundRow.status == OPEN
        )
        row = self.session.scalars(_with_everything(statement)).one_or_none()
        return _round(row) if row else None

    def closed_rounds_with_open_ballots(
        self, framework: str, domain: int | None = None
    ) -> list[Round]:
        open_ballot = exists(
            select(RoundQuestionRow.id).where(
                RoundQuestionRow.round_id == RoundRow.id, RoundQuestionRow.status == OPEN
            )
        )
        statement = select(RoundRow).where(
            RoundRow.framework == framework, RoundRow.status == CLOSED, open_ballot
        )
        if domain is not None:
            statement = statement.where(RoundRow.domain == domain)
        statement = statement.order_by(RoundRow.domain, RoundRow.id)
        return [_round(row) for row in self.session.scalars(_with_everything(statement))]

    def open_rounds(self, framework: str) -> list[Round]:
        statement = (
            select(RoundRow)
            .where(RoundRow.framework == framework, RoundRow.status == OPEN)
            .order_by(RoundRow.domain)
        )
        return [_round(row) for row in self.session.scalars(_with_everything(statement))]

    def discard(self, round_id: int) -> None:
        self.session.execute(delete(RoundRow).where(RoundRow.id == round_id))

    def set_header_ts(self, round_id: int, ts: str) -> None:
        self.session.execute(update(RoundRow).where(RoundRow.id == round_id).values(header_ts=ts))

    def set_question_ts(self, round_question_id: int, ts: str) -> None:
        self.session.execute(
            update(RoundQuestionRow)
            .where(RoundQuestionRow.id == round_question_id)
            .values(message_ts=ts)
        )

    def set_summary_ts(self, round_id: int, ts: str) -> None:
        self.session.execute(update(RoundRow).where(RoundRow.id == round_id).values(summary_ts=ts))

    def lock_question(self, round_question_id: int) -> RoundQuestion | None:
        row = self.session.scalars(
            select(RoundQuestionRow)
            .where(RoundQuestionRow.id == round_question_id)
            .options(lazyload(RoundQuestionRow.comments))  # votes and status are what callers need
            .with_for_update()
            .execution_options(populate_existing=True)
        ).one_or_none()
        return _question(row, with_comments=False) if row else None

    def upsert_vote(
        self,
        round_question_id: int,
        user_id: str,
        choice: Choice,
        at: datetime,
        clicked_at: datetime | None = None,
    ) -> StoredVote:
        """Callers hold the question's lock (`lock_question`), so the read and the write below
        see no other click of this elector in between; the conditional upsert says the same in
        SQL."""
        stored = self.session.execute(
            select(VoteRow.choice, VoteRow.clicked_at).where(
                VoteRow.round_question_id == round_question_id, VoteRow.user_id == user_id
            )
        ).one_or_none()
        previous = Choice(stored.choice) if stored is not None else None
        if _older(clicked_at, stored.clicked_at if stored is not None else None):
            return StoredVote(previous, stale=True)
        statement = _insert(self.session, VoteRow).values(
            round_question_id=round_question_id,
            user_id=user_id,
            choice=choice.value,
            cast_at=at,
            updated_at=at,
            clicked_at=clicked_at,
        )
        excluded = statement.excluded
        statement = statement.on_conflict_do_update(
            index_elements=[VoteRow.round_question_id, VoteRow.user_id],
            set_={
                "choice": excluded.choice,
                "updated_at": excluded.updated_at,
                "clicked_at": excluded.clicked_at,
            },
            where=or_(
                VoteRow.clicked_at.is_(None),
                excluded.clicked_at.is_(None),
                VoteRow.clicked_at <= excluded.clicked_at,
            ),
        )
        self.session.execute(statement)
        if previous != choice:  # the trail keeps each vote and each change, not repeats
            self.session.add(
                VoteEventRow(
                    round_question_id=round_question_id, user_id=user_id, choice=choice.value, at=at
                )
            )
            self.session.flush()
        return StoredVote(previous)

    def add_comment(self, round_question_id: int, user_id: str, text: str, at: datetime) -> None:
        self.session.add(
            CommentRow(
                round_question_id=round_question_id, user_id=user_id, text=text, created_at=at
            )
        )
        self.session.flush()

    def close_question(self, round_question_id: int, result: QuestionResult, at: datetime) -> bool:
        outcome = self.session.execute(
            update(RoundQuestionRow)
            .where(RoundQuestionRow.id == round_question_id, RoundQuestionRow.status == OPEN)
            .values(
                status=CLOSED,
                outcome=result.kind.value,
                grade=result.grade,
                outcome_reason=result.reason,
                closed_at=at,
            )
        )
        return bool(outcome.rowcount == 1)  # type: ignore[attr-defined]

    def close_round_if_complete(self, round_id: int, at: datetime) -> bool:
        any_open = exists(
            select(RoundQuestionRow.id).where(
                RoundQuestionRow.round_id == round_id,
                RoundQuestionRow.status == OPEN,
                RoundQuestionRow.ballot == 1,
            )
        )
        outcome = self.session.execute(
            update(RoundRow)
            .where(RoundRow.id == round_id, RoundRow.status == OPEN, ~any_open)
            .values(status=CLOSED, closed_at=at)
        )
        return bool(outcome.rowcount == 1)  # type: ignore[attr-defined]

    def due_for_closing(self, now: datetime) -> list[int]:
        return list(
            self.session.scalars(
                select(RoundRow.id)
                .where(RoundRow.status == OPEN, RoundRow.deadline_at <= now)
                .order_by(RoundRow.id)
            )
        )

    def due_for_reminder(self, now: datetime) -> list[int]:
        return list(
            self.session.scalars(
                select(RoundRow.id)
                .where(
                    RoundRow.status == OPEN,
                    RoundRow.reminded_at.is_(None),
                    RoundRow.remind_at <= now,
                )
                .order_by(RoundRow.id)
            )
        )

    def claim_reminder(self, round_id: int, now: datetime) -> bool:
        outcome = self.session.execute(
            update(RoundRow)
            .where(
                RoundRow.id == round_id,
                RoundRow.status == OPEN,
                RoundRow.reminded_at.is_(None),
                RoundRow.remind_at <= now,
            )
            .values(reminded_at=now)
        )
        return bool(outcome.rowcount == 1)  # type: ignore[attr-defined]

    def add_ballot(
        self,
        round_id: int,
        question_id: str,
        ballot: int,
        opened_by: str,
        opened_at: datetime,
        deadline_at: datetime,
        remind_at: datetime | None = None,
    ) -> int | None:
        position = self.session.scalar(
            select(RoundQuestionRow.position).where(
                RoundQuestionRow.round_id == round_id, RoundQuestionRow.question_id == question_id
            )
        )
        if position is None:
            return None
        row = RoundQuestionRow(
            round_id=round_id,
            question_id=question_id,
            position=position,
            status=OPEN,
            ballot=ballot,
            opened_by=opened_by,
            opened_at=opened_at,
            deadline_at=deadline_at,
            remind_at=remind_at,
        )
        try:
            with self.session.begin_nested():
                self.session.add(row)
        except IntegrityError:
            return None  # someone else opened this ballot first
        return row.id

    def reschedule_ballot(
        self, round_question_id: int, deadline_at: datetime, remind_at: datetime | None
    ) -> bool:
        outcome = self.session.execute(
            update(RoundQuestionRow)
            .where(
                RoundQuestionRow.id == round_question_id,
                RoundQuestionRow.status == OPEN,
                RoundQuestionRow.ballot > 1,
            )
            .values(deadline_at=deadline_at, remind_at=remind_at)
        )
        return bool(outcome.rowcount == 1)  # type: ignore[attr-defined]

    def _open_revote_reminder(self, now: datetime) -> list[Any]:
        return [
            RoundQuestionRow.status == OPEN,
            RoundQuestionRow.ballot > 1,
            RoundQuestionRow.reminded_at.is_(None),
            RoundQuestionRow.remind_at <= now,
        ]

    def due_ballot_reminders(self, now: datetime) -> list[int]:
        return list(
            self.session.scalars(
                select(RoundQuestionRow.id)
                .where(*self._open_revote_reminder(now))
                .order_by(RoundQuestionRow.id)
            )
        )

    def claim_ballot_reminder(self, round_question_id: int, now: datetime) -> bool:
        outcome = self.session.execute(
            update(RoundQuestionRow)
            .where(RoundQuestionRow.id == round_question_id, *self._open_revote_reminder(now))
            .values(reminded_at=now)
        )
        return bool(outcome.rowcount == 1)  # type: ignore[attr-defined]

    def record_decision(self, round_question_id: int, decision: Decision) -> bool:
        outcome = self.session.execute(
            update(RoundQuestionRow)
            .where(
                RoundQuestionRow.id == round_question_id,
                RoundQuestionRow.status == CLOSED,
                RoundQuestionRow.decided_grade.is_(None),
            )
            .values(
                decided_grade=decision.grade,
                decided_by=decision.decided_by,
                decided_at=decision.decided_at,
                decision_rationale=decision.rationale,
            )
        )
        return bool(outcome.rowcount == 1)  # type: ignore[attr-defined]

    def set_discussion_ts(self, round_question_id: int, ts: str) -> None:
        self.session.execute(
            update(RoundQuestionRow)
            .where(RoundQuestionRow.id == round_question_id)
            .values(discussion_ts=ts)
        )

    def due_ballots(self, now: datetime) -> list[int]:
        return list(
            self.session.scalars(
                select(RoundQuestionRow.id)
                .where(
                    RoundQuestionRow.status == OPEN,
                    RoundQuestionRow.ballot > 1,
                    RoundQuestionRow.deadline_at <= now,
                )
                .order_by(RoundQuestionRow.id)
            )
        )

    def rounds_for_domain(self, framework: str, domain: int) -> list[Round]:
        statement = (
            select(RoundRow)
            .where(RoundRow.framework == framework, RoundRow.domain == domain)
            .order_by(RoundRow.id)
        )
        return [_round(row) for row in self.session.scalars(_with_everything(statement))]

    def vote_events(self, round_question_ids: list[int]) -> list[VoteEvent]:
        rows = self.session.scalars(
            select(VoteEventRow)
            .where(VoteEventRow.round_question_id.in_(round_question_ids))
            .order_by(VoteEventRow.at, VoteEventRow.id)
        )
        return [VoteEvent(r.round_question_id, r.user_id, Choice(r.choice), r.at) for r in rows]

    def reschedule(self, round_id: int, deadline_at: datetime, remind_at: datetime) -> bool:
        outcome = self.session.execute(
            update(RoundRow)
            .where(RoundRow.id == round_id, RoundRow.status == OPEN)
            .values(deadline_at=deadline_at, remind_at=remind_at)
        )
        return bool(outcome.rowcount == 1)  # type: ignore[attr-defined]


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
                status="pending",
                attempts=0,
                next_attempt_at=not_before,
                created_at=now,
            )
            .on_conflict_do_nothing(index_elements=[OutboxRow.key])
            .returning(OutboxRow.id)  # rowcount is not reliable here on PostgreSQL
        )
        return self.session.execute(statement).scalar() is not None

    def _claim(self, row_id: int, now: datetime, lease: timedelta, due_only: bool) -> bool:
        conditions = [
            OutboxRow.id == row_id,
            OutboxRow.status == "pending",
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
                OutboxRow.status == "pending",
                OutboxRow.next_attempt_at <= now,
                (OutboxRow.claimed_until.is_(None)) | (OutboxRow.claimed_until < now),
            )
            .order_by(_POSTS_FIRST, OutboxRow.id)
            .limit(limit)
        ).all()
        return [self._claimed(i) for i in ids if self._claim(i, now, lease, due_only=True)]

    def mark_sent(self, row_id: int, ts: str | None, now: datetime, status: str = "sent") -> None:
        self.session.execute(
            update(OutboxRow)
            .where(OutboxRow.id == row_id)
            .values(status=status, ts=ts, sent_at=now, claimed_until=None, last_error=None)
        )

    def record_ts(self, row_id: int, ts: str) -> None:
        self.session.execute(update(OutboxRow).where(OutboxRow.id == row_id).values(ts=ts))

    def mark_failed(
        self, row_id: int, error: str, retry_at: datetime | None, now: datetime
    ) -> None:
        values: dict[str, Any] = {"claimed_until": None, "last_error": error}
        if retry_at is None:
            values.update(status="failed", sent_at=now)
        else:
            values.update(next_attempt_at=retry_at)
        self.session.execute(update(OutboxRow).where(OutboxRow.id == row_id).values(**values))

    def status_of(self, key: str) -> str | None:
        return self.session.scalar(select(OutboxRow.status).where(OutboxRow.key == key))

    def sent_ts(self, key: str) -> str | None:
        return self.session.scalar(
            select(OutboxRow.ts).where(OutboxRow.key == key, OutboxRow.status == "sent")
        )

    def next_due(self) -> datetime | None:
        return self.session.scalar(
            select(OutboxRow.next_attempt_at)
            .where(OutboxRow.status == "pending")
            .order_by(OutboxRow.next_attempt_at)
            .limit(1)
        )


class SqlUnitOfWork:
    """One session, one transaction; rolled back on leaving unless committed."""

    rounds: SqlRoundRepository
    outbox: SqlOutbox

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory

    def __enter__(self) -> SqlUnitOfWork:
        self.session = self._session_factory()
        self.rounds = SqlRoundRepository(self.session)
        self.outbox = SqlOutbox(self.session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.session.rollback()
        self.session.close()

    def commit(self) -> None:
        self.session.commit()


class SqlUnitOfWorkFactory:
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self._session_factory)

"""Votes, comments, closing, re-vote ballots and chair decisions on SQLAlchemy."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, bindparam, exists, func, insert, or_, select, true, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, lazyload

from bot.domain.consensus import Choice
from bot.domain.rounds import (
    BallotState,
    Comment,
    Decision,
    QuestionResult,
    RoundQuestion,
    StoredVote,
)
from storage.orm import (
    CommentRow,
    RoundQuestionRow,
    RoundRow,
    VoteEventRow,
    VoteRow,
)
from storage.rows import CLOSED, OPEN, _older, _question

#: a question, locked (FOR UPDATE, as `lock_question`); read first, alone: on PostgreSQL a
#: locking read that waited sees the newest version of the locked row only, not of the rows
#: joined to it, so the votes are read by the next statement, after the lock is held
LOCKED_QUESTION = (
    select(RoundQuestionRow.round_id, RoundQuestionRow.question_id, RoundQuestionRow.status)
    .where(RoundQuestionRow.id == bindparam("question"))
    .with_for_update()
)
_mine = and_(
    VoteRow.round_question_id == bindparam("question"), VoteRow.user_id == bindparam("user")
)
#: what the question's votes say to one more vote: how many there are, and the clicker's own
VOTES_SO_FAR = select(
    select(func.count())
    .where(VoteRow.round_question_id == bindparam("question"))
    .scalar_subquery()
    .label("votes_cast"),
    select(VoteRow.choice).where(_mine).scalar_subquery().label("choice"),
    select(VoteRow.clicked_at).where(_mine).scalar_subquery().label("clicked_at"),
)
QUESTION_VOTES = (
    select(VoteRow.user_id, VoteRow.choice)
    .where(VoteRow.round_question_id == bindparam("question"))
    .order_by(VoteRow.id)
)
QUESTION_COMMENTS = (
    select(CommentRow.user_id, CommentRow.text, CommentRow.created_at)
    .where(CommentRow.round_question_id == bindparam("question"))
    .order_by(CommentRow.id)
)
VOTE_EVENT = insert(VoteEventRow).values(
    round_question_id=bindparam("question"),
    user_id=bindparam("user"),
    choice=bindparam("choice"),
    at=bindparam("at"),
)
_VOTE_UPSERTS: dict[str, Any] = {}


def vote_upsert(dialect: str) -> Any:
    """The vote's conditional upsert for ``dialect``, built once: a click older than the stored
    one's changes nothing. On PostgreSQL, one statement records the vote: it reads the votes so
    far (the statement's snapshot, taken once the question's lock is held, so before this
    click's change), upserts the vote and adds its line to the trail when the choice changed,
    and returns what it read."""
    known = _VOTE_UPSERTS.get(dialect)
    if known is not None:
        return known
    insert_into = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert_into(VoteRow).values(
        round_question_id=bindparam("question"),
        user_id=bindparam("user"),
        choice=bindparam("choice"),
        cast_at=bindparam("at"),
        updated_at=bindparam("at"),
        clicked_at=bindparam("clicked_at"),
    )
    excluded = statement.excluded
    upsert = statement.on_conflict_do_update(
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
    if dialect == "postgresql":
        before = VOTES_SO_FAR.cte("before")
        # no row when the click was older than the stored one's (nothing was changed)
        stored = upsert.returning(
            VoteRow.round_question_id, VoteRow.user_id, VoteRow.choice, VoteRow.updated_at
        ).cte("stored")
        trail = (
            insert(VoteEventRow)
            .from_select(
                ["round_question_id", "user_id", "choice", "at"],
                select(
                    stored.c.round_question_id,
                    stored.c.user_id,
                    stored.c.choice,
                    stored.c.updated_at,
                )
                .select_from(stored.join(before, true()))
                .where(before.c.choice.is_distinct_from(stored.c.choice)),
            )
            .cte("trail")
        )
        recorded = select(before.c.votes_cast, before.c.choice, before.c.clicked_at).add_cte(
            stored, trail
        )
        _VOTE_UPSERTS[dialect] = recorded
        return recorded
    _VOTE_UPSERTS[dialect] = upsert
    return upsert


def _utc(moment: datetime | None) -> datetime | None:
    """A time read by a plain statement: SQLite keeps no zone (it is UTC)."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


class SqlBallotQueries:
    """The ballot half of the round repository (votes, comments, re-votes, decisions)."""

    session: Session

    def get_question(self, round_question_id: int) -> RoundQuestion | None:
        """The question's row, then its votes and comments by plain statements (the ORM's
        selectin loading costs more than the rows it loads)."""
        row = self.session.scalars(
            select(RoundQuestionRow)
            .where(RoundQuestionRow.id == round_question_id)
            .options(lazyload(RoundQuestionRow.votes), lazyload(RoundQuestionRow.comments))
        ).one_or_none()
        if row is None:
            return None
        connection = self.session.connection()
        votes = connection.execute(QUESTION_VOTES, {"question": round_question_id})
        comments = connection.execute(QUESTION_COMMENTS, {"question": round_question_id})
        return _question(
            row,
            votes={v.user_id: Choice(v.choice) for v in votes},
            comments=[Comment(c.user_id, c.text, c.created_at) for c in comments],
        )

    def lock_question(self, round_question_id: int) -> RoundQuestion | None:
        """The question's row, locked, then its votes by a plain statement: the next statement,
        so on PostgreSQL it sees every vote committed before the lock was granted (callers need
        the votes and the status, not the comments)."""
        row = self.session.scalars(
            select(RoundQuestionRow)
            .where(RoundQuestionRow.id == round_question_id)
            .options(lazyload(RoundQuestionRow.votes), lazyload(RoundQuestionRow.comments))
            .with_for_update()
            .execution_options(populate_existing=True)
        ).one_or_none()
        if row is None:
            return None
        votes = self.session.connection().execute(QUESTION_VOTES, {"question": round_question_id})
        return _question(
            row, with_comments=False, votes={v.user_id: Choice(v.choice) for v in votes}
        )

    def lock_ballot(self, round_question_id: int) -> BallotState | None:
        # Core statements on the session's connection: the ORM's per-statement machinery is most
        # of a vote's cost otherwise
        question = (
            self.session.connection()
            .execute(LOCKED_QUESTION, {"question": round_question_id})
            .first()
        )
        if question is None:
            return None
        return BallotState(
            round_question_id=round_question_id,
            round_id=question.round_id,
            question_id=question.question_id,
            is_open=question.status == OPEN,
        )

    def upsert_vote(
        self,
        round_question_id: int,
        user_id: str,
        choice: Choice,
        at: datetime,
        clicked_at: datetime | None = None,
    ) -> StoredVote:
        """Callers hold the question's lock (`lock_question` or `lock_ballot`), so the read and
        the write below see no other click of this elector in between; the conditional upsert
        says the same in SQL. Prepared Core statements, no ORM objects: on PostgreSQL one (see
        `vote_upsert`); elsewhere the votes so far, the vote, and its line in the trail when the
        choice changed."""
        values = {"question": round_question_id, "user": user_id, "choice": choice.value}
        connection = self.session.connection()
        upsert = vote_upsert(connection.dialect.name)
        if connection.dialect.name == "postgresql":
            votes = connection.execute(upsert, {**values, "at": at, "clicked_at": clicked_at}).one()
            return self._stored(votes, clicked_at)
        votes = connection.execute(VOTES_SO_FAR, values).one()
        stored = self._stored(votes, clicked_at)
        if stored.stale:
            return stored
        connection.execute(upsert, {**values, "at": at, "clicked_at": clicked_at})
        if stored.previous != choice:  # the trail keeps each vote and each change, not repeats
            connection.execute(VOTE_EVENT, {**values, "at": at})
        return stored

    @staticmethod
    def _stored(votes: Any, clicked_at: datetime | None) -> StoredVote:
        """What a vote's click found: the votes so far and the clicker's own."""
        previous = Choice(votes.choice) if votes.choice is not None else None
        return StoredVote(
            previous,
            votes_cast=int(votes.votes_cast),
            stale=_older(clicked_at, _utc(votes.clicked_at)),
        )

    def add_comment(self, round_question_id: int, user_id: str, text: str, at: datetime) -> None:
        self.session.add(
            CommentRow(
                round_question_id=round_question_id, user_id=user_id, text=text, created_at=at
            )
        )
        self.session.flush()

    def close_question(self, round_question_id: int, result: QuestionResult, at: datetime) -> bool:
        outcome = self.session.connection().execute(
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
        return bool(outcome.rowcount == 1)

    def close_round_if_complete(self, round_id: int, at: datetime) -> bool:
        any_open = exists(
            select(RoundQuestionRow.id).where(
                RoundQuestionRow.round_id == round_id,
                RoundQuestionRow.status == OPEN,
                RoundQuestionRow.ballot == 1,
            )
        )
        outcome = self.session.connection().execute(
            update(RoundRow)
            .where(RoundRow.id == round_id, RoundRow.status == OPEN, ~any_open)
            .values(status=CLOSED, closed_at=at)
        )
        return bool(outcome.rowcount == 1)

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

    def set_discussion_message_id(self, round_question_id: int, message_id: str) -> None:
        self.session.execute(
            update(RoundQuestionRow)
            .where(RoundQuestionRow.id == round_question_id)
            .values(discussion_ts=message_id)
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

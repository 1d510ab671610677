"""Votes, comments, closing, re-vote ballots and chair decisions on SQLAlchemy."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import exists, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, lazyload

from bot.domain.consensus import Choice
from bot.domain.rounds import (
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
from storage.rows import CLOSED, OPEN, _insert, _older, _question


class SqlBallotQueries:
    """The ballot half of the round repository (votes, comments, re-votes, decisions)."""

    session: Session

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

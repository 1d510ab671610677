"""The round repository on SQLAlchemy (SQLite or PostgreSQL)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import bindparam, delete, exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, lazyload, selectinload

from bot.domain.consensus import Choice
from bot.domain.rounds import (
    Comment,
    NewRound,
    Round,
    VoteEvent,
)
from bot.ports import OpenRoundExists
from storage.ballots import SqlBallotQueries
from storage.cycles import current_cycle_id
from storage.orm import (
    CommentRow,
    ElectorRow,
    RoundQuestionRow,
    RoundRow,
    VoteEventRow,
    VoteRow,
)
from storage.rows import CLOSED, OPEN, _round, _with_everything

_OF_ROUND = RoundQuestionRow.round_id == bindparam("round")
#: every vote of a round's questions, and every comment, in the order they were made
ROUND_VOTES = (
    select(VoteRow.round_question_id, VoteRow.user_id, VoteRow.choice)
    .join(RoundQuestionRow, RoundQuestionRow.id == VoteRow.round_question_id)
    .where(_OF_ROUND)
    .order_by(VoteRow.id)
)
ROUND_COMMENTS = (
    select(CommentRow.round_question_id, CommentRow.user_id, CommentRow.text, CommentRow.created_at)
    .join(RoundQuestionRow, RoundQuestionRow.id == CommentRow.round_question_id)
    .where(_OF_ROUND)
    .order_by(CommentRow.id)
)


class SqlRoundRepository(SqlBallotQueries):
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
            config_version=new_round.config_version,
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
        """The round and its questions, then all their votes and comments by two plain
        statements (the ORM's objects for every vote cost several times the rows)."""
        row = self.session.scalars(
            select(RoundRow)
            .where(RoundRow.id == round_id)
            .options(
                selectinload(RoundRow.electors),
                selectinload(RoundRow.questions).options(
                    lazyload(RoundQuestionRow.votes), lazyload(RoundQuestionRow.comments)
                ),
            )
        ).one_or_none()
        if row is None:
            return None
        votes: dict[int, dict[str, Choice]] = defaultdict(dict)
        for vote in self.session.execute(ROUND_VOTES, {"round": round_id}):
            votes[vote.round_question_id][vote.user_id] = Choice(vote.choice)
        comments: dict[int, list[Comment]] = defaultdict(list)
        for comment in self.session.execute(ROUND_COMMENTS, {"round": round_id}):
            comments[comment.round_question_id].append(
                Comment(comment.user_id, comment.text, comment.created_at)
            )
        return _round(row, votes=votes, comments=comments)

    def outline(self, round_id: int) -> Round | None:
        row = self.session.get(RoundRow, round_id, options=[selectinload(RoundRow.electors)])
        if row is None:
            return None
        return _round(row, with_questions=False)

    def is_open(self, round_id: int) -> bool:
        status = self.session.scalar(select(RoundRow.status).where(RoundRow.id == round_id))
        return status == OPEN

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

    def set_header_message_id(self, round_id: int, message_id: str) -> None:
        self.session.execute(
            update(RoundRow).where(RoundRow.id == round_id).values(header_ts=message_id)
        )

    def set_question_message_id(self, round_question_id: int, message_id: str) -> None:
        self.session.execute(
            update(RoundQuestionRow)
            .where(RoundQuestionRow.id == round_question_id)
            .values(message_ts=message_id)
        )

    def set_summary_message_id(self, round_id: int, message_id: str) -> None:
        self.session.execute(
            update(RoundRow).where(RoundRow.id == round_id).values(summary_ts=message_id)
        )

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

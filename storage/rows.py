"""Rows to domain objects, and the statements the repositories share."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, selectinload

from bot.domain.consensus import Choice, OutcomeKind
from bot.domain.rounds import (
    Comment,
    Decision,
    QuestionResult,
    Round,
    RoundQuestion,
    Status,
)
from storage.orm import (
    Base,
    RoundQuestionRow,
    RoundRow,
)

OPEN = Status.OPEN.value
CLOSED = Status.CLOSED.value


def _question(
    row: RoundQuestionRow,
    with_comments: bool = True,
    votes: dict[str, Choice] | None = None,
    comments: list[Comment] | None = None,
) -> RoundQuestion:
    """A question from its row: its votes and comments from the row's relationships, unless
    they are given (read by plain statements)."""
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
        message_id=row.message_ts,
        result=result,
        closed_at=row.closed_at,
        ballot=row.ballot,
        opened_by=row.opened_by,
        opened_at=row.opened_at,
        deadline_at=row.deadline_at,
        discussion_message_id=row.discussion_ts,
        decision=decision,
        votes=votes
        if votes is not None
        else {vote.user_id: Choice(vote.choice) for vote in row.votes},
        comments=comments
        if comments is not None
        else [Comment(c.user_id, c.text, c.created_at) for c in row.comments]
        if with_comments
        else [],
    )


def _round(
    row: RoundRow,
    with_questions: bool = True,
    votes: dict[int, dict[str, Choice]] | None = None,
    comments: dict[int, list[Comment]] | None = None,
) -> Round:
    """A round from its row: its questions' votes and comments from the rows' relationships,
    unless they are given by question (read by plain statements)."""
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
        header_message_id=row.header_ts,
        summary_message_id=row.summary_ts,
        closed_at=row.closed_at,
        anonymous=row.anonymous,
        config_version=row.config_version,
        questions=[
            _question(
                q,
                votes=votes.get(q.id, {}) if votes is not None else None,
                comments=comments.get(q.id, []) if comments is not None else None,
            )
            for q in row.questions
        ]
        if with_questions
        else [],
    )


def _insert(session: Session, table: type[Base]) -> Any:
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

"""The ballot box on the driver itself: an ordinary vote in one short transaction.

SQLAlchemy's session, and its per-statement machinery, cost several times the statements
themselves, and a vote is every member's click on every question; so the box runs on a pooled
connection's driver cursor. On PostgreSQL it is one statement, the function ``cast_vote``
(migration 0010) in a transaction of its own: one round trip. On SQLite it is the repository's
statements (`storage/ballots.py`), compiled once, in a transaction begun as every other is
(`begin_raw`: this process's writer lock and BEGIN IMMEDIATE). Values pass through the columns'
own types (a UTC time is stored as the ORM stores it). The connection goes back to the pool,
which rolls back whatever was not committed. The vote that completes its question is not
recorded here but left to the full path, which closes the question in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Dialect, Engine, PoolProxiedConnection, bindparam, select
from sqlalchemy.dialects import sqlite

from bot.ballot_box import Cast, VoteCast
from bot.domain.consensus import Choice
from bot.domain.rounds import BallotState, StoredVote
from storage.ballots import LOCKED_QUESTION, VOTE_EVENT, VOTES_SO_FAR, vote_upsert
from storage.database import begin_raw
from storage.orm import RoundQuestionRow, VoteRow
from storage.rows import OPEN, _older

Processor = Callable[[Any], Any]
CAST_VOTE_CALL = (
    "SELECT * FROM cast_vote(%(question)s, %(round)s, %(user)s, %(choice)s, %(at)s,"
    " %(clicked_at)s, %(elector)s, %(electors)s)"
)


def _identity(value: Any) -> Any:
    return value


#: SQLite: the question and the votes so far in one read (the transaction, begun IMMEDIATE,
#: already holds the database's write lock, so nothing can change in between)
BALLOT = select(
    LOCKED_QUESTION.selected_columns.round_id,
    LOCKED_QUESTION.selected_columns.question_id,
    LOCKED_QUESTION.selected_columns.status,
    *VOTES_SO_FAR.selected_columns,
).where(RoundQuestionRow.id == bindparam("question"))


@dataclass(frozen=True)
class _Statements:
    """The vote's statements as the driver takes them (SQLite's), and the time column's
    conversions (both databases')."""

    ballot: str
    upsert: str
    trail: str
    time_in: Processor
    time_out: Processor

    @classmethod
    def compiled_for(cls, dialect: Dialect) -> _Statements:
        # pysqlite's own paramstyle is positional; named parameters let one set of values serve
        # every statement, whatever order each names them in
        driver = sqlite.dialect(paramstyle="named") if dialect.name == "sqlite" else dialect
        column = VoteRow.__table__.c.clicked_at.type.dialect_impl(driver)

        def sql(statement: Any) -> str:  # PostgreSQL calls cast_vote instead
            return str(statement.compile(dialect=driver)) if dialect.name == "sqlite" else ""

        return cls(
            ballot=sql(BALLOT),
            upsert=sql(vote_upsert("sqlite")),
            trail=sql(VOTE_EVENT),
            time_in=column.bind_processor(driver) or _identity,
            time_out=column.result_processor(driver, None) or _identity,
        )


class SqlBallotBox:
    """`BallotBox` on an engine's pooled connections."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._sql = _Statements.compiled_for(engine.dialect)
        self._in_one_call = engine.dialect.name == "postgresql"

    def cast(self, vote: VoteCast, round_id: int, electorate: Collection[str]) -> Cast | None:
        connection = self._engine.raw_connection()
        try:
            if self._in_one_call:
                return self._call(connection, vote, round_id, electorate)
            begin_raw(self._engine, connection)
            cursor = connection.cursor()
            try:
                cast = self._cast(cursor, vote, round_id, electorate)
            finally:
                cursor.close()
            if cast is not None and cast.stored is not None and not cast.stored.stale:
                connection.commit()
            return cast
        except Exception as exc:
            self._forget_if_dropped(connection, exc)
            raise
        finally:
            connection.close()  # back to the pool: rolls back what was not committed

    def _call(
        self,
        connection: PoolProxiedConnection,
        vote: VoteCast,
        round_id: int,
        electorate: Collection[str],
    ) -> Cast | None:
        """PostgreSQL: ``cast_vote`` as a statement of its own, committed by the server."""
        driver: Any = connection.driver_connection
        values = {
            "question": vote.round_question_id,
            "round": round_id,
            "user": vote.user_id,
            "choice": vote.choice.value,
            "at": self._sql.time_in(vote.at),
            "clicked_at": self._sql.time_in(vote.clicked_at),
            "elector": vote.user_id in electorate,
            "electors": len(electorate),
        }
        driver.autocommit = True
        try:
            with driver.cursor() as cursor:
                cursor.execute(CAST_VOTE_CALL, values)
                row = cursor.fetchone()
        finally:
            driver.autocommit = False
        if row is None:
            return Cast(ballot=None)
        found_round, question_id, status, votes_cast, choice, clicked_at, recorded = row
        if found_round != round_id:
            return Cast(ballot=None)
        ballot = BallotState(vote.round_question_id, found_round, question_id, status == OPEN)
        if not ballot.is_open:
            return Cast(ballot)
        if not values["elector"]:
            return Cast(ballot, elector=False)
        stored = self._stored((votes_cast, choice, clicked_at), vote.clicked_at)
        if not recorded and not stored.stale:
            return None  # the last vote: the full path records it and closes the question
        return Cast(ballot, stored=stored)

    def _cast(
        self, cursor: Any, vote: VoteCast, round_id: int, electorate: Collection[str]
    ) -> Cast | None:
        """SQLite: a read, then (for an ordinary vote) the upsert and its line in the trail."""
        sql = self._sql
        values: dict[str, Any] = {
            "question": vote.round_question_id,
            "user": vote.user_id,
            "choice": vote.choice.value,
        }
        cursor.execute(sql.ballot, values)
        row = cursor.fetchone()
        if row is None or row[0] != round_id:
            return Cast(ballot=None)
        ballot = BallotState(vote.round_question_id, row[0], row[1], row[2] == OPEN)
        if not ballot.is_open:
            return Cast(ballot)
        if vote.user_id not in electorate:
            return Cast(ballot, elector=False)
        stored = self._stored(row[3:], vote.clicked_at)
        if stored.stale:
            return Cast(ballot, stored=stored)
        if stored.votes_cast + (1 if stored.previous is None else 0) >= len(electorate):
            return None  # the last vote: the full path records it and closes the question
        values["at"] = sql.time_in(vote.at)
        values["clicked_at"] = sql.time_in(vote.clicked_at)
        cursor.execute(sql.upsert, values)
        if stored.previous != vote.choice:  # the trail keeps each vote and change, not repeats
            cursor.execute(sql.trail, values)
        return Cast(ballot, stored=stored)

    def _stored(self, row: Any, clicked_at: datetime | None) -> StoredVote:
        votes_cast, choice, stored_click = row
        return StoredVote(
            Choice(choice) if choice is not None else None,
            votes_cast=int(votes_cast),
            stale=_older(clicked_at, self._sql.time_out(stored_click)),
        )

    def _forget_if_dropped(self, connection: PoolProxiedConnection, exc: Exception) -> None:
        """A connection the server dropped is not given back to the pool to be used again."""
        dialect = self._engine.dialect
        if not isinstance(exc, dialect.loaded_dbapi.Error):
            return
        if dialect.is_disconnect(exc, connection.dbapi_connection, None):
            connection.invalidate(exc)

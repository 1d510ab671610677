"""Two processes (two workers of the front end) meeting the same new conversations and people at
the same moment both succeed, on SQLite and PostgreSQL."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from storage.database import make_engine, make_session_factory
from storage.directory import ConversationRecord, PersonRecord, SqlDirectory
from storage.orm import ChatConversationRow, ChatPersonRow

ROUNDS = 10
PROCESSES = 2
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def meet_everyone(database_url: str, start: Any, worker: int) -> None:
    """In a process of its own: for each round, wait for the other worker, then remember the
    round's new conversation and person."""
    engine = make_engine(database_url)
    directory = SqlDirectory(make_session_factory(engine))
    try:
        for n in range(ROUNDS):
            start.wait(timeout=60)
            at = T0 + timedelta(seconds=n, milliseconds=worker)
            directory.remember_conversation(
                ConversationRecord(
                    f"a:proc-{n}", "personal", "https://smba/", None, None, f"aad-{n}", "{}", at
                )
            )
            directory.remember_people(
                [PersonRecord(f"aad-{n}", f"29:{n}", f"Member {n}", None, at)]
            )
    finally:
        engine.dispose()


def test_two_processes_meeting_the_same_new_ids_both_succeed(
    database_url: str, sessions: sessionmaker[Session]
) -> None:
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(PROCESSES)
    workers = [
        context.Process(target=meet_everyone, args=(database_url, start, worker))
        for worker in range(PROCESSES)
    ]
    for process in workers:
        process.start()
    for process in workers:
        process.join(timeout=90)
    assert [process.exitcode for process in workers] == [0] * PROCESSES
    directory = SqlDirectory(sessions)
    assert directory.names([f"aad-{n}" for n in range(ROUNDS)]) == {
        f"aad-{n}": f"Member {n}" for n in range(ROUNDS)
    }
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(ChatConversationRow)) == ROUNDS
        assert session.scalar(select(func.count()).select_from(ChatPersonRow)) == ROUNDS

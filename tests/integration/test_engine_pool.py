"""Pooled connections: one the server has closed while it sat unused is replaced unseen; one
given back moments ago is used without a test round trip."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from storage import database
from storage.database import make_engine


def server_only(database_url: str) -> None:
    if not database_url.startswith("postgres"):
        pytest.skip("only a server closes connections (SQLite's are never tested)")


def test_a_connection_closed_by_the_server_while_idle_is_replaced(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    server_only(database_url)
    engine = make_engine(database_url)
    try:
        with engine.connect() as doomed, engine.connect() as other:
            pid = doomed.execute(text("SELECT pg_backend_pid()")).scalar_one()
            doomed.commit()
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            other.commit()
        monkeypatch.setattr(database, "_IDLE_BEFORE_CHECK", 0.0)  # both have now sat idle
        with engine.connect() as first, engine.connect() as second:  # both out of the pool
            for connection in (first, second):
                assert connection.execute(text("SELECT 1")).scalar_one() == 1
                connection.commit()
    finally:
        engine.dispose()


def test_a_connection_given_back_moments_ago_is_not_tested(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    server_only(database_url)
    engine = make_engine(database_url)
    pings: list[object] = []
    monkeypatch.setattr(engine.dialect, "do_ping", pings.append)
    try:
        for _ in range(3):
            with engine.connect() as connection:
                assert connection.execute(text("SELECT 1")).scalar_one() == 1
                connection.commit()
        assert pings == []
        monkeypatch.setattr(database, "_IDLE_BEFORE_CHECK", 0.0)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            connection.commit()
        assert len(pings) == 1
    finally:
        engine.dispose()

"""Engines for SQLite (the embedded default) and PostgreSQL, and schema migration at start-up."""

from __future__ import annotations

import sqlite3
import threading
import time
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, PoolProxiedConnection, create_engine, event, make_url, text
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

__all__ = [
    "Engine",
    "begin_raw",
    "is_reachable",
    "make_engine",
    "make_session_factory",
    "migrate",
    "normalise_url",
]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_MIGRATION_LOCK_KEY = 7_331_2008  # pg_advisory_lock key: one migrator at a time
_SQLITE_BUSY_SECONDS = 30
_HOLDS_WRITER_LOCK = "holds_writer_lock"
# At least as many as the threads that may each hold a connection at once (the server's 16 by
# default, and the background sender and refresher): a connection beyond the pool's size is
# closed when it is given back, and opening one again costs milliseconds of CPU here and in
# PostgreSQL.
_POOL_SIZE = 20
_IDLE_BEFORE_CHECK = 10.0  # seconds a pooled connection sits unused before it is tested
_RETURNED_AT = "returned_at"


def normalise_url(url: str) -> str:
    """Accept `postgres://` and `postgresql://` and use the psycopg 3 driver for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    # A failed statement's message would quote its parameters (a grade, a comment) and such
    # messages are logged: keep them out.
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"timeout": _SQLITE_BUSY_SECONDS, "check_same_thread": False},
            hide_parameters=True,
            **(_FILE_POOL if _is_file(url) else {}),
        )
        _make_sqlite_transactional(engine)
        return engine
    engine = create_engine(url, pool_size=_POOL_SIZE, max_overflow=20, hide_parameters=True)
    _check_when_idle(engine)
    return engine


# SQLAlchemy's default pool for an SQLite file keeps 5 connections and opens up to 10 more
# that are closed when given back: a burst of clicks reopened one, with its PRAGMAs, every few
# votes. The most recently returned connection is handed out first.
_FILE_POOL: dict[str, Any] = {"pool_size": _POOL_SIZE, "pool_use_lifo": True}


def _is_file(url: str) -> bool:
    """An SQLite database in a file (one in memory gets a pool of its own kind)."""
    parsed = make_url(url)
    database = parsed.database or ""
    return database not in ("", ":memory:") and parsed.query.get("mode") != "memory"


def _check_when_idle(engine: Engine) -> None:
    """Test a pooled connection before it is used again only if it has sat unused for a while
    (the server may have closed it meanwhile, say on a restart); one that fails is replaced by a
    new one, unseen by the caller. A connection given back moments ago is used as it is:
    testing every one (``pool_pre_ping``) cost every transaction a round trip to the server."""

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info[_RETURNED_AT] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        returned_at = record.info.get(_RETURNED_AT)
        if returned_at is None or time.monotonic() - returned_at < _IDLE_BEFORE_CHECK:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError("a pooled connection no longer answers") from exc


def _make_sqlite_transactional(engine: Engine) -> None:
    """Let SQLAlchemy, not pysqlite, begin transactions, and begin them IMMEDIATE.

    An immediate transaction takes SQLite's write lock at its start, so two concurrent
    read-then-write transactions queue up (waiting up to the busy timeout) instead of one failing.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {_SQLITE_BUSY_SECONDS * 1000}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    # Within this process, writers queue on a lock rather than on SQLite's busy handler, which
    # sleeps in growing steps (up to 100 ms) and lets a waiting click lose the race again and
    # again. The lock is taken when a transaction begins and given back when its connection
    # returns to the pool (after its commit or rollback). Another process (SQLite is for one)
    # still meets the busy timeout.
    writer = threading.Lock()

    def take_writer_lock(info: dict[Any, Any]) -> None:
        if not info.get(_HOLDS_WRITER_LOCK) and writer.acquire(timeout=_SQLITE_BUSY_SECONDS):
            info[_HOLDS_WRITER_LOCK] = True

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        take_writer_lock(connection.info)
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    def begin_raw_immediate(connection: PoolProxiedConnection) -> None:
        take_writer_lock(connection.info)
        connection.driver_connection.execute("BEGIN IMMEDIATE")  # type: ignore[union-attr]

    _RAW_BEGINS[engine] = begin_raw_immediate

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        if record.info.pop(_HOLDS_WRITER_LOCK, False):
            writer.release()


_RAW_BEGINS: weakref.WeakKeyDictionary[Engine, Callable[[PoolProxiedConnection], None]] = (
    weakref.WeakKeyDictionary()
)


def begin_raw(engine: Engine, connection: PoolProxiedConnection) -> None:
    """Begin a transaction on a connection taken from ``engine``'s pool without SQLAlchemy
    (``engine.raw_connection()``), as SQLAlchemy's own begin would: on SQLite, take this
    process's writer lock (given back when the connection returns to the pool) and begin
    IMMEDIATE; psycopg begins by itself on the first statement."""
    begin = _RAW_BEGINS.get(engine)
    if begin is not None:
        begin(connection)


def is_reachable(engine: Engine) -> bool:
    """True if the database answers a trivial query."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:
        return False


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def migrate(engine: Engine) -> None:
    """Create or upgrade the schema to the newest migration (safe with several workers)."""
    config = alembic_config()
    with engine.connect() as connection:
        is_postgres = connection.dialect.name == "postgresql"
        if is_postgres:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})
            connection.commit()
        try:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            connection.commit()
        finally:
            if is_postgres:
                connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": _MIGRATION_LOCK_KEY}
                )
                connection.commit()

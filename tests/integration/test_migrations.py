"""The alembic migrations build exactly the schema the ORM models describe, and go back down."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import String, inspect
from sqlalchemy.types import TypeEngine

from storage.database import alembic_config, make_engine, migrate
from storage.orm import Base


def _compare_type(
    context: MigrationContext,
    inspected: Any,
    metadata: Any,
    inspected_type: TypeEngine[Any],
    metadata_type: TypeEngine[Any],
) -> bool | None:
    """Types differ as alembic says, but for a VARCHAR's length on SQLite, which does not
    enforce it (0008 widens ids on PostgreSQL only)."""
    if (
        context.dialect.name == "sqlite"
        and isinstance(inspected_type, String)
        and isinstance(metadata_type, String)
    ):
        return False
    return None


def test_the_migrated_schema_matches_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        migrate(engine)
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": _compare_type})
            differences = compare_metadata(context, Base.metadata)
        assert differences == []
    finally:
        engine.dispose()


def test_the_latest_migration_goes_down_and_up_again(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        migrate(engine)
        config = alembic_config()
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "-1")
            command.upgrade(config, "head")
        with engine.connect() as connection:
            context = MigrationContext.configure(connection)
            head = ScriptDirectory.from_config(config).get_current_head()
            assert head is not None and context.get_current_revision() == head
    finally:
        engine.dispose()


TEAMS_TABLES = {"chat_conversations", "chat_people", "served_files"}


def test_migration_0007_adds_the_teams_tables_and_takes_them_away_again(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        migrate(engine)
        assert set(inspect(engine).get_table_names()) >= TEAMS_TABLES
        config = alembic_config()
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0006")
        tables = set(inspect(engine).get_table_names())
        assert tables.isdisjoint(TEAMS_TABLES) and {"rounds", "votes", "outbox"} <= tables
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0007")
        inspector = inspect(engine)
        assert set(inspector.get_table_names()) >= TEAMS_TABLES
        indexed = {
            (table, tuple(index["column_names"]))
            for table in ("chat_conversations", "served_files")
            for index in inspector.get_indexes(table)
        }
        assert indexed == {
            ("chat_conversations", ("person_id",)),
            ("served_files", ("expires_at",)),
        }
    finally:
        engine.dispose()


def test_the_outbox_records_a_key_once_and_says_so(database_url: str) -> None:
    from datetime import UTC, datetime, timedelta

    from bot.domain.rounds import MessageKind, NewRound, OutgoingMessage
    from storage.database import make_session_factory
    from storage.unit_of_work import SqlUnitOfWorkFactory

    engine = make_engine(database_url)
    try:
        migrate(engine)
        uow_factory = SqlUnitOfWorkFactory(make_session_factory(engine))
        now = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
        with uow_factory() as uow:
            round_ = uow.rounds.add(
                NewRound(
                    "are-we-there-yet-2008",
                    3,
                    "performance",
                    "C0PERF001",
                    "U0CHAIR01",
                    now,
                    ("U0A",),
                    ("3.1",),
                    now + timedelta(days=7),
                    now + timedelta(days=6),
                )
            )
            message = OutgoingMessage(f"summary:{round_.id}", MessageKind.SUMMARY, round_.id)
            assert uow.outbox.add(message, now, now) is True
            assert uow.outbox.add(message, now, now) is False
            uow.commit()
    finally:
        engine.dispose()

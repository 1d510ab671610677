"""Alembic environment: runs on the connection handed over by storage.database.migrate."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from storage.orm import Base

config = context.config
target_metadata = Base.metadata


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        url = config.get_main_option("sqlalchemy.url")
        if not url:
            raise RuntimeError("set sqlalchemy.url or call storage.database.migrate()")
        with create_engine(url).connect() as own_connection:
            context.configure(
                connection=own_connection,
                target_metadata=target_metadata,
                render_as_batch=True,
            )
            with context.begin_transaction():
                context.run_migrations()
        return
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


run_migrations()

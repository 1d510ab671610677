"""The service tests' fixtures: a migrated database and a world (see world.py) on it."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.domain.framework import Framework
from storage.database import make_engine, make_session_factory, migrate
from tests.integration.world import World, WorldFactory, build_world


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    """Sessions on the test database, migrated to the newest schema."""
    engine = make_engine(database_url)
    migrate(engine)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def make_world(sessions: sessionmaker[Session], framework: Framework) -> WorldFactory:
    """``make_world(**voting)``: a world with these voting settings."""
    return partial(build_world, sessions, framework)


@pytest.fixture
def world(make_world: WorldFactory) -> World:
    return make_world()

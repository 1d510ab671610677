"""The Teams end-to-end fixtures: the Bot Connector double with the trust's team, and the real
app serving it (see tests/teams/harness.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.connector import ConnectorDouble
from tests.logs import Logs
from tests.teams.edge import capture_logs
from tests.teams.harness import RunningTeamsApp, populate, running_teams_app, teams_config
from tests.trust import JsonDict


@pytest.fixture
def double() -> Iterator[ConnectorDouble]:
    with ConnectorDouble(page_size=2) as teams:
        populate(teams)
        yield teams


@pytest.fixture
def teams_config_document() -> JsonDict:
    """The app.yaml the ``teams_app`` runs with; override it in a module to change the trust."""
    return teams_config()


@pytest.fixture
def teams_app(
    database_url: str, double: ConnectorDouble, tmp_path: Path, teams_config_document: JsonDict
) -> Iterator[RunningTeamsApp]:
    with running_teams_app(database_url, double, tmp_path, teams_config_document) as running:
        yield running


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[Logs]:
    """Everything logged during the test, through the process's own log filters."""
    yield from capture_logs(caplog)

"""The end-to-end fixtures: a populated Slack emulator and the real app running against it.

    def test_something(app: RunningApp) -> None:
        app.command("domain 4")
        cards = wait_for_cards(app.emulator, PARTICIPATION, 4)
        app.vote("U0PART001", cards["4.1"], "3")
        app.comment("U0PART002", cards["4.1"], "We rarely discuss it.")

A module changes the trust's configuration by overriding the ``app_config`` fixture, or marks its
tests ``chair_observes`` (see below). ``start_app`` starts an app of another shape (more members,
another workspace, a slower refresh).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.e2e.harness import (
    CHAIR,
    PARTICIPATION,
    VOTERS,
    JsonDict,
    RunningApp,
    StartApp,
    config_document,
    populate,
    running_app,
)
from tests.emulator import SlackEmulator

CHAIR_OBSERVES = (
    "chair_observes: the chair sits in on the Participation channel to settle flags but does not "
    "vote there (its members are the four voters), and closed ballots name who gave each grade "
    "(voting.anonymous: false)"
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", CHAIR_OBSERVES)


def observed(request: pytest.FixtureRequest) -> bool:
    return request.node.get_closest_marker("chair_observes") is not None


@pytest.fixture
def emulator(request: pytest.FixtureRequest) -> Iterator[SlackEmulator]:
    """The emulator with the trust's people and channels (see ``populate``)."""
    with SlackEmulator() as slack:
        populate(slack)
        if observed(request):
            slack.add_member(PARTICIPATION, CHAIR)
        yield slack


@pytest.fixture
def app_config(request: pytest.FixtureRequest) -> JsonDict:
    """The app.yaml the ``app`` runs with; override it in a module to change the trust."""
    config = config_document()
    if observed(request):
        config = config_document(anonymous=False)
        config["subgroups"]["participation"]["members"] = VOTERS
    return config


@pytest.fixture
def app(
    database_url: str, emulator: SlackEmulator, tmp_path: Path, app_config: JsonDict
) -> Iterator[RunningApp]:
    """The real app (waitress, Bolt, the database) serving the ``emulator``'s workspace."""
    with running_app(database_url, emulator, tmp_path, config=app_config) as running:
        yield running


@pytest.fixture
def start_app(database_url: str, tmp_path: Path) -> Iterator[StartApp]:
    """Start an app of another shape: ``start_app(sizes={"PART": 21}, refresh_interval=0.5,
    enterprise_id="E0…", config={…})``, each with its own emulator; stopped after the test."""
    with ExitStack() as stack:

        def start(
            *,
            sizes: dict[str, int] | None = None,
            enterprise_id: str | None = None,
            config: JsonDict | None = None,
            refresh_interval: float = 0.05,
        ) -> RunningApp:
            emulator = stack.enter_context(SlackEmulator(enterprise_id=enterprise_id))
            populate(emulator, sizes)
            return stack.enter_context(
                running_app(database_url, emulator, tmp_path, config, refresh_interval)
            )

        yield start

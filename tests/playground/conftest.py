"""The Agents Playground fixtures: the Playground (installed by make playground-install) playing
the committed world (teams/playground/.m365agentsplayground.yml) against a bot.

Without the Playground or node the tests skip, saying why; with REQUIRE_PLAYGROUND=1 (CI) they
fail instead. A failed test that used the Playground shows its output and log."""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator

import pytest

from tests.playground.driver import Playground
from tests.playground.echo_bot import EchoBot
from tests.playground.process import missing
from tests.playground.world import World, load_world

REQUIRE_PLAYGROUND = os.environ.get("REQUIRE_PLAYGROUND") == "1"


def require_playground() -> None:
    reason = missing()
    if reason is None:
        return
    if REQUIRE_PLAYGROUND:
        pytest.fail(f"REQUIRE_PLAYGROUND=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def world() -> World:
    return load_world()


@pytest.fixture(scope="module")
def echo_bot() -> Iterator[EchoBot]:
    require_playground()
    bot = EchoBot().start()
    yield bot
    bot.stop()


@pytest.fixture(scope="module")
def playground(world: World, echo_bot: EchoBot) -> Iterator[Playground]:
    with Playground(world, echo_bot.endpoint) as running:
        yield running


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.failed:
        for value in getattr(item, "funcargs", {}).values():
            # the ``playground`` fixture, or one that holds a Playground (``assess``)
            running = value if isinstance(value, Playground) else getattr(value, "playground", None)
            if isinstance(running, Playground):
                report.sections.append(("Agents Playground", running.process.describe()))
                break
    return report

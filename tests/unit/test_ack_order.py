"""Slack is answered (ack, the HTTP 200) only once a click's or a command's change is stored.

Slack counts a 200 as delivered and never sends the click again, so an ack before the commit
loses the vote if the process dies in between. These tests run the real Bolt app and listeners
over HTTP with a fake core that logs when it stores; the ack is logged by a middleware.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, cast

import pytest
from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.domain.consensus import Choice
from bot.services.facilitator import Facilitator
from bot.views.reply import Later, Outcome, Reply, finish
from handlers.slack.app import build_bolt_app
from handlers.slack.listeners.errors import SORRY
from tests.emulator import BoltAppServer, SlackEmulator, SlackSender

SECRET = "order-secret"
USER = "U0PART001"
CHANNEL = "C0PART001"


class RecordingAck(Ack):
    def __init__(self, log: list[str]) -> None:
        self.response = None  # as Ack.__init__ does
        self.log = log

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.log.append("ack")
        return super().__call__(*args, **kwargs)


@dataclass
class StoringCore:
    """Stands in for the Facilitator: logs "stored" when its change would commit, "then" for
    the work after. ``fail`` makes it raise before storing anything."""

    log: list[str] = field(default_factory=list)
    fail: bool = False

    def _store(self, text: str) -> Outcome:
        if self.fail:
            raise RuntimeError("the database went away")
        self.log.append("stored")

        def then() -> Reply:
            self.log.append("then")
            return Reply(text)

        return Later(then)

    def cast_vote(
        self, user_id: str, round_id: int, rq_id: int, choice: Choice, clicked_at: object = None
    ) -> Outcome:
        return self._store(f"recorded {choice.value}")

    def record_vote(self, *args: Any) -> Reply:
        return finish(self.cast_vote(*args))

    def open_revote(self, user_id: str, round_id: int, rq_id: int) -> Outcome:
        return self._store("re-vote open")

    def start_revote(self, *args: Any) -> Reply:
        return finish(self.open_revote(*args))

    def close_now(self, user_id: str, domain: int) -> Outcome:  # `/assess close N`
        return self._store(f"did close {domain}")


@dataclass
class Bench:
    core: StoringCore
    sender: SlackSender
    emulator: SlackEmulator

    def reply(self, response_url: str | None) -> str:
        posts = self.emulator.wait_for(lambda: self.emulator.responses(response_url))
        return str(posts[0].body.get("text", ""))


@pytest.fixture
def bench() -> Iterator[Bench]:
    core = StoringCore()
    with SlackEmulator() as slack:
        slack.add_user(USER, "member")
        slack.add_channel(CHANNEL, "participation", members=[USER])
        client = WebClient(token=slack.token, base_url=slack.api_url)
        app: App = build_bolt_app(client, SECRET, cast(Facilitator, core))

        @app.middleware
        def record_ack(context: Any, next: Any) -> None:
            context["ack"] = RecordingAck(core.log)
            next()

        with BoltAppServer(app) as server:
            yield Bench(core, SlackSender(server.url, SECRET, slack), slack)


def click(bench: Bench, action_id: str) -> str | None:
    response = bench.sender.click_button(
        USER, CHANNEL, "1700000000.000100", action_id, value="1:2", is_ephemeral=True
    )
    assert response.status == 200, response.body
    return response.response_url


def test_a_vote_is_stored_before_slack_is_answered(bench: Bench) -> None:
    url = click(bench, "vote_3")
    assert bench.reply(url) == "recorded 3"
    assert bench.core.log == ["stored", "ack", "then"]


def test_a_revote_is_stored_before_slack_is_answered(bench: Bench) -> None:
    url = click(bench, "revote")
    assert bench.reply(url) == "re-vote open"
    assert bench.core.log == ["stored", "ack", "then"]


def test_a_command_is_stored_before_slack_is_answered(bench: Bench) -> None:
    response = bench.sender.slash_command(USER, CHANNEL, "close 4")
    assert response.status == 200
    assert bench.reply(response.response_url) == "did close 4"
    assert bench.core.log == ["stored", "ack", "then"]


def test_a_click_that_fails_is_not_acknowledged_first_and_gets_an_apology(bench: Bench) -> None:
    bench.core.fail = True
    url = click(bench, "vote_3")
    assert bench.reply(url) == SORRY
    assert bench.core.log == []  # the listener never said "delivered" for what it did not store

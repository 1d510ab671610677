"""The Teams burst: the app (``python -m bot`` with a Teams app.yaml, anonymous, production
refresh intervals) against the Bot Connector double (tests/connector). The chair's @mention in
the board channel starts the round in a channel whose roster is the electors; their clicks are
``adaptiveCard/action`` invokes, as Teams posts them. The invoke's answer is the private
confirmation. The floor is the same invokes to bench/bare_agents.py, a bare Agents SDK app on
the same aiohttp hosting that answers each with an empty card."""

from __future__ import annotations

import os
import tempfile
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bench.checks import Check, accepted, stored_votes, summary_checks, update_checks
from bench.figures import Result, Side
from bench.measure import CpuTrace, burst, running, settle
from bench.slack_burst import question_count
from tests.connector import ConnectorDouble, Message, TeamsClient, TeamsUser
from tests.connector.cards import submitted_data
from tests.teams.harness import BOARD, CHAIR, CHANNELS, QUESTION_ID, teams_config
from tests.trust import ROOT, config_document

GRADES = ["1 Inadequate", "2 Adequate", "3 Good", "4 Outstanding"]
OUTSIDER = TeamsUser.named("Otto Outsider")  # not an elector: warms the app up, is refused
PAGE_SIZE = 500  # the most a page of a roster holds: the electors are read in one call

Invoke = tuple[TeamsUser, str, str, str, Any]  # who, conversation, card's id, verb, data


def channel_of(domain: int) -> str:
    return CHANNELS[config_document()["assignments"][domain]]


def invoker(client: TeamsClient) -> Callable[[Invoke], str]:
    """Sends an invoke; returns the text of its answer (the private confirmation)."""

    def invoke(item: Invoke) -> str:
        answer = client.invoke(*item)
        if answer.status != 200 or answer.json.get("statusCode") != 200:
            raise RuntimeError(f"{answer.status}: {answer.body}")
        return str(answer.json.get("value"))

    return invoke


@dataclass
class TeamsBench:
    double: ConnectorDouble
    env: dict[str, str]
    folder: Path
    domain: int
    voters: list[TeamsUser]
    in_flight: int

    @property
    def channel(self) -> str:
        return channel_of(self.domain)

    def populate(self) -> None:
        for channel_id in set(CHANNELS.values()):
            members = self.voters if channel_id == self.channel else []
            self.double.add_channel(channel_id, channel_id[3:11], members)
        self.double.add_members(BOARD, [CHAIR])
        self.double.add_user(OUTSIDER)
        self.double.add_members(self.double.team_id, [CHAIR, *self.voters])

    def cards(self, count: int) -> list[Message]:
        """The question posts in the channel once there are ``count``, by question id."""

        def ready() -> list[Message]:
            found: dict[str, Message] = {}
            for post in self.double.posts(self.channel):
                match = QUESTION_ID.search(post.words)
                if post.card is not None and any(a.title == GRADES[2] for a in post.actions):
                    found[match.group(1) if match else post.id] = self.double.message(post.id)
            return [found[q] for q in sorted(found)] if len(found) == count else []

        return list(self.double.wait_for(ready, timeout=30, message="the question cards"))

    def invokes(self, cards: list[Message]) -> list[Invoke]:
        """Every elector's vote on every question, elector by elector."""
        made: list[Invoke] = []
        for i, voter in enumerate(self.voters):
            for j, card in enumerate(cards):
                action = card.action(GRADES[(i + j) % 2 + 2 * (j % 2)])
                assert action.verb is not None
                data = submitted_data(action)
                made.append((voter, card.thread_conversation_id, card.id, action.verb, data))
        return made

    def warm_up(self, invoke: Callable[[Invoke], str], invokes: list[Invoke]) -> None:
        count = self.in_flight
        burst(invoke, [(OUTSIDER, *item[1:]) for item in invokes[:count]], count)

    def summary(self) -> Message | None:
        for post in self.double.posts(BOARD):
            if post.card is not None and f"Domain {self.domain} graded by" in post.words:
                return self.double.message(post.id)
        return None

    def ours(self) -> tuple[list[Invoke], Side, list[Check]]:
        double = self.double
        with running("bot", self.env, self.folder) as (pid, url):
            client = TeamsClient(url, double, timeout=30)
            assert all(answer.ok for answer in client.install())
            assert client.mention(CHAIR, BOARD, f"domain {self.domain}").status == 202
            invokes = self.invokes(self.cards(question_count(self.domain)))
            invoke = invoker(client)
            double.add_members(self.channel, [OUTSIDER])  # after the round started: refused
            self.warm_up(invoke, invokes)
            calls_before = len(double.calls)
            cpu = CpuTrace(pid).start()
            sent, said = burst(invoke, invokes, self.in_flight)
            summary = double.wait_for(self.summary, timeout=300, message="the summary")
            assert summary is not None
            cpu.stop()
            settle(lambda: len(double.calls))  # the last redraws land first
            side = Side.of(sent, cpu)
            checks = self.checks(side, calls_before, int(summary.id) / 1000, said)
        return invokes, side, checks

    def checks(
        self, side: Side, calls_before: int, summary_at: float, said: list[str]
    ) -> list[Check]:
        calls = self.double.calls[calls_before:]
        per_message: dict[str, list[float]] = defaultdict(list)
        for call in calls:
            if call.operation == "update_activity" and call.activity_id:
                per_message[call.activity_id].append(call.time)
        summaries = sum(
            f"Domain {self.domain} graded by" in post.words
            for post in self.double.posts(BOARD)
            if post.card is not None
        )
        return [
            *update_checks(side, per_message, len(calls)),
            *summary_checks(side, summary_at, summaries, accepted(said)),
            ("votes sent / stored / distinct", stored_votes(self.env["DATABASE_URL"], side.votes)),
        ]

    def floor(self, invokes: list[Invoke]) -> Side:
        with running("bench.bare_agents", self.env, self.folder) as (pid, url):
            invoke = invoker(TeamsClient(url, self.double, timeout=30))
            self.warm_up(invoke, invokes)
            cpu = CpuTrace(pid).start()
            sent, _ = burst(invoke, invokes, self.in_flight)
            cpu.stop()
        return Side.of(sent, cpu)


def environment(database_url: str, folder: Path) -> dict[str, str]:
    """The app's environment: a Teams app.yaml in ``folder``, anonymous, production intervals
    (`running` adds PORT and PUBLIC_URL)."""
    config = folder / "app.yaml"
    config.write_text(yaml.safe_dump(teams_config()), encoding="utf-8")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SLACK_", "TEAMS_", "DATABASE_URL", "APP_CONFIG"))
    }
    env.update(
        DATABASE_URL=database_url,
        APP_CONFIG=str(config),
        TEAMS_ALLOW_ANONYMOUS="1",
        HOST="127.0.0.1",
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    return env


def run(database_url: str, database: str, domain: int, electors: int, in_flight: int) -> Result:
    """Ours, then the floor, on one database."""
    voters = [TeamsUser.named(f"Bench Voter {i:03d}") for i in range(electors)]
    with ConnectorDouble(page_size=PAGE_SIZE) as double, tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        env = environment(database_url, folder)
        bench = TeamsBench(double, env, folder, domain, voters, in_flight)
        bench.populate()
        invokes, ours, checks = bench.ours()
        floor = bench.floor(invokes)
    return Result("Teams", database, ours, floor, checks)

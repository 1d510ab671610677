"""The Slack burst: the app (``python -m bot``, production refresh intervals) against the Slack
Web API emulator with Slack's rate limits on; the electors' clicks are signed HTTP requests, as
Slack sends them. A vote is confirmed when its private reply reaches its response_url. The floor
is the same clicks to bench/bare_bolt.py, a Bolt app on the same server stack that only acks."""

from __future__ import annotations

import tempfile
from collections import defaultdict
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.checks import Check, accepted, stored_votes, summary_checks, update_checks
from bench.figures import Result, Side
from bench.measure import CpuTrace, burst, running, settle
from bench.profiling import Profiler
from bot.domain.framework import load_framework
from tests.e2e.harness import BOARD, CHAIR, SIGNING_SECRET, wait_for_cards
from tests.e2e.harness import summaries as summaries_in
from tests.e2e.process import environment
from tests.emulator import ResponsePost, SlackEmulator, SlackSender
from tests.trust import BANK, COMMISSIONING, PARTICIPATION, PERFORMANCE, ROOT, WORKFORCE

CHANNELS = {2: COMMISSIONING, 3: PERFORMANCE, 4: PARTICIPATION, 6: PERFORMANCE, 7: PERFORMANCE}
OUTSIDER = "U0BENCHOUT"  # not an elector: their clicks warm the app up and are refused

Click = tuple[str, str, dict[str, Any], str]  # user, channel, the question's message, action


def question_count(domain: int) -> int:
    model = load_framework(BANK).domain(domain)
    assert model is not None
    return len(model.questions)


def clicker(sender: SlackSender) -> Callable[[Click], str]:
    """Sends a click; returns the response_url it carried."""

    def click(item: Click) -> str:
        user, channel, card, action = item
        response = sender.click_button(user, channel, str(card["ts"]), action, message=card)
        if response.status != 200:
            raise RuntimeError(f"{response.status}: {response.body}")
        return str(response.response_url)

    return click


@dataclass
class SlackBench:
    emulator: SlackEmulator
    env: dict[str, str]
    folder: Path
    domain: int
    voters: list[str]
    in_flight: int

    @property
    def channel(self) -> str:
        return CHANNELS[self.domain]

    def populate(self) -> None:
        emulator = self.emulator
        emulator.add_user(CHAIR, "chair")
        emulator.add_user(OUTSIDER, "outsider")
        for voter in self.voters:
            emulator.add_user(voter, voter.lower())
        for channel_id in {COMMISSIONING, PERFORMANCE, PARTICIPATION, WORKFORCE}:
            members = self.voters if channel_id == self.channel else []
            emulator.add_channel(channel_id, channel_id.lower(), members=members)
        emulator.add_channel(BOARD, "board", members=[CHAIR])

    def confirmations(self, urls: list[str], timeout: float = 120) -> list[ResponsePost]:
        """The first post to each response_url, in the urls' order, once all have one."""

        def all_posted() -> list[ResponsePost]:
            first: dict[str, ResponsePost] = {}
            for post in self.emulator.responses():
                first.setdefault(post.url, post)
            return [first[url] for url in urls] if all(url in first for url in urls) else []

        return list(self.emulator.wait_for(all_posted, timeout, message="every confirmation"))

    def warm_up(self, click: Callable[[Click], str], clicks: list[Click]) -> list[str]:
        """As many clicks as are in flight, from someone who is not an elector (refused),
        before anything is measured; their response_urls."""
        count = self.in_flight
        return burst(click, [(OUTSIDER, *c[1:]) for c in clicks[:count]], count)[1]

    def ours(self, profiler: Profiler | None) -> tuple[list[Click], Side, list[Check]]:
        """The app's burst (under ``profiler``, if given, from the first click to the last
        confirmation)."""
        emulator = self.emulator
        module = profiler.module if profiler else "bot"
        env = {**self.env, **(profiler.env if profiler else {})}
        with running(module, env, self.folder) as (pid, url):
            sender = SlackSender(url, SIGNING_SECRET, emulator)
            assert sender.slash_command(CHAIR, BOARD, f"domain {self.domain}").status == 200
            cards = wait_for_cards(emulator, self.channel, question_count(self.domain))
            clicks = [
                (voter, self.channel, card, f"vote_{1 + (i + j) % 2 + 2 * (j % 2)}")
                for i, voter in enumerate(self.voters)
                for j, card in enumerate(cards.values())
            ]
            click = clicker(sender)
            self.confirmations(self.warm_up(click, clicks))
            calls_before = len(emulator.calls)
            cpu = CpuTrace(pid).start()
            with profiler.recording(pid) if profiler else nullcontext():
                sent, urls = burst(click, clicks, self.in_flight)
                posts = self.confirmations(urls)
            [summary] = emulator.wait_for(lambda: summaries_in(emulator), timeout=300)
            cpu.stop()
            settle(lambda: len(emulator.calls))  # the last redraws land first
            side = Side.of(sent, cpu, [post.time for post in posts])
            checks = self.checks(side, calls_before, float(summary["ts"]), posts)
        return clicks, side, checks

    def checks(
        self, side: Side, calls_before: int, summary_at: float, posts: list[ResponsePost]
    ) -> list[Check]:
        calls = self.emulator.calls[calls_before:]
        per_message: dict[str, list[float]] = defaultdict(list)
        for call in calls:
            if call.method == "chat.update":
                per_message[str(call.params.get("ts"))].append(call.time)
        said = [str(post.body.get("text", "")) for post in posts]
        summaries = len(summaries_in(self.emulator))
        return [
            *update_checks(side, per_message, len(calls)),
            *summary_checks(side, summary_at, summaries, accepted(said)),
            ("votes sent / stored / distinct", stored_votes(self.env["DATABASE_URL"], side.votes)),
        ]

    def floor(self, clicks: list[Click]) -> Side:
        with running("bench.bare_bolt", self.env, self.folder) as (pid, url):
            click = clicker(SlackSender(url, SIGNING_SECRET, self.emulator))
            self.warm_up(click, clicks)
            cpu = CpuTrace(pid).start()
            sent, _ = burst(click, clicks, self.in_flight)
            cpu.stop()
        return Side.of(sent, cpu)


def run(
    database_url: str,
    database: str,
    domain: int,
    electors: int,
    in_flight: int,
    profiler: Profiler | None = None,
) -> Result:
    """Ours, then the floor, on one database; ours under ``profiler`` if given."""
    voters = [f"U0BENCH{i:03d}" for i in range(electors)]
    with SlackEmulator() as emulator, tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        env = environment(emulator, folder, DATABASE_URL=database_url, PYTHONPATH=str(ROOT))
        bench = SlackBench(emulator, env, folder, domain, voters, in_flight)
        bench.populate()
        clicks, ours, checks = bench.ours(profiler)
        floor = bench.floor(clicks)
    return Result("Slack", database, ours, floor, checks)

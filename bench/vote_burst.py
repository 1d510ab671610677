"""A burst of votes: 50 electors vote on every question of a domain, 20 clicks in flight.

    make bench                       # SQLite, and PostgreSQL when TEST_POSTGRES_URL is set
    make bench ARGS="--domain 7 --electors 50 --in-flight 20"

The app runs as it does in production (`python -m bot`, a separate process, production refresh
intervals) against the local Slack Web API emulator, with Slack's rate limits switched on. Clicks
are signed HTTP requests, as Slack sends them. The same burst is then sent to a Bolt app whose
listener only acks, on the same server stack: the framework's floor. Figures are printed; nothing
here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from bot.domain.framework import load_framework
from tests.e2e.harness import (
    BOARD,
    CHAIR,
    SIGNING_SECRET,
    wait_for_cards,
)
from tests.e2e.harness import summaries as summaries_in
from tests.e2e.process import environment, free_port, start_bot, wait_healthy
from tests.emulator import SlackEmulator, SlackSender
from tests.trust import BANK, COMMISSIONING, PARTICIPATION, PERFORMANCE, WORKFORCE

ROOT = Path(__file__).resolve().parents[1]
CHANNELS = {2: COMMISSIONING, 3: PERFORMANCE, 4: PARTICIPATION, 6: PERFORMANCE, 7: PERFORMANCE}


STORED_VOTES = "SELECT count(*), count(DISTINCT round_question_id || ':' || user_id) FROM votes"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def start(module: str, env: dict[str, str], cwd: Path) -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    process = start_bot({**env, "PORT": str(port)}, cwd, module=module)
    url = f"http://127.0.0.1:{port}"
    wait_healthy(f"{url}/healthz", process)
    return process, url


Click = tuple[str, str, dict[str, Any], str]


def burst(
    sender: SlackSender, clicks: list[Click], in_flight: int
) -> tuple[list[float], float, float]:
    """Send the clicks, ``in_flight`` at a time; return latencies, first and last send times."""
    latencies: list[float] = []

    def click(item: Click) -> None:
        user, channel, card, action = item
        response = sender.click_button(user, channel, str(card["ts"]), action, message=card)
        if response.status != 200:
            raise RuntimeError(f"{response.status}: {response.body}")
        latencies.append(response.elapsed)

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=in_flight) as pool:
        list(pool.map(click, clicks))
    return latencies, started, time.monotonic()


def min_gap(series: Iterable[list[float]]) -> float:
    gaps = [b - a for times in series for a, b in pairwise(sorted(times))]
    return min(gaps) if gaps else float("inf")


def window_max(times: list[float], width: float) -> int:
    times = sorted(times)
    best, left = 0, 0
    for right, moment in enumerate(times):
        while moment - times[left] > width:
            left += 1
        best = max(best, right - left + 1)
    return best


def run(database_url: str, label: str, domain: int, electors: int, in_flight: int) -> None:
    channel = CHANNELS[domain]
    with SlackEmulator() as emulator, tempfile.TemporaryDirectory() as folder:
        voters = [f"U0BENCH{i:03d}" for i in range(electors)]
        emulator.add_user(CHAIR, "chair")
        for voter in voters:
            emulator.add_user(voter, voter.lower())
        for channel_id in {COMMISSIONING, PERFORMANCE, PARTICIPATION, WORKFORCE}:
            emulator.add_channel(
                channel_id, channel_id.lower(), members=voters if channel_id == channel else []
            )
        emulator.add_channel(BOARD, "board", members=[CHAIR])
        env = environment(emulator, Path(folder), DATABASE_URL=database_url, PYTHONPATH=str(ROOT))
        app, url = start("bot", env, Path(folder))
        try:
            sender = SlackSender(url, SIGNING_SECRET, emulator)
            response = sender.slash_command(CHAIR, BOARD, f"domain {domain}")
            assert response.status == 200
            framework = load_framework(BANK)
            domain_model = framework.domain(domain)
            assert domain_model is not None
            cards = wait_for_cards(emulator, channel, len(domain_model.questions))
            calls_before = len(emulator.calls)
            clicks = [
                (voter, channel, card, f"vote_{1 + (i + j) % 2 + 2 * (j % 2)}")
                for i, voter in enumerate(voters)
                for j, card in enumerate(cards.values())
            ]
            latencies, first, last = burst(sender, clicks, in_flight)
            emulator.wait_for(lambda: summaries_in(emulator), timeout=300)
            to_summary = time.monotonic() - last
            time.sleep(3)  # let the last redraws land before counting calls
            calls = emulator.calls[calls_before:]
            updates = [c for c in calls if c.method == "chat.update"]
            per_message: dict[str, list[float]] = defaultdict(list)
            for call in updates:
                per_message[str(call.params.get("ts"))].append(call.time)
            burst_updates = [c.time for c in updates]
            engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
            with engine.connect() as connection:
                stored = connection.execute(text(STORED_VOTES)).one()
            engine.dispose()
            summaries = len(summaries_in(emulator))
        finally:
            app.terminate()
            app.wait(timeout=30)
        floor, bare_url = start("bench.bare_bolt", env, Path(folder))
        try:
            bare, _, _ = burst(SlackSender(bare_url, SIGNING_SECRET, emulator), clicks, in_flight)
        finally:
            floor.terminate()
            floor.wait(timeout=30)

    ms = 1000.0
    rows = [
        ("votes/s", f"{len(clicks) / (last - first):.1f}"),
        (
            "answer to Slack p50 / p99",
            f"{percentile(latencies, 0.5) * ms:.1f} / {percentile(latencies, 0.99) * ms:.1f} ms",
        ),
        (
            "bare Bolt ack p50 / p99",
            f"{percentile(bare, 0.5) * ms:.1f} / {percentile(bare, 0.99) * ms:.1f} ms",
        ),
        (
            "ours over the floor p50 / p99",
            f"{percentile(latencies, 0.5) / percentile(bare, 0.5):.2f} / "
            f"{percentile(latencies, 0.99) / percentile(bare, 0.99):.2f} x",
        ),
        ("Web API calls per vote", f"{len(calls) / len(clicks):.3f}"),
        ("chat.update calls (per vote)", f"{len(updates)} ({len(updates) / len(clicks):.3f})"),
        (
            "closest two chat.update of one message",
            f"{min_gap(per_message.values()):.2f} s",
        ),
        ("most chat.update in any 60 s (Tier 3: 50)", str(window_max(burst_updates, 60.0))),
        ("last vote to summary", f"{to_summary:.2f} s"),
        ("votes sent / stored / distinct", f"{len(clicks)} / {stored[0]} / {stored[1]}"),
        ("summaries posted", str(summaries)),
    ]
    print(
        f"\n== {label}: domain {domain}, {electors} electors, {len(clicks)} votes, "
        f"{in_flight} in flight"
    )
    for name, value in rows:
        print(f"{name:<44} {value}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--domain", type=int, default=7, choices=sorted(CHANNELS))
    parser.add_argument("--electors", type=int, default=50)
    parser.add_argument("--in-flight", type=int, default=20)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        run(
            f"sqlite:///{Path(folder) / 'bench.db'}",
            "SQLite",
            args.domain,
            args.electors,
            args.in_flight,
        )
    postgres = os.environ.get("TEST_POSTGRES_URL")
    if postgres:
        from tests.conftest import reset_postgres

        reset_postgres(postgres)
        run(postgres, "PostgreSQL", args.domain, args.electors, args.in_flight)
    else:
        print("\n(PostgreSQL skipped: set TEST_POSTGRES_URL to run it too)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

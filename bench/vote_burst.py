"""A burst of votes: 50 electors vote on every question of a domain, 20 clicks in flight, on
Slack and on Teams, on SQLite and (when TEST_POSTGRES_URL is set) PostgreSQL; each next to its
floor, the same clicks to a bare app of the same framework on the same server stack.

    make bench                       # all four; PostgreSQL when TEST_POSTGRES_URL is set
    make bench ARGS="--domain 7 --electors 50 --in-flight 20 --only slack"
    make profile                     # the Slack burst on SQLite under py-spy
    make profile ARGS="--database postgresql"   # ... on PostgreSQL

The app runs as in production (`python -m bot`, a separate process, production refresh
intervals). Slack: the Slack Web API emulator with Slack's rate limits on, clicks as signed HTTP
requests; a vote is confirmed when its private reply reaches its response_url; the floor is a
Bolt app that only acks (bench/bare_bolt.py). Teams: the Bot Connector double, clicks as
adaptiveCard/action invokes; a vote is confirmed by the invoke's answer; the floor is an Agents
SDK app that answers every invoke with an empty card (bench/bare_agents.py).

Figures: votes/s = votes over the time from the first click sent to the last confirmation;
p50 / p99 = the app's HTTP answer to a click (Slack's ack; Teams' invoke response); CPU per vote
= the app process's CPU time (user + system, /proc/<pid>/stat) from the first click to the last
confirmation, over the votes. The floor is measured the same way (its confirmation is its
answer). The quarters cut the burst by send order: clicks go elector by elector over every
question, so each quarter holds a quarter of each question's votes. Figures are printed;
nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from bench import slack_burst, table, teams_burst
from bench.figures import Result
from bench.measure import AppFailed
from bench.profiling import PROFILERS, Profiler
from tests.conftest import reset_postgres

DATABASES = ("sqlite", "postgresql")
PLATFORMS = ("slack", "teams")


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--domain", type=int, default=7, choices=sorted(slack_burst.CHANNELS))
    parser.add_argument("--electors", type=int, default=50)
    parser.add_argument("--in-flight", type=int, default=20)
    parser.add_argument("--only", choices=PLATFORMS, help="one platform (default: both)")
    parser.add_argument("--database", choices=DATABASES, help="one database (default: both)")
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="FILE",
        help="profile the app through the Slack burst on SQLite (or on --database; only that "
        "burst is run); write its top entries to FILE (its figures are then slowed: not for "
        "the README)",
    )
    parser.add_argument(
        "--profiler",
        choices=PROFILERS,
        default=PROFILERS[0],
        help="py-spy: the GIL holder, sampled; cprofile: every call, by thread CPU time",
    )
    return parser.parse_args(argv)


def one(platform: str, url: str, database: str, args: argparse.Namespace) -> Result:
    size = (args.domain, args.electors, args.in_flight)
    if platform == "slack":
        profiler = Profiler(args.profiler, args.profile) if args.profile else None
        return slack_burst.run(url, database, *size, profiler=profiler)
    return teams_burst.run(url, database, *size)


def run_all(args: argparse.Namespace, folder: Path) -> tuple[list[Result], list[str]]:
    """Every burst asked for: the results, and the bursts that failed (and why)."""
    platforms = [args.only] if args.only else list(PLATFORMS)
    databases = [args.database] if args.database else list(DATABASES)
    if args.profile:
        platforms, databases = ["slack"], [args.database or "sqlite"]
    postgres = os.environ.get("TEST_POSTGRES_URL")
    results: list[Result] = []
    failed: list[str] = []
    for platform in platforms:
        for database in databases:
            if database == "postgresql" and not postgres:
                continue
            if database == "sqlite":
                url, name = f"sqlite:///{folder / f'{platform}.db'}", "SQLite"
            else:
                assert postgres is not None
                reset_postgres(postgres)
                url, name = postgres, "PostgreSQL"
            try:
                results.append(one(platform, url, name, args))
            except AppFailed as exc:
                failed.append(f"{platform.title()} {name}: {exc}")
    if "postgresql" in databases and not postgres:
        print("(PostgreSQL skipped: set TEST_POSTGRES_URL to run it too)", file=sys.stderr)
    return results, failed


def report(results: list[Result], failed: list[str], args: argparse.Namespace) -> str:
    votes = results[0].ours.votes if results else 0
    parts = [
        f"Domain {args.domain}: {args.electors} electors, {votes} votes, "
        f"{args.in_flight} in flight, {os.cpu_count()} cores"
    ]
    if results:
        parts += [table.side_by_side(results), table.by_quarter(results), table.checks(results)]
    parts += [f"Not measured, the app failed: {line}" for line in failed]
    return "\n\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    with tempfile.TemporaryDirectory() as folder:
        results, failed = run_all(args, Path(folder))
    print(report(results, failed, args))
    if args.profile:
        print(f"\nthe profile's top entries: {args.profile}")
    return 1 if failed or not results else 0


if __name__ == "__main__":
    sys.exit(main())

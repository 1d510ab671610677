"""The checks printed under the figures: what the burst did to the channel (message updates,
their spacing), the round's end (the summary), and the votes stored."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import create_engine, text

from bench.figures import Side, min_gap, percentile, window_max
from storage.database import normalise_url

ACCEPTED = "recorded"  # a vote's confirmation says it was recorded
STORED_VOTES = "SELECT count(*), count(DISTINCT round_question_id || ':' || user_id) FROM votes"
MS = 1000.0

Check = tuple[str, str]


def stored_votes(database_url: str, sent: int) -> str:
    engine = create_engine(normalise_url(database_url))
    try:
        with engine.connect() as connection:
            stored, distinct = connection.execute(text(STORED_VOTES)).one()
    finally:
        engine.dispose()
    return f"{sent} / {stored} / {distinct}"


def update_checks(side: Side, per_message: dict[str, list[float]], calls: int) -> list[Check]:
    """Updates of the channel's messages over the burst (and until the summary)."""
    updates = [moment for times in per_message.values() for moment in times]
    return [
        ("platform API calls per vote", f"{calls / side.votes:.3f}"),
        ("message updates (per vote, <= 0.1)", f"{len(updates)} ({len(updates) / side.votes:.3f})"),
        ("closest two updates of one message", f"{min_gap(per_message.values()):.2f} s"),
        ("most updates in any 60 s (Slack Tier 3: 50)", str(window_max(updates, 60.0))),
    ]


def summary_checks(side: Side, summary_at: float, summaries: int, accepted: int) -> list[Check]:
    """The private confirmations, the round's end, and the app's CPU until its summary."""
    times = side.confirmation_times
    return [
        (
            "private confirmation p50 / p99",
            f"{percentile(times, 0.5) * MS:.1f} / {percentile(times, 0.99) * MS:.1f} ms",
        ),
        ("confirmations / saying recorded", f"{side.votes} / {accepted}"),
        ("last vote to summary", f"{summary_at - max(side.answered):.2f} s"),
        ("summaries posted", str(summaries)),
        ("app CPU, first vote to summary", f"{side.cpu.between(side.start, summary_at):.2f} s"),
    ]


def accepted(texts: Iterable[str]) -> int:
    return sum(ACCEPTED in said for said in texts)

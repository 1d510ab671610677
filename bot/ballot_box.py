"""The ballot box: the port an ordinary vote is recorded through, in one short transaction of
its own, without the unit of work's machinery (a vote is the product's hot path: every member
clicks once per question). The vote that completes a question is not recorded here: closing it
takes the unit of work, so the box leaves it, with nothing stored, to the full path."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.domain.consensus import Choice
from bot.domain.rounds import BallotState, StoredVote


@dataclass(frozen=True)
class VoteCast:
    """A click on a grade: who, on which question, what, when stored and when clicked."""

    round_question_id: int
    user_id: str
    choice: Choice
    at: datetime
    clicked_at: datetime | None = None


@dataclass(frozen=True)
class Cast:
    """What casting a vote found, and did.

    ``ballot`` None: no such question. ``elector`` False: the clicker is not in the round's
    electorate (nothing stored). ``stored`` None: nothing stored (the question is closed, or the
    clicker is not an elector); ``stored.stale``: the click is older than the stored vote's, so
    nothing changed. ``closed_now``: this vote completed the question, which has closed."""

    ballot: BallotState | None
    elector: bool = True
    stored: StoredVote | None = None
    closed_now: bool = False


class BallotBox(Protocol):
    """Records an ordinary vote in a transaction of its own."""

    def cast(self, vote: VoteCast, round_id: int, electorate: Collection[str]) -> Cast | None:
        """Lock the question; check that it is ``round_id``'s, open, and that the clicker is in
        ``electorate``; store the vote and, when the choice changed, its line in the trail;
        commit. None, with nothing stored, when this vote would complete the question."""
        ...

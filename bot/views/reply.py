"""The private answer to whoever acted, and the work left for after the platform is answered."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bot.views.rounds import RoundStatusView


@dataclass(frozen=True)
class Reply:
    """A private answer to the person who acted (ephemeral in Slack)."""

    text: str
    rounds: tuple[RoundStatusView, ...] = field(default_factory=tuple)
    is_refusal: bool = False


@dataclass(frozen=True)
class Later:
    """What had to be stored before the platform is answered is stored (possibly nothing: the
    rest only sends). ``then`` does the slower rest (sending messages, a summary) after the
    answer, and gives the private reply."""

    then: Callable[[], Reply]


Outcome = Reply | Later


def finish(outcome: Outcome) -> Reply:
    """The reply, once any work left for after the answer is done."""
    return outcome.then() if isinstance(outcome, Later) else outcome

"""The private answer to whoever acted, and the work left for after the platform is answered."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from bot.views.rounds import RoundStatusView


@dataclass(frozen=True)
class Reply:
    """A private answer to the person who acted. Each front end delivers it its own way (see
    its package under ``handlers/``); the core only says what to answer.

    A refusal (``is_refusal``) is the one way a use case says no: it changed nothing and says
    what to do instead. Refusing a form, it names the ``field`` to show it on ("form" for the
    form as a whole)."""

    text: str
    rounds: tuple[RoundStatusView, ...] = dataclasses.field(default_factory=tuple)
    is_refusal: bool = False
    field: str | None = None


@dataclass(frozen=True, init=False)
class FieldProblem(Reply):
    """A refusal of a form, naming the field to show it on ("action", "priority", "owner",
    "due", or "form" for the form as a whole)."""

    def __init__(self, field: str, text: str) -> None:
        super().__init__(text=text, is_refusal=True, field=field)


def refuse(text: str, field: str | None = None) -> Reply:
    """Say no: nothing was changed; ``text`` says what to do instead."""
    return Reply(text=text, is_refusal=True) if field is None else FieldProblem(field, text)


@dataclass(frozen=True)
class Later:
    """What had to be stored before the platform is answered is stored (possibly nothing: the
    rest only sends). ``then`` does the slower rest (sending messages, a summary) after the
    answer, and gives the private reply. ``reply`` is that reply when it is known already (a
    front end whose answer carries the reply can answer before ``then`` runs)."""

    then: Callable[[], Reply]
    reply: Reply | None = None


Outcome = Reply | Later


def finish(outcome: Outcome) -> Reply:
    """The reply, once any work left for after the answer is done."""
    return outcome.then() if isinstance(outcome, Later) else outcome

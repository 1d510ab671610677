"""The consensus rule, as pure functions.

In plain words (the README says the same):

* ``Don't know`` counts as taking part but is not a grade.
* If fewer than ``quorum`` (a share of the electorate) took part, the result is *no quorum*.
* If everyone who took part said ``Don't know``, no grade was cast: also *no quorum*.
* Otherwise the question is *agreed* when the most common grade has at least ``agree_share`` of
  the grades cast **and** no two grades cast are more than ``max_spread`` apart. The result is that
  grade. A tie for most common grade is never agreement.
* Anything else is a *disagreement*: flagged, with no grade.

Shares are compared exactly (as fractions), so 2 of 3 (0.666…) is below an ``agree_share`` of 0.67.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

GRADES: tuple[int, ...] = (1, 2, 3, 4)


class Choice(StrEnum):
    """What an elector can press: a grade, or Don't know."""

    INADEQUATE = "1"
    ADEQUATE = "2"
    GOOD = "3"
    OUTSTANDING = "4"
    DONT_KNOW = "dont_know"

    @property
    def grade(self) -> int | None:
        return None if self is Choice.DONT_KNOW else int(self.value)

    @classmethod
    def from_grade(cls, grade: int) -> Choice:
        return cls(str(grade))


class OutcomeKind(StrEnum):
    AGREED = "agreed"
    DISAGREEMENT = "disagreement"
    NO_QUORUM = "no_quorum"


@dataclass(frozen=True)
class ConsensusRule:
    quorum: float
    agree_share: float
    max_spread: int


@dataclass(frozen=True)
class Distribution:
    """How many chose each grade, and how many said Don't know."""

    by_grade: Mapping[int, int]
    dont_know: int

    @property
    def grades_cast(self) -> int:
        return sum(self.by_grade.values())

    @property
    def participants(self) -> int:
        return self.grades_cast + self.dont_know


@dataclass(frozen=True)
class Outcome:
    kind: OutcomeKind
    grade: int | None
    reason: str


def tally(choices: Iterable[Choice]) -> Distribution:
    counts = Counter(choices)
    return Distribution(
        by_grade={g: counts.get(Choice.from_grade(g), 0) for g in GRADES},
        dont_know=counts.get(Choice.DONT_KNOW, 0),
    )


def has_quorum(participants: int, electorate_size: int, quorum: float) -> bool:
    if electorate_size <= 0:
        return False
    return Fraction(participants, electorate_size) >= Fraction(str(quorum))


def resolve(choices: Iterable[Choice], electorate_size: int, rule: ConsensusRule) -> Outcome:
    """Apply the consensus rule to the choices cast on one question."""
    distribution = tally(choices)
    if not has_quorum(distribution.participants, electorate_size, rule.quorum):
        return Outcome(
            OutcomeKind.NO_QUORUM,
            None,
            f"{distribution.participants} of {electorate_size} took part; "
            f"the quorum is {_percent(rule.quorum)} of the group",
        )
    cast = distribution.grades_cast
    if cast == 0:
        return Outcome(OutcomeKind.NO_QUORUM, None, "no grade was cast: everyone said Don't know")
    graded = [g for g in GRADES if distribution.by_grade[g] > 0]
    spread = max(graded) - min(graded)
    top_count = max(distribution.by_grade.values())
    leaders = [g for g in GRADES if distribution.by_grade[g] == top_count]
    share = Fraction(top_count, cast)
    if spread > rule.max_spread:
        return Outcome(
            OutcomeKind.DISAGREEMENT,
            None,
            f"grades {min(graded)} and {max(graded)} are {spread} apart "
            f"(at most {rule.max_spread} allowed)",
        )
    if len(leaders) > 1:
        return Outcome(OutcomeKind.DISAGREEMENT, None, "no single most common grade")
    if share < Fraction(str(rule.agree_share)):
        return Outcome(
            OutcomeKind.DISAGREEMENT,
            None,
            f"the most common grade has {top_count} of {cast} grades "
            f"(at least {_percent(rule.agree_share)} needed)",
        )
    return Outcome(
        OutcomeKind.AGREED,
        leaders[0],
        f"{top_count} of {cast} grades cast agree",
    )


def _percent(share: float) -> str:
    return f"{share * 100:g}%"

"""The assessment report as plain data (its words are in ``bot.domain.report_text``).

Platform-neutral: no chat platform, database or drawing library. The file builders in
``handlers/files`` (chart PNG, board paper PDF, XLSX workbook) render these objects; everything
they say in words (outcomes, distributions, changes, findings, alt text) comes from the core, so the
chart, its alt text, the PDF and the workbook never disagree.

Conventions:

* A question's *grade* is the agreed grade, or ``None`` when it was flagged (disagreement or no
  quorum) or has not been graded yet.
* ``previous_grade`` is the grade agreed for the same question in the previous cycle, if any.
* Action priorities follow the Audit Commission's action plans: 1 = Low, 2 = Medium, 3 = High.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from fractions import Fraction

from bot.domain.consensus import Distribution, OutcomeKind
from bot.views.rounds import DomainSummaryView, GradeScale

DONT_KNOW_LABEL = "Don't know"
PRIORITY_LABELS: Mapping[int, str] = {1: "Low", 2: "Medium", 3: "High"}
#: Grades at or below this need an action in the action plan (1 Inadequate, 2 Adequate).
ACTION_THRESHOLD = 2


class DomainStatus(StrEnum):
    NOT_STARTED = "not_started"
    OPEN = "open"
    GRADED = "graded"


class Change(StrEnum):
    """How a grade moved since the previous cycle."""

    UP = "up"
    DOWN = "down"
    SAME = "same"
    NEW = "new"  # graded now, not graded in the previous cycle
    NONE = "none"  # no grade now, so nothing to compare


@dataclass(frozen=True)
class Turnout:
    """How many of the sub-group took part in a domain's round."""

    took_part: int
    electorate: int

    @property
    def share(self) -> float | None:
        return self.took_part / self.electorate if self.electorate > 0 else None


@dataclass(frozen=True)
class QuestionReport:
    question_id: str
    text: str
    outcome: OutcomeKind
    grade: int | None
    distribution: Distribution
    participants: int
    electorate_size: int
    comments: tuple[tuple[str, str], ...] = ()  # (display name, text)
    previous_grade: int | None = None
    reason: str = ""
    decided_by_chair: bool = False  # the grade is a chair's decision after a flag
    how_reached: str = ""  # "agreed in round 1", "agreed on re-vote (round 2)", …

    @property
    def is_flagged(self) -> bool:
        return self.agreed_grade is None

    @property
    def agreed_grade(self) -> int | None:
        """The question's grade: agreed by the electors, or decided by the chair."""
        if self.decided_by_chair or self.outcome is OutcomeKind.AGREED:
            return self.grade
        return None

    def count(self, grade: int) -> int:
        return self.distribution.by_grade.get(grade, 0)


@dataclass(frozen=True)
class DomainReport:
    number: int
    title: str
    subgroup_name: str
    status: DomainStatus
    questions: tuple[QuestionReport, ...]
    turnout: Turnout | None = None
    deadline: datetime | None = None


@dataclass(frozen=True)
class ActionItem:
    question_id: str
    action: str
    priority: int
    owner: str
    due: date
    done: bool = False

    def __post_init__(self) -> None:
        if self.priority not in PRIORITY_LABELS:
            raise ValueError(f"priority must be 1, 2 or 3; got {self.priority!r}")

    @property
    def priority_label(self) -> str:
        return PRIORITY_LABELS[self.priority]


@dataclass(frozen=True)
class AssessmentReport:
    board_name: str
    cycle: str
    previous_cycle: str | None
    framework_title: str
    generated_at: datetime
    domains: tuple[DomainReport, ...]
    actions: tuple[ActionItem, ...]
    scale: GradeScale

    def domain(self, number: int) -> DomainReport | None:
        return next((d for d in self.domains if d.number == number), None)

    @property
    def questions(self) -> tuple[QuestionReport, ...]:
        return tuple(q for d in self.domains for q in d.questions)


# ------------------------------------------------------------------------------ changes


def change(previous: Fraction | int | None, current: Fraction | int | None) -> Change:
    """The move from last cycle's grade (or average) to this cycle's (``None``: none)."""
    if current is None:
        return Change.NONE
    if previous is None:
        return Change.NEW
    if current > previous:
        return Change.UP
    if current < previous:
        return Change.DOWN
    return Change.SAME


def question_change(question: QuestionReport) -> Change:
    return change(question.previous_grade, question.agreed_grade)


def _average(grades: Iterable[int]) -> Fraction | None:
    values = list(grades)
    return Fraction(sum(values), len(values)) if values else None


def _current_average(domain: DomainReport) -> Fraction | None:
    return _average(q.agreed_grade for q in domain.questions if q.agreed_grade is not None)


def _previous_average(domain: DomainReport) -> Fraction | None:
    return _average(q.previous_grade for q in domain.questions if q.previous_grade is not None)


def average_grade(domain: DomainReport) -> float | None:
    """The mean of the grades agreed in this domain; ``None`` if none was agreed."""
    value = _current_average(domain)
    return float(value) if value is not None else None


def previous_average_grade(domain: DomainReport) -> float | None:
    """The mean of the grades agreed for this domain in the previous cycle."""
    value = _previous_average(domain)
    return float(value) if value is not None else None


def domain_change(domain: DomainReport) -> Change:
    """The domain's average grade now against its average in the previous cycle (exactly)."""
    return change(_previous_average(domain), _current_average(domain))


def report_from_summary(
    summary: DomainSummaryView,
    *,
    previous_grades: Mapping[str, int] | None = None,
    display_names: Mapping[str, str] | None = None,
    turnout: Turnout | None = None,
    deadline: datetime | None = None,
) -> DomainReport:
    """A graded domain's report from the summary posted when its round closed.

    ``previous_grades`` maps question ids to last cycle's agreed grades; ``display_names`` maps
    the comment authors' user ids to the names to print (the user id is kept when unknown).
    """
    previous = previous_grades or {}
    names = display_names or {}
    questions = tuple(
        QuestionReport(
            question_id=q.question_id,
            text=q.text,
            outcome=q.result.kind,
            grade=q.final_grade,
            distribution=q.distribution,
            participants=q.participants,
            electorate_size=q.electorate_size,
            comments=tuple((names.get(c.user_id, c.user_id), c.text) for c in q.comments),
            previous_grade=previous.get(q.question_id),
            reason=q.result.reason,
            decided_by_chair=q.decision is not None,
            how_reached=q.how_reached,
        )
        for q in summary.questions
    )
    return DomainReport(
        number=summary.domain,
        title=summary.domain_title,
        subgroup_name=summary.subgroup_name,
        status=DomainStatus.GRADED,
        questions=questions,
        turnout=turnout,
        deadline=deadline,
    )

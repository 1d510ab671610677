"""The assessment report as plain data, and the plain-English words the board paper is made of.

Platform-neutral: no chat platform, database or drawing library. The file builders in
``handlers/files`` (chart PNG, board paper PDF, XLSX workbook) render these objects; everything
they say in words (outcomes, distributions, changes, findings, alt text) comes from here, so the
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


def change(previous: int | None, current: int | None) -> Change:
    """The move from last cycle's grade to this cycle's (``None``: no agreed grade)."""
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
    current = _current_average(domain)
    previous = _previous_average(domain)
    if current is None:
        return Change.NONE
    if previous is None:
        return Change.NEW
    if current > previous:
        return Change.UP
    if current < previous:
        return Change.DOWN
    return Change.SAME


def long_date(day: date) -> str:
    """ "1 May 2026": the date as a British board paper writes it."""
    return f"{day.day} {day:%B %Y}"


def format_average(value: float | None) -> str:
    return f"{value:.2f}" if value is not None else "none"


# ------------------------------------------------------------------------------ words


def outcome_label(question: QuestionReport, scale: GradeScale) -> str:
    """What the chart writes at the end of a bar: the grade's label (marked when the chair
    decided it), DISAGREEMENT or NO QUORUM."""
    if question.agreed_grade is not None:
        label = scale.label(question.agreed_grade)
        return f"{label} (chair)" if question.decided_by_chair else label
    if question.outcome is OutcomeKind.DISAGREEMENT:
        return "DISAGREEMENT"
    return "NO QUORUM"


def outcome_text(question: QuestionReport, scale: GradeScale) -> str:
    """The outcome in a sentence-friendly form: "agreed 3 Good", "decided by the chair: 2
    Adequate", "DISAGREEMENT", "NO QUORUM"."""
    if question.agreed_grade is not None and question.decided_by_chair:
        return f"decided by the chair: {scale.named(question.agreed_grade)}"
    if question.agreed_grade is not None:
        return f"agreed {scale.named(question.agreed_grade)}"
    return outcome_label(question, scale)


def grade_range(scale: GradeScale) -> range:
    return range(1, len(scale.labels) + 1)


def distribution_text(question: QuestionReport, scale: GradeScale) -> str:
    """The non-zero counts in words: "2 Adequate, 3 Good, 1 Don't know" (or "no votes")."""
    parts = [
        f"{question.count(grade)} {scale.label(grade)}"
        for grade in grade_range(scale)
        if question.count(grade)
    ]
    if question.distribution.dont_know:
        parts.append(f"{question.distribution.dont_know} {DONT_KNOW_LABEL}")
    return ", ".join(parts) if parts else "no votes"


def turnout_text(question: QuestionReport) -> str:
    return f"{question.participants} of {question.electorate_size}"


def change_text(question: QuestionReport, scale: GradeScale) -> str:
    """The change since the previous cycle in words; empty when there is nothing to say."""
    moved = question_change(question)
    previous = question.previous_grade
    match moved:
        case Change.UP if previous is not None:
            return f"Up from {scale.label(previous)}"
        case Change.DOWN if previous is not None:
            return f"Down from {scale.label(previous)}"
        case Change.SAME:
            return "Same"
        case Change.NEW:
            return "New grade"
        case _:
            if previous is not None:
                return f"Was {scale.label(previous)}; no grade now"
            return ""


def status_text(domain: DomainReport) -> str:
    match domain.status:
        case DomainStatus.NOT_STARTED:
            return "not started"
        case DomainStatus.OPEN:
            if domain.deadline is not None:
                return f"grading open until {long_date(domain.deadline)}"
            return "grading open"
        case DomainStatus.GRADED:
            return "graded"


def grade_counts(domain: DomainReport, scale: GradeScale) -> dict[int, int]:
    counts = {grade: 0 for grade in grade_range(scale)}
    for q in domain.questions:
        if q.agreed_grade is not None and q.agreed_grade in counts:
            counts[q.agreed_grade] += 1
    return counts


def previous_grade_counts(domain: DomainReport, scale: GradeScale) -> dict[int, int]:
    counts = {grade: 0 for grade in grade_range(scale)}
    for q in domain.questions:
        if q.previous_grade is not None and q.previous_grade in counts:
            counts[q.previous_grade] += 1
    return counts


def flagged(domain: DomainReport) -> tuple[QuestionReport, ...]:
    return tuple(q for q in domain.questions if q.is_flagged)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _ids(questions: Iterable[QuestionReport]) -> str:
    return ", ".join(q.question_id for q in questions)


def domain_headline(domain: DomainReport, scale: GradeScale) -> str:
    """ "6 questions: 2 Good, 3 Adequate; 1 question flagged for the board." """
    if domain.status is not DomainStatus.GRADED:
        if not domain.questions:
            return f"{status_text(domain).capitalize()}."
        return f"{_plural(len(domain.questions), 'question')}: {status_text(domain)}."
    parts = [
        f"{count} {scale.label(grade)}"
        for grade, count in sorted(grade_counts(domain, scale).items(), reverse=True)
        if count
    ]
    graded = ", ".join(parts) if parts else "none graded"
    flags = flagged(domain)
    noun = "question" if len(flags) == 1 else "questions"
    flag_text = f"{len(flags)} {noun} flagged for the board" if flags else "nothing flagged"
    return f"{_plural(len(domain.questions), 'question')}: {graded}; {flag_text}."


@dataclass(frozen=True)
class DomainFindings:
    """One row of the seed's "Summary of findings" table, for one domain (area of focus)."""

    number: int
    title: str
    headline: str
    strengths: tuple[str, ...] = ()
    for_development: tuple[str, ...] = ()
    for_discussion: tuple[str, ...] = ()


def domain_findings(domain: DomainReport, scale: GradeScale) -> DomainFindings:
    """Strengths (Good or better), areas for development (graded 1-2) and flagged questions."""
    headline = domain_headline(domain, scale)
    if domain.status is not DomainStatus.GRADED:
        return DomainFindings(domain.number, domain.title, headline)
    strengths: list[str] = []
    development: list[str] = []
    discussion: list[str] = []
    for q in domain.questions:
        grade = q.agreed_grade
        line = f"{q.question_id} ({outcome_text(q, scale)}): {q.text}"
        if grade is None:
            discussion.append(line)
        elif grade > ACTION_THRESHOLD:
            strengths.append(line)
        else:
            development.append(line)
    return DomainFindings(
        domain.number,
        domain.title,
        headline,
        tuple(strengths),
        tuple(development),
        tuple(discussion),
    )


def _domain_finding_line(
    domain: DomainReport, scale: GradeScale, previous_cycle: str | None
) -> str:
    head = f"Domain {domain.number} ({domain.title})"
    if domain.subgroup_name:
        head += f", {domain.subgroup_name}"
    if domain.status is not DomainStatus.GRADED:
        return f"{head}: {status_text(domain)}."
    sentences = [f"{head}: {domain_headline(domain, scale)}"]
    flags = flagged(domain)
    if flags:
        reasons = "; ".join(f"{q.question_id} {outcome_label(q, scale).lower()}" for q in flags)
        sentences.append(f"For discussion: {reasons}.")
    strong = [q for q in domain.questions if (q.agreed_grade or 0) > ACTION_THRESHOLD]
    weak = [q for q in domain.questions if needs_action(q)]
    if strong:
        sentences.append(f"Strengths: {_ids(strong)}.")
    if weak:
        sentences.append(f"For development: {_ids(weak)}.")
    average = average_grade(domain)
    if average is not None:
        sentence = f"Average grade {format_average(average)}"
        if previous_cycle is not None:
            previous = previous_average_grade(domain)
            moved = domain_change(domain)
            if moved in (Change.UP, Change.DOWN):
                sentence += f", {moved.value} from {format_average(previous)} in {previous_cycle}"
            elif moved is Change.SAME:
                sentence += f", the same as in {previous_cycle}"
            else:
                sentence += f" (not graded in {previous_cycle})"
        sentences.append(f"{sentence}.")
    return " ".join(sentences)


def findings(report: AssessmentReport) -> list[str]:
    """The summary of findings: one plain-English line per domain, then the action plan's state."""
    lines = [
        _domain_finding_line(domain, report.scale, report.previous_cycle)
        for domain in report.domains
    ]
    missing = questions_without_actions(report)
    if report.actions or missing:
        open_actions = sum(1 for a in report.actions if not a.done)
        line = f"Action plan: {_plural(len(report.actions), 'action')}, {open_actions} still open."
        if missing:
            line += f" No action yet for {_ids(missing)} (graded {ACTION_THRESHOLD} or below)."
        lines.append(line)
    return lines


def needs_action(question: QuestionReport) -> bool:
    """Graded 1 (Inadequate) or 2 (Adequate): the action plan must say what happens next."""
    return question.agreed_grade is not None and question.agreed_grade <= ACTION_THRESHOLD


def questions_without_actions(report: AssessmentReport) -> list[QuestionReport]:
    covered = {a.question_id for a in report.actions}
    return [q for q in report.questions if needs_action(q) and q.question_id not in covered]


def numbered_actions(report: AssessmentReport) -> list[tuple[str, ActionItem]]:
    """The action plan in the order the board reads it, numbered R1, R2, …: open actions first,
    highest priority first, then the earliest due date (the PDF and the workbook agree)."""
    ordered = sorted(report.actions, key=lambda a: (a.done, -a.priority, a.due, a.question_id))
    return [(f"R{number}", action) for number, action in enumerate(ordered, start=1)]


def action_status(action: ActionItem, today: date) -> str:
    if action.done:
        return "Done"
    return "Overdue" if action.due < today else "In hand"


def chart_alt_text(domain: DomainReport, scale: GradeScale) -> str:
    """The domain chart in words: per question, the counts of each grade and the outcome."""
    head = f"Bar chart of the grades for domain {domain.number}, {domain.title}"
    if domain.subgroup_name:
        head += f", graded by the {domain.subgroup_name}"
    if not domain.questions:
        return f"{head}: no questions ({status_text(domain)})."
    lines = [f"{head}: {_plural(len(domain.questions), 'question')}."]
    for q in domain.questions:
        lines.append(
            f"{q.question_id}: {distribution_text(q, scale)} "
            f"({turnout_text(q)} took part); outcome {outcome_label(q, scale)}."
        )
    return " ".join(lines)


def assessment_alt_text(report: AssessmentReport) -> str:
    """The all-domains chart in words: per domain the count of questions at each grade."""
    scale = report.scale
    lines = [f"Bar chart of the agreed grades per domain, {report.board_name}, {report.cycle}."]
    for domain in report.domains:
        if domain.status is not DomainStatus.GRADED:
            lines.append(f"Domain {domain.number}: {status_text(domain)}.")
            continue
        counts = grade_counts(domain, scale)
        parts = [f"{counts[g]} {scale.label(g)}" for g in grade_range(scale) if counts[g]]
        parts.append(f"{len(flagged(domain))} flagged")
        line = f"Domain {domain.number}: {', '.join(parts)}"
        if report.previous_cycle is not None:
            prev = previous_grade_counts(domain, scale)
            prev_parts = [f"{prev[g]} {scale.label(g)}" for g in grade_range(scale) if prev[g]]
            line += f"; in {report.previous_cycle}: {', '.join(prev_parts) or 'none graded'}"
        lines.append(f"{line}.")
    return " ".join(lines)


# ------------------------------------------------------------------------------ building


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

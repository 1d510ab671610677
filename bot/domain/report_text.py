"""The report in plain English: outcomes, distributions, changes, findings and alt text."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from bot.domain.consensus import OutcomeKind
from bot.domain.report import (
    ACTION_THRESHOLD,
    DONT_KNOW_LABEL,
    ActionItem,
    AssessmentReport,
    Change,
    DomainReport,
    DomainStatus,
    QuestionReport,
    average_grade,
    domain_change,
    previous_average_grade,
    question_change,
)
from bot.views.rounds import GradeScale


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

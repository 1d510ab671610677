"""A domain's audit trail: every round, ballot, vote and change of vote, comment and decision.

Pure: built from stored rounds and vote events, written as CSV. The trail shows that someone
voted, and when; which grade they gave only once that ballot has closed, and never in an
anonymous round.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.domain.consensus import Choice
from bot.domain.rounds import Round, RoundQuestion, VoteEvent
from bot.domain.text import export_cell

COLUMNS = ("time (UTC)", "domain", "round", "question", "ballot", "event", "who", "grade", "detail")
SECRET = "(secret: anonymous round)"
SECRET_WHILE_OPEN = "(secret until the question closes)"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    domain: int
    round_id: int
    question_id: str
    ballot: int | None
    event: str
    who: str
    grade: str
    detail: str

    def cells(self) -> tuple[str, ...]:
        return (
            self.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
            str(self.domain),
            str(self.round_id),
            self.question_id,
            "" if self.ballot is None else str(self.ballot),
            self.event,
            self.who,
            self.grade,
            self.detail,
        )


def neutralise_formula(cell: str) -> str:
    """Text a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``) is kept as text."""
    return export_cell(cell)


def audit_entries(
    rounds: Sequence[Round], events: Iterable[VoteEvent], labels: Sequence[str]
) -> list[AuditEntry]:
    """The trail of these rounds, oldest first."""
    entries: list[AuditEntry] = []
    for r in rounds:
        entries.append(_round_started(r))
        for q in r.questions:
            entries.extend(_ballot_entries(r, q, labels))
        if r.closed_at is not None:
            entries.append(
                AuditEntry(r.closed_at, r.domain, r.id, "", None, "round closed", "", "", "")
            )
    entries.extend(_vote_entries(rounds, events, labels))
    entries.sort(key=lambda e: (e.at, e.round_id))
    return entries


def _grade_name(choice: Choice, labels: Sequence[str]) -> str:
    if choice is Choice.DONT_KNOW:
        return "Don't know"
    grade = int(choice.value)
    return f"{grade} {labels[grade - 1]}"


def _round_started(r: Round) -> AuditEntry:
    return AuditEntry(
        r.started_at,
        r.domain,
        r.id,
        "",
        None,
        "round started",
        r.started_by,
        "",
        f"{len(r.electorate)} electors; "
        + ("anonymous" if r.anonymous else "named grades in discussion threads"),
    )


def _ballot_entries(r: Round, q: RoundQuestion, labels: Sequence[str]) -> list[AuditEntry]:
    """A ballot's re-vote opening, comments, closing and the chair's decision."""
    entries: list[AuditEntry] = []
    if q.ballot > 1 and q.opened_at is not None:
        deadline = q.deadline_at.isoformat() if q.deadline_at else "none"
        entries.append(
            AuditEntry(
                q.opened_at,
                r.domain,
                r.id,
                q.question_id,
                q.ballot,
                "re-vote opened",
                q.opened_by or "",
                "",
                f"deadline {deadline}",
            )
        )
    for comment in q.comments:
        entries.append(
            AuditEntry(
                comment.created_at,
                r.domain,
                r.id,
                q.question_id,
                q.ballot,
                "comment",
                comment.user_id,
                "",
                comment.text,
            )
        )
    if q.closed_at is not None and q.result is not None:
        entries.append(_ballot_closed(r, q, q.closed_at, labels))
    if q.decision is not None:
        entries.append(
            AuditEntry(
                q.decision.decided_at,
                r.domain,
                r.id,
                q.question_id,
                q.ballot,
                "decided by the chair",
                q.decision.decided_by,
                f"{q.decision.grade} {labels[q.decision.grade - 1]}",
                q.decision.rationale,
            )
        )
    return entries


def _ballot_closed(
    r: Round, q: RoundQuestion, closed_at: datetime, labels: Sequence[str]
) -> AuditEntry:
    assert q.result is not None
    d = q.distribution
    counts = ", ".join(
        f"{grade}: {d.by_grade.get(grade, 0)}" for grade in range(1, len(labels) + 1)
    )
    return AuditEntry(
        closed_at,
        r.domain,
        r.id,
        q.question_id,
        q.ballot,
        f"ballot closed: {q.result.kind.value.replace('_', ' ')}",
        "",
        f"{q.result.grade} {labels[q.result.grade - 1]}" if q.result.grade else "",
        f"grades {counts}; don't know: {d.dont_know}; "
        f"turnout {d.participants} of {len(r.electorate)}; {q.result.reason}",
    )


def _vote_entries(
    rounds: Sequence[Round], events: Iterable[VoteEvent], labels: Sequence[str]
) -> list[AuditEntry]:
    """Each vote and change of vote; the grade only where it may be shown."""
    ballots = {q.id: (r, q) for r in rounds for q in r.questions}
    entries: list[AuditEntry] = []
    seen: set[tuple[int, str]] = set()
    for event in events:
        found = ballots.get(event.round_question_id)
        if found is None:
            continue
        r, q = found
        first = (q.id, event.user_id) not in seen
        seen.add((q.id, event.user_id))
        entries.append(
            AuditEntry(
                event.at,
                r.domain,
                r.id,
                q.question_id,
                q.ballot,
                "vote" if first else "vote changed",
                event.user_id,
                grade_withheld(r, q) or _grade_name(event.choice, labels),
                "",
            )
        )
    return entries


def grade_withheld(round_: Round, ballot: RoundQuestion) -> str:
    """Why a vote's grade is withheld here, or "" if it may be shown."""
    if round_.anonymous:
        return SECRET
    return SECRET_WHILE_OPEN if ballot.is_open else ""


def audit_csv(entries: Iterable[AuditEntry]) -> bytes:
    """The trail as a CSV file (UTF-8 with a byte-order mark, so that Excel reads it right)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for entry in entries:
        writer.writerow([export_cell(cell) for cell in entry.cells()])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")

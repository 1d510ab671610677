"""The bot's own facts about a question (its outcome, how it was reached, its distribution)
in neutral words, the emphasis and the person marked as parts: each front end renders them,
and none writes them again."""

from __future__ import annotations

from bot.domain.consensus import Distribution, OutcomeKind
from bot.domain.rounds import Settlement
from bot.domain.text import Composed, Emphasis, Mention
from bot.views.rounds import QuestionSummaryView


def distribution_words(distribution: Distribution, labels: tuple[str, ...]) -> Composed:
    """ "1 Inadequate: 0 · 2 Adequate: 3 · … · Don't know: 1", each count emphasised."""
    parts: list[str] = []
    for grade, label in enumerate(labels, start=1):
        parts += [f"{grade} {label}: ", Emphasis(str(distribution.by_grade.get(grade, 0))), " · "]
    parts += ["Don't know: ", Emphasis(str(distribution.dont_know))]
    return Composed(*parts)


def outcome_words(kind: OutcomeKind, grade: int | None, labels: tuple[str, ...]) -> Composed:
    """The outcome: the agreed grade, or why there is none."""
    if kind is OutcomeKind.AGREED and grade is not None:
        return Composed("✅ ", Emphasis(f"Agreed: {grade} {labels[grade - 1]}"))
    if kind is OutcomeKind.DISAGREEMENT:
        return Composed("⚠️ ", Emphasis("DISAGREEMENT"), ": no grade; for discussion")
    return Composed("⚠️ ", Emphasis("NO QUORUM"), ": no grade")


def settled_words(q: QuestionSummaryView, labels: tuple[str, ...]) -> Composed:
    """A summary's outcome line, saying how the grade was reached."""
    match q.settlement:
        case Settlement.AGREED if q.final_grade is not None:
            when = "in round 1" if q.ballot == 1 else f"on re-vote (round {q.ballot})"
            grade = Emphasis(f"Agreed: {q.final_grade} {labels[q.final_grade - 1]}")
            return Composed("✅ ", grade, f", {when}")
        case Settlement.DECIDED if q.decision is not None:
            grade = Emphasis(f"Decided: {q.decision.grade} {labels[q.decision.grade - 1]}")
            by = Mention(q.decision.decided_by)
            return Composed("⚖️ ", grade, f", {q.how_reached} (", by, "); the reason is below.")
        case Settlement.OPEN:
            return Composed("🔁 ", Emphasis(q.how_reached.upper()), ": no grade yet")
        case _:
            flag = outcome_words(q.result.kind, q.result.grade, labels)
            return flag if q.ballot == 1 else Composed(flag, f" (round {q.ballot})")

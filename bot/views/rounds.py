"""A round's views: its header, question cards, summaries, reminders, discussions, status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.consensus import Distribution, OutcomeKind
from bot.domain.rounds import Settlement, how_reached


@dataclass(frozen=True)
class GradeScale:
    labels: tuple[str, ...]

    def label(self, grade: int) -> str:
        return self.labels[grade - 1]

    def named(self, grade: int) -> str:
        return f"{grade} {self.label(grade)}"


@dataclass(frozen=True)
class ResultView:
    kind: OutcomeKind
    grade: int | None
    reason: str

    def headline(self, scale: GradeScale) -> str:
        if self.kind is OutcomeKind.AGREED and self.grade is not None:
            return f"Agreed: {scale.named(self.grade)}"
        if self.kind is OutcomeKind.DISAGREEMENT:
            return "DISAGREEMENT: for discussion"
        return "NO QUORUM"


@dataclass(frozen=True)
class DecisionView:
    grade: int
    rationale: str  # member text: the chair typed it (a bot.domain.text.Typed)
    decided_by: str
    decided_at: datetime


@dataclass(frozen=True)
class RoundHeaderView:
    round_id: int
    domain: int
    domain_title: str
    subgroup_name: str
    electorate_size: int
    question_count: int
    started_by: str
    framework_title: str
    deadline_at: datetime | None = None
    is_open: bool = True
    deadline_moved_by: str | None = None


@dataclass(frozen=True)
class QuestionCardView:
    """A question as posted to the sub-group: buttons while open, the result once closed."""

    round_id: int
    round_question_id: int
    question_id: str
    text: str
    prompts: tuple[str, ...]
    scale: GradeScale
    electorate_size: int
    voters: tuple[str, ...]
    comment_count: int
    is_open: bool
    distribution: Distribution | None = None
    result: ResultView | None = None
    ballot: int = 1
    previous_distribution: Distribution | None = None  # the ballot before a re-vote, as feedback
    deadline_at: datetime | None = None  # a re-vote's own deadline
    decision: DecisionView | None = None


@dataclass(frozen=True)
class CommentView:
    user_id: str
    text: str  # member text: a bot.domain.text.Typed


@dataclass(frozen=True)
class QuestionSummaryView:
    question_id: str
    text: str
    result: ResultView
    distribution: Distribution
    participants: int
    electorate_size: int
    comments: tuple[CommentView, ...]
    settlement: Settlement = Settlement.AGREED
    ballot: int = 1
    decision: DecisionView | None = None

    @property
    def final_grade(self) -> int | None:
        """The grade: the chair's decision, or what the electors agreed."""
        if self.decision is not None:
            return self.decision.grade
        if self.settlement is Settlement.AGREED and self.result.kind is OutcomeKind.AGREED:
            return self.result.grade
        return None

    @property
    def is_settled(self) -> bool:
        return self.settlement in (Settlement.AGREED, Settlement.DECIDED)

    @property
    def how_reached(self) -> str:
        """How the grade was reached, in words, for the board."""
        return how_reached(self.settlement, self.ballot)


@dataclass(frozen=True)
class DomainSummaryView:
    round_id: int
    domain: int
    domain_title: str
    subgroup_name: str
    scale: GradeScale
    questions: tuple[QuestionSummaryView, ...]
    updated: bool = False  # redrawn after flagged questions were settled

    @property
    def grade_counts(self) -> dict[int, int]:
        counts = {grade: 0 for grade in range(1, len(self.scale.labels) + 1)}
        for q in self.questions:
            if q.is_settled and q.final_grade is not None:
                counts[q.final_grade] += 1
        return counts

    @property
    def flagged(self) -> int:
        return sum(1 for q in self.questions if not q.is_settled)

    def headline(self) -> str:
        parts = [
            f"{count} {self.scale.label(grade)}"
            for grade, count in sorted(self.grade_counts.items(), reverse=True)
            if count
        ]
        graded = ", ".join(parts) if parts else "none graded"
        flagged = self.flagged
        noun = "question" if flagged == 1 else "questions"
        flag_text = f"{flagged} {noun} flagged for the board" if flagged else "nothing flagged"
        total = len(self.questions)
        return f"{total} question{'' if total == 1 else 's'}: {graded}; {flag_text}."


@dataclass(frozen=True)
class ReminderView:
    """A direct nudge to an elector who has questions left to vote on."""

    domain: int
    domain_title: str
    subgroup_name: str
    deadline_at: datetime | None
    waiting_on: tuple[str, ...]
    channel_id: str
    header_message_id: str | None


@dataclass(frozen=True)
class GradeGroupView:
    grade: int | None  # None: Don't know
    voters: tuple[str, ...]


@dataclass(frozen=True)
class DiscussionView:
    """The thread under a flagged question: what the vote showed, and what happens next."""

    round_id: int
    round_question_id: int
    question_id: str
    text: str
    ballot: int
    scale: GradeScale
    result: ResultView
    distribution: Distribution
    electorate_size: int
    named: tuple[GradeGroupView, ...] | None  # who gave each grade; None in an anonymous round
    comments: tuple[CommentView, ...]
    chairs: tuple[str, ...]
    revote_by: str | None = None  # set once a chair has opened a re-vote
    decision: DecisionView | None = None  # set once a chair has decided

    @property
    def is_awaiting_chair(self) -> bool:
        return self.revote_by is None and self.decision is None


@dataclass(frozen=True)
class SummaryNoteView:
    """A short note in the board summary's thread."""

    domain: int
    text: str


MessageView = (
    RoundHeaderView
    | QuestionCardView
    | DomainSummaryView
    | ReminderView
    | DiscussionView
    | SummaryNoteView
)


@dataclass(frozen=True)
class QuestionStatusView:
    question_id: str
    voted: int
    electorate_size: int
    not_voted: tuple[str, ...]
    is_open: bool


@dataclass(frozen=True)
class RoundStatusView:
    domain: int
    domain_title: str
    subgroup_name: str
    questions: tuple[QuestionStatusView, ...]
    deadline_at: datetime | None = None

"""Rounds, questions, votes and comments as the core sees them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bot.consensus import Choice, Distribution, OutcomeKind, tally


class Status(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True)
class Comment:
    user_id: str
    text: str
    created_at: datetime


@dataclass(frozen=True)
class QuestionResult:
    kind: OutcomeKind
    grade: int | None
    reason: str


@dataclass
class RoundQuestion:
    """One question of one round, with its votes (secret until it closes) and comments."""

    id: int
    round_id: int
    question_id: str
    position: int
    status: Status
    message_ts: str | None = None
    result: QuestionResult | None = None
    closed_at: datetime | None = None
    votes: dict[str, Choice] = field(default_factory=dict)
    comments: list[Comment] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.status is Status.OPEN

    @property
    def voters(self) -> list[str]:
        return sorted(self.votes)

    @property
    def distribution(self) -> Distribution:
        return tally(self.votes.values())

    @property
    def final_grade(self) -> int | None:
        """The grade the question ended with, or None (flagged, or not closed yet).

        Reports, the action plan and the Home tab read a question's grade only through this.
        """
        if self.result is None or self.result.kind is not OutcomeKind.AGREED:
            return None
        return self.result.grade


@dataclass
class Round:
    """A domain put to its sub-group: the electorate snapshot and one entry per question."""

    id: int
    framework: str
    domain: int
    subgroup_key: str
    channel_id: str
    status: Status
    started_by: str
    started_at: datetime
    electorate: tuple[str, ...]
    deadline_at: datetime | None = None
    remind_at: datetime | None = None
    reminded_at: datetime | None = None
    header_ts: str | None = None
    summary_ts: str | None = None
    closed_at: datetime | None = None
    questions: list[RoundQuestion] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.status is Status.OPEN

    def question(self, round_question_id: int) -> RoundQuestion | None:
        return next((q for q in self.questions if q.id == round_question_id), None)

    def not_voted(self, question: RoundQuestion) -> list[str]:
        return [user for user in self.electorate if user not in question.votes]

    def waiting_on(self, user_id: str) -> list[RoundQuestion]:
        """The open questions this elector has not voted on."""
        return [q for q in self.questions if q.is_open and user_id not in q.votes]


@dataclass(frozen=True)
class NewRound:
    framework: str
    domain: int
    subgroup_key: str
    channel_id: str
    started_by: str
    started_at: datetime
    electorate: tuple[str, ...]
    question_ids: tuple[str, ...]
    deadline_at: datetime
    remind_at: datetime


class MessageKind(StrEnum):
    """Messages that matter, sent through the outbox."""

    HEADER = "header"
    HEADER_UPDATE = "header_update"
    CARD = "card"
    REVEAL = "reveal"
    SUMMARY = "summary"
    REMINDER = "reminder"
    SUMMARY_CHART = "summary_chart"  # the domain's chart, uploaded after its summary
    ACTION_PROMPT = "action_prompt"  # "Add action" buttons for questions graded 1 or 2


@dataclass(frozen=True)
class OutgoingMessage:
    """A message recorded before it is sent; ``key`` makes a second copy impossible."""

    key: str
    kind: MessageKind
    round_id: int
    channel_id: str | None = None
    round_question_id: int | None = None
    user_id: str | None = None


@dataclass(frozen=True)
class ClaimedMessage:
    id: int
    message: OutgoingMessage
    attempts: int
    ts: str | None

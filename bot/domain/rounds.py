"""Rounds, questions, votes and comments as the core sees them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bot.domain.consensus import Choice, Distribution, OutcomeKind, tally


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


@dataclass(frozen=True)
class VoteEvent:
    """One entry of the audit trail: a vote, or a change of vote."""

    round_question_id: int
    user_id: str
    choice: Choice
    at: datetime


@dataclass(frozen=True)
class StoredVote:
    """What storing a click did: the choice held before it, how many had voted before it and,
    for a click older than the vote already stored (a replay), ``stale`` (nothing was changed)."""

    previous: Choice | None
    votes_cast: int
    stale: bool = False


@dataclass(frozen=True)
class BallotState:
    """A question as a vote needs it, read under the question's lock: whether it is open, and
    whose round it is, without loading its votes."""

    round_question_id: int
    round_id: int
    question_id: str
    is_open: bool


@dataclass(frozen=True)
class Decision:
    """A chair's grade for a flagged question, with the reason given."""

    grade: int
    rationale: str
    decided_by: str
    decided_at: datetime


class Settlement(StrEnum):
    """How a question stands: what the board can say about its grade."""

    OPEN = "open"  # still being voted on
    AGREED = "agreed"  # the electors agreed (in round 1, or on a re-vote)
    DECIDED = "decided"  # the chair decided after a flag
    FLAGGED = "flagged"  # disagreement or no quorum, not yet settled


def how_reached(settlement: Settlement, ballot: int) -> str:
    """How a question's grade was reached, in the board's words."""
    match settlement:
        case Settlement.AGREED if ballot == 1:
            return "agreed in round 1"
        case Settlement.AGREED:
            return f"agreed on re-vote (round {ballot})"
        case Settlement.DECIDED:
            return f"decided by the chair after round {ballot}"
        case Settlement.OPEN if ballot > 1:
            return f"re-vote open (round {ballot})"
        case Settlement.OPEN:
            return "still open"
        case _:
            return f"flagged in round {ballot}"


@dataclass
class RoundQuestion:
    """One ballot on one question of a round, with its votes (secret until it closes) and
    comments. Ballot 1 is the round's own; a re-vote is the next ballot on the same question."""

    id: int
    round_id: int
    question_id: str
    position: int
    status: Status
    message_id: str | None = None
    result: QuestionResult | None = None
    closed_at: datetime | None = None
    votes: dict[str, Choice] = field(default_factory=dict)
    comments: list[Comment] = field(default_factory=list)
    ballot: int = 1
    opened_by: str | None = None
    opened_at: datetime | None = None
    deadline_at: datetime | None = None
    discussion_message_id: str | None = None
    decision: Decision | None = None

    @property
    def is_open(self) -> bool:
        return self.status is Status.OPEN

    @property
    def settlement(self) -> Settlement:
        if self.is_open:
            return Settlement.OPEN
        if self.decision is not None:
            return Settlement.DECIDED
        if self.result is not None and self.result.kind is OutcomeKind.AGREED:
            return Settlement.AGREED
        return Settlement.FLAGGED

    @property
    def is_flagged(self) -> bool:
        return self.settlement is Settlement.FLAGGED

    @property
    def how_reached(self) -> str:
        return how_reached(self.settlement, self.ballot)

    @property
    def final_grade(self) -> int | None:
        """The grade this ballot gives the question: agreed, or decided by the chair (None if
        flagged or still open). Reports, the action plan and the Home tab read grades only here."""
        if self.decision is not None:
            return self.decision.grade
        if self.result is not None and self.result.kind is OutcomeKind.AGREED:
            return self.result.grade
        return None

    @property
    def voters(self) -> list[str]:
        return sorted(self.votes)

    @property
    def distribution(self) -> Distribution:
        return tally(self.votes.values())


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
    header_message_id: str | None = None
    summary_message_id: str | None = None
    closed_at: datetime | None = None
    anonymous: bool = True
    questions: list[RoundQuestion] = field(default_factory=list)  # every ballot, in order
    config_version: int | None = None  # the configuration it started under (its rule, timings)

    @property
    def is_open(self) -> bool:
        return self.status is Status.OPEN

    def question(self, round_question_id: int) -> RoundQuestion | None:
        return next((q for q in self.questions if q.id == round_question_id), None)

    @property
    def current_questions(self) -> list[RoundQuestion]:
        """Each question's latest ballot, in the domain's order."""
        latest: dict[str, RoundQuestion] = {}
        for q in self.questions:
            if q.question_id not in latest or q.ballot > latest[q.question_id].ballot:
                latest[q.question_id] = q
        return sorted(latest.values(), key=lambda q: q.position)

    def ballots_of(self, question_id: str) -> list[RoundQuestion]:
        return sorted(
            (q for q in self.questions if q.question_id == question_id), key=lambda q: q.ballot
        )

    def latest_ballot(self, question_id: str) -> RoundQuestion | None:
        ballots = self.ballots_of(question_id)
        return ballots[-1] if ballots else None

    def shown_distribution(self, question: RoundQuestion) -> Distribution:
        """The grades that may be shown for a question: its ballot's own once closed. While a
        ballot is open its votes are secret, so the last closed ballot's grades (or none)."""
        if not question.is_open:
            return question.distribution
        earlier = [
            b
            for b in self.ballots_of(question.question_id)
            if not b.is_open and b.ballot < question.ballot
        ]
        return earlier[-1].distribution if earlier else tally(())

    @property
    def went_to_discussion(self) -> bool:
        """Some question was re-voted or decided by the chair after its first ballot."""
        return any(q.ballot > 1 or q.decision is not None for q in self.questions)

    @property
    def is_settled(self) -> bool:
        """Every question has a grade the board can stand behind (and nothing is being voted)."""
        return all(
            q.settlement in (Settlement.AGREED, Settlement.DECIDED) for q in self.current_questions
        )

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
    anonymous: bool = True
    config_version: int | None = None


class MessageKind(StrEnum):
    """Messages that matter, sent through the outbox."""

    HEADER = "header"
    HEADER_UPDATE = "header_update"
    CARD = "card"
    REVEAL = "reveal"
    SUMMARY = "summary"
    REMINDER = "reminder"
    DISCUSSION = "discussion"  # the thread opened under a flagged question
    DISCUSSION_UPDATE = "discussion_update"  # that thread's first message, once acted on
    SUMMARY_UPDATE = "summary_update"  # the board summary redrawn, with a note, once settled
    SUMMARY_CHART = "summary_chart"  # the domain's chart, uploaded after its summary
    ACTION_PROMPT = "action_prompt"  # "Add action" buttons for questions graded 1 or 2


class OutboxStatus(StrEnum):
    """Where an outbox message stands (stored in ``outbox.status``)."""

    PENDING = "pending"  # recorded, not sent yet (or to be tried again)
    SENT = "sent"
    UPDATED = "updated"  # an existing message was redrawn
    SKIPPED = "skipped"  # nothing to send any more
    DROPPED = "dropped"  # its round or question is gone, or no process sends its kind
    FAILED = "failed"  # refused for good
    MISSING = "missing"  # not in the outbox at all (never stored)


Delivered = tuple[str | None, OutboxStatus]
"""What an attempt to send left: the message's id, if any, and its status."""


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
    message_id: str | None  # the chat platform's id for it, once known

"""Ports: what the core needs from the outside world, as Protocols.

Adapters live outside ``bot/``: ``storage/`` implements the unit of work, ``handlers/slack`` the
chat gateway (one port for the rounds' messages and the board's), ``handlers/files`` the
report files. Tests use hand-written fakes or the real adapters.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from types import TracebackType
from typing import Protocol

from bot.config import AppConfig
from bot.config_versions import ConfigVersion
from bot.domain.actions import Cycle, NewAction, StoredAction
from bot.domain.consensus import Choice
from bot.domain.messages import FileToSend, MessageRef
from bot.domain.report import AssessmentReport, DomainReport
from bot.domain.rounds import (
    BallotState,
    ClaimedMessage,
    Decision,
    NewRound,
    OutboxStatus,
    OutgoingMessage,
    QuestionResult,
    Round,
    RoundQuestion,
    StoredVote,
    VoteEvent,
)
from bot.views.report import BoardMessage
from bot.views.rounds import GradeScale, MessageView


class OpenRoundExists(Exception):
    """A round for this domain is already open (raised by RoundRepository.add)."""


class RoundRepository(Protocol):
    """Rounds and everything in them. Methods that change state are atomic where it matters."""

    def add(self, new_round: NewRound) -> Round:
        """Store a new open round; raise OpenRoundExists if the domain already has one."""
        ...

    def get(self, round_id: int) -> Round | None: ...

    def outline(self, round_id: int) -> Round | None:
        """The round with its electorate but without its questions (cheaper than `get`)."""
        ...

    def get_round_of_question(self, round_question_id: int) -> Round | None: ...

    def is_open(self, round_id: int) -> bool: ...

    def get_question(self, round_question_id: int) -> RoundQuestion | None:
        """One question with its votes and comments (not the rest of its round)."""
        ...

    def discard(self, round_id: int) -> None:
        """Delete a round that never reached its channel."""
        ...

    def open_round_for_domain(self, framework: str, domain: int) -> Round | None: ...

    def open_rounds(self, framework: str) -> list[Round]: ...

    def closed_rounds_with_open_ballots(
        self, framework: str, domain: int | None = None
    ) -> list[Round]:
        """Closed rounds (of one domain, if given) with a re-vote still open."""
        ...

    def set_header_message_id(self, round_id: int, message_id: str) -> None: ...

    def set_question_message_id(self, round_question_id: int, message_id: str) -> None: ...

    def set_summary_message_id(self, round_id: int, message_id: str) -> None: ...

    def lock_question(self, round_question_id: int) -> RoundQuestion | None:
        """Load one question with its votes (not its comments) and hold it until the unit of
        work ends (SELECT … FOR UPDATE)."""
        ...

    def lock_ballot(self, round_question_id: int) -> BallotState | None:
        """Lock one question (as `lock_question` does) and read whether it is open, without its
        votes: the cost does not grow with the votes cast."""
        ...

    def upsert_vote(
        self,
        round_question_id: int,
        user_id: str,
        choice: Choice,
        at: datetime,
        clicked_at: datetime | None = None,
    ) -> StoredVote:
        """Record an elector's current choice, unless ``clicked_at`` (when the click was made,
        if known) is older than the click of the vote already stored: then nothing changes and
        the result is ``stale``. Returns what they had chosen before, if anything, and how many
        had voted on the question before this click. Callers hold the question's lock."""
        ...

    def add_comment(
        self, round_question_id: int, user_id: str, text: str, at: datetime
    ) -> None: ...

    def close_question(self, round_question_id: int, result: QuestionResult, at: datetime) -> bool:
        """Close an open question with its result; False if it was already closed."""
        ...

    def close_round_if_complete(self, round_id: int, at: datetime) -> bool:
        """Close the round if all its questions are closed; True for exactly one caller."""
        ...

    def due_for_closing(self, now: datetime) -> list[int]:
        """Open rounds whose deadline has passed."""
        ...

    def due_for_reminder(self, now: datetime) -> list[int]:
        """Open rounds whose reminder time has passed and who have not been reminded."""
        ...

    def claim_reminder(self, round_id: int, now: datetime) -> bool:
        """Mark the round reminded; True for exactly one caller."""
        ...

    def reschedule(self, round_id: int, deadline_at: datetime, remind_at: datetime) -> bool: ...

    def add_ballot(
        self,
        round_id: int,
        question_id: str,
        ballot: int,
        opened_by: str,
        opened_at: datetime,
        deadline_at: datetime,
        remind_at: datetime | None = None,
    ) -> int | None:
        """Open ballot number ``ballot`` (a re-vote) on a question of a round; return its id, or
        None if that ballot exists already (someone else opened it first)."""
        ...

    def reschedule_ballot(
        self, round_question_id: int, deadline_at: datetime, remind_at: datetime | None
    ) -> bool:
        """Move an open re-vote's deadline and reminder; False if it has closed."""
        ...

    def due_ballot_reminders(self, now: datetime) -> list[int]:
        """Open re-votes whose reminder time has passed and who have not reminded yet."""
        ...

    def claim_ballot_reminder(self, round_question_id: int, now: datetime) -> bool:
        """Mark the re-vote reminded; True for exactly one caller."""
        ...

    def record_decision(self, round_question_id: int, decision: Decision) -> bool:
        """Record a chair's decision on a closed ballot; False if it already has one."""
        ...

    def set_discussion_message_id(self, round_question_id: int, message_id: str) -> None: ...

    def due_ballots(self, now: datetime) -> list[int]:
        """Open re-vote ballots whose own deadline has passed."""
        ...

    def rounds_for_domain(self, framework: str, domain: int) -> list[Round]:
        """Every round of a domain, oldest first, with everything in them."""
        ...

    def vote_events(self, round_question_ids: list[int]) -> list[VoteEvent]:
        """Every vote and change of vote on these ballots, in time order."""
        ...


class Outbox(Protocol):
    """Messages that matter: recorded before they are sent, claimed by one sender at a time."""

    def add(self, message: OutgoingMessage, now: datetime, not_before: datetime) -> bool:
        """Record a message to send; False if one with the same key exists already."""
        ...

    def claim_keys(
        self, keys: list[str], now: datetime, lease: timedelta
    ) -> list[ClaimedMessage]: ...

    def claim_due(self, now: datetime, lease: timedelta, limit: int) -> list[ClaimedMessage]: ...

    def record_message_id(self, row_id: int, message_id: str) -> None: ...

    def mark_sent(
        self,
        row_id: int,
        message_id: str | None,
        now: datetime,
        status: OutboxStatus = OutboxStatus.SENT,
    ) -> None: ...

    def mark_failed(
        self, row_id: int, error: str, retry_at: datetime | None, now: datetime
    ) -> None: ...

    def status_of(self, key: str) -> OutboxStatus | None: ...

    def sent_message_id(self, key: str) -> str | None:
        """The id the chat platform gave the message recorded under ``key``, once it was sent."""
        ...


class CycleRepository(Protocol):
    """Assessment cycles, the rounds in them and their action plans."""

    def cycles(self, framework: str) -> list[Cycle]:
        """All cycles, oldest first; the last one is the current one."""
        ...

    def start_cycle(self, framework: str, name: str, by: str, at: datetime) -> Cycle:
        """Store a new (now current) cycle; raise CycleExists if the name is taken."""
        ...

    def rounds_in_cycle(self, cycle_id: int) -> list[Round]:
        """The cycle's rounds with their questions, oldest first."""
        ...

    def add_action(self, new_action: NewAction) -> StoredAction: ...

    def actions_for_cycle(self, framework: str, cycle_id: int) -> list[StoredAction]:
        """Actions raised in the cycle, and those raised earlier that were still open when it
        began (open now, or marked done during it)."""
        ...

    def mark_done(self, action_id: int, by: str, at: datetime, cycle_id: int) -> bool:
        """Mark an open action done; False if there is no such open action."""
        ...

    def get_action(self, action_id: int) -> StoredAction | None: ...


class ConfigRepository(Protocol):
    """Every saved version of the configuration; the newest is in force."""

    def newest_number(self) -> int:
        """The number of the version in force; 0 when none has been saved."""
        ...

    def get(self, number: int) -> ConfigVersion | None: ...

    def newest(self) -> ConfigVersion | None: ...

    def add(self, config: AppConfig, based_on: int, saved_by: str, at: datetime) -> ConfigVersion:
        """Save ``config`` as version ``based_on + 1``; ConfigChanged (nothing saved) when
        ``based_on`` is no longer the newest (someone else saved since)."""
        ...

    def history(self, limit: int) -> list[ConfigVersion]:
        """The newest ``limit`` versions, newest first."""
        ...


class UnitOfWork(Protocol):
    """One transaction. Leaving the ``with`` block without ``commit()`` rolls everything back."""

    @property
    def rounds(self) -> RoundRepository: ...

    @property
    def outbox(self) -> Outbox: ...

    @property
    def cycles(self) -> CycleRepository: ...

    @property
    def configs(self) -> ConfigRepository: ...

    def __enter__(self) -> UnitOfWork: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...


class ChannelAccess(StrEnum):
    """Whether the app can post to a channel a chair picked."""

    READY = "ready"  # the app is in it
    JOINED = "joined"  # it is open to all, and the app has just joined it
    INVITE = "invite"  # it is private: someone in it must invite the app
    UNKNOWN = "unknown"  # the app cannot see such a channel


class ChannelDirectory(Protocol):
    """What set-up asks of a chat platform about the channels a chair picks."""

    def prepare_channel(self, conversation_id: str, join: bool = True) -> ChannelAccess:
        """Whether the app can post there; with ``join``, joining it first if anyone may."""
        ...

    def channel_names(self, conversation_ids: Sequence[str]) -> dict[str, str]:
        """Channels' names as the platform shows them (an id is left out when unknown)."""
        ...


class ChatGateway(Protocol):
    """What the core asks of a chat platform. Views say what to show; the adapter renders them.

    Messages are named by a `MessageRef`; conversations by their id. A person is reached
    directly through `direct_conversation` (the adapter opens the conversation if need be).
    """

    def human_members(self, conversation_id: str) -> list[str]:
        """The conversation's members, less bots and apps."""
        ...

    def direct_conversation(self, user_id: str) -> str:
        """The id of the app's direct conversation with one person, opened if need be."""
        ...

    def post(
        self,
        conversation_id: str,
        view: MessageView,
        key: str | None = None,
        reply_to: MessageRef | None = None,
    ) -> MessageRef:
        """Post a message (several, the rest as replies to the first, if it is too long).

        ``key`` is stored with the message so that `find_posted` can find it again.
        ``reply_to``: post it as a reply to that message (in its thread).
        """
        ...

    def update(self, message: MessageRef, view: MessageView) -> None: ...

    def find_posted(
        self, conversation_id: str, key: str, reply_to: MessageRef | None = None
    ) -> MessageRef | None:
        """A recent message this app posted with ``key`` (among the replies to ``reply_to``,
        if given), if there is one."""
        ...

    def send_files(
        self, conversation_id: str, files: Sequence[FileToSend], comment: str | None = None
    ) -> list[str]:
        """Hand files over in a conversation as one message; return the files' ids."""
        ...

    # the board channel: the report, the Add action message

    def post_board_message(self, conversation_id: str, view: BoardMessage) -> MessageRef:
        """Post a message."""
        ...

    def update_board_message(self, message: MessageRef, view: BoardMessage) -> None:
        """Redraw a message posted with `post_board_message`."""
        ...

    def display_names(self, user_ids: Sequence[str]) -> dict[str, str]:
        """People's names as the chat platform shows them (a user id is kept when unknown)."""
        ...


class Clock(Protocol):
    def now(self) -> datetime: ...


class ChatError(Exception):
    """The chat platform refused or failed a call (after any retries).

    ``permanent`` means trying again will not help (an unknown channel, a message too long).
    """

    def __init__(self, message: str, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class ReportFiles(Protocol):
    """Draws the report's files (the adapter lives in handlers/files)."""

    def domain_chart(self, domain: DomainReport, scale: GradeScale) -> bytes: ...

    def assessment_chart(self, report: AssessmentReport) -> bytes: ...

    def board_paper(self, report: AssessmentReport, chart_png: bytes) -> bytes: ...

    def workbook(self, report: AssessmentReport) -> bytes: ...

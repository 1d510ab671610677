"""Ports: what the core needs from the outside world, as Protocols.

Adapters live outside ``bot/``: ``storage/`` implements the unit of work, ``handlers/slack`` the
chat gateway. Tests use hand-written fakes or the real adapters.
"""

from __future__ import annotations

from datetime import datetime
from types import TracebackType
from typing import Protocol

from bot.consensus import Choice
from bot.model import NewRound, QuestionResult, Round, RoundQuestion
from bot.views import MessageView


class OpenRoundExists(Exception):
    """A round for this domain is already open (raised by RoundRepository.add)."""


class RoundRepository(Protocol):
    """Rounds and everything in them. Methods that change state are atomic where it matters."""

    def add(self, new_round: NewRound) -> Round:
        """Store a new open round; raise OpenRoundExists if the domain already has one."""
        ...

    def get(self, round_id: int) -> Round | None: ...

    def get_round_of_question(self, round_question_id: int) -> Round | None: ...

    def discard(self, round_id: int) -> None:
        """Delete a round that never reached its channel."""
        ...

    def open_round_for_domain(self, framework: str, domain: int) -> Round | None: ...

    def open_rounds(self, framework: str) -> list[Round]: ...

    def set_header_ts(self, round_id: int, ts: str) -> None: ...

    def set_question_ts(self, round_question_id: int, ts: str) -> None: ...

    def set_summary_ts(self, round_id: int, ts: str) -> None: ...

    def lock_question(self, round_question_id: int) -> RoundQuestion | None:
        """Load one question and hold it until the unit of work ends (SELECT … FOR UPDATE)."""
        ...

    def upsert_vote(
        self, round_question_id: int, user_id: str, choice: Choice, at: datetime
    ) -> Choice | None:
        """Record an elector's current choice; return what they had chosen before, if anything."""
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


class UnitOfWork(Protocol):
    """One transaction. Leaving the ``with`` block without ``commit()`` rolls everything back."""

    @property
    def rounds(self) -> RoundRepository: ...

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


class ChatGateway(Protocol):
    """What the core asks of a chat platform. Views say what to show; the adapter renders them."""

    def human_members(self, channel_id: str) -> list[str]:
        """The channel's members, less bots and apps."""
        ...

    def post(self, channel_id: str, view: MessageView, thread_ts: str | None = None) -> str:
        """Post a message (several, threaded under the first, if it is too long); return its id."""
        ...

    def update(self, channel_id: str, message_ts: str, view: MessageView) -> None: ...


class Clock(Protocol):
    def now(self) -> datetime: ...


class ChatError(Exception):
    """The chat platform refused or failed a call (after any retries)."""

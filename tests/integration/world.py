"""The service tests' world: the core wired to a fake chat and a clock the test moves, on real
storage (SQLite or PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from bot.domain.framework import Framework
from bot.services.facilitator import Facilitator
from bot.views.rounds import DomainSummaryView, QuestionCardView, ReminderView
from storage.ballot_box import SqlBallotBox
from storage.unit_of_work import SqlUnitOfWorkFactory
from tests.fakes import FakeChat, RecordingRefresher, SteppingClock, assess, make_facilitator
from tests.trust import BOARD, CHAIR, services_config
from tests.trust import PARTICIPATION as PARTICIPATION_CHANNEL

__all__ = ["CHAIR", "PARTICIPATION", "World", "WorldFactory", "build_world", "make_config"]

PARTICIPATION = [f"U0PART{i:03d}" for i in range(1, 5)]  # the sub-group's members
make_config = services_config


@dataclass
class World:
    facilitator: Facilitator
    chat: FakeChat
    refresher: RecordingRefresher
    uow: SqlUnitOfWorkFactory
    clock: SteppingClock

    def start(self, domain: int = 4) -> None:
        reply = assess(self.facilitator, CHAIR, f"domain {domain}")
        assert not reply.is_refusal, reply.text

    def cards(self) -> list[QuestionCardView]:
        return [p.view for p in self.chat.posted if isinstance(p.view, QuestionCardView)]

    def summaries(self) -> list[DomainSummaryView]:
        return [p.view for p in self.chat.posted if isinstance(p.view, DomainSummaryView)]

    def reminders(self) -> list[str]:
        return [p.channel_id for p in self.chat.posted if isinstance(p.view, ReminderView)]


WorldFactory = Callable[..., World]


def build_world(sessions: sessionmaker[Session], framework: Framework, **voting: object) -> World:
    """A world on ``sessions``: the board (the chair and one member) and Participation's four
    members as the chat's channels; ``voting`` as in ``services_config``."""
    chat = FakeChat(
        members={BOARD: [CHAIR, "U0BRD0001"], PARTICIPATION_CHANNEL: list(PARTICIPATION)}
    )
    refresher = RecordingRefresher()
    uow = SqlUnitOfWorkFactory(sessions)
    clock = SteppingClock()
    config = services_config(**voting)
    ballot_box = SqlBallotBox(sessions.kw["bind"])  # ordinary votes as the app records them
    facilitator = make_facilitator(config, framework, uow, chat, clock, refresher, ballot_box)
    return World(facilitator, chat, refresher, uow, clock)

"""The outbox and the schedule on real storage, with a fake chat and a clock the test moves."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.domain.consensus import Choice
from bot.domain.framework import Framework, load_framework
from bot.services.facilitator import Facilitator
from bot.views.rounds import DomainSummaryView, QuestionCardView, ReminderView, RoundHeaderView
from storage.database import make_engine, make_session_factory, migrate
from storage.unit_of_work import SqlUnitOfWorkFactory
from tests.fakes import FakeChat, SteppingClock, assess, make_facilitator
from tests.integration.test_services import CHAIR, PARTICIPATION, make_config

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Setup:
    facilitator: Facilitator
    chat: FakeChat
    clock: SteppingClock
    uow: SqlUnitOfWorkFactory

    def cards(self) -> list[QuestionCardView]:
        return [p.view for p in self.chat.posted if isinstance(p.view, QuestionCardView)]

    def summaries(self) -> list[DomainSummaryView]:
        return [p.view for p in self.chat.posted if isinstance(p.view, DomainSummaryView)]

    def reminders(self) -> list[str]:
        return [p.channel_id for p in self.chat.posted if isinstance(p.view, ReminderView)]


@pytest.fixture(scope="module")
def framework() -> Framework:
    return load_framework(ROOT / "question_data" / "are-we-there-yet-2008.yaml")


@pytest.fixture
def setup(database_url: str, framework: Framework) -> Iterator[Setup]:
    engine = make_engine(database_url)
    migrate(engine)
    chat = FakeChat(members={"C0BOARD01": [CHAIR], "C0PART001": list(PARTICIPATION)})
    clock = SteppingClock()
    uow = SqlUnitOfWorkFactory(make_session_factory(engine))
    config = make_config(deadline="7d", remind_before="1d")
    yield Setup(make_facilitator(config, framework, uow, chat, clock), chat, clock, uow)
    engine.dispose()


def test_a_post_whose_answer_was_lost_is_updated_not_posted_again(setup: Setup) -> None:
    setup.chat.answers_to_lose = 1  # the header reaches Slack, but the answer is lost
    reply = assess(setup.facilitator, CHAIR, "domain 4")
    assert "Slack is slow" in reply.text
    headers = [p for p in setup.chat.posted if isinstance(p.view, RoundHeaderView)]
    assert len(headers) == 1
    setup.clock.advance(seconds=60)  # past the retry time
    setup.facilitator.delivery.send_due()
    headers = [p for p in setup.chat.posted if isinstance(p.view, RoundHeaderView)]
    assert len(headers) == 1, "the header was posted twice"
    updated = [ts for _, ts, view in setup.chat.updates if isinstance(view, RoundHeaderView)]
    assert updated == [headers[0].ts]
    with setup.uow() as uow:
        round_ = uow.rounds.open_round_for_domain("are-we-there-yet-2008", 4)
        assert uow.outbox.status_of(f"header:{round_.id if round_ else 0}") == "sent"
    assert round_ is not None and round_.header_ts == headers[0].ts


def test_a_failed_post_is_retried_later(setup: Setup) -> None:
    assess(setup.facilitator, CHAIR, "domain 4")
    cards = setup.cards()
    setup.chat.failures_to_come = 1
    for user in PARTICIPATION:
        for card in cards:
            setup.facilitator.record_vote(user, card.round_id, card.round_question_id, Choice.GOOD)
    assert setup.summaries() == []  # Slack failed the summary once
    setup.clock.advance(seconds=10)
    setup.facilitator.delivery.send_due()
    assert len(setup.summaries()) == 1
    setup.clock.advance(minutes=10)
    setup.facilitator.delivery.send_due()
    assert len(setup.summaries()) == 1


def test_the_schedule_reminds_then_closes_once_however_often_it_runs(setup: Setup) -> None:
    assess(setup.facilitator, CHAIR, "domain 4")
    card = setup.cards()[0]
    setup.facilitator.record_vote(
        PARTICIPATION[0], card.round_id, card.round_question_id, Choice.GOOD
    )
    assert setup.facilitator.sweep().rounds_reminded == 0
    setup.clock.advance(days=6, hours=1)  # past the reminder, before the deadline
    results = []
    threads = [
        threading.Thread(target=lambda: results.append(setup.facilitator.sweep())) for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r.rounds_reminded for r in results) == 1
    assert sorted(setup.reminders()) == sorted(PARTICIPATION)  # everyone has questions left
    assert setup.facilitator.sweep().rounds_reminded == 0
    setup.clock.advance(days=1)
    closes = [setup.facilitator.sweep().rounds_closed for _ in range(3)]
    assert closes == [1, 0, 0]
    assert len(setup.summaries()) == 1
    assert len(setup.reminders()) == len(PARTICIPATION)

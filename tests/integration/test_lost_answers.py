"""Slack stores the board summary but its answer is lost: the outbox, not the HTTP client, tries
again, finds the summary by its key, and the board sees it once. Real storage, the real Slack
gateway and WebClient, the Slack emulator, and a clock the test moves."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.domain.consensus import Choice
from bot.domain.framework import Framework
from bot.presenter import Presenter
from bot.services.delivery import Delivery
from bot.services.facilitator import Facilitator
from handlers.slack.gateway import SlackGateway, make_web_client
from storage.unit_of_work import SqlUnitOfWorkFactory
from tests.emulator import Call, SlackEmulator
from tests.fakes import RecordingRefresher, SteppingClock, assess
from tests.integration.world import CHAIR, PARTICIPATION, make_config

ROOT = Path(__file__).resolve().parents[2]
BOARD = "C0BOARD01"
PART = "C0PART001"
JsonDict = dict[str, object]


@dataclass
class Setup:
    facilitator: Facilitator
    slack: SlackEmulator
    clock: SteppingClock
    uow: SqlUnitOfWorkFactory

    def start(self) -> int:
        """Start domain 4; return the round's id."""
        assess(self.facilitator, CHAIR, "domain 4")
        with self.uow() as uow:
            round_ = uow.rounds.open_round_for_domain("are-we-there-yet-2008", 4)
            assert round_ is not None
            return round_.id

    def questions(self, round_id: int) -> list[int]:
        with self.uow() as uow:
            round_ = uow.rounds.get(round_id)
            assert round_ is not None
            return [q.id for q in round_.questions]

    def everyone_votes(self, round_id: int, grades: Sequence[str] = "3333") -> None:
        """Everyone votes (Good, unless told) on every question: the summary is due."""
        for question_id in self.questions(round_id):
            for user, grade in zip(PARTICIPATION, grades, strict=True):
                self.facilitator.record_vote(user, round_id, question_id, Choice(grade))

    def board_posts(self) -> list[Call]:
        return [c for c in self.slack.calls_to("chat.postMessage") if c.params["channel"] == BOARD]

    def status(self, key: str) -> str | None:
        with self.uow() as uow:
            return uow.outbox.status_of(key)

    def summaries(self) -> list[JsonDict]:
        return self.slack.messages(BOARD, top_level_only=True)

    def retry(self) -> None:
        """Move past the retry time (well inside the lease) and send what is due."""
        self.clock.advance(seconds=30)
        self.facilitator.delivery.send_due()


@pytest.fixture
def setup(sessions: sessionmaker[Session], framework: Framework) -> Iterator[Setup]:
    config = make_config()
    with SlackEmulator() as slack:
        slack.add_user(CHAIR, "chair")
        for user in PARTICIPATION:
            slack.add_user(user, user.lower())
        slack.add_channel(BOARD, "board", members=[CHAIR])
        slack.add_channel(PART, "participation", members=list(PARTICIPATION))
        chat = SlackGateway(make_web_client(slack.token, slack.api_url, timeout=1))
        clock = SteppingClock()
        uow = SqlUnitOfWorkFactory(sessions)
        delivery = Delivery(Presenter(config, framework), uow, chat, clock)
        delivery.on_pending = lambda: None  # the test sends what is due itself
        facilitator = Facilitator(
            config=config,
            framework=framework,
            uow_factory=uow,
            chat=chat,
            clock=clock,
            refresher=RecordingRefresher(),
            delivery=delivery,
        )
        yield Setup(facilitator, slack, clock, uow)


@pytest.mark.parametrize("how", ["500", "drop"])
def test_a_summary_whose_answer_is_lost_reaches_the_board_once(setup: Setup, how: str) -> None:
    setup.slack.lose_next_answer("chat.postMessage", how, channel=BOARD)  # type: ignore[arg-type]
    round_id = setup.start()
    setup.everyone_votes(round_id)
    setup.facilitator.delivery.send_due()
    assert len(setup.summaries()) == 1  # Slack has it; the app does not know
    assert setup.status(f"summary:{round_id}") == "pending"
    setup.retry()
    assert setup.status(f"summary:{round_id}") == "sent"
    [summary] = setup.summaries()
    assert summary["metadata"]["event_payload"] == {"key": f"summary:{round_id}"}  # type: ignore[index]
    assert len(setup.board_posts()) == 1, "the summary was posted again"
    assert [c.params["ts"] for c in setup.slack.calls_to("chat.update")][-1:] == [summary["ts"]]
    with setup.uow() as uow:
        round_ = uow.rounds.get(round_id)
        assert round_ is not None and round_.summary_message_id == summary["ts"]


def test_a_time_out_while_posting_the_summary_is_retried_soon(setup: Setup) -> None:
    setup.slack.lose_next_answer("chat.postMessage", "stall", channel=BOARD)
    round_id = setup.start()
    setup.everyone_votes(round_id)
    setup.facilitator.delivery.send_due()  # times out: the message waits for its retry time
    assert setup.status(f"summary:{round_id}") == "pending"
    setup.retry()  # before the 60 s lease would have run out
    assert setup.status(f"summary:{round_id}") == "sent"
    assert len(setup.summaries()) == 1
    assert len(setup.board_posts()) == 1


def test_a_429_is_waited_out_then_a_lost_answer_is_left_to_the_outbox(setup: Setup) -> None:
    round_id = setup.start()
    setup.slack.fail_next("chat.postMessage", status=429, retry_after=1)
    setup.slack.lose_next_answer("chat.postMessage", "500", channel=BOARD)
    setup.everyone_votes(round_id)
    setup.facilitator.delivery.send_due()
    assert [(c.status, c.answer_lost) for c in setup.board_posts()] == [(429, None), (200, "500")]
    assert len(setup.summaries()) == 1
    setup.retry()
    assert setup.status(f"summary:{round_id}") == "sent"
    assert len(setup.summaries()) == 1
    assert len(setup.board_posts()) == 2  # the outbox found it: no third post


def test_the_note_under_an_updated_summary_is_posted_once_when_its_answer_is_lost(
    setup: Setup,
) -> None:
    round_id = setup.start()
    setup.everyone_votes(round_id, "1433")  # every question flagged
    setup.facilitator.delivery.send_due()
    [summary] = setup.summaries()
    setup.slack.lose_next_answer("chat.postMessage", "500", channel=BOARD)
    for question_id in setup.questions(round_id):
        reply = setup.facilitator.decide(CHAIR, round_id, question_id, 3, "Agreed at the meeting")
        assert not reply.is_refusal, reply.text
    setup.facilitator.delivery.send_due()
    assert setup.status(f"summary-update:{round_id}") == "pending"
    setup.retry()
    assert setup.status(f"summary-update:{round_id}") == "updated"
    thread = setup.slack.thread(BOARD, str(summary["ts"]))
    notes = [m for m in thread[1:] if "Updated: every flagged question" in str(m["text"])]
    assert len(notes) == 1, "the note was posted again"

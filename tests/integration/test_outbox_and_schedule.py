"""The outbox and the schedule on real storage, with a fake chat and a clock the test moves."""

from __future__ import annotations

import threading

import pytest

from bot.domain.consensus import Choice
from bot.views.rounds import RoundHeaderView
from tests.fakes import assess
from tests.integration.world import CHAIR, PARTICIPATION, World, WorldFactory


@pytest.fixture
def setup(make_world: WorldFactory) -> World:
    return make_world(deadline="7d", remind_before="1d")


def test_a_post_whose_answer_was_lost_is_updated_not_posted_again(setup: World) -> None:
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
    assert round_ is not None and round_.header_message_id == headers[0].ts


def test_a_failed_post_is_retried_later(setup: World) -> None:
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


def test_the_schedule_reminds_then_closes_once_however_often_it_runs(setup: World) -> None:
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

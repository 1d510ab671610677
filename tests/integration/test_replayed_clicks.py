"""A vote click older than the elector's latest vote (a replayed request) changes nothing."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from itertools import pairwise

from bot.domain.consensus import Choice
from handlers.slack.text import render_plain
from tests.integration.world import PARTICIPATION, World

FIRST = datetime(2026, 11, 28, 10, 0, 0, 123456, tzinfo=UTC)
LATER = FIRST + timedelta(microseconds=1)


def stored_vote(world: World, round_question_id: int, user: str) -> Choice | None:
    with world.uow() as uow:
        round_ = uow.rounds.get_round_of_question(round_question_id)
    assert round_ is not None
    question = round_.question(round_question_id)
    assert question is not None
    return question.votes.get(user)


def trail(world: World, round_question_id: int, user: str) -> list[Choice]:
    with world.uow() as uow:
        events = uow.rounds.vote_events([round_question_id])
    return [e.choice for e in events if e.user_id == user]


def test_a_replayed_older_click_after_a_newer_one_changes_nothing(world: World) -> None:
    world.start(4)
    card = world.cards()[0]
    voter = PARTICIPATION[0]

    def vote(choice: Choice, clicked_at: datetime) -> str:
        reply = world.facilitator.record_vote(
            voter, card.round_id, card.round_question_id, choice, clicked_at
        )
        return render_plain(reply.text)  # as Slack shows it

    assert "recorded *3 Good*" in vote(Choice.GOOD, FIRST)
    assert "changed your vote to *2 Adequate*" in vote(Choice.ADEQUATE, LATER)
    replay = vote(Choice.GOOD, FIRST)
    assert "older than your latest vote (2 Adequate), so nothing changed" in replay
    assert stored_vote(world, card.round_question_id, voter) is Choice.ADEQUATE
    assert trail(world, card.round_question_id, voter) == [Choice.GOOD, Choice.ADEQUATE]
    # the same (newest) click again is a redelivery: it sets the same vote, nothing new
    assert "already had *2 Adequate*" in vote(Choice.ADEQUATE, LATER)
    assert trail(world, card.round_question_id, voter) == [Choice.GOOD, Choice.ADEQUATE]
    # and a newer click still changes it
    assert "changed your vote to *1 Inadequate*" in vote(
        Choice.INADEQUATE, LATER + timedelta(seconds=1)
    )
    assert stored_vote(world, card.round_question_id, voter) is Choice.INADEQUATE


def test_simultaneous_old_and_new_clicks_leave_the_newest(world: World) -> None:
    """Whatever order they are stored in, the newest click wins and the trail ends with it."""
    world.start(4)
    card = world.cards()[0]
    voter = PARTICIPATION[1]
    clicks = [
        (Choice.INADEQUATE, FIRST),
        (Choice.OUTSTANDING, FIRST + timedelta(seconds=2)),
        (Choice.GOOD, FIRST + timedelta(seconds=1)),
    ] * 4
    barrier = threading.Barrier(len(clicks))
    errors: list[BaseException] = []

    def click(choice: Choice, clicked_at: datetime) -> None:
        try:
            barrier.wait()
            world.facilitator.record_vote(
                voter, card.round_id, card.round_question_id, choice, clicked_at
            )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=click, args=c) for c in clicks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert stored_vote(world, card.round_question_id, voter) is Choice.OUTSTANDING
    events = trail(world, card.round_question_id, voter)
    assert events[-1] is Choice.OUTSTANDING
    assert all(a is not b for a, b in pairwise(events))

"""The ballot box (an ordinary vote in one short transaction on the driver: `cast_vote` on
PostgreSQL, three statements on SQLite), on both databases: what it stores, what it refuses,
what it leaves to the full path, and that its writes read back as the ORM's would."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from bot.ballot_box import VoteCast
from bot.domain.consensus import Choice
from bot.views.reply import finish
from bot.views.rounds import QuestionCardView
from storage.ballot_box import SqlBallotBox
from tests.integration.world import PARTICIPATION, World

FIRST, SECOND, THIRD, LAST = PARTICIPATION
AT = datetime(2026, 11, 28, 21, 0, 0, 123456, tzinfo=UTC)


@pytest.fixture
def box(world: World) -> SqlBallotBox:
    box = world.facilitator.context.ballot_box
    assert isinstance(box, SqlBallotBox)
    return box


def first_card(world: World) -> QuestionCardView:
    world.start(4)
    return world.cards()[0]


def vote(
    user: str, card: QuestionCardView, choice: Choice, clicked: datetime | None = None
) -> VoteCast:
    return VoteCast(card.round_question_id, user, choice, AT, clicked)


def stored_votes(world: World, card: QuestionCardView) -> dict[str, Choice]:
    with world.uow() as uow:
        question = uow.rounds.get_question(card.round_question_id)
    assert question is not None
    return question.votes


def trail(world: World, card: QuestionCardView) -> list[tuple[str, str]]:
    with world.uow() as uow:
        events = uow.rounds.vote_events([card.round_question_id])
    return [(e.user_id, e.choice.value) for e in events]


def test_an_ordinary_vote_is_stored_with_its_line_in_the_trail_and_a_repeat_adds_none(
    world: World, box: SqlBallotBox
) -> None:
    card = first_card(world)
    cast = box.cast(vote(FIRST, card, Choice.GOOD), card.round_id, PARTICIPATION)
    assert cast is not None and cast.ballot is not None and cast.stored is not None
    assert (cast.ballot.question_id, cast.ballot.is_open, cast.elector) == ("4.1", True, True)
    assert (cast.stored.previous, cast.stored.votes_cast, cast.stored.stale) == (None, 0, False)
    again = box.cast(vote(FIRST, card, Choice.GOOD), card.round_id, PARTICIPATION)
    assert again is not None and again.stored is not None
    assert (again.stored.previous, again.stored.votes_cast) == (Choice.GOOD, 1)
    changed = box.cast(vote(FIRST, card, Choice.ADEQUATE), card.round_id, PARTICIPATION)
    assert changed is not None and changed.stored is not None
    assert changed.stored.previous is Choice.GOOD
    assert stored_votes(world, card) == {FIRST: Choice.ADEQUATE}
    assert trail(world, card) == [(FIRST, Choice.GOOD.value), (FIRST, Choice.ADEQUATE.value)]


def test_the_vote_that_completes_the_question_is_left_to_the_full_path_unstored(
    world: World, box: SqlBallotBox
) -> None:
    card = first_card(world)
    for user in (FIRST, SECOND, THIRD):
        assert box.cast(vote(user, card, Choice.GOOD), card.round_id, PARTICIPATION) is not None
    assert box.cast(vote(LAST, card, Choice.GOOD), card.round_id, PARTICIPATION) is None
    assert LAST not in stored_votes(world, card)
    assert len(trail(world, card)) == 3
    # the facilitator then takes the full path, which records it and closes the question
    reply = finish(
        world.facilitator.cast_vote(LAST, card.round_id, card.round_question_id, Choice.GOOD)
    )
    assert "last vote" in reply.text
    with world.uow() as uow:
        question = uow.rounds.get_question(card.round_question_id)
    assert question is not None and not question.is_open and len(question.votes) == 4


def test_refusals_store_nothing(world: World, box: SqlBallotBox) -> None:
    card = first_card(world)
    outsider = box.cast(vote("U0OUTSIDE1", card, Choice.GOOD), card.round_id, PARTICIPATION)
    assert outsider is not None and outsider.ballot is not None
    assert (outsider.elector, outsider.stored) == (False, None)
    other_round = box.cast(vote(FIRST, card, Choice.GOOD), card.round_id + 1, PARTICIPATION)
    assert other_round is not None and other_round.ballot is None
    missing = VoteCast(card.round_question_id + 1000, FIRST, Choice.GOOD, AT)
    assert box.cast(missing, card.round_id, PARTICIPATION) == type(outsider)(ballot=None)
    assert stored_votes(world, card) == {}
    for user in PARTICIPATION:  # the full path closes it
        finish(
            world.facilitator.cast_vote(user, card.round_id, card.round_question_id, Choice.GOOD)
        )
    closed = box.cast(vote(FIRST, card, Choice.INADEQUATE), card.round_id, PARTICIPATION)
    assert closed is not None and closed.ballot is not None and not closed.ballot.is_open
    assert closed.stored is None
    assert stored_votes(world, card)[FIRST] is Choice.GOOD


def test_a_click_older_than_the_stored_ones_changes_nothing_on_either_path(
    world: World, box: SqlBallotBox
) -> None:
    """The box writes the click's time as the ORM does: the full path's comparison (a string
    one on SQLite) reads it, and the box reads the full path's."""
    card = first_card(world)
    later, earlier = AT + timedelta(seconds=5), AT
    box.cast(vote(FIRST, card, Choice.GOOD, later), card.round_id, PARTICIPATION)
    with world.uow() as uow:
        stored = uow.rounds.upsert_vote(
            card.round_question_id, FIRST, Choice.INADEQUATE, AT, earlier
        )
        uow.commit()
    assert stored.stale and stored.previous is Choice.GOOD
    with world.uow() as uow:
        uow.rounds.upsert_vote(card.round_question_id, SECOND, Choice.GOOD, AT, later)
        uow.commit()
    older = box.cast(vote(SECOND, card, Choice.INADEQUATE, earlier), card.round_id, PARTICIPATION)
    assert older is not None and older.stored is not None and older.stored.stale
    assert stored_votes(world, card) == {FIRST: Choice.GOOD, SECOND: Choice.GOOD}
    assert trail(world, card) == [(FIRST, Choice.GOOD.value), (SECOND, Choice.GOOD.value)]


def test_every_elector_at_once_closes_the_question_once_with_every_vote(world: World) -> None:
    card = first_card(world)
    facilitator = world.facilitator
    # the round's outline is read once, so the votes below take the box
    finish(facilitator.cast_vote(FIRST, card.round_id, card.round_question_id, Choice.GOOD))
    barrier = threading.Barrier(len(PARTICIPATION) * 2)
    replies: list[str] = []
    errors: list[BaseException] = []

    def click(user: str) -> None:
        try:
            barrier.wait()
            outcome = facilitator.cast_vote(
                user, card.round_id, card.round_question_id, Choice.GOOD
            )
            replies.append(finish(outcome).text)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=click, args=(u,)) for u in PARTICIPATION * 2]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    closings = [text for text in replies if "the question has now closed" in text]
    assert len(closings) == 1, replies
    with world.uow() as uow:
        question = uow.rounds.get_question(card.round_question_id)
    assert question is not None and not question.is_open
    assert question.votes == {user: Choice.GOOD for user in PARTICIPATION}
    assert sorted(trail(world, card)) == sorted((user, Choice.GOOD.value) for user in PARTICIPATION)

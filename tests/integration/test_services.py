"""The service layer on real storage (SQLite and PostgreSQL) with a fake chat gateway."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.domain.consensus import Choice, OutcomeKind
from bot.domain.framework import Framework
from bot.views.rounds import QuestionCardView, RoundHeaderView
from storage.ballot_box import SqlBallotBox
from storage.unit_of_work import SqlUnitOfWorkFactory
from tests.fakes import FakeChat, assess, make_facilitator
from tests.integration.world import CHAIR, PARTICIPATION, World, make_config


def test_start_posts_header_and_one_card_per_question(world: World) -> None:
    world.start(4)
    posted = world.chat.posted_to("C0PART001")
    assert isinstance(posted[0].view, RoundHeaderView)
    assert posted[0].view.electorate_size == 4
    assert [c.question_id for c in world.cards()] == ["4.1", "4.2", "4.3", "4.4"]
    with world.uow() as uow:
        round_ = uow.rounds.open_round_for_domain("are-we-there-yet-2008", 4)
    assert round_ is not None
    assert round_.electorate == tuple(PARTICIPATION)
    assert all(q.message_id for q in round_.questions)


def test_second_round_for_an_open_domain_is_refused(world: World) -> None:
    world.start(4)
    before = len(world.chat.posted)
    reply = assess(world.facilitator, CHAIR, "domain 4")
    assert reply.is_refusal
    assert "already has a round open" in reply.text
    assert len(world.chat.posted) == before


def test_fixed_member_list_is_the_electorate(world: World) -> None:
    world.chat.members["C0WORK001"] = ["U0SOMEONE"]  # ignored: the config lists the members
    world.start(5)
    header = world.chat.posted_to("C0WORK001")[0].view
    assert isinstance(header, RoundHeaderView) and header.electorate_size == 2
    with world.uow() as uow:
        round_ = uow.rounds.open_round_for_domain("are-we-there-yet-2008", 5)
    assert round_ is not None and round_.electorate == ("U0AAA", "U0BBB")


def test_votes_close_the_question_when_everyone_has_voted(world: World) -> None:
    world.start(4)
    card = world.cards()[0]
    for user, choice in zip(
        PARTICIPATION, [Choice.GOOD, Choice.GOOD, Choice.GOOD, Choice.ADEQUATE], strict=True
    ):
        reply = world.facilitator.record_vote(user, card.round_id, card.round_question_id, choice)
        assert not reply.is_refusal, reply.text
    with world.uow() as uow:
        round_ = uow.rounds.get(card.round_id)
    assert round_ is not None
    question = round_.questions[0]
    assert not question.is_open
    assert question.result is not None
    assert question.result.kind is OutcomeKind.AGREED and question.result.grade == 3
    assert world.refresher.requested.count(card.round_question_id) == 3  # the open card
    revealed = world.chat.updates[-1][2]  # the last vote's reveal goes through the outbox
    assert isinstance(revealed, QuestionCardView) and not revealed.is_open
    assert revealed.result is not None and revealed.result.grade == 3


def test_vote_after_close_and_from_outsider_and_tampered_are_refused(world: World) -> None:
    world.start(4)
    first, second = world.cards()[:2]
    for user in PARTICIPATION:
        world.facilitator.record_vote(user, first.round_id, first.round_question_id, Choice.GOOD)
    late = world.facilitator.record_vote(
        PARTICIPATION[0], first.round_id, first.round_question_id, Choice.ADEQUATE
    )
    assert late.is_refusal and "closed" in late.text
    outsider = world.facilitator.record_vote(
        "U0STRANGE", second.round_id, second.round_question_id, Choice.GOOD
    )
    assert outsider.is_refusal and "not counted" in outsider.text
    wrong_round = world.facilitator.record_vote(
        PARTICIPATION[0], second.round_id + 99, second.round_question_id, Choice.GOOD
    )
    assert wrong_round.is_refusal
    with world.uow() as uow:
        round_ = uow.rounds.get(first.round_id)
    assert round_ is not None
    assert round_.questions[0].votes == {u: Choice.GOOD for u in PARTICIPATION}
    assert round_.questions[1].votes == {}


def test_changing_a_vote_keeps_one_vote(world: World) -> None:
    world.start(4)
    card = world.cards()[0]
    world.facilitator.record_vote(
        PARTICIPATION[0], card.round_id, card.round_question_id, Choice.GOOD
    )
    reply = world.facilitator.record_vote(
        PARTICIPATION[0], card.round_id, card.round_question_id, Choice.OUTSTANDING
    )
    assert "changed your vote to" in reply.text
    with world.uow() as uow:
        round_ = uow.rounds.get(card.round_id)
    assert round_ is not None
    assert round_.questions[0].votes == {PARTICIPATION[0]: Choice.OUTSTANDING}


def test_twenty_simultaneous_clicks_are_each_recorded_once(
    sessions: sessionmaker[Session], framework: Framework
) -> None:
    voters = [f"U0VOTE{i:03d}" for i in range(20)]
    chat = FakeChat(members={"C0BOARD01": [CHAIR], "C0PART001": [*voters, "U0LATE0001"]})
    uow = SqlUnitOfWorkFactory(sessions)
    box = SqlBallotBox(sessions.kw["bind"])
    facilitator = make_facilitator(make_config(), framework, uow, chat, ballot_box=box)
    assert not assess(facilitator, CHAIR, "domain 4").is_refusal
    card = next(p.view for p in chat.posted if isinstance(p.view, QuestionCardView))
    barrier = threading.Barrier(len(voters) * 2)
    errors: list[BaseException] = []

    def click(user: str, choice: Choice) -> None:
        try:
            barrier.wait()
            reply = facilitator.record_vote(user, card.round_id, card.round_question_id, choice)
            assert not reply.is_refusal, reply.text
        except BaseException as exc:
            errors.append(exc)

    threads = [
        threading.Thread(target=click, args=(user, choice))
        for user in voters
        for choice in (Choice.GOOD, Choice.GOOD)  # every click arrives twice
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with uow() as unit:
        round_ = unit.rounds.get(card.round_id)
    assert round_ is not None
    assert round_.questions[0].votes == {u: Choice.GOOD for u in voters}
    assert round_.questions[0].is_open  # one elector has not voted


def test_close_domain_posts_one_summary_with_flags(world: World) -> None:
    world.start(4)
    cards = world.cards()
    votes = {
        0: [Choice.GOOD, Choice.GOOD, Choice.GOOD],  # agreed 3 (3 of 4 took part)
        1: [Choice.INADEQUATE, Choice.OUTSTANDING, Choice.GOOD],  # disagreement
        2: [Choice.DONT_KNOW],  # no quorum (1 of 4)
    }
    for index, choices in votes.items():
        for user, choice in zip(PARTICIPATION, choices, strict=False):
            world.facilitator.record_vote(
                user, cards[index].round_id, cards[index].round_question_id, choice
            )
    assess(
        world.facilitator, "U0PART001", "comment"
    )  # an unknown verb from anybody changes nothing
    world.facilitator.add_comment(
        PARTICIPATION[0], cards[1].round_id, cards[1].round_question_id, "We never measured this."
    )
    refused = assess(world.facilitator, PARTICIPATION[0], "close 4")
    assert refused.is_refusal and "chairs" in refused.text
    reply = assess(world.facilitator, CHAIR, "close 4")
    assert not reply.is_refusal, reply.text
    again = assess(world.facilitator, CHAIR, "close 4")
    assert again.is_refusal
    summaries = world.summaries()
    assert len(summaries) == 1
    summary = summaries[0]
    assert [q.result.kind for q in summary.questions] == [
        OutcomeKind.AGREED,
        OutcomeKind.DISAGREEMENT,
        OutcomeKind.NO_QUORUM,
        OutcomeKind.NO_QUORUM,
    ]
    assert summary.questions[0].result.grade == 3
    assert summary.questions[1].comments[0].text == "We never measured this."
    assert summary.grade_counts[3] == 1 and summary.flagged == 3
    assert world.chat.posted_to("C0BOARD01")[-1].view is summary


def test_refusals_say_what_to_do(world: World) -> None:
    assert "1-7" in assess(world.facilitator, CHAIR, "domain 9").text
    assert "chairs" in assess(world.facilitator, PARTICIPATION[0], "domain 4").text
    assert "/assess domain N" in assess(world.facilitator, CHAIR, "what").text
    assert world.chat.posted == []


def test_unreachable_channel_starts_nothing(world: World) -> None:
    world.chat.unreachable_channels.add("C0PART001")
    reply = assess(world.facilitator, CHAIR, "domain 4")
    assert reply.is_refusal and "Invite the app" in reply.text
    with world.uow() as uow:
        assert uow.rounds.open_rounds("are-we-there-yet-2008") == []


def test_extend_refuses_more_than_a_year_and_changes_nothing(world: World) -> None:
    world.start(4)
    with world.uow() as uow:
        (before,) = uow.rounds.open_rounds("are-we-there-yet-2008")
    refused = world.facilitator.extend_deadline(CHAIR, 4, timedelta(days=999_999_999))
    assert refused.is_refusal and refused.text == "The longest extension is 365 days."
    refused = world.facilitator.extend_deadline(CHAIR, 4, timedelta(days=365, seconds=1))
    assert refused.is_refusal and refused.text == "The longest extension is 365 days."
    with world.uow() as uow:
        (after,) = uow.rounds.open_rounds("are-we-there-yet-2008")
    assert after.deadline_at == before.deadline_at
    extended = world.facilitator.extend_deadline(CHAIR, 4, timedelta(days=365))
    assert not extended.is_refusal and "365 days more" in extended.text

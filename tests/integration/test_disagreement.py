"""Flagged questions: the discussion thread, re-votes, chairs' decisions, the updated summary and
the audit trail, on real storage (SQLite and PostgreSQL) with a fake chat gateway."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from bot.domain.consensus import Choice, OutcomeKind
from bot.domain.rounds import Round, Settlement
from bot.views.rounds import (
    DiscussionView,
    DomainSummaryView,
    QuestionCardView,
    SummaryNoteView,
)
from tests.fakes import assess
from tests.integration.world import CHAIR, PARTICIPATION, World, WorldFactory

FRAMEWORK = "are-we-there-yet-2008"
MEMBER = PARTICIPATION[0]
SPLIT = ["1", "4", "3", "3"]  # disagreement
AGREE = ["3", "3", "3", "2"]  # Good


def vote_all(world: World, card: QuestionCardView, grades: list[str]) -> None:
    for user, grade in zip(PARTICIPATION, grades, strict=True):
        reply = world.facilitator.record_vote(
            user, card.round_id, card.round_question_id, Choice(grade)
        )
        assert not reply.is_refusal, reply.text


def the_round(world: World, domain: int = 3) -> Round:
    with world.uow() as uow:
        rounds = uow.rounds.rounds_for_domain(FRAMEWORK, domain)
    assert rounds
    return rounds[-1]


def discussions(world: World) -> list[tuple[str | None, DiscussionView]]:
    return [(p.thread_ts, p.view) for p in world.chat.posted if isinstance(p.view, DiscussionView)]


def latest_card(world: World, question_id: str) -> QuestionCardView:
    cards = [
        p.view
        for p in world.chat.posted
        if isinstance(p.view, QuestionCardView) and p.view.question_id == question_id
    ]
    return cards[-1]


def summary_updates(world: World) -> list[DomainSummaryView]:
    return [v for _, _, v in world.chat.updates if isinstance(v, DomainSummaryView) and v.updated]


def flag_both_questions(world: World) -> tuple[QuestionCardView, QuestionCardView]:
    """Domain 3 (two questions): both split, so the round closes with two flags."""
    world.start(3)
    first, second = world.cards()
    vote_all(world, first, SPLIT)
    vote_all(world, second, SPLIT)
    return first, second


def test_a_flagged_question_opens_a_thread_under_its_message(make_world: WorldFactory) -> None:
    world = make_world()
    world.start(3)
    first, second = world.cards()
    vote_all(world, first, SPLIT)
    vote_all(world, second, AGREE)

    threads = discussions(world)
    assert len(threads) == 1, "only the flagged question gets a thread"
    thread_ts, view = threads[0]
    card_post = next(p for p in world.chat.posted if p.view == first)
    assert thread_ts == card_post.ts, "the thread hangs under the question's own message"
    assert view.question_id == "3.1"
    assert view.result.kind is OutcomeKind.DISAGREEMENT
    assert view.distribution.by_grade == {1: 1, 2: 0, 3: 2, 4: 1}
    assert view.named is None, "anonymous by default: nobody's grade is named"
    assert view.chairs == (CHAIR,)
    assert view.is_awaiting_chair


def test_a_named_round_says_who_gave_each_grade(make_world: WorldFactory) -> None:
    world = make_world(anonymous=False)
    world.start(3)
    first, _ = world.cards()
    vote_all(world, first, SPLIT)

    (_, view), *_ = discussions(world)
    assert view.named is not None
    by_grade = {g.grade: g.voters for g in view.named}
    assert by_grade == {4: (PARTICIPATION[1],), 3: tuple(PARTICIPATION[2:]), 1: (MEMBER,)}


def test_a_non_chair_can_neither_revote_nor_decide(make_world: WorldFactory) -> None:
    world = make_world()
    first, _ = flag_both_questions(world)
    posted_before = len(world.chat.posted)

    revote = world.facilitator.start_revote(MEMBER, first.round_id, first.round_question_id)
    form = world.facilitator.decision_form(MEMBER, first.round_id, first.round_question_id)
    decide = world.facilitator.decide(
        MEMBER, first.round_id, first.round_question_id, 3, "I think so"
    )

    for reply in (revote, form, decide):
        assert not isinstance(reply, type(None))
        assert getattr(reply, "is_refusal", False), reply
        assert "Only the board's chairs" in getattr(reply, "text", "")
    assert len(world.chat.posted) == posted_before
    round_ = the_round(world)
    assert len(round_.questions) == 2, "no re-vote ballot was opened"
    assert all(q.decision is None for q in round_.questions)


def test_a_revote_that_agrees_settles_the_question_and_updates_the_summary(
    make_world: WorldFactory,
) -> None:
    world = make_world()
    first, second = flag_both_questions(world)
    assert len(world.summaries()) == 1
    summary = world.summaries()[0]
    assert summary.flagged == 2

    reply = world.facilitator.start_revote(CHAIR, first.round_id, first.round_question_id)
    assert not reply.is_refusal, reply.text
    assert "round 2" in reply.text
    revote = latest_card(world, "3.1")
    assert revote.ballot == 2 and revote.is_open
    assert revote.previous_distribution is not None
    assert revote.previous_distribution.by_grade == {1: 1, 2: 0, 3: 2, 4: 1}
    assert revote.round_question_id != first.round_question_id
    # the thread's first message now says a re-vote is under way (buttons gone)
    thread_updates = [v for _, _, v in world.chat.updates if isinstance(v, DiscussionView)]
    assert thread_updates and thread_updates[-1].revote_by == CHAIR

    again = world.facilitator.start_revote(CHAIR, first.round_id, first.round_question_id)
    assert again.is_refusal and "being re-voted" in again.text

    vote_all(world, revote, AGREE)
    assert summary_updates(world) == [], "question 3.2 is still flagged: no update yet"

    decided = world.facilitator.decide(
        CHAIR, second.round_id, second.round_question_id, 2, "Evidence from the audit"
    )
    assert not decided.is_refusal, decided.text

    updates = summary_updates(world)
    assert len(updates) == 1
    by_id = {q.question_id: q for q in updates[0].questions}
    assert by_id["3.1"].settlement is Settlement.AGREED
    assert by_id["3.1"].how_reached == "agreed on re-vote (round 2)"
    assert by_id["3.1"].final_grade == 3
    assert by_id["3.2"].settlement is Settlement.DECIDED
    assert by_id["3.2"].decision is not None
    assert by_id["3.2"].decision.rationale == "Evidence from the audit"
    assert by_id["3.2"].final_grade == 2
    assert updates[0].flagged == 0
    assert updates[0].grade_counts[3] == 1 and updates[0].grade_counts[2] == 1
    summary_post = next(p for p in world.chat.posted if isinstance(p.view, DomainSummaryView))
    notes = [p for p in world.chat.posted if isinstance(p.view, SummaryNoteView)]
    assert len(notes) == 1 and notes[0].thread_ts == summary_post.ts
    assert len(world.summaries()) == 1, "the summary is updated in place, not posted again"


def test_a_decision_is_final_and_shown_on_the_question(make_world: WorldFactory) -> None:
    world = make_world()
    first, _ = flag_both_questions(world)

    empty = world.facilitator.decide(CHAIR, first.round_id, first.round_question_id, 3, "  ")
    assert empty.is_refusal and "reason" in empty.text
    out_of_scale = world.facilitator.decide(CHAIR, first.round_id, first.round_question_id, 7, "x")
    assert out_of_scale.is_refusal

    reply = world.facilitator.decide(
        CHAIR, first.round_id, first.round_question_id, 3, "Agreed at the meeting"
    )
    assert not reply.is_refusal, reply.text
    revealed = [
        v
        for _, _, v in world.chat.updates
        if isinstance(v, QuestionCardView) and v.round_question_id == first.round_question_id
    ]
    assert revealed[-1].decision is not None and revealed[-1].decision.grade == 3

    twice = world.facilitator.decide(CHAIR, first.round_id, first.round_question_id, 2, "changed")
    assert twice.is_refusal and "already decided" in twice.text
    revote = world.facilitator.start_revote(CHAIR, first.round_id, first.round_question_id)
    assert revote.is_refusal
    (q31,) = [q for q in the_round(world).questions if q.question_id == "3.1"]
    assert q31.decision is not None and q31.decision.grade == 3 and q31.decision.decided_by == CHAIR


def test_a_revote_that_disagrees_again_can_be_revoted_again(make_world: WorldFactory) -> None:
    world = make_world()
    first, second = flag_both_questions(world)
    world.facilitator.decide(CHAIR, second.round_id, second.round_question_id, 2, "reason")
    world.facilitator.start_revote(CHAIR, first.round_id, first.round_question_id)
    round2 = latest_card(world, "3.1")
    vote_all(world, round2, SPLIT)
    threads = [v for _, v in discussions(world) if v.question_id == "3.1"]
    assert [t.ballot for t in threads] == [1, 2], "each flagged ballot gets its own thread"

    stale = world.facilitator.start_revote(CHAIR, first.round_id, first.round_question_id)
    assert stale.is_refusal and "latest round" in stale.text
    reply = world.facilitator.start_revote(CHAIR, round2.round_id, round2.round_question_id)
    assert not reply.is_refusal, reply.text
    round3 = latest_card(world, "3.1")
    assert round3.ballot == 3
    vote_all(world, round3, AGREE)

    (update,) = summary_updates(world)
    q31 = next(q for q in update.questions if q.question_id == "3.1")
    assert q31.how_reached == "agreed on re-vote (round 3)"


def test_a_revote_closes_at_its_own_deadline(make_world: WorldFactory) -> None:
    world = make_world(revote_deadline="2d")
    first, second = flag_both_questions(world)
    world.facilitator.decide(CHAIR, second.round_id, second.round_question_id, 2, "reason")
    world.facilitator.start_revote(CHAIR, first.round_id, first.round_question_id)
    revote = latest_card(world, "3.1")
    for user in PARTICIPATION[:3]:  # three of four vote Good: quorum, agreed
        world.facilitator.record_vote(user, revote.round_id, revote.round_question_id, Choice("3"))

    world.clock.advance(days=1)
    assert world.facilitator.sweep().revotes_closed == 0
    world.clock.advance(days=1, seconds=1)
    assert world.facilitator.sweep().revotes_closed == 1
    assert world.facilitator.sweep().revotes_closed == 0, "closed once"

    (update,) = summary_updates(world)
    q31 = next(q for q in update.questions if q.question_id == "3.1")
    assert q31.final_grade == 3 and q31.participants == 3


def test_no_new_round_while_a_revote_is_open_and_close_ends_it(make_world: WorldFactory) -> None:
    world = make_world()
    first, _ = flag_both_questions(world)
    world.facilitator.start_revote(CHAIR, first.round_id, first.round_question_id)

    refused = assess(world.facilitator, CHAIR, "domain 3")
    assert refused.is_refusal and "re-vote open on 3.1" in refused.text
    status = assess(world.facilitator, CHAIR, "status")
    assert "Re-votes open" in status.text
    assert [q.question_id for r in status.rounds for q in r.questions] == ["3.1"]

    closed = assess(world.facilitator, CHAIR, "close 3")
    assert not closed.is_refusal and "re-vote" in closed.text
    revote = [q for q in the_round(world).questions if q.ballot == 2]
    assert revote and not revote[0].is_open
    assert revote[0].result is not None and revote[0].result.kind is OutcomeKind.NO_QUORUM


def test_a_round_settled_before_it_closes_gets_no_second_summary(
    make_world: WorldFactory,
) -> None:
    world = make_world()
    world.start(3)
    first, second = world.cards()
    vote_all(world, first, SPLIT)
    world.facilitator.start_revote(CHAIR, first.round_id, first.round_question_id)
    vote_all(world, latest_card(world, "3.1"), AGREE)
    vote_all(world, second, AGREE)  # the round closes now, everything already settled

    (summary,) = world.summaries()
    q31 = next(q for q in summary.questions if q.question_id == "3.1")
    assert q31.how_reached == "agreed on re-vote (round 2)"
    assert summary_updates(world) == []


def audit_rows(world: World, domain: int = 3) -> list[dict[str, str]]:
    (sent,) = world.chat.files
    assert sent.channel_id == CHAIR, "the file goes to the chair alone"
    assert sent.filename.endswith(".csv")
    text = sent.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_the_audit_trail_keeps_every_vote_change_comment_and_decision(
    make_world: WorldFactory,
) -> None:
    world = make_world(anonymous=False)
    world.start(3)
    first, second = world.cards()
    world.facilitator.record_vote(MEMBER, first.round_id, first.round_question_id, Choice("2"))
    world.clock.advance(minutes=5)
    world.facilitator.add_comment(
        MEMBER, first.round_id, first.round_question_id, "=HYPERLINK(evil)"
    )
    vote_all(world, first, SPLIT)  # MEMBER changes 2 -> 1; the rest vote once
    world.facilitator.record_vote(MEMBER, second.round_id, second.round_question_id, Choice("3"))
    vote_all(world, second, AGREE)  # MEMBER clicks Good again: no change, nothing new in the trail
    world.facilitator.decide(CHAIR, first.round_id, first.round_question_id, 3, "Board view")

    reply = assess(world.facilitator, CHAIR, "audit 3")
    assert not reply.is_refusal, reply.text
    rows = audit_rows(world)
    mine = [(r["event"], r["grade"]) for r in rows if r["who"] == MEMBER and r["question"] == "3.1"]
    assert ("vote", "2 Adequate") in mine
    assert ("vote changed", "1 Inadequate") in mine
    comment = next(r for r in rows if r["event"] == "comment")
    assert comment["detail"] == "'=HYPERLINK(evil)", "formula-like text is neutralised"
    decision = next(r for r in rows if r["event"] == "decided by the chair")
    assert (decision["who"], decision["grade"], decision["detail"]) == (
        CHAIR,
        "3 Good",
        "Board view",
    )
    votes = [r for r in rows if r["event"].startswith("vote")]
    assert len(votes) == 9, "8 first votes and 1 change; the repeated identical click is not"
    assert [r["time (UTC)"] for r in rows] == sorted(r["time (UTC)"] for r in rows)


def test_an_anonymous_trail_keeps_grades_secret(make_world: WorldFactory) -> None:
    world = make_world()
    flag_both_questions(world)
    assess(world.facilitator, CHAIR, "audit 3")
    votes = [r for r in audit_rows(world) if r["event"].startswith("vote")]
    assert len(votes) == 8
    assert all(r["grade"].startswith("(secret") for r in votes)
    assert all(r["who"] in PARTICIPATION for r in votes)


def test_only_chairs_get_the_audit_trail(make_world: WorldFactory) -> None:
    world = make_world()
    flag_both_questions(world)
    reply = assess(world.facilitator, MEMBER, "audit 3")
    assert reply.is_refusal and "Only the board's chairs" in reply.text
    assert world.chat.files == []
    nothing = assess(world.facilitator, CHAIR, "audit 5")
    assert nothing.is_refusal and "no rounds" in nothing.text


def test_revote_deadline_defaults_to_two_days(make_world: WorldFactory) -> None:
    world = make_world()
    assert world.facilitator.config.voting.revote_deadline == timedelta(days=2)
    assert world.facilitator.config.voting.anonymous is True


def test_a_discussion_post_whose_answer_was_lost_is_not_posted_twice(
    make_world: WorldFactory,
) -> None:
    world = make_world()
    world.start(3)
    first, _ = world.cards()
    for user, grade in zip(PARTICIPATION[:3], SPLIT, strict=False):
        world.facilitator.record_vote(user, first.round_id, first.round_question_id, Choice(grade))
    world.chat.answers_to_lose = 1  # the reveal is an update; the thread post's answer is lost
    world.facilitator.record_vote(
        PARTICIPATION[3], first.round_id, first.round_question_id, Choice("3")
    )
    assert len(discussions(world)) == 1
    world.clock.advance(minutes=1)
    world.facilitator.delivery.send_due()

    threads = discussions(world)
    assert len(threads) == 1, "the thread's first message was posted twice"
    with world.uow() as uow:
        status = uow.outbox.status_of(f"discussion:{first.round_question_id}")
    assert status == "sent"
    (thread_post,) = [p for p in world.chat.posted if isinstance(p.view, DiscussionView)]
    (q31,) = [q for q in the_round(world).questions if q.question_id == "3.1"]
    assert q31.discussion_message_id == thread_post.ts


def test_a_revote_can_be_extended_and_its_missing_voters_reminded(
    make_world: WorldFactory,
) -> None:
    from bot.views.rounds import ReminderView

    world = make_world(revote_deadline="2d")
    first, second = flag_both_questions(world)
    world.facilitator.decide(CHAIR, second.round_id, second.round_question_id, 2, "reason")
    world.facilitator.start_revote(CHAIR, first.round_id, first.round_question_id)
    revote = latest_card(world, "3.1")
    world.facilitator.record_vote(MEMBER, revote.round_id, revote.round_question_id, Choice("3"))

    refused = assess(world.facilitator, MEMBER, "extend 3 1d")
    assert refused.is_refusal
    extended = assess(world.facilitator, CHAIR, "extend 3 1d")
    assert not extended.is_refusal and "3.1 until" in extended.text, extended.text
    assert revote.round_question_id in world.refresher.requested
    (ballot,) = [q for q in the_round(world).questions if q.ballot == 2]
    assert ballot.deadline_at == world.clock.now() + timedelta(days=3)

    reminded = assess(world.facilitator, CHAIR, "remind 3")
    assert not reminded.is_refusal, reminded.text
    nudges = [p for p in world.chat.posted if isinstance(p.view, ReminderView)]
    assert sorted(p.channel_id for p in nudges) == sorted(PARTICIPATION[1:])
    assert all(p.view.waiting_on == ("3.1",) for p in nudges if isinstance(p.view, ReminderView))
    assert all(
        p.view.deadline_at == ballot.deadline_at and p.view.header_message_id == ballot.message_id
        for p in nudges
        if isinstance(p.view, ReminderView)
    )

    world.clock.advance(days=2, seconds=1)
    assert world.facilitator.sweep().revotes_closed == 0, "the extended re-vote is still open"
    world.clock.advance(days=1)
    assert world.facilitator.sweep().revotes_closed == 1


def test_a_revote_reminds_those_who_have_not_voted_once(make_world: WorldFactory) -> None:
    from bot.views.rounds import ReminderView

    world = make_world(revote_deadline="2d", remind_before="1d")
    first, second = flag_both_questions(world)
    world.facilitator.decide(CHAIR, second.round_id, second.round_question_id, 2, "reason")
    world.facilitator.start_revote(CHAIR, first.round_id, first.round_question_id)
    revote = latest_card(world, "3.1")
    world.facilitator.record_vote(MEMBER, revote.round_id, revote.round_question_id, Choice("3"))

    def nudged() -> list[str]:
        return [p.channel_id for p in world.chat.posted if isinstance(p.view, ReminderView)]

    world.clock.advance(hours=23)
    world.facilitator.sweep()
    assert nudged() == [], "too early: the reminder is a day before the re-vote closes"
    world.clock.advance(hours=1, seconds=1)
    world.facilitator.sweep()
    world.facilitator.sweep()
    assert sorted(nudged()) == sorted(PARTICIPATION[1:]), "each missing elector, once"

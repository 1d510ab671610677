"""The root of vote secrecy: an open ballot's grades are shown nowhere (bot/domain/rounds.py's
``Round.shown_distribution``, the audit trail, a discussion thread), whatever `anonymous` says."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import load_app_config
from bot.domain.audit import SECRET, SECRET_WHILE_OPEN, audit_entries
from bot.domain.consensus import Choice, OutcomeKind, tally
from bot.domain.framework import load_framework
from bot.domain.rounds import QuestionResult, Round, RoundQuestion, Status, VoteEvent
from bot.presenter import Presenter

ROOT = Path(__file__).resolve().parents[2]
LABELS = ("Inadequate", "Adequate", "Good", "Outstanding")
START = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
ROUND_1 = {"U1": Choice.INADEQUATE, "U2": Choice.OUTSTANDING, "U3": Choice.GOOD}
ROUND_2 = {"U1": Choice.ADEQUATE, "U2": Choice.DONT_KNOW}


def ballot(number: int, votes: dict[str, Choice], is_open: bool) -> RoundQuestion:
    return RoundQuestion(
        id=number,
        round_id=1,
        question_id="4.1",
        position=1,
        status=Status.OPEN if is_open else Status.CLOSED,
        votes=dict(votes),
        ballot=number,
        result=None if is_open else QuestionResult(OutcomeKind.DISAGREEMENT, None, "spread"),
        closed_at=None if is_open else START + timedelta(hours=number),
        opened_at=START + timedelta(hours=number - 1),
    )


def a_round(*ballots: RoundQuestion, anonymous: bool = False) -> Round:
    return Round(
        id=1,
        framework="are-we-there-yet-2008",
        domain=4,
        subgroup_key="participation",
        channel_id="C0PART001",
        status=Status.OPEN,
        started_by="U0CHAIR01",
        started_at=START,
        electorate=("U1", "U2", "U3", "U4"),
        anonymous=anonymous,
        questions=list(ballots),
    )


def events(votes: dict[str, Choice], ballot_id: int) -> list[VoteEvent]:
    return [
        VoteEvent(ballot_id, user, choice, START + timedelta(minutes=i + 10 * ballot_id))
        for i, (user, choice) in enumerate(votes.items())
    ]


def test_an_open_first_ballot_shows_no_grades() -> None:
    open_ = ballot(1, ROUND_1, is_open=True)
    shown = a_round(open_).shown_distribution(open_)
    assert shown == tally(()) and shown.participants == 0  # no counts, not even to voters


def test_an_open_revote_shows_the_closed_round_and_a_closed_ballot_its_own() -> None:
    first, second = ballot(1, ROUND_1, is_open=False), ballot(2, ROUND_2, is_open=True)
    round_ = a_round(first, second)
    assert round_.shown_distribution(second) == first.distribution
    assert round_.shown_distribution(first) == first.distribution
    second.status = Status.CLOSED
    assert round_.shown_distribution(second) == second.distribution
    assert round_.shown_distribution(second).dont_know == 1


@pytest.mark.parametrize("anonymous", [False, True])
def test_the_audit_withholds_an_open_ballot_s_grades(anonymous: bool) -> None:
    first, second = ballot(1, ROUND_1, is_open=False), ballot(2, ROUND_2, is_open=True)
    trail = audit_entries(
        [a_round(first, second, anonymous=anonymous)],
        [*events(ROUND_1, 1), *events(ROUND_2, 2)],
        LABELS,
    )
    grades = {(e.ballot, e.who): e.grade for e in trail if e.event == "vote"}
    expected_open = SECRET if anonymous else SECRET_WHILE_OPEN
    assert {grades[(2, user)] for user in ROUND_2} == {expected_open}
    if anonymous:
        assert {grades[(1, user)] for user in ROUND_1} == {SECRET}
    else:
        assert grades[(1, "U1")] == "1 Inadequate" and grades[(1, "U2")] == "4 Outstanding"


def test_a_discussion_of_an_open_ballot_names_nobody() -> None:
    presenter = Presenter(
        load_app_config(ROOT / "app.yaml"),
        load_framework(ROOT / "question_data" / "are-we-there-yet-2008.yaml"),
    )
    first, second = ballot(1, ROUND_1, is_open=False), ballot(2, ROUND_2, is_open=True)
    round_ = a_round(first, second)
    assert presenter.discussion(round_, first).named is not None
    view = presenter.discussion(round_, second)
    assert view.named is None and view.distribution == first.distribution

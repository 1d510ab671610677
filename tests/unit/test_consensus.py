"""The consensus rule (bot/consensus.py): the spec's worked examples, then properties.

The property tests check ``resolve`` against an independent oracle written here from the rule in
plain words, with every share compared exactly as a fraction of the configured decimal.
"""

from __future__ import annotations

from collections import Counter
from fractions import Fraction
from random import Random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.consensus import (
    GRADES,
    Choice,
    ConsensusRule,
    Outcome,
    OutcomeKind,
    has_quorum,
    resolve,
    tally,
)

RULE = ConsensusRule(quorum=0.5, agree_share=0.67, max_spread=1)
ELECTORATE = 4
DK = Choice.DONT_KNOW


def votes(*items: int | str) -> list[Choice]:
    """votes(3, 3, "?") → [GOOD, GOOD, DONT_KNOW]."""
    return [DK if item == "?" else Choice.from_grade(int(item)) for item in items]


# --- Choice and tally ---------------------------------------------------------------------------


def test_choice_grades() -> None:
    assert [Choice.from_grade(g).grade for g in GRADES] == [1, 2, 3, 4]
    assert Choice.GOOD.grade == 3
    assert DK.grade is None


@given(st.lists(st.sampled_from(list(Choice)), max_size=30))
def test_tally_counts_add_up_to_the_number_of_choices(choices: list[Choice]) -> None:
    distribution = tally(choices)
    assert set(distribution.by_grade) == set(GRADES)
    assert distribution.dont_know == choices.count(DK)
    for grade in GRADES:
        assert distribution.by_grade[grade] == choices.count(Choice.from_grade(grade))
    assert distribution.grades_cast + distribution.dont_know == len(choices)
    assert distribution.participants == len(choices)


def test_tally_of_nothing() -> None:
    distribution = tally([])
    assert distribution.participants == 0
    assert dict(distribution.by_grade) == {1: 0, 2: 0, 3: 0, 4: 0}


# --- the spec's examples (quorum 0.5, agree_share 0.67, max_spread 1, electorate 4) -------------


def test_three_goods_and_an_adequate_agree_good() -> None:
    outcome = resolve(votes(3, 3, 3, 2), ELECTORATE, RULE)
    assert outcome.kind is OutcomeKind.AGREED
    assert outcome.grade == 3
    assert "3 of 4" in outcome.reason


def test_grades_too_far_apart_are_a_disagreement() -> None:
    outcome = resolve(votes(1, 4, 3, 3), ELECTORATE, RULE)
    assert outcome.kind is OutcomeKind.DISAGREEMENT
    assert outcome.grade is None
    assert "1 and 4" in outcome.reason


def test_a_tie_for_most_common_grade_is_a_disagreement() -> None:
    outcome = resolve(votes(2, 2, 3, 3), ELECTORATE, RULE)
    assert outcome.kind is OutcomeKind.DISAGREEMENT
    assert outcome.grade is None


def test_dont_know_counts_towards_quorum() -> None:
    # One grade alone is 1 of 4: below quorum. With a Don't know it is 2 of 4: quorum met.
    assert resolve(votes(3), ELECTORATE, RULE).kind is OutcomeKind.NO_QUORUM
    outcome = resolve(votes(3, "?"), ELECTORATE, RULE)
    assert outcome.kind is OutcomeKind.AGREED
    assert outcome.grade == 3


def test_dont_know_is_not_a_grade() -> None:
    # If Don't know were a grade, 3,3 would be 2 of 3 (below 0.67); as it is not, 2 of 2 agree.
    outcome = resolve(votes(3, 3, "?"), ELECTORATE, RULE)
    assert outcome.kind is OutcomeKind.AGREED
    assert outcome.grade == 3
    # Nor does it widen the spread: 1 and Don't know are not "apart".
    assert resolve(votes(1, 1, "?", "?"), ELECTORATE, RULE).grade == 1


def test_all_dont_know_is_no_quorum() -> None:
    outcome = resolve(votes("?", "?", "?", "?"), ELECTORATE, RULE)
    assert outcome.kind is OutcomeKind.NO_QUORUM
    assert outcome.grade is None
    assert "Don't know" in outcome.reason


def test_below_quorum_is_no_quorum() -> None:
    outcome = resolve(votes(4), ELECTORATE, RULE)
    assert outcome.kind is OutcomeKind.NO_QUORUM
    assert outcome.grade is None
    assert "1 of 4" in outcome.reason
    assert "50%" in outcome.reason


def test_no_votes_at_all_is_no_quorum() -> None:
    assert resolve([], ELECTORATE, RULE).kind is OutcomeKind.NO_QUORUM


def test_two_of_three_is_below_an_agree_share_of_067() -> None:
    outcome = resolve(votes(3, 3, 2), ELECTORATE, RULE)
    assert outcome.kind is OutcomeKind.DISAGREEMENT
    assert outcome.grade is None
    assert "2 of 3" in outcome.reason


def test_quorum_exactly_met() -> None:
    # 2 of 4 is exactly 0.5.
    outcome = resolve(votes(2, 2), ELECTORATE, RULE)
    assert outcome.kind is OutcomeKind.AGREED
    assert outcome.grade == 2
    # 3 of 4 is exactly 0.75; 3 of 5 is not.
    rule = ConsensusRule(quorum=0.75, agree_share=0.67, max_spread=1)
    assert resolve(votes(2, 2, 2), 4, rule).kind is OutcomeKind.AGREED
    assert resolve(votes(2, 2, 2), 5, rule).kind is OutcomeKind.NO_QUORUM


def test_quorum_of_a_decimal_is_compared_exactly() -> None:
    # 0.1 as a binary float is a little more than 1/10; the configured decimal 0.1 is exactly met
    # by 1 of 10.
    assert has_quorum(1, 10, 0.1)
    assert has_quorum(7, 10, 0.7)
    assert not has_quorum(6, 10, 0.7)
    assert not has_quorum(0, 0, 0.5)


def test_share_exactly_equal_to_agree_share_agrees() -> None:
    rule = ConsensusRule(quorum=0.5, agree_share=0.75, max_spread=1)
    outcome = resolve(votes(3, 3, 3, 2), ELECTORATE, rule)
    assert outcome.kind is OutcomeKind.AGREED
    assert outcome.grade == 3


def test_share_just_below_agree_share_disagrees() -> None:
    rule = ConsensusRule(quorum=0.5, agree_share=0.76, max_spread=1)
    outcome = resolve(votes(3, 3, 3, 2), ELECTORATE, rule)
    assert outcome.kind is OutcomeKind.DISAGREEMENT
    assert "75%" not in outcome.reason  # the reason quotes the rule, 76%
    assert "76%" in outcome.reason


def test_share_of_067_met_by_67_of_100() -> None:
    # 0.67 as a binary float is a little more than 67/100; the configured decimal is met exactly.
    choices = votes(*([3] * 67 + [2] * 33))
    assert resolve(choices, 100, RULE).kind is OutcomeKind.AGREED
    assert resolve(votes(*([3] * 66 + [2] * 34)), 100, RULE).kind is OutcomeKind.DISAGREEMENT


def test_spread_exactly_max_spread_agrees() -> None:
    rule = ConsensusRule(quorum=0.5, agree_share=0.5, max_spread=2)
    assert resolve(votes(2, 2, 2, 4), ELECTORATE, rule).kind is OutcomeKind.AGREED
    assert resolve(votes(1, 1, 1, 4), ELECTORATE, rule).kind is OutcomeKind.DISAGREEMENT


def test_max_spread_zero_needs_unanimous_grades() -> None:
    rule = ConsensusRule(quorum=0.5, agree_share=0.5, max_spread=0)
    assert resolve(votes(3, 3, 3, "?"), ELECTORATE, rule).grade == 3
    assert resolve(votes(3, 3, 3, 2), ELECTORATE, rule).kind is OutcomeKind.DISAGREEMENT


# --- properties against an independent oracle ---------------------------------------------------


def decimal_share(value: float) -> Fraction:
    """The share as the decimal written in app.yaml (0.67 is 67/100, not the binary float)."""
    return Fraction(repr(value))


def expected_kind(choices: list[Choice], electorate: int, rule: ConsensusRule) -> OutcomeKind:
    """The rule in plain words, written independently of bot.domain.consensus."""
    participants = len(choices)
    if electorate <= 0 or Fraction(participants, electorate) < decimal_share(rule.quorum):
        return OutcomeKind.NO_QUORUM
    grades = [int(c.value) for c in choices if c != Choice.DONT_KNOW]
    if not grades:
        return OutcomeKind.NO_QUORUM
    counts = Counter(grades).most_common()
    top_count = counts[0][1]
    unique_mode = len([g for g, n in counts if n == top_count]) == 1
    share_ok = Fraction(top_count, len(grades)) >= decimal_share(rule.agree_share)
    spread_ok = max(grades) - min(grades) <= rule.max_spread
    if unique_mode and share_ok and spread_ok:
        return OutcomeKind.AGREED
    return OutcomeKind.DISAGREEMENT


# Shares as people write them: hundredths and thousandths in (0, 1], which hits exact boundaries
# such as 0.5, 0.75, 0.6 and 0.4 often.
shares = st.one_of(
    st.integers(1, 100).map(lambda n: n / 100),
    st.integers(1, 1000).map(lambda n: n / 1000),
    st.sampled_from([0.5, 0.67, 0.75, 1.0, 1 / 3, 2 / 3]),
)
rules = st.builds(ConsensusRule, quorum=shares, agree_share=shares, max_spread=st.integers(0, 3))
choice_lists = st.lists(st.sampled_from(list(Choice)), max_size=12)
grade_choices = st.sampled_from([Choice.from_grade(g) for g in GRADES])


@st.composite
def ballots(draw: st.DrawFn) -> tuple[list[Choice], int, ConsensusRule]:
    choices = draw(choice_lists)
    electorate = draw(st.integers(max(1, len(choices)), len(choices) + 8))
    return choices, electorate, draw(rules)


def check_invariants(outcome: Outcome, choices: list[Choice]) -> None:
    if outcome.kind is OutcomeKind.AGREED:
        grades = [c.grade for c in choices if c.grade is not None]
        assert outcome.grade in grades
        counts = Counter(grades)
        assert all(counts[outcome.grade] > n for g, n in counts.items() if g != outcome.grade)
    else:
        assert outcome.grade is None
    assert outcome.reason


@given(ballots())
def test_resolve_matches_the_oracle(ballot: tuple[list[Choice], int, ConsensusRule]) -> None:
    choices, electorate, rule = ballot
    outcome = resolve(choices, electorate, rule)
    assert outcome.kind is expected_kind(choices, electorate, rule)
    check_invariants(outcome, choices)


@given(ballots(), st.randoms(use_true_random=False))
def test_order_of_votes_never_matters(
    ballot: tuple[list[Choice], int, ConsensusRule], random: Random
) -> None:
    choices, electorate, rule = ballot
    shuffled = list(choices)
    random.shuffle(shuffled)
    assert resolve(shuffled, electorate, rule) == resolve(choices, electorate, rule)
    assert resolve(list(reversed(choices)), electorate, rule) == resolve(choices, electorate, rule)


@given(ballots(), st.integers(1, 6), st.integers(0, 4))
def test_adding_dont_know_only_turns_no_quorum_into_a_result(
    ballot: tuple[list[Choice], int, ConsensusRule], extra: int, spare_seats: int
) -> None:
    choices, electorate, rule = ballot
    electorate = max(electorate, len(choices) + extra + spare_seats)
    before = resolve(choices, electorate, rule)
    after = resolve(choices + [DK] * extra, electorate, rule)
    if before.kind is not OutcomeKind.NO_QUORUM:
        assert (after.kind, after.grade) == (before.kind, before.grade)
    else:
        # Quorum can only be gained; if it was gained with grades cast, the grades decide.
        assert after.kind is expected_kind(choices + [DK] * extra, electorate, rule)
    check_invariants(after, choices + [DK] * extra)


@given(grade_choices, st.integers(1, 10), st.integers(0, 5), rules, st.integers(0, 10))
def test_unanimous_grades_with_quorum_agree_on_that_grade(
    choice: Choice, count: int, dont_knows: int, rule: ConsensusRule, absent: int
) -> None:
    choices = [choice] * count + [DK] * dont_knows
    electorate = len(choices) + absent
    if not has_quorum(len(choices), electorate, rule.quorum):
        assert resolve(choices, electorate, rule).kind is OutcomeKind.NO_QUORUM
        return
    outcome = resolve(choices, electorate, rule)
    assert outcome.kind is OutcomeKind.AGREED
    assert outcome.grade == choice.grade


@given(choice_lists, rules)
def test_full_turnout_always_has_quorum_when_a_grade_is_cast(
    choices: list[Choice], rule: ConsensusRule
) -> None:
    outcome = resolve(choices, max(1, len(choices)), rule)
    has_grade = any(c.grade is not None for c in choices)
    assert (outcome.kind is not OutcomeKind.NO_QUORUM) == has_grade


@pytest.mark.parametrize("electorate", [0, -1])
def test_an_empty_electorate_never_has_quorum(electorate: int) -> None:
    assert resolve([], electorate, RULE).kind is OutcomeKind.NO_QUORUM

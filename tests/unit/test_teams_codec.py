"""The Teams card codec: what goes into an Action.Execute comes back out, and anything it did
not write (old, tampered or hand-made data) is refused; and the one escape of member text."""

from __future__ import annotations

from typing import Any

import pytest

from bot.domain.consensus import Choice
from handlers.teams import codec
from handlers.teams.text import escape_member, fit_quote, inline, quote


@pytest.mark.parametrize("choice", list(Choice))
def test_a_vote_round_trips(choice: Choice) -> None:
    click = codec.decode(codec.VOTE, codec.encode_vote(7, 42, choice))
    assert click == codec.Click(codec.VOTE, codec.QuestionRef(7, 42), choice, inputs={})


@pytest.mark.parametrize("verb", [codec.COMMENT, codec.REVOTE, codec.DECIDE])
def test_question_actions_round_trip_with_their_inputs(verb: str) -> None:
    data = codec.encode_question(verb, 7, 42)
    inputs = {
        codec.COMMENT: {codec.COMMENT_INPUT: "A comment"},
        codec.REVOTE: {},
        codec.DECIDE: {codec.GRADE_INPUT: "3", codec.REASON_INPUT: "Because"},
    }[verb]
    click = codec.decode(verb, data | inputs)
    assert click is not None and click.question == codec.QuestionRef(7, 42)
    assert click.inputs == inputs


def test_actions_of_the_plan_round_trip() -> None:
    add = codec.decode(
        codec.ADD_ACTION,
        codec.encode_action_question(101)
        | {
            codec.ACTION_INPUT: "Run a panel",
            codec.PRIORITY_INPUT: "3",
            codec.OWNER_INPUT: "Head of Service",
            codec.DUE_INPUT: "2027-05-01",
        },
    )
    assert add is not None and add.round_question_id == 101
    assert add.inputs is not None and add.inputs[codec.OWNER_INPUT] == "Head of Service"
    done = codec.decode(codec.MARK_DONE, codec.encode_mark_done(3))
    assert done is not None and done.action_id == 3


VOTE = codec.encode_vote(7, 42, Choice.GOOD)


@pytest.mark.parametrize(
    ("verb", "data"),
    [
        ("vote", VOTE | {"choice": "5"}),
        ("vote", VOTE | {"choice": 3}),
        ("vote", VOTE | {"round": "7"}),
        ("vote", VOTE | {"round": True}),
        ("vote", VOTE | {"question": -1}),
        ("vote", VOTE | {"question": 10**13}),
        ("vote", VOTE | {"codec": 2}),
        ("vote", VOTE | {"codec": True}),
        ("vote", VOTE | {"verb": "decide"}),
        ("vote", VOTE | {"extra": "x"}),
        ("vote", {k: v for k, v in VOTE.items() if k != "round"}),
        ("decide", VOTE),
        ("hack", VOTE),
        (None, VOTE),
        ("vote", "7:42"),
        ("vote", None),
        ("comment", codec.encode_question(codec.COMMENT, 7, 42) | {codec.COMMENT_INPUT: 5}),
        ("comment", codec.encode_question(codec.COMMENT, 7, 42) | {codec.REASON_INPUT: "x"}),
        (
            "comment",
            codec.encode_question(codec.COMMENT, 7, 42) | {codec.COMMENT_INPUT: "x" * 20_001},
        ),
        ("mark_done", codec.encode_mark_done(3) | {"action": 0}),
        ("add_action", codec.encode_action_question(101) | {"question": 1.5}),
    ],
)
def test_tampered_data_is_refused(verb: Any, data: Any) -> None:
    assert codec.decode(verb, data) is None


HOSTILE = "<at>X</at> [a](https://e.example) **b** _i_ ~s~ `c` &amp; {{DATE()}} #h\u202e\u200b"


def test_member_text_is_inert_in_teams_markdown() -> None:
    escaped = escape_member(HOSTILE)
    for live in ("<at>", "](", "https://", "**", "_i_", "~s~", "`c`", "&amp;", "{{", "#h"):
        assert live not in escaped
    assert "\u202e" not in escaped and "\u200b" not in escaped
    assert "\n" not in inline("one\ntwo") and "↵" in inline("one\ntwo")


def test_every_line_stays_in_its_quote_and_a_cut_is_marked() -> None:
    assert quote("one\n\ntwo\n") == "│ one\n│ \n│ two\n│ "
    whole, was_cut = fit_quote("line\n" * 1000, 200)
    assert was_cut and len(whole) <= 200 and whole.endswith("…")
    assert all(line.startswith("│ ") for line in whole.split("\n"))
    assert fit_quote("short", 200) == ("│ short", False)

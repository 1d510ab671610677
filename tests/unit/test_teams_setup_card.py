"""The set-up form's card: within Teams' 28 KB with every row and a big team, Adaptive Cards 1.5
that Teams accepts, problems beside their fields, member text inert; and Save's data decoded
only as the card made it."""

from __future__ import annotations

from typing import Any

from bot.views.setup import (
    MAX_SUBGROUPS,
    DomainRow,
    SetupFormView,
    SetupValues,
    SubgroupRow,
    domain_field,
    subgroup_field,
)
from handlers.teams import codec
from handlers.teams.adaptive import MAX_CARD_BYTES, card_bytes
from handlers.teams.setup_cards import Pickable, render_setup_form
from handlers.teams.text import TeamsText
from tests.connector import card_problems

DOMAINS = 7  # the framework's
CHAIRS = ("aad-chair-1", "aad-chair-2")


def channel(n: int) -> str:
    return f"19:{n:032x}@thread.tacv2"


def person(n: int) -> str:
    return f"{n:08x}-aaaa-4bbb-8ccc-{n:012x}"


def form(**changes: Any) -> SetupFormView:
    rows = tuple(
        SubgroupRow(f"group-{n}", f"Sub-group number {n} of the board", channel(n))
        for n in range(MAX_SUBGROUPS)
    )
    values = SetupValues(
        board_name="Northshire Children's Trust Improvement Board",
        board_channel=channel(0),
        chairs=CHAIRS,
        subgroups=rows,
        assignments={d: d for d in range(1, DOMAINS + 1)},
        framework="are-we-there-yet-2008",
        deadline="7d",
        remind_before="1d",
        revote_deadline="3d",
        quorum="50",
        agree_share="75",
        max_spread="1",
        anonymous=True,
    )
    view = SetupFormView(
        based_on=3,
        first_run=False,
        values=values,
        domains=tuple(
            DomainRow(
                d,
                f"How does the board of domain {d} do what boards do, as long a title as theirs?",
                d,
            )
            for d in range(1, DOMAINS + 1)
        ),
        frameworks=(("are-we-there-yet-2008", "Are we there yet? (2008)"),),
    )
    return SetupFormView(**{**view.__dict__, **changes})


def big_team(people: int = 2000, channels: int = 40) -> Pickable:
    return Pickable(
        channels=[(channel(n), f"Channel {n} of the trust's team") for n in range(channels)],
        people=[(person(n), f"Person Number {n} With A Longer Name") for n in range(people)]
        + [(c, f"Chair {c}") for c in CHAIRS],
    )


def inputs(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if str(node.get("type", "")).startswith("Input."):
                found[node["id"]] = node
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card)
    return found


def test_eight_rows_and_a_big_team_fit_in_teams_28_kb() -> None:
    card = render_setup_form(TeamsText(), form(), big_team())
    assert card_bytes(card) <= MAX_CARD_BYTES
    assert card_problems(card) == []
    assert card["version"] == "1.5"
    found = inputs(card)
    for n in range(MAX_SUBGROUPS):
        assert found[subgroup_field(n, "name")]["value"].startswith("Sub-group number")
        assert found[subgroup_field(n, "channel")]["value"] == channel(n)
    for d in range(1, DOMAINS + 1):
        assert found[domain_field(d)]["value"] == str(d)
    chairs = found["chairs"]
    offered = [c["value"] for c in chairs["choices"]]
    assert offered[:2] == list(CHAIRS)  # the chairs are never cut
    assert 60 <= len(offered) < 2002, len(offered)
    assert chairs["value"] == ",".join(CHAIRS) and chairs["isMultiSelect"] is True
    assert "more people in the team are not offered" in str(card)
    offered_channels = {c["value"] for c in found["subgroup_7_channel"]["choices"]}
    assert {channel(n) for n in range(MAX_SUBGROUPS)} <= offered_channels
    [save] = card["actions"]
    assert save["type"] == "Action.Execute" and save["verb"] == codec.SETUP_SAVE
    assert save["data"]["based_on"] == 3
    assert save["data"]["rows"] == [f"group-{n}" for n in range(MAX_SUBGROUPS)]


def test_a_team_with_many_channels_keeps_the_chosen_ones_and_says_how_to_add_others() -> None:
    card = render_setup_form(TeamsText(), form(), big_team(people=30, channels=200))
    assert card_bytes(card) <= MAX_CARD_BYTES
    found = inputs(card)
    offered = {c["value"] for c in found["board_channel"]["choices"]}
    assert {channel(n) for n in range(MAX_SUBGROUPS)} <= offered
    assert len(offered) < 200
    assert "more channels of the team are not offered" in str(card)
    assert "use this channel for" in str(card)
    assert len(found["chairs"]["choices"]) == 32  # a small team's people all fit


def test_a_small_team_is_listed_whole() -> None:
    card = render_setup_form(TeamsText(), form(), big_team(people=20, channels=5))
    assert len(inputs(card)["chairs"]["choices"]) == 22
    assert "not offered" not in str(card)


def test_problems_show_under_their_field_in_attention_colour_and_member_text_is_inert() -> None:
    view = form(problems={subgroup_field(2, "name"): "Two sub-groups are called **<at>X</at>**."})
    card = render_setup_form(TeamsText(), view, big_team(people=3, channels=2))
    column = card["body"]
    text = str(column)
    assert "Nothing was saved" in text
    assert "∗∗‹at›X‹/at›∗∗" in text and "<at>X</at>" not in text
    assert card_problems(card) == []


def test_a_channel_name_is_escaped_and_a_value_typed_stays_as_typed() -> None:
    rows = (SubgroupRow("a", "*Stars* & <b>", channel(1)),)
    view = form(values=SetupValues(**{**form().values.__dict__, "subgroups": rows}))
    team = Pickable([(channel(1), "[link](http://x)")], [("p", "P")])
    card = render_setup_form(TeamsText(), view, team)
    found = inputs(card)
    assert found[subgroup_field(0, "name")]["value"] == "*Stars* & <b>"
    titles = [c["title"] for c in found["board_channel"]["choices"]]
    assert "［link］(http:∕∕x)" in titles


def test_save_is_decoded_only_as_the_card_made_it() -> None:
    data = codec.encode_setup(4, ("board", None))
    typed = {**data, "board_name": "B", "subgroup_1_channel": "19:x", "domain_12": "1"}
    click = codec.decode_setup(codec.SETUP_SAVE, typed)
    assert click is not None and click.based_on == 4 and click.rows == ("board", None)
    assert click.inputs == {"board_name": "B", "subgroup_1_channel": "19:x", "domain_12": "1"}
    for bad in (
        {**typed, "admin": "yes"},  # an input the form has not
        {**typed, "subgroup_9_name": "x"},  # a row past the last
        {**typed, "based_on": -1},
        {**typed, "based_on": True},
        {**typed, "rows": ["x"] * (MAX_SUBGROUPS + 1)},
        {**typed, "board_name": 5},
        {**typed, "codec": 99},
    ):
        assert codec.decode_setup(codec.SETUP_SAVE, bad) is None, bad
    assert codec.decode_setup("vote", typed) is None

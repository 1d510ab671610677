"""Set-up from inside Teams, offline: a new board goes from installing the app to its first round
without any file (no app.yaml); the form's problems, two chairs at once, a refusal, the
use-this-channel shortcut and what is in force in words."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from bot.services.setup import CHANGED_MEANWHILE
from tests.connector import ConnectorDouble, Message, TeamsUser
from tests.connector.cards import submitted_data
from tests.connector.records import ADAPTIVE_CARD
from tests.teams.harness import (
    BOARD,
    BOARD_MEMBERS,
    CHAIR,
    OUTSIDER,
    PARTICIPATION,
    VOTERS,
    WORKFORCE,
    RunningTeamsApp,
    running_teams_app,
)

SAVE = "Save settings"
SECOND_CHAIR = BOARD_MEMBERS[0]


@pytest.fixture
def new_board(
    database_url: str, double: ConnectorDouble, tmp_path: Path
) -> Iterator[RunningTeamsApp]:
    """The app started with no app.yaml, installed in the team: nothing set up yet."""
    with running_teams_app(database_url, double, tmp_path, with_file=False) as running:
        yield running


def open_form(app: RunningTeamsApp, user: TeamsUser = CHAIR, channel: str = BOARD) -> Message:
    """``@Assess setup`` in ``channel``: the form's card, posted in the mention's thread."""
    before = len(app.double.find_cards("Board set-up", conversation_id=channel))
    app.command("setup", user, channel)
    found = app.wait_for(
        lambda: (
            (cards := app.double.find_cards("Board set-up", conversation_id=channel))[before:]
            and cards[-1]
        ),
        "the set-up card",
    )
    assert isinstance(found, Message)
    return found


def save(app: RunningTeamsApp, card: Message, user: TeamsUser, **typed: str) -> Any:
    """Save on the form, with ``typed`` in its inputs: the invoke response (its type, value)."""
    answer = app.client.click(user, card, SAVE, typed)
    assert answer.status == 200, (answer.status, answer.body)
    assert answer.json["statusCode"] == 200
    return answer.json


def version(app: RunningTeamsApp) -> int:
    app.application.in_force.refresh()
    return app.application.in_force.number


def card_texts(card: dict[str, Any]) -> list[str]:
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "TextBlock":
                found.append(str(node.get("text")))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card)
    return found


def problem_under(card: dict[str, Any], input_id: str) -> str | None:
    """The attention TextBlock right after the input ``input_id`` (where a problem shows)."""

    def walk(items: Any) -> str | None:
        if isinstance(items, dict):
            return walk(list(items.values()))
        if not isinstance(items, list):
            return None
        for index, item in enumerate(items):
            if isinstance(item, dict) and item.get("id") == input_id:
                after = items[index + 1] if index + 1 < len(items) else None
                if isinstance(after, dict) and after.get("color") == "attention":
                    return str(after["text"])
                return None
            inner = walk(item)
            if inner is not None:
                return inner
        return None

    return walk(card["body"])


def first_setup(app: RunningTeamsApp) -> dict[str, Any]:
    """The chair's first set-up: the board in BOARD, Participation grading domain 4, two
    chairs."""
    card = open_form(app)
    answer = save(
        app,
        card,
        CHAIR,
        board_name="Northshire Children's Trust",
        chairs=f"{CHAIR.aad_object_id},{SECOND_CHAIR.aad_object_id}",
        subgroup_1_name="Participation",
        subgroup_1_channel=PARTICIPATION,
        domain_4="1",
    )
    return dict(answer)


def test_a_new_board_from_install_to_its_first_round_without_a_file(
    new_board: RunningTeamsApp, double: ConnectorDouble
) -> None:
    app = new_board
    assert version(app) == 0
    app.command("domain 4")  # nothing set up: say so
    assert "isn't set up yet" in app.wait_private(CHAIR, "set up")

    card = open_form(app)
    assert card.card is not None
    texts = card_texts(card.card)
    assert any("first chair" in t for t in texts)
    inputs = {i["id"]: i for i in card.actions[0].inputs} if card.actions else {}
    assert inputs["board_channel"]["value"] == BOARD  # where the chair typed it
    channel_names = {c["title"] for c in inputs["board_channel"]["choices"]}
    assert {"Trust board", "Participation", "Workforce", "General"} <= channel_names
    people = {c["value"] for c in inputs["chairs"]["choices"]}
    assert {CHAIR.aad_object_id, OUTSIDER.aad_object_id, VOTERS[0].aad_object_id} <= people
    assert double.calls_to("fetch_channel_list")

    answer = first_setup(app)
    assert answer["type"] == ADAPTIVE_CARD
    said = " ".join(card_texts(answer["value"]))
    assert "you are its first chair" in said
    assert version(app) == 1
    config = app.application.in_force.config
    assert config.board.channel == BOARD
    assert list(config.board.chairs) == [CHAIR.aad_object_id, SECOND_CHAIR.aad_object_id]
    assert config.assignments[4] == "participation"
    assert config.subgroups["participation"].channel == PARTICIPATION

    app.command("domain 4")
    cards = app.wait_for_cards(PARTICIPATION, 4)
    assert sorted(cards) == ["4.1", "4.2", "4.3", "4.4"]
    assert "recorded" in app.vote(VOTERS[0], cards["4.1"], "3 Good")
    for card in cards.values():
        for voter in VOTERS:
            app.vote(voter, card, "3 Good")
    [summary] = app.wait_for(
        lambda: app.board_posts("Domain 4 graded by")[-1:], "the summary in the board channel"
    )
    assert "4 questions: 4 Good" in summary.words
    assert not double.rejections, double.rejections


def test_bad_input_is_shown_beside_its_field_and_nothing_is_saved(
    new_board: RunningTeamsApp,
) -> None:
    app = new_board
    first_setup(app)
    card = open_form(app)
    # a framework taken away since the card was drawn (Teams only sends what the card offers)
    data = submitted_data(card.action(SAVE), {"quorum": "150"})
    data["framework"] = "no-such-framework"
    sent = app.client.invoke(CHAIR, card.thread_conversation_id, card.id, "setup_save", data)
    answer = sent.json
    assert sent.status == 200 and answer["type"] == ADAPTIVE_CARD
    assert version(app) == 1
    problem = problem_under(answer["value"], "framework")
    assert problem is not None and "no such framework" in problem

    data = submitted_data(card.action(SAVE))
    data["board_channel"] = "19:made-up@thread.tacv2"  # no channel of the team
    sent = app.client.invoke(CHAIR, card.thread_conversation_id, card.id, "setup_save", data)
    unknown = problem_under(sent.json["value"], "board_channel")
    assert unknown is not None and "can't find this channel" in unknown

    answer = save(app, card, CHAIR, quorum="150", subgroup_2_name="Workforce")
    shown = answer["value"]
    quorum = problem_under(shown, "quorum")
    assert quorum is not None and "1 to 100" in quorum
    channel = problem_under(shown, "subgroup_2_channel")
    assert channel is not None and "Workforce" in channel
    assert any("Nothing was saved" in t for t in card_texts(shown))
    assert version(app) == 1


def test_two_chairs_at_once_the_second_is_told_and_sees_the_new_settings(
    new_board: RunningTeamsApp,
) -> None:
    app = new_board
    first_setup(app)
    mine = open_form(app)
    theirs = open_form(app, SECOND_CHAIR)
    saved = save(app, mine, CHAIR, board_name="Renamed by the first chair")
    assert "Settings saved (version 2)" in " ".join(card_texts(saved["value"]))
    late = save(app, theirs, SECOND_CHAIR, board_name="Renamed by the second chair")
    texts = card_texts(late["value"])
    assert any(CHANGED_MEANWHILE.split(",")[0] in t for t in texts)
    inputs = [e for e in _inputs(late["value"]) if e.get("id") == "board_name"]
    assert inputs[0]["value"] == "Renamed by the first chair"
    assert version(app) == 2
    assert app.application.in_force.config.board.name == "Renamed by the first chair"


def _inputs(card: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if str(node.get("type", "")).startswith("Input."):
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card)
    return found


def test_only_chairs_can_save(new_board: RunningTeamsApp) -> None:
    app = new_board
    first_setup(app)
    card = open_form(app)
    refused = save(app, card, BOARD_MEMBERS[1], board_name="Taken over")
    assert refused["type"] == "application/vnd.microsoft.activity.message"
    assert refused["value"].startswith("⛔") and "Only the board's chairs" in refused["value"]
    assert version(app) == 1
    app.command("setup", BOARD_MEMBERS[1])  # and the form is not even shown to them
    assert "Only the board's chairs" in app.wait_private(BOARD_MEMBERS[1], "chairs")


def test_use_this_channel_and_setup_show(new_board: RunningTeamsApp) -> None:
    app = new_board
    first_setup(app)
    app.double.add_members(WORKFORCE, [CHAIR])
    app.command("use this channel for workforce", channel=WORKFORCE)
    said = app.wait_private(CHAIR, "This channel is now")
    assert "Workforce" in said and "version 2" in said
    assert app.application.in_force.config.subgroups["workforce"].channel == WORKFORCE

    app.command("setup show")
    shown = app.wait_private(CHAIR, "Settings in force")
    assert "Northshire Children" in shown
    assert "Trust board" in shown  # the board's channel by its name in Teams
    assert "Workforce" in shown and "Participation" in shown
    assert "19:" not in shown  # names, not ids
    assert SECOND_CHAIR.name in shown


def test_when_teams_will_not_list_the_channels_the_form_offers_those_the_app_has_seen(
    new_board: RunningTeamsApp, double: ConnectorDouble
) -> None:
    app = new_board
    double.fail(1000, 503, operation="fetch_channel_list")
    card = open_form(app)
    assert card.card is not None
    assert any("Teams did not list" in t for t in card_texts(card.card))
    [channel] = [i for i in _inputs(card.card) if i["id"] == "board_channel"]
    choices = {c["value"]: c["title"] for c in channel["choices"]}
    assert choices[BOARD] == "This channel" and choices[double.team_id] == "General"
    assert PARTICIPATION not in choices  # never seen: not offered
    answer = save(app, card, CHAIR, board_name="Trust")
    assert "first chair" in " ".join(card_texts(answer["value"]))
    double.add_members(PARTICIPATION, [CHAIR])
    app.command("use this channel for participation", channel=PARTICIPATION)
    assert "version 2" in app.wait_private(CHAIR, "This channel is now")
    assert app.application.in_force.config.subgroups["participation"].channel == PARTICIPATION


def test_setup_in_a_personal_chat_points_to_the_channel(new_board: RunningTeamsApp) -> None:
    app = new_board
    app.say("setup")
    assert "in the board's channel" in app.wait_private(CHAIR, "to open the form")
    first_setup(app)
    app.say("use this channel for participation")
    assert "channel the sub-group meets in" in app.wait_private(CHAIR, "Use this in")
    assert version(app) == 1


def test_setup_show_names_channels_as_teams_does(teams_app: RunningTeamsApp) -> None:
    teams_app.command("setup show")
    shown = teams_app.wait_private(CHAIR, "Settings in force")
    assert "in Trust board" in shown  # the board's channel's name in Teams
    assert "saved by a file" in shown
    assert "Participation Sub-Group in Participation: domains 4" in shown


def test_two_saves_at_the_same_moment_store_one_version(new_board: RunningTeamsApp) -> None:
    app = new_board
    first_setup(app)
    mine, theirs = open_form(app), open_form(app, SECOND_CHAIR)
    with ThreadPoolExecutor(2) as pool:
        answers = list(
            pool.map(
                lambda click: save(app, click[0], click[1], board_name=click[1].name),
                [(mine, CHAIR), (theirs, SECOND_CHAIR)],
            )
        )
    said = [" ".join(card_texts(a["value"])) for a in answers]
    saved = [s for s in said if "Settings saved (version 2)" in s]
    told = [s for s in said if CHANGED_MEANWHILE.split(",")[0] in s]
    assert len(saved) == 1 and len(told) == 1, said
    assert version(app) == 2
    assert app.application.in_force.config.board.name in (CHAIR.name, SECOND_CHAIR.name)

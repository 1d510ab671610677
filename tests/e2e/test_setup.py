"""Set-up from inside Slack (issue 13), played as a chair would: the app starts with its two
secrets and no app.yaml, a chair runs `/assess setup`, fills the modal and saves, and the board
runs its first round; bad input is shown beside its field with nothing saved; two chairs saving
at once; a person who is not a chair; `/assess setup show`."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.harness import (
    BOARD,
    CHAIR,
    PARTICIPATION,
    JsonDict,
    RunningApp,
    block_text,
    populate,
    running_app,
    wait_for_cards,
)
from tests.emulator import AppResponse, SlackEmulator

SECOND_CHAIR = "U0BRD001"
NEW_PUBLIC = "C0NEWPUB1"  # a public channel the app has not joined yet
PRIVATE = "C0PRIV0001"  # a private channel the app is not in
VOTERS = ["U0PART001", "U0PART002", "U0PART003"]


@pytest.fixture
def fresh(database_url: str, tmp_path: Path) -> Iterator[RunningApp]:
    """The app on a workspace where nothing is set up: no app.yaml, an empty database."""
    with SlackEmulator() as slack:
        populate(slack)
        slack.add_channel(NEW_PUBLIC, "youth-voice", members=VOTERS, bot_member=False)
        slack.add_channel(
            PRIVATE, "secret-group", members=VOTERS, bot_member=False, is_private=True
        )
        with running_app(database_url, slack, tmp_path, config_file=False) as app:
            yield app


def open_setup(app: RunningApp, user: str = CHAIR, channel: str = BOARD) -> JsonDict:
    """Type `/assess setup`; return the modal that opens."""
    before = len(app.emulator.views_opened)
    response = app.sender.slash_command(user, channel, "setup")
    assert response.status == 200, response.body
    return app.emulator.wait_for(lambda: app.emulator.views_opened[before:], message="a modal")[-1]


def submit(
    app: RunningApp, view: JsonDict, values: dict[str, Any], user: str = CHAIR
) -> AppResponse:
    """Submit the set-up modal as it is now (what was typed before kept, as Slack keeps it)
    with ``values`` (field name → value) typed too."""
    view = app.emulator.view(view["id"]) or view
    typed = {name: {element(view, name)["action_id"]: v} for name, v in values.items()}
    response = app.sender.submit_view(user, view, typed)
    assert response.status == 200, response.body
    assert response.problems == [], response.problems
    return response


def version(app: RunningApp) -> int:
    with app.application.facilitator.uow_factory() as uow:
        return uow.configs.newest_number()


def element(view: JsonDict, block_id: str) -> JsonDict:
    block = next(b for b in view["blocks"] if b.get("block_id") == block_id)
    return dict(block["element"])


def set_up_board(app: RunningApp, **more: Any) -> None:
    """The first chair's set-up: Participation votes in a new public channel on domain 4."""
    view = open_setup(app)
    values = {
        "board_name": "Test Children's Trust",
        "subgroup_1_name": "Participation Sub-Group",
        "subgroup_1_channel": NEW_PUBLIC,
        "domain_4": "1",
        **more,
    }
    response = submit(app, view, values)
    assert response.body.strip() == "", response.body  # closed: saved
    assert version(app) == 1


def chair_note(app: RunningApp, saying: str, user: str = CHAIR) -> str:
    """Wait for the private note to ``user`` that says ``saying``; return it."""

    def said() -> str:
        notes = [str(n.get("text", "")) for n in app.emulator.ephemerals(user=user)]
        return next((note for note in notes if saying in note), "")

    return app.emulator.wait_for(said, message=f"a note saying {saying!r}")


def test_a_new_board_goes_from_install_to_its_first_round_without_a_file(
    fresh: RunningApp,
) -> None:
    app, slack = fresh, fresh.emulator
    assert "isn't set up yet" in app.command("domain 4")
    assert "isn't set up yet" in app.command("status", user="U0STRANGER")

    view = open_setup(app)
    assert "first chair" in block_text(view)
    assert element(view, "board_channel")["initial_conversation"] == BOARD
    assert element(view, "chairs")["initial_users"] == [CHAIR]
    assert element(view, "domain_4")["initial_option"]["value"] == "0"  # the board, until told
    assert len(slack.calls_to("conversations.join")) == 0  # opening the form joins nothing

    response = submit(
        app,
        view,
        {
            "board_name": "Test Children's Trust",
            "subgroup_1_name": "Participation Sub-Group",
            "subgroup_1_channel": NEW_PUBLIC,
            "domain_4": "1",
            "quorum": "60",
        },
    )
    assert response.body.strip() == ""  # the modal closes only once saved
    assert version(app) == 1
    assert "/assess domain 1" in chair_note(app, "you are its first chair")
    [join] = slack.calls_to("conversations.join")
    assert join.params["channel"] == NEW_PUBLIC
    config = app.application.in_force.config
    assert config.board.chairs == (CHAIR,) and config.board.channel == BOARD
    assert config.voting.quorum == 0.6
    assert config.subgroups[config.assignments[4]].channel == NEW_PUBLIC

    reply = app.command("domain 4")
    assert "Participation Sub-Group" in reply
    cards = wait_for_cards(slack, NEW_PUBLIC, 4)
    assert sorted(cards) == ["4.1", "4.2", "4.3", "4.4"]
    assert "recorded" in app.vote("U0PART001", cards["4.1"], "3", channel=NEW_PUBLIC).lower()


def test_bad_input_is_shown_beside_its_field_and_nothing_is_saved(fresh: RunningApp) -> None:
    app = fresh
    set_up_board(app)
    view = open_setup(app)
    response = submit(
        app,
        view,
        {
            "quorum": "150",  # out of range
            "subgroup_2_name": "Workforce",  # a name, no channel
            "domain_5": "3",  # an empty row
        },
    )
    errors = response.json["errors"]
    assert response.json["response_action"] == "errors"
    assert set(errors) == {"quorum", "subgroup_2_channel", "domain_5"}, errors
    assert "1 to 100" in errors["quorum"]
    assert "Workforce" in errors["subgroup_2_channel"]
    assert "empty" in errors["domain_5"]
    assert version(app) == 1

    fixed = {"quorum": "60", "subgroup_2_name": "", "domain_5": "1"}
    response = submit(app, view, {**fixed, "subgroup_1_channel": PRIVATE})  # the same modal
    assert response.json["response_action"] == "errors"
    assert set(response.json["errors"]) == {"subgroup_1_channel"}
    assert "private" in response.json["errors"]["subgroup_1_channel"]
    assert version(app) == 1
    assert app.application.in_force.config.subgroups != {}
    assert all(s.channel != PRIVATE for s in app.application.in_force.config.subgroups.values())

    again = open_setup(app)  # what is in force is unchanged
    assert element(again, "subgroup_1_channel")["initial_conversation"] == NEW_PUBLIC


def test_a_private_channel_is_named_on_the_form_until_the_app_is_invited(
    fresh: RunningApp,
) -> None:
    app, slack = fresh, fresh.emulator
    set_up_board(app)
    slack.add_member(PRIVATE, slack.bot_user_id)  # invited
    view = open_setup(app)
    response = submit(app, view, {"subgroup_2_name": "Secret", "subgroup_2_channel": PRIVATE})
    assert response.body.strip() == ""
    assert version(app) == 2
    slack.remove_member(PRIVATE, slack.bot_user_id)  # removed again
    view = open_setup(app)  # at once; the channels to invite are asked of Slack after

    def invite_said() -> str:
        shown = block_text(slack.view(view["id"]) or {})
        return shown if "still needs to be added" in shown else ""

    assert "<#C0PRIV0001>" in slack.wait_for(invite_said, message="the channel to invite")
    assert [c.method for c in slack.calls_to("views.update")] == ["views.update"]


def test_the_second_of_two_chairs_saving_at_once_sees_the_new_settings(
    fresh: RunningApp,
) -> None:
    app = fresh
    set_up_board(app, chairs=[CHAIR, SECOND_CHAIR])
    first, second = open_setup(app), open_setup(app, user=SECOND_CHAIR)
    responses: dict[str, AppResponse] = {}

    def save(user: str, view: JsonDict, name: str) -> None:
        responses[user] = submit(app, view, {"board_name": name}, user=user)

    threads = [
        threading.Thread(target=save, args=(CHAIR, first, "First's name")),
        threading.Thread(target=save, args=(SECOND_CHAIR, second, "Second's name")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert version(app) == 2
    closed = [u for u, r in responses.items() if not r.body.strip()]
    updated = [u for u, r in responses.items() if r.body.strip()]
    assert len(closed) == 1 and len(updated) == 1, {u: r.body for u, r in responses.items()}
    answer = responses[updated[0]].json
    assert answer["response_action"] == "update"
    shown = block_text(answer["view"])
    assert "Another chair saved the settings" in shown
    saved_name = app.application.in_force.config.board.name
    assert element(answer["view"], "board_name")["initial_value"] == saved_name
    # Slack keeps what was typed only where block_id and action_id stay: these do not
    assert (
        element(answer["view"], "board_name")["action_id"]
        != element(first, "board_name")["action_id"]
    )
    assert "/assess setup show" in chair_note(app, "saved (version 2)", closed[0])

    shown_to = {CHAIR: first, SECOND_CHAIR: second}[updated[0]]
    again = submit(app, shown_to, {}, user=updated[0])  # saved as it is now shown
    assert again.body.strip() == "" and version(app) == 3
    assert app.application.in_force.config.board.name == saved_name


def test_only_chairs_open_or_save_the_settings(fresh: RunningApp) -> None:
    app = fresh
    set_up_board(app, chairs=[CHAIR, SECOND_CHAIR])
    opened = len(app.emulator.views_opened)
    reply = app.command("setup", user="U0STRANGER")
    assert "Only the board's chairs" in reply and "<@U0CHAIR01>" in reply
    assert len(app.emulator.views_opened) == opened

    view = open_setup(app, user=SECOND_CHAIR)  # then the first chair removes the second
    removed = submit(app, open_setup(app), {"chairs": [CHAIR]})
    assert removed.body.strip() == "" and version(app) == 2
    refused = submit(app, view, {"board_name": "Mine now"}, user=SECOND_CHAIR)
    assert refused.json["response_action"] == "errors"
    assert "Only the board's chairs" in refused.json["errors"]["board_name"]
    assert version(app) == 2 and app.application.in_force.config.board.name != "Mine now"


def test_setup_show_says_what_is_in_force_by_name_and_a_channel_shortcut(
    fresh: RunningApp,
) -> None:
    app = fresh
    set_up_board(app)
    shown = app.command("setup show")
    assert "*Settings in force* (version 1, saved by <@U0CHAIR01>" in shown
    assert "Test Children's Trust" in shown and f"<#{BOARD}>" in shown
    assert "Participation Sub-Group" in shown and f"<#{NEW_PUBLIC}>" in shown
    assert "<@U0CHAIR01>" in shown

    reply = app.command("use this channel for participation", channel=PARTICIPATION)
    assert "version 2" in reply
    subgroups = app.application.in_force.config.subgroups
    assert any(s.channel == PARTICIPATION for s in subgroups.values())
    direct = app.command("use this channel for youth", channel="D0DIRECT1")
    assert "not in a chat with me" in direct
    assert version(app) == 2


def test_a_stale_form_is_refused_beside_a_field(fresh: RunningApp) -> None:
    app = fresh
    set_up_board(app)
    view = open_setup(app)
    view["private_metadata"] = "tampered"
    response = app.sender.submit_view(CHAIR, view, {})
    assert response.json["response_action"] == "errors"
    assert "out of date" in response.json["errors"]["board_name"]
    assert version(app) == 1


def test_a_save_that_fails_keeps_the_modal_open(
    fresh: RunningApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = fresh
    view = open_setup(app)

    def unavailable(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the database is unavailable")

    monkeypatch.setattr(app.application.in_force, "save", unavailable)
    action = element(view, "board_name")["action_id"]
    response = app.sender.submit_view(CHAIR, view, {"board_name": {action: "Trust"}})
    assert response.status == 500  # Slack keeps the modal open and says it could not submit
    assert [v["id"] for v in app.emulator.view_stack(CHAIR)] == [view["id"]]
    assert version(app) == 0 and app.emulator.ephemerals(user=CHAIR) == []


def test_the_home_tab_before_set_up_points_to_it(fresh: RunningApp) -> None:
    app = fresh
    assert app.sender.app_home_opened(CHAIR).status == 200
    home = app.emulator.wait_for(lambda: app.emulator.home_views.get(CHAIR), message="Home")
    assert home is not None and home["type"] == "home"

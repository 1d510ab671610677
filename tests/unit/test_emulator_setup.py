"""The emulator's side of set-up, as Slack does it: conversations.join (public channels only),
modal inputs submitted with their initial values when left alone, and initial values checked."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.emulator import SlackEmulator, validate_view
from tests.emulator.view_state import build_state

ALICE = "U0ALICE01"


@pytest.fixture
def slack() -> Iterator[SlackEmulator]:
    with SlackEmulator() as emulator:
        emulator.add_user(ALICE, "alice")
        emulator.add_channel("C0OPEN001", "open", members=[ALICE], bot_member=False)
        emulator.add_channel("C0PRIV001", "closed", [ALICE], bot_member=False, is_private=True)
        emulator.add_channel("C0PRIV002", "ours", members=[ALICE], is_private=True)
        yield emulator


@pytest.fixture
def client(slack: SlackEmulator) -> WebClient:
    return WebClient(token=slack.token, base_url=slack.api_url)


def error_of(call: Any) -> str:
    with pytest.raises(SlackApiError) as raised:
        call()
    return str(raised.value.response["error"])


def test_join_adds_the_app_to_a_public_channel_once(
    slack: SlackEmulator, client: WebClient
) -> None:
    info = client.conversations_info(channel="C0OPEN001")["channel"]
    assert info["is_member"] is False and info["is_private"] is False
    joined = client.conversations_join(channel="C0OPEN001")
    assert joined["channel"]["is_member"] is True and "warning" not in joined.data
    again = client.conversations_join(channel="C0OPEN001")
    assert again["warning"] == "already_in_channel"
    channel = slack.channel("C0OPEN001")
    assert channel is not None and channel["members"].count(slack.bot_user_id) == 1


def test_a_private_channel_the_app_is_not_in_cannot_be_seen_or_joined(
    client: WebClient,
) -> None:
    assert error_of(lambda: client.conversations_info(channel="C0PRIV001")) == "channel_not_found"
    assert error_of(lambda: client.conversations_join(channel="C0PRIV001")) == "channel_not_found"
    assert client.conversations_join(channel="C0PRIV002")["warning"] == "already_in_channel"
    dm = client.conversations_open(users=ALICE)["channel"]["id"]
    assert (
        error_of(lambda: client.conversations_join(channel=dm))
        == "method_not_supported_for_channel_type"
    )


def setup_like_modal() -> dict[str, Any]:
    option = {"text": {"type": "plain_text", "text": "Row 1"}, "value": "0"}
    other = {"text": {"type": "plain_text", "text": "Row 2"}, "value": "1"}
    return {
        "type": "modal",
        "callback_id": "setup",
        "title": {"type": "plain_text", "text": "Set-up"},
        "submit": {"type": "plain_text", "text": "Save"},
        "blocks": [
            {
                "type": "input",
                "block_id": "name",
                "label": {"type": "plain_text", "text": "Name"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": "name",
                    "initial_value": "Board",
                },
            },
            {
                "type": "input",
                "block_id": "channel",
                "label": {"type": "plain_text", "text": "Channel"},
                "element": {
                    "type": "conversations_select",
                    "action_id": "channel",
                    "initial_conversation": "C0OPEN001",
                    "filter": {"include": ["public", "private"], "exclude_bot_users": True},
                },
            },
            {
                "type": "input",
                "block_id": "chairs",
                "label": {"type": "plain_text", "text": "Chairs"},
                "element": {
                    "type": "multi_users_select",
                    "action_id": "chairs",
                    "initial_users": [ALICE],
                },
            },
            {
                "type": "input",
                "block_id": "row",
                "label": {"type": "plain_text", "text": "Row"},
                "element": {
                    "type": "static_select",
                    "action_id": "row",
                    "options": [option, other],
                    "initial_option": other,
                },
            },
            {
                "type": "input",
                "block_id": "spare",
                "optional": True,
                "label": {"type": "plain_text", "text": "Spare channel"},
                "element": {"type": "conversations_select", "action_id": "spare"},
            },
        ],
    }


def test_inputs_left_alone_are_submitted_with_their_initial_values() -> None:
    view = setup_like_modal()
    assert validate_view(view) == []
    state = build_state(view, {"name": {"name": "Trust"}})
    assert state["name"]["name"] == {"type": "plain_text_input", "value": "Trust"}
    assert state["channel"]["channel"]["selected_conversation"] == "C0OPEN001"
    assert state["chairs"]["chairs"]["selected_users"] == [ALICE]
    assert state["row"]["row"]["selected_option"]["value"] == "1"
    assert state["spare"]["spare"] == {
        "type": "conversations_select",
        "selected_conversation": None,
    }


def test_initial_values_must_be_what_the_element_offers() -> None:
    view = setup_like_modal()
    blocks = view["blocks"]
    blocks[3]["element"]["initial_option"] = {
        "text": {"type": "plain_text", "text": "Row 9"},
        "value": "8",
    }
    blocks[2]["element"]["initial_users"] = "U0ALICE01"
    blocks[1]["element"]["filter"] = {"include": ["everything"]}
    problems = "\n".join(validate_view(view))
    assert "initial_option" in problems
    assert "initial_users" in problems
    assert "filter/include" in problems


def test_typed_input_is_kept_where_block_and_action_ids_stay(
    slack: SlackEmulator, client: WebClient
) -> None:
    trigger = slack.issue_trigger_id(ALICE)
    view = client.views_open(trigger_id=trigger, view=setup_like_modal())["view"]
    typed = build_state(view, {"name": {"name": "Typed"}})
    errors = {"response_action": "errors", "errors": {"name": "Too short"}}
    assert slack.apply_view_submission_response(ALICE, view["id"], errors, typed) == []
    kept = slack.view(view["id"])
    assert kept is not None
    assert build_state(kept, {})["name"]["name"]["value"] == "Typed"  # still in the modal

    redrawn = setup_like_modal()
    redrawn["blocks"][0]["element"]["initial_value"] = "Newer"
    update = {"response_action": "update", "view": redrawn}
    assert slack.apply_view_submission_response(ALICE, view["id"], update, typed) == []
    same_ids = slack.view(view["id"])
    assert same_ids is not None
    assert build_state(same_ids, {})["name"]["name"]["value"] == "Typed"

    renamed = setup_like_modal()
    renamed["blocks"][0]["element"].update(action_id="name.v2", initial_value="Newer")
    update = {"response_action": "update", "view": renamed}
    assert slack.apply_view_submission_response(ALICE, view["id"], update, typed) == []
    new_ids = slack.view(view["id"])
    assert new_ids is not None
    assert build_state(new_ids, {})["name"]["name.v2"]["value"] == "Newer"

"""The set-up modal in Block Kit: within Slack's limits at its largest, every input keyed by its
field's name, read back into the same values when left alone; and the gateway's answers about
channels (ready, joined, to invite, unusable) against the emulator."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk.models.blocks import Block

from bot.ports import ChannelAccess
from bot.views.setup import (
    FIELD_AGREE_SHARE,
    FIELD_ANONYMOUS,
    FIELD_BOARD_CHANNEL,
    FIELD_BOARD_NAME,
    FIELD_CHAIRS,
    FIELD_DEADLINE,
    FIELD_FRAMEWORK,
    FIELD_MAX_SPREAD,
    FIELD_QUORUM,
    FIELD_REMIND_BEFORE,
    FIELD_REVOTE_DEADLINE,
    MAX_SUBGROUPS,
    DomainRow,
    SetupFormView,
    SetupValues,
    SubgroupRow,
    domain_field,
    subgroup_field,
)
from handlers.slack.codec import SetupFormRef, decode_setup_form, encode_setup_form
from handlers.slack.gateway import SlackGateway, make_web_client
from handlers.slack.listeners.setup import answer
from handlers.slack.payloads import SlashCommand, ViewSubmission, read_setup
from handlers.slack.setup_blocks import SETUP_CALLBACK, render_setup_modal
from tests.emulator import SlackEmulator, validate_view
from tests.emulator.view_state import build_state

LONG = "A sub-group whose name somebody typed at great length " * 4
DOMAINS = 7


def values(rows: int = MAX_SUBGROUPS, anonymous: bool = True) -> SetupValues:
    subgroups = tuple(
        SubgroupRow(f"{'k' * 38}{n:02d}", f"{n}: {LONG}"[:80], f"C{n:08d}") for n in range(rows)
    )
    return SetupValues(
        board_name="Board <!channel> *bold* " + "x" * 100,
        board_channel="C00000000",
        chairs=("U0CHAIR01", "U0CHAIR02"),
        subgroups=subgroups,
        assignments={n: (n - 1) % rows for n in range(1, DOMAINS + 1)},
        framework="are-we-there-yet-2008",
        deadline="7d",
        remind_before="1d",
        revote_deadline="2d",
        quorum="50",
        agree_share="67",
        max_spread="1",
        anonymous=anonymous,
    )


def form(**changes: Any) -> SetupFormView:
    shown = values(changes.pop("rows", MAX_SUBGROUPS), changes.pop("anonymous", True))
    domains = tuple(
        DomainRow(n, f"Domain {n}: " + "a very long title " * 10, shown.assignments[n])
        for n in range(1, DOMAINS + 1)
    )
    frameworks = (("are-we-there-yet-2008", "Are we there yet? " * 8), ("other", "Other"))
    return SetupFormView(
        based_on=changes.pop("based_on", 4),
        first_run=changes.pop("first_run", False),
        values=shown,
        domains=domains,
        frameworks=frameworks,
        **changes,
    )


def inputs(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}


def test_the_largest_form_is_within_slacks_limits_and_parses() -> None:
    view = render_setup_modal(
        form(
            first_run=True,
            notice="Another chair saved the settings after you opened this form.",
            problems={FIELD_QUORUM: "Use a percentage from 1 to 100."},
            needs_invite=("C00000001", "C00000002"),
        ),
        "C00000000",
    )
    assert validate_view(view) == []
    assert len(view["blocks"]) <= 100
    for block in view["blocks"]:
        assert Block.parse(block).to_dict() == block  # type: ignore[union-attr]
    assert len(view["private_metadata"]) <= 3000
    for block in inputs(view).values():
        assert len(block["label"]["text"]) <= 2000
        for option in block["element"].get("options", []):
            assert 1 <= len(option["text"]["text"]) <= 75


def test_every_field_is_an_input_named_after_it() -> None:
    view = render_setup_modal(form(), None)
    fields = {
        FIELD_BOARD_NAME,
        FIELD_BOARD_CHANNEL,
        FIELD_CHAIRS,
        FIELD_FRAMEWORK,
        FIELD_DEADLINE,
        FIELD_REMIND_BEFORE,
        FIELD_REVOTE_DEADLINE,
        FIELD_QUORUM,
        FIELD_AGREE_SHARE,
        FIELD_MAX_SPREAD,
        FIELD_ANONYMOUS,
        *(subgroup_field(n, part) for n in range(MAX_SUBGROUPS) for part in ("name", "channel")),
        *(domain_field(n) for n in range(1, DOMAINS + 1)),
    }
    shown = inputs(view)
    assert set(shown) == fields
    assert all(b["element"]["action_id"] == f"{name}.v4" for name, b in shown.items())
    assert view["callback_id"] == SETUP_CALLBACK
    assert shown[FIELD_BOARD_CHANNEL]["element"]["type"] == "conversations_select"
    assert shown[FIELD_CHAIRS]["element"]["type"] == "multi_users_select"
    assert shown[domain_field(1)]["element"]["type"] == "static_select"
    assert shown[subgroup_field(0, "name")].get("optional") is True
    assert shown[FIELD_BOARD_CHANNEL].get("optional") is False


def test_a_form_left_alone_reads_back_as_it_was_shown() -> None:
    shown = form(based_on=7, anonymous=False)
    view = render_setup_modal(shown, "C00000000")
    state = build_state(view, {})
    body = {"user": {"id": "U0CHAIR01"}, "view": {**view, "state": {"values": state}}}
    submission = ViewSubmission.model_validate(body)
    ref = decode_setup_form(submission.view.private_metadata)
    assert ref is not None and ref.channel_id == "C00000000"
    read = read_setup(submission, ref)
    assert read.based_on == 7
    assert read.values.subgroups == shown.values.subgroups
    assert read.values.assignments == shown.values.assignments
    assert read.values.chairs == shown.values.chairs
    assert read.values.anonymous is False
    assert read.values.board_name == shown.values.board_name
    assert read.values == shown.values


def test_a_changed_form_reads_the_changes() -> None:
    view = render_setup_modal(form(rows=3), None)
    typed: dict[str, Any] = {
        subgroup_field(2, "name"): "",
        subgroup_field(1, "channel"): "C0NEW0001",
        domain_field(3): "2",
        FIELD_CHAIRS: ["U1", "U2", "U1"],
        FIELD_QUORUM: "150",
    }
    state = build_state(view, {name: {f"{name}.v4": value} for name, value in typed.items()})
    body = {"user": {"id": "U1"}, "view": {**view, "state": {"values": state}}}
    submission = ViewSubmission.model_validate(body)
    ref = decode_setup_form(view["private_metadata"])
    assert ref is not None and ref.channel_id is None
    read = read_setup(submission, ref).values
    assert read.subgroups[2].name == "" and read.subgroups[1].channel == "C0NEW0001"
    assert read.assignments[3] == 2 and read.chairs == ("U1", "U2") and read.quorum == "150"


def test_typed_names_are_text_in_plain_fields_and_escaped_in_mrkdwn() -> None:
    typed = "<!channel> *now*"
    shown = form(problems={FIELD_BOARD_NAME: f"Two sub-groups are called {typed}."})
    view = render_setup_modal(shown, None)
    board = inputs(view)[FIELD_BOARD_NAME]["element"]
    assert board["initial_value"].startswith("Board <!channel>")  # plain text: shown as typed
    problems = next(b for b in view["blocks"] if "Nothing was saved" in str(b))
    assert "<!channel>" not in problems["text"]["text"]
    assert "&lt;!channel&gt;" in problems["text"]["text"]
    options = inputs(view)[domain_field(1)]["element"]["options"]
    assert all(o["text"]["emoji"] is False for o in options)


@pytest.mark.parametrize(
    "metadata",
    ["", "tampered", "[1]", '{"f":"setup","v":-1,"k":[]}', '{"f":"setup","v":1,"k":[],"c":"x y"}'],
)
def test_a_form_reference_decodes_only_what_was_encoded(metadata: str) -> None:
    assert decode_setup_form(metadata) is None


def test_a_form_reference_round_trips() -> None:
    ref = SetupFormRef(3, ("board", None, "participation"), "C0BOARD01")
    assert decode_setup_form(encode_setup_form(ref)) == ref


def test_a_command_in_a_direct_chat_is_from_nowhere() -> None:
    assert SlashCommand(user_id="U1", channel_id="D0DM00001").where is None
    assert SlashCommand(user_id="U1", channel_id="C0BOARD01").where == "C0BOARD01"


def test_the_gateway_says_whether_the_app_can_post_and_joins_public_channels() -> None:
    with SlackEmulator() as slack:
        slack.add_user("U1", "alice")
        slack.add_channel("C0IN00001", "board", members=["U1"])
        slack.add_channel("C0OPEN001", "open", members=["U1"], bot_member=False)
        slack.add_channel("C0PRIV001", "closed", members=["U1"], bot_member=False, is_private=True)
        gateway = SlackGateway(make_web_client(slack.token, slack.api_url))
        assert gateway.prepare_channel("C0IN00001") is ChannelAccess.READY
        assert gateway.prepare_channel("C0OPEN001", join=False) is ChannelAccess.READY
        assert slack.calls_to("conversations.join") == []
        assert gateway.prepare_channel("C0OPEN001") is ChannelAccess.JOINED
        joined = slack.channel("C0OPEN001")
        assert joined is not None and slack.bot_user_id in joined["members"]
        assert gateway.prepare_channel("C0OPEN001") is ChannelAccess.READY
        assert gateway.prepare_channel("C0PRIV001") is ChannelAccess.INVITE
        dm = gateway.direct_conversation("U1")
        assert gateway.prepare_channel(dm) is ChannelAccess.UNKNOWN
        assert gateway.channel_names(["C0IN00001", "C0OPEN001", "C0PRIV001"]) == {
            "C0IN00001": "board",
            "C0OPEN001": "open",
        }
        slack.fail_next("conversations.info", status=500, times=10)
        assert gateway.prepare_channel("C0NEW0001") is ChannelAccess.UNKNOWN


def submitted(view: dict[str, Any]) -> ViewSubmission:
    state = build_state(view, {})
    return ViewSubmission.model_validate(
        {"user": {"id": "U1"}, "view": {**view, "state": {"values": state}}}
    )


def test_problems_beside_fields_when_the_modal_has_them_else_drawn_again() -> None:
    view = render_setup_modal(form(), "C00000000")
    beside = answer(
        form(problems={FIELD_QUORUM: "Use a percentage from 1 to 100."}), submitted(view), None
    )
    assert beside == {
        "response_action": "errors",
        "errors": {FIELD_QUORUM: "Use a percentage from 1 to 100."},
    }
    elsewhere = form(problems={domain_field(9): "Pick the sub-group that grades domain 9."})
    again = answer(elsewhere, submitted(view), "C00000000")
    assert again["response_action"] == "update" and validate_view(again["view"]) == []
    assert "grades domain 9" in str(again["view"]["blocks"][0])
    changed = answer(form(notice="Another chair saved the settings."), submitted(view), None)
    assert changed["response_action"] == "update"
    assert "Another chair saved" in str(changed["view"]["blocks"][0])

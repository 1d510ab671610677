"""Tests of the local Slack emulator (tests/emulator) through a real slack_sdk WebClient."""

from __future__ import annotations

import json
import re
import sys
import threading
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from slack_sdk.webhook import WebhookClient

_REPO_ROOT = str(Path(__file__).resolve().parents[2])
if _REPO_ROOT not in sys.path:  # `tests` is not an installed package
    sys.path.insert(0, _REPO_ROOT)

from tests.emulator import (  # noqa: E402
    BoltAppServer,
    ManualClock,
    SlackEmulator,
    SlackSender,
    validate_blocks,
    validate_view,
)

ALICE, BOB, CAROL = "U0ALICE01", "U0BOB0001", "U0CAROL01"
BOARD, OTHER = "C0BOARD01", "C0OTHER01"
SECRET = "test-signing-secret"
TS_RE = re.compile(r"^\d{10}\.\d{6}$")


def section(text: str, block_id: str | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "section", "text": {"type": "mrkdwn", "text": text}}
    if block_id is not None:
        block["block_id"] = block_id
    return block


def button_block(label: str, action_id: str = "rate", value: str = "3") -> dict[str, Any]:
    return {
        "type": "actions",
        "block_id": "rating",
        "elements": [
            {
                "type": "button",
                "action_id": action_id,
                "value": value,
                "text": {"type": "plain_text", "text": label},
            }
        ],
    }


def modal(title: str = "Assessment", **extra: Any) -> dict[str, Any]:
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": "assess_view",
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": "Save"},
        "private_metadata": "session-42",
        "blocks": [
            {
                "type": "input",
                "block_id": "evidence",
                "label": {"type": "plain_text", "text": "Evidence"},
                "element": {"type": "plain_text_input", "action_id": "text"},
            },
            {
                "type": "input",
                "block_id": "score",
                "label": {"type": "plain_text", "text": "Score"},
                "element": {
                    "type": "static_select",
                    "action_id": "pick",
                    "options": [
                        {"text": {"type": "plain_text", "text": str(n)}, "value": str(n)}
                        for n in range(1, 5)
                    ],
                },
            },
        ],
    }
    view.update(extra)
    return view


def api_error(exc: pytest.ExceptionInfo[SlackApiError]) -> str:
    return str(exc.value.response["error"])


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def slack(clock: ManualClock) -> Iterator[SlackEmulator]:
    with SlackEmulator(clock=clock) as emulator:
        emulator.add_user(ALICE, "alice")
        emulator.add_user(BOB, "bob", tz="America/New_York")
        emulator.add_user(CAROL, "carol")
        emulator.add_channel(BOARD, "trust-board", members=[ALICE, BOB])
        emulator.add_channel(OTHER, "elsewhere", members=[ALICE], bot_member=False)
        yield emulator


@pytest.fixture
def client(slack: SlackEmulator) -> WebClient:
    return WebClient(token=slack.token, base_url=slack.api_url)


# ------------------------------------------------------------------------------------------
# messages
# ------------------------------------------------------------------------------------------


def test_auth_test_names_the_bot(slack: SlackEmulator, client: WebClient) -> None:
    resp = client.auth_test()
    assert resp["user_id"] == "UBOT0001"
    assert resp["team_id"] == "T0TEAM001"
    assert resp["bot_id"] == slack.bot_id


def test_post_update_and_ephemeral(slack: SlackEmulator, client: WebClient) -> None:
    first = client.chat_postMessage(channel=BOARD, text="Question 1", blocks=[section("Q1")])
    second = client.chat_postMessage(channel=BOARD, text="Question 2")
    assert TS_RE.match(first["ts"]) and TS_RE.match(second["ts"])
    assert float(second["ts"]) > float(first["ts"])
    assert first["message"]["blocks"][0]["text"]["text"] == "Q1"
    assert first["message"]["user"] == slack.bot_user_id

    updated = client.chat_update(channel=BOARD, ts=first["ts"], text="Question 1 (closed)")
    assert updated["ts"] == first["ts"]

    messages = slack.messages(BOARD)
    assert [m["text"] for m in messages] == ["Question 1 (closed)", "Question 2"]
    assert messages[0]["blocks"] == [section("Q1")]  # blocks kept when not re-sent
    assert [v["text"] for v in messages[0]["versions"]] == ["Question 1"]
    assert messages[0]["edited"]["user"] == slack.bot_user_id

    eph = client.chat_postEphemeral(channel=BOARD, user=ALICE, text="Only you can see this")
    assert TS_RE.match(eph["message_ts"])
    assert [e["text"] for e in slack.ephemerals(user=ALICE)] == ["Only you can see this"]
    assert slack.ephemerals(user=BOB) == []

    with pytest.raises(SlackApiError) as exc:
        client.chat_postEphemeral(channel=BOARD, user=CAROL, text="not a member")
    assert api_error(exc) == "user_not_in_channel"

    with pytest.raises(SlackApiError) as exc:
        client.chat_update(channel=BOARD, ts="1111111111.000001", text="nope")
    assert api_error(exc) == "message_not_found"


def test_threads_and_permalinks(slack: SlackEmulator, client: WebClient) -> None:
    root = client.chat_postMessage(channel=BOARD, text="Discuss theme 1")["ts"]
    human = slack.add_message(BOARD, ALICE, "I think we're at level 2", thread_ts=root)
    reply = client.chat_postMessage(channel=BOARD, text="Noted", thread_ts=root)
    assert reply["message"]["thread_ts"] == root

    thread = slack.thread(BOARD, root)
    assert [m["ts"] for m in thread] == [root, human, reply["ts"]]
    assert slack.message_payload(BOARD, root)["reply_count"] == 2  # type: ignore[index]
    assert [m["ts"] for m in slack.messages(BOARD, top_level_only=True)] == [root]

    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel=BOARD, text="x", thread_ts="1234567890.123456")
    assert api_error(exc) == "thread_not_found"

    with pytest.raises(SlackApiError) as exc:
        client.chat_update(channel=BOARD, ts=human, text="edit someone else's message")
    assert api_error(exc) == "cant_update_message"

    link = client.chat_getPermalink(channel=BOARD, message_ts=reply["ts"])["permalink"]
    assert link.startswith(f"https://emulated.slack.com/archives/{BOARD}/p")
    assert f"thread_ts={root}" in link


def test_unknown_channel_is_refused_and_recorded(slack: SlackEmulator, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C0NOPE0001", text="hello")
    assert api_error(exc) == "channel_not_found"
    assert exc.value.response.status_code == 200
    [call] = slack.calls_to("chat.postMessage")
    assert not call.ok and call.error == "channel_not_found"
    assert call.params["channel"] == "C0NOPE0001"


def test_not_in_channel(slack: SlackEmulator, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel=OTHER, text="hello")
    assert api_error(exc) == "not_in_channel"
    assert slack.messages(OTHER) == []


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_no_text(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel=BOARD)
    assert api_error(exc) == "no_text"


def test_bad_and_missing_token(slack: SlackEmulator) -> None:
    with pytest.raises(SlackApiError) as exc:
        WebClient(token="xoxb-wrong", base_url=slack.api_url).chat_postMessage(
            channel=BOARD, text="hi"
        )
    assert api_error(exc) == "invalid_auth"
    with pytest.raises(SlackApiError) as exc:
        WebClient(base_url=slack.api_url).auth_test()
    assert api_error(exc) == "not_authed"
    assert slack.messages(BOARD) == []


def test_unknown_method(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as exc:
        client.api_call("chat.teleport")
    assert api_error(exc) == "unknown_method"


def test_form_encoded_bodies_are_parsed(slack: SlackEmulator, client: WebClient) -> None:
    # slack_sdk sends some methods form-encoded, with blocks as a JSON string
    resp = client.api_call(
        "chat.postMessage",
        params={"channel": BOARD, "text": "form", "blocks": json.dumps([section("from a form")])},
    )
    assert resp["ok"]
    [message] = slack.messages(BOARD)
    assert message["blocks"][0]["text"]["text"] == "from a form"


# ------------------------------------------------------------------------------------------
# Block Kit
# ------------------------------------------------------------------------------------------


def test_more_than_50_blocks_refused(slack: SlackEmulator, client: WebClient) -> None:
    client.chat_postMessage(channel=BOARD, text="ok", blocks=[{"type": "divider"}] * 50)
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel=BOARD, text="too many", blocks=[{"type": "divider"}] * 51)
    assert api_error(exc) == "invalid_blocks"
    assert any("no more than 50" in e for e in exc.value.response["errors"])
    assert len(slack.messages(BOARD)) == 1


def test_3001_char_section_refused(client: WebClient) -> None:
    client.chat_postMessage(channel=BOARD, text="ok", blocks=[section("x" * 3000)])
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel=BOARD, text="long", blocks=[section("x" * 3001)])
    assert api_error(exc) == "invalid_blocks"
    [reason] = exc.value.response["errors"]
    assert "3000" in reason and "/blocks/0/text/text" in reason


def test_76_char_button_label_refused(slack: SlackEmulator, client: WebClient) -> None:
    client.chat_postMessage(channel=BOARD, text="ok", blocks=[button_block("b" * 75)])
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel=BOARD, text="bad", blocks=[button_block("b" * 76)])
    assert api_error(exc) == "invalid_blocks"
    assert "/blocks/0/elements/0/text/text" in exc.value.response["errors"][0]
    with pytest.raises(SlackApiError) as exc:
        client.chat_update(
            channel=BOARD,
            ts=slack.messages(BOARD)[0]["ts"],
            text="bad",
            blocks=[button_block("b" * 76)],
        )
    assert api_error(exc) == "invalid_blocks"


def test_top_level_text_limit(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel=BOARD, text="t" * 40_001)
    assert api_error(exc) == "msg_too_long"


def test_validate_blocks_directly() -> None:
    assert validate_blocks([section("fine"), {"type": "divider"}]) == []
    assert validate_blocks("not a list") == ["blocks must be an array [json-pointer:/blocks]"]
    assert validate_blocks([{"type": "divider"}] * 100, "modal") == []
    assert validate_blocks([{"type": "divider"}] * 101, "home") != []

    header = {"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}
    assert "/blocks/0/text/text" in validate_blocks([header])[0]
    mrkdwn_header = {"type": "header", "text": {"type": "mrkdwn", "text": "h"}}
    assert "must be plain_text" in validate_blocks([mrkdwn_header])[0]

    context = {"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 11}
    assert "at most 10" in validate_blocks([context])[0]

    fields = {"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11}
    assert "at most 10" in validate_blocks([fields])[0]
    long_field = {"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2001}]}
    assert "/blocks/0/fields/0/text" in validate_blocks([long_field])[0]

    dupes = validate_blocks([section("a", "same"), section("b", "same")])
    assert len(dupes) == 1 and "already used" in dupes[0]
    assert "255" in validate_blocks([section("a", "b" * 256)])[0]

    empty_text = validate_blocks([{"type": "section", "text": {"type": "mrkdwn", "text": ""}}])
    assert "more than 0 characters" in empty_text[0]
    bad_type = validate_blocks([{"type": "section", "text": {"type": "markdown", "text": "x"}}])
    assert "plain_text or mrkdwn" in bad_type[0]

    actions = {
        "type": "actions",
        "elements": [button_block("x", action_id=f"a{i}")["elements"][0] for i in range(26)],
    }
    assert "at most 25" in validate_blocks([actions])[0]
    too_long_value = button_block("ok", value="v" * 2001)
    assert "/blocks/0/elements/0/value" in validate_blocks([too_long_value])[0]
    assert "unknown block type" in validate_blocks([{"type": "carousel"}])[0]


def test_validate_view_directly() -> None:
    assert validate_view(modal()) == []
    assert any("/view/title/text" in e for e in validate_view(modal("t" * 25)))
    no_submit = modal()
    del no_submit["submit"]
    assert any("submit is required" in e for e in validate_view(no_submit))
    assert any(
        "/view/private_metadata" in e for e in validate_view(modal(private_metadata="m" * 3001))
    )
    assert any("/view/callback_id" in e for e in validate_view(modal(callback_id="c" * 256)))
    no_label = modal()
    del no_label["blocks"][0]["label"]
    assert any("/view/blocks/0/label" in e for e in validate_view(no_label))
    no_element = modal()
    del no_element["blocks"][0]["element"]
    assert any("needs an element" in e for e in validate_view(no_element))
    assert validate_view({"type": "home", "blocks": [section("hi")]}, "home") == []


# ------------------------------------------------------------------------------------------
# views
# ------------------------------------------------------------------------------------------


def test_trigger_ids_expire_and_are_single_use(
    slack: SlackEmulator, client: WebClient, clock: ManualClock
) -> None:
    with pytest.raises(SlackApiError) as exc:
        client.views_open(trigger_id="123.456.not-issued", view=modal())
    assert api_error(exc) == "invalid_trigger_id"

    stale = slack.issue_trigger_id(ALICE)
    clock.advance(3.01)
    with pytest.raises(SlackApiError) as exc:
        client.views_open(trigger_id=stale, view=modal())
    assert api_error(exc) == "expired_trigger_id"

    fresh = slack.issue_trigger_id(ALICE)
    clock.advance(2.9)
    opened = client.views_open(trigger_id=fresh, view=modal())
    assert opened["view"]["id"].startswith("V")
    assert opened["view"]["callback_id"] == "assess_view"
    assert opened["view"]["private_metadata"] == "session-42"
    assert [v["id"] for v in slack.views_opened] == [opened["view"]["id"]]
    assert [v["id"] for v in slack.view_stack(ALICE)] == [opened["view"]["id"]]

    with pytest.raises(SlackApiError) as exc:
        client.views_open(trigger_id=fresh, view=modal())
    assert api_error(exc) == "exchanged_trigger_id"


def test_views_validation_update_push_and_publish(slack: SlackEmulator, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as exc:
        client.views_open(trigger_id=slack.issue_trigger_id(ALICE), view=modal("t" * 25))
    assert api_error(exc) == "invalid_arguments"
    assert any("/view/title/text" in e for e in exc.value.response["errors"])

    with pytest.raises(SlackApiError) as exc:
        too_big = modal(blocks=[{"type": "divider"}] * 101)
        client.views_open(trigger_id=slack.issue_trigger_id(ALICE), view=too_big)
    assert api_error(exc) == "invalid_arguments"

    view_id = client.views_open(trigger_id=slack.issue_trigger_id(ALICE), view=modal())["view"][
        "id"
    ]
    updated = client.views_update(view_id=view_id, view=modal("Assessment (2)"))
    assert updated["view"]["id"] == view_id
    assert slack.view(view_id)["title"]["text"] == "Assessment (2)"  # type: ignore[index]
    with pytest.raises(SlackApiError) as exc:
        client.views_update(view_id=view_id, hash="stale.hash", view=modal())
    assert api_error(exc) == "hash_conflict"

    pushed = client.views_push(trigger_id=slack.issue_trigger_id(ALICE), view=modal("Step 2"))
    assert pushed["view"]["previous_view_id"] == view_id
    assert len(slack.view_stack(ALICE)) == 2

    home = {"type": "home", "blocks": [section("Your assessments")]}
    client.views_publish(user_id=ALICE, view=home)
    assert slack.home_views[ALICE]["blocks"] == home["blocks"]
    with pytest.raises(SlackApiError) as exc:
        client.views_publish(user_id=ALICE, view={"type": "home", "blocks": [section("x" * 3001)]})
    assert api_error(exc) == "invalid_arguments"


# ------------------------------------------------------------------------------------------
# rate limits and failures
# ------------------------------------------------------------------------------------------


def test_chat_update_rate_limit(
    slack: SlackEmulator, client: WebClient, clock: ManualClock
) -> None:
    ts = client.chat_postMessage(channel=BOARD, text="v0")["ts"]
    for i in range(50):
        client.chat_update(channel=BOARD, ts=ts, text=f"v{i + 1}")
        clock.advance(0.5)
    with pytest.raises(SlackApiError) as exc:
        client.chat_update(channel=BOARD, ts=ts, text="v51")
    assert exc.value.response.status_code == 429
    assert api_error(exc) == "ratelimited"
    retry_after = int(exc.value.response.headers["Retry-After"])
    assert retry_after == 35  # the first update (t=0) leaves the 60 s window at t=60; now t=25
    assert slack.messages(BOARD)[0]["text"] == "v50"
    assert slack.calls_to("chat.update")[-1].status == 429

    clock.advance(retry_after)
    client.chat_update(channel=BOARD, ts=ts, text="v51")
    assert slack.messages(BOARD)[0]["text"] == "v51"


def test_post_message_burst_then_one_per_second(
    slack: SlackEmulator, client: WebClient, clock: ManualClock
) -> None:
    for i in range(20):
        client.chat_postMessage(channel=BOARD, text=f"m{i}")
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel=BOARD, text="one too many")
    assert exc.value.response.status_code == 429
    assert exc.value.response.headers["Retry-After"] == "1"
    client.chat_postMessage(channel=slack.dm_channel_id(ALICE), text="other channel is fine")

    clock.advance(1.0)
    client.chat_postMessage(channel=BOARD, text="after a second")
    assert len(slack.messages(BOARD)) == 21


def test_rate_limits_can_be_switched_off(slack: SlackEmulator, client: WebClient) -> None:
    slack.rate_limits = False
    for i in range(25):
        client.chat_postMessage(channel=BOARD, text=f"m{i}")
    assert len(slack.messages(BOARD)) == 25


def test_fail_next(slack: SlackEmulator, client: WebClient) -> None:
    slack.fail_next("chat.postMessage", status=500)
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel=BOARD, text="boom")
    assert exc.value.response.status_code == 500
    assert slack.messages(BOARD) == []
    client.chat_postMessage(channel=BOARD, text="recovered")
    assert [m["text"] for m in slack.messages(BOARD)] == ["recovered"]

    slack.fail_next("users.info", status=429, retry_after=7, times=2)
    for _ in range(2):
        with pytest.raises(SlackApiError) as exc:
            client.users_info(user=ALICE)
        assert exc.value.response.status_code == 429
        assert exc.value.response.headers["Retry-After"] == "7"
    assert client.users_info(user=ALICE)["user"]["name"] == "alice"

    slack.fail_next("chat.update", error="fatal_error")
    with pytest.raises(SlackApiError) as exc:
        client.chat_update(channel=BOARD, ts=slack.messages(BOARD)[0]["ts"], text="x")
    assert exc.value.response.status_code == 200
    assert api_error(exc) == "fatal_error"
    assert [c.status for c in slack.calls_to("users.info")] == [429, 429, 200]


# ------------------------------------------------------------------------------------------
# conversations and users
# ------------------------------------------------------------------------------------------


def test_conversations_members_paginates(slack: SlackEmulator, client: WebClient) -> None:
    extra = [f"U0EXTRA{i:02d}" for i in range(5)]
    for uid in extra:
        slack.add_user(uid, uid.lower())
    slack.add_channel("C0BIG0001", "big", members=[ALICE, BOB, CAROL, *extra])

    pages: list[list[str]] = []
    cursor: str | None = None
    while True:
        resp = client.conversations_members(channel="C0BIG0001", limit=3, cursor=cursor)
        pages.append(resp["members"])
        cursor = resp["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert [len(p) for p in pages] == [3, 3, 3]
    assert [m for page in pages for m in page] == [ALICE, BOB, CAROL, *extra, slack.bot_user_id]

    with pytest.raises(SlackApiError) as exc:
        client.conversations_members(channel="C0BIG0001", cursor="not-a-cursor")
    assert api_error(exc) == "invalid_cursor"


def test_conversations_open_info_and_users(slack: SlackEmulator, client: WebClient) -> None:
    dm = client.conversations_open(users=ALICE)["channel"]["id"]
    assert dm.startswith("D")
    again = client.conversations_open(users=[ALICE])
    assert again["channel"]["id"] == dm and again["already_open"] is True
    assert client.conversations_open(users=BOB)["channel"]["id"] != dm

    client.chat_postMessage(channel=dm, text="Your turn")
    assert slack.messages(dm)[0]["text"] == "Your turn"
    client.chat_postEphemeral(channel=dm, user=ALICE, text="just you")

    info = client.conversations_info(channel=BOARD)["channel"]
    assert info["name"] == "trust-board" and info["is_member"] is True
    assert client.conversations_info(channel=dm)["channel"]["user"] == ALICE

    bob = client.users_info(user=BOB)["user"]
    assert bob["tz"] == "America/New_York" and bob["tz_offset"] in (-18000, -14400)
    assert client.users_info(user=slack.bot_user_id)["user"]["is_bot"] is True
    with pytest.raises(SlackApiError) as exc:
        client.users_info(user="U0NOBODY1")
    assert api_error(exc) == "user_not_found"


# ------------------------------------------------------------------------------------------
# files
# ------------------------------------------------------------------------------------------


def test_file_upload_flow(slack: SlackEmulator, client: WebClient) -> None:
    root = client.chat_postMessage(channel=BOARD, text="Results thread")["ts"]
    content = b"theme,score\n1,3\n"
    resp = client.files_upload_v2(
        channel=BOARD,
        content=content,
        filename="results.csv",
        title="Board results",
        initial_comment="Here are the results",
        thread_ts=root,
    )
    assert resp["file"]["title"] == "Board results"

    [upload] = slack.uploaded_files
    assert upload.data == content and upload.completed
    assert upload.filename == "results.csv" and upload.title == "Board results"
    assert upload.initial_comment == "Here are the results" and upload.thread_ts == root
    assert upload.channels == [BOARD]

    reply = slack.message(BOARD, upload.message_ts[0])
    assert reply is not None
    assert reply["thread_ts"] == root and reply["text"] == "Here are the results"
    assert reply["files"][0]["id"] == upload.id


def test_file_upload_errors(slack: SlackEmulator, client: WebClient) -> None:
    url = client.files_getUploadURLExternal(filename="a.txt", length=3)
    assert url["upload_url"].startswith(slack.base_url + "/upload/")
    with pytest.raises(SlackApiError) as exc:  # never uploaded
        client.files_completeUploadExternal(files=[{"id": url["file_id"]}], channel_id=BOARD)
    assert api_error(exc) == "file_not_found"

    with urllib.request.urlopen(
        urllib.request.Request(url["upload_url"], data=b"abc", method="POST")
    ) as r:
        assert r.status == 200
    with pytest.raises(SlackApiError) as exc:
        client.files_completeUploadExternal(files=[{"id": url["file_id"]}], channel_id=OTHER)
    assert api_error(exc) == "not_in_channel"
    # channel_id is optional: the file is then private to the app
    done = client.files_completeUploadExternal(files=[{"id": url["file_id"], "title": "A"}])
    assert done["files"][0]["title"] == "A"
    assert slack.uploaded_files[0].channels == []


# ------------------------------------------------------------------------------------------
# response_url
# ------------------------------------------------------------------------------------------


def test_response_urls_validated_recorded_and_applied(
    slack: SlackEmulator, client: WebClient
) -> None:
    ts = client.chat_postMessage(channel=BOARD, text="Vote now", blocks=[button_block("3")])["ts"]
    url = slack.new_response_url(channel_id=BOARD, user_id=ALICE, message_ts=ts)
    assert url.startswith(slack.base_url + "/response/") and url in slack.response_urls
    hook = WebhookClient(url)

    assert hook.send(text="Thanks, noted").status_code == 200
    assert slack.ephemerals(user=ALICE)[-1]["text"] == "Thanks, noted"

    assert hook.send(text="Voting closed", replace_original=True).status_code == 200
    assert slack.message(BOARD, ts)["text"] == "Voting closed"  # type: ignore[index]

    assert hook.send(text="Result: 3", response_type="in_channel").status_code == 200
    assert slack.messages(BOARD)[-1]["text"] == "Result: 3"

    refused = hook.send(text="too many", blocks=[{"type": "divider"}] * 51)
    assert refused.status_code == 400
    posts = slack.responses(url)
    assert [p.status for p in posts] == [200, 200, 200, 400]
    assert posts[0].body["text"] == "Thanks, noted"
    assert posts[3].error == "invalid_blocks"
    assert slack.responses("http://elsewhere/") == []


# ------------------------------------------------------------------------------------------
# wait_for
# ------------------------------------------------------------------------------------------


def test_wait_for_returns_value_or_explains_timeout(
    slack: SlackEmulator, client: WebClient
) -> None:
    def post_later() -> None:
        client.chat_postMessage(channel=BOARD, text="async hello")

    thread = threading.Timer(0.05, post_later)
    thread.start()
    found = slack.wait_for(lambda: slack.messages(BOARD), timeout=5)
    thread.join()
    assert found[0]["text"] == "async hello"

    with pytest.raises(AssertionError, match=r"(?s)timed out after 0.1s.*chat.postMessage → 200"):
        slack.wait_for(lambda: slack.messages(OTHER), timeout=0.1, message="a message in OTHER")


# ------------------------------------------------------------------------------------------
# SlackSender
# ------------------------------------------------------------------------------------------


class _Capture:
    """A bare HTTP endpoint that records what the sender posts."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], str]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                outer.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                payload = b'{"ok": true}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def capture() -> Iterator[_Capture]:
    endpoint = _Capture()
    yield endpoint
    endpoint.close()


def test_sender_signature_verifies(
    slack: SlackEmulator, client: WebClient, capture: _Capture
) -> None:
    sender = SlackSender(capture.url, SECRET, slack)
    verifier = SignatureVerifier(SECRET)

    resp = sender.slash_command(ALICE, BOARD, "start theme 1")
    assert resp.status == 200 and resp.json == {"ok": True}
    headers, body = capture.requests[-1]
    assert headers["content-type"] == "application/x-www-form-urlencoded"
    assert verifier.is_valid(
        body, headers["x-slack-request-timestamp"], headers["x-slack-signature"]
    )
    form = {k: v[0] for k, v in parse_qs(body).items()}
    assert form["command"] == "/assess" and form["text"] == "start theme 1"
    assert form["user_id"] == ALICE and form["user_name"] == "alice"
    assert form["channel_name"] == "trust-board" and form["team_id"] == "T0TEAM001"
    assert form["response_url"] in slack.response_urls
    # the trigger_id really is usable against the emulator
    assert client.views_open(trigger_id=form["trigger_id"], view=modal())["ok"]

    sender.slash_command(ALICE, BOARD, "x", bad_signature=True)
    headers, body = capture.requests[-1]
    assert not verifier.is_valid(
        body, headers["x-slack-request-timestamp"], headers["x-slack-signature"]
    )

    sender.slash_command(ALICE, BOARD, "x", old_timestamp=True)
    headers, body = capture.requests[-1]
    assert not verifier.is_valid(
        body, headers["x-slack-request-timestamp"], headers["x-slack-signature"]
    )

    sender.slash_command(ALICE, BOARD, "x", unsigned=True, retry_num=1)
    headers, _ = capture.requests[-1]
    assert "x-slack-signature" not in headers
    assert headers["x-slack-retry-num"] == "1" and headers["x-slack-retry-reason"] == "http_timeout"


def test_sender_payload_shapes(slack: SlackEmulator, client: WebClient, capture: _Capture) -> None:
    sender = SlackSender(capture.url, SECRET, slack)
    ts = client.chat_postMessage(channel=BOARD, text="Rate", blocks=[button_block("Three")])["ts"]

    sender.click_button(ALICE, BOARD, ts, "rate")
    headers, body = capture.requests[-1]
    assert SignatureVerifier(SECRET).is_valid(
        body, headers["x-slack-request-timestamp"], headers["x-slack-signature"]
    )
    payload = json.loads(parse_qs(body)["payload"][0])
    assert payload["type"] == "block_actions"
    assert payload["user"] == {
        "id": ALICE,
        "username": "alice",
        "name": "alice",
        "team_id": "T0TEAM001",
    }
    assert payload["container"] == {
        "type": "message",
        "message_ts": ts,
        "channel_id": BOARD,
        "is_ephemeral": False,
    }
    assert payload["channel"] == {"id": BOARD, "name": "trust-board"}
    assert payload["message"]["ts"] == ts and payload["message"]["text"] == "Rate"
    [action] = payload["actions"]
    assert action["action_id"] == "rate" and action["block_id"] == "rating"
    assert action["value"] == "3" and action["type"] == "button"
    assert action["text"]["text"] == "Three"
    assert payload["response_url"] in slack.response_urls

    with pytest.raises(LookupError):
        sender.click_button(ALICE, BOARD, ts, "no_such_button")

    view = client.views_open(trigger_id=slack.issue_trigger_id(ALICE), view=modal())["view"]
    sender.submit_view(
        ALICE, view, {"evidence": {"text": "Minutes of 3 May"}, "score": {"pick": "2"}}
    )
    payload = json.loads(parse_qs(capture.requests[-1][1])["payload"][0])
    assert payload["type"] == "view_submission"
    assert payload["view"]["id"] == view["id"]
    assert payload["view"]["callback_id"] == "assess_view"
    assert payload["view"]["private_metadata"] == "session-42"
    values = payload["view"]["state"]["values"]
    assert values["evidence"]["text"] == {"type": "plain_text_input", "value": "Minutes of 3 May"}
    assert values["score"]["pick"]["selected_option"]["value"] == "2"
    assert slack.view_stack(ALICE) == []  # an empty ack closes the modal, as in Slack

    with pytest.raises(ValueError, match="required input"):
        sender.submit_view(ALICE, view, {"score": {"pick": "2"}})

    sender.app_home_opened(ALICE)
    headers, body = capture.requests[-1]
    assert headers["content-type"] == "application/json"
    envelope = json.loads(body)
    assert envelope["type"] == "event_callback" and envelope["team_id"] == "T0TEAM001"
    assert envelope["event"]["type"] == "app_home_opened"
    assert envelope["event"]["channel"] == slack.dm_channel_id(ALICE)


def test_bolt_app_round_trip(slack: SlackEmulator) -> None:
    app = App(
        signing_secret=SECRET,
        client=WebClient(token=slack.token, base_url=slack.api_url),
    )

    @app.command("/assess")
    def on_command(ack: Ack, command: dict[str, Any], client: WebClient) -> None:
        ack(f"Starting: {command['text']}")
        client.chat_postMessage(
            channel=command["channel_id"], text="How far along?", blocks=[button_block("Three")]
        )

    @app.action("rate")
    def on_rate(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.chat_update(
            channel=body["channel"]["id"],
            ts=body["container"]["message_ts"],
            text=f"{body['user']['name']} chose {body['actions'][0]['value']}",
        )
        client.views_open(trigger_id=body["trigger_id"], view=modal())

    @app.view("assess_view")
    def on_submit(ack: Ack, view: dict[str, Any]) -> None:
        evidence = view["state"]["values"]["evidence"]["text"]["value"]
        if len(evidence) < 5:
            ack(response_action="errors", errors={"evidence": "Say a bit more"})
        else:
            ack()

    with BoltAppServer(app) as server:
        sender = SlackSender(server.url, SECRET, slack)

        assert sender.slash_command(ALICE, BOARD, "theme 1", bad_signature=True).status == 401
        assert sender.slash_command(ALICE, BOARD, "theme 1", old_timestamp=True).status == 401

        resp = sender.slash_command(ALICE, BOARD, "theme 1")
        assert resp.status == 200 and resp.problems == []
        assert slack.ephemerals(user=ALICE)[0]["text"] == "Starting: theme 1"
        [question] = slack.wait_for(lambda: slack.messages(BOARD))

        assert sender.click_button(ALICE, BOARD, question["ts"], "rate").status == 200
        slack.wait_for(lambda: slack.message(BOARD, question["ts"])["edited"])  # type: ignore[index]
        assert slack.message(BOARD, question["ts"])["text"] == "alice chose 3"  # type: ignore[index]
        [opened] = slack.wait_for(lambda: slack.view_stack(ALICE))

        refused = sender.submit_view(
            ALICE, opened, {"evidence": {"text": "tiny"}, "score": {"pick": "1"}}
        )
        assert refused.json == {
            "response_action": "errors",
            "errors": {"evidence": "Say a bit more"},
        }
        assert refused.problems == [] and len(slack.view_stack(ALICE)) == 1

        accepted = sender.submit_view(
            ALICE, opened, {"evidence": {"text": "Board minutes"}, "score": {"pick": "4"}}
        )
        assert accepted.status == 200 and slack.view_stack(ALICE) == []

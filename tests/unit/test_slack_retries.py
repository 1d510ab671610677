"""The app's WebClient sends a call again by itself only when that cannot create something twice,
and every failure of a call (a time-out too) reaches the core as a ChatError."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk.errors import SlackApiError

from bot.domain.messages import FileToSend, MessageRef
from bot.ports import ChatError
from bot.views.rounds import SummaryNoteView
from handlers.slack.gateway import SlackGateway, make_web_client, upload_files
from handlers.slack.retries import api_method
from tests.emulator import SlackEmulator

BOARD = "C0BOARD01"


@pytest.fixture
def slack() -> Iterator[SlackEmulator]:
    with SlackEmulator() as emulator:
        emulator.add_user("U0CHAIR01", "chair")
        emulator.add_channel(BOARD, "board", members=["U0CHAIR01"])
        yield emulator


def statuses(slack: SlackEmulator, method: str) -> list[int]:
    return [c.status for c in slack.calls_to(method)]


def test_a_post_is_not_sent_again_after_a_500_but_is_after_a_429(slack: SlackEmulator) -> None:
    client = make_web_client(slack.token, slack.api_url)
    slack.fail_next("chat.postMessage", status=500)
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel=BOARD, text="summary")
    assert statuses(slack, "chat.postMessage") == [500]
    assert slack.messages(BOARD) == []

    slack.fail_next("chat.postMessage", status=429, retry_after=1)
    ts = client.chat_postMessage(channel=BOARD, text="summary")["ts"]
    assert statuses(slack, "chat.postMessage") == [500, 429, 200]
    assert [m["text"] for m in slack.messages(BOARD)] == ["summary"]

    # reads and in-place updates are still sent again after a 500
    slack.fail_next("chat.update", status=500)
    client.chat_update(channel=BOARD, ts=ts, text="second")
    assert statuses(slack, "chat.update") == [500, 200]
    slack.fail_next("conversations.history", status=500)
    history = client.conversations_history(channel=BOARD)
    assert [m["text"] for m in history["messages"]] == ["second"]
    assert statuses(slack, "conversations.history") == [500, 200]


def test_a_stored_post_whose_answer_is_lost_is_not_sent_again(slack: SlackEmulator) -> None:
    client = make_web_client(slack.token, slack.api_url)
    slack.lose_next_answer("chat.postMessage", "500")
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel=BOARD, text="summary")
    slack.lose_next_answer("chat.postMessage", "drop")
    with pytest.raises(Exception):  # noqa: B017 - whatever urllib makes of the closed socket
        client.chat_postMessage(channel=BOARD, text="chart")
    assert len(slack.calls_to("chat.postMessage")) == 2
    assert [m["text"] for m in slack.messages(BOARD)] == ["summary", "chart"]


def test_file_sharing_is_not_sent_again_after_a_500(slack: SlackEmulator) -> None:
    client = make_web_client(slack.token, slack.api_url)
    slack.lose_next_answer("files.completeUploadExternal", "500")
    with pytest.raises(ChatError) as raised:
        upload_files(client, BOARD, [FileToSend("a.csv", "Audit", b"a,b\n")], "The audit")
    assert not raised.value.permanent
    assert len(slack.calls_to("files.completeUploadExternal")) == 1
    assert len(slack.messages(BOARD)) == 1  # the files, shared once


def test_a_time_out_becomes_a_chat_error_that_may_be_retried(slack: SlackEmulator) -> None:
    gateway = SlackGateway(make_web_client(slack.token, slack.api_url, timeout=1))
    slack.lose_next_answer("chat.postMessage", "stall")
    with pytest.raises(ChatError) as raised:
        gateway.post(BOARD, SummaryNoteView(4, "Updated."), key="summary:1")
    assert not raised.value.permanent
    assert len(slack.calls_to("chat.postMessage")) == 1
    posted = MessageRef(BOARD, slack.messages(BOARD)[0]["ts"])
    assert gateway.find_posted(BOARD, "summary:1") == posted


def test_a_time_out_while_sharing_files_becomes_a_chat_error(slack: SlackEmulator) -> None:
    client = make_web_client(slack.token, slack.api_url, timeout=1)
    slack.lose_next_answer("files.completeUploadExternal", "stall")
    with pytest.raises(ChatError) as raised:
        upload_files(client, BOARD, [FileToSend("a.csv", "Audit", b"a,b\n")], None)
    assert not raised.value.permanent
    assert len(slack.calls_to("files.completeUploadExternal")) == 1


@pytest.mark.parametrize(
    ("url", "method"),
    [
        ("http://127.0.0.1:1234/api/chat.postMessage", "chat.postMessage"),
        ("https://slack.com/api/files.completeUploadExternal?x=1", "files.completeUploadExternal"),
        ("https://slack.com/api/chat.update/", "chat.update"),
    ],
)
def test_the_api_method_is_read_from_the_url(url: str, method: str) -> None:
    assert api_method(url) == method

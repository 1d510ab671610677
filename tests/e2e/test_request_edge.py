"""What reaches POST /slack/events before any listener: a body over 1 MB is refused unread, a
body that cannot be read is answered 400, and no request body ever reaches the log."""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlencode

import pytest
import structlog

if TYPE_CHECKING:
    from wsgiref.types import StartResponse

from handlers.web import MAX_BODY_BYTES
from tests.e2e.harness import (
    PARTICIPATION,
    SIGNING_SECRET,
    RunningApp,
    wait_for_cards,
)
from tests.emulator import sign
from tests.logs import MARKER, Logs

VOTER = "U0PART001"


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[Logs]:
    caplog.set_level(logging.DEBUG)
    with structlog.testing.capture_logs(
        processors=[structlog.processors.format_exc_info]
    ) as events:
        yield Logs(caplog, events)


class CountingStream(io.BytesIO):
    """wsgi.input that remembers how many bytes the app read from it."""

    taken = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.taken += len(data)
        return data


def call_wsgi(
    app: RunningApp, body: bytes, content_length: str | None, *, signed: bool = True
) -> tuple[str, bytes, CountingStream]:
    timestamp = str(int(time.time()))
    secret = SIGNING_SECRET if signed else "wrong-secret"
    stream = CountingStream(body)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/slack/events",
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "HTTP_X_SLACK_REQUEST_TIMESTAMP": timestamp,
        "HTTP_X_SLACK_SIGNATURE": sign(secret, timestamp, body.decode("latin-1")),
        "wsgi.input": stream,
    }
    if content_length is not None:
        environ["CONTENT_LENGTH"] = content_length
    statuses: list[str] = []

    def start_response(status: str, headers: list[tuple[str, str]], *_: Any) -> Any:
        statuses.append(status)

    wsgi = app.application.wsgi
    assert wsgi is not None
    answer = b"".join(wsgi(environ, cast("StartResponse", start_response)))
    return statuses[0], answer, stream


def big_body(size: int) -> bytes:
    payload = json.dumps({"type": "block_actions", "note": MARKER})
    return urlencode({"payload": payload}).encode() + b"Z" * (size - len(payload) - 8)


def test_a_body_over_1_mb_is_refused_413_before_it_is_read(logs: Logs, app: RunningApp) -> None:
    body = big_body(10 * 1024 * 1024)
    status, _, stream = call_wsgi(app, body, str(len(body)), signed=False)
    assert status.startswith("413")
    assert stream.taken == 0
    for length in [None, "", "ten megabytes"]:  # chunked, or no usable Content-Length
        status, _, stream = call_wsgi(app, body, length, signed=True)
        assert status.startswith("413")
        assert stream.taken == MAX_BODY_BYTES + 1
    assert MARKER not in logs.text


def test_over_http_a_big_body_gets_413_and_a_wrong_signature_401_and_neither_is_logged(
    logs: Logs, app: RunningApp
) -> None:
    huge = "payload=" + json.dumps({"note": MARKER}) + "Z" * (10 * 1024 * 1024)
    assert (
        app.sender.post(huge, "application/x-www-form-urlencoded", bad_signature=True).status == 413
    )
    small = urlencode({"payload": json.dumps({"type": "block_actions", "note": MARKER})})
    assert (
        app.sender.post(small, "application/x-www-form-urlencoded", bad_signature=True).status
        == 401
    )
    assert MARKER not in logs.text
    assert [e["status"] for e in logs.ours("slack_request_refused")] == [413, 401]


def test_slacks_certificate_check_is_still_answered(logs: Logs, app: RunningApp) -> None:
    form = "application/x-www-form-urlencoded"
    assert app.sender.post("ssl_check=1&token=x", form, unsigned=True).status == 200
    assert app.sender.post("ssl_check=1&token=x", form).status == 200
    assert logs.ours("slack_request_refused") == []


def test_a_signed_body_that_does_not_parse_gets_400_and_one_line(
    logs: Logs, app: RunningApp
) -> None:
    for body in [f"payload={{not-json-{MARKER}", f'payload=["{MARKER}"]', "payload=%FF%FE"]:
        response = app.sender.post(body, "application/x-www-form-urlencoded")
        assert response.status == 400, body
    refused = logs.ours("slack_request_refused")
    assert [e["status"] for e in refused] == [400, 400, 400]
    assert MARKER not in logs.text


def test_a_signed_payload_of_the_wrong_shape_gets_400_and_one_line(
    logs: Logs, app: RunningApp
) -> None:
    app.command("domain 4")
    card = wait_for_cards(app.emulator, PARTICIPATION, 4)["4.1"]
    response_url = app.emulator.new_response_url(channel_id=PARTICIPATION, user_id=VOTER)
    no_user: dict[str, Any] = {
        "type": "block_actions",
        "team": {"id": app.emulator.team_id},
        "response_url": response_url,
        "actions": [{"action_id": "vote_3", "value": MARKER}],
        "container": {"message_ts": card["ts"]},
    }
    no_type: dict[str, Any] = {"team_id": app.emulator.team_id, "user_id": VOTER, "text": MARKER}
    for payload in [no_user, no_type]:
        assert app.sender.post_interaction(payload).status == 400
    assert (
        app.sender.post(
            json.dumps({"type": "event_callback", "event": MARKER}), "application/json"
        ).status
        == 400
    )
    malformed = logs.ours("slack_request_refused")
    assert [e["fields"] for e in malformed] == [["user"], ["type"], ["event"]]
    assert [e["status"] for e in malformed] == [400, 400, 400]
    assert MARKER not in logs.text and response_url not in logs.text
    assert app.emulator.responses(response_url) == []


def test_a_refused_vote_logs_neither_grade_nor_response_url(logs: Logs, app: RunningApp) -> None:
    app.command("domain 4")
    card = wait_for_cards(app.emulator, PARTICIPATION, 4)["4.1"]
    stale = app.sender.click_button(
        VOTER, PARTICIPATION, str(card["ts"]), "vote_4", value="999:999"
    )
    assert "doesn't belong to a question" in app.private_reply(stale.response_url)
    assert stale.response_url is not None
    url_id = stale.response_url.rsplit("/", 1)[-1]
    assert url_id not in logs.text
    assert "vote_4" not in logs.text and "Outstanding" not in logs.text

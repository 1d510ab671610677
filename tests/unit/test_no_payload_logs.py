"""No request body reaches the log: the Slack libraries' chatty records are dropped, and a
listener's validation error is logged by field names, not with the payload it quotes."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
import structlog
from pydantic import BaseModel
from slack_bolt import Ack, App, BoltRequest
from slack_sdk import WebClient

from handlers.slack.listeners import errors
from handlers.slack.logs import NoPayloads
from handlers.web import MAX_BODY_BYTES, Refusal, read_body
from tests.emulator import SlackEmulator

URL_SECRET = "Zq9K2sEcReT"  # a response_url's secret part
SECRET_URL = f"https://hooks.slack.com/actions/T0/1/{URL_SECRET}"


@pytest.mark.parametrize(
    ("name", "level", "kept"),
    [
        ("slack_bolt.RequestVerification", logging.INFO, False),
        ("slack_bolt", logging.DEBUG, False),
        ("slack_sdk.webhook.client", logging.DEBUG, False),
        ("slack_sdk.web.base_client", logging.INFO, False),
        ("slack_sdk.web.base_client", logging.ERROR, True),
        ("slack_bolt.App", logging.WARNING, True),
        ("slack_bolted_on", logging.INFO, True),
        ("alembic.runtime.migration", logging.INFO, True),
    ],
)
def test_the_slack_libraries_only_speak_at_warning_and_up(
    name: str, level: int, kept: bool
) -> None:
    record = logging.LogRecord(name, level, __file__, 1, "body: %s", (SECRET_URL,), None)
    assert NoPayloads().filter(record) is kept


class Needs(BaseModel):
    user: str


@pytest.fixture
def bolt_app() -> Iterator[App]:
    with SlackEmulator() as slack:
        client = WebClient(token=slack.token, base_url=slack.api_url)
        app = App(
            client=client,
            request_verification_enabled=False,
            process_before_response=True,
        )

        @app.action("boom")
        def boom(ack: Ack, body: dict[str, Any]) -> None:
            ack()
            Needs.model_validate(body)

        errors.register(app)
        yield app


def test_a_listeners_validation_error_is_logged_without_the_payload(bolt_app: App) -> None:
    payload = {
        "type": "block_actions",
        "team": {"id": "T0TEAM001"},
        "actions": [{"action_id": "boom", "value": "vote_4"}],
        "response_url": SECRET_URL,
    }
    request = BoltRequest(body="payload=" + json.dumps(payload), headers={})
    with structlog.testing.capture_logs(
        processors=[structlog.processors.format_exc_info]
    ) as events:
        bolt_app.dispatch(request)
    failed = [e for e in events if e["event"] == "listener_failed"]
    assert len(failed) == 1
    assert "user" in failed[0]["error"]
    assert URL_SECRET not in repr(events) and "vote_4" not in repr(events)


class Chunks(io.RawIOBase):
    """An endless body, as a chunked upload without Content-Length may be."""

    taken = 0

    def read(self, size: int = -1) -> bytes:
        size = 4096 if size is None or size < 0 else size
        self.taken += size
        return b"x" * size


def test_read_body_stops_one_byte_past_the_limit() -> None:
    endless = Chunks()
    with pytest.raises(Refusal) as refused:
        read_body({"wsgi.input": endless})
    assert refused.value.status == 413
    assert endless.taken == MAX_BODY_BYTES + 1
    assert read_body({"wsgi.input": io.BytesIO(b"a=1"), "CONTENT_LENGTH": "3"}) == b"a=1"
    exact = b"z" * MAX_BODY_BYTES
    assert read_body({"wsgi.input": io.BytesIO(exact)}) == exact

"""The sender's plumbing: signing, the request options, the app's answer, and posting."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypedDict, Unpack
from urllib.parse import urlencode

from .slack_api import SlackEmulator

JsonDict = dict[str, Any]

SLACK_ACK_DEADLINE = 3.0


class SendOptions(TypedDict, total=False):
    """Delivery options accepted by every SlackSender method.

    bad_signature: sign with the wrong secret. unsigned: omit X-Slack-Signature.
    old_timestamp: use a timestamp 10 minutes old (Bolt refuses > 5 minutes).
    timestamp: explicit X-Slack-Request-Timestamp. retry_num / retry_reason: add
    X-Slack-Retry-Num / X-Slack-Retry-Reason as Slack does when redelivering.
    path: endpoint path (default "/slack/events"). timeout: seconds to wait for the app.
    """

    bad_signature: bool
    unsigned: bool
    old_timestamp: bool
    timestamp: int
    retry_num: int
    retry_reason: str
    path: str
    timeout: float


@dataclass
class AppResponse:
    """The app's HTTP answer to one Slack request."""

    status: int
    headers: dict[str, str]
    body: str
    json: Any
    elapsed: float
    problems: list[str] = field(default_factory=list)
    trigger_id: str | None = None
    response_url: str | None = None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def text(self) -> str:
        return self.body


def sign(signing_secret: str, timestamp: str, body: str) -> str:
    """Slack's v0 request signature."""
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()


class SenderCore:
    """Signed requests to the app, from one workspace (see SlackSender)."""

    def __init__(
        self,
        app_url: str,
        signing_secret: str,
        emulator: SlackEmulator,
        team_id: str | None = None,
        *,
        enterprise_id: str | None = None,
        path: str = "/slack/events",
        verification_token: str = "legacy-verification-token",
    ) -> None:
        self.app_url = app_url.rstrip("/")
        self.signing_secret = signing_secret
        self.emulator = emulator
        self.team_id = team_id or emulator.team_id
        self.enterprise_id = enterprise_id or emulator.enterprise_id
        self.path = path
        self.verification_token = verification_token

    def _user(self, user_id: str) -> JsonDict:
        user = self.emulator.user(user_id)
        name = str(user["name"]) if user else user_id.lower()
        return {"id": user_id, "username": name, "name": name, "team_id": self.team_id}

    def _team(self) -> JsonDict:
        team: JsonDict = {"id": self.team_id, "domain": self.emulator.team_domain}
        if self.enterprise_id:
            team["enterprise_id"] = self.enterprise_id
        return team

    def _enterprise(self) -> JsonDict | None:
        return {"id": self.enterprise_id, "name": "Org"} if self.enterprise_id else None

    def _channel_name(self, channel_id: str) -> str:
        channel = self.emulator.channel(channel_id)
        if channel is None:
            return channel_id
        if channel.get("is_im"):
            return "directmessage"
        return str(channel.get("name", channel_id))

    def post(self, body: str, content_type: str, **options: Unpack[SendOptions]) -> AppResponse:
        """Posts a raw body, signed as Slack signs it."""
        if "timestamp" in options:
            timestamp = str(options["timestamp"])
        elif options.get("old_timestamp"):
            timestamp = str(int(time.time()) - 600)
        else:
            timestamp = str(int(time.time()))
        headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": timestamp}
        if not options.get("unsigned"):
            secret = self.signing_secret
            if options.get("bad_signature"):
                secret = secret + "-wrong"
            headers["X-Slack-Signature"] = sign(secret, timestamp, body)
        if "retry_num" in options:
            headers["X-Slack-Retry-Num"] = str(options["retry_num"])
            headers["X-Slack-Retry-Reason"] = options.get("retry_reason", "http_timeout")
        url = self.app_url + options.get("path", self.path)
        request = urllib.request.Request(
            url, data=body.encode("utf-8"), headers=headers, method="POST"
        )
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=options.get("timeout", 10.0)) as resp:
                status = int(resp.status)
                resp_headers = {k: v for k, v in resp.headers.items()}
                text = resp.read().decode("utf-8", errors="replace")
        except urllib.error.HTTPError as exc:
            status = int(exc.code)
            resp_headers = {k: v for k, v in exc.headers.items()}
            text = exc.read().decode("utf-8", errors="replace")
        elapsed = time.monotonic() - started
        parsed: Any = None
        if text.strip():
            try:
                parsed = json.loads(text)
            except ValueError:
                parsed = None
        response = AppResponse(
            status=status, headers=resp_headers, body=text, json=parsed, elapsed=elapsed
        )
        if elapsed > SLACK_ACK_DEADLINE:
            response.problems.append(
                f"the app took {elapsed:.2f}s to answer; Slack gives up after "
                f"{SLACK_ACK_DEADLINE:.0f}s and shows the user an error"
            )
        return response

    def post_form(self, fields: Mapping[str, str], **options: Unpack[SendOptions]) -> AppResponse:
        return self.post(urlencode(fields), "application/x-www-form-urlencoded", **options)

    def post_interaction(
        self, payload: Mapping[str, Any], **options: Unpack[SendOptions]
    ) -> AppResponse:
        return self.post_form({"payload": json.dumps(payload)}, **options)

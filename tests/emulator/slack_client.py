"""Sends requests to the app the way Slack does: signed slash commands, interactions, events.

Payload shapes follow Slack's (and bolt-python's own scenario tests): slash commands are
form fields; interactivity is a form field ``payload=<JSON>``; the Events API posts JSON.
Every request carries ``X-Slack-Request-Timestamp`` and ``X-Slack-Signature``
(``v0=`` HMAC-SHA256 of ``v0:{timestamp}:{body}`` with the signing secret).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypedDict, Unpack
from urllib.parse import urlencode

from .slack_api import SlackEmulator

__all__ = ["AppResponse", "SendOptions", "SlackSender", "sign"]

JsonDict = dict[str, Any]

SLACK_ACK_DEADLINE = 3.0

_TEXT_INPUTS = frozenset(
    {"plain_text_input", "email_text_input", "url_text_input", "number_input", "rich_text_input"}
)
_SINGLE_SELECTS = frozenset({"static_select", "external_select", "radio_buttons"})
_MULTI_OPTION = frozenset({"multi_static_select", "multi_external_select", "checkboxes"})
_SELECTED_KEY = {
    "users_select": "selected_user",
    "multi_users_select": "selected_users",
    "conversations_select": "selected_conversation",
    "multi_conversations_select": "selected_conversations",
    "channels_select": "selected_channel",
    "multi_channels_select": "selected_channels",
    "datepicker": "selected_date",
    "timepicker": "selected_time",
    "datetimepicker": "selected_date_time",
}


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


class SlackSender:
    """Plays Slack's side towards the app under test.

    ``SlackSender(app_url, signing_secret, emulator)`` posts to ``app_url + "/slack/events"``;
    `team_id` and `enterprise_id` default to the emulator's, the installed workspace's
    (T0TEAM001 and none unless changed). `from_workspace(team_id, enterprise_id)` is a sender
    whose requests come from another workspace (as from a Slack Connect shared channel).
    trigger_ids and response_urls come from the emulator, so the app can use them against
    it; the app's immediate answers are applied to the emulator as Slack would (a slash
    command's response body becomes an ephemeral or channel message; a view_submission's
    ``response_action`` closes/updates/pushes the modal).
    """

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

    def from_workspace(self, team_id: str, enterprise_id: str | None = None) -> SlackSender:
        """A sender like this one whose requests carry another workspace's (and organisation's)
        ids: `enterprise_id` None keeps this sender's."""
        return SlackSender(
            self.app_url,
            self.signing_secret,
            self.emulator,
            team_id,
            enterprise_id=enterprise_id or self.enterprise_id,
            path=self.path,
            verification_token=self.verification_token,
        )

    # ======================================================================================
    # building blocks
    # ======================================================================================

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

    # ======================================================================================
    # slash commands
    # ======================================================================================

    def slash_command(
        self,
        user_id: str,
        channel_id: str,
        text: str,
        command: str = "/assess",
        **options: Unpack[SendOptions],
    ) -> AppResponse:
        """A slash command as Slack posts it (form fields). The app's response body, if any,
        is shown as Slack would: an ephemeral to the user, or an in_channel message."""
        trigger_id = self.emulator.issue_trigger_id(user_id)
        response_url = self.emulator.new_response_url(channel_id=channel_id, user_id=user_id)
        fields = {
            "token": self.verification_token,
            "team_id": self.team_id,
            "team_domain": self.emulator.team_domain,
            "channel_id": channel_id,
            "channel_name": self._channel_name(channel_id),
            "user_id": user_id,
            "user_name": self._user(user_id)["name"],
            "command": command,
            "text": text,
            "api_app_id": self.emulator.app_id,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id,
        }
        if self.enterprise_id:
            fields.update(enterprise_id=self.enterprise_id, enterprise_name="Org")
        response = self.post_form(fields, **options)
        response.trigger_id = trigger_id
        response.response_url = response_url
        if response.status == 200 and response.body.strip():
            payload: JsonDict = (
                response.json if isinstance(response.json, dict) else {"text": response.body}
            )
            response.problems.extend(
                self.emulator.apply_message_response(
                    payload, channel_id=channel_id, user_id=user_id, source="command_response"
                )
            )
        return response

    # ======================================================================================
    # interactivity
    # ======================================================================================

    def click_button(
        self,
        user_id: str,
        channel_id: str,
        message_ts: str,
        action_id: str,
        value: str | None = None,
        block_id: str | None = None,
        message: JsonDict | None = None,
        *,
        is_ephemeral: bool = False,
        action_ts: str | None = None,
        **options: Unpack[SendOptions],
    ) -> AppResponse:
        """A ``block_actions`` payload for a button click in a message.

        ``action_ts`` is when the click was made, as Slack writes it ("1712345678.123456");
        now unless given (give an old one to replay an earlier click).

        The message (and the button's text, value and block_id, if not given) come from the
        emulator. Raises LookupError if the emulator knows the message but it has no such
        button (a real user could not click it).
        """
        if message is None and not is_ephemeral:
            message = self.emulator.message_payload(channel_id, message_ts)
        button: JsonDict | None = None
        if message is not None:
            button, found_block_id = _find_element(message.get("blocks") or [], action_id, block_id)
            if button is None:
                raise LookupError(
                    f"message {message_ts} in {channel_id} has no element with action_id "
                    f"{action_id!r}" + (f" in block {block_id!r}" if block_id else "")
                )
            block_id = block_id or found_block_id
            if value is None:
                value = button.get("value")
        trigger_id = self.emulator.issue_trigger_id(user_id)
        response_url = self.emulator.new_response_url(
            channel_id=channel_id,
            user_id=user_id,
            message_ts=message_ts,
            is_ephemeral=is_ephemeral,
        )
        action: JsonDict = {
            "action_id": action_id,
            "block_id": block_id or "",
            "text": (button or {}).get("text")
            or {"type": "plain_text", "text": "Button", "emoji": True},
            "type": "button",
            "action_ts": action_ts if action_ts is not None else f"{time.time():.6f}",
        }
        if value is not None:
            action["value"] = value
        if button is not None and button.get("style"):
            action["style"] = button["style"]
        payload: JsonDict = {
            "type": "block_actions",
            "user": self._user(user_id),
            "api_app_id": self.emulator.app_id,
            "token": self.verification_token,
            "container": {
                "type": "message",
                "message_ts": message_ts,
                "channel_id": channel_id,
                "is_ephemeral": is_ephemeral,
            },
            "trigger_id": trigger_id,
            "team": self._team(),
            "enterprise": self._enterprise(),
            "is_enterprise_install": False,
            "channel": {"id": channel_id, "name": self._channel_name(channel_id)},
            "state": {"values": {}},
            "response_url": response_url,
            "actions": [action],
        }
        if message is not None and not is_ephemeral:
            payload["message"] = message
        response = self.post_interaction(payload, **options)
        response.trigger_id = trigger_id
        response.response_url = response_url
        return response

    def submit_view(
        self,
        user_id: str,
        view: JsonDict | str,
        values: Mapping[str, Mapping[str, Any]],
        **options: Unpack[SendOptions],
    ) -> AppResponse:
        """A ``view_submission`` payload for a modal.

        `view` is a view dict (e.g. from views.open's response or `emulator.view(id)`) or a
        view id. `values` maps block_id → action_id → either a full state dict as Slack sends
        (``{"type": "plain_text_input", "value": "x"}``) or a plain value, which is turned
        into the right state shape for the element (option value(s) for selects/checkboxes).
        Raises ValueError if a required input is left out: Slack would not submit the form.
        """
        if isinstance(view, str):
            found = self.emulator.view(view)
            if found is None:
                raise LookupError(f"the emulator has no view {view!r}")
            view = found
        state = _build_state(view, values)
        trigger_id = self.emulator.issue_trigger_id(user_id)
        submitted = {k: v for k, v in view.items() if k != "user_id"}
        submitted.setdefault("id", "V_UNKNOWN")
        submitted.setdefault("team_id", self.team_id)
        submitted.setdefault("type", "modal")
        submitted.setdefault("private_metadata", "")
        submitted.setdefault("callback_id", "")
        submitted.setdefault("hash", f"{int(time.time())}.{secrets.token_hex(4)}")
        submitted.setdefault("root_view_id", submitted["id"])
        submitted.setdefault("previous_view_id", None)
        submitted.setdefault("app_id", self.emulator.app_id)
        submitted.setdefault("bot_id", self.emulator.bot_id)
        submitted["state"] = {"values": state}
        payload: JsonDict = {
            "type": "view_submission",
            "team": self._team(),
            "user": self._user(user_id),
            "api_app_id": self.emulator.app_id,
            "token": self.verification_token,
            "trigger_id": trigger_id,
            "view": submitted,
            "response_urls": [],
            "enterprise": self._enterprise(),
            "is_enterprise_install": False,
        }
        response = self.post_interaction(payload, **options)
        response.trigger_id = trigger_id
        if response.status == 200:
            response.problems.extend(
                self.emulator.apply_view_submission_response(
                    user_id, str(submitted["id"]), response.json
                )
            )
        return response

    # ======================================================================================
    # Events API
    # ======================================================================================

    def event(self, event: Mapping[str, Any], **options: Unpack[SendOptions]) -> AppResponse:
        """An ``event_callback`` envelope around `event`, posted as JSON (as Slack does)."""
        inner = dict(event)
        inner.setdefault("event_ts", f"{time.time():.6f}")
        envelope: JsonDict = {
            "token": self.verification_token,
            "team_id": self.team_id,
            "enterprise_id": self.enterprise_id,
            "context_team_id": self.team_id,
            "api_app_id": self.emulator.app_id,
            "event": inner,
            "type": "event_callback",
            "event_id": "Ev" + secrets.token_hex(5).upper(),
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": self.enterprise_id,
                    "team_id": self.team_id,
                    "user_id": self.emulator.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": "4-" + secrets.token_urlsafe(24),
        }
        return self.post(json.dumps(envelope), "application/json", **options)

    def app_home_opened(
        self, user_id: str, tab: str = "home", **options: Unpack[SendOptions]
    ) -> AppResponse:
        """The app_home_opened event for a user (with their current Home view, if any)."""
        event: JsonDict = {
            "type": "app_home_opened",
            "user": user_id,
            "channel": self.emulator.dm_channel_id(user_id),
            "tab": tab,
        }
        home = self.emulator.home_views.get(user_id)
        if home is not None:
            event["view"] = {k: v for k, v in home.items() if k != "user_id"}
        return self.event(event, **options)

    def url_verification(
        self, challenge: str = "challenge-token", **options: Unpack[SendOptions]
    ) -> AppResponse:
        body = {
            "token": self.verification_token,
            "challenge": challenge,
            "type": "url_verification",
        }
        return self.post(json.dumps(body), "application/json", **options)


# ==========================================================================================
# helpers
# ==========================================================================================


def _iter_elements(block: Mapping[str, Any]) -> list[Any]:
    elements: list[Any] = []
    if isinstance(block.get("elements"), list):
        elements.extend(block["elements"])
    for key in ("accessory", "element"):
        if block.get(key) is not None:
            elements.append(block[key])
    return elements


def _find_element(
    blocks: list[Any], action_id: str, block_id: str | None
) -> tuple[JsonDict | None, str | None]:
    for block in blocks:
        if not isinstance(block, dict):
            continue
        if block_id is not None and block.get("block_id") != block_id:
            continue
        for el in _iter_elements(block):
            if isinstance(el, dict) and el.get("action_id") == action_id:
                return el, block.get("block_id")
    return None, None


def _find_option(element: Mapping[str, Any], value: Any) -> JsonDict:
    options: list[Any] = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        if isinstance(group, dict):
            options.extend(group.get("options") or [])
    for opt in options:
        if isinstance(opt, dict) and opt.get("value") == value:
            return dict(opt)
    raise ValueError(f"element {element.get('action_id')!r} has no option with value {value!r}")


def _state_for(element: Mapping[str, Any], value: Any) -> JsonDict:
    kind = str(element.get("type"))
    if isinstance(value, dict):
        return {"type": kind, **value}
    if kind in _SINGLE_SELECTS:
        option = None if value is None else _find_option(element, value)
        return {"type": kind, "selected_option": option}
    if kind in _MULTI_OPTION:
        chosen = [] if value is None else [_find_option(element, v) for v in list(value)]
        return {"type": kind, "selected_options": chosen}
    if kind in _SELECTED_KEY:
        return {"type": kind, _SELECTED_KEY[kind]: value}
    return {"type": kind, "value": value}


def _is_empty(state: Mapping[str, Any]) -> bool:
    filled = [v for k, v in state.items() if k != "type"]
    return all(v in (None, "", []) for v in filled)


def _build_state(view: Mapping[str, Any], values: Mapping[str, Mapping[str, Any]]) -> JsonDict:
    blocks = [b for b in view.get("blocks") or [] if isinstance(b, dict)]
    known: set[tuple[str, str]] = set()
    state: JsonDict = {}
    for block in blocks:
        if block.get("type") != "input" or not isinstance(block.get("element"), dict):
            continue
        element = block["element"]
        block_id, action_id = block.get("block_id"), element.get("action_id")
        if not isinstance(block_id, str) or not isinstance(action_id, str):
            raise ValueError(
                "input blocks need explicit block_id and action_id for SlackSender.submit_view"
            )
        known.add((block_id, action_id))
        given = values.get(block_id, {})
        if action_id in given:
            entry = _state_for(element, given[action_id])
        else:
            entry = _state_for(element, None)
        if _is_empty(entry) and not block.get("optional", False):
            raise ValueError(
                f"required input {block_id}/{action_id} is empty: Slack would not submit the form"
            )
        if (
            element.get("type") in _TEXT_INPUTS
            and isinstance(entry.get("value"), str)
            and isinstance(element.get("max_length"), int)
            and len(entry["value"]) > element["max_length"]
        ):
            raise ValueError(f"{block_id}/{action_id} is longer than its max_length")
        state.setdefault(block_id, {})[action_id] = entry
    for block_id, by_action in values.items():
        for action_id, value in by_action.items():
            if (block_id, action_id) not in known:
                # not an input block (e.g. a section accessory): pass through as given
                entry = value if isinstance(value, dict) else {"type": "unknown", "value": value}
                state.setdefault(block_id, {})[action_id] = entry
    return state

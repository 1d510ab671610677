"""Interactivity: button clicks (block_actions) and modal submissions (view_submission)."""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from typing import Any, Unpack

from .sender_core import AppResponse, JsonDict, SenderCore, SendOptions
from .view_state import build_state, find_element


class Interactions(SenderCore):
    """Clicks and submissions, with the app's immediate answers applied to the emulator."""

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
            button, found_block_id = find_element(message.get("blocks") or [], action_id, block_id)
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
        state = build_state(view, values)
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
                    user_id, str(submitted["id"]), response.json, state
                )
            )
        return response

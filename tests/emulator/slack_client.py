"""Sends requests to the app the way Slack does: signed slash commands, interactions, events.

Payload shapes follow Slack's (and bolt-python's own scenario tests): slash commands are
form fields; interactivity is a form field ``payload=<JSON>``; the Events API posts JSON.
Every request carries ``X-Slack-Request-Timestamp`` and ``X-Slack-Signature``
(``v0=`` HMAC-SHA256 of ``v0:{timestamp}:{body}`` with the signing secret).
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Mapping
from typing import Any, Unpack

from .interactions import Interactions
from .sender_core import SLACK_ACK_DEADLINE, AppResponse, JsonDict, SendOptions, sign

__all__ = ["SLACK_ACK_DEADLINE", "AppResponse", "SendOptions", "SlackSender", "sign"]


class SlackSender(Interactions):
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

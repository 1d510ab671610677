"""Set-up's questions about the channels a chair picks, asked of Slack: can the app post there
(conversations.info), and if not, may it join (conversations.join, public channels only)?

Slack answers ``channel_not_found`` for a private channel the app is not in (it cannot see
it), so that answer means someone in the channel must invite the app. A channel picked in
Slack's own channel picker exists, so "not found" is not read as "no such channel"."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Sequence
from typing import Any

import structlog
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.ports import ChannelAccess

log = structlog.get_logger(__name__)

# What the app cannot post to, and no invitation changes.
UNUSABLE_ERRORS = frozenset({"is_archived", "method_not_supported_for_channel_type"})
# A call that got no answer from Slack (a time-out, a lost connection, a 5xx after retries).
NO_ANSWER: tuple[type[Exception], ...] = (SlackClientError, OSError, http.client.HTTPException)


class SlackChannels:
    """The ChannelDirectory port on Slack's Web API (mixed into the gateway)."""

    client: WebClient
    _lock: threading.Lock
    _channel_names: dict[str, str]

    def prepare_channel(self, conversation_id: str, join: bool = True) -> ChannelAccess:
        """READY when the app is in the channel; a public one it is not in is joined (JOINED)
        with ``join``, and counts as READY without (saving the form joins it); INVITE for a
        private one; UNKNOWN for what the app cannot post to (archived, a direct chat)."""
        info = self._channel_info(conversation_id)
        if isinstance(info, ChannelAccess):
            return info
        self._remember_name(conversation_id, info)
        if info.get("is_archived") or info.get("is_im") or info.get("is_mpim"):
            return ChannelAccess.UNKNOWN
        if info.get("is_member"):
            return ChannelAccess.READY
        if info.get("is_private"):
            return ChannelAccess.INVITE
        if not join:
            return ChannelAccess.READY
        return self._join(conversation_id)

    def _channel_info(self, conversation_id: str) -> dict[str, Any] | ChannelAccess:
        try:
            response = self.client.conversations_info(channel=conversation_id)
        except SlackApiError as exc:
            error = str(exc.response.get("error", ""))
            log.info("channel_unavailable", channel=conversation_id, error=error)
            return ChannelAccess.INVITE if error == "channel_not_found" else ChannelAccess.UNKNOWN
        except NO_ANSWER as exc:  # say it cannot be used now; the chair can save again
            log.warning("channel_info_failed", channel=conversation_id, error=str(exc))
            return ChannelAccess.UNKNOWN
        channel = response.get("channel")
        return channel if isinstance(channel, dict) else ChannelAccess.UNKNOWN

    def _join(self, conversation_id: str) -> ChannelAccess:
        try:
            self.client.conversations_join(channel=conversation_id)
        except SlackApiError as exc:
            error = str(exc.response.get("error", ""))
            log.info("channel_join_refused", channel=conversation_id, error=error)
            if error in UNUSABLE_ERRORS:
                return ChannelAccess.UNKNOWN
            return ChannelAccess.INVITE  # say, a workspace that keeps apps out of channels
        except NO_ANSWER as exc:
            log.warning("channel_join_failed", channel=conversation_id, error=str(exc))
            return ChannelAccess.UNKNOWN
        log.info("channel_joined", channel=conversation_id)
        return ChannelAccess.JOINED

    def channel_names(self, conversation_ids: Sequence[str]) -> dict[str, str]:
        """Channels' names ("trust-board"), from conversations.info, remembered."""
        names: dict[str, str] = {}
        for conversation_id in dict.fromkeys(conversation_ids):
            with self._lock:
                known = self._channel_names.get(conversation_id)
            if known is None:
                info = self._channel_info(conversation_id)
                if isinstance(info, ChannelAccess):
                    continue
                known = self._remember_name(conversation_id, info)
            if known:
                names[conversation_id] = known
        return names

    def _remember_name(self, conversation_id: str, info: dict[str, Any]) -> str | None:
        name = info.get("name")
        if not isinstance(name, str) or not name:
            return None
        with self._lock:
            self._channel_names[conversation_id] = name
        return name

"""Setting up the workspace: channels, members, messages, trigger ids and response_urls."""

from __future__ import annotations

import secrets
import time

from .messages import MessageStore
from .records import (
    Channel,
    JsonDict,
    ResponseUrl,
    Trigger,
)


class WorkspaceSetup(MessageStore):
    """The test's set-up of the workspace (users are added by the core)."""

    def add_channel(
        self,
        channel_id: str,
        name: str,
        members: list[str] | None = None,
        bot_member: bool = True,
        *,
        is_private: bool = False,
    ) -> None:
        with self._lock:
            ids = list(dict.fromkeys(members or []))
            for uid in ids:
                if uid not in self._users:
                    raise ValueError(f"add_channel: unknown user {uid!r}; call add_user first")
            if bot_member and self.bot_user_id not in ids:
                ids.append(self.bot_user_id)
            if not bot_member and self.bot_user_id in ids:
                ids.remove(self.bot_user_id)
            self._channels[channel_id] = Channel(
                id=channel_id, name=name, members=ids, is_private=is_private
            )

    def add_member(self, channel_id: str, user_id: str) -> None:
        with self._lock:
            members = self._channels[channel_id].members
            if user_id not in members:
                members.append(user_id)

    def remove_member(self, channel_id: str, user_id: str) -> None:
        with self._lock:
            members = self._channels[channel_id].members
            if user_id in members:
                members.remove(user_id)

    def add_message(
        self,
        channel_id: str,
        user_id: str,
        text: str,
        *,
        thread_ts: str | None = None,
        blocks: list[JsonDict] | None = None,
    ) -> str:
        """Puts a message from a (human) user into a channel, as if typed; returns its ts."""
        with self._lock:
            channel = self._channels[channel_id]
            if thread_ts is not None:
                thread_ts = self._thread_root(channel, thread_ts)
            message = self._new_message(
                channel, user_id, text=text, blocks=blocks, thread_ts=thread_ts
            )
            return str(message["ts"])

    def issue_trigger_id(self, user_id: str | None = None) -> str:
        """A trigger_id as Slack puts in interaction payloads: usable once, within trigger_ttl."""
        with self._lock:
            trigger_id = (
                f"{int(time.time())}.{secrets.randbelow(10**9):09d}.{secrets.token_hex(16)}"
            )
            self._triggers[trigger_id] = Trigger(issued_at=self.clock(), user_id=user_id)
            return trigger_id

    def new_response_url(
        self,
        *,
        channel_id: str | None = None,
        user_id: str | None = None,
        message_ts: str | None = None,
        is_ephemeral: bool = False,
    ) -> str:
        """A response_url served by the emulator; posts to it are validated and recorded.

        When bound to a channel/user/message (as SlackSender does), posts act like Slack:
        ``replace_original``/``delete_original`` change that message, ``response_type:
        in_channel`` posts to the channel, anything else becomes an ephemeral for the user.
        """
        with self._lock:
            url_id = secrets.token_urlsafe(12)
            self._response_urls[url_id] = ResponseUrl(
                channel_id=channel_id,
                user_id=user_id,
                message_ts=message_ts,
                is_ephemeral=is_ephemeral,
            )
            url = f"{self.base_url}/response/{url_id}"
            self._response_url_list.append(url)
            return url

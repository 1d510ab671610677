"""The tenant and its team as the test declares them (users, channels and their rosters), the
personal chats, and how a conversation id names one of them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from .core import ConnectorCore
from .records import (
    THREAD_MARK,
    ConnectorError,
    StoredChannel,
    StoredChat,
    StoredMessage,
    TeamsUser,
    personal_chat_id_for,
)

UserRef = TeamsUser | str


@dataclass
class Target:
    """Where a conversation id points: a channel, a post's thread, or a personal chat."""

    kind: Literal["channel", "thread", "personal"]
    channel: StoredChannel | None = None
    root: StoredMessage | None = None
    chat: StoredChat | None = None


class TenantSetup(ConnectorCore):
    """Declaring the tenant, and looking its people and places up."""

    def add_user(self, user: TeamsUser) -> TeamsUser:
        """A person in the tenant (not yet in any channel's roster)."""
        with self._lock:
            self._users[user.aad_object_id] = user
        return user

    def add_channel(self, channel_id: str, name: str, members: Iterable[UserRef] = ()) -> str:
        """A channel of the team (``19:…@thread.tacv2``) and its roster; the members are added
        to the tenant if new. The General channel exists already, with the team's id: calling
        this with `team_id` renames it and adds to its roster."""
        if not channel_id.startswith("19:"):
            raise ValueError(f"a Teams channel id starts with '19:', not {channel_id!r}")
        with self._lock:
            channel = self._channels.setdefault(channel_id, StoredChannel(channel_id, name))
            channel.name = name
        self.add_members(channel_id, members)
        return channel_id

    def add_members(self, channel_id: str, members: Iterable[UserRef]) -> None:
        with self._lock:
            channel = self._channels[channel_id]
            for member in members:
                user = self.add_user(member) if isinstance(member, TeamsUser) else self.user(member)
                if user.aad_object_id not in channel.members:
                    channel.members.append(user.aad_object_id)

    def remove_member(self, channel_id: str, member: UserRef) -> None:
        with self._lock:
            channel = self._channels[channel_id]
            user = self.user(member)
            if user.aad_object_id in channel.members:
                channel.members.remove(user.aad_object_id)

    # --------------------------------------------------------------------------- lookups

    def user(self, ref: UserRef) -> TeamsUser:
        """A tenant user by TeamsUser, Entra object id or ``29:`` id (KeyError if unknown)."""
        found = self._find_user(ref.aad_object_id if isinstance(ref, TeamsUser) else ref)
        if found is None:
            raise KeyError(f"no user {ref!r} in the tenant")
        return found

    def _find_user(self, ref: str) -> TeamsUser | None:
        with self._lock:
            found = self._users.get(ref)
            if found is None:
                found = next((u for u in self._users.values() if u.teams_id == ref), None)
            return found

    @property
    def users(self) -> list[TeamsUser]:
        with self._lock:
            return list(self._users.values())

    def channel_name(self, channel_id: str) -> str:
        with self._lock:
            return self._channels[channel_id].name

    @property
    def channel_ids(self) -> list[str]:
        """The team's channels, General (the team's id) first."""
        with self._lock:
            return list(self._channels)

    def roster(self, channel_id: str) -> list[TeamsUser]:
        with self._lock:
            return [self._users[aad] for aad in self._channels[channel_id].members]

    def personal_chat_id(self, user: UserRef, *, create: bool = True) -> str | None:
        """The user's personal chat with the bot (created, as when they open the app, unless
        `create` is False: then None if there is none yet)."""
        with self._lock:
            person = self.user(user)
            chat_id = personal_chat_id_for(self.tenant_id, person.aad_object_id)
            if chat_id not in self._chats:
                if not create:
                    return None
                self._chats[chat_id] = StoredChat(chat_id, person.aad_object_id)
            return chat_id

    # ---------------------------------------------------------------------- resolution

    def _target(self, conversation_id: str) -> Target:
        """What a conversation id names; 404 ConversationNotFound if nothing."""
        base, marked, root_id = conversation_id.partition(THREAD_MARK)
        if base in self._chats and not marked:
            return Target("personal", chat=self._chats[base])
        channel = self._channels.get(base)
        if channel is not None and not marked:
            return Target("channel", channel=channel)
        root = self._messages.get(root_id) if channel is not None else None
        if root is not None and root.channel_id == base and root.root_id is None:
            return Target("thread", channel=channel, root=root)
        raise ConnectorError(404, "ConversationNotFound", "Conversation not found.")

    def _members_of(self, target: Target) -> list[TeamsUser]:
        if target.chat is not None:
            return [self._users[target.chat.user]]
        assert target.channel is not None
        return [self._users[aad] for aad in target.channel.members]

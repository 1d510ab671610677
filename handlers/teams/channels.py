"""The team's channels and people, for set-up: what a chair picks from.

Teams lets an app post to every channel of a team it is installed in, so a channel is READY when
the Bot Connector lists it among the channels of a team the app has seen
(``GET /v3/teams/{team id}/conversations``; the General channel has no name there, and its id
is the team's), or when Teams has sent the app an activity from it. When the connector will not
list a team's channels, the channels the app has seen stand in (``TeamChannelList.listed`` is
then False, and the form says so)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

import structlog
from microsoft_agents.hosting.core.connector.conversations_base import ConversationsBase

from bot.ports import ChannelAccess, ChatError
from handlers.teams.connector import Connector
from handlers.teams.directory import CHANNEL, Directory, base_conversation

log = structlog.get_logger(__name__)

GENERAL = "General"
LIST_LIFETIME = 60.0  # seconds a team's channel list is kept before it is read again


@dataclass(frozen=True)
class TeamChannel:
    id: str
    name: str


@dataclass(frozen=True)
class TeamChannelList:
    channels: tuple[TeamChannel, ...]
    listed: bool  # False: Teams would not list them; these are the channels the app has seen


def channel_list(team_id: str, body: Any) -> tuple[TeamChannel, ...]:
    """A ConversationList (``{"conversations": [{"id", "name"}]}``) as channels; General has
    no name in it."""
    found: list[TeamChannel] = []
    entries = body.get("conversations") if isinstance(body, dict) else None
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and isinstance(entry.get("id"), str):
            name = entry.get("name")
            general = entry["id"] == team_id or not name
            found.append(TeamChannel(entry["id"], GENERAL if general else str(name)))
    return tuple(found)


class TeamChannels:
    """Reads and caches the channel lists of the teams the app is in."""

    def __init__(
        self,
        connector: Connector,
        directory: Directory,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.connector = connector
        self.directory = directory
        self._clock = clock
        self._lists: dict[str, tuple[float, tuple[TeamChannel, ...]]] = {}
        self._lock = threading.Lock()

    # ---------------------------------------------------------------- teams

    def team_of(self, conversation_id: str) -> str | None:
        record = self.directory.record(base_conversation(conversation_id))
        return record.team_id if record is not None else None

    def known_teams(self) -> list[str]:
        """The teams of the channels the app has seen, the most recent first."""
        teams = [r.team_id for r in self.directory.store.channels() if r.team_id]
        return list(dict.fromkeys(teams))

    def _read(self, team_id: str) -> tuple[TeamChannel, ...] | None:
        """The team's channels as the connector lists them; None when it will not."""
        with self._lock:
            cached = self._lists.get(team_id)
        if cached is not None and self._clock() - cached[0] < LIST_LIFETIME:
            return cached[1]

        async def fetch(api: ConversationsBase) -> Any:
            session = cast(Any, api).client  # the SDK's aiohttp session on the service URL
            async with session.get(f"v3/teams/{team_id}/conversations") as response:
                response.raise_for_status()
                return await response.json()

        try:
            service_url = self.directory.service_url(team_id)
            body = self.connector.call(
                service_url, fetch, "listing the team's channels", idempotent=True
            )
        except ChatError as exc:
            log.warning("teams_channels_not_listed", error=str(exc))
            return None
        channels = channel_list(team_id, body)
        with self._lock:
            self._lists[team_id] = (self._clock(), channels)
        return channels

    def _seen(self, team_id: str | None) -> tuple[TeamChannel, ...]:
        names = dict(self._cached_names())
        return tuple(
            TeamChannel(
                r.conversation_id,
                GENERAL if r.conversation_id == r.team_id else names.get(r.conversation_id, ""),
            )
            for r in self.directory.store.channels()
            if team_id is None or r.team_id in (team_id, None)
        )

    def of_team(self, team_id: str | None) -> TeamChannelList:
        """The team's channels to pick from (or the channels the app has seen)."""
        listed = self._read(team_id) if team_id else None
        if listed is not None:
            return TeamChannelList(listed, True)
        return TeamChannelList(self._seen(team_id), False)

    # ---------------------------------------------------------------- the port

    def prepare_channel(self, conversation_id: str, join: bool = True) -> ChannelAccess:
        """READY for a channel of a team the app is in (Teams needs no joining), UNKNOWN for
        anything else (a chat, a channel of another team, an id made up)."""
        channel = base_conversation(conversation_id)
        if not channel:
            return ChannelAccess.UNKNOWN
        seen = self.directory.store.conversation(channel)
        if seen is not None and seen.kind == CHANNEL:
            return ChannelAccess.READY
        for team in self.known_teams():
            listed = self._read(team)
            if listed is not None and any(c.id == channel for c in listed):
                return ChannelAccess.READY
        return ChannelAccess.UNKNOWN

    def _cached_names(self) -> list[tuple[str, str]]:
        with self._lock:
            lists = [channels for _, channels in self._lists.values()]
        return [(c.id, c.name) for channels in lists for c in channels]

    def channel_names(self, conversation_ids: Sequence[str]) -> dict[str, str]:
        """The channels' names as Teams shows them (only channels of teams listed)."""
        wanted = {base_conversation(c) for c in conversation_ids}
        if wanted - dict(self._cached_names()).keys():
            for team in self.known_teams():
                self._read(team)
        return {c: name for c, name in self._cached_names() if c in wanted}

    def name(self, channel_id: str) -> str | None:
        """A channel's name if a list read already gave it (no call)."""
        return dict(self._cached_names()).get(base_conversation(channel_id))

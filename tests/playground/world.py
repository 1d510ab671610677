"""The tenant the Agents Playground plays: its bot, users, chats, team and channels, as written in
its ``.m365agentsplayground.yml`` (schema 0.1.1, bundled in the package's dist/index.js).

The Playground holds these limits (its JSON schema): exactly five users besides the current one,
one group chat, one team whose General channel's id is the team's id, and at most ONE channel
besides General. Everyone is in the team (so in every channel) and in the group chat."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
#: the world `make playground` runs and teams/playground/app.yaml names
COMMITTED_CONFIG = ROOT / "teams" / "playground" / ".m365agentsplayground.yml"
CONFIG_FILE_NAME = ".m365agentsplayground.yml"
SCHEMA_VERSION = "0.1.1"


@dataclass(frozen=True)
class User:
    id: str  # the Bot Framework id (``from.id``)
    name: str
    aad_object_id: str  # ``from.aadObjectId``
    upn: str
    given_name: str
    surname: str

    def document(self) -> dict[str, str]:
        return {
            "id": self.id,
            "name": self.name,
            "userPrincipleName": self.upn,  # sic: the Playground's spelling
            "aadObjectId": self.aad_object_id,
            "givenName": self.given_name,
            "surname": self.surname,
            "email": self.upn,
        }

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> User:
        return cls(
            id=str(doc["id"]),
            name=str(doc["name"]),
            aad_object_id=str(doc["aadObjectId"]),
            upn=str(doc["userPrincipleName"]),
            given_name=str(doc["givenName"]),
            surname=str(doc["surname"]),
        )


@dataclass(frozen=True)
class Channel:
    id: str
    name: str


@dataclass(frozen=True)
class World:
    tenant_id: str
    bot_id: str
    bot_name: str
    current_user: User  # the one who types in the web UI
    users: tuple[User, ...]  # exactly five others
    personal_chat_id: str  # the current user's personal chat with the bot
    group_chat_id: str
    group_chat_name: str
    team_id: str  # also the General channel's conversation id
    team_name: str
    team_aad_group_id: str
    channel: Channel  # the one channel besides General

    @property
    def everyone(self) -> tuple[User, ...]:
        return (self.current_user, *self.users)

    @property
    def general(self) -> Channel:
        return Channel(self.team_id, "General")

    @property
    def channels(self) -> tuple[Channel, Channel]:
        return (self.general, self.channel)

    def user(self, key: User | str) -> User:
        """A user by itself, id, aadObjectId or name."""
        if isinstance(key, User):
            return key
        for user in self.everyone:
            if key in (user.id, user.aad_object_id, user.name):
                return user
        raise KeyError(f"no Playground user {key!r}")

    def document(self) -> dict[str, Any]:
        return {
            "version": SCHEMA_VERSION,
            "tenantId": self.tenant_id,
            "bot": {"id": self.bot_id, "name": self.bot_name},
            "currentUser": self.current_user.document(),
            "users": [user.document() for user in self.users],
            "personalChat": {"id": self.personal_chat_id},
            "groupChat": {"id": self.group_chat_id, "name": self.group_chat_name},
            "team": {
                "id": self.team_id,
                "name": self.team_name,
                "aadGroupId": self.team_aad_group_id,
                "channels": [{"id": self.channel.id, "name": self.channel.name}],
            },
        }

    def write(self, folder: Path) -> Path:
        """Write the world as ``folder/.m365agentsplayground.yml``; answer its path."""
        path = folder / CONFIG_FILE_NAME
        path.write_text(
            "# The Agents Playground's tenant (see teams/playground/NOTES.md)\n"
            + yaml.safe_dump(self.document(), sort_keys=False, allow_unicode=True),
            encoding="utf-8",
        )
        return path

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> World:
        team = doc["team"]
        (channel,) = team["channels"]
        return cls(
            tenant_id=str(doc["tenantId"]),
            bot_id=str(doc["bot"]["id"]),
            bot_name=str(doc["bot"]["name"]),
            current_user=User.from_document(doc["currentUser"]),
            users=tuple(User.from_document(user) for user in doc["users"]),
            personal_chat_id=str(doc["personalChat"]["id"]),
            group_chat_id=str(doc["groupChat"]["id"]),
            group_chat_name=str(doc["groupChat"]["name"]),
            team_id=str(team["id"]),
            team_name=str(team["name"]),
            team_aad_group_id=str(team["aadGroupId"]),
            channel=Channel(str(channel["id"]), str(channel["name"])),
        )


def load_world(path: Path = COMMITTED_CONFIG) -> World:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(document, dict), f"{path} is not a YAML mapping"
    return World.from_document(document)

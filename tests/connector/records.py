"""The double's records (users, channels, messages, calls), its errors and the wire helpers
shared by its modules."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

JsonDict = dict[str, Any]

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
MAX_MESSAGE_BYTES = 28 * 1024
MAX_CARD_VERSION = (1, 5)
THREAD_MARK = ";messageid="
DEFAULT_TENANT_ID = "5d2e8f41-7c3b-4a9e-b1d6-0f8a2c4e6b13"
DEFAULT_APP_ID = "a3c7e9b1-2d4f-4e6a-8c0b-1f3d5e7a9c2b"
_NAMESPACE = uuid.UUID("0e1c5b2a-9f4d-4c3e-8a7b-6d5f4e3c2b1a")
LostHow = Literal["500", "drop"]


def stable_uuid(*parts: str) -> str:
    """A GUID derived from `parts`, the same on every run."""
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts)))


def channel_id_for(name: str) -> str:
    """A channel id shaped like Teams' (``19:<32 hex>@thread.tacv2``), derived from `name`."""
    return f"19:{uuid.uuid5(_NAMESPACE, 'channel/' + name).hex}@thread.tacv2"


def _opaque(*parts: str, length: int = 60) -> str:
    digest = hashlib.sha512("/".join(parts).encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")[:length]


def teams_id_for(aad_object_id: str) -> str:
    """A user's Bot Framework id shaped like Teams' (``29:1`` and an opaque string)."""
    return "29:1" + _opaque("user", aad_object_id)


def personal_chat_id_for(tenant_id: str, aad_object_id: str) -> str:
    """A personal chat's id shaped like Teams' (``a:1`` and an opaque string)."""
    return "a:1" + _opaque("chat", tenant_id, aad_object_id, length=80)


@dataclass(frozen=True)
class TeamsUser:
    """A person in the tenant: their Entra object id, their Bot Framework id (``29:…``) and name.

    ``TeamsUser.named("Alice Smith")`` derives both ids from the name (the same on every run)."""

    aad_object_id: str
    teams_id: str
    name: str
    given_name: str | None = None
    surname: str | None = None
    email: str | None = None
    user_role: str = "user"

    @classmethod
    def named(cls, name: str, **details: Any) -> TeamsUser:
        aad = stable_uuid("user", name)
        return cls(aad_object_id=aad, teams_id=teams_id_for(aad), name=name, **details)

    @property
    def account(self) -> JsonDict:
        """The user as an activity's ``from`` (Teams: id, name, aadObjectId)."""
        return {"id": self.teams_id, "name": self.name, "aadObjectId": self.aad_object_id}

    def member(self, tenant_id: str, domain: str) -> JsonDict:
        """The user as Teams lists conversation members (a TeamsChannelAccount)."""
        first, _, last = self.name.partition(" ")
        mail = (
            self.email
            or f"{re.sub(r'[^a-z0-9.]', '', self.name.lower().replace(' ', '.'))}@{domain}"
        )
        return {
            "id": self.teams_id,
            "name": self.name,
            "aadObjectId": self.aad_object_id,
            "givenName": self.given_name if self.given_name is not None else first,
            "surname": self.surname if self.surname is not None else (last or None),
            "email": mail,
            "userPrincipalName": mail,
            "tenantId": tenant_id,
            "userRole": self.user_role,
        }


@dataclass(frozen=True)
class Call:
    """One request to the double as it saw and answered it (never its body)."""

    method: str
    path: str
    query: Mapping[str, str]
    operation: str | None
    status: int
    authorization: str | None
    time: float
    error: str | None = None  # the Bot Framework error code, if refused
    problems: tuple[str, ...] = ()
    conversation_id: str | None = None
    activity_id: str | None = None  # the id created or updated
    answer_lost: str | None = None  # how the answer was lost (see `lose_next_answer`)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


@dataclass
class Fault:
    kind: Literal["rate_limit", "fail", "lose"]
    remaining: int
    method: str | None
    path: re.Pattern[str] | None
    operation: str | None
    status: int = 500
    retry_after: int = 1
    how: LostHow = "500"

    def matches(self, method: str, path: str, operation: str | None) -> bool:
        return (
            (self.method is None or self.method == method)
            and (self.path is None or self.path.search(path) is not None)
            and (self.operation is None or self.operation == operation)
        )


@dataclass
class StoredMessage:
    """The double's own, mutable record of a message (inspection hands out `Message`s)."""

    id: str
    conversation_id: str
    channel_id: str | None
    root_id: str | None
    author_id: str
    from_bot: bool
    original: JsonDict
    updates: list[JsonDict] = field(default_factory=list)
    replies: list[StoredMessage] = field(default_factory=list)
    deleted: bool = False


@dataclass
class StoredChannel:
    id: str
    name: str
    members: list[str] = field(default_factory=list)  # aad object ids, in roster order
    posts: list[StoredMessage] = field(default_factory=list)


@dataclass
class StoredChat:
    id: str
    user: str  # aad object id
    messages: list[StoredMessage] = field(default_factory=list)


class ConnectorError(Exception):
    """A Bot Framework error answer: ``{"error": {"code": ..., "message": ...}}``."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        problems: tuple[str, ...] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.problems = problems
        self.headers = dict(headers or {})

    def body(self) -> JsonDict:
        return {"error": {"code": self.code, "message": self.message}}


class AnswerWithheld(Exception):
    """Raised to the HTTP handler: close the connection without answering."""


def message_bytes(activity: Mapping[str, Any]) -> int:
    """The size the double holds against `MAX_MESSAGE_BYTES`: the activity as compact UTF-8 JSON
    (so neither the sender's whitespace nor its ``\\u`` escapes count)."""
    compact = json.dumps(activity, ensure_ascii=False, separators=(",", ":"))
    return len(compact.encode("utf-8"))


def json_reply(
    status: int, body: JsonDict | list[Any], headers: Mapping[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    out = {"Content-Type": "application/json; charset=utf-8", **(headers or {})}
    return status, out, json.dumps(body).encode("utf-8")


@dataclass
class Request:
    """One routed request: its operation's parameters from the path, its query and its body."""

    method: str
    path: str
    params: dict[str, str]
    query: dict[str, str]
    body: Any = None  # the parsed JSON, for POST and PUT


@dataclass
class Answer:
    status: int
    body: JsonDict | list[Any]
    conversation_id: str | None = None
    activity_id: str | None = None

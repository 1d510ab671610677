"""Activities shaped as Teams sends them to a bot: the envelope (ids, times, service URL, the
conversation and channelData of a channel or a personal chat), messages, invokes and the
installation events."""

from __future__ import annotations

import html
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .double import ConnectorDouble
from .records import THREAD_MARK, JsonDict

LOCALE = "en-GB"
TIMEZONE = "Europe/London"


@dataclass(frozen=True)
class Place:
    """Where an activity happens: its conversation id, and the channel if it is in one."""

    conversation_id: str
    channel_id: str | None


def place_of(double: ConnectorDouble, conversation_id: str) -> Place:
    if conversation_id.startswith("a:"):
        return Place(conversation_id, None)
    channel_id = conversation_id.partition(THREAD_MARK)[0]
    if channel_id not in double.channel_ids:
        raise ValueError(f"{channel_id!r} is neither a channel of the team nor a personal chat")
    return Place(conversation_id, channel_id)


def event_id() -> str:
    """An id as Teams gives invokes and events (``f:`` and a GUID)."""
    return f"f:{uuid.uuid4()}"


def envelope(
    double: ConnectorDouble,
    kind: str,
    place: Place,
    sender: JsonDict,
    *,
    activity_id: str,
    service_url: str,
) -> JsonDict:
    """What every activity from Teams carries."""
    now = datetime.now(UTC)
    conversation: JsonDict = {"conversationType": "personal", "tenantId": double.tenant_id}
    channel_data: JsonDict = {"tenant": {"id": double.tenant_id}}
    if place.channel_id is not None:
        conversation = {
            "isGroup": True,
            "conversationType": "channel",
            "tenantId": double.tenant_id,
        }
        channel_data = {
            "teamsChannelId": place.channel_id,
            "teamsTeamId": double.team_id,
            "channel": {"id": place.channel_id, "name": double.channel_name(place.channel_id)},
            "team": {
                "id": double.team_id,
                "name": double.team_name,
                "aadGroupId": double.team_aad_group_id,
            },
            **channel_data,
        }
    conversation["id"] = place.conversation_id
    return {
        "type": kind,
        "id": activity_id,
        "timestamp": now.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "localTimestamp": now.isoformat(timespec="milliseconds"),
        "localTimezone": TIMEZONE,
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": sender,
        "conversation": conversation,
        "recipient": {"id": double.bot_id, "name": double.bot_name},
        "entities": [client_info()],
        "channelData": channel_data,
        "locale": LOCALE,
    }


def client_info() -> JsonDict:
    return {
        "type": "clientInfo",
        "locale": LOCALE,
        "country": "GB",
        "platform": "Web",
        "timezone": TIMEZONE,
    }


def bot_mention(double: ConnectorDouble) -> JsonDict:
    return {
        "type": "mention",
        "text": f"<at>{double.bot_name}</at>",
        "mentioned": {"id": double.bot_id, "name": double.bot_name},
    }


def message_fields(text: str, mentions: list[JsonDict]) -> JsonDict:
    """A user's message: its text, its HTML rendering (Teams attaches one) and mentions."""
    rendered = html.escape(text)
    for index, mention in enumerate(mentions):
        name = html.escape(str(mention["mentioned"]["name"]))
        span = (
            f'<span itemscope="" itemtype="http://schema.skype.com/Mention" itemid="{index}">'
            f"{name}</span>"
        )
        rendered = rendered.replace(html.escape(str(mention["text"])), span, 1)
    return {
        "text": text,
        "textFormat": "plain",
        "attachments": [{"contentType": "text/html", "content": f"<p>{rendered}</p>"}],
    }


def invoke_fields(reply_to_id: str, verb: str, data: Any) -> JsonDict:
    return {
        "name": "adaptiveCard/action",
        "replyToId": reply_to_id,
        "value": {
            "action": {"type": "Action.Execute", "verb": verb, "data": data},
            "trigger": "manual",
        },
    }


def installation_fields(action: str, channel_id: str) -> JsonDict:
    """An installationUpdate's own fields (the envelope's conversation is the team's)."""
    return {
        "action": action,
        "channelData": {
            "settings": {"selectedChannel": {"id": channel_id}},
            "source": {"name": "message"} if action == "add" else None,
        },
    }


def members_fields(double: ConnectorDouble, added: bool, channel_id: str) -> JsonDict:
    """A conversationUpdate for the bot joining (or leaving) the team."""
    key = "membersAdded" if added else "membersRemoved"
    return {
        key: [{"id": double.bot_id}],
        "channelData": {
            "eventType": "teamMemberAdded" if added else "teamMemberRemoved",
            "settings": {"selectedChannel": {"id": channel_id}},
        },
    }


def merged(base: JsonDict, extra: JsonDict) -> JsonDict:
    """`extra` laid over `base`, channelData merged one level deep (None drops a key)."""
    out = {**base, **{k: v for k, v in extra.items() if k != "channelData"}}
    channel_data = {**base.get("channelData", {}), **extra.get("channelData", {})}
    out["channelData"] = {k: v for k, v in channel_data.items() if v is not None}
    return out

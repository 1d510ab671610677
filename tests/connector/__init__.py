"""A local Microsoft Teams for tests: a Bot Connector (v3) double the app's SDK connector client
talks to, and a client that sends the app what Teams sends. No network needed.

    with ConnectorDouble() as teams:
        alice = TeamsUser.named("Alice Smith")
        board = teams.add_channel(channel_id_for("board"), "trust-board", [alice])
        client = TeamsClient(app_url, teams)
        client.mention(alice, board, "domain 4")
"""

from .cards import CardAction, activity_problems, card_problems
from .double import ConnectorDouble
from .messages import ChannelPost, Message
from .records import (
    ADAPTIVE_CARD,
    MAX_MESSAGE_BYTES,
    Call,
    TeamsUser,
    channel_id_for,
    message_bytes,
    personal_chat_id_for,
    teams_id_for,
)
from .teams_client import AppAnswer, TeamsClient

__all__ = [
    "ADAPTIVE_CARD",
    "MAX_MESSAGE_BYTES",
    "AppAnswer",
    "Call",
    "CardAction",
    "ChannelPost",
    "ConnectorDouble",
    "Message",
    "TeamsClient",
    "TeamsUser",
    "activity_problems",
    "card_problems",
    "channel_id_for",
    "message_bytes",
    "personal_chat_id_for",
    "teams_id_for",
]

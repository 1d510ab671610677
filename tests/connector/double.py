"""A local Bot Connector (v3) speaking as Teams does, for tests that run without a network.

Point the app at it by giving the activities it receives ``serviceUrl = double.url`` (the
`TeamsClient` does): the SDK's connector client then calls the double. It is a real HTTP server
(ThreadingHTTPServer on 127.0.0.1, a free port) in a daemon thread. It keeps a tenant with one
team (channels with rosters, the General channel's id being the team's), personal chats, the
bot's and users' messages and their threads; answers as Teams does (Bot Framework error bodies,
13-digit message ids, ``a:…`` personal chats); refuses what Teams refuses (over 28 KB, bad
cards, no JSON Content-Type); and records every call for assertions.
"""

from __future__ import annotations

from .activities import ActivitiesApi
from .core import Operation
from .faults import FaultInjection
from .inspection import Inspection
from .members import MembersApi


class ConnectorDouble(ActivitiesApi, MembersApi, Inspection, FaultInjection):
    """Bot Connector v3 as Teams speaks it. Use as a context manager (or `start` / `stop`).

    Set-up: ``ConnectorDouble(users=[...], page_size=2)``, `add_user`, `add_channel`,
    `add_members`. Reading back: `posts`, `post`, `message`, `personal_messages`,
    `bot_messages`, `find_card(s)`, `calls`, `rejections`, `wait_for`. Faults: `rate_limit`,
    `fail`, `lose_next_answer`."""

    def _operation_table(self) -> dict[str, Operation]:
        return {
            "create_conversation": self._create_conversation,
            "send_to_conversation": self._send_to_conversation,
            "reply_to_activity": self._reply_to_activity,
            "update_activity": self._update_activity,
            "delete_activity": self._delete_activity,
            "get_conversation_members": self._get_conversation_members,
            "get_conversation_member": self._get_conversation_member,
            "get_conversation_paged_members": self._get_conversation_paged_members,
            "fetch_team_details": self._fetch_team_details,
            "fetch_channel_list": self._fetch_channel_list,
        }

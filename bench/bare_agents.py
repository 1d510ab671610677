"""Teams' floor: a bare Agents SDK app (CloudAdapter and AgentApplication, anonymous) that answers
every Adaptive Card action with an empty card, on the same aiohttp hosting as the app."""

from __future__ import annotations

import os
import re
import signal
from types import FrameType
from typing import Any

from aiohttp import web
from microsoft_agents.activity import AdaptiveCardInvokeResponse
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import (
    AgentApplication,
    ApplicationOptions,
    MemoryStorage,
    TurnContext,
    TurnState,
)
from microsoft_agents.hosting.core.authorization import AgentAuthConfiguration

from handlers.teams.adaptive import CARD_CONTENT_TYPE, CARD_SCHEMA, CARD_VERSION
from handlers.teams.server import AiohttpServer, build_web_app

EMPTY_CARD = {"type": "AdaptiveCard", "$schema": CARD_SCHEMA, "version": CARD_VERSION, "body": []}


def build() -> web.Application:
    auth = AgentAuthConfiguration(anonymous_allowed=True)
    connections = MsalConnectionManager(connections_configurations={"SERVICE_CONNECTION": auth})
    adapter = CloudAdapter(connection_manager=connections)
    agent: AgentApplication[TurnState] = AgentApplication[TurnState](
        ApplicationOptions(storage=MemoryStorage(), bot_app_id="", start_typing_timer=False),
        connection_manager=connections,
    )

    @agent.adaptive_card.action_execute(re.compile(".*"))
    async def answer(
        _context: TurnContext, _state: TurnState, _data: Any
    ) -> AdaptiveCardInvokeResponse:
        return AdaptiveCardInvokeResponse(status_code=200, type=CARD_CONTENT_TYPE, value=EMPTY_CARD)

    async def healthy() -> bool:
        return True

    async def no_files(_request: web.Request) -> web.StreamResponse:
        return web.Response(status=404)

    return build_web_app(adapter, agent, auth, None, no_files, healthy)


def main() -> None:
    server = AiohttpServer(build(), "127.0.0.1", int(os.environ["PORT"]))

    def stop(_signum: int, _frame: FrameType | None) -> None:
        server.close()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    server.run()


if __name__ == "__main__":
    main()

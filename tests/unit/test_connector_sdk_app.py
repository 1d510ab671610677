"""The double and the TeamsClient around a real SDK app (AgentApplication on aiohttp, anonymous):
what the Teams front end will be, in miniature. A mention is answered in its thread, a card
click updates the card and answers the invoke, the installation is welcomed in General."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from aiohttp import web
from microsoft_agents.activity import Activity, AdaptiveCardInvokeResponse, Attachment
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.aiohttp import CloudAdapter, start_agent_process
from microsoft_agents.hosting.core import (
    AgentApplication,
    ApplicationOptions,
    MemoryStorage,
    TurnContext,
    TurnState,
)
from microsoft_agents.hosting.core.authorization import AgentAuthConfiguration

from tests.connector import (
    ADAPTIVE_CARD,
    ConnectorDouble,
    Message,
    TeamsClient,
    TeamsUser,
    channel_id_for,
)

ALICE, BOB = TeamsUser.named("Alice Smith"), TeamsUser.named("Bob Jones")
BOARD = channel_id_for("trust-board")


def vote_card(votes: int) -> Attachment:
    card = {
        "type": "AdaptiveCard",
        "version": "1.5",
        "body": [{"type": "TextBlock", "text": f"Q1 votes: {votes}"}],
        "actions": [{"type": "Action.Execute", "title": "Vote", "verb": "vote", "data": {"q": 1}}],
    }
    return Attachment(content_type=ADAPTIVE_CARD, content=card)


def agent() -> tuple[AgentApplication[TurnState], CloudAdapter]:
    connections = MsalConnectionManager(
        connections_configurations={
            "SERVICE_CONNECTION": AgentAuthConfiguration(anonymous_allowed=True)
        }
    )
    adapter = CloudAdapter(connection_manager=connections)
    app = AgentApplication[TurnState](
        ApplicationOptions(storage=MemoryStorage(), start_typing_timer=False),
        connection_manager=connections,
    )
    votes: list[str] = []

    @app.conversation_update("membersAdded")
    async def welcome(context: TurnContext, state: TurnState) -> None:
        await context.send_activity("Hello, board")

    @app.message()
    async def heard(context: TurnContext, state: TurnState) -> None:
        await context.send_activity(f"heard: {context.activity.text}")
        await context.send_activity(Activity(type="message", attachments=[vote_card(0)]))

    @app.adaptive_card.action_execute("vote")
    async def vote(context: TurnContext, state: TurnState, data: Any) -> AdaptiveCardInvokeResponse:
        votes.append(context.activity.from_property.name or "")
        updated = Activity(
            type="message", id=context.activity.reply_to_id, attachments=[vote_card(len(votes))]
        )
        await context.update_activity(updated)
        return AdaptiveCardInvokeResponse(
            status_code=200,
            type="application/vnd.microsoft.activity.message",
            value="Vote recorded",
        )

    return app, adapter


class SdkAppServer:
    """The app served by aiohttp on a free port, in a thread with its own event loop."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.port = 0
        self._ready = threading.Event()
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> SdkAppServer:
        self._thread.start()
        assert self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        runner = self._runner
        if runner is not None:
            asyncio.run_coroutine_threadsafe(runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        bot, adapter = agent()

        async def messages(request: web.Request) -> web.StreamResponse:
            response = await start_agent_process(request, bot, adapter)
            return response if response is not None else web.Response(status=202)

        web_app = web.Application()
        web_app.router.add_post("/api/messages", messages)
        self._runner = web.AppRunner(web_app)
        self.loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        self.loop.run_until_complete(site.start())
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        self._ready.set()
        self.loop.run_forever()


@pytest.fixture
def teams() -> Iterator[tuple[ConnectorDouble, TeamsClient]]:
    with ConnectorDouble() as double, SdkAppServer() as server:
        double.add_channel(BOARD, "trust-board", [ALICE, BOB])
        double.add_members(double.team_id, [ALICE, BOB])
        yield double, TeamsClient(server.url, double)


def test_the_app_is_welcomed_in_general(teams: tuple[ConnectorDouble, TeamsClient]) -> None:
    double, client = teams
    assert [a.status for a in client.install(BOARD)] == [202, 202]
    [post] = double.wait_for(lambda: double.posts(double.team_id))
    assert post.text == "Hello, board" and post.from_bot


def test_a_mention_is_answered_in_its_thread_and_a_click_updates_the_card(
    teams: tuple[ConnectorDouble, TeamsClient],
) -> None:
    double, client = teams
    asked = client.mention(ALICE, BOARD, "domain 4")
    assert asked.status == 202
    post_id = asked.activity["id"]

    def answered() -> tuple[Message, ...]:
        replies = double.post(post_id).replies
        return replies if len(replies) == 2 else ()

    replies = double.wait_for(answered)
    assert replies[0].text == "heard: domain 4"  # the SDK took the bot's mention out
    card = double.find_card("Q1 votes: 0", conversation_id=BOARD)
    answer = client.click(BOB, card, "Vote")
    assert answer.status == 200 and answer.json["value"] == "Vote recorded"
    assert double.message(card.id).words.splitlines()[1:] == ["Q1 votes: 1", "Vote"]
    sent = [(c.operation, c.status, c.authorization) for c in double.calls]
    assert sent == [
        ("reply_to_activity", 201, None),
        ("reply_to_activity", 201, None),
        ("update_activity", 200, None),
    ]

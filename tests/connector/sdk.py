"""Driving the double with the SDK's own connector client from synchronous test code (the
Teams front end calls the same client; these helpers prove the double answers it)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from microsoft_agents.activity import Activity
from microsoft_agents.hosting.core.connector.teams import TeamsConnectorClient

from .double import ConnectorDouble
from .records import ADAPTIVE_CARD

T = TypeVar("T")


def run_client(
    double: ConnectorDouble,
    use: Callable[[TeamsConnectorClient], Awaitable[T]],
    token: str = "",
) -> T:
    """Runs ``use(client)`` with a `TeamsConnectorClient` on the double (anonymous unless
    `token`), in a fresh event loop, and closes the client."""

    async def go() -> T:
        client = TeamsConnectorClient(endpoint=double.url, token=token)
        try:
            return await use(client)
        finally:
            await client.close()

    return asyncio.run(go())


def send(double: ConnectorDouble, conversation_id: str, activity: Activity) -> str:
    """``send_to_conversation`` through the SDK; the new message's id."""

    async def go(client: TeamsConnectorClient) -> str:
        sent = await client.conversations.send_to_conversation(conversation_id, activity)
        assert sent.id is not None
        return sent.id

    return run_client(double, go)


def message(text: str = "hello", **fields: Any) -> Activity:
    """A message activity (``type`` and other fields may be given)."""
    return Activity(**{"type": "message", "text": text, **fields})


def card_message(card: dict[str, Any]) -> Activity:
    """A message with one Adaptive Card."""
    return Activity.model_validate(
        {"type": "message", "attachments": [{"contentType": ADAPTIVE_CARD, "content": card}]}
    )

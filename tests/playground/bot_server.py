"""A Microsoft 365 Agents SDK app (``AgentApplication`` behind the aiohttp ``CloudAdapter``, no
credentials: anonymous, as the Playground calls it) served on 127.0.0.1 on a thread of its own,
recording the raw JSON of every activity it receives. Test bots subclass it."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Any, Self

from aiohttp import web
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import (
    AgentApplication,
    AgentAuthConfiguration,
    ApplicationOptions,
    MemoryStorage,
    TurnState,
)

from tests.playground.process import free_port

JsonDict = dict[str, Any]


class BotServer:
    """``app`` on ``endpoint`` (POST /api/messages) between ``start`` and ``stop``."""

    def __init__(self) -> None:
        self.received: list[JsonDict] = []
        self._lock = threading.Lock()
        connections = MsalConnectionManager(
            connections_configurations={
                "SERVICE_CONNECTION": AgentAuthConfiguration(anonymous_allowed=True)
            }
        )
        self.adapter = CloudAdapter(connection_manager=connections)
        self.app = AgentApplication[TurnState](
            ApplicationOptions(storage=MemoryStorage()), connection_manager=connections
        )
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/messages"

    def activities(self, kind: str | None = None) -> list[JsonDict]:
        with self._lock:
            return [a for a in self.received if kind is None or a.get("type") == kind]

    def wait_for_activity(
        self, predicate: Callable[[JsonDict], bool], timeout: float = 10.0
    ) -> JsonDict:
        """The first activity received that matches; waits up to ``timeout`` s."""
        deadline = time.monotonic() + timeout
        while True:
            for activity in self.activities():
                if predicate(activity):
                    return activity
            if time.monotonic() > deadline:
                kinds = [(a.get("type"), a.get("name")) for a in self.activities()]
                raise AssertionError(f"no matching activity in {timeout} s; received {kinds}")
            time.sleep(0.05)

    async def _messages(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        with self._lock:
            self.received.append(body)
        response = await self.adapter.process(request, self.app)
        return response if response is not None else web.Response(status=202)

    def start(self) -> Self:
        ready = threading.Event()
        self.port = free_port()

        def serve() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            server = web.Application()
            server.router.add_post("/api/messages", self._messages)
            runner = web.AppRunner(server)
            loop.run_until_complete(runner.setup())
            loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", self.port).start())
            ready.set()
            loop.run_forever()
            loop.run_until_complete(runner.cleanup())
            loop.close()

        self._thread = threading.Thread(target=serve, name=type(self).__name__, daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError(f"{type(self).__name__} did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)

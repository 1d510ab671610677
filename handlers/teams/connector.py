"""Calls to the Bot Connector (Teams' REST API) from any thread, through the Agents SDK's own
connector client.

The SDK's client is asynchronous; the core is not. One event loop on its own thread makes every
outgoing call, and a caller waits for its answer. One client per service URL is kept (its
connections are reused) and renewed before its access token can expire.

A 429 is waited out (after its Retry-After) and the call made again: Teams created nothing.
A call that creates nothing (an update, a read) is also tried again after a 5xx, a lost
connection or a time-out, a few times, soon (as Slack's client does). Every other failure reaches
the caller: creating calls are retried only by the outbox.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TypeVar

import aiohttp
import structlog
from microsoft_agents.hosting.core import ChannelServiceClientFactoryBase
from microsoft_agents.hosting.core.authorization import ClaimsIdentity
from microsoft_agents.hosting.core.connector import ConnectorClientBase
from microsoft_agents.hosting.core.connector.conversations_base import ConversationsBase

from bot.ports import ChatError

log = structlog.get_logger(__name__)

T = TypeVar("T")
Operation = Callable[[ConversationsBase], Awaitable[T]]

CALL_TIMEOUT = 30.0
RATE_LIMIT_TRIES = 5
#: the waits before another try of a call that creates nothing, after a 5xx or a lost connection
IDEMPOTENT_RETRY_DELAYS = (0.5, 1.0, 2.0)
MAX_RETRY_AFTER = 30.0
CLIENT_LIFETIME = 30 * 60.0  # an access token lasts about an hour
#: statuses another attempt will not fix (a bad card, an unknown conversation, no permission)
PERMANENT_STATUSES = {400, 401, 403, 404, 405, 409, 410, 413}


def retry_after(error: aiohttp.ClientResponseError) -> float:
    headers = error.headers
    text = str(headers.get("Retry-After", "1")) if isinstance(headers, Mapping) else "1"
    try:
        return min(max(float(text), 0.0), MAX_RETRY_AFTER)
    except ValueError:
        return 1.0


def chat_error(exc: BaseException, what: str) -> ChatError:
    """A failed connector call as the core's ChatError (permanent when trying again is futile)."""
    if isinstance(exc, aiohttp.ClientResponseError):
        return ChatError(f"{what}: HTTP {exc.status}", permanent=exc.status in PERMANENT_STATUSES)
    return ChatError(f"{what}: {type(exc).__name__}")


class Connector:
    """Bot Connector calls on one loop thread. ``claims`` is the bot's identity (anonymous for
    local testing); ``factory`` makes the SDK's connector clients."""

    def __init__(
        self,
        factory: ChannelServiceClientFactoryBase,
        claims: ClaimsIdentity,
        timeout: float = CALL_TIMEOUT,
    ) -> None:
        self._factory = factory
        self._claims = claims
        self._timeout = timeout
        self._clients: dict[str, tuple[ConnectorClientBase, float]] = {}
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="teams-connector", daemon=True
        )
        self._thread.start()

    def call(
        self, service_url: str, operation: Operation[T], what: str, idempotent: bool = False
    ) -> T:
        """Run ``operation`` with the conversations API of ``service_url``'s connector; a
        failure becomes a ChatError saying ``what`` failed. ``idempotent``: the operation
        creates nothing (an update, a read), so a 5xx or a lost connection may be tried again."""
        tries = RATE_LIMIT_TRIES + 1 + len(IDEMPOTENT_RETRY_DELAYS)
        future = asyncio.run_coroutine_threadsafe(
            self._call(service_url, operation, idempotent), self._loop
        )
        try:
            return future.result(self._timeout * tries + sum(IDEMPOTENT_RETRY_DELAYS))
        except FutureTimeout as exc:
            future.cancel()
            raise chat_error(exc, what) from exc
        except (aiohttp.ClientError, OSError, TimeoutError, ValueError) as exc:
            log.warning("teams_call_failed", what=what, error=str(chat_error(exc, what)))
            raise chat_error(exc, what) from exc

    async def _call(self, service_url: str, operation: Operation[T], idempotent: bool) -> T:
        limited = failed = 0
        while True:
            client = await self._client(service_url)
            try:
                return await asyncio.wait_for(operation(client.conversations), self._timeout)
            except aiohttp.ClientResponseError as exc:
                if exc.status == 429 and limited < RATE_LIMIT_TRIES:
                    limited += 1
                    wait = retry_after(exc)
                    log.info("teams_rate_limited", retry_after=wait)
                    await asyncio.sleep(wait)
                    continue
                if not (idempotent and exc.status >= 500 and failed < len(IDEMPOTENT_RETRY_DELAYS)):
                    raise
            except (aiohttp.ClientConnectionError, TimeoutError):
                if not (idempotent and failed < len(IDEMPOTENT_RETRY_DELAYS)):
                    raise
            log.info("teams_call_retried", attempt=failed + 1)
            await asyncio.sleep(IDEMPOTENT_RETRY_DELAYS[failed])
            failed += 1

    async def _client(self, service_url: str) -> ConnectorClientBase:
        known = self._clients.get(service_url)
        if known is not None and time.monotonic() - known[1] < CLIENT_LIFETIME:
            return known[0]
        client = await self._factory.create_connector_client(
            None,
            self._claims,
            service_url,
            self._claims.get_token_audience(),
            use_anonymous=self._claims.allow_anonymous,
        )
        self._clients[service_url] = (client, time.monotonic())
        if known is not None:
            await known[0].close()
        return client

    def close(self) -> None:
        async def close_all() -> None:
            for client, _ in self._clients.values():
                await client.close()
            self._clients.clear()

        if self._loop.is_running():
            asyncio.run_coroutine_threadsafe(close_all(), self._loop).result(5)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)

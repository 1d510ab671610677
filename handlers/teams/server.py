"""Teams' web server: the Agents SDK's aiohttp hosting, with GET /healthz and the files at
GET /files/<token>.

POST /api/messages is refused before its body is read when it says it is over 1 MB (413; a
chunked body is cut off at the limit by aiohttp), or when its Authorization header cannot be a
Bot Framework token (401, offline), then authenticated by the SDK (a Bot Framework token; none
in anonymous mode), then checked: JSON, an activity, from our tenant. Only then does
the SDK run the turn. Nothing here logs a body, and the access log is off (a file's link is a
secret).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import socket
import warnings
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from urllib.parse import quote

import structlog
from aiohttp import web
from microsoft_agents.activity import Activity
from microsoft_agents.hosting.aiohttp import CloudAdapter, jwt_authorization_decorator
from microsoft_agents.hosting.core import AgentApplication, TurnState
from microsoft_agents.hosting.core.authorization import AgentAuthConfiguration
from pydantic import ValidationError

from handlers.teams.listeners import Worker
from handlers.web import HEALTH_PATH, MAX_BODY_BYTES
from storage.served_files import SqlFileStore

log = structlog.get_logger(__name__)

MESSAGES_PATH = "/api/messages"
FILES_PATH = "/files/"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _refuse(status: int, error: str, **fields: Any) -> web.Response:
    log.warning("teams_request_refused", status=status, error=error, **fields)
    return web.json_response({"error": error}, status=status)


def tenant_of(document: dict[str, Any]) -> str | None:
    channel_data = document.get("channelData") or {}
    tenant = (channel_data.get("tenant") or {}) if isinstance(channel_data, dict) else {}
    conversation = document.get("conversation") or {}
    found = tenant.get("id") or (conversation.get("tenantId") if conversation else None)
    return str(found) if found else None


def token_problem(authorization: str | None) -> str | None:
    """Why an Authorization header cannot carry a Bot Framework token, found offline (None: let
    the SDK check it). The SDK fetches signing keys for any token with a key id, and fails with
    a 500 on one without: only "Bearer" and a JWT signed RS256 with a key id go on."""
    if authorization is None:
        return None  # anonymous mode lets it in; otherwise the SDK answers 401
    scheme, _, token = authorization.strip().partition(" ")
    parts = token.strip().split(".")
    if scheme.lower() != "bearer" or len(parts) != 3 or not all(parts):
        return "not a bearer token"
    try:
        header = json.loads(base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4)))
    except (ValueError, binascii.Error):
        return "not a JSON web token"
    if not isinstance(header, dict) or header.get("alg") != "RS256":
        return "not signed as Bot Framework tokens are"
    if not isinstance(header.get("kid"), str) or not header["kid"]:
        return "no signing key named"
    return None


def messages_handler(
    adapter: CloudAdapter, agent: AgentApplication[TurnState], tenant_id: str | None
) -> Handler:
    async def checked(request: web.Request) -> web.StreamResponse:
        body = await request.read()  # within client_max_size, or aiohttp answers 413
        try:
            document = json.loads(body)
            activity = Activity.model_validate(document)
        except (ValueError, ValidationError):
            return _refuse(400, "not a Bot Framework activity", size=len(body))
        if not isinstance(document, dict) or activity.conversation is None:
            return _refuse(400, "an activity needs a conversation", size=len(body))
        tenant = tenant_of(document)
        if tenant_id is not None and tenant != tenant_id:
            return _refuse(403, "this app serves another Microsoft 365 tenant", tenant=tenant)
        response = await adapter.process(request, agent)
        return response if response is not None else web.Response(status=202)

    authenticated: Handler = jwt_authorization_decorator(checked)  # type: ignore[no-untyped-call]

    async def handle(request: web.Request) -> web.StreamResponse:
        length = request.content_length
        if length is not None and length > MAX_BODY_BYTES:
            return _refuse(413, "request body too large", size=length)
        problem = token_problem(request.headers.get("Authorization"))
        if problem is not None:
            return _refuse(401, "invalid token", reason=problem)
        result: web.StreamResponse = await authenticated(request)
        return result

    return handle


def files_handler(files: SqlFileStore, worker: Worker, now: Callable[[], datetime]) -> Handler:
    async def download(request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        found = await worker.run(lambda: files.get(token, now()))
        if found is None:
            log.info("file_not_found")
            return web.Response(
                status=404,
                text="This link has expired or does not exist. Ask the app for the file again.",
            )
        disposition = "inline" if found.media_type.startswith("image/") else "attachment"
        log.info("file_served", media_type=found.media_type, size=len(found.content))
        return web.Response(
            body=found.content,
            headers={
                "Content-Type": found.media_type,
                "Content-Disposition": f"{disposition}; filename*=UTF-8''" + quote(found.filename),
                "Cache-Control": "private, no-store",
                "X-Content-Type-Options": "nosniff",
            },
        )

    return download


def build_web_app(
    adapter: CloudAdapter,
    agent: AgentApplication[TurnState],
    auth: AgentAuthConfiguration,
    tenant_id: str | None,
    files: Handler,
    healthy: Callable[[], Awaitable[bool]],
) -> web.Application:
    # the SDK's middleware keeps its configuration and claims under string keys, as aiohttp
    # warns against: nothing to do about it here
    warnings.filterwarnings("ignore", category=web.NotAppKeyWarning)
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app["agent_configuration"] = auth

    async def health(_request: web.Request) -> web.Response:
        ok = await healthy()
        # the same answer as Slack's front end (handlers/web.py), for the same monitoring
        return web.json_response(
            {"status": "ok" if ok else "database unavailable"}, status=200 if ok else 503
        )

    app.router.add_post(MESSAGES_PATH, messages_handler(adapter, agent, tenant_id))
    app.router.add_get(HEALTH_PATH, health)
    app.router.add_get(FILES_PATH + "{token}", files)
    return app


class AiohttpServer:
    """The aiohttp app on a socket bound at once (so the port is known), served by ``run`` on
    the calling thread until ``close`` (from any thread)."""

    def __init__(self, app: web.Application, host: str, port: int) -> None:
        self.app = app
        self._socket = socket.create_server((host, port), reuse_port=False)
        self.effective_port: int = self._socket.getsockname()[1]
        self._loop = asyncio.new_event_loop()
        self._stop = asyncio.Event()

    def run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._serve())
        finally:
            self._loop.close()

    async def _serve(self) -> None:
        runner = web.AppRunner(self.app, access_log=None, handle_signals=False)
        await runner.setup()
        await web.SockSite(runner, self._socket).start()
        try:
            await self._stop.wait()
        finally:
            await runner.cleanup()

    def close(self) -> None:
        if self._loop.is_closed():
            return
        self._loop.call_soon_threadsafe(self._stop.set)

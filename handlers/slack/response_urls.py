"""Private replies posted to Slack's `response_url`, over connections kept open.

Bolt's `respond` opens a new connection (a DNS look-up, a TCP and, in production, a TLS
handshake) for every reply: on the vote path that was most of the cost of the confirmation. Here
each thread keeps one connection per host and reuses it. A kept connection the server has
closed meanwhile is noticed before it is used (it reads as ended) and replaced; a reply is never
sent twice (a failed post is logged, as Bolt's would be, and not retried: "one retry path").
"""

from __future__ import annotations

import http.client
import json
import select
import ssl
import threading
from typing import Any
from urllib.parse import urlsplit

import structlog

log = structlog.get_logger(__name__)

TIMEOUT = 10.0
_Key = tuple[str, str, int]


def _dropped(connection: http.client.HTTPConnection) -> bool:
    """True if the kept connection can't be used: never opened, or closed by the server (an idle
    socket that reads as ready has been closed, or has stray bytes: either way, not reusable)."""
    sock = connection.sock
    if sock is None:
        return True
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


class ResponseUrls:
    """Posts JSON to response_urls; one kept connection per thread and host."""

    def __init__(self, timeout: float = TIMEOUT) -> None:
        self.timeout = timeout
        self._local = threading.local()
        self._tls = ssl.create_default_context()

    def _connections(self) -> dict[_Key, http.client.HTTPConnection]:
        found: dict[_Key, http.client.HTTPConnection] | None = getattr(
            self._local, "connections", None
        )
        if found is None:
            found = {}
            self._local.connections = found
        return found

    def _connection(self, key: _Key) -> http.client.HTTPConnection:
        connections = self._connections()
        known = connections.get(key)
        if known is not None and not _dropped(known):
            return known
        if known is not None:
            known.close()
        scheme, host, port = key
        fresh: http.client.HTTPConnection = (
            http.client.HTTPSConnection(host, port, timeout=self.timeout, context=self._tls)
            if scheme == "https"
            else http.client.HTTPConnection(host, port, timeout=self.timeout)
        )
        fresh.connect()
        connections[key] = fresh
        return fresh

    def post(self, url: str, payload: dict[str, Any]) -> int | None:
        """POST ``payload``; the answer's status, or None if it could not be sent (logged)."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            log.warning("response_url_refused", reason="not an http(s) address")
            return None
        port = parts.port or (443 if parts.scheme == "https" else 80)
        key = (parts.scheme, parts.hostname, port)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        body = json.dumps(payload).encode("utf-8")
        headers = {"Content-Type": "application/json;charset=utf-8"}
        try:
            connection = self._connection(key)
            connection.request("POST", path, body, headers)
            answer = connection.getresponse()
            answer.read()
        except (OSError, http.client.HTTPException) as exc:
            dropped = self._connections().pop(key, None)
            if dropped is not None:
                dropped.close()
            log.warning("response_url_failed", error=type(exc).__name__)
            return None
        if answer.will_close:
            self._connections().pop(key, None)
            connection.close()
        if answer.status >= 400:
            log.warning("response_url_refused", status=answer.status)
        return answer.status

"""Private replies posted to Slack's `response_url`, over connections kept open.

Bolt's `respond` opens a new connection (a DNS look-up, a TCP and, in production, a TLS
handshake) for every reply: on the vote path that was most of the cost of the confirmation. Here
each thread keeps one connection per host and reuses it. A kept connection the server has
closed meanwhile is noticed before it is used (it reads as ended) and replaced; a reply is never
sent twice (a failed post is logged, as Bolt's would be, and not retried: "one retry path").

http.client opens the connection (and secures it, for https); the request is written as it is
(a POST of JSON with its length), and httptools (llhttp, in C) reads the answer, whatever its
framing (a length, chunks, or the end of the connection; an interim 1xx answer is skipped).
http.client's own reading parsed every answer's headers with the email package: in a burst of
votes that cost more than the rest of the post together.
"""

from __future__ import annotations

import http.client
import json
import select
import socket
import ssl
import threading
from typing import Any
from urllib.parse import SplitResult, urlsplit

import httptools
import structlog

log = structlog.get_logger(__name__)

TIMEOUT = 10.0
ANSWER_LIMIT = 1 << 20  # bytes: an answer to a private reply is a few bytes of JSON
_UNSAFE_IN_TARGET = frozenset(chr(c) for c in range(0x21)) | {"\x7f"}
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


def request_bytes(parts: SplitResult, port: int, body: bytes) -> bytes | None:
    """The POST of ``body`` (JSON) to ``parts`` as it goes on the wire; None if the address has
    what a request line or a Host header cannot carry as it is (a space, a control character,
    anything not ASCII)."""
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"  # an IPv6 address
    default = 443 if parts.scheme == "https" else 80
    host_header = host if port == default else f"{host}:{port}"
    written = target + host_header
    if not written.isascii() or any(c in _UNSAFE_IN_TARGET for c in written):
        return None
    return (
        f"POST {target} HTTP/1.1\r\nHost: {host_header}\r\n"
        f"Content-Type: application/json;charset=utf-8\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode("ascii") + body


class _Answer:
    """httptools' callbacks for one answer: done once a final (not 1xx) answer is whole."""

    def __init__(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.head_read = False
        self.status = 0
        self.reusable = False  # read when the answer completes: the parser forgets it after

    def on_headers_complete(self) -> None:
        self.head_read = True

    def on_message_complete(self) -> None:
        status = self.parser.get_status_code()
        if status >= 200:  # an interim answer (100 Continue, 103) is followed by the final one
            self.status = status
            self.reusable = self.parser.should_keep_alive()


def exchange(sock: socket.socket, request: bytes) -> tuple[int, bool]:
    """Send ``request`` and read its whole answer: its status, and whether the connection can
    be used again. Raises OSError if the connection fails or ends before the answer's head, and
    httptools.HttpParserError for what is not HTTP."""
    sock.sendall(request)
    answer = _Answer()
    received = 0
    while not answer.status:
        data = sock.recv(65536)
        if not data:  # ended: the end of an answer framed by closing, or of a cut one
            if answer.head_read:
                return answer.parser.get_status_code(), False
            raise ConnectionResetError("the connection ended before an answer")
        received += len(data)
        if received > ANSWER_LIMIT:
            raise http.client.HTTPException("the answer is too long")
        answer.parser.feed_data(data)
    return answer.status, answer.reusable


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
        request = request_bytes(parts, port, json.dumps(payload).encode("utf-8"))
        if request is None:
            log.warning("response_url_refused", reason="not a plain address")
            return None
        try:
            connection = self._connection(key)
            status, reusable = exchange(connection.sock, request)
        except (OSError, http.client.HTTPException, httptools.HttpParserError) as exc:
            dropped = self._connections().pop(key, None)
            if dropped is not None:
                dropped.close()
            log.warning("response_url_failed", error=type(exc).__name__)
            return None
        if not reusable:
            self._connections().pop(key, None)
            connection.close()
        if status >= 400:
            log.warning("response_url_refused", status=status)
        return status

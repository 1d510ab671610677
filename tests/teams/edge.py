"""Helpers of the Teams edge tests: everything logged (as the process logs it), raw HTTP for
requests no client library sends, and reading every string the app put in a card."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
import structlog

from bot.composition import log_filters
from tests.logs import MARKER, Logs


def capture_logs(caplog: pytest.LogCaptureFixture) -> Iterator[Logs]:
    """The ``logs`` fixture's body (tests/teams/conftest.py)."""
    caplog.set_level(logging.DEBUG)
    for wanted in log_filters():
        caplog.handler.addFilter(wanted)
    with structlog.testing.capture_logs(
        processors=[structlog.processors.format_exc_info]
    ) as events:
        yield Logs(caplog, events)


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1].split("/")[0])


def status_line(connection: socket.socket) -> str:
    return connection.makefile("rb").readline().decode("latin-1").strip()


def headers_only(url: str, length: int, headers: Mapping[str, str] | None = None) -> str:
    """A POST to /api/messages announcing ``length`` bytes and sending none: the status line."""
    extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
    head = (
        f"POST /api/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {length}\r\n"
        f"Content-Type: application/json\r\n{extra}\r\n"
    )
    with socket.create_connection(("127.0.0.1", port_of(url)), timeout=10) as connection:
        connection.sendall(head.encode())
        return status_line(connection)


def chunked_without_end(url: str, total: int, marker: str = MARKER) -> str:
    """A chunked POST of ``total`` bytes (a JSON-looking body with ``marker``) that never sends
    its last chunk: a server that waits for the whole body never answers (the socket times out);
    one that cuts it off at the limit answers at once."""
    head = (
        "POST /api/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
        "Content-Type: application/json\r\n\r\n"
    )
    start = ('{"type": "message", "text": "' + marker).encode()
    chunk = b"Z" * 65536
    with socket.create_connection(("127.0.0.1", port_of(url)), timeout=10) as connection:
        connection.sendall(head.encode() + b"%x\r\n%s\r\n" % (len(start), start))
        sent = len(start)
        try:
            while sent < total:
                connection.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server stopped reading and closed: its answer is waiting
        return status_line(connection)


def strings(node: Any) -> Iterator[str]:
    """Every string in a JSON document."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, Mapping):
        for value in node.values():
            yield from strings(value)
    elif isinstance(node, list | tuple):
        for item in node:
            yield from strings(item)

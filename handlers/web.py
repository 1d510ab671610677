"""The web layer, neutral between chat platforms: one WSGI app that mounts each front end's
routes and GET /healthz, answers 404 elsewhere, and refuses a body over 1 MB (413) before
reading it, whatever the route. Nothing here logs a request body: only its size, type and why
it was refused."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import IO, TYPE_CHECKING, Any

import structlog
from waitress.server import create_server

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

log = structlog.get_logger(__name__)

HEALTH_PATH = "/healthz"
MAX_BODY_BYTES = 1024 * 1024  # a chat platform's requests are a few kB; a modal's state tens of kB
_READ_CHUNK = 64 * 1024
_TEXT = "text/plain; charset=utf-8"

WsgiApp = Callable[["WSGIEnvironment", "StartResponse"], Iterable[bytes]]


class Refusal(Exception):
    """A request answered with an error status and a one-line log, never its body."""

    def __init__(self, status: int, error: str, fields: list[str] | None = None) -> None:
        super().__init__(error)
        self.status = status
        self.error = error
        self.fields = fields  # the payload's missing or unreadable fields: names, never values


@dataclass(frozen=True)
class Request:
    environ: WSGIEnvironment
    body: bytes  # already read, within the limit ("" for a route that reads none)

    @property
    def path(self) -> str:
        return str(self.environ.get("PATH_INFO", ""))


@dataclass(frozen=True)
class Response:
    status: str  # "200 OK"
    headers: list[tuple[str, str]]
    body: bytes

    @classmethod
    def of(cls, status: str, body: bytes, content_type: str = _TEXT) -> Response:
        headers = [("Content-Type", content_type), ("Content-Length", str(len(body)))]
        return cls(status, headers, body)


Handler = Callable[[Request], Response]


@dataclass(frozen=True)
class Route:
    """`path` exactly, or every path under it if `prefix` (say "/files/" for "/files/<token>")."""

    path: str
    methods: frozenset[str]
    handler: Handler
    prefix: bool = False
    reads_body: bool = True

    def matches(self, path: str, method: str) -> bool:
        found = path.startswith(self.path) if self.prefix else path == self.path
        return found and method in self.methods


@dataclass(frozen=True)
class FrontEnd:
    """A chat platform's routes. `name` names its refusals in the log ("slack_request_refused");
    `hint` tells a lost caller where the platform sends its requests."""

    name: str
    routes: tuple[Route, ...]
    hint: str = ""


def declared_length(environ: WSGIEnvironment) -> int | None:
    """CONTENT_LENGTH as a number, or None if it is missing or not a number."""
    raw = str(environ.get("CONTENT_LENGTH") or "").strip()
    return int(raw) if raw.isdigit() else None


def read_body(environ: WSGIEnvironment, limit: int = MAX_BODY_BYTES) -> bytes:
    """The request body, reading at most `limit` + 1 bytes; Refusal(413) if it is longer.

    A declared length over the limit is refused without reading a byte. Without a usable
    Content-Length (or with a chunked body) the body is read up to the limit and one byte more.
    """
    length = declared_length(environ)
    if length is not None and length > limit:
        raise Refusal(413, "request body too large")
    stream: IO[bytes] | None = environ.get("wsgi.input")
    if stream is None:
        return b""
    wanted = length if length is not None else limit + 1
    parts: list[bytes] = []
    received = 0
    while received < wanted:
        part = stream.read(min(_READ_CHUNK, wanted - received))
        if not part:
            break
        parts.append(part)
        received += len(part)
    if received > limit:
        raise Refusal(413, "request body too large")
    return b"".join(parts)


def refused(front_end: str, refusal: Refusal, environ: WSGIEnvironment) -> Response:
    """The answer to a refusal, logged once by name, size and type (never the body)."""
    log.warning(
        f"{front_end}_request_refused",
        status=refusal.status,
        reason=refusal.error,
        content_type=str(environ.get("CONTENT_TYPE") or ""),
        content_length=declared_length(environ),
        **({"fields": refusal.fields} if refusal.fields else {}),
    )
    body = json.dumps({"error": refusal.error}).encode()
    return Response.of(_status_line(refusal.status), body, "application/json")


def _status_line(status: int) -> str:
    return f"{status} {HTTPStatus(status).phrase}"


def _serve(front_end: FrontEnd, route: Route, environ: WSGIEnvironment) -> Response:
    try:
        body = read_body(environ) if route.reads_body else b""
        return route.handler(Request(environ, body))
    except Refusal as refusal:
        return refused(front_end.name, refusal, environ)
    except Exception:
        return Response.of(
            "500 Internal Server Error", b"Something went wrong; nothing was changed."
        )


def _health(health_check: Callable[[], bool]) -> Response:
    healthy = health_check()
    body = json.dumps({"status": "ok" if healthy else "database unavailable"}).encode()
    status = "200 OK" if healthy else "503 Service Unavailable"
    return Response.of(status, body, "application/json")


def build_web_app(front_ends: Sequence[FrontEnd], health_check: Callable[[], bool]) -> WsgiApp:
    """Each front end's routes, a health check at GET /healthz, 404 elsewhere."""
    hints = " ".join(f.hint for f in front_ends if f.hint)
    not_found = Response.of("404 Not Found", f"Not found. {hints}".strip().encode())

    def application(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", ""))
        method = str(environ.get("REQUEST_METHOD", "GET"))
        response = not_found
        if path == HEALTH_PATH and method in {"GET", "HEAD"}:
            response = _health(health_check)
        else:
            mounted = ((f, r) for f in front_ends for r in f.routes if r.matches(path, method))
            match = next(mounted, None)
            if match is not None:
                response = _serve(*match, environ)
        start_response(response.status, response.headers)
        return [response.body]

    return application


def make_wsgi_server(wsgi: WsgiApp, host: str, port: int, threads: int) -> Any:
    """waitress serving ``wsgi`` (``run``, ``close``, ``effective_port``). It answers 413 itself,
    from the Content-Length or as a chunked body grows, instead of buffering the body to disk
    first (it refuses at this size and above)."""
    return create_server(
        wsgi,
        host=host,
        port=port,
        threads=threads,
        max_request_body_size=MAX_BODY_BYTES + 1,
    )

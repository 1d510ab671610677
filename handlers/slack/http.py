"""Slack's requests at the WSGI edge: a body over 1 MB is refused before it is read, the
signature is checked before the body is parsed, and a body that cannot be read is answered 400.
Nothing here logs a request body: only its size, type and why it was refused."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import IO, TYPE_CHECKING
from urllib.parse import parse_qs

import structlog
from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse
from slack_sdk.signature import SignatureVerifier

from handlers.slack.payloads import shape_problem

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

log = structlog.get_logger(__name__)

MAX_BODY_BYTES = 1024 * 1024  # Slack's own requests are a few kB; a modal's state tens of kB
_READ_CHUNK = 64 * 1024


class Refusal(Exception):
    def __init__(self, status: int, error: str, fields: list[str] | None = None) -> None:
        super().__init__(error)
        self.status = status
        self.error = error
        self.fields = fields  # the payload's missing or unreadable fields: names, never values


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


def is_ssl_check(raw: bytes) -> bool:
    """Slack's check of the certificate (`ssl_check=1`): answered 200 whatever its signature,
    as Bolt does, and nothing else is done."""
    if b"ssl_check" not in raw or len(raw) > 1024:
        return False
    return parse_qs(raw.decode("latin-1")).get("ssl_check") == ["1"]


def parse_request(environ: WSGIEnvironment, raw: bytes, verifier: SignatureVerifier) -> BoltRequest:
    """A BoltRequest from a signed body that listeners can read; Refusal(401) or Refusal(400)
    if not (before Bolt, whose own middleware fails on a body that is not what Slack sends)."""
    headers = WsgiHttpRequest(environ).get_headers()
    timestamp = str(headers.get("x-slack-request-timestamp") or "")
    signature = str(headers.get("x-slack-signature") or "")
    if not verifier.is_valid(raw, timestamp, signature):
        raise Refusal(401, "invalid request")
    try:
        body = raw.decode("utf-8")
        request = BoltRequest(body=body, query=environ.get("QUERY_STRING", ""), headers=headers)
    except Exception as exc:  # not UTF-8, JSON that does not parse, or parses to a non-object
        raise Refusal(400, "malformed request") from exc
    if not isinstance(request.body, dict):
        raise Refusal(400, "malformed request")
    problem = shape_problem(request.body)
    if problem is not None:
        raise Refusal(400, "malformed request", problem)
    return request


def _answer(start_response: StartResponse, response: BoltResponse) -> Iterable[bytes]:
    out = WsgiHttpResponse(status=response.status, headers=response.headers, body=response.body)
    start_response(out.status, out.get_headers())
    return out.get_body()


def slack_endpoint(app: App, signing_secret: str) -> Callable[..., Iterable[bytes]]:
    """The WSGI application for POST /slack/events."""
    verifier = SignatureVerifier(signing_secret)

    def endpoint(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        try:
            raw = read_body(environ)
            if is_ssl_check(raw):
                return _answer(start_response, BoltResponse(status=200, body=""))
            request = parse_request(environ, raw, verifier)
        except Refusal as refusal:
            log.warning(
                "slack_request_refused",
                status=refusal.status,
                reason=refusal.error,
                content_type=str(environ.get("CONTENT_TYPE") or ""),
                content_length=declared_length(environ),
                **({"fields": refusal.fields} if refusal.fields else {}),
            )
            response = BoltResponse(status=refusal.status, body={"error": refusal.error})
            return _answer(start_response, response)
        return _answer(start_response, app.dispatch(request))

    return endpoint

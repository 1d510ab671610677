"""Slack's requests at the edge: the signature is checked before the body is parsed, and a body
that cannot be read is answered 400 (the web layer has already refused one over 1 MB). Nothing
here logs a request body."""

from __future__ import annotations

import codecs
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse
from slack_sdk.signature import SignatureVerifier

from handlers.slack.payloads import shape_problem
from handlers.web import FrontEnd, Refusal, Request, Response, Route

if TYPE_CHECKING:
    from wsgiref.types import WSGIEnvironment

EVENTS_PATH = "/slack/events"
FRONT_END = "slack"


def is_ssl_check(raw: bytes) -> bool:
    """Slack's check of the certificate (`ssl_check=1`): answered 200 whatever its signature,
    as Bolt does, and nothing else is done."""
    if b"ssl_check" not in raw or len(raw) > 1024:
        return False
    return parse_qs(raw.decode("latin-1")).get("ssl_check") == ["1"]


_PAYLOAD_FIELD = "payload="


def interaction_json(body: str) -> str | None:
    """The JSON of an interaction (a form with one field, ``payload=<url-encoded JSON>``, as
    Slack sends clicks and submissions), decoded in C; None for any other body, or one this
    cannot decode exactly (then Bolt parses it as ever).

    The standard library's URL decoding is a Python loop over every ``%XX``, and a click's
    payload (the whole message, with its blocks) holds hundreds: it was the most expensive
    function of a vote. Here each ``%`` becomes ``\\x`` (after any backslash is doubled) and
    ``unicode_escape`` decodes the lot to bytes, read as UTF-8: the same text as
    ``parse_qs(body)["payload"][0]``; a ``%`` not followed by two hex digits raises, and
    falls back, as does a payload that is not a JSON object's text."""
    if not body.startswith(_PAYLOAD_FIELD) or "&" in body or not body.isascii():
        return None
    escaped = body[len(_PAYLOAD_FIELD) :].replace("+", " ").replace("\\", "\\\\")
    try:
        latin = codecs.decode(escaped.replace("%", "\\x").encode("ascii"), "unicode_escape")
        text = str(latin.encode("latin-1").decode("utf-8"))
    except UnicodeError:  # a malformed escape, or bytes that are not UTF-8
        return None
    return text if text.startswith("{") else None  # what Bolt takes for JSON


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
        body = interaction_json(body) or body  # Bolt reads a body that starts with "{" as JSON
        request = BoltRequest(body=body, query=environ.get("QUERY_STRING", ""), headers=headers)
    except Exception as exc:  # not UTF-8, JSON that does not parse, or parses to a non-object
        raise Refusal(400, "malformed request") from exc
    if not isinstance(request.body, dict):
        raise Refusal(400, "malformed request")
    problem = shape_problem(request.body)
    if problem is not None:
        raise Refusal(400, "malformed request", problem)
    return request


def _answer(response: BoltResponse) -> Response:
    out = WsgiHttpResponse(status=response.status, headers=response.headers, body=response.body)
    return Response(out.status, out.get_headers(), b"".join(out.get_body()))


def slack_handler(app: App, signing_secret: str) -> Route:
    """POST /slack/events: Slack's signed requests, dispatched to the Bolt app."""
    verifier = SignatureVerifier(signing_secret)

    def handle(request: Request) -> Response:
        if is_ssl_check(request.body):
            return _answer(BoltResponse(status=200, body=""))
        return _answer(app.dispatch(parse_request(request.environ, request.body, verifier)))

    return Route(EVENTS_PATH, frozenset({"POST"}), handle)


def slack_front_end(app: App, signing_secret: str) -> FrontEnd:
    return FrontEnd(
        name=FRONT_END,
        routes=(slack_handler(app, signing_secret),),
        hint=f"Slack sends its requests to POST {EVENTS_PATH}.",
    )

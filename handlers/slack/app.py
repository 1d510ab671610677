"""The Bolt app and the WSGI application that serves it."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from slack_bolt import App
from slack_sdk import WebClient

from bot.services.facilitator import Facilitator
from bot.services.reporting import Reporting
from handlers.slack.gateway import SlackGateway
from handlers.slack.guards import Workspace, register_guards
from handlers.slack.http import MAX_BODY_BYTES, slack_endpoint
from handlers.slack.listeners import register_listeners

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
SLACK_LOGGERS = ("slack_bolt", "slack_sdk")

__all__ = ["EVENTS_PATH", "HEALTH_PATH", "MAX_BODY_BYTES", "build_bolt_app", "build_wsgi_app"]


def quiet_slack_loggers() -> logging.Logger:
    """Bolt and slack_sdk print request bodies, payloads and response_urls at INFO and DEBUG
    (an invalid signature's whole body; every response_url post): keep them to WARNING and up.

    Bolt copies the root logger's level into each of its loggers unless it is given a base
    logger, so the returned logger is handed to the App as its base."""
    for name in SLACK_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    return logging.getLogger("slack_bolt")


def build_bolt_app(
    client: WebClient,
    signing_secret: str,
    facilitator: Facilitator,
    reporting: Reporting | None = None,
    board: SlackGateway | None = None,
) -> App:
    workspace = Workspace.of(client)
    app = App(
        client=client,
        logger=quiet_slack_loggers(),
        # Acks happen inside listeners: keep plenty of threads so a click is acknowledged at
        # once even while earlier clicks are still being recorded.
        listener_executor=ThreadPoolExecutor(max_workers=64, thread_name_prefix="listener"),
        signing_secret=signing_secret,
        process_before_response=False,
        token_verification_enabled=True,
        raise_error_for_unhandled_request=False,
    )
    register_guards(app, workspace)
    register_listeners(app, facilitator, reporting, board)
    return app


WsgiApp = Callable[["WSGIEnvironment", "StartResponse"], Iterable[bytes]]


def build_wsgi_app(bolt_app: App, health_check: Callable[[], bool], signing_secret: str) -> WsgiApp:
    """Slack at POST /slack/events, a health check at GET /healthz, 404 elsewhere."""
    slack = slack_endpoint(bolt_app, signing_secret)

    def application(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == HEALTH_PATH and method in {"GET", "HEAD"}:
            healthy = health_check()
            body = json.dumps({"status": "ok" if healthy else "database unavailable"}).encode()
            start_response(
                "200 OK" if healthy else "503 Service Unavailable",
                [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
            )
            return [body]
        if path == EVENTS_PATH and method == "POST":
            try:
                return slack(environ, start_response)
            except Exception:
                body = b"Something went wrong; nothing was changed."
                start_response(
                    "500 Internal Server Error",
                    [
                        ("Content-Type", "text/plain; charset=utf-8"),
                        ("Content-Length", str(len(body))),
                    ],
                )
                return [body]
        body = b"Not found. Slack sends its requests to POST /slack/events."
        start_response(
            "404 Not Found",
            [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))],
        )
        return [body]

    return application

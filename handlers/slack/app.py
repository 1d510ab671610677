"""The Bolt app: its listeners and guards (the web layer, handlers/web.py, serves it)."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App
from slack_sdk import WebClient

from bot.services.facilitator import Facilitator
from bot.services.reporting import Reporting
from bot.services.setup import SetupUseCases
from handlers.slack.gateway import SlackGateway
from handlers.slack.guards import Workspace, register_guards
from handlers.slack.listeners import register_listeners

SLACK_LOGGERS = ("slack_bolt", "slack_sdk")

__all__ = ["build_bolt_app", "quiet_slack_loggers"]


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
    setup: SetupUseCases | None = None,
) -> App:
    workspace = Workspace.of(client)
    app = App(
        client=client,
        logger=quiet_slack_loggers(),
        # Acks happen inside listeners: keep plenty of threads so a click is acknowledged at
        # once even while earlier clicks are still being recorded.
        listener_executor=ThreadPoolExecutor(max_workers=64, thread_name_prefix="listener"),
        signing_secret=signing_secret,
        # handlers/slack/http.py checks every request's signature before it reaches Bolt
        request_verification_enabled=False,
        process_before_response=False,
        token_verification_enabled=True,
        raise_error_for_unhandled_request=False,
    )
    register_guards(app, workspace)
    register_listeners(app, facilitator, reporting, board, setup)
    return app

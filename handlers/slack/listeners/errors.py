"""The last line of defence: log the failure, answer plainly, never show a traceback."""

from __future__ import annotations

from typing import Any

import structlog
from pydantic import ValidationError
from slack_bolt import App, BoltResponse, Respond

from handlers.slack.payloads import AnyRequest

log = structlog.get_logger(__name__)

SORRY = "Sorry, something went wrong on our side and nothing was changed. Please try again."


def register(app: App) -> None:
    @app.error
    def on_error(error: Exception, body: dict[str, Any], respond: Respond | None) -> BoltResponse:
        request = AnyRequest.model_validate(body)
        if isinstance(error, ValidationError):
            # its message quotes the payload it was given (grades, response_url): names only
            fields = sorted({".".join(str(p) for p in e["loc"]) for e in error.errors()})
            log.error(
                "listener_failed",
                error=f"{error.title} invalid: {fields}",
                request_type=request.type,
            )
        else:
            log.error(
                "listener_failed", error=repr(error), request_type=request.type, exc_info=error
            )
        if respond is not None and request.response_url:
            try:
                respond(text=SORRY, response_type="ephemeral", replace_original=False)
            except Exception as exc:  # the apology itself must not fail the request
                log.warning("apology_not_sent", error=repr(exc))
        # An empty 200 to a modal's submission closes it, as if saved: a 500 keeps it open,
        # and Slack tells the person it could not be submitted.
        status = 500 if request.type == "view_submission" else 200
        return BoltResponse(status=status, body="")

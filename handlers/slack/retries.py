"""Which Slack calls the WebClient may send again by itself.

A 429 means Slack did not act on the request, so every call waits it out and tries again. A 5xx
or a lost connection may come after Slack has acted: sending a read or an in-place update again
does no harm, but sending a call that creates something again (a message, a file share) can
create it twice. Those are left to the outbox, which first looks for what it may already have
posted before it posts again.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

# Calls whose repetition creates a second thing that people see (or a second file share).
# chat.postEphemeral is not among them: a private reply is not in the outbox, so nothing else
# would send it again; a rare second copy, seen by one person and gone on reload, is better than
# none (or than `tell_privately` falling back to a direct message after a 5xx).
CREATING_METHODS = frozenset(
    {
        "chat.postMessage",
        "chat.scheduleMessage",
        "chat.meMessage",
        "files.upload",
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
        "files.remote.add",
        "files.remote.share",
        "conversations.create",
        # set-up's calls: a join is answered before the form is, and a modal opens once per
        # trigger_id; a chair saves again (or runs the command again) rather than the client
        "conversations.join",
        "views.open",
    }
)


def api_method(url: str) -> str:
    """The API method a request URL calls ("https://slack.com/api/chat.postMessage" → ...)."""
    path = urlsplit(url).path.rstrip("/")
    return path.rsplit("/", 1)[-1]


class IdempotentOnly(RetryHandler):
    """Lets ``inner`` retry a call only if sending it twice cannot create something twice."""

    def __init__(self, inner: RetryHandler) -> None:
        super().__init__(inner.max_retry_count, inner.interval_calculator)
        self.inner = inner

    def can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if api_method(request.url) in CREATING_METHODS:
            return False
        return self.inner.can_retry(state=state, request=request, response=response, error=error)

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        self.inner.prepare_for_next_attempt(
            state=state, request=request, response=response, error=error
        )

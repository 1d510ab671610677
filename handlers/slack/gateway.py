"""The chat gateway for Slack: the core's views become Block Kit messages via the Web API."""

from __future__ import annotations

import threading

import structlog
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.ports import ChatError
from bot.views import MessageView
from handlers.slack.blocks import render_message

log = structlog.get_logger(__name__)

SLACKBOT = "USLACKBOT"


def make_web_client(token: str, base_url: str, timeout: int = 30) -> WebClient:
    """A WebClient that retries rate limits (after Retry-After), 5xx and lost connections."""
    if not base_url.endswith("/"):
        base_url += "/"
    return WebClient(
        token=token,
        base_url=base_url,
        timeout=timeout,
        retry_handlers=[
            RateLimitErrorRetryHandler(max_retry_count=5),
            ServerErrorRetryHandler(max_retry_count=3),
            ConnectionErrorRetryHandler(max_retry_count=3),
        ],
    )


def _error(exc: Exception) -> ChatError:
    if isinstance(exc, SlackApiError):
        return ChatError(str(exc.response.get("error", "slack_error")))
    return ChatError(str(exc) or type(exc).__name__)


class SlackGateway:
    def __init__(self, client: WebClient) -> None:
        self.client = client
        self._is_bot: dict[str, bool] = {}
        self._lock = threading.Lock()

    def human_members(self, channel_id: str) -> list[str]:
        try:
            members: list[str] = []
            cursor: str | None = None
            while True:
                response = self.client.conversations_members(
                    channel=channel_id, limit=200, cursor=cursor
                )
                members.extend(response.get("members", []))
                cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
                if not cursor:
                    break
            return [m for m in dict.fromkeys(members) if not self._is_bot_user(m)]
        except (SlackApiError, SlackClientError) as exc:
            raise _error(exc) from exc

    def _is_bot_user(self, user_id: str) -> bool:
        if user_id == SLACKBOT:
            return True
        with self._lock:
            known = self._is_bot.get(user_id)
        if known is not None:
            return known
        user = self.client.users_info(user=user_id).get("user") or {}
        is_bot = bool(user.get("is_bot") or user.get("is_app_user") or user.get("deleted"))
        with self._lock:
            self._is_bot[user_id] = is_bot
        return is_bot

    def post(self, channel_id: str, view: MessageView, thread_ts: str | None = None) -> str:
        messages = render_message(view)
        try:
            first = self.client.chat_postMessage(
                channel=channel_id,
                text=messages[0].text,
                blocks=messages[0].blocks,
                thread_ts=thread_ts,
                unfurl_links=False,
                unfurl_media=False,
            )
            ts = str(first["ts"])
            for message in messages[1:]:
                self.client.chat_postMessage(
                    channel=channel_id,
                    text=message.text,
                    blocks=message.blocks,
                    thread_ts=thread_ts or ts,
                    unfurl_links=False,
                )
            return ts
        except (SlackApiError, SlackClientError) as exc:
            log.warning("slack_post_failed", channel=channel_id, error=str(exc))
            raise _error(exc) from exc

    def update(self, channel_id: str, message_ts: str, view: MessageView) -> None:
        message = render_message(view)[0]
        try:
            self.client.chat_update(
                channel=channel_id, ts=message_ts, text=message.text, blocks=message.blocks
            )
        except (SlackApiError, SlackClientError) as exc:
            log.warning("slack_update_failed", channel=channel_id, error=str(exc))
            raise _error(exc) from exc

"""The chat gateway for Slack: the core's views become Block Kit messages via the Web API; the
board's report messages, file uploads, people's names and the Home tab's links too."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Sequence
from typing import Any

import structlog
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.domain.messages import FileToSend, MessageRef
from bot.ports import ChatError
from bot.views.report import BoardMessage
from bot.views.rounds import DomainSummaryView, MessageView, ReminderView
from handlers.slack.blocks import SlackMessage, render_message
from handlers.slack.channels import SlackChannels
from handlers.slack.report_blocks import render_board_message
from handlers.slack.retries import IdempotentOnly

log = structlog.get_logger(__name__)

SLACKBOT = "USLACKBOT"
METADATA_EVENT = "assessment_message"
# Errors that another attempt will not fix.
PERMANENT_ERRORS = {
    "channel_not_found",
    "not_in_channel",
    "is_archived",
    "invalid_blocks",
    "invalid_blocks_format",
    "msg_too_long",
    "no_text",
    "invalid_auth",
    "not_authed",
    "account_inactive",
    "token_revoked",
    "user_not_found",
    "cannot_dm_bot",
    "missing_scope",
    "message_not_found",
    "cant_update_message",
    "restricted_action",
}


# What a call to Slack can fail with: Slack's answers, and the transport's (time-outs, lost
# connections, an upload URL's HTTP error), which must reach the outbox as a ChatError too.
FAILURES: tuple[type[Exception], ...] = (SlackClientError, OSError, http.client.HTTPException)


def make_web_client(token: str, base_url: str, timeout: int = 30) -> WebClient:
    """A WebClient that waits out rate limits (after Retry-After) on every call, and retries 5xx
    and lost connections on calls that create nothing (see `handlers.slack.retries`)."""
    if not base_url.endswith("/"):
        base_url += "/"
    return WebClient(
        token=token,
        base_url=base_url,
        timeout=timeout,
        retry_handlers=[
            RateLimitErrorRetryHandler(max_retry_count=5),
            IdempotentOnly(ServerErrorRetryHandler(max_retry_count=3)),
            IdempotentOnly(ConnectionErrorRetryHandler(max_retry_count=3)),
        ],
    )


def _error(exc: Exception) -> ChatError:
    if isinstance(exc, SlackApiError):
        code = str(exc.response.get("error", "slack_error"))
        return ChatError(code, permanent=code in PERMANENT_ERRORS)
    return ChatError(str(exc) or type(exc).__name__)


class SlackGateway(SlackChannels):
    """The chat port on Slack, and set-up's channel directory (see handlers/slack/channels.py)."""

    def __init__(self, client: WebClient) -> None:
        self.client = client
        self._channel_names: dict[str, str] = {}
        self._is_bot: dict[str, bool] = {}
        self._direct: dict[str, str] = {}
        self._self_id: str | None = None
        self._names: dict[str, str] = {}
        self._team_url: str | None = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ people

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
        except FAILURES as exc:
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

    def direct_conversation(self, user_id: str) -> str:
        """The app's direct-message channel with one person (conversations.open, remembered)."""
        with self._lock:
            known = self._direct.get(user_id)
        if known:
            return known
        try:
            response = self.client.conversations_open(users=user_id)
        except FAILURES as exc:
            raise _error(exc) from exc
        channel = str(response["channel"]["id"])
        with self._lock:
            self._direct[user_id] = channel
        return channel

    # ---------------------------------------------------------------- messages

    def _render(self, channel: str, view: MessageView) -> list[SlackMessage]:
        permalink = None
        if isinstance(view, ReminderView) and view.header_message_id:
            try:
                permalink = self.client.chat_getPermalink(
                    channel=view.channel_id, message_ts=view.header_message_id
                ).get("permalink")
            except SlackApiError as exc:
                log.warning("permalink_unavailable", error=str(exc))
        return render_message(view, permalink)

    def post(
        self,
        conversation_id: str,
        view: MessageView,
        key: str | None = None,
        reply_to: MessageRef | None = None,
    ) -> MessageRef:
        channel = conversation_id
        thread_ts = reply_to.message_id if reply_to else None
        try:
            messages = self._render(channel, view)
            metadata = _metadata(key) if key else None
            first = self.client.chat_postMessage(
                channel=channel,
                text=messages[0].text,
                blocks=messages[0].blocks,
                metadata=metadata,
                thread_ts=thread_ts,
                unfurl_links=False,
                unfurl_media=False,
            )
            ts = str(first["ts"])
            for message in messages[1:]:
                self.client.chat_postMessage(
                    channel=channel,
                    text=message.text,
                    blocks=message.blocks,
                    thread_ts=thread_ts or ts,
                    unfurl_links=False,
                )
            return MessageRef(channel, ts, thread_ts)
        except FAILURES as exc:
            log.warning("slack_post_failed", channel=channel, error=str(exc))
            raise _error(exc) from exc

    def update(self, message: MessageRef, view: MessageView) -> None:
        channel, message_ts = message.conversation_id, message.message_id
        try:
            messages = self._render(channel, view)
            self.client.chat_update(
                channel=channel, ts=message_ts, text=messages[0].text, blocks=messages[0].blocks
            )
            if isinstance(view, DomainSummaryView):
                self._update_thread(channel, message_ts, messages[1:])
        except FAILURES as exc:
            log.warning("slack_update_failed", channel=channel, error=str(exc))
            raise _error(exc) from exc

    def _update_thread(self, channel: str, ts: str, parts: list[SlackMessage]) -> None:
        """Bring a long message's continuation (its thread) in line with ``parts``."""
        replies = self.client.conversations_replies(channel=channel, ts=ts, limit=200)
        messages: list[dict[str, Any]] = replies.get("messages", [])
        own = [m for m in messages[1:] if m.get("bot_id") or m.get("user") == self._bot_user_id()]
        for index, part in enumerate(parts):
            if index < len(own):
                self.client.chat_update(
                    channel=channel, ts=own[index]["ts"], text=part.text, blocks=part.blocks
                )
            else:
                self.client.chat_postMessage(
                    channel=channel, thread_ts=ts, text=part.text, blocks=part.blocks
                )

    def _bot_user_id(self) -> str:
        if self._self_id is None:
            self._self_id = str(self.client.auth_test().get("user_id") or "")
        return self._self_id

    def find_posted(
        self, conversation_id: str, key: str, reply_to: MessageRef | None = None
    ) -> MessageRef | None:
        channel = conversation_id
        thread_ts = reply_to.message_id if reply_to else None
        try:
            if thread_ts is not None:
                history = self.client.conversations_replies(
                    channel=channel, ts=thread_ts, limit=200, include_all_metadata=True
                )
            else:
                history = self.client.conversations_history(
                    channel=channel, limit=200, include_all_metadata=True
                )
        except FAILURES as exc:
            raise _error(exc) from exc
        found: list[dict[str, Any]] = history.get("messages", [])
        for message in found:
            metadata = message.get("metadata") or {}
            if (
                metadata.get("event_type") == METADATA_EVENT
                and (metadata.get("event_payload") or {}).get("key") == key
            ):
                return MessageRef(channel, str(message["ts"]), thread_ts)
        return None

    # ------------------------------------------------------------------ the board

    def post_board_message(self, conversation_id: str, view: BoardMessage) -> MessageRef:
        channel_id = conversation_id
        message = render_board_message(view)
        try:
            response = self.client.chat_postMessage(
                channel=channel_id,
                text=message.text,
                blocks=message.blocks,
                unfurl_links=False,
                unfurl_media=False,
            )
        except FAILURES as exc:
            log.warning("slack_post_failed", channel=channel_id, error=str(exc))
            raise _error(exc) from exc
        return MessageRef(channel_id, str(response["ts"]))

    def update_board_message(self, message_ref: MessageRef, view: BoardMessage) -> None:
        channel_id, ts = message_ref.conversation_id, message_ref.message_id
        message = render_board_message(view)
        try:
            self.client.chat_update(
                channel=channel_id, ts=ts, text=message.text, blocks=message.blocks
            )
        except FAILURES as exc:
            log.warning("slack_update_failed", channel=channel_id, error=str(exc))
            raise _error(exc) from exc

    def send_files(
        self, conversation_id: str, files: Sequence[FileToSend], comment: str | None = None
    ) -> list[str]:
        """Slack uploads the files (see `upload_files`)."""
        return upload_files(self.client, conversation_id, files, comment)

    def display_names(self, user_ids: Sequence[str]) -> dict[str, str]:
        names: dict[str, str] = {}
        for user_id in user_ids:
            with self._lock:
                known = self._names.get(user_id)
            if known is None:
                try:
                    user = self.client.users_info(user=user_id).get("user") or {}
                except FAILURES as exc:
                    log.warning("user_name_unavailable", user=user_id, error=str(exc))
                    continue
                profile = user.get("profile") or {}
                known = str(
                    profile.get("display_name")
                    or profile.get("real_name")
                    or user.get("real_name")
                    or user.get("name")
                    or user_id
                )
                with self._lock:
                    self._names[user_id] = known
            names[user_id] = known
        return names

    def team_url(self) -> str | None:
        """The workspace's address ("https://team.slack.com/"), for message links."""
        if self._team_url is None:
            try:
                self._team_url = str(self.client.auth_test().get("url") or "") or None
            except FAILURES as exc:
                log.warning("team_url_unavailable", error=str(exc))
                return None
        return self._team_url


def _metadata(key: str) -> dict[str, Any]:
    return {"event_type": METADATA_EVENT, "event_payload": {"key": key}}


def upload_files(
    client: WebClient, channel_id: str, files: Sequence[FileToSend], comment: str | None
) -> list[str]:
    """Share files in a channel as one message (files.getUploadURLExternal, an upload per file,
    files.completeUploadExternal); return the files' ids."""
    uploads = [
        {
            "content": f.data,
            "filename": f.filename,
            "title": f.title,
            **({"alt_txt": f.alt_text} if f.alt_text else {}),
        }
        for f in files
    ]
    try:
        response = client.files_upload_v2(
            file_uploads=uploads, channel=channel_id, initial_comment=comment
        )
    except FAILURES as exc:
        log.warning("slack_upload_failed", channel=channel_id, error=str(exc))
        raise _error(exc) from exc
    return [str(f.get("id")) for f in response.get("files") or []]

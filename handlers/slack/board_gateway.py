"""The reporting side's Slack gateway: board messages, file uploads, people's names, the Home
tab's links. Uses the same retrying WebClient as `handlers.slack.gateway`."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import structlog
from slack_sdk import WebClient

from bot.views.report import BoardMessage, FileToUpload
from handlers.slack.gateway import FAILURES, _error, upload_files
from handlers.slack.report_blocks import render_board_message

log = structlog.get_logger(__name__)


class SlackBoardGateway:
    def __init__(self, client: WebClient) -> None:
        self.client = client
        self._names: dict[str, str] = {}
        self._team_url: str | None = None
        self._lock = threading.Lock()

    def post_board_message(self, channel_id: str, view: BoardMessage) -> str:
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
        return str(response["ts"])

    def update_board_message(self, channel_id: str, ts: str, view: BoardMessage) -> None:
        message = render_board_message(view)
        try:
            self.client.chat_update(
                channel=channel_id, ts=ts, text=message.text, blocks=message.blocks
            )
        except FAILURES as exc:
            log.warning("slack_update_failed", channel=channel_id, error=str(exc))
            raise _error(exc) from exc

    def upload(
        self, channel_id: str, files: Sequence[FileToUpload], comment: str | None = None
    ) -> list[str]:
        return upload_files(self.client, channel_id, files, comment)

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

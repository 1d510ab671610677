"""Messages kept per channel: content checks, new and edited messages, threads."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from .block_kit import MAX_MESSAGE_TEXT, validate_blocks
from .core import EmulatorCore
from .records import (
    ApiError,
    Channel,
    JsonDict,
    blocks_error,
    opt_str,
)


class MessageStore(EmulatorCore):
    """Channel messages as Slack stores and shows them."""

    def _find_message(self, ch: Channel | None, ts: str | None) -> JsonDict | None:
        if ch is None or ts is None:
            return None
        return next((m for m in ch.messages if m["ts"] == ts), None)

    def _thread_root(self, ch: Channel, thread_ts: str) -> str:
        parent = self._find_message(ch, thread_ts)
        if parent is None:
            raise ApiError("thread_not_found")
        return str(parent["thread_ts"] or parent["ts"])

    def _parse_content(
        self, params: Mapping[str, Any]
    ) -> tuple[str | None, list[JsonDict] | None, list[JsonDict] | None]:
        text = opt_str(params, "text")
        if text is not None and len(text) > MAX_MESSAGE_TEXT:
            raise ApiError("msg_too_long")
        blocks = params.get("blocks")
        if blocks is not None and blocks != "":
            if not isinstance(blocks, list):
                raise ApiError("invalid_blocks_format")
            problems = validate_blocks(blocks, "message")
            if problems:
                raise blocks_error("invalid_blocks", problems)
        else:
            blocks = None
        attachments = params.get("attachments")
        if attachments is not None and attachments != "":
            if not isinstance(attachments, list):
                raise ApiError("invalid_attachments")
        else:
            attachments = None
        return text, blocks, attachments

    def _new_message(
        self,
        ch: Channel,
        user_id: str,
        *,
        text: str | None,
        blocks: list[JsonDict] | None,
        attachments: list[JsonDict] | None = None,
        thread_ts: str | None = None,
        files: list[JsonDict] | None = None,
        metadata: Any = None,
    ) -> JsonDict:
        message: JsonDict = {
            "type": "message",
            "ts": self._next_ts(),
            "channel": ch.id,
            "user": user_id,
            "bot_id": self.bot_id if user_id == self.bot_user_id else None,
            "text": text or "",
            "blocks": copy.deepcopy(blocks) if blocks is not None else [],
            "attachments": copy.deepcopy(attachments) if attachments is not None else [],
            "thread_ts": thread_ts,
            "files": files or [],
            "metadata": metadata,
            "edited": None,
            "versions": [],
        }
        ch.messages.append(message)
        return message

    def _public_message(self, ch: Channel, m: JsonDict) -> JsonDict:
        out: JsonDict = {"type": "message", "user": m["user"], "text": m["text"], "ts": m["ts"]}
        if m["bot_id"]:
            out["bot_id"] = m["bot_id"]
            out["app_id"] = self.app_id
        out["team"] = self.team_id
        if m["blocks"]:
            out["blocks"] = copy.deepcopy(m["blocks"])
        if m["attachments"]:
            out["attachments"] = copy.deepcopy(m["attachments"])
        if m["files"]:
            out["files"] = copy.deepcopy(m["files"])
            out["upload"] = True
        if m["metadata"]:
            out["metadata"] = copy.deepcopy(m["metadata"])
        if m["edited"]:
            out["edited"] = dict(m["edited"])
        if m["thread_ts"]:
            out["thread_ts"] = m["thread_ts"]
            if m["thread_ts"] == m["ts"]:
                replies = [r for r in ch.messages if r["thread_ts"] == m["ts"] and r is not m]
                out["reply_count"] = len(replies)
                out["reply_users"] = list(dict.fromkeys(r["user"] for r in replies))
                if replies:
                    out["latest_reply"] = replies[-1]["ts"]
        return out

    def _edit_message(
        self,
        message: JsonDict,
        *,
        text: str | None,
        blocks: list[JsonDict] | None,
        attachments: list[JsonDict] | None,
    ) -> None:
        message["versions"].append(
            {
                "text": message["text"],
                "blocks": copy.deepcopy(message["blocks"]),
                "attachments": copy.deepcopy(message["attachments"]),
                "edited": message["edited"],
            }
        )
        if text is not None:
            message["text"] = text
        if blocks is not None:
            message["blocks"] = copy.deepcopy(blocks)
        if attachments is not None:
            message["attachments"] = copy.deepcopy(attachments)
        message["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}

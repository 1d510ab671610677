"""response_urls, and the app's synchronous answers to block_actions (replace or delete the
message, or post an ephemeral)."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Mapping

from .block_kit import MAX_MESSAGE_TEXT, validate_blocks
from .messages import MessageStore
from .records import (
    RESPONSE_URL_MAX_USES,
    ApiError,
    JsonDict,
    ResponsePost,
    blocks_error,
    flag,
    json_reply,
    opt_str,
    parse_body,
)


class ResponseUrls(MessageStore):
    """Posts to response_urls and message responses."""

    def _handle_response_url(
        self, url_id: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            url = f"{self.base_url}/response/{url_id}"
            payload: JsonDict = {}
            try:
                parsed = parse_body(headers.get("content-type", ""), body)
                if "payload" in parsed and isinstance(parsed["payload"], str):
                    parsed = json.loads(parsed["payload"])
                if not isinstance(parsed, dict):
                    raise ValueError("not an object")
                payload = parsed
                for key in ("blocks", "attachments"):
                    if isinstance(payload.get(key), str):
                        payload[key] = json.loads(payload[key])
                status, response = self._apply_response_url(url_id, payload)
            except ValueError:
                status, response = 400, {"ok": False, "error": "invalid_payload"}
            except ApiError as exc:
                status, response = exc.status, exc.body()
            self._responses.append(
                ResponsePost(
                    url=url,
                    body=copy.deepcopy(payload),
                    status=status,
                    error=response.get("error"),
                    time=time.time(),
                )
            )
        return json_reply(status, response)

    def _apply_response_url(self, url_id: str, payload: JsonDict) -> tuple[int, JsonDict]:
        binding = self._response_urls.get(url_id)
        if binding is None:
            raise ApiError("no_service", status=404)
        if binding.uses >= RESPONSE_URL_MAX_USES:
            raise ApiError("used_url", status=404)
        binding.uses += 1
        self._apply_message_response(
            payload,
            channel_id=binding.channel_id,
            user_id=binding.user_id,
            message_ts=binding.message_ts,
            is_ephemeral=binding.is_ephemeral,
            source="response_url",
        )
        return 200, {"ok": True}

    def apply_message_response(
        self,
        payload: JsonDict,
        *,
        channel_id: str | None,
        user_id: str | None,
        message_ts: str | None = None,
        is_ephemeral: bool = False,
        source: str = "response",
    ) -> list[str]:
        """Applies a response_url-style message payload as Slack would (used by SlackSender
        for a slash command's immediate HTTP response). Returns the reasons Slack would
        refuse it (empty when applied)."""
        try:
            self._apply_message_response(
                payload,
                channel_id=channel_id,
                user_id=user_id,
                message_ts=message_ts,
                is_ephemeral=is_ephemeral,
                source=source,
            )
        except ApiError as exc:
            errors = exc.extra.get("errors")
            return [exc.error, *(errors if isinstance(errors, list) else [])]
        return []

    def _apply_message_response(
        self,
        payload: JsonDict,
        *,
        channel_id: str | None,
        user_id: str | None,
        message_ts: str | None = None,
        is_ephemeral: bool = False,
        source: str = "response",
    ) -> None:
        with self._lock:
            delete = flag(payload, "delete_original")
            text = opt_str(payload, "text")
            if text is not None and len(text) > MAX_MESSAGE_TEXT:
                raise ApiError("msg_too_long", status=400)
            blocks = payload.get("blocks")
            if blocks is not None:
                if not isinstance(blocks, list):
                    raise ApiError("invalid_blocks_format", status=400)
                problems = validate_blocks(blocks, "message")
                if problems:
                    err = blocks_error("invalid_blocks", problems)
                    err.status = 400
                    raise err
            attachments = payload.get("attachments")
            if not delete and not text and not blocks and not attachments:
                raise ApiError("no_text", status=400)

            ch = self._channels.get(channel_id or "")
            original = self._find_message(ch, message_ts) if not is_ephemeral else None
            if delete:
                if ch is not None and original is not None:
                    ch.messages.remove(original)
                return
            if flag(payload, "replace_original"):
                if original is not None:
                    self._edit_message(
                        original,
                        text=text or "",
                        blocks=blocks if isinstance(blocks, list) else [],
                        attachments=attachments if isinstance(attachments, list) else [],
                    )
                    return
                if is_ephemeral and ch is not None and user_id is not None:
                    self._record_response_ephemeral(ch.id, user_id, payload, source)
                return
            if payload.get("response_type") == "in_channel" and ch is not None:
                thread_ts = opt_str(payload, "thread_ts")
                if thread_ts is not None and self._find_message(ch, thread_ts) is None:
                    thread_ts = None
                self._new_message(
                    ch,
                    self.bot_user_id,
                    text=text,
                    blocks=blocks if isinstance(blocks, list) else None,
                    attachments=attachments if isinstance(attachments, list) else None,
                    thread_ts=self._thread_root(ch, thread_ts) if thread_ts else None,
                )
                return
            if ch is not None and user_id is not None:
                self._record_response_ephemeral(ch.id, user_id, payload, source)

    def _record_response_ephemeral(
        self, channel_id: str, user_id: str, payload: JsonDict, source: str
    ) -> None:
        blocks = payload.get("blocks")
        attachments = payload.get("attachments")
        self._ephemerals.append(
            {
                "channel": channel_id,
                "user": user_id,
                "ts": self._next_ts(),
                "text": opt_str(payload, "text") or "",
                "blocks": copy.deepcopy(blocks) if isinstance(blocks, list) else [],
                "attachments": copy.deepcopy(attachments) if isinstance(attachments, list) else [],
                "thread_ts": opt_str(payload, "thread_ts"),
                "source": source,
            }
        )

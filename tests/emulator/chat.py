"""chat.postMessage, chat.update, chat.delete, chat.postEphemeral, chat.getPermalink."""

from __future__ import annotations

from .messages import MessageStore
from .records import (
    ApiError,
    Channel,
    JsonDict,
    opt_str,
)


class ChatApi(MessageStore):
    """The chat.* methods."""

    def _chat_post_message(self, params: JsonDict) -> JsonDict:
        ref = opt_str(params, "channel")
        if ref is not None and ref not in self._channels and ref in self._users:
            ch = self._open_dm(ref)  # Slack lets apps post to a user ID: the app's DM
        else:
            ch = self._channel_or_error(params)
        self._take_post_token(ch.id)
        self._require_member(ch)
        text, blocks, attachments = self._parse_content(params)
        if not text and not blocks and not attachments:
            raise ApiError("no_text")
        thread_ts = opt_str(params, "thread_ts")
        if thread_ts is not None:
            thread_ts = self._thread_root(ch, thread_ts)
        message = self._new_message(
            ch,
            self.bot_user_id,
            text=text,
            blocks=blocks,
            attachments=attachments,
            thread_ts=thread_ts,
            metadata=params.get("metadata"),
        )
        if thread_ts is not None:
            root = self._find_message(ch, thread_ts)
            if root is not None and root["thread_ts"] is None:
                root["thread_ts"] = root["ts"]
        return {
            "channel": ch.id,
            "ts": message["ts"],
            "message": self._public_message(ch, message),
        }

    def _bot_message(self, ch: Channel, params: JsonDict, refusal: str) -> JsonDict:
        """The message at ``params["ts"]``, which the bot must have posted."""
        message = self._find_message(ch, opt_str(params, "ts"))
        if message is None:
            raise ApiError("message_not_found")
        if message["user"] != self.bot_user_id:
            raise ApiError(refusal)
        return message

    def _chat_update(self, params: JsonDict) -> JsonDict:
        ch = self._channel_or_error(params)
        message = self._bot_message(ch, params, "cant_update_message")
        text, blocks, attachments = self._parse_content(params)
        if text is None and blocks is None and attachments is None:
            raise ApiError("no_text")
        self._edit_message(message, text=text, blocks=blocks, attachments=attachments)
        return {
            "channel": ch.id,
            "ts": message["ts"],
            "text": message["text"],
            "message": self._public_message(ch, message),
        }

    def _chat_delete(self, params: JsonDict) -> JsonDict:
        ch = self._channel_or_error(params)
        message = self._bot_message(ch, params, "cant_delete_message")
        ch.messages.remove(message)
        return {"channel": ch.id, "ts": message["ts"]}

    def _chat_post_ephemeral(self, params: JsonDict) -> JsonDict:
        ch = self._channel_or_error(params)
        user = opt_str(params, "user")
        if user is None or user not in self._users:
            raise ApiError("user_not_found")
        self._require_member(ch)
        if user not in ch.members:
            raise ApiError("user_not_in_channel")
        text, blocks, attachments = self._parse_content(params)
        if not text and not blocks and not attachments:
            raise ApiError("no_text")
        thread_ts = opt_str(params, "thread_ts")
        if thread_ts is not None:
            thread_ts = self._thread_root(ch, thread_ts)
        ts = self._next_ts()
        self._ephemerals.append(
            {
                "channel": ch.id,
                "user": user,
                "ts": ts,
                "text": text or "",
                "blocks": blocks or [],
                "attachments": attachments or [],
                "thread_ts": thread_ts,
                "source": "chat.postEphemeral",
            }
        )
        return {"message_ts": ts}

    def _chat_get_permalink(self, params: JsonDict) -> JsonDict:
        ch = self._channel_or_error(params)
        message = self._find_message(ch, opt_str(params, "message_ts"))
        if message is None:
            raise ApiError("message_not_found")
        p_ts = "p" + str(message["ts"]).replace(".", "")
        link = f"https://{self.team_domain}.slack.com/archives/{ch.id}/{p_ts}"
        if message["thread_ts"] and message["thread_ts"] != message["ts"]:
            link += f"?thread_ts={message['thread_ts']}&cid={ch.id}"
        return {"channel": ch.id, "permalink": link}

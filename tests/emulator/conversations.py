"""conversations.members, .info, .join, .open, .history and .replies."""

from __future__ import annotations

from .messages import MessageStore
from .records import (
    ApiError,
    Channel,
    JsonDict,
    flag,
    opt_str,
    paginate,
)


class ConversationsApi(MessageStore):
    """The conversations.* methods."""

    def _conversations_members(self, params: JsonDict) -> JsonDict:
        ch = self._channel_or_error(params)
        page, next_cursor = paginate(ch.members, params)
        return {"members": page, "response_metadata": {"next_cursor": next_cursor}}

    def _conversations_info(self, params: JsonDict) -> JsonDict:
        return {"channel": self._channel_info(self._channel_or_error(params))}

    def _conversations_join(self, params: JsonDict) -> JsonDict:
        """The app joins a public channel. A private one it is not in is invisible to it
        (channel_not_found); a direct chat cannot be joined."""
        ch = self._channel_or_error(params)
        if ch.is_im or ch.is_mpim:
            raise ApiError("method_not_supported_for_channel_type")
        result: JsonDict = {}
        if self.bot_user_id in ch.members:
            result["warning"] = "already_in_channel"
            result["response_metadata"] = {"warnings": ["already_in_channel"]}
        elif ch.is_private:  # seen only by members: not reached, as Slack would not find it
            raise ApiError("channel_not_found")
        else:
            ch.members.append(self.bot_user_id)
        result["channel"] = self._channel_info(ch)
        return result

    def _conversations_open(self, params: JsonDict) -> JsonDict:
        if opt_str(params, "channel") is not None:
            ch = self._channel_or_error(params)
            return {"channel": self._channel_info(ch), "no_op": True, "already_open": True}
        raw = params.get("users")
        if isinstance(raw, list):
            user_ids = [str(u) for u in raw]
        else:
            user_ids = [u.strip() for u in (opt_str(params, "users") or "").split(",")]
        user_ids = [u for u in dict.fromkeys(user_ids) if u]
        if not user_ids:
            raise ApiError("users_list_not_supplied")
        for uid in user_ids:
            if uid not in self._users:
                raise ApiError("user_not_found")
        if len(user_ids) > 8:
            raise ApiError("too_many_users")
        if len(user_ids) == 1:
            if user_ids[0] == self.bot_user_id:
                raise ApiError("cannot_dm_bot")
            already = user_ids[0] in self._dms
            ch = self._open_dm(user_ids[0])
        else:
            members = sorted({*user_ids, self.bot_user_id})
            found = next(
                (c for c in self._channels.values() if c.is_mpim and sorted(c.members) == members),
                None,
            )
            already = found is not None
            if found is None:
                names = "--".join(self._users[u]["name"] for u in members)
                found = Channel(
                    id=self._next_id("G"),
                    name=f"mpdm-{names}-1",
                    members=members,
                    is_private=True,
                    is_mpim=True,
                )
                self._channels[found.id] = found
            ch = found
        info = self._channel_info(ch) if flag(params, "return_im") else {"id": ch.id}
        result: JsonDict = {"channel": info}
        if already:
            result.update({"no_op": True, "already_open": True})
        return result

    def _conversations_history(self, params: JsonDict) -> JsonDict:
        ch = self._channel_or_error(params)
        self._require_member(ch)
        top = [m for m in reversed(ch.messages) if m["thread_ts"] in (None, m["ts"])]
        page, next_cursor = paginate(top, params)
        return {
            "messages": [self._public_message(ch, m) for m in page],
            "has_more": bool(next_cursor),
            "response_metadata": {"next_cursor": next_cursor},
        }

    def _conversations_replies(self, params: JsonDict) -> JsonDict:
        ch = self._channel_or_error(params)
        self._require_member(ch)
        root = self._find_message(ch, opt_str(params, "ts"))
        if root is None:
            raise ApiError("thread_not_found")
        thread = [m for m in ch.messages if m is root or m["thread_ts"] == root["ts"]]
        page, next_cursor = paginate(thread, params, default=1000)
        return {
            "messages": [self._public_message(ch, m) for m in page],
            "has_more": bool(next_cursor),
            "response_metadata": {"next_cursor": next_cursor},
        }

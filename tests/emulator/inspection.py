"""Reading back what the app did: calls, messages, threads, ephemerals, views, files, replies."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import replace

from .messages import MessageStore
from .records import (
    Call,
    JsonDict,
    ResponsePost,
    T,
    UploadedFile,
)


class Inspection(MessageStore):
    """What the test reads back, and `wait_for` for the app's asynchronous work."""

    @property
    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self._calls if c.method == method]

    def messages(self, channel: str, *, top_level_only: bool = False) -> list[JsonDict]:
        """Current messages in the channel in posting order (thread replies included unless
        `top_level_only`). Each has ts, text, blocks, thread_ts, user, files, edited and
        `versions` (earlier versions, oldest first)."""
        with self._lock:
            ch = self._channels.get(channel)
            if ch is None:
                return []
            return [
                copy.deepcopy(m)
                for m in ch.messages
                if not top_level_only or m["thread_ts"] in (None, m["ts"])
            ]

    def message(self, channel: str, ts: str) -> JsonDict | None:
        with self._lock:
            ch = self._channels.get(channel)
            found = self._find_message(ch, ts) if ch else None
            return copy.deepcopy(found) if found else None

    def message_payload(self, channel: str, ts: str) -> JsonDict | None:
        """The message as Slack shows it in API responses and interaction payloads."""
        with self._lock:
            ch = self._channels.get(channel)
            found = self._find_message(ch, ts) if ch else None
            return self._public_message(ch, found) if ch and found else None

    def thread(self, channel: str, ts: str) -> list[JsonDict]:
        """The thread rooted at `ts` (root first, then replies), or [] if there is none."""
        with self._lock:
            ch = self._channels.get(channel)
            if ch is None:
                return []
            return [copy.deepcopy(m) for m in ch.messages if m["ts"] == ts or m["thread_ts"] == ts]

    def ephemerals(self, user: str | None = None, channel: str | None = None) -> list[JsonDict]:
        with self._lock:
            return [
                copy.deepcopy(e)
                for e in self._ephemerals
                if (user is None or e["user"] == user)
                and (channel is None or e["channel"] == channel)
            ]

    @property
    def views_opened(self) -> list[JsonDict]:
        """Views opened with views.open or views.push, in order, in their current state."""
        with self._lock:
            return [copy.deepcopy(self._views[v]) for v in self._views_opened]

    def view(self, view_id: str) -> JsonDict | None:
        with self._lock:
            found = self._views.get(view_id)
            return copy.deepcopy(found) if found else None

    def view_stack(self, user_id: str) -> list[JsonDict]:
        """The modals currently open for a user, bottom first."""
        with self._lock:
            return [copy.deepcopy(self._views[v]) for v in self._view_stacks.get(user_id, [])]

    @property
    def home_views(self) -> dict[str, JsonDict]:
        with self._lock:
            return copy.deepcopy(self._home_views)

    @property
    def uploaded_files(self) -> list[UploadedFile]:
        with self._lock:
            return [replace(f, channels=list(f.channels)) for f in self._files.values()]

    @property
    def response_urls(self) -> list[str]:
        """Every response_url issued so far."""
        with self._lock:
            return list(self._response_url_list)

    def responses(self, url: str | None = None) -> list[ResponsePost]:
        """Posts made to response_urls (accepted and refused; see `.status`)."""
        with self._lock:
            return [r for r in self._responses if url is None or r.url == url]

    def user(self, user_id: str) -> JsonDict | None:
        with self._lock:
            found = self._users.get(user_id)
            return copy.deepcopy(found) if found else None

    def channel(self, channel_id: str) -> JsonDict | None:
        """conversations.info's view of a channel, plus its `members`."""
        with self._lock:
            ch = self._channels.get(channel_id)
            if ch is None:
                return None
            return {**self._channel_info(ch), "members": list(ch.members)}

    def dm_channel_id(self, user_id: str) -> str:
        """The DM channel between the bot and a user (created if needed), as conversations.open."""
        with self._lock:
            return self._open_dm(user_id).id

    def wait_for(
        self,
        predicate: Callable[[], T],
        timeout: float = 10.0,
        interval: float = 0.02,
        message: str | None = None,
    ) -> T:
        """Polls `predicate` until it returns something truthy, and returns that.

        Raises AssertionError after `timeout` seconds, naming the last value seen and the
        most recent API calls.
        """
        deadline = time.monotonic() + timeout
        last: T | None = None
        last_exc: Exception | None = None
        while True:
            try:
                last = predicate()
                last_exc = None
                if last:
                    return last
            except Exception as exc:  # the app may not have produced state yet
                last_exc = exc
            if time.monotonic() >= deadline:
                break
            time.sleep(interval)
        recent = "\n".join(f"  {c.method} → {c.status} {c.error or 'ok'}" for c in self.calls[-15:])
        what = message or getattr(predicate, "__name__", "predicate")
        detail = f"raised {last_exc!r}" if last_exc else f"last returned {last!r}"
        raise AssertionError(
            f"wait_for({what}) timed out after {timeout}s; {detail}\n"
            f"most recent Slack API calls:\n{recent or '  (none)'}"
        )

"""Reading back what the app did: calls, channel posts and their threads, personal chats, cards
found by their text, and `wait_for` for the app's asynchronous work. Everything handed out is a
snapshot: later calls do not change it."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from typing import TypeVar

from .messages import ChannelPost, Message
from .records import Call, JsonDict, StoredMessage
from .tenant import TenantSetup, UserRef

T = TypeVar("T")


class Inspection(TenantSetup):
    @property
    def calls(self) -> list[Call]:
        """Every request, in order: method, path, status, Authorization, operation, error."""
        with self._lock:
            return list(self._calls)

    def calls_to(self, operation: str) -> list[Call]:
        with self._lock:
            return [c for c in self._calls if c.operation == operation]

    @property
    def rejections(self) -> list[Call]:
        """Calls refused for what they sent (400, 413, 415): each with `error` (the code) and
        `problems` (what was wrong)."""
        with self._lock:
            return [c for c in self._calls if c.status in (400, 413, 415)]

    @property
    def crashes(self) -> list[BaseException]:
        """Exceptions raised inside the double (a bug in it; answered 500 DoubleCrashed)."""
        with self._lock:
            return list(self._crashes)

    def posts(self, channel_id: str) -> list[ChannelPost]:
        """The channel's top-level posts in order (the bot's and users'), each with its replies."""
        with self._lock:
            return [self._post(p) for p in self._channels[channel_id].posts]

    def post(self, post_id: str) -> ChannelPost:
        """A top-level channel post by id (KeyError if there is none)."""
        with self._lock:
            found = self._messages.get(post_id)
            if found is None or found.channel_id is None or found.root_id is not None:
                raise KeyError(f"no channel post {post_id}")
            return self._post(found)

    def message(self, message_id: str) -> Message:
        """Any message by id: a post (without its replies), a reply, a personal message."""
        with self._lock:
            return _snapshot(self._messages[message_id])

    def personal_messages(self, user: UserRef) -> list[Message]:
        """The user's personal chat with the bot, in order (both sides); [] if there is none."""
        with self._lock:
            chat_id = self.personal_chat_id(user, create=False)
            chat = self._chats.get(chat_id) if chat_id else None
            return [_snapshot(m) for m in chat.messages] if chat else []

    def bot_messages(self) -> list[Message]:
        """Everything the bot has posted, anywhere, in the order it was posted."""
        with self._lock:
            found = [m for m in self._messages.values() if m.from_bot]
            return [_snapshot(m) for m in sorted(found, key=lambda m: int(m.id))]

    def find_cards(self, text: str, *, conversation_id: str | None = None) -> list[Message]:
        """The bot's messages with a card whose text contains `text`, oldest first (deleted ones
        left out); `conversation_id` (a channel, a thread or a personal chat) narrows them."""
        found = []
        for message in self.bot_messages():
            if message.deleted or not message.cards:
                continue
            where = (message.conversation_id, message.channel_id, message.thread_conversation_id)
            if conversation_id is not None and conversation_id not in where:
                continue
            if text in message.words:
                found.append(message)
        return found

    def find_card(self, text: str, *, conversation_id: str | None = None) -> Message:
        """The newest of `find_cards`; LookupError if there is none."""
        found = self.find_cards(text, conversation_id=conversation_id)
        if not found:
            raise LookupError(f"no card from the bot says {text!r}")
        return found[-1]

    def wait_for(
        self,
        predicate: Callable[[], T],
        timeout: float = 10.0,
        interval: float = 0.02,
        message: str | None = None,
    ) -> T:
        """Polls `predicate` until it returns something truthy, and returns that. Exceptions
        count as not yet. AssertionError after `timeout` seconds, naming the last value seen
        and the latest calls."""
        deadline = time.monotonic() + timeout
        last: T | None = None
        last_exc: Exception | None = None
        while True:
            try:
                last, last_exc = predicate(), None
                if last:
                    return last
            except Exception as exc:  # the app may not have produced the state yet
                last_exc = exc
            if time.monotonic() >= deadline:
                break
            time.sleep(interval)
        recent = "\n".join(
            f"  {c.method} {c.path} → {c.status} {c.error or ''}" for c in self.calls[-15:]
        )
        what = message or getattr(predicate, "__name__", "predicate")
        detail = f"raised {last_exc!r}" if last_exc else f"last returned {last!r}"
        raise AssertionError(
            f"wait_for({what}) timed out after {timeout}s; {detail}\n"
            f"latest connector calls:\n{recent or '  (none)'}"
        )

    def _post(self, stored: StoredMessage) -> ChannelPost:
        replies = tuple(_snapshot(r) for r in stored.replies)
        return ChannelPost(*_values(stored), replies=replies)


Values = tuple[str, str, str | None, str | None, str, bool, JsonDict, tuple[JsonDict, ...], bool]


def _values(stored: StoredMessage) -> Values:
    return (
        stored.id,
        stored.conversation_id,
        stored.channel_id,
        stored.root_id,
        stored.author_id,
        stored.from_bot,
        copy.deepcopy(stored.original),
        tuple(copy.deepcopy(stored.updates)),
        stored.deleted,
    )


def _snapshot(stored: StoredMessage) -> Message:
    return Message(*_values(stored))

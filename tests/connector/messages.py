"""What the test reads back: a message as it is now (`Message`), a channel post with its thread
(`ChannelPost`)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from .cards import CardAction, card_actions, card_words
from .records import ADAPTIVE_CARD, THREAD_MARK, JsonDict


@dataclass(frozen=True)
class Message:
    """A message in a channel or a personal chat, as it is now (a snapshot).

    `original` is the activity as posted, `updates` each update in order, `activity` the current
    one (the last update, or the original). `conversation_id` is where it lives: the channel id
    for a post, ``<channel id>;messageid=<post id>`` for a reply in its thread, ``a:…`` for a
    personal chat. `author_id` is the bot's ``28:`` id or the user's ``29:`` id."""

    id: str
    conversation_id: str
    channel_id: str | None
    root_id: str | None  # the post a reply is in
    author_id: str
    from_bot: bool
    original: JsonDict
    updates: tuple[JsonDict, ...]
    deleted: bool = False

    @property
    def activity(self) -> JsonDict:
        return self.updates[-1] if self.updates else self.original

    @property
    def history(self) -> tuple[JsonDict, ...]:
        """Every version, the original first, the current last."""
        return (self.original, *self.updates)

    @property
    def thread_conversation_id(self) -> str:
        """The conversation id of activities about this message (an invoke on its card): its
        thread's, ``<channel id>;messageid=<post id>``, or the personal chat's."""
        if self.channel_id is None:
            return self.conversation_id
        return f"{self.channel_id}{THREAD_MARK}{self.root_id or self.id}"

    @property
    def text(self) -> str:
        value = self.activity.get("text")
        return value if isinstance(value, str) else ""

    @property
    def cards(self) -> list[JsonDict]:
        """The Adaptive Cards attached to the current version."""
        found: list[JsonDict] = []
        for attachment in self.activity.get("attachments") or []:
            if isinstance(attachment, dict) and attachment.get("contentType") == ADAPTIVE_CARD:
                content = attachment.get("content")
                if isinstance(content, dict):
                    found.append(content)
        return found

    @property
    def card(self) -> JsonDict | None:
        cards = self.cards
        return cards[0] if cards else None

    @property
    def words(self) -> str:
        """All the text shown, one string a line: the text, then every string in the cards."""
        return "\n".join([self.text, *(s for c in self.cards for s in card_words(c))])

    @property
    def actions(self) -> list[CardAction]:
        """The cards' Action.Execute actions (ShowCards' cards included), in document order."""
        return [a for c in self.cards for a in card_actions(c)]

    def action(self, title: str) -> CardAction:
        """The card's Action.Execute with this title; LookupError if none, or several that
        differ."""
        found = [a for a in self.actions if a.title == title]
        if not found:
            titles = [a.title for a in self.actions]
            raise LookupError(f"no Action.Execute titled {title!r} on {self.id}: {titles}")
        if len({json.dumps([a.verb, a.data], sort_keys=True) for a in found}) > 1:
            raise LookupError(f"{len(found)} different actions titled {title!r} on {self.id}")
        return found[0]


@dataclass(frozen=True)
class ChannelPost(Message):
    """A top-level post in a channel, with its thread's replies, oldest first."""

    replies: tuple[Message, ...] = ()

"""Neutral names for what the core sends: a message it posted, and a file to hand to someone.

Each front end maps them its own way: Slack's adapter reads a `MessageRef` as a channel and a
message timestamp; Teams' will read it as a conversation id and an activity id.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MessageRef:
    """A message the app posted: where it is, its id, and the message it replies to (its
    thread's parent), if it was posted as a reply."""

    conversation_id: str
    message_id: str
    parent_id: str | None = None


@dataclass(frozen=True)
class FileToSend:
    """A file for the chat platform to hand over (Slack uploads it; Teams may serve a link)."""

    filename: str
    title: str
    data: bytes
    alt_text: str | None = None

"""What the bot shows in the Agents Playground: its conversation WebSocket
(``/_ws_conversation/v1/conversations/stream``) read on a thread of its own.

The Playground sends a frame for each message the bot creates (``createMessage``) or updates
(``updateMessage``) and for typing. It leaves out what the bot sends to a chat the current user is
not in (another user's personal chat). Frames sent while no client is connected are kept for the
next client to connect."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

JsonDict = dict[str, Any]
STREAM_PATH = "/_ws_conversation/v1/conversations/stream"
ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"


@dataclass(frozen=True)
class BotMessage:
    """One frame: a message the bot created or updated, as the Playground's UI receives it."""

    action: str  # createMessage | updateMessage | typing
    #: where the UI shows it: the channel for a new post (and an update of a post's first
    #: message), ``<channel>;messageid=<id>`` for a reply in a post's thread, the chat's id
    conversation_id: str
    #: a new post's own conversation (its thread): ``<channel>;messageid=<message_id>``
    post_conversation_id: str | None
    message_id: str | None
    text: str | None
    attachments: tuple[JsonDict, ...]
    raw: JsonDict = field(repr=False)

    @classmethod
    def from_frame(cls, frame: JsonDict) -> BotMessage:
        message = frame.get("message") or {}
        return cls(
            action=str(frame.get("action")),
            conversation_id=str(frame.get("actionConversationId")),
            post_conversation_id=message.get("postConversationId"),
            message_id=message.get("messageId"),
            text=message.get("text"),
            attachments=tuple(message.get("attachments") or ()),
            raw=frame,
        )

    @property
    def cards(self) -> list[JsonDict]:
        """The Adaptive Cards' contents, in order."""
        return [a["content"] for a in self.attachments if a.get("contentType") == ADAPTIVE_CARD]

    @property
    def card_text(self) -> str:
        """Every TextBlock's text in the cards, one per line (to match words in a card)."""
        return "\n".join(_texts(self.cards))


def _texts(node: Any) -> list[str]:
    if isinstance(node, list):
        return [text for item in node for text in _texts(item)]
    if not isinstance(node, dict):
        return []
    found = [str(node["text"])] if node.get("type") == "TextBlock" and "text" in node else []
    for value in node.values():
        if isinstance(value, dict | list):
            found.extend(_texts(value))
    return found


class MessageStream:
    """Collects every frame of the Playground's conversation stream, from ``start()`` on."""

    def __init__(self, base_url: str) -> None:
        self._url = base_url.replace("http://", "ws://", 1) + STREAM_PATH
        self._messages: list[BotMessage] = []
        self._changed = threading.Condition()
        self._connected = threading.Event()
        self._error: BaseException | None = None
        self._loop = asyncio.new_event_loop()
        self._stopping: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="playground-stream", daemon=True)

    def start(self, timeout: float = 10.0) -> None:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._connected.wait(0.05):
            if self._error is not None or time.monotonic() > deadline:
                raise AssertionError(f"could not connect to {self._url}: {self._error!r}")

    def stop(self) -> None:
        stopping = self._stopping
        if stopping is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(stopping.set)
        self._thread.join(timeout=5)

    @property
    def messages(self) -> list[BotMessage]:
        with self._changed:
            return list(self._messages)

    def mark(self) -> int:
        """How many frames have come so far (for ``wait_for(..., since=mark)``)."""
        with self._changed:
            return len(self._messages)

    def wait_for(
        self, predicate: Callable[[BotMessage], bool], timeout: float = 10.0, since: int = 0
    ) -> BotMessage:
        """The first frame from index ``since`` on that matches; waits up to ``timeout`` s."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for message in self._messages[since:]:
                    if predicate(message):
                        return message
                left = deadline - time.monotonic()
                if left <= 0 or self._error is not None:
                    seen = "\n".join(repr(m) for m in self._messages[since:]) or "(none)"
                    raise AssertionError(
                        f"no matching bot message in {timeout} s (stream error: "
                        f"{self._error!r}); frames seen:\n{seen}"
                    )
                self._changed.wait(left)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._listen())
        except BaseException as exc:  # recorded for wait_for and start to report
            self._error = exc
        finally:
            self._loop.close()
            with self._changed:
                self._changed.notify_all()

    async def _listen(self) -> None:
        self._stopping = asyncio.Event()
        async with aiohttp.ClientSession() as session, session.ws_connect(self._url) as ws:
            self._connected.set()
            receiving = asyncio.ensure_future(self._receive(ws))
            stopping = asyncio.ensure_future(self._stopping.wait())
            await asyncio.wait({receiving, stopping}, return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            receiving.cancel()
            await ws.close()

    async def _receive(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for frame in ws:
            if frame.type != aiohttp.WSMsgType.TEXT:
                continue
            message = BotMessage.from_frame(json.loads(frame.data))
            with self._changed:
                self._messages.append(message)
                self._changed.notify_all()

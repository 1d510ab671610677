"""Hand-written fakes of the core's ports (no mock library)."""

from __future__ import annotations

import dataclasses
import itertools
import threading
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.ballot_box import BallotBox
from bot.config import AppConfig
from bot.domain.framework import Framework
from bot.domain.messages import FileToSend, MessageRef
from bot.domain.text import Composed, Typed
from bot.ports import ChatError, UnitOfWorkFactory
from bot.presenter import Presenter
from bot.services.delivery import Delivery
from bot.services.dispatch import Dispatcher
from bot.services.facilitator import Facilitator
from bot.services.reporting import Reporting
from bot.views.reply import FieldProblem, Reply
from bot.views.report import BoardMessage
from bot.views.rounds import MessageView
from handlers.slack.text import render
from tests.reporting_fakes import FakeBoard


@dataclass
class PostedMessage:
    channel_id: str
    ts: str
    view: MessageView
    key: str | None
    thread_ts: str | None = None


@dataclass
class SentFile:
    channel_id: str
    filename: str
    content: bytes
    title: str
    comment: str | None


@dataclass
class FakeChat:
    """Records what the core asked to post; channels and members are set up by the test."""

    members: dict[str, list[str]] = field(default_factory=dict)
    unreachable_channels: set[str] = field(default_factory=set)
    failures_to_come: int = 0
    answers_to_lose: int = 0
    posted: list[PostedMessage] = field(default_factory=list)
    updates: list[tuple[str, str, MessageView]] = field(default_factory=list)
    files: list[SentFile] = field(default_factory=list)
    board: FakeBoard = field(default_factory=FakeBoard)  # the board-channel calls
    direct: set[str] = field(default_factory=set)  # people a direct conversation was opened with
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def human_members(self, channel_id: str) -> list[str]:
        if channel_id in self.unreachable_channels or channel_id not in self.members:
            raise ChatError("channel_not_found")
        return list(self.members[channel_id])

    def direct_conversation(self, user_id: str) -> str:
        """The person's own id stands for their direct conversation here."""
        with self._lock:
            self.direct.add(user_id)
        return user_id

    def post_board_message(self, conversation_id: str, view: BoardMessage) -> MessageRef:
        return self.board.post_board_message(conversation_id, view)

    def update_board_message(self, message: MessageRef, view: BoardMessage) -> None:
        self.board.update_board_message(message, view)

    def send_files(
        self, conversation_id: str, files: Sequence[FileToSend], comment: str | None = None
    ) -> list[str]:
        """Files for a person are kept in ``files``; files for a channel go to the board."""
        if conversation_id not in self.direct:
            return self.board.send_files(conversation_id, files, comment)
        if conversation_id in self.unreachable_channels:
            raise ChatError("not_in_channel", permanent=True)
        with self._lock:
            self.files.extend(
                SentFile(conversation_id, f.filename, f.data, f.title, comment) for f in files
            )
        return [f.filename for f in files]

    def display_names(self, user_ids: Sequence[str]) -> dict[str, str]:
        return self.board.display_names(user_ids)

    def post(
        self,
        conversation_id: str,
        view: MessageView,
        key: str | None = None,
        reply_to: MessageRef | None = None,
    ) -> MessageRef:
        channel_id = conversation_id
        thread_ts = reply_to.message_id if reply_to else None
        if channel_id in self.unreachable_channels:
            raise ChatError("not_in_channel", permanent=True)
        if self.failures_to_come:
            self.failures_to_come -= 1
            raise ChatError("internal_error")
        with self._lock:
            ts = f"1700000000.{next(self._ts):06d}"
            self.posted.append(PostedMessage(channel_id, ts, view, key, thread_ts))
            if self.answers_to_lose:
                self.answers_to_lose -= 1
                raise ChatError("timed out")  # Slack has the message; we never heard back
        return MessageRef(channel_id, ts, thread_ts)

    def find_posted(
        self, conversation_id: str, key: str, reply_to: MessageRef | None = None
    ) -> MessageRef | None:
        thread_ts = reply_to.message_id if reply_to else None
        with self._lock:
            return next(
                (
                    MessageRef(p.channel_id, p.ts, p.thread_ts)
                    for p in self.posted
                    if p.channel_id == conversation_id and p.key == key and p.thread_ts == thread_ts
                ),
                None,
            )

    def update(self, message: MessageRef, view: MessageView) -> None:
        with self._lock:
            self.updates.append((message.conversation_id, message.message_id, view))

    def posted_to(self, channel_id: str) -> list[PostedMessage]:
        return [p for p in self.posted if p.channel_id == channel_id]


@dataclass
class RecordingRefresher:
    """Collects refresh requests; the test runs them when it wants to."""

    requested: list[int] = field(default_factory=list)

    def request(self, key: int) -> None:
        self.requested.append(key)

    def turn(self, key: int) -> AbstractContextManager[None]:
        return nullcontext()


@dataclass
class SteppingClock:
    current: datetime = field(default_factory=lambda: datetime(2026, 11, 23, 9, 0, tzinfo=UTC))

    def now(self) -> datetime:
        return self.current

    def advance(self, **kwargs: float) -> None:
        self.current += timedelta(**kwargs)


def make_facilitator(
    config: AppConfig,
    framework: Framework,
    uow_factory: UnitOfWorkFactory,
    chat: FakeChat,
    clock: SteppingClock | None = None,
    refresher: RecordingRefresher | None = None,
    ballot_box: BallotBox | None = None,
) -> Facilitator:
    """The core wired to fakes of the chat and clock, and to whatever storage the test gives
    (with ``ballot_box``, ordinary votes go through it, as in the app)."""
    clock = clock or SteppingClock()
    delivery = Delivery(Presenter(config, framework), uow_factory, chat, clock)

    def send_at_once() -> None:  # no background sender here
        delivery.send_due()

    delivery.on_pending = send_at_once
    return Facilitator(
        config=config,
        framework=framework,
        uow_factory=uow_factory,
        chat=chat,
        clock=clock,
        refresher=refresher or RecordingRefresher(),
        delivery=delivery,
        ballot_box=ballot_box,
    )


def assess(
    facilitator: Facilitator, user_id: str, text: str, reporting: Reporting | None = None
) -> Reply:
    """`/assess <text>` as ``user_id`` typed it, through the one dispatcher; the reply's text as
    Slack shows it."""
    return shown(Dispatcher(facilitator, reporting).run(user_id, text))


def shown(reply: Reply) -> Reply:
    """``reply`` with its text as the Slack adapter renders the core's neutral parts (mentions,
    channels, emphasis, commands); typed text stays typed (marked), so a reply rendered again
    by the adapter escapes it as before."""
    text = reply.text
    if isinstance(text, Composed):
        text = Composed(*(p if isinstance(p, Typed) else render(p) for p in text.parts))
    elif not isinstance(text, Typed):
        text = render(text)
    if isinstance(reply, FieldProblem):
        return FieldProblem(reply.field or "form", text)
    return dataclasses.replace(reply, text=text)

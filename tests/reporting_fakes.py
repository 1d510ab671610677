"""Hand-written fakes for the reporting side's chat port (no mock library)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.domain.messages import FileToSend, MessageRef
from bot.ports import ChatError
from bot.views.report import BoardMessage


@dataclass
class Upload:
    channel_id: str
    files: list[FileToSend]
    comment: str | None


@dataclass
class FakeBoard:
    """Records board messages and uploads; ``failures_to_come`` makes the next calls fail."""

    names: dict[str, str] = field(default_factory=dict)
    failures_to_come: int = 0
    transient_failures: int = 0  # calls that fail the way a busy Slack does (retried later)
    posted: list[tuple[str, BoardMessage]] = field(default_factory=list)
    updated: list[tuple[str, str, BoardMessage]] = field(default_factory=list)
    uploads: list[Upload] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def _maybe_fail(self) -> None:
        if self.transient_failures:
            self.transient_failures -= 1
            raise ChatError("ratelimited")
        if self.failures_to_come:
            self.failures_to_come -= 1
            raise ChatError("not_in_channel", permanent=True)

    def post_board_message(self, conversation_id: str, view: BoardMessage) -> MessageRef:
        self._maybe_fail()
        self.posted.append((conversation_id, view))
        return MessageRef(conversation_id, f"1800000000.{next(self._ids):06d}")

    def update_board_message(self, message: MessageRef, view: BoardMessage) -> None:
        self._maybe_fail()
        self.updated.append((message.conversation_id, message.message_id, view))

    def send_files(
        self, channel_id: str, files: Sequence[FileToSend], comment: str | None = None
    ) -> list[str]:
        self._maybe_fail()
        self.uploads.append(Upload(channel_id, list(files), comment))
        return [f"F{next(self._ids):08d}" for _ in files]

    def display_names(self, user_ids: Sequence[str]) -> dict[str, str]:
        return {u: self.names[u] for u in user_ids if u in self.names}

    def files_named(self, suffix: str) -> list[FileToSend]:
        return [f for u in self.uploads for f in u.files if f.filename.endswith(suffix)]

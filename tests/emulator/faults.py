"""Fault injection: refused calls, 429s and 500s, and answers lost on the way back."""

from __future__ import annotations

from collections import deque
from typing import Literal

from .core import EmulatorCore
from .records import (
    Failure,
    LostAnswer,
)


class FaultInjection(EmulatorCore):
    """Make the next calls fail, or lose their answers."""

    def fail_next(
        self,
        method: str,
        status: int = 429,
        retry_after: int = 1,
        times: int = 1,
        *,
        error: str | None = None,
    ) -> None:
        """Makes the next `times` calls to `method` fail.

        status=429 → 429 + Retry-After; status=500 (or other) → that status with
        ``{"ok": false, "error": "internal_error"}``; ``error="x"`` → HTTP 200 ok:false x.
        """
        with self._lock:
            queue = self._failures.setdefault(method, deque())
            for _ in range(times):
                queue.append(Failure(status=status, retry_after=retry_after, error=error))

    def lose_next_answer(
        self,
        method: str,
        how: Literal["500", "drop", "stall"] = "500",
        *,
        channel: str | None = None,
        times: int = 1,
    ) -> None:
        """The next `times` successful calls to `method` (in `channel`, if given) take effect —
        the message is stored, the files shared — but their answer is lost: ``"500"`` answers
        HTTP 500 internal_error; ``"drop"`` closes the connection without answering; ``"stall"``
        answers nothing until the client gives up (its time-out) or the emulator stops. Such a
        call is recorded with its real answer in `calls`, marked ``answer_lost=how``."""
        with self._lock:
            queue = self._lost_answers.setdefault(method, deque())
            queue.extend(LostAnswer(how, channel) for _ in range(times))

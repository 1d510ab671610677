"""Fault injection: 429s, failures, and answers lost after the call took effect.

Each fault holds for the next `n` calls that match all of: `method` (``"POST"``), `path` (a
regular expression searched in the decoded path, e.g. ``r"/activities"``) and `operation` (the
SDK's name for the call: ``"send_to_conversation"``, ``"reply_to_activity"``,
``"update_activity"``, ``"create_conversation"``, ``"get_conversation_paged_members"``, …);
None matches anything. Faults are taken in the order they were added."""

from __future__ import annotations

import re
from typing import Literal

from .core import ConnectorCore
from .records import Fault, LostHow


class FaultInjection(ConnectorCore):
    def rate_limit(
        self,
        n: int = 1,
        retry_after: int = 1,
        *,
        method: str | None = None,
        path: str | None = None,
        operation: str | None = None,
    ) -> None:
        """The next `n` matching calls get 429 with ``Retry-After: retry_after`` (and no effect)."""
        self._add(Fault("rate_limit", n, *_match(method, path, operation), retry_after=retry_after))

    def fail(
        self,
        n: int = 1,
        status: Literal[500, 502, 503, 504] = 500,
        *,
        method: str | None = None,
        path: str | None = None,
        operation: str | None = None,
    ) -> None:
        """The next `n` matching calls get `status` (and no effect)."""
        self._add(Fault("fail", n, *_match(method, path, operation), status=status))

    def lose_next_answer(
        self,
        mode: LostHow = "500",
        n: int = 1,
        *,
        method: str | None = None,
        path: str | None = None,
        operation: str | None = None,
    ) -> None:
        """The next `n` matching calls that succeed take effect (the post is kept, the update
        applied) but their answer is lost: ``"500"`` answers 500 anyway, ``"drop"`` closes the
        connection without answering. Their `Call` has the real status and ``answer_lost``."""
        if mode not in ("500", "drop"):
            raise ValueError(f"mode must be '500' or 'drop', not {mode!r}")
        self._add(Fault("lose", n, *_match(method, path, operation), how=mode))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def _add(self, fault: Fault) -> None:
        if fault.remaining < 1:
            raise ValueError("n must be at least 1")
        with self._lock:
            self._faults.append(fault)


def _match(
    method: str | None, path: str | None, operation: str | None
) -> tuple[str | None, re.Pattern[str] | None, str | None]:
    return (method.upper() if method else None, re.compile(path) if path else None, operation)

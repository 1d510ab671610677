"""Coalesced message refreshes.

Every vote asks for its question's message to be redrawn. Drawing it once per vote would spend
Slack's `chat.update` allowance (Tier 3, about 50 a minute per workspace) in a burst, so requests
are coalesced: a key waiting to be refreshed is refreshed once, with the state at that moment; one
key is refreshed at most once per ``per_item_interval`` seconds, and any two refreshes are at least
``global_interval`` seconds apart.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

import structlog

log = structlog.get_logger(__name__)


class RefreshScheduler(Protocol):
    def request(self, key: int) -> None:
        """Ask for ``key`` to be refreshed soon; repeated requests before it runs coalesce."""
        ...


class CoalescingRefresher:
    def __init__(
        self,
        per_item_interval: float = 2.0,
        global_interval: float = 1.2,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._per_item = per_item_interval
        self._global = global_interval
        self._monotonic = monotonic
        self._cond = threading.Condition()
        self._pending: dict[int, float] = {}
        self._last_for: dict[int, float] = {}
        self._last_any = float("-inf")
        self._in_flight: int | None = None
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._action: Callable[[int], None] | None = None

    def start(self, action: Callable[[int], None]) -> None:
        self._action = action
        self._thread = threading.Thread(target=self._run, name="message-refresher", daemon=True)
        self._thread.start()

    def request(self, key: int) -> None:
        with self._cond:
            if key in self._pending:
                return
            now = self._monotonic()
            self._pending[key] = max(now, self._last_for.get(key, float("-inf")) + self._per_item)
            self._cond.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until nothing is pending or running; True if that happened within ``timeout``."""
        deadline = self._monotonic() + timeout
        with self._cond:
            while self._pending or self._in_flight is not None:
                remaining = deadline - self._monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
        return True

    def stop(self, drain_timeout: float = 5.0) -> None:
        self.wait_idle(drain_timeout)
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=drain_timeout)

    def _run(self) -> None:
        while True:
            with self._cond:
                key = self._next_due_key()
                if key is None:
                    return
                self._in_flight = key
            try:
                assert self._action is not None
                self._action(key)
            except Exception:
                log.exception("message_refresh_failed", key=key)
            finally:
                with self._cond:
                    self._in_flight = None
                    self._cond.notify_all()

    def _next_due_key(self) -> int | None:
        """Block (holding the condition) until a key is due; None when stopping."""
        while not self._stopping:
            if not self._pending:
                self._cond.wait()
                continue
            key, due = min(self._pending.items(), key=lambda item: item[1])
            ready_at = max(due, self._last_any + self._global)
            now = self._monotonic()
            if ready_at > now:
                self._cond.wait(ready_at - now)
                continue
            del self._pending[key]
            self._last_for[key] = now
            self._last_any = now
            return key
        return None

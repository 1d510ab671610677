"""Coalesced message refreshes.

Every vote asks for its question's message to be redrawn. Drawing it once per vote would spend
Slack's `chat.update` allowance (Tier 3, about 50 a minute per workspace) in a burst, so requests
are coalesced: a key waiting to be refreshed is refreshed once, with the state at that moment; one
key is refreshed at most once per ``per_item_interval`` seconds, and any two refreshes are at least
``global_interval`` seconds apart.

Other writers of the same message (the closing reveal) take a ``turn`` too, so that every update
of one message, whoever sends it, is ``per_item_interval`` after the one before.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Protocol

import structlog

log = structlog.get_logger(__name__)


class MessagePacer(Protocol):
    def turn(self, key: int) -> AbstractContextManager[None]:
        """Hold ``key``'s message for one update: wait until its turn comes (updates of one
        message are spaced out), and keep anyone else from updating it meanwhile."""
        ...


class RefreshScheduler(MessagePacer, Protocol):
    def request(self, key: int) -> None:
        """Ask for ``key`` to be refreshed soon; repeated requests before it runs coalesce."""
        ...


class NoPacing:
    def turn(self, key: int) -> AbstractContextManager[None]:
        return nullcontext()


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
        self._last_done: dict[int, float] = {}  # when each key's last update ended
        self._last_any = float("-inf")
        self._in_flight: int | None = None
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._action: Callable[[int], None] | None = None
        self._key_locks: dict[int, threading.Lock] = {}

    def start(self, action: Callable[[int], None]) -> None:
        """Run ``action(key)`` for each due key on a thread of its own. The action sends its
        update inside ``turn(key)``, which is what spaces it from the key's previous update."""
        self._action = action
        self._thread = threading.Thread(target=self._run, name="message-refresher", daemon=True)
        self._thread.start()

    def request(self, key: int) -> None:
        with self._cond:
            if key in self._pending:
                return
            now = self._monotonic()
            self._pending[key] = max(now, self._next_allowed(key))
            self._cond.notify_all()

    @contextmanager
    def turn(self, key: int) -> Iterator[None]:
        with self._cond:
            lock = self._key_locks.setdefault(key, threading.Lock())
        with lock:
            with self._cond:
                wait = self._next_allowed(key) - self._monotonic()
            if wait > 0:
                time.sleep(wait)
            try:
                yield
            finally:
                self._done(key)

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

    def _next_allowed(self, key: int) -> float:
        return self._last_done.get(key, float("-inf")) + self._per_item

    def _done(self, key: int) -> None:
        with self._cond:
            self._last_done[key] = self._monotonic()
            self._cond.notify_all()

    def _next_due_key(self) -> int | None:
        """Block (holding the condition) until a key is due; None when stopping."""
        while not self._stopping:
            if not self._pending:
                self._cond.wait()
                continue
            # a key's due time moves on when someone else (a reveal) updated it since the request
            key, due = min(
                ((k, max(d, self._next_allowed(k))) for k, d in self._pending.items()),
                key=lambda item: item[1],
            )
            ready_at = max(due, self._last_any + self._global)
            now = self._monotonic()
            if ready_at > now:
                self._cond.wait(ready_at - now)
                continue
            del self._pending[key]
            self._last_any = now
            return key
        return None

"""``python -m bench.profiled_bot``: ``python -m bot`` with every thread under cProfile, each timed
by its own CPU clock (time.thread_time), so that waiting (for a lock, the GIL, a socket, the CPU)
costs nothing and a function's time is the CPU it spent. The app is not changed: threads are
profiled from their ``run``.

SIGUSR1 opens the window measured (a snapshot of every thread's figures; then the file
``$PROFILE_OUT.open`` appears), SIGUSR2 closes it and writes the window's top entries to
``$PROFILE_OUT``. ``PROFILE_TARGET`` profiles another module's ``main`` (``bench.bare_bolt``:
the floor). Deterministic profiling slows every call, so the app is slower under it: the
shares matter, not the times.
"""

from __future__ import annotations

import cProfile
import importlib
import os
import signal
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from types import FrameType
from typing import Any

from bench.profiling import Entries, top_entries

_profiles: list[cProfile.Profile] = []
_lock = threading.Lock()
Figures = dict[str, float]
_opened: list[tuple[Figures, Figures]] = []


def _profiled() -> cProfile.Profile:
    profile = cProfile.Profile(time.thread_time)
    with _lock:
        _profiles.append(profile)
    return profile


def _install() -> None:
    """Each thread started from now on runs under its own profiler."""
    original = threading.Thread.run

    def run(self: threading.Thread) -> None:
        profile = _profiled()
        profile.enable()
        try:
            original(self)
        finally:
            profile.disable()

    threading.Thread.run = run  # type: ignore[method-assign]


def label(code: Any) -> str:
    if isinstance(code, str):
        return code  # a built-in: "<method 'acquire' of '_thread.lock' objects>"
    return f"{code.co_qualname} ({code.co_filename})"


def snapshot() -> tuple[Figures, Figures]:
    """Every thread's own and total CPU seconds so far, by function."""
    own: Figures = defaultdict(float)
    total: Figures = defaultdict(float)
    with _lock:
        profiles = list(_profiles)
    for profile in profiles:
        for entry in profile.getstats():
            name = label(entry.code)
            own[name] += entry.inlinetime
            total[name] += entry.totaltime
    return own, total


def since(now: Figures, before: Figures) -> Figures:
    return {name: value - before.get(name, 0.0) for name, value in now.items()}


def _open(_signum: int, _frame: FrameType | None) -> None:
    _opened[:] = [snapshot()]
    Path(os.environ["PROFILE_OUT"] + ".open").touch()


def _close(_signum: int, _frame: FrameType | None) -> None:
    own, total = snapshot()
    before_own, before_total = _opened[0] if _opened else ({}, {})
    entries = Entries(since(own, before_own), since(total, before_total), "CPU ms", 1000.0)
    heading = "cProfile, every thread timed by its own CPU clock (time.thread_time)"
    Path(os.environ["PROFILE_OUT"]).write_text(top_entries(entries, heading), encoding="utf-8")


def main() -> int:
    _install()
    signal.signal(signal.SIGUSR1, _open)
    signal.signal(signal.SIGUSR2, _close)
    target = importlib.import_module(os.environ.get("PROFILE_TARGET", "bot.__main__"))
    profile = _profiled()
    profile.enable()
    result = target.main()
    profile.disable()
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())

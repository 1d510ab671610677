"""``python -m bench.threads_bot``: ``python -m bot`` with each thread's CPU time (its own clock,
``pthread_getcpuclockid``) read at the window's opening and closing, and at a thread's end, and
summed by kind of thread (its name without a trailing number). Nothing is slowed: no call is
traced. SIGUSR1 opens the window (then ``$PROFILE_OUT.open`` appears), SIGUSR2 closes it and
writes the CPU by kind of thread to ``$PROFILE_OUT``. ``PROFILE_TARGET`` runs another module's
``main`` instead (``bench.bare_bolt``: the floor).
"""

from __future__ import annotations

import gc
import importlib
import os
import re
import signal
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from types import FrameType

_NUMBER = re.compile(r"[-_ ]?\d+$")
_TARGET = re.compile(r"^Thread-\d+ \((.+)\)$")
_lock = threading.Lock()
_ended: dict[int, tuple[str, float]] = {}  # ident -> (kind, CPU seconds at its end)
_opened: list[dict[int, tuple[str, float]]] = []
_collections: list[tuple[int, float]] = []  # (generation, CPU seconds) of each full pass timed
_started: list[float] = []


def _time_collections(phase: str, info: dict[str, int]) -> None:
    """The collector's passes: how many of each generation, and the CPU each took."""
    if phase == "start":
        _started[:] = [time.thread_time()]
    elif _started:
        _collections.append((info["generation"], time.thread_time() - _started[0]))


def kind(name: str) -> str:
    """``waitress-3`` -> ``waitress``; ``Thread-7 (worker)`` -> ``worker``."""
    target = _TARGET.match(name)
    return target.group(1) if target else _NUMBER.sub("", name) or name


def _cpu(thread: threading.Thread) -> float | None:
    try:
        assert thread.ident is not None
        return time.clock_gettime(time.pthread_getcpuclockid(thread.ident))
    except (OSError, AssertionError):
        return None  # not started, or gone


def _install() -> None:
    """A thread's CPU is kept when it ends, so one that ends inside the window still counts."""
    original = threading.Thread.run

    def run(self: threading.Thread) -> None:
        try:
            original(self)
        finally:
            with _lock:
                _ended[threading.get_ident()] = (kind(self.name), time.thread_time())

    threading.Thread.run = run  # type: ignore[method-assign]


def snapshot() -> dict[int, tuple[str, float]]:
    """Every thread's kind and CPU seconds so far, by thread ident (those ended included)."""
    with _lock:
        figures = dict(_ended)
    for thread in threading.enumerate():
        cpu = _cpu(thread)
        if cpu is not None and thread.ident is not None:
            figures[thread.ident] = (kind(thread.name), cpu)
    return figures


def by_kind(now: dict[int, tuple[str, float]], before: dict[int, tuple[str, float]]) -> str:
    spent: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)
    for ident, (name, cpu) in now.items():
        used = cpu - before.get(ident, (name, 0.0))[1]
        if used > 0:
            spent[name] += used
            counts[name] += 1
    whole = sum(spent.values()) or 1.0
    lines = [f"CPU by kind of thread (each its own clock): {whole * 1000:.0f} ms in all", ""]
    lines.append(f"{'share':>6}  {'CPU ms':>8}  {'threads':>7}  kind")
    for name, value in sorted(spent.items(), key=lambda item: -item[1]):
        share = 100 * value / whole
        lines.append(f"{share:5.1f}%  {value * 1000:8.1f}  {counts[name]:7d}  {name}")
    return "\n".join(lines) + "\n"


def collected() -> str:
    lines = ["", "garbage collections in the window: generation, passes, CPU ms"]
    for generation in (0, 1, 2):
        spent = [cpu for gen, cpu in _collections if gen == generation]
        lines.append(f"{generation}  {len(spent):6d}  {sum(spent) * 1000:8.1f}")
    return "\n".join(lines) + "\n"


def _open(_signum: int, _frame: FrameType | None) -> None:
    _collections.clear()
    _opened[:] = [snapshot()]
    Path(os.environ["PROFILE_OUT"] + ".open").touch()


def _close(_signum: int, _frame: FrameType | None) -> None:
    before = _opened[0] if _opened else {}
    report = by_kind(snapshot(), before) + collected()
    Path(os.environ["PROFILE_OUT"]).write_text(report, encoding="utf-8")


def main() -> int:
    _install()
    gc.callbacks.append(_time_collections)
    threading.current_thread().name = "main"
    signal.signal(signal.SIGUSR1, _open)
    signal.signal(signal.SIGUSR2, _close)
    target = importlib.import_module(os.environ.get("PROFILE_TARGET", "bot.__main__"))
    return int(target.main() or 0)


if __name__ == "__main__":
    sys.exit(main())

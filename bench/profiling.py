"""Profiling the app through the burst, and the top entries by own time (the function itself)
and by total time (with what it calls), written to a text file.

Two profilers, the app unchanged under both:

* ``py-spy`` (the default) samples the app from outside (ptrace), ``RATE`` times a second,
  without pausing it (``--nonblocking``), and keeps the thread holding the GIL (``--gil``): the
  interpreter is the app's one serial resource, so its shares are shares of what limits votes/s.
  A thread that holds the GIL while the OS has it off the CPU counts too (on 2 busy cores, a
  thread waking another from a lock release, say).
* ``cprofile`` runs the app as ``python -m bench.profiled_bot``: every thread under cProfile,
  timed by its own CPU clock, so a function's time is the CPU it spent, waiting excluded; every
  call is counted, and every call is slowed.
* ``threads`` runs the app as ``python -m bench.threads_bot``: each thread's CPU by its kind
  (the server's, Bolt's listeners', the refresher, ...), nothing traced or slowed.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

ROOT = Path(__file__).resolve().parents[1]
PROFILERS = ("py-spy", "cprofile", "threads")
_MODULES = {"cprofile": "bench.profiled_bot", "threads": "bench.threads_bot"}
RATE = 250
TOP = 25
_LINE = re.compile(r":\d+\)$")  # "function (file.py:123)" -> "function (file.py)"


@dataclass(frozen=True)
class Entries:
    """Own and total figures by function, in ``unit`` (shown times ``scale``)."""

    own: dict[str, float]
    total: dict[str, float]
    unit: str
    scale: float = 1.0


def top_entries(entries: Entries, heading: str, top: int = TOP) -> str:
    whole = sum(entries.own.values()) or 1
    lines = [f"{heading}: {whole * entries.scale:.0f} {entries.unit} in all"]
    for title, counter in (("own time", entries.own), ("total time", entries.total)):
        lines += ["", f"top {top} by {title}", f"{'share':>6}  {entries.unit:>8}  function (file)"]
        for frame, value in sorted(counter.items(), key=lambda item: -item[1])[:top]:
            share = 100 * value / whole
            lines.append(f"{share:5.1f}%  {value * entries.scale:8.0f}  {shorten(frame)}")
    return "\n".join(lines) + "\n"


def shorten(frame: str) -> str:
    """A frame with its file relative to site-packages, the standard library or the repository."""
    head, paren, tail = frame.partition(" (")
    if not paren:
        return frame
    path = tail.removesuffix(")")
    for marker in ("/site-packages/", "/lib/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    else:
        path = path.removeprefix(str(ROOT) + "/")
    return f"{head} ({path})"


def read_samples(raw: str) -> Entries:
    """py-spy's raw (collapsed) stacks, ``root;...;leaf count`` a line, by function."""
    own: dict[str, float] = defaultdict(float)
    total: dict[str, float] = defaultdict(float)
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [_LINE.sub(")", frame) for frame in stack.split(";")]
        own[frames[-1]] += int(count)
        for frame in set(frames):
            total[frame] += int(count)
    return Entries(own, total, "samples")


def py_spy() -> str:
    found = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
    if found is None:
        raise SystemExit("py-spy is not installed: make install (it is in the dev extras)")
    return found


class _Window:
    def __init__(self, pid: int, out: Path) -> None:
        self.pid = pid
        self.out = out
        out.parent.mkdir(parents=True, exist_ok=True)
        out.unlink(missing_ok=True)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        raise NotImplementedError


class PySpy(_Window):
    """Records the process while the block runs; its raw samples beside ``out`` (``.raw``)."""

    def __enter__(self) -> PySpy:
        self.raw = self.out.with_name(self.out.name + ".raw")
        command = [py_spy(), "record", "--pid", str(self.pid), "--rate", str(RATE)]
        command += ["--nonblocking", "--gil", "--format", "raw", "--output", str(self.raw)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        return self

    def close(self) -> None:
        self.process.send_signal(signal.SIGINT)  # py-spy writes what it has and stops
        _, errors = self.process.communicate(timeout=60)
        if not self.raw.exists():
            raise RuntimeError(f"py-spy wrote nothing: {errors.decode(errors='replace')}")
        heading = f"py-spy at {RATE} Hz, the thread holding the GIL"
        self.out.write_text(top_entries(read_samples(self.raw.read_text()), heading))


class CProfileWindow(_Window):
    """Opens and closes the window of an app run as ``bench.profiled_bot`` or
    ``bench.threads_bot``."""

    def __enter__(self) -> CProfileWindow:
        opened = Path(f"{self.out}.open")
        opened.unlink(missing_ok=True)
        os.kill(self.pid, signal.SIGUSR1)
        wait_for(opened.exists, "the profile's window to open")
        opened.unlink()
        return self

    def close(self) -> None:
        os.kill(self.pid, signal.SIGUSR2)
        wait_for(self.out.exists, "the profile to be written")


def wait_for(ready: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.05)


@dataclass(frozen=True)
class Profiler:
    """Which profiler, and the file its top entries go to."""

    name: str
    out: Path

    @property
    def module(self) -> str:
        """What to run instead of ``python -m bot``."""
        return _MODULES.get(self.name, "bot")

    @property
    def env(self) -> dict[str, str]:
        return {"PROFILE_OUT": str(self.out.resolve())} if self.name in _MODULES else {}

    def recording(self, pid: int) -> AbstractContextManager[object]:
        if self.name in _MODULES:
            return CProfileWindow(pid, self.out)
        return PySpy(pid, self.out)

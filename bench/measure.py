"""What the bench measures: a burst of requests (each one's wall-clock send and answer), and an
app process's CPU time (user + system, from /proc/<pid>/stat) sampled through it."""

from __future__ import annotations

import gc
import os
import re
import subprocess
import threading
import time
import urllib.request
from bisect import bisect_left
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from tests.e2e.process import free_port, start_bot

T = TypeVar("T")
R = TypeVar("R")

_TICKS = os.sysconf("SC_CLK_TCK")
_ERROR = re.compile(r"^[\w.]*(Error|Exception)\b: ")


def cpu_seconds(pid: int) -> float:
    """The process's CPU time so far (all its threads, user + system), in seconds."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime: fields 14 and 15


@dataclass
class CpuTrace:
    """An app's CPU time sampled every ``interval`` seconds in a thread of the bench, so that
    the CPU spent between any two moments of the burst can be read back (interpolated)."""

    pid: int
    interval: float = 0.01
    samples: list[tuple[float, float]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> CpuTrace:
        self.sample()
        self._thread = threading.Thread(target=self._run, name="cpu-trace", daemon=True)
        self._thread.start()
        return self

    def sample(self) -> None:
        self.samples.append((time.time(), cpu_seconds(self.pid)))

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.sample()
            except OSError:  # the process is gone: the burst failed
                return

    def stop(self) -> None:
        """Stops sampling, with a last sample (the caller stops it while the app runs)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.sample()

    def at(self, moment: float) -> float:
        """The CPU seconds spent by ``moment`` (a time.time()), interpolated between samples."""
        times = [t for t, _ in self.samples]
        i = bisect_left(times, moment)
        if i == 0:
            return self.samples[0][1]
        if i == len(times):
            return self.samples[-1][1]
        (t0, c0), (t1, c1) = self.samples[i - 1], self.samples[i]
        return c0 + (c1 - c0) * (moment - t0) / (t1 - t0) if t1 > t0 else c1

    def between(self, start: float, end: float) -> float:
        return self.at(end) - self.at(start)


@dataclass
class Sent:
    """One burst: when each request was sent and answered (time.time())."""

    sent: list[float]
    answered: list[float]


def burst(send: Callable[[T], R], items: Sequence[T], in_flight: int) -> tuple[Sent, list[R]]:
    """Call ``send`` on every item, ``in_flight`` at a time, in the items' order."""
    sent = [0.0] * len(items)
    answered = [0.0] * len(items)

    def one(index: int) -> R:
        sent[index] = time.time()
        result = send(items[index])
        answered[index] = time.time()
        return result

    # What the bench has built so far (the emulator's records above all) is kept out of the
    # collector's full passes while the burst runs: one pass over it paused every sending
    # thread for about 160 ms, which read as the app answering the first clicks that late.
    gc.collect()
    gc.freeze()
    try:
        with ThreadPoolExecutor(max_workers=in_flight) as pool:
            results = list(pool.map(one, range(len(items))))
    finally:
        gc.unfreeze()
    return Sent(sent, answered), results


def settle(count: Callable[[], int], quiet: float = 2.5, cap: float = 10.0) -> None:
    """Wait until ``count()`` (say, the calls the app made) has not moved for ``quiet``
    seconds (longer than the app's 2 s between redraws of a message), or ``cap`` seconds have
    passed: the last redraws have landed."""
    deadline = time.monotonic() + cap
    last, since = count(), time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - since < quiet:
        time.sleep(0.1)
        now = count()
        if now != last:
            last, since = now, time.monotonic()


class AppFailed(RuntimeError):
    """The app under the bench failed; the message ends with the last error in its log."""


@contextmanager
def running(module: str, env: dict[str, str], cwd: Path) -> Iterator[tuple[int, str]]:
    """``python -m <module>`` in ``cwd`` on a free port (PORT, and PUBLIC_URL for Teams), once
    it answers GET /healthz: its pid and address. Its stderr goes to ``cwd/<module>.log``,
    never to a pipe nobody reads (a full pipe would stall it). Stopped on leaving; an error
    on the way names the last error the app logged."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = cwd / f"{module}.log"
    with log.open("w") as stderr:
        process = start_bot({**env, "PORT": str(port), "PUBLIC_URL": url}, cwd, stderr, module)
    try:
        if not healthy(f"{url}/healthz", process):
            raise RuntimeError(f"{module} did not start")
        yield process.pid, url
    except Exception as exc:
        said = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise AppFailed(f"{said}; {module} last logged: {last_error(log)}") from exc
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def last_error(log: Path) -> str:
    """The last line of the log that names an exception or an error, else its last line."""
    lines = [line.strip() for line in log.read_text(errors="replace").splitlines() if line.strip()]
    errors = [line for line in lines if _ERROR.match(line)]
    return (errors or lines or ["(nothing)"])[-1][:300]


def healthy(url: str, process: subprocess.Popen[str], timeout: float = 30) -> bool:
    """Whether the process answers 200 at ``url`` within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                return int(response.status) == 200
        except OSError:
            time.sleep(0.1)
    return False

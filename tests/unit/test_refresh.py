"""CoalescingRefresher (bot/refresh.py) with its real thread.

Waiting is done with ``wait_idle(timeout)``; sleeps only space requests out.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest

from bot.services.refresh import CoalescingRefresher

TIMEOUT = 10.0
# Timestamps are taken in the action, a moment after the refresher takes its own; allow for it.
SLACK = 0.05


@dataclass
class Call:
    key: int
    at: float
    version: int


@dataclass
class Recorder:
    """The action under test: records each call and the state it read."""

    versions: dict[int, int] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def bump(self, key: int) -> int:
        with self.lock:
            self.versions[key] = self.versions.get(key, 0) + 1
            return self.versions[key]

    def __call__(self, key: int) -> None:
        with self.lock:
            self.calls.append(Call(key, time.monotonic(), self.versions.get(key, 0)))

    def calls_for(self, key: int) -> list[Call]:
        with self.lock:
            return [c for c in self.calls if c.key == key]


Factory = Callable[..., CoalescingRefresher]


@pytest.fixture
def make_refresher() -> Iterator[Factory]:
    started: list[CoalescingRefresher] = []

    def make(
        action: Callable[[int], None], per_item_interval: float, global_interval: float = 0.0
    ) -> CoalescingRefresher:
        refresher = CoalescingRefresher(per_item_interval, global_interval)

        def take_a_turn(key: int) -> None:  # as Facilitator.refresh_question does
            with refresher.turn(key):
                action(key)

        refresher.start(take_a_turn)
        started.append(refresher)
        return refresher

    yield make
    for refresher in started:
        refresher.stop(drain_timeout=1.0)


def test_a_burst_of_requests_coalesces(make_refresher: Factory) -> None:
    recorder = Recorder()
    refresher = make_refresher(recorder, per_item_interval=0.3)
    last_request_at = 0.0
    for _ in range(200):
        recorder.bump(1)
        last_request_at = time.monotonic()
        refresher.request(1)

    assert refresher.wait_idle(TIMEOUT)
    calls = recorder.calls_for(1)
    assert 1 <= len(calls) <= 2, calls
    assert calls[-1].version == 200, "the last refresh must see the final state"
    assert calls[-1].at >= last_request_at
    if len(calls) == 2:
        assert calls[1].at - calls[0].at >= 0.3 - SLACK


def test_spaced_requests_are_refreshed_at_most_once_per_interval(make_refresher: Factory) -> None:
    recorder = Recorder()
    interval = 0.2
    refresher = make_refresher(recorder, per_item_interval=interval)
    started = time.monotonic()
    for _ in range(40):
        recorder.bump(1)
        refresher.request(1)
        time.sleep(0.02)
    elapsed = time.monotonic() - started

    assert refresher.wait_idle(TIMEOUT)
    calls = recorder.calls_for(1)
    assert calls[-1].version == 40
    assert len(calls) >= 2, "requests spread over several intervals need more than one refresh"
    assert len(calls) <= elapsed / interval + 2
    for earlier, later in itertools.pairwise(calls):
        assert later.at - earlier.at >= interval - SLACK


def test_two_keys_each_get_refreshed(make_refresher: Factory) -> None:
    recorder = Recorder()
    refresher = make_refresher(recorder, per_item_interval=0.3, global_interval=0.1)
    for key in (1, 2):
        for _ in range(20):
            recorder.bump(key)
            refresher.request(key)

    assert refresher.wait_idle(TIMEOUT)
    for key in (1, 2):
        calls = recorder.calls_for(key)
        assert 1 <= len(calls) <= 2
        assert calls[-1].version == 20
    times = sorted(c.at for c in recorder.calls)
    for earlier, later in itertools.pairwise(times):
        assert later - earlier >= 0.1 - SLACK, "refreshes must be global_interval apart"


def test_a_failing_action_does_not_stop_later_refreshes(make_refresher: Factory) -> None:
    recorder = Recorder()
    failures: list[int] = []

    def flaky(key: int) -> None:
        if key == 1:
            failures.append(key)
            raise RuntimeError("Slack said no")
        recorder(key)

    refresher = make_refresher(flaky, per_item_interval=0.05)
    refresher.request(1)
    assert refresher.wait_idle(TIMEOUT)
    assert failures == [1]

    refresher.request(2)
    refresher.request(1)
    assert refresher.wait_idle(TIMEOUT)
    assert [c.key for c in recorder.calls] == [2]
    assert failures == [1, 1], "the failing key is tried again on a later request"


def test_wait_idle_is_true_when_idle(make_refresher: Factory) -> None:
    refresher = make_refresher(Recorder(), per_item_interval=0.1)
    assert refresher.wait_idle(1.0) is True
    assert CoalescingRefresher().wait_idle(0.1) is True  # never started, nothing pending


def test_wait_idle_is_false_while_an_action_runs(make_refresher: Factory) -> None:
    entered = threading.Event()
    release = threading.Event()

    def slow(key: int) -> None:
        entered.set()
        release.wait(TIMEOUT)

    refresher = make_refresher(slow, per_item_interval=0.1)
    refresher.request(1)
    assert entered.wait(TIMEOUT)
    assert refresher.wait_idle(0.05) is False
    release.set()
    assert refresher.wait_idle(TIMEOUT) is True


def test_wait_idle_is_false_while_a_key_is_pending(make_refresher: Factory) -> None:
    recorder = Recorder()
    refresher = make_refresher(recorder, per_item_interval=0.5)
    refresher.request(1)
    assert refresher.wait_idle(TIMEOUT)
    refresher.request(1)  # not due for another 0.5 s
    assert refresher.wait_idle(0.05) is False
    assert refresher.wait_idle(TIMEOUT) is True
    assert len(recorder.calls_for(1)) == 2


def test_stop_drains_and_ends_the_thread() -> None:
    recorder = Recorder()
    refresher = CoalescingRefresher(per_item_interval=0.1, global_interval=0.0)
    before = set(threading.enumerate())
    refresher.start(recorder)
    threads = [t for t in threading.enumerate() if t not in before]
    assert len(threads) == 1
    thread = threads[0]
    assert thread.is_alive()

    recorder.bump(7)
    refresher.request(7)
    refresher.stop(drain_timeout=TIMEOUT)

    thread.join(TIMEOUT)
    assert not thread.is_alive()
    assert [c.key for c in recorder.calls] == [7], "stop waits for pending refreshes"


def test_stop_ends_an_idle_thread() -> None:
    refresher = CoalescingRefresher(per_item_interval=0.1, global_interval=0.0)
    before = set(threading.enumerate())
    refresher.start(Recorder())
    (thread,) = [t for t in threading.enumerate() if t not in before]
    refresher.stop(drain_timeout=TIMEOUT)
    thread.join(TIMEOUT)
    assert not thread.is_alive()


def test_an_outside_update_waits_its_turn_after_a_refresh(make_refresher: Factory) -> None:
    recorder = Recorder()
    interval = 0.3
    refresher = make_refresher(recorder, per_item_interval=interval)
    refresher.request(1)
    assert refresher.wait_idle(TIMEOUT)

    with refresher.turn(1):  # the closing reveal, sent from another thread
        recorder(1)

    first, reveal = recorder.calls_for(1)
    assert reveal.at - first.at >= interval - SLACK


def test_a_refresh_requested_before_an_outside_update_waits_after_it(
    make_refresher: Factory,
) -> None:
    recorder = Recorder()
    interval = 0.3
    refresher = make_refresher(recorder, per_item_interval=interval)
    refresher.request(1)
    assert refresher.wait_idle(TIMEOUT)
    refresher.request(1)  # due one interval after the first refresh

    outside = threading.Thread(target=lambda: _update_in_turn(refresher, recorder, 1))
    outside.start()  # also due then: the two race for the key; whoever is second must wait
    outside.join(TIMEOUT)
    assert refresher.wait_idle(TIMEOUT)

    calls = recorder.calls_for(1)
    assert len(calls) == 3
    for earlier, later in itertools.pairwise(calls):
        assert later.at - earlier.at >= interval - SLACK


def test_turns_on_different_keys_do_not_wait_for_each_other(make_refresher: Factory) -> None:
    recorder = Recorder()
    refresher = make_refresher(recorder, per_item_interval=1.0)
    started = time.monotonic()
    for key in range(1, 6):
        with refresher.turn(key):
            recorder(key)
    assert time.monotonic() - started < 1.0, "only updates of the same message are spaced"
    with refresher.turn(1):
        recorder(1)
    ones = recorder.calls_for(1)
    assert ones[1].at - ones[0].at >= 1.0 - SLACK


def _update_in_turn(refresher: CoalescingRefresher, recorder: Recorder, key: int) -> None:
    with refresher.turn(key):
        recorder(key)

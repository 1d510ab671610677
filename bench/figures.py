"""The figures of one burst against one app: answer times, throughput and CPU per vote, and how
they move from the first to the last quarter of the votes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise

from bench.measure import CpuTrace, Sent

QUARTERS = 4


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def min_gap(series: Iterable[list[float]]) -> float:
    gaps = [b - a for times in series for a, b in pairwise(sorted(times))]
    return min(gaps) if gaps else float("inf")


def window_max(times: list[float], width: float) -> int:
    times = sorted(times)
    best, left = 0, 0
    for right, moment in enumerate(times):
        while moment - times[left] > width:
            left += 1
        best = max(best, right - left + 1)
    return best


@dataclass(frozen=True)
class Quarter:
    p50: float  # seconds: the answer times of the quarter's votes
    cpu_per_vote: float  # seconds


@dataclass(frozen=True)
class Side:
    """One app's figures for one burst (ours or the floor).

    ``confirmed[i]`` is when vote i's private confirmation reached the chat platform (the
    answer itself where the answer is the confirmation). The burst's CPU window runs from the
    first send to the last confirmation."""

    sent: list[float]
    answered: list[float]
    confirmed: list[float]
    cpu: CpuTrace

    @classmethod
    def of(cls, burst: Sent, cpu: CpuTrace, confirmed: list[float] | None = None) -> Side:
        return cls(burst.sent, burst.answered, confirmed or burst.answered, cpu)

    @property
    def votes(self) -> int:
        return len(self.sent)

    @property
    def start(self) -> float:
        return min(self.sent)

    @property
    def done(self) -> float:
        return max(self.confirmed)

    @property
    def answer_times(self) -> list[float]:
        return [b - a for a, b in zip(self.sent, self.answered, strict=True)]

    @property
    def confirmation_times(self) -> list[float]:
        return [b - a for a, b in zip(self.sent, self.confirmed, strict=True)]

    @property
    def votes_per_second(self) -> float:
        return self.votes / (self.done - self.start)

    def p(self, share: float) -> float:
        return percentile(self.answer_times, share)

    @property
    def cpu_per_vote(self) -> float:
        return self.cpu.between(self.start, self.done) / self.votes

    def quarters(self) -> list[Quarter]:
        """The burst cut in four by send order. The clicks go voter by voter over every
        question, so quarter k holds the k-th quarter of each question's votes. A quarter's
        CPU is what the app spent between the confirmations that close the quarter before it
        and this one (by confirmation order), over the quarter's votes."""
        times = self.answer_times
        done = sorted(self.confirmed)
        size = self.votes / QUARTERS
        bounds = [self.start] + [done[round(size * (k + 1)) - 1] for k in range(QUARTERS)]
        quarters = []
        for k in range(QUARTERS):
            first, last = round(size * k), round(size * (k + 1))
            cpu = self.cpu.between(bounds[k], bounds[k + 1])
            share = cpu / max(1, last - first)
            quarters.append(Quarter(percentile(times[first:last], 0.5), share))
        return quarters


@dataclass(frozen=True)
class Result:
    """One platform on one database: ours, the floor, and the checks on ours (name, value)."""

    platform: str
    database: str
    ours: Side
    floor: Side
    checks: list[tuple[str, str]]

"""Assessment cycles and the action plan."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


class ActionStatus(StrEnum):
    OPEN = "open"
    OVERDUE = "overdue"  # open, and past its due date
    DONE = "done"


@dataclass(frozen=True)
class Cycle:
    id: int
    name: str
    started_at: datetime
    started_by: str | None = None


@dataclass(frozen=True)
class NewAction:
    framework: str
    cycle_id: int
    domain: int
    question_id: str
    round_question_id: int | None
    text: str
    priority: int
    owner: str
    due: date
    created_by: str
    created_at: datetime


@dataclass(frozen=True)
class StoredAction:
    id: int
    cycle_id: int
    cycle_name: str
    domain: int
    question_id: str
    text: str
    priority: int
    owner: str
    due: date
    created_by: str
    created_at: datetime
    done_at: datetime | None = None
    done_by: str | None = None

    @property
    def done(self) -> bool:
        return self.done_at is not None

    def status(self, today: date) -> ActionStatus:
        if self.done:
            return ActionStatus.DONE
        return ActionStatus.OVERDUE if self.due < today else ActionStatus.OPEN


class CycleExists(Exception):
    """A cycle with that name exists already (raised by ReportingRepository.start_cycle)."""

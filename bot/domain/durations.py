"""Durations as people write them in app.yaml and commands: 90s, 15m, 2h, 7d.

Every duration is bounded: a year at most (``MAX_DURATION``), so a slip of the keyboard
(``999999999d``) is refused plainly instead of overflowing the calendar later.
"""

from __future__ import annotations

import re
from datetime import timedelta

_DURATION = re.compile(r"^\s*([0-9]{1,9})\s*([smhd])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
MAX_DURATION = timedelta(days=365)
MAX_EXTENSION = MAX_DURATION  # /assess extend N 365d at most


class DurationTooLong(ValueError):
    """A well-formed duration longer than the limit."""

    def __init__(self, value: object, limit: timedelta) -> None:
        self.limit = limit
        super().__init__(f"{value!r} is too long: the longest is {describe_duration(limit)}")


def parse_duration(value: object, limit: timedelta = MAX_DURATION) -> timedelta:
    """'90s', '15m', '2h', '7d' → timedelta, no longer than ``limit`` (else DurationTooLong)."""
    if isinstance(value, timedelta):
        duration = value
    else:
        match = _DURATION.match(str(value)) if isinstance(value, str | int) else None
        if not match or int(match.group(1)) <= 0:
            raise ValueError(
                f"{value!r} is not a duration: use a whole number and s, m, h or d (e.g. 7d)"
            )
        duration = timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    if duration > limit:
        raise DurationTooLong(value, limit)
    return duration


def describe_duration(duration: timedelta) -> str:
    seconds = int(duration.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{seconds} second{'' if seconds == 1 else 's'}"

"""Durations as people write them in app.yaml and commands: 90s, 15m, 2h, 7d."""

from __future__ import annotations

import re
from datetime import timedelta

_DURATION = re.compile(r"^\s*([0-9]{1,9})\s*([smhd])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_duration(value: object) -> timedelta:
    """'90s', '15m', '2h', '7d' → timedelta."""
    if isinstance(value, timedelta):
        return value
    match = _DURATION.match(str(value)) if isinstance(value, str | int) else None
    if not match or int(match.group(1)) <= 0:
        raise ValueError(
            f"{value!r} is not a duration: use a whole number and s, m, h or d (e.g. 7d)"
        )
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def describe_duration(duration: timedelta) -> str:
    seconds = int(duration.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{seconds} second{'' if seconds == 1 else 's'}"

"""The configuration as data: every saved version, who saved it and what it changed.

The newest version is in force. A version never changes once saved, so a round can keep the one
it started with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import yaml

from bot.config import AppConfig


class ConfigChanged(Exception):
    """Someone saved a newer version since the one the change was based on."""

    def __init__(self, expected: int, newest: int) -> None:
        super().__init__(f"version {expected} is no longer the newest (version {newest} is)")
        self.expected = expected
        self.newest = newest


@dataclass(frozen=True)
class ConfigVersion:
    number: int
    config: AppConfig
    saved_by: str  # a person's chat id, or "file" / "import" for a file
    saved_at: datetime
    changes: str  # what it changed, in words


def to_document(config: AppConfig) -> dict[str, Any]:
    """The configuration as plain data (what is stored, and what `app.yaml` holds)."""
    data = config.model_dump(mode="json", exclude_none=True)
    data["assignments"] = {int(domain): key for domain, key in data["assignments"].items()}
    for key in ("deadline", "remind_before", "revote_deadline"):
        data["voting"][key] = describe_compact(getattr(config.voting, key))
    return data


def from_document(data: Any) -> AppConfig:
    return AppConfig.model_validate(data)


def to_yaml(config: AppConfig) -> str:
    return yaml.safe_dump(to_document(config), sort_keys=False, allow_unicode=True)


def describe_compact(value: Any) -> str:
    """A duration as `app.yaml` writes it (`7d`, `36h`, `90m`, `45s`)."""
    if not isinstance(value, timedelta):
        return str(value)
    seconds = int(value.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def same(a: AppConfig | None, b: AppConfig | None) -> bool:
    """Whether two configurations say the same thing (ignoring how they were written)."""
    if a is None or b is None:
        return a is b
    return to_document(a) == to_document(b)


def describe_changes(old: AppConfig | None, new: AppConfig) -> str:
    """What changed from ``old`` to ``new``, in short words (ids as they are; for the record)."""
    if old is None:
        return "first configuration"
    before, after = _flatten(to_document(old)), _flatten(to_document(new))
    parts: list[str] = []
    for key in sorted(set(before) | set(after)):
        was, now = before.get(key), after.get(key)
        if was == now:
            continue
        if was is None:
            parts.append(f"{key} added ({now})")
        elif now is None:
            parts.append(f"{key} removed (was {was})")
        else:
            parts.append(f"{key}: {was} → {now}")
    return "; ".join(parts) if parts else "no change"


def _flatten(data: Any, prefix: str = "") -> dict[str, str]:
    if isinstance(data, dict):
        flat: dict[str, str] = {}
        for key, value in data.items():
            flat.update(_flatten(value, f"{prefix}{key}."))
        return flat
    if isinstance(data, list | tuple):
        return {prefix.rstrip("."): ", ".join(str(item) for item in data)}
    return {prefix.rstrip("."): str(data)}

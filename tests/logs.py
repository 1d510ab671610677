"""What the app logged, as the edge tests read it: the standard library's records (Bolt,
slack_sdk, the Agents SDK, waitress, aiohttp…) and our structlog events, tracebacks included."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

import pytest

MARKER = "BODY-MARKER-7f3a"  # a string only request bodies contain


class Logs:
    def __init__(
        self, caplog: pytest.LogCaptureFixture, events: list[MutableMapping[str, Any]]
    ) -> None:
        self.caplog = caplog
        self.events = events

    @property
    def text(self) -> str:
        records = "\n".join(
            f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in self.caplog.records
        )
        return records + "\n" + "\n".join(repr(e) for e in self.events)

    def ours(self, event: str) -> list[MutableMapping[str, Any]]:
        return [e for e in self.events if e.get("event") == event]

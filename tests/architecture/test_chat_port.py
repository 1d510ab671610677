"""The chat port is neutral (issue 10): messages are named by a MessageRef, people are reached
through an explicit direct conversation, files are FileToSend, and private replies are each
front end's business."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from bot.ports import ChatGateway

ROOT = Path(__file__).resolve().parents[2]
SLACK_SHAPED = re.compile(r"(?i)\b\w*_ts\b|\bts\b|ephemeral|upload")


def test_the_chat_port_speaks_no_slack_names() -> None:
    for name, method in inspect.getmembers(ChatGateway, inspect.isfunction):
        if name.startswith("_"):
            continue
        names = [name, *inspect.signature(method).parameters]
        assert not [n for n in names if SLACK_SHAPED.search(n)], name


def test_nothing_in_the_core_says_ephemeral() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "bot").rglob("*.py"))
        if "ephemeral" in path.read_text(encoding="utf-8").lower()
    ]
    assert offenders == []

"""The chat port is neutral (issue 10): messages are named by a MessageRef, people are reached
through an explicit direct conversation, files are FileToSend, and private replies are each
front end's business."""

from __future__ import annotations

import ast
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


COMPOSITION_ROOT = "bot/composition.py"


def slack_shaped_identifiers(source: str) -> list[str]:
    """Names in ``source`` (attributes, parameters, keywords, functions, classes, variables,
    imports) that carry Slack's message naming: ``ts``, ``thread_ts`` or anything ending ``_ts``."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name):
            names = [node.id]
        elif isinstance(node, ast.Attribute):
            names = [node.attr]
        elif isinstance(node, ast.arg | ast.keyword):
            names = [node.arg] if node.arg else []
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names = [node.name]
        elif isinstance(node, ast.alias):
            names = [node.asname or node.name.rsplit(".", 1)[-1]]
        else:
            continue
        found += [f"{n}@{getattr(node, 'lineno', '?')}" for n in names if is_slack_shaped(n)]
    return found


def is_slack_shaped(name: str) -> bool:
    return name in ("ts", "thread_ts") or name.endswith("_ts")


def test_the_checker_sees_slack_names() -> None:
    source = (
        "def post(ts, *, thread_ts=None):\n"
        "    header_ts = round_.summary_ts\n"
        "    log(ts=1)\n"
        "    return header_ts\n"
    )
    assert sorted(n.split("@")[0] for n in slack_shaped_identifiers(source)) == sorted(
        ["ts", "thread_ts", "header_ts", "summary_ts", "ts", "header_ts"]
    )
    assert slack_shaped_identifiers("message_id = ref.parent_id\nstatus = 'posts'\n") == []


def test_no_identifier_in_the_core_is_named_after_slack_ts() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in sorted((ROOT / "bot").rglob("*.py"))
        if path.relative_to(ROOT).as_posix() != COMPOSITION_ROOT
        for name in slack_shaped_identifiers(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []

"""Broken variants of a shipped YAML file (app.yaml, the question bank) for the loaders' tests."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.errors import StartupError


def yaml_copy(path: Path) -> dict[str, Any]:
    """The file's YAML as a fresh dict, to change."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return copy.deepcopy(data)


def write_variant(
    tmp_path: Path, raw: dict[str, Any], change: Callable[[dict[str, Any]], object], name: str
) -> Path:
    """Apply ``change`` to ``raw`` and write it as ``tmp_path / name``."""
    change(raw)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(raw, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def startup_error(load: Callable[[Path], object], path: Path) -> str:
    """The StartupError ``load`` raises for ``path``; it must name the file."""
    with pytest.raises(StartupError) as caught:
        load(path)
    message = str(caught.value)
    assert str(path) in message, "the message should name the file"
    return message

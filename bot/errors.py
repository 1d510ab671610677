"""Errors that stop start-up with a message a person can act on."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError


class StartupError(Exception):
    """Configuration or data that the app cannot start with."""


def describe_validation_error(path: Path, error: ValidationError) -> str:
    lines = [f"{path}: {error.error_count()} problem(s):"]
    for item in error.errors():
        place = ".".join(str(part) for part in item["loc"]) or "(top level)"
        lines.append(f"  - at {place}: {item['msg']}")
    return "\n".join(lines)

"""Errors that stop start-up with a message a person can act on."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

ModelT = TypeVar("ModelT", bound=BaseModel)


class StartupError(Exception):
    """Configuration or data that the app cannot start with."""


def describe_validation_error(path: Path, error: ValidationError) -> str:
    lines = [f"{path}: {error.error_count()} problem(s):"]
    for item in error.errors():
        lines.append(f"  - at {describe_place(item['loc'])}: {item['msg']}")
    return "\n".join(lines)


LIST_FIELDS = {"domains", "questions", "prompts", "grade_scale", "chairs", "members"}


def describe_place(loc: tuple[int | str, ...]) -> str:
    """`domains.3.questions.0.text` → `domains.3.questions.0.text (domain 4, question 1)`."""
    dotted = ".".join(str(part) for part in loc) or "(top level)"
    readable: list[str] = []
    for before, part in pairwise(loc):
        if isinstance(part, int) and before in LIST_FIELDS:
            noun = {"domains": "domain", "questions": "question", "prompts": "prompt"}.get(
                str(before), "item"
            )
            readable.append(f"{noun} {part + 1}")
    return f"{dotted} ({', '.join(readable)})" if readable else dotted


def load_yaml_model(path: Path, model: type[ModelT], what: str, hint: str = "") -> ModelT:
    """Read a YAML file into a pydantic model; raise StartupError naming the file, place and
    problem."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise StartupError(f"{path}: {what} not found{hint}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise StartupError(f"{path}: cannot read the {what}: {exc}") from exc
    except yaml.YAMLError as exc:
        raise StartupError(f"{path}: not valid YAML: {exc}") from exc
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise StartupError(describe_validation_error(path, exc)) from exc

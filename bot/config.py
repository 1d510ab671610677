"""Configuration: `app.yaml` (who grades what, the voting rules) and the process environment."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from bot.domain.consensus import ConsensusRule
from bot.domain.durations import parse_duration
from bot.errors import StartupError, load_yaml_model

Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
#: a chat platform's id of a person or channel; each front end checks its own form
ChatId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Share = Annotated[float, Field(gt=0, le=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BoardConfig(_Strict):
    name: str = Field(min_length=1)
    channel: ChatId
    chairs: tuple[ChatId, ...] = Field(min_length=1)


class SubgroupConfig(_Strict):
    name: str = Field(min_length=1)
    channel: ChatId
    members: tuple[ChatId, ...] | None = None


class VotingConfig(_Strict):
    deadline: Duration = timedelta(days=7)
    remind_before: Duration = timedelta(days=1)
    quorum: Share = 0.5
    anonymous: bool = True  # false: a flagged question's thread names who gave each grade
    revote_deadline: Duration = timedelta(days=2)

    @model_validator(mode="after")
    def _reminder_before_deadline(self) -> VotingConfig:
        if self.remind_before >= self.deadline:
            raise ValueError("remind_before must be shorter than deadline")
        return self


class ConsensusConfig(_Strict):
    agree_share: Share = 0.67
    max_spread: int = Field(default=1, ge=0, le=3)


class AppConfig(_Strict):
    #: the chat platform the app serves (its ids, channels and people, are in that platform's
    #: form); the composition root knows which there are, and which is served when none is named
    platform: str | None = Field(default=None, pattern=r"^[a-z]+$")
    framework: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    board: BoardConfig
    subgroups: dict[str, SubgroupConfig] = Field(min_length=1)
    assignments: dict[int, str]
    voting: VotingConfig = VotingConfig()
    consensus: ConsensusConfig = ConsensusConfig()

    @model_validator(mode="after")
    def _assignments_name_known_subgroups(self) -> AppConfig:
        for domain, key in self.assignments.items():
            if key not in self.subgroups:
                known = ", ".join(sorted(self.subgroups))
                raise ValueError(
                    f"assignments.{domain} names sub-group {key!r}, which is not under "
                    f"subgroups (known: {known})"
                )
        return self

    @property
    def rule(self) -> ConsensusRule:
        return ConsensusRule(
            quorum=self.voting.quorum,
            agree_share=self.consensus.agree_share,
            max_spread=self.consensus.max_spread,
        )

    def is_chair(self, user_id: str) -> bool:
        return user_id in self.board.chairs

    def subgroup_for(self, domain: int) -> tuple[str, SubgroupConfig] | None:
        key = self.assignments.get(domain)
        return (key, self.subgroups[key]) if key else None


def load_app_config(path: Path) -> AppConfig:
    """Load and validate `app.yaml`; raise StartupError naming the file, the key and the problem."""
    return load_yaml_model(path, AppConfig, "configuration file", " (set APP_CONFIG)")


@dataclass(frozen=True)
class Settings:
    """The process environment the core runs with (each front end adds its own settings)."""

    database_url: str
    app_config_path: Path | None  # a file to seed the configuration from (None: set up in chat)
    port: int
    question_data_dir: Path
    refresh_interval: float
    refresh_global_interval: float
    scheduler_enabled: bool = True
    sweep_interval: float = 2.0
    outbox_interval: float = 2.0
    outbox_lease: float = 60.0

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Settings:
        return cls(**cls.values_from_environment(environ))

    @staticmethod
    def values_from_environment(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
        """The core's settings by field name, read from ``environ`` (the process's if None)."""
        env = os.environ if environ is None else environ
        port_text = env.get("PORT") or "3000"
        if not re.fullmatch(r"[0-9]{1,5}", port_text) or not 0 < int(port_text) < 65536:
            raise StartupError(f"PORT={port_text!r} is not a port number")
        return dict(
            database_url=env.get("DATABASE_URL") or "sqlite:///assessment.db",
            app_config_path=Path(env["APP_CONFIG"]) if env.get("APP_CONFIG") else None,
            port=int(port_text),
            question_data_dir=Path(env.get("QUESTION_DATA_DIR") or _default_question_data_dir()),
            refresh_interval=_float(env, "REFRESH_INTERVAL", 2.0),
            refresh_global_interval=_float(env, "REFRESH_GLOBAL_INTERVAL", 1.2),
            scheduler_enabled=_switch(env, "SCHEDULER", default=True),
            sweep_interval=_float(env, "SWEEP_INTERVAL", 2.0),
            outbox_interval=_float(env, "OUTBOX_INTERVAL", 2.0),
            outbox_lease=_float(env, "OUTBOX_LEASE", 60.0),
        )


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    text = env.get(name)
    if not text:
        return default
    try:
        return float(text)
    except ValueError as exc:
        raise StartupError(f"{name}={text!r} is not a number") from exc


def _switch(env: Mapping[str, str], name: str, default: bool) -> bool:
    text = (env.get(name) or "").strip().lower()
    if not text:
        return default
    if text in {"1", "on", "yes", "true"}:
        return True
    if text in {"0", "off", "no", "false"}:
        return False
    raise StartupError(f"{name}={text!r}: use on or off")


def _default_question_data_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "question_data"


def configured_platform(path: Path | None) -> str | None:
    """The `platform` a configuration file names: None when it names none, or cannot be read
    yet (loading it properly reports what is wrong)."""
    if path is None:
        return None
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    platform = raw.get("platform") if isinstance(raw, dict) else None
    return platform if isinstance(platform, str) else None

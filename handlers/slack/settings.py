"""Slack's settings: the bot token, signing secret and API address from the environment, and
the form of Slack's ids in `app.yaml` (the core only asks that an id is not empty)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from bot.config import AppConfig, load_app_config
from bot.errors import StartupError, describe_validation_error

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
SECRET_NAMES = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")

SlackId = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Z0-9]{2,}$")]


@dataclass(frozen=True)
class SlackSettings:
    """What the Slack front end needs from the process environment."""

    slack_bot_token: str
    slack_signing_secret: str
    slack_api_url: str

    @classmethod
    def from_environment(cls, env: Mapping[str, str]) -> SlackSettings:
        missing = [name for name in SECRET_NAMES if not env.get(name)]
        if missing:
            raise StartupError(
                f"{' and '.join(missing)} not set. Copy them from your Slack app's settings "
                "(OAuth & Permissions → Bot User OAuth Token; Basic Information → Signing Secret)."
            )
        return cls(
            slack_bot_token=env["SLACK_BOT_TOKEN"],
            slack_signing_secret=env["SLACK_SIGNING_SECRET"],
            slack_api_url=env.get("SLACK_API_URL") or DEFAULT_SLACK_API_URL,
        )


class _Ids(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class _BoardIds(_Ids):
    channel: SlackId
    chairs: tuple[SlackId, ...] = Field(min_length=1)


class _SubgroupIds(_Ids):
    channel: SlackId
    members: tuple[SlackId, ...] | None = None


class SlackIds(_Ids):
    """The ids in `app.yaml`, in Slack's form (channels C…, people U… or W…)."""

    board: _BoardIds
    subgroups: dict[str, _SubgroupIds]


def check_slack_ids(path: Path, config: AppConfig) -> AppConfig:
    """``config`` if every id in it has Slack's form; else a StartupError naming the place."""
    try:
        SlackIds.model_validate(config.model_dump())
    except ValidationError as exc:
        raise StartupError(describe_validation_error(path, exc)) from exc
    return config


def load_slack_app_config(path: Path) -> AppConfig:
    """`app.yaml` loaded by the core and its ids checked in Slack's form."""
    return check_slack_ids(path, load_app_config(path))

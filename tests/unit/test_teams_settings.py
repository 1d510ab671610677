"""Teams' settings: what the process needs from its environment, and its refusals."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.composition import AppSettings
from bot.config import configured_platform
from bot.errors import StartupError
from handlers.teams.settings import TeamsSettings

APP_ID = "0f5c1a8e-1b7e-4d3c-9a51-6f6f7b0c2d11"
TENANT = "7a1d9a7e-0000-4c5e-9a6b-1b2c3d4e5f60"
REGISTERED = {
    "TEAMS_APP_ID": APP_ID,
    "TEAMS_APP_PASSWORD": "secret",
    "TEAMS_TENANT_ID": TENANT,
    "PUBLIC_URL": "https://assess.example.org/",
}


def test_registered_bot() -> None:
    settings = TeamsSettings.from_environment(REGISTERED, port=3000)
    assert settings.app_id == APP_ID
    assert settings.tenant_id == TENANT
    assert settings.public_url == "https://assess.example.org"
    assert not settings.anonymous and not settings.allow_anonymous


def test_without_an_app_id_it_refuses_to_start_unless_anonymous_is_asked_for() -> None:
    with pytest.raises(StartupError, match="TEAMS_APP_ID not set"):
        TeamsSettings.from_environment({}, port=3000)
    settings = TeamsSettings.from_environment({"TEAMS_ALLOW_ANONYMOUS": "1"}, port=3978)
    assert settings.anonymous and settings.allow_anonymous
    assert settings.public_url == "http://localhost:3978"


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"TEAMS_APP_ID": "not-a-guid"}, "not an application"),
        ({"TEAMS_APP_PASSWORD": ""}, "TEAMS_APP_PASSWORD not set"),
        ({"TEAMS_TENANT_ID": ""}, "TEAMS_TENANT_ID"),
        ({"PUBLIC_URL": ""}, "PUBLIC_URL not set"),
        ({"PUBLIC_URL": "http://assess.example.org"}, "must be https"),
        ({"PUBLIC_URL": "ftp://x"}, "not an http"),
    ],
)
def test_registration_refusals(change: dict[str, str], problem: str) -> None:
    with pytest.raises(StartupError, match=problem):
        TeamsSettings.from_environment({**REGISTERED, **change}, port=3000)


def test_an_app_id_wins_over_anonymous() -> None:
    settings = TeamsSettings.from_environment(
        {**REGISTERED, "TEAMS_ALLOW_ANONYMOUS": "1"}, port=3000
    )
    assert not settings.anonymous and not settings.allow_anonymous


def test_the_configuration_names_the_platform(tmp_path: Path) -> None:
    config = tmp_path / "app.yaml"
    assert configured_platform(config) is None  # no file yet: loading it will say so
    config.write_text(yaml.safe_dump({"platform": "teams"}), encoding="utf-8")
    assert configured_platform(config) == "teams"
    settings = AppSettings.from_environment(
        {"APP_CONFIG": str(config), "TEAMS_ALLOW_ANONYMOUS": "1"}
    )
    assert settings.teams is not None and settings.slack is None
    with pytest.raises(StartupError, match="Slack"):
        _ = settings.slack_bot_token
    config.write_text(yaml.safe_dump({"platform": "slack"}), encoding="utf-8")
    with pytest.raises(StartupError, match="SLACK_BOT_TOKEN"):
        AppSettings.from_environment({"APP_CONFIG": str(config), "TEAMS_ALLOW_ANONYMOUS": "1"})

"""`python -m bot` serving Teams as a newcomer runs it: a plain refusal without an app
registration, the loud anonymous mode for local testing, and an unknown platform named."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.connector import ConnectorDouble, TeamsClient
from tests.e2e.process import free_port, start_bot, wait_healthy
from tests.logs import MARKER
from tests.teams.harness import CHAIR, teams_config

PASSWORD = "hunter2-not-a-secret"
ANONYMOUS = "TEAMS_ALLOW_ANONYMOUS=1: requests to /api/messages are NOT authenticated"


def teams_environment(
    tmp_path: Path, config: dict[str, Any] | None = None, **extra: str
) -> dict[str, str]:
    """The process's environment with the trust's Teams app.yaml in ``tmp_path`` and nothing of
    Slack's or Teams' from the test's own environment."""
    path = tmp_path / "app.yaml"
    path.write_text(yaml.safe_dump(config or teams_config()), encoding="utf-8")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SLACK_", "TEAMS_", "DATABASE_URL", "APP_CONFIG", "PUBLIC_URL"))
    }
    env.update(APP_CONFIG=str(path), HOST="127.0.0.1", LOG_LEVEL="INFO")
    env.update(extra)
    return env


def run_to_exit(env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot"], cwd=cwd, env=env, text=True, capture_output=True, timeout=60
    )


def test_without_an_app_id_or_anonymous_mode_it_refuses_to_start_plainly(
    tmp_path: Path, database_url: str
) -> None:
    result = run_to_exit(teams_environment(tmp_path, DATABASE_URL=database_url), tmp_path)
    assert result.returncode == 2
    assert "Cannot start: TEAMS_APP_ID not set" in result.stderr
    assert "TEAMS_ALLOW_ANONYMOUS=1" in result.stderr  # what to do for local testing
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"TEAMS_APP_ID": "assess-bot"}, "TEAMS_APP_ID='assess-bot' is not an application"),
        (
            {"TEAMS_APP_ID": "0b7c5a2e-6f1d-4c8b-9a3e-2d4f6b8c0e1a"},
            "TEAMS_APP_PASSWORD not set",
        ),
        (
            {
                "TEAMS_APP_ID": "0b7c5a2e-6f1d-4c8b-9a3e-2d4f6b8c0e1a",
                "TEAMS_APP_PASSWORD": PASSWORD,
                "TEAMS_TENANT_ID": "5d2e8f41-7c3b-4a9e-b1d6-0f8a2c4e6b13",
                "PUBLIC_URL": "http://assess.example.org",
            },
            "must be https",
        ),
    ],
)
def test_a_half_done_registration_is_explained(
    tmp_path: Path, change: dict[str, str], expected: str
) -> None:
    result = run_to_exit(teams_environment(tmp_path, None, **change), tmp_path)
    assert result.returncode == 2
    assert expected in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and PASSWORD not in result.stderr


@pytest.mark.parametrize("slack_set", [False, True], ids=["teams-env", "slack-env"])
def test_an_unknown_platform_is_refused_naming_the_choices(tmp_path: Path, slack_set: bool) -> None:
    config = teams_config()
    config["platform"] = "discord"
    slack = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"} if slack_set else {}
    result = run_to_exit(teams_environment(tmp_path, config, **slack), tmp_path)
    assert result.returncode == 2
    assert "platform: discord" in result.stderr and "slack or teams" in result.stderr, result.stderr
    assert "SLACK_BOT_TOKEN" not in result.stderr
    assert "Traceback" not in result.stderr


def test_anonymous_mode_warns_once_serves_and_stops_on_sigterm(
    tmp_path: Path, database_url: str
) -> None:
    port = free_port()
    env = teams_environment(
        tmp_path,
        DATABASE_URL=database_url,
        PORT=str(port),
        TEAMS_ALLOW_ANONYMOUS="1",
        LOG_LEVEL="DEBUG",
    )
    log_path = tmp_path / "stderr.log"
    with ConnectorDouble() as double, log_path.open("w") as log_file:
        double.add_channel(teams_config()["board"]["channel"], "Trust board", [CHAIR])
        process = start_bot(env, tmp_path, stderr=log_file)
        try:
            assert wait_healthy(f"http://127.0.0.1:{port}/healthz", process) == {"status": "ok"}
            client = TeamsClient(f"http://127.0.0.1:{port}", double)
            assert all(answer.status == 202 for answer in client.install())
            assert client.personal(CHAIR, f"help {MARKER}").status == 202
            client.personal(CHAIR, "help")
            double.wait_for(
                lambda: len(double.personal_messages(CHAIR)) >= 4, message="two answers"
            )
        finally:
            process.send_signal(signal.SIGTERM)
            code = process.wait(timeout=20)
    assert code == 0
    log = log_path.read_text(encoding="utf-8")
    assert log.count(ANONYMOUS) == 1, log
    assert "App ID is not provided" not in log  # the SDK's notice on every turn: said once, ours
    assert MARKER not in log
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    events = [line.get("event") for line in lines]
    assert events.count("teams_anonymous") == 1
    listening = [line for line in lines if line.get("event") == "listening"]
    assert listening and listening[0]["url"].endswith(f":{port}/api/messages")
    assert "stopping" in events

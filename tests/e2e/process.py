"""Running the app as a real `python -m bot` process (the e2e process tests, the bench)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import IO, Any

import yaml

from tests.e2e.harness import SIGNING_SECRET
from tests.emulator import SlackEmulator
from tests.trust import config_document


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def environment(emulator: SlackEmulator, tmp_path: Path, **extra: str) -> dict[str, str]:
    """The process's environment, pointed at the emulator; writes the trust's app.yaml into
    ``tmp_path`` unless one is there."""
    config = tmp_path / "app.yaml"
    if not config.exists():
        config.write_text(yaml.safe_dump(config_document()), encoding="utf-8")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SLACK_", "DATABASE_URL", "APP_CONFIG"))
    }
    env.update(
        SLACK_BOT_TOKEN=emulator.token,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=emulator.api_url,
        APP_CONFIG=str(config),
        HOST="127.0.0.1",
        LOG_LEVEL="WARNING",
    )
    env.update(extra)
    return env


def start_bot(
    env: dict[str, str],
    cwd: Path,
    stderr: int | IO[Any] = subprocess.PIPE,
    module: str = "bot",
) -> subprocess.Popen[str]:
    """`python -m bot` (or another module) in ``cwd`` with ``env``."""
    return subprocess.Popen(
        [sys.executable, "-m", module], cwd=cwd, env=env, text=True, stderr=stderr
    )


def wait_healthy(url: str, process: subprocess.Popen[str]) -> dict[str, str]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(
                f"the app exited: {process.stderr.read() if process.stderr else ''}"
            )
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                return dict(json.loads(response.read()))
        except OSError:
            time.sleep(0.1)
    raise AssertionError("the app did not answer /healthz in 30 s")

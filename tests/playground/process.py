"""The Agents Playground's process: installed in teams/playground (make playground-install), run
with node in a working folder of its own that holds its ``.m365agentsplayground.yml``."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.playground.world import ROOT

PACKAGE_DIR = ROOT / "teams" / "playground"
CLI = PACKAGE_DIR / "node_modules" / "@microsoft" / "m365agentsplayground" / "cli.js"
VERSION = "0.2.28"
#: the variables the Playground reads; none is inherited from the caller's environment
_OWN_VARIABLES = ("M365_AGENTS_PLAYGROUND_", "TEAMSAPPTESTER_", "TEAMS_APP_TEST_TOOL_")
_INHERITED_BLOCKLIST = ("BOT_ENDPOINT", "DEFAULT_CHANNEL_ID", "SEND_INSTALLATION_ACTIVITY")
LOG_NAME = "playground.log"
OUTPUT_NAME = "playground.out"


def missing() -> str | None:
    """Why the Playground cannot run here, or None when it can."""
    if shutil.which("node") is None:
        return "node is not installed (Debian: apt-get install nodejs npm)"
    manifest = CLI.parent / "package.json"
    installed = json.loads(manifest.read_text(encoding="utf-8")) if manifest.exists() else {}
    if not CLI.exists() or installed.get("version") != VERSION:
        return (
            f"the Agents Playground {VERSION} is not installed in {PACKAGE_DIR.relative_to(ROOT)} "
            "(run: make playground-install; it needs npm)"
        )
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PlaygroundProcess:
    """``agentsplayground -p PORT -e APP_ENDPOINT -c msteams --dt`` in ``workdir``, in a process
    group of its own; its log (``M365_AGENTS_PLAYGROUND_LOGFILE``) and output in ``workdir``."""

    def __init__(self, workdir: Path, app_endpoint: str, port: int | None = None) -> None:
        self.workdir = workdir
        self.app_endpoint = app_endpoint
        self.requested_port = port or free_port()
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://localhost:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.workdir / LOG_NAME

    def start(self, timeout: float = 30.0) -> None:
        reason = missing()
        if reason:
            raise RuntimeError(reason)
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(_OWN_VARIABLES) and key not in _INHERITED_BLOCKLIST
        }
        env.update(TEAMSAPPTESTER_BROWSER="none", M365_AGENTS_PLAYGROUND_LOGFILE=str(self.log_path))
        command = [
            shutil.which("node") or "node",
            str(CLI),
            "-p",
            str(self.requested_port),
            "-e",
            self.app_endpoint,
            "-c",
            "msteams",
            "--dt",  # no telemetry
        ]
        with (self.workdir / OUTPUT_NAME).open("wb") as output:
            self._process = subprocess.Popen(
                command,
                cwd=self.workdir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._wait_ready(timeout)

    def _wait_ready(self, timeout: float) -> None:
        """It prints ``Listening on PORT`` (another port if that one is taken) before it reads its
        configuration; ``/_debug/ping`` answers once it has."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise RuntimeError(
                    f"the Playground exited with code {self._process.returncode}\n{self.describe()}"
                )
            if not self.port:
                found = re.search(r"Listening on (\d+)", self.output())
                self.port = int(found.group(1)) if found else 0
            if self.port and self._pong():
                return
            time.sleep(0.1)
        raise RuntimeError(f"the Playground was not ready in {timeout} s\n{self.describe()}")

    def _pong(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/_debug/ping", timeout=1) as response:
                return bool(response.read() == b"pong")
        except (urllib.error.URLError, OSError):
            return False

    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def stop(self) -> None:
        """SIGTERM to its process group, SIGKILL if it is still there after 5 s."""
        process = self._process
        if process is None or process.poll() is not None:
            return
        for sig, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(process.pid, sig)
            except ProcessLookupError:
                return
            try:
                process.wait(wait)
                return
            except subprocess.TimeoutExpired:
                continue

    def output(self) -> str:
        path = self.workdir / OUTPUT_NAME
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def log(self) -> str:
        path = self.log_path
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def describe(self, tail: int = 12_000) -> str:
        """The Playground's output and log (their last ``tail`` characters), for a failure."""
        return (
            f"--- Playground output ({self.workdir / OUTPUT_NAME}) ---\n{self.output()[-tail:]}\n"
            f"--- Playground log ({self.log_path}) ---\n{self.log()[-tail:]}"
        )

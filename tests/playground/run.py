"""`make playground`: the app (``python -m bot``, its Teams front end, anonymous, SQLite) and
Microsoft's Agents Playground in front of it; prints the address of the Playground's web UI and
how to play a round there.

    python -m tests.playground.run [--playground-only]

APP_PORT (3978) and PLAYGROUND_PORT (56150) choose the ports. The Playground plays
teams/playground/.m365agentsplayground.yml; the app runs teams/playground/app.yaml. Their logs,
the Playground's working folder and the database are in teams/playground/.run/. The Playground
keeps no messages from one run to the next, so the database starts empty each time too (rounds
whose cards it no longer shows would only get in the way). With ``--playground-only`` the app is
not started: run it yourself (say, under a debugger) on APP_PORT.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import FrameType

from tests.playground.driver import Playground
from tests.playground.process import missing
from tests.playground.world import ROOT, World, load_world

RUN_DIR = ROOT / "teams" / "playground" / ".run"
APP_CONFIG = ROOT / "teams" / "playground" / "app.yaml"
DATABASE_NAME = "playground.db"
NO_CONFIG = "no-app.yaml"  # --new-board: a file that is not there
OURS = (
    "APP_CONFIG",
    "PLATFORM",
    "TEAMS_ALLOW_ANONYMOUS",
    "PORT",
    "HOST",
    "DATABASE_URL",
    "PUBLIC_URL",
)


def app_environment(app_port: int, new_board: bool = False) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TEAMS_"))}
    env.update(
        APP_CONFIG=str(RUN_DIR / NO_CONFIG if new_board else APP_CONFIG),
        PLATFORM="teams",
        TEAMS_ALLOW_ANONYMOUS="1",
        PORT=str(app_port),
        HOST="127.0.0.1",
        DATABASE_URL=f"sqlite:///{RUN_DIR / DATABASE_NAME}",
        PUBLIC_URL=f"http://localhost:{app_port}",
    )
    return env


def fresh_database() -> None:
    """The last run's database is of no use: the Playground forgot its posts."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        (RUN_DIR / f"{DATABASE_NAME}{suffix}").unlink(missing_ok=True)


def port_taken(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def start_app(app_port: int, new_board: bool = False) -> subprocess.Popen[bytes]:
    fresh_database()
    log = (RUN_DIR / "app.log").open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "bot"],
        cwd=ROOT,
        env=app_environment(app_port, new_board),
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def wait_healthy(app: subprocess.Popen[bytes], app_port: int, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and app.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{app_port}/healthz", timeout=1):
                return True
        except OSError:
            time.sleep(0.2)
    return False


def guide(
    playground: Playground, world: World, app_port: int, app_started: bool, new_board: bool
) -> str:
    me, bot = world.current_user, world.bot_name
    if app_started:
        app = f"http://127.0.0.1:{app_port}/api/messages   log: {RUN_DIR / 'app.log'}"
    else:
        environment = app_environment(app_port, new_board).items()
        settings = " ".join(f"{k}={v}" for k, v in environment if k in OURS)
        app = f"not started; run it yourself: {settings} python -m bot"
    if new_board:
        return (
            f"\n  Agents Playground: {playground.url}   (open it in a browser)\n"
            f"  the app: {app}\n\n"
            f"  A new board: nothing is set up. You are {me.name}. In General, write @{bot} "
            "setup (type @ and pick it):\n"
            f"  the form comes as a card. Name the board, add a sub-group in "
            f"{world.channel.name!r}, give it a domain and press Save settings:\n"
            f"  you are then the board's first chair, and @{bot} domain N starts a round. "
            "Ctrl-C stops both.\n"
        )
    return (
        f"\n  Agents Playground: {playground.url}   (open it in a browser)\n"
        f"  the app: {app}\n\n"
        f"  You are {me.name}, the board's chair. The team {world.team_name!r} has the channels "
        f"General (the board's) and {world.channel.name!r} (every sub-group's).\n"
        f"  To play a round: in General, write @{bot} domain 5 (type @ and pick {bot}). The "
        f"cards come in {world.channel.name!r}:\n"
        "  vote there (domain 5 is the Workforce Sub-Group's: you, Dev Patel and Tom Walsh). "
        f"Then @{bot} close 5 in General\n"
        "  closes it with the votes cast; a flagged question's thread has Re-vote and Decide; "
        f"the summary comes in General.\n"
        f"  Your personal chat with {bot} has the private answers; @{bot} help lists the "
        "commands. Ctrl-C stops both.\n"
    )


def tail(path: Path, characters: int = 4000) -> str:
    return path.read_text(encoding="utf-8", errors="replace")[-characters:] if path.exists() else ""


def serve(playground_only: bool, new_board: bool = False) -> int:
    reason = missing()
    if reason:
        print(f"Cannot start the Playground: {reason}", file=sys.stderr)
        return 2
    app_port = int(os.environ.get("APP_PORT") or 3978)
    playground_port = int(os.environ.get("PLAYGROUND_PORT") or 56150)
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    if not playground_only and port_taken(app_port):
        print(f"Port {app_port} is taken: stop what uses it, or set APP_PORT.", file=sys.stderr)
        return 2
    world = load_world()
    endpoint = f"http://127.0.0.1:{app_port}/api/messages"
    playground = Playground(
        world, endpoint, port=playground_port, workdir=RUN_DIR, listen=False
    ).start()
    app = None if playground_only else start_app(app_port, new_board)
    try:
        if app is not None and not wait_healthy(app, app_port):
            print(
                f"The app did not come up on port {app_port} (exit code {app.poll()}); its log:\n"
                f"{tail(RUN_DIR / 'app.log')}\nThe Playground stays up without it.",
                file=sys.stderr,
            )
            app = None
        print(guide(playground, world, app_port, app is not None, new_board), flush=True)
        wait_for_stop(playground, app)
    finally:
        if app is not None and app.poll() is None:
            app.terminate()
            app.wait(10)
        playground.stop()
    return 0


def wait_for_stop(playground: Playground, app: subprocess.Popen[bytes] | None) -> None:
    stopping: list[int] = []

    def stop(signum: int, _frame: FrameType | None) -> None:
        stopping.append(signum)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    while not stopping and playground.process.running():
        if app is not None and app.poll() is not None:
            print(f"The app exited (code {app.returncode}):\n{tail(RUN_DIR / 'app.log')}")
            app = None
        time.sleep(0.3)
    if not playground.process.running():
        print(f"The Playground stopped:\n{playground.process.describe(4000)}", file=sys.stderr)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--playground-only", action="store_true", help="do not start the app")
    parser.add_argument(
        "--new-board", action="store_true", help="no app.yaml: set the board up from the chat"
    )
    arguments = parser.parse_args()
    return serve(arguments.playground_only, arguments.new_board)


if __name__ == "__main__":
    sys.exit(main())

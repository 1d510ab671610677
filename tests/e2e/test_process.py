"""`python -m bot` as a newcomer runs it: a real process serving HTTP, or a clear refusal."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from tests.e2e.harness import (
    BOARD,
    CHAIR,
    PARTICIPATION,
    ROOT,
    SIGNING_SECRET,
    config_document,
    wait_for_cards,
)
from tests.e2e.process import environment, free_port, start_bot, wait_healthy
from tests.emulator import SlackEmulator, SlackSender


def test_python_m_bot_serves_slack_and_stops_cleanly(
    emulator: SlackEmulator, tmp_path: Path, database_url: str
) -> None:
    port = free_port()
    env = environment(emulator, tmp_path, PORT=str(port), DATABASE_URL=database_url)
    process = start_bot(env, tmp_path)
    try:
        assert wait_healthy(f"http://127.0.0.1:{port}/healthz", process) == {"status": "ok"}
        sender = SlackSender(f"http://127.0.0.1:{port}", SIGNING_SECRET, emulator)
        response = sender.slash_command(CHAIR, BOARD, "help")
        assert response.status == 200
        posts = emulator.wait_for(lambda: emulator.responses(response.response_url))
        assert "/assess domain N" in posts[0].body["text"]
        assert sender.slash_command(CHAIR, BOARD, "help", bad_signature=True).status == 401
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=20)
    assert code == 0


def test_the_default_database_is_a_sqlite_file_in_the_working_folder(
    emulator: SlackEmulator, tmp_path: Path
) -> None:
    port = free_port()
    env = environment(emulator, tmp_path, PORT=str(port))
    process = start_bot(env, tmp_path)
    try:
        wait_healthy(f"http://127.0.0.1:{port}/healthz", process)
    finally:
        process.terminate()
        process.wait(timeout=20)
    assert (tmp_path / "assessment.db").exists()


def test_without_app_yaml_the_app_starts_and_asks_for_set_up(
    emulator: SlackEmulator, tmp_path: Path
) -> None:
    """A new board: the two secrets, no app.yaml. The app serves, and says set-up comes first."""
    port = free_port()
    env = environment(
        emulator, tmp_path, PORT=str(port), APP_CONFIG="/nonexistent/app.yaml", LOG_LEVEL="INFO"
    )
    log_path = tmp_path / "stderr.log"
    with log_path.open("w") as log_file:
        process = start_bot(env, tmp_path, stderr=log_file)
        try:
            wait_healthy(f"http://127.0.0.1:{port}/healthz", process)
            sender = SlackSender(f"http://127.0.0.1:{port}", SIGNING_SECRET, emulator)
            response = sender.slash_command(CHAIR, BOARD, "domain 4")
            assert response.status == 200
            posts = emulator.wait_for(lambda: emulator.responses(response.response_url))
            assert "isn't set up yet" in posts[0].body["text"]
            assert "/assess setup" in posts[0].body["text"]
        finally:
            process.send_signal(signal.SIGTERM)
            code = process.wait(timeout=20)
    assert code == 0
    assert "not_set_up_yet" in log_path.read_text(encoding="utf-8")
    assert emulator.messages(PARTICIPATION) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"SLACK_BOT_TOKEN": ""}, "SLACK_BOT_TOKEN not set"),
        ({"SLACK_SIGNING_SECRET": ""}, "SLACK_SIGNING_SECRET not set"),
        ({"SLACK_BOT_TOKEN": "xoxb-wrong"}, "did not accept SLACK_BOT_TOKEN"),
        ({"PORT": "eighty"}, "PORT='eighty' is not a port number"),
    ],
)
def test_start_up_problems_are_explained(
    emulator: SlackEmulator, tmp_path: Path, change: dict[str, str], expected: str
) -> None:
    env = environment(emulator, tmp_path, **change)
    result = subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        env=env,
        text=True,
        capture_output=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda c: c["voting"].update(dedline="7d"), "voting.dedline"),
        (lambda c: c["subgroups"]["workforce"].pop("channel"), "subgroups.workforce.channel"),
        (lambda c: c["assignments"].update({4: "youth"}), "assignments.4 names sub-group 'youth'"),
    ],
)
def test_a_bad_app_yaml_names_the_key(
    emulator: SlackEmulator, tmp_path: Path, edit: object, expected: str
) -> None:
    document = config_document()
    edit(document)  # type: ignore[operator]
    (tmp_path / "app.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        env=environment(emulator, tmp_path),
        text=True,
        capture_output=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert expected in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_the_shipped_configuration_and_question_bank_load() -> None:
    from bot.composition import check_assignments
    from bot.config import load_app_config
    from bot.domain.framework import framework_path, load_framework

    config = load_app_config(ROOT / "app.yaml")
    framework = load_framework(framework_path(ROOT / "question_data", config.framework))
    check_assignments(config, framework, "app.yaml")
    assert config.board.name == "Oxfordshire Children and Young People's Trust"
    assert [config.assignments[d] for d in range(1, 8)] == [
        "board",
        "commissioning",
        "performance",
        "participation",
        "workforce",
        "performance",
        "performance",
    ]


def refused_unread(port: int, length: int) -> bytes:
    """Send only the headers of a POST announcing `length` bytes; return the status line."""
    head = (
        f"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {length}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"X-Slack-Request-Timestamp: {int(time.time())}\r\nX-Slack-Signature: v0=wrong\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(head.encode())
        return connection.makefile("rb").readline()


def test_the_process_refuses_big_bodies_unread_and_logs_no_body(
    emulator: SlackEmulator, tmp_path: Path, database_url: str
) -> None:
    port = free_port()
    env = environment(
        emulator, tmp_path, PORT=str(port), DATABASE_URL=database_url, LOG_LEVEL="DEBUG"
    )
    marker = "BODY-MARKER-7f3a"
    log_path = tmp_path / "stderr.log"
    with log_path.open("w") as log_file:
        process = start_bot(env, tmp_path, stderr=log_file)
        try:
            wait_healthy(f"http://127.0.0.1:{port}/healthz", process)
            sender = SlackSender(f"http://127.0.0.1:{port}", SIGNING_SECRET, emulator)
            assert b" 413 " in refused_unread(port, 10 * 1024 * 1024)
            form = "application/x-www-form-urlencoded"
            small = "payload=" + json.dumps({"type": "block_actions", "note": marker})
            assert sender.post(small, form, bad_signature=True).status == 401
            assert sender.post("payload={not-json-" + marker, form).status == 400
            started = sender.slash_command(CHAIR, BOARD, "domain 4")
            emulator.wait_for(lambda: emulator.responses(started.response_url))
            card = wait_for_cards(emulator, PARTICIPATION, 4)["4.1"]
            stale = sender.click_button(
                "U0PART001", PARTICIPATION, str(card["ts"]), "vote_4", value="999:999"
            )
            emulator.wait_for(lambda: emulator.responses(stale.response_url))
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=20)
    log = log_path.read_text(encoding="utf-8")
    assert marker not in log
    assert stale.response_url is not None
    assert stale.response_url.rsplit("/", 1)[-1] not in log
    assert "vote_4" not in log and "Outstanding" not in log
    assert emulator.token not in log
    refusals = [json.loads(line) for line in log.splitlines() if "slack_request_refused" in line]
    assert [(r["status"], r["reason"]) for r in refusals] == [
        (401, "invalid request"),
        (400, "malformed request"),
    ]

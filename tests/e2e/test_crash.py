"""A vote answered 200 survives the process being killed: Slack never sends that click again."""

from __future__ import annotations

import signal
import subprocess
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import text

from storage.database import make_engine
from tests.e2e.harness import (
    BOARD,
    CHAIR,
    PARTICIPATION,
    SIGNING_SECRET,
    button_value,
    members,
    populate,
    question_cards,
)
from tests.e2e.process import environment, free_port, start_bot, wait_healthy
from tests.emulator import SlackEmulator, SlackSender

ELECTORS = 40
KILL_AFTER = 12  # answered clicks


@pytest.fixture
def emulator() -> Iterator[SlackEmulator]:
    with SlackEmulator() as slack:
        populate(slack, {"PART": ELECTORS})
        yield slack


def stored_voters(database_url: str, round_question_id: int) -> set[str]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT user_id FROM votes WHERE round_question_id = :id"),
                {"id": round_question_id},
            )
            return {str(row[0]) for row in rows}
    finally:
        engine.dispose()


def test_every_click_answered_200_is_stored_after_a_kill_and_restart(
    emulator: SlackEmulator, tmp_path: Path, database_url: str
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = environment(emulator, tmp_path, PORT=str(port), DATABASE_URL=database_url)
    process = start_bot(env, tmp_path, stderr=subprocess.DEVNULL)
    try:
        wait_healthy(f"{url}/healthz", process)
        sender = SlackSender(url, SIGNING_SECRET, emulator)
        started = sender.slash_command(CHAIR, BOARD, "domain 4")
        assert started.status == 200
        emulator.wait_for(lambda: emulator.responses(started.response_url))  # all posted
        card = question_cards(emulator, PARTICIPATION)["4.1"]
        voters = members("PART", ELECTORS)[:-1]  # one stays away: the question stays open
        answered: list[str] = []
        enough = threading.Event()
        lock = threading.Lock()

        def click(user: str) -> None:
            try:
                response = sender.click_button(
                    user, PARTICIPATION, str(card["ts"]), "vote_3", message=card
                )
            except OSError:  # the process died under this click: Slack would show an error
                return
            if response.status == 200:
                with lock:
                    answered.append(user)
                    if len(answered) >= KILL_AFTER:
                        enough.set()

        with ThreadPoolExecutor(max_workers=len(voters)) as pool:
            for user in voters:
                pool.submit(click, user)
            assert enough.wait(60), "fewer clicks than expected were answered"
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=20)
        with lock:
            acknowledged = set(answered)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=20)

    restarted = start_bot(env, tmp_path, stderr=subprocess.DEVNULL)
    try:
        assert wait_healthy(f"{url}/healthz", restarted) == {"status": "ok"}
        round_question_id = int(button_value(card).split(":")[1])
        stored = stored_voters(database_url, round_question_id)
    finally:
        restarted.send_signal(signal.SIGTERM)
        restarted.wait(timeout=20)
    assert len(acknowledged) >= KILL_AFTER
    assert acknowledged - stored == set(), f"answered 200 but lost: {sorted(acknowledged - stored)}"

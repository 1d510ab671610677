"""Deadlines, reminders and durability: rounds close on time, survive SIGKILL, and several
workers on one PostgreSQL database act once."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.e2e.harness import (
    PARTICIPATION,
    PERFORMANCE,
    SIGNING_SECRET,
    VOTERS,
    block_text,
    config_document,
    run_command,
    running_app,
    summaries,
    wait_for_cards,
)
from tests.e2e.process import environment, free_port, start_bot, wait_healthy
from tests.emulator import SlackEmulator, SlackSender


def direct_messages(emulator: SlackEmulator, user: str) -> list[dict[str, Any]]:
    return emulator.messages(emulator.dm_channel_id(user))


def timed_config(deadline: str, remind_before: str) -> dict[str, Any]:
    return config_document(deadline=deadline, remind_before=remind_before)


def test_the_deadline_closes_the_round_and_reminds_exactly_the_missing_once(
    database_url: str, emulator: SlackEmulator, tmp_path: Path
) -> None:
    config = timed_config("8s", "5s")  # reminder 3 s in, deadline 8 s in
    with running_app(database_url, emulator, tmp_path, config=config) as app:
        reply = app.command("domain 4")
        assert "until" in reply
        cards = wait_for_cards(emulator, PARTICIPATION, 4)
        # U0PART001 votes on everything, U0PART002 on half, the others on nothing
        for card in cards.values():
            click = app.sender.click_button(VOTERS[0], PARTICIPATION, str(card["ts"]), "vote_3")
            app.private_reply(click.response_url)
        for card in list(cards.values())[:2]:
            click = app.sender.click_button(VOTERS[1], PARTICIPATION, str(card["ts"]), "vote_3")
            app.private_reply(click.response_url)
        reminded = emulator.wait_for(
            lambda: (
                {u for u in VOTERS if direct_messages(emulator, u)} == set(VOTERS[1:])
                and {u for u in VOTERS if direct_messages(emulator, u)}
            ),
            timeout=15,
            message="reminders to the three who have not finished",
        )
        assert reminded == set(VOTERS[1:])
        partial = block_text(direct_messages(emulator, VOTERS[1])[0])
        assert "domain 4" in partial and "4.3, 4.4" in partial and "4.1" not in partial
        assert "Open the round" in partial  # the permalink to the round
        none_yet = block_text(direct_messages(emulator, VOTERS[2])[0])
        assert "4.1, 4.2, 4.3, 4.4" in none_yet

        summary = emulator.wait_for(lambda: summaries(emulator), timeout=20)
        app.wait_sent("summary:1")
        text = block_text(summary[0])
        assert "Agreed: 3 Good" in text  # 4.1 and 4.2: two of four took part, both Good
        assert text.count("NO QUORUM") == 2  # 4.3 and 4.4: one of four took part
        assert len(summaries(emulator)) == 1
        for user in VOTERS:
            assert len(direct_messages(emulator, user)) == (1 if user != VOTERS[0] else 0)
        late = app.sender.click_button(
            VOTERS[3], PARTICIPATION, str(cards["4.4"]["ts"]), "vote_3", message=cards["4.4"]
        )
        assert "has closed" in app.private_reply(late.response_url)


def test_chairs_extend_the_deadline_and_remind_now(
    database_url: str, emulator: SlackEmulator, tmp_path: Path
) -> None:
    with running_app(database_url, emulator, tmp_path) as app:
        app.command("domain 4")
        cards = wait_for_cards(emulator, PARTICIPATION, 4)
        header = emulator.messages(PARTICIPATION, top_level_only=True)[0]
        before = block_text(header)
        assert "<!date^" in before and "Voting closes" in before

        assert "Only the board's chairs" in app.command(
            "extend 4 2d", user=VOTERS[0], channel=PARTICIPATION
        )
        assert "not a duration" in app.command("extend 4 fortnight")
        reply = app.command("extend 4 2d")
        assert "2 days more" in reply
        after = header_changed(emulator, header, before)
        old_stamp, new_stamp = deadline_stamp(before), deadline_stamp(after)
        assert new_stamp - old_stamp == 2 * 86400

        for card in cards.values():
            click = app.sender.click_button(VOTERS[0], PARTICIPATION, str(card["ts"]), "vote_2")
            app.private_reply(click.response_url)
        reply = app.command("remind 4")
        assert "3 reminder(s)" in reply and "<@U0PART001>" not in reply
        emulator.wait_for(
            lambda: all(direct_messages(emulator, u) for u in VOTERS[1:]),
            message="direct reminders",
        )
        assert direct_messages(emulator, VOTERS[0]) == []
        assert "Domain 5 has no open round" in app.command("remind 5")


def start_worker(
    emulator: SlackEmulator, tmp_path: Path, database_url: str, **extra: str
) -> tuple[subprocess.Popen[str], SlackSender]:
    port = free_port()
    env = environment(
        emulator,
        tmp_path,
        PORT=str(port),
        DATABASE_URL=database_url,
        SWEEP_INTERVAL="0.3",
        OUTBOX_INTERVAL="0.3",
        OUTBOX_LEASE="2",
        REFRESH_INTERVAL="0.1",
        **extra,
    )
    process = start_bot(env, tmp_path)
    wait_healthy(f"http://127.0.0.1:{port}/healthz", process)
    return process, SlackSender(f"http://127.0.0.1:{port}", SIGNING_SECRET, emulator)


def wait_for_reply(emulator: SlackEmulator, response_url: str | None) -> None:
    emulator.wait_for(lambda: emulator.responses(response_url), message="a private reply")


def header_changed(emulator: SlackEmulator, header: dict[str, Any], before: str) -> str:
    """Wait until the round's header no longer shows ``before``; return what it shows."""

    def shown() -> str:
        return block_text(emulator.message(PARTICIPATION, str(header["ts"])) or {})

    emulator.wait_for(lambda: shown() != before, message="the header to show the new deadline")
    return shown()


def deadline_stamp(header_text: str) -> int:
    """The Unix time of the deadline the header shows (Slack's <!date^…> token)."""
    return int(header_text.split("<!date^")[1].split("^")[0])


def write_config(tmp_path: Path, deadline: str, remind_before: str) -> None:
    (tmp_path / "app.yaml").write_text(
        yaml.safe_dump(timed_config(deadline, remind_before)), encoding="utf-8"
    )


def test_sigkill_and_restart_across_the_deadline_loses_nothing(
    database_url: str, emulator: SlackEmulator, tmp_path: Path
) -> None:
    write_config(tmp_path, "6s", "4s")
    first, sender = start_worker(emulator, tmp_path, database_url)
    try:
        assert "Domain 3 is now with" in run_command(emulator, sender, "domain 3")
        cards = wait_for_cards(emulator, PERFORMANCE, 2)
        for card in cards.values():
            for user in ["U0PERF001", "U0PERF002"]:
                response = sender.click_button(user, PERFORMANCE, str(card["ts"]), "vote_3")
                assert response.status == 200
                wait_for_reply(emulator, response.response_url)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    started = time.monotonic()
    time.sleep(7)  # the deadline (and the reminder time) pass while nothing runs
    assert summaries(emulator) == []
    second, _ = start_worker(emulator, tmp_path, database_url)
    try:
        summary = emulator.wait_for(lambda: summaries(emulator), timeout=20)
        text = block_text(summary[0])
        assert "2 questions: 2 Good; nothing flagged." in text
        assert "Turnout 2 of 3" in text
        # the missed reminder fired once on start-up, to the one who had not voted
        assert len(direct_messages(emulator, "U0PERF003")) <= 1
        time.sleep(1.5)
        assert len(summaries(emulator)) == 1
        assert time.monotonic() - started < 60
    finally:
        second.terminate()
        second.wait(timeout=20)


def test_two_workers_on_postgresql_act_once(
    database_url: str, emulator: SlackEmulator, tmp_path: Path
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("several workers need PostgreSQL (SQLite is for one process)")
    write_config(tmp_path, "6s", "4s")
    one, via_one = start_worker(emulator, tmp_path, database_url)
    two, via_two = start_worker(emulator, tmp_path, database_url)
    try:
        assert "Domain 3 is now with" in run_command(emulator, via_one, "domain 3")
        assert "already has a round open" in run_command(emulator, via_two, "domain 3")
        cards = wait_for_cards(emulator, PERFORMANCE, 2)
        for index, card in enumerate(cards.values()):
            sender = via_one if index == 0 else via_two
            for user in ["U0PERF001", "U0PERF002"]:
                response = sender.click_button(user, PERFORMANCE, str(card["ts"]), "vote_4")
                assert response.status == 200
                wait_for_reply(emulator, response.response_url)
        emulator.wait_for(lambda: direct_messages(emulator, "U0PERF003"), timeout=15)
        emulator.wait_for(lambda: summaries(emulator), timeout=20)
        time.sleep(2)  # both workers keep ticking: nothing more may be sent
        assert len(summaries(emulator)) == 1
        assert len(direct_messages(emulator, "U0PERF003")) == 1
        assert direct_messages(emulator, "U0PERF001") == []
        assert "2 questions: 2 Outstanding; nothing flagged." in block_text(summaries(emulator)[0])
    finally:
        for process in (one, two):
            process.terminate()
        for process in (one, two):
            process.wait(timeout=20)


def test_extend_is_bounded_to_a_year_and_says_so(
    database_url: str, emulator: SlackEmulator, tmp_path: Path
) -> None:
    with running_app(database_url, emulator, tmp_path) as app:
        app.command("domain 4")
        wait_for_cards(emulator, PARTICIPATION, 4)
        header = emulator.messages(PARTICIPATION, top_level_only=True)[0]
        before = block_text(header)

        for huge in ("999999999d", "366d", "8761h"):
            refused = app.command(f"extend 4 {huge}")
            assert f"`{huge}` is too long. The longest extension is 365 days." in refused
            assert "went wrong" not in refused
        assert block_text(emulator.message(PARTICIPATION, str(header["ts"])) or {}) == before

        assert "365 days more" in app.command("extend 4 365d")
        after = header_changed(emulator, header, before)
        old_stamp, new_stamp = deadline_stamp(before), deadline_stamp(after)
        assert new_stamp - old_stamp == 365 * 86400

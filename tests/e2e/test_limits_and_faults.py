"""Long summaries within Slack's limits, coalesced refreshes, and Slack failing on us."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from bot.domain.consensus import Choice
from tests.e2e.harness import (
    BOARD,
    COMMISSIONING,
    PARTICIPATION,
    PERFORMANCE,
    RunningApp,
    StartApp,
    block_text,
    button_value,
    populate,
    running_app,
    summaries,
    wait_for_cards,
    wait_for_thread,
)
from tests.emulator import SlackEmulator, validate_blocks

LONG_COMMENT = (
    "Our partnership board has discussed this at length; the evidence from the last two "
    "annual reviews points both ways, and the voluntary sector representatives want it "
    "recorded that <their> view & the statutory partners' view differ. "
) * 9  # about 1,900 characters


@pytest.mark.parametrize(("domain", "channel"), [(2, COMMISSIONING), (7, PERFORMANCE)])
def test_a_long_summary_is_split_into_a_thread_within_limits(
    database_url: str, tmp_path: Path, domain: int, channel: str
) -> None:
    with SlackEmulator() as emulator:
        people = populate(emulator, {"COMM": 30, "PERF": 30})[channel]
        with running_app(database_url, emulator, tmp_path, refresh_interval=1.0) as app:
            app.command(f"domain {domain}")
            cards = wait_for_cards(emulator, channel, 8)
            facilitator = app.application.facilitator
            for card in cards.values():
                round_id, question_id = (int(x) for x in button_value(card).split(":"))
                for person in people:
                    reply = facilitator.add_comment(person, round_id, question_id, LONG_COMMENT)
                    assert not reply.is_refusal, reply.text
                for i, person in enumerate(people[:20]):
                    facilitator.record_vote(
                        person, round_id, question_id, Choice.GOOD if i % 3 else Choice.ADEQUATE
                    )
            assert "Closed domain" in app.command(f"close {domain}")
            app.wait_sent("summary:1")
            first = summaries(emulator)
            assert len(first) == 1
            thread = wait_for_thread(emulator, BOARD, str(first[0]["ts"]), 2)
            for message in thread:
                assert validate_blocks(message["blocks"]) == []
                assert len(message["blocks"]) <= 50
                assert message["text"]
            everything = "\n".join(block_text(m) for m in thread)
            assert everything.count("Comments on") >= 8
            assert (
                everything.count("&lt;their&gt; view &amp;") == 30 * 8 * 9
            )  # every comment, whole
            refused = [c for c in emulator.calls_to("chat.postMessage") if not c.ok]
            assert [c.error for c in refused if c.error != "ratelimited"] == []


@pytest.fixture
def big_participation(start_app: StartApp) -> RunningApp:
    return start_app(sizes={"PART": 21}, refresh_interval=0.5)


def test_a_burst_of_votes_costs_few_message_updates(big_participation: RunningApp) -> None:
    app = big_participation
    emulator = app.emulator
    app.command("domain 4")
    cards = wait_for_cards(emulator, PARTICIPATION, 4)
    card = cards["4.1"]
    voters = [f"U0PART{i:03d}" for i in range(1, 21)]
    barrier = threading.Barrier(len(voters))
    statuses: list[int] = []

    def click(user: str) -> None:
        barrier.wait()
        response = app.sender.click_button(user, PARTICIPATION, str(card["ts"]), "vote_3")
        statuses.append(response.status)

    threads = [threading.Thread(target=click, args=(user,)) for user in voters]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200] * 20
    emulator.wait_for(
        lambda: "20 of 21" in block_text(emulator.message(PARTICIPATION, str(card["ts"])) or {}),
        message="the card to show 20 of 21",
    )
    app.idle()
    updates = [
        c for c in emulator.calls_to("chat.update") if c.params.get("ts") == card["ts"] and c.ok
    ]
    assert 1 <= len(updates) < 20
    final = block_text(emulator.message(PARTICIPATION, str(card["ts"])) or {})
    assert all(f"<@{user}>" in final for user in voters)
    assert "3 Good" not in final.split("Voted")[1]  # still secret


def test_summary_arrives_once_when_slack_answers_429_then_500(
    database_url: str, tmp_path: Path
) -> None:
    with SlackEmulator() as emulator:
        populate(emulator, {"PERF": 2})
        with running_app(database_url, emulator, tmp_path) as app:
            app.command("domain 3")
            cards = wait_for_cards(emulator, PERFORMANCE, 2)
            people = ["U0PERF001", "U0PERF002"]
            for card in cards.values():
                for person in people[:1]:
                    app.sender.click_button(person, PERFORMANCE, str(card["ts"]), "vote_3")
            emulator.fail_next("chat.postMessage", status=429, retry_after=1)
            emulator.fail_next("chat.postMessage", status=500)
            emulator.fail_next("chat.update", status=500)
            for card in cards.values():
                response = app.sender.click_button(
                    people[1], PERFORMANCE, str(card["ts"]), "vote_3"
                )
                assert response.status == 200
            found = emulator.wait_for(lambda: summaries(emulator), timeout=20)
            app.idle()
            assert len(summaries(emulator)) == 1
            assert "2 questions: 2 Good; nothing flagged." in block_text(found[0])
            statuses = [c.status for c in emulator.calls_to("chat.postMessage")]
            assert 429 in statuses and 500 in statuses
            for card in cards.values():
                closed = block_text(emulator.message(PERFORMANCE, str(card["ts"])) or {})
                assert "Agreed: 3 Good" in closed

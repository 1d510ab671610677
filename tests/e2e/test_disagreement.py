"""From a flagged question to a grade the board can stand behind, driven as Slack would: the
discussion thread, a re-vote that agrees, a chair's decision, a non-chair refused, the board
summary updated in place, and the audit trail as a file."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from tests.e2e.harness import (
    BOARD,
    CHAIR,
    PARTICIPATION,
    VOTERS,
    RunningApp,
    block_text,
    messages_showing,
    question_cards,
    wait_for_cards,
    wait_for_messages,
    wait_for_thread,
)
from tests.emulator import validate_blocks

pytestmark = pytest.mark.chair_observes
SPLIT = ["1", "4", "3", "3"]
AGREE = ["3", "3", "3", "2"]


def vote_all(app: RunningApp, card: dict[str, Any], grades: list[str]) -> None:
    for user, grade in zip(VOTERS, grades, strict=True):
        app.vote(user, card, grade)


def board_summary(app: RunningApp) -> dict[str, Any]:
    (summary,) = wait_for_messages(app.emulator, BOARD, "graded by")
    return summary


def test_flagged_questions_are_discussed_revoted_decided_and_the_summary_updated(
    app: RunningApp,
) -> None:
    emulator = app.emulator
    app.command("domain 4")
    cards = wait_for_cards(emulator, PARTICIPATION, 4)
    app.vote(VOTERS[0], cards["4.1"], "2")
    vote_all(app, cards["4.1"], SPLIT)  # disagreement (U0PART001 changed 2 -> 1)
    vote_all(app, cards["4.2"], SPLIT)  # disagreement
    vote_all(app, cards["4.3"], AGREE)
    vote_all(app, cards["4.4"], AGREE)

    # A thread opens under each flagged question, naming who gave each grade (not anonymous).
    thread = wait_for_thread(emulator, PARTICIPATION, str(cards["4.1"]["ts"]), 2)
    opener = thread[1]
    text = block_text(opener)
    assert "4.1 closed with disagreement" in text
    assert "1 Inadequate: *1*" in text and "3 Good: *2*" in text
    assert "Good (3): <@U0PART003>, <@U0PART004>" in text
    assert "Re-vote" in text and "Decide" in text
    assert validate_blocks(opener["blocks"]) == []
    assert wait_for_thread(emulator, PARTICIPATION, str(cards["4.3"]["ts"]), 1)[1:] == []

    summary = board_summary(app)
    assert "2 questions flagged for the board" in block_text(summary)

    # Someone who is not a chair presses either button: refused privately, nothing changes.
    before = len(emulator.messages(PARTICIPATION, top_level_only=True))
    refused = app.click(VOTERS[1], opener, "revote")
    assert "Only the board's chairs" in app.private_reply(refused.response_url)
    refused = app.click(VOTERS[1], opener, "decide")
    assert "Only the board's chairs" in app.private_reply(refused.response_url)
    assert emulator.views_opened == []
    assert len(emulator.messages(PARTICIPATION, top_level_only=True)) == before

    # The chair calls a re-vote on 4.1: a fresh message, the first round shown beside it.
    started = app.click(CHAIR, opener, "revote")
    assert "Re-vote (round 2) on question 4.1" in app.private_reply(started.response_url)
    revote = wait_for_messages(emulator, PARTICIPATION, "Re-vote (round 2)")[0]
    revote_text = block_text(revote)
    assert "Round 1 gave: 1 Inadequate: *1*" in revote_text
    assert "Voted (0 of 4)" in revote_text, "votes are secret again, and nobody has voted yet"
    assert question_cards(emulator, PARTICIPATION)["4.1"]["ts"] == revote["ts"]
    emulator.wait_for(lambda: "opened a re-vote" in block_text(thread_opener(app, cards["4.1"])))
    with pytest.raises(LookupError):  # the thread's buttons are gone
        app.click(CHAIR, thread_opener(app, cards["4.1"]), "revote")

    vote_all(app, revote, AGREE)

    # The chair decides 4.2 with a reason, through the modal.
    opener2 = wait_for_thread(emulator, PARTICIPATION, str(cards["4.2"]["ts"]), 2)[1]
    app.click(CHAIR, opener2, "decide")
    modal = emulator.wait_for(lambda: emulator.views_opened)[-1]
    assert modal["callback_id"] == "decide_submit"
    blank = app.sender.submit_view(
        CHAIR,
        modal,
        {
            "decide_grade_block": {"decide_grade": "2"},
            "decide_reason_block": {"decide_reason": " "},
        },
    )
    assert blank.json["response_action"] == "errors"
    done = app.sender.submit_view(
        CHAIR,
        modal,
        {
            "decide_grade_block": {"decide_grade": "2"},
            "decide_reason_block": {"decide_reason": "Partnership evidence is thin"},
        },
    )
    assert done.status == 200 and not done.body
    emulator.wait_for(
        lambda: [
            e
            for e in emulator.ephemerals(user=CHAIR)
            if "4.2 is 2 Adequate, decided by you" in e["text"]
        ],
        message="the chair's private confirmation",
    )

    # The board summary is updated in place, says how each grade was reached, and a note says so.
    def updated() -> str:
        message = emulator.message(BOARD, str(summary["ts"]))
        text = block_text(message) if message else ""
        return text if "Updated after discussion" in text else ""

    final = emulator.wait_for(updated, message="the updated board summary")
    assert "Agreed: 3 Good*, on re-vote (round 2)" in final
    assert "Decided: 2 Adequate*, decided by the chair after round 1 (<@U0CHAIR01>)" in final
    assert "Partnership evidence is thin" in final
    assert "Agreed: 3 Good*, in round 1" in final
    assert "nothing flagged" in final
    note = wait_for_thread(emulator, BOARD, str(summary["ts"]), 2)[-1]
    assert "Updated: every flagged question of domain 4 now has a grade" in block_text(note)
    summaries = [
        m for m in emulator.messages(BOARD, top_level_only=True) if "graded by" in block_text(m)
    ]
    assert len(summaries) == 1, "the summary is updated in place, not posted again"

    # With the flags settled, a fresh chart follows, and Add action for 4.2, decided Adequate.
    def charts() -> list[Any]:
        found = [
            f for f in emulator.uploaded_files if f.completed and f.filename == "domain-4-chart.png"
        ]
        return found if len(found) == 2 else []

    emulator.wait_for(charts, message="the chart uploaded again after the update")
    prompt = wait_for_messages(
        emulator, BOARD, "4.2", "Add action", message="Add action for the decided question"
    )
    assert len(prompt) == 1

    # The audit trail goes to the chair as a CSV file.
    assert "audit trail" in app.command("audit 4")
    (upload,) = emulator.wait_for(
        lambda: [f for f in emulator.uploaded_files if f.completed and f.filename.endswith(".csv")]
    )
    assert upload.filename.startswith("audit-domain-4-") and upload.data is not None
    rows = list(csv.DictReader(io.StringIO(upload.data.decode("utf-8-sig"))))
    events = [(r["question"], r["ballot"], r["event"], r["who"], r["grade"]) for r in rows]
    assert ("4.1", "1", "vote changed", "U0PART001", "1 Inadequate") in events
    assert ("4.1", "2", "re-vote opened", CHAIR, "") in events
    assert ("4.2", "1", "decided by the chair", CHAIR, "2 Adequate") in events
    assert sum(1 for e in events if e[2] == "vote") == 20  # 4 questions x 4, and the re-vote


def thread_opener(app: RunningApp, card: dict[str, Any]) -> dict[str, Any]:
    return app.emulator.thread(PARTICIPATION, str(card["ts"]))[1]


def test_a_revote_can_be_started_once_even_if_two_chairs_click_together(
    app: RunningApp,
) -> None:
    emulator = app.emulator
    app.command("domain 4")
    cards = wait_for_cards(emulator, PARTICIPATION, 4)
    vote_all(app, cards["4.1"], SPLIT)
    opener = wait_for_thread(emulator, PARTICIPATION, str(cards["4.1"]["ts"]), 2)[1]
    first = app.click(CHAIR, opener, "revote")
    second = app.sender.click_button(
        CHAIR, PARTICIPATION, str(opener["ts"]), "revote", message=opener
    )
    replies = [app.private_reply(first.response_url), app.private_reply(second.response_url)]
    assert sum("Re-vote (round 2)" in r for r in replies) == 1
    assert any("being re-voted" in r for r in replies)
    revotes = messages_showing(emulator, PARTICIPATION, "Re-vote (round 2)")
    assert len(revotes) == 1

"""A graded round end to end: real HTTP server, real Bolt, real database, emulated Slack."""

from __future__ import annotations

import pytest

from tests.e2e.harness import (
    BOARD,
    CHAIR,
    PARTICIPATION,
    VOTERS,
    RunningApp,
    block_text,
    button_value,
    question_cards,
    wait_for_cards,
)
from tests.emulator import validate_blocks


def test_a_whole_round_from_command_to_board_summary(app: RunningApp) -> None:
    emulator = app.emulator
    reply = app.command("domain 4")
    assert "Domain 4 is now with the Participation Sub-Group" in reply
    assert "4 people to vote" in reply  # the other bot in the channel is not an elector

    cards = wait_for_cards(emulator, PARTICIPATION, 4)
    header = emulator.messages(PARTICIPATION, top_level_only=True)[0]
    assert "domain 4" in block_text(header).lower()
    assert "Participation Sub-Group" in block_text(header)
    assert list(cards) == ["4.1", "4.2", "4.3", "4.4"]
    labels = [
        e["text"]["text"]
        for b in cards["4.1"]["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    ]
    assert labels == [
        "1 Inadequate",
        "2 Adequate",
        "3 Good",
        "4 Outstanding",
        "Don't know",
        "Comment",
    ]

    # 4.1: 3,3,3,2 → agreed Good. Votes stay secret until the last one.
    for user, grade in zip(VOTERS[:3], ["3", "3", "3"], strict=True):
        confirmation = app.vote(user, cards["4.1"], grade)
        assert "3 Good" in confirmation
    app.idle()
    open_card = emulator.message(PARTICIPATION, cards["4.1"]["ts"])
    assert open_card is not None
    shown = block_text(open_card)
    assert "3 of 4" in shown and "<@U0PART001>" in shown
    assert "Good: " not in shown and "Agreed" not in shown  # no grades while open
    app.vote(VOTERS[3], cards["4.1"], "2")

    # 4.2: 1,4,3,3 → disagreement; 4.3: 2,2,3,3 → disagreement; 4.4: all Don't know
    for user, grade in zip(VOTERS, ["1", "4", "3", "3"], strict=True):
        app.vote(user, cards["4.2"], grade)
    for user, grade in zip(VOTERS, ["2", "2", "3", "3"], strict=True):
        app.vote(user, cards["4.3"], grade)
    for user in VOTERS:
        app.vote(user, cards["4.4"], "dont_know")

    summary = emulator.wait_for(
        lambda: [m for m in emulator.messages(BOARD) if "graded by" in block_text(m)]
    )
    assert len(summary) == 1
    text = block_text(summary[0])
    assert "Domain 4 graded by the Participation Sub-Group" in text
    assert "4.1" in text and "Agreed: 3 Good" in text
    assert text.count("DISAGREEMENT") == 2
    assert "NO QUORUM" in text
    assert "4 questions: 1 Good; 3 questions flagged for the board." in text
    app.idle()
    closed = emulator.message(PARTICIPATION, cards["4.1"]["ts"])
    assert closed is not None
    revealed = block_text(closed)
    assert (
        "Agreed: 3 Good" in revealed and "3 Good: *3*" in revealed and "2 Adequate: *1*" in revealed
    )
    assert not any(b["type"] == "actions" for b in closed["blocks"])


def test_vote_changes_outsiders_tampering_and_late_votes(app: RunningApp) -> None:
    emulator = app.emulator
    app.command("domain 4")
    cards = wait_for_cards(emulator, PARTICIPATION, 4)
    card = cards["4.1"]

    assert "recorded *3 Good*" in app.vote(VOTERS[0], card, "3")
    assert "changed your vote to *2 Adequate*" in app.vote(VOTERS[0], card, "2")

    outsider = app.sender.click_button("U0STRANGER", PARTICIPATION, card["ts"], "vote_3")
    assert "not counted" in app.private_reply(outsider.response_url)

    for value in ["garbage", "999:1", f"{button_value(cards['4.2']).split(':')[0]}:999999"]:
        tampered = app.sender.click_button(
            VOTERS[1], PARTICIPATION, card["ts"], "vote_3", value=value
        )
        assert tampered.status == 200
        assert "nothing was recorded" in app.private_reply(tampered.response_url)
    other_round_value = (
        f"{int(button_value(card).split(':')[0]) + 1}:{button_value(card).split(':')[1]}"
    )
    mismatched = app.sender.click_button(
        VOTERS[1], PARTICIPATION, card["ts"], "vote_3", value=other_round_value
    )
    assert "nothing was recorded" in app.private_reply(mismatched.response_url)

    # the same click delivered twice counts once
    first = app.sender.click_button(VOTERS[1], PARTICIPATION, card["ts"], "vote_4")
    again = app.sender.click_button(
        VOTERS[1], PARTICIPATION, card["ts"], "vote_4", retry_num=1, retry_reason="http_timeout"
    )
    assert first.status == again.status == 200
    app.private_reply(again.response_url)
    status = app.command("status")
    assert "round(s) open" in status
    with app.application.facilitator.uow_factory() as uow:
        round_ = uow.rounds.open_round_for_domain("are-we-there-yet-2008", 4)
    assert round_ is not None
    assert {u: c.value for u, c in round_.questions[0].votes.items()} == {
        VOTERS[0]: "2",
        VOTERS[1]: "4",
    }

    closed = app.command("close 4")
    assert "Closed domain 4" in closed
    # a member whose screen still shows the buttons (a stale message) clicks after closing
    late = app.sender.click_button(VOTERS[2], PARTICIPATION, card["ts"], "vote_3", message=card)
    assert "has closed" in app.private_reply(late.response_url)


def test_comments_are_kept_and_shown_in_the_summary(app: RunningApp) -> None:
    emulator = app.emulator
    app.command("domain 4")
    cards = wait_for_cards(emulator, PARTICIPATION, 4)
    click = app.sender.click_button(VOTERS[0], PARTICIPATION, cards["4.2"]["ts"], "comment")
    assert click.status == 200
    modal = emulator.wait_for(lambda: emulator.views_opened)[-1]
    assert modal["callback_id"] == "comment_submit"
    submitted = app.sender.submit_view(
        VOTERS[0],
        modal,
        {"comment_block": {"comment_input": "Young people <b>are</b> asked & heard"}},
    )
    assert submitted.status == 200
    confirmation = emulator.wait_for(lambda: emulator.ephemerals(user=VOTERS[0]))
    assert any("comment on question 4.2 is saved" in e["text"] for e in confirmation)

    empty_click = app.sender.click_button(VOTERS[1], PARTICIPATION, cards["4.2"]["ts"], "comment")
    assert empty_click.status == 200
    modal2 = emulator.wait_for(lambda: emulator.views_opened[1:])[-1]
    blank = app.sender.submit_view(VOTERS[1], modal2, {"comment_block": {"comment_input": "   "}})
    assert blank.json["response_action"] == "errors"

    outsider = app.sender.click_button("U0STRANGER", PARTICIPATION, cards["4.2"]["ts"], "comment")
    assert "not counted" in app.private_reply(outsider.response_url)
    assert len(emulator.views_opened) == 2

    app.command("close 4")
    summary = emulator.wait_for(
        lambda: [m for m in emulator.messages(BOARD) if "graded by" in block_text(m)]
    )
    text = block_text(summary[0])
    assert "<@U0PART001>: Young people &lt;b&gt;are&lt;/b&gt; asked &amp; heard" in text


def test_commands_answer_privately_and_refuse_plainly(app: RunningApp) -> None:
    emulator = app.emulator
    assert "/assess domain N" in app.command("help")
    assert "/assess domain N" in app.command("frobnicate")
    assert "the domains are 1-7" in app.command("domain 9")
    assert "Only the board's chairs" in app.command(
        "domain 4", user="U0PART001", channel=PARTICIPATION
    )
    assert "No rounds are open" in app.command("status")
    assert "no open round" in app.command("close 4")
    assert emulator.messages(PARTICIPATION) == []
    app.command("domain 4")
    assert "already has a round open" in app.command("domain 4")
    status = app.command("status")
    assert "1 round(s) open" in status
    assert len(question_cards(emulator, PARTICIPATION)) == 4


def test_requests_without_a_valid_signature_are_refused(app: RunningApp) -> None:
    before = len(app.emulator.calls)
    for options in ({"bad_signature": True}, {"unsigned": True}, {"old_timestamp": True}):
        response = app.sender.slash_command(CHAIR, BOARD, "domain 4", **options)  # type: ignore[arg-type]
        assert response.status == 401, options
    assert len(app.emulator.calls) == before
    assert app.emulator.messages(PARTICIPATION) == []


def test_health_and_unknown_paths(app: RunningApp) -> None:
    import json
    import urllib.error
    import urllib.request

    with urllib.request.urlopen(f"{app.url}/healthz") as response:
        assert response.status == 200
        assert json.loads(response.read()) == {"status": "ok"}
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(f"{app.url}/nowhere")
    assert missing.value.code == 404


def test_message_blocks_stay_within_slack_limits(app: RunningApp) -> None:
    app.command("domain 2")
    emulator = app.emulator
    cards = wait_for_cards(emulator, "C0COMM001", 8)
    for card in cards.values():
        assert validate_blocks(card["blocks"]) == []
        assert card["text"]

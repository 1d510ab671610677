"""Re-sending an old, validly signed vote click (within Slack's five minutes) changes nothing."""

from __future__ import annotations

import time

from tests.e2e.harness import (
    PARTICIPATION,
    RunningApp,
    button_value,
    wait_for_cards,
)

VOTER = "U0PART001"


def click(app: RunningApp, card: dict[str, object], grade: str, action_ts: str) -> str:
    response = app.sender.click_button(
        VOTER,
        PARTICIPATION,
        str(card["ts"]),
        f"vote_{grade}",
        value=button_value(card),
        action_ts=action_ts,
    )
    assert response.status == 200, response.body
    return app.private_reply(response.response_url)


def test_a_replayed_older_click_changes_nothing(app: RunningApp) -> None:
    app.command("domain 4")
    card = wait_for_cards(app.emulator, PARTICIPATION, 4)["4.1"]
    now = time.time()
    first, second = f"{now - 20:.6f}", f"{now - 10:.6f}"
    assert "recorded *3 Good*" in click(app, card, "3", first)
    assert "changed your vote to *2 Adequate*" in click(app, card, "2", second)
    replay = click(app, card, "3", first)
    assert "older than your latest vote (2 Adequate), so nothing changed" in replay
    round_id, round_question_id = (int(part) for part in button_value(card).split(":"))
    with app.application.facilitator.uow_factory() as uow:
        round_ = uow.rounds.get(round_id)
        events = uow.rounds.vote_events([round_question_id])
    assert round_ is not None
    question = round_.question(round_question_id)
    assert question is not None and question.votes[VOTER].value == "2"
    assert [e.choice.value for e in events if e.user_id == VOTER] == ["3", "2"]

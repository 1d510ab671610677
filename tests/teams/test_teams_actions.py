"""The action plan in Teams: a chair adds an action from the board's prompt card, the prompt is
redrawn with it, and Mark done on the personal status card closes it."""

from __future__ import annotations

from tests.connector import ConnectorDouble
from tests.connector.messages import Message
from tests.teams.harness import BOARD, CHAIR, PARTICIPATION, VOTERS, RunningTeamsApp

ACTION = {
    "action_text": "Hold a *stakeholder* workshop\nwith the youth forum",
    "priority": "1",
    "owner": "Head of Participation",
    "due": "2027-03-31",
}


def prompt_after_an_adequate_domain(teams_app: RunningTeamsApp) -> Message:
    teams_app.command("domain 4")
    cards = teams_app.wait_for_cards(PARTICIPATION, 4)
    for question, card in cards.items():
        for voter in VOTERS:
            teams_app.vote(voter, card, "2 Adequate" if question == "4.2" else "3 Good")
    posts: list[Message] = teams_app.wait_for(
        lambda: teams_app.board_posts("Action plan, domain 4")[-1:], "the action prompt"
    )
    return posts[0]


def test_a_chair_adds_an_action_and_marks_it_done(
    teams_app: RunningTeamsApp, double: ConnectorDouble
) -> None:
    prompt = prompt_after_an_adequate_domain(teams_app)
    assert [a.title for a in prompt.actions] == ["Add action"]
    double.add_members(BOARD, [VOTERS[0]])  # a member who is not a chair sees the prompt too
    not_chair = teams_app.answer_text(
        teams_app.client.click(VOTERS[0], prompt, "Add action", ACTION)
    )
    assert not_chair.startswith("⛔")
    added = teams_app.answer_text(teams_app.client.click(CHAIR, prompt, "Add action", ACTION))
    assert "4.2" in added and not added.startswith("⛔")
    redrawn = teams_app.wait_for(
        lambda: "workshop" in (p := teams_app.latest(prompt)).words and p, "the prompt redrawn"
    )
    assert "∗stakeholder∗" in redrawn.words  # typed text stays text

    teams_app.say("status")
    status = teams_app.wait_for(
        lambda: [
            m
            for m in double.personal_messages(CHAIR)
            if "Mark 1 done" in [a.title for a in m.actions]
        ][-1:],
        "the chair's status card with Mark done",
    )[0]
    answer = teams_app.client.click(CHAIR, status, "Mark 1 done")
    assert answer.status == 200 and answer.json["type"] == "application/vnd.microsoft.card.adaptive"
    card_text = str(answer.json["value"])
    assert "Mark 1 done" not in card_text and "done" in card_text.lower()
    again = teams_app.client.click(CHAIR, status, "Mark 1 done")
    assert "⛔" in str(again.json["value"])

"""A new board set up from the chat in Microsoft's Agents Playground, then its first round: the
app started with no app.yaml, the chair's ``@Assess setup`` in General, the form's card (the
team's channels as the Playground lists them, its people), Save with a sub-group in the
Sub-groups channel, and ``@Assess domain 5`` putting the domain to it there.

The Playground has one team with General and one other channel, six people; the current user,
Helen Marsh, is the one who types (see teams/playground/NOTES.md)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.playground.assess import CARD_ANSWER, AssessPlayground, assess_in_playground
from tests.playground.conftest import require_playground
from tests.playground.stream import BotMessage

SAVE = "Save settings"
DEV = "Dev Patel"


@pytest.fixture
def new_board(database_url: str, tmp_path: Path) -> Iterator[AssessPlayground]:
    require_playground()
    with assess_in_playground(database_url, config_path=tmp_path / "no-app.yaml") as running:
        yield running


def inputs(message: BotMessage) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}

    def walk(elements: object) -> None:
        for element in elements if isinstance(elements, list) else []:
            if isinstance(element, dict):
                if str(element.get("type", "")).startswith("Input."):
                    found[str(element["id"])] = element
                walk(element.get("items"))
                walk(element.get("columns"))

    [card] = message.cards
    walk(card.get("body"))
    return found


def test_a_chair_sets_the_board_up_then_runs_its_first_round(new_board: AssessPlayground) -> None:
    assess = new_board
    assess.install()
    mark = assess.mark()
    assess.command("domain 5")
    assert "isn't set up yet" in assess.private("set up", mark).card_text

    mark = assess.mark()
    post = assess.command("setup")
    form = assess.posted(str(post["postConversationId"]), "Board set-up", mark)
    assert "first chair" in form.card_text
    fields = inputs(form)
    assert fields["board_channel"]["value"] == assess.board
    channels = {str(c["value"]): c["title"] for c in fields["board_channel"]["choices"]}
    assert channels[assess.board] == "General"  # listed by the Playground, General unnamed
    assert assess.subgroups in channels
    people = [str(c["value"]) for c in fields["chairs"]["choices"]]
    assert len(people) == 6 and assess.chair.aad_object_id in people

    answer = assess.click(
        assess.chair,
        form,
        SAVE,
        typed={
            "board_name": "Children's Trust Board",
            "subgroup_1_name": "Workforce Sub-Group",
            "subgroup_1_channel": assess.subgroups,
            "domain_5": "1",
        },
    )
    assert answer.get("type") == CARD_ANSWER, answer
    assert "you are its first chair" in str(answer["value"])

    mark = assess.mark()
    assess.command("domain 5")
    confirmed = assess.private("Domain 5 is now with the Workforce Sub-Group", mark)
    assert "4 questions, 6 people to vote" in confirmed.card_text
    cards = assess.question_cards(4, mark)
    assert sorted(cards) == ["5.1", "5.2", "5.3", "5.4"]
    assert "recorded" in assess.vote(DEV, cards["5.1"], "3 Good")

    mark = assess.mark()
    assess.command("setup show")
    shown = assess.private("Settings in force", mark).card_text
    assert "Children" in shown and "Workforce Sub-Group" in shown and "General" in shown
    assert "19:" not in shown
    assert assess.failed_calls() == []

"""Only the installed workspace is served: a correctly signed request from another team or
organisation (as from a Slack Connect shared channel) is refused privately and changes nothing."""

from __future__ import annotations

import pytest

from bot.domain.consensus import Choice
from bot.domain.rounds import RoundQuestion
from tests.e2e.harness import (
    BOARD,
    CHAIR,
    PARTICIPATION,
    RunningApp,
    StartApp,
    block_text,
    button_value,
    wait_for_cards,
)
from tests.emulator import SlackSender

VOTER = "U0PART001"
OTHER_TEAM = "T0OTHER01"
OTHER_ORG = "E0OTHER01"
REFUSAL = "serves only the Slack workspace it is installed in"


@pytest.fixture
def grid_app(start_app: StartApp) -> RunningApp:
    """Installed in a workspace of an Enterprise Grid organisation."""
    return start_app(enterprise_id="E0ORG0001")


def question(app: RunningApp, card: dict[str, object]) -> RoundQuestion:
    round_id, question_id = (int(x) for x in button_value(card).split(":"))
    with app.application.facilitator.uow_factory() as uow:
        found = uow.rounds.get(round_id)
    assert found is not None
    return next(q for q in found.questions if q.id == question_id)


def refused_privately(app: RunningApp, response_url: str | None) -> None:
    posts = app.emulator.wait_for(lambda: app.emulator.responses(response_url))
    assert REFUSAL in str(posts[0].body.get("text"))
    assert posts[0].body.get("response_type") == "ephemeral"


def foreign_senders(sender: SlackSender) -> list[SlackSender]:
    return [
        sender.from_workspace(OTHER_TEAM),
        sender.from_workspace(sender.team_id, enterprise_id=OTHER_ORG),
        sender.from_workspace(OTHER_TEAM, enterprise_id=OTHER_ORG),
    ]


def test_a_vote_from_another_workspace_is_refused_privately_and_not_counted(
    app: RunningApp,
) -> None:
    app.command("domain 4")
    card = wait_for_cards(app.emulator, PARTICIPATION, 4)["4.1"]
    for foreign in foreign_senders(app.sender):
        click = foreign.click_button(VOTER, PARTICIPATION, str(card["ts"]), "vote_3")
        assert click.status == 200
        refused_privately(app, click.response_url)
    assert question(app, card).votes == {}

    own = app.sender.click_button(VOTER, PARTICIPATION, str(card["ts"]), "vote_3")
    assert "recorded *3 Good*" in app.private_reply(own.response_url)
    assert question(app, card).votes == {VOTER: Choice.GOOD}


def test_a_command_from_another_workspace_changes_nothing_and_names_nobody(
    app: RunningApp,
) -> None:
    for foreign in foreign_senders(app.sender):
        started = foreign.slash_command(CHAIR, BOARD, "domain 4")
        assert started.status == 200
        assert REFUSAL in started.json["text"]
        assert started.json["response_type"] == "ephemeral"
    assert "No rounds are open" in app.command("status")
    with app.application.facilitator.uow_factory() as uow:
        assert uow.rounds.open_rounds("are-we-there-yet-2008") == []

    app.command("domain 4")
    wait_for_cards(app.emulator, PARTICIPATION, 4)
    for foreign in foreign_senders(app.sender):
        status = foreign.slash_command(CHAIR, BOARD, "status")
        assert REFUSAL in status.json["text"]
        assert "<@" not in status.body and "U0PART" not in status.body
    own = app.sender.slash_command(CHAIR, BOARD, "status")
    posts = app.emulator.wait_for(lambda: app.emulator.responses(own.response_url))
    assert "<@U0PART001>" in block_text(posts[0].body)


def test_a_form_from_another_workspace_is_refused_and_not_saved(app: RunningApp) -> None:
    emulator = app.emulator
    app.command("domain 4")
    card = wait_for_cards(emulator, PARTICIPATION, 4)["4.2"]
    app.sender.click_button(VOTER, PARTICIPATION, str(card["ts"]), "comment")
    modal = emulator.wait_for(lambda: emulator.views_opened)[-1]
    submitted = app.sender.from_workspace(OTHER_TEAM).submit_view(
        VOTER, modal, {"comment_block": {"comment_input": "From elsewhere"}}
    )
    assert submitted.status == 200
    assert submitted.json["response_action"] == "update"
    assert REFUSAL in str(submitted.json["view"])
    assert question(app, card).comments == []


def test_an_event_from_another_workspace_is_ignored(app: RunningApp) -> None:
    assert app.sender.from_workspace(OTHER_TEAM).app_home_opened(VOTER).status == 200
    assert app.sender.app_home_opened(CHAIR).status == 200
    app.emulator.wait_for(lambda: app.emulator.home_views.get(CHAIR), message="the chair's Home")
    assert VOTER not in app.emulator.home_views


def test_in_an_organisation_only_its_installed_workspace_is_served(grid_app: RunningApp) -> None:
    app = grid_app
    assert app.sender.enterprise_id == "E0ORG0001"
    app.command("domain 4")  # the installed workspace, in its organisation
    card = wait_for_cards(app.emulator, PARTICIPATION, 4)["4.1"]
    for foreign in [
        app.sender.from_workspace(app.sender.team_id, enterprise_id=OTHER_ORG),
        app.sender.from_workspace(OTHER_TEAM),  # another workspace of the same organisation
    ]:
        click = foreign.click_button(VOTER, PARTICIPATION, str(card["ts"]), "vote_2")
        refused_privately(app, click.response_url)
    assert question(app, card).votes == {}
    own = app.sender.click_button(VOTER, PARTICIPATION, str(card["ts"]), "vote_2")
    assert "recorded *2 Adequate*" in app.private_reply(own.response_url)

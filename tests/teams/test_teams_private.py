"""What Teams says privately: command answers and refusals in the personal chat, the status card
standing in for Slack's Home tab, reminders with a link to the round, the audit trail's link."""

from __future__ import annotations

from tests.connector import ConnectorDouble
from tests.teams.harness import BOARD, CHAIR, PARTICIPATION, VOTERS, RunningTeamsApp, open_urls


def test_a_channel_commands_answer_goes_to_the_personal_chat_not_the_channel(
    teams_app: RunningTeamsApp, double: ConnectorDouble
) -> None:
    teams_app.command("close 4", user=VOTERS[0], channel=PARTICIPATION)
    refused = teams_app.wait_private(VOTERS[0], "chair")
    assert refused.strip().startswith("⛔")
    teams_app.command("frobnicate", user=VOTERS[0], channel=PARTICIPATION)
    usage = teams_app.wait_private(VOTERS[0], "frobnicate")
    assert "@Assess domain" in usage and "/assess" not in usage
    bot_posts = [p for p in double.posts(PARTICIPATION) if p.card is not None]
    assert bot_posts == [], "nothing was said in the channel"


def test_status_in_the_personal_chat_is_the_home_card(teams_app: RunningTeamsApp) -> None:
    teams_app.command("domain 4")
    teams_app.wait_for_cards(PARTICIPATION, 4)
    teams_app.say("status", user=VOTERS[0])
    home = teams_app.wait_private(VOTERS[0], "Waiting for your vote")
    assert "4.1" in home and "4.4" in home
    status = teams_app.wait_private(VOTERS[0], "0 of 4 voted")
    assert "not yet" in status


def test_a_reminder_reaches_only_who_has_not_voted_with_a_link_to_the_round(
    teams_app: RunningTeamsApp, double: ConnectorDouble
) -> None:
    teams_app.command("domain 4")
    cards = teams_app.wait_for_cards(PARTICIPATION, 4)
    for card in cards.values():
        teams_app.vote(VOTERS[0], card, "3 Good")
    teams_app.say("remind 4")
    confirmed = teams_app.wait_private(CHAIR, "reminder(s)")
    assert "Sending 3 reminder(s)" in confirmed
    for voter in VOTERS[1:]:
        teams_app.wait_private(voter, "Reminder:")
    [nudged] = [m for m in double.personal_messages(VOTERS[1]) if "Reminder:" in m.words]
    [link] = open_urls(nudged)
    header = double.posts(PARTICIPATION)[0]
    assert link.startswith("https://teams.microsoft.com/l/message/")
    assert header.id in link
    assert not [m for m in double.personal_messages(VOTERS[0]) if "Reminder:" in m.words]


def test_the_audit_trail_is_a_link_in_the_chairs_personal_chat(
    teams_app: RunningTeamsApp, double: ConnectorDouble
) -> None:
    teams_app.command("domain 4")
    cards = teams_app.wait_for_cards(PARTICIPATION, 4)
    teams_app.vote(VOTERS[0], cards["4.1"], "3 Good")
    teams_app.command("audit 4")
    audit = teams_app.wait_for(
        lambda: [m for m in double.personal_messages(CHAIR) if "Download" in m.words],
        "the audit trail's link",
    )[-1]
    [link] = open_urls(audit)
    status, body, headers = teams_app.download(link)
    assert status == 200 and "attachment" in headers["Content-Disposition"]
    text = body.decode("utf-8")
    assert VOTERS[0].aad_object_id in text or VOTERS[0].name in text
    assert "Good" not in text  # the ballot is open: its grades are secret
    assert not [p for p in double.posts(BOARD) if "Download" in p.words]
    assert teams_app.download(link.replace(link[-5:], "xxxxx"))[0] == 404

"""A whole round in Teams, offline: a chair's @mention, votes by invoke, a comment, a closing,
the summary in the board channel and its update."""

from __future__ import annotations

from tests.connector import ConnectorDouble
from tests.teams.harness import (
    CHAIR,
    OUTSIDER,
    PARTICIPATION,
    VOTERS,
    RunningTeamsApp,
    images,
    open_urls,
)


def test_a_round_from_mention_to_summary(
    teams_app: RunningTeamsApp, double: ConnectorDouble
) -> None:
    teams_app.command("domain 4")
    confirmation = teams_app.wait_private(CHAIR, "Domain 4")
    assert "Participation" in confirmation
    cards = teams_app.wait_for_cards(PARTICIPATION, 4)
    assert sorted(cards) == ["4.1", "4.2", "4.3", "4.4"]
    titles = [a.title for a in cards["4.1"].actions]
    assert titles[:5] == ["1 Inadequate", "2 Adequate", "3 Good", "4 Outstanding", "Don't know"]
    assert "0 of 4" in cards["4.1"].words

    said = teams_app.vote(VOTERS[0], cards["4.1"], "3 Good")
    assert "recorded" in said and "3 Good" in said
    assert "Only you can see this" in said
    double.add_members(PARTICIPATION, [OUTSIDER])  # joined after the round started
    refused = teams_app.vote(OUTSIDER, cards["4.1"], "1 Inadequate")
    assert refused.startswith("⛔") and "not one of the 4 people" in refused

    redrawn = teams_app.wait_for(
        lambda: "1 of 4" in (card := teams_app.latest(cards["4.1"])).words and card,
        "the card to show 1 of 4",
    )
    assert "Good" not in redrawn.words.replace("3 Good", "")  # no grade shown while open
    assert VOTERS[0].name in redrawn.words  # who has voted is shown

    teams_app.comment(VOTERS[1], cards["4.1"], "We *rarely* discuss <at>this</at>.")
    for question, card in cards.items():
        for voter in VOTERS:
            teams_app.vote(voter, card, "3 Good" if question != "4.4" else "4 Outstanding")

    [summary] = teams_app.wait_for(
        lambda: teams_app.board_posts("Domain 4 graded by")[-1:],
        "the summary in the board channel",
    )
    assert "4 questions: 1 Outstanding, 3 Good; nothing flagged." in summary.words
    # the comment is quoted, its markup inert: no emphasis, no mention
    assert "│ We ∗rarely∗ discuss ‹at›this‹/at›." in summary.words
    chart = teams_app.wait_for(
        lambda: teams_app.board_posts("Chart of domain 4")[-1:], "the chart in the board channel"
    )[0]
    [link] = open_urls(chart)
    assert link.startswith(teams_app.public_url + "/files/")
    status, body, headers = teams_app.download(link)
    assert status == 200 and body.startswith(b"\x89PNG") and headers["Content-Type"] == "image/png"
    assert images(chart) == [link]
    closed = teams_app.latest(cards["4.1"])
    assert not any(a.title == "3 Good" for a in closed.actions)
    assert not double.rejections, double.rejections

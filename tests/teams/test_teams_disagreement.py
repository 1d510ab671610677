"""A flagged question in Teams: the discussion in the question post's replies, the chair's
Re-vote and Decide, and the summary in the board channel updated in place."""

from __future__ import annotations

from tests.connector import ConnectorDouble
from tests.connector.messages import ChannelPost, Message
from tests.teams.harness import CHAIR, PARTICIPATION, VOTERS, RunningTeamsApp

SPLIT = ("1 Inadequate", "1 Inadequate", "4 Outstanding", "4 Outstanding")


def flag_question_one(teams_app: RunningTeamsApp, double: ConnectorDouble) -> dict[str, Message]:
    """Domain 4 with 4.1 split (a disagreement) and the rest agreed; the chair then sits in on
    the channel (not an elector) to settle it."""
    teams_app.command("domain 4")
    cards = teams_app.wait_for_cards(PARTICIPATION, 4)
    double.add_members(PARTICIPATION, [CHAIR])
    for question, card in cards.items():
        for voter, grade in zip(VOTERS, SPLIT, strict=True):
            teams_app.vote(voter, card, grade if question == "4.1" else "3 Good")
    return cards


def double_post(teams_app: RunningTeamsApp, post: Message) -> ChannelPost:
    return teams_app.double.post(post.id)


def discussion_of(teams_app: RunningTeamsApp, post: Message) -> Message:
    def found() -> Message | None:
        replies = [r for r in double_post(teams_app, post).replies if "closed with" in r.words]
        return replies[-1] if replies else None

    result: Message = teams_app.wait_for(found, "the discussion under the question")
    return result


def summary(teams_app: RunningTeamsApp) -> Message:
    posts = teams_app.wait_for(
        lambda: teams_app.board_posts("Domain 4 graded by")[-1:],
        "the summary",
    )
    return teams_app.latest(posts[0])


def test_a_revote_settles_a_disagreement(
    teams_app: RunningTeamsApp, double: ConnectorDouble
) -> None:
    cards = flag_question_one(teams_app, double)
    discussion = discussion_of(teams_app, cards["4.1"])
    assert "disagreement" in discussion.words
    assert [a.title for a in discussion.actions] == ["Re-vote", "Decide"]
    assert "DISAGREEMENT" in summary(teams_app).words

    refused = teams_app.answer_text(teams_app.client.click(VOTERS[0], discussion, "Re-vote"))
    assert refused.startswith("⛔")
    opened = teams_app.answer_text(teams_app.client.click(CHAIR, discussion, "Re-vote"))
    assert "Re-vote (round 2) on question 4.1 is open" in opened

    revote = teams_app.wait_for(
        lambda: (
            (card := teams_app.question_cards(PARTICIPATION)["4.1"]).id != cards["4.1"].id and card
        ),
        "the re-vote's new post",
    )
    for voter in VOTERS:
        teams_app.vote(voter, revote, "2 Adequate")
    settled = teams_app.wait_for(
        lambda: "nothing flagged" in (s := summary(teams_app)).words and s,
        "the summary updated in place",
    )
    assert settled.updates, "the summary was updated, not posted again"
    assert len(teams_app.board_posts("Domain 4 graded by")) == 1


def test_the_chair_decides_with_a_reason(
    teams_app: RunningTeamsApp, double: ConnectorDouble
) -> None:
    cards = flag_question_one(teams_app, double)
    discussion = discussion_of(teams_app, cards["4.1"])
    inputs = {"grade": "2", "reason": "We agreed at the board that *engagement* is patchy."}
    refused = teams_app.client.click(VOTERS[1], discussion, "Decide", inputs)
    assert teams_app.answer_text(refused).startswith("⛔")
    decided = teams_app.answer_text(teams_app.client.click(CHAIR, discussion, "Decide", inputs))
    assert "2 Adequate" in decided or "Adequate" in decided
    settled = teams_app.wait_for(
        lambda: "nothing flagged" in (s := summary(teams_app)).words and s,
        "the summary updated with the decision",
    )
    assert "patchy" in settled.words and "∗engagement∗" in settled.words
    again = teams_app.client.click(CHAIR, discussion, "Decide", inputs)
    assert teams_app.answer_text(again).startswith("⛔")  # decided already

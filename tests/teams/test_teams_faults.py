"""Teams failing on us: 429s waited out, 5xx retried by the outbox alone (posts) or redrawn
(updates), a click answered while Teams is down, an answer lost (a known limit), and a restart
that finds its way back to the team from the database alone."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from tests.connector import Call, ConnectorDouble
from tests.connector.messages import Message
from tests.logs import Logs
from tests.teams.harness import (
    BOARD,
    CHAIR,
    PARTICIPATION,
    QUESTION_ID,
    VOTERS,
    RunningTeamsApp,
    running_teams_app,
    teams_config,
)

POSTS = "send_to_conversation"
UPDATES = "update_activity"


def posts_to(channel: str) -> str:
    """A fault's path for posts in ``channel`` (not in its threads)."""
    return re.escape(f"/v3/conversations/{channel}/activities") + "$"


def bot_posts(double: ConnectorDouble, channel: str) -> list[Message]:
    return [p for p in double.posts(channel) if p.from_bot]


def question_ids(posts: list[Message]) -> list[str]:
    """The question each card post is for, in order (a header says none)."""
    found = [QUESTION_ID.search(p.words) for p in posts if any(a.verb for a in p.actions)]
    return [m.group(1) for m in found if m]


def assert_round_posted_once(double: ConnectorDouble) -> None:
    posts = bot_posts(double, PARTICIPATION)
    assert len(posts) == 5, [p.words[:60] for p in posts]
    assert sorted(question_ids(posts)) == ["4.1", "4.2", "4.3", "4.4"]
    assert sum("Self-assessment: domain 4" in p.words for p in posts) == 1


def gap_after(calls: list[Call], index: int) -> float:
    return calls[index + 1].time - calls[index].time


def voted_card(app: RunningTeamsApp, card: Message, count: str) -> Message:
    current: Message = app.wait_for(
        lambda: count in (latest := app.latest(card)).words and latest,
        f"the card to show {count}",
    )
    return current


def test_429s_on_posts_and_updates_are_waited_out_and_every_card_arrives_once(
    teams_app: RunningTeamsApp, double: ConnectorDouble
) -> None:
    double.rate_limit(2, retry_after=1, operation=POSTS, path=posts_to(PARTICIPATION))
    teams_app.command("domain 4")
    cards = teams_app.wait_for_cards(PARTICIPATION, 4)
    double.rate_limit(2, retry_after=1, operation=UPDATES)
    assert "recorded" in teams_app.vote(VOTERS[0], cards["4.1"], "3 Good")
    redrawn = voted_card(teams_app, cards["4.1"], "1 of 4")
    assert VOTERS[0].name in redrawn.words
    assert_round_posted_once(double)
    for operation in (POSTS, UPDATES):
        calls = double.calls_to(operation)
        limited = [i for i, c in enumerate(calls) if c.status == 429]
        assert len(limited) == 2, operation
        assert all(gap_after(calls, i) >= 0.9 for i in limited), "Retry-After was waited out"
    assert not double.rejections


def test_a_5xx_on_a_question_cards_post_is_retried_by_the_outbox_and_arrives_once(
    teams_app: RunningTeamsApp, double: ConnectorDouble
) -> None:
    double.fail(2, 500, operation=POSTS, path=posts_to(PARTICIPATION))  # the header and 4.1
    teams_app.command("domain 4")
    cards = teams_app.wait_for_cards(PARTICIPATION, 4)
    teams_app.wait_for(
        lambda: len(bot_posts(double, PARTICIPATION)) == 5, "the header, posted again later"
    )
    teams_app.application.refresher.wait_idle(5)
    assert_round_posted_once(double)
    posts = [c for c in double.calls_to(POSTS) if c.path.endswith(f"{PARTICIPATION}/activities")]
    assert [c.status for c in posts].count(500) == 2
    assert len(posts) == 7, "each failed post was tried once more, by the outbox"
    first_failure = next(c for c in posts if c.status == 500)
    retries = [c for c in posts if c.ok][-2:]  # no client retry at once: the outbox's, later
    assert min(c.time for c in retries) - first_failure.time >= 1.5, "the outbox's delay"
    assert "recorded" in teams_app.vote(VOTERS[0], cards["4.1"], "3 Good")
    voted_card(teams_app, cards["4.1"], "1 of 4")


def test_updates_that_fail_with_5xx_are_redrawn_and_the_card_ends_up_current(
    teams_app: RunningTeamsApp, double: ConnectorDouble
) -> None:
    teams_app.command("domain 4")
    cards = teams_app.wait_for_cards(PARTICIPATION, 4)
    double.fail(2, 502, operation=UPDATES)
    assert "recorded" in teams_app.vote(VOTERS[0], cards["4.1"], "3 Good")
    redrawn = voted_card(teams_app, cards["4.1"], "1 of 4")
    assert VOTERS[0].name in redrawn.words
    assert [c.status for c in double.calls_to(UPDATES)][:3] == [502, 502, 200]
    assert len(bot_posts(double, PARTICIPATION)) == 5, "an update never becomes a post"


def stored_choice(app: RunningTeamsApp, user_id: str) -> list[str]:
    with app.application.engine.connect() as connection:
        rows = connection.execute(
            text("SELECT choice FROM votes WHERE user_id = :user"), {"user": user_id}
        )
        return [str(row[0]) for row in rows]


def test_a_click_while_teams_is_down_is_stored_and_answered_and_redrawn_later(
    logs: Logs, teams_app: RunningTeamsApp, double: ConnectorDouble
) -> None:
    teams_app.command("domain 4")
    cards = teams_app.wait_for_cards(PARTICIPATION, 4)
    teams_app.wait_private(CHAIR, "Domain 4 is now with")
    double.fail(1000, 503)  # every call to Teams fails
    answer = teams_app.client.click(VOTERS[0], cards["4.1"], "3 Good")
    assert answer.elapsed < 2, "the answer does not wait for Teams"
    assert "recorded" in teams_app.answer_text(answer)
    assert stored_choice(teams_app, VOTERS[0].aad_object_id) == ["3"], "a 200 means stored"
    teams_app.wait_for(
        lambda: [c for c in double.calls_to(UPDATES) if c.status == 503], "a redraw refused"
    )
    assert "0 of 4" in teams_app.latest(cards["4.1"]).words
    teams_app.command("status")  # stored nothing; its private answer cannot be sent
    [lost] = teams_app.wait_for(lambda: logs.ours("teams_after_answer_failed"), "a lost answer")
    assert lost["log_level"] == "warning" and "503" in lost["error"] and "exception" not in lost
    double.clear_faults()  # Teams is back
    voted_card(teams_app, cards["4.1"], "1 of 4")


def summaries(double: ConnectorDouble) -> list[Message]:
    return [p for p in bot_posts(double, BOARD) if "Domain 4 graded by" in p.words]


def test_known_limit_a_post_whose_answer_is_lost_is_posted_again_as_teams_cannot_list_posts(
    teams_app: RunningTeamsApp, double: ConnectorDouble
) -> None:
    """Teams' Bot Connector cannot list a channel's messages, so the gateway's find_posted has
    nothing to look in: when Teams kept a post but its answer was lost, the outbox's next
    attempt posts it again (Slack's gateway finds its post by its key instead). The app then
    knows, and updates, only the second copy."""
    teams_app.command("domain 4")
    cards = teams_app.wait_for_cards(PARTICIPATION, 4)
    double.lose_next_answer("drop", operation=POSTS, path=posts_to(BOARD))
    for card in cards.values():
        for voter in VOTERS:
            teams_app.vote(voter, card, "3 Good")
    both = teams_app.wait_for(lambda: len(summaries(double)) == 2 and summaries(double), "2")
    board_posts = [c for c in double.calls_to(POSTS) if c.path.endswith(f"{BOARD}/activities")]
    assert board_posts[0].answer_lost == "drop" and board_posts[0].ok, "Teams kept the first"
    assert board_posts[1].time - board_posts[0].time >= 1.5, "posted again by the outbox"

    def known() -> str | None:
        with teams_app.application.engine.connect() as connection:
            found = connection.execute(text("SELECT summary_ts FROM rounds")).scalar_one()
            return None if found is None else str(found)

    assert teams_app.wait_for(known, "the summary's id stored") == both[1].id, "the second copy"
    assert both[0].words == both[1].words
    teams_app.application.refresher.wait_idle(5)
    assert len(summaries(double)) == 2, "and no third"


def test_after_a_restart_the_deadline_and_reminders_still_reach_teams(
    database_url: str, double: ConnectorDouble, tmp_path: Path
) -> None:
    """The app is stopped after the round started and a new one starts on the same database;
    Teams sends it nothing, yet it knows where to post and whom to remind (the directory)."""
    with running_teams_app(database_url, double, tmp_path) as first:
        first.command("domain 4")
        cards = first.wait_for_cards(PARTICIPATION, 4)
        for card in cards.values():
            first.vote(VOTERS[0], card, "3 Good")
            first.vote(VOTERS[1], card, "3 Good")
        first.application.refresher.wait_idle(5)
    calls_before = len(double.calls)
    config = teams_config()
    with running_teams_app(database_url, double, tmp_path, config, install=False) as second:
        now = datetime.now(UTC)
        with second.application.engine.begin() as connection:
            connection.execute(text("UPDATE rounds SET remind_at = :t"), {"t": now})
        for voter in VOTERS[2:]:
            second.wait_private(voter, "Reminder:")
        assert not [m for m in double.personal_messages(VOTERS[0]) if "Reminder:" in m.words]
        with second.application.engine.begin() as connection:
            connection.execute(
                text("UPDATE rounds SET deadline_at = :t"), {"t": now - timedelta(seconds=1)}
            )
        [summary] = second.wait_for(lambda: summaries(double), "the summary after the deadline")
        assert "4 questions: 4 Good; nothing flagged." in summary.words
        voted_card(second, cards["4.1"], "Agreed")
    assert len(double.calls) > calls_before
    assert double.personal_messages(CHAIR), "the chair's answers from the first run"

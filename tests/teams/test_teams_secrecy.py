"""Secret votes stay secret in Teams while a question is open, even with ``voting.anonymous:
false`` (which names who gave each grade once a question has closed).

Distinctive votes are cast on open questions, then every surface is read back: every version of
every message the app posted or updated (cards, replies, personal chats, the status card), the
invoke responses other members got, the audit CSV behind its link, and everything logged. No
line ties a voter to the grade they gave, and no count shows an open question's grades. Once
the question closes, the distribution and (not anonymous) the names show.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping

import pytest

from bot.domain.audit import SECRET_WHILE_OPEN
from tests.connector import ConnectorDouble, TeamsUser
from tests.connector.messages import Message
from tests.logs import Logs
from tests.teams.edge import strings
from tests.teams.harness import (
    BOARD,
    CHAIR,
    PARTICIPATION,
    VOTERS,
    RunningTeamsApp,
    open_urls,
    teams_config,
)
from tests.trust import JsonDict

GRADES = ("Inadequate", "Adequate", "Good", "Outstanding", "Don't know")
# On the open ballot of 4.1: who gave what (the fourth has not voted, so it stays open).
OPEN_VOTES = {VOTERS[0]: "1 Inadequate", VOTERS[1]: "4 Outstanding", VOTERS[2]: "Don't know"}
ANY_COUNT = re.compile(r"(Inadequate|Adequate|Good|Outstanding|Don't know): \*\*[1-9]")


@pytest.fixture
def teams_config_document() -> JsonDict:
    return teams_config(anonymous=False)


def named(word: str) -> re.Pattern[str]:
    """The grade's name as a word ("Adequate" is not found inside "Inadequate")."""
    return re.compile(rf"(?<![A-Za-z]){re.escape(word)}(?![A-Za-z])")


def grade_word(title: str) -> str:
    return title.split(" ", 1)[1] if title[0].isdigit() else title


def tied(lines: list[str], votes: Mapping[TeamsUser, str]) -> list[str]:
    """Lines naming a voter together with the grade that voter gave."""
    return [
        line
        for line in lines
        for user, title in votes.items()
        if (user.name in line or user.aad_object_id in line)
        and named(grade_word(title)).search(line)
    ]


def everything_posted(double: ConnectorDouble) -> list[str]:
    """Every line of every version of every message the app posted, anywhere."""
    versions = [v for m in double.bot_messages() for v in m.history]
    return [line for v in versions for s in strings(v) for line in s.splitlines()]


def audit_rows(app: RunningTeamsApp, double: ConnectorDouble) -> list[dict[str, str]]:
    """`@Assess audit 4` as the chair: the newest CSV behind its link."""
    before = len([m for m in double.personal_messages(CHAIR) if "Download" in m.words])
    app.command("audit 4")
    link_card: Message = app.wait_for(
        lambda: [m for m in double.personal_messages(CHAIR) if "Download" in m.words][before:],
        "the audit trail's link",
    )[-1]
    [link] = open_urls(link_card)
    status, body, _ = app.download(link)
    assert status == 200
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def vote_in_secret(app: RunningTeamsApp, cards: dict[str, Message]) -> None:
    """The open votes (and a change of vote on 4.2), each answered to the clicker alone with
    their own grade; the fourth member comments and votes elsewhere, and is told nobody's."""
    answers: dict[TeamsUser, list[str]] = {}
    for title in ("4 Outstanding", "1 Inadequate"):  # a change of vote is secret too
        answers.setdefault(VOTERS[0], []).append(app.vote(VOTERS[0], cards["4.2"], title))
    for voter, title in OPEN_VOTES.items():
        own = app.vote(voter, cards["4.1"], title)
        assert title in own, "the voter is told their own grade, privately"
        answers.setdefault(voter, []).append(own)
    fourth = [
        app.comment(VOTERS[3], cards["4.1"], "What did the others say?"),
        app.vote(VOTERS[3], cards["4.3"], "3 Good"),
    ]
    for voter, told in answers.items():  # each answer names the clicker's own grade alone
        others = {u: t for u, t in OPEN_VOTES.items() if u != voter}
        assert not any(u.name in s for s in told for u in others), told
    for answer in fourth:
        assert [w for w in GRADES if w != "Good" and named(w).search(answer)] == [], answer
        assert not any(u.name in answer for u in OPEN_VOTES)


def test_an_open_question_shows_nobodys_grade_anywhere_until_it_closes(
    logs: Logs, teams_app: RunningTeamsApp, double: ConnectorDouble
) -> None:
    teams_app.command("domain 4")
    cards = teams_app.wait_for_cards(PARTICIPATION, 4)
    vote_in_secret(teams_app, cards)
    teams_app.command("status")  # the chair's status, in the personal chat
    teams_app.wait_private(CHAIR, "voted")
    for voter in VOTERS:
        teams_app.say("status", user=voter)
        teams_app.wait_private(voter, "Waiting for your vote")
    rows = audit_rows(teams_app, double)
    votes = [r for r in rows if r["event"] in {"vote", "vote changed"}]
    assert {(r["question"], r["who"]) for r in votes} == {
        ("4.1", VOTERS[0].aad_object_id),
        ("4.1", VOTERS[1].aad_object_id),
        ("4.1", VOTERS[2].aad_object_id),
        ("4.2", VOTERS[0].aad_object_id),
        ("4.3", VOTERS[3].aad_object_id),
    }
    assert {r["grade"] for r in votes} == {SECRET_WHILE_OPEN}
    teams_app.application.refresher.wait_idle(5)

    said = everything_posted(double)
    assert any("Voted (3 of 4)" in line for line in said), "the collector reads the cards"
    assert any("3 of 4 voted" in line for line in said), "and the status card"
    assert tied(said, {**OPEN_VOTES, VOTERS[3]: "3 Good"}) == []
    assert [line for line in said if ANY_COUNT.search(line)] == []
    open_cards = [double.message(c.id) for c in cards.values()]
    assert all(len(m.history) > 1 for m in open_cards[:3]), "updates were read too"
    assert [r for c in cards.values() for r in double.post(c.id).replies] == [], "no thread yet"
    assert any(e["event"] == "vote_recorded" for e in logs.events), "the log capture works"
    assert [w for w in GRADES if named(w).search(logs.text)] == []

    shown_once_closed(teams_app, double, cards)


def shown_once_closed(
    app: RunningTeamsApp, double: ConnectorDouble, cards: dict[str, Message]
) -> None:
    """Closed, the distribution shows, and (anonymous: false) who gave each grade."""
    app.command("close 4")
    [summary] = app.wait_for(lambda: app.board_posts("Domain 4 graded by"), "the board summary")
    assert "1 Inadequate: **1** · 2 Adequate: **0** · 3 Good: **0** · 4 Outstanding: **1**" in (
        summary.words
    )
    discussion = app.wait_for(
        lambda: [r for r in double.post(cards["4.1"].id).replies if "Who gave" in r.words],
        "the discussion naming who gave each grade",
    )[0]
    assert tied(discussion.words.splitlines(), {VOTERS[0]: "1 Inadequate"})
    shown = {(r["question"], r["who"], r["grade"]) for r in audit_rows(app, double)}
    assert ("4.1", VOTERS[1].aad_object_id, "4 Outstanding") in shown
    assert ("4.2", VOTERS[0].aad_object_id, "1 Inadequate") in shown
    assert not [p for p in double.posts(BOARD) if "Download" in p.words and "audit" in p.words]

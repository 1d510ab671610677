"""Secret votes stay secret while a question is open, on every surface, even with
``voting.anonymous: false`` (which names who gave each grade once a question has closed).

Distinctive votes are cast on an open question (and on an open re-vote), then everything the app
said is read back: every Slack API call it made (messages, updates, ephemerals, Home tabs, modals,
file uploads), every reply to a response_url, every uploaded file opened for real (the audit CSV,
the report's PDF, workbook and chart), and every structlog line it logged. No line may tie a voter
to the grade they gave on the open ballot, and no count may show its grades. Once the question
closes, the audit trail names each grade (the checker is shown to find them then).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator, Mapping, MutableMapping
from functools import partial
from io import BytesIO
from typing import Any

import pytest
import structlog
from openpyxl import load_workbook  # type: ignore[import-untyped]
from pypdf import PdfReader

from bot.domain.audit import SECRET_WHILE_OPEN
from bot.domain.consensus import Choice
from tests.e2e.harness import (
    BOARD,
    CHAIR,
    PARTICIPATION,
    VOTERS,
    RunningApp,
    block_text,
    wait_for_cards,
    wait_for_messages,
    wait_for_thread,
)
from tests.emulator import SlackEmulator, UploadedFile

pytestmark = pytest.mark.chair_observes
WORDS = {
    "1": "Inadequate",
    "2": "Adequate",
    "3": "Good",
    "4": "Outstanding",
    "dont_know": "Don't know",
}
# On the open ballot: who gave what (the fourth member has not voted, so it stays open).
OPEN_VOTES = {"U0PART001": "1", "U0PART002": "4", "U0PART003": "dont_know"}
ANY_COUNT = re.compile(r"(Inadequate|Adequate|Good|Outstanding|Don't know): \*[1-9]")
JsonDict = dict[str, Any]


@pytest.fixture
def logged() -> Iterator[list[MutableMapping[str, Any]]]:
    """Every structlog event the app logs during the test, as the dict it was logged with."""
    with structlog.testing.capture_logs() as events:
        yield events


# ------------------------------------------------------------------ what the app said


def strings(node: Any) -> Iterator[str]:
    """Every string in a payload; JSON sent as a string (blocks, views) is opened too."""
    if isinstance(node, str):
        if node[:1] in {"[", "{"}:
            try:
                yield from strings(json.loads(node))
                return
            except ValueError:
                pass
        yield node
    elif isinstance(node, Mapping):
        for value in node.values():
            yield from strings(value)
    elif isinstance(node, list | tuple):
        for item in node:
            yield from strings(item)


def file_lines(upload: UploadedFile) -> list[str]:
    """A file's text as a person reading it sees it, one line (or row) at a time."""
    lines = [upload.alt_txt or "", upload.title or "", upload.initial_comment or ""]
    data = upload.data or b""
    if upload.filename.endswith(".csv"):
        lines += [" | ".join(row) for row in csv.reader(io.StringIO(data.decode("utf-8-sig")))]
    elif upload.filename.endswith(".pdf"):
        lines += "\n".join(p.extract_text() for p in PdfReader(BytesIO(data)).pages).splitlines()
    elif upload.filename.endswith(".xlsx"):
        workbook = load_workbook(BytesIO(data))
        lines += [
            " | ".join("" if cell is None else str(cell) for cell in row)
            for sheet in workbook.worksheets
            for row in sheet.iter_rows(values_only=True)
        ]
    return lines


def everything_said(emulator: SlackEmulator) -> list[str]:
    """Every line the app sent to Slack, by any route, and every line of every file it uploaded."""
    texts = [s for call in emulator.calls for s in strings(call.params)]
    texts += [s for post in emulator.responses() for s in strings(post.body)]
    lines = [line for text in texts for line in text.splitlines()]
    for upload in emulator.uploaded_files:
        if upload.completed:
            lines += file_lines(upload)
    return lines


def named(word: str) -> re.Pattern[str]:
    """The grade's name as a word ("Adequate" is not found inside "Inadequate")."""
    return re.compile(rf"(?<![A-Za-z]){re.escape(word)}(?![A-Za-z])")


def tied(lines: list[str], votes: Mapping[str, str]) -> list[str]:
    """Lines naming a voter together with the grade that voter gave."""
    return [
        line
        for line in lines
        for user, grade in votes.items()
        if user in line and named(WORDS[grade]).search(line)
    ]


def leaks_in_logs(events: list[MutableMapping[str, Any]]) -> list[MutableMapping[str, Any]]:
    """Log events carrying a vote's choice, by value or under a telling key."""
    suspicious = {"choice", "grade", "vote", "value", "action", "actions", "payload", "body"}
    return [
        event
        for event in events
        if suspicious & set(event)
        or any(isinstance(v, Choice) for v in event.values())
        or any(named(word).search(str(v)) for word in WORDS.values() for v in event.values())
    ]


# ---------------------------------------------------------------------------- acting


def vote(app: RunningApp, user: str, card: JsonDict, grade: str) -> None:
    assert "Question" in app.vote(user, card, grade)


def open_home(app: RunningApp, user: str) -> str:
    previous = app.emulator.home_views.get(user)
    assert app.sender.app_home_opened(user).status == 200

    def changed() -> JsonDict:
        view = app.emulator.home_views.get(user)
        return view if view is not None and view != previous else {}

    return block_text(app.emulator.wait_for(changed, message=f"{user}'s Home tab"))


def audit_rows(app: RunningApp) -> list[tuple[str, ...]]:
    """`/assess audit 4` as the chair: the newest CSV, as (question, ballot, event, who, grade)."""
    before = len([f for f in app.emulator.uploaded_files if f.filename.endswith(".csv")])
    assert "audit trail" in app.command("audit 4")
    uploads = app.emulator.wait_for(
        lambda: [
            f for f in app.emulator.uploaded_files if f.completed and f.filename.endswith(".csv")
        ][before:],
        message="the audit CSV",
    )
    text = (uploads[-1].data or b"").decode("utf-8-sig")
    return [
        (r["question"], r["ballot"], r["event"], r["who"], r["grade"])
        for r in csv.DictReader(io.StringIO(text))
    ]


def post_report(app: RunningApp) -> None:
    """`/assess report`, waiting for its chart, PDF and workbook to be uploaded."""
    assert "report" in app.command("report")
    for suffix in (".pdf", ".xlsx", ".png"):
        app.emulator.wait_for(partial(uploaded, app.emulator, suffix), message=suffix)


def uploaded(emulator: SlackEmulator, suffix: str) -> list[UploadedFile]:
    return [f for f in emulator.uploaded_files if f.completed and f.filename.endswith(suffix)]


def visit_every_surface(app: RunningApp) -> list[tuple[str, ...]]:
    """Status, every Home tab, the report and the audit; returns the audit's rows."""
    assert "open" in app.command("status")
    (status,) = [r for r in app.emulator.responses() if "round(s) open" in str(r.body)][-1:]
    assert "voted; waiting for" in block_text(status.body), "the collector reads the status"
    for user in [*VOTERS, CHAIR]:
        open_home(app, user)
    post_report(app)
    rows = audit_rows(app)
    app.idle()
    return rows


# ------------------------------------------------------------------------------ tests


def test_an_open_question_shows_nobody_s_grade_anywhere_until_it_closes(
    app: RunningApp, logged: list[MutableMapping[str, Any]]
) -> None:
    emulator = app.emulator
    app.command("domain 4")
    cards = wait_for_cards(emulator, PARTICIPATION, 4)
    vote(app, "U0PART001", cards["4.2"], "4")
    vote(app, "U0PART001", cards["4.2"], "1")  # a change of vote is secret too
    for user, grade in OPEN_VOTES.items():
        vote(app, user, cards["4.1"], grade)
    secrets = {**OPEN_VOTES}

    rows = visit_every_surface(app)
    votes = [r for r in rows if r[2] in {"vote", "vote changed"}]
    assert {(q, who) for q, _, _, who, _ in votes} == {
        ("4.1", "U0PART001"),
        ("4.1", "U0PART002"),
        ("4.1", "U0PART003"),
        ("4.2", "U0PART001"),
    }
    assert [r[2] for r in votes if r[0] == "4.2"] == ["vote", "vote changed"]
    assert {grade for *_, grade in votes} == {SECRET_WHILE_OPEN}

    said = everything_said(emulator)
    assert any("Voted (3 of 4)" in line for line in said), "the collector reads the cards"
    assert any("U0PART003" in line and "vote" in line for line in said), "and the audit CSV"
    assert tied(said, secrets) == []
    assert [line for line in said if ANY_COUNT.search(line)] == []
    assert emulator.messages(PARTICIPATION) == emulator.messages(
        PARTICIPATION, top_level_only=True
    ), "no thread was opened under an open question"
    assert any(e["event"] == "vote_recorded" for e in logged), "the log capture works"
    assert leaks_in_logs(logged) == []

    # Closed (anonymous: false), the same trail names each grade, and the checker finds them.
    assert "Closed domain 4" in app.command("close 4")
    emulator.wait_for(
        lambda: [m for m in emulator.messages(BOARD) if "graded by" in block_text(m)],
        message="the board summary",
    )
    rows = audit_rows(app)
    shown = {(q, who, grade) for q, _, event, who, grade in rows if event.startswith("vote")}
    assert ("4.1", "U0PART001", "1 Inadequate") in shown
    assert ("4.1", "U0PART002", "4 Outstanding") in shown
    assert ("4.1", "U0PART003", "Don't know") in shown
    assert ("4.2", "U0PART001", "4 Outstanding") in shown
    assert ("4.2", "U0PART001", "1 Inadequate") in shown
    assert len(tied(everything_said(emulator), secrets)) >= 3
    assert leaks_in_logs(logged) == []


SPLIT = {"U0PART001": "1", "U0PART002": "4", "U0PART003": "3", "U0PART004": "3"}
AGREE = ["3", "3", "3", "4"]  # no Adequate, no Don't know: those are the re-vote's
# The re-vote's grades, none of them given in round 1: any count of them shown is a leak.
REVOTE_VOTES = {"U0PART001": "2", "U0PART002": "2", "U0PART003": "dont_know"}
REVOTE_COUNT = re.compile(r"(?<![A-Za-z])(Adequate|Don't know): \*[1-9]|[1-9] Don't know")


def open_a_revote(app: RunningApp) -> JsonDict:
    """Domain 4 closes with 4.1 in disagreement; the chair re-votes it. Returns its message."""
    emulator = app.emulator
    app.command("domain 4")
    cards = wait_for_cards(emulator, PARTICIPATION, 4)
    for user, grade in SPLIT.items():
        vote(app, user, cards["4.1"], grade)
    for question in ("4.2", "4.3", "4.4"):
        for user, grade in zip(VOTERS, AGREE, strict=True):
            vote(app, user, cards[question], grade)
    opener = wait_for_thread(emulator, PARTICIPATION, str(cards["4.1"]["ts"]), 2)[1]
    started = app.sender.click_button(CHAIR, PARTICIPATION, str(opener["ts"]), "revote")
    assert "Re-vote (round 2)" in app.private_reply(started.response_url)
    return wait_for_messages(
        emulator, PARTICIPATION, "Re-vote (round 2)", message="the re-vote's message"
    )[0]


def workbook_counts(emulator: SlackEmulator) -> dict[str, tuple[Any, ...]]:
    """The newest workbook's Domain 4 sheet: question id → its row."""
    upload = [f for f in emulator.uploaded_files if f.completed and f.filename.endswith(".xlsx")]
    sheet = load_workbook(BytesIO(upload[-1].data or b""))["Domain 4"]
    return {str(row[0]): row for row in sheet.iter_rows(values_only=True) if row[0]}


def test_an_open_revote_shows_only_the_closed_round_s_grades(
    app: RunningApp, logged: list[MutableMapping[str, Any]]
) -> None:
    emulator = app.emulator
    revote = open_a_revote(app)
    for user, grade in REVOTE_VOTES.items():
        vote(app, user, revote, grade)

    rows = visit_every_surface(app)
    ballot_1 = {(who, grade) for q, b, e, who, grade in rows if (q, b, e) == ("4.1", "1", "vote")}
    assert ballot_1 == {
        ("U0PART001", "1 Inadequate"),
        ("U0PART002", "4 Outstanding"),
        ("U0PART003", "3 Good"),
        ("U0PART004", "3 Good"),
    }, "round 1 has closed: its grades are named (anonymous: false)"
    ballot_2 = {(who, grade) for q, b, e, who, grade in rows if (q, b, e) == ("4.1", "2", "vote")}
    assert ballot_2 == {(user, SECRET_WHILE_OPEN) for user in REVOTE_VOTES}

    # The report shows round 1's grades for 4.1 (re-vote open), never the re-vote's.
    sheet = workbook_counts(emulator)
    dont_know = sheet["Question ID"].index("Don't know")
    assert sheet["4.1"][dont_know - 4 : dont_know + 1] == (1, 0, 2, 1, 0)

    said = everything_said(emulator)
    assert any("Good (3): <@U0PART003>, <@U0PART004>" in line for line in said)
    assert any("Round 1 gave: 1 Inadequate: *1*" in line for line in said)
    assert tied(said, REVOTE_VOTES) == []
    assert [line for line in said if REVOTE_COUNT.search(line)] == []
    assert any(e["event"] == "vote_recorded" for e in logged)
    assert leaks_in_logs(logged) == []

    # The last vote closes the re-vote: now its grades are named in the trail.
    vote(app, "U0PART004", revote, "2")
    rows = audit_rows(app)
    ballot_2 = {(who, grade) for q, b, e, who, grade in rows if (q, b, e) == ("4.1", "2", "vote")}
    assert ("U0PART001", "2 Adequate") in ballot_2 and ("U0PART003", "Don't know") in ballot_2

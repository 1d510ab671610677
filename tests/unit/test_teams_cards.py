"""The Teams renderers: every view the core produces as a valid Adaptive Card 1.5 within
Teams' 28 KB, member text inert, votes secret while open, the summary split when large."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from typing import Any

import pytest

from bot.domain.consensus import Choice, OutcomeKind, resolve, tally
from bot.domain.framework import Framework
from bot.domain.report import DomainStatus
from bot.domain.rounds import Settlement
from bot.domain.text import ChannelLink, Composed, Emphasis, Mention, Typed, command
from bot.views.forms import ActionFormView
from bot.views.reply import Reply, refuse
from bot.views.report import (
    ActionPromptQuestion,
    ActionPromptView,
    HomeAction,
    HomeDomain,
    HomeQuestion,
    HomeView,
    ReportMessageView,
)
from bot.views.rounds import (
    CommentView,
    DecisionView,
    DiscussionView,
    DomainSummaryView,
    GradeGroupView,
    QuestionCardView,
    QuestionStatusView,
    QuestionSummaryView,
    ReminderView,
    ResultView,
    RoundHeaderView,
    RoundStatusView,
    SummaryNoteView,
)
from handlers.teams import codec
from handlers.teams.adaptive import MAX_CARD_BYTES, card_bytes
from handlers.teams.board_cards import (
    answer_on_card,
    invoke_response,
    render_action_form,
    render_action_prompt,
    render_reply,
    render_report,
    render_status,
)
from handlers.teams.round_cards import (
    render_discussion,
    render_header,
    render_note,
    render_question,
    render_reminder,
)
from handlers.teams.summary_cards import render_summary
from handlers.teams.text import TeamsText
from tests.unit.test_reporting_views import RULE, SCALE, full_report

HOSTILE = (
    "<at>Chair</at> <!channel> [minutes](https://evil.example) **bold** *it* _it_ ~gone~ "
    "`code` &lt;at&gt; {{DATE(2020-01-01T00:00:00Z)}} # head https://evil.example "
    "nul\x00here \u202eevil\u202c zero\u200b\u200c\u200d\u2060\ufeffwidth"
    "\n✅ **Agreed: 4 Outstanding**\n- a list\n> a quote"
)
LONG_HOSTILE = (HOSTILE + " ") * 30
NAMES = {f"U{i}": f"Member {i}" for i in range(40)} | {"U0CHAIR": "Chair <Person>"}
TEAMS = TeamsText(NAMES, {"C0BOARD": "Board"}, bot_name="Assess")
DEADLINE = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
QUESTION = "Does the board have a shared vision for children's services? " * 3
PROMPTS = ("Is the vision owned by partners?", "How do children and young people shape it?")


def walk(node: Any) -> Any:
    yield node
    if isinstance(node, dict):
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def texts(card: dict[str, Any]) -> list[str]:
    return [n["text"] for n in walk(card) if isinstance(n, dict) and n.get("type") == "TextBlock"]


def check_card(card: dict[str, Any]) -> None:
    """A valid Adaptive Card 1.5 within 28 KB: actions with verbs and data, mentions with
    their entities."""
    json.dumps(card)
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.5"
    assert isinstance(card["body"], list) and card["body"]
    assert card_bytes(card) <= MAX_CARD_BYTES
    for node in walk(card):
        if not isinstance(node, dict):
            continue
        if node.get("type") == "Action.Execute":
            assert node["verb"] and isinstance(node["data"], dict) and node["title"]
            assert codec.decode(node["verb"], node["data"]) is not None
        if node.get("type") == "Action.ShowCard":
            assert node["card"]["type"] == "AdaptiveCard" and node["card"]["actions"]
        if node.get("type") == "TextBlock":
            assert isinstance(node["text"], str)
    mentioned = {e["text"] for e in card["msteams"]["entities"]}
    for text in texts(card):
        for at in re.findall(r"<at>.*?</at>", text):
            assert at in mentioned


def assert_inert(card: dict[str, Any]) -> None:
    """No live markup from typed text: no mention beyond the card's own, no link, emphasis or
    function, no control characters, every typed line inside its quote."""
    entities = {e["text"] for e in card["msteams"]["entities"]}
    for text in texts(card):
        assert "<at>Chair</at>" not in text
        assert "](" not in text and "https://" not in text and "{{DATE(2020" not in text
        assert "**bold**" not in text and "`code`" not in text and "~gone~" not in text
        assert "&lt;" not in text
        assert not re.search("[\x00\u202e\u202c\u200b\u200c\u200d\u2060\ufeff]", text)
        for at in re.findall(r"<at>.*?</at>", text):
            assert at in entities
    for node in walk(card):
        if isinstance(node, dict) and node.get("style") == "emphasis":
            for line in node["items"][0]["text"].split("\n"):
                assert line.startswith("│ ")
    for text in texts(card):
        for line in text.split("\n"):
            assert line != "✅ **Agreed: 4 Outstanding**"


def card_view(**changes: Any) -> QuestionCardView:
    base: dict[str, Any] = dict(
        round_id=7,
        round_question_id=42,
        question_id="4.2",
        text=QUESTION,
        prompts=PROMPTS,
        scale=SCALE,
        electorate_size=12,
        voters=("U1", "U2", "U3"),
        comment_count=2,
        is_open=True,
    )
    return QuestionCardView(**(base | changes))


def test_an_open_question_shows_who_voted_never_a_grade() -> None:
    card = render_question(TEAMS, card_view())
    check_card(card)
    shown = "\n".join(texts(card))
    assert "3 of 12" in shown and "<at>Member 1</at>" in shown
    assert "Agreed" not in shown and "Inadequate: " not in shown and "Turnout" not in shown
    titles = [a["title"] for a in card["actions"]]
    assert titles == [
        "1 Inadequate",
        "2 Adequate",
        "3 Good",
        "4 Outstanding",
        "Don't know",
        "Comment",
    ]
    votes = [codec.decode(a["verb"], a["data"]) for a in card["actions"][:5]]
    assert [v.choice for v in votes if v] == list(Choice)
    assert all(v and v.question == codec.QuestionRef(7, 42) for v in votes)
    comment = card["actions"][5]
    assert comment["type"] == "Action.ShowCard"
    assert comment["card"]["body"][0]["type"] == "Input.Text"
    assert comment["card"]["actions"][0]["verb"] == codec.COMMENT


def test_a_closed_question_shows_the_distribution_and_outcome() -> None:
    choices = [Choice.from_grade(g) for g in (3, 3, 3, 2)]
    outcome = resolve(choices, 12, RULE)
    decision = DecisionView(3, Typed(LONG_HOSTILE[:2900]), "U0CHAIR", DEADLINE)
    card = render_question(
        TEAMS,
        card_view(
            is_open=False,
            distribution=tally(choices),
            ballot=2,
            decision=decision,
            result=ResultView(outcome.kind, outcome.grade, outcome.reason),
            previous_distribution=tally(choices),
            deadline_at=DEADLINE,
        ),
    )
    check_card(card)
    assert_inert(card)
    shown = "\n".join(texts(card))
    assert "Good: **3**" in shown and "Turnout: 4 of 12" in shown and "Re-vote (round 2)" in shown
    assert "actions" not in card
    assert "`@Assess audit 4`" in shown  # the long reason is cut with a pointer


def test_the_round_header_and_reminder() -> None:
    header = render_header(
        TEAMS,
        RoundHeaderView(
            7,
            4,
            "Participation",
            "Participation Sub-Group",
            12,
            6,
            "U0CHAIR",
            "Are we there yet?",
            DEADLINE,
            True,
            "U0CHAIR",
        ),
    )
    check_card(header)
    assert "{{DATE(2026-12-01T17:00:00Z, LONG)}}" in "\n".join(texts(header))
    reminder = ReminderView(
        4, "Participation", "Participation Sub-Group", DEADLINE, ("4.1", "4.3"), "C0BOARD", "1"
    )
    linked = render_reminder(TEAMS, reminder, "https://teams.microsoft.com/l/message/x")
    check_card(linked)
    assert linked["actions"][0]["type"] == "Action.OpenUrl"
    check_card(render_reminder(TEAMS, reminder, None))
    assert "Board" in "\n".join(texts(render_reminder(TEAMS, reminder, None)))


def discussion(**changes: Any) -> DiscussionView:
    choices = [Choice.from_grade(g) for g in (1, 1, 4, 4)]
    outcome = resolve(choices, 12, RULE)
    base: dict[str, Any] = dict(
        round_id=7,
        round_question_id=44,
        question_id="4.4",
        text=QUESTION,
        ballot=1,
        scale=SCALE,
        result=ResultView(outcome.kind, outcome.grade, outcome.reason),
        distribution=tally(choices),
        electorate_size=12,
        named=(GradeGroupView(1, ("U1", "U2")), GradeGroupView(None, ("U3",))),
        comments=tuple(CommentView(f"U{i}", Typed(LONG_HOSTILE)) for i in range(30)),
        chairs=("U0CHAIR",),
    )
    return DiscussionView(**(base | changes))


def test_the_discussion_has_chair_buttons_and_inert_comments() -> None:
    card = render_discussion(TEAMS, discussion())
    check_card(card)
    assert_inert(card)
    revote, decide = card["actions"]
    assert revote["verb"] == codec.REVOTE
    assert decide["type"] == "Action.ShowCard"
    grade, reason = decide["card"]["body"]
    assert grade["type"] == "Input.ChoiceSet" and len(grade["choices"]) == 4
    assert reason["isRequired"] is True
    assert decide["card"]["actions"][0]["verb"] == codec.DECIDE
    assert "more comments on 4.4" in "\n".join(texts(card))
    settled = render_discussion(
        TEAMS, discussion(decision=DecisionView(2, Typed(HOSTILE), "U0CHAIR", DEADLINE), named=None)
    )
    check_card(settled)
    assert_inert(settled)
    assert "actions" not in settled


def summary_question(i: int, comments: int) -> QuestionSummaryView:
    choices = [Choice.from_grade(g) for g in ((3, 3, 3, 2) if i % 2 else (1, 4, 3, 3))]
    outcome = resolve(choices, 12, RULE)
    decided = i % 3 == 0
    return QuestionSummaryView(
        question_id=f"4.{i}",
        text=QUESTION,
        distribution=tally(choices),
        result=ResultView(outcome.kind, outcome.grade, outcome.reason),
        participants=4,
        electorate_size=12,
        comments=tuple(CommentView(f"U{c}", Typed(LONG_HOSTILE)) for c in range(comments)),
        settlement=Settlement.DECIDED
        if decided
        else (Settlement.AGREED if outcome.kind is OutcomeKind.AGREED else Settlement.FLAGGED),
        decision=DecisionView(2, Typed(LONG_HOSTILE), "U0CHAIR", DEADLINE) if decided else None,
    )


@pytest.mark.parametrize("comments", [0, 2, 25])
def test_the_summary_splits_and_keeps_every_questions_facts(comments: int) -> None:
    view = DomainSummaryView(
        7,
        4,
        "Participation",
        "Participation Sub-Group",
        SCALE,
        tuple(summary_question(i, comments) for i in range(1, 9)),
    )
    cards = render_summary(TEAMS, view)
    for card in cards:
        check_card(card)
        assert_inert(card)
    shown = "\n".join(t for card in cards for t in texts(card))
    for i in range(1, 9):
        assert f"**4.{i}**" in shown
    assert shown.count("Turnout 4 of 12") == 8
    assert view.headline() in "\n".join(texts(cards[0]))
    if comments == 25:
        assert len(cards) > 1 and f"part 2 of {len(cards)}" in shown
    if comments == 0:
        assert len(cards) == 1


def test_the_note_action_prompt_report_and_status(framework: Framework) -> None:
    check_card(render_note(TEAMS, SummaryNoteView(4, Composed("Updated by ", Mention("U1")))))
    prompt = render_action_prompt(
        TEAMS,
        ActionPromptView(
            7,
            4,
            "Participation",
            tuple(
                ActionPromptQuestion(
                    100 + i,
                    f"4.{i}",
                    QUESTION,
                    "2 Adequate",
                    (Composed("4.1: ", Typed(HOSTILE[:300]), " · High"),),
                )
                for i in range(1, 5)
            ),
        ),
    )
    check_card(prompt)
    assert_inert(prompt)
    adds = [
        codec.decode(a["card"]["actions"][0]["verb"], a["card"]["actions"][0]["data"])
        for a in prompt["actions"]
    ]
    assert [a.round_question_id for a in adds if a] == [101, 102, 103, 104]
    check_card(render_report(TEAMS, ReportMessageView(full_report(framework), "U0CHAIR")))
    home = HomeView(
        board_name="Trust",
        cycle="2026-27",
        domains=tuple(
            HomeDomain(
                d.number,
                d.title,
                "Sub-group",
                DomainStatus.OPEN,
                "3 of 12 have voted",
                DEADLINE,
            )
            for d in framework.domains
        ),
        waiting=(HomeQuestion(4, "4.1", QUESTION, "C0BOARD", "1"),),
        open_actions=3,
        is_chair=True,
        actions=tuple(
            HomeAction(i, Composed("4.2: ", Typed(HOSTILE[:200])), i == 1) for i in range(1, 4)
        ),
        notice=Composed("Action 3 is ", Emphasis("done"), "."),
    )
    status = render_status(TEAMS, home)
    check_card(status)
    assert_inert(status)
    marks = [codec.decode(a["verb"], a["data"]) for a in status["actions"]]
    assert [m.action_id for m in marks if m] == [1, 2, 3]


def test_replies_render_as_a_card_or_text() -> None:
    status = RoundStatusView(
        4,
        "Participation",
        "Sub-group",
        (QuestionStatusView("4.1", 2, 12, ("U3", "U4"), True),),
        DEADLINE,
    )
    reply = Reply(Composed("Try ", command("domain 4"), " on ", Typed(HOSTILE)), (status,))
    card = render_reply(TEAMS, reply)
    check_card(card)
    assert_inert(card)
    assert "`@Assess domain 4`" in "\n".join(texts(card))
    answer = invoke_response(TEAMS, refuse("Only a chair can do that."))
    assert answer["type"] == "application/vnd.microsoft.card.adaptive"
    assert answer["value"]["body"][0]["text"].startswith("⛔")
    plain = invoke_response(TEAMS, reply, as_card=False)
    assert plain["type"] == "application/vnd.microsoft.activity.message"
    assert "@Assess domain 4" in plain["value"] and "<at>" not in plain["value"]


def test_mentions_carry_entities_with_escaped_names() -> None:
    rendered = TEAMS.render(Composed("Ask ", Mention("U0CHAIR"), " in ", command("status")))
    assert rendered.text == "Ask <at>Chair ‹Person›</at> in `@Assess status`"
    assert rendered.entities == [
        {
            "type": "mention",
            "text": "<at>Chair ‹Person›</at>",
            "mentioned": {"id": "U0CHAIR", "name": "Chair ‹Person›"},
        }
    ]
    assert (
        TEAMS.render(
            Composed(
                "Go to ",
                ChannelLink("C0BOARD"),
            )
        ).text
        == "Go to Board"
    )


def test_an_open_card_shows_no_grade_even_when_the_view_carries_one() -> None:
    choices = [Choice.from_grade(g) for g in (4, 4, 4, 4)]
    outcome = resolve(choices, 12, RULE)
    card = render_question(
        TEAMS,
        card_view(
            distribution=tally(choices),
            result=ResultView(outcome.kind, outcome.grade, outcome.reason),
        ),
    )
    shown = json.dumps(card, ensure_ascii=False)
    assert "Outstanding: " not in shown and "Agreed" not in shown and "Turnout" not in shown


def test_an_open_card_fits_with_a_large_electorate() -> None:
    names = {f"V{i}": "A Very Long Display Name Of A Board Member " * 3 for i in range(300)}
    voters = tuple(names)
    card = render_question(TeamsText(names), card_view(voters=voters, electorate_size=len(voters)))
    check_card(card)
    assert "300 of 300" in "\n".join(texts(card))


def test_the_add_action_form_has_its_default_due_date() -> None:
    form = ActionFormView(101, "7.1", QUESTION, "1 Inadequate", date(2027, 1, 31))
    card = render_action_form(TEAMS, form)
    check_card(card)
    due = next(n for n in walk(card) if isinstance(n, dict) and n.get("id") == codec.DUE_INPUT)
    assert due["value"] == "2027-01-31"
    click = codec.decode(card["actions"][0]["verb"], card["actions"][0]["data"])
    assert click is not None and click.round_question_id == 101


def test_a_click_is_answered_on_the_card_with_its_buttons_kept() -> None:
    card = render_question(TEAMS, card_view())
    answer = answer_on_card(TEAMS, card, Reply(Composed("Your vote: ", Emphasis("3 Good"))))
    value = answer["value"]
    check_card(value)
    assert value["body"][0]["items"][0]["text"] == "✅ Your vote: **3 Good**"
    assert value["actions"] == card["actions"]
    refused = answer_on_card(TEAMS, card, refuse("You are not in this round's electorate."))
    assert refused["value"]["body"][0]["style"] == "attention"

"""Whole rounds played through Microsoft's Agents Playground against the real app, as people
would in Teams: the app installed, the chair's ``@Assess domain 5`` in General, the question
cards in Sub-groups, votes and a comment by card clicks (each answered privately), a reminder,
two disagreements (one re-voted, one decided by the chair), the summary in General posted and
then updated in place; and the report with its files served by the app.

teams/playground/app.yaml gives domain 5 to the Workforce Sub-Group: Helen Marsh (the chair, the
Playground's current user), Dev Patel and Tom Walsh; Amira Khan is in the channel, not in the
sub-group. Domain 3 goes to the Performance Sub-Group: everyone in Sub-groups. The Playground
shows only the current user's personal chat, so private messages are checked for Helen alone
(see teams/playground/NOTES.md)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.playground.assess import (
    CREATED,
    GRADES,
    UPDATED,
    AssessPlayground,
    assess_in_playground,
)
from tests.playground.cards import images, links, titles
from tests.playground.conftest import require_playground
from tests.playground.stream import BotMessage

DEV, AMIRA, TOM, GRACE, SAM = "Dev Patel", "Amira Khan", "Tom Walsh", "Grace Obi", "Sam Lee"
BUTTONS = [*GRADES, "Don't know", "Comment"]
#: domain 5's first ballot: 5.1 and 5.2 split (flagged), 5.3 and 5.4 agreed
BALLOT = {
    DEV: {"5.1": "4 Outstanding", "5.2": "1 Inadequate", "5.3": "3 Good", "5.4": "4 Outstanding"},
    TOM: {"5.1": "4 Outstanding", "5.2": "4 Outstanding", "5.3": "3 Good", "5.4": "4 Outstanding"},
}
HELEN = {"5.1": "1 Inadequate", "5.2": "1 Inadequate", "5.3": "3 Good", "5.4": "4 Outstanding"}
STILL_OPEN = "Only you can see this. You can change it until the question closes."
LAST_VOTE = "That was the last vote: the question has now closed."
REASON = "The workforce strategy is *drafted*, not yet agreed by partners."
PNG = b"\x89PNG\r\n"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def assess(database_url: str) -> Iterator[AssessPlayground]:
    require_playground()
    with assess_in_playground(database_url) as running:
        yield running


def text_of(message: BotMessage) -> str:
    return message.card_text


def shows_no_grade(message: BotMessage) -> bool:
    """An open question's card: who voted and how many, never a grade or a distribution."""
    words = text_of(message)
    return "Turnout" not in words and not any(g.split()[1] in words for g in GRADES)


def start_domain_5(assess: AssessPlayground) -> dict[str, BotMessage]:
    """The app installed; the chair's mention in General; the round's cards in Sub-groups."""
    assess.install()
    mark = assess.mark()
    post = assess.command("domain 5")
    assert post["postConversationId"].startswith(assess.board)
    confirmed = assess.private("Domain 5 is now with the Workforce Sub-Group", mark)
    assert "4 questions, 3 people to vote" in text_of(confirmed)
    header = assess.posted(assess.subgroups, "Self-assessment: domain 5", mark)
    assert "<at>Helen Marsh</at> has put this domain to the **Workforce Sub-Group**" in (
        text_of(header)
    )
    cards = assess.question_cards(4, mark)
    assert sorted(cards) == ["5.1", "5.2", "5.3", "5.4"]
    for card in cards.values():
        assert titles(card.cards[0]) == BUTTONS
        assert "Voted (0 of 3): nobody yet" in text_of(card)
    assert not assess.created(assess.board, ""), "nothing in General yet"
    return cards


def first_votes_and_a_comment(assess: AssessPlayground, cards: dict[str, BotMessage]) -> None:
    """Dev votes (and changes his mind once), Amira is refused, Tom comments; the cards show who
    voted and never a grade."""
    mark = assess.mark()
    said = assess.vote(DEV, cards["5.1"], "3 Good")
    assert said == f"Question 5.1: recorded 3 Good. {STILL_OPEN}"
    said = assess.vote(DEV, cards["5.1"], "4 Outstanding")
    assert said == f"Question 5.1: changed your vote to 4 Outstanding. {STILL_OPEN}"
    for question in ("5.2", "5.3", "5.4"):
        said = assess.vote(DEV, cards[question], BALLOT[DEV][question])
        assert said.startswith(f"Question {question}: recorded {BALLOT[DEV][question]}.")
    refused = assess.vote(AMIRA, cards["5.1"], "1 Inadequate")
    assert refused.startswith("⛔ You're not one of the 3 people voting on domain 5")
    redrawn = assess.wait_updated(cards["5.1"], "Voted (1 of 3): <at>Dev Patel</at>", mark)
    assert shows_no_grade(redrawn) and titles(redrawn.cards[0]) == BUTTONS

    typed = {"comment_text": "Training is <at>ad hoc</at>, *not* planned."}
    said = assess.said(TOM, cards["5.1"], "Comment", "Send comment", typed=typed)
    assert said == "Thanks: your comment on question 5.1 is saved and will appear in the summary."
    commented = assess.wait_updated(cards["5.1"], "💬 1 comment", mark)
    assert shows_no_grade(commented)


def remind(assess: AssessPlayground, header_id: str) -> None:
    """``@Assess remind 5``: Helen and Tom have not voted; Helen sees her own reminder."""
    mark = assess.mark()
    assess.command("remind 5")
    confirmed = assess.private("reminder(s)", mark)
    assert text_of(confirmed) == (
        "Sending 2 reminder(s) by direct message: <at>Helen Marsh</at>, <at>Tom Walsh</at>."
    )
    reminder = assess.private("Reminder:", mark)
    assert "your vote is still needed on **5.1, 5.2, 5.3, 5.4**" in text_of(reminder)
    [link] = links(reminder.cards[0]).values()
    assert link.startswith("https://teams.microsoft.com/l/message/") and header_id in link
    assert f"groupId={assess.world.team_aad_group_id}" in link, "the team, told by installation"


def close_the_ballot(assess: AssessPlayground, cards: dict[str, BotMessage]) -> None:
    """Tom votes, then Helen: her vote closes each question; only then are grades shown."""
    for question, card in cards.items():
        said = assess.vote(TOM, card, BALLOT[TOM][question])
        assert said.endswith(STILL_OPEN)
    assert shows_no_grade(assess.wait_updated(cards["5.3"], "Voted (2 of 3)"))
    for question, card in cards.items():
        said = assess.vote(assess.chair, card, HELEN[question])
        assert said == f"Question {question}: recorded {HELEN[question]}. {LAST_VOTE}"
    closed = assess.wait_updated(cards["5.3"], "Voting has closed")
    assert "Agreed: 3 Good" in text_of(closed) and "Turnout: 3 of 3" in text_of(closed)
    assert titles(closed.cards[0]) == [], "no buttons once closed"


def discussion_of(assess: AssessPlayground, card: BotMessage) -> BotMessage:
    """The app's reply in a flagged question post's thread."""
    assert card.post_conversation_id is not None
    found = assess.posted(card.post_conversation_id, "closed with disagreement")
    assert titles(found.cards[0]) == ["Re-vote", "Decide"]
    assert "Votes were anonymous: nobody's grade is shown." in text_of(found)
    return found


def summary(assess: AssessPlayground, since: int = 0) -> BotMessage:
    return assess.posted(assess.board, "Domain 5 graded by the Workforce Sub-Group", since)


def revote(assess: AssessPlayground, discussion: BotMessage) -> None:
    """Only the chair may call a re-vote; its new post; everyone agrees on Good. The summary
    waits for every flagged question to have a grade."""
    refused = assess.said(DEV, discussion, "Re-vote")
    assert refused.startswith("⛔ Only the board's chairs can re-vote.")
    mark = assess.mark()
    opened = assess.said(assess.chair, discussion, "Re-vote")
    assert opened.startswith("Re-vote (round 2) on question 5.1 is open")
    [(question, card)] = assess.question_cards(1, mark).items()
    assert question == "5.1" and "Re-vote (round 2)" in text_of(card)
    assert assess.wait_updated(discussion, "opened a re-vote", mark)
    for voter in (DEV, TOM, assess.chair):
        assess.vote(voter, card, "3 Good")
    agreed = assess.wait_updated(card, "Agreed: 3 Good", mark)
    assert "Turnout: 3 of 3" in text_of(agreed) and titles(agreed.cards[0]) == []


def decide(assess: AssessPlayground, discussion: BotMessage, posted: BotMessage) -> BotMessage:
    """Only the chair decides, with a grade and a reason; then the buttons are gone."""
    typed = {"grade": "2", "reason": REASON}
    refused = assess.said(TOM, discussion, "Decide", "Decide", typed=typed)
    assert refused.startswith("⛔ Only the board's chairs can decide.")
    mark = assess.mark()
    decided = assess.said(assess.chair, discussion, "Decide", "Decide", typed=typed)
    assert decided == (
        "Recorded: question 5.2 is 2 Adequate, decided by you. The board summary will say so, "
        "with your reason."
    )
    closed = assess.wait_updated(discussion, "Decided by the chair (<at>Helen Marsh</at>)", mark)
    assert "2 Adequate" in text_of(closed) and titles(closed.cards[0]) == [], "decided once"
    return assess.wait_updated(posted, "nothing flagged", mark)


def test_a_round_from_the_chairs_mention_to_the_settled_summary(
    assess: AssessPlayground,
) -> None:
    cards = start_domain_5(assess)
    [header] = assess.created(assess.subgroups, "Self-assessment: domain 5")
    first_votes_and_a_comment(assess, cards)
    remind(assess, str(header.message_id))
    close_the_ballot(assess, cards)

    first = discussion_of(assess, cards["5.1"])
    second = discussion_of(assess, cards["5.2"])
    posted = summary(assess)
    words = text_of(posted)
    assert "4 questions: 1 Outstanding, 1 Good; 2 questions flagged for the board." in words
    assert "DISAGREEMENT" in words
    assert "│ Training is ‹at›ad hoc‹/at›, ∗not∗ planned." in words, "the comment, made inert"
    thread = str(cards["5.1"].post_conversation_id)
    replied = assess.playground.say(thread, "I think we should vote again.", mention_bot=False)
    assert replied["messageId"], "the chair's reply in the question post's thread"

    revote(assess, first)
    mark = assess.mark()
    settled = decide(assess, second, posted)
    words = text_of(settled)
    assert "4 questions: 1 Outstanding, 2 Good, 1 Adequate; nothing flagged." in words
    assert "Updated after discussion" in words and "│ The workforce strategy is ∗drafted∗" in words
    assert [m.action for m in assess.frames(posted)][:1] == [CREATED]
    assert {m.action for m in assess.frames(posted)[1:]} == {UPDATED}, "updated in place"
    assert len(assess.created(assess.board, "Domain 5 graded by")) == 1
    after_the_summary(assess, mark)
    assert not assess.failed_calls()


def after_the_summary(assess: AssessPlayground, since: int) -> None:
    """Once every question has a grade: the action plan's prompt and the chart, again."""
    prompt = assess.posted(assess.board, "**Action plan, domain 5:", since)
    assert "1 question(s) graded 1 Inadequate or 2 Adequate need an action" in text_of(prompt)
    assert titles(prompt.cards[0]) == ["Add action for 5.2"]
    chart = assess.posted(assess.board, "Chart of domain 5", since)
    [image] = [e for e in chart.cards[0]["body"] if e["type"] == "Image"]
    assert "5.2: 2 Inadequate, 1 Outstanding" in image["altText"]
    assert assess.download(image["url"]).body.startswith(PNG)


def start_domain_3_and_close_it(assess: AssessPlayground) -> None:
    """Domain 3 to everyone in Sub-groups; four of six vote; the chair, who has not, asks her
    personal chat for her status, then closes the round with the votes cast."""
    assess.install()
    mark = assess.mark()
    assess.command("domain 3")
    cards = assess.question_cards(2, mark)
    assert all("Voted (0 of 6)" in text_of(card) for card in cards.values())
    for voter in (DEV, AMIRA, GRACE, SAM):
        for card in cards.values():
            assess.vote(voter, card, "4 Outstanding" if voter == SAM else "3 Good")
    assess.playground.say(assess.world.personal_chat_id, "status", mention_bot=False)
    waiting = assess.private("Waiting for your vote", mark)
    assert "3.1" in text_of(waiting) and "3.2" in text_of(waiting)
    assess.command("close 3")
    closed = assess.posted(assess.board, "Domain 3 graded by", mark)
    assert "2 questions: 2 Good; nothing flagged." in text_of(closed)


def test_the_report_and_its_files(assess: AssessPlayground) -> None:
    start_domain_3_and_close_it(assess)
    mark = assess.mark()
    assess.command("report")
    confirmed = assess.private("report to", mark)
    assert "with the chart, the board paper (PDF) and the workbook (XLSX)" in text_of(confirmed)
    report = assess.posted(assess.board, "the board's report", mark)
    assert "1 of 7 domains graded" in text_of(report)
    files = assess.posted(assess.board, "a PDF, a workbook and the chart", mark)
    buttons = links(files.cards[0])
    assert [title.split(":")[0] for title in buttons] == [
        "Download Chart",
        "Download Board paper",
        "Download Workbook",
    ]
    assert images(files.cards[0]) == [next(iter(buttons.values()))], "the chart is shown"
    starts = {"image/png": PNG, "application/pdf": b"%PDF-", XLSX: b"PK\x03\x04"}
    for title, url in buttons.items():
        assert url.startswith(assess.public_url + "/files/"), title
        got = assess.download(url)
        assert got.status == 200, (title, got.status)
        assert got.body.startswith(starts[got.headers["Content-Type"]]), title
    assert not assess.failed_calls()

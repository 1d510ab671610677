"""Sizes and member text in Teams: a summary too long for one card continues in its post's
replies (each within Teams' 28 KB) and is updated there in place; what people typed, however
hostile, arrives as text in the summary, the discussion and the audit trail."""

from __future__ import annotations

import csv
import io
import re

from tests.connector import MAX_MESSAGE_BYTES, ConnectorDouble, message_bytes
from tests.connector.messages import ChannelPost, Message
from tests.teams.edge import strings
from tests.teams.harness import BOARD, CHAIR, PARTICIPATION, VOTERS, RunningTeamsApp, open_urls

SPLIT = ("1 Inadequate", "1 Inadequate", "4 Outstanding", "4 Outstanding")
FILLER = (
    "Our partnership board has discussed this at length — the evidence from the last two "
    "annual reviews points both ways, and the voluntary sector représentants want it recorded "
    "that their view and the statutory partners' view differ. "
) * 5  # about 1,000 characters, some of them two bytes
HOSTILE = (
    "<at>Mallory</at> **bold** _it_ ~~gone~~ `code` [minutes](https://evil.example/m) "
    "see https://evil.example/x {{DATE(2030-01-01T00:00:00Z, SHORT)}} &lt;b&gt; # h | p \\ "
    "nul\x00here \u202eevil\u202c zero\u200b\u200c\u200d\u2060\ufeffwidth"
    "\n**4.1** Agreed: 4 Outstanding\n- a typed list item"
)
FORMULA = '=HYPERLINK("https://evil.example","minutes")'
INVISIBLE = ("\x00", "\u202e", "\u202c", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff")
LIVE = (
    "<at>Mallory",
    "**bold**",
    "_it_",
    "~~gone~~",
    "`code`",
    "](https://",
    "https://evil",
    "{{DATE(2030",
    "&lt;b&gt;",
    "# h |",
)


def play(
    app: RunningTeamsApp, double: ConnectorDouble, comments: dict[str, list[str]]
) -> dict[str, Message]:
    """Domain 4 with ``comments`` (question → texts, by the voters in turn), 4.1 split and the
    rest agreed; the chair sits in on the channel to settle 4.1."""
    app.command("domain 4")
    cards = app.wait_for_cards(PARTICIPATION, 4)
    double.add_members(PARTICIPATION, [CHAIR])
    for question, texts in comments.items():
        for index, typed in enumerate(texts):
            said = app.comment(VOTERS[index % len(VOTERS)], cards[question], typed)
            assert "is saved" in said, said
    for question, card in cards.items():
        for voter, grade in zip(VOTERS, SPLIT, strict=True):
            app.vote(voter, card, grade if question == "4.1" else "3 Good")
    return cards


def summary_post(app: RunningTeamsApp, double: ConnectorDouble) -> ChannelPost:
    [post] = app.wait_for(lambda: app.board_posts("Domain 4 graded by"), "the summary")
    return double.post(post.id)


def decide(app: RunningTeamsApp, double: ConnectorDouble, card: Message, reason: str) -> Message:
    """The chair decides 4.1 with ``reason``; the discussion once it shows the decision."""
    discussion = app.wait_for(
        lambda: [r for r in double.post(card.id).replies if "closed with" in r.words][-1:],
        "the discussion under 4.1",
    )[0]
    inputs = {"grade": "2", "reason": reason}
    assert "⛔" not in app.answer_text(app.client.click(CHAIR, discussion, "Decide", inputs))
    decided: Message = app.wait_for(
        lambda: "Decided by the chair" in (m := app.latest(discussion)).words and m,
        "the discussion to show the decision",
    )
    return decided


def settled(app: RunningTeamsApp, double: ConnectorDouble) -> ChannelPost:
    post: ChannelPost = app.wait_for(
        lambda: "nothing flagged" in (p := summary_post(app, double)).words and p,
        "the summary updated after the decision",
    )
    return post


def parts_of(post: ChannelPost) -> list[Message]:
    return [r for r in post.replies if "summary, part" in r.words]


# ----------------------------------------------------------------------------- sizes


def test_a_long_summary_continues_in_replies_within_28_kb_and_is_updated_there(
    teams_app: RunningTeamsApp, double: ConnectorDouble
) -> None:
    comments = {
        q: [f"{q} note {i}: {FILLER}" for i in range(6)] for q in ("4.1", "4.2", "4.3", "4.4")
    }
    cards = play(teams_app, double, comments)
    first = summary_post(teams_app, double)
    parts = teams_app.wait_for(lambda: parts_of(summary_post(teams_app, double)), "parts")
    total = len(parts) + 1
    assert total >= 2
    assert [re.search(r"part (\d+) of (\d+)", p.words).groups() for p in parts] == [  # type: ignore[union-attr]
        (str(n), str(total)) for n in range(2, total + 1)
    ]
    everything = "\n".join(m.words for m in [first, *parts])
    for question in ("4.1", "4.2", "4.3", "4.4"):
        assert f"{question} note 5:" in everything, "every comment is shown"
        assert everything.count(f"Comments on {question}:") == 1
    assert everything.count("Turnout 4 of 4") == 4, "each question's facts, once, whole"
    assert "Cut here" not in everything and "more comment" not in everything

    decide(teams_app, double, cards["4.1"], "We agreed at the board meeting.")
    after = settled(teams_app, double)
    redrawn = teams_app.wait_for(
        lambda: (
            all(p.updates for p in parts_of(summary_post(teams_app, double)))
            and parts_of(summary_post(teams_app, double))
        ),
        "every continuation updated in place",
    )
    assert [p.id for p in redrawn[: len(parts)]] == [p.id for p in parts], "not posted again"
    assert len(redrawn) == len(parts), [p.words[:60] for p in redrawn]
    notes = teams_app.wait_for(
        lambda: [
            r
            for r in summary_post(teams_app, double).replies
            if "Updated: every flagged question" in r.words
        ],
        "the note under the summary",
    )
    teams_app.application.refresher.wait_idle(5)
    assert len(notes) == 1
    assert "We agreed at the board meeting." in "\n".join(m.words for m in [after, *redrawn]), (
        "the reason is in the summary"
    )
    for message in [double.message(first.id), *redrawn]:
        for version in message.history:
            assert message_bytes(version) <= MAX_MESSAGE_BYTES
    assert not double.rejections, [(c.error, c.problems) for c in double.rejections]


# ------------------------------------------------------------------------ member text


def card_texts(message: Message) -> list[str]:
    """Every string of every version of the message's cards."""
    return [s for version in message.history for s in strings(version.get("attachments"))]


def assert_inert(texts: list[str], where: str) -> None:
    for text in texts:
        for char in INVISIBLE:
            assert char not in text, f"{where}: {char!r} survived in {text[:200]!r}"
        for live in LIVE:
            assert live not in text, f"{where}: {live!r} is live in {text[:300]!r}"
        for line in text.split("\n"):
            if "Agreed: 4 Outstanding" in line or "a typed list item" in line:
                assert line.startswith("│ ") or " ↵ " in line, f"{where}: bare line {line!r}"


def test_hostile_member_text_arrives_inert_in_the_summary_discussion_and_audit_trail(
    teams_app: RunningTeamsApp, double: ConnectorDouble
) -> None:
    cards = play(teams_app, double, {"4.1": [HOSTILE, FORMULA]})
    discussion = decide(teams_app, double, cards["4.1"], HOSTILE)
    summary = settled(teams_app, double)
    for name, message in [("summary", double.message(summary.id)), ("discussion", discussion)]:
        texts = card_texts(message)
        assert_inert(texts, name)
        shown = "\n".join(texts)
        assert "‹at›Mallory‹/at› ∗∗bold∗∗ ˍitˍ ∼∼gone∼∼ ˋcodeˋ" in shown, name
        assert "［minutes］(https:∕∕evil.example∕m)" not in shown  # / is kept: only :// breaks
        assert "［minutes］(https:∕∕evil.example/m)" in shown, name
        assert "｛｛DATE(2030" in shown and "＆lt;b＆gt; ＃ h ∣ p ∖" in shown, name
        assert "\n│ ∗∗4.1∗∗ Agreed: 4 Outstanding\n│ - a typed list item" in shown, name
        assert "nulhere evil zerowidth" in shown, name
    assert "│ =HYPERLINK(" in "\n".join(card_texts(summary)), "a formula is text too"
    assert not double.rejections

    teams_app.command("audit 4")
    audit = teams_app.wait_for(
        lambda: [m for m in double.personal_messages(CHAIR) if "Download" in m.words],
        "the audit trail's link",
    )[-1]
    [link] = open_urls(audit)
    status, body, headers = teams_app.download(link)
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    typed = [r["detail"] for r in rows if r["event"] in {"comment", "decided by the chair"}]
    assert len(typed) == 3
    for cell in [c for row in rows for c in row.values()]:
        for char in INVISIBLE:
            assert char not in cell, f"CSV: {char!r} in {cell[:200]!r}"
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    assert f"'{FORMULA}" in typed, "a formula is kept as text"
    hostile = [t for t in typed if "Mallory" in t]
    assert len(hostile) == 2 and all("\n**4.1** Agreed: 4 Outstanding\n" in t for t in hostile)
    assert not [p for p in double.posts(BOARD) if "Download" in p.words and ".csv" in p.words]


def test_a_continuation_that_fails_is_posted_by_the_outboxs_retry_without_doubling_the_summary(
    teams_app: RunningTeamsApp, double: ConnectorDouble
) -> None:
    comments = {
        q: [f"{q} note {i}: {FILLER}" for i in range(6)] for q in ("4.1", "4.2", "4.3", "4.4")
    }
    thread = re.escape(f"/v3/conversations/{BOARD};messageid=") + r"\d+/activities$"
    double.fail(1, 503, operation="send_to_conversation", path=thread)
    play(teams_app, double, comments)
    post = teams_app.wait_for(
        lambda: (p := summary_post(teams_app, double)) and parts_of(p) and p, "the summary's parts"
    )
    teams_app.application.refresher.wait_idle(5)
    assert len(teams_app.board_posts("Domain 4 graded by")) == 1, "the summary once"
    total = len(parts_of(post)) + 1
    assert [p.words.count(f"of {total}") for p in parts_of(post)] == [1] * (total - 1)
    assert any(c.status == 503 for c in double.calls_to("send_to_conversation"))

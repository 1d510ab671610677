"""Member text is text: the one Slack escape, fitting typed text without cutting the bot's own
facts (or an escape entity), and the one export sanitiser shared by the CSV and the XLSX."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from io import BytesIO

import pytest
from openpyxl import Workbook, load_workbook  # type: ignore[import-untyped]

from bot.domain.audit import AuditEntry, audit_csv
from bot.domain.consensus import Choice, OutcomeKind, tally
from bot.domain.rounds import Settlement
from bot.domain.text import Composed, Typed, clean, export_cell
from bot.views.rounds import (
    CommentView,
    DecisionView,
    DiscussionView,
    DomainSummaryView,
    GradeScale,
    QuestionCardView,
    QuestionSummaryView,
    ResultView,
)
from handlers.files.xlsx import neutralise
from handlers.slack.block_kit import MAX_BLOCKS_PER_MESSAGE, split_text, truncate
from handlers.slack.discussion_blocks import render_discussion
from handlers.slack.member_text import escape_member, fit_quote, inline, quote
from handlers.slack.round_blocks import render_card
from handlers.slack.summary_blocks import render_summary
from handlers.slack.text import render as rich
from tests.e2e.harness import block_text
from tests.emulator import validate_blocks

SCALE = GradeScale(("Inadequate", "Adequate", "Good", "Outstanding"))
AT = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
ANGLES = "<&> " * 800  # escapes to four or five times its length
REASON_2900 = ("Evidence <is> thin & late. " * 120)[:2900]
FACTS = ("1 Inadequate: *1*", "4 Outstanding: *1*", "Turnout 2 of 4")


def entities_whole(text: str) -> bool:
    """Every "&" starts a whole &amp; / &lt; / &gt;."""
    return all(re.match(r"&(amp|lt|gt);", text[m.start() :]) for m in re.finditer("&", text))


def test_escape_makes_mentions_links_and_formatting_inert() -> None:
    typed = "<!channel> <@U1> <https://evil.example|minutes> *b* _i_ ~s~ `c` &\u202e\x00\u200b"
    assert escape_member(typed) == (
        "&lt;!channel&gt; &lt;@U1&gt; &lt;https://evil.example|minutes&gt; ∗b∗ ˍiˍ ∼s∼ ˋcˋ &amp;"
    )
    assert quote("one\n*Q4.2* — *4 Outstanding*\n\nthree", "<@U9>: ") == (
        "> <@U9>: one\n> ∗Q4.2∗ — ∗4 Outstanding∗\n>\n> three"
    )
    assert inline("a\nb") == "a ↵ b"
    line = Composed("1. ", Typed("<!here>\n*x*"), " · High · ", Typed("`me`"), " · *overdue*")
    assert line == "1. <!here>\n*x* · High · `me` · *overdue*"  # reads as plain text
    assert rich(line) == "1. &lt;!here&gt; ↵ ∗x∗ · High · ˋmeˋ · *overdue*"
    assert rich("bot's *own*") == "bot's *own*"


def test_a_cut_falls_between_characters_never_inside_an_escape() -> None:
    fitted = fit_quote(ANGLES, 2900, "<@U1>: ", "(the rest: /assess audit 4)")
    assert len(fitted) <= 2900 and entities_whole(fitted)
    assert fitted.endswith("…\n(the rest: /assess audit 4)")
    assert all(line.startswith(">") for line in fitted.split("\n")[:-1])
    escaped = escape_member(ANGLES)
    assert all(entities_whole(piece) for piece in split_text(escaped, 2900))
    for limit in range(10, 40):
        assert entities_whole(truncate(escaped, limit)) and len(truncate(escaped, limit)) <= limit


def decided_question(reason: str, comments: tuple[CommentView, ...] = ()) -> QuestionSummaryView:
    return QuestionSummaryView(
        question_id="4.4",
        text="Do children and young people take part in the board's work?",
        result=ResultView(OutcomeKind.DISAGREEMENT, None, "grades 1 and 4 are 3 apart"),
        distribution=tally([Choice.INADEQUATE, Choice.OUTSTANDING]),
        participants=2,
        electorate_size=4,
        comments=comments,
        settlement=Settlement.DECIDED,
        decision=DecisionView(2, Typed(reason), "U0CHAIR01", AT),
    )


def test_a_2900_character_reason_leaves_the_outcome_distribution_and_turnout_whole() -> None:
    comments = (CommentView("U1", Typed(ANGLES[:3000])),)
    summary = DomainSummaryView(
        1,
        4,
        "Participation",
        "Participation sub-group",
        SCALE,
        (decided_question(REASON_2900, comments),),
    )
    [message] = render_summary(summary)
    assert validate_blocks(message.blocks) == []
    facts = next(b for b in message.blocks if "4.4" in block_text({"blocks": [b]}))
    text = block_text({"blocks": [facts]})
    assert "Decided: 2 Adequate" in text and all(fact in text for fact in FACTS)
    shown = block_text({"blocks": message.blocks})
    assert "> Evidence &lt;is&gt; thin &amp; late." in shown and "`/assess audit 4`" in shown
    assert "…" in shown and entities_whole(shown)


def test_a_long_reason_on_the_closed_card_keeps_its_facts() -> None:
    card = QuestionCardView(
        round_id=1,
        round_question_id=4,
        question_id="4.4",
        text="Do children and young people take part?",
        prompts=(),
        scale=SCALE,
        electorate_size=4,
        voters=("U1", "U2"),
        comment_count=0,
        is_open=False,
        distribution=tally([Choice.INADEQUATE, Choice.OUTSTANDING]),
        result=ResultView(OutcomeKind.DISAGREEMENT, None, "grades 1 and 4 are 3 apart"),
        decision=DecisionView(2, Typed(ANGLES[:3000]), "U0CHAIR01", AT),
    )
    message = render_card(card)
    assert validate_blocks(message.blocks) == []
    text = block_text({"blocks": message.blocks})
    assert "Turnout: 2 of 4" in text and "4 Outstanding: *1*" in text and entities_whole(text)
    assert "the whole reason is in `/assess audit 4`" in text


def discussion(comments: int) -> DiscussionView:
    return DiscussionView(
        round_id=1,
        round_question_id=4,
        question_id="4.4",
        text="Do children and young people take part?",
        ballot=1,
        scale=SCALE,
        result=ResultView(OutcomeKind.DISAGREEMENT, None, "grades 1 and 4 are 3 apart"),
        distribution=tally([Choice.INADEQUATE, Choice.OUTSTANDING]),
        electorate_size=4,
        named=None,
        comments=tuple(CommentView(f"U{i:02d}", Typed(ANGLES[:3000])) for i in range(comments)),
        chairs=("U0CHAIR01",),
    )


def test_the_thread_shows_every_comment_or_says_how_many_more() -> None:
    twelve = render_discussion(discussion(12))
    text = block_text({"blocks": twelve.blocks})
    assert validate_blocks(twelve.blocks) == []
    assert all(f"> <@U{i:02d}>: &lt;&amp;&gt;" in text for i in range(12)), "a comment is missing"
    assert "more comment" not in text and twelve.blocks[-1]["type"] == "actions"
    sixty = render_discussion(discussion(60))
    text = block_text({"blocks": sixty.blocks})
    assert validate_blocks(sixty.blocks) == [] and len(sixty.blocks) <= MAX_BLOCKS_PER_MESSAGE
    shown = sum(1 for i in range(60) if f"<@U{i:02d}>:" in text)
    assert f"{60 - shown} more comments on 4.4: see `/assess audit 4`." in text
    assert sixty.blocks[-1]["type"] == "actions" and "Turnout 2 of 4" in text


HOSTILE_CELLS = [
    ("=1+1", "'=1+1"),
    ('＝HYPERLINK("http://x")', '\'＝HYPERLINK("http://x")'),
    ("＋1", "'＋1"),
    ("－2", "'－2"),
    ("＠SUM(A1)", "'＠SUM(A1)"),
    ("\t=cmd", "'\t=cmd"),
    ("\r=cmd", "'\n=cmd"),
    ("\u200b=1", "'=1"),
    ("\u202e=1", "'=1"),
    ("nul\x00here", "nulhere"),
    ("a\u202eb\u2066c\u200dd\ufeff", "abcd"),
    ("line\r\nbreak", "line\nbreak"),
    ("Fine = good", "Fine = good"),
]


@pytest.mark.parametrize(("typed", "expected"), HOSTILE_CELLS)
def test_the_csv_and_the_workbook_sanitise_alike(typed: str, expected: str) -> None:
    assert export_cell(typed) == expected == neutralise(typed)
    entry = AuditEntry(AT, 4, 1, "4.1", 1, "comment", "U1", "", typed)
    rows = list(csv.reader(io.StringIO(audit_csv([entry]).decode("utf-8-sig"), newline="")))
    assert rows[1][-1] == expected and "\x00" not in "".join(rows[1])
    book = Workbook()
    book.active.cell(row=1, column=1, value=neutralise(typed))
    saved = BytesIO()
    book.save(saved)
    assert (load_workbook(BytesIO(saved.getvalue())).active["A1"].value or "") == expected


def test_clean_keeps_line_breaks_and_tabs() -> None:
    assert clean("a\tb\nc\r\nd\re\x07") == "a\tb\nc\nd\ne"

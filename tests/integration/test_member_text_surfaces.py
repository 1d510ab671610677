"""Member text is text, on every surface: hostile comments, a chair's reason and an action's text
and owner go through a whole round on real storage, and every renderer is walked: the Slack
messages (question cards, summary, discussion thread, Add action prompt), the private replies
(`/assess actions`, the chair's confirmations), the modals, the Home tab, the audit CSV, the
workbook and the board paper."""

from __future__ import annotations

import csv
import io
from io import BytesIO
from typing import Any

from openpyxl import load_workbook  # type: ignore[import-untyped]
from pypdf import PdfReader
from slack_sdk.models.blocks import Block

from bot.views.forms import ActionFormView, CommentFormView, DecisionFormView
from bot.views.reply import Reply
from bot.views.report import ActionPromptView
from handlers.slack.blocks import render_message
from handlers.slack.form_blocks import render_comment_modal, render_decision_modal, render_reply
from handlers.slack.report_blocks import render_action_modal, render_board_message, render_home
from tests.emulator import validate_blocks, validate_view
from tests.fakes import assess
from tests.integration.test_reporting import G, World, world  # noqa: F401
from tests.integration.world import CHAIR, PARTICIPATION

FAKE_RESULT = "*Q4.2* — *4 Outstanding*"
HOSTILE = (
    "<!channel> <@U123> <https://evil.example|minutes> *bold* _it_ ~gone~ `code` &<> "
    "nul\x00here \u202eevil\u202c zero\u200b\u200c\u200d\u2060\ufeffwidth"
    f"\n{FAKE_RESULT}\n= 1+1 second line"
)
LONG_HOSTILE = (HOSTILE + " ") * 30
FORMULA_COMMENT = '＝HYPERLINK("https://evil.example","minutes")'
LIVE = ("<!channel>", "<@U123>", "<https://evil", "*bold*", "_it_", "~gone~", "`code`")
INVISIBLE = ("\x00", "\u202e", "\u202c", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff")
GRADES = {"4.1": "2223", "4.2": "3333", "4.3": "3333", "4.4": "1144"}


def strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for value in node.values() for s in strings(value)]
    if isinstance(node, list):
        return [s for item in node for s in strings(item)]
    return []


def assert_inert(texts: list[str], where: str) -> None:
    """No live mention, link or formatting; no invisible character; every typed line quoted."""
    for text in texts:
        for live in LIVE:
            assert live not in text, f"{where}: {live!r} is live in {text[:300]!r}"
        for char in INVISIBLE:
            assert char not in text, f"{where}: {char!r} survived"
        for line in text.split("\n"):
            typed = "Q4.2∗ — ∗4 Outstanding" in line or "= 1+1 second line" in line
            if typed:  # a typed line: inside its quote, or shown inline after a "↵"
                assert line.startswith(">") or "↵" in line, f"{where}: bare line {line!r}"


def run_round(world: World) -> dict[str, Any]:  # noqa: F811
    """Domain 4 with hostile comments, a hostile decision and a hostile action."""
    assert not assess(world.facilitator, CHAIR, "domain 4").is_refusal
    with world.uow() as uow:
        round_ = uow.rounds.open_round_for_domain("are-we-there-yet-2008", 4)
    assert round_ is not None
    ids = {q.question_id: q.id for q in round_.questions}
    form = world.facilitator.comment_form(PARTICIPATION[0], round_.id, ids["4.1"])
    assert isinstance(form, CommentFormView)
    surfaces: dict[str, Any] = {"comment modal": render_comment_modal(form, "C0PART001")}
    replies: list[Reply] = []
    for rqid in ids.values():
        typed = (HOSTILE, LONG_HOSTILE[:3000], FORMULA_COMMENT)
        for user, text in zip(PARTICIPATION[:3], typed, strict=True):
            replies.append(world.facilitator.add_comment(user, round_.id, rqid, text))
    for question in round_.questions:
        for user, grade in zip(PARTICIPATION, GRADES[question.question_id], strict=True):
            world.facilitator.record_vote(user, round_.id, question.id, G[int(grade)])
    decision = world.facilitator.decision_form(CHAIR, round_.id, ids["4.4"])
    assert isinstance(decision, DecisionFormView)
    surfaces["decision modal"] = render_decision_modal(decision, "C0PART001")
    replies.append(world.facilitator.decide(CHAIR, round_.id, ids["4.4"], 2, LONG_HOSTILE[:2900]))
    action = world.reporting.action_form(CHAIR, ids["4.1"])
    assert isinstance(action, ActionFormView)
    surfaces["action modal"] = render_action_modal(action, "C0BOARD01")
    due = (world.clock.now().date().replace(year=world.clock.now().year + 1)).isoformat()
    added = world.reporting.add_action(CHAIR, ids["4.1"], HOSTILE, "3", HOSTILE[:200], due)
    assert isinstance(added, Reply)
    replies += [added, world.assess("actions"), world.assess("report")]
    assert not world.facilitator.send_audit(CHAIR, 4).is_refusal
    surfaces["home"] = render_home(world.reporting.home(CHAIR), "https://t.slack.com/")
    surfaces["replies"] = [render_reply(r) for r in replies if not r.is_refusal]
    assert len(surfaces["replies"]) == len(replies)
    return surfaces


def test_every_surface_shows_member_text_as_text(world: World) -> None:  # noqa: F811
    surfaces = run_round(world)
    for name in ("comment modal", "decision modal", "action modal"):
        assert validate_view(surfaces[name]) == [], name
        assert [Block.parse(b).to_dict() for b in surfaces[name]["blocks"]]  # type: ignore[union-attr]
    assert validate_view(surfaces["home"], "home") == []
    assert_inert(strings(surfaces["home"]), "home")
    assert "&lt;!channel&gt;" in " ".join(strings(surfaces["home"]))
    views = [p.view for p in world.chat.posted] + [v for _, _, v in world.chat.updates]
    messages = [m for view in views for m in render_message(view)]
    messages += [render_board_message(v) for _, v in world.board.posted]
    messages += [render_board_message(v) for _, _, v in world.board.updated]
    messages += surfaces["replies"]
    assert any(isinstance(v, ActionPromptView) for _, v in world.board.posted)
    for message in messages:
        assert validate_blocks(message.blocks) == [], message.text
        for block in message.blocks:
            assert Block.parse(block) is not None and Block.parse(block).to_dict()  # type: ignore[union-attr]
        assert_inert([message.text, *strings(message.blocks)], message.text[:60])
    everything = "\n".join(s for m in messages for s in strings(m.blocks))
    assert "> &lt;!channel&gt; &lt;@U123&gt; &lt;https://evil.example|minutes&gt;" in everything
    assert "∗bold∗ ˍitˍ ∼gone∼ ˋcodeˋ &amp;&lt;&gt;" in everything
    assert "> ∗Q4.2∗ — ∗4 Outstanding∗" in everything  # the forged line, quoted
    assert "High · &lt;!channel&gt;" in everything  # the owner, inline


def test_every_file_holds_member_text_as_inert_text(world: World) -> None:  # noqa: F811
    run_round(world)
    [audit] = [f for f in world.chat.files if f.filename.endswith(".csv")]
    rows = list(csv.reader(io.StringIO(audit.content.decode("utf-8-sig"))))
    cells = [c for row in rows for c in row]
    assert_files_clean(cells, "CSV")
    assert f"'{FORMULA_COMMENT}" in cells
    [xlsx] = world.board.files_named(".xlsx")
    book = load_workbook(BytesIO(xlsx.data))
    values = [
        c.value for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.value
    ]
    assert_files_clean([str(v) for v in values], "XLSX")
    assert f"'{FORMULA_COMMENT}" in values
    [paper] = world.board.files_named(".pdf")
    text = "\n".join(page.extract_text() for page in PdfReader(BytesIO(paper.data)).pages)
    assert_files_clean([text], "PDF")
    forged = [line for line in text.split("\n") if "Q4.2* — *4 Outstanding" in line]
    bare = [line for line in forged if not line.lstrip().startswith("| ")]
    assert forged and not bare, bare


def assert_files_clean(texts: list[str], where: str) -> None:
    for text in texts:
        for char in INVISIBLE:
            assert char not in text, f"{where}: {char!r} in {text[:200]!r}"
        assert not text.startswith(("=", "+", "-", "@", "＝", "＋", "－", "＠", "\t", "\r")), text

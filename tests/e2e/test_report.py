"""The board's paper end to end: the domain chart with the summary, Add action, cycles,
`/assess report` with its PNG, PDF and XLSX, carried-over actions and the Home tab.

Real HTTP server, real Bolt, real database; Slack is the emulator, sent signed slash commands,
block_actions, view_submission payloads and app_home_opened events. The uploaded files are
opened for real: the PNG decoded with Pillow, the PDF read with pypdf, the XLSX with openpyxl.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from io import BytesIO
from typing import Any

from openpyxl import load_workbook  # type: ignore[import-untyped]
from PIL import Image
from pypdf import PdfReader

from storage.cycles import financial_year
from tests.e2e.harness import (
    BOARD,
    CHAIR,
    PARTICIPATION,
    VOTERS,
    RunningApp,
    block_text,
    wait_for_cards,
    wait_for_messages,
)
from tests.emulator import SlackEmulator, UploadedFile, validate_blocks, validate_view

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JsonDict = dict[str, Any]


def play_domain_4(
    app: RunningApp, grades: dict[str, str], comments: dict[str, str] | None = None
) -> JsonDict:
    """Put domain 4 to its sub-group, have the four members vote ``grades`` (question id → one
    grade per voter, e.g. "2223"), and return the board summary message."""
    emulator = app.emulator
    before = len(summaries(emulator))
    reply = app.command("domain 4")
    assert "Domain 4 is now with" in reply, reply
    cards = wait_for_cards_after(app, before)
    for question_id, text in (comments or {}).items():
        app.comment(VOTERS[0], cards[question_id], text)
    for question_id, votes in grades.items():
        for user, grade in zip(VOTERS, votes, strict=True):
            app.vote(user, cards[question_id], grade)
    found = emulator.wait_for(lambda: summaries(emulator)[before:], message="the summary")
    return found[0]


def wait_for_cards_after(app: RunningApp, rounds_before: int) -> dict[str, JsonDict]:
    """The newest round's question cards (earlier rounds' cards are in the same channel)."""
    if rounds_before == 0:
        return wait_for_cards(app.emulator, PARTICIPATION, 4)

    def ready() -> dict[str, JsonDict]:
        cards: dict[str, JsonDict] = {}
        for message in app.emulator.messages(PARTICIPATION, top_level_only=True):
            blocks = message.get("blocks") or []
            if blocks and str(blocks[0].get("block_id", "")).startswith("question:"):
                cards[blocks[0]["text"]["text"].split("*")[1]] = message  # newest wins
        fresh = [c for c in cards.values() if any(b["type"] == "actions" for b in c["blocks"])]
        return cards if len(fresh) == 4 else {}

    return app.emulator.wait_for(ready, message="the new round's cards")


def summaries(emulator: SlackEmulator) -> list[JsonDict]:
    return [
        m
        for m in emulator.messages(BOARD, top_level_only=True)
        if "graded by the" in block_text(m) and not m.get("files")
    ]


def uploads_named(emulator: SlackEmulator, suffix: str) -> list[UploadedFile]:
    return [f for f in emulator.uploaded_files if f.completed and f.filename.endswith(suffix)]


def action_prompt(emulator: SlackEmulator) -> JsonDict:
    return wait_for_messages(emulator, BOARD, "need an action", message="the Add action message")[
        -1
    ]


def add_action_buttons(message: JsonDict) -> dict[str, str]:
    """Question id → the Add action button's value."""
    found = {}
    for block in message["blocks"]:
        accessory = block.get("accessory") or {}
        if accessory.get("action_id") == "add_action":
            found[block["text"]["text"].split("*")[1]] = str(accessory["value"])
    return found


def add_action(
    app: RunningApp,
    prompt: JsonDict,
    question_id: str,
    values: dict[str, Any],
    user: str = CHAIR,
) -> Any:
    """Click Add action for ``question_id`` and submit the modal with ``values``."""
    emulator = app.emulator
    before = len(emulator.views_opened)
    click = app.sender.click_button(
        user,
        BOARD,
        str(prompt["ts"]),
        "add_action",
        value=add_action_buttons(prompt)[question_id],
    )
    assert click.status == 200
    modal = emulator.wait_for(lambda: emulator.views_opened[before:])[-1]
    assert modal["callback_id"] == "action_submit"
    assert validate_view({k: v for k, v in modal.items() if k in MODAL_KEYS}, "modal") == []
    return app.sender.submit_view(
        user,
        modal,
        {
            "action_block": {"action_input": values["action"]},
            "priority_block": {"priority_input": values.get("priority", "2")},
            "owner_block": {"owner_input": values["owner"]},
            "due_block": {"due_input": values["due"]},
        },
    )


MODAL_KEYS = {"type", "callback_id", "private_metadata", "title", "submit", "close", "blocks"}


def wait_home_changed(app: RunningApp, user: str, previous: JsonDict | None) -> JsonDict:
    def changed() -> JsonDict:
        view = app.emulator.home_views.get(user)
        return view if view is not None and view != previous else {}

    found: JsonDict = app.emulator.wait_for(changed, message=f"{user}'s Home tab")
    return found


def open_home(app: RunningApp, user: str) -> JsonDict:
    previous = app.emulator.home_views.get(user)
    assert app.sender.app_home_opened(user).status == 200
    return wait_home_changed(app, user, previous)


def click_home_button(app: RunningApp, user: str, action_id: str, value: str) -> Any:
    """A block_actions payload for a button on the user's Home tab, as Slack sends it."""
    emulator = app.emulator
    view = emulator.home_views[user]
    block_id = next(
        (
            str(block.get("block_id", ""))
            for block in view["blocks"]
            if (block.get("accessory") or {}).get("action_id") == action_id
        ),
        "forged",
    )
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "team_id": emulator.team_id},
        "api_app_id": emulator.app_id,
        "token": "legacy-verification-token",
        "container": {"type": "view", "view_id": view["id"]},
        "trigger_id": emulator.issue_trigger_id(user),
        "team": {"id": emulator.team_id, "domain": emulator.team_domain},
        "view": {k: v for k, v in view.items() if k != "user_id"},
        "actions": [
            {
                "action_id": action_id,
                "block_id": block_id,
                "value": value,
                "type": "button",
                "action_ts": "1800000000.000001",
                "text": {"type": "plain_text", "text": "Mark done"},
            }
        ],
    }
    return app.sender.post_interaction(payload)


def grey_levels(png: bytes) -> int:
    """How many distinct grey levels the image has once printed in grey-scale."""
    with Image.open(BytesIO(png)) as image:
        grey = image.convert("L")
        return sum(1 for count in grey.histogram() if count)


# ------------------------------------------------------------------------- the tests


def test_summary_is_followed_by_its_chart_and_add_action(app: RunningApp) -> None:
    emulator = app.emulator
    # 4.1 2,2,2,3 → Adequate · 4.2 1,1,1,2 → Inadequate · 4.3 all Good · 4.4 4,4,4,3 Outstanding
    play_domain_4(app, {"4.1": "2223", "4.2": "1112", "4.3": "3333", "4.4": "4443"})

    [chart] = emulator.wait_for(lambda: uploads_named(emulator, "domain-4-chart.png"))
    assert chart.channels == [BOARD]
    assert chart.data is not None and chart.data.startswith(PNG_SIGNATURE)
    with Image.open(BytesIO(chart.data)) as image:
        image.load()
        assert image.width > 400 and image.height > 200
    assert grey_levels(chart.data) >= 5  # shades, hatches and text survive grey-scale
    alt = chart.alt_txt or ""
    assert "domain 4" in alt
    assert "4.1: 3 Adequate, 1 Good (4 of 4 took part); outcome Adequate." in alt
    assert "4.2: 3 Inadequate, 1 Adequate (4 of 4 took part); outcome Inadequate." in alt
    assert "4.4: 1 Good, 3 Outstanding (4 of 4 took part); outcome Outstanding." in alt
    # the chart comes after the summary in the board channel
    board = emulator.messages(BOARD, top_level_only=True)
    summary_at = next(i for i, m in enumerate(board) if "graded by the" in block_text(m))
    chart_at = next(i for i, m in enumerate(board) if m.get("files"))
    assert summary_at < chart_at

    prompt = action_prompt(emulator)
    assert validate_blocks(prompt["blocks"], "message") == []
    assert prompt["text"]
    assert sorted(add_action_buttons(prompt)) == ["4.1", "4.2"]  # graded 1 or 2 only

    # a member who is not a chair is refused, privately, and no modal opens
    opened = len(emulator.views_opened)
    click = app.sender.click_button(
        VOTERS[0],
        BOARD,
        str(prompt["ts"]),
        "add_action",
        value=add_action_buttons(prompt)["4.1"],
    )
    assert "Only the board's chairs" in app.private_reply(click.response_url)
    assert len(emulator.views_opened) == opened

    # a due date in the past is refused on the form itself, and nothing is stored
    past = add_action(
        app,
        prompt,
        "4.1",
        {
            "action": "Run a young people's panel",
            "owner": "Head of Participation",
            "due": "2020-01-01",
        },
    )
    assert past.json["response_action"] == "errors"
    assert "past" in past.json["errors"]["due_block"]
    assert "empty" in app.command("actions")

    due = (date.today() + timedelta(days=60)).isoformat()
    earlier = len(emulator.ephemerals(user=CHAIR))  # the confirmation is the next one
    done = add_action(
        app,
        prompt,
        "4.1",
        {
            "action": "Run a young people's panel",
            "owner": "Head of Participation",
            "due": due,
            "priority": "3",
        },
    )
    assert done.status == 200 and not done.body.strip()
    confirmation = emulator.wait_for(lambda: emulator.ephemerals(user=CHAIR)[earlier:])
    assert any("Action 1 added for question 4.1" in e["text"] for e in confirmation)
    # the Add action message now shows the action under its question
    redrawn = emulator.wait_for(
        lambda: [
            m
            for m in [emulator.message(BOARD, str(prompt["ts"]))]
            if m is not None and "Actions: 1. Run a young people's panel" in block_text(m)
        ],
        message="the Add action message redrawn",
    )[0]
    assert "High · Head of Participation" in block_text(redrawn)
    assert validate_blocks(redrawn["blocks"], "message") == []
    assert sorted(add_action_buttons(redrawn)) == ["4.1", "4.2"]
    listed = app.command("actions")
    assert "Run a young people's panel" in listed and "High" in listed
    assert "Head of Participation" in listed and "1 open" in listed

    # chairs see open actions on their Home tab, and mark them done there
    chair_home = open_home(app, CHAIR)
    assert "Open actions (1)" in block_text(chair_home)
    assert "4.1: Run a young people's panel · High · Head of Participation" in block_text(
        chair_home
    )
    member_home = open_home(app, VOTERS[0])
    assert "Open actions" not in block_text(member_home)
    forged = click_home_button(app, VOTERS[0], "mark_action_done", "1")
    assert forged.status == 200
    refused = wait_home_changed(app, VOTERS[0], member_home)
    assert "Only the board's chairs" in block_text(refused)
    assert click_home_button(app, CHAIR, "mark_action_done", "1").status == 200
    after = wait_home_changed(app, CHAIR, chair_home)
    assert "Action 1 (4.1) is marked done." in block_text(after)
    assert "Open actions" not in block_text(after)
    assert validate_view({"type": "home", "blocks": after["blocks"]}, "home") == []
    assert "0 open" in app.command("actions")


def test_report_with_pdf_and_workbook_then_a_new_cycle_compares_and_carries_over(
    app: RunningApp,
) -> None:
    emulator = app.emulator
    first_cycle = financial_year(datetime.now(UTC))
    assert "Only the board's chairs" in app.command("report", user=VOTERS[0])
    assert "nothing to report" in app.command("report")

    play_domain_4(
        app,
        {"4.1": "2223", "4.2": "1112", "4.3": "3333", "4.4": "4443"},
        comments={"4.3": '=HYPERLINK("http://evil.example","click")'},
    )
    prompt = action_prompt(emulator)
    due = (date.today() + timedelta(days=30)).isoformat()
    add_action(
        app, prompt, "4.2", {"action": "+Review the youth forum", "owner": "@Lead", "due": due}
    )
    emulator.wait_for(lambda: "+Review" in app.command("actions"))
    assert first_cycle in app.command("cycle")

    reply = app.command("report")
    assert f"Posted the {first_cycle} report" in reply
    report_message = next(
        m
        for m in emulator.messages(BOARD, top_level_only=True)
        if "the board's report" in block_text(m)
    )
    assert validate_blocks(report_message["blocks"], "message") == []
    shown = block_text(report_message)
    assert "4.1* agreed 2 Adequate" in shown and "4.2* agreed 1 Inadequate" in shown
    assert "not started" in shown  # the other six domains

    pdf_file = uploads_named(emulator, ".pdf")[-1]
    xlsx_file = uploads_named(emulator, ".xlsx")[-1]
    png_file = uploads_named(emulator, "-chart.png")[-1]
    assert pdf_file.channels == xlsx_file.channels == png_file.channels == [BOARD]
    assert png_file.data is not None and png_file.data.startswith(PNG_SIGNATURE)
    assert "Domain 4: 1 Inadequate, 1 Adequate, 1 Good, 1 Outstanding, 0 flagged" in (
        png_file.alt_txt or ""
    )

    assert pdf_file.data is not None
    reader = PdfReader(BytesIO(pdf_file.data))
    assert len(reader.pages) >= 2
    text = "\n".join(page.extract_text() for page in reader.pages)
    for heading in ("Summary of findings", "Action plan"):
        assert heading in text
    assert "Review the youth forum" in text
    assert any(page.images for page in reader.pages)  # the chart is drawn in

    assert xlsx_file.data is not None
    workbook = load_workbook(BytesIO(xlsx_file.data))
    assert {"Domain 4", "Actions", "Distribution"} <= set(workbook.sheetnames)
    domain_rows = [row for row in workbook["Domain 4"].iter_rows(values_only=True) if row[0]]
    by_question = {row[0]: row for row in domain_rows[1:]}
    assert set(by_question) == {"4.1", "4.2", "4.3", "4.4"}
    # outcome, grade, label, then the count of each grade: 4.1 was voted 2, 2, 2, 3
    assert by_question["4.1"][2:9] == ("Adequate", 2, "Adequate", 0, 3, 1, 0)
    assert by_question["4.2"][2:9] == ("Inadequate", 1, "Inadequate", 3, 1, 0, 0)
    every_cell = [
        cell
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if isinstance(cell, str)
    ]
    assert "'+Review the youth forum" in every_cell and "'@Lead" in every_cell
    assert any(c.startswith("'=HYPERLINK") for c in every_cell)
    assert not any(c.startswith(("=", "+", "@")) for c in every_cell)
    distribution = list(workbook["Distribution"].iter_rows(values_only=True))
    assert (4, "4.1", 2, "Adequate", 3) in distribution

    # a new cycle: members may not start one, a name is used once, open rounds block it
    assert "Only the board's chairs" in app.command("cycle start 2099-00", user=VOTERS[0])
    assert "already a cycle" in app.command(f"cycle start {first_cycle}")
    app.command("domain 5")
    assert "still have an open round" in app.command("cycle start 2099-00")
    app.command("close 5")
    emulator.wait_for(lambda: len(summaries(emulator)) == 2, message="domain 5 closed")
    assert "Cycle *2099-00* has begun" in app.command("cycle start 2099-00")

    # the next cycle grades domain 4 again: 4.1 up to Good, 4.2 the same, 4.3 down
    play_domain_4(app, {"4.1": "3333", "4.2": "1111", "4.3": "2222", "4.4": "4444"})
    listed = app.command("actions")
    assert "+Review the youth forum" in listed and f"(from {first_cycle})" in listed

    app.command("report")
    second = wait_for_messages(emulator, BOARD, "Self-assessment 2099-00")[0]
    shown = block_text(second)
    assert f"compared with {first_cycle}" in shown
    assert "4.1* agreed 3 Good · Up from Adequate" in shown
    assert "4.2* agreed 1 Inadequate · Same" in shown
    assert "4.3* agreed 2 Adequate · Down from Good" in shown
    assert "since " + first_cycle in shown  # the domain's change
    workbook = load_workbook(BytesIO(uploads_named(emulator, ".xlsx")[-1].data or b""))
    actions_sheet = [row for row in workbook["Actions"].iter_rows(values_only=True)]
    assert any("'+Review the youth forum" in row for row in actions_sheet)

    # marked done, the action leaves the plan of the cycle after
    action_id = 1
    assert f"Action {action_id} (4.2) is marked done" in app.command(f"actions done {action_id}")
    assert "already marked done" in app.command(f"actions done {action_id}")
    assert "done" in app.command("actions")
    assert "Cycle *2100-01* has begun" in app.command("cycle start 2100-01")
    assert "action plan is empty" in app.command("actions")


def test_home_tab_shows_the_cycle_and_what_waits_for_each_member(app: RunningApp) -> None:
    emulator = app.emulator
    response = app.sender.app_home_opened(VOTERS[0])
    assert response.status == 200
    home: JsonDict = emulator.wait_for(lambda: emulator.home_views.get(VOTERS[0]) or {})
    assert "No assessment cycle has started yet" in block_text(home)

    app.command("domain 4")
    cards = wait_for_cards(emulator, PARTICIPATION, 4)
    app.vote(VOTERS[0], cards["4.1"], "3")
    app.vote(VOTERS[1], cards["4.1"], "3")

    def home_after(user: str, previous: JsonDict | None) -> JsonDict:
        app.sender.app_home_opened(user)

        def changed() -> JsonDict:
            view = emulator.home_views.get(user)
            return view if view is not None and view != previous else {}

        found: JsonDict = emulator.wait_for(changed, message=f"{user}'s Home tab")
        return found

    home = home_after(VOTERS[0], home)
    assert validate_view({"type": "home", "blocks": home["blocks"]}, "home") == []
    assert len(home["blocks"]) <= 100
    shown = block_text(home)
    assert financial_year(datetime.now(UTC)) in shown
    assert "4. " in shown and "open" in shown and "2 of 4 have voted" in shown
    assert "closes" in shown
    assert "1. " in shown and "not started" in shown
    assert "Waiting for your vote (3)" in shown  # 4.2, 4.3 and 4.4
    links = [
        f"archives/{PARTICIPATION}/p{str(cards[q]['ts']).replace('.', '')}|{q}>"
        for q in ("4.2", "4.3", "4.4")
    ]
    for link in links:
        assert link in shown
    assert f"p{str(cards['4.1']['ts']).replace('.', '')}|4.1>" not in shown

    chair_home = home_after(CHAIR, None)
    assert "Nothing is waiting for your vote" in block_text(chair_home)
    assert "/assess report" in block_text(chair_home)

    for user in VOTERS[2:]:
        app.vote(user, cards["4.1"], "3")
    for question in ("4.2", "4.3", "4.4"):
        for user in VOTERS:
            app.vote(user, cards[question], "2")
    emulator.wait_for(lambda: summaries(emulator))
    graded = block_text(home_after(VOTERS[0], home))
    assert "graded" in graded and "4 questions: 1 Good, 3 Adequate; nothing flagged." in graded
    assert "Nothing is waiting for your vote" in graded

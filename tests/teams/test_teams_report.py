"""`@Assess report` in Teams: the board's report card in the board channel, and a card whose
buttons download the chart, the board paper and the workbook from the app (Teams bots cannot
upload to a channel), each link until it expires; a member who is not a chair is refused
privately."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import BytesIO

from openpyxl import load_workbook  # type: ignore[import-untyped]
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import text

from tests.connector import ConnectorDouble
from tests.connector.messages import Message
from tests.teams.harness import (
    BOARD,
    CHAIR,
    PARTICIPATION,
    VOTERS,
    RunningTeamsApp,
    images,
    open_urls,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def graded_domain_4(app: RunningTeamsApp) -> None:
    app.command("domain 4")
    cards = app.wait_for_cards(PARTICIPATION, 4)
    for question, card in cards.items():
        for voter in VOTERS:
            app.vote(voter, card, "4 Outstanding" if question == "4.4" else "2 Adequate")
    app.wait_for(lambda: app.board_posts("Domain 4 graded by"), "the summary")
    app.application.refresher.wait_idle(5)


def links(card: Message) -> dict[str, str]:
    """The card's download buttons: title → URL."""
    assert card.card is not None
    found = {a["title"]: a["url"] for a in card.card["actions"] if a["type"] == "Action.OpenUrl"}
    assert list(found.values()) == open_urls(card)
    return found


def files_card(app: RunningTeamsApp) -> Message:
    found: Message = app.wait_for(
        lambda: app.board_posts("The board paper for")[-1:], "the files card"
    )[0]
    return found


def test_a_chairs_report_posts_its_card_and_three_downloads_to_the_board(
    teams_app: RunningTeamsApp, double: ConnectorDouble
) -> None:
    graded_domain_4(teams_app)
    teams_app.command("report")
    [report] = teams_app.wait_for(
        lambda: teams_app.board_posts("the board's report"), "the report card"
    )
    assert "1 of 7 domains graded" in report.words and "**4.4**" in report.words
    card = files_card(teams_app)
    buttons = links(card)
    assert sorted(t.split(":")[0] for t in buttons) == [
        "Download Board paper",
        "Download Chart",
        "Download Workbook",
    ]
    by_kind = {url.rsplit("/", 1)[0]: url for url in buttons.values()}
    assert set(by_kind) == {teams_app.public_url + "/files"}
    downloads = {title: teams_app.download(url) for title, url in buttons.items()}
    assert {t: d[0] for t, d in downloads.items()} == dict.fromkeys(buttons, 200)
    by_type = {d[2]["Content-Type"]: (t, d) for t, d in downloads.items()}
    assert set(by_type) == {"image/png", "application/pdf", XLSX}

    title, (_, png, headers) = by_type["image/png"]
    assert title.startswith("Download Chart")
    assert headers["Content-Disposition"].startswith("inline; filename*=UTF-8''assessment-")
    assert headers["Content-Disposition"].endswith("-chart.png")
    with Image.open(BytesIO(png)) as image:
        assert image.format == "PNG" and image.width > 100
    assert images(card) == [buttons[title]]
    [alt] = [e.get("altText") for e in (card.card or {})["body"] if e["type"] == "Image"]
    assert alt and "domain" in alt.lower()

    _, (_, pdf, headers) = by_type["application/pdf"]
    assert headers["Content-Disposition"].startswith("attachment; filename*=UTF-8''assessment-")
    assert headers["Content-Disposition"].endswith(".pdf")
    paper = "\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)
    assert "Test Children" in paper and "4.4" in paper

    _, (_, xlsx, headers) = by_type[XLSX]
    assert headers["Content-Disposition"].startswith("attachment; filename*=UTF-8''assessment-")
    assert headers["Content-Disposition"].endswith(".xlsx")
    assert headers["Cache-Control"] == "private, no-store"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "Domain 4" in load_workbook(BytesIO(xlsx)).sheetnames
    assert not double.rejections


def test_a_download_link_stops_working_once_it_expires(teams_app: RunningTeamsApp) -> None:
    graded_domain_4(teams_app)
    teams_app.command("report")
    buttons = links(files_card(teams_app))
    chart = next(url for title, url in buttons.items() if "Chart" in title)
    paper = next(url for title, url in buttons.items() if "Board paper" in title)
    assert teams_app.download(chart)[0] == 200
    token = chart.rsplit("/", 1)[1]
    files = teams_app.application.teams.files if teams_app.application.teams else None
    assert files is not None
    now = datetime.now(UTC)
    served = files.get(token, now)
    assert served is not None and served.filename.endswith("-chart.png")
    assert abs(served.expires_at - (now + timedelta(days=7))) < timedelta(minutes=2)
    assert files.get(token, served.expires_at) is None, "gone at its expiry"
    with teams_app.application.engine.begin() as connection:
        connection.execute(
            text("UPDATE served_files SET expires_at = :t WHERE token = :token"),
            {"t": now - timedelta(seconds=1), "token": token},
        )
    status, body, headers = teams_app.download(chart)
    assert status == 404 and b"expired" in body
    assert "Content-Disposition" not in headers
    assert teams_app.download(paper)[0] == 200, "the others still work"


def test_a_member_who_is_not_a_chair_is_refused_privately(
    teams_app: RunningTeamsApp, double: ConnectorDouble
) -> None:
    graded_domain_4(teams_app)
    # the summary's follow-ups (its chart, the action plan's prompt) come after it: count after
    teams_app.wait_for(
        lambda: all(teams_app.board_posts(f) for f in ("Chart of domain 4", "Action plan")),
        "the chart and the action plan's prompt",
    )
    posts_before = len(double.posts(BOARD))
    teams_app.command("report", user=VOTERS[0], channel=PARTICIPATION)
    refused = teams_app.wait_private(VOTERS[0], "chair")
    assert refused.strip().startswith("⛔")
    teams_app.say("report", user=VOTERS[1])
    assert teams_app.wait_private(VOTERS[1], "chair").strip().startswith("⛔")
    teams_app.application.refresher.wait_idle(5)
    assert len(double.posts(BOARD)) == posts_before, "nothing was posted to the board"
    assert not [p for p in double.posts(PARTICIPATION) if p.from_bot and "report" in p.words]
    assert not [m for m in double.personal_messages(CHAIR) if "Download" in m.words]

"""The assessment report (bot/reports.py) and the files made from it (handlers/files).

The files are checked for real: the PNGs are decoded, the PDF is opened with pypdf and its text
extracted, the workbook is read back with openpyxl.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from io import BytesIO
from typing import Any

import pytest
from openpyxl import load_workbook  # type: ignore[import-untyped]
from PIL import Image
from pypdf import PdfReader

from bot.domain.consensus import Choice, ConsensusRule, OutcomeKind, resolve, tally
from bot.domain.framework import Framework
from bot.domain.report import (
    ActionItem,
    AssessmentReport,
    Change,
    DomainReport,
    DomainStatus,
    QuestionReport,
    Turnout,
    average_grade,
    change,
    domain_change,
    previous_average_grade,
    report_from_summary,
)
from bot.domain.report_text import (
    chart_alt_text,
    findings,
    numbered_actions,
    outcome_label,
    outcome_text,
    questions_without_actions,
)
from bot.domain.rounds import Settlement
from bot.views.rounds import (
    CommentView,
    DecisionView,
    DomainSummaryView,
    GradeScale,
    QuestionSummaryView,
    ResultView,
)
from handlers.files import pdf as pdf_module
from handlers.files.charts import assessment_chart_png, domain_chart_png
from handlers.files.pdf import board_paper_pdf
from handlers.files.pdf_fonts import latin1_safe, make_safe_for_font
from handlers.files.xlsx import neutralise, workbook_xlsx

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
RULE = ConsensusRule(quorum=0.5, agree_share=0.67, max_spread=1)
SCALE = GradeScale(("Inadequate", "Adequate", "Good", "Outstanding"))

FORMULA_COMMENTS = ('=HYPERLINK("http://x")', "@SUM(A1)", "+1", "-2", "\tcmd", "\rline")
UNICODE_COMMENT = "We’re “nearly” there – more work on pooling 🙂👍🏽"


def question(
    framework: Framework,
    question_id: str,
    votes: str,
    electorate: int,
    *,
    previous: int | None = None,
    comments: Sequence[tuple[str, str]] = (),
) -> QuestionReport:
    """votes "3334?" → three Good, one Outstanding, one Don't know; resolved by the real rule."""
    choices = [Choice.DONT_KNOW if v == "?" else Choice.from_grade(int(v)) for v in votes]
    outcome = resolve(choices, electorate, RULE)
    model = framework.question(question_id)
    assert model is not None
    return QuestionReport(
        question_id=question_id,
        text=model.text,
        outcome=outcome.kind,
        grade=outcome.grade,
        distribution=tally(choices),
        participants=len(choices),
        electorate_size=electorate,
        comments=tuple(comments),
        previous_grade=previous,
        reason=outcome.reason,
    )


@pytest.fixture(scope="module")
def report(framework: Framework) -> AssessmentReport:
    def q(qid: str, votes: str, electorate: int, **kwargs: Any) -> QuestionReport:
        return question(framework, qid, votes, electorate, **kwargs)

    domain1 = DomainReport(
        number=1,
        title=framework.domains[0].title,
        subgroup_name="Executive group",
        status=DomainStatus.GRADED,
        questions=(
            q("1.1", "33343?", 6, previous=2),  # agreed Good, up
            q("1.2", "22223", 6, previous=2),  # agreed Adequate, same
            q(
                "1.3",
                "113324",
                6,
                previous=2,
                comments=[
                    ("Priya Shah", FORMULA_COMMENTS[0]),
                    ("Tom O’Neill", FORMULA_COMMENTS[1]),
                ],
            ),  # grades 1 and 4: disagreement
            q(
                "1.4",
                "11121",
                6,
                previous=2,
                comments=[("Sam Okafor", FORMULA_COMMENTS[2]), ("Jo Reid", FORMULA_COMMENTS[3])],
            ),  # agreed Inadequate, down
            q("1.5", "3?", 6),  # 2 of 6 took part: no quorum
            q("1.6", "44443", 6),  # agreed Outstanding, new
        ),
        turnout=Turnout(6, 6),
    )
    domain4 = DomainReport(
        number=4,
        title=framework.domains[3].title,
        subgroup_name="Commissioning sub-group",
        status=DomainStatus.GRADED,
        questions=(
            q("4.1", "2223", 5, previous=1),  # agreed Adequate, up; no action yet
            q("4.2", "333", 5, previous=3),  # agreed Good, same
            q("4.3", "???", 5, comments=[("Lee Chan", FORMULA_COMMENTS[4])]),  # all Don't know
            q(
                "4.4",
                "2233",
                5,
                comments=[("Ana Silva", UNICODE_COMMENT), ("Lee Chan", FORMULA_COMMENTS[5])],
            ),  # tie: disagreement
        ),
        turnout=Turnout(5, 5),
    )
    domain2 = DomainReport(
        number=2,
        title=framework.domains[1].title,
        subgroup_name="Finance sub-group",
        status=DomainStatus.NOT_STARTED,
        questions=(),
    )
    return AssessmentReport(
        board_name="Oxfordshire Children and Young People’s Trust Board",
        cycle="2026-27",
        previous_cycle="2025-26",
        framework_title=framework.title,
        generated_at=datetime(2026, 6, 15, 9, 30, tzinfo=UTC),
        domains=(domain1, domain4, domain2),
        actions=(
            ActionItem(
                "1.4",
                "Publish a “SMART” outcomes framework – with targets agreed by all partners",
                3,
                "Director of Children’s Services",
                date(2026, 9, 30),
            ),
            ActionItem(
                "1.2",
                "=1+1 report outcome trends to every board meeting",
                2,
                "@Performance lead",
                date(2026, 5, 1),
            ),
            ActionItem(
                "1.2",
                "Share the scorecard with partners",
                1,
                "Trust adviser",
                date(2026, 4, 1),
                done=True,
            ),
        ),
        scale=SCALE,
    )


def grey(png: bytes) -> Image.Image:
    assert png.startswith(PNG_SIGNATURE)
    image = Image.open(BytesIO(png))
    image.load()
    return image


def pixels_of_level(image: Image.Image, level: int) -> int:
    histogram = image.convert("L").histogram()
    return histogram[level]


# --- change and averages ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("previous", "current", "expected"),
    [
        (2, 3, Change.UP),
        (1, 4, Change.UP),
        (3, 2, Change.DOWN),
        (4, 1, Change.DOWN),
        (2, 2, Change.SAME),
        (None, 3, Change.NEW),
        (2, None, Change.NONE),
        (None, None, Change.NONE),
    ],
)
def test_change(previous: int | None, current: int | None, expected: Change) -> None:
    assert change(previous, current) is expected


def test_domain_averages_and_change(report: AssessmentReport) -> None:
    domain1, domain4, domain2 = report.domains
    # agreed now: 3, 2, 1, 4 → 2.5; previous: 2, 2, 2, 2 → 2.0
    assert average_grade(domain1) == 2.5
    assert previous_average_grade(domain1) == 2.0
    assert domain_change(domain1) is Change.UP
    # agreed now: 2, 3 → 2.5; previous: 1, 3 → 2.0
    assert average_grade(domain4) == 2.5
    assert domain_change(domain4) is Change.UP
    assert average_grade(domain2) is None
    assert domain_change(domain2) is Change.NONE


def test_the_fixture_really_has_every_kind_of_outcome(report: AssessmentReport) -> None:
    outcomes = {q.question_id: outcome_label(q, SCALE) for q in report.questions}
    assert outcomes == {
        "1.1": "Good",
        "1.2": "Adequate",
        "1.3": "DISAGREEMENT",
        "1.4": "Inadequate",
        "1.5": "NO QUORUM",
        "1.6": "Outstanding",
        "4.1": "Adequate",
        "4.2": "Good",
        "4.3": "NO QUORUM",
        "4.4": "DISAGREEMENT",
    }


def test_action_priority_must_be_1_to_3() -> None:
    with pytest.raises(ValueError, match="priority"):
        ActionItem("1.1", "Do it", 4, "Chair", date(2026, 1, 1))
    assert ActionItem("1.1", "Do it", 3, "Chair", date(2026, 1, 1)).priority_label == "High"


def test_actions_are_numbered_open_and_urgent_first(report: AssessmentReport) -> None:
    numbered = numbered_actions(report)
    assert [ref for ref, _ in numbered] == ["R1", "R2", "R3"]
    assert [a.priority for _, a in numbered] == [3, 2, 1]
    assert numbered[-1][1].done


# --- findings and alt text ----------------------------------------------------------------------


def test_findings_name_flagged_questions_and_changes(report: AssessmentReport) -> None:
    lines = findings(report)
    assert len(lines) == 4  # three domains and the action plan
    domain1, domain4, domain2, actions = lines
    assert domain1.startswith("Domain 1 (How far does the children's trust")
    assert "2 questions flagged for the board" in domain1
    assert "1.3 disagreement" in domain1
    assert "1.5 no quorum" in domain1
    assert "Strengths: 1.1, 1.6." in domain1
    assert "For development: 1.2, 1.4." in domain1
    assert "Average grade 2.50, up from 2.00 in 2025-26." in domain1
    assert "4.3 no quorum" in domain4 and "4.4 disagreement" in domain4
    assert "not started" in domain2
    assert "3 actions, 2 still open" in actions
    assert "No action yet for 4.1" in actions


def test_questions_graded_1_or_2_without_an_action(report: AssessmentReport) -> None:
    assert [q.question_id for q in questions_without_actions(report)] == ["4.1"]


def test_alt_text_gives_every_question_its_counts_and_outcome(report: AssessmentReport) -> None:
    domain1 = report.domains[0]
    alt = chart_alt_text(domain1, SCALE)
    for q in domain1.questions:
        match = re.search(rf"{re.escape(q.question_id)}: ([^;]*); outcome ([A-Za-z ]+)\.", alt)
        assert match, q.question_id
        assert match.group(2) == outcome_label(q, SCALE)
    assert "1.1: 4 Good, 1 Outstanding, 1 Don't know (6 of 6 took part); outcome Good." in alt
    assert "1.3: 2 Inadequate, 1 Adequate, 2 Good, 1 Outstanding" in alt
    assert "1.5: 1 Good, 1 Don't know (2 of 6 took part); outcome NO QUORUM." in alt
    assert "Executive group" in alt


def test_report_from_summary_keeps_results_and_names_the_commenters() -> None:
    choices = [Choice.GOOD, Choice.GOOD, Choice.GOOD, Choice.DONT_KNOW]
    flagged_choices = [Choice.INADEQUATE, Choice.OUTSTANDING]
    summary = DomainSummaryView(
        round_id=7,
        domain=3,
        domain_title="Is the board well led?",
        subgroup_name="Leadership sub-group",
        scale=SCALE,
        questions=(
            QuestionSummaryView(
                question_id="3.1",
                text="How well led?",
                result=ResultView(OutcomeKind.AGREED, 3, "3 of 3 grades cast agree"),
                distribution=tally(choices),
                participants=4,
                electorate_size=4,
                comments=(CommentView("U1", "Strong chair"), CommentView("U9", "Agree")),
            ),
            QuestionSummaryView(
                question_id="3.2",
                text="How well informed?",
                result=ResultView(OutcomeKind.DISAGREEMENT, None, "grades 1 and 4 are 3 apart"),
                distribution=tally(flagged_choices),
                participants=2,
                electorate_size=4,
                comments=(),
            ),
        ),
    )
    domain = report_from_summary(
        summary, previous_grades={"3.1": 2, "3.2": 3}, display_names={"U1": "Priya Shah"}
    )
    assert (domain.number, domain.title, domain.status) == (3, "Is the board well led?", "graded")
    first, second = domain.questions
    assert (first.outcome, first.grade, first.previous_grade) == (OutcomeKind.AGREED, 3, 2)
    assert first.comments == (("Priya Shah", "Strong chair"), ("U9", "Agree"))
    assert first.distribution.by_grade[3] == 3 and first.distribution.dont_know == 1
    assert (second.outcome, second.grade, second.reason) == (
        OutcomeKind.DISAGREEMENT,
        None,
        "grades 1 and 4 are 3 apart",
    )
    assert domain_change(domain) is Change.UP


# --- charts -------------------------------------------------------------------------------------


def test_domain_chart_is_a_real_png_readable_in_grey_scale(report: AssessmentReport) -> None:
    domain1 = report.domains[0]
    png = domain_chart_png(domain1, SCALE)
    image = grey(png)
    assert image.width > 200 and image.height > 200
    assert sum(1 for count in image.convert("L").histogram() if count) > 1
    # each grade's bar shade survives conversion to grey (0x8c, 0xb3, 0xd9 for grades 1 to 3)
    for level in (0x8C, 0xB3, 0xD9):
        assert pixels_of_level(image, level) > 100, hex(level)
    assert image.info.get("Description") == chart_alt_text(domain1, SCALE)


def test_assessment_chart_shows_grades_flags_and_the_previous_cycle(
    report: AssessmentReport,
) -> None:
    image = grey(assessment_chart_png(report))
    assert image.width > 200 and image.height > 200
    assert pixels_of_level(image, 0x4D) > 100  # the flagged segments' dark grey
    assert pixels_of_level(image, 0x8C) > 50  # Inadequate (domain 1 now and nowhere else)
    description = image.info.get("Description", "")
    assert "Domain 1: 1 Inadequate, 1 Adequate, 1 Good, 1 Outstanding, 2 flagged" in description
    assert "in 2025-26: 4 Adequate" in description
    assert "Domain 2: not started." in description


def test_charts_of_a_domain_with_no_questions_still_render(report: AssessmentReport) -> None:
    image = grey(domain_chart_png(report.domains[2], SCALE))
    assert image.width > 200
    empty = AssessmentReport(
        "Board", "2026-27", None, "Framework", report.generated_at, (), (), SCALE
    )
    assert grey(assessment_chart_png(empty)).height > 200


def test_charts_render_from_several_threads(report: AssessmentReport) -> None:
    serial = domain_chart_png(report.domains[0], SCALE)
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [pool.submit(domain_chart_png, report.domains[0], SCALE) for _ in range(4)]
        futures += [pool.submit(assessment_chart_png, report) for _ in range(2)]
        results = [f.result(timeout=60) for f in futures]
    assert results[:4] == [serial] * 4
    assert all(grey(png).width > 200 for png in results)


# --- PDF ----------------------------------------------------------------------------------------


def pdf_text(data: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return reader, " ".join(text.split())


def test_board_paper_pdf_opens_and_follows_the_seed(report: AssessmentReport) -> None:
    data = board_paper_pdf(report, assessment_chart_png(report))
    assert data.startswith(b"%PDF-")
    reader, text = pdf_text(data)
    assert len(reader.pages) >= 1
    for heading in ("Summary of findings", "Areas of strength", "Action plan", "Responsibility"):
        assert heading in text
    assert text.index("Summary of findings") < text.index("Action plan")
    assert "1.3" in text and "DISAGREEMENT" in text and "NO QUORUM" in text
    assert "Oxfordshire Children and Young People’s Trust Board" in text
    assert "Change since 2025-26" in text and "Up from Adequate" in text
    # typed by users: curly quotes and the en dash kept, the emoji named instead of dropped
    assert "“SMART”" in text and "Children’s Services" in text
    assert "We’re “nearly” there – more work on pooling" in text
    assert "[slightly smiling face]" in text and "[thumbs up sign]" in text
    # the chart image is on a page
    assert any(page.images for page in reader.pages)


def test_board_paper_falls_back_to_latin1_core_font(
    report: AssessmentReport, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pdf_module, "unicode_font_paths", lambda: None)
    data = board_paper_pdf(report, assessment_chart_png(report))
    _, text = pdf_text(data)
    assert "Summary of findings" in text and "Action plan" in text
    assert 'We\'re "nearly" there - more work on pooling' in text
    assert "Director of Children's Services" in text


def test_text_made_safe_for_fonts() -> None:
    assert (
        latin1_safe("“Quote” – café… 🙂\tx\r\ny")
        == '"Quote" - café... [slightly smiling face] x\ny'
    )
    assert (
        make_safe_for_font("a🙂\u200db\ufe0f", lambda c: c.isascii()) == "a[slightly smiling face]b"
    )


# --- XLSX ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rline", "'\nline"),
        ("a\r\nb", "a\nb"),
        ("＝1+1", "'＝1+1"),
        ("Fine = good", "Fine = good"),
        ("a\x00b", "ab"),
        ("", ""),
    ],
)
def test_neutralise(text: str, expected: str) -> None:
    assert neutralise(text) == expected


def all_cells(workbook: Any) -> list[Any]:
    return [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]


def rows_by_id(sheet: Any) -> dict[str, dict[str, Any]]:
    header = [cell.value for cell in sheet[1]]
    table: dict[str, dict[str, Any]] = {}
    for row in sheet.iter_rows(min_row=2, values_only=True):
        record = dict(zip(header, row, strict=True))
        table[str(record["Question ID"])] = record
    return table


def test_workbook_holds_the_grades_and_no_formulas(report: AssessmentReport) -> None:
    data = workbook_xlsx(report)
    workbook = load_workbook(BytesIO(data))
    assert {"Domain 1", "Domain 4", "Actions", "Distribution"} <= set(workbook.sheetnames)
    assert workbook.sheetnames[0] == "Summary"

    domain1 = rows_by_id(workbook["Domain 1"])
    assert list(domain1) == ["1.1", "1.2", "1.3", "1.4", "1.5", "1.6"]
    assert [domain1[i]["Grade"] for i in domain1] == [3, 2, None, 1, None, 4]
    assert domain1["1.3"]["Outcome"] == "DISAGREEMENT"
    assert domain1["1.5"]["Outcome"] == "NO QUORUM"
    assert domain1["1.1"]["3 Good"] == 4 and domain1["1.1"]["Don't know"] == 1
    assert domain1["1.1"]["Change"] == "up" and domain1["1.4"]["Change"] == "down"
    assert workbook["Domain 1"].freeze_panes == "A2"
    assert workbook["Domain 1"]["A1"].font.bold
    domain4 = rows_by_id(workbook["Domain 4"])
    assert domain4["4.1"]["Grade"] == 2 and domain4["4.2"]["Grade"] == 3

    # raw distribution: every count of every question, Don't know included
    distribution = list(workbook["Distribution"].iter_rows(min_row=2, values_only=True))
    assert len(distribution) == 10 * 5
    assert (1, "1.1", 3, "Good", 4) in distribution
    assert (4, "4.3", None, "Don't know", 3) in distribution
    assert sum(row[4] for row in distribution) == sum(
        q.distribution.participants for q in report.questions
    )

    actions = list(workbook["Actions"].iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in actions] == ["R1", "R2", "R3"]
    assert actions[0][4] == 3 and actions[0][6] == "Director of Children’s Services"
    assert actions[0][7].date() == date(2026, 9, 30)
    assert actions[1][8] == "Overdue" and actions[2][8] == "Done"

    # nothing typed by a member can run: no formula cells, nothing starting like a formula
    cells = all_cells(workbook)
    assert all(cell.data_type != "f" for cell in cells)
    texts = [cell.value for cell in cells if isinstance(cell.value, str)]
    assert not [t for t in texts if t.startswith(FORMULA_STARTS)]
    # ... yet the original text is all there after the apostrophe
    comments = [row[3] for row in workbook["Comments"].iter_rows(min_row=2, values_only=True)]
    for original in FORMULA_COMMENTS:
        assert "'" + original.replace("\r", "\n") in comments
    assert UNICODE_COMMENT in comments
    assert "'=1+1 report outcome trends to every board meeting" in [row[3] for row in actions]
    assert "'@Performance lead" in [row[6] for row in actions]


def test_a_grade_decided_by_the_chair_counts_in_the_report() -> None:
    decided = QuestionSummaryView(
        question_id="3.2",
        text="How well informed?",
        result=ResultView(OutcomeKind.DISAGREEMENT, None, "grades 1 and 4 are 3 apart"),
        distribution=tally([Choice.INADEQUATE, Choice.OUTSTANDING]),
        participants=2,
        electorate_size=4,
        comments=(),
        settlement=Settlement.DECIDED,
        decision=DecisionView(
            2, "Evidence is thin", "U0CHAIR01", datetime(2026, 11, 27, tzinfo=UTC)
        ),
    )
    summary = DomainSummaryView(
        round_id=7,
        domain=3,
        domain_title="Is the board well led?",
        subgroup_name="Leadership sub-group",
        scale=SCALE,
        questions=(decided,),
    )
    (question,) = report_from_summary(summary).questions
    assert question.agreed_grade == 2 and not question.is_flagged
    assert question.how_reached == "decided by the chair after round 1"
    assert outcome_text(question, SCALE) == "decided by the chair: 2 Adequate"
    assert outcome_label(question, SCALE) == "Adequate (chair)"
    assert summary.flagged == 0 and summary.grade_counts[2] == 1

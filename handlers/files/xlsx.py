"""The board paper as an XLSX workbook (openpyxl).

Sheets: "Summary" (one row per domain), "Domain 1" … (one row per question: outcome, grade,
counts per grade, Don't know, turnout, change, comments), "Actions" (the action plan),
"Comments" (one member's comment per row) and "Distribution" (raw counts: domain, question,
grade, grade label, count). Every sheet has a bold, frozen header row and an auto-filter.

Text typed by members goes through ``neutralise`` so that a spreadsheet never runs it: openpyxl
would store a string starting with "=" as a formula, and Excel or LibreOffice treat text starting
with =, +, -, @ (or a tab or carriage return) as a formula when it is edited or exported to CSV.
Such text gets a leading apostrophe, the usual mark of "this is text"; the rest is unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from io import BytesIO
from typing import Any

from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # type: ignore[import-untyped]
from openpyxl.styles import Alignment, Font, PatternFill  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

from bot.domain.report import (
    DONT_KNOW_LABEL,
    AssessmentReport,
    Change,
    DomainReport,
    average_grade,
    domain_change,
    previous_average_grade,
    question_change,
)
from bot.domain.report_text import (
    action_status,
    domain_headline,
    findings,
    flagged,
    grade_counts,
    grade_range,
    long_date,
    numbered_actions,
    outcome_label,
    status_text,
)
from bot.domain.text import export_cell

Cell = str | int | float | date | None
Sheet = Any  # openpyxl's Worksheet (openpyxl ships no type information)

EXCEL_CELL_LIMIT = 32_767
MAX_WIDTH = 60
WRAP_WIDTH = 40
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDDDDD")
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")


def neutralise(text: str) -> str:
    """Make text inert in a spreadsheet: drop characters XML cannot hold, and put an apostrophe
    before text that starts like a formula (=, +, -, @, tab, CR, or their full-width forms).
    Carriage returns become line feeds (what an XLSX file reads back anyway)."""
    # the one export sanitiser (bot.domain.text.export_cell): control, bidi-control and zero-width
    # characters go, CR becomes LF (what XML reads back anyway), formula-like text gets its "'"
    text = ILLEGAL_CHARACTERS_RE.sub("", export_cell(text))
    if len(text) > EXCEL_CELL_LIMIT:
        text = text[: EXCEL_CELL_LIMIT - 1] + "…"
    return text


def _value(value: Cell) -> Cell:
    return neutralise(value) if isinstance(value, str) else value


def _table(
    sheet: Sheet,
    headings: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    *,
    first_row: int = 1,
    wrap: Sequence[int] = (),
    formats: dict[int, str] | None = None,
) -> None:
    """Write a header row and data rows from ``first_row``; style, freeze and size the columns."""
    widths = [len(h) for h in headings]
    for column, heading in enumerate(headings, start=1):
        cell = sheet.cell(row=first_row, column=column, value=_value(heading))
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = WRAP
    for offset, values in enumerate(rows, start=1):
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row=first_row + offset, column=column, value=_value(value))
            cell.alignment = WRAP if column in wrap else TOP
            if formats and column in formats:
                cell.number_format = formats[column]
            text = f"{value:%d %b %Y}" if isinstance(value, date) else str(value or "")
            longest = max((len(line) for line in text.splitlines()), default=0)
            widths[column - 1] = max(widths[column - 1], longest)
    for column, width in enumerate(widths, start=1):
        limit = WRAP_WIDTH if column in wrap else MAX_WIDTH
        if column in wrap:
            width = max(width, WRAP_WIDTH)
        sheet.column_dimensions[get_column_letter(column)].width = min(width, limit) + 2
    sheet.freeze_panes = sheet.cell(row=first_row + 1, column=1).coordinate
    last = get_column_letter(len(headings))
    sheet.auto_filter.ref = f"A{first_row}:{last}{first_row + max(len(rows), 1)}"


def workbook_xlsx(report: AssessmentReport) -> bytes:
    """The whole assessment as a workbook; see the module's docstring for the sheets."""
    workbook = Workbook()
    workbook.properties.title = neutralise(f"{report.board_name}: self-assessment {report.cycle}")
    workbook.properties.subject = neutralise(report.framework_title)
    workbook.properties.creator = "Are we there yet? bot"
    summary = workbook.active
    summary.title = "Summary"
    _summary_sheet(summary, report)
    for domain in report.domains:
        _domain_sheet(workbook.create_sheet(f"Domain {domain.number}"), report, domain)
    _actions_sheet(workbook.create_sheet("Actions"), report)
    _comments_sheet(workbook.create_sheet("Comments"), report)
    _distribution_sheet(workbook.create_sheet("Distribution"), report)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _summary_sheet(sheet: Sheet, report: AssessmentReport) -> None:
    scale = report.scale
    title = f"{report.board_name}: {report.framework_title}, {report.cycle}"
    sheet.cell(row=1, column=1, value=neutralise(title)).font = Font(bold=True, size=13)
    at = f"{report.generated_at:%H:%M %Z}".strip()
    generated = f"Prepared {long_date(report.generated_at)} at {at}"
    if report.previous_cycle:
        generated += f"; compared with {report.previous_cycle}"
    sheet.cell(row=2, column=1, value=neutralise(generated))
    headings = ["Domain", "Title", "Sub-group", "Status", "Questions"]
    headings += [scale.named(g) for g in grade_range(scale)]
    headings += ["Flagged", "Average grade"]
    if report.previous_cycle:
        headings += [f"Average grade {report.previous_cycle}", "Change"]
    headings += ["Summary"]
    rows: list[list[Cell]] = []
    for domain in report.domains:
        counts = grade_counts(domain, scale)
        average = average_grade(domain)
        row: list[Cell] = [
            domain.number,
            domain.title,
            domain.subgroup_name,
            status_text(domain),
            len(domain.questions),
        ]
        row += [counts[g] for g in grade_range(scale)]
        row += [len(flagged(domain)), round(average, 2) if average is not None else None]
        if report.previous_cycle:
            previous = previous_average_grade(domain)
            row += [round(previous, 2) if previous is not None else None]
            row += [domain_change(domain).value]
        row.append(domain_headline(domain, scale))
        rows.append(row)
    wrap = (2, len(headings))
    _table(sheet, headings, rows, first_row=4, wrap=wrap)
    below = 4 + len(rows) + 2
    sheet.cell(row=below, column=1, value="Summary of findings").font = HEADER_FONT
    for offset, line in enumerate(findings(report), start=1):
        sheet.cell(row=below + offset, column=1, value=neutralise(line))


def _domain_sheet(sheet: Sheet, report: AssessmentReport, domain: DomainReport) -> None:
    scale = report.scale
    headings = ["Question ID", "Question", "Outcome", "Grade", "Grade label"]
    headings += [scale.named(g) for g in grade_range(scale)]
    headings += [DONT_KNOW_LABEL, "Took part", "Electorate", "Turnout"]
    with_previous = report.previous_cycle is not None
    if with_previous:
        headings += [f"Grade {report.previous_cycle}", "Change"]
    headings += ["Reason", "Comments"]
    rows: list[list[Cell]] = []
    for q in domain.questions:
        grade = q.agreed_grade
        turnout = q.participants / q.electorate_size if q.electorate_size > 0 else None
        row: list[Cell] = [
            q.question_id,
            q.text,
            outcome_label(q, scale),
            grade,
            scale.label(grade) if grade is not None else None,
        ]
        row += [q.count(g) for g in grade_range(scale)]
        row += [q.distribution.dont_know, q.participants, q.electorate_size, turnout]
        if with_previous:
            moved = question_change(q)
            row += [q.previous_grade, None if moved is Change.NONE else moved.value]
        row.append(q.reason or None)
        row.append("\n".join(f"{name}: {text}" for name, text in q.comments) or None)
        rows.append(row)
    turnout_column = headings.index("Turnout") + 1
    _table(
        sheet,
        headings,
        rows,
        wrap=(2, len(headings) - 1, len(headings)),
        formats={turnout_column: "0%"},
    )


def _actions_sheet(sheet: Sheet, report: AssessmentReport) -> None:
    today = report.generated_at.date()
    texts = {q.question_id: q.text for q in report.questions}
    headings = [
        "Ref",
        "Question ID",
        "Question",
        "Action",
        "Priority",
        "Priority label",
        "Owner",
        "Due",
        "Status",
    ]
    rows: list[list[Cell]] = [
        [
            reference,
            action.question_id,
            texts.get(action.question_id),
            action.action,
            action.priority,
            action.priority_label,
            action.owner,
            action.due,
            action_status(action, today),
        ]
        for reference, action in numbered_actions(report)
    ]
    _table(sheet, headings, rows, wrap=(3, 4), formats={8: "DD MMM YYYY"})


def _comments_sheet(sheet: Sheet, report: AssessmentReport) -> None:
    rows: list[list[Cell]] = [
        [domain.number, q.question_id, name, text]
        for domain in report.domains
        for q in domain.questions
        for name, text in q.comments
    ]
    _table(sheet, ["Domain", "Question ID", "Member", "Comment"], rows, wrap=(4,))


def _distribution_sheet(sheet: Sheet, report: AssessmentReport) -> None:
    scale = report.scale
    rows: list[list[Cell]] = []
    for domain in report.domains:
        for q in domain.questions:
            for grade in grade_range(scale):
                rows.append(
                    [domain.number, q.question_id, grade, scale.label(grade), q.count(grade)]
                )
            rows.append(
                [domain.number, q.question_id, None, DONT_KNOW_LABEL, q.distribution.dont_know]
            )
    _table(sheet, ["Domain", "Question ID", "Grade", "Grade label", "Count"], rows)

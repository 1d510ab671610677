"""The board paper as a PDF (fpdf2), laid out like the Audit Commission's diagnostic reports.

Order: a title block (board, framework, cycle, date), "Summary of findings" (the findings lines
and the seed's table of strengths and areas for further development per area of focus), the
chart of all domains with its description, the grades per domain (question, outcome,
distribution, turnout, change since the previous cycle, members' comments) and the "Action plan"
(recommendation, priority 1 = Low 2 = Med 3 = High, responsibility, status, date).

Text typed by members can hold any character. The paper is set in DejaVu Sans, the Unicode font
that ships inside matplotlib (already a dependency for the charts); characters the font has no
glyph for (emoji, mostly) are written as their Unicode name in brackets. If the font cannot be
found, the core Helvetica font is used and text is transliterated to Latin-1 instead (both in
pdf_fonts.py).
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from io import BytesIO

from fpdf import FPDF, XPos
from fpdf.fonts import FontFace, TTFFont

from bot.domain.report import (
    AssessmentReport,
    DomainReport,
    DomainStatus,
    average_grade,
    domain_change,
    previous_average_grade,
)
from bot.domain.report_text import (
    action_status,
    assessment_alt_text,
    change_text,
    distribution_text,
    domain_findings,
    domain_headline,
    findings,
    format_average,
    grade_range,
    long_date,
    numbered_actions,
    outcome_text,
    questions_without_actions,
    status_text,
    turnout_text,
)
from handlers.files.pdf_fonts import latin1_safe, make_safe_for_font, unicode_font_paths
from handlers.files.pdf_quotes import quote_lines, quoted

FAMILY = "DejaVu"
CORE_FAMILY = "helvetica"
MARGIN = 18.0
GREY_FILL = (230, 230, 230)
HEADINGS = FontFace(emphasis="BOLD", fill_color=GREY_FILL)


def _png_size(png: bytes) -> tuple[int, int]:
    if png[:8] != b"\x89PNG\r\n\x1a\n" or len(png) < 24:
        raise ValueError("the chart is not a PNG image")
    width, height = struct.unpack(">II", png[16:24])
    return int(width), int(height)


class BoardPaper(FPDF):
    """An A4 page with a running footer; ``t()`` makes any text safe for the font in use."""

    def __init__(self, footer_text: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.footer_text = footer_text
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(auto=True, margin=MARGIN)
        paths = unicode_font_paths()
        self.text_family = CORE_FAMILY
        self._glyphs: dict[int, str] | None = None
        if paths is not None:
            regular, bold = paths
            self.add_font(FAMILY, "", regular)
            self.add_font(FAMILY, "B", bold)
            font = self.fonts.get(FAMILY.lower())
            if isinstance(font, TTFFont):
                self.text_family = FAMILY
                self._glyphs = font.cmap
        self.footer_text = self.t(footer_text)

    def t(self, text: str) -> str:
        cmap = self._glyphs
        if cmap is None:
            return latin1_safe(text)
        return make_safe_for_font(text, lambda char: ord(char) in cmap)

    def use_font(self, size: float, *, bold: bool = False) -> None:
        self.set_font(self.text_family, "B" if bold else "", size)

    def footer(self) -> None:
        self.set_y(-12)
        self.use_font(8)
        self.set_text_color(90, 90, 90)
        self.cell(0, 5, f"{self.footer_text} | Page {self.page_no()} of {{nb}}", align="C")
        self.set_text_color(0, 0, 0)

    def heading(self, text: str, size: float = 15) -> None:
        if self.get_y() > self.h - MARGIN - 30:
            self.add_page()
        self.ln(3)
        self.use_font(size, bold=True)
        self.multi_cell(0, size * 0.5, self.t(text), align="L", new_x=XPos.LMARGIN)
        self.ln(2)
        self.use_font(10)

    def paragraph(self, text: str, size: float = 10, *, bold: bool = False) -> None:
        self.use_font(size, bold=bold)
        self.multi_cell(0, size * 0.5, self.t(text), align="L", new_x=XPos.LMARGIN)
        self.ln(1)

    def bullets(self, items: Sequence[str], size: float = 10) -> None:
        self.use_font(size)
        indent = 5.0
        for item in items:
            self.set_x(self.l_margin)
            self.cell(indent, size * 0.5, "-")
            self.multi_cell(0, size * 0.5, self.t(item), align="L", new_x=XPos.LMARGIN)
            self.ln(0.8)

    def grid(
        self,
        headings: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
        size: float = 8.5,
    ) -> None:
        self.use_font(size)
        with self.table(
            col_widths=tuple(widths),
            headings_style=HEADINGS,
            line_height=size * 0.5,
            text_align="LEFT",
            v_align="TOP",
            padding=1.2,
            repeat_headings=1,
        ) as table:
            header = table.row()
            for text in headings:
                header.cell(self.t(text))
            for values in rows:
                row = table.row()
                for text in values:
                    row.cell(self.t(text))
        self.ln(3)


def board_paper_pdf(report: AssessmentReport, chart_png: bytes) -> bytes:
    """The board paper: summary of findings, the chart, the grades per domain, the action plan."""
    pdf = BoardPaper(f"{report.board_name} | Are we there yet? {report.cycle}")
    pdf.set_title(pdf.t(f"{report.board_name}: self-assessment {report.cycle}"))
    pdf.set_subject(pdf.t(report.framework_title))
    pdf.set_author(pdf.t(report.board_name))
    pdf.set_creator("Are we there yet? bot")
    pdf.set_lang("en-GB")
    pdf.add_page()
    _title_block(pdf, report)
    _summary_of_findings(pdf, report)
    _chart(pdf, report, chart_png)
    for domain in report.domains:
        _domain_section(pdf, report, domain)
    _action_plan(pdf, report)
    return bytes(pdf.output())


def _title_block(pdf: BoardPaper, report: AssessmentReport) -> None:
    pdf.ln(6)
    pdf.paragraph(report.board_name, 20, bold=True)
    pdf.paragraph(report.framework_title, 13)
    cycle = f"Self-assessment {report.cycle}"
    if report.previous_cycle:
        cycle += f", compared with {report.previous_cycle}"
    pdf.paragraph(cycle, 12, bold=True)
    pdf.paragraph(f"Board paper prepared {long_date(report.generated_at)}", 10)
    scale = report.scale
    grades = ", ".join(scale.named(g) for g in grade_range(scale))
    pdf.ln(2)
    pdf.paragraph(
        f"Each question was graded by the board's sub-groups on the scale {grades}. A question "
        "is flagged for the board when its sub-group did not agree a grade (DISAGREEMENT) or "
        "too few members took part (NO QUORUM). Questions graded 1 or 2 need an action in the "
        "action plan.",
        9,
    )
    pdf.set_draw_color(150, 150, 150)
    pdf.line(pdf.l_margin, pdf.get_y() + 1, pdf.w - pdf.r_margin, pdf.get_y() + 1)
    pdf.set_draw_color(0, 0, 0)
    pdf.ln(3)


def _summary_of_findings(pdf: BoardPaper, report: AssessmentReport) -> None:
    pdf.heading("Summary of findings")
    pdf.bullets(findings(report))
    pdf.ln(2)
    rows: list[list[str]] = []
    for domain in report.domains:
        found = domain_findings(domain, report.scale)
        development = list(found.for_development)
        development += [f"For discussion: {line}" for line in found.for_discussion]
        rows.append(
            [
                f"{found.number}. {found.title}\n{found.headline}",
                "\n".join(f"- {line}" for line in found.strengths) or "None recorded",
                "\n".join(f"- {line}" for line in development) or "None recorded",
            ]
        )
    if rows:
        pdf.grid(
            ("Area of focus", "Areas of strength", "Areas for further development"),
            rows,
            (0.28, 0.36, 0.36),
        )


def _chart(pdf: BoardPaper, report: AssessmentReport, chart_png: bytes) -> None:
    pdf.heading("Grades by domain")
    width_px, height_px = _png_size(chart_png)
    width = pdf.epw
    height = width * height_px / width_px
    limit = (pdf.h - 2 * MARGIN) * 0.7
    if height > limit:
        width, height = width * limit / height, limit
    if pdf.get_y() + height > pdf.h - MARGIN - 15:
        pdf.add_page()
    description = assessment_alt_text(report)
    x = pdf.l_margin + (pdf.epw - width) / 2
    pdf.image(BytesIO(chart_png), x=x, w=width, h=height, alt_text=pdf.t(description))
    pdf.ln(2)
    pdf.paragraph(f"Figure: {description}", 8)


def _domain_section(pdf: BoardPaper, report: AssessmentReport, domain: DomainReport) -> None:
    scale = report.scale
    pdf.heading(f"Domain {domain.number}. {domain.title}", 12)
    facts = [f"Sub-group: {domain.subgroup_name}" if domain.subgroup_name else ""]
    facts.append(f"Status: {status_text(domain)}")
    if domain.turnout is not None:
        facts.append(f"Turnout: {domain.turnout.took_part} of {domain.turnout.electorate} members")
    average = average_grade(domain)
    if average is not None:
        text = f"Average grade: {format_average(average)}"
        if report.previous_cycle is not None:
            previous = previous_average_grade(domain)
            text += (
                f" ({domain_change(domain).value}; {report.previous_cycle}: "
                f"{format_average(previous)})"
            )
        facts.append(text)
    pdf.paragraph(" | ".join(f for f in facts if f), 9)
    pdf.paragraph(domain_headline(domain, scale), 9)
    if domain.status is DomainStatus.NOT_STARTED or not domain.questions:
        return
    headings = ["Question", "Outcome", "Distribution", "Took part"]
    widths = [0.42, 0.2, 0.26, 0.12]
    if report.previous_cycle is not None:
        headings.append(f"Change since {report.previous_cycle}")
        widths = [0.34, 0.19, 0.2, 0.09, 0.18]
    rows: list[list[str]] = []
    for q in domain.questions:
        outcome = outcome_text(q, scale)
        if q.reason and q.is_flagged:
            outcome += f"\n{q.reason}"
        elif q.how_reached and q.how_reached != "agreed in round 1":
            outcome += f"\n({q.how_reached})"
        row = [
            f"{q.question_id} {q.text}",
            outcome,
            distribution_text(q, scale),
            turnout_text(q),
        ]
        if report.previous_cycle is not None:
            row.append(change_text(q, scale) or "No grade either cycle")
        rows.append(row)
    pdf.grid(headings, rows, widths)
    comments = [(q.question_id, name, text) for q in domain.questions for name, text in q.comments]
    if comments:
        pdf.paragraph("Members' comments", 10, bold=True)
        for question_id, name, text in comments:
            quoted(pdf, pdf.t, pdf.text_family, f"{question_id}, {name}:", text)


def _action_plan(pdf: BoardPaper, report: AssessmentReport) -> None:
    pdf.heading("Action plan")
    today = report.generated_at.date()
    texts = {q.question_id: q.text for q in report.questions}
    grades = {q.question_id: q.agreed_grade for q in report.questions}
    if report.actions:
        rows: list[list[str]] = []
        for reference, action in numbered_actions(report):
            grade = grades.get(action.question_id)
            about = f"question {action.question_id}"
            if grade is not None:
                about += f", graded {report.scale.named(grade)}"
            rows.append(
                [
                    f"{reference}\n{quote_lines(action.action)}\n({about})",
                    f"{action.priority} ({action.priority_label})",
                    quote_lines(action.owner),
                    action_status(action, today),
                    long_date(action.due),
                ]
            )
        pdf.grid(
            (
                "Recommendation",
                "Priority 1 = Low 2 = Med 3 = High",
                "Responsibility",
                "Status",
                "Date",
            ),
            rows,
            (0.44, 0.13, 0.2, 0.1, 0.13),
        )
    else:
        pdf.paragraph("No actions have been recorded yet.", 10)
    missing = questions_without_actions(report)
    if missing:
        pdf.paragraph("Questions graded 1 or 2 that still need an action:", 10, bold=True)
        pdf.bullets([f"{q.question_id} {texts.get(q.question_id, '')}" for q in missing], 9)

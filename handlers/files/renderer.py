"""The report files as the core asks for them (bot.ports.ReportFiles)."""

from __future__ import annotations

from bot.domain.report import AssessmentReport, DomainReport
from bot.views.rounds import GradeScale
from handlers.files.charts import assessment_chart_png, domain_chart_png
from handlers.files.pdf import board_paper_pdf
from handlers.files.xlsx import workbook_xlsx


class ReportFileRenderer:
    """PNG charts (matplotlib, no display), the board paper (fpdf2) and the workbook (openpyxl)."""

    def domain_chart(self, domain: DomainReport, scale: GradeScale) -> bytes:
        return domain_chart_png(domain, scale)

    def assessment_chart(self, report: AssessmentReport) -> bytes:
        return assessment_chart_png(report)

    def board_paper(self, report: AssessmentReport, chart_png: bytes) -> bytes:
        return board_paper_pdf(report, chart_png)

    def workbook(self, report: AssessmentReport) -> bytes:
        return workbook_xlsx(report)

"""The report: built from the current cycle, posted with its files."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.domain.report import ActionItem, AssessmentReport, DomainReport, DomainStatus
from bot.domain.report_text import assessment_alt_text
from bot.ports import ChatError
from bot.services.actions import ActionUseCases
from bot.services.cycles import CycleUseCases
from bot.services.home import HomeUseCases
from bot.services.report_context import (
    ReportingBase,
    fit_alt_text,
    latest_by_domain,
    log,
    previous_grades,
)
from bot.views.reply import Reply, refuse
from bot.views.report import (
    FileToUpload,
    ReportMessageView,
)


class ReportUseCases(ReportingBase):
    """The report: built from the current cycle, posted with its files."""

    def build_report(self) -> AssessmentReport | None:
        """The current cycle as a report; None if no cycle has begun."""
        with self.uow_factory() as uow:
            cycles = uow.cycles.cycles(self.framework.id)
            if not cycles:
                return None
            current = cycles[-1]
            previous = cycles[-2] if len(cycles) > 1 else None
            rounds = uow.cycles.rounds_in_cycle(current.id)
            before = uow.cycles.rounds_in_cycle(previous.id) if previous else []
            actions = uow.cycles.actions_for_cycle(self.framework.id, current.id)
        earlier = previous_grades(before)
        latest = latest_by_domain(rounds)
        commenters = sorted(
            {c.user_id for r in latest.values() for q in r.questions for c in q.comments}
        )
        names = self.chat.display_names(commenters) if commenters else {}
        domains = []
        for domain in self.framework.domains:
            round_ = latest.get(domain.number)
            if round_ is None:
                domains.append(
                    DomainReport(
                        number=domain.number,
                        title=domain.title,
                        subgroup_name=self._subgroup_of(domain.number),
                        status=DomainStatus.NOT_STARTED,
                        questions=(),
                    )
                )
            else:
                domains.append(self.domain_report(round_, earlier, names))
        return AssessmentReport(
            board_name=self.config.board.name,
            cycle=current.name,
            previous_cycle=previous.name if previous else None,
            framework_title=self.framework.title,
            generated_at=self.clock.now(),
            domains=tuple(domains),
            actions=tuple(
                ActionItem(a.question_id, a.text, a.priority, a.owner, a.due, a.done)
                for a in actions
            ),
            scale=self.presenter.scale,
        )

    def post_report(self, user_id: str) -> Reply:
        """Post the current cycle to the board channel, with its chart, PDF and workbook."""
        refusal = self._chairs_only(user_id, "report")
        if refusal:
            return refusal
        report = self.build_report()
        if report is None:
            return refuse(
                "No assessment cycle has started yet, so there is nothing to report. "
                "Put a domain to its sub-group first with `/assess domain N`."
            )
        if all(d.status is DomainStatus.NOT_STARTED for d in report.domains):
            return refuse(
                f"No domain has been put to a sub-group in cycle {report.cycle} yet, so there "
                "is nothing to report. Start one with `/assess domain N`."
            )
        chart = self.files.assessment_chart(report)
        stem = f"assessment-{re.sub(r'[^A-Za-z0-9-]+', '-', report.cycle)}"
        files = [
            FileToUpload(
                f"{stem}-chart.png",
                f"Chart: agreed grades by domain, {report.cycle}",
                chart,
                alt_text=fit_alt_text(assessment_alt_text(report)),
            ),
            FileToUpload(
                f"{stem}.pdf",
                f"Board paper: self-assessment {report.cycle}",
                self.files.board_paper(report, chart),
            ),
            FileToUpload(
                f"{stem}.xlsx",
                f"Workbook: self-assessment {report.cycle}",
                self.files.workbook(report),
            ),
        ]
        channel = self.config.board.channel
        try:
            self.chat.post_board_message(channel, ReportMessageView(report, user_id))
            self.chat.upload(
                channel,
                files,
                comment=f"The board paper for {report.cycle}: a PDF, a workbook and the chart.",
            )
        except ChatError as exc:
            log.error("report_not_posted", error=str(exc))
            return refuse(
                f"The report could not be posted to the board channel ({exc}). Check the app "
                "is in that channel, then try `/assess report` again."
            )
        log.info("report_posted", cycle=report.cycle, by=user_id)
        return Reply(
            f"Posted the {report.cycle} report to <#{channel}>, with the chart, "
            "the board paper (PDF) and the workbook (XLSX)."
        )


@dataclass
class Reporting(CycleUseCases, ReportUseCases, ActionUseCases, HomeUseCases):
    """Cycles, the report, the action plan and the Home tab."""

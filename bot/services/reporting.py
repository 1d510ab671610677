"""The report (built from the current cycle, posted with its files), and `Reporting`: the
reporting use cases behind one object, each call passed on."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.config import AppConfig
from bot.domain.framework import Framework
from bot.domain.messages import FileToSend
from bot.domain.report import (
    ActionItem,
    AssessmentReport,
    DomainReport,
    DomainStatus,
)
from bot.domain.report_text import assessment_alt_text
from bot.domain.rounds import Round
from bot.domain.text import ChannelLink, Composed, command
from bot.ports import ChatError, ChatGateway, Clock, ReportFiles, UnitOfWorkFactory
from bot.presenter import Presenter
from bot.services.actions import ActionUseCases
from bot.services.cycles import CycleUseCases
from bot.services.home import HomeUseCases
from bot.services.report_context import (
    ReportingContext,
    fit_alt_text,
    latest_by_domain,
    log,
    previous_grades,
)
from bot.views.forms import ActionFormView
from bot.views.reply import Reply, refuse
from bot.views.report import (
    ActionPromptView,
    HomeView,
    ReportMessageView,
)


@dataclass
class ReportUseCases:
    """The report: built from the current cycle, posted with its files."""

    ctx: ReportingContext

    def build_report(self) -> AssessmentReport | None:
        """The current cycle as a report; None if no cycle has begun."""
        with self.ctx.uow_factory() as uow:
            cycles = uow.cycles.cycles(self.ctx.framework.id)
            if not cycles:
                return None
            current = cycles[-1]
            previous = cycles[-2] if len(cycles) > 1 else None
            rounds = uow.cycles.rounds_in_cycle(current.id)
            before = uow.cycles.rounds_in_cycle(previous.id) if previous else []
            actions = uow.cycles.actions_for_cycle(self.ctx.framework.id, current.id)
        earlier = previous_grades(before)
        latest = latest_by_domain(rounds)
        commenters = sorted(
            {c.user_id for r in latest.values() for q in r.questions for c in q.comments}
        )
        names = self.ctx.chat.display_names(commenters) if commenters else {}
        domains = []
        for domain in self.ctx.framework.domains:
            round_ = latest.get(domain.number)
            if round_ is None:
                domains.append(
                    DomainReport(
                        number=domain.number,
                        title=domain.title,
                        subgroup_name=self.ctx.subgroup_of(domain.number),
                        status=DomainStatus.NOT_STARTED,
                        questions=(),
                    )
                )
            else:
                domains.append(self.ctx.domain_report(round_, earlier, names))
        return AssessmentReport(
            board_name=self.ctx.config.board.name,
            cycle=current.name,
            previous_cycle=previous.name if previous else None,
            framework_title=self.ctx.framework.title,
            generated_at=self.ctx.clock.now(),
            domains=tuple(domains),
            actions=tuple(
                ActionItem(a.question_id, a.text, a.priority, a.owner, a.due, a.done)
                for a in actions
            ),
            scale=self.ctx.presenter.scale,
        )

    def post_report(self, user_id: str) -> Reply:
        """Post the current cycle to the board channel, with its chart, PDF and workbook."""
        refusal = self.ctx.chairs_only(user_id, "report")
        if refusal:
            return refusal
        report = self.build_report()
        if report is None or all(d.status is DomainStatus.NOT_STARTED for d in report.domains):
            return nothing_to_report(report)
        chart = self.ctx.files.assessment_chart(report)
        stem = f"assessment-{re.sub(r'[^A-Za-z0-9-]+', '-', report.cycle)}"
        files = [
            FileToSend(
                f"{stem}-chart.png",
                f"Chart: agreed grades by domain, {report.cycle}",
                chart,
                alt_text=fit_alt_text(assessment_alt_text(report)),
            ),
            FileToSend(
                f"{stem}.pdf",
                f"Board paper: self-assessment {report.cycle}",
                self.ctx.files.board_paper(report, chart),
            ),
            FileToSend(
                f"{stem}.xlsx",
                f"Workbook: self-assessment {report.cycle}",
                self.ctx.files.workbook(report),
            ),
        ]
        channel = self.ctx.config.board.channel
        try:
            self.ctx.chat.post_board_message(channel, ReportMessageView(report, user_id))
            self.ctx.chat.send_files(
                channel,
                files,
                comment=f"The board paper for {report.cycle}: a PDF, a workbook and the chart.",
            )
        except ChatError as exc:
            log.error("report_not_posted", error=str(exc))
            return refuse(
                Composed(
                    f"The report could not be posted to the board channel ({exc}). Check the app "
                    "is in that channel, then try ",
                    command("report"),
                    " again.",
                )
            )
        log.info("report_posted", cycle=report.cycle, by=user_id)
        return Reply(
            Composed(
                f"Posted the {report.cycle} report to ",
                ChannelLink(channel),
                ", with the chart, the board paper (PDF) and the workbook (XLSX).",
            )
        )


def nothing_to_report(report: AssessmentReport | None) -> Reply:
    """The refusal when there is no cycle (``report`` None) or no domain in it yet."""
    if report is None:
        return refuse(
            Composed(
                "No assessment cycle has started yet, so there is nothing to report. "
                "Put a domain to its sub-group first with ",
                command("domain N"),
                ".",
            )
        )
    return refuse(
        Composed(
            f"No domain has been put to a sub-group in cycle {report.cycle} yet, so there "
            "is nothing to report. Start one with ",
            command("domain N"),
            ".",
        )
    )


@dataclass
class Reporting:
    """Cycles, the report, the action plan and the Home tab."""

    config: AppConfig
    framework: Framework
    uow_factory: UnitOfWorkFactory
    chat: ChatGateway
    files: ReportFiles
    clock: Clock
    context: ReportingContext = field(init=False)
    cycles: CycleUseCases = field(init=False)
    report: ReportUseCases = field(init=False)
    actions: ActionUseCases = field(init=False)
    home_tab: HomeUseCases = field(init=False)

    def __post_init__(self) -> None:
        self.context = ReportingContext(
            config=self.config,
            framework=self.framework,
            uow_factory=self.uow_factory,
            chat=self.chat,
            files=self.files,
            clock=self.clock,
        )
        self.cycles = CycleUseCases(self.context)
        self.report = ReportUseCases(self.context)
        self.actions = ActionUseCases(self.context)
        self.home_tab = HomeUseCases(self.context)

    def rebind(self, config: AppConfig, framework: Framework) -> None:
        """Use a newly saved configuration from now on."""
        self.config, self.framework = config, framework
        self.context.config, self.context.framework = config, framework
        self.context.presenter = Presenter(config, framework)

    def show_cycle(self) -> Reply:
        return self.cycles.show_cycle()

    def start_cycle(self, user_id: str, name: str) -> Reply:
        return self.cycles.start_cycle(user_id, name)

    def build_report(self) -> AssessmentReport | None:
        return self.report.build_report()

    def post_report(self, user_id: str) -> Reply:
        return self.report.post_report(user_id)

    def action_form(self, user_id: str, round_question_id: int) -> ActionFormView | Reply:
        return self.actions.action_form(user_id, round_question_id)

    def add_action(
        self,
        user_id: str,
        round_question_id: int,
        text: str,
        priority: str,
        owner: str,
        due: str,
    ) -> Reply:
        return self.actions.add_action(user_id, round_question_id, text, priority, owner, due)

    def action_prompt(self, round_: Round) -> ActionPromptView | None:
        return self.actions.action_prompt(round_)

    def action_prompt_for(self, round_question_id: int) -> ActionPromptView | None:
        return self.actions.action_prompt_for(round_question_id)

    def list_actions(self) -> Reply:
        return self.actions.list_actions()

    def mark_done(self, user_id: str, action_id: int) -> Reply:
        return self.actions.mark_done(user_id, action_id)

    def home(self, user_id: str, notice: str | None = None) -> HomeView:
        return self.home_tab.home(user_id, notice)

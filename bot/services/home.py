"""The Home tab."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.domain.actions import ActionStatus, StoredAction
from bot.domain.report import DomainStatus
from bot.domain.report_text import domain_headline
from bot.domain.rounds import Round
from bot.services.actions import action_text
from bot.services.report_context import HOME_ACTIONS, ReportingContext, latest_by_domain, turnout
from bot.views.report import (
    HomeAction,
    HomeDomain,
    HomeQuestion,
    HomeView,
)


@dataclass
class HomeUseCases:
    """The Home tab."""

    ctx: ReportingContext

    def home(self, user_id: str, notice: str | None = None) -> HomeView:
        """The current cycle at a glance, and the questions waiting for this person's vote."""
        with self.ctx.uow_factory() as uow:
            cycles = uow.cycles.cycles(self.ctx.framework.id)
            current = cycles[-1] if cycles else None
            rounds = uow.cycles.rounds_in_cycle(current.id) if current else []
            open_rounds = uow.rounds.open_rounds(self.ctx.framework.id)
            actions = (
                uow.cycles.actions_for_cycle(self.ctx.framework.id, current.id) if current else []
            )
        latest = latest_by_domain(rounds)
        is_chair = self.ctx.config.is_chair(user_id)
        today = self.ctx.clock.now().date()
        still_open = sorted(
            (a for a in actions if not a.done), key=lambda a: (-a.priority, a.due, a.id)
        )
        return HomeView(
            board_name=self.ctx.config.board.name,
            cycle=current.name if current else None,
            domains=tuple(
                self._home_domain(d.number, d.title, latest) for d in self.ctx.framework.domains
            ),
            waiting=self._waiting(user_id, [*open_rounds, *latest.values()]),
            open_actions=len(still_open),
            is_chair=is_chair,
            actions=self._home_actions(still_open, today) if is_chair else (),
            notice=notice,
        )

    def _home_domain(self, number: int, title: str, latest: dict[int, Round]) -> HomeDomain:
        round_ = latest.get(number)
        if round_ is None:
            subgroup = self.ctx.subgroup_of(number)
            return HomeDomain(number, title, subgroup, DomainStatus.NOT_STARTED, "")
        if round_.is_open:
            took_part = turnout(round_)
            return HomeDomain(
                number,
                title,
                self.ctx.presenter.subgroup_name(round_.subgroup_key),
                DomainStatus.OPEN,
                f"{took_part.took_part} of {took_part.electorate} have voted",
                round_.deadline_at,
            )
        report = self.ctx.domain_report(round_)
        return HomeDomain(
            number,
            title,
            report.subgroup_name,
            DomainStatus.GRADED,
            domain_headline(report, self.ctx.presenter.scale),
        )

    def _waiting(self, user_id: str, rounds: list[Round]) -> tuple[HomeQuestion, ...]:
        """Questions waiting for this person's vote: open rounds, and closed ones with a re-vote
        still open."""
        return tuple(
            HomeQuestion(
                domain=round_.domain,
                question_id=question.question_id,
                text=self.ctx.presenter.question_text(question.question_id),
                channel_id=round_.channel_id,
                message_id=question.message_id,
            )
            for round_ in {r.id: r for r in rounds}.values()
            if user_id in round_.electorate
            for question in round_.waiting_on(user_id)
        )

    def _home_actions(self, still_open: list[StoredAction], today: date) -> tuple[HomeAction, ...]:
        return tuple(
            HomeAction(
                a.id,
                action_text(a, f"{a.question_id}: ", ""),
                a.status(today) is ActionStatus.OVERDUE,
            )
            for a in still_open[:HOME_ACTIONS]
        )

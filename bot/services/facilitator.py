"""The Facilitator: the round use cases behind one object; each call is passed on."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.ballot_box import BallotBox
from bot.config import AppConfig
from bot.domain.consensus import Choice
from bot.domain.framework import Framework
from bot.ports import ChatGateway, Clock, UnitOfWorkFactory
from bot.services.audit import AuditUseCases
from bot.services.ballots import BallotUseCases
from bot.services.configuration import ConfigInForce
from bot.services.context import RoundContext
from bot.services.delivery import Delivery
from bot.services.disagreement import DisagreementUseCases
from bot.services.redraw import RedrawUseCases
from bot.services.refresh import RefreshScheduler
from bot.services.rounds import RoundUseCases
from bot.services.schedule import ScheduleUseCases, SweepResult
from bot.views.forms import CommentFormView, DecisionFormView
from bot.views.reply import Outcome, Reply


@dataclass
class Facilitator:
    """Runs assessment rounds. Platform-neutral: chat and storage come in through ports."""

    config: AppConfig
    framework: Framework
    uow_factory: UnitOfWorkFactory
    chat: ChatGateway
    clock: Clock
    refresher: RefreshScheduler
    delivery: Delivery
    in_force: ConfigInForce | None = None
    ballot_box: BallotBox | None = None
    context: RoundContext = field(init=False)
    rounds: RoundUseCases = field(init=False)
    ballots: BallotUseCases = field(init=False)
    disagreement: DisagreementUseCases = field(init=False)
    schedule: ScheduleUseCases = field(init=False)
    audit: AuditUseCases = field(init=False)
    redraw: RedrawUseCases = field(init=False)

    def __post_init__(self) -> None:
        self.context = RoundContext(
            config=self.config,
            framework=self.framework,
            uow_factory=self.uow_factory,
            chat=self.chat,
            clock=self.clock,
            refresher=self.refresher,
            delivery=self.delivery,
            in_force=self.in_force,
            ballot_box=self.ballot_box,
        )
        self.rounds = RoundUseCases(self.context)
        self.ballots = BallotUseCases(self.context)
        self.disagreement = DisagreementUseCases(self.context)
        self.schedule = ScheduleUseCases(self.context)
        self.audit = AuditUseCases(self.context)
        self.redraw = RedrawUseCases(self.context)

    def rebind(self, config: AppConfig, framework: Framework) -> None:
        """Use a newly saved configuration from now on (rounds keep their own)."""
        self.config, self.framework = config, framework
        self.context.rebind(config, framework)
        self.delivery.presenter = self.context.presenter

    def start_round(self, user_id: str, domain: int) -> Reply:
        return self.rounds.start_round(user_id, domain)

    def open_round(self, user_id: str, domain: int) -> Outcome:
        return self.rounds.open_round(user_id, domain)

    def status(self) -> Reply:
        return self.rounds.status()

    def close_domain(self, user_id: str, domain: int) -> Reply:
        return self.rounds.close_domain(user_id, domain)

    def close_now(self, user_id: str, domain: int) -> Outcome:
        return self.rounds.close_now(user_id, domain)

    def extend_deadline(self, user_id: str, domain: int, by: timedelta) -> Reply:
        return self.rounds.extend_deadline(user_id, domain, by)

    def remind_now(self, user_id: str, domain: int) -> Reply:
        return self.rounds.remind_now(user_id, domain)

    def record_vote(
        self,
        user_id: str,
        round_id: int,
        round_question_id: int,
        choice: Choice,
        clicked_at: datetime | None = None,
    ) -> Reply:
        return self.ballots.record_vote(user_id, round_id, round_question_id, choice, clicked_at)

    def cast_vote(
        self,
        user_id: str,
        round_id: int,
        round_question_id: int,
        choice: Choice,
        clicked_at: datetime | None = None,
    ) -> Outcome:
        return self.ballots.cast_vote(user_id, round_id, round_question_id, choice, clicked_at)

    def comment_form(
        self, user_id: str, round_id: int, round_question_id: int
    ) -> CommentFormView | Reply:
        return self.ballots.comment_form(user_id, round_id, round_question_id)

    def add_comment(self, user_id: str, round_id: int, round_question_id: int, text: str) -> Reply:
        return self.ballots.add_comment(user_id, round_id, round_question_id, text)

    def start_revote(self, user_id: str, round_id: int, round_question_id: int) -> Reply:
        return self.disagreement.start_revote(user_id, round_id, round_question_id)

    def open_revote(self, user_id: str, round_id: int, round_question_id: int) -> Outcome:
        return self.disagreement.open_revote(user_id, round_id, round_question_id)

    def decision_form(
        self, user_id: str, round_id: int, round_question_id: int
    ) -> DecisionFormView | Reply:
        return self.disagreement.decision_form(user_id, round_id, round_question_id)

    def decide(
        self, user_id: str, round_id: int, round_question_id: int, grade: int, rationale: str
    ) -> Reply:
        return self.disagreement.decide(user_id, round_id, round_question_id, grade, rationale)

    def record_decision(
        self, user_id: str, round_id: int, round_question_id: int, grade: int, rationale: str
    ) -> Outcome:
        return self.disagreement.record_decision(
            user_id, round_id, round_question_id, grade, rationale
        )

    def sweep(self) -> SweepResult:
        return self.schedule.sweep()

    def send_audit(self, user_id: str, domain: int) -> Reply:
        return self.audit.send_audit(user_id, domain)

    def refresh_question(self, round_question_id: int) -> None:
        return self.redraw.refresh_question(round_question_id)

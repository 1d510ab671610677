"""What the reporting use cases share: dependencies, chair checks, per-domain reports."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import structlog

from bot.config import AppConfig
from bot.domain.actions import Cycle
from bot.domain.consensus import OutcomeKind
from bot.domain.framework import Framework
from bot.domain.report import DomainReport, DomainStatus, QuestionReport, Turnout
from bot.domain.rounds import Round, RoundQuestion
from bot.domain.text import Composed, command
from bot.ports import ChatGateway, Clock, ReportFiles, UnitOfWorkFactory
from bot.presenter import Presenter
from bot.views.reply import Reply, refuse

log = structlog.get_logger(__name__)

ACTION_MAX_LENGTH = 1000
OWNER_MAX_LENGTH = 200
ALT_TEXT_LIMIT = 1000
LIST_LIMIT = 2900  # a private reply is one section of at most 3000 characters
ACTION_SHOWN = 140
HOME_ACTIONS = 20


def current_questions(round_: Round) -> list[RoundQuestion]:
    """Each question's latest ballot (a re-vote is a later ballot), in the domain's order."""
    return round_.current_questions


def latest_by_domain(rounds: Sequence[Round]) -> dict[int, Round]:
    """Each domain's newest round (rounds come oldest first)."""
    latest: dict[int, Round] = {}
    for round_ in rounds:
        latest[round_.domain] = round_
    return latest


def previous_grades(rounds: Sequence[Round]) -> dict[str, int]:
    """Question id → final grade, from each domain's newest closed round."""
    closed = latest_by_domain([r for r in rounds if not r.is_open])
    grades: dict[str, int] = {}
    for round_ in closed.values():
        for question in current_questions(round_):
            grade = question.final_grade
            if grade is not None:
                grades[question.question_id] = grade
    return grades


def turnout(round_: Round) -> Turnout:
    voters = {user for q in round_.questions for user in q.votes}
    return Turnout(len(voters & set(round_.electorate)), len(round_.electorate))


def fit_alt_text(text: str) -> str:
    return text if len(text) <= ALT_TEXT_LIMIT else text[: ALT_TEXT_LIMIT - 1] + "…"


@dataclass
class ReportingContext:
    """What the reporting use cases depend on (one set, shared), and the steps they share."""

    config: AppConfig
    framework: Framework
    uow_factory: UnitOfWorkFactory
    chat: ChatGateway
    files: ReportFiles
    clock: Clock
    presenter: Presenter = field(init=False)

    def __post_init__(self) -> None:
        self.presenter = Presenter(self.config, self.framework)

    def chairs_only(self, user_id: str, verb: str) -> Reply | None:
        if self.config.is_chair(user_id):
            return None
        return refuse(
            Composed(
                "Only the board's chairs can use ",
                command(verb),
                ". Ask a chair to do it, or to add you as a chair with ",
                command("setup"),
                ".",
            )
        )

    def cycles(self) -> list[Cycle]:
        with self.uow_factory() as uow:
            return uow.cycles.cycles(self.framework.id)

    def subgroup_of(self, domain: int) -> str:
        assignment = self.config.subgroup_for(domain)
        return assignment[1].name if assignment else ""

    def domain_report(
        self,
        round_: Round,
        previous: Mapping[str, int] | None = None,
        names: Mapping[str, str] | None = None,
    ) -> DomainReport:
        """One round as a domain of the report (an open round shows no questions yet)."""
        previous = previous or {}
        names = names or {}
        title = self.presenter.domain_title(round_.domain)
        subgroup = self.presenter.subgroup_name(round_.subgroup_key)
        if round_.is_open:
            return DomainReport(
                number=round_.domain,
                title=title,
                subgroup_name=subgroup,
                status=DomainStatus.OPEN,
                questions=(),
                turnout=turnout(round_),
                deadline=round_.deadline_at,
            )
        return DomainReport(
            number=round_.domain,
            title=title,
            subgroup_name=subgroup,
            status=DomainStatus.GRADED,
            questions=tuple(
                self.question_report(round_, q, previous, names) for q in current_questions(round_)
            ),
            turnout=turnout(round_),
        )

    def question_report(
        self,
        round_: Round,
        question: RoundQuestion,
        previous: Mapping[str, int],
        names: Mapping[str, str],
    ) -> QuestionReport:
        distribution = round_.shown_distribution(question)  # never an open ballot's votes
        result = question.result
        return QuestionReport(
            question_id=question.question_id,
            text=self.presenter.question_text(question.question_id),
            outcome=result.kind if result else OutcomeKind.NO_QUORUM,
            grade=question.final_grade,
            distribution=distribution,
            participants=distribution.participants,
            electorate_size=len(round_.electorate),
            comments=tuple(
                (names.get(c.user_id, c.user_id), c.text)
                for ballot in round_.ballots_of(question.question_id)
                for c in ballot.comments
            ),
            previous_grade=previous.get(question.question_id),
            reason=result.reason if result else "not closed",
            decided_by_chair=question.decision is not None,
            how_reached=question.how_reached,
        )

"""Assessment cycles, the board's report, the action plan and the Home tab: the core's side.

* A *cycle* ("2026-27") groups rounds: every round belongs to the cycle that was current when
  it started (the newest one). `/assess cycle start NAME` begins a new one.
* `/assess report` posts the current cycle to the board channel: each domain's status and
  grades, the change since the previous cycle, and three files (a chart of all domains, the board
  paper as a PDF, the workbook as an XLSX).
* After a domain's summary is sent, its chart is uploaded (`SummaryFollowUps`) and, for
  questions graded 1 or 2, a message with `Add action` buttons follows.
* Actions carry over from cycle to cycle until a chair marks them done.

Platform-neutral: chat, storage and file rendering come in through the ports below.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol

import structlog

from bot.commands import Unrecognised, echo, usage
from bot.config import AppConfig
from bot.consensus import OutcomeKind
from bot.framework import Framework
from bot.model import ClaimedMessage, MessageKind, OutgoingMessage, Round, RoundQuestion
from bot.ports import ChatError, Clock, UnitOfWork
from bot.presenter import Presenter
from bot.reports import (
    ACTION_THRESHOLD,
    PRIORITY_LABELS,
    ActionItem,
    AssessmentReport,
    DomainReport,
    DomainStatus,
    QuestionReport,
    Turnout,
    assessment_alt_text,
    chart_alt_text,
    domain_headline,
    long_date,
)
from bot.text import Composed, Typed, clean, cut
from bot.views import GradeScale, Later, Outcome, Reply, finish

log = structlog.get_logger(__name__)

CYCLE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$")
ACTION_MAX_LENGTH = 1000
OWNER_MAX_LENGTH = 200
ALT_TEXT_LIMIT = 1000
LIST_LIMIT = 2900  # a private reply is one section of at most 3000 characters
ACTION_SHOWN = 140
HOME_ACTIONS = 20


def refuse(text: str) -> Reply:
    return Reply(text=text, is_refusal=True)


# ------------------------------------------------------------------------------ model


@dataclass(frozen=True)
class Cycle:
    id: int
    name: str
    started_at: datetime
    started_by: str | None = None


@dataclass(frozen=True)
class NewAction:
    framework: str
    cycle_id: int
    domain: int
    question_id: str
    round_question_id: int | None
    text: str
    priority: int
    owner: str
    due: date
    created_by: str
    created_at: datetime


@dataclass(frozen=True)
class StoredAction:
    id: int
    cycle_id: int
    cycle_name: str
    domain: int
    question_id: str
    text: str
    priority: int
    owner: str
    due: date
    created_by: str
    created_at: datetime
    done_at: datetime | None = None
    done_by: str | None = None

    @property
    def done(self) -> bool:
        return self.done_at is not None


class CycleExists(Exception):
    """A cycle with that name exists already (raised by ReportingRepository.start_cycle)."""


# ------------------------------------------------------------------------------ ports


class ReportingRepository(Protocol):
    def cycles(self, framework: str) -> list[Cycle]:
        """All cycles, oldest first; the last one is the current one."""
        ...

    def start_cycle(self, framework: str, name: str, by: str, at: datetime) -> Cycle:
        """Store a new (now current) cycle; raise CycleExists if the name is taken."""
        ...

    def rounds_in_cycle(self, cycle_id: int) -> list[Round]:
        """The cycle's rounds with their questions, oldest first."""
        ...

    def add_action(self, new_action: NewAction) -> StoredAction: ...

    def actions_for_cycle(self, framework: str, cycle_id: int) -> list[StoredAction]:
        """Actions raised in the cycle, and those raised earlier that were still open when it
        began (open now, or marked done during it)."""
        ...

    def mark_done(self, action_id: int, by: str, at: datetime, cycle_id: int) -> bool:
        """Mark an open action done; False if there is no such open action."""
        ...

    def get_action(self, action_id: int) -> StoredAction | None: ...


class ReportingUnitOfWork(UnitOfWork, Protocol):
    """A unit of work that also holds cycles and actions."""

    @property
    def reporting(self) -> ReportingRepository: ...

    def __enter__(self) -> ReportingUnitOfWork: ...


class ReportingUnitOfWorkFactory(Protocol):
    def __call__(self) -> ReportingUnitOfWork: ...


class ReportFiles(Protocol):
    """Draws the report's files (the adapter lives in handlers/files)."""

    def domain_chart(self, domain: DomainReport, scale: GradeScale) -> bytes: ...

    def assessment_chart(self, report: AssessmentReport) -> bytes: ...

    def board_paper(self, report: AssessmentReport, chart_png: bytes) -> bytes: ...

    def workbook(self, report: AssessmentReport) -> bytes: ...


@dataclass(frozen=True)
class FileToUpload:
    filename: str
    title: str
    data: bytes
    alt_text: str | None = None


@dataclass(frozen=True)
class ActionPromptQuestion:
    round_question_id: int
    question_id: str
    text: str
    grade_label: str
    # the plan's actions for this question, one line each (Composed: typed text and owner marked)
    actions: tuple[str, ...] = ()


@dataclass(frozen=True)
class ActionPromptView:
    """After a domain's summary: the questions graded 1 or 2, each with an Add action button."""

    round_id: int
    domain: int
    domain_title: str
    questions: tuple[ActionPromptQuestion, ...]


@dataclass(frozen=True)
class ReportMessageView:
    """The report posted to the board channel (the files follow it)."""

    report: AssessmentReport
    posted_by: str


BoardMessage = ActionPromptView | ReportMessageView


class BoardGateway(Protocol):
    """What the reporting side asks of the chat platform."""

    def post_board_message(self, channel_id: str, view: BoardMessage) -> str:
        """Post a message; return its id."""
        ...

    def update_board_message(self, channel_id: str, ts: str, view: BoardMessage) -> None:
        """Redraw a message posted with `post_board_message`."""
        ...

    def upload(
        self, channel_id: str, files: Sequence[FileToUpload], comment: str | None = None
    ) -> list[str]:
        """Upload files into a channel as one message; return the files' ids."""
        ...

    def display_names(self, user_ids: Sequence[str]) -> dict[str, str]:
        """People's names as the chat platform shows them (a user id is kept when unknown)."""
        ...


# ------------------------------------------------------------------------------ views


@dataclass(frozen=True)
class ActionFormView:
    round_question_id: int
    question_id: str
    question_text: str
    grade_label: str
    default_due: date


@dataclass(frozen=True)
class FieldProblem:
    """A refusal of a form, naming the field to show it on ("action", "priority", "owner",
    "due", or "form" for the form as a whole)."""

    field: str
    text: str


@dataclass(frozen=True)
class HomeDomain:
    number: int
    title: str
    subgroup_name: str
    status: DomainStatus
    detail: str  # "3 of 5 have voted; closes …" / the graded headline / "not started"
    deadline_at: datetime | None = None


@dataclass(frozen=True)
class HomeQuestion:
    domain: int
    question_id: str
    text: str
    channel_id: str
    message_ts: str | None


@dataclass(frozen=True)
class HomeAction:
    """An open action, listed for chairs on the Home tab with a Mark done button."""

    id: int
    line: str  # "4.2: Run a panel · High · Head of Service · due 1 May 2027" (a Composed)
    overdue: bool


@dataclass(frozen=True)
class HomeView:
    board_name: str
    cycle: str | None
    domains: tuple[HomeDomain, ...]
    waiting: tuple[HomeQuestion, ...]
    open_actions: int
    is_chair: bool
    actions: tuple[HomeAction, ...] = ()  # for chairs: the open actions, most urgent first
    notice: str | None = None  # the outcome of what the person just did on the tab


# ------------------------------------------------------------------------------ commands


@dataclass(frozen=True)
class ShowCycle:
    pass


@dataclass(frozen=True)
class StartCycle:
    name: str


@dataclass(frozen=True)
class PostReport:
    pass


@dataclass(frozen=True)
class ListActions:
    pass


@dataclass(frozen=True)
class MarkActionDone:
    action_id: int


ReportingCommand = ShowCycle | StartCycle | PostReport | ListActions | MarkActionDone | Unrecognised

REPORTING_VERBS = frozenset({"cycle", "report", "actions"})


def parse_reporting_command(text: str) -> ReportingCommand | None:
    """`cycle`, `cycle start NAME`, `report`, `actions`, `actions done N`; None if not ours."""
    words = text.strip().split()
    if not words or words[0].lower() not in REPORTING_VERBS:
        return None
    verb, rest = words[0].lower(), words[1:]
    if verb == "cycle":
        if not rest:
            return ShowCycle()
        if rest[0].lower() != "start" or len(rest) != 2:
            return Unrecognised(
                "`cycle` is used as `/assess cycle` (which cycle is current) or "
                "`/assess cycle start 2026-27` (begin a new one)."
            )
        name = rest[1]
        if not CYCLE_NAME.match(name):
            return Unrecognised(
                echo(
                    name[:50],
                    " can't be a cycle's name: use up to 40 letters, digits, "
                    "`-`, `.` or `/`, for example `/assess cycle start 2026-27`.",
                )
            )
        return StartCycle(name)
    if verb == "report":
        return PostReport() if not rest else Unrecognised("`report` takes nothing after it.")
    if not rest:
        return ListActions()
    number = rest[1].removeprefix("#") if len(rest) == 2 else ""
    if rest[0].lower() != "done" or not re.fullmatch(r"[0-9]{1,9}", number):
        return Unrecognised(
            "`actions` is used as `/assess actions` (the action plan) or "
            "`/assess actions done 3` (mark action 3 done)."
        )
    return MarkActionDone(int(number))


# ------------------------------------------------------------------------------ the service


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


@dataclass
class Reporting:
    """Cycles, the report, the action plan and the Home tab."""

    config: AppConfig
    framework: Framework
    uow_factory: ReportingUnitOfWorkFactory
    board: BoardGateway
    files: ReportFiles
    clock: Clock
    presenter: Presenter = field(init=False)

    def __post_init__(self) -> None:
        self.presenter = Presenter(self.config, self.framework)

    # ----------------------------------------------------------------- commands

    def run_command(self, user_id: str, text: str) -> Reply | None:
        """Carry out a reporting command; None if ``text`` is not one (the Facilitator's)."""
        outcome = self.command(user_id, text)
        return finish(outcome) if outcome is not None else None

    def command(self, user_id: str, text: str) -> Outcome | None:
        """`run_command` in two steps: what the command changes is stored when this returns;
        ``then()`` does the slow rest (the report's files)."""
        command = parse_reporting_command(text)
        match command:
            case None:
                return None
            case ShowCycle():
                return self.show_cycle()
            case StartCycle(name):
                return self.start_cycle(user_id, name)
            case PostReport():  # changes nothing; drawing and uploading the files takes time
                return Later(lambda: self.post_report(user_id))
            case ListActions():
                return self.list_actions()
            case MarkActionDone(action_id):
                return self.mark_done(user_id, action_id)
            case Unrecognised(problem):
                return refuse(Composed(problem, "\n\n", usage(len(self.framework.domains))))

    def _chairs_only(self, user_id: str, verb: str) -> Reply | None:
        if self.config.is_chair(user_id):
            return None
        return refuse(
            f"Only the board's chairs can use `/assess {verb}`. Ask a chair, or ask for your "
            "Slack id to be added under `board.chairs` in the app's configuration."
        )

    def _cycles(self) -> list[Cycle]:
        with self.uow_factory() as uow:
            return uow.reporting.cycles(self.framework.id)

    def show_cycle(self) -> Reply:
        cycles = self._cycles()
        if not cycles:
            return Reply(
                "No assessment cycle has started yet. A chair begins one with "
                "`/assess cycle start 2026-27` (the first `/assess domain N` begins one too)."
            )
        current = cycles[-1]
        earlier = ", ".join(c.name for c in reversed(cycles[:-1])) or "none"
        return Reply(
            f"The current cycle is *{current.name}* (since {long_date(current.started_at)}). "
            f"Earlier cycles: {earlier}."
        )

    def start_cycle(self, user_id: str, name: str) -> Reply:
        refusal = self._chairs_only(user_id, "cycle start")
        if refusal:
            return refusal
        with self.uow_factory() as uow:
            open_rounds = uow.rounds.open_rounds(self.framework.id)
            if open_rounds:
                domains = ", ".join(str(r.domain) for r in open_rounds)
                return refuse(
                    f"Domain(s) {domains} still have an open round. Close them first "
                    "(`/assess close N`), then start the new cycle."
                )
            try:
                cycle = uow.reporting.start_cycle(
                    self.framework.id, name, user_id, self.clock.now()
                )
            except CycleExists:
                return refuse(
                    f"There is already a cycle called {name}. Pick another name, "
                    "for example the next year's."
                )
            uow.commit()
        log.info("cycle_started", cycle=cycle.name, by=user_id)
        return Reply(
            f"Cycle *{cycle.name}* has begun. New rounds (`/assess domain N`) belong to it; "
            "open actions from earlier cycles carry over until they are marked done."
        )

    # ------------------------------------------------------------------- report

    def build_report(self) -> AssessmentReport | None:
        """The current cycle as a report; None if no cycle has begun."""
        with self.uow_factory() as uow:
            cycles = uow.reporting.cycles(self.framework.id)
            if not cycles:
                return None
            current = cycles[-1]
            previous = cycles[-2] if len(cycles) > 1 else None
            rounds = uow.reporting.rounds_in_cycle(current.id)
            before = uow.reporting.rounds_in_cycle(previous.id) if previous else []
            actions = uow.reporting.actions_for_cycle(self.framework.id, current.id)
        earlier = previous_grades(before)
        latest = latest_by_domain(rounds)
        commenters = sorted(
            {c.user_id for r in latest.values() for q in r.questions for c in q.comments}
        )
        names = self.board.display_names(commenters) if commenters else {}
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

    def _subgroup_of(self, domain: int) -> str:
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
                self._question_report(round_, q, previous, names) for q in current_questions(round_)
            ),
            turnout=turnout(round_),
        )

    def _question_report(
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
            self.board.post_board_message(channel, ReportMessageView(report, user_id))
            self.board.upload(
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

    # ------------------------------------------------------------------ actions

    def _question_needing_action(
        self, uow: ReportingUnitOfWork, round_question_id: int
    ) -> tuple[Round, RoundQuestion] | str:
        round_ = uow.rounds.get_round_of_question(round_question_id)
        question = round_.question(round_question_id) if round_ else None
        if round_ is None or question is None:
            return "That button belongs to a question I no longer know about."
        grade = question.final_grade
        if question.is_open or grade is None or grade > ACTION_THRESHOLD:
            return (
                f"Actions are for questions graded {ACTION_THRESHOLD} or below; question "
                f"{question.question_id} was not."
            )
        return round_, question

    def action_form(self, user_id: str, round_question_id: int) -> ActionFormView | Reply:
        if not self.config.is_chair(user_id):
            return refuse(
                "Only the board's chairs can add actions to the action plan. Ask a chair."
            )
        with self.uow_factory() as uow:
            found = self._question_needing_action(uow, round_question_id)
        if isinstance(found, str):
            return refuse(found)
        _, question = found
        grade = question.final_grade
        assert grade is not None
        return ActionFormView(
            round_question_id=question.id,
            question_id=question.question_id,
            question_text=self.presenter.question_text(question.question_id),
            grade_label=self.presenter.scale.named(grade),
            default_due=self.clock.now().date() + timedelta(days=90),
        )

    def add_action(
        self,
        user_id: str,
        round_question_id: int,
        text: str,
        priority: str,
        owner: str,
        due: str,
    ) -> Reply | FieldProblem:
        """Add an action for a question graded 1 or 2; a FieldProblem says what to fix."""
        if not self.config.is_chair(user_id):
            return FieldProblem("form", "Only the board's chairs can add actions.")
        text, owner = clean(text).strip(), clean(owner).strip()
        if not text:
            return FieldProblem("action", "Say what will be done.")
        if len(text) > ACTION_MAX_LENGTH:
            return FieldProblem("action", f"Please keep it under {ACTION_MAX_LENGTH} characters.")
        if priority not in {str(p) for p in PRIORITY_LABELS}:
            return FieldProblem("priority", "Choose a priority: 1 Low, 2 Medium or 3 High.")
        if not owner:
            return FieldProblem("owner", "Say who is responsible (a person or a role).")
        if len(owner) > OWNER_MAX_LENGTH:
            return FieldProblem("owner", f"Please keep it under {OWNER_MAX_LENGTH} characters.")
        try:
            due_date = date.fromisoformat(due)
        except ValueError:
            return FieldProblem("due", "Choose a due date.")
        today = self.clock.now().date()
        if due_date < today:
            return FieldProblem("due", "The due date is in the past; choose a later one.")
        with self.uow_factory() as uow:
            found = self._question_needing_action(uow, round_question_id)
            if isinstance(found, str):
                return FieldProblem("form", found)
            round_, question = found
            cycles = uow.reporting.cycles(self.framework.id)
            if not cycles:
                return FieldProblem("form", "No assessment cycle has started yet.")
            stored = uow.reporting.add_action(
                NewAction(
                    framework=self.framework.id,
                    cycle_id=cycles[-1].id,
                    domain=round_.domain,
                    question_id=question.question_id,
                    round_question_id=question.id,
                    text=text,
                    priority=int(priority),
                    owner=owner,
                    due=due_date,
                    created_by=user_id,
                    created_at=self.clock.now(),
                )
            )
            uow.commit()
        log.info("action_added", action=stored.id, question=stored.question_id, by=user_id)
        return _added(stored)

    def action_prompt(self, round_: Round) -> ActionPromptView | None:
        """The questions of a graded round that need an action, with the actions they have."""
        with self.uow_factory() as uow:
            cycles = uow.reporting.cycles(self.framework.id)
            actions = (
                uow.reporting.actions_for_cycle(self.framework.id, cycles[-1].id) if cycles else []
            )
        scale = self.presenter.scale
        questions = []
        for question in current_questions(round_):
            grade = question.final_grade
            if grade is None or grade > ACTION_THRESHOLD:
                continue
            questions.append(
                ActionPromptQuestion(
                    round_question_id=question.id,
                    question_id=question.question_id,
                    text=self.presenter.question_text(question.question_id),
                    grade_label=scale.named(grade),
                    actions=tuple(
                        action_text(a, f"{a.id}. ", " · done" if a.done else "")
                        for a in actions
                        if a.question_id == question.question_id
                    ),
                )
            )
        if not questions:
            return None
        return ActionPromptView(
            round_id=round_.id,
            domain=round_.domain,
            domain_title=self.presenter.domain_title(round_.domain),
            questions=tuple(questions),
        )

    def action_prompt_for(self, round_question_id: int) -> ActionPromptView | None:
        """The Add action message of the round this question belongs to, as it stands now."""
        with self.uow_factory() as uow:
            round_ = uow.rounds.get_round_of_question(round_question_id)
        return self.action_prompt(round_) if round_ is not None else None

    def list_actions(self) -> Reply:
        cycles = self._cycles()
        if not cycles:
            return Reply("There is no action plan yet: no assessment cycle has started.")
        current = cycles[-1]
        with self.uow_factory() as uow:
            actions = uow.reporting.actions_for_cycle(self.framework.id, current.id)
        if not actions:
            return Reply(
                f"The {current.name} action plan is empty. Actions are added with the "
                "`Add action` buttons under a domain's summary (questions graded 1 or 2)."
            )
        today = self.clock.now().date()
        ordered = sorted(actions, key=lambda a: (a.done, -a.priority, a.due, a.id))
        still_open = sum(1 for a in actions if not a.done)
        head = f"*Action plan, {current.name}*: {len(actions)} action(s), {still_open} open."
        tail = "A chair marks one done with `/assess actions done N`."
        lines: list[Composed] = []
        room = LIST_LIMIT - len(head) - len(tail) - 80
        for action in ordered:
            line = action_line(action, today, current.id)
            if len(line) + 1 > room:
                lines.append(
                    Composed(
                        f"…and {len(ordered) - len(lines)} more: the workbook from "
                        "`/assess report` has them all."
                    )
                )
                break
            lines.append(line)
            room -= len(line) + 1
        return Reply(Composed(head, *(Composed("\n", line) for line in lines), "\n", tail))

    def mark_done(self, user_id: str, action_id: int) -> Reply:
        refusal = self._chairs_only(user_id, "actions done")
        if refusal:
            return refusal
        cycles = self._cycles()
        if not cycles:
            return refuse(f"There is no action {action_id}.")
        with self.uow_factory() as uow:
            action = uow.reporting.get_action(action_id)
            if action is None:
                return refuse(f"There is no action {action_id}. `/assess actions` lists them.")
            if not uow.reporting.mark_done(action_id, user_id, self.clock.now(), cycles[-1].id):
                return refuse(f"Action {action_id} was already marked done.")
            uow.commit()
        log.info("action_done", action=action_id, by=user_id)
        return Reply(f"Action {action_id} ({action.question_id}) is marked done.")

    # --------------------------------------------------------------------- home

    def home(self, user_id: str, notice: str | None = None) -> HomeView:
        """The current cycle at a glance, and the questions waiting for this person's vote."""
        with self.uow_factory() as uow:
            cycles = uow.reporting.cycles(self.framework.id)
            current = cycles[-1] if cycles else None
            rounds = uow.reporting.rounds_in_cycle(current.id) if current else []
            open_rounds = uow.rounds.open_rounds(self.framework.id)
            actions = (
                uow.reporting.actions_for_cycle(self.framework.id, current.id) if current else []
            )
        latest = latest_by_domain(rounds)
        domains = []
        for domain in self.framework.domains:
            round_ = latest.get(domain.number)
            subgroup = self._subgroup_of(domain.number)
            if round_ is None:
                domains.append(
                    HomeDomain(domain.number, domain.title, subgroup, DomainStatus.NOT_STARTED, "")
                )
            elif round_.is_open:
                took_part = turnout(round_)
                domains.append(
                    HomeDomain(
                        domain.number,
                        domain.title,
                        self.presenter.subgroup_name(round_.subgroup_key),
                        DomainStatus.OPEN,
                        f"{took_part.took_part} of {took_part.electorate} have voted",
                        round_.deadline_at,
                    )
                )
            else:
                report = self.domain_report(round_)
                domains.append(
                    HomeDomain(
                        domain.number,
                        domain.title,
                        report.subgroup_name,
                        DomainStatus.GRADED,
                        domain_headline(report, self.presenter.scale),
                    )
                )
        waiting = tuple(
            HomeQuestion(
                domain=round_.domain,
                question_id=question.question_id,
                text=self.presenter.question_text(question.question_id),
                channel_id=round_.channel_id,
                message_ts=question.message_ts,
            )
            # open rounds, and closed ones with a re-vote still open
            for round_ in {r.id: r for r in [*open_rounds, *latest.values()]}.values()
            if user_id in round_.electorate
            for question in round_.waiting_on(user_id)
        )
        is_chair = self.config.is_chair(user_id)
        today = self.clock.now().date()
        still_open = sorted(
            (a for a in actions if not a.done), key=lambda a: (-a.priority, a.due, a.id)
        )
        return HomeView(
            board_name=self.config.board.name,
            cycle=current.name if current else None,
            domains=tuple(domains),
            waiting=waiting,
            open_actions=len(still_open),
            is_chair=is_chair,
            actions=tuple(
                HomeAction(a.id, action_text(a, f"{a.question_id}: ", ""), a.due < today)
                for a in still_open[:HOME_ACTIONS]
            )
            if is_chair
            else (),
            notice=notice,
        )


def _added(action: StoredAction) -> Reply:
    """The chair's confirmation of a new action; the owner, as typed, is marked as such."""
    return Reply(
        Composed(
            f"Action {action.id} added for question {action.question_id}: "
            f"{PRIORITY_LABELS[action.priority]} priority, ",
            Typed(action.owner),
            f", due {long_date(action.due)}. `/assess actions` lists the plan.",
        )
    )


def action_text(action: StoredAction, head: str, tail: str) -> Composed:
    """``head``, the action (typed; cut to ACTION_SHOWN), priority, owner (typed), due, ``tail``."""
    return Composed(
        head,
        Typed(cut(action.text, ACTION_SHOWN)),
        f" · {PRIORITY_LABELS[action.priority]} · ",
        Typed(action.owner),
        f" · due {long_date(action.due)}{tail}",
    )


def action_line(action: StoredAction, today: date, current_cycle_id: int) -> Composed:
    if action.done:
        state = "done"
    elif action.due < today:
        state = "*overdue*"
    else:
        state = "open"
    carried = "" if action.cycle_id == current_cycle_id else f" (from {action.cycle_name})"
    return action_text(action, f"• *{action.id}.* {action.question_id}: ", f" · {state}{carried}")


def fit_alt_text(text: str) -> str:
    return text if len(text) <= ALT_TEXT_LIMIT else text[: ALT_TEXT_LIMIT - 1] + "…"


# ------------------------------------------------------------------------------ follow-ups


@dataclass
class SummaryFollowUps:
    """After a domain's summary is sent: its chart is uploaded to the board channel, then a
    message offers `Add action` for each question graded 1 or 2 (a Delivery extension)."""

    reporting: Reporting
    kinds: frozenset[MessageKind] = frozenset(
        {MessageKind.SUMMARY_CHART, MessageKind.ACTION_PROMPT}
    )

    def after_sent(
        self, uow: UnitOfWork, claimed: ClaimedMessage, ts: str | None, now: datetime
    ) -> bool:
        message = claimed.message
        if message.kind not in (MessageKind.SUMMARY, MessageKind.SUMMARY_UPDATE) or ts is None:
            return False
        # after an updated summary (flags settled): a fresh chart, and the Add action message
        # brought up to date (see `_refresh_prompt`)
        tail = ":updated" if message.kind is MessageKind.SUMMARY_UPDATE else ""
        for kind, key in (
            (MessageKind.SUMMARY_CHART, f"summary-chart:{message.round_id}{tail}"),
            (MessageKind.ACTION_PROMPT, f"action-prompt:{message.round_id}{tail}"),
        ):
            # unique keys: a summary sent again (a retry) records nothing new
            uow.outbox.add(OutgoingMessage(key, kind, message.round_id), now, now)
        return True

    def deliver(self, claimed: ClaimedMessage, round_: Round) -> tuple[str | None, str]:
        reporting = self.reporting
        channel = reporting.config.board.channel
        if claimed.message.kind is MessageKind.SUMMARY_CHART:
            domain = reporting.domain_report(round_)
            scale = reporting.presenter.scale
            png = reporting.files.domain_chart(domain, scale)
            ids = reporting.board.upload(
                channel,
                [
                    FileToUpload(
                        f"domain-{round_.domain}-chart.png",
                        f"Domain {round_.domain}: grades per question",
                        png,
                        alt_text=fit_alt_text(chart_alt_text(domain, scale)),
                    )
                ],
                comment=f"Chart of domain {round_.domain}'s grades, question by question.",
            )
            return (ids[0] if ids else None), "sent"
        if claimed.message.key.endswith(":updated"):
            return self._refresh_prompt(round_, channel)
        view = self.prompt(round_)
        if view is None:
            return None, "skipped"
        return reporting.board.post_board_message(channel, view), "sent"

    def _refresh_prompt(self, round_: Round, channel: str) -> tuple[str | None, str]:
        """One Add action message per round: redraw the first if it was posted, post one if
        there was nothing to act on then, and wait while the first is still on its way."""
        first = f"action-prompt:{round_.id}"
        with self.reporting.uow_factory() as uow:
            status, ts = uow.outbox.status_of(first), uow.outbox.sent_ts(first)
        if status == "pending":
            raise ChatError("the first Add action message is not sent yet")
        view = self.prompt(round_)
        if view is None:
            return None, "skipped"
        if ts is not None:
            self.reporting.board.update_board_message(channel, ts, view)
            return ts, "updated"
        return self.reporting.board.post_board_message(channel, view), "sent"

    def prompt(self, round_: Round) -> ActionPromptView | None:
        return self.reporting.action_prompt(round_)


@dataclass
class CommandRouter:
    """`/assess`: reporting commands go to `Reporting`, everything else to the Facilitator."""

    reporting: Reporting
    fallback: CommandRunner

    def run_command(self, user_id: str, text: str) -> Reply:
        return finish(self.command(user_id, text))

    def command(self, user_id: str, text: str) -> Outcome:
        outcome = self.reporting.command(user_id, text)
        return outcome if outcome is not None else self.fallback.command(user_id, text)


class CommandRunner(Protocol):
    def run_command(self, user_id: str, text: str) -> Reply: ...

    def command(self, user_id: str, text: str) -> Outcome:
        """What the command changes is stored when this returns (answer the platform then);
        `finish` the outcome for the reply."""
        ...

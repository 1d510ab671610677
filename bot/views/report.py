"""The board's report messages and the Home tab."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.report import AssessmentReport, DomainStatus


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
    message_id: str | None


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

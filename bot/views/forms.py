"""The forms a member or the chair fills in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.domain.consensus import Distribution
from bot.views.rounds import GradeScale


@dataclass(frozen=True)
class CommentFormView:
    round_id: int
    round_question_id: int
    question_id: str
    question_text: str


@dataclass(frozen=True)
class DecisionFormView:
    """The chair's form for deciding a flagged question's grade."""

    round_id: int
    round_question_id: int
    question_id: str
    question_text: str
    ballot: int
    scale: GradeScale
    distribution: Distribution


@dataclass(frozen=True)
class ActionFormView:
    round_question_id: int
    question_id: str
    question_text: str
    grade_label: str
    default_due: date

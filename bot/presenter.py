"""Turning stored rounds into neutral view models."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import AppConfig
from bot.consensus import OutcomeKind
from bot.framework import Framework
from bot.model import Round, RoundQuestion
from bot.views import (
    CommentView,
    DomainSummaryView,
    GradeScale,
    QuestionCardView,
    QuestionStatusView,
    QuestionSummaryView,
    ReminderView,
    ResultView,
    RoundHeaderView,
    RoundStatusView,
)


@dataclass(frozen=True)
class Presenter:
    config: AppConfig
    framework: Framework

    @property
    def scale(self) -> GradeScale:
        return GradeScale(tuple(level.label for level in self.framework.grade_scale))

    def question_text(self, question_id: str) -> str:
        question = self.framework.question(question_id)
        return question.text if question else question_id

    def domain_title(self, number: int) -> str:
        domain = self.framework.domain(number)
        return domain.title if domain else f"Domain {number}"

    def subgroup_name(self, key: str) -> str:
        subgroup = self.config.subgroups.get(key)
        return subgroup.name if subgroup else key

    def header(self, round_: Round, moved_by: str | None = None) -> RoundHeaderView:
        return RoundHeaderView(
            round_id=round_.id,
            domain=round_.domain,
            domain_title=self.domain_title(round_.domain),
            subgroup_name=self.subgroup_name(round_.subgroup_key),
            electorate_size=len(round_.electorate),
            question_count=len(round_.questions),
            started_by=round_.started_by,
            framework_title=self.framework.title,
            deadline_at=round_.deadline_at,
            is_open=round_.is_open,
            deadline_moved_by=moved_by,
        )

    def card(self, round_: Round, question: RoundQuestion) -> QuestionCardView:
        model = self.framework.question(question.question_id)
        closed = not question.is_open
        return QuestionCardView(
            round_id=round_.id,
            round_question_id=question.id,
            question_id=question.question_id,
            text=model.text if model else question.question_id,
            prompts=model.prompts if model else (),
            scale=self.scale,
            electorate_size=len(round_.electorate),
            voters=tuple(question.voters),
            comment_count=len(question.comments),
            is_open=not closed,
            distribution=question.distribution if closed else None,
            result=result_view(question) if closed else None,
        )

    def summary(self, round_: Round) -> DomainSummaryView:
        questions = []
        for question in round_.questions:
            distribution = question.distribution
            questions.append(
                QuestionSummaryView(
                    question_id=question.question_id,
                    text=self.question_text(question.question_id),
                    result=result_view(question),
                    distribution=distribution,
                    participants=distribution.participants,
                    electorate_size=len(round_.electorate),
                    comments=tuple(CommentView(c.user_id, c.text) for c in question.comments),
                )
            )
        return DomainSummaryView(
            round_id=round_.id,
            domain=round_.domain,
            domain_title=self.domain_title(round_.domain),
            subgroup_name=self.subgroup_name(round_.subgroup_key),
            scale=self.scale,
            questions=tuple(questions),
        )

    def status(self, round_: Round) -> RoundStatusView:
        return RoundStatusView(
            domain=round_.domain,
            domain_title=self.domain_title(round_.domain),
            subgroup_name=self.subgroup_name(round_.subgroup_key),
            questions=tuple(
                QuestionStatusView(
                    question_id=q.question_id,
                    voted=len(q.votes),
                    electorate_size=len(round_.electorate),
                    not_voted=tuple(round_.not_voted(q)),
                    is_open=q.is_open,
                )
                for q in round_.questions
            ),
            deadline_at=round_.deadline_at,
        )

    def reminder(self, round_: Round, user_id: str) -> ReminderView | None:
        waiting = round_.waiting_on(user_id)
        if not round_.is_open or not waiting:
            return None
        return ReminderView(
            domain=round_.domain,
            domain_title=self.domain_title(round_.domain),
            subgroup_name=self.subgroup_name(round_.subgroup_key),
            deadline_at=round_.deadline_at,
            waiting_on=tuple(q.question_id for q in waiting),
            channel_id=round_.channel_id,
            header_ts=round_.header_ts,
        )


def result_view(question: RoundQuestion) -> ResultView:
    if question.result is None:
        return ResultView(OutcomeKind.NO_QUORUM, None, "not closed yet")
    return ResultView(question.result.kind, question.result.grade, question.result.reason)

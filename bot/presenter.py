"""Turning stored rounds into neutral view models."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import AppConfig
from bot.domain.consensus import Choice, Distribution, OutcomeKind
from bot.domain.framework import Framework
from bot.domain.rounds import Decision, Round, RoundQuestion
from bot.domain.text import Typed
from bot.views.forms import DecisionFormView
from bot.views.rounds import (
    CommentView,
    DecisionView,
    DiscussionView,
    DomainSummaryView,
    GradeGroupView,
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
            question_count=len(round_.current_questions),
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
            ballot=question.ballot,
            previous_distribution=self._previous_distribution(round_, question),
            deadline_at=question.deadline_at if question.ballot > 1 else None,
            decision=decision_view(question.decision),
        )

    @staticmethod
    def _previous_distribution(round_: Round, question: RoundQuestion) -> Distribution | None:
        earlier = [b for b in round_.ballots_of(question.question_id) if b.ballot < question.ballot]
        return earlier[-1].distribution if earlier else None

    def summary(self, round_: Round, updated: bool = False) -> DomainSummaryView:
        questions = []
        for question in round_.current_questions:
            distribution = round_.shown_distribution(question)
            comments = [c for b in round_.ballots_of(question.question_id) for c in b.comments]
            questions.append(
                QuestionSummaryView(
                    question_id=question.question_id,
                    text=self.question_text(question.question_id),
                    result=result_view(question),
                    distribution=distribution,
                    participants=distribution.participants,
                    electorate_size=len(round_.electorate),
                    comments=tuple(CommentView(c.user_id, Typed(c.text)) for c in comments),
                    settlement=question.settlement,
                    ballot=question.ballot,
                    decision=decision_view(question.decision),
                )
            )
        return DomainSummaryView(
            round_id=round_.id,
            domain=round_.domain,
            domain_title=self.domain_title(round_.domain),
            subgroup_name=self.subgroup_name(round_.subgroup_key),
            scale=self.scale,
            questions=tuple(questions),
            updated=updated,
        )

    def discussion(self, round_: Round, question: RoundQuestion) -> DiscussionView:
        named = None
        if not round_.anonymous and not question.is_open:  # never who gave what while open
            groups: dict[int | None, list[str]] = {}
            for user, choice in sorted(question.votes.items()):
                grade = None if choice is Choice.DONT_KNOW else int(choice.value)
                groups.setdefault(grade, []).append(user)
            order = [*range(len(self.scale.labels), 0, -1), None]
            named = tuple(GradeGroupView(g, tuple(groups[g])) for g in order if g in groups)
        later = [b for b in round_.ballots_of(question.question_id) if b.ballot > question.ballot]
        return DiscussionView(
            round_id=round_.id,
            round_question_id=question.id,
            question_id=question.question_id,
            text=self.question_text(question.question_id),
            ballot=question.ballot,
            scale=self.scale,
            result=result_view(question),
            distribution=round_.shown_distribution(question),
            electorate_size=len(round_.electorate),
            named=named,
            comments=tuple(CommentView(c.user_id, Typed(c.text)) for c in question.comments),
            chairs=tuple(self.config.board.chairs),
            revote_by=later[0].opened_by or round_.started_by if later else None,
            decision=decision_view(question.decision),
        )

    def decision_form(self, round_: Round, question: RoundQuestion) -> DecisionFormView:
        return DecisionFormView(
            round_id=round_.id,
            round_question_id=question.id,
            question_id=question.question_id,
            question_text=self.question_text(question.question_id),
            ballot=question.ballot,
            scale=self.scale,
            distribution=round_.shown_distribution(question),
        )

    def status(self, round_: Round, only_open: bool = False) -> RoundStatusView:
        """Who has voted; ``only_open``: just the questions still open (a closed round's
        re-votes)."""
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
                for q in round_.current_questions
                if q.is_open or not only_open
            ),
            deadline_at=round_.deadline_at if round_.is_open else None,
        )

    def reminder(self, round_: Round, user_id: str) -> ReminderView | None:
        waiting = round_.waiting_on(user_id)  # a closed round's open re-votes count too
        if not waiting:
            return None
        deadlines = [
            d for d in (q.deadline_at or round_.deadline_at for q in waiting) if d is not None
        ]
        only_revotes = all(q.ballot > 1 for q in waiting)
        return ReminderView(
            domain=round_.domain,
            domain_title=self.domain_title(round_.domain),
            subgroup_name=self.subgroup_name(round_.subgroup_key),
            deadline_at=min(deadlines) if deadlines else None,
            waiting_on=tuple(q.question_id for q in waiting),
            channel_id=round_.channel_id,
            # the link goes to the round's header, or to the re-vote's own message
            header_message_id=waiting[0].message_id if only_revotes else round_.header_message_id,
        )


def result_view(question: RoundQuestion) -> ResultView:
    if question.result is None:
        return ResultView(OutcomeKind.NO_QUORUM, None, "not closed yet")
    return ResultView(question.result.kind, question.result.grade, question.result.reason)


def decision_view(decision: Decision | None) -> DecisionView | None:
    if decision is None:
        return None
    return DecisionView(
        decision.grade, Typed(decision.rationale), decision.decided_by, decision.decided_at
    )

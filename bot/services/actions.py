"""The action plan: the Add action form, the prompt, the list, marking done."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from bot.domain.actions import ActionStatus, NewAction, StoredAction
from bot.domain.report import ACTION_THRESHOLD, PRIORITY_LABELS
from bot.domain.report_text import long_date
from bot.domain.rounds import Round, RoundQuestion
from bot.domain.text import Composed, Emphasis, Typed, clean, command, cut, room_needed
from bot.ports import UnitOfWork
from bot.services.report_context import (
    ACTION_MAX_LENGTH,
    ACTION_SHOWN,
    LIST_LIMIT,
    OWNER_MAX_LENGTH,
    ReportingContext,
    current_questions,
    log,
)
from bot.views.forms import ActionFormView
from bot.views.reply import Reply, refuse
from bot.views.report import (
    ActionPromptQuestion,
    ActionPromptView,
)


def _added(action: StoredAction) -> Reply:
    """The chair's confirmation of a new action; the owner, as typed, is marked as such."""
    return Reply(
        Composed(
            f"Action {action.id} added for question {action.question_id}: "
            f"{PRIORITY_LABELS[action.priority]} priority, ",
            Typed(action.owner),
            f", due {long_date(action.due)}. ",
            command("actions"),
            " lists the plan.",
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
    status = action.status(today)
    state = Emphasis("overdue") if status is ActionStatus.OVERDUE else status.value
    carried = "" if action.cycle_id == current_cycle_id else f" (from {action.cycle_name})"
    head = Composed("• ", Emphasis(f"{action.id}."), f" {action.question_id}: ")
    return action_text(action, head, Composed(" · ", state, carried))


@dataclass
class ActionUseCases:
    """The action plan: the Add action form, the prompt, the list, marking done."""

    ctx: ReportingContext

    def _question_needing_action(
        self, uow: UnitOfWork, round_question_id: int
    ) -> tuple[Round, RoundQuestion] | Reply:
        round_ = uow.rounds.get_round_of_question(round_question_id)
        question = round_.question(round_question_id) if round_ else None
        if round_ is None or question is None:
            return refuse("That button belongs to a question I no longer know about.")
        grade = question.final_grade
        if question.is_open or grade is None or grade > ACTION_THRESHOLD:
            return refuse(
                f"Actions are for questions graded {ACTION_THRESHOLD} or below; question "
                f"{question.question_id} was not."
            )
        return round_, question

    def action_form(self, user_id: str, round_question_id: int) -> ActionFormView | Reply:
        if not self.ctx.config.is_chair(user_id):
            return refuse(
                "Only the board's chairs can add actions to the action plan. Ask a chair."
            )
        with self.ctx.uow_factory() as uow:
            found = self._question_needing_action(uow, round_question_id)
        if isinstance(found, Reply):
            return found
        _, question = found
        grade = question.final_grade
        assert grade is not None
        return ActionFormView(
            round_question_id=question.id,
            question_id=question.question_id,
            question_text=self.ctx.presenter.question_text(question.question_id),
            grade_label=self.ctx.presenter.scale.named(grade),
            default_due=self.ctx.clock.now().date() + timedelta(days=90),
        )

    def add_action(
        self,
        user_id: str,
        round_question_id: int,
        text: str,
        priority: str,
        owner: str,
        due: str,
    ) -> Reply:
        """Add an action for a question graded 1 or 2; a refusal names the field to fix."""
        if not self.ctx.config.is_chair(user_id):
            return refuse(field="form", text="Only the board's chairs can add actions.")
        text, owner = clean(text).strip(), clean(owner).strip()
        if not text:
            return refuse(field="action", text="Say what will be done.")
        if len(text) > ACTION_MAX_LENGTH:
            return refuse(
                field="action", text=f"Please keep it under {ACTION_MAX_LENGTH} characters."
            )
        if priority not in {str(p) for p in PRIORITY_LABELS}:
            return refuse(field="priority", text="Choose a priority: 1 Low, 2 Medium or 3 High.")
        if not owner:
            return refuse(field="owner", text="Say who is responsible (a person or a role).")
        if len(owner) > OWNER_MAX_LENGTH:
            return refuse(
                field="owner", text=f"Please keep it under {OWNER_MAX_LENGTH} characters."
            )
        try:
            due_date = date.fromisoformat(due)
        except ValueError:
            return refuse(field="due", text="Choose a due date.")
        today = self.ctx.clock.now().date()
        if due_date < today:
            return refuse(field="due", text="The due date is in the past; choose a later one.")
        with self.ctx.uow_factory() as uow:
            found = self._question_needing_action(uow, round_question_id)
            if isinstance(found, Reply):
                return refuse(found.text, field="form")
            round_, question = found
            cycles = uow.cycles.cycles(self.ctx.framework.id)
            if not cycles:
                return refuse(field="form", text="No assessment cycle has started yet.")
            stored = uow.cycles.add_action(
                NewAction(
                    framework=self.ctx.framework.id,
                    cycle_id=cycles[-1].id,
                    domain=round_.domain,
                    question_id=question.question_id,
                    round_question_id=question.id,
                    text=text,
                    priority=int(priority),
                    owner=owner,
                    due=due_date,
                    created_by=user_id,
                    created_at=self.ctx.clock.now(),
                )
            )
            uow.commit()
        log.info("action_added", action=stored.id, question=stored.question_id, by=user_id)
        return _added(stored)

    def action_prompt(self, round_: Round) -> ActionPromptView | None:
        """The questions of a graded round that need an action, with the actions they have."""
        with self.ctx.uow_factory() as uow:
            cycles = uow.cycles.cycles(self.ctx.framework.id)
            actions = (
                uow.cycles.actions_for_cycle(self.ctx.framework.id, cycles[-1].id) if cycles else []
            )
        scale = self.ctx.presenter.scale
        questions = []
        for question in current_questions(round_):
            grade = question.final_grade
            if grade is None or grade > ACTION_THRESHOLD:
                continue
            questions.append(
                ActionPromptQuestion(
                    round_question_id=question.id,
                    question_id=question.question_id,
                    text=self.ctx.presenter.question_text(question.question_id),
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
            domain_title=self.ctx.presenter.domain_title(round_.domain),
            questions=tuple(questions),
        )

    def action_prompt_for(self, round_question_id: int) -> ActionPromptView | None:
        """The Add action message of the round this question belongs to, as it stands now."""
        with self.ctx.uow_factory() as uow:
            round_ = uow.rounds.get_round_of_question(round_question_id)
        return self.action_prompt(round_) if round_ is not None else None

    def list_actions(self) -> Reply:
        cycles = self.ctx.cycles()
        if not cycles:
            return Reply("There is no action plan yet: no assessment cycle has started.")
        current = cycles[-1]
        with self.ctx.uow_factory() as uow:
            actions = uow.cycles.actions_for_cycle(self.ctx.framework.id, current.id)
        if not actions:
            return Reply(
                f"The {current.name} action plan is empty. Actions are added with the "
                "`Add action` buttons under a domain's summary (questions graded 1 or 2)."
            )
        today = self.ctx.clock.now().date()
        ordered = sorted(actions, key=lambda a: (a.done, -a.priority, a.due, a.id))
        still_open = sum(1 for a in actions if not a.done)
        head = Composed(
            Emphasis(f"Action plan, {current.name}"),
            f": {len(actions)} action(s), {still_open} open.",
        )
        tail = Composed("A chair marks one done with ", command("actions done N"), ".")
        lines: list[Composed] = []
        room = LIST_LIMIT - room_needed(head) - room_needed(tail) - 80
        for action in ordered:
            line = action_line(action, today, current.id)
            if room_needed(line) + 1 > room:
                lines.append(
                    Composed(
                        f"…and {len(ordered) - len(lines)} more: the workbook from ",
                        command("report"),
                        " has them all.",
                    )
                )
                break
            lines.append(line)
            room -= room_needed(line) + 1
        return Reply(Composed(head, *(Composed("\n", line) for line in lines), "\n", tail))

    def mark_done(self, user_id: str, action_id: int) -> Reply:
        refusal = self.ctx.chairs_only(user_id, "actions done")
        if refusal:
            return refusal
        cycles = self.ctx.cycles()
        if not cycles:
            return refuse(f"There is no action {action_id}.")
        with self.ctx.uow_factory() as uow:
            action = uow.cycles.get_action(action_id)
            if action is None:
                return refuse(
                    Composed(
                        f"There is no action {action_id}. ", command("actions"), " lists them."
                    )
                )
            if not uow.cycles.mark_done(action_id, user_id, self.ctx.clock.now(), cycles[-1].id):
                return refuse(f"Action {action_id} was already marked done.")
            uow.commit()
        log.info("action_done", action=action_id, by=user_id)
        return Reply(f"Action {action_id} ({action.question_id}) is marked done.")

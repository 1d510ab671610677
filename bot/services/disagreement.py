"""Flagged questions: a re-vote, or the chair's decision."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.rounds import (
    Decision,
    MessageKind,
    OutboxStatus,
    OutgoingMessage,
)
from bot.domain.text import clean
from bot.services.context import RATIONALE_MAX_LENGTH, RoundContext, log, slow_to_answer, when
from bot.views.forms import DecisionFormView
from bot.views.reply import Later, Outcome, Reply, finish, refuse


@dataclass
class DisagreementUseCases:
    """Flagged questions: a re-vote, or the chair's decision."""

    ctx: RoundContext

    def start_revote(self, user_id: str, round_id: int, round_question_id: int) -> Reply:
        """A chair puts a flagged question to the same electorate again, as a new ballot."""
        return finish(self.open_revote(user_id, round_id, round_question_id))

    def open_revote(self, user_id: str, round_id: int, round_question_id: int) -> Outcome:
        """`start_revote` in two steps: store the new ballot, then ``then()`` posts it."""
        now = self.ctx.clock.now()
        with self.ctx.uow_factory() as uow:
            found = self.ctx.flagged_for_chair(uow, user_id, round_id, round_question_id, "re-vote")
            if isinstance(found, Reply):
                return found
            round_, flagged = found
            ballot = flagged.ballot + 1
            deadline = now + self.ctx.config_of(round_).voting.revote_deadline
            new_id = uow.rounds.add_ballot(
                round_id,
                flagged.question_id,
                ballot,
                user_id,
                now,
                deadline,
                self.ctx.revote_reminder_at(deadline, round_),
            )
            if new_id is None:
                return refuse(f"Question {flagged.question_id} is already being re-voted.")
            card_key = self.ctx.record(
                uow,
                OutgoingMessage(
                    f"card:{new_id}", MessageKind.CARD, round_id, round_question_id=new_id
                ),
                send_here=True,
            )
            self.ctx.record(
                uow,
                OutgoingMessage(
                    f"discussion-update:{flagged.id}",
                    MessageKind.DISCUSSION_UPDATE,
                    round_id,
                    round_question_id=flagged.id,
                ),
            )
            uow.commit()
        log.info(
            "revote_started",
            round_id=round_id,
            question=flagged.question_id,
            ballot=ballot,
            by=user_id,
        )
        text = (
            f"Re-vote (round {ballot}) on question {flagged.question_id} is open to the same "
            f"{len(round_.electorate)} people until {when(deadline)}."
        )

        def then() -> Reply:
            status = self.ctx.delivery.send_now([card_key])[card_key]
            self.ctx.send_soon()
            if status is not OutboxStatus.SENT:
                return Reply(slow_to_answer(text, "the question"))
            return Reply(text)

        # a front end that answers before the rest (Teams) says the re-vote is open: it is
        # stored, and the outbox posts its question
        return Later(then, Reply(text))

    def decision_form(
        self, user_id: str, round_id: int, round_question_id: int
    ) -> DecisionFormView | Reply:
        """The chair's form for deciding a flagged question, or a refusal."""
        with self.ctx.uow_factory() as uow:
            found = self.ctx.flagged_for_chair(uow, user_id, round_id, round_question_id, "decide")
        if isinstance(found, Reply):
            return found
        round_, flagged = found
        return self.ctx.presenter.decision_form(round_, flagged)

    def decide(
        self, user_id: str, round_id: int, round_question_id: int, grade: int, rationale: str
    ) -> Reply:
        """A chair settles a flagged question: the grade and the reason are its outcome."""
        return finish(self.record_decision(user_id, round_id, round_question_id, grade, rationale))

    def record_decision(
        self, user_id: str, round_id: int, round_question_id: int, grade: int, rationale: str
    ) -> Outcome:
        """`decide` in two steps: store the decision, then ``then()`` updates the summary when
        due."""
        rationale = clean(rationale).strip()
        if not rationale:
            return refuse("Give the reason for the decision: the board will read it.")
        if len(rationale) > RATIONALE_MAX_LENGTH:
            return refuse(f"Please keep the reason under {RATIONALE_MAX_LENGTH} characters.")
        if not 1 <= grade <= len(self.ctx.presenter.scale.labels):
            return refuse(f"Choose a grade from 1 to {len(self.ctx.presenter.scale.labels)}.")
        with self.ctx.uow_factory() as uow:
            found = self.ctx.flagged_for_chair(uow, user_id, round_id, round_question_id, "decide")
            if isinstance(found, Reply):
                return found
            _, flagged = found
            decision = Decision(grade, rationale, user_id, self.ctx.clock.now())
            if not uow.rounds.record_decision(flagged.id, decision):
                return refuse(f"Question {flagged.question_id} was decided a moment ago.")
            for kind, key in (
                (MessageKind.REVEAL, f"reveal:{flagged.id}:decided"),
                (MessageKind.DISCUSSION_UPDATE, f"discussion-update:{flagged.id}"),
            ):
                self.ctx.record(
                    uow, OutgoingMessage(key, kind, round_id, round_question_id=flagged.id)
                )
            uow.commit()
        log.info("decided_by_chair", round_id=round_id, question=flagged.question_id, by=user_id)
        reply = Reply(
            f"Recorded: question {flagged.question_id} is "
            f"{self.ctx.presenter.scale.named(grade)}, decided by you. "
            "The board summary will say so, with your reason."
        )
        self.ctx.send_soon()
        return self.ctx.then_after_closing(round_id, reply)

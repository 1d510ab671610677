"""The sweep: deadlines that passed and reminders that are due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.rounds import (
    MessageKind,
    OutgoingMessage,
)
from bot.services.context import RoundContext, log


@dataclass(frozen=True)
class SweepResult:
    rounds_closed: int
    rounds_reminded: int
    revotes_closed: int = 0


@dataclass
class ScheduleUseCases:
    """The sweep: deadlines that passed and reminders that are due."""

    ctx: RoundContext

    def _send_revote_reminders(self, now: datetime) -> int:
        """Nudge, once per re-vote, the electors who have not voted on it yet."""
        with self.ctx.uow_factory() as uow:
            due = uow.rounds.due_ballot_reminders(now)
        reminded = 0
        for ballot_id in due:
            with self.ctx.uow_factory() as uow:
                round_ = uow.rounds.get_round_of_question(ballot_id)
                ballot = round_.question(ballot_id) if round_ else None
                if round_ is None or ballot is None:
                    continue
                if not uow.rounds.claim_ballot_reminder(ballot_id, now):
                    continue
                for user in round_.electorate:
                    if user not in ballot.votes:
                        self.ctx.record(
                            uow,
                            OutgoingMessage(
                                f"remind:{round_.id}:{user}:revote:{ballot_id}",
                                MessageKind.REMINDER,
                                round_.id,
                                user_id=user,
                            ),
                        )
                uow.commit()
            reminded += 1
            log.info("revote_reminders_due", round_id=round_.id, ballot_id=ballot_id)
        return reminded

    def sweep(self) -> SweepResult:
        """Close rounds whose deadline has passed and send due reminders (safe to run anywhere).

        Every step is claimed with a conditional update, so workers running this side by side,
        or one catching up after a restart, act once.
        """
        now = self.ctx.clock.now()
        with self.ctx.uow_factory() as uow:
            due_close = uow.rounds.due_for_closing(now)
            due_remind = uow.rounds.due_for_reminder(now)
        reminded = 0
        for round_id in due_remind:
            with self.ctx.uow_factory() as uow:
                round_ = uow.rounds.get(round_id)
                if round_ is None or not uow.rounds.claim_reminder(round_id, now):
                    continue
                keys = self.ctx.record_reminders(uow, round_, "auto")
                uow.commit()
            reminded += 1
            log.info("reminders_due", round_id=round_id, electors=len(keys))
        closed = 0
        for round_id in due_close:
            with self.ctx.uow_factory() as uow:
                round_ = uow.rounds.get(round_id)
            if round_ is None:
                continue
            self.ctx.close_open_questions(round_)
            if self.ctx.finish_round_if_complete(round_id):
                closed += 1
                log.info("round_closed_at_deadline", round_id=round_id)
        reminded += self._send_revote_reminders(now)
        with self.ctx.uow_factory() as uow:
            due_ballots = uow.rounds.due_ballots(now)
        revotes_closed = 0
        for ballot_id in due_ballots:
            with self.ctx.uow_factory() as uow:
                round_ = uow.rounds.get_round_of_question(ballot_id)
            question = round_.question(ballot_id) if round_ else None
            if round_ is None or question is None:
                continue
            if self.ctx.close_questions([question]):
                revotes_closed += 1
                log.info("revote_closed_at_deadline", round_id=round_.id, ballot_id=ballot_id)
                self.ctx.after_closing(round_.id)
        if reminded or closed or revotes_closed:
            self.ctx.send_soon()
        return SweepResult(closed, reminded, revotes_closed)

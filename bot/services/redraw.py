"""Redrawing a question's message once votes have come in."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.messages import MessageRef
from bot.ports import ChatError
from bot.services.context import RoundContext, log


@dataclass
class RedrawUseCases:
    """Redrawing a question's message once votes have come in."""

    ctx: RoundContext

    def refresh_question(self, round_question_id: int) -> None:
        """Redraw a question's open message from the stored state (called by the refresher).

        A closed question is left alone: its reveal is sent by the outbox. If the question closed
        while this redraw was on its way, the redraw may have landed after the reveal (another
        worker may have sent it); the closed card is then drawn once more, so the reveal stays.
        """
        if self._is_closed(round_question_id):
            return  # its reveal is on its way: taking a turn now would only hold the reveal up
        with self.ctx.refresher.turn(round_question_id):
            if not self._redraw(round_question_id, want_open=True):
                return
        if self._is_closed(round_question_id):
            with self.ctx.refresher.turn(round_question_id):
                self._redraw(round_question_id, want_open=False)

    def _is_closed(self, round_question_id: int) -> bool:
        with self.ctx.uow_factory() as uow:
            question = uow.rounds.get_question(round_question_id)
        return question is not None and not question.is_open

    def _redraw(self, round_question_id: int, *, want_open: bool) -> bool:
        """Draw the question's card if it is (still) open, or closed, as wanted; True if drawn.

        A first ballot's card needs only the question and its round's outline (cached): not the
        round's other questions and all their votes, which each redraw would load again."""
        with self.ctx.uow_factory() as uow:
            question = uow.rounds.get_question(round_question_id)
            round_ = self.ctx.outline(uow, question.round_id) if question else None
            if question is not None and question.ballot > 1:  # shows the earlier ballot's result
                round_ = uow.rounds.get_round_of_question(round_question_id)
                question = round_.question(round_question_id) if round_ else None
        if round_ is None or question is None or question.message_id is None:
            return False
        if question.is_open != want_open:
            return False
        try:
            self.ctx.chat.update(
                MessageRef(round_.channel_id, question.message_id),
                self.ctx.presenter.card(round_, question),
            )
        except ChatError as exc:
            log.error("question_refresh_failed", question=question.question_id, error=str(exc))
            return False
        return True

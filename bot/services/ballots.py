"""Ballots: a member's vote and comment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.ballot_box import Cast, VoteCast
from bot.domain.consensus import Choice
from bot.domain.rounds import Round
from bot.domain.text import Composed, Emphasis, clean
from bot.services.context import COMMENT_MAX_LENGTH, STALE_BUTTON, RoundContext, log
from bot.views.forms import CommentFormView
from bot.views.reply import Later, Outcome, Reply, finish, refuse


@dataclass
class BallotUseCases:
    """Ballots: a member's vote and comment."""

    ctx: RoundContext

    def record_vote(
        self,
        user_id: str,
        round_id: int,
        round_question_id: int,
        choice: Choice,
        clicked_at: datetime | None = None,
    ) -> Reply:
        """Record (or change) an elector's vote; close the question when everyone has voted."""
        return finish(self.cast_vote(user_id, round_id, round_question_id, choice, clicked_at))

    def cast_vote(
        self,
        user_id: str,
        round_id: int,
        round_question_id: int,
        choice: Choice,
        clicked_at: datetime | None = None,
    ) -> Outcome:
        """`record_vote` in two steps: store the vote (answer the platform once this returns),
        then ``then()`` for what follows (the question's redraw, or its closing and summary).

        ``clicked_at`` is when the click was made: a click older than the one whose vote is
        stored (a replayed request) changes nothing."""
        vote = VoteCast(round_question_id, user_id, choice, self.ctx.clock.now(), clicked_at)
        round_ = self.ctx.known_outline(round_id)
        box = self.ctx.ballot_box
        cast = box.cast(vote, round_id, round_.electorate) if box and round_ else None
        if cast is None:  # the round not yet seen here, or the vote that closes the question
            cast, round_ = self._cast_with_closing(vote, round_id)
        refusal = self._refusal(cast, round_)
        if refusal is not None:
            return refusal
        assert cast.ballot is not None and cast.stored is not None
        question_id, previous, closed_now = (
            cast.ballot.question_id,
            cast.stored.previous,
            cast.closed_now,
        )
        if cast.stored.stale:
            return self._older_click(question_id, round_question_id, previous)
        log.info(
            "vote_recorded",
            round_id=round_id,
            question=question_id,
            changed=previous is not None and previous != choice,
            closed=closed_now,
        )
        reply = self._vote_reply(question_id, choice, previous, closed_now)

        def then() -> Reply:
            if closed_now:
                self.ctx.send_soon()
                self.ctx.after_closing(round_id)
            else:
                self.ctx.refresher.request(round_question_id)
            return reply

        return Later(then, reply)

    def _cast_with_closing(self, vote: VoteCast, round_id: int) -> tuple[Cast, Round | None]:
        """The vote in the unit of work, closing the question if it is the last one."""
        with self.ctx.uow_factory() as uow:
            ballot = uow.rounds.lock_ballot(vote.round_question_id)
            round_ = self.ctx.outline(uow, round_id) if ballot else None
            if ballot is None or round_ is None or ballot.round_id != round_id:
                return Cast(ballot=None), round_
            if not ballot.is_open:
                return Cast(ballot), round_
            if vote.user_id not in round_.electorate:
                return Cast(ballot, elector=False), round_
            stored = uow.rounds.upsert_vote(
                vote.round_question_id, vote.user_id, vote.choice, vote.at, vote.clicked_at
            )
            if stored.stale:
                return Cast(ballot, stored=stored), round_
            closed_now = False
            votes_now = stored.votes_cast + (1 if stored.previous is None else 0)
            if votes_now >= len(round_.electorate):  # the last vote: the question closes
                question = uow.rounds.lock_question(vote.round_question_id)
                closed_now = question is not None and self.ctx.close(uow, round_, question)
            uow.commit()
        return Cast(ballot, stored=stored, closed_now=closed_now), round_

    def _refusal(self, cast: Cast, round_: Round | None) -> Reply | None:
        ballot = cast.ballot
        if ballot is None or round_ is None:
            return refuse(STALE_BUTTON)
        if not ballot.is_open:
            return refuse(
                f"Voting on question {ballot.question_id} has closed, so your vote was not "
                "recorded. The result is on the question's message."
            )
        if not cast.elector:
            return refuse(self.ctx.not_an_elector(round_))
        return None

    def _older_click(
        self, question_id: str, round_question_id: int, latest: Choice | None
    ) -> Reply:
        log.info("older_click_ignored", round_question_id=round_question_id)
        stored = f" ({self.ctx.said(latest)})" if latest is not None else ""
        return Reply(
            f"Question {question_id}: that click is older than your latest "
            f"vote{stored}, so nothing changed."
        )

    def _vote_reply(
        self, question_id: str, choice: Choice, previous: Choice | None, closed_now: bool
    ) -> Reply:
        said = self.ctx.said(choice)
        if previous is not None and previous != choice:
            verb = "changed your vote to"
        elif previous == choice:
            verb = "already had"
        else:
            verb = "recorded"
        if closed_now:
            tail = "That was the last vote: the question has now closed."
        else:
            tail = "Only you can see this. You can change it until the question closes."
        return Reply(Composed(f"Question {question_id}: {verb} ", Emphasis(said), f". {tail}"))

    def comment_form(
        self, user_id: str, round_id: int, round_question_id: int
    ) -> CommentFormView | Reply:
        """The form for commenting on a question, or a refusal."""
        with self.ctx.uow_factory() as uow:
            round_ = uow.rounds.get(round_id)
        question = round_.question(round_question_id) if round_ else None
        if round_ is None or question is None:
            return refuse(STALE_BUTTON)
        if not question.is_open:
            return refuse(f"Question {question.question_id} has closed; comments are closed too.")
        if user_id not in round_.electorate:
            return refuse(self.ctx.not_an_elector(round_))
        text = self.ctx.presenter.question_text(question.question_id)
        return CommentFormView(round_id, question.id, question.question_id, text)

    def add_comment(self, user_id: str, round_id: int, round_question_id: int, text: str) -> Reply:
        """Store a comment on an open question; it is shown in the domain summary."""
        text = clean(text).strip()  # no NUL (PostgreSQL refuses it), bidi or zero-width
        if not text:
            return refuse("The comment is empty. Write something, or press Cancel.")
        if len(text) > COMMENT_MAX_LENGTH:
            return refuse(f"Please keep a comment under {COMMENT_MAX_LENGTH} characters.")
        with self.ctx.uow_factory() as uow:
            found = self.ctx.lock_for_elector(
                uow,
                user_id,
                round_id,
                round_question_id,
                closed="Question {} closed before your comment was saved. "
                "Copy it and raise it with the chair.",
            )
            if isinstance(found, Reply):
                return found
            _, question = found
            uow.rounds.add_comment(question.id, user_id, text, self.ctx.clock.now())
            uow.commit()
        self.ctx.refresher.request(round_question_id)
        log.info("comment_added", round_id=round_id, question=question.question_id)
        return Reply(
            f"Thanks: your comment on question {question.question_id} is saved "
            "and will appear in the summary."
        )

"""What the round use cases share: their dependencies, chair checks, recording and closing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import structlog

from bot.ballot_box import BallotBox
from bot.config import AppConfig
from bot.domain.consensus import Choice, OutcomeKind, resolve
from bot.domain.framework import Framework
from bot.domain.rounds import (
    MessageKind,
    OutgoingMessage,
    QuestionResult,
    Round,
    RoundQuestion,
)
from bot.domain.text import Composed, Mention, PlatformName, Typed, command
from bot.ports import ChatGateway, Clock, UnitOfWork, UnitOfWorkFactory
from bot.presenter import Presenter
from bot.services.configuration import ConfigInForce
from bot.services.delivery import Delivery
from bot.services.refresh import RefreshScheduler
from bot.views.reply import Later, Reply, refuse

log = structlog.get_logger(__name__)

COMMENT_MAX_LENGTH = 3000
RATIONALE_MAX_LENGTH = 3000
# A message recorded while handling a request is sent by that request; the background sender
# only picks it up if it is still unsent after this grace period (say the process died).
INLINE_GRACE = timedelta(seconds=30)

STALE_BUTTON = Composed(
    "That button doesn't belong to a question I know about, so nothing was recorded. "
    "Use the buttons on the latest question message, or ask the chair for ",
    command("status"),
    ".",
)


def slow_to_answer(text: str, what: str) -> Composed:
    """``text``, then that the chat is slow to answer, so ``what`` will appear shortly."""
    return Composed(text, " ", PlatformName(), f" is slow to answer; {what} will appear shortly.")


def when(moment: datetime | None) -> str:
    return moment.strftime("%a %d %b %Y %H:%M UTC") if moment else "no deadline"


@dataclass
class RoundContext:
    """What the round use cases depend on (one set, shared), and the steps they share."""

    config: AppConfig
    framework: Framework
    uow_factory: UnitOfWorkFactory
    chat: ChatGateway
    clock: Clock
    refresher: RefreshScheduler
    delivery: Delivery
    #: the configuration in force and each round's own; None: ``config`` is all there is
    in_force: ConfigInForce | None = None
    #: records ordinary votes in a short transaction of their own; None: the unit of work does
    ballot_box: BallotBox | None = None
    presenter: Presenter = field(init=False)
    _outlines: dict[int, Round] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.presenter = Presenter(self.config, self.framework)

    def rebind(self, config: AppConfig, framework: Framework) -> None:
        """Use a newly saved configuration from now on (rounds keep their own: `config_of`)."""
        self.config, self.framework = config, framework
        self.presenter = Presenter(config, framework)

    @property
    def config_version(self) -> int | None:
        if self.in_force is None or not self.in_force.is_set:
            return None
        return self.in_force.number

    def config_of(self, round_: Round) -> AppConfig:
        """The configuration ``round_`` started under: its rule and timings."""
        return self.in_force.of_round(round_) if self.in_force is not None else self.config

    def known_outline(self, round_id: int) -> Round | None:
        """The round's outline if this process has read it already (see `outline`)."""
        return self._outlines.get(round_id)

    def outline(self, uow: UnitOfWork, round_id: int) -> Round | None:
        """A round's electorate and identity, which never change once it has started."""
        known = self._outlines.get(round_id)
        if known is None:
            known = uow.rounds.outline(round_id)
            if known is not None:
                self._outlines[round_id] = known
        return known

    def check_chair_and_domain(self, user_id: str, domain: int, verb: str) -> Reply | None:
        if not self.config.is_chair(user_id):
            return refuse(
                Composed(
                    "Only the board's chairs can use ",
                    command(verb),
                    ". Ask a chair to do it, or to add you as a chair with ",
                    command("setup"),
                    ".",
                )
            )
        if self.framework.domain(domain) is None:
            return refuse(
                Composed(
                    f"There is no domain {domain}: the domains are "
                    f"1-{len(self.framework.domains)}. For example, ",
                    command(f"{verb} 4"),
                    ".",
                )
            )
        return None

    def current_round(self, domain: int) -> Round | None:
        with self.uow_factory() as uow:
            return uow.rounds.open_round_for_domain(self.framework.id, domain)

    def record(self, uow: UnitOfWork, message: OutgoingMessage, send_here: bool = False) -> str:
        """Record a message to send. ``send_here``: this request will send it itself (the
        background sender leaves it alone for a grace period); otherwise it is sent in the
        background as soon as the change commits (see `_send_soon`)."""
        now = self.clock.now()
        uow.outbox.add(message, now, now + INLINE_GRACE if send_here else now)
        return message.key

    def send_soon(self) -> None:
        self.delivery.on_pending()

    def already_open(self, round_: Round) -> str:
        return Composed(
            f"Domain {round_.domain} already has a round open (started by ",
            Mention(round_.started_by),
            "). Use ",
            command("status"),
            " to see who has voted, or ",
            command(f"close {round_.domain}"),
            " to close it with the votes cast.",
        )

    def open_revotes(self, domain: int) -> list[RoundQuestion]:
        """The open re-vote ballots of the domain's closed round, if it has any."""
        with self.uow_factory() as uow:
            rounds = uow.rounds.closed_rounds_with_open_ballots(self.framework.id, domain)
        return [q for r in rounds for q in r.current_questions if q.is_open]

    def then_after_closing(self, round_id: int, reply: Reply) -> Later:
        def then() -> Reply:
            self.after_closing(round_id)
            return reply

        return Later(then, reply)

    def record_reminders(self, uow: UnitOfWork, round_: Round, tag: str) -> list[str]:
        return [
            self.record(
                uow,
                OutgoingMessage(
                    f"remind:{round_.id}:{user}:{tag}",
                    MessageKind.REMINDER,
                    round_.id,
                    user_id=user,
                ),
            )
            for user in round_.electorate
            if round_.waiting_on(user)
        ]

    def said(self, choice: Choice) -> str:
        if choice is Choice.DONT_KNOW:
            return "Don't know"
        return self.presenter.scale.named(int(choice.value))

    def not_an_elector(self, round_: Round) -> str:
        return Composed(
            f"You're not one of the {len(round_.electorate)} people voting on domain "
            f"{round_.domain} (the ",
            Typed(self.presenter.subgroup_name(round_.subgroup_key)),
            " as it was when the round started), so your click was not counted. "
            "If that's wrong, ask the chair.",
        )

    def lock_for_elector(
        self, uow: UnitOfWork, user_id: str, round_id: int, round_question_id: int, closed: str
    ) -> tuple[Round, RoundQuestion] | Reply:
        """Lock an open question for an elector of its round, or say why not (``closed`` is the
        refusal for a closed question, with {} for its id)."""
        question = uow.rounds.lock_question(round_question_id)
        round_ = self.outline(uow, round_id) if question else None
        if question is None or round_ is None or question.round_id != round_id:
            return refuse(STALE_BUTTON)
        if not question.is_open:
            return refuse(closed.format(question.question_id))
        if user_id not in round_.electorate:
            return refuse(self.not_an_elector(round_))
        return round_, question

    def close(self, uow: UnitOfWork, round_: Round, question: RoundQuestion) -> bool:
        outcome = resolve(
            question.votes.values(), len(round_.electorate), self.config_of(round_).rule
        )
        result = QuestionResult(outcome.kind, outcome.grade, outcome.reason)
        if not uow.rounds.close_question(question.id, result, self.clock.now()):
            return False
        self.record(
            uow,
            OutgoingMessage(
                f"reveal:{question.id}",
                MessageKind.REVEAL,
                round_.id,
                round_question_id=question.id,
            ),
        )
        if outcome.kind is not OutcomeKind.AGREED:  # flagged: open the discussion thread
            self.record(
                uow,
                OutgoingMessage(
                    f"discussion:{question.id}",
                    MessageKind.DISCUSSION,
                    round_.id,
                    round_question_id=question.id,
                ),
            )
        return True

    def close_open_questions(self, round_: Round, every_ballot: bool = False) -> int:
        """Close the round's open questions (its first ballots; re-votes too if asked)."""
        return self.close_questions([q for q in round_.questions if every_ballot or q.ballot == 1])

    def close_questions(self, questions: list[RoundQuestion]) -> int:
        closed = 0
        with self.uow_factory() as uow:
            for question in questions:
                round_ = self.outline(uow, question.round_id)
                locked = uow.rounds.lock_question(question.id)
                if (
                    round_ is not None
                    and locked is not None
                    and locked.is_open
                    and self.close(uow, round_, locked)
                ):
                    closed += 1
            uow.commit()
        if closed:
            self.send_soon()
        return closed

    def after_closing(self, round_id: int) -> None:
        """Once questions closed or were decided: the summary, or its update, when due (a summary
        recorded just now already shows the latest state)."""
        if not self.finish_round_if_complete(round_id):
            self.update_summary_if_settled(round_id)

    def update_summary_if_settled(self, round_id: int) -> bool:
        """When the last flagged question of a closed round is settled, redraw the board summary
        (once: the outbox key makes a second copy impossible)."""
        with self.uow_factory() as uow:
            # not the round's votes (nor its electors) while it is open: most closings
            round_ = None if uow.rounds.is_open(round_id) else uow.rounds.get(round_id)
            if (
                round_ is None
                or round_.is_open
                or not round_.went_to_discussion
                or not round_.is_settled
            ):
                return False
            self.record(
                uow,
                OutgoingMessage(f"summary-update:{round_id}", MessageKind.SUMMARY_UPDATE, round_id),
            )
            uow.commit()
        self.send_soon()
        log.info("summary_settled", round_id=round_id)
        return True

    def finish_round_if_complete(self, round_id: int) -> bool:
        """Close the round once all its questions are; the summary is sent exactly once."""
        with self.uow_factory() as uow:
            if not uow.rounds.close_round_if_complete(round_id, self.clock.now()):
                return False
            self.record(uow, OutgoingMessage(f"summary:{round_id}", MessageKind.SUMMARY, round_id))
            uow.commit()
        self.send_soon()
        return True

    def flagged_for_chair(
        self, uow: UnitOfWork, user_id: str, round_id: int, round_question_id: int, verb: str
    ) -> tuple[Round, RoundQuestion] | Reply:
        """Lock a flagged ballot that a chair may act on, or say why not."""
        if not self.config.is_chair(user_id):
            return refuse(
                f"Only the board's chairs can {verb}. Say what you think in this thread; "
                "the chair will take it into account."
            )
        question = uow.rounds.lock_question(round_question_id)
        round_ = uow.rounds.get(round_id) if question else None
        current = round_.question(round_question_id) if round_ else None
        if question is None or round_ is None or current is None:
            return refuse(STALE_BUTTON)
        latest = round_.latest_ballot(current.question_id)
        if latest is not None and latest.ballot > current.ballot:
            state = "is being re-voted" if latest.is_open else "has been re-voted"
            return refuse(
                f"Question {current.question_id} {state} (round {latest.ballot}); "
                "act on the latest round's message instead."
            )
        if current.is_open:
            return refuse(f"Question {current.question_id} is still open for votes.")
        if current.decision is not None:
            return refuse(
                Composed(
                    f"Question {current.question_id} was already decided by ",
                    Mention(current.decision.decided_by),
                    f": {self.presenter.scale.named(current.decision.grade)}.",
                )
            )
        if not current.is_flagged:
            return refuse(f"Question {current.question_id} was agreed; there is nothing to settle.")
        return round_, current

    def revote_reminder_at(self, deadline: datetime, round_: Round) -> datetime:
        """A re-vote nudges `remind_before` its deadline, or halfway if that is sooner."""
        voting = self.config_of(round_).voting
        lead = min(voting.remind_before, voting.revote_deadline / 2)
        return deadline - lead

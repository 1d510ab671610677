"""The service layer: start a round, record a vote, take a comment, close, summarise, remind.

Each public method is one use case. It returns a `Reply` for the person who acted (a refusal says
what to do instead and changes nothing). Messages that matter are recorded in the outbox in the
same transaction as the change that needs them, then delivered (`bot.delivery`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import structlog

from bot.commands import (
    CloseDomain,
    ExtendDeadline,
    Help,
    RemindNow,
    StartDomain,
    Status,
    Unrecognised,
    parse_command,
    usage,
)
from bot.config import AppConfig
from bot.consensus import Choice, resolve
from bot.delivery import Delivery
from bot.durations import describe_duration
from bot.framework import Framework
from bot.model import MessageKind, NewRound, OutgoingMessage, QuestionResult, Round, RoundQuestion
from bot.ports import ChatError, ChatGateway, Clock, OpenRoundExists, UnitOfWork, UnitOfWorkFactory
from bot.presenter import Presenter
from bot.refresh import RefreshScheduler
from bot.views import CommentFormView, Reply

log = structlog.get_logger(__name__)

COMMENT_MAX_LENGTH = 3000
# A message recorded while handling a request is sent by that request; the background sender
# only picks it up if it is still unsent after this grace period (say the process died).
INLINE_GRACE = timedelta(seconds=30)

STALE_BUTTON = (
    "That button doesn't belong to a question I know about, so nothing was recorded. "
    "Use the buttons on the latest question message, or ask the chair for `/assess status`."
)


def refuse(text: str) -> Reply:
    return Reply(text=text, is_refusal=True)


def when(moment: datetime | None) -> str:
    return moment.strftime("%a %d %b %Y %H:%M UTC") if moment else "no deadline"


@dataclass(frozen=True)
class SweepResult:
    rounds_closed: int
    rounds_reminded: int


@dataclass
class Facilitator:
    """Runs assessment rounds. Platform-neutral: chat and storage come in through ports."""

    config: AppConfig
    framework: Framework
    uow_factory: UnitOfWorkFactory
    chat: ChatGateway
    clock: Clock
    refresher: RefreshScheduler
    delivery: Delivery
    presenter: Presenter = field(init=False)
    _outlines: dict[int, Round] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.presenter = Presenter(self.config, self.framework)

    def _outline(self, uow: UnitOfWork, round_id: int) -> Round | None:
        """A round's electorate and identity, which never change once it has started."""
        known = self._outlines.get(round_id)
        if known is None:
            known = uow.rounds.outline(round_id)
            if known is not None:
                self._outlines[round_id] = known
        return known

    # ----------------------------------------------------------------- commands

    def run_command(self, user_id: str, text: str) -> Reply:
        """Carry out `/assess <text>` for ``user_id`` and say how it went."""
        command = parse_command(text)
        match command:
            case Help():
                return Reply(usage(len(self.framework.domains)))
            case StartDomain(domain):
                return self.start_round(user_id, domain)
            case Status():
                return self.status()
            case CloseDomain(domain):
                return self.close_domain(user_id, domain)
            case ExtendDeadline(domain, by):
                return self.extend_deadline(user_id, domain, by)
            case RemindNow(domain):
                return self.remind_now(user_id, domain)
            case Unrecognised(problem):
                return refuse(f"{problem}\n\n{usage(len(self.framework.domains))}")

    def _check_chair_and_domain(self, user_id: str, domain: int, verb: str) -> Reply | None:
        if not self.config.is_chair(user_id):
            return refuse(
                f"Only the board's chairs can use `/assess {verb}`. Ask a chair, or ask for your "
                "Slack id to be added under `board.chairs` in the app's configuration."
            )
        if self.framework.domain(domain) is None:
            return refuse(
                f"There is no domain {domain}: the domains are 1-{len(self.framework.domains)}. "
                f"For example, `/assess {verb} 4`."
            )
        return None

    def _open_round(self, domain: int) -> Round | None:
        with self.uow_factory() as uow:
            return uow.rounds.open_round_for_domain(self.framework.id, domain)

    def start_round(self, user_id: str, domain: int) -> Reply:
        """Snapshot the electorate, open the round and post its questions to the sub-group."""
        refusal = self._check_chair_and_domain(user_id, domain, "domain")
        if refusal:
            return refusal
        domain_model = self.framework.domain(domain)
        assignment = self.config.subgroup_for(domain)
        assert domain_model is not None
        if assignment is None:
            return refuse(
                f"Domain {domain} is not assigned to a sub-group. Add it under `assignments` "
                "in the app's configuration."
            )
        subgroup_key, subgroup = assignment
        existing = self._open_round(domain)
        if existing:
            return refuse(self._already_open(existing))
        if subgroup.members is not None:
            electorate = tuple(dict.fromkeys(subgroup.members))
        else:
            try:
                electorate = tuple(self.chat.human_members(subgroup.channel))
            except ChatError as exc:
                return refuse(
                    f"I couldn't see who is in the {subgroup.name} channel ({exc}). "
                    "Invite the app to that channel, then try again."
                )
        if not electorate:
            return refuse(
                f"The {subgroup.name} has nobody to vote: its channel has no members "
                "other than apps. Add members, then try again."
            )
        now = self.clock.now()
        deadline = now + self.config.voting.deadline
        new_round = NewRound(
            framework=self.framework.id,
            domain=domain,
            subgroup_key=subgroup_key,
            channel_id=subgroup.channel,
            started_by=user_id,
            started_at=now,
            electorate=electorate,
            question_ids=tuple(q.id for q in domain_model.questions),
            deadline_at=deadline,
            remind_at=deadline - self.config.voting.remind_before,
        )
        try:
            with self.uow_factory() as uow:
                round_ = uow.rounds.add(new_round)
                header_key = self._record(
                    uow,
                    OutgoingMessage(f"header:{round_.id}", MessageKind.HEADER, round_.id),
                    send_here=True,
                )
                card_keys = [
                    self._record(
                        uow,
                        OutgoingMessage(
                            f"card:{q.id}", MessageKind.CARD, round_.id, round_question_id=q.id
                        ),
                        send_here=True,
                    )
                    for q in round_.questions
                ]
                uow.commit()
        except OpenRoundExists:
            existing = self._open_round(domain)
            return refuse(self._already_open(existing) if existing else "A round is already open.")
        logger = log.bind(round_id=round_.id, domain=domain, subgroup=subgroup_key)
        header = self.delivery.send_now([header_key])[header_key]
        if header == "failed":
            with self.uow_factory() as uow:
                uow.rounds.discard(round_.id)
                uow.commit()
            logger.warning("round_not_started")
            return refuse(
                f"I couldn't post to the {subgroup.name} channel, so no round was started. "
                "Invite the app to that channel, then try again."
            )
        statuses = self.delivery.send_now(card_keys)
        unsent = [
            q.question_id
            for q, key in zip(round_.questions, card_keys, strict=True)
            if statuses[key] != "sent"
        ]
        logger.info("round_started", electorate=len(electorate), unsent=len(unsent))
        text = (
            f"Domain {domain} is now with the {subgroup.name}: {len(round_.questions)} questions, "
            f"{len(electorate)} people to vote, until {when(deadline)}."
        )
        if header != "sent" or unsent:
            text += " Slack is slow to answer; the rest of the questions will appear shortly."
        return Reply(text)

    def _record(self, uow: UnitOfWork, message: OutgoingMessage, send_here: bool = False) -> str:
        """Record a message to send. ``send_here``: this request will send it itself (the
        background sender leaves it alone for a grace period); otherwise it is sent in the
        background as soon as the change commits (see `_send_soon`)."""
        now = self.clock.now()
        uow.outbox.add(message, now, now + INLINE_GRACE if send_here else now)
        return message.key

    def _send_soon(self) -> None:
        self.delivery.on_pending()

    def _already_open(self, round_: Round) -> str:
        return (
            f"Domain {round_.domain} already has a round open (started by <@{round_.started_by}>). "
            f"Use `/assess status` to see who has voted, or `/assess close {round_.domain}` "
            "to close it with the votes cast."
        )

    def status(self) -> Reply:
        """Per open round and question: how many have voted, and who has not."""
        with self.uow_factory() as uow:
            rounds = uow.rounds.open_rounds(self.framework.id)
        if not rounds:
            return Reply("No rounds are open. A chair starts one with `/assess domain N`.")
        views = tuple(self.presenter.status(r) for r in rounds)
        return Reply(f"{len(views)} round(s) open.", rounds=views)

    def close_domain(self, user_id: str, domain: int) -> Reply:
        """Close a domain's open questions now, with the votes cast so far."""
        refusal = self._check_chair_and_domain(user_id, domain, "close")
        if refusal:
            return refusal
        round_ = self._open_round(domain)
        if round_ is None:
            return refuse(
                f"Domain {domain} has no open round to close. `/assess status` lists the open ones."
            )
        closed = self._close_open_questions(round_)
        log.info("round_closed_by_chair", round_id=round_.id, by=user_id, questions=closed)
        self._finish_round_if_complete(round_.id)
        return Reply(
            f"Closed domain {domain}: {closed} question(s) closed with the votes cast. "
            "The summary goes to the board channel."
        )

    def extend_deadline(self, user_id: str, domain: int, by: timedelta) -> Reply:
        """Move an open round's deadline (and its reminder) later, and say so in its header."""
        refusal = self._check_chair_and_domain(user_id, domain, "extend")
        if refusal:
            return refusal
        round_ = self._open_round(domain)
        if round_ is None or round_.deadline_at is None:
            return refuse(f"Domain {domain} has no open round to extend.")
        deadline = max(round_.deadline_at, self.clock.now()) + by
        with self.uow_factory() as uow:
            if not uow.rounds.reschedule(
                round_.id, deadline, deadline - self.config.voting.remind_before
            ):
                return refuse(f"Domain {domain}'s round closed before it could be extended.")
            stamp = self.clock.now().isoformat()
            self._record(
                uow,
                OutgoingMessage(
                    f"header-update:{round_.id}:{stamp}", MessageKind.HEADER_UPDATE, round_.id
                ),
            )
            uow.commit()
        self._send_soon()
        log.info("deadline_extended", round_id=round_.id, by=user_id, deadline=deadline.isoformat())
        return Reply(
            f"Domain {domain} now closes {when(deadline)} ({describe_duration(by)} more). "
            "The round's header message says so."
        )

    def remind_now(self, user_id: str, domain: int) -> Reply:
        """Nudge, by direct message, everyone who still has questions to vote on."""
        refusal = self._check_chair_and_domain(user_id, domain, "remind")
        if refusal:
            return refusal
        round_ = self._open_round(domain)
        if round_ is None:
            return refuse(f"Domain {domain} has no open round.")
        stamp = self.clock.now().isoformat()
        with self.uow_factory() as uow:
            keys = self._record_reminders(uow, round_, f"manual:{stamp}")
            uow.commit()
        if not keys:
            return Reply(f"Everyone has voted on every open question of domain {domain}.")
        self._send_soon()
        missing = [user for user in round_.electorate if round_.waiting_on(user)]
        log.info("reminded_by_chair", round_id=round_.id, by=user_id, nudged=len(missing))
        names = ", ".join(f"<@{u}>" for u in missing)
        return Reply(f"Sending {len(missing)} reminder(s) by direct message: {names}.")

    def _record_reminders(self, uow: UnitOfWork, round_: Round, tag: str) -> list[str]:
        return [
            self._record(
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

    # ----------------------------------------------------------------- schedule

    def sweep(self) -> SweepResult:
        """Close rounds whose deadline has passed and send due reminders (safe to run anywhere).

        Every step is claimed with a conditional update, so workers running this side by side,
        or one catching up after a restart, act once.
        """
        now = self.clock.now()
        with self.uow_factory() as uow:
            due_close = uow.rounds.due_for_closing(now)
            due_remind = uow.rounds.due_for_reminder(now)
        reminded = 0
        for round_id in due_remind:
            with self.uow_factory() as uow:
                round_ = uow.rounds.get(round_id)
                if round_ is None or not uow.rounds.claim_reminder(round_id, now):
                    continue
                keys = self._record_reminders(uow, round_, "auto")
                uow.commit()
            reminded += 1
            log.info("reminders_due", round_id=round_id, electors=len(keys))
        closed = 0
        for round_id in due_close:
            with self.uow_factory() as uow:
                round_ = uow.rounds.get(round_id)
            if round_ is None:
                continue
            self._close_open_questions(round_)
            if self._finish_round_if_complete(round_id):
                closed += 1
                log.info("round_closed_at_deadline", round_id=round_id)
        if reminded or closed:
            self._send_soon()
        return SweepResult(closed, reminded)

    # ------------------------------------------------------------------- voting

    def record_vote(
        self, user_id: str, round_id: int, round_question_id: int, choice: Choice
    ) -> Reply:
        """Record (or change) an elector's vote; close the question when everyone has voted."""
        closed_now = False
        with self.uow_factory() as uow:
            found = self._lock_for_elector(
                uow,
                user_id,
                round_id,
                round_question_id,
                closed="Voting on question {} has closed, so your vote was not recorded. "
                "The result is on the question's message.",
            )
            if isinstance(found, Reply):
                return found
            round_, question = found
            previous = uow.rounds.upsert_vote(question.id, user_id, choice, self.clock.now())
            question.votes[user_id] = choice
            if all(user in question.votes for user in round_.electorate):
                closed_now = self._close(uow, round_, question)
            uow.commit()
        log.info(
            "vote_recorded",
            round_id=round_id,
            question=question.question_id,
            changed=previous is not None and previous != choice,
            closed=closed_now,
        )
        if closed_now:
            self._send_soon()
            self._finish_round_if_complete(round_id)
        else:
            self.refresher.request(round_question_id)
        said = (
            "Don't know"
            if choice is Choice.DONT_KNOW
            else self.presenter.scale.named(int(choice.value))
        )
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
        return Reply(f"Question {question.question_id}: {verb} *{said}*. {tail}")

    def _lock_for_elector(
        self, uow: UnitOfWork, user_id: str, round_id: int, round_question_id: int, closed: str
    ) -> tuple[Round, RoundQuestion] | Reply:
        """Lock an open question for an elector of its round, or say why not (``closed`` is the
        refusal for a closed question, with {} for its id)."""
        question = uow.rounds.lock_question(round_question_id)
        round_ = self._outline(uow, round_id) if question else None
        if question is None or round_ is None or question.round_id != round_id:
            return refuse(STALE_BUTTON)
        if not question.is_open:
            return refuse(closed.format(question.question_id))
        if user_id not in round_.electorate:
            return refuse(self._not_an_elector(round_))
        return round_, question

    def _not_an_elector(self, round_: Round) -> str:
        return (
            f"You're not one of the {len(round_.electorate)} people voting on domain "
            f"{round_.domain} (the {self.presenter.subgroup_name(round_.subgroup_key)} as it was "
            "when the round started), so your click was not counted. "
            "If that's wrong, ask the chair."
        )

    def _close(self, uow: UnitOfWork, round_: Round, question: RoundQuestion) -> bool:
        outcome = resolve(question.votes.values(), len(round_.electorate), self.config.rule)
        result = QuestionResult(outcome.kind, outcome.grade, outcome.reason)
        if not uow.rounds.close_question(question.id, result, self.clock.now()):
            return False
        self._record(
            uow,
            OutgoingMessage(
                f"reveal:{question.id}",
                MessageKind.REVEAL,
                round_.id,
                round_question_id=question.id,
            ),
        )
        return True

    def _close_open_questions(self, round_: Round) -> int:
        closed: list[str] = []
        with self.uow_factory() as uow:
            for question in round_.questions:
                locked = uow.rounds.lock_question(question.id)
                if locked is not None and locked.is_open and self._close(uow, round_, locked):
                    closed.append(f"reveal:{locked.id}")
            uow.commit()
        if closed:
            self._send_soon()
        return len(closed)

    def _finish_round_if_complete(self, round_id: int) -> bool:
        """Close the round once all its questions are; the summary is sent exactly once."""
        with self.uow_factory() as uow:
            if not uow.rounds.close_round_if_complete(round_id, self.clock.now()):
                return False
            self._record(uow, OutgoingMessage(f"summary:{round_id}", MessageKind.SUMMARY, round_id))
            uow.commit()
        self._send_soon()
        return True

    # ----------------------------------------------------------------- comments

    def comment_form(
        self, user_id: str, round_id: int, round_question_id: int
    ) -> CommentFormView | Reply:
        """The form for commenting on a question, or a refusal."""
        with self.uow_factory() as uow:
            round_ = uow.rounds.get(round_id)
        question = round_.question(round_question_id) if round_ else None
        if round_ is None or question is None:
            return refuse(STALE_BUTTON)
        if not question.is_open:
            return refuse(f"Question {question.question_id} has closed; comments are closed too.")
        if user_id not in round_.electorate:
            return refuse(self._not_an_elector(round_))
        text = self.presenter.question_text(question.question_id)
        return CommentFormView(round_id, question.id, question.question_id, text)

    def add_comment(self, user_id: str, round_id: int, round_question_id: int, text: str) -> Reply:
        """Store a comment on an open question; it is shown in the domain summary."""
        text = text.strip()
        if not text:
            return refuse("The comment is empty. Write something, or press Cancel.")
        if len(text) > COMMENT_MAX_LENGTH:
            return refuse(f"Please keep a comment under {COMMENT_MAX_LENGTH} characters.")
        with self.uow_factory() as uow:
            found = self._lock_for_elector(
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
            uow.rounds.add_comment(question.id, user_id, text, self.clock.now())
            uow.commit()
        self.refresher.request(round_question_id)
        log.info("comment_added", round_id=round_id, question=question.question_id)
        return Reply(
            f"Thanks: your comment on question {question.question_id} is saved "
            "and will appear in the summary."
        )

    # ------------------------------------------------------------------ refresh

    def refresh_question(self, round_question_id: int) -> None:
        """Redraw a question's open message from the stored state (called by the refresher).

        A closed question is left alone: its reveal is sent by the outbox. If the question closed
        while this redraw was on its way, the redraw may have landed after the reveal (another
        worker may have sent it); the closed card is then drawn once more, so the reveal stays.
        """
        with self.refresher.turn(round_question_id):
            if not self._redraw(round_question_id, want_open=True):
                return
        if self._is_closed(round_question_id):
            with self.refresher.turn(round_question_id):
                self._redraw(round_question_id, want_open=False)

    def _is_closed(self, round_question_id: int) -> bool:
        with self.uow_factory() as uow:
            round_ = uow.rounds.get_round_of_question(round_question_id)
        question = round_.question(round_question_id) if round_ else None
        return question is not None and not question.is_open

    def _redraw(self, round_question_id: int, *, want_open: bool) -> bool:
        """Draw the question's card if it is (still) open, or closed, as wanted; True if drawn."""
        with self.uow_factory() as uow:
            round_ = uow.rounds.get_round_of_question(round_question_id)
        question = round_.question(round_question_id) if round_ else None
        if round_ is None or question is None or question.message_ts is None:
            return False
        if question.is_open != want_open:
            return False
        try:
            self.chat.update(
                round_.channel_id, question.message_ts, self.presenter.card(round_, question)
            )
        except ChatError as exc:
            log.error("question_refresh_failed", question=question.question_id, error=str(exc))
            return False
        return True

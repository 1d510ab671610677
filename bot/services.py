"""The service layer: start a round, record a vote, take a comment, close, summarise, remind.

Each public method is one use case. It returns a `Reply` for the person who acted (a refusal says
what to do instead and changes nothing). Messages that matter are recorded in the outbox in the
same transaction as the change that needs them, then delivered (`bot.delivery`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import structlog

from bot.audit import audit_csv, audit_entries
from bot.commands import (
    Audit,
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
from bot.config import AppConfig, SubgroupConfig
from bot.consensus import Choice, OutcomeKind, resolve
from bot.delivery import Delivery
from bot.durations import MAX_EXTENSION, describe_duration
from bot.framework import Framework
from bot.model import (
    Decision,
    MessageKind,
    NewRound,
    OutgoingMessage,
    QuestionResult,
    Round,
    RoundQuestion,
)
from bot.ports import ChatError, ChatGateway, Clock, OpenRoundExists, UnitOfWork, UnitOfWorkFactory
from bot.presenter import Presenter
from bot.refresh import RefreshScheduler
from bot.text import Composed, clean
from bot.views import CommentFormView, DecisionFormView, Later, Outcome, Reply, finish

log = structlog.get_logger(__name__)

COMMENT_MAX_LENGTH = 3000
RATIONALE_MAX_LENGTH = 3000
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
    revotes_closed: int = 0


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
        return finish(self.command(user_id, text))

    def command(self, user_id: str, text: str) -> Outcome:
        """`run_command` in two steps: whatever the command changes is stored when this
        returns (answer the platform then); ``then()`` does the sending that follows."""
        command = parse_command(text)
        match command:
            case Help():
                return Reply(usage(len(self.framework.domains)))
            case StartDomain(domain):
                return self.open_round(user_id, domain)
            case Status():
                return self.status()
            case CloseDomain(domain):
                return self.close_now(user_id, domain)
            case ExtendDeadline(domain, by):
                return self.extend_deadline(user_id, domain, by)
            case RemindNow(domain):
                return self.remind_now(user_id, domain)
            case Audit(domain):  # changes nothing; the upload can be slow
                return Later(lambda: self.send_audit(user_id, domain))
            case Unrecognised(problem):
                return refuse(Composed(problem, "\n\n", usage(len(self.framework.domains))))

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
        return finish(self.open_round(user_id, domain))

    def open_round(self, user_id: str, domain: int) -> Outcome:
        """`start_round` in two steps: store the round and its messages to send, then
        ``then()`` posts them."""
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
        revoting = self._open_revotes(domain)
        if revoting:
            ids = ", ".join(q.question_id for q in revoting)
            return refuse(
                f"Domain {domain} still has a re-vote open on {ids}. Let it finish, or close it "
                f"with `/assess close {domain}`, before starting a new round."
            )
        electorate = self._electorate(subgroup)
        if isinstance(electorate, Reply):
            return electorate
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
            anonymous=self.config.voting.anonymous,
        )
        return self._store_round(new_round, subgroup.name)

    def _electorate(self, subgroup: SubgroupConfig) -> tuple[str, ...] | Reply:
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
        return electorate

    def _store_round(self, new_round: NewRound, subgroup_name: str) -> Outcome:
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
            existing = self._open_round(new_round.domain)
            return refuse(self._already_open(existing) if existing else "A round is already open.")
        return Later(lambda: self._post_round(round_, subgroup_name, header_key, card_keys))

    def _post_round(
        self, round_: Round, subgroup_name: str, header_key: str, card_keys: list[str]
    ) -> Reply:
        """Post a stored round's header, then its questions (or discard it if the header can't
        be posted)."""
        logger = log.bind(round_id=round_.id, domain=round_.domain, subgroup=round_.subgroup_key)
        header = self.delivery.send_now([header_key])[header_key]
        if header == "failed":
            with self.uow_factory() as uow:
                uow.rounds.discard(round_.id)
                uow.commit()
            logger.warning("round_not_started")
            return refuse(
                f"I couldn't post to the {subgroup_name} channel, so no round was started. "
                "Invite the app to that channel, then try again."
            )
        statuses = self.delivery.send_now(card_keys)
        unsent = [
            q.question_id
            for q, key in zip(round_.questions, card_keys, strict=True)
            if statuses[key] != "sent"
        ]
        logger.info("round_started", electorate=len(round_.electorate), unsent=len(unsent))
        text = (
            f"Domain {round_.domain} is now with the {subgroup_name}: "
            f"{len(round_.questions)} questions, {len(round_.electorate)} people to vote, "
            f"until {when(round_.deadline_at)}."
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
            revoting = uow.rounds.closed_rounds_with_open_ballots(self.framework.id)
        if not rounds and not revoting:
            return Reply("No rounds are open. A chair starts one with `/assess domain N`.")
        views = [self.presenter.status(r) for r in rounds]
        views += [self.presenter.status(r, only_open=True) for r in revoting]
        text = f"{len(rounds)} round(s) open."
        if revoting:
            text += f" Re-votes open on {len(revoting)} closed round(s)."
        return Reply(text, rounds=tuple(views))

    def _open_revotes(self, domain: int) -> list[RoundQuestion]:
        """The open re-vote ballots of the domain's closed round, if it has any."""
        with self.uow_factory() as uow:
            rounds = uow.rounds.closed_rounds_with_open_ballots(self.framework.id, domain)
        return [q for r in rounds for q in r.current_questions if q.is_open]

    def close_domain(self, user_id: str, domain: int) -> Reply:
        """Close a domain's open questions now, with the votes cast so far."""
        return finish(self.close_now(user_id, domain))

    def close_now(self, user_id: str, domain: int) -> Outcome:
        """`close_domain` in two steps: close the questions, then ``then()`` sends the summary
        (or its update) when due."""
        refusal = self._check_chair_and_domain(user_id, domain, "close")
        if refusal:
            return refusal
        round_ = self._open_round(domain)
        if round_ is None:
            revoting = self._open_revotes(domain)
            if not revoting:
                return refuse(
                    f"Domain {domain} has no open round or re-vote to close. "
                    "`/assess status` lists the open ones."
                )
            closed = self._close_questions(revoting)
            log.info("revotes_closed_by_chair", domain=domain, by=user_id, questions=closed)
            text = (
                f"Closed the re-vote on domain {domain}: {closed} question(s) closed with the "
                "votes cast."
            )
            return self._then_after_closing(revoting[0].round_id, Reply(text))
        closed = self._close_open_questions(round_, every_ballot=True)
        log.info("round_closed_by_chair", round_id=round_.id, by=user_id, questions=closed)
        text = (
            f"Closed domain {domain}: {closed} question(s) closed with the votes cast. "
            "The summary goes to the board channel."
        )
        return self._then_after_closing(round_.id, Reply(text))

    def _then_after_closing(self, round_id: int, reply: Reply) -> Later:
        def then() -> Reply:
            self._after_closing(round_id)
            return reply

        return Later(then)

    def extend_deadline(self, user_id: str, domain: int, by: timedelta) -> Reply:
        """Move an open round's deadline (and its reminder) later, and say so in its header."""
        refusal = self._check_chair_and_domain(user_id, domain, "extend")
        if refusal:
            return refusal
        if by > MAX_EXTENSION:
            return refuse(f"The longest extension is {describe_duration(MAX_EXTENSION)}.")
        round_ = self._open_round(domain)
        if round_ is None:
            return self._extend_revotes(user_id, domain, by)
        if round_.deadline_at is None:
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

    def _extend_revotes(self, user_id: str, domain: int, by: timedelta) -> Reply:
        revoting = [q for q in self._open_revotes(domain) if q.deadline_at is not None]
        if not revoting:
            return refuse(f"Domain {domain} has no open round or re-vote to extend.")
        extended: list[tuple[RoundQuestion, datetime]] = []
        with self.uow_factory() as uow:
            for question in revoting:
                assert question.deadline_at is not None
                deadline = max(question.deadline_at, self.clock.now()) + by
                if uow.rounds.reschedule_ballot(
                    question.id, deadline, self._revote_reminder_at(deadline)
                ):
                    extended.append((question, deadline))
            uow.commit()
        if not extended:
            return refuse(f"Domain {domain}'s re-vote closed before it could be extended.")
        for question, _ in extended:
            self.refresher.request(question.id)  # its message shows the new closing time
        log.info("revote_extended", domain=domain, by=user_id, ballots=len(extended))
        lines = ", ".join(f"{q.question_id} until {when(d)}" for q, d in extended)
        return Reply(f"Re-vote extended by {describe_duration(by)}: {lines}.")

    def remind_now(self, user_id: str, domain: int) -> Reply:
        """Nudge, by direct message, everyone who still has questions to vote on."""
        refusal = self._check_chair_and_domain(user_id, domain, "remind")
        if refusal:
            return refusal
        round_ = self._open_round(domain)
        if round_ is None:
            revoting = self._open_revotes(domain)
            with self.uow_factory() as uow:
                round_ = uow.rounds.get(revoting[0].round_id) if revoting else None
        if round_ is None:
            return refuse(f"Domain {domain} has no open round or re-vote.")
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

    def _send_revote_reminders(self, now: datetime) -> int:
        """Nudge, once per re-vote, the electors who have not voted on it yet."""
        with self.uow_factory() as uow:
            due = uow.rounds.due_ballot_reminders(now)
        reminded = 0
        for ballot_id in due:
            with self.uow_factory() as uow:
                round_ = uow.rounds.get_round_of_question(ballot_id)
                ballot = round_.question(ballot_id) if round_ else None
                if round_ is None or ballot is None:
                    continue
                if not uow.rounds.claim_ballot_reminder(ballot_id, now):
                    continue
                for user in round_.electorate:
                    if user not in ballot.votes:
                        self._record(
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
        reminded += self._send_revote_reminders(now)
        with self.uow_factory() as uow:
            due_ballots = uow.rounds.due_ballots(now)
        revotes_closed = 0
        for ballot_id in due_ballots:
            with self.uow_factory() as uow:
                round_ = uow.rounds.get_round_of_question(ballot_id)
            question = round_.question(ballot_id) if round_ else None
            if round_ is None or question is None:
                continue
            if self._close_questions([question]):
                revotes_closed += 1
                log.info("revote_closed_at_deadline", round_id=round_.id, ballot_id=ballot_id)
                self._after_closing(round_.id)
        if reminded or closed or revotes_closed:
            self._send_soon()
        return SweepResult(closed, reminded, revotes_closed)

    # ------------------------------------------------------------------- voting

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
            stored = uow.rounds.upsert_vote(
                question.id, user_id, choice, self.clock.now(), clicked_at
            )
            if stored.stale:
                return self._older_click(question, stored.previous)
            question.votes[user_id] = choice
            if all(user in question.votes for user in round_.electorate):
                closed_now = self._close(uow, round_, question)
            uow.commit()
        previous = stored.previous
        log.info(
            "vote_recorded",
            round_id=round_id,
            question=question.question_id,
            changed=previous is not None and previous != choice,
            closed=closed_now,
        )

        def then() -> Reply:
            if closed_now:
                self._send_soon()
                self._after_closing(round_id)
            else:
                self.refresher.request(round_question_id)
            return self._vote_reply(question, choice, previous, closed_now)

        return Later(then)

    def _said(self, choice: Choice) -> str:
        if choice is Choice.DONT_KNOW:
            return "Don't know"
        return self.presenter.scale.named(int(choice.value))

    def _older_click(self, question: RoundQuestion, latest: Choice | None) -> Reply:
        log.info("older_click_ignored", round_question_id=question.id)
        stored = f" ({self._said(latest)})" if latest is not None else ""
        return Reply(
            f"Question {question.question_id}: that click is older than your latest "
            f"vote{stored}, so nothing changed."
        )

    def _vote_reply(
        self, question: RoundQuestion, choice: Choice, previous: Choice | None, closed_now: bool
    ) -> Reply:
        said = self._said(choice)
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
        if outcome.kind is not OutcomeKind.AGREED:  # flagged: open the discussion thread
            self._record(
                uow,
                OutgoingMessage(
                    f"discussion:{question.id}",
                    MessageKind.DISCUSSION,
                    round_.id,
                    round_question_id=question.id,
                ),
            )
        return True

    def _close_open_questions(self, round_: Round, every_ballot: bool = False) -> int:
        """Close the round's open questions (its first ballots; re-votes too if asked)."""
        return self._close_questions([q for q in round_.questions if every_ballot or q.ballot == 1])

    def _close_questions(self, questions: list[RoundQuestion]) -> int:
        closed = 0
        with self.uow_factory() as uow:
            for question in questions:
                round_ = self._outline(uow, question.round_id)
                locked = uow.rounds.lock_question(question.id)
                if (
                    round_ is not None
                    and locked is not None
                    and locked.is_open
                    and self._close(uow, round_, locked)
                ):
                    closed += 1
            uow.commit()
        if closed:
            self._send_soon()
        return closed

    def _after_closing(self, round_id: int) -> None:
        """Once questions closed or were decided: the summary, or its update, when due (a summary
        recorded just now already shows the latest state)."""
        if not self._finish_round_if_complete(round_id):
            self._update_summary_if_settled(round_id)

    def _update_summary_if_settled(self, round_id: int) -> bool:
        """When the last flagged question of a closed round is settled, redraw the board summary
        (once: the outbox key makes a second copy impossible)."""
        with self.uow_factory() as uow:
            round_ = uow.rounds.get(round_id)
            if (
                round_ is None
                or round_.is_open
                or not round_.went_to_discussion
                or not round_.is_settled
            ):
                return False
            self._record(
                uow,
                OutgoingMessage(f"summary-update:{round_id}", MessageKind.SUMMARY_UPDATE, round_id),
            )
            uow.commit()
        self._send_soon()
        log.info("summary_settled", round_id=round_id)
        return True

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
        text = clean(text).strip()  # no NUL (PostgreSQL refuses it), bidi or zero-width
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

    # ------------------------------------------------------- disagreement and after

    def _flagged_for_chair(
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
                f"Question {current.question_id} was already decided by "
                f"<@{current.decision.decided_by}>: "
                f"{self.presenter.scale.named(current.decision.grade)}."
            )
        if not current.is_flagged:
            return refuse(f"Question {current.question_id} was agreed; there is nothing to settle.")
        return round_, current

    def start_revote(self, user_id: str, round_id: int, round_question_id: int) -> Reply:
        """A chair puts a flagged question to the same electorate again, as a new ballot."""
        return finish(self.open_revote(user_id, round_id, round_question_id))

    def open_revote(self, user_id: str, round_id: int, round_question_id: int) -> Outcome:
        """`start_revote` in two steps: store the new ballot, then ``then()`` posts it."""
        now = self.clock.now()
        deadline = now + self.config.voting.revote_deadline
        with self.uow_factory() as uow:
            found = self._flagged_for_chair(uow, user_id, round_id, round_question_id, "re-vote")
            if isinstance(found, Reply):
                return found
            round_, flagged = found
            ballot = flagged.ballot + 1
            new_id = uow.rounds.add_ballot(
                round_id,
                flagged.question_id,
                ballot,
                user_id,
                now,
                deadline,
                self._revote_reminder_at(deadline),
            )
            if new_id is None:
                return refuse(f"Question {flagged.question_id} is already being re-voted.")
            card_key = self._record(
                uow,
                OutgoingMessage(
                    f"card:{new_id}", MessageKind.CARD, round_id, round_question_id=new_id
                ),
                send_here=True,
            )
            self._record(
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
            status = self.delivery.send_now([card_key])[card_key]
            self._send_soon()
            if status != "sent":
                return Reply(text + " Slack is slow to answer; the question will appear shortly.")
            return Reply(text)

        return Later(then)

    def _revote_reminder_at(self, deadline: datetime) -> datetime:
        """A re-vote nudges `remind_before` its deadline, or halfway if that is sooner."""
        lead = min(self.config.voting.remind_before, self.config.voting.revote_deadline / 2)
        return deadline - lead

    def decision_form(
        self, user_id: str, round_id: int, round_question_id: int
    ) -> DecisionFormView | Reply:
        """The chair's form for deciding a flagged question, or a refusal."""
        with self.uow_factory() as uow:
            found = self._flagged_for_chair(uow, user_id, round_id, round_question_id, "decide")
        if isinstance(found, Reply):
            return found
        round_, flagged = found
        return self.presenter.decision_form(round_, flagged)

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
        if not 1 <= grade <= len(self.presenter.scale.labels):
            return refuse(f"Choose a grade from 1 to {len(self.presenter.scale.labels)}.")
        with self.uow_factory() as uow:
            found = self._flagged_for_chair(uow, user_id, round_id, round_question_id, "decide")
            if isinstance(found, Reply):
                return found
            _, flagged = found
            decision = Decision(grade, rationale, user_id, self.clock.now())
            if not uow.rounds.record_decision(flagged.id, decision):
                return refuse(f"Question {flagged.question_id} was decided a moment ago.")
            for kind, key in (
                (MessageKind.REVEAL, f"reveal:{flagged.id}:decided"),
                (MessageKind.DISCUSSION_UPDATE, f"discussion-update:{flagged.id}"),
            ):
                self._record(
                    uow, OutgoingMessage(key, kind, round_id, round_question_id=flagged.id)
                )
            uow.commit()
        log.info("decided_by_chair", round_id=round_id, question=flagged.question_id, by=user_id)
        reply = Reply(
            f"Recorded: question {flagged.question_id} is "
            f"{self.presenter.scale.named(grade)}, decided by you. "
            "The board summary will say so, with your reason."
        )
        self._send_soon()
        return self._then_after_closing(round_id, reply)

    def send_audit(self, user_id: str, domain: int) -> Reply:
        """Send a chair domain N's audit trail as a CSV file, by direct message."""
        refusal = self._check_chair_and_domain(user_id, domain, "audit")
        if refusal:
            return refusal
        with self.uow_factory() as uow:
            rounds = uow.rounds.rounds_for_domain(self.framework.id, domain)
            events = uow.rounds.vote_events([q.id for r in rounds for q in r.questions])
        if not rounds:
            return refuse(f"Domain {domain} has no rounds yet, so there is no trail to send.")
        entries = audit_entries(rounds, events, self.presenter.scale.labels)
        stamp = self.clock.now().strftime("%Y-%m-%d")
        try:
            self.chat.send_file(
                user_id,
                f"audit-domain-{domain}-{stamp}.csv",
                audit_csv(entries),
                f"Audit trail: domain {domain}",
                f"Domain {domain}'s audit trail: {len(rounds)} round(s), {len(entries)} entries.",
            )
        except ChatError as exc:
            log.warning("audit_not_sent", domain=domain, error=str(exc))
            return refuse(f"I couldn't send the file ({exc}). Please try again in a minute.")
        log.info("audit_sent", domain=domain, to=user_id, entries=len(entries))
        return Reply(
            f"Sent you domain {domain}'s audit trail ({len(entries)} entries) "
            "as a CSV file in a direct message."
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

"""The service layer: start a round, record a vote, take a comment, close, summarise.

Each public method is one use case. It returns a `Reply` for the person who acted (a refusal says
what to do instead and changes nothing) and sends channel messages through the `ChatGateway` port.
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog

from bot.commands import (
    CloseDomain,
    Help,
    StartDomain,
    Status,
    Unrecognised,
    parse_command,
    usage,
)
from bot.config import AppConfig
from bot.consensus import Choice, OutcomeKind, resolve
from bot.framework import Framework
from bot.model import NewRound, QuestionResult, Round, RoundQuestion
from bot.ports import ChatError, ChatGateway, Clock, OpenRoundExists, UnitOfWork, UnitOfWorkFactory
from bot.refresh import RefreshScheduler
from bot.views import (
    CommentFormView,
    CommentView,
    DomainSummaryView,
    GradeScale,
    QuestionCardView,
    QuestionStatusView,
    QuestionSummaryView,
    Reply,
    ResultView,
    RoundHeaderView,
    RoundStatusView,
)

log = structlog.get_logger(__name__)

COMMENT_MAX_LENGTH = 3000

STALE_BUTTON = (
    "That button doesn't belong to a question I know about, so nothing was recorded. "
    "Use the buttons on the latest question message, or ask the chair for `/assess status`."
)


def refuse(text: str) -> Reply:
    return Reply(text=text, is_refusal=True)


@dataclass
class Facilitator:
    """Runs assessment rounds. Platform-neutral: chat and storage come in through ports."""

    config: AppConfig
    framework: Framework
    uow_factory: UnitOfWorkFactory
    chat: ChatGateway
    clock: Clock
    refresher: RefreshScheduler

    @property
    def scale(self) -> GradeScale:
        return GradeScale(tuple(level.label for level in self.framework.grade_scale))

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
            case Unrecognised(problem):
                return refuse(f"{problem}\n\n{usage(len(self.framework.domains))}")

    def _check_chair_and_domain(self, user_id: str, domain: int, action: str) -> Reply | None:
        if not self.config.is_chair(user_id):
            return refuse(
                f"Only the board's chairs can {action}. Ask a chair, or ask for your Slack id "
                "to be added under `board.chairs` in the app's configuration."
            )
        if self.framework.domain(domain) is None:
            count = len(self.framework.domains)
            return refuse(
                f"There is no domain {domain}: the domains are 1-{count}. "
                f"For example, `/assess {'domain' if action.startswith('start') else 'close'} 4`."
            )
        return None

    def start_round(self, user_id: str, domain: int) -> Reply:
        """Snapshot the electorate, open the round and post its questions to the sub-group."""
        refusal = self._check_chair_and_domain(user_id, domain, "start a round")
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
        with self.uow_factory() as uow:
            existing = uow.rounds.open_round_for_domain(self.framework.id, domain)
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
        new_round = NewRound(
            framework=self.framework.id,
            domain=domain,
            subgroup_key=subgroup_key,
            channel_id=subgroup.channel,
            started_by=user_id,
            started_at=self.clock.now(),
            electorate=electorate,
            question_ids=tuple(q.id for q in domain_model.questions),
        )
        try:
            with self.uow_factory() as uow:
                round_ = uow.rounds.add(new_round)
                uow.commit()
        except OpenRoundExists:
            with self.uow_factory() as uow:
                existing = uow.rounds.open_round_for_domain(self.framework.id, domain)
            return refuse(self._already_open(existing) if existing else "A round is already open.")
        logger = log.bind(round_id=round_.id, domain=domain, subgroup=subgroup_key)
        try:
            header_ts = self.chat.post(round_.channel_id, self.header_view(round_))
        except ChatError as exc:
            logger.warning("round_header_not_posted", error=str(exc))
            with self.uow_factory() as uow:
                uow.rounds.discard(round_.id)
                uow.commit()
            return refuse(
                f"I couldn't post to the {subgroup.name} channel ({exc}), so no round was started. "
                "Invite the app to that channel, then try again."
            )
        failed: list[str] = []
        with self.uow_factory() as uow:
            uow.rounds.set_header_ts(round_.id, header_ts)
            uow.commit()
        for question in round_.questions:
            try:
                ts = self.chat.post(round_.channel_id, self.card_view(round_, question))
            except ChatError as exc:
                logger.error("question_not_posted", question=question.question_id, error=str(exc))
                failed.append(question.question_id)
                continue
            with self.uow_factory() as uow:
                uow.rounds.set_question_ts(question.id, ts)
                uow.commit()
        logger.info("round_started", electorate=len(electorate))
        text = (
            f"Domain {domain} is now with the {subgroup.name}: {len(round_.questions)} questions, "
            f"{len(electorate)} people to vote."
        )
        if failed:
            text += (
                f" Questions {', '.join(failed)} could not be posted; "
                "check the app's logs and the channel."
            )
        return Reply(text)

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
        views = tuple(self.status_view(r) for r in rounds)
        return Reply(f"{len(views)} round(s) open.", rounds=views)

    def close_domain(self, user_id: str, domain: int) -> Reply:
        """Close a domain's open questions now, with the votes cast so far."""
        refusal = self._check_chair_and_domain(user_id, domain, "close a round")
        if refusal:
            return refusal
        with self.uow_factory() as uow:
            round_ = uow.rounds.open_round_for_domain(self.framework.id, domain)
        if round_ is None:
            return refuse(
                f"Domain {domain} has no open round to close. `/assess status` lists the open ones."
            )
        closed: list[int] = []
        with self.uow_factory() as uow:
            for question in round_.questions:
                locked = uow.rounds.lock_question(question.id)
                if locked is not None and locked.is_open and self._close(uow, round_, locked):
                    closed.append(locked.id)
            uow.commit()
        for question_id in closed:
            self.refresher.request(question_id)
        log.info("round_closed_by_chair", round_id=round_.id, by=user_id, questions=len(closed))
        self._finish_round_if_complete(round_.id)
        return Reply(
            f"Closed domain {domain}: {len(closed)} question(s) closed with the votes cast. "
            "The summary goes to the board channel."
        )

    # ------------------------------------------------------------------- voting

    def record_vote(
        self, user_id: str, round_id: int, round_question_id: int, choice: Choice
    ) -> Reply:
        """Record (or change) an elector's vote; close the question when everyone has voted."""
        closed_now = False
        with self.uow_factory() as uow:
            question = uow.rounds.lock_question(round_question_id)
            round_ = uow.rounds.get(round_id) if question else None
            if question is None or round_ is None or question.round_id != round_id:
                return refuse(STALE_BUTTON)
            if not question.is_open:
                return refuse(
                    f"Voting on question {question.question_id} has closed, so your vote was not "
                    "recorded. The result is on the question's message."
                )
            if user_id not in round_.electorate:
                return refuse(self._not_an_elector(round_))
            previous = uow.rounds.upsert_vote(question.id, user_id, choice, self.clock.now())
            question.votes[user_id] = choice
            if all(user in question.votes for user in round_.electorate):
                closed_now = self._close(uow, round_, question)
            uow.commit()
        self.refresher.request(round_question_id)
        log.info(
            "vote_recorded",
            round_id=round_id,
            question=question.question_id,
            changed=previous is not None and previous != choice,
            closed=closed_now,
        )
        if closed_now:
            self._finish_round_if_complete(round_id)
        said = "Don't know" if choice is Choice.DONT_KNOW else self.scale.named(int(choice.value))
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

    def _not_an_elector(self, round_: Round) -> str:
        subgroup = self.config.subgroups.get(round_.subgroup_key)
        name = subgroup.name if subgroup else round_.subgroup_key
        return (
            f"You're not one of the {len(round_.electorate)} people voting on domain "
            f"{round_.domain} (the {name} as it was when the round started), so your click "
            "was not counted. If that's wrong, ask the chair."
        )

    def _close(self, uow: UnitOfWork, round_: Round, question: RoundQuestion) -> bool:
        outcome = resolve(question.votes.values(), len(round_.electorate), self.config.rule)
        result = QuestionResult(outcome.kind, outcome.grade, outcome.reason)
        return uow.rounds.close_question(question.id, result, self.clock.now())

    def _finish_round_if_complete(self, round_id: int) -> None:
        with self.uow_factory() as uow:
            completed = uow.rounds.close_round_if_complete(round_id, self.clock.now())
            uow.commit()
        if not completed:
            return
        with self.uow_factory() as uow:
            round_ = uow.rounds.get(round_id)
        assert round_ is not None
        try:
            ts = self.chat.post(self.config.board.channel, self.summary_view(round_))
        except ChatError as exc:
            log.error("summary_not_posted", round_id=round_id, error=str(exc))
            return
        with self.uow_factory() as uow:
            uow.rounds.set_summary_ts(round_id, ts)
            uow.commit()
        log.info("summary_posted", round_id=round_id, domain=round_.domain)

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
        text = self._question_text(question.question_id)
        return CommentFormView(round_id, question.id, question.question_id, text)

    def add_comment(self, user_id: str, round_id: int, round_question_id: int, text: str) -> Reply:
        """Store a comment on an open question; it is shown in the domain summary."""
        text = text.strip()
        if not text:
            return refuse("The comment is empty. Write something, or press Cancel.")
        if len(text) > COMMENT_MAX_LENGTH:
            return refuse(f"Please keep a comment under {COMMENT_MAX_LENGTH} characters.")
        with self.uow_factory() as uow:
            question = uow.rounds.lock_question(round_question_id)
            round_ = uow.rounds.get(round_id) if question else None
            if question is None or round_ is None or question.round_id != round_id:
                return refuse(STALE_BUTTON)
            if not question.is_open:
                return refuse(
                    f"Question {question.question_id} closed before your comment was saved. "
                    "Copy it and raise it with the chair."
                )
            if user_id not in round_.electorate:
                return refuse(self._not_an_elector(round_))
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
        """Redraw a question's message from the stored state (called by the refresher)."""
        with self.uow_factory() as uow:
            round_ = uow.rounds.get_round_of_question(round_question_id)
        question = round_.question(round_question_id) if round_ else None
        if round_ is None or question is None or question.message_ts is None:
            return
        try:
            self.chat.update(
                round_.channel_id, question.message_ts, self.card_view(round_, question)
            )
        except ChatError as exc:
            log.error("question_refresh_failed", question=question.question_id, error=str(exc))

    # -------------------------------------------------------------------- views

    def _question_text(self, question_id: str) -> str:
        question = self.framework.question(question_id)
        return question.text if question else question_id

    def _subgroup_name(self, key: str) -> str:
        subgroup = self.config.subgroups.get(key)
        return subgroup.name if subgroup else key

    def header_view(self, round_: Round) -> RoundHeaderView:
        domain = self.framework.domain(round_.domain)
        return RoundHeaderView(
            round_id=round_.id,
            domain=round_.domain,
            domain_title=domain.title if domain else "",
            subgroup_name=self._subgroup_name(round_.subgroup_key),
            electorate_size=len(round_.electorate),
            question_count=len(round_.questions),
            started_by=round_.started_by,
            framework_title=self.framework.title,
        )

    def card_view(self, round_: Round, question: RoundQuestion) -> QuestionCardView:
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
            result=_result_view(question) if closed else None,
        )

    def summary_view(self, round_: Round) -> DomainSummaryView:
        domain = self.framework.domain(round_.domain)
        questions = []
        for question in round_.questions:
            distribution = question.distribution
            questions.append(
                QuestionSummaryView(
                    question_id=question.question_id,
                    text=self._question_text(question.question_id),
                    result=_result_view(question),
                    distribution=distribution,
                    participants=distribution.participants,
                    electorate_size=len(round_.electorate),
                    comments=tuple(CommentView(c.user_id, c.text) for c in question.comments),
                )
            )
        return DomainSummaryView(
            round_id=round_.id,
            domain=round_.domain,
            domain_title=domain.title if domain else "",
            subgroup_name=self._subgroup_name(round_.subgroup_key),
            scale=self.scale,
            questions=tuple(questions),
        )

    def status_view(self, round_: Round) -> RoundStatusView:
        domain = self.framework.domain(round_.domain)
        return RoundStatusView(
            domain=round_.domain,
            domain_title=domain.title if domain else "",
            subgroup_name=self._subgroup_name(round_.subgroup_key),
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
        )


def _result_view(question: RoundQuestion) -> ResultView:
    if question.result is None:
        return ResultView(OutcomeKind.NO_QUORUM, None, "not closed yet")
    return ResultView(question.result.kind, question.result.grade, question.result.reason)

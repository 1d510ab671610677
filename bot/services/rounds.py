"""Rounds: start one, its status, close it now, extend its deadline, remind now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.config import SubgroupConfig
from bot.domain.durations import MAX_EXTENSION, describe_duration
from bot.domain.rounds import (
    MessageKind,
    NewRound,
    OutboxStatus,
    OutgoingMessage,
    Round,
    RoundQuestion,
)
from bot.domain.text import Composed, Mention, Typed, command
from bot.ports import ChatError, OpenRoundExists
from bot.services.context import RoundContext, log, slow_to_answer, when
from bot.views.reply import Later, Outcome, Reply, finish, refuse


@dataclass
class RoundUseCases:
    """Rounds: start one, its status, close it now, extend its deadline, remind now."""

    ctx: RoundContext

    def start_round(self, user_id: str, domain: int) -> Reply:
        """Snapshot the electorate, open the round and post its questions to the sub-group."""
        return finish(self.open_round(user_id, domain))

    def open_round(self, user_id: str, domain: int) -> Outcome:
        """`start_round` in two steps: store the round and its messages to send, then
        ``then()`` posts them."""
        refusal = self.ctx.check_chair_and_domain(user_id, domain, "domain")
        if refusal:
            return refusal
        domain_model = self.ctx.framework.domain(domain)
        assignment = self.ctx.config.subgroup_for(domain)
        assert domain_model is not None
        if assignment is None:
            return refuse(
                Composed(
                    f"Domain {domain} is not given to a sub-group yet. Give it one with ",
                    command("setup"),
                    ".",
                )
            )
        subgroup_key, subgroup = assignment
        existing = self.ctx.current_round(domain)
        if existing:
            return refuse(self.ctx.already_open(existing))
        revoting = self.ctx.open_revotes(domain)
        if revoting:
            ids = ", ".join(q.question_id for q in revoting)
            return refuse(
                Composed(
                    f"Domain {domain} still has a re-vote open on {ids}. Let it finish, or close "
                    "it with ",
                    command(f"close {domain}"),
                    ", before starting a new round.",
                )
            )
        electorate = self._electorate(subgroup)
        if isinstance(electorate, Reply):
            return electorate
        now = self.ctx.clock.now()
        deadline = now + self.ctx.config.voting.deadline
        new_round = NewRound(
            framework=self.ctx.framework.id,
            domain=domain,
            subgroup_key=subgroup_key,
            channel_id=subgroup.channel,
            started_by=user_id,
            started_at=now,
            electorate=electorate,
            question_ids=tuple(q.id for q in domain_model.questions),
            deadline_at=deadline,
            remind_at=deadline - self.ctx.config.voting.remind_before,
            anonymous=self.ctx.config.voting.anonymous,
            config_version=self.ctx.config_version,
        )
        return self._store_round(new_round, subgroup.name)

    def _electorate(self, subgroup: SubgroupConfig) -> tuple[str, ...] | Reply:
        if subgroup.members is not None:
            electorate = tuple(dict.fromkeys(subgroup.members))
        else:
            try:
                electorate = tuple(self.ctx.chat.human_members(subgroup.channel))
            except ChatError as exc:
                return refuse(
                    Composed(
                        "I couldn't see who is in the ",
                        Typed(subgroup.name),
                        f" channel ({exc}). Invite the app to that channel, then try again.",
                    )
                )
        if not electorate:
            return refuse(
                Composed(
                    "The ",
                    Typed(subgroup.name),
                    " has nobody to vote: its channel has no members other than apps. "
                    "Add members, then try again.",
                )
            )
        return electorate

    def _store_round(self, new_round: NewRound, subgroup_name: str) -> Outcome:
        try:
            with self.ctx.uow_factory() as uow:
                round_ = uow.rounds.add(new_round)
                header_key = self.ctx.record(
                    uow,
                    OutgoingMessage(f"header:{round_.id}", MessageKind.HEADER, round_.id),
                    send_here=True,
                )
                card_keys = [
                    self.ctx.record(
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
            existing = self.ctx.current_round(new_round.domain)
            return refuse(
                self.ctx.already_open(existing) if existing else "A round is already open."
            )
        return Later(lambda: self._post_round(round_, subgroup_name, header_key, card_keys))

    def _post_round(
        self, round_: Round, subgroup_name: str, header_key: str, card_keys: list[str]
    ) -> Reply:
        """Post a stored round's header, then its questions (or discard it if the header can't
        be posted)."""
        logger = log.bind(round_id=round_.id, domain=round_.domain, subgroup=round_.subgroup_key)
        header = self.ctx.delivery.send_now([header_key])[header_key]
        if header is OutboxStatus.FAILED:
            with self.ctx.uow_factory() as uow:
                uow.rounds.discard(round_.id)
                uow.commit()
            logger.warning("round_not_started")
            return refuse(
                Composed(
                    "I couldn't post to the ",
                    Typed(subgroup_name),
                    " channel, so no round was started. Invite the app to that channel, then "
                    "try again.",
                )
            )
        statuses = self.ctx.delivery.send_now(card_keys)
        unsent = [
            q.question_id
            for q, key in zip(round_.questions, card_keys, strict=True)
            if statuses[key] is not OutboxStatus.SENT
        ]
        logger.info("round_started", electorate=len(round_.electorate), unsent=len(unsent))
        text = Composed(
            f"Domain {round_.domain} is now with the ",
            Typed(subgroup_name),
            f": {len(round_.questions)} questions, {len(round_.electorate)} people to vote, "
            f"until {when(round_.deadline_at)}.",
        )
        if header is not OutboxStatus.SENT or unsent:
            return Reply(slow_to_answer(text, "the rest of the questions"))
        return Reply(text)

    def status(self) -> Reply:
        """Per open round and question: how many have voted, and who has not."""
        with self.ctx.uow_factory() as uow:
            rounds = uow.rounds.open_rounds(self.ctx.framework.id)
            revoting = uow.rounds.closed_rounds_with_open_ballots(self.ctx.framework.id)
        if not rounds and not revoting:
            return Reply(
                Composed("No rounds are open. A chair starts one with ", command("domain N"), ".")
            )
        views = [self.ctx.presenter.status(r) for r in rounds]
        views += [self.ctx.presenter.status(r, only_open=True) for r in revoting]
        text = f"{len(rounds)} round(s) open."
        if revoting:
            text += f" Re-votes open on {len(revoting)} closed round(s)."
        return Reply(text, rounds=tuple(views))

    def close_domain(self, user_id: str, domain: int) -> Reply:
        """Close a domain's open questions now, with the votes cast so far."""
        return finish(self.close_now(user_id, domain))

    def close_now(self, user_id: str, domain: int) -> Outcome:
        """`close_domain` in two steps: close the questions, then ``then()`` sends the summary
        (or its update) when due."""
        refusal = self.ctx.check_chair_and_domain(user_id, domain, "close")
        if refusal:
            return refusal
        round_ = self.ctx.current_round(domain)
        if round_ is None:
            revoting = self.ctx.open_revotes(domain)
            if not revoting:
                return refuse(
                    Composed(
                        f"Domain {domain} has no open round or re-vote to close. ",
                        command("status"),
                        " lists the open ones.",
                    )
                )
            closed = self.ctx.close_questions(revoting)
            log.info("revotes_closed_by_chair", domain=domain, by=user_id, questions=closed)
            text = (
                f"Closed the re-vote on domain {domain}: {closed} question(s) closed with the "
                "votes cast."
            )
            return self.ctx.then_after_closing(revoting[0].round_id, Reply(text))
        closed = self.ctx.close_open_questions(round_, every_ballot=True)
        log.info("round_closed_by_chair", round_id=round_.id, by=user_id, questions=closed)
        text = (
            f"Closed domain {domain}: {closed} question(s) closed with the votes cast. "
            "The summary goes to the board channel."
        )
        return self.ctx.then_after_closing(round_.id, Reply(text))

    def extend_deadline(self, user_id: str, domain: int, by: timedelta) -> Reply:
        """Move an open round's deadline (and its reminder) later, and say so in its header."""
        refusal = self.ctx.check_chair_and_domain(user_id, domain, "extend")
        if refusal:
            return refusal
        if by > MAX_EXTENSION:
            return refuse(f"The longest extension is {describe_duration(MAX_EXTENSION)}.")
        round_ = self.ctx.current_round(domain)
        if round_ is None:
            return self._extend_revotes(user_id, domain, by)
        if round_.deadline_at is None:
            return refuse(f"Domain {domain} has no open round to extend.")
        deadline = max(round_.deadline_at, self.ctx.clock.now()) + by
        with self.ctx.uow_factory() as uow:
            if not uow.rounds.reschedule(
                round_.id, deadline, deadline - self.ctx.config_of(round_).voting.remind_before
            ):
                return refuse(f"Domain {domain}'s round closed before it could be extended.")
            stamp = self.ctx.clock.now().isoformat()
            self.ctx.record(
                uow,
                OutgoingMessage(
                    f"header-update:{round_.id}:{stamp}", MessageKind.HEADER_UPDATE, round_.id
                ),
            )
            uow.commit()
        self.ctx.send_soon()
        log.info("deadline_extended", round_id=round_.id, by=user_id, deadline=deadline.isoformat())
        return Reply(
            f"Domain {domain} now closes {when(deadline)} ({describe_duration(by)} more). "
            "The round's header message says so."
        )

    def _extend_revotes(self, user_id: str, domain: int, by: timedelta) -> Reply:
        revoting = [q for q in self.ctx.open_revotes(domain) if q.deadline_at is not None]
        if not revoting:
            return refuse(f"Domain {domain} has no open round or re-vote to extend.")
        extended: list[tuple[RoundQuestion, datetime]] = []
        with self.ctx.uow_factory() as uow:
            for question in revoting:
                assert question.deadline_at is not None
                deadline = max(question.deadline_at, self.ctx.clock.now()) + by
                round_ = self.ctx.outline(uow, question.round_id)
                assert round_ is not None
                if uow.rounds.reschedule_ballot(
                    question.id, deadline, self.ctx.revote_reminder_at(deadline, round_)
                ):
                    extended.append((question, deadline))
            uow.commit()
        if not extended:
            return refuse(f"Domain {domain}'s re-vote closed before it could be extended.")
        for question, _ in extended:
            self.ctx.refresher.request(question.id)  # its message shows the new closing time
        log.info("revote_extended", domain=domain, by=user_id, ballots=len(extended))
        lines = ", ".join(f"{q.question_id} until {when(d)}" for q, d in extended)
        return Reply(f"Re-vote extended by {describe_duration(by)}: {lines}.")

    def remind_now(self, user_id: str, domain: int) -> Reply:
        """Nudge, by direct message, everyone who still has questions to vote on."""
        refusal = self.ctx.check_chair_and_domain(user_id, domain, "remind")
        if refusal:
            return refusal
        round_ = self.ctx.current_round(domain)
        if round_ is None:
            revoting = self.ctx.open_revotes(domain)
            with self.ctx.uow_factory() as uow:
                round_ = uow.rounds.get(revoting[0].round_id) if revoting else None
        if round_ is None:
            return refuse(f"Domain {domain} has no open round or re-vote.")
        stamp = self.ctx.clock.now().isoformat()
        with self.ctx.uow_factory() as uow:
            keys = self.ctx.record_reminders(uow, round_, f"manual:{stamp}")
            uow.commit()
        if not keys:
            return Reply(f"Everyone has voted on every open question of domain {domain}.")
        self.ctx.send_soon()
        missing = [user for user in round_.electorate if round_.waiting_on(user)]
        log.info("reminded_by_chair", round_id=round_.id, by=user_id, nudged=len(missing))
        names = [q for i, u in enumerate(missing) for q in ((", ",) if i else ()) + (Mention(u),)]
        return Reply(
            Composed(f"Sending {len(missing)} reminder(s) by direct message: ", *names, ".")
        )

"""The audit file of a domain's votes and decisions."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.audit import audit_csv, audit_entries
from bot.domain.messages import FileToSend
from bot.ports import ChatError
from bot.services.context import RoundContext, log
from bot.views.reply import Reply, refuse


@dataclass
class AuditUseCases:
    """The audit file of a domain's votes and decisions."""

    ctx: RoundContext

    def send_audit(self, user_id: str, domain: int) -> Reply:
        """Send a chair domain N's audit trail as a CSV file, by direct message."""
        refusal = self.ctx.check_chair_and_domain(user_id, domain, "audit")
        if refusal:
            return refusal
        with self.ctx.uow_factory() as uow:
            rounds = uow.rounds.rounds_for_domain(self.ctx.framework.id, domain)
            events = uow.rounds.vote_events([q.id for r in rounds for q in r.questions])
        if not rounds:
            return refuse(f"Domain {domain} has no rounds yet, so there is no trail to send.")
        entries = audit_entries(rounds, events, self.ctx.presenter.scale.labels)
        stamp = self.ctx.clock.now().strftime("%Y-%m-%d")
        try:
            audit = FileToSend(
                f"audit-domain-{domain}-{stamp}.csv",
                f"Audit trail: domain {domain}",
                audit_csv(entries),
            )
            self.ctx.chat.send_files(
                self.ctx.chat.direct_conversation(user_id),
                [audit],
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

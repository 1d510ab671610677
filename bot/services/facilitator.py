"""The Facilitator: the round use cases in one object."""

from __future__ import annotations

from dataclasses import dataclass

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
from bot.domain.text import Composed
from bot.services.audit import AuditUseCases
from bot.services.ballots import BallotUseCases
from bot.services.context import (
    refuse,
)
from bot.services.disagreement import DisagreementUseCases
from bot.services.redraw import RedrawUseCases
from bot.services.rounds import RoundUseCases
from bot.services.schedule import ScheduleUseCases
from bot.views.reply import Later, Outcome, Reply, finish


@dataclass
class Facilitator(
    RoundUseCases,
    BallotUseCases,
    DisagreementUseCases,
    ScheduleUseCases,
    AuditUseCases,
    RedrawUseCases,
):
    """Runs assessment rounds. Platform-neutral: chat and storage come in through ports."""

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

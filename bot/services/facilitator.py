"""The Facilitator: the round use cases in one object."""

from __future__ import annotations

from dataclasses import dataclass

from bot.services.audit import AuditUseCases
from bot.services.ballots import BallotUseCases
from bot.services.disagreement import DisagreementUseCases
from bot.services.redraw import RedrawUseCases
from bot.services.rounds import RoundUseCases
from bot.services.schedule import ScheduleUseCases


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

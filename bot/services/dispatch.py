"""`/assess`: every command to its use case."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.services.reporting import Reporting
from bot.views.reply import Outcome, Reply, finish


@dataclass
class CommandRouter:
    """`/assess`: reporting commands go to `Reporting`, everything else to the Facilitator."""

    reporting: Reporting
    fallback: CommandRunner

    def run_command(self, user_id: str, text: str) -> Reply:
        return finish(self.command(user_id, text))

    def command(self, user_id: str, text: str) -> Outcome:
        outcome = self.reporting.command(user_id, text)
        return outcome if outcome is not None else self.fallback.command(user_id, text)


class CommandRunner(Protocol):
    def run_command(self, user_id: str, text: str) -> Reply: ...

    def command(self, user_id: str, text: str) -> Outcome:
        """What the command changes is stored when this returns (answer the platform then);
        `finish` the outcome for the reply."""
        ...

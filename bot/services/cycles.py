"""Assessment cycles: show the current one, start a new one."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.actions import CycleExists
from bot.domain.report_text import long_date
from bot.domain.text import Composed, Emphasis, command
from bot.services.report_context import ReportingContext, log
from bot.views.reply import Reply, refuse


@dataclass
class CycleUseCases:
    """Assessment cycles: show the current one, start a new one."""

    ctx: ReportingContext

    def show_cycle(self) -> Reply:
        cycles = self.ctx.cycles()
        if not cycles:
            return Reply(
                Composed(
                    "No assessment cycle has started yet. A chair begins one with ",
                    command("cycle start 2026-27"),
                    " (the first ",
                    command("domain N"),
                    " begins one too).",
                )
            )
        current = cycles[-1]
        earlier = ", ".join(c.name for c in reversed(cycles[:-1])) or "none"
        return Reply(
            Composed(
                "The current cycle is ",
                Emphasis(current.name),
                f" (since {long_date(current.started_at)}). Earlier cycles: {earlier}.",
            )
        )

    def start_cycle(self, user_id: str, name: str) -> Reply:
        refusal = self.ctx.chairs_only(user_id, "cycle start")
        if refusal:
            return refusal
        with self.ctx.uow_factory() as uow:
            open_rounds = uow.rounds.open_rounds(self.ctx.framework.id)
            if open_rounds:
                domains = ", ".join(str(r.domain) for r in open_rounds)
                return refuse(
                    Composed(
                        f"Domain(s) {domains} still have an open round. Close them first (",
                        command("close N"),
                        "), then start the new cycle.",
                    )
                )
            try:
                cycle = uow.cycles.start_cycle(
                    self.ctx.framework.id, name, user_id, self.ctx.clock.now()
                )
            except CycleExists:
                return refuse(
                    f"There is already a cycle called {name}. Pick another name, "
                    "for example the next year's."
                )
            uow.commit()
        log.info("cycle_started", cycle=cycle.name, by=user_id)
        return Reply(
            Composed(
                "Cycle ",
                Emphasis(cycle.name),
                " has begun. New rounds (",
                command("domain N"),
                ") belong to it; open actions from earlier cycles carry over until they are "
                "marked done.",
            )
        )

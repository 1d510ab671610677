"""The one dispatcher: a parsed command to its use case."""

from __future__ import annotations

from dataclasses import dataclass

from bot.commands import (
    Audit,
    CloseDomain,
    Command,
    ExtendDeadline,
    Help,
    ListActions,
    MarkActionDone,
    OpenSetup,
    PostReport,
    RemindNow,
    ShowCycle,
    ShowSetup,
    StartCycle,
    StartDomain,
    Status,
    Unrecognised,
    UseChannel,
    echo,
    parse_command,
    usage,
)
from bot.domain.text import Composed
from bot.domain.text import command as command_words
from bot.services.facilitator import Facilitator
from bot.services.reporting import Reporting
from bot.services.setup import SetupUseCases
from bot.views.reply import Later, Outcome, Reply, finish, refuse


@dataclass
class Dispatcher:
    """A command's text: parsed once (bot.commands), then carried out by its use case. Without
    ``reporting`` its verbs are unknown, as they were before reporting existed; without
    ``setup`` the configuration is fixed (set-up's verbs say so)."""

    facilitator: Facilitator
    reporting: Reporting | None = None
    setup: SetupUseCases | None = None

    def run(self, user_id: str, text: str, where: str | None = None) -> Reply:
        """Carry out the command ``text`` for ``user_id`` and say how it went (``where``: the
        channel it was typed in, None in a direct chat)."""
        return finish(self.command(user_id, text, where))

    def command(self, user_id: str, text: str, where: str | None = None) -> Outcome:
        """`run` in two steps: whatever the command changes is stored when this returns
        (answer the platform then); ``then()`` does the sending that follows."""
        command = parse_command(text)
        if isinstance(command, OpenSetup | ShowSetup | UseChannel):
            return self._setup(user_id, command, where)
        if self.setup is not None and not isinstance(command, Help):
            gate = self.setup.not_set_up()
            if gate is not None:
                return gate
        if isinstance(command, ShowCycle | StartCycle | PostReport | ListActions | MarkActionDone):
            return self._reporting(user_id, text, command)
        return self._rounds(user_id, command)

    def _usage(self) -> str:
        return usage(len(self.facilitator.framework.domains))

    def _rounds(self, user_id: str, command: Command) -> Outcome:
        facilitator = self.facilitator
        match command:
            case Help():
                return Reply(self._usage())
            case StartDomain(domain):
                return facilitator.open_round(user_id, domain)
            case Status():
                return facilitator.status()
            case CloseDomain(domain):
                return facilitator.close_now(user_id, domain)
            case ExtendDeadline(domain, by):
                return facilitator.extend_deadline(user_id, domain, by)
            case RemindNow(domain):
                return facilitator.remind_now(user_id, domain)
            case Audit(domain):  # changes nothing; the upload can be slow
                return Later(lambda: facilitator.send_audit(user_id, domain))
            case Unrecognised(problem):
                return refuse(Composed(problem, "\n\n", self._usage()))
        raise AssertionError(f"not a rounds command: {command!r}")

    def _setup(self, user_id: str, command: Command, where: str | None) -> Outcome:
        setup = self.setup
        if setup is None:
            return refuse("This app's settings are kept in its configuration file.")
        match command:
            case ShowSetup():
                return setup.show()
            case UseChannel(name):
                return setup.use_channel(user_id, where, name)
            case _:  # the front end opens the form itself; in a plain chat, say where it is
                form = setup.open_form(user_id, where)
                if isinstance(form, Reply):
                    return form
                return Reply(
                    Composed(
                        "Use ", command_words("setup"), " in the board's channel to open the form."
                    )
                )

    def _reporting(self, user_id: str, text: str, command: Command) -> Outcome:
        reporting = self.reporting
        if reporting is None:
            unknown = Composed("I don't know ", echo(text.strip().lower().split()[0], "."))
            return refuse(Composed(unknown, "\n\n", self._usage()))
        match command:
            case ShowCycle():
                return reporting.show_cycle()
            case StartCycle(name):
                return reporting.start_cycle(user_id, name)
            case PostReport():  # changes nothing; drawing and uploading the files takes time
                return Later(lambda: reporting.post_report(user_id))
            case ListActions():
                return reporting.list_actions()
            case MarkActionDone(action_id):
                return reporting.mark_done(user_id, action_id)
        raise AssertionError(f"not a reporting command: {command!r}")

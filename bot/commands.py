"""The one grammar: what a person typed to the app (after the platform's own command or mention),
parsed into a command. Pure and platform-neutral."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from bot.domain.durations import MAX_EXTENSION, DurationTooLong, describe_duration, parse_duration
from bot.domain.text import CommandHint, Composed, Typed, command


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class StartDomain:
    domain: int


@dataclass(frozen=True)
class Status:
    pass


@dataclass(frozen=True)
class CloseDomain:
    domain: int


@dataclass(frozen=True)
class ExtendDeadline:
    domain: int
    by: timedelta


@dataclass(frozen=True)
class RemindNow:
    domain: int


@dataclass(frozen=True)
class Audit:
    domain: int


@dataclass(frozen=True)
class Unrecognised:
    problem: str


USAGE_LINES = (
    ("domain N", ": put domain N (1-{max}) to its sub-group for a vote (chairs only)"),
    ("status", ": who has voted on the open rounds"),
    ("close N", ": close domain N's open questions now with the votes cast (chairs only)"),
    ("extend N 2d", ": give domain N's round more time (s, m, h or d; chairs only)"),
    ("remind N", ": nudge everyone who has not voted on domain N yet (chairs only)"),
    ("audit N", ": get domain N's audit trail as a CSV file (chairs only)"),
)


def usage(domain_count: int) -> Composed:
    lines: list[str] = [Composed("How to use ", CommandHint(), ":")]
    for words, said in USAGE_LINES:
        lines.append(Composed("• ", command(words), said.format(max=domain_count)))
    lines += [
        Composed(
            "• ",
            command("cycle"),
            " / ",
            command("cycle start 2026-27"),
            ": the current cycle / begin a new one (chairs only)",
        ),
        Composed(
            "• ",
            command("report"),
            ": post the cycle's report, board paper and workbook (chairs only)",
        ),
        Composed(
            "• ",
            command("actions"),
            ": the action plan; ",
            command("actions done N"),
            ": mark action N done (chairs only)",
        ),
        Composed(
            "• ",
            command("setup"),
            " / ",
            command("setup show"),
            ": change the board's settings (chairs only) / see them",
        ),
        Composed(
            "• ",
            command("use this channel for participation"),
            ": make the channel you are in a sub-group's (chairs only)",
        ),
        Composed("• ", command("help"), ": this message"),
    ]
    parts: list[str] = []
    for line in lines:
        parts += ["\n", line] if parts else [line]
    return Composed(*parts)


def _parse_round_command(text: str) -> RoundCommand:
    words = text.strip().lower().split()
    if not words or words[0] in {"help", "?", "-h", "--help"}:
        return (
            Help()
            if not words or len(words) == 1
            else Unrecognised("`help` takes nothing after it.")
        )
    verb, rest = words[0], words[1:]
    if verb == "status":
        return Status() if not rest else Unrecognised("`status` takes nothing after it.")
    if verb == "extend":
        example = Composed("for example ", command("extend 4 2d"))
        if len(rest) != 2 or not _is_number(rest[0]):
            return Unrecognised(
                Composed("`extend` needs a domain number and a duration, ", example, ".")
            )
        try:
            by = parse_duration(rest[1], MAX_EXTENSION)
        except DurationTooLong:
            return Unrecognised(echo(rest[1], f" is too long. {longest_extension()}"))
        except ValueError:
            return Unrecognised(
                echo(
                    rest[1],
                    Composed(" is not a duration: use a number and s, m, h or d, ", example, "."),
                )
            )
        return ExtendDeadline(int(rest[0]), by)
    if verb in {"domain", "close", "remind", "audit"}:
        if len(rest) != 1:
            return Unrecognised(
                Composed(
                    f"`{verb}` needs one domain number, for example ", command(f"{verb} 4"), "."
                )
            )
        number = rest[0].removeprefix("#")
        if not _is_number(number):
            return Unrecognised(
                echo(
                    rest[0],
                    Composed(
                        " is not a domain number: use a number, for example ",
                        command(f"{verb} 4"),
                        ".",
                    ),
                )
            )
        match verb:
            case "domain":
                return StartDomain(int(number))
            case "close":
                return CloseDomain(int(number))
            case "remind":
                return RemindNow(int(number))
            case _:
                return Audit(int(number))
    return Unrecognised(Composed("I don't know ", echo(words[0], ".")))


def echo(typed: str, said: str) -> Composed:
    """A word the person typed, shown back in code quotes and marked as typed, then ``said``."""
    return Composed("`", Typed(typed), "`", said)


def longest_extension() -> str:
    return f"The longest extension is {describe_duration(MAX_EXTENSION)}."


def _is_number(text: str) -> bool:
    return re.fullmatch(r"[0-9]{1,6}", text.removeprefix("#")) is not None


CYCLE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$")


@dataclass(frozen=True)
class ShowCycle:
    pass


@dataclass(frozen=True)
class StartCycle:
    name: str


@dataclass(frozen=True)
class PostReport:
    pass


@dataclass(frozen=True)
class ListActions:
    pass


@dataclass(frozen=True)
class MarkActionDone:
    action_id: int


@dataclass(frozen=True)
class OpenSetup:
    pass


@dataclass(frozen=True)
class ShowSetup:
    pass


@dataclass(frozen=True)
class UseChannel:
    """`use this channel for participation`: the channel typed in is that sub-group's."""

    subgroup: str


SetupCommand = OpenSetup | ShowSetup | UseChannel | Unrecognised
SUBGROUP_NAME = re.compile(r"^[^\n]{1,80}$")


def parse_setup_command(text: str) -> SetupCommand | None:
    """`setup`, `setup show`, `use this channel for NAME`; None if not one of these."""
    words = text.strip().split()
    if not words or words[0].lower() not in {"setup", "use"}:
        return None
    if words[0].lower() == "setup":
        rest = [word.lower() for word in words[1:]]
        if not rest:
            return OpenSetup()
        if rest == ["show"]:
            return ShowSetup()
        return Unrecognised(
            Composed(
                "`setup` is used as ",
                command("setup"),
                " (change the settings) or ",
                command("setup show"),
                " (what is in force).",
            )
        )
    lead = [word.lower() for word in words[1:4]]
    name = " ".join(words[4:])
    if lead != ["this", "channel", "for"] or not SUBGROUP_NAME.match(name):
        return Unrecognised(
            Composed(
                "`use` is used in a sub-group's channel as ",
                command("use this channel for participation"),
                ".",
            )
        )
    return UseChannel(name)


ReportingCommand = ShowCycle | StartCycle | PostReport | ListActions | MarkActionDone | Unrecognised
RoundCommand = (
    Help | StartDomain | Status | CloseDomain | ExtendDeadline | RemindNow | Audit | Unrecognised
)
Command = RoundCommand | ReportingCommand | SetupCommand

REPORTING_VERBS = frozenset({"cycle", "report", "actions"})


def parse_reporting_command(text: str) -> ReportingCommand | None:
    """`cycle`, `cycle start NAME`, `report`, `actions`, `actions done N`; None if not ours."""
    words = text.strip().split()
    if not words or words[0].lower() not in REPORTING_VERBS:
        return None
    verb, rest = words[0].lower(), words[1:]
    if verb == "cycle":
        if not rest:
            return ShowCycle()
        if rest[0].lower() != "start" or len(rest) != 2:
            return Unrecognised(
                Composed(
                    "`cycle` is used as ",
                    command("cycle"),
                    " (which cycle is current) or ",
                    command("cycle start 2026-27"),
                    " (begin a new one).",
                )
            )
        name = rest[1]
        if not CYCLE_NAME.match(name):
            return Unrecognised(
                echo(
                    name[:50],
                    Composed(
                        " can't be a cycle's name: use up to 40 letters, digits, "
                        "`-`, `.` or `/`, for example ",
                        command("cycle start 2026-27"),
                        ".",
                    ),
                )
            )
        return StartCycle(name)
    if verb == "report":
        return PostReport() if not rest else Unrecognised("`report` takes nothing after it.")
    if not rest:
        return ListActions()
    number = rest[1].removeprefix("#") if len(rest) == 2 else ""
    if rest[0].lower() != "done" or not re.fullmatch(r"[0-9]{1,9}", number):
        return Unrecognised(
            Composed(
                "`actions` is used as ",
                command("actions"),
                " (the action plan) or ",
                command("actions done 3"),
                " (mark action 3 done).",
            )
        )
    return MarkActionDone(int(number))


def parse_command(text: str) -> Command:
    """Every command: set-up's verbs (`setup`, `use`), the reporting verbs (`cycle`, `report`,
    `actions`), then the rounds' verbs; anything else is Unrecognised."""
    setup = parse_setup_command(text)
    if setup is not None:
        return setup
    reporting = parse_reporting_command(text)
    return reporting if reporting is not None else _parse_round_command(text)

"""Setting the board up from inside the chat: the form, saving it (chairs only, never over a
change someone else saved meanwhile), what is in force in words, and a channel's shortcut."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import structlog

from bot.config import AppConfig, SubgroupConfig
from bot.config_versions import ConfigChanged
from bot.domain.durations import describe_duration
from bot.domain.text import ChannelLink, Composed, Emphasis, Mention, Typed, command
from bot.ports import ChannelAccess, ChannelDirectory
from bot.services.configuration import ConfigInForce
from bot.services.setup_form import first_values, new_key, percent, read_values, values_of
from bot.views.reply import Reply, refuse
from bot.views.setup import (
    FIELD_BOARD_CHANNEL,
    FIELD_FRAMEWORK,
    DomainRow,
    SetupFormView,
    SetupSubmission,
    SetupValues,
    subgroup_field,
)

log = structlog.get_logger(__name__)

FILE_SAVERS = ("file", "import")  # who saved a version read from a file
CHANGED_MEANWHILE = (
    "Another chair saved the settings after you opened this form, so nothing was saved. "
    "These are the settings now in force: make your change again and save."
)


@dataclass
class SetupUseCases:
    in_force: ConfigInForce
    channels: ChannelDirectory

    # ---------------------------------------------------------------- the gate

    def not_set_up(self) -> Reply | None:
        """A refusal while nothing has been saved yet (every command but set-up and help)."""
        self.in_force.refresh()
        if self.in_force.is_set:
            return None
        return refuse(
            Composed(
                "The board isn't set up yet. Use ",
                command("setup"),
                ": whoever saves the set-up form first becomes the board's first chair.",
            )
        )

    def _chairs_only(self, user_id: str) -> Reply | None:
        if not self.in_force.is_set or self.in_force.config.is_chair(user_id):
            return None
        chairs = [Mention(chair) for chair in self.in_force.config.board.chairs]
        return refuse(
            Composed(
                "Only the board's chairs can change its settings. Ask a chair (",
                *_joined(chairs),
                ") to add you, or to make the change. ",
                command("setup show"),
                " shows what is in force.",
            )
        )

    # ---------------------------------------------------------------- the form

    def open_form(
        self, user_id: str, here: str | None = None, check_channels: bool = True
    ) -> SetupFormView | Reply:
        """The form, pre-filled with what is in force (on a first run: the person as chair and
        ``here`` as the board's channel). Without ``check_channels`` the chat is not asked
        which channels need the app (a front end that must show the form at once asks
        ``needs_invite`` after)."""
        self.in_force.refresh()
        refusal = self._chairs_only(user_id)
        if refusal:
            return refusal
        unchecked = None if check_channels else ()
        if not self.in_force.is_set:
            values = first_values(self.in_force.config, self.in_force.framework, user_id, here)
            return self._form(values, first_run=True, needs_invite=unchecked)
        values = values_of(self.in_force.config, self.in_force.framework)
        return self._form(values, needs_invite=unchecked)

    def needs_invite(self, values: SetupValues) -> tuple[str, ...]:
        """The channels ``values`` pick that the app must be invited to."""
        channels = [values.board_channel] + [row.channel for row in values.subgroups]
        return tuple(
            channel
            for channel in dict.fromkeys(c for c in channels if c)
            if self.channels.prepare_channel(channel, join=False) is ChannelAccess.INVITE
        )

    def _form(
        self,
        values: SetupValues,
        first_run: bool = False,
        problems: dict[str, str] | None = None,
        notice: str | None = None,
        needs_invite: tuple[str, ...] | None = None,
    ) -> SetupFormView:
        framework = self.in_force.framework
        library = self.in_force.frameworks
        titles = [(name, library.get(name)) for name in library.names()]
        if needs_invite is None:
            needs_invite = self.needs_invite(values)
        return SetupFormView(
            based_on=self.in_force.number,
            first_run=first_run,
            values=values,
            domains=tuple(
                DomainRow(number, domain.title, values.assignments.get(number))
                for number, domain in zip(framework.domain_numbers, framework.domains, strict=True)
            ),
            frameworks=tuple((name, fw.title) for name, fw in titles if fw is not None),
            needs_invite=needs_invite,
            problems=problems or {},
            notice=notice,
        )

    def save(self, user_id: str, submission: SetupSubmission) -> Reply | SetupFormView:
        """Save a submitted form as the newest version: a Reply when saved (or refused), else
        the form again with what is wrong beside its fields, nothing saved."""
        self.in_force.refresh()
        refusal = self._chairs_only(user_id)
        if refusal:
            return refusal
        first_run = not self.in_force.is_set
        if submission.based_on != self.in_force.number:
            return self._changed_meanwhile()
        values = kept_members(submission.values, self.in_force.config)
        if first_run and user_id not in values.chairs:
            values = replace(values, chairs=(user_id, *values.chairs))
        framework = self.in_force.frameworks.get(values.framework)
        if framework is None:
            return self._form(values, first_run, {FIELD_FRAMEWORK: "There is no such framework."})
        if framework.id != self.in_force.framework.id and self._rounds_open():
            return self._form(
                values,
                first_run,
                {FIELD_FRAMEWORK: "Rounds are open: close them before changing the framework."},
            )
        config, problems = read_values(values, framework, self.in_force.platform)
        # every problem at once; channels are joined only when the form is good otherwise
        access, private = self._check_channels(values, join=config is not None)
        problems = {**access, **problems}
        if config is None or problems:
            return self._form(values, first_run, problems, needs_invite=private)
        try:
            version = self.in_force.save(config, submission.based_on, user_id)
        except ConfigChanged:
            return self._changed_meanwhile()
        log.info("setup_saved", version=version.number, first_run=first_run)
        return Reply(self._saved_text(version.number, first_run))

    def _changed_meanwhile(self) -> SetupFormView:
        self.in_force.refresh()  # the other save may be committed but not yet put in force here
        return self._form(
            values_of(self.in_force.config, self.in_force.framework), notice=CHANGED_MEANWHILE
        )

    def _rounds_open(self) -> bool:
        with self.in_force.uow_factory() as uow:
            return bool(uow.rounds.open_rounds(self.in_force.framework.id))

    def _check_channels(
        self, values: SetupValues, join: bool
    ) -> tuple[dict[str, str], tuple[str, ...]]:
        """Say which channels picked the app cannot post to (private ones: which need it
        invited); with ``join``, join the open ones first."""
        fields = {values.board_channel: FIELD_BOARD_CHANNEL} if values.board_channel else {}
        for row_number, row in enumerate(values.subgroups):
            if row.channel and not row.is_empty:
                fields.setdefault(row.channel, subgroup_field(row_number, "channel"))
        problems: dict[str, str] = {}
        private: list[str] = []
        for channel, name in fields.items():
            access = self.channels.prepare_channel(channel, join=join)
            if access is ChannelAccess.INVITE:
                private.append(channel)
                problems[name] = (
                    "This channel is private: add the app to it (from the channel's details), "
                    "then save again."
                )
            elif access is ChannelAccess.UNKNOWN:
                problems[name] = "The app can't find this channel: pick another."
        return problems, tuple(private)

    def _saved_text(self, number: int, first_run: bool) -> Composed:
        if first_run:
            return Composed(
                "The board is set up, and you are its first chair. To add other chairs, use ",
                command("setup"),
                " again and pick them under Chairs. Start a round with ",
                command("domain 1"),
                ".",
            )
        return Composed(
            f"Settings saved (version {number}). Rounds already open keep the settings they "
            "started with; ",
            command("setup show"),
            " shows what is in force.",
        )

    # ---------------------------------------------------------------- in words

    def show(self) -> Reply:
        """What is in force, in words: names, not ids."""
        self.in_force.refresh()
        version, config = self.in_force.version, self.in_force.config
        if version is None:
            return Reply(
                Composed("Nothing is set up yet. Use ", command("setup"), " to set the board up.")
            )
        lines: list[str] = [
            Composed(
                Emphasis("Settings in force"),
                f" (version {version.number}, saved by ",
                "a file" if version.saved_by in FILE_SAVERS else Mention(version.saved_by),
                f" on {version.saved_at:%d %b %Y})",
            ),
            Composed(
                "Board: ", Typed(config.board.name), " in ", ChannelLink(config.board.channel)
            ),
            Composed("Chairs: ", *_joined([Mention(chair) for chair in config.board.chairs])),
            Composed("Framework: ", self.in_force.framework.title),
        ]
        for key, subgroup in config.subgroups.items():
            domains = [str(n) for n, k in sorted(config.assignments.items()) if k == key]
            grades = f"domains {', '.join(domains)}" if domains else "no domains"
            lines.append(
                Composed(
                    "• ", Typed(subgroup.name), " in ", ChannelLink(subgroup.channel), f": {grades}"
                )
            )
        voting, consensus = config.voting, config.consensus
        lines.append(
            f"Voting: open for {describe_duration(voting.deadline)}, a reminder "
            f"{describe_duration(voting.remind_before)} before it closes, re-votes open for "
            f"{describe_duration(voting.revote_deadline)}; votes are "
            f"{'secret' if voting.anonymous else 'secret until a question closes, then named'}."
        )
        lines.append(
            f"A result needs {percent(voting.quorum)}% of the electorate to vote and "
            f"{percent(consensus.agree_share)}% of the grades cast to agree, no two grades more "
            f"than {consensus.max_spread} apart."
        )
        return Reply(Composed(*_joined(lines, "\n")))

    # ---------------------------------------------------------------- the shortcut

    def use_channel(self, user_id: str, channel: str | None, name: str) -> Reply:
        """A chair names the channel they are in as one sub-group's (adding it if new)."""
        gate = self.not_set_up()
        if gate:
            return gate
        refusal = self._chairs_only(user_id)
        if refusal:
            return refusal
        if channel is None:
            return refuse("Use this in the channel the sub-group meets in, not in a chat with me.")
        config = self.in_force.config
        wanted = name.strip().lower()
        key = next(
            (k for k, s in config.subgroups.items() if wanted in (k.lower(), s.name.lower())),
            None,
        )
        subgroups = dict(config.subgroups)
        if key is None:
            key = new_key(name, set(subgroups))
            subgroups[key] = SubgroupConfig(name=name.strip().capitalize(), channel=channel)
        else:
            subgroups[key] = subgroups[key].model_copy(update={"channel": channel})
        access = self.channels.prepare_channel(channel)
        if access in (ChannelAccess.INVITE, ChannelAccess.UNKNOWN):
            return refuse("I can't post in this channel: add the app to it first, then try again.")
        updated = config.model_copy(update={"subgroups": subgroups})
        try:
            version = self.in_force.save(
                AppConfig.model_validate(updated.model_dump()), self.in_force.number, user_id
            )
        except ConfigChanged:
            return refuse("Another chair saved the settings just now: try again.")
        domains = [str(n) for n, k in sorted(config.assignments.items()) if k == key]
        grades = (
            f"It grades domain(s) {', '.join(domains)}."
            if domains
            else Composed(
                "No domain is given to it yet: use ", command("setup"), " to give it one."
            )
        )
        return Reply(
            Composed(
                "This channel is now the ",
                Typed(subgroups[key].name),
                f"'s (settings version {version.number}). ",
                grades,
            )
        )


def kept_members(values: SetupValues, config: AppConfig) -> SetupValues:
    """A sub-group's fixed list of members is not on the form: keep the one saved under the
    row's key (a form that cannot carry it hands the row back with ``members`` None)."""
    rows = tuple(
        replace(row, members=config.subgroups[row.key].members)
        if row.members is None and row.key in config.subgroups
        else row
        for row in values.subgroups
    )
    return replace(values, subgroups=rows)


def _joined(parts: Sequence[str], separator: str = ", ") -> list[str]:
    """``parts`` with ``separator`` between each two."""
    joined: list[str] = []
    for part in parts:
        joined += [separator, part] if joined else [part]
    return joined

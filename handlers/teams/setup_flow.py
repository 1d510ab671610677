"""Set-up in Teams: ``@Assess setup`` in a channel posts the form's card (in the mention's
thread); Save is an ``adaptiveCard/action`` invoke whose answer, seen by the clicker alone, is
the card again: with the problems beside their fields (nothing saved), with the settings another
chair saved meanwhile, or, once the new version is committed, redrawn with what was saved.

The pickers offer the team's channels (Bot Connector ``GET /v3/teams/{id}/conversations``, or the
channels the app has seen when Teams will not list them) and the team's roster (paged members
of the team's conversation)."""

from __future__ import annotations

from dataclasses import dataclass

import structlog
from microsoft_agents.activity import AdaptiveCardInvokeResponse

from bot.ports import ChatError
from bot.services.setup import SetupUseCases
from bot.views.reply import Reply
from bot.views.setup import (
    FIELD_AGREE_SHARE,
    FIELD_ANONYMOUS,
    FIELD_BOARD_CHANNEL,
    FIELD_BOARD_NAME,
    FIELD_CHAIRS,
    FIELD_DEADLINE,
    FIELD_FRAMEWORK,
    FIELD_MAX_SPREAD,
    FIELD_QUORUM,
    FIELD_REMIND_BEFORE,
    FIELD_REVOTE_DEADLINE,
    SetupFormView,
    SetupSubmission,
    SetupValues,
    SubgroupRow,
    subgroup_field,
)
from handlers.teams import codec
from handlers.teams.adaptive import CARD_CONTENT_TYPE
from handlers.teams.board_cards import answer_on_card
from handlers.teams.gateway import TeamsGateway
from handlers.teams.setup_cards import NO_CHANNEL, Pickable, render_setup_form

log = structlog.get_logger(__name__)

TEXT_CONTENT_TYPE = "application/vnd.microsoft.activity.message"
DOMAIN_PREFIX = "domain_"


@dataclass
class TeamsSetup:
    setup: SetupUseCases
    gateway: TeamsGateway

    # ---------------------------------------------------------------- the pickers

    def pickable(self, channel_id: str) -> Pickable:
        """The channels and people of the team ``channel_id`` is in."""
        channels = self.gateway.channels
        team = channels.team_of(channel_id)
        listing = channels.of_team(team)
        offered = [(c.id, c.name or self._unnamed(c.id, channel_id)) for c in listing.channels]
        if channel_id not in {c for c, _ in offered}:
            offered.insert(0, (channel_id, self._unnamed(channel_id, channel_id)))
        people: list[tuple[str, str]] = []
        try:
            members = self.gateway.human_members(team or channel_id)
            people = [(m, self.gateway.directory.name(m) or "") for m in members]
        except ChatError as exc:
            log.warning("teams_roster_not_read", error=str(exc))
        return Pickable(offered, people, listing.listed)

    def _unnamed(self, channel: str, here: str) -> str:
        """A channel Teams did not name to the app: as the configuration names it, or where."""
        known = self.gateway.configured_names.get(channel)
        return known or ("This channel" if channel == here else "A channel the app has seen")

    def prime_names(self) -> None:
        """Read the channels' names as Teams shows them before the settings are put in words."""
        config = self.setup.in_force.config
        ids = [config.board.channel, *(s.channel for s in config.subgroups.values())]
        try:
            self.gateway.channel_names([c for c in ids if c])
        except ChatError as exc:
            log.warning("teams_channel_names_not_read", error=str(exc))

    def card(self, form: SetupFormView, channel_id: str) -> dict[str, object]:
        return render_setup_form(self.gateway.text(), form, self.pickable(channel_id))

    # ---------------------------------------------------------------- the form

    def open(self, user_id: str, channel_id: str, thread: str) -> None:
        """The form posted in ``thread`` (the mention's), or the refusal sent privately."""
        form = self.setup.open_form(user_id, channel_id)
        if isinstance(form, Reply):
            self.gateway.send_private(user_id, form)
            return
        self.gateway.send_card(thread, self.card(form, channel_id))

    def submit(
        self, user_id: str, click: codec.SetupClick, channel_id: str
    ) -> AdaptiveCardInvokeResponse:
        """Save: answered once the version is committed (or with the form and its problems)."""
        result = self.setup.save(user_id, self.submission(click))
        if isinstance(result, SetupFormView):
            return _card_answer(self.card(result, channel_id))
        if result.is_refusal:
            text = "⛔ " + self.gateway.text().plain(result.text)
            return AdaptiveCardInvokeResponse(status_code=200, type=TEXT_CONTENT_TYPE, value=text)
        form = self.setup.open_form(user_id, channel_id)
        if isinstance(form, Reply):  # saved, but no longer a chair (they removed themselves)
            text = "✅ " + self.gateway.text().plain(result.text)
            return AdaptiveCardInvokeResponse(status_code=200, type=TEXT_CONTENT_TYPE, value=text)
        saved = answer_on_card(self.gateway.text(), self.card(form, channel_id), result)
        return _card_answer(saved["value"])

    # ---------------------------------------------------------------- reading it

    def submission(self, click: codec.SetupClick) -> SetupSubmission:
        inputs = click.inputs

        def field(name: str) -> str:
            return inputs.get(name, "").strip()

        rows = []  # a row's fixed member list is kept by the core (see kept_members)
        for number, key in enumerate(click.rows):
            channel = field(subgroup_field(number, "channel"))
            name = inputs.get(subgroup_field(number, "name"), "")
            rows.append(SubgroupRow(key, name, None if channel in ("", NO_CHANNEL) else channel))
        assignments: dict[int, int | None] = {}
        for name, value in inputs.items():
            if name.startswith(DOMAIN_PREFIX):
                row = value.strip()
                valid = row.isdigit() and int(row) < len(rows)
                assignments[int(name.removeprefix(DOMAIN_PREFIX))] = int(row) if valid else None
        values = SetupValues(
            board_name=inputs.get(FIELD_BOARD_NAME, ""),
            board_channel=field(FIELD_BOARD_CHANNEL) or None,
            chairs=tuple(c.strip() for c in field(FIELD_CHAIRS).split(",") if c.strip()),
            subgroups=tuple(rows),
            assignments=assignments,
            framework=field(FIELD_FRAMEWORK),
            deadline=field(FIELD_DEADLINE),
            remind_before=field(FIELD_REMIND_BEFORE),
            revote_deadline=field(FIELD_REVOTE_DEADLINE),
            quorum=field(FIELD_QUORUM),
            agree_share=field(FIELD_AGREE_SHARE),
            max_spread=field(FIELD_MAX_SPREAD),
            anonymous=field(FIELD_ANONYMOUS).lower() == "true",
        )
        return SetupSubmission(click.based_on, values)


def _card_answer(card: object) -> AdaptiveCardInvokeResponse:
    return AdaptiveCardInvokeResponse(status_code=200, type=CARD_CONTENT_TYPE, value=card)

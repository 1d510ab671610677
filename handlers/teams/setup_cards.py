"""The set-up form as an Adaptive Card (1.5): one input per field of ``SetupFormView``, named by
the field names in bot/views/setup.py, each problem in attention colour under its input, and
Save (``Action.Execute``) carrying the version shown and the rows' keys.

Names picked from (channels, people) come from Teams and are shown through ``inline`` (the one
escape); what a person typed into an input goes back into that input as its value, untouched.
A big team's roster is cut to fit the card in Teams' 28 KB (the chairs always kept), and the
card says so."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

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
    domain_field,
    subgroup_field,
)
from handlers.teams import codec
from handlers.teams.adaptive import SAFE_CARD_BYTES, Card, Element, card_bytes, execute, text_block
from handlers.teams.text import TeamsText, escape_member, inline

SAVE = "Save settings"
NO_CHANNEL = "-"  # the channel choice that leaves a row without one
MAX_NAME = 80
Choices = list[dict[str, str]]
JsonCard = dict[str, Any]
SHORT_NAME = 24
PEOPLE_KEPT = 60  # people offered under Chairs before channels are offered beyond the chosen


@dataclass(frozen=True)
class Pickable:
    """What the form's pickers offer: the team's channels and people, as (id, name)."""

    channels: Sequence[tuple[str, str]]
    people: Sequence[tuple[str, str]]
    channels_listed: bool = True  # False: Teams would not list the team's channels


def _choices(pairs: Sequence[tuple[str, str]], chosen: Sequence[str], unnamed: str) -> Choices:
    """Every pair as a choice, and any chosen id not among them (so a value is never lost)."""
    choices = [{"title": inline(name or unnamed), "value": key} for key, name in pairs]
    known = {key for key, _ in pairs}
    choices += [{"title": unnamed, "value": key} for key in chosen if key and key not in known]
    return choices


def _problem(view: SetupFormView, name: str) -> list[Element]:
    problem = view.problems.get(name)
    if not problem:
        return []
    return [text_block("⚠ " + escape_member(problem), color="attention", spacing="None")]


def _text(view: SetupFormView, name: str, label: str, value: str, hint: str = "") -> list[Element]:
    element: Element = {"type": "Input.Text", "id": name, "value": value}
    if label:
        element["label"] = label
    if hint:
        element["placeholder"] = hint
    return [element, *_problem(view, name)]


def _pick(
    view: SetupFormView, name: str, label: str, choices: Choices, value: str
) -> list[Element]:
    element: Element = {"type": "Input.ChoiceSet", "id": name, "choices": choices}
    if label:
        element["label"] = label
    if value:
        element["value"] = value
    return [element, *_problem(view, name)]


def _header(card: Card, view: SetupFormView, pickable: Pickable) -> None:
    card.add(text_block("**Board set-up**", size="Medium"))
    if view.first_run:
        card.add(
            text_block(
                "Nothing is set up yet: whoever saves this form becomes the board's first chair."
            )
        )
    if view.notice:
        card.add(text_block(escape_member(view.notice), color="attention"))
    if view.problems:
        card.add(
            text_block("Nothing was saved: see the notes beside the fields.", color="attention")
        )
    if not pickable.channels_listed:
        card.add(
            text_block(
                "Teams did not list this team's channels: these are the channels the app has "
                "seen. To offer another, @mention the app there first.",
                isSubtle=True,
            )
        )


def _board(view: SetupFormView, channels: Choices, people: Choices) -> list[Element]:
    values = view.values
    chairs = _pick(view, FIELD_CHAIRS, "Chairs", people, ",".join(values.chairs))
    chairs[0]["isMultiSelect"] = True
    return [
        *_text(view, FIELD_BOARD_NAME, "Board name", values.board_name),
        *_pick(view, FIELD_BOARD_CHANNEL, "Board channel", channels, values.board_channel or ""),
        *chairs,
    ]


def _rows(view: SetupFormView, channels: Choices) -> list[Element]:
    elements: list[Element] = [text_block("**Sub-groups** (a name and its channel each)")]
    none = [{"title": "(no channel)", "value": NO_CHANNEL}]
    for number, row in enumerate(view.values.subgroups):
        name, channel = subgroup_field(number, "name"), subgroup_field(number, "channel")
        picker = _pick(view, channel, "", none + channels, row.channel or "")
        picker[0]["placeholder"] = "Channel"
        columns = [
            {
                "type": "Column",
                "width": "stretch",
                "items": _text(view, name, "", row.name, "Name"),
            },
            {"type": "Column", "width": "stretch", "items": picker},
        ]
        elements.append({"type": "ColumnSet", "columns": columns, "spacing": "Small"})
    return elements


def _short(name: str) -> str:
    """A sub-group's name as a domain's choice (every domain's picker repeats it: kept short)."""
    name = name.strip()
    return inline(name if len(name) <= SHORT_NAME else name[: SHORT_NAME - 1].rstrip() + "…")


def _domains(view: SetupFormView) -> list[Element]:
    rows = [
        {
            "title": inline(row.name) if row.name.strip() else f"Sub-group row {n + 1}",
            "value": str(n),
        }
        for n, row in enumerate(view.values.subgroups)
    ]
    elements: list[Element] = [text_block("**Which sub-group grades each domain**")]
    for domain in view.domains:
        value = "" if domain.subgroup_row is None else str(domain.subgroup_row)
        label = f"{domain.number}. {domain.title}"
        elements += _pick(view, domain_field(domain.number), label, rows, value)
    return elements


def _rules(view: SetupFormView) -> list[Element]:
    values = view.values
    frameworks = [{"title": inline(title), "value": name} for name, title in view.frameworks]
    toggle = {
        "type": "Input.Toggle",
        "id": FIELD_ANONYMOUS,
        "title": "Votes stay secret (else named once a question closes)",
        "value": "true" if values.anonymous else "false",
        "valueOn": "true",
        "valueOff": "false",
    }
    return [
        text_block("**Voting**"),
        *_pick(view, FIELD_FRAMEWORK, "Framework", frameworks, values.framework),
        *_text(view, FIELD_DEADLINE, "Voting open for", values.deadline, "7d"),
        *_text(view, FIELD_REMIND_BEFORE, "Reminder before it closes", values.remind_before, "1d"),
        *_text(view, FIELD_REVOTE_DEADLINE, "Re-votes open for", values.revote_deadline, "3d"),
        *_text(view, FIELD_QUORUM, "Quorum (% of the electorate)", values.quorum, "50"),
        *_text(view, FIELD_AGREE_SHARE, "Agreement (% of grades cast)", values.agree_share, "75"),
        *_text(view, FIELD_MAX_SPREAD, "Largest spread (grades apart)", values.max_spread, "1"),
        toggle,
        *_problem(view, FIELD_ANONYMOUS),
    ]


def _cut_notes(pickable: Pickable, channels: int, people: int) -> list[Element]:
    notes = []
    if channels < len(pickable.channels):
        notes.append(
            f"{len(pickable.channels) - channels} more channels of the team are not offered "
            "here: the card would be too big for Teams. To use one for a sub-group, say "
            "@Assess use this channel for NAME in it."
        )
    if people < len(pickable.people):
        notes.append(
            f"{len(pickable.people) - people} more people in the team are not offered under "
            "Chairs: the card would be too big for Teams. The chairs come first, then "
            "everyone by name."
        )
    return [text_block(note, isSubtle=True) for note in notes]


def _card(teams: TeamsText, view: SetupFormView, pickable: Pickable, cut: Pickable) -> JsonCard:
    """The card offering ``cut``'s channels and people (``pickable``'s, or fewer)."""
    card = Card(teams)
    _header(card, view, pickable)
    values = view.values
    chosen = [values.board_channel or "", *(row.channel or "" for row in values.subgroups)]
    channels = _choices(cut.channels, chosen, "a channel Teams did not list")
    card.add(
        *_board(view, channels, _choices(cut.people, values.chairs, "someone not in the team"))
    )
    card.add(*_cut_notes(pickable, len(cut.channels), len(cut.people)))
    card.add(*_rows(view, channels), *_domains(view), *_rules(view))
    rows = tuple(row.key for row in values.subgroups)
    card.actions = [execute(SAVE, codec.SETUP_SAVE, codec.encode_setup(view.based_on, rows))]
    return card.json()


def _most(least: int, count: int, fits: Callable[[int], bool]) -> int:
    """The largest n in least..count with ``fits(n)`` (``fits(least)`` taken as true)."""
    low, high = least, count
    while low < high:
        mid = (low + high + 1) // 2
        if fits(mid):
            low = mid
        else:
            high = mid - 1
    return low


def render_setup_form(teams: TeamsText, view: SetupFormView, pickable: Pickable) -> JsonCard:
    """The form's card within Teams' size: if the whole team does not fit, the channels already
    chosen and the chairs come first, then as many channels as leave room for ``PEOPLE_KEPT``
    people, then as many people as fit."""
    values = view.values
    chosen = {values.board_channel, *(row.channel for row in values.subgroups)}
    channels = sorted(pickable.channels, key=lambda c: c[0] not in chosen)
    chairs = set(values.chairs)
    people = sorted(pickable.people, key=lambda p: (p[0] not in chairs, p[1].lower()))
    whole = Pickable(channels, people, pickable.channels_listed)
    card = _card(teams, view, pickable, whole)
    if card_bytes(card) <= SAFE_CARD_BYTES:
        return card

    def fits(channel_count: int, people_count: int) -> bool:
        cut = Pickable(channels[:channel_count], people[:people_count])
        return card_bytes(_card(teams, view, pickable, cut)) <= SAFE_CARD_BYTES

    kept_people = max(len([p for p in people if p[0] in chairs]), min(len(people), PEOPLE_KEPT))
    kept_channels = len([c for c in channels if c[0] in chosen])
    channel_count = _most(kept_channels, len(channels), lambda n: fits(n, kept_people))
    people_count = _most(0, len(people), lambda n: fits(channel_count, n))
    cut = Pickable(_in_order(pickable.channels, channels[:channel_count]), people[:people_count])
    return _card(teams, view, pickable, cut)


def _in_order(
    listed: Sequence[tuple[str, str]], kept: Sequence[tuple[str, str]]
) -> list[tuple[str, str]]:
    """``kept`` in the order Teams listed them."""
    keep = set(kept)
    return [pair for pair in listed if pair in keep]

"""Reading and using the Adaptive Cards the app shows in the Agents Playground, the way a person
does in Teams: a button by its title, a ``Action.ShowCard`` opened first (``Comment`` then
``Send comment``), inputs typed into the fields that card has, nothing else."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

JsonDict = dict[str, Any]
EXECUTE = "Action.Execute"
SHOW_CARD = "Action.ShowCard"
OPEN_URL = "Action.OpenUrl"


@dataclass(frozen=True)
class Press:
    """What Teams sends for a press of an ``Action.Execute``: its verb and its data with the
    card's inputs merged in."""

    verb: str
    data: JsonDict


def titles(card: JsonDict) -> list[str]:
    """The titles of the card's own buttons, in order."""
    return [str(action.get("title")) for action in card.get("actions") or []]


def links(card: JsonDict) -> dict[str, str]:
    """The card's ``Action.OpenUrl`` buttons: title to address."""
    return {
        str(action["title"]): str(action["url"])
        for action in card.get("actions") or []
        if action.get("type") == OPEN_URL
    }


def images(card: JsonDict) -> list[str]:
    """The addresses of the card's images."""
    return [str(e["url"]) for e in card.get("body") or [] if e.get("type") == "Image"]


def _inputs(card: JsonDict) -> dict[str, JsonDict]:
    """The card's inputs, those inside containers and column sets too (not a ShowCard's)."""
    found: dict[str, JsonDict] = {}

    def walk(elements: Any) -> None:
        for element in elements or []:
            if not isinstance(element, dict):
                continue
            if str(element.get("type", "")).startswith("Input."):
                found[str(element["id"])] = element
            walk(element.get("items"))
            walk(element.get("columns"))

    walk(card.get("body"))
    return found


def _initial(field: JsonDict) -> str:
    value = field.get("value")
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _action(card: JsonDict, title: str) -> JsonDict:
    for action in card.get("actions") or []:
        if action.get("title") == title:
            return dict(action)
    raise AssertionError(f"no button {title!r} on the card; it has {titles(card)}")


def press(card: JsonDict, path: Sequence[str], typed: JsonDict | None = None) -> Press:
    """Press the button at ``path`` (the titles of the ShowCards to open, then the button's),
    having typed ``typed`` (input id to value) into the fields shown; the others send what
    they show, as Teams does. Fails as the client would
    refuse: an unknown field, a required one left empty, a choice not offered."""
    *opened, last = path
    shown = card
    fields = _inputs(card)
    for title in opened:
        action = _action(shown, title)
        assert action.get("type") == SHOW_CARD, f"{title!r} is a {action.get('type')}"
        shown = dict(action["card"])
        fields.update(_inputs(shown))
    button = _action(shown, last)
    assert button.get("type") == EXECUTE, f"{last!r} is a {button.get('type')}"
    values = dict(typed or {})
    unknown = set(values) - set(fields)
    assert not unknown, f"no field {sorted(unknown)} on the card (fields: {sorted(fields)})"
    for name, field in fields.items():
        if field.get("isRequired") and not values.get(name):
            raise AssertionError(f"the card would not send: {name!r} is required")
        choices = [str(c["value"]) for c in field.get("choices") or []]
        if name in values and choices:
            picked = values[name].split(",") if field.get("isMultiSelect") else [values[name]]
            assert set(picked) <= set(choices), f"{values[name]!r} is not among {choices}"
    shown = {name: _initial(field) for name, field in fields.items() if _initial(field)}
    return Press(str(button["verb"]), {**dict(button.get("data") or {}), **shown, **values})

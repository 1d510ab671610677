"""Adaptive Cards as Teams takes them: what it refuses in a bot's message, and what a card offers
to click (its Action.Execute actions and the inputs they submit)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .records import ADAPTIVE_CARD, MAX_CARD_VERSION, JsonDict

AT_MENTION = re.compile(r"<at>(.*?)</at>", re.DOTALL)
_VERSION = re.compile(r"^(\d+)\.(\d+)$")
_SHOWN = frozenset(
    {"text", "title", "value", "label", "placeholder", "errorMessage", "altText", "fallbackText"}
)


@dataclass(frozen=True)
class CardAction:
    """An ``Action.Execute`` on a card: what a click sends (`verb`, `data`) and the inputs it
    submits (`inputs`: those of its own card and of the cards it is nested in, as Teams does)."""

    title: str
    verb: str | None
    data: JsonDict
    inputs: tuple[JsonDict, ...] = ()
    associated_inputs: str = "auto"


# ----------------------------------------------------------------------------- checks


def activity_problems(activity: Mapping[str, Any]) -> list[str]:
    """What Teams refuses (HTTP 400) in the Adaptive Cards attached to a bot's activity."""
    problems: list[str] = []
    attachments = activity.get("attachments") or []
    if not isinstance(attachments, list):
        return ["attachments must be a list"]
    for index, attachment in enumerate(attachments):
        if not isinstance(attachment, dict):
            problems.append(f"attachments[{index}] must be an object")
        elif attachment.get("contentType") == ADAPTIVE_CARD:
            where = f"attachments[{index}].content"
            problems.extend(f"{where}: {p}" for p in card_problems(attachment.get("content")))
    return problems


def card_problems(card: Any) -> list[str]:
    """An Adaptive Card Teams would refuse: not an AdaptiveCard, a version above 1.5, an
    Action.Execute without a verb, or an ``<at>…</at>`` without its mention entity."""
    if not isinstance(card, dict):
        return ["an Adaptive Card attachment needs its card as content"]
    if card.get("type") != "AdaptiveCard":
        return [f"type must be AdaptiveCard, not {card.get('type')!r}"]
    problems = _version_problems(card.get("version"), required=True)
    problems.extend(_nested_problems(card, _entity_texts(card), "$"))
    return problems


def _version_problems(version: Any, *, required: bool) -> list[str]:
    if version is None and not required:
        return []
    match = _VERSION.match(version) if isinstance(version, str) else None
    if match is None:
        return [f"version must be a string like '1.5', not {version!r}"]
    if (int(match[1]), int(match[2])) > MAX_CARD_VERSION:
        return [f"version {version} is above 1.5, the highest Teams renders"]
    return []


def _entity_texts(card: Mapping[str, Any]) -> set[str]:
    msteams = card.get("msteams")
    entities = msteams.get("entities") if isinstance(msteams, dict) else None
    texts: set[str] = set()
    for entity in entities if isinstance(entities, list) else []:
        mentioned = entity.get("mentioned") if isinstance(entity, dict) else None
        if (
            isinstance(entity, dict)
            and entity.get("type") == "mention"
            and isinstance(entity.get("text"), str)
            and isinstance(mentioned, dict)
            and mentioned.get("id")
        ):
            texts.add(entity["text"])
    return texts


def _nested_problems(node: Any, mentions: set[str], where: str) -> list[str]:
    """Action.Execute verbs, mentions and the versions of ShowCard cards, all the way down."""
    problems: list[str] = []
    if isinstance(node, list):
        for index, item in enumerate(node):
            problems.extend(_nested_problems(item, mentions, f"{where}[{index}]"))
        return problems
    if not isinstance(node, dict):
        if isinstance(node, str):
            for at in AT_MENTION.finditer(node):
                if at[0] not in mentions:
                    problems.append(
                        f"{where}: an <at> mention has no mention entity in msteams.entities"
                    )
        return problems
    if node.get("type") == "Action.Execute" and not (
        isinstance(node.get("verb"), str) and node["verb"]
    ):
        problems.append(f"{where}: an Action.Execute has no verb")
    if node.get("type") == "AdaptiveCard" and where != "$":
        problems.extend(
            f"{where}: {p}" for p in _version_problems(node.get("version"), required=False)
        )
        mentions = mentions | _entity_texts(node)
    for key, value in node.items():
        if key != "msteams":
            problems.extend(_nested_problems(value, mentions, f"{where}.{key}"))
    return problems


# ---------------------------------------------------------------------------- reading


def card_actions(card: Mapping[str, Any]) -> list[CardAction]:
    """Every Action.Execute on the card, in document order, ShowCards' cards included."""
    return list(_actions_in_card(card, ()))


def _actions_in_card(card: Mapping[str, Any], outer: tuple[JsonDict, ...]) -> Iterator[CardAction]:
    inputs = outer + tuple(_inputs(card.get("body")))
    for action in _actions_of(card.get("body"), card.get("actions")):
        yield from _expand(action, inputs)


def _actions_of(body: Any, actions: Any) -> Iterator[JsonDict]:
    """The actions of a card: those in its body (ActionSets, selectActions), then its own."""
    for node in _walk(body):
        if node.get("type") == "ActionSet":
            yield from (a for a in node.get("actions") or [] if isinstance(a, dict))
        select = node.get("selectAction")
        if isinstance(select, dict):
            yield select
    yield from (a for a in actions or [] if isinstance(a, dict))


def _expand(action: JsonDict, inputs: tuple[JsonDict, ...]) -> Iterator[CardAction]:
    kind = action.get("type")
    if kind == "Action.Execute":
        data = action.get("data")
        yield CardAction(
            title=str(action.get("title") or ""),
            verb=action.get("verb"),
            data=dict(data) if isinstance(data, dict) else {},
            inputs=inputs,
            associated_inputs=str(action.get("associatedInputs") or "auto"),
        )
    elif kind == "Action.ShowCard" and isinstance(action.get("card"), dict):
        yield from _actions_in_card(action["card"], inputs)


def _walk(node: Any) -> Iterator[JsonDict]:
    """The elements of a card body, depth first, but not into ShowCards' cards or actions."""
    if isinstance(node, list):
        for item in node:
            yield from _walk(item)
    elif isinstance(node, dict):
        yield node
        for key in ("items", "columns", "body", "rows", "cells", "inlines"):
            if key in node:
                yield from _walk(node[key])


def _inputs(body: Any) -> Iterator[JsonDict]:
    for node in _walk(body):
        kind = node.get("type")
        if isinstance(kind, str) and kind.startswith("Input.") and isinstance(node.get("id"), str):
            yield node


def card_words(card: Any) -> list[str]:
    """The card's shown text, depth first: every string under a key people read (``text``,
    ``title``, ``value``, ``label``, ``placeholder``, ``errorMessage``, ``altText``,
    ``fallbackText``); not the actions' data nor the mention entities."""
    if isinstance(card, list):
        return [w for item in card for w in card_words(item)]
    if not isinstance(card, dict):
        return []
    words: list[str] = []
    for key, value in card.items():
        if key in _SHOWN and isinstance(value, str):
            words.append(value)
        elif key not in ("data", "msteams"):
            words.extend(card_words(value))
    return words


# ----------------------------------------------------------------------------- submit


def submitted_data(action: CardAction, typed: Mapping[str, str] | None = None) -> JsonDict:
    """The data Teams sends for a click: the action's data with its inputs' values merged in.

    `typed` is what the user entered (by input id); other inputs send their initial value.
    Raises ValueError where Teams' own validation would stop the click (a required input left
    empty, text over its maxLength, a choice not offered, an input the card does not have)."""
    typed = dict(typed or {})
    if action.associated_inputs.lower() == "none":
        if typed:
            raise ValueError(f"{action.title!r} submits no inputs (associatedInputs none)")
        return dict(action.data)
    by_id = {i["id"]: i for i in action.inputs}
    unknown = sorted(set(typed) - set(by_id))
    if unknown:
        raise ValueError(f"{action.title!r} has no inputs {unknown}; it has {sorted(by_id)}")
    values: JsonDict = {}
    for input_id, element in by_id.items():
        value = typed.get(input_id, _initial(element))
        _check_input(action.title, element, value)
        if value != "" or input_id in typed:
            values[input_id] = value
    return {**action.data, **values}


def _initial(element: Mapping[str, Any]) -> str:
    value = element.get("value")
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _check_input(title: str, element: Mapping[str, Any], value: str) -> None:
    label = f"{title!r}: input {element['id']!r}"
    if element.get("isRequired") and value == "":
        raise ValueError(f"{label} is required; Teams would not send the click")
    limit = element.get("maxLength")
    if isinstance(limit, int) and limit > 0 and len(value) > limit:
        raise ValueError(f"{label} takes at most {limit} characters, not {len(value)}")
    if element.get("type") == "Input.ChoiceSet" and value:
        offered = {str(c.get("value")) for c in element.get("choices") or [] if isinstance(c, dict)}
        chosen = value.split(",") if element.get("isMultiSelect") else [value]
        if not set(chosen) <= offered:
            raise ValueError(f"{label} offers {sorted(offered)}, not {value!r}")

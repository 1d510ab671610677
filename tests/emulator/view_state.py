"""The state of a modal's inputs as Slack sends it in view_submission (and in block_actions
from a modal), built from the view and the values a test types."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

JsonDict = dict[str, Any]

TEXT_INPUTS = frozenset(
    {"plain_text_input", "email_text_input", "url_text_input", "number_input", "rich_text_input"}
)
SINGLE_SELECTS = frozenset({"static_select", "external_select", "radio_buttons"})
MULTI_OPTION = frozenset({"multi_static_select", "multi_external_select", "checkboxes"})
SELECTED_KEY = {
    "users_select": "selected_user",
    "multi_users_select": "selected_users",
    "conversations_select": "selected_conversation",
    "multi_conversations_select": "selected_conversations",
    "channels_select": "selected_channel",
    "multi_channels_select": "selected_channels",
    "datepicker": "selected_date",
    "timepicker": "selected_time",
    "datetimepicker": "selected_date_time",
}


# what an element shows before anyone touches it, and the state key Slack sends it under
INITIAL_KEYS: dict[str, tuple[str, str]] = {
    **{kind: ("initial_value", "value") for kind in TEXT_INPUTS},
    **{kind: ("initial_option", "selected_option") for kind in SINGLE_SELECTS},
    **{kind: ("initial_options", "selected_options") for kind in MULTI_OPTION},
    "users_select": ("initial_user", "selected_user"),
    "multi_users_select": ("initial_users", "selected_users"),
    "conversations_select": ("initial_conversation", "selected_conversation"),
    "multi_conversations_select": ("initial_conversations", "selected_conversations"),
    "channels_select": ("initial_channel", "selected_channel"),
    "multi_channels_select": ("initial_channels", "selected_channels"),
    "datepicker": ("initial_date", "selected_date"),
    "timepicker": ("initial_time", "selected_time"),
    "datetimepicker": ("initial_date_time", "selected_date_time"),
}


def initial_state(element: Mapping[str, Any]) -> JsonDict:
    """An untouched element's state, as Slack submits it: its initial value, if it has one."""
    kind = str(element.get("type"))
    keys = INITIAL_KEYS.get(kind)
    if keys is None or element.get(keys[0]) is None:
        return state_for(element, None)
    return {"type": kind, keys[1]: element[keys[0]]}


def iter_elements(block: Mapping[str, Any]) -> list[Any]:
    elements: list[Any] = []
    if isinstance(block.get("elements"), list):
        elements.extend(block["elements"])
    for key in ("accessory", "element"):
        if block.get(key) is not None:
            elements.append(block[key])
    return elements


def find_element(
    blocks: list[Any], action_id: str, block_id: str | None
) -> tuple[JsonDict | None, str | None]:
    for block in blocks:
        if not isinstance(block, dict):
            continue
        if block_id is not None and block.get("block_id") != block_id:
            continue
        for el in iter_elements(block):
            if isinstance(el, dict) and el.get("action_id") == action_id:
                return el, block.get("block_id")
    return None, None


def find_option(element: Mapping[str, Any], value: Any) -> JsonDict:
    options: list[Any] = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        if isinstance(group, dict):
            options.extend(group.get("options") or [])
    for opt in options:
        if isinstance(opt, dict) and opt.get("value") == value:
            return dict(opt)
    raise ValueError(f"element {element.get('action_id')!r} has no option with value {value!r}")


def state_for(element: Mapping[str, Any], value: Any) -> JsonDict:
    kind = str(element.get("type"))
    if isinstance(value, dict):
        return {"type": kind, **value}
    if kind in SINGLE_SELECTS:
        option = None if value is None else find_option(element, value)
        return {"type": kind, "selected_option": option}
    if kind in MULTI_OPTION:
        chosen = [] if value is None else [find_option(element, v) for v in list(value)]
        return {"type": kind, "selected_options": chosen}
    if kind in SELECTED_KEY:
        return {"type": kind, SELECTED_KEY[kind]: value}
    return {"type": kind, "value": value}


def is_empty(state: Mapping[str, Any]) -> bool:
    filled = [v for k, v in state.items() if k != "type"]
    return all(v in (None, "", []) for v in filled)


def build_state(view: Mapping[str, Any], values: Mapping[str, Mapping[str, Any]]) -> JsonDict:
    blocks = [b for b in view.get("blocks") or [] if isinstance(b, dict)]
    known: set[tuple[str, str]] = set()
    state: JsonDict = {}
    for block in blocks:
        if block.get("type") != "input" or not isinstance(block.get("element"), dict):
            continue
        element = block["element"]
        block_id, action_id = block.get("block_id"), element.get("action_id")
        if not isinstance(block_id, str) or not isinstance(action_id, str):
            raise ValueError(
                "input blocks need explicit block_id and action_id for SlackSender.submit_view"
            )
        known.add((block_id, action_id))
        given = values.get(block_id, {})
        typed = ((view.get("state") or {}).get("values") or {}).get(block_id, {})
        if action_id in given:
            entry = state_for(element, given[action_id])
        elif action_id in typed:  # typed before, and kept by Slack when the modal was redrawn
            entry = dict(typed[action_id])
        else:  # left as the modal showed it
            entry = initial_state(element)
        if is_empty(entry) and not block.get("optional", False):
            raise ValueError(
                f"required input {block_id}/{action_id} is empty: Slack would not submit the form"
            )
        if (
            element.get("type") in TEXT_INPUTS
            and isinstance(entry.get("value"), str)
            and isinstance(element.get("max_length"), int)
            and len(entry["value"]) > element["max_length"]
        ):
            raise ValueError(f"{block_id}/{action_id} is longer than its max_length")
        state.setdefault(block_id, {})[action_id] = entry
    for block_id, by_action in values.items():
        for action_id, value in by_action.items():
            if (block_id, action_id) not in known:
                # not an input block (e.g. a section accessory): pass through as given
                entry = value if isinstance(value, dict) else {"type": "unknown", "value": value}
                state.setdefault(block_id, {})[action_id] = entry
    return state

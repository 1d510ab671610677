"""What the app puts in its buttons and modals and reads back when they are used: button values,
vote action ids and modals' private_metadata, encoded and decoded here and nowhere else.

A decoder answers None for anything it did not encode (an old or tampered value)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from bot.domain.consensus import Choice

VOTE_ACTION_PREFIX = "vote_"
#: every vote button's action_id, for the listener to match
VOTE_ACTIONS = re.compile(rf"^{VOTE_ACTION_PREFIX}(1|2|3|4|dont_know)$")

_QUESTION_REF = re.compile(r"^(\d{1,12}):(\d{1,12})$")
_FORM_METADATA = re.compile(r"^(\d{1,12}):(\d{1,12}):([A-Z0-9]{1,40})$")
_ACTION_QUESTION = re.compile(r"^\d{1,12}$")
_ACTION_METADATA = re.compile(r"^(\d{1,12}):([A-Z0-9]{1,40})(?::(\d{1,12}\.\d{1,9}))?$")
_ACTION_ID = re.compile(r"^\d{1,9}$")
_CHANNEL_ID = re.compile(r"^[A-Z0-9]{1,40}$")
SETUP_METADATA_KIND = "setup"


@dataclass(frozen=True)
class QuestionRef:
    round_id: int
    round_question_id: int


@dataclass(frozen=True)
class FormRef:
    """A comment or decision modal: the question it is about, the channel it was opened in."""

    question: QuestionRef
    channel_id: str


@dataclass(frozen=True)
class ActionFormRef:
    """The Add action modal: its question, channel, and the Add action message to redraw."""

    round_question_id: int
    channel_id: str
    prompt_ts: str | None


# ------------------------------------------------ a question's buttons (vote, comment, settle)


def encode_question(round_id: int, round_question_id: int) -> str:
    """A vote, comment, re-vote or decide button's value: '<round id>:<round question id>'."""
    return f"{round_id}:{round_question_id}"


def decode_question(value: str) -> QuestionRef | None:
    match = _QUESTION_REF.match(value)
    return QuestionRef(int(match.group(1)), int(match.group(2))) if match else None


def vote_action_id(choice: str) -> str:
    """A vote button's action_id: the prefix and the choice ('1'…'4' or 'dont_know')."""
    return f"{VOTE_ACTION_PREFIX}{choice}"


def decode_vote_choice(action_id: str) -> Choice | None:
    try:
        return Choice(action_id.removeprefix(VOTE_ACTION_PREFIX))
    except ValueError:
        return None


# ---------------------------------------------------------- comment and decision modals


def encode_form(round_id: int, round_question_id: int, channel_id: str) -> str:
    return f"{round_id}:{round_question_id}:{channel_id}"


def decode_form(metadata: str) -> FormRef | None:
    match = _FORM_METADATA.match(metadata)
    if not match:
        return None
    return FormRef(QuestionRef(int(match.group(1)), int(match.group(2))), match.group(3))


# ----------------------------------------------------------------------- the action plan


def encode_action_question(round_question_id: int) -> str:
    """The Add action button's value: the round question's id."""
    return str(round_question_id)


def decode_action_question(value: str) -> int | None:
    return int(value) if _ACTION_QUESTION.match(value) else None


def encode_action_form(round_question_id: int, channel_id: str, prompt_ts: str | None) -> str:
    return f"{round_question_id}:{channel_id}" + (f":{prompt_ts}" if prompt_ts else "")


def decode_action_form(metadata: str) -> ActionFormRef | None:
    match = _ACTION_METADATA.match(metadata)
    if match is None:
        return None
    return ActionFormRef(int(match.group(1)), match.group(2), match.group(3))


def encode_action(action_id: int) -> str:
    """The Home tab's Mark done button's value: the action's id."""
    return str(action_id)


def decode_action(value: str) -> int | None:
    return int(value) if _ACTION_ID.match(value) else None


# ----------------------------------------------------------------------- the set-up modal


@dataclass(frozen=True)
class SetupFormRef:
    """The set-up modal: the version it showed, its sub-group rows' keys (None: a new row),
    and the channel it was opened from (None: a direct chat), to answer there."""

    based_on: int
    keys: tuple[str | None, ...]
    channel_id: str | None


def encode_setup_form(ref: SetupFormRef) -> str:
    return json.dumps(
        {"f": SETUP_METADATA_KIND, "v": ref.based_on, "k": list(ref.keys), "c": ref.channel_id},
        separators=(",", ":"),
    )


def decode_setup_form(metadata: str) -> SetupFormRef | None:
    try:
        data: Any = json.loads(metadata)
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("f") != SETUP_METADATA_KIND:
        return None
    based_on, keys, channel = data.get("v"), data.get("k"), data.get("c")
    if not isinstance(based_on, int) or isinstance(based_on, bool) or based_on < 0:
        return None
    if not isinstance(keys, list) or not all(k is None or isinstance(k, str) for k in keys):
        return None
    if channel is not None and not (isinstance(channel, str) and _CHANNEL_ID.match(channel)):
        return None
    return SetupFormRef(based_on, tuple(keys), channel)


def setup_action_id(field: str, based_on: int) -> str:
    """A set-up input's action_id: its field and the version the form shows. Slack keeps what
    was typed in an input whose block_id and action_id stay the same when a modal is drawn
    again, so a form drawn from a newer version shows its values, not what was typed before."""
    return f"{field}.v{based_on}"


#: the anonymity choice's two options
SECRET, NAMED = "secret", "named"


def encode_row(row: int) -> str:
    """A "which sub-group grades it" option's value: the sub-group row's position."""
    return str(row)


def decode_row(value: str) -> int | None:
    return int(value) if re.fullmatch(r"\d{1,2}", value) else None

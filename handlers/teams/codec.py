"""What the app puts in its cards' Action.Execute (verb and data) and reads back when they are
used, encoded and decoded here and nowhere else.

Teams merges the card's inputs into ``data`` on submit, so a decoder reads the keys it wrote
and the input ids below, and answers None for anything it did not encode (an old or tampered
value: an unknown verb, a missing or extra key, a number out of range, a bool for a number)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.domain.consensus import Choice
from bot.views import setup as form

CODEC_VERSION = 1
VOTE = "vote"
COMMENT = "comment"
REVOTE = "revote"
DECIDE = "decide"
ADD_ACTION = "add_action"
MARK_DONE = "mark_done"
#: the inputs a card may send with its data
COMMENT_INPUT = "comment_text"
GRADE_INPUT = "grade"
REASON_INPUT = "reason"
ACTION_INPUT = "action_text"
PRIORITY_INPUT = "priority"
OWNER_INPUT = "owner"
DUE_INPUT = "due"
_INPUTS = {
    VOTE: frozenset(),
    COMMENT: frozenset({COMMENT_INPUT}),
    REVOTE: frozenset(),
    DECIDE: frozenset({GRADE_INPUT, REASON_INPUT}),
    ADD_ACTION: frozenset({ACTION_INPUT, PRIORITY_INPUT, OWNER_INPUT, DUE_INPUT}),
    MARK_DONE: frozenset(),
}
_MAX_ID = 10**12
_MAX_INPUT = 20_000


@dataclass(frozen=True)
class QuestionRef:
    round_id: int
    round_question_id: int


@dataclass(frozen=True)
class Click:
    """A decoded action: its verb, what it is about, its choice and the inputs sent with it."""

    verb: str
    question: QuestionRef | None = None
    choice: Choice | None = None
    round_question_id: int | None = None
    action_id: int | None = None
    inputs: Mapping[str, str] | None = None


def _data(verb: str, **values: Any) -> dict[str, Any]:
    return {"codec": CODEC_VERSION, "verb": verb, **values}


def encode_vote(round_id: int, round_question_id: int, choice: Choice) -> dict[str, Any]:
    return _data(VOTE, round=round_id, question=round_question_id, choice=choice.value)


def encode_question(verb: str, round_id: int, round_question_id: int) -> dict[str, Any]:
    """The data of a comment, re-vote or decide action."""
    assert verb in (COMMENT, REVOTE, DECIDE)
    return _data(verb, round=round_id, question=round_question_id)


def encode_action_question(round_question_id: int) -> dict[str, Any]:
    return _data(ADD_ACTION, question=round_question_id)


def encode_mark_done(action_id: int) -> dict[str, Any]:
    return _data(MARK_DONE, action=action_id)


def _id(value: object) -> int | None:
    if type(value) is not int or not 0 < value < _MAX_ID:
        return None
    return value


def _inputs(verb: str, extra: Mapping[str, object]) -> dict[str, str] | None:
    allowed = _INPUTS[verb]
    if not set(extra) <= allowed:
        return None
    if not all(isinstance(v, str) and len(v) <= _MAX_INPUT for v in extra.values()):
        return None
    return {k: str(v) for k, v in extra.items()}


def _keys(verb: str) -> frozenset[str]:
    if verb == VOTE:
        return frozenset({"codec", "verb", "round", "question", "choice"})
    if verb in (COMMENT, REVOTE, DECIDE):
        return frozenset({"codec", "verb", "round", "question"})
    return frozenset({"codec", "verb", "action" if verb == MARK_DONE else "question"})


def _click(verb: str, data: Mapping[str, object], inputs: dict[str, str]) -> Click | None:
    if verb == MARK_DONE:
        action = _id(data["action"])
        return None if action is None else Click(verb, action_id=action, inputs=inputs)
    if verb == ADD_ACTION:
        rq = _id(data["question"])
        return None if rq is None else Click(verb, round_question_id=rq, inputs=inputs)
    round_id, rq = _id(data["round"]), _id(data["question"])
    if round_id is None or rq is None:
        return None
    ref = QuestionRef(round_id, rq)
    if verb != VOTE:
        return Click(verb, question=ref, inputs=inputs)
    try:
        choice = Choice(str(data["choice"])) if isinstance(data["choice"], str) else None
    except ValueError:
        return None
    return None if choice is None else Click(verb, question=ref, choice=choice, inputs=inputs)


def decode(verb: object, data: object) -> Click | None:
    """An Action.Execute's verb and data (with its inputs), or None if we did not make them."""
    if not isinstance(verb, str) or verb not in _INPUTS or not isinstance(data, Mapping):
        return None
    codec = data.get("codec")
    if type(codec) is not int or codec != CODEC_VERSION or data.get("verb") != verb:
        return None
    keys = _keys(verb)
    if not keys <= set(data):
        return None
    inputs = _inputs(verb, {k: v for k, v in data.items() if k not in keys})
    return None if inputs is None else _click(verb, data, inputs)


# ------------------------------------------------------------------------- the set-up form

SETUP_SAVE = "setup_save"
_SETUP_KEYS = frozenset({"codec", "verb", "based_on", "rows"})
_SETUP_FIELDS = frozenset(
    {
        form.FIELD_BOARD_NAME,
        form.FIELD_BOARD_CHANNEL,
        form.FIELD_CHAIRS,
        form.FIELD_FRAMEWORK,
        form.FIELD_DEADLINE,
        form.FIELD_REMIND_BEFORE,
        form.FIELD_REVOTE_DEADLINE,
        form.FIELD_QUORUM,
        form.FIELD_AGREE_SHARE,
        form.FIELD_MAX_SPREAD,
        form.FIELD_ANONYMOUS,
    }
)
_ROW_FIELD = re.compile(r"^subgroup_([0-9])_(name|channel)$")
_DOMAIN_FIELD = re.compile(r"^domain_[0-9]{1,3}$")
_MAX_KEY = 100


@dataclass(frozen=True)
class SetupClick:
    """Save on the set-up form: the version it showed, its rows' keys (None for a new row) and
    what was in its inputs."""

    based_on: int
    rows: tuple[str | None, ...]
    inputs: Mapping[str, str]


def encode_setup(based_on: int, rows: tuple[str | None, ...]) -> dict[str, Any]:
    return _data(SETUP_SAVE, based_on=based_on, rows=list(rows))


def _setup_input(name: str) -> bool:
    row = _ROW_FIELD.match(name)
    if row:
        return int(row.group(1)) < form.MAX_SUBGROUPS
    return name in _SETUP_FIELDS or bool(_DOMAIN_FIELD.match(name))


def decode_setup(verb: object, data: object) -> SetupClick | None:
    """Save's data and inputs, or None if the set-up form did not make them."""
    if verb != SETUP_SAVE or not isinstance(data, Mapping):
        return None
    based_on, rows = data.get("based_on"), data.get("rows")
    if data.get("codec") != CODEC_VERSION or data.get("verb") != verb:
        return None
    if type(based_on) is not int or not 0 <= based_on < _MAX_ID:
        return None
    if not isinstance(rows, list) or len(rows) > form.MAX_SUBGROUPS:
        return None
    if not all(r is None or (isinstance(r, str) and 0 < len(r) <= _MAX_KEY) for r in rows):
        return None
    extra = {k: v for k, v in data.items() if k not in _SETUP_KEYS}
    if not all(isinstance(k, str) and _setup_input(k) for k in extra):
        return None
    if not all(isinstance(v, str) and len(v) <= _MAX_INPUT for v in extra.values()):
        return None
    return SetupClick(based_on, tuple(rows), {k: str(v) for k, v in extra.items()})

"""The fields we read from Slack's payloads, parsed once at the edge."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from bot.domain.consensus import Choice

_BUTTON_VALUE = re.compile(r"^(\d{1,12}):(\d{1,12})$")
_MODAL_METADATA = re.compile(r"^(\d{1,12}):(\d{1,12}):([A-Z0-9]{1,40})$")
_ACTION_TS = re.compile(r"^(\d{1,10})(?:\.(\d{1,6}))?$")


class _Payload(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class SlashCommand(_Payload):
    user_id: str
    channel_id: str = ""
    text: str = ""
    trigger_id: str = ""


class SlackUser(_Payload):
    id: str


class SlackChannel(_Payload):
    id: str


class SlackAction(_Payload):
    action_id: str
    value: str = ""
    block_id: str = ""
    action_ts: str = ""  # when the click was made, "1712345678.123456"


class SlackContainer(_Payload):
    message_ts: str | None = None


class BlockActions(_Payload):
    user: SlackUser
    channel: SlackChannel | None = None
    trigger_id: str = ""
    actions: list[SlackAction]
    container: SlackContainer | None = None

    @property
    def action(self) -> SlackAction:
        return self.actions[0]

    @property
    def clicked_at(self) -> datetime | None:
        """When the click was made (its action_ts), if Slack said."""
        return parse_action_ts(self.action.action_ts)

    @property
    def message_ts(self) -> str | None:
        """The message the button was clicked in."""
        return self.container.message_ts if self.container else None


class SlackView(_Payload):
    callback_id: str
    private_metadata: str = ""
    state: dict[str, Any] = {}


class ViewSubmission(_Payload):
    user: SlackUser
    view: SlackView

    def input_value(self, block_id: str, action_id: str) -> str:
        values = self.view.state.get("values", {})
        field = values.get(block_id, {}).get(action_id, {})
        value = field.get("value") if isinstance(field, dict) else None
        return value if isinstance(value, str) else ""

    def _field(self, block_id: str, action_id: str) -> dict[str, Any]:
        field = self.view.state.get("values", {}).get(block_id, {}).get(action_id, {})
        return field if isinstance(field, dict) else {}

    def selected_value(self, block_id: str, action_id: str) -> str:
        """A static select's chosen option's value ("" if none)."""
        option = self._field(block_id, action_id).get("selected_option")
        value = option.get("value") if isinstance(option, dict) else None
        return value if isinstance(value, str) else ""

    def selected_date(self, block_id: str, action_id: str) -> str:
        """A datepicker's date, "YYYY-MM-DD" ("" if none)."""
        value = self._field(block_id, action_id).get("selected_date")
        return value if isinstance(value, str) else ""


class AppHomeOpened(_Payload):
    user: str
    tab: str = "home"


@dataclass(frozen=True)
class QuestionRef:
    round_id: int
    round_question_id: int


def parse_button_value(value: str) -> QuestionRef | None:
    """A vote or comment button's value: '<round id>:<round question id>'."""
    match = _BUTTON_VALUE.match(value)
    return QuestionRef(int(match.group(1)), int(match.group(2))) if match else None


def parse_vote_choice(action_id: str, prefix: str) -> Choice | None:
    try:
        return Choice(action_id.removeprefix(prefix))
    except ValueError:
        return None


@dataclass(frozen=True)
class CommentModalRef:
    question: QuestionRef
    channel_id: str


def parse_modal_metadata(metadata: str) -> CommentModalRef | None:
    match = _MODAL_METADATA.match(metadata)
    if not match:
        return None
    return CommentModalRef(QuestionRef(int(match.group(1)), int(match.group(2))), match.group(3))


# What each kind of request must carry for a listener to read it.
_SHAPES: dict[str, type[_Payload]] = {
    "command": SlashCommand,
    "block_actions": BlockActions,
    "view_submission": ViewSubmission,
}


def request_kind(body: dict[str, Any]) -> str | None:
    """'command', 'ssl_check', the interaction's or envelope's `type`, or None if none."""
    for marker in ("command", "ssl_check"):
        if marker in body:
            return marker
    kind = body.get("type")
    return kind if isinstance(kind, str) and kind else None


def shape_problem(body: dict[str, Any]) -> list[str] | None:
    """The fields a request lacks (or has in the wrong form), or None if it can be read.
    Only field names: never a value."""
    kind = request_kind(body)
    if kind is None:
        return ["type"]
    if kind == "event_callback":
        event = body.get("event")
        ok = isinstance(event, dict) and isinstance(event.get("type"), str)
        return None if ok else ["event"]
    model = _SHAPES.get(kind)
    if model is None:
        return None
    try:
        parsed = model.model_validate(body)
    except ValidationError as exc:
        return sorted({".".join(str(p) for p in e["loc"]) or "body" for e in exc.errors()})
    if isinstance(parsed, BlockActions) and not parsed.actions:
        return ["actions"]
    return None


def parse_action_ts(value: str) -> datetime | None:
    """Slack's action_ts ("1712345678.123456", seconds since 1970) as an exact UTC time; None if
    missing or malformed."""
    match = _ACTION_TS.match(value)
    if not match:
        return None
    micros = int((match.group(2) or "0").ljust(6, "0"))
    return datetime.fromtimestamp(int(match.group(1)), UTC) + timedelta(microseconds=micros)

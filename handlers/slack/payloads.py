"""The fields we read from Slack's payloads, parsed once at the edge."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

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
    SetupSubmission,
    SetupValues,
    SubgroupRow,
    subgroup_field,
)
from handlers.slack.codec import NAMED, SetupFormRef, decode_row, setup_action_id

_ACTION_TS = re.compile(r"^(\d{1,10})(?:\.(\d{1,6}))?$")
_DOMAIN_FIELD = re.compile(r"^domain_(\d{1,3})$")
DIRECT_CHANNEL_PREFIX = "D"  # a direct chat's channel id starts so


class _Payload(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class SlashCommand(_Payload):
    user_id: str
    channel_id: str = ""
    text: str = ""
    trigger_id: str = ""

    @property
    def where(self) -> str | None:
        """The channel the command was typed in; None in a direct chat with the app."""
        if not self.channel_id or self.channel_id.startswith(DIRECT_CHANNEL_PREFIX):
            return None
        return self.channel_id


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
    blocks: list[Any] = []

    def input_block_ids(self) -> set[str]:
        """The block_ids of the view's input blocks (where errors can be shown)."""
        return {
            str(block.get("block_id"))
            for block in self.blocks
            if isinstance(block, dict) and block.get("type") == "input"
        }


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

    def selected_conversation(self, block_id: str, action_id: str) -> str | None:
        """A conversations_select's channel id (None if none)."""
        value = self._field(block_id, action_id).get("selected_conversation")
        return value if isinstance(value, str) and value else None

    def selected_users(self, block_id: str, action_id: str) -> tuple[str, ...]:
        """A multi_users_select's user ids, in order, once each."""
        value = self._field(block_id, action_id).get("selected_users")
        users = value if isinstance(value, list) else []
        return tuple(dict.fromkeys(u for u in users if isinstance(u, str) and u))

    def field_names(self) -> list[str]:
        """The block_ids the submitted state has values for."""
        values = self.view.state.get("values", {})
        return [str(name) for name in values] if isinstance(values, dict) else []


class AnyRequest(_Payload):
    """What the error handler reads of any request, whatever its shape (so it cannot fail)."""

    type: Any = None
    response_url: Any = None


class AppHomeOpened(_Payload):
    user: str
    tab: str = "home"


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


def read_setup(submission: ViewSubmission, ref: SetupFormRef) -> SetupSubmission:
    """The set-up modal's state as the core's SetupSubmission (block_id: the field's name;
    action_id: with the version shown; the rows' keys and that version from the
    private_metadata)."""

    def text(name: str) -> str:
        return submission.input_value(name, setup_action_id(name, ref.based_on))

    def chosen(name: str) -> str:
        return submission.selected_value(name, setup_action_id(name, ref.based_on))

    def channel(name: str) -> str | None:
        return submission.selected_conversation(name, setup_action_id(name, ref.based_on))

    rows = tuple(
        SubgroupRow(
            key,
            text(subgroup_field(number, "name")),
            channel(subgroup_field(number, "channel")),
        )
        for number, key in enumerate(ref.keys)
    )
    assignments: dict[int, int | None] = {}
    for name in submission.field_names():
        match = _DOMAIN_FIELD.match(name)
        if match:
            assignments[int(match.group(1))] = decode_row(chosen(name))
    values = SetupValues(
        board_name=text(FIELD_BOARD_NAME),
        board_channel=channel(FIELD_BOARD_CHANNEL),
        chairs=submission.selected_users(FIELD_CHAIRS, setup_action_id(FIELD_CHAIRS, ref.based_on)),
        subgroups=rows,
        assignments=assignments,
        framework=chosen(FIELD_FRAMEWORK),
        deadline=text(FIELD_DEADLINE),
        remind_before=text(FIELD_REMIND_BEFORE),
        revote_deadline=text(FIELD_REVOTE_DEADLINE),
        quorum=text(FIELD_QUORUM),
        agree_share=text(FIELD_AGREE_SHARE),
        max_spread=chosen(FIELD_MAX_SPREAD),
        anonymous=chosen(FIELD_ANONYMOUS) != NAMED,
    )
    return SetupSubmission(ref.based_on, values)

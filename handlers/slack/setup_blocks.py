"""The set-up modal in Block Kit, drawn from the core's SetupFormView.

Every input's block_id is the form's field name (bot/views/setup.py), so the problems the
core keys by field go beside their fields as ``response_action: errors``; its action_id adds
the version shown (see ``setup_action_id``). The
version shown, the rows' keys and the channel the form was opened from ride in the view's
private_metadata (handlers/slack/codec.py). Typed text (the board's and sub-groups' names)
only ever goes into plain-text fields here, as plain_member gives it; the few mrkdwn lines
render the core's text parts, typed ones escaped."""

from __future__ import annotations

from typing import Any

from bot.domain.text import ChannelLink
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
    SetupValues,
    SubgroupRow,
    domain_field,
    subgroup_field,
)
from handlers.slack.block_kit import Block, context, header, plain, section, truncate
from handlers.slack.codec import (
    NAMED,
    SECRET,
    SetupFormRef,
    encode_row,
    encode_setup_form,
    setup_action_id,
)
from handlers.slack.member_text import inline, plain_member
from handlers.slack.text import render

SETUP_CALLBACK = "setup_submit"
MAX_OPTION_TEXT = 75
MAX_LABEL = 2000
MAX_NAME = 80  # a sub-group's name, as the command `use this channel for NAME` allows
MAX_BOARD_NAME = 150
CHANNELS = {"include": ["public", "private"], "exclude_bot_users": True}
SPREADS = ("0", "1", "2", "3")
ANONYMITY = (
    (SECRET, "Secret: nobody sees who gave which grade"),
    (NAMED, "Secret while voting, then named when a question closes"),
)
FIRST_RUN = (
    "You are setting this board up for the first time. When you save, you become its first "
    "chair; pick others under Chairs now, or later with the same command."
)
INVITE = (
    "The app still needs to be added to {channels}: they are private, so someone in each "
    "opens the channel's details, then Integrations, then Add apps. Public channels are "
    "joined by the app when you save."
)


def text_input(field: str, label: str, initial: str, max_length: int, hint: str = "") -> Block:
    block: Block = {
        "type": "input",
        "block_id": field,
        "label": plain(label, MAX_LABEL),
        "element": {
            "type": "plain_text_input",
            "action_id": field,
            "max_length": max_length,
            **({"initial_value": plain_member(initial)[:max_length]} if initial else {}),
        },
    }
    if hint:
        block["hint"] = plain(hint, MAX_LABEL)
    return block


def select_input(
    field: str, label: str, options: list[tuple[str, str]], initial: str | None, hint: str = ""
) -> Block:
    """A static_select (``options``: value, text); ``initial`` pre-chosen when it is one."""
    choices = [
        {"text": {"type": "plain_text", "text": text, "emoji": False}, "value": value}
        for value, text in options
    ]
    element: dict[str, Any] = {
        "type": "static_select",
        "action_id": field,
        "placeholder": plain("Choose", 150),
        "options": choices,
    }
    chosen = next((c for c in choices if c["value"] == initial), None)
    if chosen is not None:
        element["initial_option"] = chosen
    block: Block = {
        "type": "input",
        "block_id": field,
        "label": plain(label, MAX_LABEL),
        "element": element,
    }
    if hint:
        block["hint"] = plain(hint, MAX_LABEL)
    return block


def channel_input(field: str, label: str, initial: str | None, optional: bool = False) -> Block:
    element: dict[str, Any] = {
        "type": "conversations_select",
        "action_id": field,
        "placeholder": plain("Pick a channel", 150),
        "filter": dict(CHANNELS),
    }
    if initial:
        element["initial_conversation"] = initial
    return {
        "type": "input",
        "block_id": field,
        "optional": optional,
        "label": plain(label, MAX_LABEL),
        "element": element,
    }


def option_text(text: str) -> str:
    return truncate(plain_member(text).replace("\n", " "), MAX_OPTION_TEXT)


def row_label(number: int, row: SubgroupRow) -> str:
    """A sub-group row as an option: its position and name ("2. Participation")."""
    name = row.name.strip()
    return option_text(f"{number + 1}. {name}" if name else f"{number + 1}. (row {number + 1})")


def render_setup_modal(form: SetupFormView, channel_id: str | None) -> dict[str, Any]:
    """The modal for ``form``, answering in ``channel_id`` (None: a direct chat) once saved."""
    values = form.values
    ref = SetupFormRef(form.based_on, tuple(row.key for row in values.subgroups), channel_id)
    blocks = [
        *intro_blocks(form),
        text_input(FIELD_BOARD_NAME, "Board name", values.board_name, MAX_BOARD_NAME),
        channel_input(
            FIELD_BOARD_CHANNEL, "Board channel (summaries go here)", values.board_channel
        ),
        chairs_input(values),
        header("Sub-groups"),
        context("Each sub-group votes in its own channel. Leave a row empty if it is not needed."),
        *subgroup_blocks(values),
        header("Who grades each domain"),
        *domain_blocks(form),
        *settings_blocks(form),
    ]
    for block in blocks:
        if block["type"] == "input":
            block["element"]["action_id"] = setup_action_id(block["block_id"], form.based_on)
    return {
        "type": "modal",
        "callback_id": SETUP_CALLBACK,
        "private_metadata": encode_setup_form(ref),
        "title": plain("Board set-up", 24),
        "submit": plain("Save", 24),
        "close": plain("Cancel", 24),
        "blocks": blocks,
    }


def intro_blocks(form: SetupFormView) -> list[Block]:
    blocks: list[Block] = []
    if form.notice:
        blocks.append(section(f":warning: {render(form.notice)}"))
    if form.first_run:
        blocks.append(section(FIRST_RUN))
    if form.problems:
        lines = "\n".join(f"• {inline(problem)}" for problem in form.problems.values())
        blocks.append(section(f"*Nothing was saved.* Please fix:\n{lines}"))
    if form.needs_invite:
        channels = ", ".join(render(ChannelLink(channel)) for channel in form.needs_invite)
        blocks.append(context(INVITE.format(channels=channels)))
    return blocks


def chairs_input(values: SetupValues) -> Block:
    element: dict[str, Any] = {
        "type": "multi_users_select",
        "action_id": FIELD_CHAIRS,
        "placeholder": plain("Pick the chairs", 150),
    }
    if values.chairs:
        element["initial_users"] = list(values.chairs)
    return {
        "type": "input",
        "block_id": FIELD_CHAIRS,
        "label": plain("Chairs (they can change these settings)", MAX_LABEL),
        "element": element,
    }


def subgroup_blocks(values: SetupValues) -> list[Block]:
    blocks: list[Block] = []
    for number, row in enumerate(values.subgroups):
        name = text_input(
            subgroup_field(number, "name"), f"Sub-group {number + 1}: name", row.name, MAX_NAME
        )
        name["optional"] = True
        blocks.append(name)
        blocks.append(
            channel_input(
                subgroup_field(number, "channel"),
                f"Sub-group {number + 1}: its channel",
                row.channel,
                optional=True,
            )
        )
    return blocks


def domain_blocks(form: SetupFormView) -> list[Block]:
    rows = [
        (encode_row(number), row_label(number, row))
        for number, row in enumerate(form.values.subgroups)
    ]
    return [
        select_input(
            domain_field(domain.number),
            f"Domain {domain.number}: {plain_member(domain.title)}",
            rows,
            None if domain.subgroup_row is None else encode_row(domain.subgroup_row),
        )
        for domain in form.domains
    ]


def settings_blocks(form: SetupFormView) -> list[Block]:
    values = form.values
    frameworks = [(name, option_text(title or name)) for name, title in form.frameworks]
    return [
        header("Framework and voting"),
        select_input(
            FIELD_FRAMEWORK, "Framework (the questions asked)", frameworks, values.framework
        ),
        text_input(
            FIELD_DEADLINE,
            "How long a round is open",
            values.deadline,
            12,
            "A number and d, h or m: 7d is a week.",
        ),
        text_input(
            FIELD_REMIND_BEFORE,
            "Remind those who have not voted, this long before",
            values.remind_before,
            12,
        ),
        text_input(FIELD_REVOTE_DEADLINE, "How long a re-vote is open", values.revote_deadline, 12),
        text_input(
            FIELD_QUORUM,
            "Quorum: % of the sub-group who must vote",
            values.quorum,
            4,
            "From 1 to 100.",
        ),
        text_input(
            FIELD_AGREE_SHARE,
            "Agreement: % of the grades cast that must agree",
            values.agree_share,
            4,
            "From 1 to 100.",
        ),
        select_input(
            FIELD_MAX_SPREAD,
            "Spread: how many grades apart two votes may be and still agree",
            [(spread, spread) for spread in SPREADS],
            values.max_spread,
        ),
        radio_input(values.anonymous),
    ]


def radio_input(anonymous: bool) -> Block:
    options = [
        {"text": {"type": "plain_text", "text": text, "emoji": False}, "value": value}
        for value, text in ANONYMITY
    ]
    return {
        "type": "input",
        "block_id": FIELD_ANONYMOUS,
        "label": plain("Votes", MAX_LABEL),
        "element": {
            "type": "radio_buttons",
            "action_id": FIELD_ANONYMOUS,
            "options": options,
            "initial_option": options[0] if anonymous else options[1],
        },
    }

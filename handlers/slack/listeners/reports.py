"""The action plan: the `Add action` button and its modal."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.services.context import STALE_BUTTON
from bot.services.reporting import Reporting
from bot.views.reply import Reply, refuse
from handlers.slack.blocks import render_reply
from handlers.slack.listeners.replies import send_private
from handlers.slack.payloads import BlockActions, ViewSubmission
from handlers.slack.report_blocks import (
    ACTION_BLOCK,
    ACTION_CALLBACK,
    ACTION_INPUT,
    ADD_ACTION,
    DUE_BLOCK,
    DUE_INPUT,
    FIELD_BLOCKS,
    OWNER_BLOCK,
    OWNER_INPUT,
    PRIORITY_BLOCK,
    PRIORITY_INPUT,
    render_action_modal,
    render_action_prompt,
)

_QUESTION = re.compile(r"^\d{1,12}$")
_METADATA = re.compile(r"^(\d{1,12}):([A-Z0-9]{1,40})(?::(\d{1,12}\.\d{1,9}))?$")


def register(app: App, reporting: Reporting) -> None:
    @app.action(ADD_ACTION)
    def add_action(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        click = BlockActions.model_validate(body)
        if not _QUESTION.match(click.action.value) or click.channel is None:
            send_private(respond, refuse(STALE_BUTTON))
            return
        form = reporting.action_form(click.user.id, int(click.action.value))
        if isinstance(form, Reply):
            send_private(respond, form)
            return
        modal = render_action_modal(form, click.channel.id, click.message_ts)
        client.views_open(trigger_id=click.trigger_id, view=modal)

    @app.view(ACTION_CALLBACK)
    def submit_action(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        submission = ViewSubmission.model_validate(body)
        metadata = _METADATA.match(submission.view.private_metadata)
        if metadata is None:
            ack(response_action="errors", errors={ACTION_BLOCK: STALE_BUTTON})
            return
        outcome = reporting.add_action(
            submission.user.id,
            int(metadata.group(1)),
            submission.input_value(ACTION_BLOCK, ACTION_INPUT),
            submission.selected_value(PRIORITY_BLOCK, PRIORITY_INPUT),
            submission.input_value(OWNER_BLOCK, OWNER_INPUT),
            submission.selected_date(DUE_BLOCK, DUE_INPUT),
        )
        if outcome.is_refusal:
            field = FIELD_BLOCKS[outcome.field or "form"]
            ack(response_action="errors", errors={field: outcome.text})
            return
        ack()
        channel, prompt_ts = metadata.group(2), metadata.group(3)
        confirmation = render_reply(outcome)  # the owner, as typed, escaped like all member text
        client.chat_postEphemeral(
            channel=channel,
            user=submission.user.id,
            text=confirmation.text,
            blocks=confirmation.blocks,
        )
        prompt = reporting.action_prompt_for(int(metadata.group(1))) if prompt_ts else None
        if prompt is not None:  # show the new action under its question
            message = render_action_prompt(prompt)
            client.chat_update(
                channel=channel, ts=prompt_ts, text=message.text, blocks=message.blocks
            )

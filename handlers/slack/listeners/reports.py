"""The action plan: the `Add action` button and its modal."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.services.context import STALE_BUTTON
from bot.services.reporting import Reporting
from bot.views.reply import Reply, refuse
from handlers.slack.codec import decode_action_form, decode_action_question
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
from handlers.slack.surfaces import open_modal, post_private, send_private, update_message
from handlers.slack.text import render_plain


def register(app: App, reporting: Reporting) -> None:
    @app.action(ADD_ACTION)
    def add_action(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        click = BlockActions.model_validate(body)
        question = decode_action_question(click.action.value)
        if question is None or click.channel is None:
            send_private(respond, refuse(STALE_BUTTON))
            return
        form = reporting.action_form(click.user.id, question)
        if isinstance(form, Reply):
            send_private(respond, form)
            return
        modal = render_action_modal(form, click.channel.id, click.message_ts)
        open_modal(client, click.trigger_id, modal)

    @app.view(ACTION_CALLBACK)
    def submit_action(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        submission = ViewSubmission.model_validate(body)
        ref = decode_action_form(submission.view.private_metadata)
        if ref is None:
            ack(response_action="errors", errors={ACTION_BLOCK: render_plain(STALE_BUTTON)})
            return
        outcome = reporting.add_action(
            submission.user.id,
            ref.round_question_id,
            submission.input_value(ACTION_BLOCK, ACTION_INPUT),
            submission.selected_value(PRIORITY_BLOCK, PRIORITY_INPUT),
            submission.input_value(OWNER_BLOCK, OWNER_INPUT),
            submission.selected_date(DUE_BLOCK, DUE_INPUT),
        )
        if outcome.is_refusal:
            field = FIELD_BLOCKS[outcome.field or "form"]
            ack(response_action="errors", errors={field: render_plain(outcome.text)})
            return
        ack()
        # the owner, as typed, escaped like all member text
        post_private(client, ref.channel_id, submission.user.id, outcome)
        prompt = reporting.action_prompt_for(ref.round_question_id) if ref.prompt_ts else None
        if prompt is not None and ref.prompt_ts:  # show the new action under its question
            update_message(client, ref.channel_id, ref.prompt_ts, render_action_prompt(prompt))

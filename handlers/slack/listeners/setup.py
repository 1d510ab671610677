"""Set-up: `/assess setup` opens the modal; its submission is answered once it is saved (or with
what is wrong beside the fields, or with the settings another chair saved meanwhile)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import structlog
from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services.setup import SetupUseCases
from bot.views.reply import Reply, refuse
from bot.views.setup import FIELD_BOARD_NAME, SetupFormView
from handlers.slack.codec import decode_setup_form
from handlers.slack.payloads import SlashCommand, ViewSubmission, read_setup
from handlers.slack.setup_blocks import SETUP_CALLBACK, render_setup_modal
from handlers.slack.surfaces import open_modal, send_private, tell_chair, update_modal
from handlers.slack.text import render_plain

log = structlog.get_logger(__name__)

STALE_FORM = "This form is out of date: close it and open the set-up again."
NOT_OPENED = "The set-up form could not be opened in time: please try again."


def open_setup(
    setup: SetupUseCases, command: SlashCommand, client: WebClient, respond: Respond
) -> None:
    """The set-up modal, opened with the command's trigger_id (it lasts 3 s), or why not; the
    channels that still need the app are asked of Slack after it opens, and shown then."""
    form = setup.open_form(command.user_id, command.where, check_channels=False)
    if isinstance(form, Reply):
        send_private(respond, form)
        return
    try:
        opened = open_modal(client, command.trigger_id, render_setup_modal(form, command.where))
    except SlackApiError as exc:
        log.warning("setup_form_not_opened", error=str(exc.response.get("error")))
        send_private(respond, refuse(NOT_OPENED))
        return
    invite = setup.needs_invite(form.values)
    if invite:  # inputs keep what was typed meanwhile: their block_ids do not change
        shown = render_setup_modal(replace(form, needs_invite=invite), command.where)
        update_modal(client, opened, shown)


def answer(form: SetupFormView, submission: ViewSubmission, channel: str | None) -> dict[str, Any]:
    """How to answer a submission the core sent back: the problems beside their fields when
    every one has its field in the modal, else the modal drawn again (the settings now in
    force, or the problems listed above the fields)."""
    fields = submission.view.input_block_ids()
    if form.notice is None and form.problems and set(form.problems) <= fields:
        errors = {name: render_plain(problem) for name, problem in form.problems.items()}
        return {"response_action": "errors", "errors": errors}
    return {"response_action": "update", "view": render_setup_modal(form, channel)}


def register(app: App, setup: SetupUseCases) -> None:
    @app.view(SETUP_CALLBACK)
    def submit_setup(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        submission = ViewSubmission.model_validate(body)
        ref = decode_setup_form(submission.view.private_metadata)
        if ref is None:
            ack(response_action="errors", errors={FIELD_BOARD_NAME: STALE_FORM})
            return
        user = submission.user.id
        outcome = setup.save(user, read_setup(submission, ref))
        if isinstance(outcome, SetupFormView):
            ack(**answer(outcome, submission, ref.channel_id))
            return
        if outcome.is_refusal:
            ack(response_action="errors", errors={FIELD_BOARD_NAME: render_plain(outcome.text)})
            return
        ack()  # the new settings are committed; the modal closes
        tell_chair(client, ref.channel_id, user, outcome)

"""Buttons on a question (a grade, Don't know, Comment) and on a flagged question's thread
(Re-vote, Decide)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.services.context import STALE_BUTTON
from bot.services.facilitator import Facilitator
from bot.views.reply import Reply, finish, refuse
from handlers.slack.codec import VOTE_ACTIONS, decode_question, decode_vote_choice
from handlers.slack.discussion_blocks import DECIDE_ACTION, REVOTE_ACTION
from handlers.slack.form_blocks import render_comment_modal, render_decision_modal
from handlers.slack.payloads import BlockActions
from handlers.slack.round_blocks import COMMENT_ACTION
from handlers.slack.surfaces import open_modal, send_private

Form = TypeVar("Form")


def register(app: App, facilitator: Facilitator) -> None:
    # A click that changes something is answered (ack) only once the change is stored: Slack
    # takes the answer as delivery and never sends the click again. What follows the change
    # (a redraw, a closing, the private reply) comes after the answer.
    @app.action(VOTE_ACTIONS)
    def vote(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        click = BlockActions.model_validate(body)
        ref = decode_question(click.action.value)
        choice = decode_vote_choice(click.action.action_id)
        if ref is None or choice is None:
            ack()
            send_private(respond, refuse(STALE_BUTTON))
            return
        outcome = facilitator.cast_vote(
            click.user.id, ref.round_id, ref.round_question_id, choice, click.clicked_at
        )
        ack()
        send_private(respond, finish(outcome))

    @app.action(COMMENT_ACTION)
    def comment(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()  # only opens a form: nothing to store, and views.open wants the trigger_id soon
        open_form(body, client, respond, facilitator.comment_form, render_comment_modal)

    @app.action(REVOTE_ACTION)
    def revote(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        click = BlockActions.model_validate(body)
        ref = decode_question(click.action.value)
        if ref is None:
            ack()
            send_private(respond, refuse(STALE_BUTTON))
            return
        outcome = facilitator.open_revote(click.user.id, ref.round_id, ref.round_question_id)
        ack()
        send_private(respond, finish(outcome))

    @app.action(DECIDE_ACTION)
    def decide(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()  # only opens a form
        open_form(body, client, respond, facilitator.decision_form, render_decision_modal)


def open_form(
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
    make_form: Callable[[str, int, int], Form | Reply],
    render: Callable[[Form, str], dict[str, Any]],
) -> None:
    """Open the modal a button asks for, or tell the clicker privately why not."""
    click = BlockActions.model_validate(body)
    ref = decode_question(click.action.value)
    if ref is None or click.channel is None:
        send_private(respond, refuse(STALE_BUTTON))
        return
    form = make_form(click.user.id, ref.round_id, ref.round_question_id)
    if isinstance(form, Reply):
        send_private(respond, form)
        return
    open_modal(client, click.trigger_id, render(form, click.channel.id))

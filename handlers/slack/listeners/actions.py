"""Buttons on a question (a grade, Don't know, Comment) and on a flagged question's thread
(Re-vote, Decide)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.services.context import STALE_BUTTON
from bot.services.facilitator import Facilitator
from bot.views.reply import Reply, finish, refuse
from handlers.slack.blocks import (
    COMMENT_ACTION,
    DECIDE_ACTION,
    REVOTE_ACTION,
    VOTE_ACTION_PREFIX,
    render_comment_modal,
    render_decision_modal,
)
from handlers.slack.listeners.replies import send_private
from handlers.slack.payloads import BlockActions, parse_button_value, parse_vote_choice

Form = TypeVar("Form")

VOTE_ACTIONS = re.compile(rf"^{VOTE_ACTION_PREFIX}(1|2|3|4|dont_know)$")


def register(app: App, facilitator: Facilitator) -> None:
    # A click that changes something is answered (ack) only once the change is stored: Slack
    # takes the answer as delivery and never sends the click again. What follows the change
    # (a redraw, a closing, the private reply) comes after the answer.
    @app.action(VOTE_ACTIONS)
    def vote(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        click = BlockActions.model_validate(body)
        ref = parse_button_value(click.action.value)
        choice = parse_vote_choice(click.action.action_id, VOTE_ACTION_PREFIX)
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
        ref = parse_button_value(click.action.value)
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
    ref = parse_button_value(click.action.value)
    if ref is None or click.channel is None:
        send_private(respond, refuse(STALE_BUTTON))
        return
    form = make_form(click.user.id, ref.round_id, ref.round_question_id)
    if isinstance(form, Reply):
        send_private(respond, form)
        return
    client.views_open(trigger_id=click.trigger_id, view=render(form, click.channel.id))

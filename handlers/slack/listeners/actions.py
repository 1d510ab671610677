"""Buttons on a question: a grade, Don't know, or Comment."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.services import STALE_BUTTON, Facilitator, refuse
from bot.views import Reply
from handlers.slack.blocks import COMMENT_ACTION, VOTE_ACTION_PREFIX, render_comment_modal
from handlers.slack.listeners.replies import send_private
from handlers.slack.payloads import BlockActions, parse_button_value, parse_vote_choice

VOTE_ACTIONS = re.compile(rf"^{VOTE_ACTION_PREFIX}(1|2|3|4|dont_know)$")


def register(app: App, facilitator: Facilitator) -> None:
    @app.action(VOTE_ACTIONS)
    def vote(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        click = BlockActions.model_validate(body)
        ref = parse_button_value(click.action.value)
        choice = parse_vote_choice(click.action.action_id, VOTE_ACTION_PREFIX)
        if ref is None or choice is None:
            send_private(respond, refuse(STALE_BUTTON))
            return
        reply = facilitator.record_vote(click.user.id, ref.round_id, ref.round_question_id, choice)
        send_private(respond, reply)

    @app.action(COMMENT_ACTION)
    def comment(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        click = BlockActions.model_validate(body)
        ref = parse_button_value(click.action.value)
        if ref is None or click.channel is None:
            send_private(respond, refuse(STALE_BUTTON))
            return
        form = facilitator.comment_form(click.user.id, ref.round_id, ref.round_question_id)
        if isinstance(form, Reply):
            send_private(respond, form)
            return
        client.views_open(
            trigger_id=click.trigger_id, view=render_comment_modal(form, click.channel.id)
        )

"""Sending a private reply (ephemeral) to whoever acted."""

from __future__ import annotations

from slack_bolt import Respond

from bot.views import Reply
from handlers.slack.blocks import render_reply


def send_private(respond: Respond, reply: Reply) -> None:
    message = render_reply(reply)
    respond(
        text=message.text,
        blocks=message.blocks,
        response_type="ephemeral",
        replace_original=False,
    )

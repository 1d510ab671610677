"""Sending a private reply (ephemeral) to whoever acted."""

from __future__ import annotations

import structlog
from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.views.reply import Reply
from handlers.slack.blocks import render_reply

log = structlog.get_logger(__name__)


def send_private(respond: Respond, reply: Reply) -> None:
    message = render_reply(reply)
    respond(
        text=message.text,
        blocks=message.blocks,
        response_type="ephemeral",
        replace_original=False,
    )


def tell_privately(client: WebClient, channel_id: str, user_id: str, text: str) -> None:
    """A private note in the channel (ephemeral); by direct message if Slack refuses that (say
    the person is not a member of the channel)."""
    try:
        client.chat_postEphemeral(channel=channel_id, user=user_id, text=text)
    except SlackApiError as exc:
        log.info("ephemeral_refused_sending_dm", error=str(exc.response.get("error")))
        client.chat_postMessage(channel=user_id, text=text)

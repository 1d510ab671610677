"""Every Slack call a listener makes, in one place: a private reply to whoever acted, a private
note in a channel, a modal, the Home tab and the redraw of a message. Listeners parse, call the
core, ack, then use these."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import structlog
from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.views.reply import Reply
from handlers.slack.block_kit import SlackMessage
from handlers.slack.form_blocks import render_reply
from handlers.slack.response_urls import ResponseUrls

log = structlog.get_logger(__name__)


RESPONSE_URLS = ResponseUrls()


@dataclass(frozen=True)
class OpenedModal:
    view_id: str
    hash: str


def send_private(respond: Respond, reply: Reply) -> None:
    """The reply to a command or a click, seen only by whoever made it (via response_url, over
    a kept connection: see handlers/slack/response_urls.py)."""
    message = render_reply(reply)
    payload: dict[str, Any] = {
        "text": message.text,
        "blocks": message.blocks,
        "response_type": "ephemeral",
        "replace_original": False,
    }
    if respond.response_url:
        RESPONSE_URLS.post(respond.response_url, payload)
    else:  # no response_url (a click in a modal): Bolt says why
        respond(**payload)


def tell_privately(client: WebClient, channel_id: str, user_id: str, text: str) -> None:
    """A private note in the channel (ephemeral); by direct message if Slack refuses that (say
    the person is not a member of the channel)."""
    try:
        client.chat_postEphemeral(channel=channel_id, user=user_id, text=text)
    except SlackApiError as exc:
        log.info("ephemeral_refused_sending_dm", error=str(exc.response.get("error")))
        client.chat_postMessage(channel=user_id, text=text)


def post_private(client: WebClient, channel_id: str, user_id: str, reply: Reply) -> None:
    """A reply, rendered like every private reply, as an ephemeral message in the channel."""
    message = render_reply(reply)
    client.chat_postEphemeral(
        channel=channel_id, user=user_id, text=message.text, blocks=message.blocks
    )


def tell_chair(client: WebClient, channel_id: str | None, user_id: str, reply: Reply) -> None:
    """A reply to a modal's submission: privately in the channel it was opened from, else (a
    direct chat, or a channel the app cannot post in) by direct message."""
    message = render_reply(reply)
    if channel_id is not None:
        try:
            client.chat_postEphemeral(
                channel=channel_id, user=user_id, text=message.text, blocks=message.blocks
            )
            return
        except SlackApiError as exc:
            log.info("ephemeral_refused_sending_dm", error=str(exc.response.get("error")))
    client.chat_postMessage(channel=user_id, text=message.text, blocks=message.blocks)


def open_modal(client: WebClient, trigger_id: str, view: dict[str, Any]) -> OpenedModal:
    """Open a modal; what views.update needs to draw it again."""
    response = client.views_open(trigger_id=trigger_id, view=view)
    opened = response.get("view") or {}
    return OpenedModal(str(opened.get("id", "")), str(opened.get("hash", "")))


def update_modal(client: WebClient, opened: OpenedModal, view: dict[str, Any]) -> None:
    """Draw an open modal again, unless it has changed since (the person submitted it, say:
    Slack answers hash_conflict, and the newer one stays)."""
    try:
        client.views_update(view_id=opened.view_id, hash=opened.hash, view=view)
    except SlackApiError as exc:
        log.info("modal_not_updated", error=str(exc.response.get("error")))


def publish_home(client: WebClient, user_id: str, view: dict[str, Any]) -> None:
    client.views_publish(user_id=user_id, view=view)


def update_message(client: WebClient, channel_id: str, ts: str, message: SlackMessage) -> None:
    client.chat_update(channel=channel_id, ts=ts, text=message.text, blocks=message.blocks)

"""The comment modal's submission."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.services import STALE_BUTTON, Facilitator
from handlers.slack.blocks import COMMENT_BLOCK, COMMENT_CALLBACK, COMMENT_INPUT
from handlers.slack.payloads import ViewSubmission, parse_modal_metadata


def register(app: App, facilitator: Facilitator) -> None:
    @app.view(COMMENT_CALLBACK)
    def submit_comment(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        submission = ViewSubmission.model_validate(body)
        ref = parse_modal_metadata(submission.view.private_metadata)
        if ref is None:
            ack(response_action="errors", errors={COMMENT_BLOCK: STALE_BUTTON})
            return
        reply = facilitator.add_comment(
            submission.user.id,
            ref.question.round_id,
            ref.question.round_question_id,
            submission.input_value(COMMENT_BLOCK, COMMENT_INPUT),
        )
        if reply.is_refusal:
            ack(response_action="errors", errors={COMMENT_BLOCK: reply.text})
            return
        ack()
        client.chat_postEphemeral(channel=ref.channel_id, user=submission.user.id, text=reply.text)

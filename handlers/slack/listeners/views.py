"""Modal submissions: a comment, a chair's decision. Each is answered (ack) only once it is
stored, or with the form's errors when refused."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.services.context import STALE_BUTTON
from bot.services.facilitator import Facilitator
from bot.views.reply import Reply, finish
from handlers.slack.codec import decode_form
from handlers.slack.form_blocks import (
    COMMENT_BLOCK,
    COMMENT_CALLBACK,
    COMMENT_INPUT,
    DECIDE_CALLBACK,
    DECIDE_GRADE_BLOCK,
    DECIDE_GRADE_INPUT,
    DECIDE_REASON_BLOCK,
    DECIDE_REASON_INPUT,
)
from handlers.slack.payloads import ViewSubmission
from handlers.slack.surfaces import tell_privately
from handlers.slack.text import render, render_plain


def register(app: App, facilitator: Facilitator) -> None:
    @app.view(COMMENT_CALLBACK)
    def submit_comment(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        submission = ViewSubmission.model_validate(body)
        ref = decode_form(submission.view.private_metadata)
        if ref is None:
            ack(response_action="errors", errors={COMMENT_BLOCK: render_plain(STALE_BUTTON)})
            return
        reply = facilitator.add_comment(
            submission.user.id,
            ref.question.round_id,
            ref.question.round_question_id,
            submission.input_value(COMMENT_BLOCK, COMMENT_INPUT),
        )
        if reply.is_refusal:
            ack(response_action="errors", errors={COMMENT_BLOCK: render_plain(reply.text)})
            return
        ack()
        tell_privately(client, ref.channel_id, submission.user.id, render(reply.text))

    @app.view(DECIDE_CALLBACK)
    def submit_decision(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        submission = ViewSubmission.model_validate(body)
        ref = decode_form(submission.view.private_metadata)
        if ref is None:
            ack(response_action="errors", errors={DECIDE_REASON_BLOCK: render_plain(STALE_BUTTON)})
            return
        grade = submission.selected_value(DECIDE_GRADE_BLOCK, DECIDE_GRADE_INPUT)
        if not grade.isdigit():
            ack(response_action="errors", errors={DECIDE_GRADE_BLOCK: "Choose a grade."})
            return
        outcome = facilitator.record_decision(
            submission.user.id,
            ref.question.round_id,
            ref.question.round_question_id,
            int(grade),
            submission.input_value(DECIDE_REASON_BLOCK, DECIDE_REASON_INPUT),
        )
        if isinstance(outcome, Reply) and outcome.is_refusal:
            ack(response_action="errors", errors={DECIDE_REASON_BLOCK: render_plain(outcome.text)})
            return
        ack()  # the decision is stored; the summary's update follows
        tell_privately(client, ref.channel_id, submission.user.id, render(finish(outcome).text))

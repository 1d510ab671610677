"""`/assess`: ack at once, then run the command and answer privately."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond

from bot.reporting import CommandRunner
from handlers.slack.listeners.replies import send_private
from handlers.slack.payloads import SlashCommand


def register(app: App, facilitator: CommandRunner) -> None:
    @app.command("/assess")
    def assess(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        command = SlashCommand.model_validate(body)
        send_private(respond, facilitator.run_command(command.user_id, command.text))

"""`/assess`: run the command, ack once what it changes is stored, then answer privately."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond

from bot.services.dispatch import Dispatcher
from bot.views.reply import finish
from handlers.slack.payloads import SlashCommand
from handlers.slack.surfaces import send_private


def register(app: App, dispatcher: Dispatcher) -> None:
    @app.command("/assess")
    def assess(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        command = SlashCommand.model_validate(body)
        outcome = dispatcher.command(command.user_id, command.text)
        ack()  # the change is stored; sending messages and files follows in `finish`
        send_private(respond, finish(outcome))

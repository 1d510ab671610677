"""`/assess`: run the command, ack once what it changes is stored, then answer privately.
`/assess setup` opens the set-up modal instead (handlers/slack/listeners/setup.py)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.commands import OpenSetup, parse_command
from bot.services.dispatch import Dispatcher
from bot.views.reply import finish
from handlers.slack.listeners.setup import open_setup
from handlers.slack.payloads import SlashCommand
from handlers.slack.surfaces import send_private


def register(app: App, dispatcher: Dispatcher) -> None:
    @app.command("/assess")
    def assess(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        command = SlashCommand.model_validate(body)
        setup = dispatcher.setup
        if setup is not None and isinstance(parse_command(command.text), OpenSetup):
            ack()  # opening a form stores nothing, and its trigger_id lasts 3 s
            open_setup(setup, command, client, respond)
            return
        outcome = dispatcher.command(command.user_id, command.text, command.where)
        ack()  # the change is stored; sending messages and files follows in `finish`
        send_private(respond, finish(outcome))

"""Bolt listeners, registered per area as in Bolt's starter template."""

from __future__ import annotations

from slack_bolt import App

from bot.services import Facilitator
from handlers.slack.listeners import actions, commands, errors, views


def register_listeners(app: App, facilitator: Facilitator) -> None:
    commands.register(app, facilitator)
    actions.register(app, facilitator)
    views.register(app, facilitator)
    errors.register(app)

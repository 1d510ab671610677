"""Bolt listeners, registered per area as in Bolt's starter template."""

from __future__ import annotations

from slack_bolt import App

from bot.services.dispatch import Dispatcher
from bot.services.facilitator import Facilitator
from bot.services.reporting import Reporting
from bot.services.setup import SetupUseCases
from handlers.slack.gateway import SlackGateway
from handlers.slack.listeners import actions, commands, errors, home, reports, views
from handlers.slack.listeners import setup as setup_listeners


def register_listeners(
    app: App,
    facilitator: Facilitator,
    reporting: Reporting | None = None,
    board: SlackGateway | None = None,
    setup: SetupUseCases | None = None,
) -> None:
    commands.register(app, Dispatcher(facilitator, reporting, setup))
    actions.register(app, facilitator)
    views.register(app, facilitator)
    if reporting is not None and board is not None:
        reports.register(app, reporting)
        home.register(app, reporting, board)
    if setup is not None:
        setup_listeners.register(app, setup)
    errors.register(app)

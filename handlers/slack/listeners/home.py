"""The App Home tab: drawn afresh each time someone opens it."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.services.reporting import Reporting
from handlers.slack.gateway import SlackGateway
from handlers.slack.payloads import AppHomeOpened, BlockActions
from handlers.slack.report_blocks import MARK_DONE, render_home

_ACTION_ID = re.compile(r"^\d{1,9}$")


def register(app: App, reporting: Reporting, board: SlackGateway) -> None:
    @app.event("app_home_opened")
    def home_opened(event: dict[str, Any], client: WebClient) -> None:
        opened = AppHomeOpened.model_validate(event)
        if opened.tab != "home":
            return
        view = reporting.home(opened.user)
        client.views_publish(user_id=opened.user, view=render_home(view, board.team_url()))

    @app.action(MARK_DONE)
    def mark_done(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        click = BlockActions.model_validate(body)
        value = click.action.value
        if _ACTION_ID.match(value):
            notice = reporting.mark_done(click.user.id, int(value)).text
        else:
            notice = "That button doesn't belong to an action I know about; nothing changed."
        ack()  # once it is stored; the Home tab is redrawn after
        view = reporting.home(click.user.id, notice=notice)
        client.views_publish(user_id=click.user.id, view=render_home(view, board.team_url()))

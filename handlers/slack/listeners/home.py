"""The App Home tab: drawn afresh each time someone opens it."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.reporting import Reporting
from handlers.slack.board_gateway import SlackBoardGateway
from handlers.slack.payloads import AppHomeOpened
from handlers.slack.report_blocks import render_home


def register(app: App, reporting: Reporting, board: SlackBoardGateway) -> None:
    @app.event("app_home_opened")
    def home_opened(event: dict[str, Any], client: WebClient) -> None:
        opened = AppHomeOpened.model_validate(event)
        if opened.tab != "home":
            return
        view = reporting.home(opened.user)
        client.views_publish(user_id=opened.user, view=render_home(view, board.team_url()))

"""The App Home tab: drawn afresh each time someone opens it."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.services.reporting import Reporting
from handlers.slack.codec import decode_action
from handlers.slack.gateway import SlackGateway
from handlers.slack.payloads import AppHomeOpened, BlockActions
from handlers.slack.report_blocks import MARK_DONE, render_home
from handlers.slack.surfaces import publish_home


def register(app: App, reporting: Reporting, board: SlackGateway) -> None:
    @app.event("app_home_opened")
    def home_opened(event: dict[str, Any], client: WebClient) -> None:
        opened = AppHomeOpened.model_validate(event)
        if opened.tab != "home":
            return
        view = reporting.home(opened.user)
        publish_home(client, opened.user, render_home(view, board.team_url()))

    @app.action(MARK_DONE)
    def mark_done(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        click = BlockActions.model_validate(body)
        action_id = decode_action(click.action.value)
        if action_id is not None:
            notice = reporting.mark_done(click.user.id, action_id).text
        else:
            notice = "That button doesn't belong to an action I know about; nothing changed."
        ack()  # once it is stored; the Home tab is redrawn after
        view = reporting.home(click.user.id, notice=notice)
        publish_home(client, click.user.id, render_home(view, board.team_url()))

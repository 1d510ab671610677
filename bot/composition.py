"""The composition root: the one place in bot/ that wires the core to Slack and SQLAlchemy."""

from __future__ import annotations

from dataclasses import dataclass

import structlog

from bot.clock import SystemClock
from bot.config import AppConfig, Settings, load_app_config
from bot.errors import StartupError
from bot.framework import Framework, framework_path, load_framework
from bot.refresh import CoalescingRefresher
from bot.services import Facilitator
from handlers.slack.app import WsgiApp, build_bolt_app, build_wsgi_app
from handlers.slack.gateway import SlackGateway, make_web_client
from storage.database import Engine, is_reachable, make_engine, make_session_factory, migrate
from storage.repository import SqlUnitOfWorkFactory

log = structlog.get_logger(__name__)


def check_assignments(config: AppConfig, framework: Framework, source: str) -> None:
    numbers = set(framework.domain_numbers)
    unknown = sorted(set(config.assignments) - numbers)
    if unknown:
        raise StartupError(
            f"{source}: assignments name domain(s) {unknown} but {framework.id} has domains "
            f"1-{len(framework.domains)}"
        )
    missing = sorted(numbers - set(config.assignments))
    if missing:
        raise StartupError(f"{source}: assignments has no sub-group for domain(s) {missing}")


@dataclass
class Application:
    settings: Settings
    config: AppConfig
    framework: Framework
    engine: Engine
    facilitator: Facilitator
    refresher: CoalescingRefresher
    wsgi: WsgiApp

    def healthy(self) -> bool:
        return is_reachable(self.engine)

    def close(self) -> None:
        self.refresher.stop()
        self.engine.dispose()


def build_application(settings: Settings) -> Application:
    """Load and check configuration, migrate the database and wire the app together."""
    config = load_app_config(settings.app_config_path)
    framework = load_framework(framework_path(settings.question_data_dir, config.framework))
    check_assignments(config, framework, str(settings.app_config_path))
    engine = make_engine(settings.database_url)
    try:
        migrate(engine)
    except Exception as exc:
        raise StartupError(f"could not prepare the database at {engine.url!r}: {exc}") from exc
    client = make_web_client(settings.slack_bot_token, settings.slack_api_url)
    refresher = CoalescingRefresher(settings.refresh_interval, settings.refresh_global_interval)
    facilitator = Facilitator(
        config=config,
        framework=framework,
        uow_factory=SqlUnitOfWorkFactory(make_session_factory(engine)),
        chat=SlackGateway(client),
        clock=SystemClock(),
        refresher=refresher,
    )
    try:
        bolt_app = build_bolt_app(client, settings.slack_signing_secret, facilitator)
    except Exception as exc:
        raise StartupError(
            f"Slack did not accept SLACK_BOT_TOKEN at {settings.slack_api_url} ({exc})"
        ) from exc
    refresher.start(facilitator.refresh_question)
    application = Application(
        settings=settings,
        config=config,
        framework=framework,
        engine=engine,
        facilitator=facilitator,
        refresher=refresher,
        wsgi=build_wsgi_app(bolt_app, lambda: application.healthy()),
    )
    return application

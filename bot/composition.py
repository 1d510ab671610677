"""The composition root: the one place in bot/ that wires the core to Slack, SQLAlchemy and
APScheduler."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog
from apscheduler.schedulers.background import BackgroundScheduler

from bot.clock import SystemClock
from bot.config import AppConfig, Settings
from bot.domain.framework import Framework, framework_path, load_framework
from bot.errors import StartupError
from bot.presenter import Presenter
from bot.services.delivery import Delivery
from bot.services.facilitator import Facilitator
from bot.services.follow_ups import SummaryFollowUps
from bot.services.refresh import CoalescingRefresher
from bot.services.reporting import Reporting
from handlers.files.renderer import ReportFileRenderer
from handlers.slack.app import build_bolt_app
from handlers.slack.gateway import SlackGateway, make_web_client
from handlers.slack.http import EVENTS_PATH, slack_front_end
from handlers.slack.logs import NoPayloads
from handlers.slack.settings import SlackSettings, load_slack_app_config
from handlers.web import MAX_BODY_BYTES, WsgiApp, build_web_app
from storage.database import Engine, is_reachable, make_engine, make_session_factory, migrate
from storage.unit_of_work import SqlUnitOfWorkFactory

log = structlog.get_logger(__name__)

# The largest request body served; the web server refuses a larger one before reading it.
MAX_REQUEST_BODY = MAX_BODY_BYTES
OUTBOX_JOB = "outbox"
SWEEP_JOB = "sweep"


@dataclass(frozen=True)
class AppSettings(Settings, SlackSettings):
    """The core's settings and those of the front ends chosen (Slack for now)."""

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> AppSettings:
        env = os.environ if environ is None else environ
        slack = SlackSettings.from_environment(env)
        return cls(
            slack_bot_token=slack.slack_bot_token,
            slack_signing_secret=slack.slack_signing_secret,
            slack_api_url=slack.slack_api_url,
            **Settings.values_from_environment(env),
        )


def log_filters() -> list[logging.Filter]:
    """The front ends' filters on the log (Slack's libraries print payloads below WARNING)."""
    return [NoPayloads()]


def listening_url(host: str, port: int) -> str:
    """Where the front ends take their requests, for the start-up log line."""
    return f"http://{host}:{port}{EVENTS_PATH}"


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
    settings: AppSettings
    config: AppConfig
    framework: Framework
    engine: Engine
    facilitator: Facilitator
    delivery: Delivery
    refresher: CoalescingRefresher
    scheduler: BackgroundScheduler
    wsgi: WsgiApp

    def healthy(self) -> bool:
        return is_reachable(self.engine)

    def close(self) -> None:
        self.scheduler.shutdown(wait=True)
        self.refresher.stop()
        self.engine.dispose()


def build_scheduler(
    settings: Settings, facilitator: Facilitator, delivery: Delivery
) -> BackgroundScheduler:
    """APScheduler only ticks: what is due lives in the database and is claimed there.

    Every worker can run it. Each tick sends the outbox's due messages and (unless
    SCHEDULER=off) closes rounds past their deadline and sends due reminders; the claims are
    conditional updates, so two workers, or a worker catching up after a restart, act once.
    """
    # APScheduler logs every tick ("Running job …") and every tick skipped because the last one
    # is still running: normal, and noise in our logs. Its errors still show.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    scheduler = BackgroundScheduler(
        timezone=UTC,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
    )
    now = datetime.now(UTC)
    scheduler.add_job(
        delivery.send_due,
        "interval",
        seconds=settings.outbox_interval,
        id=OUTBOX_JOB,
        next_run_time=now,
    )
    if settings.scheduler_enabled:
        scheduler.add_job(
            facilitator.sweep,
            "interval",
            seconds=settings.sweep_interval,
            id=SWEEP_JOB,
            next_run_time=now,
        )

    def send_soon() -> None:
        if scheduler.running:
            scheduler.modify_job(OUTBOX_JOB, next_run_time=datetime.now(UTC))

    delivery.on_pending = send_soon
    return scheduler


def open_database(database_url: str) -> Engine:
    """The engine, with the schema migrated to the latest revision."""
    engine = make_engine(database_url)
    try:
        migrate(engine)
    except Exception as exc:
        raise StartupError(f"could not prepare the database at {engine.url!r}: {exc}") from exc
    return engine


def build_reporting(
    config: AppConfig,
    framework: Framework,
    uow_factory: SqlUnitOfWorkFactory,
    chat: SlackGateway,
    clock: SystemClock,
) -> Reporting:
    """Cycles, the report and the action plan, drawing their files with handlers/files."""
    return Reporting(
        config=config,
        framework=framework,
        uow_factory=uow_factory,
        chat=chat,
        files=ReportFileRenderer(),
        clock=clock,
    )


def build_application(settings: AppSettings) -> Application:
    """Load and check configuration, migrate the database and wire the app together."""
    config = load_slack_app_config(settings.app_config_path)
    framework = load_framework(framework_path(settings.question_data_dir, config.framework))
    check_assignments(config, framework, str(settings.app_config_path))
    engine = open_database(settings.database_url)
    client = make_web_client(settings.slack_bot_token, settings.slack_api_url)
    chat = SlackGateway(client)
    clock = SystemClock()
    uow_factory = SqlUnitOfWorkFactory(make_session_factory(engine))
    refresher = CoalescingRefresher(settings.refresh_interval, settings.refresh_global_interval)
    delivery = Delivery(
        presenter=Presenter(config, framework),
        uow_factory=uow_factory,
        chat=chat,
        clock=clock,
        lease=timedelta(seconds=settings.outbox_lease),
        pacer=refresher,
    )
    facilitator = Facilitator(
        config=config,
        framework=framework,
        uow_factory=uow_factory,
        chat=chat,
        clock=clock,
        refresher=refresher,
        delivery=delivery,
    )
    reporting = build_reporting(config, framework, uow_factory, chat, clock)
    delivery.extensions.append(SummaryFollowUps(reporting))
    try:
        bolt_app = build_bolt_app(
            client, settings.slack_signing_secret, facilitator, reporting, chat
        )
    except Exception as exc:
        raise StartupError(
            f"Slack did not accept SLACK_BOT_TOKEN at {settings.slack_api_url} ({exc})"
        ) from exc
    refresher.start(facilitator.refresh_question)
    scheduler = build_scheduler(settings, facilitator, delivery)
    scheduler.start()
    application = Application(
        settings=settings,
        config=config,
        framework=framework,
        engine=engine,
        facilitator=facilitator,
        delivery=delivery,
        refresher=refresher,
        scheduler=scheduler,
        # the front ends chosen by configuration: Slack for now (Teams will add its own)
        wsgi=build_web_app(
            [slack_front_end(bolt_app, settings.slack_signing_secret)],
            lambda: application.healthy(),
        ),
    )
    return application

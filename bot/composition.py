"""The composition root: the one place in bot/ that wires the core to Slack, SQLAlchemy and
APScheduler."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

import structlog
from apscheduler.schedulers.background import BackgroundScheduler

from bot.clock import SystemClock
from bot.config import AppConfig, Settings, configured_platform, load_app_config
from bot.domain.framework import Framework
from bot.errors import StartupError
from bot.ports import ChatGateway
from bot.presenter import Presenter
from bot.services.configuration import ConfigInForce, FrameworkLibrary, seed_from_file
from bot.services.delivery import Delivery
from bot.services.facilitator import Facilitator
from bot.services.follow_ups import SummaryFollowUps
from bot.services.refresh import CoalescingRefresher
from bot.services.reporting import Reporting
from bot.services.setup import SetupUseCases
from handlers.files.renderer import ReportFileRenderer
from handlers.slack.app import build_bolt_app
from handlers.slack.gateway import SlackGateway, make_web_client
from handlers.slack.http import EVENTS_PATH, slack_front_end
from handlers.slack.logs import NoPayloads
from handlers.slack.settings import SlackSettings, check_slack_ids
from handlers.teams.app import TeamsChat, build_teams_chat
from handlers.teams.logs import NoTeamsPayloads
from handlers.teams.server import MESSAGES_PATH
from handlers.teams.settings import TeamsSettings
from handlers.web import MAX_BODY_BYTES, WsgiApp, build_web_app, make_wsgi_server
from storage.ballot_box import SqlBallotBox
from storage.database import Engine, is_reachable, make_engine, make_session_factory, migrate
from storage.directory import SqlDirectory
from storage.served_files import SqlFileStore
from storage.unit_of_work import SqlUnitOfWorkFactory

log = structlog.get_logger(__name__)

# The largest request body served; the web server refuses a larger one before reading it.
MAX_REQUEST_BODY = MAX_BODY_BYTES
OUTBOX_JOB = "outbox"
SLACK, TEAMS = "slack", "teams"
PLATFORMS = (SLACK, TEAMS)  # the first is served when the configuration names none
SWEEP_JOB = "sweep"


@dataclass(frozen=True)
class AppSettings(Settings):
    """The core's settings and those of the front end the configuration's `platform` names:
    only that front end's secrets are asked for."""

    slack: SlackSettings | None = None
    teams: TeamsSettings | None = None
    platform: str = SLACK

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> AppSettings:
        env = os.environ if environ is None else environ
        values = Settings.values_from_environment(env)
        platform = chosen_platform(env, values["app_config_path"])  # before asking for secrets
        if platform == TEAMS:
            teams = TeamsSettings.from_environment(env, values["port"])
            return cls(teams=teams, platform=TEAMS, **values)
        return cls(slack=SlackSettings.from_environment(env), platform=SLACK, **values)

    def slack_settings(self) -> SlackSettings:
        if self.slack is None:
            raise StartupError(
                "the configuration names platform: slack, but Slack's settings "
                "were not read (start the app again)"
            )
        return self.slack

    @property
    def slack_bot_token(self) -> str:
        return self.slack_settings().slack_bot_token

    @property
    def slack_signing_secret(self) -> str:
        return self.slack_settings().slack_signing_secret

    @property
    def slack_api_url(self) -> str:
        return self.slack_settings().slack_api_url


class Server(Protocol):
    """A web server bound to its port: ``run`` serves until ``close``."""

    effective_port: int

    def run(self) -> None: ...

    def close(self) -> None: ...


def chosen_platform(env: Mapping[str, str], config_path: Path | None) -> str:
    """The platform served: PLATFORM if set, else the one `app.yaml` names, else Teams when only
    Teams' app id is set, else Slack."""
    named = (env.get("PLATFORM") or "").strip().lower()
    if named:
        check_platform("PLATFORM", named)
        return named
    from_file = configured_platform(config_path)
    if from_file:
        check_platform(config_path, from_file)
        return from_file
    if env.get("TEAMS_APP_ID") and not env.get("SLACK_BOT_TOKEN"):
        return TEAMS
    return SLACK


def log_filters() -> list[logging.Filter]:
    """The front ends' filters on the log (Slack's and Teams' libraries print payloads below
    WARNING)."""
    return [NoPayloads(), NoTeamsPayloads()]


def listening_url(host: str, port: int, platform: str = SLACK) -> str:
    """Where the front end takes its requests, for the start-up log line."""
    return f"http://{host}:{port}{MESSAGES_PATH if platform == TEAMS else EVENTS_PATH}"


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
    in_force: ConfigInForce
    engine: Engine
    facilitator: Facilitator
    delivery: Delivery
    refresher: CoalescingRefresher
    scheduler: BackgroundScheduler
    wsgi: WsgiApp | None = None  # Slack's front end
    teams: TeamsChat | None = None  # Teams' front end

    @property
    def platform(self) -> str:
        return self.settings.platform

    @property
    def config(self) -> AppConfig:
        return self.in_force.config

    @property
    def framework(self) -> Framework:
        return self.in_force.framework

    def healthy(self) -> bool:
        return is_reachable(self.engine)

    def make_server(self, host: str, port: int, threads: int = 16) -> Server:
        """The web server for the front end chosen, bound to ``port`` (0: any free port)."""
        if self.teams is not None:
            return self.teams.server(host, port)
        assert self.wsgi is not None
        server: Server = make_wsgi_server(self.wsgi, host, port, threads)
        return server

    def close(self) -> None:
        self.scheduler.shutdown(wait=True)
        self.refresher.stop()
        if self.teams is not None:
            self.teams.close()
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
    in_force = facilitator.in_force

    def sweep() -> None:  # every worker follows a configuration another one saved
        if in_force is not None:
            in_force.refresh()
        facilitator.sweep()

    scheduler.add_job(
        delivery.send_due,
        "interval",
        seconds=settings.outbox_interval,
        id=OUTBOX_JOB,
        next_run_time=now,
    )
    if settings.scheduler_enabled:
        scheduler.add_job(
            sweep,
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


def check_platform(source: object, platform: str) -> None:
    if platform not in PLATFORMS:
        raise StartupError(
            f"{source}: platform: {platform} is not one the app serves "
            f"(use {' or '.join(PLATFORMS)})"
        )


def config_file_loader(served: str) -> Callable[[Path], AppConfig]:
    """Reads a configuration file for the platform ``served``, checking its ids' form."""

    def load(path: Path) -> AppConfig:
        config = load_app_config(path)
        platform = config.platform or SLACK
        check_platform(path, platform)
        if platform != served:
            raise StartupError(f"{path} names platform: {platform}, but this app serves {served}")
        if platform == SLACK:
            check_slack_ids(path, config)
        return config

    return load


def config_in_force(settings: AppSettings, uow_factory: SqlUnitOfWorkFactory) -> ConfigInForce:
    """The configuration saved in the database (seeded from `app.yaml` the first time)."""
    frameworks = FrameworkLibrary(settings.question_data_dir)
    in_force = ConfigInForce(uow_factory, frameworks, SystemClock(), settings.platform)
    path = settings.app_config_path
    seed_from_file(
        in_force,
        path,
        config_file_loader(settings.platform),
        lambda config, framework: check_assignments(config, framework, str(path)),
    )
    saved_for = in_force.config.platform or SLACK
    if in_force.is_set and saved_for != settings.platform:
        raise StartupError(
            f"the configuration saved in the database is for {saved_for}, but this app serves "
            f"{settings.platform} (set PLATFORM={saved_for}, or use another DATABASE_URL)"
        )
    return in_force


def build_application(settings: AppSettings) -> Application:
    """Migrate the database, put the configuration in force and wire the app together."""
    engine = open_database(settings.database_url)
    clock = SystemClock()
    session_factory = make_session_factory(engine)
    uow_factory = SqlUnitOfWorkFactory(session_factory)
    in_force = config_in_force(settings, uow_factory)
    config, framework = in_force.config, in_force.framework
    teams: TeamsChat | None = None
    chat: ChatGateway
    if settings.teams is not None:
        store, files = SqlDirectory(session_factory), SqlFileStore(session_factory)
        teams = build_teams_chat(settings.teams, store, files, clock, config)
        chat = teams.gateway
    else:
        chat = SlackGateway(make_web_client(settings.slack_bot_token, settings.slack_api_url))
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
        in_force=in_force,
        ballot_box=SqlBallotBox(engine),
    )
    reporting = Reporting(config, framework, uow_factory, chat, ReportFileRenderer(), clock)
    delivery.extensions.append(SummaryFollowUps(reporting))
    setup = SetupUseCases(in_force, chat)
    in_force.listeners.append(rebinder(facilitator, reporting, teams))
    application = Application(
        settings=settings,
        in_force=in_force,
        engine=engine,
        facilitator=facilitator,
        delivery=delivery,
        refresher=refresher,
        scheduler=build_scheduler(settings, facilitator, delivery),
        teams=teams,
    )
    if teams is not None:
        teams.front_end(facilitator, reporting, application.healthy, setup)
    else:
        assert isinstance(chat, SlackGateway)
        application.wsgi = slack_web_app(settings, facilitator, reporting, setup, application)
    refresher.start(facilitator.refresh_question)
    application.scheduler.start()
    return application


def rebinder(
    facilitator: Facilitator, reporting: Reporting, teams: TeamsChat | None
) -> Callable[[ConfigInForce], None]:
    """What follows a newly saved configuration: the use cases and the Teams front end."""

    def rebind(in_force: ConfigInForce) -> None:
        facilitator.rebind(in_force.config, in_force.framework)
        reporting.rebind(in_force.config, in_force.framework)
        if teams is not None:
            teams.rebind(in_force.config)

    return rebind


def slack_web_app(
    settings: AppSettings,
    facilitator: Facilitator,
    reporting: Reporting,
    setup: SetupUseCases,
    application: Application,
) -> WsgiApp:
    """Slack's front end (Bolt) mounted on the web layer."""
    chat = facilitator.chat
    assert isinstance(chat, SlackGateway)
    try:
        bolt_app = build_bolt_app(
            chat.client, settings.slack_signing_secret, facilitator, reporting, chat, setup
        )
    except Exception as exc:
        raise StartupError(
            f"Slack did not accept SLACK_BOT_TOKEN at {settings.slack_api_url} ({exc})"
        ) from exc
    return build_web_app(
        [slack_front_end(bolt_app, settings.slack_signing_secret)],
        lambda: application.healthy(),
    )

"""The Teams front end assembled: the Agents SDK's adapter and application, the connector, the
directory, the gateway, the listeners and the web server. The composition root calls
`build_teams_chat` (the gateway the core needs) and then `TeamsChat.front_end` (the listeners,
which need the core)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import structlog
from aiohttp import web
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import (
    AgentApplication,
    ApplicationOptions,
    MemoryStorage,
    RestChannelServiceClientFactory,
    TurnContext,
    TurnState,
)
from microsoft_agents.hosting.core.authorization import AgentAuthConfiguration, AuthTypes

from bot.config import AppConfig
from bot.ports import Clock
from bot.services.dispatch import Dispatcher
from bot.services.facilitator import Facilitator
from bot.services.reporting import Reporting
from bot.services.setup import SetupUseCases
from handlers.teams.connector import Connector
from handlers.teams.directory import Directory
from handlers.teams.gateway import TeamsGateway
from handlers.teams.listeners import TeamsListeners, Worker
from handlers.teams.server import AiohttpServer, build_web_app, files_handler
from handlers.teams.settings import ANONYMOUS_WARNING, TeamsSettings
from handlers.teams.setup_flow import TeamsSetup
from storage.directory import SqlDirectory
from storage.served_files import SqlFileStore

log = structlog.get_logger(__name__)

SERVICE_CONNECTION = "SERVICE_CONNECTION"


def auth_configuration(settings: TeamsSettings) -> AgentAuthConfiguration:
    if settings.anonymous:
        return AgentAuthConfiguration(anonymous_allowed=True)
    return AgentAuthConfiguration(
        auth_type=AuthTypes.client_secret,
        client_id=settings.app_id,
        tenant_id=settings.tenant_id,
        client_secret=settings.app_password,
    )


def channel_names(config: AppConfig) -> dict[str, str]:
    """The names the configuration gives its channels (a sub-group's, the board's)."""
    names = {sub.channel: sub.name for sub in config.subgroups.values()}
    names[config.board.channel] = config.board.name
    return names


@dataclass
class TeamsChat:
    """Everything the Teams side holds: built before the core, finished by `front_end`."""

    settings: TeamsSettings
    auth: AgentAuthConfiguration
    connections: MsalConnectionManager
    adapter: CloudAdapter
    connector: Connector
    directory: Directory
    files: SqlFileStore
    gateway: TeamsGateway
    clock: Clock
    worker: Worker = field(default_factory=Worker)
    web_app: web.Application | None = None  # once `front_end` has run

    def rebind(self, config: AppConfig) -> None:
        """Follow a newly saved configuration: the board's channel, the channels' names."""
        self.directory.home = config.board.channel
        self.gateway.configured_names = channel_names(config)

    def front_end(
        self,
        facilitator: Facilitator,
        reporting: Reporting,
        healthy: Callable[[], bool],
        setup: SetupUseCases | None = None,
    ) -> web.Application:
        agent: AgentApplication[TurnState] = AgentApplication[TurnState](
            ApplicationOptions(
                storage=MemoryStorage(),
                bot_app_id=self.settings.app_id or "",
                start_typing_timer=False,
            ),
            connection_manager=self.connections,
        )
        listeners = TeamsListeners(
            facilitator=facilitator,
            reporting=reporting,
            dispatcher=Dispatcher(facilitator, reporting, setup),
            gateway=self.gateway,
            directory=self.directory,
            worker=self.worker,
            setup=TeamsSetup(setup, self.gateway) if setup is not None else None,
        )
        listeners.register(agent)

        @agent.error
        async def on_error(context: TurnContext, error: Exception) -> None:
            log.error(
                "teams_turn_failed",
                activity_type=context.activity.type,
                error=type(error).__name__,
            )

        async def is_healthy() -> bool:
            return await self.worker.run(healthy)

        self.web_app = build_web_app(
            self.adapter,
            agent,
            self.auth,
            self.settings.tenant_id,
            files_handler(self.files, self.worker, self.clock.now),
            is_healthy,
        )
        return self.web_app

    def server(self, host: str, port: int) -> AiohttpServer:
        assert self.web_app is not None, "front_end() builds the web app first"
        return AiohttpServer(self.web_app, host, port)

    def close(self) -> None:
        self.worker.close()
        self.connector.close()


def build_teams_chat(
    settings: TeamsSettings,
    store: SqlDirectory,
    files: SqlFileStore,
    clock: Clock,
    config: AppConfig,
) -> TeamsChat:
    if settings.anonymous:
        log.warning("teams_anonymous", warning=ANONYMOUS_WARNING)
    auth = auth_configuration(settings)
    connections = MsalConnectionManager(connections_configurations={SERVICE_CONNECTION: auth})
    adapter = CloudAdapter(connection_manager=connections)
    claims = adapter.create_claims_identity(settings.app_id or "")
    if settings.anonymous:
        claims.claims.clear()  # no app id: the connector is called without a token
    connector = Connector(RestChannelServiceClientFactory(connections), claims)
    bot_id = f"28:{settings.app_id}" if settings.app_id else None
    directory = Directory(store, clock, config.board.channel, bot_id, settings.tenant_id)
    gateway = TeamsGateway(
        connector, directory, files, clock, settings.public_url, channel_names(config)
    )
    return TeamsChat(
        settings, auth, connections, adapter, connector, directory, files, gateway, clock
    )

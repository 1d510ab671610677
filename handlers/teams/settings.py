"""Teams' settings from the process environment: the bot's Microsoft App ID and secret, the
tenant it serves, and the public address its files are served at."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.errors import StartupError

_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}

ANONYMOUS_WARNING = (
    "TEAMS_ALLOW_ANONYMOUS=1: requests to /api/messages are NOT authenticated. Anyone who can "
    "reach this port can act as any member. Use it only for local testing (the Agents "
    "Playground, the test suite), never on a server people use."
)


def _switch(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "on", "yes", "true"}


@dataclass(frozen=True)
class TeamsSettings:
    """What the Teams front end needs: without an app id it runs only when anonymous access is
    asked for (local testing)."""

    app_id: str | None
    app_password: str | None
    tenant_id: str | None
    public_url: str
    allow_anonymous: bool

    @property
    def anonymous(self) -> bool:
        return self.app_id is None

    @classmethod
    def from_environment(cls, env: Mapping[str, str], port: int) -> TeamsSettings:
        app_id = (env.get("TEAMS_APP_ID") or "").strip() or None
        password = env.get("TEAMS_APP_PASSWORD") or None
        tenant = (env.get("TEAMS_TENANT_ID") or "").strip() or None
        anonymous = _switch(env.get("TEAMS_ALLOW_ANONYMOUS"))
        if app_id is None and not anonymous:
            raise StartupError(
                "TEAMS_APP_ID not set. Copy the Microsoft App ID, a client secret "
                "(TEAMS_APP_PASSWORD) and your tenant id (TEAMS_TENANT_ID) from the bot's "
                "Entra app registration; for local testing only, set TEAMS_ALLOW_ANONYMOUS=1."
            )
        if app_id is not None:
            _check_registration(app_id, password, tenant)
        public_url = _public_url(env.get("PUBLIC_URL"), port, production=app_id is not None)
        return cls(app_id, password, tenant, public_url, anonymous and app_id is None)


def _check_registration(app_id: str, password: str | None, tenant: str | None) -> None:
    if not _GUID.match(app_id):
        raise StartupError(f"TEAMS_APP_ID={app_id!r} is not an application (client) id")
    if not password:
        raise StartupError("TEAMS_APP_PASSWORD not set: a client secret of the app registration")
    if not tenant or not _GUID.match(tenant):
        raise StartupError(
            "TEAMS_TENANT_ID must be your Microsoft 365 tenant id (a GUID): activities from any "
            "other tenant are refused"
        )


def _public_url(value: str | None, port: int, production: bool) -> str:
    """Where people's browsers reach the app's files (https in production)."""
    text = (value or "").strip().rstrip("/")
    if not text:
        if production:
            raise StartupError(
                "PUBLIC_URL not set: the https address people reach this app at "
                "(files are served at PUBLIC_URL/files/…)"
            )
        return f"http://localhost:{port}"
    parts = urlsplit(text)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise StartupError(f"PUBLIC_URL={text!r} is not an http(s) address")
    if production and parts.scheme != "https" and parts.hostname not in _LOCAL_HOSTS:
        raise StartupError(f"PUBLIC_URL={text!r} must be https: files travel over it")
    return text

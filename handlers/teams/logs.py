"""Keeping the Agents SDK and its HTTP stack from logging what they carry (the composition root
installs this): below WARNING they print activities, conversation ids and, at DEBUG, the
connector's request headers (a bearer token)."""

from __future__ import annotations

import logging

PAYLOAD_PRINTERS = ("microsoft_agents", "msal", "aiohttp.access", "aiohttp.client")
#: the SDK's warning on every turn without an app id (anonymous, local testing)
ANONYMOUS_NOTICE = "App ID is not provided"


class NoTeamsPayloads(logging.Filter):
    """Drops those libraries' records below WARNING, whatever LOG_LEVEL says."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.getMessage().startswith(ANONYMOUS_NOTICE):
            return False  # said at start-up, once, by the app (see handlers/teams/settings.py)
        if record.levelno >= logging.WARNING:
            return True
        return not any(
            record.name == name or record.name.startswith(name + ".") for name in PAYLOAD_PRINTERS
        )

"""Keeping the Agents SDK and its HTTP stack from logging what they carry (the composition root
installs this): below WARNING they print activities, conversation ids and, at DEBUG, the
connector's request headers (a bearer token)."""

from __future__ import annotations

import logging

PAYLOAD_PRINTERS = ("microsoft_agents", "msal", "aiohttp.access", "aiohttp.client")
#: the SDK's warning on every turn without an app id (anonymous, local testing)
ANONYMOUS_NOTICE = "App ID is not provided"
#: the SDK's error when a body is not an activity: it quotes the body (the app says it once,
#: without the body: handlers/teams/server.py)
INVALID_ACTIVITY = "Validation error for Activity"


class NoTeamsPayloads(logging.Filter):
    """Drops those libraries' records below WARNING, whatever LOG_LEVEL says."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message.startswith(ANONYMOUS_NOTICE):
            return False  # said at start-up, once, by the app (see handlers/teams/settings.py)
        if message.startswith(INVALID_ACTIVITY):
            return False  # whatever its level: it carries the request body
        if record.levelno >= logging.WARNING:
            return True
        return not any(
            record.name == name or record.name.startswith(name + ".") for name in PAYLOAD_PRINTERS
        )

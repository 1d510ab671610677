"""Keeping Slack's libraries from logging request bodies (the composition root installs this)."""

from __future__ import annotations

import logging

# Libraries that print request bodies, payloads and response_urls below WARNING.
PAYLOAD_PRINTERS = ("slack_bolt", "slack_sdk")


class NoPayloads(logging.Filter):
    """Drops the Slack libraries' records below WARNING, whatever LOG_LEVEL says: at INFO and
    DEBUG they print whole request bodies (votes, comments), response_urls and API payloads."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING:
            return True
        return not any(
            record.name == name or record.name.startswith(name + ".") for name in PAYLOAD_PRINTERS
        )

"""Structured logs (structlog): JSON lines in production, readable lines at a terminal."""

from __future__ import annotations

import logging
import sys

import structlog

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


def configure_logging(level: str = "INFO", json_lines: bool | None = None) -> None:
    if json_lines is None:
        json_lines = not sys.stderr.isatty()
    logging.basicConfig(level=level, stream=sys.stderr, format="%(message)s")
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, NoPayloads) for f in handler.filters):
            handler.addFilter(NoPayloads())
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer() if json_lines else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )

"""Structured logs (structlog): JSON lines in production, readable lines at a terminal."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

import structlog


def configure_logging(
    level: str = "INFO",
    json_lines: bool | None = None,
    filters: Sequence[logging.Filter] = (),
) -> None:
    """Structured logs at ``level``; ``filters`` (the front ends', e.g. one that keeps a chat
    library's payloads out) go on every handler of the root logger, once each."""
    if json_lines is None:
        json_lines = not sys.stderr.isatty()
    logging.basicConfig(level=level, stream=sys.stderr, format="%(message)s")
    for handler in logging.getLogger().handlers:
        for wanted in filters:
            if not any(type(f) is type(wanted) for f in handler.filters):
                handler.addFilter(wanted)
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

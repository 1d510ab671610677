"""`python -m bot`: serve the chat front ends chosen (see bot/composition.py) and a health check
at GET /healthz."""

from __future__ import annotations

import gc
import os
import signal
import sys
from types import FrameType

import structlog

from bot.composition import (
    AppSettings,
    build_application,
    listening_url,
    log_filters,
)
from bot.errors import StartupError
from bot.logs import configure_logging


def main() -> int:
    if sys.argv[1:2] == ["config"]:  # python -m bot config import|export …
        configure_logging(os.environ.get("LOG_LEVEL", "WARNING"), filters=log_filters())
        from bot.config_commands import run

        return run(sys.argv[2:])
    configure_logging(os.environ.get("LOG_LEVEL", "INFO"), filters=log_filters())
    log = structlog.get_logger("bot")
    try:
        settings = AppSettings.from_environment()
        application = build_application(settings)
    except StartupError as exc:
        print(f"Cannot start: {exc}", file=sys.stderr)
        return 2
    # What start-up built (modules, the framework, the ORM's mappers) lives as long as the
    # process: keep it out of the collector's full passes, which otherwise walk it all and pause
    # every thread in the middle of answering clicks.
    gc.collect()
    gc.freeze()
    host = os.environ.get("HOST", "0.0.0.0")
    server = application.make_server(host, settings.port, int(os.environ.get("THREADS", "16")))

    def stop(signum: int, _frame: FrameType | None) -> None:
        log.info("stopping", signal=signum)
        server.close()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info(
        "listening",
        url=listening_url(host, server.effective_port, application.platform),
        database=application.engine.url.render_as_string(hide_password=True),
        framework=application.framework.id,
    )
    try:
        server.run()
    except OSError:
        pass
    finally:
        application.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

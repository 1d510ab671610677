"""The framework's floor: a Bolt app whose listeners only ack, on the same server stack."""

from __future__ import annotations

import os
import re
from typing import Any

from slack_bolt import Ack, App
from waitress import serve

from handlers.slack.gateway import make_web_client
from handlers.slack.http import slack_front_end
from handlers.web import build_web_app


def main() -> None:
    client = make_web_client(os.environ["SLACK_BOT_TOKEN"], os.environ["SLACK_API_URL"])
    app = App(client=client, signing_secret=os.environ["SLACK_SIGNING_SECRET"])

    @app.action(re.compile(".*"))
    def only_ack(ack: Ack, body: dict[str, Any]) -> None:
        ack()

    serve(
        build_web_app([slack_front_end(app, os.environ["SLACK_SIGNING_SECRET"])], lambda: True),
        host="127.0.0.1",
        port=int(os.environ["PORT"]),
        threads=int(os.environ.get("THREADS", "16")),
        _quiet=True,
    )


if __name__ == "__main__":
    main()

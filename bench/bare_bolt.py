"""The framework's floor: a bare Bolt app whose listeners only ack, run as Bolt runs on a WSGI
server (its own adapter, which parses the request and checks its signature), on the same
server as ours (waitress, the same threads); only ``/healthz``, which the bench waits for, is
answered apart."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from waitress import serve

from handlers.slack.gateway import make_web_client

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment


def main() -> None:
    client = make_web_client(os.environ["SLACK_BOT_TOKEN"], os.environ["SLACK_API_URL"])
    app = App(client=client, signing_secret=os.environ["SLACK_SIGNING_SECRET"])

    @app.action(re.compile(".*"))
    def only_ack(ack: Ack, body: dict[str, Any]) -> None:
        ack()

    bolt = SlackRequestHandler(app)

    def wsgi(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok"]
        return bolt(environ, start_response)

    serve(
        wsgi,
        host="127.0.0.1",
        port=int(os.environ["PORT"]),
        threads=int(os.environ.get("THREADS", "16")),
        _quiet=True,
    )


if __name__ == "__main__":
    main()

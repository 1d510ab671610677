"""Serves a Slack Bolt `App` over real HTTP on 127.0.0.1 (random port) for tests.

with SlackEmulator() as slack, BoltAppServer(app) as server:
    sender = SlackSender(server.url, SIGNING_SECRET, slack)
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from slack_bolt import App, BoltRequest

__all__ = ["BoltAppServer"]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    app: App
    path: str


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        request_path, _, query = self.path.partition("?")
        if request_path != self.server.path:
            self._reply(404, {}, "")
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8")
        headers: dict[str, str | Sequence[str]] = {k: v for k, v in self.headers.items()}
        bolt_response = self.server.app.dispatch(
            BoltRequest(body=body, query=query, headers=headers)
        )
        raw: Any = bolt_response.body
        text = raw if isinstance(raw, str) else json.dumps(raw)
        self._reply(int(bolt_response.status), dict(bolt_response.headers), text)

    def _reply(self, status: int, headers: dict[str, Any], body: str) -> None:
        payload = body.encode("utf-8")
        self.send_response(status)
        for name, values in headers.items():
            if name.lower() == "content-length":
                continue
            for value in values if isinstance(values, list | tuple) else [values]:
                self.send_header(name, str(value))
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        return


class BoltAppServer:
    """Runs `app.dispatch` behind a ThreadingHTTPServer in a daemon thread."""

    def __init__(self, app: App, path: str = "/slack/events") -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.app = app
        self._server.path = path
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """http://127.0.0.1:PORT — pass to SlackSender (which adds /slack/events)."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> BoltAppServer:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                daemon=True,
                name="bolt-app-server",
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> BoltAppServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

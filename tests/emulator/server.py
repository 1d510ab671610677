"""The emulator's HTTP server: one thread per request, handing each to the emulator."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from .records import (
    AnswerWithheld,
    json_reply,
)

if TYPE_CHECKING:
    from tests.emulator.core import EmulatorCore


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    emulator: EmulatorCore


class Handler(BaseHTTPRequestHandler):
    server: Server
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_GET(self) -> None:
        self._dispatch("GET")

    def _dispatch(self, verb: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            status, out_headers, payload = self.server.emulator._handle_http(
                verb, self.path, headers, body
            )
        except AnswerWithheld as withheld:
            if withheld.stall:
                self.server.emulator._stall()
            self.close_connection = True
            return
        except Exception as exc:  # a bug in the emulator: answer loudly, don't hang the client
            status, out_headers, payload = json_reply(
                500, {"ok": False, "error": "emulator_crashed", "detail": repr(exc)}
            )
        self.send_response(status)
        for name, value in out_headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
        # the connection stays open for the client's next request, as Slack's do (a client that
        # says "Connection: close", like slack_sdk's, still gets it closed)

    def log_message(self, format: str, *args: Any) -> None:
        return

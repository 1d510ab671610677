"""The double's HTTP server: one thread per request, each handed to the double."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from .records import AnswerWithheld, json_reply

if TYPE_CHECKING:
    from .core import ConnectorCore


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    double: ConnectorCore


class Handler(BaseHTTPRequestHandler):
    server: Server
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, verb: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            status, out_headers, payload = self.server.double.handle_http(
                verb, self.path, headers, body
            )
        except AnswerWithheld:
            self.close_connection = True
            return
        except Exception as exc:  # a bug in the double: answer loudly, never with the body
            status, out_headers, payload = json_reply(
                500, {"error": {"code": "DoubleCrashed", "message": type(exc).__name__}}
            )
        self.send_response(status)
        for name, value in out_headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(payload)
        self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        return  # nothing is logged, request bodies least of all

"""A test double's HTTP server on 127.0.0.1 (a free port), served on a daemon thread until
stopped: what the Slack emulator and the Bot Connector double share."""

from __future__ import annotations

import threading
from http.server import HTTPServer


class ServedInThread:
    def __init__(self, server: HTTPServer, name: str) -> None:
        self.server = server
        self.thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"{name}-{self.port}",
            daemon=True,
        )
        self.thread.start()

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

"""Private replies to response_urls: each request as it goes on the wire, and each way an HTTP
server may frame its answer, against a server that writes exactly the bytes a test gives."""

from __future__ import annotations

import json
import socket
import socketserver
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest

from handlers.slack.response_urls import ResponseUrls, request_bytes

OK_JSON = b'{"ok":true}'


@dataclass
class Script:
    """The answers to write, one per request, in order; ``close`` after an answer ends the
    connection. What each request was, and on which connection it came."""

    answers: list[tuple[bytes, bool]] = field(default_factory=list)
    requests: list[tuple[int, bytes]] = field(default_factory=list)
    connections: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    closed: threading.Event = field(default_factory=threading.Event)


def read_request(stream: socket.socket) -> bytes | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = stream.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        body += stream.recv(65536)
    return head + b"\r\n\r\n" + body


@pytest.fixture
def server() -> Iterator[tuple[str, Script]]:
    script = Script()

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            with script.lock:
                script.connections += 1
                number = script.connections
            while True:
                request = read_request(self.request)
                if request is None:
                    return
                with script.lock:
                    script.requests.append((number, request))
                    answer, close = script.answers.pop(0)
                self.request.sendall(answer)
                if close:
                    self.request.close()
                    script.closed.set()
                    return

    socketserver.ThreadingTCPServer.allow_reuse_address = True
    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler) as tcp:
        tcp.daemon_threads = True
        threading.Thread(target=tcp.serve_forever, daemon=True).start()
        yield f"http://127.0.0.1:{tcp.server_address[1]}/actions/T1/1/abc", script
        tcp.shutdown()


def answer(status: str, body: bytes = OK_JSON, *headers: str) -> bytes:
    head = [f"HTTP/1.1 {status}", *headers]
    if not any(h.lower().startswith(("content-length", "transfer-encoding")) for h in headers):
        head.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def test_a_request_is_a_post_of_json_with_its_length_and_host(
    server: tuple[str, Script],
) -> None:
    url, script = server
    script.answers.append((answer("200 OK"), False))
    assert ResponseUrls().post(url + "?x=1", {"text": "Recorded é"}) == 200
    [(_, request)] = script.requests
    head, _, body = request.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    port = urlsplit(url).port
    assert lines[0] == "POST /actions/T1/1/abc?x=1 HTTP/1.1"
    assert f"Host: 127.0.0.1:{port}" in lines
    assert "Content-Type: application/json;charset=utf-8" in lines
    assert f"Content-Length: {len(body)}" in lines
    assert json.loads(body) == {"text": "Recorded é"}


def test_answers_framed_by_length_or_chunks_keep_the_connection(
    server: tuple[str, Script],
) -> None:
    url, script = server
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    chunked += b'4\r\n{"ok\r\n7\r\n":true}\r\n0\r\n\r\n'
    script.answers += [
        (answer("200 OK"), False),
        (chunked, False),
        (answer("100 Continue", b"") + answer("200 OK"), False),  # an interim answer first
        (answer("204 No Content", b""), False),
    ]
    replies = ResponseUrls()
    assert [replies.post(url, {"n": n}) for n in range(4)] == [200, 200, 200, 204]
    assert [number for number, _ in script.requests] == [1, 1, 1, 1]  # one connection


def test_an_answer_that_closes_the_connection_is_read_and_the_next_post_opens_another(
    server: tuple[str, Script],
) -> None:
    url, script = server
    script.answers += [
        (answer("200 OK", OK_JSON, "Connection: close"), True),
        (b"HTTP/1.0 200 OK\r\n\r\n" + OK_JSON, True),  # framed by the end of the connection
        (answer("200 OK"), False),
    ]
    replies = ResponseUrls()
    assert [replies.post(url, {"n": n}) for n in range(3)] == [200, 200, 200]
    assert [number for number, _ in script.requests] == [1, 2, 3]


def test_a_kept_connection_the_server_closed_is_replaced_before_use(
    server: tuple[str, Script],
) -> None:
    url, script = server
    script.answers += [(answer("200 OK"), True), (answer("200 OK"), False)]
    replies = ResponseUrls()
    assert replies.post(url, {"n": 1}) == 200  # the server closes without saying so
    assert script.closed.wait(5)  # (a post racing the close itself may fail, and is not resent)
    assert replies.post(url, {"n": 2}) == 200
    assert [number for number, _ in script.requests] == [1, 2]


def test_a_refusal_is_returned_and_what_is_not_http_is_not_sent_again(
    server: tuple[str, Script],
) -> None:
    url, script = server
    script.answers += [
        (answer("404 Not Found", b"expired_url"), False),
        (b"SMTP ready\r\n\r\n", False),
        (answer("200 OK"), False),
    ]
    replies = ResponseUrls()
    assert replies.post(url, {"n": 1}) == 404
    assert replies.post(url, {"n": 2}) is None  # logged, the connection dropped, no retry
    assert replies.post(url, {"n": 3}) == 200
    assert [number for number, _ in script.requests] == [1, 1, 2]


def test_an_answer_cut_before_its_head_is_a_failure(server: tuple[str, Script]) -> None:
    url, script = server
    script.answers.append((b"HTTP/1.1 200 O", True))
    assert ResponseUrls().post(url, {"n": 1}) is None
    assert len(script.requests) == 1


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.slack.com/actions/T1/1/a b",
        "https://hooks.slack.com/actions/T1/1/a\r\nX-Injected: 1",
        "https://hooks.slack.com/actions/T1/1/é",
    ],
)
def test_an_address_a_request_line_cannot_carry_is_refused(url: str) -> None:
    parts = urlsplit(url)
    assert request_bytes(parts, 443, b"{}") is None
    assert ResponseUrls().post(url, {"text": "x"}) is None


def test_the_default_port_is_left_out_of_the_host() -> None:
    request = request_bytes(urlsplit("https://hooks.slack.com/actions/T/1/a"), 443, b"{}")
    assert request is not None and b"\r\nHost: hooks.slack.com\r\n" in request

"""The emulator's records (calls, files, response posts, a manual clock), its errors and the
wire helpers shared by its API families."""

from __future__ import annotations

import base64
import binascii
import email.policy
import json
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.parser import BytesParser
from typing import Any, Literal, TypeVar
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

T = TypeVar("T")
JsonDict = dict[str, Any]

JSON_PARAMS = ("blocks", "view", "attachments", "files", "metadata")
RESPONSE_URL_MAX_USES = 5


class ManualClock:
    """A monotonic clock for tests: time only moves when `advance` is called.

    Pass one as ``SlackEmulator(clock=clock)`` to control trigger_id expiry and rate limits.
    """

    def __init__(self, start: float = 1_000.0) -> None:
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds


@dataclass(frozen=True)
class Call:
    """One request to /api/<method> as the emulator saw and answered it."""

    method: str
    params: JsonDict
    status: int
    response: JsonDict
    time: float
    answer_lost: str | None = None  # how the answer was lost (see `lose_next_answer`)

    @property
    def ok(self) -> bool:
        return self.status == 200 and bool(self.response.get("ok"))

    @property
    def error(self) -> str | None:
        error = self.response.get("error")
        return error if isinstance(error, str) else None


@dataclass
class UploadedFile:
    """A file going through files.getUploadURLExternal → upload → files.completeUploadExternal."""

    id: str
    filename: str
    length: int
    alt_txt: str | None = None
    snippet_type: str | None = None
    data: bytes | None = None
    title: str | None = None
    initial_comment: str | None = None
    thread_ts: str | None = None
    channels: list[str] = field(default_factory=list)
    message_ts: list[str] = field(default_factory=list)
    completed: bool = False

    @property
    def uploaded(self) -> bool:
        return self.data is not None


@dataclass(frozen=True)
class ResponsePost:
    """One POST to a response_url issued by `SlackEmulator.new_response_url`."""

    url: str
    body: JsonDict
    status: int
    error: str | None
    time: float


@dataclass
class Channel:
    id: str
    name: str
    members: list[str]
    is_private: bool = False
    is_im: bool = False
    is_mpim: bool = False
    im_user: str | None = None
    created: int = field(default_factory=lambda: int(time.time()))
    messages: list[JsonDict] = field(default_factory=list)


@dataclass
class Trigger:
    issued_at: float
    user_id: str | None
    used: bool = False


@dataclass
class Failure:
    status: int
    retry_after: int
    error: str | None


@dataclass
class ResponseUrl:
    channel_id: str | None
    user_id: str | None
    message_ts: str | None
    is_ephemeral: bool
    uses: int = 0


@dataclass
class LostAnswer:
    how: Literal["500", "drop", "stall"]
    channel: str | None


class AnswerWithheld(Exception):
    """Raised to the HTTP handler: close the connection without answering (now, or on a stall
    once the client has given up)."""

    def __init__(self, stall: bool) -> None:
        super().__init__("answer withheld")
        self.stall = stall


class ApiError(Exception):
    def __init__(
        self,
        error: str,
        *,
        status: int = 200,
        extra: JsonDict | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(error)
        self.error = error
        self.status = status
        self.extra = extra or {}
        self.headers = headers or {}

    def body(self) -> JsonDict:
        return {"ok": False, "error": self.error, **self.extra}


def blocks_error(error: str, problems: list[str]) -> ApiError:
    return ApiError(
        error,
        extra={
            "errors": problems,
            "response_metadata": {"messages": [f"[ERROR] {p}" for p in problems]},
        },
    )


def opt_str(params: Mapping[str, Any], key: str) -> str | None:
    value = params.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def flag(params: Mapping[str, Any], key: str) -> bool:
    return params.get(key) in (True, 1, "1", "true", "True")


def encode_cursor(index: int) -> str:
    return base64.b64encode(f"next:{index}".encode()).decode()


def decode_cursor(cursor: str) -> int:
    try:
        prefix, _, number = base64.b64decode(cursor.encode(), validate=True).decode().partition(":")
        if prefix != "next":
            raise ValueError(cursor)
        return int(number)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise ApiError("invalid_cursor") from exc


def paginate(items: list[T], params: Mapping[str, Any], default: int = 100) -> tuple[list[T], str]:
    raw_limit = params.get("limit")
    try:
        limit = int(raw_limit) if raw_limit not in (None, "") else default
    except (TypeError, ValueError) as exc:
        raise ApiError("invalid_limit") from exc
    if limit <= 0:
        limit = default
    limit = min(limit, 1000)
    cursor = opt_str(params, "cursor")
    start = decode_cursor(cursor) if cursor else 0
    if start < 0 or start > len(items):
        raise ApiError("invalid_cursor")
    page = items[start : start + limit]
    end = start + len(page)
    return page, encode_cursor(end) if end < len(items) else ""


def tz_offset(tz: str) -> tuple[int, str]:
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        return 0, tz
    local = datetime.fromtimestamp(time.time(), zone)
    offset = local.utcoffset()
    return (int(offset.total_seconds()) if offset else 0), local.tzname() or tz


def parse_body(content_type: str, body: bytes) -> JsonDict:
    """Parses a JSON, form-encoded or multipart request body (slack_sdk sends all three).

    Raises ValueError for a body that cannot be parsed.
    """
    if not body:
        return {}
    if content_type.lower().startswith("multipart/form-data"):
        return parse_multipart(content_type, body)
    text = body.decode("utf-8")  # UnicodeDecodeError is a ValueError
    stripped = text.lstrip()
    if "json" in content_type.lower() or stripped.startswith("{"):
        parsed = json.loads(text)
        if not isinstance(parsed, dict):
            raise ValueError("JSON body must be an object")
        return parsed
    return {k: v[0] for k, v in parse_qs(text, keep_blank_values=True).items()}


def parse_multipart(content_type: str, body: bytes) -> JsonDict:
    message = BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    if not message.is_multipart():
        raise ValueError("malformed multipart body")
    fields: JsonDict = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        fields[name] = data if part.get_filename() else data.decode("utf-8")
    return fields


def json_reply(
    status: int, body: JsonDict, headers: Mapping[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    out = {"Content-Type": "application/json; charset=utf-8", **(headers or {})}
    return status, out, json.dumps(body).encode("utf-8")

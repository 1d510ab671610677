"""A local emulator of the Slack Web API, for tests that run without a network.

Point the app's WebClient at it with ``WebClient(token=emulator.token, base_url=emulator.api_url)``.
It is a real HTTP server (ThreadingHTTPServer on 127.0.0.1, random port) run in a daemon
thread. It keeps a small workspace (users, channels, messages, views, files), answers like
Slack (HTTP 200 ``{"ok": false, "error": ...}`` for API errors, 429 + Retry-After for rate
limits), validates Block Kit, and records every call for assertions.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import copy
import email.policy
import json
import math
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Literal, TypeVar
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .block_kit import MAX_MESSAGE_TEXT, validate_blocks, validate_view

__all__ = [
    "Call",
    "ManualClock",
    "ResponsePost",
    "SlackEmulator",
    "UploadedFile",
    "validate_blocks",
    "validate_view",
]

T = TypeVar("T")
JsonDict = dict[str, Any]

_JSON_PARAMS = ("blocks", "view", "attachments", "files", "metadata")
_RESPONSE_URL_MAX_USES = 5


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
class _Channel:
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
class _Trigger:
    issued_at: float
    user_id: str | None
    used: bool = False


@dataclass
class _Failure:
    status: int
    retry_after: int
    error: str | None


@dataclass
class _ResponseUrl:
    channel_id: str | None
    user_id: str | None
    message_ts: str | None
    is_ephemeral: bool
    uses: int = 0


@dataclass
class _LostAnswer:
    how: Literal["500", "drop", "stall"]
    channel: str | None


class _AnswerWithheld(Exception):
    """Raised to the HTTP handler: close the connection without answering (now, or on a stall
    once the client has given up)."""

    def __init__(self, stall: bool) -> None:
        super().__init__("answer withheld")
        self.stall = stall


class _ApiError(Exception):
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


def _blocks_error(error: str, problems: list[str]) -> _ApiError:
    return _ApiError(
        error,
        extra={
            "errors": problems,
            "response_metadata": {"messages": [f"[ERROR] {p}" for p in problems]},
        },
    )


def _opt_str(params: Mapping[str, Any], key: str) -> str | None:
    value = params.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _flag(params: Mapping[str, Any], key: str) -> bool:
    return params.get(key) in (True, 1, "1", "true", "True")


def _encode_cursor(index: int) -> str:
    return base64.b64encode(f"next:{index}".encode()).decode()


def _decode_cursor(cursor: str) -> int:
    try:
        prefix, _, number = base64.b64decode(cursor.encode(), validate=True).decode().partition(":")
        if prefix != "next":
            raise ValueError(cursor)
        return int(number)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise _ApiError("invalid_cursor") from exc


def _paginate(items: list[T], params: Mapping[str, Any], default: int = 100) -> tuple[list[T], str]:
    raw_limit = params.get("limit")
    try:
        limit = int(raw_limit) if raw_limit not in (None, "") else default
    except (TypeError, ValueError) as exc:
        raise _ApiError("invalid_limit") from exc
    if limit <= 0:
        limit = default
    limit = min(limit, 1000)
    cursor = _opt_str(params, "cursor")
    start = _decode_cursor(cursor) if cursor else 0
    if start < 0 or start > len(items):
        raise _ApiError("invalid_cursor")
    page = items[start : start + limit]
    end = start + len(page)
    return page, _encode_cursor(end) if end < len(items) else ""


def _tz_offset(tz: str) -> tuple[int, str]:
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        return 0, tz
    local = datetime.fromtimestamp(time.time(), zone)
    offset = local.utcoffset()
    return (int(offset.total_seconds()) if offset else 0), local.tzname() or tz


class SlackEmulator:
    """An in-process Slack Web API (plus response_urls and file upload URLs) for tests.

    Use as a context manager (or call `start()` / `stop()`), then point the app at
    `api_url`. Workspace state is set up with `add_user` / `add_channel` / `add_message`;
    results are read with `messages`, `message`, `thread`, `ephemerals`, `views_opened`,
    `home_views`, `uploaded_files`, `responses` and `calls`. `wait_for` polls for the app's
    asynchronous work.
    """

    def __init__(
        self,
        *,
        token: str = "xoxb-test",
        bot_user_id: str = "UBOT0001",
        bot_id: str = "B0BOT0001",
        bot_name: str = "bot",
        app_id: str = "A0APP0001",
        team_id: str = "T0TEAM001",
        team_name: str = "Emulated Workspace",
        team_domain: str = "emulated",
        enterprise_id: str | None = None,
        rate_limits: bool = True,
        trigger_ttl: float = 3.0,
        clock: Callable[[], float] = time.monotonic,
        update_limit_per_minute: int = 50,
        post_burst: int = 20,
        post_rate_per_second: float = 1.0,
    ) -> None:
        self.token = token
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.app_id = app_id
        self.team_id = team_id
        self.team_name = team_name
        self.team_domain = team_domain
        self.enterprise_id = enterprise_id
        self.rate_limits = rate_limits
        self.trigger_ttl = trigger_ttl
        self.clock = clock
        self.update_limit_per_minute = update_limit_per_minute
        self.post_burst = post_burst
        self.post_rate_per_second = post_rate_per_second

        self._lock = threading.RLock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._seq = 0
        self._last_ts_micros = 0

        self._users: dict[str, JsonDict] = {}
        self._channels: dict[str, _Channel] = {}
        self._dms: dict[str, str] = {}
        self._calls: list[Call] = []
        self._ephemerals: list[JsonDict] = []
        self._triggers: dict[str, _Trigger] = {}
        self._views: dict[str, JsonDict] = {}
        self._view_stacks: dict[str, list[str]] = {}
        self._views_opened: list[str] = []
        self._home_views: dict[str, JsonDict] = {}
        self._files: dict[str, UploadedFile] = {}
        self._response_urls: dict[str, _ResponseUrl] = {}
        self._response_url_list: list[str] = []
        self._responses: list[ResponsePost] = []
        self._failures: dict[str, deque[_Failure]] = {}
        self._lost_answers: dict[str, deque[_LostAnswer]] = {}
        self._stopping = threading.Event()
        self._update_window: deque[float] = deque()
        self._post_buckets: dict[str, tuple[float, float]] = {}

        self._methods: dict[str, Callable[[JsonDict], JsonDict]] = {
            "api.test": self._api_test,
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.getPermalink": self._chat_get_permalink,
            "conversations.members": self._conversations_members,
            "conversations.info": self._conversations_info,
            "conversations.open": self._conversations_open,
            "conversations.history": self._conversations_history,
            "conversations.replies": self._conversations_replies,
            "users.info": self._users_info,
            "views.open": self._views_open,
            "views.push": self._views_push,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
        }
        self.add_user(bot_user_id, bot_name, is_bot=True)

    # ======================================================================================
    # lifecycle
    # ======================================================================================

    def start(self) -> SlackEmulator:
        if self._server is not None:
            return self
        self._stopping.clear()
        server = _Server(("127.0.0.1", 0), _Handler)
        server.emulator = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.name = f"slack-emulator-{self.port}"
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        self._stopping.set()  # stalled answers give up
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> SlackEmulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("SlackEmulator is not started; call start() or use `with`")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:PORT (no trailing slash)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        """The value for ``WebClient(base_url=...)``: http://127.0.0.1:PORT/api/."""
        return f"{self.base_url}/api/"

    # ======================================================================================
    # workspace set-up
    # ======================================================================================

    def add_user(
        self,
        user_id: str,
        name: str,
        is_bot: bool = False,
        tz: str = "Europe/London",
        *,
        real_name: str | None = None,
        email: str | None = None,
    ) -> JsonDict:
        offset, label = _tz_offset(tz)
        user: JsonDict = {
            "id": user_id,
            "team_id": self.team_id,
            "name": name,
            "deleted": False,
            "real_name": real_name or name,
            "tz": tz,
            "tz_label": label,
            "tz_offset": offset,
            "is_bot": is_bot,
            "is_app_user": False,
            "is_admin": False,
            "is_owner": False,
            "profile": {
                "real_name": real_name or name,
                "display_name": name,
                "email": email,
                "team": self.team_id,
            },
        }
        if is_bot:
            user["profile"]["bot_id"] = self.bot_id if user_id == self.bot_user_id else None
        with self._lock:
            self._users[user_id] = user
            return copy.deepcopy(user)

    def add_channel(
        self,
        channel_id: str,
        name: str,
        members: list[str] | None = None,
        bot_member: bool = True,
        *,
        is_private: bool = False,
    ) -> None:
        with self._lock:
            ids = list(dict.fromkeys(members or []))
            for uid in ids:
                if uid not in self._users:
                    raise ValueError(f"add_channel: unknown user {uid!r}; call add_user first")
            if bot_member and self.bot_user_id not in ids:
                ids.append(self.bot_user_id)
            if not bot_member and self.bot_user_id in ids:
                ids.remove(self.bot_user_id)
            self._channels[channel_id] = _Channel(
                id=channel_id, name=name, members=ids, is_private=is_private
            )

    def add_member(self, channel_id: str, user_id: str) -> None:
        with self._lock:
            members = self._channels[channel_id].members
            if user_id not in members:
                members.append(user_id)

    def remove_member(self, channel_id: str, user_id: str) -> None:
        with self._lock:
            members = self._channels[channel_id].members
            if user_id in members:
                members.remove(user_id)

    def add_message(
        self,
        channel_id: str,
        user_id: str,
        text: str,
        *,
        thread_ts: str | None = None,
        blocks: list[JsonDict] | None = None,
    ) -> str:
        """Puts a message from a (human) user into a channel, as if typed; returns its ts."""
        with self._lock:
            channel = self._channels[channel_id]
            if thread_ts is not None:
                thread_ts = self._thread_root(channel, thread_ts)
            message = self._new_message(
                channel, user_id, text=text, blocks=blocks, thread_ts=thread_ts
            )
            return str(message["ts"])

    def issue_trigger_id(self, user_id: str | None = None) -> str:
        """A trigger_id as Slack puts in interaction payloads: usable once, within trigger_ttl."""
        with self._lock:
            trigger_id = (
                f"{int(time.time())}.{secrets.randbelow(10**9):09d}.{secrets.token_hex(16)}"
            )
            self._triggers[trigger_id] = _Trigger(issued_at=self.clock(), user_id=user_id)
            return trigger_id

    def new_response_url(
        self,
        *,
        channel_id: str | None = None,
        user_id: str | None = None,
        message_ts: str | None = None,
        is_ephemeral: bool = False,
    ) -> str:
        """A response_url served by the emulator; posts to it are validated and recorded.

        When bound to a channel/user/message (as SlackSender does), posts act like Slack:
        ``replace_original``/``delete_original`` change that message, ``response_type:
        in_channel`` posts to the channel, anything else becomes an ephemeral for the user.
        """
        with self._lock:
            url_id = secrets.token_urlsafe(12)
            self._response_urls[url_id] = _ResponseUrl(
                channel_id=channel_id,
                user_id=user_id,
                message_ts=message_ts,
                is_ephemeral=is_ephemeral,
            )
            url = f"{self.base_url}/response/{url_id}"
            self._response_url_list.append(url)
            return url

    def fail_next(
        self,
        method: str,
        status: int = 429,
        retry_after: int = 1,
        times: int = 1,
        *,
        error: str | None = None,
    ) -> None:
        """Makes the next `times` calls to `method` fail.

        status=429 → 429 + Retry-After; status=500 (or other) → that status with
        ``{"ok": false, "error": "internal_error"}``; ``error="x"`` → HTTP 200 ok:false x.
        """
        with self._lock:
            queue = self._failures.setdefault(method, deque())
            for _ in range(times):
                queue.append(_Failure(status=status, retry_after=retry_after, error=error))

    def lose_next_answer(
        self,
        method: str,
        how: Literal["500", "drop", "stall"] = "500",
        *,
        channel: str | None = None,
        times: int = 1,
    ) -> None:
        """The next `times` successful calls to `method` (in `channel`, if given) take effect —
        the message is stored, the files shared — but their answer is lost: ``"500"`` answers
        HTTP 500 internal_error; ``"drop"`` closes the connection without answering; ``"stall"``
        answers nothing until the client gives up (its time-out) or the emulator stops. Such a
        call is recorded with its real answer in `calls`, marked ``answer_lost=how``."""
        with self._lock:
            queue = self._lost_answers.setdefault(method, deque())
            queue.extend(_LostAnswer(how, channel) for _ in range(times))

    def _take_lost_answer(self, method: str, params: JsonDict) -> _LostAnswer | None:
        queue = self._lost_answers.get(method)
        for lost in list(queue or ()):
            if lost.channel is None or lost.channel in (
                params.get("channel"),
                params.get("channel_id"),
            ):
                assert queue is not None
                queue.remove(lost)
                return lost
        return None

    def _stall(self) -> None:
        self._stopping.wait(timeout=60)

    # ======================================================================================
    # inspection
    # ======================================================================================

    @property
    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self._calls if c.method == method]

    def messages(self, channel: str, *, top_level_only: bool = False) -> list[JsonDict]:
        """Current messages in the channel in posting order (thread replies included unless
        `top_level_only`). Each has ts, text, blocks, thread_ts, user, files, edited and
        `versions` (earlier versions, oldest first)."""
        with self._lock:
            ch = self._channels.get(channel)
            if ch is None:
                return []
            return [
                copy.deepcopy(m)
                for m in ch.messages
                if not top_level_only or m["thread_ts"] in (None, m["ts"])
            ]

    def message(self, channel: str, ts: str) -> JsonDict | None:
        with self._lock:
            ch = self._channels.get(channel)
            found = self._find_message(ch, ts) if ch else None
            return copy.deepcopy(found) if found else None

    def message_payload(self, channel: str, ts: str) -> JsonDict | None:
        """The message as Slack shows it in API responses and interaction payloads."""
        with self._lock:
            ch = self._channels.get(channel)
            found = self._find_message(ch, ts) if ch else None
            return self._public_message(ch, found) if ch and found else None

    def thread(self, channel: str, ts: str) -> list[JsonDict]:
        """The thread rooted at `ts` (root first, then replies), or [] if there is none."""
        with self._lock:
            ch = self._channels.get(channel)
            if ch is None:
                return []
            return [copy.deepcopy(m) for m in ch.messages if m["ts"] == ts or m["thread_ts"] == ts]

    def ephemerals(self, user: str | None = None, channel: str | None = None) -> list[JsonDict]:
        with self._lock:
            return [
                copy.deepcopy(e)
                for e in self._ephemerals
                if (user is None or e["user"] == user)
                and (channel is None or e["channel"] == channel)
            ]

    @property
    def views_opened(self) -> list[JsonDict]:
        """Views opened with views.open or views.push, in order, in their current state."""
        with self._lock:
            return [copy.deepcopy(self._views[v]) for v in self._views_opened]

    def view(self, view_id: str) -> JsonDict | None:
        with self._lock:
            found = self._views.get(view_id)
            return copy.deepcopy(found) if found else None

    def view_stack(self, user_id: str) -> list[JsonDict]:
        """The modals currently open for a user, bottom first."""
        with self._lock:
            return [copy.deepcopy(self._views[v]) for v in self._view_stacks.get(user_id, [])]

    @property
    def home_views(self) -> dict[str, JsonDict]:
        with self._lock:
            return copy.deepcopy(self._home_views)

    @property
    def uploaded_files(self) -> list[UploadedFile]:
        with self._lock:
            return [replace(f, channels=list(f.channels)) for f in self._files.values()]

    @property
    def response_urls(self) -> list[str]:
        """Every response_url issued so far."""
        with self._lock:
            return list(self._response_url_list)

    def responses(self, url: str | None = None) -> list[ResponsePost]:
        """Posts made to response_urls (accepted and refused; see `.status`)."""
        with self._lock:
            return [r for r in self._responses if url is None or r.url == url]

    def user(self, user_id: str) -> JsonDict | None:
        with self._lock:
            found = self._users.get(user_id)
            return copy.deepcopy(found) if found else None

    def channel(self, channel_id: str) -> JsonDict | None:
        """conversations.info's view of a channel, plus its `members`."""
        with self._lock:
            ch = self._channels.get(channel_id)
            if ch is None:
                return None
            return {**self._channel_info(ch), "members": list(ch.members)}

    def dm_channel_id(self, user_id: str) -> str:
        """The DM channel between the bot and a user (created if needed), as conversations.open."""
        with self._lock:
            return self._open_dm(user_id).id

    def wait_for(
        self,
        predicate: Callable[[], T],
        timeout: float = 10.0,
        interval: float = 0.02,
        message: str | None = None,
    ) -> T:
        """Polls `predicate` until it returns something truthy, and returns that.

        Raises AssertionError after `timeout` seconds, naming the last value seen and the
        most recent API calls.
        """
        deadline = time.monotonic() + timeout
        last: T | None = None
        last_exc: Exception | None = None
        while True:
            try:
                last = predicate()
                last_exc = None
                if last:
                    return last
            except Exception as exc:  # the app may not have produced state yet
                last_exc = exc
            if time.monotonic() >= deadline:
                break
            time.sleep(interval)
        recent = "\n".join(f"  {c.method} → {c.status} {c.error or 'ok'}" for c in self.calls[-15:])
        what = message or getattr(predicate, "__name__", "predicate")
        detail = f"raised {last_exc!r}" if last_exc else f"last returned {last!r}"
        raise AssertionError(
            f"wait_for({what}) timed out after {timeout}s; {detail}\n"
            f"most recent Slack API calls:\n{recent or '  (none)'}"
        )

    # ======================================================================================
    # HTTP dispatch (called from the server threads)
    # ======================================================================================

    def _handle_http(
        self, verb: str, raw_path: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(raw_path)
        path = parts.path
        if path.startswith("/api/"):
            return self._handle_api(path[len("/api/") :], parts.query, headers, body)
        if path.startswith("/upload/") and verb == "POST":
            return self._handle_upload(path[len("/upload/") :], body)
        if path.startswith("/response/") and verb == "POST":
            return self._handle_response_url(path[len("/response/") :], headers, body)
        return _json_reply(404, {"ok": False, "error": "not_found"})

    def _handle_api(
        self, method: str, query: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        params: JsonDict = {k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items()}
        parse_error: str | None = None
        try:
            params.update(_parse_body(headers.get("content-type", ""), body))
        except ValueError:
            is_json = "json" in headers.get("content-type", "").lower()
            parse_error = "invalid_json" if is_json else "invalid_form_data"
        for key in _JSON_PARAMS:
            value = params.get(key)
            if isinstance(value, str) and value:
                # left as a string if not JSON: the method reports the format error
                with contextlib.suppress(ValueError):
                    params[key] = json.loads(value)
        with self._lock:
            extra_headers: dict[str, str] = {}
            try:
                if parse_error:
                    raise _ApiError(parse_error)
                data = self._call_locked(method, params, headers)
                status, response = 200, {"ok": True, **data}
            except _ApiError as exc:
                status, response, extra_headers = exc.status, exc.body(), exc.headers
            lost = self._take_lost_answer(method, params) if status == 200 else None
            self._calls.append(
                Call(
                    method=method,
                    params=copy.deepcopy(params),
                    status=status,
                    response=copy.deepcopy(response),
                    time=time.time(),
                    answer_lost=lost.how if lost else None,
                )
            )
        if lost is not None and lost.how == "500":
            return _json_reply(500, {"ok": False, "error": "internal_error"})
        if lost is not None:
            raise _AnswerWithheld(stall=lost.how == "stall")
        return _json_reply(status, response, extra_headers)

    def _call_locked(self, method: str, params: JsonDict, headers: Mapping[str, str]) -> JsonDict:
        queue = self._failures.get(method)
        if queue:
            failure = queue.popleft()
            if failure.error is not None:
                raise _ApiError(failure.error)
            if failure.status == 429:
                raise _ApiError(
                    "ratelimited",
                    status=429,
                    headers={"Retry-After": str(failure.retry_after)},
                )
            raise _ApiError("internal_error", status=failure.status)
        handler = self._methods.get(method)
        if handler is None:
            raise _ApiError("unknown_method")
        self._authenticate(params, headers)
        if self.rate_limits and method == "chat.update":
            self._check_update_rate()
        return handler(params)

    def _authenticate(self, params: Mapping[str, Any], headers: Mapping[str, str]) -> None:
        token: str | None = None
        auth = headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            token = auth[len("bearer ") :].strip() or None
        if token is None:
            token = _opt_str(params, "token")
        if token is None:
            raise _ApiError("not_authed")
        if token != self.token:
            raise _ApiError("invalid_auth")

    # -- rate limits --------------------------------------------------------------------------

    def _check_update_rate(self) -> None:
        now = self.clock()
        window = self._update_window
        while window and window[0] <= now - 60.0:
            window.popleft()
        if len(window) >= self.update_limit_per_minute:
            retry_after = max(1, math.ceil(window[0] + 60.0 - now))
            raise _ApiError("ratelimited", status=429, headers={"Retry-After": str(retry_after)})
        window.append(now)

    def _take_post_token(self, channel_id: str) -> None:
        if not self.rate_limits:
            return
        now = self.clock()
        tokens, last = self._post_buckets.get(channel_id, (float(self.post_burst), now))
        tokens = min(float(self.post_burst), tokens + (now - last) * self.post_rate_per_second)
        if tokens < 1.0:
            self._post_buckets[channel_id] = (tokens, now)
            retry_after = max(1, math.ceil((1.0 - tokens) / self.post_rate_per_second))
            raise _ApiError("ratelimited", status=429, headers={"Retry-After": str(retry_after)})
        self._post_buckets[channel_id] = (tokens - 1.0, now)

    # -- helpers ------------------------------------------------------------------------------

    def _next_id(self, prefix: str) -> str:
        self._seq += 1
        return f"{prefix}{self._seq:09d}"

    def _next_ts(self) -> str:
        micros = max(int(time.time() * 1_000_000), self._last_ts_micros + 100)
        self._last_ts_micros = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _channel_or_error(self, params: Mapping[str, Any], key: str = "channel") -> _Channel:
        ref = _opt_str(params, key)
        if ref is None:
            raise _ApiError("channel_not_found")
        ch = self._channels.get(ref)
        if ch is None:
            name = ref.removeprefix("#")
            ch = next((c for c in self._channels.values() if c.name == name), None)
        if ch is None:
            raise _ApiError("channel_not_found")
        if ch.is_private and self.bot_user_id not in ch.members:
            raise _ApiError("channel_not_found")
        return ch

    def _find_message(self, ch: _Channel | None, ts: str | None) -> JsonDict | None:
        if ch is None or ts is None:
            return None
        return next((m for m in ch.messages if m["ts"] == ts), None)

    def _thread_root(self, ch: _Channel, thread_ts: str) -> str:
        parent = self._find_message(ch, thread_ts)
        if parent is None:
            raise _ApiError("thread_not_found")
        return str(parent["thread_ts"] or parent["ts"])

    def _open_dm(self, user_id: str) -> _Channel:
        existing = self._dms.get(user_id)
        if existing is not None:
            return self._channels[existing]
        channel_id = self._next_id("D")
        ch = _Channel(
            id=channel_id,
            name=user_id,
            members=[user_id, self.bot_user_id],
            is_private=True,
            is_im=True,
            im_user=user_id,
        )
        self._channels[channel_id] = ch
        self._dms[user_id] = channel_id
        return ch

    def _parse_content(
        self, params: Mapping[str, Any]
    ) -> tuple[str | None, list[JsonDict] | None, list[JsonDict] | None]:
        text = _opt_str(params, "text")
        if text is not None and len(text) > MAX_MESSAGE_TEXT:
            raise _ApiError("msg_too_long")
        blocks = params.get("blocks")
        if blocks is not None and blocks != "":
            if not isinstance(blocks, list):
                raise _ApiError("invalid_blocks_format")
            problems = validate_blocks(blocks, "message")
            if problems:
                raise _blocks_error("invalid_blocks", problems)
        else:
            blocks = None
        attachments = params.get("attachments")
        if attachments is not None and attachments != "":
            if not isinstance(attachments, list):
                raise _ApiError("invalid_attachments")
        else:
            attachments = None
        return text, blocks, attachments

    def _new_message(
        self,
        ch: _Channel,
        user_id: str,
        *,
        text: str | None,
        blocks: list[JsonDict] | None,
        attachments: list[JsonDict] | None = None,
        thread_ts: str | None = None,
        files: list[JsonDict] | None = None,
        metadata: Any = None,
    ) -> JsonDict:
        message: JsonDict = {
            "type": "message",
            "ts": self._next_ts(),
            "channel": ch.id,
            "user": user_id,
            "bot_id": self.bot_id if user_id == self.bot_user_id else None,
            "text": text or "",
            "blocks": copy.deepcopy(blocks) if blocks is not None else [],
            "attachments": copy.deepcopy(attachments) if attachments is not None else [],
            "thread_ts": thread_ts,
            "files": files or [],
            "metadata": metadata,
            "edited": None,
            "versions": [],
        }
        ch.messages.append(message)
        return message

    def _public_message(self, ch: _Channel, m: JsonDict) -> JsonDict:
        out: JsonDict = {"type": "message", "user": m["user"], "text": m["text"], "ts": m["ts"]}
        if m["bot_id"]:
            out["bot_id"] = m["bot_id"]
            out["app_id"] = self.app_id
        out["team"] = self.team_id
        if m["blocks"]:
            out["blocks"] = copy.deepcopy(m["blocks"])
        if m["attachments"]:
            out["attachments"] = copy.deepcopy(m["attachments"])
        if m["files"]:
            out["files"] = copy.deepcopy(m["files"])
            out["upload"] = True
        if m["metadata"]:
            out["metadata"] = copy.deepcopy(m["metadata"])
        if m["edited"]:
            out["edited"] = dict(m["edited"])
        if m["thread_ts"]:
            out["thread_ts"] = m["thread_ts"]
            if m["thread_ts"] == m["ts"]:
                replies = [r for r in ch.messages if r["thread_ts"] == m["ts"] and r is not m]
                out["reply_count"] = len(replies)
                out["reply_users"] = list(dict.fromkeys(r["user"] for r in replies))
                if replies:
                    out["latest_reply"] = replies[-1]["ts"]
        return out

    def _channel_info(self, ch: _Channel) -> JsonDict:
        info: JsonDict = {
            "id": ch.id,
            "created": ch.created,
            "is_archived": False,
            "is_member": self.bot_user_id in ch.members,
            "context_team_id": self.team_id,
        }
        if ch.is_im:
            info.update({"is_im": True, "user": ch.im_user, "is_open": True})
        else:
            info.update(
                {
                    "name": ch.name,
                    "is_channel": not ch.is_private and not ch.is_mpim,
                    "is_group": ch.is_private and not ch.is_mpim,
                    "is_im": False,
                    "is_mpim": ch.is_mpim,
                    "is_private": ch.is_private,
                    "is_general": False,
                    "num_members": len(ch.members),
                }
            )
        return info

    def _require_member(self, ch: _Channel) -> None:
        if self.bot_user_id not in ch.members:
            raise _ApiError("not_in_channel")

    # ======================================================================================
    # Web API methods (called with the lock held)
    # ======================================================================================

    def _api_test(self, params: JsonDict) -> JsonDict:
        return {"args": {k: v for k, v in params.items() if k != "token"}}

    def _auth_test(self, params: JsonDict) -> JsonDict:
        return {
            "url": f"https://{self.team_domain}.slack.com/",
            "team": self.team_name,
            "user": self._users[self.bot_user_id]["name"],
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
            **({"enterprise_id": self.enterprise_id} if self.enterprise_id else {}),
        }

    def _chat_post_message(self, params: JsonDict) -> JsonDict:
        ref = _opt_str(params, "channel")
        if ref is not None and ref not in self._channels and ref in self._users:
            ch = self._open_dm(ref)  # Slack lets apps post to a user ID: the app's DM
        else:
            ch = self._channel_or_error(params)
        self._take_post_token(ch.id)
        self._require_member(ch)
        text, blocks, attachments = self._parse_content(params)
        if not text and not blocks and not attachments:
            raise _ApiError("no_text")
        thread_ts = _opt_str(params, "thread_ts")
        if thread_ts is not None:
            thread_ts = self._thread_root(ch, thread_ts)
        message = self._new_message(
            ch,
            self.bot_user_id,
            text=text,
            blocks=blocks,
            attachments=attachments,
            thread_ts=thread_ts,
            metadata=params.get("metadata"),
        )
        if thread_ts is not None:
            root = self._find_message(ch, thread_ts)
            if root is not None and root["thread_ts"] is None:
                root["thread_ts"] = root["ts"]
        return {
            "channel": ch.id,
            "ts": message["ts"],
            "message": self._public_message(ch, message),
        }

    def _chat_update(self, params: JsonDict) -> JsonDict:
        ch = self._channel_or_error(params)
        message = self._find_message(ch, _opt_str(params, "ts"))
        if message is None:
            raise _ApiError("message_not_found")
        if message["user"] != self.bot_user_id:
            raise _ApiError("cant_update_message")
        text, blocks, attachments = self._parse_content(params)
        if text is None and blocks is None and attachments is None:
            raise _ApiError("no_text")
        self._edit_message(message, text=text, blocks=blocks, attachments=attachments)
        return {
            "channel": ch.id,
            "ts": message["ts"],
            "text": message["text"],
            "message": self._public_message(ch, message),
        }

    def _edit_message(
        self,
        message: JsonDict,
        *,
        text: str | None,
        blocks: list[JsonDict] | None,
        attachments: list[JsonDict] | None,
    ) -> None:
        message["versions"].append(
            {
                "text": message["text"],
                "blocks": copy.deepcopy(message["blocks"]),
                "attachments": copy.deepcopy(message["attachments"]),
                "edited": message["edited"],
            }
        )
        if text is not None:
            message["text"] = text
        if blocks is not None:
            message["blocks"] = copy.deepcopy(blocks)
        if attachments is not None:
            message["attachments"] = copy.deepcopy(attachments)
        message["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}

    def _chat_delete(self, params: JsonDict) -> JsonDict:
        ch = self._channel_or_error(params)
        message = self._find_message(ch, _opt_str(params, "ts"))
        if message is None:
            raise _ApiError("message_not_found")
        if message["user"] != self.bot_user_id:
            raise _ApiError("cant_delete_message")
        ch.messages.remove(message)
        return {"channel": ch.id, "ts": message["ts"]}

    def _chat_post_ephemeral(self, params: JsonDict) -> JsonDict:
        ch = self._channel_or_error(params)
        user = _opt_str(params, "user")
        if user is None or user not in self._users:
            raise _ApiError("user_not_found")
        self._require_member(ch)
        if user not in ch.members:
            raise _ApiError("user_not_in_channel")
        text, blocks, attachments = self._parse_content(params)
        if not text and not blocks and not attachments:
            raise _ApiError("no_text")
        thread_ts = _opt_str(params, "thread_ts")
        if thread_ts is not None:
            thread_ts = self._thread_root(ch, thread_ts)
        ts = self._next_ts()
        self._ephemerals.append(
            {
                "channel": ch.id,
                "user": user,
                "ts": ts,
                "text": text or "",
                "blocks": blocks or [],
                "attachments": attachments or [],
                "thread_ts": thread_ts,
                "source": "chat.postEphemeral",
            }
        )
        return {"message_ts": ts}

    def _chat_get_permalink(self, params: JsonDict) -> JsonDict:
        ch = self._channel_or_error(params)
        message = self._find_message(ch, _opt_str(params, "message_ts"))
        if message is None:
            raise _ApiError("message_not_found")
        p_ts = "p" + str(message["ts"]).replace(".", "")
        link = f"https://{self.team_domain}.slack.com/archives/{ch.id}/{p_ts}"
        if message["thread_ts"] and message["thread_ts"] != message["ts"]:
            link += f"?thread_ts={message['thread_ts']}&cid={ch.id}"
        return {"channel": ch.id, "permalink": link}

    def _conversations_members(self, params: JsonDict) -> JsonDict:
        ch = self._channel_or_error(params)
        page, next_cursor = _paginate(ch.members, params)
        return {"members": page, "response_metadata": {"next_cursor": next_cursor}}

    def _conversations_info(self, params: JsonDict) -> JsonDict:
        return {"channel": self._channel_info(self._channel_or_error(params))}

    def _conversations_open(self, params: JsonDict) -> JsonDict:
        if _opt_str(params, "channel") is not None:
            ch = self._channel_or_error(params)
            return {"channel": self._channel_info(ch), "no_op": True, "already_open": True}
        raw = params.get("users")
        if isinstance(raw, list):
            user_ids = [str(u) for u in raw]
        else:
            user_ids = [u.strip() for u in (_opt_str(params, "users") or "").split(",")]
        user_ids = [u for u in dict.fromkeys(user_ids) if u]
        if not user_ids:
            raise _ApiError("users_list_not_supplied")
        for uid in user_ids:
            if uid not in self._users:
                raise _ApiError("user_not_found")
        if len(user_ids) > 8:
            raise _ApiError("too_many_users")
        if len(user_ids) == 1:
            if user_ids[0] == self.bot_user_id:
                raise _ApiError("cannot_dm_bot")
            already = user_ids[0] in self._dms
            ch = self._open_dm(user_ids[0])
        else:
            members = sorted({*user_ids, self.bot_user_id})
            found = next(
                (c for c in self._channels.values() if c.is_mpim and sorted(c.members) == members),
                None,
            )
            already = found is not None
            if found is None:
                names = "--".join(self._users[u]["name"] for u in members)
                found = _Channel(
                    id=self._next_id("G"),
                    name=f"mpdm-{names}-1",
                    members=members,
                    is_private=True,
                    is_mpim=True,
                )
                self._channels[found.id] = found
            ch = found
        info = self._channel_info(ch) if _flag(params, "return_im") else {"id": ch.id}
        result: JsonDict = {"channel": info}
        if already:
            result.update({"no_op": True, "already_open": True})
        return result

    def _conversations_history(self, params: JsonDict) -> JsonDict:
        ch = self._channel_or_error(params)
        self._require_member(ch)
        top = [m for m in reversed(ch.messages) if m["thread_ts"] in (None, m["ts"])]
        page, next_cursor = _paginate(top, params)
        return {
            "messages": [self._public_message(ch, m) for m in page],
            "has_more": bool(next_cursor),
            "response_metadata": {"next_cursor": next_cursor},
        }

    def _conversations_replies(self, params: JsonDict) -> JsonDict:
        ch = self._channel_or_error(params)
        self._require_member(ch)
        root = self._find_message(ch, _opt_str(params, "ts"))
        if root is None:
            raise _ApiError("thread_not_found")
        thread = [m for m in ch.messages if m is root or m["thread_ts"] == root["ts"]]
        page, next_cursor = _paginate(thread, params, default=1000)
        return {
            "messages": [self._public_message(ch, m) for m in page],
            "has_more": bool(next_cursor),
            "response_metadata": {"next_cursor": next_cursor},
        }

    def _users_info(self, params: JsonDict) -> JsonDict:
        user = self._users.get(_opt_str(params, "user") or "")
        if user is None:
            raise _ApiError("user_not_found")
        return {"user": copy.deepcopy(user)}

    # -- views --------------------------------------------------------------------------------

    def _view_param(self, params: JsonDict, surface: Literal["modal", "home"]) -> JsonDict:
        view = params.get("view")
        if not isinstance(view, dict):
            raise _blocks_error(
                "invalid_arguments", ["view must be a JSON object [json-pointer:/view]"]
            )
        problems = validate_view(view, surface)
        if problems:
            raise _blocks_error("invalid_arguments", problems)
        return view

    def _consume_trigger(self, params: JsonDict) -> _Trigger:
        trigger_id = _opt_str(params, "trigger_id")
        trigger = self._triggers.get(trigger_id or "")
        if trigger is None:
            raise _ApiError("invalid_trigger_id")
        if self.clock() - trigger.issued_at > self.trigger_ttl:
            raise _ApiError("expired_trigger_id")
        if trigger.used:
            raise _ApiError("exchanged_trigger_id")
        trigger.used = True
        return trigger

    def _build_view(
        self,
        view: JsonDict,
        *,
        view_id: str,
        root_view_id: str,
        previous_view_id: str | None,
        user_id: str | None,
    ) -> JsonDict:
        external_id = view.get("external_id") or ""
        if external_id and any(
            v.get("external_id") == external_id and v["id"] != view_id for v in self._views.values()
        ):
            raise _ApiError("duplicate_external_id")
        built: JsonDict = {
            "id": view_id,
            "team_id": self.team_id,
            "type": view.get("type"),
            "blocks": copy.deepcopy(view.get("blocks", [])),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
            "title": copy.deepcopy(view.get("title")),
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "close": copy.deepcopy(view.get("close")),
            "submit": copy.deepcopy(view.get("submit")),
            "previous_view_id": previous_view_id,
            "root_view_id": root_view_id,
            "app_id": self.app_id,
            "external_id": external_id,
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
            "user_id": user_id,
        }
        self._views[view_id] = built
        return built

    def _views_open(self, params: JsonDict) -> JsonDict:
        view = self._view_param(params, "modal")
        trigger = self._consume_trigger(params)
        view_id = self._next_id("V")
        built = self._build_view(
            view,
            view_id=view_id,
            root_view_id=view_id,
            previous_view_id=None,
            user_id=trigger.user_id,
        )
        if trigger.user_id is not None:
            self._view_stacks[trigger.user_id] = [view_id]
        self._views_opened.append(view_id)
        return {"view": self._public_view(built)}

    def _views_push(self, params: JsonDict) -> JsonDict:
        view = self._view_param(params, "modal")
        trigger = self._consume_trigger(params)
        stack = self._view_stacks.get(trigger.user_id or "", [])
        if len(stack) >= 3:
            raise _ApiError("push_limit_reached")
        view_id = self._next_id("V")
        root = self._views[stack[0]]["root_view_id"] if stack else view_id
        built = self._build_view(
            view,
            view_id=view_id,
            root_view_id=root,
            previous_view_id=stack[-1] if stack else None,
            user_id=trigger.user_id,
        )
        if trigger.user_id is not None:
            self._view_stacks.setdefault(trigger.user_id, []).append(view_id)
        self._views_opened.append(view_id)
        return {"view": self._public_view(built)}

    def _views_update(self, params: JsonDict) -> JsonDict:
        view_id = _opt_str(params, "view_id")
        external_id = _opt_str(params, "external_id")
        if view_id is None and external_id is None:
            raise _ApiError("invalid_arguments")
        existing = (
            self._views.get(view_id)
            if view_id is not None
            else next((v for v in self._views.values() if v["external_id"] == external_id), None)
        )
        if existing is None:
            raise _ApiError("not_found")
        view = self._view_param(params, "home" if existing["type"] == "home" else "modal")
        given_hash = _opt_str(params, "hash")
        if given_hash is not None and given_hash != existing["hash"]:
            raise _ApiError("hash_conflict")
        built = self._build_view(
            view,
            view_id=existing["id"],
            root_view_id=existing["root_view_id"],
            previous_view_id=existing["previous_view_id"],
            user_id=existing["user_id"],
        )
        if built["type"] == "home" and built["user_id"]:
            self._home_views[built["user_id"]] = built
        return {"view": self._public_view(built)}

    def _views_publish(self, params: JsonDict) -> JsonDict:
        user_id = _opt_str(params, "user_id")
        if user_id is None or user_id not in self._users:
            raise _ApiError("user_not_found")
        view = self._view_param(params, "home")
        previous = self._home_views.get(user_id)
        given_hash = _opt_str(params, "hash")
        if previous is not None and given_hash is not None and given_hash != previous["hash"]:
            raise _ApiError("hash_conflict")
        view_id = previous["id"] if previous is not None else self._next_id("V")
        built = self._build_view(
            view, view_id=view_id, root_view_id=view_id, previous_view_id=None, user_id=user_id
        )
        self._home_views[user_id] = built
        return {"view": self._public_view(built)}

    @staticmethod
    def _public_view(view: JsonDict) -> JsonDict:
        return {k: copy.deepcopy(v) for k, v in view.items() if k != "user_id"}

    def apply_view_submission_response(
        self, user_id: str, view_id: str, response: Any
    ) -> list[str]:
        """Does what Slack does with an app's answer to a view_submission (used by SlackSender).

        No body / no response_action closes the modal; ``errors`` keeps it; ``update``
        replaces it; ``push`` pushes a new one; ``clear`` closes all. Returns problems
        (e.g. an invalid view in the response), which Slack would show to the user as an error.
        """
        with self._lock:
            stack = self._view_stacks.setdefault(user_id, [])
            action = response.get("response_action") if isinstance(response, dict) else None
            if action == "errors":
                errors = response.get("errors")
                if not isinstance(errors, dict) or not errors:
                    return ["response_action errors needs a non-empty errors object"]
                current = self._views.get(view_id)
                blocks = current["blocks"] if current else []
                ids = {b.get("block_id") for b in blocks if isinstance(b, dict)}
                unknown = [k for k in errors if k not in ids]
                return [f"errors names unknown block_id {k!r}" for k in unknown]
            if action in ("update", "push"):
                new_view = response.get("view")
                problems = validate_view(new_view, "modal")
                if problems:
                    return problems
                assert isinstance(new_view, dict)
                if action == "update":
                    old = self._views.get(view_id)
                    if old is None:
                        return [f"unknown view {view_id}"]
                    self._build_view(
                        new_view,
                        view_id=view_id,
                        root_view_id=old["root_view_id"],
                        previous_view_id=old["previous_view_id"],
                        user_id=user_id,
                    )
                else:
                    if len(stack) >= 3:
                        return ["push_limit_reached"]
                    new_id = self._next_id("V")
                    self._build_view(
                        new_view,
                        view_id=new_id,
                        root_view_id=stack[0] if stack else new_id,
                        previous_view_id=view_id,
                        user_id=user_id,
                    )
                    stack.append(new_id)
                    self._views_opened.append(new_id)
                return []
            if action == "clear":
                stack.clear()
                return []
            if action is not None:
                return [f"unknown response_action {action!r}"]
            if view_id in stack:
                del stack[stack.index(view_id) :]
            return []

    # -- files --------------------------------------------------------------------------------

    def _files_get_upload_url(self, params: JsonDict) -> JsonDict:
        filename = _opt_str(params, "filename")
        length = _opt_str(params, "length")
        if filename is None or length is None or not length.isdigit():
            raise _ApiError("invalid_arguments")
        file_id = self._next_id("F")
        self._files[file_id] = UploadedFile(
            id=file_id,
            filename=filename,
            length=int(length),
            alt_txt=_opt_str(params, "alt_txt"),
            snippet_type=_opt_str(params, "snippet_type"),
        )
        return {"upload_url": f"{self.base_url}/upload/{file_id}", "file_id": file_id}

    def _handle_upload(self, file_id: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            upload = self._files.get(file_id)
            if upload is None or upload.completed:
                return 404, {"Content-Type": "text/plain"}, b"not found"
            upload.data = bytes(body)
        return 200, {"Content-Type": "text/plain"}, f"OK - {len(body)}".encode()

    def _files_complete_upload(self, params: JsonDict) -> JsonDict:
        items = params.get("files")
        if not isinstance(items, list) or not items:
            raise _ApiError("invalid_arguments")
        uploads: list[tuple[UploadedFile, str | None]] = []
        for item in items:
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                raise _ApiError("invalid_arguments")
            upload = self._files.get(item["id"])
            if upload is None or upload.completed:
                raise _ApiError("file_not_found")
            if not upload.uploaded:
                raise _ApiError(
                    "file_not_found",
                    extra={"detail": f"{upload.id} was never uploaded to its upload_url"},
                )
            title = item.get("title")
            uploads.append((upload, title if isinstance(title, str) else None))

        targets: list[_Channel] = []
        if _opt_str(params, "channel_id") is not None:
            targets.append(self._channel_or_error(params, "channel_id"))
        for ref in (_opt_str(params, "channels") or "").split(","):
            if ref.strip():
                targets.append(self._channel_or_error({"channel": ref.strip()}))
        for ch in targets:
            self._require_member(ch)
        thread_ts = _opt_str(params, "thread_ts")
        roots: dict[str, str] = {}
        if thread_ts is not None:
            for ch in targets:
                roots[ch.id] = self._thread_root(ch, thread_ts)
        initial_comment = _opt_str(params, "initial_comment")

        file_objects: list[JsonDict] = []
        for upload, title in uploads:
            upload.title = title or upload.filename
            upload.initial_comment = initial_comment
            upload.thread_ts = thread_ts
            upload.completed = True
            upload.channels = [ch.id for ch in targets]
            file_objects.append(self._file_object(upload))
        for ch in targets:
            root = roots.get(ch.id)
            message = self._new_message(
                ch,
                self.bot_user_id,
                text=initial_comment,
                blocks=None,
                thread_ts=root,
                files=copy.deepcopy(file_objects),
            )
            for upload, _ in uploads:
                upload.message_ts.append(str(message["ts"]))
        return {"files": file_objects}

    def _file_object(self, upload: UploadedFile) -> JsonDict:
        return {
            "id": upload.id,
            "name": upload.filename,
            "title": upload.title,
            "size": len(upload.data or b""),
            "user": self.bot_user_id,
            "alt_txt": upload.alt_txt,
            "url_private": f"https://files.slack.com/files-pri/{self.team_id}-{upload.id}/"
            f"{upload.filename}",
            "permalink": f"https://{self.team_domain}.slack.com/files/{self.bot_user_id}/"
            f"{upload.id}/{upload.filename}",
        }

    # -- response_url -------------------------------------------------------------------------

    def _handle_response_url(
        self, url_id: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            url = f"{self.base_url}/response/{url_id}"
            payload: JsonDict = {}
            try:
                parsed = _parse_body(headers.get("content-type", ""), body)
                if "payload" in parsed and isinstance(parsed["payload"], str):
                    parsed = json.loads(parsed["payload"])
                if not isinstance(parsed, dict):
                    raise ValueError("not an object")
                payload = parsed
                for key in ("blocks", "attachments"):
                    if isinstance(payload.get(key), str):
                        payload[key] = json.loads(payload[key])
                status, response = self._apply_response_url(url_id, payload)
            except ValueError:
                status, response = 400, {"ok": False, "error": "invalid_payload"}
            except _ApiError as exc:
                status, response = exc.status, exc.body()
            self._responses.append(
                ResponsePost(
                    url=url,
                    body=copy.deepcopy(payload),
                    status=status,
                    error=response.get("error"),
                    time=time.time(),
                )
            )
        return _json_reply(status, response)

    def _apply_response_url(self, url_id: str, payload: JsonDict) -> tuple[int, JsonDict]:
        binding = self._response_urls.get(url_id)
        if binding is None:
            raise _ApiError("no_service", status=404)
        if binding.uses >= _RESPONSE_URL_MAX_USES:
            raise _ApiError("used_url", status=404)
        binding.uses += 1
        self._apply_message_response(
            payload,
            channel_id=binding.channel_id,
            user_id=binding.user_id,
            message_ts=binding.message_ts,
            is_ephemeral=binding.is_ephemeral,
            source="response_url",
        )
        return 200, {"ok": True}

    def apply_message_response(
        self,
        payload: JsonDict,
        *,
        channel_id: str | None,
        user_id: str | None,
        message_ts: str | None = None,
        is_ephemeral: bool = False,
        source: str = "response",
    ) -> list[str]:
        """Applies a response_url-style message payload as Slack would (used by SlackSender
        for a slash command's immediate HTTP response). Returns the reasons Slack would
        refuse it (empty when applied)."""
        try:
            self._apply_message_response(
                payload,
                channel_id=channel_id,
                user_id=user_id,
                message_ts=message_ts,
                is_ephemeral=is_ephemeral,
                source=source,
            )
        except _ApiError as exc:
            errors = exc.extra.get("errors")
            return [exc.error, *(errors if isinstance(errors, list) else [])]
        return []

    def _apply_message_response(
        self,
        payload: JsonDict,
        *,
        channel_id: str | None,
        user_id: str | None,
        message_ts: str | None = None,
        is_ephemeral: bool = False,
        source: str = "response",
    ) -> None:
        with self._lock:
            delete = _flag(payload, "delete_original")
            text = _opt_str(payload, "text")
            if text is not None and len(text) > MAX_MESSAGE_TEXT:
                raise _ApiError("msg_too_long", status=400)
            blocks = payload.get("blocks")
            if blocks is not None:
                if not isinstance(blocks, list):
                    raise _ApiError("invalid_blocks_format", status=400)
                problems = validate_blocks(blocks, "message")
                if problems:
                    err = _blocks_error("invalid_blocks", problems)
                    err.status = 400
                    raise err
            attachments = payload.get("attachments")
            if not delete and not text and not blocks and not attachments:
                raise _ApiError("no_text", status=400)

            ch = self._channels.get(channel_id or "")
            original = self._find_message(ch, message_ts) if not is_ephemeral else None
            if delete:
                if ch is not None and original is not None:
                    ch.messages.remove(original)
                return
            if _flag(payload, "replace_original"):
                if original is not None:
                    self._edit_message(
                        original,
                        text=text or "",
                        blocks=blocks if isinstance(blocks, list) else [],
                        attachments=attachments if isinstance(attachments, list) else [],
                    )
                    return
                if is_ephemeral and ch is not None and user_id is not None:
                    self._record_response_ephemeral(ch.id, user_id, payload, source)
                return
            if payload.get("response_type") == "in_channel" and ch is not None:
                thread_ts = _opt_str(payload, "thread_ts")
                if thread_ts is not None and self._find_message(ch, thread_ts) is None:
                    thread_ts = None
                self._new_message(
                    ch,
                    self.bot_user_id,
                    text=text,
                    blocks=blocks if isinstance(blocks, list) else None,
                    attachments=attachments if isinstance(attachments, list) else None,
                    thread_ts=self._thread_root(ch, thread_ts) if thread_ts else None,
                )
                return
            if ch is not None and user_id is not None:
                self._record_response_ephemeral(ch.id, user_id, payload, source)

    def _record_response_ephemeral(
        self, channel_id: str, user_id: str, payload: JsonDict, source: str
    ) -> None:
        blocks = payload.get("blocks")
        attachments = payload.get("attachments")
        self._ephemerals.append(
            {
                "channel": channel_id,
                "user": user_id,
                "ts": self._next_ts(),
                "text": _opt_str(payload, "text") or "",
                "blocks": copy.deepcopy(blocks) if isinstance(blocks, list) else [],
                "attachments": copy.deepcopy(attachments) if isinstance(attachments, list) else [],
                "thread_ts": _opt_str(payload, "thread_ts"),
                "source": source,
            }
        )


# ==========================================================================================
# HTTP plumbing
# ==========================================================================================


def _parse_body(content_type: str, body: bytes) -> JsonDict:
    """Parses a JSON, form-encoded or multipart request body (slack_sdk sends all three).

    Raises ValueError for a body that cannot be parsed.
    """
    if not body:
        return {}
    if content_type.lower().startswith("multipart/form-data"):
        return _parse_multipart(content_type, body)
    text = body.decode("utf-8")  # UnicodeDecodeError is a ValueError
    stripped = text.lstrip()
    if "json" in content_type.lower() or stripped.startswith("{"):
        parsed = json.loads(text)
        if not isinstance(parsed, dict):
            raise ValueError("JSON body must be an object")
        return parsed
    return {k: v[0] for k, v in parse_qs(text, keep_blank_values=True).items()}


def _parse_multipart(content_type: str, body: bytes) -> JsonDict:
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


def _json_reply(
    status: int, body: JsonDict, headers: Mapping[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    out = {"Content-Type": "application/json; charset=utf-8", **(headers or {})}
    return status, out, json.dumps(body).encode("utf-8")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    emulator: SlackEmulator


class _Handler(BaseHTTPRequestHandler):
    server: _Server
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
        except _AnswerWithheld as withheld:
            if withheld.stall:
                self.server.emulator._stall()
            self.close_connection = True
            return
        except Exception as exc:  # a bug in the emulator: answer loudly, don't hang the client
            status, out_headers, payload = _json_reply(
                500, {"ok": False, "error": "emulator_crashed", "detail": repr(exc)}
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
        return

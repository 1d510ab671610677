"""The emulator's core: its state, lifecycle, authentication, rate limits and the Web API
call path shared by every API family."""

from __future__ import annotations

import contextlib
import copy
import json
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs

from tests.local_server import ServedInThread

from .records import (
    JSON_PARAMS,
    AnswerWithheld,
    ApiError,
    Call,
    Channel,
    Failure,
    JsonDict,
    LostAnswer,
    ResponsePost,
    ResponseUrl,
    Trigger,
    UploadedFile,
    json_reply,
    opt_str,
    parse_body,
    tz_offset,
)
from .server import Handler, Server


class EmulatorCore:
    """The state and plumbing of the emulator; the API families are mixins on it (slack_api)."""

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
        self._served: ServedInThread | None = None
        self._seq = 0
        self._last_ts_micros = 0

        self._users: dict[str, JsonDict] = {}
        self._channels: dict[str, Channel] = {}
        self._dms: dict[str, str] = {}
        self._calls: list[Call] = []
        self._ephemerals: list[JsonDict] = []
        self._triggers: dict[str, Trigger] = {}
        self._views: dict[str, JsonDict] = {}
        self._view_stacks: dict[str, list[str]] = {}
        self._views_opened: list[str] = []
        self._home_views: dict[str, JsonDict] = {}
        self._files: dict[str, UploadedFile] = {}
        self._response_urls: dict[str, ResponseUrl] = {}
        self._response_url_list: list[str] = []
        self._responses: list[ResponsePost] = []
        self._failures: dict[str, deque[Failure]] = {}
        self._lost_answers: dict[str, deque[LostAnswer]] = {}
        self._stopping = threading.Event()
        self._update_window: deque[float] = deque()
        self._post_buckets: dict[str, tuple[float, float]] = {}

        self._methods = self._api_methods()
        self.add_user(bot_user_id, bot_name, is_bot=True)

    def start(self) -> Self:
        if self._served is None:
            self._stopping.clear()
            server = Server(("127.0.0.1", 0), Handler)
            server.emulator = self
            self._served = ServedInThread(server, "slack-emulator")
        return self

    def stop(self) -> None:
        served, self._served = self._served, None
        if served is not None:
            self._stopping.set()  # stalled answers give up
            served.stop()

    def __enter__(self) -> Self:
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
        if self._served is None:
            raise RuntimeError("SlackEmulator is not started; call start() or use `with`")
        return self._served.port

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:PORT (no trailing slash)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        """The value for ``WebClient(base_url=...)``: http://127.0.0.1:PORT/api/."""
        return f"{self.base_url}/api/"

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
        offset, label = tz_offset(tz)
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

    def _api_methods(self) -> dict[str, Callable[[JsonDict], JsonDict]]:
        """The Web API methods served, by name (the assembled emulator lists them)."""
        return {}

    def _handle_http(
        self, verb: str, raw_path: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        """One HTTP request (the assembled emulator routes it)."""
        return json_reply(404, {"ok": False, "error": "not_found"})

    def _handle_api(
        self, method: str, query: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        params: JsonDict = {k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items()}
        parse_error: str | None = None
        try:
            params.update(parse_body(headers.get("content-type", ""), body))
        except ValueError:
            is_json = "json" in headers.get("content-type", "").lower()
            parse_error = "invalid_json" if is_json else "invalid_form_data"
        for key in JSON_PARAMS:
            value = params.get(key)
            if isinstance(value, str) and value:
                # left as a string if not JSON: the method reports the format error
                with contextlib.suppress(ValueError):
                    params[key] = json.loads(value)
        with self._lock:
            extra_headers: dict[str, str] = {}
            try:
                if parse_error:
                    raise ApiError(parse_error)
                data = self._call_locked(method, params, headers)
                status, response = 200, {"ok": True, **data}
            except ApiError as exc:
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
            return json_reply(500, {"ok": False, "error": "internal_error"})
        if lost is not None:
            raise AnswerWithheld(stall=lost.how == "stall")
        return json_reply(status, response, extra_headers)

    def _call_locked(self, method: str, params: JsonDict, headers: Mapping[str, str]) -> JsonDict:
        queue = self._failures.get(method)
        if queue:
            failure = queue.popleft()
            if failure.error is not None:
                raise ApiError(failure.error)
            if failure.status == 429:
                raise ApiError(
                    "ratelimited",
                    status=429,
                    headers={"Retry-After": str(failure.retry_after)},
                )
            raise ApiError("internal_error", status=failure.status)
        handler = self._methods.get(method)
        if handler is None:
            raise ApiError("unknown_method")
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
            token = opt_str(params, "token")
        if token is None:
            raise ApiError("not_authed")
        if token != self.token:
            raise ApiError("invalid_auth")

    def _check_update_rate(self) -> None:
        now = self.clock()
        window = self._update_window
        while window and window[0] <= now - 60.0:
            window.popleft()
        if len(window) >= self.update_limit_per_minute:
            retry_after = max(1, math.ceil(window[0] + 60.0 - now))
            raise ApiError("ratelimited", status=429, headers={"Retry-After": str(retry_after)})
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
            raise ApiError("ratelimited", status=429, headers={"Retry-After": str(retry_after)})
        self._post_buckets[channel_id] = (tokens - 1.0, now)

    def _next_id(self, prefix: str) -> str:
        self._seq += 1
        return f"{prefix}{self._seq:09d}"

    def _next_ts(self) -> str:
        micros = max(int(time.time() * 1_000_000), self._last_ts_micros + 100)
        self._last_ts_micros = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _channel_or_error(self, params: Mapping[str, Any], key: str = "channel") -> Channel:
        ref = opt_str(params, key)
        if ref is None:
            raise ApiError("channel_not_found")
        ch = self._channels.get(ref)
        if ch is None:
            name = ref.removeprefix("#")
            ch = next((c for c in self._channels.values() if c.name == name), None)
        if ch is None:
            raise ApiError("channel_not_found")
        if ch.is_private and self.bot_user_id not in ch.members:
            raise ApiError("channel_not_found")
        return ch

    def _open_dm(self, user_id: str) -> Channel:
        existing = self._dms.get(user_id)
        if existing is not None:
            return self._channels[existing]
        channel_id = self._next_id("D")
        ch = Channel(
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

    def _channel_info(self, ch: Channel) -> JsonDict:
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

    def _require_member(self, ch: Channel) -> None:
        if self.bot_user_id not in ch.members:
            raise ApiError("not_in_channel")

    def _take_lost_answer(self, method: str, params: JsonDict) -> LostAnswer | None:
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

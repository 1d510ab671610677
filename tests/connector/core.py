"""The double's core: its state, lifecycle, routes and the call path every request takes
(faults, the Content-Type, the JSON body, the operation, lost answers, the record)."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs, unquote, urlsplit

from tests.local_server import ServedInThread

from .records import (
    DEFAULT_APP_ID,
    DEFAULT_TENANT_ID,
    Answer,
    AnswerWithheld,
    Call,
    ConnectorError,
    Fault,
    Request,
    StoredChannel,
    StoredChat,
    StoredMessage,
    TeamsUser,
    channel_id_for,
    json_reply,
    stable_uuid,
)
from .server import Handler, Server

Operation = Callable[[Request], Answer]

_CID = r"(?P<cid>[^/]+)"
#: (HTTP method, path, operation): the operations are named as the SDK's connector client
#: names its methods, so that faults and calls can be picked out by them.
ROUTES: tuple[tuple[str, re.Pattern[str], str], ...] = tuple(
    (method, re.compile(pattern, re.IGNORECASE), operation)
    for method, pattern, operation in (
        ("POST", r"^/v3/conversations/?$", "create_conversation"),
        ("POST", rf"^/v3/conversations/{_CID}/activities/?$", "send_to_conversation"),
        ("POST", rf"^/v3/conversations/{_CID}/activities/(?P<aid>[^/]+)/?$", "reply_to_activity"),
        ("PUT", rf"^/v3/conversations/{_CID}/activities/(?P<aid>[^/]+)/?$", "update_activity"),
        ("DELETE", rf"^/v3/conversations/{_CID}/activities/(?P<aid>[^/]+)/?$", "delete_activity"),
        ("GET", rf"^/v3/conversations/{_CID}/members/?$", "get_conversation_members"),
        ("GET", rf"^/v3/conversations/{_CID}/members/(?P<mid>[^/]+)/?$", "get_conversation_member"),
        ("GET", rf"^/v3/conversations/{_CID}/pagedmembers/?$", "get_conversation_paged_members"),
        ("GET", r"^/v3/teams/(?P<tid>[^/]+)/?$", "fetch_team_details"),
        ("GET", r"^/v3/teams/(?P<tid>[^/]+)/conversations/?$", "fetch_channel_list"),
    )
)


class ConnectorCore:
    """State and plumbing; the operations are mixins on it (see double.py)."""

    def __init__(
        self,
        *,
        tenant_id: str = DEFAULT_TENANT_ID,
        app_id: str = DEFAULT_APP_ID,
        bot_name: str = "Assess",
        team_name: str = "Children's Trust Board",
        team_id: str | None = None,
        team_aad_group_id: str | None = None,
        domain: str = "trust.example.org",
        users: Iterable[TeamsUser] = (),
        page_size: int = 2,
    ) -> None:
        self.tenant_id = tenant_id
        self.app_id = app_id
        self.bot_id = f"28:{app_id}"
        self.bot_name = bot_name
        self.team_name = team_name
        self.team_id = team_id or channel_id_for(f"{team_name}/General")
        self.team_aad_group_id = team_aad_group_id or stable_uuid("team", team_name)
        self.domain = domain
        self.page_size = page_size

        self._lock = threading.RLock()
        self._served: ServedInThread | None = None
        self._last_id = 0
        self._users: dict[str, TeamsUser] = {}  # by aad object id
        self._channels: dict[str, StoredChannel] = {}
        self._chats: dict[str, StoredChat] = {}  # by chat id
        self._messages: dict[str, StoredMessage] = {}  # every message, by id
        self._calls: list[Call] = []
        self._faults: list[Fault] = []
        self._crashes: list[BaseException] = []
        self._operations: dict[str, Operation] = self._operation_table()

        self._channels[self.team_id] = StoredChannel(self.team_id, "General")
        for user in users:
            self._users[user.aad_object_id] = user

    # ------------------------------------------------------------------------ lifecycle

    def start(self) -> Self:
        if self._served is None:
            server = Server(("127.0.0.1", 0), Handler)
            server.double = self
            self._served = ServedInThread(server, "connector-double")
        return self

    def stop(self) -> None:
        served, self._served = self._served, None
        if served is not None:
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
            raise RuntimeError("ConnectorDouble is not started; call start() or use `with`")
        return self._served.port

    @property
    def url(self) -> str:
        """The service URL to give the app: http://127.0.0.1:PORT (no trailing slash)."""
        return f"http://127.0.0.1:{self.port}"

    # ------------------------------------------------------------------------- the calls

    def _operation_table(self) -> dict[str, Operation]:
        """The operations served, by name (the assembled double lists them)."""
        return {}

    def handle_http(
        self, verb: str, raw_path: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        """One HTTP request: answered, refused, or its answer lost (AnswerWithheld: drop)."""
        parts = urlsplit(raw_path)
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        path = unquote(parts.path)
        operation, params = route(verb, path)
        request = Request(verb, path, params, query)
        with self._lock:
            outcome, lost = self._answer(request, operation, headers, body)
            self._record(request, operation, headers, outcome, lost)
        if lost is not None and lost.how == "drop":
            raise AnswerWithheld()
        if lost is not None:
            outcome = ConnectorError(500, "InternalServerError", "An error has occurred.")
        if isinstance(outcome, ConnectorError):
            return json_reply(outcome.status, outcome.body(), outcome.headers)
        return json_reply(outcome.status, outcome.body)

    def _answer(
        self, request: Request, operation: str | None, headers: Mapping[str, str], body: bytes
    ) -> tuple[Answer | ConnectorError, Fault | None]:
        try:
            if operation is None:
                raise self._no_route(request)
            self._raise_fault(request, operation)
            if request.method in ("POST", "PUT"):
                request.body = parse_json(headers, body)
            answer = self._operations[operation](request)
        except ConnectorError as error:
            return error, None
        except Exception as exc:  # a bug in the double: kept for the test, never logged
            self._crashes.append(exc)
            return ConnectorError(500, "DoubleCrashed", type(exc).__name__), None
        return answer, self._take_fault(("lose",), request, operation)

    def _record(
        self,
        request: Request,
        operation: str | None,
        headers: Mapping[str, str],
        outcome: Answer | ConnectorError,
        lost: Fault | None,
    ) -> None:
        refused = outcome if isinstance(outcome, ConnectorError) else None
        answered = outcome if isinstance(outcome, Answer) else None
        self._calls.append(
            Call(
                method=request.method,
                path=request.path,
                query=request.query,
                operation=operation,
                status=outcome.status,
                authorization=headers.get("authorization"),
                time=time.time(),
                error=refused.code if refused else None,
                problems=refused.problems if refused else (),
                conversation_id=(
                    answered.conversation_id if answered else request.params.get("cid")
                ),
                activity_id=answered.activity_id if answered else request.params.get("aid"),
                answer_lost=lost.how if lost else None,
            )
        )

    def _no_route(self, request: Request) -> ConnectorError:
        if any(pattern.match(request.path) for _, pattern, _ in ROUTES):
            return ConnectorError(405, "MethodNotAllowed", f"{request.method} is not allowed here")
        return ConnectorError(404, "NotFound", "No such resource")

    # ---------------------------------------------------------------------------- faults

    def _raise_fault(self, request: Request, operation: str) -> None:
        fault = self._take_fault(("rate_limit", "fail"), request, operation)
        if fault is None:
            return
        if fault.kind == "rate_limit":
            raise ConnectorError(
                429,
                "Throttled",
                "Too many requests",
                headers={"Retry-After": str(fault.retry_after)},
            )
        codes = {502: "BadGateway", 503: "ServiceUnavailable", 504: "GatewayTimeout"}
        raise ConnectorError(
            fault.status, codes.get(fault.status, "InternalServerError"), "Injected failure"
        )

    def _take_fault(self, kinds: tuple[str, ...], request: Request, operation: str) -> Fault | None:
        for fault in self._faults:
            if fault.kind in kinds and fault.matches(request.method, request.path, operation):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    # ------------------------------------------------------------------------------- ids

    def _new_activity_id(self) -> str:
        """An id as Teams gives messages: milliseconds since the epoch, 13 digits, unique."""
        with self._lock:
            self._last_id = max(int(time.time() * 1000), self._last_id + 1)
            return str(self._last_id)


def route(verb: str, path: str) -> tuple[str | None, dict[str, str]]:
    for method, pattern, operation in ROUTES:
        match = pattern.match(path)
        if match and method == verb:
            return operation, {k: v for k, v in match.groupdict().items() if v is not None}
    return None, {}


def parse_json(headers: Mapping[str, str], body: bytes) -> Any:
    content_type = headers.get("content-type", "")
    if content_type.split(";")[0].strip().lower() != "application/json":
        raise ConnectorError(
            415,
            "UnsupportedMediaType",
            f"Content-Type must be application/json, not {content_type!r}",
        )
    try:
        parsed = json.loads(body.decode("utf-8"))
    except ValueError as exc:
        raise ConnectorError(400, "BadSyntax", "The body is not JSON") from exc
    if not isinstance(parsed, dict):
        raise ConnectorError(400, "BadSyntax", "The body must be a JSON object")
    return parsed

"""Global middleware that runs before any listener: a request from anywhere but the installed
workspace is refused, privately, changing nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import structlog
from slack_bolt import App, BoltContext, BoltResponse
from slack_sdk import WebClient

from handlers.slack.payloads import request_kind

log = structlog.get_logger(__name__)

OTHER_WORKSPACE = (
    "Sorry, this app serves only the Slack workspace it is installed in, so nothing was done."
)


@dataclass(frozen=True)
class Workspace:
    """The workspace the app is installed in, as `auth.test` names it."""

    team_id: str
    enterprise_id: str | None = None

    @classmethod
    def of(cls, client: WebClient) -> Workspace:
        answer = client.auth_test()
        enterprise = answer.get("enterprise_id")
        return cls(team_id=str(answer["team_id"]), enterprise_id=str(enterprise or "") or None)


def _value(node: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def _ids(values: Iterable[Any]) -> set[str]:
    return {v for v in values if isinstance(v, str) and v}


def claimed_teams(body: dict[str, Any]) -> set[str]:
    """Every workspace the request says it (or its sender) belongs to."""
    authorizations = body.get("authorizations")
    grants = authorizations if isinstance(authorizations, list) else []
    event_team = _value(body, "event", "user_team")
    return _ids(
        [
            body.get("team_id"),
            _value(body, "team", "id"),
            body.get("team") if isinstance(body.get("team"), str) else None,
            _value(body, "user", "team_id"),
            *(_value(g, "team_id") for g in grants),
            event_team if isinstance(event_team, str) and event_team.startswith("T") else None,
        ]
    )


def claimed_enterprises(body: dict[str, Any]) -> set[str]:
    """Every Enterprise Grid organisation the request says it belongs to."""
    authorizations = body.get("authorizations")
    grants = authorizations if isinstance(authorizations, list) else []
    enterprise = body.get("enterprise")
    event_team = _value(body, "event", "user_team")
    return _ids(
        [
            body.get("enterprise_id"),
            enterprise if isinstance(enterprise, str) else _value(enterprise, "id"),
            _value(body, "team", "enterprise_id"),
            _value(body, "user", "enterprise_id"),
            *(_value(g, "enterprise_id") for g in grants),
            event_team if isinstance(event_team, str) and event_team.startswith("E") else None,
        ]
    )


def is_from(workspace: Workspace, body: dict[str, Any]) -> bool:
    teams = claimed_teams(body)
    enterprises = claimed_enterprises(body)
    if teams != {workspace.team_id}:
        return False
    return not enterprises or enterprises == {workspace.enterprise_id}


def refuse_privately(kind: str | None, context: BoltContext) -> BoltResponse:
    """Tell the sender, privately, that nothing was done (an event is just dropped)."""
    if kind == "command":
        return BoltResponse(
            status=200, body={"response_type": "ephemeral", "text": OTHER_WORKSPACE}
        )
    if kind == "view_submission":
        view = {
            "type": "modal",
            "title": {"type": "plain_text", "text": "Not available"},
            "close": {"type": "plain_text", "text": "Close"},
            "blocks": [
                {"type": "section", "text": {"type": "plain_text", "text": OTHER_WORKSPACE}}
            ],
        }
        return BoltResponse(status=200, body={"response_action": "update", "view": view})
    if context.respond is not None and context.response_url:
        try:
            context.respond(text=OTHER_WORKSPACE, response_type="ephemeral", replace_original=False)
        except Exception as exc:  # the refusal stands even if the note cannot be delivered
            log.warning("refusal_not_sent", error=type(exc).__name__)
    return BoltResponse(status=200, body="")


def register_guards(app: App, workspace: Workspace) -> None:
    """Bolt runs this after its own checks (signature, url_verification) and before listeners."""

    def own_workspace(
        body: dict[str, Any], context: BoltContext, next_: Callable[[], None]
    ) -> BoltResponse | None:
        if is_from(workspace, body):
            next_()
            return None
        kind = request_kind(body)
        log.info(
            "request_from_other_workspace",
            kind=kind,
            teams=sorted(claimed_teams(body)),
            enterprises=sorted(claimed_enterprises(body)),
        )
        return refuse_privately(kind, context)

    app.middleware(own_workspace)

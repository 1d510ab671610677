"""What reaches POST /api/messages before a turn runs: a body over 1 MB is refused unread, what
is not a Bot Framework activity is answered 400, another tenant 403, a request without a valid
Bot Framework token 401 (offline, at once), and no request body ever reaches the log."""

from __future__ import annotations

import base64
import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.connector import ConnectorDouble, TeamsClient
from tests.connector.records import JsonDict
from tests.connector.shapes import Place, envelope, merged, message_fields
from tests.logs import MARKER, Logs
from tests.teams.edge import chunked_without_end, headers_only
from tests.teams.harness import CHAIR, RunningTeamsApp, running_teams_app

APP_ID = "0b7c5a2e-6f1d-4c8b-9a3e-2d4f6b8c0e1a"
OTHER_TENANT = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"
TEN_MB = 10 * 1024 * 1024


def personal_message(double: ConnectorDouble, text: str, tenant: str | None = None) -> JsonDict:
    """What Teams sends when the chair writes in their personal chat (another tenant's, if
    ``tenant``), built without keeping it in the double."""
    chat = double.personal_chat_id(CHAIR)
    assert chat is not None
    activity = merged(
        envelope(
            double,
            "message",
            Place(chat, None),
            CHAIR.account,
            activity_id=double.new_activity_id(),
            service_url=double.url,
        ),
        message_fields(text, []),
    )
    if tenant is not None:
        activity["conversation"]["tenantId"] = tenant
        activity["channelData"]["tenant"] = {"id": tenant}
    return activity


def post_raw(url: str, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, str]:
    sent = {"Content-Type": "application/json", **(headers or {})}
    request = urllib.request.Request(url + "/api/messages", body, sent, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status), response.read().decode()
    except urllib.error.HTTPError as exc:
        return int(exc.code), exc.read().decode()


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return int(response.status), response.read().decode()
    except urllib.error.HTTPError as exc:
        return int(exc.code), exc.read().decode()


# ----------------------------------------------------------------------- anonymous mode


def test_a_body_over_1_mb_is_refused_413_unread_and_a_chunked_one_is_cut_off(
    logs: Logs, teams_app: RunningTeamsApp
) -> None:
    assert headers_only(teams_app.url, TEN_MB).split(" ")[1] == "413"
    started = time.monotonic()
    assert chunked_without_end(teams_app.url, 2 * 1024 * 1024).split(" ")[1] == "413"
    assert time.monotonic() - started < 5, "the chunked body was cut off, not waited for"
    assert teams_app.client.personal(CHAIR, "help").status == 202, "the app still serves"
    refused = logs.ours("teams_request_refused")
    assert [e["status"] for e in refused][:1] == [413]
    assert MARKER not in logs.text


@pytest.mark.parametrize(
    "body",
    [
        f'{{"type": "message", "text": "{MARKER}"'.encode(),  # cut short: not JSON
        b"\xff\xfe" + MARKER.encode(),  # not UTF-8
        json.dumps([MARKER]).encode(),  # JSON, not an object
        json.dumps({"type": ["message"], "text": MARKER}).encode(),  # not an activity
        json.dumps({"type": "message", "text": MARKER, "serviceUrl": "x"}).encode(),  # nowhere
    ],
    ids=["truncated", "not-utf8", "a-list", "wrong-types", "no-conversation"],
)
def test_what_is_not_an_activity_gets_400_and_one_line_without_the_body(
    logs: Logs, teams_app: RunningTeamsApp, body: bytes
) -> None:
    calls_before = len(teams_app.double.calls)
    status, answer = post_raw(teams_app.url, body)
    assert status == 400, answer
    assert MARKER not in answer
    [refused] = logs.ours("teams_request_refused")
    assert refused["status"] == 400 and set(refused) <= {
        "event",
        "log_level",
        "status",
        "error",
    } | {"size"}
    warnings = [r for r in logs.caplog.records if r.levelname in {"WARNING", "ERROR"}]
    assert warnings == [], [r.getMessage() for r in warnings]
    assert MARKER not in logs.text
    assert len(teams_app.double.calls) == calls_before, "nothing was said to Teams"


def test_healthz_answers_200_and_an_unknown_file_404(teams_app: RunningTeamsApp) -> None:
    assert get(teams_app.url + "/healthz") == (200, '{"status": "ok"}'), (
        "as Slack's, as the README says"
    )
    status, text = get(teams_app.url + "/files/" + "x" * 43)
    assert status == 404 and "expired or does not exist" in text
    assert get(teams_app.url + "/files/")[0] == 404
    assert get(teams_app.url + "/api/messages")[0] == 405


def test_accepted_activities_are_not_logged_either(
    logs: Logs, teams_app: RunningTeamsApp, double: ConnectorDouble
) -> None:
    teams_app.command(f"frobnicate {MARKER}")
    teams_app.wait_private(CHAIR, "frobnicate")
    teams_app.say(f"status {MARKER}")
    teams_app.wait_for(lambda: len(double.personal_messages(CHAIR)) >= 3, "the second answer")
    assert logs.ours("teams_request_refused") == []
    assert MARKER not in logs.text


# --------------------------------------------------------------------- the tenant served


@pytest.fixture
def one_tenant_app(
    database_url: str, double: ConnectorDouble, tmp_path: Path
) -> Iterator[RunningTeamsApp]:
    with running_teams_app(
        database_url, double, tmp_path, TEAMS_TENANT_ID=double.tenant_id
    ) as running:
        yield running


def test_an_activity_from_another_tenant_gets_403(
    logs: Logs, one_tenant_app: RunningTeamsApp, double: ConnectorDouble
) -> None:
    stranger = one_tenant_app.client.post(personal_message(double, MARKER, OTHER_TENANT))
    assert stranger.status == 403 and MARKER not in stranger.body
    no_tenant = personal_message(double, MARKER)
    del no_tenant["conversation"]["tenantId"], no_tenant["channelData"]["tenant"]
    assert one_tenant_app.client.post(no_tenant).status == 403
    assert one_tenant_app.client.post(personal_message(double, "help")).status == 202
    one_tenant_app.wait_private(CHAIR, "@Assess domain")
    refused = logs.ours("teams_request_refused")
    assert [(e["status"], e["tenant"]) for e in refused] == [(403, OTHER_TENANT), (403, None)]
    assert MARKER not in logs.text
    assert [m for m in double.personal_messages(CHAIR) if MARKER in m.words] == []


# ------------------------------------------------------------ a registered app (tokens)


def rs256_token(claims: dict[str, Any]) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "forged-key"})


def segment(value: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def bogus_tokens() -> dict[str, str]:
    claims = {"aud": APP_ID, "iss": "https://api.botframework.com", "exp": 4102444800}
    return {
        "garbage": f"Bearer not-a-token-{MARKER}",
        "not bearer": f"Basic {MARKER}",
        "three words": f"Bearer a {MARKER}",
        "no signature": f"Bearer {segment({'alg': 'none'})}.{segment(claims)}.",
        "no key id": "Bearer " + jwt.encode(claims, "x" * 32, algorithm="HS256"),
        "a key id, HS256": "Bearer "
        + jwt.encode(claims, "x" * 32, algorithm="HS256", headers={"kid": "k"}),
        "forged RS256": "Bearer " + rs256_token(claims),
    }


@pytest.fixture
def key_lookups(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The app is offline: a signing key looked up (by key id) is one that signed nothing
    here, and each look-up is counted (the SDK keeps its key clients between tests)."""
    looked_up: list[str] = []
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    key = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(other))

    def get_signing_key(self: jwt.PyJWKClient, kid: str) -> jwt.PyJWK:
        looked_up.append(kid)
        return jwt.PyJWK({**key, "kid": kid, "use": "sig"})

    monkeypatch.setattr(jwt.PyJWKClient, "get_signing_key", get_signing_key)
    return looked_up


@pytest.fixture
def registered_app(
    database_url: str, double: ConnectorDouble, tmp_path: Path
) -> Iterator[RunningTeamsApp]:
    with running_teams_app(
        database_url,
        double,
        tmp_path,
        install=False,
        TEAMS_APP_ID=APP_ID,
        TEAMS_APP_PASSWORD="not-a-real-secret",
        TEAMS_TENANT_ID=double.tenant_id,
    ) as running:
        yield running


def test_a_registered_app_refuses_requests_without_a_valid_token_with_401(
    logs: Logs, registered_app: RunningTeamsApp, double: ConnectorDouble, key_lookups: list[str]
) -> None:
    client: TeamsClient = registered_app.client
    answers = {"none": client.post(personal_message(double, MARKER))}
    for name, header in bogus_tokens().items():
        answers[name] = client.post(personal_message(double, MARKER), {"Authorization": header})
    assert {name: a.status for name, a in answers.items()} == dict.fromkeys(answers, 401)
    assert all(a.elapsed < 3 for a in answers.values()), {n: a.elapsed for n, a in answers.items()}
    assert all(MARKER not in a.body for a in answers.values())
    assert key_lookups == ["forged-key"], "only a well-formed RS256 token is worth a key look-up"
    assert double.calls == [], "nothing reached Teams"
    assert double.personal_messages(CHAIR) == []
    errors = [r for r in logs.caplog.records if r.levelname == "ERROR"]
    assert errors == [], [r.getMessage() for r in errors]
    assert MARKER not in logs.text and "not-a-real-secret" not in logs.text


def test_a_registered_app_refuses_a_big_body_before_asking_for_a_token(
    logs: Logs, registered_app: RunningTeamsApp
) -> None:
    assert headers_only(registered_app.url, TEN_MB).split(" ")[1] == "413"
    assert get(registered_app.url + "/healthz")[0] == 200
    assert MARKER not in logs.text

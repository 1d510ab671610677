"""The TeamsClient (tests/connector) against a stub app that records what it receives: the
activities are shaped as Teams shapes them, users' messages are in the double before the app
hears of them, and an invoke's response comes back to the test."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.connector import ConnectorDouble, TeamsClient, TeamsUser, channel_id_for
from tests.connector.sdk import card_message, message, send

ALICE, BOB, CAROL = (TeamsUser.named(n) for n in ("Alice Smith", "Bob Jones", "Carol Wu"))
BOARD = channel_id_for("trust-board")
ID = re.compile(r"^\d{13}$")
INVOKE_ANSWER = {
    "statusCode": 200,
    "type": "application/vnd.microsoft.activity.message",
    "value": "Noted",
}


class StubApp(ThreadingHTTPServer):
    """An app that records each request (path, headers, activity) and answers as a bot does:
    200 with an invoke response to invokes, 202 to anything else."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _StubHandler)
        self.received: list[tuple[str, dict[str, str], dict[str, Any]]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    @property
    def activities(self) -> list[dict[str, Any]]:
        return [activity for _, _, activity in self.received]


class _StubHandler(BaseHTTPRequestHandler):
    server: StubApp

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        activity = json.loads(body)
        self.server.received.append(
            (self.path, {k.lower(): v for k, v in self.headers.items()}, activity)
        )
        status, answer = (
            (200, json.dumps(INVOKE_ANSWER).encode())
            if activity.get("type") == "invoke"
            else (202, b"")
        )
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def double() -> Iterator[ConnectorDouble]:
    with ConnectorDouble() as teams:
        teams.add_channel(BOARD, "trust-board", [ALICE, BOB])
        teams.add_members(teams.team_id, [BOB, ALICE, CAROL])
        yield teams


@pytest.fixture
def app() -> Iterator[StubApp]:
    server = StubApp()
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def client(double: ConnectorDouble, app: StubApp) -> TeamsClient:
    return TeamsClient(app.url, double)


def assert_from_teams(double: ConnectorDouble, activity: dict[str, Any], user: TeamsUser) -> None:
    assert activity["channelId"] == "msteams" and activity["serviceUrl"] == double.url
    assert activity["from"] == {
        "id": user.teams_id,
        "name": user.name,
        "aadObjectId": user.aad_object_id,
    }
    assert activity["recipient"] == {"id": double.bot_id, "name": "Assess"}
    assert activity["conversation"]["tenantId"] == double.tenant_id
    assert activity["channelData"]["tenant"] == {"id": double.tenant_id}
    assert activity["timestamp"].endswith("Z") and activity["id"]


def assert_in_channel(double: ConnectorDouble, activity: dict[str, Any], channel_id: str) -> None:
    assert activity["conversation"]["conversationType"] == "channel"
    assert activity["conversation"]["isGroup"] is True
    data = activity["channelData"]
    assert data["team"] == {
        "id": double.team_id,
        "name": double.team_name,
        "aadGroupId": double.team_aad_group_id,
    }
    assert data["channel"] == {"id": channel_id, "name": double.channel_name(channel_id)}


def test_install_sends_the_installation_and_the_bot_joining(
    double: ConnectorDouble, app: StubApp, client: TeamsClient
) -> None:
    answers = client.install(BOARD)
    assert [a.status for a in answers] == [202, 202]
    install, joined = app.activities
    assert [p for p, _, _ in app.received] == ["/api/messages", "/api/messages"]
    assert (install["type"], install["action"]) == ("installationUpdate", "add")
    assert joined["type"] == "conversationUpdate"
    assert joined["membersAdded"] == [{"id": double.bot_id}]
    for activity in (install, joined):
        assert_from_teams(double, activity, ALICE)  # the channel's first member installed it
        assert_in_channel(double, activity, double.team_id)
        assert activity["conversation"]["id"] == double.team_id
        assert activity["id"].startswith("f:")
        assert activity["channelData"]["settings"] == {"selectedChannel": {"id": BOARD}}
    assert install["id"] != joined["id"]


def test_a_mention_is_a_new_post_the_app_can_reply_to(
    double: ConnectorDouble, app: StubApp, client: TeamsClient
) -> None:
    answer = client.mention(BOB, BOARD, "domain 4")
    assert answer.status == 202 and answer.json is None
    [activity] = app.activities
    assert activity == answer.activity
    assert_from_teams(double, activity, BOB)
    assert_in_channel(double, activity, BOARD)
    post_id = activity["id"]
    assert ID.match(post_id)
    assert activity["conversation"]["id"] == f"{BOARD};messageid={post_id}"
    assert activity["text"] == "<at>Assess</at> domain 4"
    mention = {
        "type": "mention",
        "text": "<at>Assess</at>",
        "mentioned": {"id": double.bot_id, "name": "Assess"},
    }
    assert activity["entities"][0] == mention
    [post] = double.posts(BOARD)
    assert (post.id, post.from_bot, post.author_id, post.text) == (
        post_id,
        False,
        BOB.teams_id,
        activity["text"],
    )
    reply_id = send(double, activity["conversation"]["id"], message("On it"))
    assert [r.id for r in double.post(post_id).replies] == [reply_id]


def test_a_mention_in_a_thread_is_a_reply(
    double: ConnectorDouble, app: StubApp, client: TeamsClient
) -> None:
    root = client.mention(ALICE, BOARD, "domain 4").activity["id"]
    answer = client.mention(BOB, BOARD, "<at>Assess</at> status", thread=root)
    assert answer.activity["text"] == "<at>Assess</at> status"
    assert answer.activity["conversation"]["id"] == f"{BOARD};messageid={root}"
    assert answer.activity["id"] != root
    [post] = double.posts(BOARD)
    assert [(r.id, r.author_id) for r in post.replies] == [(answer.activity["id"], BOB.teams_id)]


def test_only_members_of_the_channel_can_post_in_it(
    double: ConnectorDouble, app: StubApp, client: TeamsClient
) -> None:
    with pytest.raises(ValueError, match="roster"):
        client.mention(CAROL, BOARD, "domain 4")
    assert app.received == [] and double.posts(BOARD) == []


def test_a_personal_message_opens_the_chat(
    double: ConnectorDouble, app: StubApp, client: TeamsClient
) -> None:
    assert double.personal_chat_id(CAROL, create=False) is None
    answer = client.personal(CAROL, "my actions")
    [activity] = app.activities
    chat = double.personal_chat_id(CAROL, create=False)
    assert chat is not None and chat.startswith("a:")
    assert_from_teams(double, activity, CAROL)
    assert activity["conversation"] == {
        "conversationType": "personal",
        "tenantId": double.tenant_id,
        "id": chat,
    }
    assert activity["channelData"] == {"tenant": {"id": double.tenant_id}}
    assert activity["text"] == "my actions" and ID.match(activity["id"])
    assert [m.text for m in double.personal_messages(CAROL)] == ["my actions"]
    assert answer.ok


def test_an_invoke_returns_the_apps_invoke_response(
    double: ConnectorDouble, app: StubApp, client: TeamsClient
) -> None:
    thread = f"{BOARD};messageid=1700000000000"
    answer = client.invoke(ALICE, thread, "1700000000001", "vote", {"q": 1})
    assert (answer.status, answer.json) == (200, INVOKE_ANSWER)
    [activity] = app.activities
    assert_from_teams(double, activity, ALICE)
    assert_in_channel(double, activity, BOARD)
    assert (activity["type"], activity["name"]) == ("invoke", "adaptiveCard/action")
    assert activity["conversation"]["id"] == thread and activity["replyToId"] == "1700000000001"
    assert activity["value"] == {
        "action": {"type": "Action.Execute", "verb": "vote", "data": {"q": 1}},
        "trigger": "manual",
    }


def question_card() -> dict[str, Any]:
    comment = {
        "type": "AdaptiveCard",
        "version": "1.5",
        "body": [{"type": "Input.Text", "id": "comment_text", "isRequired": True, "maxLength": 10}],
        "actions": [
            {"type": "Action.Execute", "title": "Send comment", "verb": "comment", "data": {"q": 7}}
        ],
    }
    decide = {
        "type": "AdaptiveCard",
        "version": "1.5",
        "body": [
            {
                "type": "Input.ChoiceSet",
                "id": "grade",
                "isRequired": True,
                "choices": [{"title": "1 Poor", "value": "1"}, {"title": "2 Fair", "value": "2"}],
            }
        ],
        "actions": [
            {"type": "Action.Execute", "title": "Decide", "verb": "decide", "data": {"q": 7}}
        ],
    }
    return {
        "type": "AdaptiveCard",
        "version": "1.5",
        "body": [
            {"type": "TextBlock", "text": "Q7 Do children feel safe?"},
            {"type": "Input.Text", "id": "note", "value": "from the card"},
        ],
        "actions": [
            {
                "type": "Action.Execute",
                "title": "2 Fair",
                "verb": "vote",
                "data": {"q": 7, "choice": 2},
            },
            {"type": "Action.ShowCard", "title": "Comment", "card": comment},
            {"type": "Action.ShowCard", "title": "Decide", "card": decide},
        ],
    }


def test_a_click_sends_the_actions_verb_and_data_with_the_inputs(
    double: ConnectorDouble, app: StubApp, client: TeamsClient
) -> None:
    post_id = send(double, BOARD, card_message(question_card()))
    card = double.find_card("feel safe")
    client.click(BOB, card, "2 Fair")
    client.click(BOB, card, "Send comment", {"comment_text": "Good"})
    client.click(ALICE, card, "Decide", {"grade": "1"})
    vote, comment, decide = app.activities
    for activity in (vote, comment, decide):
        assert activity["conversation"]["id"] == f"{BOARD};messageid={post_id}"
        assert activity["replyToId"] == post_id
    assert vote["value"]["action"] == {
        "type": "Action.Execute",
        "verb": "vote",
        "data": {"q": 7, "choice": 2, "note": "from the card"},
    }
    assert comment["value"]["action"]["data"] == {
        "q": 7,
        "note": "from the card",
        "comment_text": "Good",
    }
    assert decide["value"]["action"]["data"] == {"q": 7, "note": "from the card", "grade": "1"}


def test_clicks_teams_would_not_send_raise(
    double: ConnectorDouble, app: StubApp, client: TeamsClient
) -> None:
    send(double, BOARD, card_message(question_card()))
    card = double.find_card("feel safe")
    for user, title, inputs, why in [
        (BOB, "Send comment", None, "required"),
        (BOB, "Send comment", {"comment_text": "far too long"}, "at most 10"),
        (BOB, "Decide", {"grade": "5"}, "offers"),
        (BOB, "Decide", {"grade": "1", "reason": "x"}, "no inputs"),
        (CAROL, "2 Fair", None, "not in the channel"),
    ]:
        with pytest.raises(ValueError, match=why):
            client.click(user, card, title, inputs)
    with pytest.raises(LookupError):
        client.click(BOB, card, "Re-vote")
    assert app.received == []


def test_a_click_on_a_card_in_a_thread_or_a_personal_chat(
    double: ConnectorDouble, app: StubApp, client: TeamsClient
) -> None:
    root = client.mention(ALICE, BOARD, "domain 7").activity["id"]
    thread = f"{BOARD};messageid={root}"
    reply_id = send(double, thread, card_message(question_card()))
    chat = double.personal_chat_id(BOB)
    assert chat is not None
    private_id = send(double, chat, card_message(question_card()))
    client.click(ALICE, double.message(reply_id), "2 Fair")
    client.click(BOB, double.find_card("feel safe", conversation_id=chat), "2 Fair")
    with pytest.raises(ValueError, match="cannot see"):
        client.click(ALICE, double.message(private_id), "2 Fair")
    _, in_thread, personal = app.activities
    assert (in_thread["conversation"]["id"], in_thread["replyToId"]) == (thread, reply_id)
    assert (personal["conversation"]["id"], personal["replyToId"]) == (chat, private_id)
    assert personal["conversation"]["conversationType"] == "personal"


def test_a_raw_post_with_headers(
    double: ConnectorDouble, app: StubApp, client: TeamsClient
) -> None:
    answer = client.post(
        {"type": "message", "text": "odd"}, headers={"Authorization": "Bearer forged"}
    )
    assert answer.status == 202
    [(path, headers, activity)] = app.received
    assert path == "/api/messages" and headers["authorization"] == "Bearer forged"
    assert headers["content-type"].startswith("application/json")
    assert activity == {"type": "message", "text": "odd"}


def test_uninstall_and_install_from_general_by_someone(
    double: ConnectorDouble, app: StubApp, client: TeamsClient
) -> None:
    client.install(by=CAROL)
    client.uninstall(by=BOB)
    install, joined, removed, left = app.activities
    assert install["from"]["id"] == CAROL.teams_id and removed["from"]["id"] == BOB.teams_id
    assert install["channelData"]["settings"] == {"selectedChannel": {"id": double.team_id}}
    assert install["channelData"]["source"] == {"name": "message"}
    assert (removed["type"], removed["action"]) == ("installationUpdate", "remove")
    assert "source" not in removed["channelData"]
    assert left["membersRemoved"] == [{"id": double.bot_id}]
    assert left["channelData"]["eventType"] == "teamMemberRemoved"
    assert joined["channelData"]["eventType"] == "teamMemberAdded"

"""The Bot Connector double refuses what Teams refuses (cards, Content-Type), injects faults for
the next matching calls, and records what tests read back; all through the SDK's client."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import aiohttp
import pytest
from microsoft_agents.activity import Activity
from microsoft_agents.hosting.core.connector.teams import TeamsConnectorClient

from tests.connector import ConnectorDouble, TeamsUser, card_problems, channel_id_for
from tests.connector.sdk import card_message, message, run_client, send

ALICE, BOB = TeamsUser.named("Alice Smith"), TeamsUser.named("Bob Jones")
BOARD = channel_id_for("trust-board")
MENTION = {
    "type": "mention",
    "text": "<at>Bob Jones</at>",
    "mentioned": {"id": BOB.teams_id, "name": "Bob Jones"},
}


@pytest.fixture
def double() -> Iterator[ConnectorDouble]:
    with ConnectorDouble() as teams:
        teams.add_channel(BOARD, "trust-board", [ALICE, BOB])
        yield teams


def card(*body: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"type": "AdaptiveCard", "version": "1.5", "body": list(body), **fields}


def text(value: str) -> dict[str, Any]:
    return {"type": "TextBlock", "text": value, "wrap": True}


def execute(title: str, verb: str | None, **data: Any) -> dict[str, Any]:
    action: dict[str, Any] = {"type": "Action.Execute", "title": title, "data": data}
    if verb is not None:
        action["verb"] = verb
    return action


def refused(
    double: ConnectorDouble, use: Callable[[TeamsConnectorClient], Awaitable[Any]]
) -> aiohttp.ClientResponseError:
    with pytest.raises(aiohttp.ClientResponseError) as caught:
        run_client(double, use)
    return caught.value


def post_card(double: ConnectorDouble, content: dict[str, Any]) -> aiohttp.ClientResponseError:
    async def go(client: TeamsConnectorClient) -> None:
        await client.conversations.send_to_conversation(BOARD, card_message(content))

    return refused(double, go)


# --------------------------------------------------------------------------- cards


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (card(text("hi"), version="1.6"), "above 1.5"),
        (card(text("hi"), version=None), "version"),
        ({**card(text("hi")), "type": "HeroCard"}, "AdaptiveCard"),
        (card(text("hi"), actions=[execute("Vote", None)]), "has no verb"),
        (
            card(
                actions=[
                    {
                        "type": "Action.ShowCard",
                        "title": "More",
                        "card": card(actions=[execute("Send", "")]),
                    }
                ]
            ),
            "has no verb",
        ),
        (card(text("Chair: <at>Bob Jones</at>")), "no mention entity"),
        (
            card(text("<at>Bob Jones</at>"), msteams={"entities": [{**MENTION, "mentioned": {}}]}),
            "no mention entity",
        ),
    ],
)
def test_cards_teams_refuses_are_400(
    double: ConnectorDouble, content: dict[str, Any], problem: str
) -> None:
    error = post_card(double, content)
    assert error.status == 400 and "BadArgument" in error.message
    [rejection] = double.rejections
    assert rejection.error == "BadArgument" and rejection.operation == "send_to_conversation"
    assert any(problem in p for p in rejection.problems), rejection.problems
    assert double.posts(BOARD) == []


def test_a_card_with_its_mentions_and_verbs_is_taken(double: ConnectorDouble) -> None:
    good = card(
        text("Chair: <at>Bob Jones</at>"),
        {"type": "ActionSet", "actions": [execute("Vote 3", "vote", choice=3)]},
        msteams={"entities": [MENTION]},
    )
    assert card_problems(good) == []
    post_id = send(double, BOARD, card_message(good))
    assert double.post(post_id).card == good
    assert double.rejections == []


def test_an_update_is_checked_too(double: ConnectorDouble) -> None:
    post_id = send(double, BOARD, card_message(card(text("v1"))))

    async def go(client: TeamsConnectorClient) -> None:
        await client.conversations.update_activity(
            BOARD, post_id, card_message(card(text("<at>Nobody</at>")))
        )

    assert refused(double, go).status == 400
    assert double.post(post_id).updates == ()


def test_empty_messages_and_other_activity_types_are_refused(double: ConnectorDouble) -> None:
    for activity in (message(""), message("hi", type="event")):

        async def go(client: TeamsConnectorClient, sent: Any = activity) -> None:
            await client.conversations.send_to_conversation(BOARD, sent)

        assert refused(double, go).status == 400
    typing = Activity(type="typing")
    assert (
        run_client(double, lambda c: c.conversations.send_to_conversation(BOARD, typing)).id is None
    )
    assert double.posts(BOARD) == []


def test_the_body_must_be_sent_as_json(double: ConnectorDouble) -> None:
    body = json.dumps({"type": "message", "text": "hi"}).encode()
    request = urllib.request.Request(
        f"{double.url}/v3/conversations/{BOARD}/activities",
        data=body,
        method="POST",
        headers={"Content-Type": "text/plain"},
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=5)
    assert caught.value.code == 415
    assert json.loads(caught.value.read())["error"]["code"] == "UnsupportedMediaType"
    assert double.rejections[-1].status == 415 and double.posts(BOARD) == []


# -------------------------------------------------------------------------- faults


def test_rate_limit_is_429_with_retry_after_for_the_matching_calls_only(
    double: ConnectorDouble,
) -> None:
    double.rate_limit(2, retry_after=7, method="POST", path=r"/activities$")

    async def go(client: TeamsConnectorClient) -> None:
        await client.conversations.get_conversation_members(BOARD)  # a GET: not limited
        await client.conversations.send_to_conversation(BOARD, message("one"))

    for _ in range(2):
        error = refused(double, go)
        assert error.status == 429
        assert error.headers is not None and error.headers["Retry-After"] == "7"
    assert double.posts(BOARD) == []
    assert [f"{c.method} {c.status}" for c in double.calls] == [
        "GET 200",
        "POST 429",
        "GET 200",
        "POST 429",
    ]
    assert send(double, BOARD, message("at last"))
    assert [p.text for p in double.posts(BOARD)] == ["at last"]


@pytest.mark.parametrize("status", [500, 502, 503])
def test_failures_by_operation(double: ConnectorDouble, status: int) -> None:
    post_id = send(double, BOARD, message("v1"))
    double.fail(2, status=status, operation="update_activity")  # type: ignore[arg-type]

    async def update(client: TeamsConnectorClient) -> None:
        await client.conversations.update_activity(BOARD, post_id, message("v2"))

    assert [refused(double, update).status for _ in range(2)] == [status, status]
    assert send(double, BOARD, message("posts still work"))
    run_client(double, update)
    assert double.post(post_id).text == "v2"


def test_a_lost_answer_500_still_stores_the_post(double: ConnectorDouble) -> None:
    double.lose_next_answer("500", operation="send_to_conversation")

    async def go(client: TeamsConnectorClient) -> None:
        await client.conversations.send_to_conversation(BOARD, message("did it?"))

    assert refused(double, go).status == 500
    [post] = double.posts(BOARD)
    assert post.text == "did it?"
    [call] = double.calls
    assert (call.status, call.answer_lost, call.activity_id) == (201, "500", post.id)


def test_a_dropped_answer_still_stores_the_reply(double: ConnectorDouble) -> None:
    post_id = send(double, BOARD, message("root"))
    double.lose_next_answer("drop", path=r"/activities/\d+$")

    async def go(client: TeamsConnectorClient) -> None:
        await client.conversations.reply_to_activity(BOARD, post_id, message("lost reply"))

    with pytest.raises(aiohttp.ClientConnectionError):
        run_client(double, go)
    assert [r.text for r in double.post(post_id).replies] == ["lost reply"]
    assert double.calls[-1].answer_lost == "drop"


def test_faults_do_not_outlive_their_count(double: ConnectorDouble) -> None:
    double.fail(1, status=503)
    with pytest.raises(aiohttp.ClientResponseError):
        send(double, BOARD, message())
    assert send(double, BOARD, message())
    double.lose_next_answer("500", n=2)
    double.clear_faults()
    assert send(double, BOARD, message())


# ---------------------------------------------------------------------- inspection


def test_calls_record_the_authorization_header(double: ConnectorDouble) -> None:
    run_client(double, lambda c: c.conversations.get_conversation_members(BOARD))
    run_client(double, lambda c: c.conversations.get_conversation_members(BOARD), token="tok-123")
    assert [c.authorization for c in double.calls] == [None, "Bearer tok-123"]


def test_cards_are_found_by_their_text_with_their_actions(double: ConnectorDouble) -> None:
    comment = card(
        {"type": "Input.Text", "id": "comment_text", "isRequired": True},
        actions=[execute("Send comment", "comment", question=7)],
    )
    question = card(
        text("Q4.2 Do children say they feel safe?"),
        {"type": "Input.Text", "id": "note", "value": "n"},
        {"type": "ActionSet", "actions": [execute("3 Good", "vote", question=7, choice=3)]},
        actions=[{"type": "Action.ShowCard", "title": "Comment", "card": comment}],
    )
    send(double, BOARD, card_message(card(text("Q4.1 something else"))))
    post_id = send(double, BOARD, card_message(question))
    found = double.find_card("feel safe", conversation_id=BOARD)
    assert found.id == post_id and found.thread_conversation_id == f"{BOARD};messageid={post_id}"
    assert [(a.title, a.verb, a.data) for a in found.actions] == [
        ("3 Good", "vote", {"question": 7, "choice": 3}),
        ("Send comment", "comment", {"question": 7}),
    ]
    assert [i["id"] for i in found.action("Send comment").inputs] == ["note", "comment_text"]
    with pytest.raises(LookupError):
        found.action("Decide")
    with pytest.raises(LookupError):
        double.find_card("not on any card")


def test_wait_for_returns_the_value_or_names_what_it_waited_for(double: ConnectorDouble) -> None:
    assert double.wait_for(lambda: [1]) == [1]
    with pytest.raises(AssertionError, match="a post"):
        double.wait_for(lambda: double.posts(BOARD), timeout=0.1, message="a post")


def test_request_bodies_are_never_printed_nor_kept_in_calls(
    double: ConnectorDouble, capfd: pytest.CaptureFixture[str]
) -> None:
    send(double, BOARD, message("SECRET-BALLOT-TEXT"))
    post_card(double, card(text("SECRET-CARD-TEXT"), version="9.9"))
    post_card(double, card(text("<at>SECRET-NAME</at>"), actions=[execute("SECRET", None)]))
    out, err = capfd.readouterr()
    assert "SECRET" not in out + err
    assert "SECRET" not in repr(double.calls)

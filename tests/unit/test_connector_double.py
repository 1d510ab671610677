"""The Bot Connector double (tests/connector), driven by the SDK's own connector client: what the
Teams front end will call, answered as Teams answers it."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import aiohttp
import pytest
from microsoft_agents.activity import ChannelAccount, ConversationParameters
from microsoft_agents.hosting.core.connector.teams import TeamsConnectorClient

from tests.connector import MAX_MESSAGE_BYTES, ConnectorDouble, TeamsUser, channel_id_for
from tests.connector.sdk import card_message, message, send
from tests.connector.sdk import run_client as run

T = TypeVar("T")
ALICE, BOB, CAROL = (TeamsUser.named(n) for n in ("Alice Smith", "Bob Jones", "Carol Wu"))
DAN, ERIN = TeamsUser.named("Dan Okafor"), TeamsUser.named("Erin Hughes")
BOARD = channel_id_for("trust-board")
ID = re.compile(r"^\d{13}$")


@pytest.fixture
def double() -> Iterator[ConnectorDouble]:
    with ConnectorDouble(users=[ERIN]) as teams:
        teams.add_channel(BOARD, "trust-board", [ALICE, BOB, CAROL, DAN])
        teams.add_members(teams.team_id, [ALICE, BOB])
        yield teams


def card(*body: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"type": "AdaptiveCard", "version": "1.5", "body": list(body), **fields}


def text_block(text: str) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True}


def refused(
    double: ConnectorDouble, use: Callable[[TeamsConnectorClient], Awaitable[Any]]
) -> aiohttp.ClientResponseError:
    with pytest.raises(aiohttp.ClientResponseError) as caught:
        run(double, use)
    return caught.value


def raw(
    double: ConnectorDouble, method: str, path: str, body: bytes | None, content_type: str
) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        double.url + path, data=body, method=method, headers={"Content-Type": content_type}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return int(response.status), json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return int(exc.code), json.loads(exc.read() or b"{}")


# --------------------------------------------------------------------- personal chats


def test_a_personal_chat_is_created_once_per_user(double: ConnectorDouble) -> None:
    def params(member: ChannelAccount, **fields: Any) -> ConversationParameters:
        return ConversationParameters(
            is_group=False, bot=ChannelAccount(id=double.bot_id), members=[member], **fields
        )

    async def go(client: TeamsConnectorClient) -> list[str | None]:
        by_id = await client.conversations.create_conversation(
            params(ChannelAccount(id=ALICE.teams_id), tenant_id=double.tenant_id)
        )
        by_aad = await client.conversations.create_conversation(
            params(
                ChannelAccount(id=ALICE.aad_object_id),
                channel_data={"tenant": {"id": double.tenant_id}},
            )
        )
        teams_way = await client.create_conversation(
            params(ChannelAccount(id=BOB.teams_id), tenant_id=double.tenant_id)
        )
        return [by_id.id, by_aad.id, teams_way.id]

    alice_chat, again, bob_chat = run(double, go)
    assert alice_chat is not None and alice_chat.startswith("a:1")
    assert again == alice_chat == double.personal_chat_id(ALICE)
    assert bob_chat != alice_chat
    assert [c.status for c in double.calls_to("create_conversation")] == [201, 201, 201]


def test_a_personal_chat_for_an_unknown_user_is_404_with_an_error_body(
    double: ConnectorDouble,
) -> None:
    body = {
        "isGroup": False,
        "bot": {"id": double.bot_id},
        "members": [{"id": "29:1nobody"}],
        "tenantId": double.tenant_id,
    }
    status, answer = raw(
        double, "POST", "/v3/conversations", json.dumps(body).encode(), "application/json"
    )
    assert status == 404
    assert set(answer["error"]) == {"code", "message"}
    no_tenant = {**body, "members": [{"id": ALICE.teams_id}], "tenantId": None}
    status, answer = raw(
        double, "POST", "/v3/conversations", json.dumps(no_tenant).encode(), "application/json"
    )
    assert (status, answer["error"]["code"]) == (400, "BadArgument")


def test_messages_in_a_personal_chat(double: ConnectorDouble) -> None:
    chat = double.personal_chat_id(CAROL)
    assert chat is not None
    first = send(double, chat, message("one"))

    async def reply(client: TeamsConnectorClient) -> None:
        await client.conversations.reply_to_activity(chat, first, message("two"))

    run(double, reply)
    assert [m.text for m in double.personal_messages(CAROL)] == ["one", "two"]
    assert all(m.from_bot and m.conversation_id == chat for m in double.personal_messages(CAROL))
    assert double.personal_messages(DAN) == []


# -------------------------------------------------------------------- channel posts


def test_posts_and_replies_in_a_thread_both_ways(double: ConnectorDouble) -> None:
    post_id = send(double, BOARD, message("round opened"))
    thread = f"{BOARD};messageid={post_id}"
    in_thread = send(double, thread, message("via the thread id"))

    async def replies(client: TeamsConnectorClient) -> list[str | None]:
        one = await client.conversations.reply_to_activity(BOARD, post_id, message("reply to post"))
        two = await client.conversations.reply_to_activity(BOARD, in_thread, message("to reply"))
        three = await client.conversations.reply_to_activity(thread, "f:an-invoke", message("x"))
        return [one.id, two.id, three.id]

    reply_ids = run(double, replies)
    [post] = double.posts(BOARD)
    assert ID.match(post.id) and post.text == "round opened" and post.from_bot
    assert post.conversation_id == BOARD and post.thread_conversation_id == thread
    assert [r.text for r in post.replies] == ["via the thread id", "reply to post", "to reply", "x"]
    assert [r.id for r in post.replies] == [in_thread, *reply_ids]
    assert all(r.conversation_id == thread and r.root_id == post_id for r in post.replies)
    ids = [post.id, *(r.id for r in post.replies)]
    assert len(set(ids)) == len(ids) and ids == sorted(ids)


def test_a_reply_to_an_event_in_the_channel_is_a_new_post(double: ConnectorDouble) -> None:
    async def go(client: TeamsConnectorClient) -> None:
        await client.conversations.reply_to_activity(double.team_id, "f:install", message("hi"))

    run(double, go)
    [post] = double.posts(double.team_id)
    assert post.text == "hi" and post.replies == ()


def test_updates_apply_to_the_post_and_keep_their_history(double: ConnectorDouble) -> None:
    post_id = send(double, BOARD, message("v1"))
    reply_id = send(double, f"{BOARD};messageid={post_id}", message("r1"))

    async def go(client: TeamsConnectorClient) -> None:
        await client.conversations.update_activity(BOARD, post_id, message("v2"))
        await client.conversations.update_activity(
            f"{BOARD};messageid={post_id}", post_id, message("v3")
        )
        await client.conversations.update_activity(BOARD, reply_id, message("r2"))

    run(double, go)
    post = double.post(post_id)
    assert post.text == "v3" and post.activity["id"] == post_id
    assert [v["text"] for v in post.history] == ["v1", "v2", "v3"]
    assert [u["text"] for u in post.updates] == ["v2", "v3"]
    assert [r.text for r in post.replies] == ["r2"]
    assert [c.status for c in double.calls_to("update_activity")] == [200, 200, 200]

    async def unknown(client: TeamsConnectorClient) -> None:
        await client.conversations.update_activity(BOARD, "1000000000000", message("?"))

    assert refused(double, unknown).status == 404
    assert double.calls[-1].error == "ActivityNotFound"


def test_the_bot_cannot_update_a_users_message(double: ConnectorDouble) -> None:
    user_post = double.new_activity_id()
    activity = {"type": "message", "id": user_post, "text": "<at>Assess</at> go"}
    double.add_user_message(ALICE, f"{BOARD};messageid={user_post}", activity)

    async def go(client: TeamsConnectorClient) -> None:
        await client.conversations.update_activity(BOARD, user_post, message("mine now"))

    assert refused(double, go).status == 403
    assert double.post(user_post).author_id == ALICE.teams_id


def test_delete_marks_the_message_deleted(double: ConnectorDouble) -> None:
    post_id = send(double, BOARD, message("going"))

    async def go(client: TeamsConnectorClient) -> None:
        await client.conversations.delete_activity(BOARD, post_id)

    run(double, go)
    assert double.post(post_id).deleted


def test_unknown_conversations_are_404(double: ConnectorDouble) -> None:
    for conversation in ("19:nope@thread.tacv2", "a:1unknown", f"{BOARD};messageid=1234567890123"):

        async def go(client: TeamsConnectorClient, where: str = conversation) -> None:
            await client.conversations.send_to_conversation(where, message())

        error = refused(double, go)
        assert error.status == 404 and "ConversationNotFound" in error.message

    async def members(client: TeamsConnectorClient) -> None:
        await client.conversations.get_conversation_members("19:nope@thread.tacv2")

    assert refused(double, members).status == 404
    assert {c.error for c in double.calls} == {"ConversationNotFound"}


# --------------------------------------------------------------------------- members


def test_paged_members_over_several_pages(double: ConnectorDouble) -> None:
    Page = tuple[list[str | None], str | None]

    async def go(client: TeamsConnectorClient) -> list[Page]:
        pages: list[Page] = []
        token: str | None = None
        while True:
            page = await client.conversations.get_conversation_paged_members(
                BOARD, page_size=50, continuation_token=token
            )
            token = page.continuation_token
            pages.append(([m.name for m in page.members], token))
            if not token:
                return pages

    pages = run(double, go)
    assert [names for names, _ in pages] == [
        ["Alice Smith", "Bob Jones"],
        ["Carol Wu", "Dan Okafor"],
    ]
    assert pages[0][1] and pages[-1][1] is None
    status, answer = raw(
        double, "GET", f"/v3/conversations/{BOARD}/pagedmembers?pageSize=3", None, ""
    )
    assert status == 200 and len(answer["members"]) == 2 and "continuationToken" in answer
    assert answer["members"][0] == {
        "id": ALICE.teams_id,
        "name": "Alice Smith",
        "aadObjectId": ALICE.aad_object_id,
        "givenName": "Alice",
        "surname": "Smith",
        "email": "alice.smith@trust.example.org",
        "userPrincipalName": "alice.smith@trust.example.org",
        "tenantId": double.tenant_id,
        "userRole": "user",
    }


def test_members_of_channels_threads_and_chats(double: ConnectorDouble) -> None:
    double.page_size = 10
    post_id = send(double, BOARD, message())
    chat = double.personal_chat_id(ERIN)
    assert chat is not None

    async def go(client: TeamsConnectorClient) -> list[list[str | None]]:
        board = await client.conversations.get_conversation_members(BOARD)
        thread = await client.conversations.get_conversation_members(f"{BOARD};messageid={post_id}")
        general = await client.get_conversation_paged_member(double.team_id, 10, "")
        personal = await client.conversations.get_conversation_members(chat)
        one = await client.get_conversation_member(BOARD, DAN.aad_object_id)
        return [
            [m.aad_object_id for m in board],
            [m.aad_object_id for m in thread],
            [m.name for m in general.members],
            [m.name for m in personal],
            [one.email],
        ]

    board, thread, general, personal, one = run(double, go)
    assert board == thread == [u.aad_object_id for u in (ALICE, BOB, CAROL, DAN)]
    assert general == ["Alice Smith", "Bob Jones"]
    assert personal == ["Erin Hughes"]
    assert one == ["dan.okafor@trust.example.org"]


def test_a_continuation_token_from_elsewhere_is_refused(double: ConnectorDouble) -> None:
    status, answer = raw(double, "GET", f"/v3/conversations/{BOARD}/pagedmembers", None, "")
    token = answer["continuationToken"]
    path = f"/v3/conversations/{double.team_id}/pagedmembers?continuationToken={token}"
    status, answer = raw(double, "GET", path, None, "")
    assert (status, answer["error"]["code"]) == (400, "BadArgument")


def test_the_team_and_its_channels(double: ConnectorDouble) -> None:
    async def go(client: TeamsConnectorClient) -> tuple[Any, Any]:
        return await client.fetch_team_details(double.team_id), await client.fetch_channel_list(
            double.team_id
        )

    team, channels = run(double, go)
    assert (team.id, team.name, team.member_count) == (double.team_id, double.team_name, 4)
    assert [(c.id, c.name) for c in channels] == [(double.team_id, None), (BOARD, "trust-board")]


# ---------------------------------------------------------------------- enforcement


def test_a_message_over_28_kb_is_413(double: ConnectorDouble) -> None:
    big = card(text_block("x" * (29 * 1024)))

    async def go(client: TeamsConnectorClient) -> None:
        await client.conversations.send_to_conversation(BOARD, card_message(big))

    error = refused(double, go)
    assert error.status == 413 and "MessageSizeTooBig" in error.message
    assert double.posts(BOARD) == []
    assert double.rejections[-1].error == "MessageSizeTooBig"
    fits = card(text_block("x" * (MAX_MESSAGE_BYTES - 400)))
    assert ID.match(send(double, BOARD, card_message(fits)))

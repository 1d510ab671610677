"""The Playground driver against a throwaway Agents SDK bot (tests/playground/echo_bot.py): what
the Playground sends the bot, which connector calls it supports, and what the UI receives.
teams/playground/NOTES.md writes up what these tests pin down."""

from __future__ import annotations

import re
import time

import pytest

from tests.playground.bot_server import JsonDict
from tests.playground.driver import Playground, PlaygroundError, post_id
from tests.playground.echo_bot import CARD, EchoBot, card
from tests.playground.stream import BotMessage
from tests.playground.world import World

GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
MILLISECONDS = re.compile(r"^[0-9]{13}$")


def command(playground: Playground, text: str, where: str | None = None) -> str:
    """The chair @mentions the bot with ``text`` in a new post (General by default) and waits
    for the bot's "done" in the post's thread; answers that thread's conversation id."""
    said = playground.say(where or playground.world.team_id, text)
    thread = str(said["postConversationId"])
    done = f"done: {text.split()[0]}"
    playground.messages.wait_for(lambda m: m.conversation_id == thread and m.text == done)
    return thread


def only_call(bot: EchoBot, name: str, **asked: object) -> JsonDict:
    """The one call ``name`` the bot made with these arguments (waits up to 5 s for it: the bot
    records a call once it has returned, which may be after the Playground showed its effect)."""
    deadline = time.monotonic() + 5
    while True:
        calls = [c for c in bot.calls_named(name) if c["asked"].items() >= asked.items()]
        if calls or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert len(calls) == 1, f"{name} {asked}: {calls}"
    return calls[0]


def posted_card(playground: Playground, bot: EchoBot, channel_id: str) -> BotMessage:
    mark = playground.messages.mark()
    command(playground, f"post {channel_id}")
    return playground.messages.wait_for(
        lambda m: m.action == "createMessage" and m.conversation_id == channel_id and bool(m.cards),
        since=mark,
    )


def test_the_config_declares_our_tenant_team_channels_and_users(
    playground: Playground, world: World
) -> None:
    config = playground.test_config()["config"]
    assert config["tenantId"] == world.tenant_id
    assert config["bot"] == {"id": world.bot_id, "name": world.bot_name}
    assert config["currentUser"]["aadObjectId"] == world.current_user.aad_object_id
    assert [(u["id"], u["aadObjectId"]) for u in config["users"]] == [
        (u.id, u.aad_object_id) for u in world.users
    ]
    (team,) = config["teams"]
    assert team["id"] == world.team_id
    assert [(c["id"], c["name"]) for c in team["channels"]] == [
        (world.team_id, "General"),
        (world.channel.id, world.channel.name),
    ]
    assert config["personalChat"]["id"] == world.personal_chat_id
    assert config["groupChats"][0]["id"] == world.group_chat_id


def test_a_channel_mention_reaches_the_bot_in_the_new_posts_thread(
    playground: Playground, echo_bot: EchoBot, world: World
) -> None:
    said = playground.say(world.team_id, "hello")
    thread = post_id(world.team_id, said["messageId"])
    assert said["postConversationId"] == thread and MILLISECONDS.match(said["messageId"])
    reply = playground.messages.wait_for(lambda m: m.conversation_id == thread)
    assert reply.text == "done: hello" and reply.action == "createMessage"

    got = echo_bot.wait_for_activity(lambda a: a["conversation"]["id"] == thread)
    me = world.current_user
    assert got["type"] == "message" and got["channelId"] == "msteams"
    assert got["text"] == "<at>Assess</at> hello"
    assert GUID.match(got["id"]), "the activity's id is a fresh GUID, not the post's message id"
    assert "replyToId" not in got
    assert got["from"] == {"id": me.id, "name": me.name, "aadObjectId": me.aad_object_id}
    assert got["recipient"] == {"id": world.bot_id, "name": world.bot_name}
    assert got["conversation"] == {
        "id": thread,
        "isGroup": True,
        "conversationType": "channel",
        "tenantId": world.tenant_id,
    }
    assert got["channelData"] == {
        "teamsChannelId": world.team_id,
        "teamsTeamId": world.team_id,
        "tenant": {"id": world.tenant_id},
        "team": {"id": world.team_id},
        "channel": {"id": world.team_id},
    }
    mention = {"id": world.bot_id, "name": world.bot_name}
    assert got["entities"][0] == {
        "type": "mention",
        "mentioned": mention,
        "text": "<at>Assess</at>",
    }
    assert got["serviceUrl"] == f"{playground.url}/_connector"


def test_a_card_posted_into_another_channel_and_a_reply_in_its_thread(
    playground: Playground, echo_bot: EchoBot, world: World
) -> None:
    channel = world.channel.id
    posted = posted_card(playground, echo_bot, channel)
    sent = only_call(echo_bot, "send_to_conversation (card)", conversation_id=channel)
    card_id = sent["result"]["id"]
    assert sent["ok"] and MILLISECONDS.match(card_id)
    assert posted.message_id == card_id
    assert posted.post_conversation_id == post_id(channel, card_id)
    assert posted.cards == [card("Pick one", {"round": 1})]

    thread = post_id(channel, card_id)
    assert only_call(echo_bot, "send_to_conversation (thread)", conversation_id=thread)["ok"]
    reply = playground.messages.wait_for(lambda m: m.conversation_id == thread)
    assert reply.text == "a reply in the thread" and reply.post_conversation_id is None


@pytest.mark.parametrize("update_via", ["post", "channel"])
def test_a_click_gets_the_bots_card_and_the_bot_updates_the_card_in_place(
    playground: Playground, echo_bot: EchoBot, world: World, update_via: str
) -> None:
    channel = world.channel.id
    posted = posted_card(playground, echo_bot, channel)
    assert posted.message_id and posted.post_conversation_id
    dev = world.user("Dev Patel")
    mark = playground.messages.mark()
    data = {"round": 1, "update_via": update_via}
    answer = playground.invoke(dev, posted.post_conversation_id, posted.message_id, "pick", data)
    assert answer == {"type": CARD, "value": card("Thank you, Dev Patel")}

    got = echo_bot.wait_for_activity(
        lambda a: a["type"] == "invoke" and a["value"]["action"]["data"] == data
    )
    assert got["name"] == "adaptiveCard/action" and GUID.match(got["id"])
    assert got["from"] == {"id": dev.id, "name": dev.name, "aadObjectId": dev.aad_object_id}
    assert got["conversation"]["id"] == posted.post_conversation_id
    assert got["conversation"]["conversationType"] == "channel"
    assert got["replyToId"] == posted.message_id
    assert got["value"] == {
        "action": {"type": "Action.Execute", "verb": "pick", "data": data},
        "trigger": "manual",
    }
    assert got["channelData"] == {
        "source": {"name": "message"},
        "tenant": {"id": world.tenant_id},
        "team": {"id": world.team_id},
        "channel": {"id": channel},
    }

    where = posted.post_conversation_id if update_via == "post" else channel
    updated = only_call(echo_bot, "update_activity", conversation_id=where)
    assert updated["ok"] and updated["result"] == {"id": posted.message_id}
    frame = playground.messages.wait_for(lambda m: m.action == "updateMessage", since=mark)
    assert frame.conversation_id == channel and frame.message_id == posted.message_id
    assert frame.card_text == "Updated after Dev Patel picked"


def test_the_roster_comes_in_one_page_whatever_the_page_size(
    playground: Playground, echo_bot: EchoBot, world: World
) -> None:
    channel = world.channel.id
    command(playground, f"roster {channel} 2")
    (page,) = [
        c
        for c in echo_bot.calls_named("get_conversation_paged_members")
        if c["asked"]["conversation_id"] == channel
    ]
    assert page["ok"] and "continuationToken" not in page["result"]
    members = page["result"]["members"]
    everyone = sorted(world.everyone, key=lambda u: u.id)
    assert [(m["id"], m["name"], m["aadObjectId"]) for m in members] == [
        (u.id, u.name, u.aad_object_id) for u in everyone
    ]
    assert members[0]["userRole"] == "user" and members[0]["tenantId"] == world.tenant_id
    listed = only_call(echo_bot, "get_conversation_members", conversation_id=channel)
    assert all("aadObjectId" not in m and "objectId" in m for m in listed["result"])


def test_a_personal_chat_with_another_user_is_made_but_never_shown(
    playground: Playground, echo_bot: EchoBot, world: World
) -> None:
    dev = world.user("Dev Patel")
    mark = playground.messages.mark()
    command(playground, f"dm {dev.id}")
    made = only_call(echo_bot, "create_conversation (personal)", user_id=dev.id)
    chat = made["result"]["id"]
    assert made["ok"] and chat.endswith("@test.user") and GUID.match(chat.split("@")[0])
    assert playground.personal_chat_id(dev) == chat
    sent = only_call(echo_bot, "send_to_conversation (personal)", conversation_id=chat)
    assert sent["ok"] and MILLISECONDS.match(sent["result"]["id"])
    assert all(m.conversation_id != chat for m in playground.messages.messages[mark:])


def test_the_current_users_personal_chat_is_the_configured_one(
    playground: Playground, echo_bot: EchoBot, world: World
) -> None:
    me = world.current_user
    command(playground, f"dm {me.id}")
    made = only_call(echo_bot, "create_conversation (personal)", user_id=me.id)
    assert made["result"] == {"id": world.personal_chat_id}
    shown = playground.messages.wait_for(lambda m: m.conversation_id == world.personal_chat_id)
    assert shown.text == "hello in your personal chat"


def test_a_card_in_the_personal_chat_can_be_clicked_by_its_user_only(
    playground: Playground, echo_bot: EchoBot, world: World
) -> None:
    chat = world.personal_chat_id
    posted = posted_card(playground, echo_bot, chat)
    assert posted.post_conversation_id is None and posted.message_id
    thread = only_call(
        echo_bot, "send_to_conversation (thread)", conversation_id=post_id(chat, posted.message_id)
    )
    assert not thread["ok"] and thread["status"] == 404, "no threads in a chat"
    answer = playground.invoke(world.current_user, chat, posted.message_id, "pick", {"n": 1})
    assert answer["value"] == card("Thank you, Helen Marsh")
    with pytest.raises(PlaygroundError, match="400"):
        playground.invoke("Dev Patel", chat, posted.message_id, "pick", {"n": 2})


def test_create_conversation_in_a_channel_makes_a_post(
    playground: Playground, echo_bot: EchoBot, world: World
) -> None:
    channel = world.channel.id
    command(playground, f"newpost {channel}")
    made = only_call(echo_bot, "create_conversation (channel post)", channel_id=channel)
    activity_id = made["result"]["activityId"]
    assert made["result"] == {"id": post_id(channel, activity_id), "activityId": activity_id}
    shown = playground.messages.wait_for(lambda m: m.message_id == activity_id)
    assert shown.conversation_id == channel and shown.text == "a post made by create_conversation"


def test_text_with_a_card_is_split_in_two_messages_and_answers_no_id(
    playground: Playground, echo_bot: EchoBot, world: World
) -> None:
    chat = world.personal_chat_id
    mark = playground.messages.mark()
    command(playground, f"mixed {chat}")
    sent = only_call(echo_bot, "send_to_conversation (text and card)", conversation_id=chat)
    assert sent["ok"] and sent["result"] == {}, "202 without an id"
    shown = [m for m in playground.messages.messages[mark:] if m.conversation_id == chat]
    assert [(m.text, m.card_text) for m in shown] == [
        ("words with a card", ""),
        (None, "A card sent with words"),
    ]


def test_deleting_is_not_implemented(
    playground: Playground, echo_bot: EchoBot, world: World
) -> None:
    posted = posted_card(playground, echo_bot, world.channel.id)
    assert posted.post_conversation_id and posted.message_id
    command(playground, f"delete {posted.post_conversation_id} {posted.message_id}")
    deleted = only_call(echo_bot, "delete_activity", activity_id=posted.message_id)
    assert not deleted["ok"] and deleted["status"] == 501


def test_a_proactive_message_needs_an_anonymous_identity(
    playground: Playground, echo_bot: EchoBot, world: World
) -> None:
    channel = world.channel.id
    mark = playground.messages.mark()
    command(playground, f"later {channel}")
    shown = playground.messages.wait_for(lambda m: m.text == "a proactive message", since=mark)
    assert shown.conversation_id == channel and shown.post_conversation_id
    sent = only_call(echo_bot, "send_activity (proactive)", conversation_id=channel)
    assert sent["ok"] and sent["result"]["id"] == shown.message_id
    refused = only_call(echo_bot, "continue_conversation", conversation_id=channel)
    assert not refused["ok"] and refused["message"] == "TENANT_ID is not set in the configuration."
    anonymous = "continue_conversation_with_claims (anonymous)"
    assert only_call(echo_bot, anonymous, conversation_id=channel)["ok"]


def test_the_teams_clients_own_calls(
    playground: Playground, echo_bot: EchoBot, world: World
) -> None:
    channel, amira = world.channel.id, world.user("Amira Khan")
    command(playground, f"teams {channel} {amira.id}")
    listed = only_call(echo_bot, "fetch_channel_list", team_id=world.team_id)
    assert listed["result"] == [{"id": world.team_id}, {"id": channel, "name": world.channel.name}]
    details = only_call(echo_bot, "fetch_team_details", team_id=world.team_id)["result"]
    assert details["name"] == world.team_name and details["memberCount"] == 6
    member = only_call(echo_bot, "get_conversation_member (teams)", user_id=amira.id)
    assert member["result"]["aadObjectId"] == amira.aad_object_id
    paged = only_call(echo_bot, "get_conversation_paged_member (teams)", conversation_id=channel)
    assert not paged["ok"] and paged["status"] == 403, "it sends continuationToken= (empty)"

"""Other users than the Playground's current one, and installing the bot: what reaches the bot
through the driver's ``say_as`` (custom activities) and ``install``."""

from __future__ import annotations

from tests.playground.driver import Playground, post_id
from tests.playground.echo_bot import EchoBot
from tests.playground.world import World


def test_another_users_channel_post_reaches_the_bot_and_the_reply_lands_in_its_thread(
    playground: Playground, echo_bot: EchoBot, world: World
) -> None:
    grace = world.user("Grace Obi")
    sent = playground.say_as(grace, world.channel.id, "hello from Grace")
    thread = sent["conversation"]["id"]
    assert thread == post_id(world.channel.id, sent["id"])
    got = echo_bot.wait_for_activity(lambda a: a.get("text") == "<at>Assess</at> hello from Grace")
    assert got["from"] == {"id": grace.id, "name": grace.name, "aadObjectId": grace.aad_object_id}
    assert got["conversation"] == {
        "id": thread,
        "isGroup": True,
        "conversationType": "channel",
        "tenantId": world.tenant_id,
    }
    assert got["channelData"]["channel"] == {"id": world.channel.id}
    assert got["id"] == sent["id"], "the post's message id, as in Teams"
    reply = playground.messages.wait_for(lambda m: m.conversation_id == thread and bool(m.text))
    assert reply.text == "done: hello"


def test_another_users_reply_in_a_thread_and_in_the_group_chat(
    playground: Playground, echo_bot: EchoBot, world: World
) -> None:
    said = playground.say(world.channel.id, "a post to reply to", mention_bot=False)
    thread = str(said["postConversationId"])
    sam = world.user("Sam Lee")
    playground.say_as(sam, thread, "a reply by Sam", mention_bot=False)
    got = echo_bot.wait_for_activity(lambda a: a.get("text") == "a reply by Sam")
    assert got["conversation"]["id"] == thread and got["from"]["aadObjectId"] == sam.aad_object_id

    playground.say_as(sam, world.group_chat_id, "in the group chat")
    got = echo_bot.wait_for_activity(lambda a: a.get("text") == "<at>Assess</at> in the group chat")
    assert got["conversation"] == {
        "id": world.group_chat_id,
        "isGroup": True,
        "conversationType": "groupChat",
        "tenantId": world.tenant_id,
    }
    assert got["channelData"] == {"tenant": {"id": world.tenant_id}}
    reply = playground.messages.wait_for(lambda m: m.conversation_id == world.group_chat_id)
    assert reply.text == "done: in"


def test_another_users_personal_chat_message_reaches_the_bot(
    playground: Playground, echo_bot: EchoBot, world: World
) -> None:
    tom = world.user("Tom Walsh")
    chat = playground.personal_chat_id(tom)
    playground.say_as(tom, chat, "hi from Tom", mention_bot=False)
    got = echo_bot.wait_for_activity(lambda a: a.get("text") == "hi from Tom")
    assert got["conversation"] == {
        "id": chat,
        "conversationType": "personal",
        "tenantId": world.tenant_id,
    }
    assert got["from"]["aadObjectId"] == tom.aad_object_id
    assert playground.personal_chat_id(tom) == chat, "one personal chat per user"


def test_installing_in_a_channel(playground: Playground, echo_bot: EchoBot, world: World) -> None:
    channel = world.channel.id
    playground.install(channel)
    installed = echo_bot.wait_for_activity(
        lambda a: a["type"] == "installationUpdate" and a["conversation"]["id"] == channel
    )
    assert installed["action"] == "add"
    assert installed["conversation"] == {
        "id": channel,
        "name": world.channel.name,
        "isGroup": True,
        "conversationType": "channel",
        "tenantId": world.tenant_id,
    }
    team = {"id": world.team_id, "name": world.team_name, "aadGroupId": world.team_aad_group_id}
    assert installed["channelData"] == {
        "tenant": {"id": world.tenant_id},
        "team": team,
        "channel": {"id": channel},
        "source": {"name": "message"},
        "settings": {"selectedChannel": {"id": channel}},
    }
    added = echo_bot.wait_for_activity(
        lambda a: a["type"] == "conversationUpdate" and a["conversation"]["id"] == channel
    )
    assert added["membersAdded"] == [{"id": world.bot_id}]
    assert added["channelData"]["eventType"] == "teamMemberAdded"
    assert added["channelData"]["team"] == team


def test_installing_in_the_personal_chat(
    playground: Playground, echo_bot: EchoBot, world: World
) -> None:
    chat = world.personal_chat_id
    playground.install(chat)
    installed = echo_bot.wait_for_activity(
        lambda a: a["type"] == "installationUpdate" and a["conversation"]["id"] == chat
    )
    assert installed["conversation"]["conversationType"] == "personal"
    assert installed["channelData"]["settings"] == {"selectedChannel": {"id": chat}}
    added = echo_bot.wait_for_activity(
        lambda a: a["type"] == "conversationUpdate" and a["conversation"]["id"] == chat
    )
    me = world.current_user
    assert added["membersAdded"] == [
        {"id": me.id, "aadObjectId": me.aad_object_id},
        {"id": world.bot_id},
    ]

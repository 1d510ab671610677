"""Microsoft's Agents Playground as a scripted Teams client (see teams/playground/NOTES.md).

    with Playground(world, "http://127.0.0.1:3978/api/messages") as playground:
        playground.say(world.team_id, "domain 4")                 # the chair @mentions the bot
        card = playground.messages.wait_for(lambda m: "4.1" in m.card_text)
        playground.invoke("Dev Patel", card.post_conversation_id, card.message_id, "vote", {...})

Only the current user (``world.current_user``) types in the Playground's UI; ``say_as`` makes any
user's message reach the bot (the Playground's custom activities), ``invoke`` clicks a card as any
user. ``messages`` collects what the bot posts and updates (the UI's WebSocket stream)."""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any

from tests.playground.process import PlaygroundProcess
from tests.playground.stream import JsonDict, MessageStream
from tests.playground.world import User, World

POST_MARK = ";messageid="


class PlaygroundError(AssertionError):
    """A call to the Playground's local API failed; says what it answered and shows its log."""


def post_id(channel_id: str, message_id: str) -> str:
    """The conversation id of a channel post's thread, as Teams and the Playground write it."""
    return f"{channel_id}{POST_MARK}{message_id}"


def _quoted(conversation_id: str) -> str:
    return urllib.parse.quote(conversation_id, safe="")


class Playground:
    """The Playground's process, its local API and its stream of bot messages."""

    def __init__(
        self,
        world: World,
        app_endpoint: str,
        *,
        port: int | None = None,
        workdir: Path | None = None,
        listen: bool = True,
    ) -> None:
        """``listen``: collect the bot's messages (``messages``); ``workdir``: the Playground's
        working folder (a temporary one, removed on ``stop``, if None)."""
        self.world = world
        self._listen = listen
        self._own_workdir = workdir is None
        self.workdir = workdir or Path(tempfile.mkdtemp(prefix="playground-"))
        self.process = PlaygroundProcess(self.workdir, app_endpoint, port)
        self._stream: MessageStream | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self, timeout: float = 30.0) -> Playground:
        """Write the world's config file, start the Playground, wait until it answers and
        connect to its message stream."""
        self.world.write(self.workdir)
        try:
            self.process.start(timeout)
            if self._listen:
                self._stream = MessageStream(self.url)
                self._stream.start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self._stream is not None:
            self._stream.stop()
        self.process.stop()
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> Playground:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is not None and not isinstance(exc, PlaygroundError):
            sys.stderr.write(self.process.describe() + "\n")
        self.stop()

    @property
    def url(self) -> str:
        """The web UI (and the local API's base)."""
        return self.process.url

    @property
    def messages(self) -> MessageStream:
        assert self._stream is not None, "the Playground is not started"
        return self._stream

    def log(self) -> str:
        return self.process.log()

    # ------------------------------------------------------------------ the local API

    def request(self, method: str, path: str, body: Any = None) -> Any:
        """One call to the Playground's local API; the JSON it answers (None when empty)."""
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"} if data is not None else {}
        request = urllib.request.Request(self.url + path, data, headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                text = response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            answer = error.read().decode("utf-8", errors="replace")
            raise PlaygroundError(
                f"{method} {path} -> {error.code}: {answer}\n{self.process.describe(4000)}"
            ) from None
        return json.loads(text) if text.strip() else None

    def test_config(self) -> JsonDict:
        """``GET /_internal/v1/testConfig``: {"config": tenant, bot, users, chats, teams,
        "internalConfig": locale, channelId}."""
        return dict(self.request("GET", "/_internal/v1/testConfig"))

    def say(self, conversation_id: str, text: str, mention_bot: bool = True) -> JsonDict:
        """The current user writes ``text`` in a conversation, as in the UI. In a channel it is a
        new post; in a post's thread (``<channel>;messageid=<id>``) a reply. Only @mentions of the
        bot reach it, except in the personal chat. Answers {"messageId", "postConversationId"
        (a new post's thread), "timestamp"}."""
        me = self.world.current_user
        body: JsonDict = {"from": {"id": me.id}, "text": text, "textFormat": "plain"}
        if mention_bot:
            at = f"<at>{self.world.bot_name}</at>"
            body["text"] = f"{at} {text}"
            body["mentions"] = [
                {"mentioned": {"id": self.world.bot_id, "name": self.world.bot_name}, "text": at}
            ]
        path = f"/_conversation/v1/conversations/{_quoted(conversation_id)}/messages"
        return dict(self.request("POST", path, body))

    def say_as(
        self, user: User | str, conversation_id: str, text: str, mention_bot: bool = True
    ) -> JsonDict:
        """``user`` writes ``text``: the activity a Teams client would send the bot, through the
        Playground's custom activities (``POST /_internal/v1/customActivities``). The Playground
        keeps no record of it, so in a channel a post is first made by the current user, without
        a mention (the UI shows it under the current user's name), and the activity is that post
        by ``user``: the bot's replies in its thread then work. Answers the activity sent."""
        author = self.world.user(user)
        if POST_MARK not in conversation_id and self._is_channel(conversation_id):
            made = self.say(conversation_id, text, mention_bot=False)
            conversation_id, message_id = made["postConversationId"], made["messageId"]
        else:
            message_id = str(int(time.time() * 1000))
        activity = self.activity_template(conversation_id)
        activity.update(
            id=message_id,
            type="message",
            text=text,
            textFormat="plain",
            locale="en-US",
            **{"from": {"id": author.id, "name": author.name, "aadObjectId": author.aad_object_id}},
        )
        activity["entities"] = [{"type": "clientInfo", "locale": "en-US", "platform": "Web"}]
        if mention_bot:
            at = f"<at>{self.world.bot_name}</at>"
            activity["text"] = f"{at} {text}"
            mentioned = {"id": self.world.bot_id, "name": self.world.bot_name}
            activity["entities"].insert(0, {"type": "mention", "mentioned": mentioned, "text": at})
        activity["channelData"] = self._channel_data(conversation_id)
        self.request("POST", "/_internal/v1/customActivities", activity)
        return activity

    def activity_template(self, conversation_id: str, kind: str | None = None) -> JsonDict:
        """The Playground's template of an activity in a conversation (``kind``: install,
        uninstall, userAdded, botAdded, channelCreated, ... or None for a bare one)."""
        query = {"conversationId": conversation_id, **({"type": kind} if kind else {})}
        path = "/_internal/v1/customActivities/template?" + urllib.parse.urlencode(query)
        return dict(self.request("GET", path))

    def send_activity(self, activity: JsonDict) -> None:
        """Any activity to the bot, as is (``POST /_internal/v1/customActivities``)."""
        self.request("POST", "/_internal/v1/customActivities", activity)

    def invoke(
        self,
        user: User | str,
        conversation_id: str,
        reply_to_id: str,
        verb: str,
        data: JsonDict | None = None,
    ) -> JsonDict:
        """``user`` clicks an ``Action.Execute`` on the card message ``reply_to_id``; answers the
        bot's invoke response ({"type", "value"}). ``conversation_id`` is where that message is:
        a post's thread (``<channel>;messageid=<id>``, also for the post's own card) or a chat."""
        body = {
            "name": "adaptiveCard/action",
            "from": {"id": self.world.user(user).id},
            "conversation": {"id": conversation_id},
            "replyToId": reply_to_id,
            "value": {
                "action": {"type": "Action.Execute", "verb": verb, "data": data or {}},
                "trigger": "manual",
            },
        }
        return dict(self.request("POST", "/_conversation/v1/invoke", body))

    def install(self, conversation_id: str) -> None:
        """Install the bot in a channel or chat, as the UI does on first opening it: the bot gets
        an ``installationUpdate`` (action add) and a ``conversationUpdate`` (membersAdded: the bot;
        in the personal chat the current user too). The Playground answers before sending them."""
        self.request("POST", f"/_debug/conversation/{_quoted(conversation_id)}/installation", {})

    def personal_chat_id(self, user: User | str) -> str:
        """The user's personal chat with the bot. The current user's is in the config; another
        user's is made on first asking, the way the bot's create_conversation makes it (the
        Playground keeps one per user and answers the same id to both). What the bot sends to
        another user's chat is kept but never shown: not in the UI, not on the stream."""
        person = self.world.user(user)
        if person == self.world.current_user:
            return self.world.personal_chat_id
        body = {"isGroup": False, "members": [{"id": person.id}], "tenantId": self.world.tenant_id}
        return str(self.request("POST", "/_connector/v3/conversations", body)["id"])

    def roster(self, conversation_id: str) -> list[JsonDict]:
        """The conversation's members as the bot's connector sees them (``GET .../members``)."""
        path = f"/_connector/v3/conversations/{_quoted(conversation_id)}/members"
        return list(self.request("GET", path))

    # ------------------------------------------------------------------ helpers

    def _is_channel(self, conversation_id: str) -> bool:
        return conversation_id in {channel.id for channel in self.world.channels}

    def _channel_data(self, conversation_id: str) -> JsonDict:
        """What the Playground puts in a message's channelData (see its TeamsStrategy)."""
        tenant = {"id": self.world.tenant_id}
        channel_id = conversation_id.split(";", 1)[0]
        if not self._is_channel(channel_id):
            return {"tenant": tenant}
        return {
            "teamsChannelId": channel_id,
            "teamsTeamId": self.world.team_id,
            "tenant": tenant,
            "team": {"id": self.world.team_id},
            "channel": {"id": channel_id},
        }

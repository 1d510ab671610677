"""Conversations and activities: create a personal chat, post, reply in a thread, update and
delete, with the checks Teams makes on a bot's message."""

from __future__ import annotations

import copy
from typing import Any

from .cards import activity_problems
from .records import (
    MAX_MESSAGE_BYTES,
    THREAD_MARK,
    Answer,
    ConnectorError,
    JsonDict,
    Request,
    StoredMessage,
    TeamsUser,
    message_bytes,
)
from .tenant import Target, TenantSetup

SENDABLE = ("message", "typing")


class ActivitiesApi(TenantSetup):
    """``POST /v3/conversations``, ``…/activities``, ``…/activities/{id}`` (POST, PUT, DELETE)."""

    max_message_bytes = MAX_MESSAGE_BYTES

    def _create_conversation(self, request: Request) -> Answer:
        body: JsonDict = request.body
        if body.get("isGroup"):
            raise bad_argument("Bots cannot create group chats; isGroup must be false")
        bot = body.get("bot")
        if isinstance(bot, dict) and bot.get("id") not in (None, self.bot_id):
            raise bad_argument(f"bot must be the bot ({self.bot_id})")
        tenant = body.get("tenantId") or (body.get("channelData") or {}).get("tenant", {}).get("id")
        if not tenant:
            raise bad_argument("tenantId (or channelData.tenant.id) is required")
        if tenant != self.tenant_id:
            raise ConnectorError(403, "Forbidden", "The tenant is not the bot's tenant")
        members = body.get("members")
        if not isinstance(members, list) or len(members) != 1 or not isinstance(members[0], dict):
            raise bad_argument("members must hold exactly one user for a personal chat")
        ref = members[0].get("id") or members[0].get("aadObjectId")
        user = self._find_user(str(ref)) if ref else None
        if user is None:
            raise ConnectorError(404, "NotFound", "The user is not in the tenant")
        chat_id = self.personal_chat_id(user)
        assert chat_id is not None
        answer: JsonDict = {"id": chat_id}
        activity = body.get("activity")
        if isinstance(activity, dict):
            stored = self._store(self._target(chat_id), activity)
            answer["activityId"] = stored.id if stored else None
        return Answer(201, answer, conversation_id=chat_id)

    def _send_to_conversation(self, request: Request) -> Answer:
        conversation_id = request.params["cid"]
        target = self._target(conversation_id)
        stored = self._store(target, request.body)
        return self._sent(conversation_id, stored)

    def _reply_to_activity(self, request: Request) -> Answer:
        """In a channel, a reply to a message goes in its post's thread; a reply to anything
        else (an installation, a member added) makes a new post, as Teams does."""
        conversation_id, activity_id = request.params["cid"], request.params["aid"]
        target = self._target(conversation_id)
        if target.kind == "channel":
            replied = self._messages.get(activity_id)
            if replied is not None and replied.channel_id == conversation_id:
                root = self._messages[replied.root_id] if replied.root_id else replied
                target = Target("thread", channel=target.channel, root=root)
        return self._sent(conversation_id, self._store(target, request.body))

    def _sent(self, conversation_id: str, stored: StoredMessage | None) -> Answer:
        if stored is None:  # a typing indicator: shown, not kept
            return Answer(201, {}, conversation_id=conversation_id)
        return Answer(
            201, {"id": stored.id}, conversation_id=conversation_id, activity_id=stored.id
        )

    def _update_activity(self, request: Request) -> Answer:
        conversation_id, activity_id = request.params["cid"], request.params["aid"]
        found = self._own_message(self._target(conversation_id), activity_id)
        activity = self._checked(request.body, allow=("message",))
        activity["id"] = activity_id
        found.updates.append(activity)
        return Answer(200, {"id": activity_id}, conversation_id, activity_id)

    def _delete_activity(self, request: Request) -> Answer:
        conversation_id, activity_id = request.params["cid"], request.params["aid"]
        found = self._own_message(self._target(conversation_id), activity_id)
        found.deleted = True
        return Answer(200, {}, conversation_id, activity_id)

    def _own_message(self, target: Target, activity_id: str) -> StoredMessage:
        found = self._messages.get(activity_id)
        if target.chat is not None:
            where_ok = found is not None and found.conversation_id == target.chat.id
        else:
            assert target.channel is not None
            where_ok = found is not None and found.channel_id == target.channel.id
        if found is None or not where_ok or found.deleted:
            raise ConnectorError(404, "ActivityNotFound", "Activity not found.")
        if not found.from_bot:
            raise ConnectorError(403, "Forbidden", "The bot may only change its own messages")
        return found

    # ---------------------------------------------------------------- users' messages

    def new_activity_id(self) -> str:
        """A fresh message id, as Teams gives them (13-digit milliseconds, unique)."""
        return self._new_activity_id()

    def add_user_message(
        self, user: TeamsUser | str, conversation_id: str, activity: JsonDict
    ) -> str:
        """Keeps a user's message as Teams would before telling the bot (the TeamsClient does
        this): to ``<channel>;messageid=<its own id>`` a new post, to ``<channel>;messageid=<a
        post>`` a reply in that post's thread, to ``a:…`` a message in the personal chat. The
        user must be in the channel's roster, or the chat's user. Returns the message's id."""
        person = self.user(user)
        message_id = str(activity.get("id") or "")
        with self._lock:
            base, _, root_id = conversation_id.partition(THREAD_MARK)
            channel = self._channels.get(base)
            if channel is not None and root_id == message_id and message_id not in self._messages:
                target = Target("channel", channel=channel)
            else:
                target = self._target(conversation_id)
            if target.chat is not None and target.chat.user != person.aad_object_id:
                raise ValueError(f"{person.name} is not in the personal chat {conversation_id}")
            if target.channel is not None and person.aad_object_id not in target.channel.members:
                raise ValueError(f"{person.name} is not in the roster of {target.channel.name}")
            if message_id in self._messages:
                raise ValueError(f"message id {message_id} is taken")
            kept = copy.deepcopy(activity)
            return self._keep(target, kept, person.teams_id, from_bot=False).id

    # ------------------------------------------------------------------------- storing

    def _checked(self, body: Any, allow: tuple[str, ...] = SENDABLE) -> JsonDict:
        """The activity, if Teams would take it: 400 for a wrong type, an empty message or a bad
        card, 413 MessageSizeTooBig over 28 KB."""
        activity: JsonDict = copy.deepcopy(body)
        kind = activity.get("type")
        if kind not in allow:
            raise bad_argument(f"Activity type must be one of {list(allow)}, not {kind!r}")
        size = message_bytes(activity)
        if size > self.max_message_bytes:
            raise ConnectorError(
                413, "MessageSizeTooBig", f"Message size {size} bytes is over the limit"
            )
        if kind == "message" and not (activity.get("text") or activity.get("attachments")):
            raise bad_argument("A message needs text or attachments")
        problems = activity_problems(activity)
        if problems:
            raise ConnectorError(
                400,
                "BadArgument",
                "The card is not valid: " + problems[0],
                problems=tuple(problems),
            )
        return activity

    def _store(self, target: Target, body: Any) -> StoredMessage | None:
        """The bot's activity, checked and kept where the target says (None for typing)."""
        activity = self._checked(body)
        if activity["type"] != "message":
            return None
        return self._keep(target, activity, self.bot_id, from_bot=True)

    def _keep(
        self, target: Target, activity: JsonDict, author_id: str, *, from_bot: bool
    ) -> StoredMessage:
        message_id = str(activity.get("id") or "") if not from_bot else ""
        message_id = message_id or self._new_activity_id()
        activity["id"] = message_id
        if target.chat is not None:
            conversation_id, channel_id, root_id = target.chat.id, None, None
        elif target.root is not None:
            assert target.channel is not None
            channel_id, root_id = target.channel.id, target.root.id
            conversation_id = f"{channel_id}{THREAD_MARK}{root_id}"
        else:
            assert target.channel is not None
            conversation_id = channel_id = target.channel.id
            root_id = None
        stored = StoredMessage(
            message_id, conversation_id, channel_id, root_id, author_id, from_bot, activity
        )
        self._messages[message_id] = stored
        if target.chat is not None:
            target.chat.messages.append(stored)
        elif target.root is not None:
            target.root.replies.append(stored)
        else:
            assert target.channel is not None
            target.channel.posts.append(stored)
        return stored


def bad_argument(message: str) -> ConnectorError:
    return ConnectorError(400, "BadArgument", message)

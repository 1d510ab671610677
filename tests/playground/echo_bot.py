"""A throwaway Microsoft 365 Agents SDK bot, to learn what the Agents Playground supports.

It records every activity it receives (the raw JSON) and every connector call it makes (what it
asked, what came back or the error). On a mention it obeys the words after it:

    post <channel id>        an Adaptive Card (Action.Execute "pick") posted into that channel,
                             then a reply in the post's thread (<channel>;messageid=<id>)
    newpost <channel id>     a post made with create_conversation (isGroup, channelData.channel)
    roster <conversation id> [page size]
                             get_conversation_paged_members, all pages; get_conversation_members
    dm <user id>             create_conversation with the user (a personal chat), then a message
    delete <conversation id> <activity id>
    teams <conversation id> <user id>
                             the Teams client's calls: fetch_channel_list, fetch_team_details (on
                             the team of the activity), get_conversation_member,
                             get_conversation_paged_member (no continuation token)
    mixed <conversation id>  one activity with text and a card
    later <conversation id>  after the turn, a proactive message there (the adapter's
                             continue_conversation, with a reference made of the id and serviceUrl)

A click on "pick" updates the clicked card in place (``update_activity`` on the conversation the
data names: "post" the post's thread, "channel" the channel's id) and answers with a card.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any, cast

from microsoft_agents.activity import (
    Activity,
    AdaptiveCardInvokeResponse,
    Attachment,
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    ConversationReference,
)
from microsoft_agents.hosting.core import (
    ClaimsIdentity,
    ConnectorClientBase,
    TeamsConnectorClient,
    TurnContext,
    TurnState,
)

from tests.playground.bot_server import BotServer, JsonDict

CARD = "application/vnd.microsoft.card.adaptive"
PICK = "pick"


def card(title: str, data: JsonDict | None = None) -> JsonDict:
    """An Adaptive Card with one TextBlock and, given ``data``, one Action.Execute "pick"."""
    content: JsonDict = {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": "1.5",
        "body": [{"type": "TextBlock", "text": title, "wrap": True}],
    }
    if data is not None:
        content["actions"] = [
            {"type": "Action.Execute", "title": "Pick", "verb": PICK, "data": data}
        ]
    return content


def card_activity(content: JsonDict) -> Activity:
    return Activity(type="message", attachments=[Attachment(content_type=CARD, content=content)])


def _dump(value: Any) -> Any:
    if isinstance(value, list):
        return [_dump(item) for item in value]
    if hasattr(value, "model_dump"):
        return value.model_dump(by_alias=True, exclude_none=True, mode="json")
    return value


class EchoBot(BotServer):
    """The bot and its records: ``received`` activities, ``calls`` to its connector."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[JsonDict] = []
        self._tasks: set[asyncio.Future[None]] = set()
        self.app.message(None)(self._on_message)
        self.app.adaptive_card.action_execute(PICK)(self._on_pick)

    # ------------------------------------------------------------------ records

    def calls_named(self, name: str) -> list[JsonDict]:
        with self._lock:
            return [c for c in self.calls if c["call"] == name]

    async def _call(
        self, name: str, make: Callable[[], Awaitable[Any]], **asked: Any
    ) -> Any | None:
        """Make one connector call and record it; None when it failed."""
        record: JsonDict = {"call": name, "asked": asked}
        try:
            result = await make()
        except Exception as exc:
            record.update(ok=False, error=type(exc).__name__, status=getattr(exc, "status", None))
            record["message"] = str(getattr(exc, "message", exc))
            result = None
        else:
            record.update(ok=True, result=_dump(result))
        with self._lock:
            self.calls.append(record)
        return result

    # ------------------------------------------------------------------ turns

    async def _on_message(self, context: TurnContext, _state: TurnState) -> None:
        words = (context.activity.text or "").split()
        connector = cast(ConnectorClientBase, context.turn_state["ConnectorClient"])
        conversations = connector.conversations
        command, args = (words[0], words[1:]) if words else ("", [])
        if command == "post":
            await self._post(conversations, args[0])
        elif command == "newpost":
            await self._new_post(context, conversations, args[0])
        elif command == "roster":
            await self._roster(conversations, args[0], int(args[1]) if len(args) > 1 else None)
        elif command == "dm":
            await self._direct(context, conversations, args[0])
        elif command == "mixed":
            mixed = card_activity(card("A card sent with words"))
            mixed.text = "words with a card"
            await self._call(
                "send_to_conversation (text and card)",
                lambda: conversations.send_to_conversation(args[0], mixed),
                conversation_id=args[0],
            )
        elif command == "later":
            asyncio.get_running_loop().call_later(0.2, self._later, context.activity, args[0])
        elif command == "teams":
            await self._teams(context, args[0], args[1])
        elif command == "delete":
            await self._call(
                "delete_activity",
                lambda: conversations.delete_activity(args[0], args[1]),
                conversation_id=args[0],
                activity_id=args[1],
            )
        reply = f"done: {command}" if command else "hello"
        await self._call("send_activity (reply)", lambda: context.send_activity(reply))

    async def _post(self, conversations: Any, channel_id: str) -> None:
        sent = await self._call(
            "send_to_conversation (card)",
            lambda: conversations.send_to_conversation(
                channel_id, card_activity(card("Pick one", {"round": 1}))
            ),
            conversation_id=channel_id,
        )
        if sent is None or not sent.id:
            return
        thread = f"{channel_id};messageid={sent.id}"
        await self._call(
            "send_to_conversation (thread)",
            lambda: conversations.send_to_conversation(
                thread, Activity(type="message", text="a reply in the thread")
            ),
            conversation_id=thread,
        )

    async def _new_post(self, context: TurnContext, conversations: Any, channel_id: str) -> None:
        tenant = self._tenant(context)
        parameters = ConversationParameters(
            is_group=True,
            channel_data={"channel": {"id": channel_id}, "tenant": {"id": tenant}},
            activity=Activity(type="message", text="a post made by create_conversation"),
            tenant_id=tenant,
        )
        await self._call(
            "create_conversation (channel post)",
            lambda: conversations.create_conversation(parameters),
            channel_id=channel_id,
        )

    async def _roster(self, conversations: Any, conversation_id: str, size: int | None) -> None:
        token: str | None = None
        for _page in range(20):
            page = await self._call(
                "get_conversation_paged_members",
                partial(conversations.get_conversation_paged_members, conversation_id, size, token),
                conversation_id=conversation_id,
                page_size=size,
                continuation_token=token,
            )
            token = page.continuation_token if page is not None else None
            if not token:
                break
        await self._call(
            "get_conversation_members",
            lambda: conversations.get_conversation_members(conversation_id),
            conversation_id=conversation_id,
        )

    async def _teams(self, context: TurnContext, conversation_id: str, user_id: str) -> None:
        teams = cast(TeamsConnectorClient, context.turn_state["ConnectorClient"])
        data = context.activity.channel_data
        team_id = str(data["team"]["id"]) if isinstance(data, dict) else ""
        await self._call(
            "fetch_channel_list", lambda: teams.fetch_channel_list(team_id), team_id=team_id
        )
        await self._call(
            "fetch_team_details", lambda: teams.fetch_team_details(team_id), team_id=team_id
        )
        await self._call(
            "get_conversation_member (teams)",
            lambda: teams.get_conversation_member(conversation_id, user_id),
            conversation_id=conversation_id,
            user_id=user_id,
        )
        await self._call(
            "get_conversation_paged_member (teams)",
            lambda: teams.get_conversation_paged_member(conversation_id, 50, ""),
            conversation_id=conversation_id,
        )

    async def _direct(self, context: TurnContext, conversations: Any, user_id: str) -> None:
        tenant = self._tenant(context)
        parameters = ConversationParameters(
            is_group=False,
            members=[ChannelAccount(id=user_id)],
            channel_data={"tenant": {"id": tenant}},
            tenant_id=tenant,
        )
        made = await self._call(
            "create_conversation (personal)",
            lambda: conversations.create_conversation(parameters),
            user_id=user_id,
        )
        if made is None or not made.id:
            return
        await self._call(
            "send_to_conversation (personal)",
            lambda: conversations.send_to_conversation(
                made.id, Activity(type="message", text="hello in your personal chat")
            ),
            conversation_id=made.id,
        )

    async def _on_pick(
        self, context: TurnContext, _state: TurnState, data: Any
    ) -> AdaptiveCardInvokeResponse:
        activity = context.activity
        who = activity.from_property.name if activity.from_property else "someone"
        conversation_id = activity.conversation.id if activity.conversation else ""
        if isinstance(data, dict) and data.get("update_via") == "channel":
            conversation_id = conversation_id.split(";", 1)[0]
        reply_to_id = activity.reply_to_id or ""
        connector = cast(ConnectorClientBase, context.turn_state["ConnectorClient"])
        update = card_activity(card(f"Updated after {who} picked", {"round": 1}))
        update.id = reply_to_id
        update.conversation = ConversationAccount(id=conversation_id)
        await self._call(
            "update_activity",
            lambda: connector.conversations.update_activity(conversation_id, reply_to_id, update),
            conversation_id=conversation_id,
            activity_id=reply_to_id,
        )
        return AdaptiveCardInvokeResponse(
            status_code=200, type=CARD, value=card(f"Thank you, {who}")
        )

    def _later(self, heard: Activity, conversation_id: str) -> None:
        reference = ConversationReference(
            channel_id=heard.channel_id,
            service_url=heard.service_url,
            agent=heard.recipient,
            conversation=ConversationAccount(
                id=conversation_id,
                tenant_id=heard.conversation.tenant_id if heard.conversation else None,
            ),
        )

        async def proactive(context: TurnContext) -> None:
            await self._call(
                "send_activity (proactive)",
                lambda: context.send_activity("a proactive message"),
                conversation_id=conversation_id,
            )

        continuation = reference.get_continuation_activity()
        task = asyncio.ensure_future(self._proactively(continuation, proactive, conversation_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _proactively(
        self, continuation: Activity, callback: Callable[[TurnContext], Awaitable[None]], where: str
    ) -> None:
        """continue_conversation as documented (an app id, here none), then with an anonymous
        identity (no claims), as the adapter gives an incoming turn without a token."""
        await self._call(
            "continue_conversation",
            lambda: self.adapter.continue_conversation("", continuation, callback),
            conversation_id=where,
        )
        await self._call(
            "continue_conversation_with_claims (anonymous)",
            lambda: self.adapter.continue_conversation_with_claims(
                ClaimsIdentity(), continuation, callback
            ),
            conversation_id=where,
        )

    @staticmethod
    def _tenant(context: TurnContext) -> str:
        conversation = context.activity.conversation
        return str(conversation.tenant_id) if conversation and conversation.tenant_id else ""

"""The chat gateway for Teams: the core's views become Adaptive Cards posted, updated and read
through the Bot Connector (handlers/teams/connector.py).

Where things are, and who people are, comes from the activities Teams sent (stored by
handlers/teams/directory.py), so proactive posts work after a restart. People are named by
their Microsoft Entra object id; Teams' own "29:…" ids are looked up when a chat must be opened.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import timedelta

import structlog
from microsoft_agents.activity import (
    Activity,
    Attachment,
    ChannelAccount,
    ConversationParameters,
)

from bot.domain.messages import FileToSend, MessageRef
from bot.ports import ChannelAccess, ChatError, Clock
from bot.views.reply import Reply
from bot.views.report import BoardMessage
from bot.views.rounds import DomainSummaryView, MessageView, ReminderView
from handlers.teams.adaptive import CARD_CONTENT_TYPE, MAX_CARD_BYTES, card_bytes
from handlers.teams.board_cards import render_reply
from handlers.teams.channels import TeamChannels
from handlers.teams.connector import Connector
from handlers.teams.directory import Directory, thread_id
from handlers.teams.render import (
    JsonCard,
    message_link,
    render_board,
    render_files,
    render_message,
    summary_text,
)
from handlers.teams.text import TeamsText
from storage.served_files import ServedFile, SqlFileStore

log = structlog.get_logger(__name__)

FILE_LIFETIME = timedelta(days=7)
MEDIA_TYPES = {
    ".png": "image/png",
    ".pdf": "application/pdf",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".csv": "text/csv; charset=utf-8",
}


def card_activity(cards: Sequence[JsonCard], index: int = 0) -> Activity:
    card = cards[index]
    if card_bytes(card) > MAX_CARD_BYTES:
        raise ChatError("the card is larger than Teams allows", permanent=True)
    return Activity(
        type="message",
        summary=summary_text(cards[index:]),
        attachments=[Attachment(content_type=CARD_CONTENT_TYPE, content=card)],
    )


def media_type(filename: str) -> str:
    suffix = filename[filename.rfind(".") :].lower() if "." in filename else ""
    return MEDIA_TYPES.get(suffix, "application/octet-stream")


class TeamsGateway:
    """The core's ChatGateway on Teams."""

    def __init__(
        self,
        connector: Connector,
        directory: Directory,
        files: SqlFileStore,
        clock: Clock,
        public_url: str,
        configured_names: dict[str, str] | None = None,
        channels: TeamChannels | None = None,
    ) -> None:
        self.connector = connector
        self.directory = directory
        self.files = files
        self.clock = clock
        self.public_url = public_url.rstrip("/")
        self.configured_names = configured_names or {}  # the configuration's names
        self.channels = channels or TeamChannels(connector, directory)

    def text(self) -> TeamsText:
        return TeamsText(names=self.directory.name, channels=self._channel_name)

    def _channel_name(self, channel_id: str) -> str | None:
        """As Teams names it (once a channel list was read), else as the configuration does."""
        return self.channels.name(channel_id) or self.configured_names.get(channel_id)

    # ---------------------------------------------------------------- channels

    def prepare_channel(self, conversation_id: str, join: bool = True) -> ChannelAccess:
        return self.channels.prepare_channel(conversation_id, join)

    def channel_names(self, conversation_ids: Sequence[str]) -> dict[str, str]:
        return self.channels.channel_names(conversation_ids)

    # ------------------------------------------------------------------ people

    def human_members(self, conversation_id: str) -> list[str]:
        """The channel's roster (every page), less bots: people without an Entra object id."""
        service_url = self.directory.service_url(conversation_id)
        members: list[str] = []
        token: str | None = None
        while True:
            page = self.connector.call(
                service_url,
                lambda api, t=token: api.get_conversation_paged_members(  # type: ignore[misc]
                    conversation_id, page_size=500, continuation_token=t
                ),
                "reading the channel's members",
                idempotent=True,
            )
            people = [m for m in page.members or [] if m.aad_object_id]
            self.directory.remember_accounts(people, self.directory.tenant_of(conversation_id))
            members.extend(str(m.aad_object_id) for m in people)
            token = page.continuation_token or None
            if not token:
                return list(dict.fromkeys(members))

    def direct_conversation(self, user_id: str) -> str:
        known = self.directory.personal_conversation(user_id)
        if known is not None:
            return known
        teams_id = self.directory.teams_user_id(user_id) or user_id
        tenant = self.directory.tenant_of_person(user_id)
        if tenant is None:
            raise ChatError("the Microsoft 365 tenant is not known yet: add the app to the team")
        service_url = self.directory.service_url(None)
        parameters = ConversationParameters(
            is_group=False,
            bot=ChannelAccount(id=self.directory.bot_id()),
            members=[ChannelAccount(id=teams_id)],
            tenant_id=tenant,
            channel_data={"tenant": {"id": tenant}},
        )
        created = self.connector.call(
            service_url,
            lambda api: api.create_conversation(parameters),
            "opening a personal chat",
        )
        self.directory.remember_personal(str(created.id), user_id, service_url, tenant)
        return str(created.id)

    def display_names(self, user_ids: Sequence[str]) -> dict[str, str]:
        return {u: self.directory.name(u) or u for u in user_ids}

    # ---------------------------------------------------------------- messages

    def _send(self, conversation_id: str, activity: Activity, what: str) -> str:
        service_url = self.directory.service_url(conversation_id)
        sent = self.connector.call(
            service_url,
            lambda api: api.send_to_conversation(conversation_id, activity),
            what,
        )
        if not sent.id:
            raise ChatError(f"{what}: Teams gave the message no id")
        return str(sent.id)

    def _target(self, conversation_id: str, reply_to: MessageRef | None) -> str:
        """Where a message goes: a channel post's replies are its thread's conversation."""
        if reply_to is None or self.directory.is_personal(conversation_id):
            return conversation_id
        return thread_id(conversation_id, reply_to.message_id)

    def _link(self, view: MessageView) -> str | None:
        if isinstance(view, ReminderView) and view.header_message_id:
            team = self.directory.team_of(view.channel_id)
            return message_link(
                view.channel_id,
                view.header_message_id,
                self.directory.tenant_of(view.channel_id),
                team,
            )
        return None

    def post(
        self,
        conversation_id: str,
        view: MessageView,
        key: str | None = None,
        reply_to: MessageRef | None = None,
    ) -> MessageRef:
        cards = render_message(self.text(), view, self._link(view))
        target = self._target(conversation_id, reply_to)
        first = self._send(target, card_activity(cards), "posting a message")
        parent = reply_to.message_id if reply_to else None
        if len(cards) > 1:
            if key is not None:  # if a part fails, the outbox's next try finds this post
                self.directory.remember_posted(conversation_id, key, first)
            self._post_parts(conversation_id, parent or first, cards, 1)
        return MessageRef(conversation_id, first, parent)

    def _post_parts(self, channel_id: str, parent: str, cards: list[JsonCard], start: int) -> None:
        """A long message's other cards, as replies to its post (ids kept for updates)."""
        target = self._target(channel_id, MessageRef(channel_id, parent))
        parts = self.directory.parts(target)
        for index in range(start, len(cards)):
            parts.append(self._send(target, card_activity(cards, index), "continuing a message"))
            self.directory.remember_parts(target, channel_id, parts)

    def update(self, message: MessageRef, view: MessageView) -> None:
        cards = render_message(self.text(), view, self._link(view))
        self._update(message, cards[0])
        if isinstance(view, DomainSummaryView):
            self._update_parts(message, cards)

    def _update(self, message: MessageRef, card: JsonCard) -> None:
        conversation = message.conversation_id
        if not self.directory.is_personal(conversation):
            conversation = thread_id(conversation, message.parent_id or message.message_id)
        activity = card_activity([card])
        activity.id = message.message_id
        self.connector.call(
            self.directory.service_url(message.conversation_id),
            lambda api: api.update_activity(conversation, message.message_id, activity),
            "updating a message",
            idempotent=True,
        )

    def _update_parts(self, message: MessageRef, cards: list[JsonCard]) -> None:
        target = self._target(message.conversation_id, message)
        parts = self.directory.parts(target)
        for index, part_id in enumerate(parts[: len(cards) - 1], start=1):
            ref = MessageRef(message.conversation_id, part_id, message.message_id)
            self._update(ref, cards[index])
        if len(cards) - 1 > len(parts):
            self._post_parts(message.conversation_id, message.message_id, cards, len(parts) + 1)

    def find_posted(
        self, conversation_id: str, key: str, reply_to: MessageRef | None = None
    ) -> MessageRef | None:
        """Teams' Bot Connector cannot list a channel's messages: only a long message whose
        first card was posted before a continuation failed is found (its id was kept); a post
        whose answer was lost is sent again (see the README)."""
        found = self.directory.posted(conversation_id, key)
        if found is None:
            return None
        return MessageRef(conversation_id, found, reply_to.message_id if reply_to else None)

    # ------------------------------------------------------------------ private

    def send_private(self, user_id: str, reply: Reply) -> None:
        """A private answer in the person's personal chat with the app."""
        conversation = self.direct_conversation(user_id)
        card = render_reply(self.text(), reply)
        self._send(conversation, card_activity([card]), "sending a private answer")

    def send_card(self, conversation_id: str, card: JsonCard) -> str:
        """One card in a conversation (a personal chat's answers)."""
        return self._send(conversation_id, card_activity([card]), "sending an answer")

    # ------------------------------------------------------------------ the board

    def post_board_message(self, conversation_id: str, view: BoardMessage) -> MessageRef:
        card = render_board(self.text(), view)
        return MessageRef(
            conversation_id, self._send(conversation_id, card_activity([card]), "posting")
        )

    def update_board_message(self, message: MessageRef, view: BoardMessage) -> None:
        self._update(message, render_board(self.text(), view))

    def send_files(
        self, conversation_id: str, files: Sequence[FileToSend], comment: str | None = None
    ) -> list[str]:
        """Teams bots cannot upload to channels: each file is served by the app behind an
        unguessable link for 7 days (a personal chat's files only to that person's chat)."""
        now = self.clock.now()
        self.files.purge_expired(now)
        owner = self.directory.person_of(conversation_id)
        served: list[tuple[FileToSend, str]] = []
        tokens: list[str] = []
        for file in files:
            token = secrets.token_urlsafe(32)
            self.files.put(
                ServedFile(
                    token=token,
                    filename=file.filename,
                    media_type=media_type(file.filename),
                    content=file.data,
                    owner=owner,
                    created_at=now,
                    expires_at=now + FILE_LIFETIME,
                )
            )
            served.append((file, f"{self.public_url}/files/{token}"))
            tokens.append(token)
        card = render_files(self.text(), served, comment)
        self._send(conversation_id, card_activity([card]), "sending files")
        log.info("files_served", count=len(tokens), private=owner is not None)
        return tokens

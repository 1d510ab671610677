"""Where Teams conversations are and who people are, as Teams told the app: remembered from
every activity (installation, messages, clicks) and every roster read, stored in the database
(storage/directory.py) so that proactive posts work after a restart, and cached here."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from typing import Any

from microsoft_agents.activity import Activity, ChannelAccount

from bot.ports import ChatError, Clock
from storage.directory import ConversationRecord, PersonRecord, SqlDirectory

THREAD_MARK = ";messageid="
POSTED_MARK = ";posted="
PERSONAL = "personal"
CHANNEL = "channel"
THREAD = "thread"


def thread_id(channel_id: str, message_id: str) -> str:
    """The conversation of a channel post's replies (Teams' own form)."""
    return f"{base_conversation(channel_id)}{THREAD_MARK}{message_id}"


def base_conversation(conversation_id: str) -> str:
    """A channel thread's channel (any other conversation is itself)."""
    return conversation_id.split(THREAD_MARK, 1)[0]


def _channel_data(activity: Activity) -> dict[str, Any]:
    data = activity.channel_data
    if isinstance(data, dict):
        return data
    if data is not None and hasattr(data, "model_dump"):
        dumped = data.model_dump(by_alias=True, exclude_none=True)
        return dumped if isinstance(dumped, dict) else {}
    return {}


class Directory:
    """Conversation references and people, cached over ``SqlDirectory``. ``home`` is the board
    channel: where the app looks when it has to act before anyone spoke to it since a restart."""

    def __init__(
        self,
        store: SqlDirectory,
        clock: Clock,
        home: str,
        bot_id: str | None,
        tenant_id: str | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.home = home
        self._bot_id = bot_id
        self._tenant = tenant_id  # the tenant served: configured, or the last one seen
        self._records: dict[str, ConversationRecord] = {}
        self._names: dict[str, str] = {}
        self._teams_ids: dict[str, str] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------- remembering

    def remember_activity(self, activity: Activity) -> None:
        """What an incoming activity says: its conversation (the channel, not the thread), its
        service URL, tenant and team, the bot's id and the sender."""
        conversation = activity.conversation
        if conversation is None or not activity.service_url:
            return
        data = _channel_data(activity)
        tenant = (data.get("tenant") or {}).get("id") or conversation.tenant_id
        team = data.get("team") or {}
        kind = conversation.conversation_type or CHANNEL
        with self._lock:
            if activity.recipient is not None and activity.recipient.id:
                self._bot_id = activity.recipient.id
            self._tenant = self._tenant or tenant
        sender = activity.from_property
        person = sender.aad_object_id if sender is not None and kind == PERSONAL else None
        reference = {"bot": self._bot_id, "team_group": team.get("aadGroupId")}
        self._remember(
            ConversationRecord(
                conversation_id=base_conversation(conversation.id),
                kind=kind,
                service_url=activity.service_url,
                tenant_id=tenant,
                team_id=team.get("id"),
                person_id=person,
                reference=json.dumps(reference),
                updated_at=self.clock.now(),
            )
        )
        if sender is not None and sender.aad_object_id:
            self.remember_accounts([sender], tenant)

    def _remember(self, record: ConversationRecord) -> None:
        with self._lock:
            known = self._records.get(record.conversation_id)
        unchanged = (
            record.kind != THREAD
            and known is not None
            and (known.service_url, known.kind) == (record.service_url, record.kind)
            and record.person_id in (None, known.person_id)
        )
        if unchanged:
            return  # nothing new: spare the database a write per click
        self.store.remember_conversation(record)
        with self._lock:
            self._records[record.conversation_id] = record

    def remember_accounts(self, accounts: Iterable[ChannelAccount], tenant: str | None) -> None:
        people = []
        for account in accounts:
            aad = account.aad_object_id
            if not aad or not account.id:
                continue
            name = account.name or ""
            with self._lock:
                if self._teams_ids.get(aad) == account.id and self._names.get(aad) == name:
                    continue
                self._teams_ids[aad] = account.id
                if name:
                    self._names[aad] = name
            people.append(PersonRecord(aad, account.id, name, tenant, self.clock.now()))
        if people:
            self.store.remember_people(people)

    def remember_personal(
        self, conversation_id: str, person_id: str, service_url: str, tenant: str | None
    ) -> None:
        self._remember(
            ConversationRecord(
                conversation_id=conversation_id,
                kind=PERSONAL,
                service_url=service_url,
                tenant_id=tenant,
                team_id=None,
                person_id=person_id,
                reference=json.dumps({"bot": self._bot_id}),
                updated_at=self.clock.now(),
            )
        )

    def remember_parts(self, thread: str, channel_id: str, parts: list[str]) -> None:
        """The ids of a long message's continuation cards (replies in ``thread``)."""
        self._remember_thread(thread, channel_id, {"parts": parts})

    def remember_posted(self, channel_id: str, key: str, message_id: str) -> None:
        """The first card of a long message posted under the outbox's ``key``, before its
        continuation: found again (``posted``) if that fails and the message is tried again."""
        self._remember_thread(
            base_conversation(channel_id) + POSTED_MARK + key, channel_id, {"posted": message_id}
        )

    def _remember_thread(self, thread: str, channel_id: str, reference: dict[str, Any]) -> None:
        channel = self.record(channel_id)
        self._remember(
            ConversationRecord(
                conversation_id=thread,
                kind=THREAD,
                service_url=channel.service_url if channel else self.service_url(channel_id),
                tenant_id=channel.tenant_id if channel else None,
                team_id=channel.team_id if channel else None,
                person_id=None,
                reference=json.dumps(reference),
                updated_at=self.clock.now(),
            )
        )

    # ---------------------------------------------------------------- looking up

    def record(self, conversation_id: str | None) -> ConversationRecord | None:
        key = base_conversation(conversation_id or self.home)
        with self._lock:
            known = self._records.get(key)
        if known is not None:
            return known
        found = self.store.conversation(key)
        if found is not None:
            with self._lock:
                self._records[key] = found
        return found

    def service_url(self, conversation_id: str | None) -> str:
        record = self.record(conversation_id) or self.record(None)
        url = record.service_url if record else self.store.latest_service_url(None)
        if not url:
            raise ChatError(
                "Teams has not told the app where to post yet: add the app to the board's "
                "team, or send it a message"
            )
        return url

    def tenant_of(self, conversation_id: str | None) -> str | None:
        record = self.record(conversation_id) or self.record(None)
        return (record.tenant_id if record else None) or self._tenant

    def tenant_of_person(self, person_id: str) -> str | None:
        found = self.store.person(person_id)
        return (found.tenant_id if found else None) or self.tenant_of(None)

    def team_of(self, channel_id: str) -> str | None:
        record = self.record(channel_id)
        if record is None:
            return None
        value = json.loads(record.reference or "{}").get("team_group")
        return str(value) if value else None

    def is_personal(self, conversation_id: str) -> bool:
        record = self.record(conversation_id)
        return record is not None and record.kind == PERSONAL

    def person_of(self, conversation_id: str) -> str | None:
        record = self.record(conversation_id)
        return record.person_id if record is not None and record.kind == PERSONAL else None

    def personal_conversation(self, person_id: str) -> str | None:
        found = self.store.personal_conversation(person_id)
        return found.conversation_id if found else None

    def parts(self, thread: str) -> list[str]:
        found = self.store.conversation(thread)
        if found is None:
            return []
        return [str(p) for p in json.loads(found.reference or "{}").get("parts", [])]

    def posted(self, channel_id: str, key: str) -> str | None:
        found = self.store.conversation(base_conversation(channel_id) + POSTED_MARK + key)
        posted = json.loads(found.reference or "{}").get("posted") if found else None
        return str(posted) if posted else None

    def name(self, person_id: str) -> str | None:
        with self._lock:
            known = self._names.get(person_id)
        if known:
            return known
        found = self.store.person(person_id)
        if found is not None and found.name:
            with self._lock:
                self._names[person_id] = found.name
            return found.name
        return None

    def teams_user_id(self, person_id: str) -> str | None:
        with self._lock:
            known = self._teams_ids.get(person_id)
        if known:
            return known
        found = self.store.person(person_id)
        return found.platform_user_id if found else None

    def bot_id(self) -> str:
        if self._bot_id:
            return self._bot_id
        record = self.record(None)
        bot = json.loads(record.reference or "{}").get("bot") if record else None
        if not bot:
            raise ChatError("the app's own Teams id is not known yet: add it to the team first")
        return str(bot)

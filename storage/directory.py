"""What a chat front end must remember across restarts: the conversations it may post to
unasked (proactive posts need their service URL and conversation reference) and the people it
has met (the platform's own id for each, and their name).

Every method is one short transaction of its own. Writes are upserts (INSERT … ON CONFLICT DO
UPDATE), so callers in many threads or two processes that meet the same new conversation or
person at once all succeed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, sessionmaker

from storage.orm import ChatConversationRow, ChatPersonRow
from storage.rows import _insert

#: a channel, a personal chat, a group chat, or a channel post's thread (its reference keeps the
#: ids of a long message's continuation)
CONVERSATION_KINDS = frozenset({"channel", "personal", "groupChat", "thread"})
_IDS_PER_QUERY = 500  # keeps an IN (…) list well inside every database's parameter limit


@dataclass(frozen=True)
class ConversationRecord:
    """A conversation the front end may post to; ``reference`` is its own JSON, kept as given."""

    conversation_id: str
    kind: str  # one of CONVERSATION_KINDS
    service_url: str
    tenant_id: str | None
    team_id: str | None
    person_id: str | None  # for a personal chat, the person it is with
    reference: str
    updated_at: datetime

    def __post_init__(self) -> None:
        if self.kind not in CONVERSATION_KINDS:
            raise ValueError(f"unknown conversation kind {self.kind!r}")


@dataclass(frozen=True)
class PersonRecord:
    """A person: their directory (Entra object) id, the platform's id for them, their name."""

    person_id: str
    platform_user_id: str
    name: str  # empty when not known
    tenant_id: str | None
    updated_at: datetime


def _conversation(row: ChatConversationRow) -> ConversationRecord:
    return ConversationRecord(
        conversation_id=row.conversation_id,
        kind=row.kind,
        service_url=row.service_url,
        tenant_id=row.tenant_id,
        team_id=row.team_id,
        person_id=row.person_id,
        reference=row.reference,
        updated_at=row.updated_at,
    )


def _person(row: ChatPersonRow) -> PersonRecord:
    return PersonRecord(
        person_id=row.person_id,
        platform_user_id=row.platform_user_id,
        name=row.name,
        tenant_id=row.tenant_id,
        updated_at=row.updated_at,
    )


def _one_per_person(people: Iterable[PersonRecord]) -> list[PersonRecord]:
    """One record per id (a later one wins, but keeps an earlier name or tenant it lacks), in id
    order: one upsert may not touch a row twice, and a fixed order keeps two concurrent
    transactions from waiting on each other's rows (a deadlock) on PostgreSQL."""
    by_id: dict[str, PersonRecord] = {}
    for person in people:
        known = by_id.get(person.person_id)
        if known is not None:
            person = replace(
                person,
                name=person.name or known.name,
                tenant_id=person.tenant_id if person.tenant_id is not None else known.tenant_id,
            )
        by_id[person.person_id] = person
    return [by_id[person_id] for person_id in sorted(by_id)]


def _chunks(ids: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(ids), _IDS_PER_QUERY):
        yield ids[start : start + _IDS_PER_QUERY]


class SqlDirectory:
    """Conversations and people on SQLAlchemy."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._sessions = session_factory

    def remember_conversation(self, record: ConversationRecord) -> None:
        """Insert the conversation or replace what is stored, except that a missing (None)
        tenant, team or person never erases a known one."""
        with self._sessions.begin() as session:
            statement = _insert(session, ChatConversationRow).values(**asdict(record))
            new = statement.excluded
            statement = statement.on_conflict_do_update(
                index_elements=[ChatConversationRow.conversation_id],
                set_={
                    "kind": new.kind,
                    "service_url": new.service_url,
                    "tenant_id": func.coalesce(new.tenant_id, ChatConversationRow.tenant_id),
                    "team_id": func.coalesce(new.team_id, ChatConversationRow.team_id),
                    "person_id": func.coalesce(new.person_id, ChatConversationRow.person_id),
                    "reference": new.reference,
                    "updated_at": new.updated_at,
                },
            )
            session.execute(statement)

    def conversation(self, conversation_id: str) -> ConversationRecord | None:
        with self._sessions() as session:
            row = session.get(ChatConversationRow, conversation_id)
            return None if row is None else _conversation(row)

    def channels(self) -> list[ConversationRecord]:
        """Every channel the front end has seen (newest first): where set-up looks for the
        team when the platform cannot list its channels."""
        statement = (
            select(ChatConversationRow)
            .where(ChatConversationRow.kind == "channel")
            .order_by(ChatConversationRow.updated_at.desc())
        )
        with self._sessions() as session:
            return [_conversation(row) for row in session.scalars(statement)]

    def personal_conversation(self, person_id: str) -> ConversationRecord | None:
        """The person's personal chat with the bot (the most recently updated, if several)."""
        statement = (
            select(ChatConversationRow)
            .where(
                ChatConversationRow.kind == "personal",
                ChatConversationRow.person_id == person_id,
            )
            .order_by(
                ChatConversationRow.updated_at.desc(), ChatConversationRow.conversation_id.desc()
            )
            .limit(1)
        )
        with self._sessions() as session:
            row = session.scalars(statement).first()
            return None if row is None else _conversation(row)

    def remember_people(self, people: Sequence[PersonRecord]) -> None:
        """Insert or update everyone in one transaction. An empty name never replaces a known
        one, and a missing (None) tenant never erases a known one."""
        records = _one_per_person(people)
        if not records:
            return
        with self._sessions.begin() as session:
            statement = _insert(session, ChatPersonRow)
            new = statement.excluded
            statement = statement.on_conflict_do_update(
                index_elements=[ChatPersonRow.person_id],
                set_={
                    "platform_user_id": new.platform_user_id,
                    "name": case((new.name == "", ChatPersonRow.name), else_=new.name),
                    "tenant_id": func.coalesce(new.tenant_id, ChatPersonRow.tenant_id),
                    "updated_at": new.updated_at,
                },
            )
            session.execute(statement, [asdict(record) for record in records])

    def person(self, person_id: str) -> PersonRecord | None:
        with self._sessions() as session:
            row = session.get(ChatPersonRow, person_id)
            return None if row is None else _person(row)

    def names(self, person_ids: Sequence[str]) -> dict[str, str]:
        """The known, non-empty names of these people; unknown or nameless ones are left out."""
        wanted = sorted(set(person_ids))
        found: dict[str, str] = {}
        if not wanted:
            return found
        with self._sessions() as session:
            for chunk in _chunks(wanted):
                rows = session.execute(
                    select(ChatPersonRow.person_id, ChatPersonRow.name).where(
                        ChatPersonRow.person_id.in_(chunk), ChatPersonRow.name != ""
                    )
                )
                found.update({person_id: name for person_id, name in rows})
        return found

    def latest_service_url(self, tenant_id: str | None = None) -> str | None:
        """The service URL of the most recently updated conversation (of this tenant, if given):
        where to reach the platform when no conversation is at hand."""
        statement = select(ChatConversationRow.service_url)
        if tenant_id is not None:
            statement = statement.where(ChatConversationRow.tenant_id == tenant_id)
        statement = statement.order_by(
            ChatConversationRow.updated_at.desc(), ChatConversationRow.conversation_id.desc()
        ).limit(1)
        with self._sessions() as session:
            return session.scalars(statement).first()

"""Typed SQLAlchemy models. The schema itself is created by the alembic migrations."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes stored as UTC (SQLite keeps no zone, so it is put back on load)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# Chat platforms' ids: Slack's are short (C0…, U0…, 1700000000.000100); Teams' are long (a
# channel "19:…@thread.tacv2", a personal chat "a:1…" of a hundred characters and more).
CONVERSATION_ID_LENGTH = 512
PERSON_ID_LENGTH = 256
MESSAGE_ID_LENGTH = 256


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class RoundRow(Base):
    __tablename__ = "rounds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    framework: Mapped[str] = mapped_column(String(100))
    domain: Mapped[int] = mapped_column(Integer)
    subgroup_key: Mapped[str] = mapped_column(String(100))
    channel_id: Mapped[str] = mapped_column(String(CONVERSATION_ID_LENGTH))
    status: Mapped[str] = mapped_column(String(16))
    started_by: Mapped[str] = mapped_column(String(PERSON_ID_LENGTH))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    remind_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    header_ts: Mapped[str | None] = mapped_column(String(MESSAGE_ID_LENGTH), nullable=True)
    summary_ts: Mapped[str | None] = mapped_column(String(MESSAGE_ID_LENGTH), nullable=True)
    anonymous: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    # the assessment cycle the round belongs to (set when the round is added; see storage.cycles)
    cycle_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    # the configuration version in force when the round started (its rule and timings); None
    # for rounds started before the configuration was stored
    config_version: Mapped[int | None] = mapped_column(Integer, nullable=True)

    electors: Mapped[list[ElectorRow]] = relationship(
        back_populates="round", cascade="all, delete-orphan", order_by="ElectorRow.position"
    )
    questions: Mapped[list[RoundQuestionRow]] = relationship(
        back_populates="round", cascade="all, delete-orphan", order_by="RoundQuestionRow.position"
    )

    __table_args__ = (
        Index(
            "uq_rounds_one_open_per_domain",
            "framework",
            "domain",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )


class ElectorRow(Base):
    __tablename__ = "round_electors"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(String(PERSON_ID_LENGTH), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)

    round: Mapped[RoundRow] = relationship(back_populates="electors")


class RoundQuestionRow(Base):
    __tablename__ = "round_questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    message_ts: Mapped[str | None] = mapped_column(String(MESSAGE_ID_LENGTH), nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(20), nullable=True)
    grade: Mapped[int | None] = mapped_column(Integer, nullable=True)
    outcome_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    ballot: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    opened_by: Mapped[str | None] = mapped_column(String(PERSON_ID_LENGTH), nullable=True)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    remind_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    discussion_ts: Mapped[str | None] = mapped_column(String(MESSAGE_ID_LENGTH), nullable=True)
    decided_grade: Mapped[int | None] = mapped_column(Integer, nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(PERSON_ID_LENGTH), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    decision_rationale: Mapped[str | None] = mapped_column(Text, nullable=True)

    round: Mapped[RoundRow] = relationship(back_populates="questions")
    votes: Mapped[list[VoteRow]] = relationship(
        cascade="all, delete-orphan", order_by="VoteRow.id", lazy="selectin"
    )
    comments: Mapped[list[CommentRow]] = relationship(
        cascade="all, delete-orphan", order_by="CommentRow.id", lazy="selectin"
    )

    __table_args__ = (
        UniqueConstraint("round_id", "question_id", "ballot", name="uq_round_questions_ballot"),
    )


class VoteRow(Base):
    """An elector's current choice on one question: one row per elector and question."""

    __tablename__ = "votes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    round_question_id: Mapped[int] = mapped_column(
        ForeignKey("round_questions.id", ondelete="CASCADE")
    )
    user_id: Mapped[str] = mapped_column(String(PERSON_ID_LENGTH))
    choice: Mapped[str] = mapped_column(String(16))
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # When the stored choice was clicked (Slack's action_ts): an older click changes nothing.
    clicked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    __table_args__ = (UniqueConstraint("round_question_id", "user_id"),)


class VoteEventRow(Base):
    """The audit trail of votes: every vote and every change of vote, with its time."""

    __tablename__ = "vote_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    round_question_id: Mapped[int] = mapped_column(
        ForeignKey("round_questions.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[str] = mapped_column(String(PERSON_ID_LENGTH))
    choice: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class CommentRow(Base):
    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    round_question_id: Mapped[int] = mapped_column(
        ForeignKey("round_questions.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[str] = mapped_column(String(PERSON_ID_LENGTH))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OutboxRow(Base):
    """A message that matters: recorded before it is sent, marked sent with Slack's ts."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(30))
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    round_question_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    channel_id: Mapped[str | None] = mapped_column(String(CONVERSATION_ID_LENGTH), nullable=True)
    user_id: Mapped[str | None] = mapped_column(String(PERSON_ID_LENGTH), nullable=True)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    ts: Mapped[str | None] = mapped_column(String(MESSAGE_ID_LENGTH), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)


class CycleRow(Base):
    """An assessment cycle ("2026-27"); the newest one (highest id) is the current one."""

    __tablename__ = "cycles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    framework: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(40))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    started_by: Mapped[str | None] = mapped_column(String(PERSON_ID_LENGTH), nullable=True)

    __table_args__ = (UniqueConstraint("framework", "name", name="uq_cycles_framework_name"),)


class ActionRow(Base):
    """One action of the action plan, for a question graded 1 or 2; open until marked done."""

    __tablename__ = "actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    framework: Mapped[str] = mapped_column(String(100))
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"), index=True)
    domain: Mapped[int] = mapped_column(Integer)
    question_id: Mapped[str] = mapped_column(String(20))
    round_question_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    text: Mapped[str] = mapped_column(Text)
    priority: Mapped[int] = mapped_column(Integer)
    owner: Mapped[str] = mapped_column(String(200))
    due: Mapped[date] = mapped_column(Date())
    created_by: Mapped[str] = mapped_column(String(PERSON_ID_LENGTH))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    done_by: Mapped[str | None] = mapped_column(String(PERSON_ID_LENGTH), nullable=True)
    done_cycle_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class ChatConversationRow(Base):
    """Where a front end can post without being asked (a channel, a personal or group chat):
    kept so that proactive posts still reach their conversation after a restart."""

    __tablename__ = "chat_conversations"

    conversation_id: Mapped[str] = mapped_column(String(512), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # "channel", "personal" or "groupChat"
    service_url: Mapped[str] = mapped_column(String(2048))
    tenant_id: Mapped[str | None] = mapped_column(String(256), nullable=True)
    team_id: Mapped[str | None] = mapped_column(String(512), nullable=True)
    # for a personal chat, the person it is with
    person_id: Mapped[str | None] = mapped_column(String(256), nullable=True, index=True)
    # the front end's own JSON document (a conversation reference), opaque to storage
    reference: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ChatPersonRow(Base):
    """A person as the chat platform knows them: its own id for them, and their name."""

    __tablename__ = "chat_people"

    person_id: Mapped[str] = mapped_column(String(256), primary_key=True)  # Entra object id
    platform_user_id: Mapped[str] = mapped_column(String(512))  # Teams' "29:…" id
    name: Mapped[str] = mapped_column(String(512))  # empty when not known
    tenant_id: Mapped[str | None] = mapped_column(String(256), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ServedFileRow(Base):
    """A file handed out by link (a report) until it expires, to its owner only if one is set."""

    __tablename__ = "served_files"

    token: Mapped[str] = mapped_column(String(128), primary_key=True)
    filename: Mapped[str] = mapped_column(String(512))
    media_type: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary())
    owner: Mapped[str | None] = mapped_column(String(256), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class ConfigVersionRow(Base):
    """One saved version of the configuration: the newest is in force; none is ever changed."""

    __tablename__ = "config_versions"

    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    document: Mapped[str] = mapped_column(Text)  # the configuration as JSON
    saved_by: Mapped[str] = mapped_column(String(PERSON_ID_LENGTH))
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime())
    changes: Mapped[str] = mapped_column(Text)

"""What the Teams front end must keep across a restart: the conversations it may post to
(service URL, conversation reference), the people it has met (their Teams ids and names), and the
files it hands out by link.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.orm import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chat_conversations",
        sa.Column("conversation_id", sa.String(512), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("service_url", sa.String(2048), nullable=False),
        sa.Column("tenant_id", sa.String(256), nullable=True),
        sa.Column("team_id", sa.String(512), nullable=True),
        sa.Column("person_id", sa.String(256), nullable=True),
        sa.Column("reference", sa.Text(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("conversation_id", name="pk_chat_conversations"),
    )
    op.create_index("ix_chat_conversations_person_id", "chat_conversations", ["person_id"])
    op.create_table(
        "chat_people",
        sa.Column("person_id", sa.String(256), nullable=False),
        sa.Column("platform_user_id", sa.String(512), nullable=False),
        sa.Column("name", sa.String(512), nullable=False),
        sa.Column("tenant_id", sa.String(256), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("person_id", name="pk_chat_people"),
    )
    op.create_table(
        "served_files",
        sa.Column("token", sa.String(128), nullable=False),
        sa.Column("filename", sa.String(512), nullable=False),
        sa.Column("media_type", sa.String(255), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("owner", sa.String(256), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("token", name="pk_served_files"),
    )
    op.create_index("ix_served_files_expires_at", "served_files", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_served_files_expires_at", table_name="served_files")
    op.drop_table("served_files")
    op.drop_table("chat_people")
    op.drop_index("ix_chat_conversations_person_id", table_name="chat_conversations")
    op.drop_table("chat_conversations")

"""Room for Teams' ids: a channel is ``19:<32 hex>@thread.tacv2`` (49 characters), a personal
chat ``a:1…`` longer still, where Slack's ids fitted in 40. Every column that keeps a chat's
conversation, message or person id is widened (PostgreSQL enforces the length; SQLite does not,
but its schema says the same).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

CONVERSATION, ID = 512, 256
#: table → (column, nullable, new length)
WIDENED: dict[str, list[tuple[str, bool, int]]] = {
    "rounds": [
        ("channel_id", False, CONVERSATION),
        ("started_by", False, ID),
        ("header_ts", True, ID),
        ("summary_ts", True, ID),
    ],
    "round_electors": [("user_id", False, ID)],
    "round_questions": [
        ("message_ts", True, ID),
        ("opened_by", True, ID),
        ("discussion_ts", True, ID),
        ("decided_by", True, ID),
    ],
    "votes": [("user_id", False, ID)],
    "vote_events": [("user_id", False, ID)],
    "comments": [("user_id", False, ID)],
    "outbox": [("channel_id", True, CONVERSATION), ("user_id", True, ID), ("ts", True, ID)],
    "cycles": [("started_by", True, ID)],
    "actions": [("created_by", False, ID), ("done_by", True, ID)],
}


def _resize(wider: bool) -> None:
    for table, columns in WIDENED.items():
        with op.batch_alter_table(table) as batch:
            for column, nullable, length in columns:
                old, new = sa.String(40), sa.String(length)
                batch.alter_column(
                    column,
                    existing_type=old if wider else new,
                    type_=new if wider else old,
                    existing_nullable=nullable,
                )


def upgrade() -> None:
    _resize(wider=True)


def downgrade() -> None:
    _resize(wider=False)

"""Room for Teams' ids: a channel ("19:…@thread.tacv2"), a personal chat ("a:1…", a hundred
characters and more) and people's Entra object ids no longer fit in 40 characters.

PostgreSQL enforces a VARCHAR's length, so its columns are widened. SQLite does not (a VARCHAR
holds text of any length), so its tables are left as they are: recreating them would drop and
copy tables other tables point at.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

OLD = 40
CONVERSATION, PERSON, MESSAGE = 512, 256, 256
#: (table, column, new length, nullable)
WIDENED = [
    ("rounds", "channel_id", CONVERSATION, False),
    ("rounds", "started_by", PERSON, False),
    ("rounds", "header_ts", MESSAGE, True),
    ("rounds", "summary_ts", MESSAGE, True),
    ("round_electors", "user_id", PERSON, False),
    ("round_questions", "message_ts", MESSAGE, True),
    ("round_questions", "opened_by", PERSON, True),
    ("round_questions", "discussion_ts", MESSAGE, True),
    ("round_questions", "decided_by", PERSON, True),
    ("votes", "user_id", PERSON, False),
    ("vote_events", "user_id", PERSON, False),
    ("comments", "user_id", PERSON, False),
    ("outbox", "channel_id", CONVERSATION, True),
    ("outbox", "user_id", PERSON, True),
    ("outbox", "ts", MESSAGE, True),
    ("cycles", "started_by", PERSON, True),
    ("actions", "created_by", PERSON, False),
    ("actions", "done_by", PERSON, True),
]


def _alter(to_new: bool) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column, length, nullable in WIDENED:
        new, old = sa.String(length), sa.String(OLD)
        op.alter_column(
            table,
            column,
            type_=new if to_new else old,
            existing_type=old if to_new else new,
            existing_nullable=nullable,
        )


def upgrade() -> None:
    _alter(to_new=True)


def downgrade() -> None:
    _alter(to_new=False)

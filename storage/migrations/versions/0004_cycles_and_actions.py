"""Assessment cycles and the action plan; existing rounds move into a default cycle.

The default cycle is named after the financial year (April to March) in which the framework's
earliest round started, e.g. "2026-27".

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.orm import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _financial_year(year: int, month: int) -> str:
    start = year if month >= 4 else year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def upgrade() -> None:
    op.create_table(
        "cycles",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("framework", sa.String(100), nullable=False),
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("started_by", sa.String(40), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_cycles"),
        sa.UniqueConstraint("framework", "name", name="uq_cycles_framework_name"),
    )
    op.create_table(
        "actions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("framework", sa.String(100), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("domain", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(20), nullable=False),
        sa.Column("round_question_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("created_by", sa.String(40), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("done_at", UTCDateTime(), nullable=True),
        sa.Column("done_by", sa.String(40), nullable=True),
        sa.Column("done_cycle_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["cycle_id"], ["cycles.id"], name="fk_actions_cycle_id_cycles", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_actions"),
    )
    op.create_index("ix_actions_cycle_id", "actions", ["cycle_id"])
    op.add_column("rounds", sa.Column("cycle_id", sa.Integer(), nullable=True))
    op.create_index("ix_rounds_cycle_id", "rounds", ["cycle_id"])

    connection = op.get_bind()
    rounds = sa.table(
        "rounds",
        sa.column("framework", sa.String()),
        sa.column("started_at", UTCDateTime()),
        sa.column("cycle_id", sa.Integer()),
    )
    cycles = sa.table(
        "cycles",
        sa.column("id", sa.Integer()),
        sa.column("framework", sa.String()),
        sa.column("name", sa.String()),
        sa.column("started_at", UTCDateTime()),
        sa.column("started_by", sa.String()),
    )
    earliest = connection.execute(
        sa.select(rounds.c.framework, sa.func.min(rounds.c.started_at)).group_by(rounds.c.framework)
    ).all()
    for framework, started_at in earliest:
        name = _financial_year(started_at.year, started_at.month)
        connection.execute(
            cycles.insert().values(
                framework=framework, name=name, started_at=started_at, started_by=None
            )
        )
        cycle_id = connection.execute(
            sa.select(cycles.c.id).where(cycles.c.framework == framework, cycles.c.name == name)
        ).scalar_one()
        connection.execute(
            rounds.update().where(rounds.c.framework == framework).values(cycle_id=cycle_id)
        )


def downgrade() -> None:
    op.drop_index("ix_rounds_cycle_id", table_name="rounds")
    with op.batch_alter_table("rounds") as batch:
        batch.drop_column("cycle_id")
    op.drop_index("ix_actions_cycle_id", table_name="actions")
    op.drop_table("actions")
    op.drop_table("cycles")

"""Re-votes (ballots), chairs' decisions, anonymous rounds and the audit trail of votes.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.orm import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("rounds") as batch:
        batch.add_column(
            sa.Column("anonymous", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    with op.batch_alter_table("round_questions") as batch:
        batch.add_column(
            sa.Column("ballot", sa.Integer(), nullable=False, server_default=sa.text("1"))
        )
        batch.add_column(sa.Column("opened_by", sa.String(40), nullable=True))
        batch.add_column(sa.Column("opened_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("deadline_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("discussion_ts", sa.String(40), nullable=True))
        batch.add_column(sa.Column("decided_grade", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("decided_by", sa.String(40), nullable=True))
        batch.add_column(sa.Column("decided_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("decision_rationale", sa.Text(), nullable=True))
        batch.drop_constraint("uq_round_questions_round_id", type_="unique")
        batch.create_unique_constraint(
            "uq_round_questions_ballot", ["round_id", "question_id", "ballot"]
        )
    op.create_table(
        "vote_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("round_question_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(40), nullable=False),
        sa.Column("choice", sa.String(16), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_question_id"],
            ["round_questions.id"],
            name="fk_vote_events_round_question_id_round_questions",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_vote_events"),
    )
    op.create_index("ix_vote_events_round_question_id", "vote_events", ["round_question_id"])
    # Votes cast before the trail existed: their current choice, at the time it was last set.
    op.execute(
        "INSERT INTO vote_events (round_question_id, user_id, choice, at) "
        "SELECT round_question_id, user_id, choice, updated_at FROM votes ORDER BY id"
    )


def downgrade() -> None:
    op.drop_index("ix_vote_events_round_question_id", table_name="vote_events")
    op.drop_table("vote_events")
    op.execute("DELETE FROM round_questions WHERE ballot > 1")
    with op.batch_alter_table("round_questions") as batch:
        batch.drop_constraint("uq_round_questions_ballot", type_="unique")
        batch.create_unique_constraint("uq_round_questions_round_id", ["round_id", "question_id"])
        for column in (
            "decision_rationale",
            "decided_at",
            "decided_by",
            "decided_grade",
            "discussion_ts",
            "deadline_at",
            "opened_at",
            "opened_by",
            "ballot",
        ):
            batch.drop_column(column)
    with op.batch_alter_table("rounds") as batch:
        batch.drop_column("anonymous")

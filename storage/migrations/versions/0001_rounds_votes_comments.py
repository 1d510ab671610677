"""Rounds, electors, round questions, votes and comments.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.orm import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rounds",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("framework", sa.String(100), nullable=False),
        sa.Column("domain", sa.Integer(), nullable=False),
        sa.Column("subgroup_key", sa.String(100), nullable=False),
        sa.Column("channel_id", sa.String(40), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_by", sa.String(40), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("header_ts", sa.String(40), nullable=True),
        sa.Column("summary_ts", sa.String(40), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_rounds"),
    )
    op.create_index(
        "uq_rounds_one_open_per_domain",
        "rounds",
        ["framework", "domain"],
        unique=True,
        sqlite_where=sa.text("status = 'open'"),
        postgresql_where=sa.text("status = 'open'"),
    )
    op.create_table(
        "round_electors",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["rounds.id"],
            name="fk_round_electors_round_id_rounds",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("round_id", "user_id", name="pk_round_electors"),
    )
    op.create_table(
        "round_questions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(20), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("message_ts", sa.String(40), nullable=True),
        sa.Column("outcome", sa.String(20), nullable=True),
        sa.Column("grade", sa.Integer(), nullable=True),
        sa.Column("outcome_reason", sa.Text(), nullable=True),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["rounds.id"],
            name="fk_round_questions_round_id_rounds",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_round_questions"),
        sa.UniqueConstraint("round_id", "question_id", name="uq_round_questions_round_id"),
    )
    op.create_index("ix_round_questions_round_id", "round_questions", ["round_id"])
    op.create_table(
        "votes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("round_question_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(40), nullable=False),
        sa.Column("choice", sa.String(16), nullable=False),
        sa.Column("cast_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_question_id"],
            ["round_questions.id"],
            name="fk_votes_round_question_id_round_questions",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_votes"),
        sa.UniqueConstraint("round_question_id", "user_id", name="uq_votes_round_question_id"),
    )
    op.create_table(
        "comments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("round_question_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_question_id"],
            ["round_questions.id"],
            name="fk_comments_round_question_id_round_questions",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_comments"),
    )
    op.create_index("ix_comments_round_question_id", "comments", ["round_question_id"])


def downgrade() -> None:
    op.drop_table("comments")
    op.drop_table("votes")
    op.drop_index("ix_round_questions_round_id", table_name="round_questions")
    op.drop_table("round_questions")
    op.drop_table("round_electors")
    op.drop_index("uq_rounds_one_open_per_domain", table_name="rounds")
    op.drop_table("rounds")

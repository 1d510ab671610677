"""On PostgreSQL, ``cast_vote``: an ordinary vote in one statement (one round trip, its own
transaction), as `storage/ballot_box.py` records it. Nothing on SQLite, where the ballot box runs
the statements themselves (there is no server to go to and fro).

The function locks the question, then (each statement of a function seeing what was committed
before it began, so after the lock every earlier vote) reads how many have voted and the voter's
own vote. It writes nothing when the question is another round's, is closed, the voter is not an
elector, the click is older than the stored vote's, or this vote would complete the question
(``electors``: the electorate's size; NULL for no such check); otherwise it upserts the vote and,
when the choice changed, adds its line to the trail. It returns the question's round, id and
status, the votes before this one, the voter's previous choice and click time, and whether the
vote was recorded; no row for no such question.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

CAST_VOTE = """
CREATE OR REPLACE FUNCTION cast_vote(
    question integer, expected_round integer, voter varchar, new_choice varchar,
    at timestamptz, clicked timestamptz, is_elector boolean, electors integer
) RETURNS TABLE (
    round_id integer, question_id varchar, status varchar,
    votes_cast bigint, choice varchar, clicked_at timestamptz, recorded boolean
) LANGUAGE plpgsql AS $$
DECLARE
    found_question record;
    before_count bigint;
    mine record;
BEGIN
    SELECT q.round_id, q.question_id, q.status INTO found_question
    FROM round_questions q WHERE q.id = question FOR UPDATE;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    IF found_question.round_id <> expected_round OR found_question.status <> 'open'
       OR NOT is_elector THEN
        RETURN QUERY SELECT found_question.round_id, found_question.question_id,
            found_question.status, NULL::bigint, NULL::varchar, NULL::timestamptz, false;
        RETURN;
    END IF;
    SELECT count(*) INTO before_count FROM votes v WHERE v.round_question_id = question;
    SELECT v.choice, v.clicked_at INTO mine FROM votes v
    WHERE v.round_question_id = question AND v.user_id = voter;
    IF (clicked IS NOT NULL AND mine.clicked_at IS NOT NULL AND clicked < mine.clicked_at)
       OR (electors IS NOT NULL
           AND before_count + (CASE WHEN mine.choice IS NULL THEN 1 ELSE 0 END) >= electors) THEN
        RETURN QUERY SELECT found_question.round_id, found_question.question_id,
            found_question.status, before_count, mine.choice, mine.clicked_at, false;
        RETURN;
    END IF;
    INSERT INTO votes AS v (round_question_id, user_id, choice, cast_at, updated_at, clicked_at)
    VALUES (question, voter, new_choice, at, at, clicked)
    ON CONFLICT (round_question_id, user_id) DO UPDATE
    SET choice = excluded.choice, updated_at = excluded.updated_at,
        clicked_at = excluded.clicked_at
    WHERE v.clicked_at IS NULL OR excluded.clicked_at IS NULL
       OR v.clicked_at <= excluded.clicked_at;
    IF mine.choice IS DISTINCT FROM new_choice THEN
        INSERT INTO vote_events (round_question_id, user_id, choice, at)
        VALUES (question, voter, new_choice, at);
    END IF;
    RETURN QUERY SELECT found_question.round_id, found_question.question_id,
        found_question.status, before_count, mine.choice, mine.clicked_at, true;
END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(CAST_VOTE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "DROP FUNCTION IF EXISTS cast_vote("
            "integer, integer, varchar, varchar, timestamptz, timestamptz, boolean, integer)"
        )

"""A failed statement's error, which ends up in the log, does not quote its parameters."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from storage.database import make_engine


def test_a_failed_statement_does_not_quote_its_parameters(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with pytest.raises(DBAPIError) as failed, engine.connect() as connection:
            connection.execute(
                text("INSERT INTO no_such_table (grade) VALUES (:grade)"), {"grade": "Zq9-GRADE"}
            )
    finally:
        engine.dispose()
    assert "no_such_table" in str(failed.value)
    assert "Zq9-GRADE" not in str(failed.value)

"""Files served by link, on SQLite and PostgreSQL: kept until they expire, then gone and purged."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from storage.served_files import ServedFile, SqlFileStore

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def files(sessions: sessionmaker[Session]) -> SqlFileStore:
    return SqlFileStore(sessions)


def report(token: str = "tok-report-1", lifetime: timedelta = timedelta(hours=1)) -> ServedFile:
    return ServedFile(
        token=token,
        filename="domain-3-summary.xlsx",
        media_type=XLSX,
        content=b"PK\x03\x04 not really a workbook \x00\xff",
        owner="aad-chair-0001",
        created_at=T0,
        expires_at=T0 + lifetime,
    )


def test_a_file_comes_back_as_it_was_put(files: SqlFileStore) -> None:
    files.put(report())
    assert files.get("tok-report-1", T0 + timedelta(minutes=59)) == report()
    assert files.get("tok-unknown", T0) is None


def test_a_file_for_anyone_has_no_owner(files: SqlFileStore) -> None:
    public = replace(report("tok-public"), owner=None)
    files.put(public)
    found = files.get("tok-public", T0)
    assert found is not None and found.owner is None


def test_an_expired_file_is_not_served(files: SqlFileStore) -> None:
    files.put(report())
    assert files.get("tok-report-1", T0 + timedelta(hours=1)) is None  # expiry is exclusive
    assert files.get("tok-report-1", T0 + timedelta(days=1)) is None


def test_putting_the_same_token_again_replaces_the_file(files: SqlFileStore) -> None:
    files.put(report())
    again = replace(
        report(),
        filename="domain-3-summary.pdf",
        media_type="application/pdf",
        content=b"%PDF-1.7",
        owner=None,
        created_at=T0 + timedelta(minutes=1),
        expires_at=T0 + timedelta(hours=2),
    )
    files.put(again)
    assert files.get("tok-report-1", T0 + timedelta(minutes=90)) == again


def test_purging_deletes_only_the_expired_files(files: SqlFileStore) -> None:
    files.put(report("tok-short", timedelta(minutes=10)))
    files.put(report("tok-exact", timedelta(minutes=30)))
    files.put(report("tok-long", timedelta(days=1)))
    now = T0 + timedelta(minutes=30)
    assert files.purge_expired(now) == 2
    assert files.purge_expired(now) == 0
    # gone from the table, not merely hidden: even a clock set back cannot see them
    assert files.get("tok-short", T0) is None
    assert files.get("tok-exact", T0) is None
    assert files.get("tok-long", now) == report("tok-long", timedelta(days=1))


def test_a_three_megabyte_file_round_trips_byte_for_byte(files: SqlFileStore) -> None:
    content = os.urandom(3 * 1024 * 1024)
    big = replace(report("tok-big"), content=content)
    files.put(big)
    found = files.get("tok-big", T0)
    assert found is not None
    assert isinstance(found.content, bytes)
    assert len(found.content) == len(content) and found.content == content

"""Files a front end hands out by link (a report as a download) until they expire.

Kept in the database, not in memory or on local disk, so a link still works after a restart and
whichever worker answers it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select
from sqlalchemy.orm import Session, sessionmaker

from storage.orm import ServedFileRow
from storage.rows import _insert

_REPLACED_ON_PUT = ("filename", "media_type", "content", "owner", "created_at", "expires_at")


@dataclass(frozen=True)
class ServedFile:
    """A file behind a link; when ``owner`` is set, only that person may download it."""

    token: str
    filename: str
    media_type: str
    content: bytes
    owner: str | None
    created_at: datetime
    expires_at: datetime


def _served_file(row: ServedFileRow) -> ServedFile:
    return ServedFile(
        token=row.token,
        filename=row.filename,
        media_type=row.media_type,
        content=bytes(row.content),
        owner=row.owner,
        created_at=row.created_at,
        expires_at=row.expires_at,
    )


class SqlFileStore:
    """Served files on SQLAlchemy; each method is one short transaction."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._sessions = session_factory

    def put(self, file: ServedFile) -> None:
        """Store the file under its token, replacing what was there (so a retried put is
        harmless)."""
        with self._sessions.begin() as session:
            statement = _insert(session, ServedFileRow).values(**asdict(file))
            new = statement.excluded
            statement = statement.on_conflict_do_update(
                index_elements=[ServedFileRow.token],
                set_={column: getattr(new, column) for column in _REPLACED_ON_PUT},
            )
            session.execute(statement)

    def get(self, token: str, now: datetime) -> ServedFile | None:
        """The file, or None when the token is unknown or the file expired (at or before now)."""
        statement = select(ServedFileRow).where(
            ServedFileRow.token == token, ServedFileRow.expires_at > now
        )
        with self._sessions() as session:
            row = session.scalars(statement).first()
            return None if row is None else _served_file(row)

    def purge_expired(self, now: datetime) -> int:
        """Delete every file expired at or before now; returns how many were deleted."""
        statement = (
            delete(ServedFileRow)
            .where(ServedFileRow.expires_at <= now)
            .execution_options(synchronize_session=False)
        )
        with self._sessions.begin() as session:
            outcome = cast(CursorResult[Any], session.execute(statement))
            return outcome.rowcount

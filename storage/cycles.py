"""Which assessment cycle a new round belongs to: the current one (the newest), made if none."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.orm import CycleRow


def financial_year(moment: datetime) -> str:
    """The UK financial year (April to March) a moment falls in: "2026-27"."""
    start = moment.year if moment.month >= 4 else moment.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def current_cycle_row(session: Session, framework: str) -> CycleRow | None:
    return session.scalars(
        select(CycleRow).where(CycleRow.framework == framework).order_by(CycleRow.id.desc())
    ).first()


def current_cycle_id(session: Session, framework: str, at: datetime) -> int:
    """The current cycle's id; a first cycle, named after ``at``'s financial year, if none yet.

    Two workers starting the first rounds at once both end up with the same cycle (the insert
    does nothing if the name is taken).
    """
    row = current_cycle_row(session, framework)
    if row is not None:
        return row.id
    name = financial_year(at)
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(CycleRow)
        .values(framework=framework, name=name, started_at=at, started_by=None)
        .on_conflict_do_nothing(index_elements=[CycleRow.framework, CycleRow.name])
    )
    return session.scalars(
        select(CycleRow.id).where(CycleRow.framework == framework, CycleRow.name == name)
    ).one()

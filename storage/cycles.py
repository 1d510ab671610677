"""Assessment cycles and the action plan on SQLAlchemy; which cycle a new round belongs to (the
current one, the newest, made if none)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from bot.domain.actions import Cycle, CycleExists, NewAction, StoredAction
from bot.domain.rounds import Round
from storage.orm import ActionRow, CycleRow, RoundRow
from storage.rows import _round


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


def _cycle(row: CycleRow) -> Cycle:
    return Cycle(row.id, row.name, row.started_at, row.started_by)


def _action(row: ActionRow, cycle_name: str) -> StoredAction:
    return StoredAction(
        id=row.id,
        cycle_id=row.cycle_id,
        cycle_name=cycle_name,
        domain=row.domain,
        question_id=row.question_id,
        text=row.text,
        priority=row.priority,
        owner=row.owner,
        due=row.due,
        created_by=row.created_by,
        created_at=row.created_at,
        done_at=row.done_at,
        done_by=row.done_by,
    )


class SqlCycleRepository:
    """Assessment cycles, the rounds in them and their action plans."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def cycles(self, framework: str) -> list[Cycle]:
        rows = self.session.scalars(
            select(CycleRow).where(CycleRow.framework == framework).order_by(CycleRow.id)
        )
        return [_cycle(row) for row in rows]

    def start_cycle(self, framework: str, name: str, by: str, at: datetime) -> Cycle:
        row = CycleRow(framework=framework, name=name, started_at=at, started_by=by)
        try:
            with self.session.begin_nested():
                self.session.add(row)
        except IntegrityError as exc:
            raise CycleExists(name) from exc
        return _cycle(row)

    def rounds_in_cycle(self, cycle_id: int) -> list[Round]:
        rows = self.session.scalars(
            select(RoundRow)
            .where(RoundRow.cycle_id == cycle_id)
            .order_by(RoundRow.id)
            .options(selectinload(RoundRow.electors), selectinload(RoundRow.questions))
        )
        return [_round(row) for row in rows]

    def _cycle_name(self, cycle_id: int) -> str:
        return self.session.scalar(select(CycleRow.name).where(CycleRow.id == cycle_id)) or ""

    def add_action(self, new_action: NewAction) -> StoredAction:
        row = ActionRow(
            framework=new_action.framework,
            cycle_id=new_action.cycle_id,
            domain=new_action.domain,
            question_id=new_action.question_id,
            round_question_id=new_action.round_question_id,
            text=new_action.text,
            priority=new_action.priority,
            owner=new_action.owner,
            due=new_action.due,
            created_by=new_action.created_by,
            created_at=new_action.created_at,
        )
        self.session.add(row)
        self.session.flush()
        return _action(row, self._cycle_name(row.cycle_id))

    def actions_for_cycle(self, framework: str, cycle_id: int) -> list[StoredAction]:
        carried = (ActionRow.cycle_id < cycle_id) & (
            ActionRow.done_at.is_(None) | (ActionRow.done_cycle_id == cycle_id)
        )
        rows = self.session.execute(
            select(ActionRow, CycleRow.name)
            .join(CycleRow, CycleRow.id == ActionRow.cycle_id)
            .where(ActionRow.framework == framework, (ActionRow.cycle_id == cycle_id) | carried)
            .order_by(ActionRow.id)
        ).all()
        return [_action(row, name) for row, name in rows]

    def mark_done(self, action_id: int, by: str, at: datetime, cycle_id: int) -> bool:
        outcome = self.session.execute(
            update(ActionRow)
            .where(ActionRow.id == action_id, ActionRow.done_at.is_(None))
            .values(done_at=at, done_by=by, done_cycle_id=cycle_id)
        )
        return bool(outcome.rowcount == 1)  # type: ignore[attr-defined]

    def get_action(self, action_id: int) -> StoredAction | None:
        row = self.session.get(ActionRow, action_id)
        return _action(row, self._cycle_name(row.cycle_id)) if row else None

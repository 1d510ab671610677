"""One unit of work on SQLAlchemy: rounds, the outbox, cycles, the action plan and the
configuration's versions."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.orm import Session, sessionmaker

from storage.config_versions import SqlConfigVersions
from storage.cycles import SqlCycleRepository
from storage.outbox import SqlOutbox
from storage.rounds import SqlRoundRepository


class SqlUnitOfWork:
    """One session, one transaction; rolled back on leaving unless committed."""

    rounds: SqlRoundRepository
    outbox: SqlOutbox
    cycles: SqlCycleRepository
    configs: SqlConfigVersions

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory

    def __enter__(self) -> SqlUnitOfWork:
        self.session = self._session_factory()
        self.rounds = SqlRoundRepository(self.session)
        self.outbox = SqlOutbox(self.session)
        self.cycles = SqlCycleRepository(self.session)
        self.configs = SqlConfigVersions(self.session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.session.rollback()
        self.session.close()

    def commit(self) -> None:
        self.session.commit()


class SqlUnitOfWorkFactory:
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self._session_factory)

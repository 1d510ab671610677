"""SQLite's writers queue on one lock in this process: nobody waits on SQLite's busy handler,
nobody deadlocks, a failed transaction lets the next one in."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from storage.database import make_engine


def test_concurrent_writers_all_commit_and_a_failure_frees_the_lock(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'writers.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE counter (n INTEGER NOT NULL)"))
        connection.execute(text("INSERT INTO counter VALUES (0)"))
    failures: list[BaseException] = []

    def write(times: int) -> None:
        try:
            for index in range(times):
                if index % 10 == 0:  # a transaction that fails half-way
                    with pytest.raises(RuntimeError), engine.begin() as connection:
                        connection.execute(text("UPDATE counter SET n = n + 1000"))
                        raise RuntimeError("rolled back")
                with engine.begin() as connection:
                    (n,) = connection.execute(text("SELECT n FROM counter")).one()
                    connection.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})
        except BaseException as exc:  # reported below, not lost in the thread
            failures.append(exc)

    threads = [threading.Thread(target=write, args=(30,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with engine.connect() as connection:
        # read-then-write in every transaction, yet no update was lost
        assert connection.execute(text("SELECT n FROM counter")).scalar_one() == 8 * 30
        connection.commit()
    engine.dispose()


def test_one_connection_may_run_several_transactions(tmp_path: Path) -> None:
    """The lock belongs to the connection until it goes back to the pool, so a connection that
    commits and begins again (as the migrations do) does not wait for itself."""
    engine = make_engine(f"sqlite:///{tmp_path / 'again.db'}")
    with engine.connect() as connection:
        connection.execute(text("CREATE TABLE t (n INTEGER)"))
        connection.commit()
        connection.execute(text("INSERT INTO t VALUES (1)"))
        connection.commit()
        connection.execute(text("INSERT INTO t VALUES (2)"))
        connection.commit()
    done = threading.Event()

    def other_writer() -> None:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO t VALUES (3)"))
        done.set()

    thread = threading.Thread(target=other_writer)
    thread.start()
    thread.join(timeout=20)
    assert done.is_set(), "the lock was not given back when the connection returned to the pool"
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM t")).scalar_one() == 3
        connection.commit()
    engine.dispose()

"""Engines for DATABASE_URL: pooled SQLite files with the WAL pragmas, one shared in-memory database."""
from __future__ import annotations

import threading

from sqlalchemy import text
from sqlalchemy.pool import QueuePool

from bot.ledger.db import make_engine


def test_sqlite_file_connections_are_pooled_and_keep_the_pragmas(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'sub' / 'ledger.db'}")
    assert isinstance(engine.pool, QueuePool)
    with engine.connect() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
        conn.commit()
        first = conn.connection.dbapi_connection
    with engine.connect() as conn:  # the same connection comes back: no reconnect, no checkpoint
        assert conn.connection.dbapi_connection is first
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_pooled_connections_hold_no_lock_when_idle(tmp_path):
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    one, two = make_engine(url), make_engine(url)  # e.g. the Rasa server and the action server
    with one.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    with one.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (1)"))
    # `one` keeps its connection open in the pool; `two` can still write and `one` sees it.
    errors: list[Exception] = []

    def write() -> None:
        try:
            with two.begin() as conn:
                conn.execute(text("INSERT INTO t VALUES (2)"))
        except Exception as exc:  # pragma: no cover - the failure is asserted below
            errors.append(exc)

    worker = threading.Thread(target=write)
    worker.start()
    worker.join()
    assert errors == []
    with one.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 2


def test_in_memory_database_is_not_given_a_file_pool():
    engine = make_engine("sqlite://")
    assert not isinstance(engine.pool, QueuePool)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    with engine.connect() as conn:  # the same in-memory database on the next checkout
        assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 0

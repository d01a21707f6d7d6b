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


def test_sqlite_files_are_private_to_their_owner(tmp_path):
    import os
    import stat

    old = os.umask(0o022)  # a usual umask would make a new file world-readable
    try:
        fresh = tmp_path / "new" / "ledger.db"
        with make_engine(f"sqlite:///{fresh}").begin() as conn:
            conn.execute(text("CREATE TABLE t (x INTEGER)"))
        loose = tmp_path / "loose.db"
        loose.write_bytes(b"")
        loose.chmod(0o644)
        make_engine(f"sqlite:///{loose}")
    finally:
        os.umask(old)
    for path in (fresh, loose):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    wal = fresh.with_name("ledger.db-wal")
    if wal.exists():
        assert stat.S_IMODE(wal.stat().st_mode) & 0o077 == 0


def test_a_second_engine_does_not_drop_this_process_s_sqlite_locks(tmp_path):
    """A second engine on a file this process already uses must not close a descriptor of it.

    Closing any descriptor drops all of the process's POSIX locks on the file, SQLite's too;
    another process closing its connection then took itself for the last one and deleted
    the WAL, and this process went on writing into an unlinked file nobody else could read.
    """
    import subprocess
    import sys

    path = tmp_path / "ledger.db"
    url = f"sqlite:///{path}"
    first = make_engine(url)
    with first.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    with first.connect():  # a pooled connection, open from now on (as in the Rasa server)
        pass
    make_engine(url)  # e.g. the live-update listener making its own engine later
    other = "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('SELECT count(*) FROM t'); c.close()"
    subprocess.run([sys.executable, "-c", other, str(path)], check=True)  # another process comes and goes
    with first.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (1)"))
    read = "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT count(*) FROM t').fetchone()[0])"
    seen = subprocess.run([sys.executable, "-c", read, str(path)], check=True, capture_output=True, text=True)
    assert seen.stdout.strip() == "1"

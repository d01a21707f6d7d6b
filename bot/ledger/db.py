"""Engine and session factory for ``DATABASE_URL`` (SQLite by default, PostgreSQL in production)."""
from __future__ import annotations

import os

import warnings
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator, Sequence, TypeVar

from sqlalchemy import create_engine, event, exc as sa_exc
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from bot.settings import get_settings

# SQLite has no native DECIMAL; SQLAlchemy converts through a scale-2 quantize, which is
# exact for Numeric(12, 2). The warning is noise for that case.
warnings.filterwarnings("ignore", category=sa_exc.SAWarning, message=".*Decimal objects natively.*")


def use_sqlite_pragmas(engine: Engine) -> None:
    """Pragmas for every new connection of a SQLite engine (no-op for other databases)."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")  # readers don't block the writer
        # In WAL mode NORMAL still never corrupts the file and survives a crash of the
        # process; only a power cut can lose the last commits. It saves an fsync per
        # commit, three per chat turn. PostgreSQL is the production database.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


# Sessions may be used from worker threads; wait up to 30 s for another writer's lock.
_SQLITE_CONNECT_ARGS = {"check_same_thread": False, "timeout": 30}


def sqlite_file_engine_kwargs() -> dict[str, Any]:
    """Keep SQLite file connections open between units of work.

    SQLAlchemy 1.4 gives file databases a NullPool: every session opens a connection,
    re-runs the pragmas and closes it, and closing the last connection of a WAL database
    checkpoints and deletes the WAL file. That cost about a fifth of each chat turn.
    Pooled connections are returned rolled back, so they hold no lock while idle.
    """
    return {"poolclass": QueuePool, "pool_size": 5, "max_overflow": 10, "connect_args": _SQLITE_CONNECT_ARGS}


def is_sqlite_file(url: str | URL) -> bool:
    """True for a SQLite URL naming a file on disk (not an in-memory database)."""
    parsed = make_url(url)
    return parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:")


def private_file(path: Path) -> None:
    """Create ``path`` readable by its owner only (0600), or tighten it if it exists.

    The SQLite file holds tax codes, phone numbers and transcripts; SQLite gives its -wal and
    -shm files the database file's permissions, so securing this one file covers them.

    An existing file is never opened here: closing any descriptor of a file drops every POSIX
    lock this process holds on it, including SQLite's. A process that made a second engine
    after its first connections would then look absent to the others, and the next one to
    close would checkpoint and delete the WAL under it: its later writes went to an unlinked
    file nobody else could read, and it stopped seeing theirs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: only a file that did not exist is opened, so no SQLite connection can hold it.
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        return
    except FileExistsError:
        pass
    if path.stat().st_mode & 0o077:
        try:
            path.chmod(0o600)
        except PermissionError:  # someone else's file: leave it, SQLite will say if it cannot write
            pass


def make_engine(url: str) -> Engine:
    """A new engine for ``url``; a SQLite file is created private (0600) and pooled."""
    if is_sqlite_file(url):
        private_file(Path(make_url(url).database))
        engine = create_engine(url, future=True, **sqlite_file_engine_kwargs())
    elif url.startswith("sqlite"):  # in-memory: SQLAlchemy's per-thread pool keeps the one database alive
        engine = create_engine(url, future=True, connect_args=_SQLITE_CONNECT_ARGS)
    else:
        return create_engine(url, future=True, pool_pre_ping=True)
    use_sqlite_pragmas(engine)
    return engine


@lru_cache(maxsize=4)
def get_engine(url: str | None = None) -> Engine:
    """The process-wide engine for ``url``, by default the configured ``DATABASE_URL``."""
    return make_engine(url or get_settings().database_url)


def session_factory(engine: Engine | None = None) -> sessionmaker:
    """Sessions bound to ``engine`` (default engine if None) that keep objects usable after commit."""
    return sessionmaker(bind=engine or get_engine(), future=True, expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    session: Session = session_factory(engine)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


# Session hooks that announce committed changes to other processes (live updates); every
# process writing through these sessions (Rasa, action server, workers) must have them.
import bot.channels.live  # noqa: E402,F401


T = TypeVar("T")


def chunks(values: Sequence[T], size: int = 500) -> Iterator[Sequence[T]]:
    """``values`` in slices of ``size``: an ``IN (...)`` list or a bulk insert stays under the
    database's bound-parameter limit (999 on older SQLite builds)."""
    for start in range(0, len(values), size):
        yield values[start:start + size]

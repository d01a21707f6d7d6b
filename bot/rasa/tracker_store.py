"""Rasa's SQL tracker store configured from ``DATABASE_URL`` instead of separate fields.

This keeps one variable for the whole deployment: the ledger and the conversation
trackers live in the same database family (SQLite file or PostgreSQL).

Saving a tracker appends the events the database does not have yet. Rasa finds how many
it has with a COUNT query on every save; the tracker it saves is the one it read at the
start of the turn (under the conversation lock), so the number of events read is that
count already. It is remembered on the tracker object; a tracker that was not read here
(a new one, a copy) falls back to Rasa's query.

Only the current conversation session is loaded (Rasa sends the whole tracker to the
action server on every call, so it must not grow without bound). Rasa 3.6 finds the
session by the *timestamp* of its last ``session_started`` event; with several replicas a
clock a little behind on one host would hide that host's events from the next turn. Here
the session starts at the *id* of that event (ids are issued by the database, in commit
order), and two indexes serve exactly these two queries.

A short database outage (PostgreSQL restarting, a fail-over) would otherwise make Rasa's
fail-safe wrapper start a new, empty conversation or keep the turn only in memory: reads
and writes are retried for ``TRACKER_DB_RETRY_SECONDS``, so turns in the gap are
processed once the database is back.
"""
from __future__ import annotations

import asyncio
import itertools
import logging
import time
from typing import Any, Awaitable, Callable, Iterator, Optional, TypeVar

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Query, Session, sessionmaker

from bot.rasa import apology
from bot.rasa import speedups as rasa_speedups
from bot.rasa import typed_buttons
from bot.rasa import version
from bot.ledger.db import is_sqlite_file, sqlite_file_engine_kwargs, use_sqlite_pragmas
from bot.settings import get_settings

log = logging.getLogger(__name__)

_STORED = "_stored_event_count"  # attribute set on trackers read from or written to the database
# (name, columns): the current-session load filters on sender and id, the session start on
# sender, event type and id. Rasa's own table has only an index on sender_id.
INDEXES = (("ix_events_sender_id_id", ("sender_id", "id")),
           ("ix_events_sender_type_id", ("sender_id", "type_name", "id")))
T = TypeVar("T")


class UrlSQLTrackerStore(SQLTrackerStore):
    """The SQL tracker store of this project (see the module docstring)."""

    engine: sa.engine.Engine  # set by Rasa's __init__, replaced below for SQLite files

    def __init__(self, domain: Optional[Domain] = None, event_broker: Optional[EventBroker] = None,
                 url: Optional[str] = None, retry_seconds: Optional[float] = None, **kwargs: Any) -> None:
        version.check()  # Rasa builds its tracker store once, at start-up: refuse a wrong version here
        rasa_speedups.install()
        apology.install()
        typed_buttons.install()
        settings = get_settings()
        self.retry_seconds = settings.tracker_db_retry_seconds if retry_seconds is None else retry_seconds
        parsed = make_url(url or settings.database_url)
        dialect = parsed.get_backend_name()
        super().__init__(
            domain=domain,
            dialect="postgresql" if dialect.startswith("postgres") else dialect,
            host=parsed.host,
            port=parsed.port,
            db=parsed.database or "rasa.db",
            username=parsed.username,
            password=parsed.password,
            event_broker=event_broker,
            query=dict(parsed.query) or None,
        )
        if is_sqlite_file(self.engine.url):
            # Rasa's engine has SQLAlchemy 1.4's NullPool for SQLite files: see sqlite_file_engine_kwargs.
            db_url = self.engine.url
            self.engine.dispose()
            self.engine = sa.create_engine(db_url, **sqlite_file_engine_kwargs())
            self.sessionmaker = sessionmaker(bind=self.engine)
        use_sqlite_pragmas(self.engine)  # the same durability/speed trade-off as the ledger
        self._create_indexes()

    def _create_indexes(self) -> None:
        table = self.SQLEvent.__table__
        for name, columns in INDEXES:
            # An Index built on the table's columns joins the (process-wide) table object; a
            # second store in the same process must reuse it, or Rasa's create_all would then
            # emit the same CREATE INDEX twice and, on a new database, roll back the table.
            index = next((i for i in table.indexes if i.name == name), None)
            if index is None:
                index = sa.Index(name, *(table.c[c] for c in columns))
            try:
                index.create(self.engine, checkfirst=True)
            except sa.exc.DBAPIError as error:  # another replica created it at the same moment
                existing = {i["name"] for i in sa.inspect(self.engine).get_indexes(table.name)}
                if name not in existing:
                    raise error

    def _event_query(self, session: Session, sender_id: str, fetch_events_from_all_sessions: bool) -> Query:
        events = self.SQLEvent
        query = session.query(events).filter(events.sender_id == sender_id)
        if not fetch_events_from_all_sessions:
            start = (session.query(sa.func.max(events.id))
                     .filter(events.sender_id == sender_id, events.type_name == SessionStarted.type_name)
                     .scalar_subquery())
            # No session_started yet (a conversation older than sessions): everything.
            query = query.filter(events.id >= sa.func.coalesce(start, 0))
        return query.order_by(events.id)

    async def _retrying(self, what: str, call: Callable[[], Awaitable[T]]) -> T:
        deadline = time.monotonic() + self.retry_seconds
        delay = 0.2
        while True:
            try:
                return await call()
            except (sa.exc.OperationalError, sa.exc.InterfaceError) as error:
                if time.monotonic() + delay > deadline:
                    raise
                # The error text names the host, never a conversation or a debtor.
                log.warning("tracker database unreachable on %s, retrying in %.1fs: %s",
                            what, delay, type(error.orig).__name__ if error.orig else error)
                self.engine.dispose()  # drop pooled connections to the old server
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)

    async def retrieve(self, sender_id: str) -> Optional[DialogueStateTracker]:
        """The current session's tracker, waiting out a short database outage."""
        tracker = await self._retrying("read", lambda: super(UrlSQLTrackerStore, self).retrieve(sender_id))
        if tracker is not None:
            setattr(tracker, _STORED, len(tracker.events))
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Append the new events, waiting out a short database outage."""
        await self._retrying("save", lambda: super(UrlSQLTrackerStore, self).save(tracker))
        setattr(tracker, _STORED, len(tracker.events))

    def _additional_events(self, session: Session, tracker: DialogueStateTracker) -> Iterator:
        stored = getattr(tracker, _STORED, None)
        if stored is None or stored > len(tracker.events):
            return super()._additional_events(session, tracker)
        return itertools.islice(tracker.events, stored, len(tracker.events))


def prepare() -> None:
    """Create the tracker table and its indexes once, before several replicas start together."""
    UrlSQLTrackerStore().engine.dispose()


if __name__ == "__main__":
    prepare()

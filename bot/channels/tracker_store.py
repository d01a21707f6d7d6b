"""Rasa's SQL tracker store configured from ``DATABASE_URL`` instead of separate fields.

This keeps one variable for the whole deployment: the ledger and the conversation
trackers live in the same database family (SQLite file or PostgreSQL).

Saving a tracker appends the events the database does not have yet. Rasa finds how many
it has with a COUNT query on every save; the tracker it saves is the one it read at the
start of the turn (under the conversation lock), so the number of events read is that
count already. It is remembered on the tracker object; a tracker that was not read here
(a new one, a copy) falls back to Rasa's query.
"""
from __future__ import annotations

import itertools
from typing import Any, Iterator, Optional

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from bot.channels import rasa_speedups
from bot.ledger.db import is_sqlite_file, sqlite_file_engine_kwargs, use_sqlite_pragmas
from bot.settings import get_settings

_STORED = "_stored_event_count"  # attribute set on trackers read from or written to the database


class UrlSQLTrackerStore(SQLTrackerStore):
    def __init__(self, domain: Optional[Domain] = None, event_broker: Optional[EventBroker] = None,
                 url: Optional[str] = None, **kwargs: Any) -> None:
        rasa_speedups.install()  # Rasa builds its tracker store once, at start-up
        parsed = make_url(url or get_settings().database_url)
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

    async def retrieve(self, sender_id: str) -> Optional[DialogueStateTracker]:
        tracker = await super().retrieve(sender_id)
        if tracker is not None:
            setattr(tracker, _STORED, len(tracker.events))
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        await super().save(tracker)
        setattr(tracker, _STORED, len(tracker.events))

    def _additional_events(self, session: Session, tracker: DialogueStateTracker) -> Iterator:
        stored = getattr(tracker, _STORED, None)
        if stored is None or stored > len(tracker.events):
            return super()._additional_events(session, tracker)
        return itertools.islice(tracker.events, stored, len(tracker.events))

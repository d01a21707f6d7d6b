"""The tracker store: current session by event id, its indexes, and short database outages."""
from __future__ import annotations

import asyncio
import uuid

import pytest
import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa.tracker_store import INDEXES, UrlSQLTrackerStore

# Rasa's events table is not in the project schema: it survives between tests on PostgreSQL.
RUN = uuid.uuid4().hex[:8]
DOMAIN = Domain.from_yaml("version: '3.1'\nslots:\n  language:\n    type: any\n    mappings: []\n")


def _store(url: str, **kwargs) -> UrlSQLTrackerStore:
    return UrlSQLTrackerStore(domain=DOMAIN, url=url, **kwargs)


@pytest.fixture()
def db_url(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def test_both_indexes_exist_on_the_events_table(db_url):
    store = _store(db_url)
    names = {ix["name"] for ix in sa.inspect(store.engine).get_indexes("events")}
    assert {name for name, _ in INDEXES} <= names
    _store(db_url)  # a second replica starting: idempotent


def test_only_the_current_session_is_loaded_even_when_its_clock_is_behind(db_url):
    store = _store(db_url)
    tracker = DialogueStateTracker.from_events(f"s1-{RUN}", [
        ActionExecuted("action_session_start", timestamp=100), SessionStarted(timestamp=100),
        UserUttered("old session", timestamp=101), ActionExecuted("action_listen", timestamp=102)], DOMAIN.slots)
    asyncio.run(store.save(tracker))
    # A new session written by a replica whose clock is 50 s behind the first one.
    tracker.update(ActionExecuted("action_session_start", timestamp=150))
    tracker.update(SessionStarted(timestamp=150))
    tracker.update(UserUttered("new session", timestamp=151))
    tracker.update(SlotSet("language", "en", timestamp=152))
    asyncio.run(store.save(tracker))
    loaded = asyncio.run(_store(db_url).retrieve(f"s1-{RUN}"))
    texts = [e.text for e in loaded.events if isinstance(e, UserUttered)]
    assert texts == ["new session"]
    assert loaded.get_slot("language") == "en"
    full = asyncio.run(_store(db_url).retrieve_full_tracker(f"s1-{RUN}"))
    assert [e.text for e in full.events if isinstance(e, UserUttered)] == ["old session", "new session"]


def test_a_conversation_without_session_start_loads_whole(db_url):
    store = _store(db_url)
    asyncio.run(store.save(DialogueStateTracker.from_events(f"s2-{RUN}", [UserUttered("hi", timestamp=1)], DOMAIN.slots)))
    assert [e.text for e in asyncio.run(_store(db_url).retrieve(f"s2-{RUN}")).events] == ["hi"]


def test_a_short_outage_is_waited_out_and_nothing_is_doubled(db_url, monkeypatch):
    store = _store(db_url, retry_seconds=10)
    tracker = DialogueStateTracker.from_events(f"s3-{RUN}", [UserUttered("one", timestamp=1)], DOMAIN.slots)
    calls = {"n": 0}
    real = sa.orm.Session.commit

    def failing_commit(self):
        calls["n"] += 1
        if calls["n"] <= 2:  # the database is down for the first two attempts
            raise sa.exc.OperationalError("COMMIT", {}, ConnectionRefusedError("down"))
        return real(self)

    monkeypatch.setattr(sa.orm.Session, "commit", failing_commit)
    asyncio.run(store.save(tracker))
    monkeypatch.setattr(sa.orm.Session, "commit", real)
    assert calls["n"] == 3
    assert [e.text for e in asyncio.run(_store(db_url).retrieve(f"s3-{RUN}")).events] == ["one"]


def test_a_long_outage_still_fails_after_the_budget(db_url, monkeypatch):
    store = _store(db_url, retry_seconds=0.5)

    def down(self):
        raise sa.exc.OperationalError("COMMIT", {}, ConnectionRefusedError("down"))

    monkeypatch.setattr(sa.orm.Session, "commit", down)
    with pytest.raises(sa.exc.OperationalError):
        asyncio.run(store.save(DialogueStateTracker.from_events(f"s4-{RUN}", [UserUttered("x")], DOMAIN.slots)))

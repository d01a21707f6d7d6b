"""Live events across processes: a change committed by any process wakes every widget
long-poll and console stream watching it.

Publishing is automatic: session hooks notice new transcript rows, handoffs and
conversation changes and announce them — with PostgreSQL ``NOTIFY`` inside the same
transaction (delivered only if it commits), or with Redis pub/sub after the commit when
``REDIS_URL`` is set. One listener thread per process turns the announcements into local
wake-ups (``WebchatHub`` and the console's event bus). On SQLite (one process) nothing is
published; the waiters' own short database re-checks are the fallback.
"""
from __future__ import annotations

import json
import logging
import select
import threading
import time
from typing import Any

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from bot.settings import get_settings

log = logging.getLogger(__name__)

CHANNEL = "bot_live"
_INFO_KEY = "live_events"


def backend() -> str:
    """``redis``, ``postgres`` or ``local`` (no cross-process fan-out)."""
    s = get_settings()
    if s.redis_url:
        return "redis"
    if s.database_url.startswith("postgresql"):
        return "postgres"
    return "local"


def cross_process() -> bool:
    """True when changes are announced to other processes (Redis or PostgreSQL), not on ``local``."""
    return backend() != "local"


# --- publishing ---------------------------------------------------------------------------
def _events_of(session: Session) -> set[tuple[str, str]]:
    from bot.ledger.models import Conversation, Handoff, TranscriptMessage

    found: set[tuple[str, str]] = set()
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, TranscriptMessage):
            found.add(("c", obj.conversation_id))
        elif isinstance(obj, Handoff):
            found.update({("q", ""), ("c", obj.conversation_id)})
        elif isinstance(obj, Conversation) and obj in session.dirty and inspect(obj).attrs.paused.history.has_changes():
            found.update({("q", ""), ("c", obj.conversation_id)})
    return found


def _payload(kind: str, conversation_id: str) -> str:
    return json.dumps({"t": kind, "id": conversation_id} if conversation_id else {"t": kind})


@event.listens_for(Session, "before_flush")
def _collect(session: Session, _ctx: Any, _instances: Any) -> None:
    if backend() == "local":
        return
    found = _events_of(session)
    if not found:
        return
    if backend() == "postgres":
        # Queued in this transaction: delivered on commit, dropped on rollback.
        conn = session.connection()
        for kind, cid in found:
            conn.execute(text("SELECT pg_notify(:channel, :payload)"), {"channel": CHANNEL, "payload": _payload(kind, cid)})
    else:
        session.info.setdefault(_INFO_KEY, set()).update(found)


@event.listens_for(Session, "after_commit")
def _publish_after_commit(session: Session) -> None:
    found = session.info.pop(_INFO_KEY, None)
    if found:
        publish_redis(found)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_INFO_KEY, None)


_redis_client: Any = None


def publish_redis(found: set[tuple[str, str]]) -> None:
    """Publish ``(kind, conversation id)`` events on Redis; a failure is only logged (waiters re-check)."""
    global _redis_client
    try:
        import redis

        if _redis_client is None:
            _redis_client = redis.Redis.from_url(get_settings().redis_url, socket_timeout=2)
        for kind, cid in found:
            _redis_client.publish(CHANNEL, _payload(kind, cid))
    except Exception as exc:  # noqa: BLE001 - the waiters' re-checks still catch the change
        log.warning("live event not published: %s", exc.__class__.__name__)
        _redis_client = None


def publish(conversation_id: str | None = None, queue: bool = False) -> None:
    """Announce a change that is not a row (tests, tools); no-op on ``local``."""
    found = {("c", conversation_id)} if conversation_id else set()
    if queue:
        found.add(("q", ""))
    if not found or backend() == "local":
        return
    if backend() == "redis":
        publish_redis(found)
        return
    from bot.ledger.db import get_engine

    with get_engine().begin() as conn:
        for kind, cid in found:
            conn.execute(text("SELECT pg_notify(:channel, :payload)"), {"channel": CHANNEL, "payload": _payload(kind, cid)})


def publish_typing(conversation_id: str, signal_id: int) -> None:
    """Announce that an agent is typing in the conversation: this process's widgets at once,
    every other process's through Redis or ``NOTIFY`` (nothing is stored; a lost one is harmless)."""
    global _redis_client
    from bot.channels.webchat_hub import HUB

    HUB.typing(conversation_id, signal_id)
    kind = backend()
    if kind == "local":
        return
    payload = json.dumps({"t": "typing", "id": conversation_id, "s": signal_id})
    try:
        if kind == "redis":
            import redis

            if _redis_client is None:
                _redis_client = redis.Redis.from_url(get_settings().redis_url, socket_timeout=2)
            _redis_client.publish(CHANNEL, payload)
            return
        from bot.ledger.db import get_engine

        with get_engine().begin() as conn:
            conn.execute(text("SELECT pg_notify(:channel, :payload)"), {"channel": CHANNEL, "payload": payload})
    except Exception as exc:  # noqa: BLE001 - a typing hint is best effort
        log.warning("typing signal not published: %s", exc.__class__.__name__)


# --- listening ----------------------------------------------------------------------------
def dispatch(raw: str | bytes) -> None:
    """Turn one announcement into local wake-ups (any thread)."""
    from bot.channels.webchat_hub import HUB
    from bot.handoff.events import QUEUE_TOPIC, bus, conversation_topic

    try:
        data = json.loads(raw)
    except ValueError:
        return
    if data.get("t") == "q":
        bus.publish(QUEUE_TOPIC, origin="live")
    elif data.get("t") == "c" and isinstance(data.get("id"), str):
        bus.publish(conversation_topic(data["id"]), kind="live")
        HUB.notify_threadsafe(data["id"])
    elif data.get("t") == "typing" and isinstance(data.get("id"), str) and isinstance(data.get("s"), int):
        HUB.typing(data["id"], data["s"])


class Listener(threading.Thread):
    def __init__(self, kind: str) -> None:
        super().__init__(name=f"live-{kind}", daemon=True)
        self.kind = kind
        self.stopping = threading.Event()
        self.ready = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                self._listen_postgres() if self.kind == "postgres" else self._listen_redis()
            except Exception as exc:  # noqa: BLE001 - reconnect; waiters re-check meanwhile
                log.warning("live listener (%s) reconnecting: %s", self.kind, exc.__class__.__name__)
                time.sleep(1.0)

    def _listen_postgres(self) -> None:
        import psycopg2
        import psycopg2.extensions

        url = make_url(get_settings().database_url).set(drivername="postgresql")
        conn = psycopg2.connect(url.render_as_string(hide_password=False))
        try:
            conn.set_isolation_level(psycopg2.extensions.ISOLATION_LEVEL_AUTOCOMMIT)
            with conn.cursor() as cur:
                cur.execute(f"LISTEN {CHANNEL}")
            self.ready.set()
            while not self.stopping.is_set():
                if select.select([conn], [], [], 1.0) == ([], [], []):
                    continue
                conn.poll()
                while conn.notifies:
                    dispatch(conn.notifies.pop(0).payload)
        finally:
            conn.close()

    def _listen_redis(self) -> None:
        import redis

        client = redis.Redis.from_url(get_settings().redis_url)
        pubsub = client.pubsub(ignore_subscribe_messages=True)
        try:
            pubsub.subscribe(CHANNEL)
            self.ready.set()
            while not self.stopping.is_set():
                message = pubsub.get_message(timeout=1.0)
                if message and message.get("type") == "message":
                    dispatch(message["data"])
        finally:
            pubsub.close()
            client.close()


_listener: Listener | None = None
_lock = threading.Lock()


def ensure_listener(wait_ready: float = 0.0) -> bool:
    """Start this process's listener once (no-op on ``local``); True when one runs."""
    global _listener
    kind = backend()
    if kind == "local":
        return False
    with _lock:
        if _listener is None or not _listener.is_alive() or _listener.kind != kind:
            if _listener is not None:
                _listener.stopping.set()
            _listener = Listener(kind)
            _listener.start()
        listener = _listener
    if wait_ready:
        listener.ready.wait(wait_ready)
    return True


def stop_listener() -> None:
    """Stop this process's listener thread, if any, waiting up to 5 seconds for it (tests, shutdown)."""
    global _listener
    with _lock:
        if _listener is not None:
            _listener.stopping.set()
            _listener.join(timeout=5)
            _listener = None

"""Logouts and failed logins are kept in the database (shared by processes, kept over restarts)."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from bot.handoff import revocations
from bot.handoff.models import ConsoleLoginFailure, ConsoleRevocation
from bot.handoff.revocations import LoginThrottle
from bot.ledger.db import session_scope

T0 = datetime(2026, 3, 2, 9, 0)


def test_a_revoked_nonce_is_refused_and_stored_only_as_a_digest(app_db):
    revocations.revoke("nonce-a", T0 + timedelta(hours=8), now=T0)
    revocations.revoke("nonce-a", T0 + timedelta(hours=8), now=T0)  # twice: still one row
    assert revocations.is_revoked("nonce-a") and not revocations.is_revoked("nonce-b")
    with session_scope() as session:
        rows = session.execute(select(ConsoleRevocation)).scalars().all()
        assert len(rows) == 1 and "nonce-a" not in rows[0].session_hash


def test_expired_revocations_are_dropped_when_new_ones_arrive(app_db):
    revocations.revoke("old", T0 + timedelta(hours=1), now=T0)
    revocations.revoke("new", T0 + timedelta(hours=10), now=T0 + timedelta(hours=2))
    assert not revocations.is_revoked("old") and revocations.is_revoked("new")


def test_throttle_locks_one_username_and_address_then_releases(app_db):
    throttle = LoginThrottle(max_failures=3, lock_seconds=60)
    for i in range(3):
        assert not throttle.locked("giulia", "10.0.0.1", now=T0)
        throttle.failed("giulia", "10.0.0.1", now=T0 + timedelta(seconds=i))
    assert throttle.locked("giulia", "10.0.0.1", now=T0 + timedelta(seconds=5))
    assert not throttle.locked("giulia", "10.0.0.2", now=T0 + timedelta(seconds=5))  # no lock-out from elsewhere
    assert not throttle.locked("bruno", "10.0.0.1", now=T0 + timedelta(seconds=5))
    assert not throttle.locked("giulia", "10.0.0.1", now=T0 + timedelta(seconds=63))
    with session_scope() as session:
        stored = session.execute(select(ConsoleLoginFailure.key_hash)).scalars().all()
        assert stored and all("giulia" not in key and "10.0.0.1" not in key for key in stored)


def test_a_successful_login_clears_the_pair(app_db):
    throttle = LoginThrottle(max_failures=2, lock_seconds=60)
    throttle.failed("giulia", "10.0.0.1", now=T0)
    throttle.succeeded("giulia", "10.0.0.1")
    throttle.failed("giulia", "10.0.0.1", now=T0)
    assert not throttle.locked("giulia", "10.0.0.1", now=T0)

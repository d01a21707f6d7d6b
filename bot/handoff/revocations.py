"""Logged-out console sessions and failed logins, kept in the database.

Sessions are signed cookies with nothing stored server-side, so logging out must remember
the session's nonce until the cookie would have expired anyway; a table (not process
memory) makes a logout hold in every server process and across restarts. Failed logins
are counted per username and client address, so guessing is slowed without letting a
stranger lock an agent out from elsewhere. Only SHA-256 digests are stored.
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from bot.handoff.auth import LOCK_SECONDS, MAX_FAILURES
from bot.handoff.models import ConsoleLoginFailure, ConsoleRevocation
from bot.ledger.db import session_scope


def _digest(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode("utf-8")).hexdigest()


def revoke(nonce: str, expires_at: datetime, now: datetime | None = None) -> None:
    """Refuse the session with this nonce until ``expires_at`` (idempotent); drop expired rows."""
    now = now or datetime.utcnow()
    key = _digest("session", nonce)
    try:
        with session_scope() as session:
            session.execute(delete(ConsoleRevocation).where(ConsoleRevocation.expires_at < now))
            if session.get(ConsoleRevocation, key) is None:
                session.add(ConsoleRevocation(session_hash=key, expires_at=expires_at))
    except IntegrityError:
        pass  # another process revoked the same session at the same moment: already refused


def is_revoked(nonce: str) -> bool:
    """Whether the session with this nonce was logged out, in any server process."""
    with session_scope() as session:
        return session.get(ConsoleRevocation, _digest("session", nonce)) is not None


class LoginThrottle:
    """A few failures for one username from one address lock that pair for a while."""

    def __init__(self, max_failures: int = MAX_FAILURES, lock_seconds: int = LOCK_SECONDS) -> None:
        self.max_failures, self.lock_seconds = max_failures, lock_seconds

    def _window_start(self, now: datetime | None) -> datetime:
        return (now or datetime.utcnow()) - timedelta(seconds=self.lock_seconds)

    def locked(self, username: str, address: str, now: datetime | None = None) -> bool:
        with session_scope() as session:
            count = session.execute(select(func.count()).select_from(ConsoleLoginFailure).where(
                ConsoleLoginFailure.key_hash == _digest("login", username, address),
                ConsoleLoginFailure.failed_at > self._window_start(now))).scalar_one()
            return count >= self.max_failures

    def failed(self, username: str, address: str, now: datetime | None = None) -> None:
        now = now or datetime.utcnow()
        with session_scope() as session:
            session.execute(delete(ConsoleLoginFailure).where(
                ConsoleLoginFailure.failed_at <= self._window_start(now)))
            session.add(ConsoleLoginFailure(key_hash=_digest("login", username, address), failed_at=now))

    def succeeded(self, username: str, address: str) -> None:
        with session_scope() as session:
            session.execute(delete(ConsoleLoginFailure).where(
                ConsoleLoginFailure.key_hash == _digest("login", username, address)))

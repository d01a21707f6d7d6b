"""Console tables on the shared ``Base``: logged-out sessions and failed logins.

Both live in the database rather than in process memory so that every Rasa server
process (and a restarted one) sees the same logouts and the same lock-outs. Neither
table stores a session token or a username in clear: only SHA-256 digests.
"""
from __future__ import annotations

from sqlalchemy import Column, DateTime, Integer, String

from bot.ledger.models import Base


class ConsoleRevocation(Base):
    """A session id (its digest) refused until the session would have expired anyway."""

    __tablename__ = "console_revocations"
    session_hash = Column(String(64), primary_key=True)
    expires_at = Column(DateTime, nullable=False, index=True)


class ConsoleLoginFailure(Base):
    """One failed login for a username from one client address (digest of both)."""

    __tablename__ = "console_login_failures"
    id = Column(Integer, primary_key=True)
    key_hash = Column(String(64), nullable=False, index=True)
    failed_at = Column(DateTime, nullable=False, index=True)

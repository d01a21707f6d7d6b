"""The server-side record of who a conversation has proved to be.

Slots travel through the tracker and, before the action server was locked down, through
any client that could reach it; a slot saying ``verified: true`` is therefore a hint for the
dialogue, never an authorisation. An action discloses or writes for a debtor only when this
table says the conversation was verified for that debtor, by the assistant (invoice number
and tax code) or by an agent who checked the same factors. A record lapses after
``VERIFIED_TTL_MINUTES`` and belongs to one dialogue session: it names the session it was
made in (``session_key``, the time stamp of the tracker's latest ``session_started`` event),
so a new session - after expiry or ``/restart`` - finds no verification and the stale row is
withdrawn. Erasure removes rows with the debtor (privacy POLICY, foreign-key cascade).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Iterable

from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, delete, select
from sqlalchemy.orm import Session

from bot.ledger.models import Base, Invoice, _now
from bot.ledger.repository import audit

DEFAULT_TTL = timedelta(hours=2)


class VerifiedConversation(Base):
    """One conversation's proof of identity: for whom, how, until when."""

    __tablename__ = "verified_conversations"
    conversation_id = Column(String(128), primary_key=True)
    debtor_id = Column(Integer, ForeignKey("debtors.id", ondelete="CASCADE"), nullable=False, index=True)
    invoice_id = Column(Integer, ForeignKey("invoices.id", ondelete="SET NULL"), nullable=True)
    channel = Column(String(32), nullable=False, default="")
    verified_by = Column(String(80), nullable=False, default="bot")  # "bot" or "agent:<username>"
    verified_at = Column(DateTime, nullable=False, default=_now)
    expires_at = Column(DateTime, nullable=False, index=True)
    # The dialogue session the proof was given in (see session_key()); "" when unknown.
    session_key = Column(String(40), nullable=False, default="")


@dataclass(frozen=True)
class Identity:
    """Who a conversation is verified as: the debtor, and the invoice the proof used."""

    debtor_id: int
    invoice_number: str | None = None


def session_key(events: Iterable[dict[str, Any]] | None) -> str:
    """The key of the tracker's current session: its latest ``session_started`` time stamp.

    Rasa writes a ``session_started`` event at the start of every session, including the
    first message after ``/restart``; a tracker without one (an old or hand-made one) has
    the key "".
    """
    key = ""
    for event in events or ():
        if isinstance(event, dict) and event.get("event") == "session_started":
            stamp = event.get("timestamp")
            key = f"{float(stamp):.6f}" if isinstance(stamp, (int, float)) else ""
    return key


def record_verified(session: Session, *, conversation_id: str, debtor_id: int, now: datetime,
                    invoice_id: int | None = None, channel: str = "", verified_by: str = "bot",
                    ttl: timedelta = DEFAULT_TTL, in_session: str = "") -> VerifiedConversation:
    """Record (or renew) the verification of ``conversation_id`` for ``debtor_id``, audited."""
    row = session.get(VerifiedConversation, conversation_id)
    if row is None:
        row = VerifiedConversation(conversation_id=conversation_id)
        session.add(row)
    row.debtor_id, row.invoice_id, row.channel = debtor_id, invoice_id, channel[:32]
    row.verified_by, row.verified_at, row.expires_at = verified_by[:80], now, now + ttl
    row.session_key = in_session[:40]
    session.flush()
    audit(session, actor=verified_by, action="verification.recorded", entity="debtor", entity_id=debtor_id,
          conversation_id=conversation_id, details={"channel": channel, "invoice_id": invoice_id})
    return row


def verified_debtor(session: Session, conversation_id: str, now: datetime) -> int | None:
    """The debtor this conversation is verified for right now, else None."""
    row = session.execute(
        select(VerifiedConversation.debtor_id).where(
            VerifiedConversation.conversation_id == conversation_id, VerifiedConversation.expires_at > now)
    ).scalar_one_or_none()
    return int(row) if row is not None else None


def verified_identity(session: Session, conversation_id: str, now: datetime,
                      in_session: str) -> Identity | None:
    """The identity ``conversation_id`` has proved in its current session, else None.

    A record from an earlier session (or past its expiry) proves nothing: it is withdrawn,
    so a restarted conversation starts unverified whatever its slots say.
    """
    row = session.get(VerifiedConversation, conversation_id)
    if row is None:
        return None
    if row.expires_at <= now or row.session_key != in_session[:40]:
        withdraw(session, conversation_id, reason="expired" if row.expires_at <= now else "new session")
        return None
    number = session.execute(select(Invoice.invoice_number).where(Invoice.id == row.invoice_id)).scalar_one_or_none() \
        if row.invoice_id is not None else None
    return Identity(debtor_id=int(row.debtor_id), invoice_number=number)


def withdraw(session: Session, conversation_id: str, *, actor: str = "bot", reason: str = "") -> bool:
    """Forget a conversation's verification (restart, erasure, agent request); True if one existed."""
    done = session.execute(delete(VerifiedConversation).where(
        VerifiedConversation.conversation_id == conversation_id)).rowcount
    if done:
        audit(session, actor=actor, action="verification.withdrawn", entity="conversation",
              entity_id=conversation_id, conversation_id=conversation_id, details={"reason": reason})
    return bool(done)

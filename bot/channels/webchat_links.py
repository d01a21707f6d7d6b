"""Revoked web chat links, shared by every server process through the database.

A link is signed and short-lived, but a debtor may forward it, lose the phone or ask us to
kill it before it expires. Two kinds of revocation:

- ``invoice``: every link of that invoice issued up to the revocation time stops working
  (links issued later work again, so a fresh link can be sent);
- ``token``: that one link (named by a digest of its signed body, never the token itself).

Revoking an invoice's links also withdraws the server-side verification of the web chat
conversations verified for that invoice, so even a fresh link on the same browser asks again.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Session

from bot.channels.tokens import CONVERSATION_PREFIX, WebchatClaims
from bot.ledger.models import Base, _now
from bot.ledger.repository import audit, find_invoice, invoice_key

INVOICE, TOKEN = "invoice", "token"


class WebchatRevocation(Base):
    """One revoked link (``token``) or every link of one invoice issued before ``revoked_at``."""

    __tablename__ = "webchat_revocations"
    __table_args__ = (UniqueConstraint("kind", "key", name="uq_webchat_revocations_kind_key"),)
    id = Column(Integer, primary_key=True)
    kind = Column(String(16), nullable=False)      # invoice | token
    key = Column(String(128), nullable=False)      # the invoice's lookup key, or the link digest
    revoked_at = Column(DateTime, nullable=False, default=_now)
    revoked_by = Column(String(64), nullable=False, default="cli")


def _upsert(session: Session, kind: str, key: str, now: datetime, actor: str) -> WebchatRevocation:
    row = session.execute(select(WebchatRevocation).where(
        WebchatRevocation.kind == kind, WebchatRevocation.key == key)).scalar_one_or_none()
    if row is None:
        row = WebchatRevocation(kind=kind, key=key)
        session.add(row)
    row.revoked_at, row.revoked_by = now, actor[:64]
    session.flush()
    return row


def revoke_invoice(session: Session, invoice_number: str, *, now: datetime | None = None,
                   actor: str = "cli") -> str:
    """Revoke every link of ``invoice_number`` issued so far; returns the ledger's invoice number."""
    invoice = find_invoice(session, invoice_number)
    if invoice is None:
        raise ValueError(f"invoice {invoice_number!r} is not in the ledger")
    _upsert(session, INVOICE, invoice.number_key, now or _now(), actor)
    from bot.security.verified import VerifiedConversation, withdraw

    for conversation_id in session.execute(select(VerifiedConversation.conversation_id).where(
            VerifiedConversation.invoice_id == invoice.id,
            VerifiedConversation.conversation_id.startswith(CONVERSATION_PREFIX))).scalars().all():
        withdraw(session, conversation_id, actor=actor, reason="webchat links revoked")
    audit(session, actor=actor, action="webchat.links_revoked", entity="invoice", entity_id=invoice.id,
          details={"scope": "invoice"})
    return str(invoice.invoice_number)


def revoke_token(session: Session, key: str, *, now: datetime | None = None, actor: str = "cli") -> None:
    """Revoke the one link whose digest is ``key`` (see ``bot.channels.tokens.token_key``)."""
    _upsert(session, TOKEN, key, now or _now(), actor)
    audit(session, actor=actor, action="webchat.links_revoked", entity="webchat_link", entity_id=key[:16],
          details={"scope": "token"})


def is_revoked(session: Session, claims: WebchatClaims) -> bool:
    """True when this link was revoked by itself or by a revocation of its invoice after it was issued."""
    rows = session.execute(select(WebchatRevocation.kind, WebchatRevocation.revoked_at).where(
        ((WebchatRevocation.kind == TOKEN) & (WebchatRevocation.key == claims.token_key))
        | ((WebchatRevocation.kind == INVOICE) & (WebchatRevocation.key == invoice_key(claims.invoice_number)))
    )).all()
    issued = datetime.utcfromtimestamp(claims.issued_at)
    return any(kind == TOKEN or issued <= revoked_at for kind, revoked_at in rows)

"""Identity check before any disclosure (DESIGN §5.2).

An attempt is a complete pair (invoice number, tax code). Three failed attempts within the
lock window, counted per conversation and per invoice, lock both for ``lock_minutes``.
The result never says which factor was wrong, and an unknown invoice fails exactly like a
wrong tax code so the ledger cannot be probed.
"""
from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.ledger.models import VerificationAttempt
from bot.ledger.repository import audit, find_invoice, invoice_key


@dataclass(frozen=True)
class VerificationResult:
    status: str  # verified | failed | locked
    debtor_id: int | None = None
    invoice_id: int | None = None
    invoice_number: str | None = None
    attempts_left: int = 0
    locked_until: datetime | None = None

    @property
    def verified(self) -> bool:
        return self.status == "verified"


def _failures_since(session: Session, column, value: str, since: datetime) -> list[datetime]:
    last_success = session.execute(
        select(func.max(VerificationAttempt.created_at)).where(column == value, VerificationAttempt.succeeded.is_(True))
    ).scalar_one()
    start = max(since, last_success) if last_success else since
    stmt = (
        select(VerificationAttempt.created_at)
        .where(column == value, VerificationAttempt.succeeded.is_(False), VerificationAttempt.created_at > start)
        .order_by(VerificationAttempt.created_at)
    )
    return list(session.execute(stmt).scalars())


def lock_state(
    session: Session, conversation_id: str, key: str | None, now: datetime, max_attempts: int, lock_minutes: int,
) -> tuple[int, datetime | None]:
    """(failures counted, locked_until or None) for the conversation and, if given, the invoice."""
    since = now - timedelta(minutes=lock_minutes)
    worst: list[datetime] = _failures_since(session, VerificationAttempt.conversation_id, conversation_id, since)
    if key:
        by_invoice = _failures_since(session, VerificationAttempt.invoice_key, key, since)
        if len(by_invoice) > len(worst):
            worst = by_invoice
    if len(worst) >= max_attempts:
        # Locked from the attempt that reached the limit, for the whole window.
        return len(worst), worst[max_attempts - 1] + timedelta(minutes=lock_minutes)
    return len(worst), None


def verify(
    session: Session, *, conversation_id: str, invoice_number: str, tax_code: str, now: datetime,
    max_attempts: int = 3, lock_minutes: int = 30,
) -> VerificationResult:
    key = invoice_key(invoice_number)
    failures, locked_until = lock_state(session, conversation_id, key, now, max_attempts, lock_minutes)
    if locked_until and locked_until > now:
        return VerificationResult("locked", locked_until=locked_until)

    invoice = find_invoice(session, invoice_number)
    given = "".join((tax_code or "").split()).upper()
    expected = invoice.debtor.tax_code if invoice is not None else "-" * 16
    # Constant-time comparison, and the same work whether or not the invoice exists.
    ok = hmac.compare_digest(given.encode(), expected.encode()) and invoice is not None
    session.add(VerificationAttempt(conversation_id=conversation_id, invoice_key=key[:64], succeeded=ok, created_at=now))
    if ok:
        audit(session, actor="bot", action="verification.succeeded", entity="invoice", entity_id=invoice.id,
              conversation_id=conversation_id, details={"debtor_id": invoice.debtor_id})
        return VerificationResult("verified", debtor_id=invoice.debtor_id, invoice_id=invoice.id,
                                  invoice_number=invoice.invoice_number)
    failures += 1
    audit(session, actor="bot", action="verification.failed", entity="conversation",
          entity_id=conversation_id, conversation_id=conversation_id, details={"failures": failures})
    if failures >= max_attempts:
        return VerificationResult("locked", locked_until=now + timedelta(minutes=lock_minutes))
    return VerificationResult("failed", attempts_left=max_attempts - failures)


def record_disclosure(session: Session, *, conversation_id: str, debtor_id: int, what: str) -> None:
    """Every time debt details are shown, the audit log says to whom and what kind."""
    audit(session, actor="bot", action="disclosure", entity="debtor", entity_id=debtor_id,
          conversation_id=conversation_id, details={"what": what})

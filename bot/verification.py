"""Identity check before any disclosure (docs/architecture.md §5.2).

An attempt is a complete pair (invoice number, tax code). Failures are counted in four
scopes: the conversation and the invoice (``max_attempts`` within ``lock_minutes``), and
the tax code given and the client (``wide_max_failures`` within ``wide_window_minutes``).
The last two stop enumeration with a known tax code and a fresh sender id per guess, which
the first two never see twice. A lock starts at the failure that reaches a limit and lasts
the scope's lock time. The result never says which factor was wrong, and an unknown
invoice fails exactly like a wrong tax code so the ledger cannot be probed. The tax code is
stored only as a keyed hash.
"""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.ledger.models import VerificationAttempt
from bot.ledger.repository import audit, find_invoice, invoice_key
from bot.settings import get_settings

# Failures older than this are never read: the rule below resets across any quiet period
# of one window, and a scope can record at most a handful of failures per lock period.
LOOKBACK = timedelta(hours=24)

VerificationStatus = Literal["verified", "failed", "locked"]


@dataclass(frozen=True)
class VerificationResult:
    status: VerificationStatus
    debtor_id: int | None = None
    invoice_id: int | None = None
    invoice_number: str | None = None
    attempts_left: int = 0
    locked_until: datetime | None = None

    @property
    def verified(self) -> bool:
        return self.status == "verified"


@dataclass(frozen=True)
class Limit:
    """``max_failures`` failures within ``window`` lock a scope for ``lock`` from the last of them."""

    max_failures: int
    window: timedelta
    lock: timedelta


def normalise_tax_code(tax_code: str | None) -> str:
    """The tax code as compared: no whitespace, upper case."""
    return "".join((tax_code or "").split()).upper()


def tax_key(tax_code: str | None, secret: str | None = None) -> str | None:
    """Keyed hash (HMAC-SHA256, hex) of the normalised tax code; None when none was given."""
    given = normalise_tax_code(tax_code)
    if not given:
        return None
    key = secret if secret is not None else get_settings().verify_hash_secret
    return hmac.new(key.encode(), given.encode(), hashlib.sha256).hexdigest()


def lock_from_failures(failures: Iterable[datetime], limit: Limit) -> tuple[list[datetime], datetime | None]:
    """Replay failures in time order: (the run still counting, end of the last lock or None).

    A lock is triggered by the failure that brings the failures within one window to the
    limit and ends ``limit.lock`` after that failure; counting restarts after it. Failures
    during a lock are not counted (they are not recorded either).
    """
    run: list[datetime] = []
    locked_until: datetime | None = None
    for at in sorted(failures):
        if locked_until is not None and at < locked_until:
            continue
        run = [t for t in run if t > at - limit.window] + [at]
        if len(run) >= limit.max_failures:
            locked_until, run = at + limit.lock, []
    return run, locked_until


def _scope_state(session: Session, column, value: str, now: datetime, limit: Limit) -> tuple[int, datetime | None]:
    """(failures still counting at ``now``, locked_until if a lock is in force) for one scope."""
    last_success = session.execute(
        select(func.max(VerificationAttempt.created_at)).where(column == value, VerificationAttempt.succeeded.is_(True))
    ).scalar_one()
    start = now - LOOKBACK - limit.window - limit.lock
    if last_success and last_success > start:
        start = last_success
    stmt = (
        select(VerificationAttempt.created_at)
        .where(column == value, VerificationAttempt.succeeded.is_(False),
               VerificationAttempt.created_at > start, VerificationAttempt.created_at <= now)
    )
    run, locked_until = lock_from_failures(session.execute(stmt).scalars(), limit)
    if locked_until is not None and locked_until <= now:
        locked_until = None
    return len([t for t in run if t > now - limit.window]), locked_until


def lock_state(
    session: Session, conversation_id: str, key: str | None, now: datetime, max_attempts: int, lock_minutes: int,
) -> tuple[int, datetime | None]:
    """(this conversation's failures counting, locked_until or None) for the conversation and the invoice."""
    limit = Limit(max_attempts, timedelta(minutes=lock_minutes), timedelta(minutes=lock_minutes))
    failures, locked_until = _scope_state(session, VerificationAttempt.conversation_id, conversation_id, now, limit)
    if key:
        _, by_invoice = _scope_state(session, VerificationAttempt.invoice_key, key[:64], now, limit)
        locked_until = _latest(locked_until, by_invoice)
    return failures, locked_until


def _latest(a: datetime | None, b: datetime | None) -> datetime | None:
    return max(x for x in (a, b) if x is not None) if (a or b) else None


def _wide_state(session: Session, hashed: str | None, client_key: str | None, now: datetime,
                limit: Limit) -> datetime | None:
    locked_until = None
    if hashed:
        locked_until = _scope_state(session, VerificationAttempt.tax_key, hashed, now, limit)[1]
    if client_key:
        locked_until = _latest(locked_until,
                               _scope_state(session, VerificationAttempt.client_key, client_key, now, limit)[1])
    return locked_until


def verify(
    session: Session, *, conversation_id: str, invoice_number: str, tax_code: str, now: datetime,
    max_attempts: int = 3, lock_minutes: int = 30, client_key: str | None = None,
    wide_max_failures: int | None = None, wide_window_minutes: int | None = None,
) -> VerificationResult:
    """Check one pair; record the attempt unless a scope is locked.

    ``client_key`` names the client (network address or channel + sender id). The tax-code
    and client limits default to the settings ``VERIFY_WIDE_MAX_FAILURES`` and
    ``VERIFY_WIDE_WINDOW_MINUTES``. ``attempts_left`` counts this conversation's failures only.
    """
    settings = get_settings()
    wide = Limit(
        wide_max_failures or settings.verify_wide_max_failures,
        timedelta(minutes=wide_window_minutes or settings.verify_wide_window_minutes),
        timedelta(minutes=wide_window_minutes or settings.verify_wide_window_minutes),
    )
    key = invoice_key(invoice_number)[:64]
    client = client_key[:128] if client_key else None
    hashed = tax_key(tax_code, settings.verify_hash_secret)
    failures, locked_until = lock_state(session, conversation_id, key, now, max_attempts, lock_minutes)
    locked_until = _latest(locked_until, _wide_state(session, hashed, client, now, wide))
    if locked_until and locked_until > now:
        return VerificationResult("locked", locked_until=locked_until)

    invoice = find_invoice(session, invoice_number)
    given = normalise_tax_code(tax_code)
    expected = invoice.debtor.tax_code if invoice is not None else "-" * 16
    # Constant-time comparison, and the same work whether or not the invoice exists.
    ok = hmac.compare_digest(given.encode(), expected.encode()) and invoice is not None
    session.add(VerificationAttempt(conversation_id=conversation_id, invoice_key=key, tax_key=hashed,
                                    client_key=client, succeeded=ok, created_at=now))
    session.flush()
    if ok and invoice is not None:  # ok implies an invoice; the check tells the type checker
        audit(session, actor="bot", action="verification.succeeded", entity="invoice", entity_id=invoice.id,
              conversation_id=conversation_id, details={"debtor_id": invoice.debtor_id})
        return VerificationResult("verified", debtor_id=invoice.debtor_id, invoice_id=invoice.id,
                                  invoice_number=invoice.invoice_number)
    failures, locked_until = lock_state(session, conversation_id, key, now, max_attempts, lock_minutes)
    locked_until = _latest(locked_until, _wide_state(session, hashed, client, now, wide))
    audit(session, actor="bot", action="verification.failed", entity="conversation",
          entity_id=conversation_id, conversation_id=conversation_id, details={"failures": failures})
    if locked_until:
        return VerificationResult("locked", locked_until=locked_until)
    return VerificationResult("failed", attempts_left=max(max_attempts - failures, 1))


def record_disclosure(session: Session, *, conversation_id: str, debtor_id: int, what: str) -> None:
    """Every time debt details are shown, the audit log says to whom and what kind."""
    audit(session, actor="bot", action="disclosure", entity="debtor", entity_id=debtor_id,
          conversation_id=conversation_id, details={"what": what})

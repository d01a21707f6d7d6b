"""Ledger queries the dialogue needs; every function takes an open Session."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.ledger.models import DEFAULT_CREDITOR, AuditLog, Debtor, Invoice, Payment
from bot.parsing.invoice_numbers import invoice_key

__all__ = ["invoice_key"]  # re-exported: the ledger's lookup key is defined with the parsers

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class OpenInvoice:
    invoice_id: int
    number: str
    issue_date: date
    due_date: date
    amount_due: Decimal
    paid: Decimal
    currency: str
    hold: str | None

    @property
    def open_amount(self) -> Decimal:
        return max(self.amount_due - self.paid, ZERO)

    def days_overdue(self, today: date) -> int:
        return max((today - self.due_date).days, 0)


def find_invoice(session: Session, number: str, creditor_id: str = DEFAULT_CREDITOR) -> Invoice | None:
    key = invoice_key(number)
    if not key:
        return None
    stmt = select(Invoice).where(Invoice.creditor_id == creditor_id, Invoice.number_key == key)
    return session.execute(stmt).scalar_one_or_none()


def known_invoice_keys(session: Session, keys: Sequence[str], creditor_id: str = DEFAULT_CREDITOR) -> set[str]:
    if not keys:
        return set()
    stmt = select(Invoice.number_key).where(Invoice.creditor_id == creditor_id, Invoice.number_key.in_(list(keys)))
    return set(session.execute(stmt).scalars())


def paid_total(session: Session, invoice_id: int) -> Decimal:
    total = session.execute(select(func.coalesce(func.sum(Payment.amount), 0)).where(Payment.invoice_id == invoice_id)).scalar_one()
    return Decimal(str(total)).quantize(Decimal("0.01"))


def debtor_invoices(session: Session, debtor_id: int) -> list[OpenInvoice]:
    """All invoices of a debtor with what has been paid on each, oldest due first."""
    paid = (
        select(Payment.invoice_id, func.sum(Payment.amount).label("paid"))
        .group_by(Payment.invoice_id)
        .subquery()
    )
    stmt = (
        select(Invoice, paid.c.paid)
        .outerjoin(paid, paid.c.invoice_id == Invoice.id)
        .where(Invoice.debtor_id == debtor_id)
        .order_by(Invoice.due_date, Invoice.id)
    )
    rows = []
    for inv, paid_amount in session.execute(stmt):
        rows.append(OpenInvoice(
            invoice_id=inv.id, number=inv.invoice_number, issue_date=inv.issue_date,
            due_date=inv.due_date, amount_due=Decimal(inv.amount_due),
            paid=Decimal(str(paid_amount or 0)).quantize(Decimal("0.01")),
            currency=inv.currency, hold=inv.collection_hold,
        ))
    return rows


def open_invoices(session: Session, debtor_id: int) -> list[OpenInvoice]:
    return [inv for inv in debtor_invoices(session, debtor_id) if inv.open_amount > ZERO]


def open_balance(session: Session, debtor_id: int, include_held: bool = True) -> Decimal:
    return sum(
        (inv.open_amount for inv in open_invoices(session, debtor_id) if include_held or not inv.hold),
        ZERO,
    )


def get_debtor(session: Session, debtor_id: int) -> Debtor | None:
    return session.get(Debtor, debtor_id)


def audit(
    session: Session, *, actor: str, action: str, entity: str | None = None, entity_id: Any = None,
    conversation_id: str | None = None, details: dict[str, Any] | None = None,
    creditor_id: str = DEFAULT_CREDITOR,
) -> AuditLog:
    """Append to the audit log. Callers pass ids and masked values only."""
    row = AuditLog(
        creditor_id=creditor_id, actor=actor, action=action, entity=entity,
        entity_id=None if entity_id is None else str(entity_id), conversation_id=conversation_id,
        details=json.dumps(details, default=str, sort_keys=True) if details else None,
    )
    session.add(row)
    return row


def ledger_is_empty(session: Session) -> bool:
    return session.execute(select(Invoice.id).limit(1)).first() is None

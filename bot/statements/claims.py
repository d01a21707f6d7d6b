""""I already paid": look for the transfer among imported bank lines nobody has placed yet.

A debtor's own date and amount, plus a bank line with that amount booked within a few
days, is better evidence than either alone; the line is then applied to the debtor's
invoice (through the review path, audited) instead of opening a reconciliation case.
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.ledger.models import Invoice
from bot.ledger.repository import paid_total
from bot.statements.importer import apply_line
from bot.statements.models import StatementLine
from bot.statements.review import OPEN

CLAIM_WINDOW_DAYS = 5


def match_claim_to_statement(session: Session, invoice: Invoice, paid_on: date | None, amount: Decimal | None,
                             reference: str | None, conversation_id: str) -> StatementLine | None:
    """Apply the one waiting bank line that fits the claim; None when none (or several) fit."""
    if amount is None or amount <= 0:
        return None
    stmt = select(StatementLine).where(StatementLine.creditor_id == invoice.creditor_id,
                                       StatementLine.status.in_(OPEN), StatementLine.amount == amount)
    if paid_on is not None:
        stmt = stmt.where(StatementLine.booked_on >= paid_on - timedelta(days=CLAIM_WINDOW_DAYS),
                          StatementLine.booked_on <= paid_on + timedelta(days=CLAIM_WINDOW_DAYS))
    rows = session.execute(stmt.limit(5)).scalars().all()
    ref = (reference or "").strip().upper()
    if ref:
        with_ref = [r for r in rows if ref in (r.remittance or "").upper()]
        rows = with_ref or rows
    if len(rows) != 1 or paid_on is None and not ref:
        return None  # ambiguous or too little to go on: a person reconciles it
    if paid_total(session, invoice.id) + amount > invoice.amount_due:
        return None
    line = rows[0]
    line.reason = "debtor's payment claim matches amount and date"
    line.debtor_id = invoice.debtor_id
    apply_line(session, line, [(invoice.id, amount)], decided_by="bot:claim")
    return line

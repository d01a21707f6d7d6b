"""The review queue: unsure statement lines accepted, reassigned or rejected by an agent.

Every decision goes through ``apply_payment`` (via ``apply_line``) and the audit log; a
line already decided cannot be decided again, so two agents clicking at once book once
(the status moves only by a conditional UPDATE).
"""
from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.ledger.states import StatementLineStatus
from bot.ledger.models import Invoice
from bot.ledger.repository import audit, find_invoice, paid_total
from bot.statements.importer import apply_line
from bot.statements.models import StatementLine

OPEN = (StatementLineStatus.REVIEW, StatementLineStatus.UNMATCHED)


def pending(session: Session, limit: int = 200) -> list[StatementLine]:
    """Lines waiting for a person: unsure first (by confidence), then unmatched."""
    rows = session.execute(select(StatementLine).where(StatementLine.status.in_(OPEN))
                           .order_by(StatementLine.status, StatementLine.confidence.desc(), StatementLine.id)
                           .limit(limit)).scalars().all()
    return list(rows)


def _claim(session: Session, line_id: int, to: StatementLineStatus, actor: str) -> StatementLine:
    res = session.execute(update(StatementLine).where(StatementLine.id == line_id, StatementLine.status.in_(OPEN))
                          .values(status=to, decided_by=actor[:64], decided_at=datetime.utcnow())
                          .execution_options(synchronize_session=False))
    if res.rowcount != 1:
        raise ValueError("this line was already decided")
    row = session.get(StatementLine, line_id)
    session.refresh(row)
    return row


def _allocations(row: StatementLine) -> list[tuple[int, Decimal]]:
    return [(int(a["invoice_id"]), Decimal(a["amount"])) for a in json.loads(row.allocations or "[]")]


def accept(session: Session, line_id: int, actor: str) -> StatementLine:
    """Apply the proposed allocations of a line in review."""
    row = session.get(StatementLine, line_id)
    if row is None or not _allocations(row):
        raise ValueError("nothing proposed for this line: reassign it to an invoice")
    allocations = _allocations(row)
    row = _claim(session, line_id, StatementLineStatus.APPLIED, actor)
    apply_line(session, row, allocations, decided_by=actor)
    audit(session, actor=actor, action="statement.accepted", entity="statement_line", entity_id=row.id,
          creditor_id=row.creditor_id)
    return row


def reassign(session: Session, line_id: int, invoice_number: str, actor: str, amount: str | None = None) -> StatementLine:
    """Apply a line (or ``amount`` of it) to the invoice an agent names instead."""
    row = session.get(StatementLine, line_id)
    if row is None:
        raise ValueError("unknown statement line")
    invoice = find_invoice(session, invoice_number, row.creditor_id)
    if invoice is None:
        raise ValueError("no invoice with that number")
    try:
        share = Decimal(amount.replace(",", ".")).quantize(Decimal("0.01")) if amount else Decimal(row.amount)
    except InvalidOperation as exc:
        raise ValueError("the amount is not a number") from exc
    if share <= 0 or share > Decimal(row.amount):
        raise ValueError("the amount must be positive and at most the transfer")
    _check_open(session, invoice, share)
    row = _claim(session, line_id, StatementLineStatus.APPLIED, actor)
    row.debtor_id, row.reason = invoice.debtor_id, "reassigned by agent"
    apply_line(session, row, [(invoice.id, share)], decided_by=actor)
    audit(session, actor=actor, action="statement.reassigned", entity="statement_line", entity_id=row.id,
          details={"invoice_id": invoice.id}, creditor_id=row.creditor_id)
    return row


def _check_open(session: Session, invoice: Invoice, share: Decimal) -> None:
    if paid_total(session, invoice.id) + share > invoice.amount_due:
        raise ValueError("that would pay the invoice more than it owes")


def reject(session: Session, line_id: int, actor: str, note: str = "") -> StatementLine:
    """Not a payment of ours (or a refund): keep the line, apply nothing."""
    row = _claim(session, line_id, StatementLineStatus.REJECTED, actor)
    row.reason = (f"rejected: {note}" if note else "rejected")[:200]
    audit(session, actor=actor, action="statement.rejected", entity="statement_line", entity_id=row.id,
          creditor_id=row.creditor_id)
    return row

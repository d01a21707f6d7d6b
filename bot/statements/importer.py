"""Import a bank statement: store each line once, apply sure matches, queue the rest.

Idempotent per bank transaction id: a line already stored is skipped, and each applied
allocation is a payment event ``statement:<txn>#<invoice>``, so a crash mid-file and a
re-run books nothing twice.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.ledger.states import StatementLineStatus
from bot.ledger.models import DEFAULT_CREDITOR, Debtor, Invoice, Payment
from bot.payments.apply import apply_payment
from bot.statements.lines import BankLine
from bot.statements.match import SURE, DebtorKey, Match, Matcher, OpenItem
from bot.statements.models import StatementLine
from bot.statements.read_camt import StatementError, parse_camt
from bot.statements.read_csv import read_csv_bytes, read_xlsx_file


@dataclass
class ImportReport:
    """Counts per outcome; ``unmatched`` lists the line ids nobody could place."""

    lines: int = 0
    already_imported: int = 0
    ignored: int = 0
    applied: int = 0
    review: int = 0
    unmatched_ids: list[int] = field(default_factory=list)
    applied_amount: Decimal = Decimal("0.00")


def read_statement(path: Path) -> list[BankLine]:
    """Bank lines of a camt XML, CSV or XLSX file (chosen by content, then by suffix)."""
    path = Path(path)
    data = path.read_bytes()
    if data[:2] == b"PK":
        return read_xlsx_file(path)
    head = data[:512].lstrip(b"\xef\xbb\xbf \r\n\t")
    if head.startswith(b"<"):
        return list(parse_camt(data))
    if path.suffix.lower() in (".xml",):
        raise StatementError("not a camt XML file")
    return read_csv_bytes(data)


def build_matcher(session: Session, creditor_id: str = DEFAULT_CREDITOR, sure: float = SURE) -> Matcher:
    """An index of the creditor's open invoices and debtors (two queries)."""
    paid = select(Payment.invoice_id, func.sum(Payment.amount).label("paid")).group_by(Payment.invoice_id).subquery()
    rows = session.execute(
        select(Invoice.id, Invoice.debtor_id, Invoice.invoice_number, Invoice.amount_due, Invoice.issue_date,
               Invoice.due_date, func.coalesce(paid.c.paid, 0))
        .outerjoin(paid, paid.c.invoice_id == Invoice.id)
        .where(Invoice.creditor_id == creditor_id)).all()
    items = []
    for inv_id, debtor_id, number, due, issued, due_date, paid_sum in rows:
        left = (Decimal(due) - Decimal(str(paid_sum))).quantize(Decimal("0.01"))
        if left > 0:
            items.append(OpenItem(inv_id, debtor_id, number, left, issued, due_date))
    debtors = [DebtorKey(i, n, t, r) for i, n, t, r in session.execute(
        select(Debtor.id, Debtor.name, Debtor.tax_code, Debtor.debtor_ref).where(Debtor.creditor_id == creditor_id))]
    return Matcher(items, debtors, sure)


def import_lines(session: Session, lines: Iterable[BankLine], source_file: str = "",
                 creditor_id: str = DEFAULT_CREDITOR, sure: float = SURE, matcher: Matcher | None = None) -> ImportReport:
    """Store, match and apply; the caller commits."""
    lines = list(lines)
    report = ImportReport(lines=len(lines))
    known = _known_ids(session, creditor_id, [ln.txn_id for ln in lines])
    matcher = matcher or build_matcher(session, creditor_id, sure)
    for line in lines:
        if line.txn_id in known:
            report.already_imported += 1
            continue
        known.add(line.txn_id)
        row = StatementLine(creditor_id=creditor_id, txn_id=line.txn_id[:128], source_file=source_file[:200],
                            booked_on=line.booked_on, value_on=line.value_on, amount=line.amount,
                            currency=line.currency, remittance=line.remittance[:2000],
                            counterparty=line.counterparty[:200])
        if not line.is_credit or line.currency != "EUR":
            row.status, row.reason = StatementLineStatus.IGNORED, "debit" if not line.is_credit else "currency"
            report.ignored += 1
            session.add(row)
            continue
        match = matcher.match(line)
        _record(row, match)
        session.add(row)
        session.flush()
        if match.status == "sure":
            apply_line(session, row, match.allocations, matcher)
            report.applied += 1
            report.applied_amount += sum((a for _, a in match.allocations), Decimal("0.00"))
        elif match.status == "review":
            report.review += 1
        else:
            report.unmatched_ids.append(row.id)
    return report


def _record(row: StatementLine, match: Match) -> None:
    row.status = StatementLineStatus.REVIEW if match.status == "sure" else StatementLineStatus(match.status)  # "applied" once booked
    row.confidence, row.reason, row.debtor_id = match.confidence, match.reason[:200], match.debtor_id
    row.allocations = json.dumps([{"invoice_id": i, "amount": str(a)} for i, a in match.allocations])


def apply_line(session: Session, row: StatementLine, allocations: Iterable[tuple[int, Decimal]],
               matcher: Matcher | None = None, decided_by: str | None = None) -> None:
    """Book a line's allocations through ``apply_payment`` and mark it applied."""
    allocations = list(allocations)
    for invoice_id, amount in allocations:
        apply_payment(session, source="statement", event_id=f"{row.txn_id}#{invoice_id}", invoice_id=invoice_id,
                      amount=amount, paid_on=row.value_on or row.booked_on, reference=f"bank:{row.txn_id}"[:128])
        if matcher is not None:
            matcher.consume(invoice_id, amount)
    row.allocations = json.dumps([{"invoice_id": i, "amount": str(a)} for i, a in allocations])
    row.status = StatementLineStatus.APPLIED
    if decided_by:
        row.decided_by, row.decided_at = decided_by, datetime.utcnow()


def _known_ids(session: Session, creditor_id: str, ids: list[str]) -> set[str]:
    known: set[str] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        known |= set(session.execute(select(StatementLine.txn_id).where(
            StatementLine.creditor_id == creditor_id, StatementLine.txn_id.in_(chunk))).scalars())
    return known


def import_statement(session: Session, path: Path, creditor_id: str = DEFAULT_CREDITOR,
                     sure: float = SURE) -> ImportReport:
    """Read a statement file and import it; the caller commits."""
    return import_lines(session, read_statement(path), Path(path).name, creditor_id, sure)

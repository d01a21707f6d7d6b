"""Ledger import from CSV or XLSX: ``python -m bot import-ledger invoices.csv --payments payments.csv``.

The rules a credit manager can rely on:

* Every row and column is checked and *all* problems are reported together, each as
  ``FILE:LINE: column COL: what is wrong`` (LINE counts the header as 1; for a workbook
  FILE is ``ledger.xlsx[sheet]`` and LINE the sheet row). Any problem → nothing is written.
* Re-importing the same file changes nothing. A changed amount, date, name or contact
  detail updates the row and leaves an ``AuditLog`` entry; a blank phone, e-mail or
  language cell never erases what the ledger already holds.
* Payments are matched by (invoice, date, amount, reference). One that takes an invoice
  above its amount due is imported with a warning (the money *was* received).

Validation lives in :mod:`import_fields` (one cell) and :mod:`import_rows` (rows and
files), writing in :mod:`import_apply`; this module wires files to them.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, Iterable, Mapping

from sqlalchemy.orm import Session

from bot.ledger.import_apply import ImportSummary, LedgerImportError, apply_ledger
from bot.ledger.import_read import Table, UnreadableFile, has_sheet, is_workbook, read_csv, read_sheet
from bot.ledger.import_rows import (
    INVOICE_COLUMNS, PAYMENT_COLUMNS, ParsedLedger, Where, parse_invoices, parse_payments,
)
from bot.ledger.models import DEFAULT_CREDITOR

__all__ = ["ImportSummary", "LedgerImportError", "import_ledger", "import_records", "read_tables"]


def _read(path: Path, sheet: str, columns: tuple[str, ...]) -> Table:
    if path.suffix.lower() == ".xls":
        raise UnreadableFile(f"{path.name}: the old .xls format is not supported; save it as .xlsx or CSV UTF-8")
    table = read_sheet(path, sheet) if is_workbook(path) else read_csv(path)
    if table is None:
        raise UnreadableFile(f"{path.name}:1: the file is empty; the first line must be the header: {','.join(columns)}")
    return table


def read_tables(invoices: Path, payments: Path | None = None) -> tuple[Table, Table | None]:
    """The invoices table and the payments table, if any (a workbook may hold both sheets)."""
    problems: list[str] = []
    invoice_table: Table | None = None
    payment_table: Table | None = None
    try:
        invoice_table = _read(invoices, "invoices", INVOICE_COLUMNS)
    except UnreadableFile as exc:
        problems.append(str(exc))
    try:
        if payments is not None:
            payment_table = _read(payments, "payments", PAYMENT_COLUMNS)
        elif is_workbook(invoices) and invoice_table is not None and has_sheet(invoices, "payments"):
            payment_table = read_sheet(invoices, "payments")  # blank sheet: no payments
    except UnreadableFile as exc:
        problems.append(str(exc))
    if problems or invoice_table is None:
        raise LedgerImportError(problems)
    return invoice_table, payment_table


def _import_tables(session: Session, invoices: Table, payments: Table | None, creditor_id: str,
                   today: date, actor: str = "import") -> ImportSummary:
    ledger = ParsedLedger()
    for order, table in enumerate((invoices, payments)):
        if table is not None and not table.rows:
            ledger.issues.warn(Where(table.source, table.header_line, order), None,
                               "no rows after the header; nothing to import from it")
    parse_invoices(invoices, ledger, order=0)
    if payments is not None:
        parse_payments(payments, ledger, today, order=1)
    return apply_ledger(session, ledger, creditor_id, actor)


def import_ledger(session: Session, invoices: str | Path, payments: str | Path | None = None,
                  creditor_id: str = DEFAULT_CREDITOR, today: date | None = None) -> ImportSummary:
    """Validate and write one ledger import in ``session`` (the caller commits).

    Raises :class:`LedgerImportError` listing every problem; then nothing has been written.
    """
    invoice_table, payment_table = read_tables(Path(invoices), Path(payments) if payments else None)
    return _import_tables(session, invoice_table, payment_table, creditor_id, today or date.today())


def _table(source: str, columns: tuple[str, ...], rows: Iterable[Mapping[str, Any]]) -> Table:
    table = Table(source, list(columns), 1)
    table.rows = [(line, [row.get(c) for c in columns]) for line, row in enumerate(rows, start=2)]
    return table


def import_records(session: Session, invoices: Iterable[Mapping[str, Any]],
                   payments: Iterable[Mapping[str, Any]] = (), creditor_id: str = DEFAULT_CREDITOR,
                   today: date | None = None, source: str = "records", actor: str = "import") -> ImportSummary:
    """The same import from in-memory rows (column name → value), e.g. the demo ledger."""
    invoice_table = _table(f"{source}[invoices]", INVOICE_COLUMNS, invoices)
    payment_table = _table(f"{source}[payments]", PAYMENT_COLUMNS, payments)
    if not payment_table.rows:
        payment_table = None
    return _import_tables(session, invoice_table, payment_table, creditor_id, today or date.today(), actor)

"""Ledger import from CSV, XLSX or FatturaPA e-invoices:
``python -m bot import-ledger invoices.csv --payments payments.csv``.

The rules a credit manager can rely on:

* Every row and column is checked and *all* problems are reported together, each as
  ``FILE:LINE: column COL: what is wrong`` (LINE counts the header as 1; for a workbook
  FILE is ``ledger.xlsx[sheet]`` and LINE the sheet row). Any problem → nothing is written.
* Re-importing the same file changes nothing. A changed amount, date, name or contact
  detail updates the row and leaves an ``AuditLog`` entry; a blank phone, e-mail or
  language cell never erases what the ledger already holds.
* Payments are matched by (invoice, date, amount, reference). One that takes an invoice
  above its amount due is imported with a warning (the money *was* received).

* What an Italian Excel writes (``;``, "1.240,50", dd/mm/yyyy, Windows-1252, Italian column
  names) is recognised per file, or forced with ``locale="it"``; a file that could be read
  two ways is refused (:mod:`import_locale`).
* ``invoices`` may instead be e-invoices: an ``.xml`` / ``.xml.p7m``, a folder or a ``.zip``
  of them (:mod:`bot.ledger.fatturapa`); several due dates become instalments of one invoice.

Validation lives in :mod:`import_fields` (one cell) and :mod:`import_rows` (rows and
files), writing in :mod:`import_apply`; this module wires files to them.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, Iterable, Mapping

from sqlalchemy.orm import Session

from bot.ledger.fatturapa import is_einvoice_source, parse_einvoices
from bot.ledger.import_apply import ImportSummary, LedgerImportError, apply_ledger
from bot.ledger.import_locale import LOCALES
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


def _import_tables(session: Session, invoices: Table | None, payments: Table | None, creditor_id: str,
                   today: date, actor: str = "import", locale: str = "auto",
                   ledger: ParsedLedger | None = None) -> ImportSummary:
    ledger = ledger or ParsedLedger()
    for order, table in enumerate((invoices, payments)):
        if table is not None and not table.rows:
            ledger.issues.warn(Where(table.source, table.header_line, order), None,
                               "no rows after the header; nothing to import from it")
    if invoices is not None:
        parse_invoices(invoices, ledger, order=0, locale=locale)
    if payments is not None:
        parse_payments(payments, ledger, today, order=1, locale=locale)
    return apply_ledger(session, ledger, creditor_id, actor)


def _import_einvoices(session: Session, source: Path, payments: Path | None, creditor_id: str, today: date,
                      locale: str) -> ImportSummary:
    ledger = ParsedLedger()
    problems: list[str] = []
    try:
        parse_einvoices(source, ledger, order=0)
    except UnreadableFile as exc:
        problems.append(str(exc))
    payment_table = None
    if payments is not None:
        try:
            payment_table = _read(payments, "payments", PAYMENT_COLUMNS)
        except UnreadableFile as exc:
            problems.append(str(exc))
    if problems:
        raise LedgerImportError(problems)
    return _import_tables(session, None, payment_table, creditor_id, today, locale=locale, ledger=ledger)


def import_ledger(session: Session, invoices: str | Path, payments: str | Path | None = None,
                  creditor_id: str = DEFAULT_CREDITOR, today: date | None = None,
                  locale: str = "auto") -> ImportSummary:
    """Validate and write one ledger import in ``session`` (the caller commits).

    ``locale``: ``auto`` (decided per file), ``it`` or ``standard`` for the spreadsheets.
    Raises :class:`LedgerImportError` listing every problem; then nothing has been written.
    """
    if locale not in LOCALES:
        raise ValueError(f"locale must be one of {', '.join(LOCALES)}, got {locale!r}")
    source = Path(invoices)
    pay_path = Path(payments) if payments else None
    if is_einvoice_source(source):
        return _import_einvoices(session, source, pay_path, creditor_id, today or date.today(), locale)
    invoice_table, payment_table = read_tables(source, pay_path)
    return _import_tables(session, invoice_table, payment_table, creditor_id, today or date.today(),
                          locale=locale)


def _table(source: str, columns: tuple[str, ...], rows: Iterable[Mapping[str, Any]]) -> Table:
    table = Table(source, list(columns), 1)
    table.rows = [(line, [row.get(c) for c in columns]) for line, row in enumerate(rows, start=2)]
    return table


def import_records(session: Session, invoices: Iterable[Mapping[str, Any]],
                   payments: Iterable[Mapping[str, Any]] = (), creditor_id: str = DEFAULT_CREDITOR,
                   today: date | None = None, source: str = "records", actor: str = "import") -> ImportSummary:
    """The same import from in-memory rows (column name → value), e.g. the demo ledger."""
    invoice_table = _table(f"{source}[invoices]", INVOICE_COLUMNS, invoices)
    payments_read = _table(f"{source}[payments]", PAYMENT_COLUMNS, payments)
    payment_table = payments_read if payments_read.rows else None
    return _import_tables(session, invoice_table, payment_table, creditor_id, today or date.today(), actor)

"""Validating ledger rows: every row, every column, all problems collected.

Pure: no database. The result is a set of typed records keyed the way the database is
(debtor_ref, invoice lookup key) plus the list of problems, each naming file, line and column.
Checks that need the database (payments on invoices already there, identity conflicts) are
in :mod:`bot.ledger.import_apply`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Callable, cast

from bot.ledger import import_fields as fields
from bot.ledger.import_fields import FieldError
from bot.ledger.import_locale import (
    INVOICE_ALIASES, PAYMENT_ALIASES, STANDARD, Formats, choose_formats, translate_header,
)
from bot.ledger.import_read import Table
from bot.ledger.repository import invoice_key
from bot.privacy import mask_tax_code

INVOICE_COLUMNS = ("debtor_ref", "name", "tax_code", "phone", "email", "language", "invoice_number",
                   "issue_date", "due_date", "amount_due", "currency")
# Contact details, language and currency have defaults, so their columns may be left out;
# without a debtor_ref column the tax code identifies the debtor (see DebtorRecord).
INVOICE_OPTIONAL = frozenset({"debtor_ref", "phone", "email", "language", "currency"})
DEBTOR_COLUMNS = ("debtor_ref", "name", "tax_code", "phone", "email", "language")
PAYMENT_COLUMNS = ("invoice_number", "paid_on", "amount", "reference")
PAYMENT_OPTIONAL = frozenset({"reference"})
_BAD = object()  # a cell that failed; its error is already recorded


@dataclass(frozen=True)
class Where:
    source: str
    line: int
    order: int = 0  # which file: messages come out file by file, line by line

    def __str__(self) -> str:
        # Line 0: the file as a whole (an e-invoice names the element in the message instead).
        return f"{self.source}:{self.line}" if self.line else self.source


@dataclass
class Issues:
    errors: list[tuple[Where, str]] = field(default_factory=list)
    warnings: list[tuple[Where, str]] = field(default_factory=list)

    def error(self, where: Where, column: str | None, message: str) -> None:
        self.errors.append((where, _format(where, column, message)))

    def warn(self, where: Where, column: str | None, message: str) -> None:
        self.warnings.append((where, _format(where, column, message)))

    def error_messages(self) -> list[str]:
        return [m for _, m in sorted(self.errors, key=lambda item: (item[0].order, item[0].line))]

    def warning_messages(self) -> list[str]:
        return [m for _, m in sorted(self.warnings, key=lambda item: (item[0].order, item[0].line))]


def _format(where: Where, column: str | None, message: str) -> str:
    return f"{where}: column {column}: {message}" if column else f"{where}: {message}"


@dataclass
class DebtorRecord:
    debtor_ref: str
    name: str
    tax_code: str
    kind: str
    phone: str | None
    email: str | None
    language: str | None  # None: not given in the file
    where: Where
    # No debtor_ref in the file (an e-invoice, a sheet without a customer code): the ref is
    # the tax code, or the ref of the one debtor the ledger already holds with that code.
    ref_from_tax_code: bool = False


@dataclass
class InvoiceRecord:
    debtor_ref: str
    invoice_number: str
    number_key: str
    issue_date: date
    due_date: date
    amount_due: Decimal
    currency: str
    where: Where
    # Due dates and amounts when the invoice is paid in several instalments (an e-invoice's
    # DettaglioPagamento); empty for one due date. They sum to amount_due.
    instalments: tuple[tuple[date, Decimal], ...] = ()


@dataclass
class PaymentRecord:
    number_key: str
    invoice_number: str
    paid_on: date
    amount: Decimal
    reference: str
    where: Where


@dataclass
class ParsedLedger:
    issues: Issues = field(default_factory=Issues)
    debtors: dict[str, DebtorRecord] = field(default_factory=dict)
    invoices: dict[str, InvoiceRecord] = field(default_factory=dict)
    payments: list[PaymentRecord] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    # Every invoice key in the file, bad rows included: a payment on a bad row is not "unknown".
    seen_keys: set[str] = field(default_factory=set)


class _Row:
    """One row being read: fetches cells by column name and records field errors."""

    def __init__(self, cells: list[Any], columns: dict[str, int], where: Where, issues: Issues,
                 table: Table | None = None) -> None:
        self.cells, self.columns, self.where, self.issues = cells, columns, where, issues
        self.table = table
        self.ok = True

    def label(self, column: str) -> str:
        return self.table.label(column) if self.table is not None else column

    def raw(self, column: str) -> Any:
        index = self.columns.get(column)
        return self.cells[index] if index is not None and index < len(self.cells) else None

    def get(self, column: str, parser: Callable[..., Any], *args: Any) -> Any:
        try:
            return parser(self.raw(column), *args)
        except FieldError as exc:
            self.issues.error(self.where, self.label(column), str(exc))
            self.ok = False
            return _BAD


def check_header(table: Table, expected: tuple[str, ...], optional: frozenset[str], issues: Issues,
                 order: int) -> dict[str, int] | None:
    """Column name → position; ``None`` when the header is unusable (problems recorded)."""
    where = Where(table.source, table.header_line, order)
    columns: dict[str, int] = {}
    usable = True
    for position, name in enumerate(table.header):
        key = name.strip().lower()
        if not key:
            continue  # an unnamed column is fine while it stays empty (checked per row)
        if key in columns:
            issues.error(where, key, "appears twice in the header")
            usable = False
        elif key not in expected:
            issues.error(where, name, f"unknown column (expected: {', '.join(expected)})")
            usable = False
        columns[key] = position
    for name in expected:
        if name not in columns and name not in optional:
            issues.error(where, name, "required column is missing from the header")
            usable = False
    return columns if usable else None


def _shape_ok(table: Table, line: int, cells: list[Any], columns: dict[str, int], issues: Issues, order: int) -> bool:
    """CSV rows must have as many values as the header; unnamed columns must stay empty."""
    where = Where(table.source, line, order)
    width = len(table.header)
    extra = len(cells) > width and any(fields.as_text(c) for c in cells[width:])
    if (table.fixed_width and len(cells) < width) or extra:
        issues.error(where, None, f"the row has {len(cells)} values but the header has {width} columns")
        return False
    if len(columns) == width:
        return True  # every column has a name: nothing more to check
    named = set(columns.values())
    for position, cell in enumerate(cells[:width]):
        if position not in named and fields.as_text(cell):
            issues.error(where, f"#{position + 1}", f"has a value but no column name in the header: {fields.shown(cell)}")
            return False
    return True


def _formats(table: Table, columns: dict[str, int], amounts: tuple[str, ...], dates: tuple[str, ...],
             locale: str, italian_header: bool, issues: Issues, order: int) -> Formats | None:
    chosen = choose_formats(table, columns, amounts, dates, locale, italian_header)
    if isinstance(chosen, str):
        issues.error(Where(table.source, table.header_line, order), None, f"refused as ambiguous: {chosen}")
        return None
    return chosen


def parse_invoices(table: Table, ledger: ParsedLedger, order: int = 0, locale: str = "auto") -> None:
    """Add the table's valid debtors and invoices to ``ledger``; every problem goes to ``ledger.issues``."""
    ledger.sources.append(table.source)
    italian = translate_header(table, INVOICE_ALIASES, INVOICE_COLUMNS).italian
    columns = check_header(table, INVOICE_COLUMNS, INVOICE_OPTIONAL, ledger.issues, order)
    if columns is None:
        return
    formats = _formats(table, columns, ("amount_due",), ("issue_date", "due_date"), locale, italian,
                       ledger.issues, order)
    if formats is None:
        return
    first_line: dict[str, int] = {}
    # A debtor's cells repeat on each of their invoices: identical cells already accepted
    # need neither parsing nor merging again (a large share of the work on big files).
    accepted: dict[tuple[Any, ...], DebtorRecord] = {}
    for line, cells in table.rows:
        if not _shape_ok(table, line, cells, columns, ledger.issues, order):
            continue
        row = _Row(cells, columns, Where(table.source, line, order), ledger.issues, table)
        same_as = tuple(row.raw(c) for c in DEBTOR_COLUMNS)
        debtor = accepted.get(same_as)
        if debtor is None:
            debtor = _debtor(row)
            if debtor is not None:
                merge_debtor(ledger, debtor)
                if ledger.debtors.get(debtor.debtor_ref) is debtor:
                    accepted[same_as] = debtor
        invoice = _invoice(row, debtor.debtor_ref if debtor else "", formats)
        number = row.raw("invoice_number")
        if number is not None:
            ledger.seen_keys.add(invoice_key(fields.as_text(number)))
        if invoice is not None:
            if invoice.number_key in first_line:
                ledger.issues.error(row.where, row.label("invoice_number"),
                                    f"{fields.shown(invoice.invoice_number)} appears twice: also on line "
                                    f"{first_line[invoice.number_key]} (case and spaces are ignored)")
            else:
                first_line[invoice.number_key] = line
                if debtor is not None:
                    ledger.invoices[invoice.number_key] = invoice


def _debtor(row: _Row) -> DebtorRecord | None:
    by_code = "debtor_ref" not in row.columns
    ref = None if by_code else row.get("debtor_ref", fields.text, 64)
    name = row.get("name", fields.text, 200)
    tax = row.get("tax_code", fields.tax_code)
    phone = row.get("phone", fields.phone)
    email = row.get("email", fields.email)
    language = row.get("language", fields.language)
    if _BAD in (ref, name, tax, phone, email, language):
        return None
    # A present debtor_ref column is required, so ``ref`` is a string here.
    return DebtorRecord(cast(str, tax[0] if by_code else ref), " ".join(name.split()), tax[0], tax[1], phone, email, language,
                        row.where, ref_from_tax_code=by_code)


def _invoice(row: _Row, debtor_ref: str, formats: Formats = STANDARD) -> InvoiceRecord | None:
    number = row.get("invoice_number", fields.text, 64)
    issued = row.get("issue_date", formats.date)
    due = row.get("due_date", formats.date)
    amount = row.get("amount_due", formats.amount)
    currency = row.get("currency", fields.currency)
    if _BAD not in (issued, due) and due < issued:
        row.issues.error(row.where, row.label("due_date"),
                         f"{due.isoformat()} is before {row.label('issue_date')} {issued.isoformat()}")
        return None
    if _BAD in (number, issued, due, amount, currency):
        return None
    return InvoiceRecord(debtor_ref, number, invoice_key(number), issued, due, amount, currency, row.where)


def merge_debtor(ledger: ParsedLedger, new: DebtorRecord) -> None:
    """One debtor_ref, one identity: name and tax code must agree; contact details must not clash.

    When the tax code is the identity (no debtor_ref in the file), a differently spelt name or
    another e-mail on a later document is only a warning: the first one is kept.
    """
    known = ledger.debtors.get(new.debtor_ref)
    if known is None:
        ledger.debtors[new.debtor_ref] = new
        return
    issues, where = ledger.issues, new.where
    lenient = new.ref_from_tax_code
    ref = f"tax code {mask_tax_code(new.tax_code)!r}" if lenient else f"debtor_ref {fields.shown(new.debtor_ref)}"
    first = f"line {known.where.line}" if known.where.source == where.source else str(known.where)
    report = issues.warn if lenient else issues.error
    kept = "; the first is kept" if lenient else ""
    if new.name != known.name:
        report(where, "name", f"{fields.shown(new.name)} differs from {fields.shown(known.name)} "
                              f"given for {ref} on {first}{kept}")
    if new.tax_code != known.tax_code:
        issues.error(where, "tax_code", f"{mask_tax_code(new.tax_code)!r} differs from "
                                        f"{mask_tax_code(known.tax_code)!r} given for {ref} on {first}")
    for column in ("phone", "email", "language"):
        mine, theirs = getattr(new, column), getattr(known, column)
        if mine and theirs and mine != theirs:
            report(where, column, f"differs from the value given for {ref} on {first}{kept}")
        elif mine and not theirs:
            setattr(known, column, mine)  # a blank cell on an earlier row: take this one


def parse_payments(table: Table, ledger: ParsedLedger, today: date, order: int = 1, locale: str = "auto") -> None:
    """Add the table's valid payments to ``ledger``; future dates and duplicates go to ``ledger.issues``."""
    ledger.sources.append(table.source)
    italian = translate_header(table, PAYMENT_ALIASES, PAYMENT_COLUMNS).italian
    columns = check_header(table, PAYMENT_COLUMNS, PAYMENT_OPTIONAL, ledger.issues, order)
    if columns is None:
        return
    formats = _formats(table, columns, ("amount",), ("paid_on",), locale, italian, ledger.issues, order)
    if formats is None:
        return
    first_line: dict[tuple[str, date, Decimal, str], int] = {}
    for line, cells in table.rows:
        if not _shape_ok(table, line, cells, columns, ledger.issues, order):
            continue
        row = _Row(cells, columns, Where(table.source, line, order), ledger.issues, table)
        number = row.get("invoice_number", fields.text, 64)
        paid_on = row.get("paid_on", formats.date)
        amount = row.get("amount", formats.amount)
        reference = row.get("reference", fields.text, 128, False)
        if paid_on is not _BAD and paid_on > today:
            row.issues.error(row.where, row.label("paid_on"), f"{paid_on.isoformat()} is in the future")
            continue
        if not row.ok:
            continue
        payment = PaymentRecord(invoice_key(number), number, paid_on, amount, reference, row.where)
        identity = (payment.number_key, paid_on, amount, reference)
        if identity in first_line:
            row.issues.error(row.where, None, f"the same payment as line {first_line[identity]} (same invoice, "
                                              "date, amount and reference); give each a distinct reference")
            continue
        first_line[identity] = line
        ledger.payments.append(payment)

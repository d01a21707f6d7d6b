"""Writing validated ledger records: compare with the database, then bulk insert/update.

Everything here runs inside the caller's transaction. The comparison happens first and
may still find problems (a payment on an unknown invoice, a tax code that would change);
nothing is written unless it finds none. Writes are batched Core statements, not ORM
objects, so 100,000 rows take seconds: existing keys are preloaded in a few queries and
only new or changed rows are sent.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Iterable, Sequence

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from bot.ledger.db import chunks
from bot.ledger.import_fields import shown
from bot.ledger.import_rows import InvoiceRecord, ParsedLedger
from bot.ledger.instalments import InvoiceInstalment
from bot.ledger.models import AuditLog, Debtor, Invoice, Payment
from bot.logs import mask_text
from bot.privacy import mask_tax_code

CHUNK = 500  # keys per IN (...) query: well under SQLite's and PostgreSQL's parameter limits
BATCH = 5000  # rows per executemany
DEBTOR_FIELDS = ("name", "phone", "email", "language")
INVOICE_FIELDS = ("invoice_number", "issue_date", "due_date", "amount_due", "currency")


class LedgerImportError(ValueError):
    """The import was refused; ``errors`` lists every problem found, nothing was written."""

    def __init__(self, errors: Sequence[str]) -> None:
        self.errors = list(errors)
        super().__init__(f"{len(self.errors)} problem(s) found; nothing was imported")


@dataclass
class ImportSummary:
    debtors_created: int = 0
    debtors_updated: int = 0
    debtors_unchanged: int = 0
    invoices_created: int = 0
    invoices_updated: int = 0
    invoices_unchanged: int = 0
    payments_created: int = 0
    payments_unchanged: int = 0
    reminders_skipped: int = 0
    instalments_written: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any((self.debtors_created, self.debtors_updated, self.invoices_created,
                    self.invoices_updated, self.payments_created, self.instalments_written))

    def as_dict(self) -> dict[str, int]:
        return {k: v for k, v in self.__dict__.items() if isinstance(v, int)}


@dataclass
class _Run:
    """What every write step of one import shares."""

    session: Session
    creditor_id: str
    actor: str
    now: datetime
    summary: ImportSummary = field(default_factory=ImportSummary)
    audit: list[dict[str, Any]] = field(default_factory=list)
    invoice_ids: dict[str, int] = field(default_factory=dict)  # number_key → id, once invoices are written

    def log(self, action: str, entity: str | None, entity_id: int | None, details: dict[str, Any]) -> None:
        self.audit.append({
            "creditor_id": self.creditor_id, "actor": self.actor, "action": action, "entity": entity,
            "entity_id": None if entity_id is None else str(entity_id), "created_at": self.now,
            "details": json.dumps(details, ensure_ascii=False, default=str)})


def _load(session: Session, columns: Sequence[Any], key: Any, values: Iterable[Any], *where: Any) -> list[Any]:
    values = sorted(set(values))
    rows: list[Any] = []
    for chunk in chunks(values, CHUNK):
        rows.extend(session.execute(select(*columns).where(key.in_(chunk), *where)).all())
    return rows


def _refs_by_tax_code(session: Session, ledger: ParsedLedger, creditor_id: str) -> None:
    """Debtors identified by tax code only take the ref of the one ledger debtor with that code."""
    by_code = {rec.tax_code: ref for ref, rec in ledger.debtors.items() if rec.ref_from_tax_code}
    if not by_code:
        return
    d = Debtor.__table__.c
    found: dict[str, list[str]] = {}
    for row in _load(session, [d.debtor_ref, d.tax_code], d.tax_code, by_code, d.creditor_id == creditor_id):
        found.setdefault(row.tax_code, []).append(row.debtor_ref)
    renamed: dict[str, str] = {}
    for code, ref in by_code.items():
        refs = sorted(found.get(code, []))
        if len(refs) > 1:
            ledger.issues.error(ledger.debtors[ref].where, "tax_code",
                                f"the ledger holds {len(refs)} debtors with tax code {mask_tax_code(code)!r} "
                                f"({', '.join(map(shown, refs))}); say which one with a debtor_ref column")
        elif refs and refs[0] != ref:
            if refs[0] in ledger.debtors:
                continue  # that ref is also in this file under its own code: the tax-code check reports it
            renamed[ref] = refs[0]
    for old, new in renamed.items():
        record = ledger.debtors.pop(old)
        record.debtor_ref = new
        ledger.debtors[new] = record
    for invoice in ledger.invoices.values():
        invoice.debtor_ref = renamed.get(invoice.debtor_ref, invoice.debtor_ref)


def apply_ledger(session: Session, ledger: ParsedLedger, creditor_id: str, actor: str = "import") -> ImportSummary:
    """Write ``ledger`` (already free of row errors) or raise :class:`LedgerImportError`."""
    issues = ledger.issues
    _refs_by_tax_code(session, ledger, creditor_id)
    d = Debtor.__table__.c
    old_debtors = {r.debtor_ref: r for r in _load(
        session, [d.id, d.debtor_ref, d.name, d.tax_code, d.phone, d.email, d.language],
        d.debtor_ref, ledger.debtors, d.creditor_id == creditor_id)}
    i = Invoice.__table__.c
    wanted_keys = set(ledger.invoices) | {p.number_key for p in ledger.payments}
    old_invoices = {r.number_key: r for r in _load(
        session, [i.id, i.debtor_id, i.number_key, *(i[f] for f in INVOICE_FIELDS)],
        i.number_key, wanted_keys, i.creditor_id == creditor_id)}

    for ref, debtor in ledger.debtors.items():
        old = old_debtors.get(ref)
        if old is not None and old.tax_code != debtor.tax_code:
            issues.error(debtor.where, "tax_code",
                         f"{mask_tax_code(debtor.tax_code)!r} differs from the tax code already in the ledger for "
                         f"debtor_ref {shown(ref)}; a tax code cannot be changed by an import")
    for key, invoice in ledger.invoices.items():
        old_inv = old_invoices.get(key)
        owner = old_debtors.get(invoice.debtor_ref)
        if old_inv is not None and (owner is None or owner.id != old_inv.debtor_id):
            issues.error(invoice.where, "debtor_ref",
                         f"invoice {shown(invoice.invoice_number)} is already in the ledger under another "
                         f"debtor_ref; it cannot be moved to {shown(invoice.debtor_ref)}")
    for payment in ledger.payments:
        if payment.number_key not in ledger.seen_keys and payment.number_key not in old_invoices:
            issues.error(payment.where, "invoice_number",
                         f"no invoice {shown(payment.invoice_number)} in the invoices file or in the ledger")
    if issues.errors:
        raise LedgerImportError(issues.error_messages())

    run = _Run(session, creditor_id, actor, datetime.utcnow())
    debtor_ids = _write_debtors(run, ledger, old_debtors)
    invoice_ids = _write_invoices(run, ledger, old_invoices, debtor_ids)
    _write_instalments(run, ledger, old_invoices)
    _write_payments(run, ledger, old_invoices, invoice_ids)
    summary = run.summary
    summary.warnings = issues.warning_messages()
    if summary.changed:
        run.log("import.completed", None, None, {
            "sources": ledger.sources,
            "debtors": {"created": summary.debtors_created, "updated": summary.debtors_updated},
            "invoices": {"created": summary.invoices_created, "updated": summary.invoices_updated},
            "payments": {"created": summary.payments_created},
        })
    for batch in chunks(run.audit, BATCH):
        session.execute(insert(AuditLog), list(batch))
    return summary


def _private(column: str, value: Any) -> Any:
    """Audit details keep who changed what, never a full phone number or e-mail address."""
    if value is None:
        return None
    if column == "phone":
        return mask_text(str(value))
    if column == "email":
        local, _, domain = str(value).partition("@")
        return f"{local[:1]}***@{domain}"
    return str(value)


def _bulk_update(session: Session, table: Any, fields: Sequence[str], rows: list[dict[str, Any]]) -> None:
    # Prefixed bind names: SQLAlchemy reserves the bare column names in UPDATE … SET.
    stmt = (update(table).where(table.c.id == bindparam("b_id"))
            .values({f: bindparam(f"b_{f}") for f in (*fields, "updated_at")}))
    for batch in chunks(rows, BATCH):
        session.execute(stmt, [{f"b_{k}": v for k, v in row.items()} for row in batch])


def _write_debtors(run: _Run, ledger: ParsedLedger, old_debtors: dict[str, Any]) -> dict[str, int]:
    session, creditor_id, now, summary = run.session, run.creditor_id, run.now, run.summary
    new_rows, updates = [], []
    for ref, rec in ledger.debtors.items():
        old = old_debtors.get(ref)
        if old is None:
            new_rows.append({"creditor_id": creditor_id, "debtor_ref": ref, "name": rec.name,
                             "tax_code": rec.tax_code, "kind": rec.kind, "phone": rec.phone, "email": rec.email,
                             "language": rec.language or "it", "vulnerable": False,
                             "created_at": now, "updated_at": now})
            continue
        # A blank phone/e-mail/language means "not given", never "erase what we know".
        target = {f: getattr(rec, f) if getattr(rec, f) is not None else getattr(old, f) for f in DEBTOR_FIELDS}
        changes = {f: {"old": _private(f, getattr(old, f)), "new": _private(f, target[f])}
                   for f in DEBTOR_FIELDS if target[f] != getattr(old, f)}
        if not changes:
            summary.debtors_unchanged += 1
            continue
        updates.append({"id": old.id, **target, "updated_at": now})
        run.log("debtor.updated", "debtor", old.id, {"debtor_ref": ref, "changes": changes})
    for batch in chunks(new_rows, BATCH):
        session.execute(insert(Debtor), list(batch))
    _bulk_update(session, Debtor.__table__, DEBTOR_FIELDS, updates)
    summary.debtors_created, summary.debtors_updated = len(new_rows), len(updates)
    ids = {ref: row.id for ref, row in old_debtors.items()}
    d = Debtor.__table__.c
    ids.update({r.debtor_ref: r.id for r in _load(session, [d.id, d.debtor_ref], d.debtor_ref,
                                                  [r["debtor_ref"] for r in new_rows], d.creditor_id == creditor_id)})
    return ids


def _invoice_values(rec: InvoiceRecord) -> dict[str, Any]:
    return {f: getattr(rec, f) for f in INVOICE_FIELDS}


def _write_invoices(run: _Run, ledger: ParsedLedger, old_invoices: dict[str, Any],
                    debtor_ids: dict[str, int]) -> dict[str, int]:
    session, creditor_id, now, summary = run.session, run.creditor_id, run.now, run.summary
    new_rows, updates = [], []
    for key, rec in ledger.invoices.items():
        old = old_invoices.get(key)
        values = _invoice_values(rec)
        if old is None:
            new_rows.append({"creditor_id": creditor_id, "debtor_id": debtor_ids[rec.debtor_ref], "number_key": key,
                             **values, "created_at": now, "updated_at": now})
            continue
        changes = {f: {"old": str(getattr(old, f)), "new": str(values[f])}
                   for f in INVOICE_FIELDS if values[f] != getattr(old, f)}
        if not changes:
            summary.invoices_unchanged += 1
            continue
        updates.append({"id": old.id, **values, "updated_at": now})
        run.log("invoice.updated", "invoice", old.id, {"invoice_number": rec.invoice_number, "changes": changes})
    for batch in chunks(new_rows, BATCH):
        session.execute(insert(Invoice), list(batch))
    _bulk_update(session, Invoice.__table__, INVOICE_FIELDS, updates)
    summary.invoices_created, summary.invoices_updated = len(new_rows), len(updates)
    ids = {key: row.id for key, row in old_invoices.items()}
    needed = ({p.number_key for p in ledger.payments} | set(ledger.invoices)) - set(ids)
    i = Invoice.__table__.c
    ids.update({r.number_key: r.id for r in _load(session, [i.id, i.number_key], i.number_key, needed,
                                                  i.creditor_id == creditor_id)})
    run.invoice_ids = ids
    return ids


def _write_instalments(run: _Run, ledger: ParsedLedger, old_invoices: dict[str, Any]) -> None:
    """An invoice's due dates as the file gives them: several (e-invoice) replace what the ledger
    holds; a file with one due date clears old instalments only when that invoice changed."""
    session, ids = run.session, run.invoice_ids
    c = InvoiceInstalment.__table__.c
    wanted = [ids[k] for k in ledger.invoices if k in ids]
    held: dict[int, list[tuple[Any, Decimal]]] = {}
    for row in sorted(_load(session, [c.invoice_id, c.number, c.due_date, c.amount], c.invoice_id, wanted),
                      key=lambda r: (r.invoice_id, r.number)):
        held.setdefault(row.invoice_id, []).append((row.due_date, Decimal(row.amount)))
    new_rows: list[Any] = []
    cleared: list[Any] = []
    for key, rec in ledger.invoices.items():
        invoice_id = ids[key]
        old = held.get(invoice_id, [])
        target = list(rec.instalments)
        if target == old:
            continue
        if not target:
            before = old_invoices.get(key)
            if before is not None and _invoice_values(rec) == {f: getattr(before, f) for f in INVOICE_FIELDS}:
                continue  # the same invoice from a sheet that knows one due date: keep the schedule
        if old:
            cleared.append(invoice_id)
        new_rows.extend({"creditor_id": run.creditor_id, "invoice_id": invoice_id, "number": n, "due_date": due,
                         "amount": amount, "created_at": run.now} for n, (due, amount) in enumerate(target, start=1))
        if old:
            run.log("invoice.instalments", "invoice", invoice_id, {
                "invoice_number": rec.invoice_number,
                "old": [[str(d), str(a)] for d, a in old], "new": [[str(d), str(a)] for d, a in target]})
        run.summary.instalments_written += len(target) or len(old)
    for chunk in chunks(cleared, CHUNK):
        session.execute(delete(InvoiceInstalment.__table__).where(c.invoice_id.in_(list(chunk))))
    for batch in chunks(new_rows, BATCH):
        session.execute(insert(InvoiceInstalment), list(batch))


def _write_payments(run: _Run, ledger: ParsedLedger, old_invoices: dict[str, Any], invoice_ids: dict[str, int]) -> None:
    session, creditor_id, now, summary = run.session, run.creditor_id, run.now, run.summary
    if not ledger.payments:
        return
    p = Payment.__table__.c
    existing = _load(session, [p.invoice_id, p.paid_on, p.amount, p.reference], p.invoice_id,
                     {invoice_ids[x.number_key] for x in ledger.payments})
    seen = {(r.invoice_id, r.paid_on, Decimal(r.amount), r.reference) for r in existing}
    paid: dict[int, Decimal] = {}
    for r in existing:
        paid[r.invoice_id] = paid.get(r.invoice_id, Decimal("0")) + Decimal(r.amount)
    new_rows: list[dict[str, Any]] = []
    last_row = {}
    for rec in ledger.payments:
        invoice_id = invoice_ids[rec.number_key]
        last_row[invoice_id] = rec
        if (invoice_id, rec.paid_on, rec.amount, rec.reference) in seen:
            summary.payments_unchanged += 1
            continue
        new_rows.append({"creditor_id": creditor_id, "invoice_id": invoice_id, "paid_on": rec.paid_on,
                         "amount": rec.amount, "reference": rec.reference, "created_at": now})
        paid[invoice_id] = paid.get(invoice_id, Decimal("0")) + rec.amount
    # Overpayment is accepted: the money was received and the ledger must say so; the open
    # amount then shows as zero and the credit manager decides on a refund.
    for invoice_id, rec in last_row.items():
        in_file = ledger.invoices.get(rec.number_key)
        due = in_file.amount_due if in_file else Decimal(old_invoices[rec.number_key].amount_due)
        if paid.get(invoice_id, Decimal("0")) > due:
            ledger.issues.warn(rec.where, "amount",
                               f"payments on invoice {shown(rec.invoice_number)} total {paid[invoice_id]:.2f}, "
                               f"more than the {due:.2f} due (overpaid by {paid[invoice_id] - due:.2f}); imported")
    for batch in chunks(new_rows, BATCH):
        session.execute(insert(Payment), list(batch))
    summary.payments_created = len(new_rows)
    # The same consequences as any other payment: instalments, plans, promises, reminders.
    booked: dict[int, Decimal] = {}
    for row in new_rows:
        booked[row["invoice_id"]] = booked.get(row["invoice_id"], Decimal("0")) + row["amount"]
    from bot.payments.apply import settle_booked  # payments builds on the ledger, not the reverse

    settled = settle_booked(session, booked, actor="import")
    summary.reminders_skipped = settled.cancelled_reminders


"""The demo ledger: twelve realistic debtors, Italian and English, consumers and small firms.

Dates are relative to the day it is loaded, so the demo never goes stale; loading it again
is idempotent (on a later day only the dates move). All people, companies, tax codes,
phone numbers and addresses are invented: the codici fiscali and partite IVA are merely
well-formed; English-speaking debtors have UK numbers from Ofcom's drama range
(07700 900xxx); Italy has no such range, so the Italian numbers use the 555 01xx block as
placeholders; e-mails are under example.it / example.com.

| Invoice | Debtor | Tax code | Language | Amount | Situation |
|---|---|---|---|---|---|
| FT-2026/00417 | Mario Rossi | RSSMRA85T10A562S | it | 1240.50 EUR | 45 days overdue |
| 2026/1187 | Laura Bianchi | BNCLRA90A41H501F | it | 389.90 EUR | not yet due (due in 10 days) |
| FT-2025/02291 | Giuseppe Esposito | SPSGPP68L22F839P | it | 7850.00 EUR | 120 days overdue; large balance: plans up to 24 instalments |
| FT-2026/00388 | Francesca Romano | RMNFNC79D45L219Z | it | 210.00 EUR | 10 days overdue; second invoice of the same debtor below |
| FT-2026/00502 | Francesca Romano | RMNFNC79D45L219Z | it | 185.40 EUR | not yet due (due in 25 days) |
| FT-2026/00611 | Chiara Moretti | MRTCHR95P70A944A | it | 74.90 EUR | 5 days overdue; small amount |
| 2026/0931 | Ferramenta Colombo S.n.c. | 04178520153 | it | 2430.00 EUR | 60 days overdue; business with two invoices |
| 2026/1044 | Ferramenta Colombo S.n.c. | 04178520153 | it | 980.00 EUR | 30 days overdue |
| A/2026/000153 | Trattoria Da Gino S.a.s. | 02983160488 | it | 1560.00 EUR | 90 days overdue; partly paid: 600.00 received, 960.00 open |
| FT-2026/00733 | Studio Tecnico Greco | 09315740721 | it | 480.00 EUR | due today; no e-mail on file |
| INV-88213 | John Smith | SMTJHN82C14Z114S | en | 640.00 EUR | 30 days overdue |
| INV-88407 | Emily Clarke | CLRMLY88S42Z114R | en | 1095.00 EUR | 75 days overdue; second invoice of the same debtor below |
| INV-88590 | Emily Clarke | CLRMLY88S42Z114R | en | 120.00 EUR | not yet due (due in 20 days) |
| INV-88655 | Sean O'Brien | BRNSNE75H17Z116V | en | 255.00 EUR | 15 days overdue |
| INV-2026-0042 | Harbour Lane Trading S.r.l. | 05628100587 | en | 3150.00 EUR | 200 days overdue; business, no phone on file |
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.ledger.importer import import_records
from bot.ledger.models import DEFAULT_CREDITOR, Invoice, Payment
from bot.ledger.repository import invoice_key

_DEBTORS: dict[str, dict[str, Any]] = {
    "D-1001": {"name": "Mario Rossi", "tax_code": "RSSMRA85T10A562S", "phone": "+393335550101",
               "email": "mario.rossi@example.it", "language": "it"},
    "D-1002": {"name": "Laura Bianchi", "tax_code": "BNCLRA90A41H501F", "phone": "+393475550102",
               "email": "laura.bianchi@example.it", "language": "it"},
    "D-1003": {"name": "Giuseppe Esposito", "tax_code": "SPSGPP68L22F839P", "phone": "+393395550103",
               "email": "g.esposito@example.it", "language": "it"},
    "D-1004": {"name": "Francesca Romano", "tax_code": "RMNFNC79D45L219Z", "phone": "+393405550104",
               "email": "francesca.romano@example.it", "language": "it"},
    "D-1005": {"name": "Chiara Moretti", "tax_code": "MRTCHR95P70A944A", "phone": "+393285550105",
               "email": "chiara.moretti@example.it", "language": "it"},
    "D-1006": {"name": "Ferramenta Colombo S.n.c.", "tax_code": "04178520153", "phone": "+390255550106",
               "email": "amministrazione@ferramentacolombo.example.it", "language": "it"},
    "D-1007": {"name": "Trattoria Da Gino S.a.s.", "tax_code": "02983160488", "phone": "+390555550107",
               "email": "info@trattoriadagino.example.it", "language": "it"},
    "D-1008": {"name": "Studio Tecnico Greco", "tax_code": "09315740721", "phone": "+390805550108",
               "email": "", "language": "it"},
    "D-2001": {"name": "John Smith", "tax_code": "SMTJHN82C14Z114S", "phone": "+447700900101",
               "email": "john.smith@example.com", "language": "en"},
    "D-2002": {"name": "Emily Clarke", "tax_code": "CLRMLY88S42Z114R", "phone": "+447700900102",
               "email": "emily.clarke@example.com", "language": "en"},
    "D-2003": {"name": "Sean O'Brien", "tax_code": "BRNSNE75H17Z116V", "phone": "+447700900103",
               "email": "sean.obrien@example.com", "language": "en"},
    "D-2004": {"name": "Harbour Lane Trading S.r.l.", "tax_code": "05628100587", "phone": "",
               "email": "accounts@harbourlane.example.com", "language": "en"},
}

# (debtor_ref, invoice_number, amount_due, issued N days ago, due in N days (negative: overdue), note)
_INVOICES: tuple[tuple[str, str, str, int, int, str], ...] = (
    ("D-1001", "FT-2026/00417", "1240.50", 75, -45, ""),
    ("D-1002", "2026/1187", "389.90", 20, 10, ""),
    ("D-1003", "FT-2025/02291", "7850.00", 150, -120, "large balance: plans up to 24 instalments"),
    ("D-1004", "FT-2026/00388", "210.00", 40, -10, "second invoice of the same debtor below"),
    ("D-1004", "FT-2026/00502", "185.40", 5, 25, ""),
    ("D-1005", "FT-2026/00611", "74.90", 35, -5, "small amount"),
    ("D-1006", "2026/0931", "2430.00", 90, -60, "business with two invoices"),
    ("D-1006", "2026/1044", "980.00", 60, -30, ""),
    ("D-1007", "A/2026/000153", "1560.00", 120, -90, "partly paid: 600.00 received, 960.00 open"),
    ("D-1008", "FT-2026/00733", "480.00", 30, 0, "no e-mail on file"),
    ("D-2001", "INV-88213", "640.00", 60, -30, ""),
    ("D-2002", "INV-88407", "1095.00", 105, -75, "second invoice of the same debtor below"),
    ("D-2002", "INV-88590", "120.00", 10, 20, ""),
    ("D-2003", "INV-88655", "255.00", 45, -15, ""),
    ("D-2004", "INV-2026-0042", "3150.00", 230, -200, "business, no phone on file"),
)

# (invoice_number, amount, paid N days ago, bank reference)
_PAYMENTS: tuple[tuple[str, str, int, str], ...] = (
    ("A/2026/000153", "600.00", 20, "CRO 0000123456789"),
)


def _situation(due_in: int, note: str) -> str:
    if due_in > 0:
        when = f"not yet due (due in {due_in} days)"
    elif due_in == 0:
        when = "due today"
    else:
        when = f"{-due_in} days overdue"
    return f"{when}; {note}" if note else when


# One dict per invoice with the import columns (dates as offsets) plus "situation".
DEMO_INVOICES: list[dict[str, Any]] = [
    {"debtor_ref": ref, **_DEBTORS[ref], "invoice_number": number, "amount_due": amount, "currency": "EUR",
     "issued_days_ago": issued, "due_in_days": due_in, "situation": _situation(due_in, note)}
    for ref, number, amount, issued, due_in, note in _INVOICES
]


def demo_invoice_rows(today: date) -> list[dict[str, str]]:
    """The demo invoices as import rows, dated relative to ``today``."""
    return [
        {**{k: v for k, v in row.items() if k not in ("issued_days_ago", "due_in_days", "situation")},
         "issue_date": (today - timedelta(days=row["issued_days_ago"])).isoformat(),
         "due_date": (today + timedelta(days=row["due_in_days"])).isoformat()}
        for row in DEMO_INVOICES
    ]


def demo_payment_rows(today: date) -> list[dict[str, str]]:
    """The demo payments as import rows, paid a fixed number of days before ``today``."""
    return [{"invoice_number": number, "amount": amount, "reference": reference,
             "paid_on": (today - timedelta(days=days_ago)).isoformat()}
            for number, amount, days_ago, reference in _PAYMENTS]


def demo_table_markdown() -> str:
    """The table of demo invoices shown in the README (and in this module's docstring)."""
    lines = ["| Invoice | Debtor | Tax code | Language | Amount | Situation |", "|---|---|---|---|---|---|"]
    lines += [f"| {r['invoice_number']} | {r['name']} | {r['tax_code']} | {r['language']} | "
              f"{r['amount_due']} {r['currency']} | {r['situation']} |" for r in DEMO_INVOICES]
    return "\n".join(lines)


def _redate_demo_payments(session: Session, today: date, creditor_id: str) -> None:
    """A demo payment is "N days ago": on a later day, move the one already loaded rather than add another."""
    for number, _amount, days_ago, reference in _PAYMENTS:
        stmt = (select(Payment).join(Invoice, Payment.invoice_id == Invoice.id)
                .where(Invoice.creditor_id == creditor_id, Invoice.number_key == invoice_key(number),
                       Payment.reference == reference))
        for payment in session.execute(stmt).scalars():
            payment.paid_on = today - timedelta(days=days_ago)
    session.flush()


def load_demo_ledger(session: Session, today: date, creditor_id: str = DEFAULT_CREDITOR) -> dict[str, int]:
    """Load (or refresh) the demo ledger through the normal import path; returns its counts."""
    _redate_demo_payments(session, today, creditor_id)
    summary = import_records(session, demo_invoice_rows(today), demo_payment_rows(today), creditor_id=creditor_id,
                             today=today, source="demo", actor="demo")
    return summary.as_dict()

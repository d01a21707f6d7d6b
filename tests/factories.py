"""Small ledger builders for tests (valid Italian tax codes, Decimal money)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from bot.ledger.models import Debtor, Invoice, Payment
from bot.ledger.repository import invoice_key

CF_MARIO = "RSSMRA85T10A562S"
PIVA_ACME = "01234560017"


def add_debtor(session: Session, ref: str = "D1", tax_code: str = CF_MARIO, name: str = "Mario Rossi",
               language: str = "it", phone: str | None = "+393331234567", email: str | None = "mario@example.it") -> Debtor:
    debtor = Debtor(debtor_ref=ref, name=name, tax_code=tax_code, language=language, phone=phone, email=email,
                    kind="business" if tax_code.isdigit() else "consumer")
    session.add(debtor)
    session.flush()
    return debtor


def add_invoice(session: Session, debtor: Debtor, number: str = "FT-2026/00417", amount: str = "1240.50",
                due: date = date(2026, 10, 15), issued: date = date(2026, 9, 15)) -> Invoice:
    invoice = Invoice(debtor_id=debtor.id, invoice_number=number, number_key=invoice_key(number),
                      issue_date=issued, due_date=due, amount_due=Decimal(amount), currency="EUR")
    session.add(invoice)
    session.flush()
    return invoice


def add_payment(session: Session, invoice: Invoice, amount: str, paid_on: date, reference: str = "") -> Payment:
    payment = Payment(invoice_id=invoice.id, amount=Decimal(amount), paid_on=paid_on, reference=reference)
    session.add(payment)
    session.flush()
    return payment

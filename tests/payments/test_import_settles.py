"""A payments file has the same consequences as any other payment (a file is one way money arrives)."""
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from bot.ledger.importer import import_records
from bot.ledger.models import Invoice, PaymentPlan, PlanInstalment, PromiseToPay
from bot.outreach.models import OutboxMessage
from tests.factories import CF_MARIO

INVOICES = [
    {"debtor_ref": "D1", "name": "Mario Rossi", "tax_code": CF_MARIO, "phone": "+393331234567", "email": "",
     "language": "it", "invoice_number": "FT-2026/00417", "issue_date": "2026-09-15", "due_date": "2026-10-15",
     "amount_due": "300.00", "currency": "EUR"},
    {"debtor_ref": "D1", "name": "Mario Rossi", "tax_code": CF_MARIO, "phone": "+393331234567", "email": "",
     "language": "it", "invoice_number": "FT-2026/00418", "issue_date": "2026-09-15", "due_date": "2026-10-15",
     "amount_due": "80.00", "currency": "EUR"},
]


def _reminder(session, debtor_id, kind, subject_id, invoice_id, key) -> OutboxMessage:
    row = OutboxMessage(idempotency_key=key, debtor_id=debtor_id, subject_kind=kind, subject_id=subject_id,
                        invoice_id=invoice_id, step="due", scheduled_for=date(2026, 12, 5),
                        send_on=date(2026, 12, 5), send_after=datetime(2026, 12, 5, 9), template="due",
                        text="", status="queued")
    session.add(row)
    session.flush()
    return row


def test_imported_payments_pay_instalments_keep_promises_and_skip_reminders(session) -> None:
    import_records(session, INVOICES, today=date(2026, 11, 1))
    big, small = (session.execute(select(Invoice).where(Invoice.invoice_number == n)).scalar_one()
                  for n in ("FT-2026/00417", "FT-2026/00418"))
    plan = PaymentPlan(debtor_id=big.debtor_id, total=Decimal("300.00"), instalment_count=2)
    session.add(plan)
    session.flush()
    first = PlanInstalment(plan_id=plan.id, number=1, due_date=date(2026, 12, 1), amount=Decimal("150.00"))
    second = PlanInstalment(plan_id=plan.id, number=2, due_date=date(2027, 1, 1), amount=Decimal("150.00"))
    promise = PromiseToPay(debtor_id=small.debtor_id, invoice_id=small.id, amount=Decimal("80.00"),
                           promised_date=date(2026, 12, 10), created_at=datetime.utcnow() - timedelta(days=1))
    session.add_all([first, second, promise])
    session.flush()
    on_instalment = _reminder(session, big.debtor_id, "instalment", first.id, big.id, "r-inst")
    on_second = _reminder(session, big.debtor_id, "instalment", second.id, big.id, "r-inst-2")
    on_small = _reminder(session, small.debtor_id, "invoice", small.id, small.id, "r-small")
    on_promise = _reminder(session, small.debtor_id, "promise", promise.id, small.id, "r-promise")

    payments = [{"invoice_number": "FT-2026/00417", "paid_on": "2026-12-01", "amount": "150.00", "reference": "BON1"},
                {"invoice_number": "FT-2026/00418", "paid_on": "2026-12-02", "amount": "80.00", "reference": "BON2"}]
    summary = import_records(session, INVOICES, payments, today=date(2026, 12, 3))
    session.expire_all()
    assert summary.payments_created == 2 and summary.reminders_skipped == 3
    assert first.paid and not second.paid and plan.status == "active"
    assert promise.status == "kept"
    assert [r.status for r in (on_instalment, on_second, on_small, on_promise)] == \
        ["skipped", "queued", "skipped", "skipped"]

    # The same file again books nothing and changes nothing.
    again = import_records(session, INVOICES, payments, today=date(2026, 12, 3))
    session.expire_all()
    assert again.payments_created == 0 and again.reminders_skipped == 0 and on_second.status == "queued"

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.ledger.models import PaymentPlan, PlanInstalment, PromiseToPay
from bot.ledger.repository import paid_total
from bot.outreach.models import OutboxMessage
from bot.payments.apply import apply_payment
from bot.payments.models import PaymentEvent
from tests.factories import add_debtor, add_invoice


def _reminder(session, debtor, kind, subject_id, invoice_id, key, status="queued") -> OutboxMessage:
    row = OutboxMessage(idempotency_key=key, debtor_id=debtor.id, subject_kind=kind, subject_id=subject_id,
                        invoice_id=invoice_id, step="due", scheduled_for=date(2026, 12, 5),
                        send_on=date(2026, 12, 5), send_after=datetime(2026, 12, 5, 9), template="due",
                        text="", status=status)
    session.add(row)
    session.flush()
    return row


def test_applied_once_per_event(session) -> None:
    debtor = add_debtor(session)
    invoice = add_invoice(session, debtor, amount="100.00")
    kwargs = dict(source="stripe", event_id="pi_1", invoice_id=invoice.id, amount=Decimal("40.00"),
                  paid_on=date(2026, 12, 1))
    first = apply_payment(session, **kwargs)
    again = apply_payment(session, **kwargs)
    assert not first.duplicate and again.duplicate
    assert paid_total(session, invoice.id) == Decimal("40.00")
    assert len(session.execute(select(PaymentEvent)).scalars().all()) == 1
    # The same id from another source is another payment.
    apply_payment(session, **{**kwargs, "source": "statement"})
    assert paid_total(session, invoice.id) == Decimal("80.00")


def test_full_payment_cancels_queued_invoice_reminders_only(session) -> None:
    debtor = add_debtor(session)
    invoice = add_invoice(session, debtor, amount="100.00")
    other = add_invoice(session, debtor, number="FT-2026/00500", amount="50.00")
    queued = _reminder(session, debtor, "invoice", invoice.id, invoice.id, "k1")
    sent = _reminder(session, debtor, "invoice", invoice.id, invoice.id, "k2", status="sent")
    elsewhere = _reminder(session, debtor, "invoice", other.id, other.id, "k3")
    partial = apply_payment(session, source="import", event_id="r1", invoice_id=invoice.id,
                            amount=Decimal("60.00"), paid_on=date(2026, 12, 1))
    assert partial.cancelled_reminders == 0 and queued.status == "queued"
    rest = apply_payment(session, source="import", event_id="r2", invoice_id=invoice.id,
                         amount=Decimal("40.00"), paid_on=date(2026, 12, 2))
    session.expire_all()
    assert rest.cancelled_reminders == 1
    assert (queued.status, queued.skip_reason) == ("skipped", "paid")
    assert sent.status == "sent" and elsewhere.status == "queued"


def test_instalments_paid_and_plan_completed(session) -> None:
    debtor = add_debtor(session)
    invoice = add_invoice(session, debtor, amount="300.00")
    plan = PaymentPlan(debtor_id=debtor.id, total=Decimal("300.00"), instalment_count=2)
    session.add(plan)
    session.flush()
    first = PlanInstalment(plan_id=plan.id, number=1, due_date=date(2026, 12, 1), amount=Decimal("150.00"))
    second = PlanInstalment(plan_id=plan.id, number=2, due_date=date(2027, 1, 1), amount=Decimal("150.00"))
    session.add_all([first, second])
    session.flush()
    reminder = _reminder(session, debtor, "instalment", first.id, invoice.id, "i1")
    res = apply_payment(session, source="stripe", event_id="pi_a", invoice_id=invoice.id,
                        amount=Decimal("150.00"), paid_on=date(2026, 12, 1), instalment_id=first.id)
    session.expire_all()
    assert res.instalments_paid == [first.id] and first.paid and not second.paid
    assert plan.status == "active" and reminder.status == "skipped"
    short = apply_payment(session, source="stripe", event_id="pi_b", invoice_id=invoice.id,
                          amount=Decimal("149.99"), paid_on=date(2027, 1, 1))
    assert short.instalments_paid == [] and plan.status == "active"
    apply_payment(session, source="stripe", event_id="pi_c", invoice_id=invoice.id,
                  amount=Decimal("150.00"), paid_on=date(2027, 1, 1))
    session.expire_all()
    assert second.paid and plan.status == "completed"


def test_promise_kept_when_paid_amount_reached(session) -> None:
    debtor = add_debtor(session)
    invoice = add_invoice(session, debtor, amount="500.00")
    promise = PromiseToPay(debtor_id=debtor.id, invoice_id=invoice.id, amount=Decimal("200.00"),
                           promised_date=date(2026, 12, 10), created_at=datetime.utcnow() - timedelta(days=1))
    session.add(promise)
    session.flush()
    apply_payment(session, source="statement", event_id="t1", invoice_id=invoice.id,
                  amount=Decimal("100.00"), paid_on=date(2026, 12, 3))
    assert promise.status == "open"
    res = apply_payment(session, source="statement", event_id="t2", invoice_id=invoice.id,
                        amount=Decimal("100.00"), paid_on=date(2026, 12, 4))
    assert res.promises_kept == [promise.id] and promise.status == "kept"


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-5.00")])
def test_bad_amounts_refused(session, amount) -> None:
    invoice = add_invoice(session, add_debtor(session))
    with pytest.raises(ValueError):
        apply_payment(session, source="stripe", event_id="x", invoice_id=invoice.id, amount=amount,
                      paid_on=date(2026, 12, 1))


def test_float_and_unknown_invoice_and_currency_refused(session) -> None:
    invoice = add_invoice(session, add_debtor(session))
    base = dict(source="stripe", event_id="x", invoice_id=invoice.id, paid_on=date(2026, 12, 1))
    with pytest.raises(ValueError):
        apply_payment(session, **base, amount=10.0)
    with pytest.raises(ValueError):
        apply_payment(session, **{**base, "invoice_id": 999}, amount=Decimal("1.00"))
    with pytest.raises(ValueError):
        apply_payment(session, **base, amount=Decimal("1.00"), currency="USD")
    assert session.execute(select(PaymentEvent)).first() is None

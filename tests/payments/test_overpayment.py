"""A payment larger than the invoice's open amount: never lost, never hidden.

The invoice takes its open amount, the debtor's other open invoices (oldest due first) the
excess, and what is left stays on the invoice as an overpayment with a task and an audit entry.
"""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import func, select

from bot.kpi.metrics import compute_kpis
from bot.ledger.models import AuditLog, FollowUpTask, Payment
from bot.ledger.repository import paid_total
from bot.payments.allocation import allocate
from bot.payments.apply import apply_payment
from bot.payments.models import PaymentEvent
from tests.factories import add_debtor, add_invoice

PAID_ON = date(2026, 12, 1)


def _pay(session, invoice_id: int, amount: str, event_id: str = "pi_1", source: str = "stripe"):
    return apply_payment(session, source=source, event_id=event_id, invoice_id=invoice_id,
                         amount=Decimal(amount), paid_on=PAID_ON)


def _tasks(session) -> list[FollowUpTask]:
    return session.execute(select(FollowUpTask).where(FollowUpTask.kind == "overpayment")).scalars().all()


def _counts(session) -> tuple[int, int, int, int]:
    return tuple(session.execute(select(func.count()).select_from(model)).scalar_one()  # type: ignore[return-value]
                 for model in (Payment, PaymentEvent, FollowUpTask, AuditLog))


def test_stripe_link_paid_after_the_bank_transfer_is_kept_as_an_overpayment(session) -> None:
    debtor = add_debtor(session)
    invoice = add_invoice(session, debtor, amount="100.00")
    _pay(session, invoice.id, "100.00", event_id="bank-1", source="statement")
    applied = _pay(session, invoice.id, "100.00")
    assert applied.overpayment == Decimal("100.00") and applied.allocated == []
    rows = session.execute(select(Payment.amount, Payment.reference).where(Payment.invoice_id == invoice.id)
                           .order_by(Payment.id)).all()
    assert rows == [(Decimal("100.00"), "statement:bank-1"), (Decimal("100.00"), "stripe:pi_1#overpayment")]
    (task,) = _tasks(session)
    assert (task.id, task.debtor_id, task.status, task.owner) == (applied.task_id, debtor.id, "open", "customer-care")
    assert task.due_on > PAID_ON and "FT-2026/00417" in task.note and "100.00" in task.note
    entry = session.execute(select(AuditLog).where(AuditLog.action == "overpayment")).scalar_one()
    assert entry.entity_id == str(invoice.id)
    assert json.loads(entry.details)["task"] == task.id and json.loads(entry.details)["left"] == "100.00"
    # Stripe redelivers the event: nothing more is booked, no second task.
    before = _counts(session)
    assert _pay(session, invoice.id, "100.00").duplicate
    assert _counts(session) == before


def test_excess_pays_the_debtors_other_open_invoices_oldest_due_first(session) -> None:
    debtor = add_debtor(session)
    other_debtor = add_debtor(session, ref="D2", tax_code="01234560017", name="Acme")
    named = add_invoice(session, debtor, "FT-1", "100.00", due=date(2026, 11, 1))
    later = add_invoice(session, debtor, "FT-2", "50.00", due=date(2026, 11, 20))
    oldest = add_invoice(session, debtor, "FT-3", "30.00", due=date(2026, 10, 1))
    held = add_invoice(session, debtor, "FT-4", "40.00", due=date(2026, 9, 1))
    held.collection_hold = "dispute"  # a disputed invoice is a person's call, never paid automatically
    foreign = add_invoice(session, other_debtor, "FT-5", "500.00", due=date(2026, 8, 1))
    settled = add_invoice(session, debtor, "FT-6", "20.00", due=date(2026, 8, 1))
    _pay(session, settled.id, "20.00", event_id="bank-0", source="statement")
    _pay(session, named.id, "60.00", event_id="bank-1", source="statement")
    applied = _pay(session, named.id, "110.00")
    assert applied.allocated == [(oldest.id, Decimal("30.00")), (later.id, Decimal("40.00"))]
    assert applied.overpayment == Decimal("0.00") and applied.task_id is None and _tasks(session) == []
    paid = {i.invoice_number: paid_total(session, i.id) for i in (named, later, oldest, held, foreign, settled)}
    assert paid == {"FT-1": Decimal("100.00"), "FT-2": Decimal("40.00"), "FT-3": Decimal("30.00"),
                    "FT-4": Decimal("0.00"), "FT-5": Decimal("0.00"), "FT-6": Decimal("20.00")}
    moved = session.execute(select(Payment.reference).where(Payment.invoice_id == oldest.id)).scalar_one()
    assert moved == f"stripe:pi_1#from-{named.id}"
    event = session.execute(select(PaymentEvent).where(PaymentEvent.event_id == "pi_1")).scalar_one()
    assert event.amount == Decimal("110.00") and event.invoice_id == named.id
    entry = session.execute(select(AuditLog).where(AuditLog.action == "payment_reallocated")).scalar_one()
    assert json.loads(entry.details)["moved_to"] == [[oldest.id, "30.00"], [later.id, "40.00"]]
    # The moved rows are still Stripe money in the KPIs, not a ledger import.
    by_source = compute_kpis(session, since=date(2026, 11, 1), until=PAID_ON, today=PAID_ON)["payments"]["by_source"]
    assert by_source == {"statement": Decimal("80.00"), "stripe": Decimal("110.00")}
    before = _counts(session)
    assert _pay(session, named.id, "110.00").duplicate and _counts(session) == before


def test_excess_beyond_every_open_invoice_is_left_on_the_named_one(session) -> None:
    debtor = add_debtor(session)
    named = add_invoice(session, debtor, "FT-1", "100.00")
    other = add_invoice(session, debtor, "FT-2", "25.00")
    applied = _pay(session, named.id, "150.00")
    assert applied.allocated == [(other.id, Decimal("25.00"))] and applied.overpayment == Decimal("25.00")
    assert paid_total(session, named.id) == Decimal("125.00") and paid_total(session, other.id) == Decimal("25.00")
    assert len(_tasks(session)) == 1


def test_kpis_never_count_more_than_the_balance_recovered(session) -> None:
    debtor = add_debtor(session)
    invoice = add_invoice(session, debtor, "FT-1", "100.00", due=date(2026, 11, 1), issued=date(2026, 10, 1))
    _pay(session, invoice.id, "100.00", event_id="bank-1", source="statement")
    _pay(session, invoice.id, "100.00")
    kpis = compute_kpis(session, since=date(2026, 10, 1), until=date(2026, 12, 2), today=date(2026, 12, 3))
    assert kpis["recovery"]["recovered"] == Decimal("100.00") and kpis["recovery"]["recovered_pct"] == 100.0
    assert kpis["payments"]["open_receivables"] == Decimal("0.00") and kpis["payments"]["recovered_invoices"] == 1


cents = st.integers(min_value=1, max_value=500_000).map(lambda c: Decimal(c) / 100)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(amount=cents, named_due=cents, named_paid=st.integers(0, 100),
       others=st.lists(st.tuples(cents, st.integers(0, 100), st.integers(0, 60)), max_size=5))
def test_booked_amounts_always_add_up_to_the_payment(session, amount, named_due, named_paid, others) -> None:
    """Any payment against any open invoices: nothing lost, no other invoice overpaid, task iff left over."""
    debtor = add_debtor(session)
    try:
        named = add_invoice(session, debtor, "FT-0", str(named_due))
        if named_paid:
            _pay(session, named.id, str((named_due * named_paid / 100).quantize(Decimal("0.01")) or "0.01"),
                 event_id="before-0", source="statement")
        invoices = []
        for k, (due, pct, days) in enumerate(others, start=1):
            inv = add_invoice(session, debtor, f"FT-{k}", str(due), due=date(2026, 9, 1 + days % 28))
            part = (due * pct / 100).quantize(Decimal("0.01"))
            if part > 0:
                _pay(session, inv.id, str(part), event_id=f"before-{k}", source="statement")
            invoices.append(inv)
        before = {i.id: paid_total(session, i.id) for i in [named, *invoices]}
        applied = _pay(session, named.id, str(amount))
        booked = session.execute(select(Payment.invoice_id, Payment.amount)
                                 .where(Payment.reference.like("stripe:pi_1%"))).all()
        assert sum((Decimal(a) for _, a in booked), Decimal("0.00")) == amount
        for inv in invoices:
            assert paid_total(session, inv.id) <= Decimal(inv.amount_due)
        named_open = max(Decimal(named.amount_due) - before[named.id], Decimal("0.00"))
        assert paid_total(session, named.id) - before[named.id] == min(amount, named_open) + applied.overpayment
        assert (len(_tasks(session)) == 1) == (applied.overpayment > 0) and len(_tasks(session)) <= 1
        assert all(Decimal(a) > 0 for _, a in booked)
    finally:
        session.rollback()  # apply_payment never commits: each example starts from an empty ledger


@given(amount=cents, open_amount=st.integers(-1000, 500_000).map(lambda c: Decimal(c) / 100),
       others=st.lists(cents, max_size=6))
def test_allocate_splits_exactly(amount, open_amount, others) -> None:
    split = allocate(amount, open_amount, list(enumerate(others)))
    assert split.on_invoice + sum((a for _, a in split.others), Decimal("0.00")) + split.left == amount
    assert split.on_invoice <= max(open_amount, Decimal("0"))
    assert all(0 < a <= others[i] for i, a in split.others)
    assert split.left == 0 or sum(others, Decimal("0")) == sum((a for _, a in split.others), Decimal("0"))


def test_bank_line_larger_than_the_balance_accepted_in_review(session) -> None:
    """A person accepts a 150.00 line for a 100.00 invoice: 100.00 on it, 50.00 kept as overpayment."""
    from bot.statements.importer import apply_line
    from bot.statements.models import StatementLine

    debtor = add_debtor(session)
    invoice = add_invoice(session, debtor, "FT-1", "100.00")
    line = StatementLine(txn_id="TX-REVIEW-1", booked_on=PAID_ON, amount=Decimal("150.00"), status="review")
    session.add(line)
    session.flush()
    apply_line(session, line, [(invoice.id, Decimal("150.00"))], decided_by="agent-1")
    rows = session.execute(select(Payment.amount, Payment.reference).where(Payment.invoice_id == invoice.id)
                           .order_by(Payment.id)).all()
    assert rows == [(Decimal("100.00"), "bank:TX-REVIEW-1"), (Decimal("50.00"), "bank:TX-REVIEW-1#overpayment")]
    (task,) = _tasks(session)
    assert task.debtor_id == debtor.id and line.status == "applied"

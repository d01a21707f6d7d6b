"""Payment KPIs from the payments themselves, whichever way they arrived.

- *DSO* (days sales outstanding) = receivables still open at the end of the window /
  amount invoiced in the window x days in the window (365 days back when no start given).
- *Time to recover* = days from due date to the payment that cleared an overdue invoice
  (average and median over invoices cleared late in the window).
- *Instalments on time* = instalments due in the window for which the debtor's payments
  since the plan was agreed reached the plan's running total by the instalment's due date.
- *By source* = payments in the window per way in (stripe, statement, import, agent); a
  payment without a payment event came through the ledger import (``import``), except the
  rows an overpayment moved to other invoices or left as excess, which keep their event's source.
"""
from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.ledger.states import PlanStatus
from bot.ledger.models import Invoice, Payment, PaymentPlan
from bot.payments.apply import MOVED_MARK, OVERPAYMENT_SUFFIX, base_reference
from bot.payments.models import PaymentEvent

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


def payment_kpis(session: Session, since: date | None, as_of: date) -> dict[str, Any]:
    """DSO, time to recover, instalments on time and payments by source for [since, as_of]."""
    start = since or as_of - timedelta(days=365)
    in_window = lambda d: start <= d <= as_of  # noqa: E731
    invoices = session.execute(select(Invoice.id, Invoice.debtor_id, Invoice.issue_date, Invoice.due_date,
                                      Invoice.amount_due)).all()
    payments = session.execute(select(Payment.id, Payment.invoice_id, Payment.paid_on, Payment.amount)).all()
    sources = dict(session.execute(select(PaymentEvent.payment_id, PaymentEvent.source)).all())
    sources.update(_split_sources(session))
    by_invoice: dict[int, list[tuple[date, Decimal]]] = defaultdict(list)
    by_source: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for pid, inv_id, paid_on, amount in payments:
        by_invoice[inv_id].append((paid_on, Decimal(amount)))
        if in_window(paid_on):
            by_source[sources.get(pid, "import")] += Decimal(amount)
    invoiced = sum((Decimal(a) for _, _, issued, _, a in invoices if in_window(issued)), ZERO)
    open_end = ZERO
    recover_days: list[int] = []
    debtor_of = {}
    for inv_id, debtor_id, issued, due, amount in invoices:
        debtor_of[inv_id] = debtor_id
        if issued > as_of:
            continue
        paid = sorted(p for p in by_invoice.get(inv_id, []) if p[0] <= as_of)
        open_end += max(Decimal(amount) - sum((a for _, a in paid), ZERO), ZERO)
        running = ZERO
        for paid_on, a in paid:
            running += a
            if running >= Decimal(amount):
                if paid_on > due and in_window(paid_on):
                    recover_days.append((paid_on - due).days)
                break
    days = (as_of - start).days + 1
    return {
        "dso_days": round(float(open_end / invoiced * days), 1) if invoiced else None,
        "open_receivables": open_end.quantize(CENT), "invoiced": invoiced.quantize(CENT),
        "time_to_recover_avg_days": round(statistics.fmean(recover_days), 1) if recover_days else None,
        "time_to_recover_median_days": statistics.median(recover_days) if recover_days else None,
        "recovered_invoices": len(recover_days),
        **_instalments(session, by_invoice, debtor_of, start, as_of),
        "by_source": {k: v.quantize(CENT) for k, v in sorted(by_source.items())},
    }


def _split_sources(session: Session) -> dict[int, str]:
    """Rows an overpayment moved to other invoices (or left as excess) keep their event's source."""
    evented = session.execute(select(Payment.reference, Payment.paid_on, PaymentEvent.source)
                              .join(PaymentEvent, PaymentEvent.payment_id == Payment.id)).all()
    by_ref = {(base_reference(ref), paid_on): source for ref, paid_on, source in evented}
    marked = session.execute(select(Payment.id, Payment.reference, Payment.paid_on).where(
        Payment.reference.contains(MOVED_MARK) | Payment.reference.contains(OVERPAYMENT_SUFFIX))).all()
    return {pid: by_ref[key] for pid, ref, paid_on in marked if (key := (base_reference(ref), paid_on)) in by_ref}


def _instalments(session: Session, by_invoice: dict[int, list[tuple[date, Decimal]]], debtor_of: dict[int, int],
                 start: date, as_of: date) -> dict[str, Any]:
    debtor_payments: dict[int, list[tuple[date, Decimal]]] = defaultdict(list)
    for inv_id, rows in by_invoice.items():
        debtor_payments[debtor_of.get(inv_id, -1)].extend(rows)
    due = on_time = 0
    for plan in session.execute(select(PaymentPlan).where(PaymentPlan.status != PlanStatus.CANCELLED)).scalars():
        agreed = plan.created_at.date()
        paid = sorted(p for p in debtor_payments.get(plan.debtor_id, []) if p[0] >= agreed)
        owed = ZERO
        for inst in sorted(plan.instalments, key=lambda i: i.number):
            owed += Decimal(inst.amount)
            if not (start <= inst.due_date <= as_of):
                continue
            due += 1
            if sum((a for d, a in paid if d <= inst.due_date), ZERO) >= owed:
                on_time += 1
    return {"instalments_due": due, "instalments_on_time": on_time,
            "instalments_on_time_pct": round(on_time * 100 / due, 1) if due else None}

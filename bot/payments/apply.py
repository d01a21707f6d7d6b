"""``apply_payment``: the one way money reaches the ledger (Stripe, bank statement, file).

It books the ``Payment``, records the provider event so it is applied once, cancels the
queued reminders about what was paid, marks instalments paid, completes plans and keeps
promises. The thank-you is not sent from here: the outreach planner plans it from the new
``Payment`` row within the contact rules (hours, caps, channel consent), so a payment
arriving at 3 a.m. is thanked in the morning.

A payment larger than the invoice's open amount (the Stripe link paid after a bank transfer
settled it, a bigger bank line accepted in review) is split by ``allocation.allocate``: the
invoice takes its open amount, the debtor's other open invoices (oldest due first, none on
hold) the excess, and what is still left is booked on the invoice as an overpayment with a
follow-up task (kind ``overpayment``) and an audit entry, so a person refunds or reallocates it.
All rows hang off the one payment event, so a replay still books nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Mapping

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.ledger.states import OutboxStatus, PlanStatus, PromiseStatus, TaskStatus
from bot.ledger.db import chunks
from bot.ledger.models import FollowUpTask, Invoice, Payment, PaymentPlan, PromiseToPay
from bot.ledger.repository import audit, paid_total
from bot.nps.survey import DEFAULT_OWNER
from bot.outreach.models import OutboxMessage
from bot.payments.allocation import Allocation, allocate
from bot.payments.amounts import CENT
from bot.payments.models import PaymentEvent
from bot.plans.calendar import add_business_days

SOURCES = ("stripe", "statement", "import", "agent")
OVERPAYMENT_TASK = "overpayment"
OVERPAYMENT_SUFFIX = "#overpayment"  # keeps the excess row apart from the payment row on one invoice
OVERPAYMENT_DUE_BUSINESS_DAYS = 5
MOVED_MARK = "#from-"  # a row moved to another invoice: "<reference>#from-<named invoice id>"


def base_reference(reference: str) -> str:
    """The payment's own reference without the marks of a moved or excess row (for the KPIs)."""
    for mark in (MOVED_MARK, OVERPAYMENT_SUFFIX):
        reference = reference.split(mark, 1)[0]
    return reference


@dataclass
class Applied:
    """What one call did; ``duplicate`` means the event had been applied before."""

    duplicate: bool = False
    payment_id: int | None = None
    cancelled_reminders: int = 0
    instalments_paid: list[int] = field(default_factory=list)
    plans_completed: list[int] = field(default_factory=list)
    promises_kept: list[int] = field(default_factory=list)
    allocated: list[tuple[int, Decimal]] = field(default_factory=list)  # (other invoice, amount)
    overpayment: Decimal = Decimal("0.00")
    task_id: int | None = None


def apply_payment(session: Session, *, source: str, event_id: str, invoice_id: int, amount: Decimal,
                  paid_on: date, reference: str = "", currency: str = "EUR", kind: str = "payment",
                  instalment_id: int | None = None, promise_id: int | None = None) -> Applied:
    """Apply one payment exactly once per ``(source, event_id)``; the caller commits.

    ``reference`` defaults to ``source:event_id`` because ``payments`` is unique per
    (invoice, day, amount, reference): two equal transfers on one day are two payments.
    """
    if source not in SOURCES:
        raise ValueError(f"unknown payment source {source!r}")
    if not isinstance(amount, Decimal) or amount <= 0:
        raise ValueError("amount must be a positive Decimal")
    amount = amount.quantize(CENT)
    invoice = session.get(Invoice, invoice_id)
    if invoice is None:
        raise ValueError("unknown invoice")
    if currency != invoice.currency:
        raise ValueError("currency does not match the invoice")
    seen = session.execute(select(PaymentEvent.id).where(PaymentEvent.source == source,
                                                         PaymentEvent.event_id == event_id)).first()
    if seen:
        return Applied(duplicate=True)
    ref = (reference or f"{source}:{event_id}")[:128]
    split = allocate(amount, invoice.amount_due - paid_total(session, invoice.id), _other_open(session, invoice))
    rows = _payment_rows(invoice, split, paid_on, ref)
    event = PaymentEvent(creditor_id=invoice.creditor_id, source=source, event_id=event_id[:128], kind=kind[:48],
                         debtor_id=invoice.debtor_id, invoice_id=invoice.id, instalment_id=instalment_id,
                         promise_id=promise_id, amount=amount, currency=currency, paid_on=paid_on)
    try:
        with session.begin_nested():  # a concurrent delivery of the same event loses here
            session.add_all(rows)
            session.flush()
            event.payment_id = rows[0].id
            session.add(event)
            session.flush()
    except IntegrityError:
        return Applied(duplicate=True)
    result = Applied(payment_id=rows[0].id, allocated=list(split.others), overpayment=split.left)
    _move_plans(session, invoice, amount, instalment_id, result)
    touched = [invoice] + [session.get(Invoice, i) for i, _ in split.others]
    for inv in touched:
        _keep_promises(session, inv, promise_id if inv is invoice else None, result)
    result.cancelled_reminders = sum(_cancel_reminders(session, inv, result) for inv in touched)
    audit(session, actor=source, action="payment_applied", entity="invoice", entity_id=str(invoice.id),
          details={"event": event.id, "source": source}, creditor_id=invoice.creditor_id)
    if split.others or split.left:
        _record_excess(session, invoice, event, split, paid_on, source, result)
    return result


def _other_open(session: Session, invoice: Invoice) -> list[tuple[int, Decimal]]:
    """The debtor's other open invoices (same creditor and currency, not on hold), oldest due first."""
    mine = select(Invoice.id).where(Invoice.debtor_id == invoice.debtor_id)
    paid = (select(Payment.invoice_id, func.sum(Payment.amount).label("paid"))  # this debtor's only: one
            .where(Payment.invoice_id.in_(mine)).group_by(Payment.invoice_id).subquery())  # call per bank line
    rows = session.execute(
        select(Invoice.id, Invoice.amount_due, func.coalesce(paid.c.paid, 0))
        .outerjoin(paid, paid.c.invoice_id == Invoice.id)
        .where(Invoice.debtor_id == invoice.debtor_id, Invoice.creditor_id == invoice.creditor_id,
               Invoice.currency == invoice.currency, Invoice.id != invoice.id,
               Invoice.collection_hold.is_(None))  # on hold (dispute, reconciliation, pause): a person decides
        .order_by(Invoice.due_date, Invoice.id)).all()
    opens = [(i, (Decimal(str(due)) - Decimal(str(p))).quantize(CENT)) for i, due, p in rows]
    return [(i, o) for i, o in opens if o > 0]


def _payment_rows(invoice: Invoice, split: Allocation, paid_on: date, ref: str) -> list[Payment]:
    """One row per invoice paid; the excess is its own row on the named invoice.

    Moved rows say where they came from in the reference, which also keeps them apart from
    another allocation of the same bank line to that invoice (payments are unique per
    invoice, day, amount and reference).
    """
    moved = f"{MOVED_MARK}{invoice.id}"
    parts = ([(invoice.id, split.on_invoice, ref)] if split.on_invoice > 0 else []) \
        + [(i, a, ref[:128 - len(moved)] + moved) for i, a in split.others]
    if split.left > 0:
        parts.append((invoice.id, split.left, ref[:128 - len(OVERPAYMENT_SUFFIX)] + OVERPAYMENT_SUFFIX))
    return [Payment(creditor_id=invoice.creditor_id, invoice_id=i, paid_on=paid_on, amount=a, reference=r)
            for i, a, r in parts]


def _record_excess(session: Session, invoice: Invoice, event: PaymentEvent, split: Allocation, paid_on: date,
                   source: str, result: Applied) -> None:
    """Audit where the excess went; money left over gets a task for a person (refund or reallocate)."""
    details: dict[str, object] = {"event": event.id, "on_invoice": str(split.on_invoice),
                                  "moved_to": [[i, str(a)] for i, a in split.others], "left": str(split.left)}
    if split.left > 0:
        task = FollowUpTask(creditor_id=invoice.creditor_id, kind=OVERPAYMENT_TASK, debtor_id=invoice.debtor_id,
                            status=TaskStatus.OPEN, owner=DEFAULT_OWNER,
                            due_on=add_business_days(paid_on, OVERPAYMENT_DUE_BUSINESS_DAYS),
                            note=(f"Overpayment of {split.left} {invoice.currency} on invoice "
                                  f"{invoice.invoice_number} ({source} payment event {event.id}): "
                                  "refund it or reallocate it."))
        session.add(task)
        session.flush()
        result.task_id = task.id
        details["task"] = task.id
    audit(session, actor=source, action="overpayment" if split.left > 0 else "payment_reallocated",
          entity="invoice", entity_id=str(invoice.id), details=details, creditor_id=invoice.creditor_id)


def _move_plans(session: Session, invoice: Invoice, amount: Decimal, instalment_id: int | None,
                result: Applied) -> None:
    """Mark the named instalment paid, or the oldest unpaid ones the amount covers."""
    plans = session.execute(select(PaymentPlan).where(PaymentPlan.debtor_id == invoice.debtor_id,
                                                      PaymentPlan.status == PlanStatus.ACTIVE)).scalars().all()
    for plan in plans:
        unpaid = sorted((i for i in plan.instalments if not i.paid), key=lambda i: (i.due_date, i.number))
        if instalment_id is not None:
            unpaid = [i for i in unpaid if i.id == instalment_id]
        left = amount
        for inst in unpaid:
            if left < inst.amount:
                break
            inst.paid = True
            left -= inst.amount
            result.instalments_paid.append(inst.id)
        if plan.instalments and all(i.paid for i in plan.instalments):
            plan.status = PlanStatus.COMPLETED
            result.plans_completed.append(plan.id)


def _keep_promises(session: Session, invoice: Invoice, promise_id: int | None, result: Applied) -> None:
    """A promise is kept once the payments since it was made reach its amount."""
    stmt = select(PromiseToPay).where(PromiseToPay.debtor_id == invoice.debtor_id, PromiseToPay.status == PromiseStatus.OPEN)
    if promise_id is not None:
        stmt = stmt.where(PromiseToPay.id == promise_id)
    for promise in session.execute(stmt).scalars():
        if promise.invoice_id is not None and promise.invoice_id != invoice.id:
            continue
        # Every payment booked since the promise, whichever way it came (an event, a file).
        since = session.execute(select(Payment.amount).join(Invoice, Invoice.id == Payment.invoice_id).where(
            Invoice.debtor_id == invoice.debtor_id, Payment.created_at >= promise.created_at)).scalars().all()
        if sum((Decimal(a) for a in since), Decimal("0.00")) >= promise.amount:
            promise.status = PromiseStatus.KEPT
            result.promises_kept.append(promise.id)


def _cancel_reminders(session: Session, invoice: Invoice, result: Applied) -> int:
    """Skip the queued reminders about what is now paid (not yet claimed by a worker)."""
    conditions = []
    if paid_total(session, invoice.id) >= invoice.amount_due:
        conditions.append((OutboxMessage.subject_kind == "invoice") & (OutboxMessage.subject_id == invoice.id))
    if result.instalments_paid:
        conditions.append((OutboxMessage.subject_kind == "instalment")
                          & OutboxMessage.subject_id.in_(result.instalments_paid))
    if result.promises_kept:
        conditions.append((OutboxMessage.subject_kind == "promise")
                          & OutboxMessage.subject_id.in_(result.promises_kept))
    total = 0
    for cond in conditions:
        res = session.execute(update(OutboxMessage).where(OutboxMessage.status == OutboxStatus.QUEUED, cond)
                              .values(status=OutboxStatus.SKIPPED, skip_reason="paid").execution_options(synchronize_session=False))
        total += res.rowcount or 0
    return total


def settle_booked(session: Session, invoice_amounts: Mapping[int, Decimal], *, actor: str = "import") -> Applied:
    """What ``apply_payment`` does after booking, for payments already booked in bulk (a
    payments file): instalments paid, plans completed, promises kept, reminders about what is
    now paid skipped. ``invoice_amounts`` is the amount newly booked per invoice. Only invoices
    whose debtor has an active plan or an open promise are visited one by one; reminders are
    skipped with one statement per batch of invoices."""
    result = Applied()
    ids = sorted(invoice_amounts)
    if not ids:
        return result
    invoices = {i.id: i for chunk in chunks(ids) for i in session.execute(
        select(Invoice).where(Invoice.id.in_(chunk))).scalars()}
    debtors = {i.debtor_id for i in invoices.values()}
    busy = set()
    for chunk in chunks(sorted(debtors)):
        busy |= set(session.execute(select(PaymentPlan.debtor_id).where(
            PaymentPlan.debtor_id.in_(chunk), PaymentPlan.status == PlanStatus.ACTIVE)).scalars())
        busy |= set(session.execute(select(PromiseToPay.debtor_id).where(
            PromiseToPay.debtor_id.in_(chunk), PromiseToPay.status == PromiseStatus.OPEN)).scalars())
    for invoice_id in ids:
        invoice = invoices.get(invoice_id)
        if invoice is not None and invoice.debtor_id in busy:
            _move_plans(session, invoice, invoice_amounts[invoice_id], None, result)
            _keep_promises(session, invoice, None, result)
    totals: dict[int, Decimal] = {}
    for chunk in chunks(ids):
        totals.update((i, Decimal(str(t))) for i, t in session.execute(
            select(Payment.invoice_id, func.sum(Payment.amount)).where(Payment.invoice_id.in_(chunk))
            .group_by(Payment.invoice_id)))
    paid_up = [i for i in ids if i in invoices and totals.get(i, Decimal("0")) >= invoices[i].amount_due]
    for kind, subject_ids in (("invoice", paid_up), ("instalment", result.instalments_paid),
                              ("promise", result.promises_kept)):
        for chunk in chunks(sorted(subject_ids)):
            res = session.execute(update(OutboxMessage).where(
                OutboxMessage.status == OutboxStatus.QUEUED, OutboxMessage.subject_kind == kind,
                OutboxMessage.subject_id.in_(chunk)).values(status=OutboxStatus.SKIPPED, skip_reason="paid")
                .execution_options(synchronize_session=False))
            result.cancelled_reminders += res.rowcount or 0
    audit(session, actor=actor, action="payments_settled", entity="invoice", entity_id=str(len(ids)),
          details={"invoices": len(ids), "instalments_paid": len(result.instalments_paid),
                   "plans_completed": len(result.plans_completed), "promises_kept": len(result.promises_kept),
                   "reminders_skipped": result.cancelled_reminders})
    return result


"""The whole life of a debt: which date an invoice's cadence counts from, the one catch-up
message for a debt nobody has written about yet, and the task that ends the cadence.

* **Reference date.** An invoice with one due date counts from it. One paid in instalments
  (``invoice_instalments``) counts from the earliest instalment not yet covered by its
  payments (covered earliest first), so a paid first instalment moves the cadence on to
  the second and nothing is said before that one is due.
* **Catch-up.** A first import of an old ledger finds debts 45, 90, 120 days overdue whose
  steps have all passed. Each such debtor gets **one** message at once, about their oldest
  open invoice (not one per missed step, not one per invoice); past the cadence's closing
  step that message is the closing step itself, with its task. No catch-up for a debtor
  already written to about one of their open invoices, with a step due today anyway, with
  an active plan or an open promise (they have their own reminders), nor about a frozen
  (disputed, being reconciled, paused) invoice. The usual rules then apply to it.
* **Task.** Planning a step marked ``task`` opens a ``followup_tasks`` row (kind
  ``last_notice``) for a person, unless a person is already on it or nothing is owed.
  While that task is open no automatic invoice reminder goes to the debtor (the last
  message said a person would be in touch); closing it lets the cadence resume.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Iterable, Iterator

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session

from bot.ledger.states import DisputeStatus, OutboxStatus, PlanStatus, PromiseStatus, ReconciliationStatus, TaskStatus
from bot.ledger.instalments import InvoiceInstalment, next_open
from bot.ledger.models import Dispute, FollowUpTask, Invoice, Payment, PaymentPlan, PromiseToPay, ReconciliationCase
from bot.outreach.cadence import DueStep, Subject
from bot.outreach.config import CATCH_UP, OutreachConfig
from bot.outreach.models import OutboxMessage

ZERO = Decimal("0.00")
CATCH_UP_NAME = CATCH_UP.name
TASK_KIND = "last_notice"
# Reasons under which the closing step opens no task: a person (or the debtor) is on it already.
NO_TASK_REASONS = frozenset({"paused_debtor", "paused_campaign", "with_agent", "dispute", "reconciliation_hold",
                             "payment_pause", "collection_hold", "nothing_due", "plan_on_track", "promise_pending",
                             "follow_up_open"})


def _paid(session: Session, invoice_ids: list[int]) -> dict[int, Decimal]:
    out: dict[int, Decimal] = {}
    for start in range(0, len(invoice_ids), 500):
        chunk = invoice_ids[start:start + 500]
        for iid, total in session.execute(select(Payment.invoice_id, func.sum(Payment.amount))
                                          .where(Payment.invoice_id.in_(chunk)).group_by(Payment.invoice_id)):
            out[iid] = Decimal(str(total or 0)).quantize(Decimal("0.01"))
    return out


def _schedules(session: Session, invoice_ids: list[int]) -> dict[int, list[tuple[date, Decimal]]]:
    out: dict[int, list[tuple[date, Decimal]]] = {}
    for start in range(0, len(invoice_ids), 500):
        chunk = invoice_ids[start:start + 500]
        for row in session.execute(select(InvoiceInstalment.invoice_id, InvoiceInstalment.due_date,
                                          InvoiceInstalment.amount).where(InvoiceInstalment.invoice_id.in_(chunk))):
            out.setdefault(row.invoice_id, []).append((row.due_date, Decimal(row.amount)))
    return out


def open_references(session: Session, invoices: list[Invoice]) -> Iterator[tuple[Invoice, date]]:
    """Each invoice still owing something, with the date its cadence counts from."""
    ids = [i.id for i in invoices]
    paid, schedules = _paid(session, ids), _schedules(session, ids)
    for inv in invoices:
        settled = paid.get(inv.id, ZERO)
        if Decimal(inv.amount_due) - settled <= ZERO:
            continue
        schedule = schedules.get(inv.id)
        if not schedule:
            yield inv, inv.due_date
            continue
        due = next_open(schedule, settled)
        if due is not None:
            yield inv, due.due_date


def _has_instalment_between(first: date, last: date) -> object:
    return exists().where(InvoiceInstalment.invoice_id == Invoice.id, InvoiceInstalment.due_date.between(first, last))


def invoices_referenced_between(session: Session, creditor_id: str, first: date,
                                last: date) -> list[tuple[Invoice, date]]:
    """Open invoices whose reference date falls in [first, last]."""
    candidates = session.execute(select(Invoice).where(
        Invoice.creditor_id == creditor_id,
        or_(Invoice.due_date.between(first, last), _has_instalment_between(first, last)))).scalars().all()
    return [(inv, ref) for inv, ref in open_references(session, list(candidates)) if first <= ref <= last]


def invoice_subject(inv: Invoice, reference: date) -> Subject:
    """The cadence subject of an open invoice, counted from ``reference`` (due date or next open instalment)."""
    return Subject("invoice", inv.id, inv.debtor_id, reference, inv.id,
                   {"due_date": reference, "invoice_number": inv.invoice_number})


def catch_ups(session: Session, creditor_id: str, day: date, config: OutreachConfig,
              due_today: Iterable[DueStep]) -> list[DueStep]:
    """One message for each debtor with overdue open invoices nobody has written about yet."""
    if config.catch_up is None:
        return []
    busy = {d.subject.debtor_id for d in due_today if d.subject.kind == "invoice"}
    untouched = ~exists().where(OutboxMessage.invoice_id == Invoice.id, OutboxMessage.subject_kind == "invoice")
    paid = select(func.sum(Payment.amount)).where(Payment.invoice_id == Invoice.id).scalar_subquery()
    overdue = session.execute(select(Invoice).where(  # open ones only: old paid invoices stay out of memory
        Invoice.creditor_id == creditor_id, Invoice.due_date < day, untouched,
        Invoice.amount_due > func.coalesce(paid, 0))).scalars().all()
    held = _held(session, [i.id for i in overdue])
    oldest: dict[int, tuple[date, int, Invoice]] = {}
    for inv, ref in open_references(session, list(overdue)):
        if ref >= day or inv.debtor_id in busy or inv.id in held:
            continue
        key = (ref, inv.id, inv)
        if inv.debtor_id not in oldest or key[:2] < oldest[inv.debtor_id][:2]:
            oldest[inv.debtor_id] = key
    if not oldest:
        return []
    # Written to about another of their invoices that is still open: the cadence runs, no catch-up.
    contacted = set(session.execute(select(OutboxMessage.debtor_id).join(Invoice, and_(
        Invoice.id == OutboxMessage.invoice_id, OutboxMessage.subject_kind == "invoice")).where(
        OutboxMessage.debtor_id.in_(list(oldest)))).scalars())
    open_contacted = _still_open(session, contacted) | _engaged(session, set(oldest))
    closing = config.closing_step()
    out = []
    for debtor_id, (ref, _id, inv) in sorted(oldest.items()):
        if debtor_id in open_contacted:
            continue
        past_end = closing is not None and (day - ref).days > closing.last_offset
        step = closing if closing is not None and past_end else config.catch_up
        out.append(DueStep(step, invoice_subject(inv, ref), day))
    return out


def _held(session: Session, invoice_ids: list[int]) -> set[int]:
    """Invoices frozen (dispute, reconciliation, pause): a catch-up would only be skipped."""
    out: set[int] = set()
    for start in range(0, len(invoice_ids), 500):
        chunk = invoice_ids[start:start + 500]
        out.update(session.execute(select(Invoice.id).where(Invoice.id.in_(chunk),
                                                            Invoice.collection_hold.is_not(None))).scalars())
        out.update(session.execute(select(Dispute.invoice_id).where(Dispute.invoice_id.in_(chunk),
                                                                    Dispute.status == DisputeStatus.OPEN)).scalars())
        out.update(session.execute(select(ReconciliationCase.invoice_id).where(
            ReconciliationCase.invoice_id.in_(chunk), ReconciliationCase.status == ReconciliationStatus.OPEN)).scalars())
    return out


def _engaged(session: Session, debtor_ids: set[int]) -> set[int]:
    """Debtors with an active plan or an open promise: those have their own reminders."""
    if not debtor_ids:
        return set()
    ids = list(debtor_ids)
    plans = session.execute(select(PaymentPlan.debtor_id).where(PaymentPlan.debtor_id.in_(ids),
                                                                PaymentPlan.status == PlanStatus.ACTIVE)).scalars()
    promises = session.execute(select(PromiseToPay.debtor_id).where(PromiseToPay.debtor_id.in_(ids),
                                                                    PromiseToPay.status == PromiseStatus.OPEN)).scalars()
    return set(plans) | set(promises)


def _still_open(session: Session, debtor_ids: set[int]) -> set[int]:
    """Debtors among ``debtor_ids`` with an invoice message about an invoice still owing something."""
    if not debtor_ids:
        return set()
    rows = session.execute(select(Invoice).join(OutboxMessage, and_(
        OutboxMessage.invoice_id == Invoice.id, OutboxMessage.subject_kind == "invoice")).where(
        Invoice.debtor_id.in_(list(debtor_ids))).distinct()).scalars().all()
    return {inv.debtor_id for inv, _ref in open_references(session, list(rows))}


def follow_up_open(session: Session, creditor_id: str, debtor_id: int) -> bool:
    """A task opened by the end of the cadence, not yet closed by a person."""
    return session.execute(select(FollowUpTask.id).where(
        FollowUpTask.creditor_id == creditor_id, FollowUpTask.debtor_id == debtor_id,
        FollowUpTask.kind == TASK_KIND, FollowUpTask.status == TaskStatus.OPEN).limit(1)).first() is not None


def open_task(session: Session, row: OutboxMessage, creditor_id: str) -> FollowUpTask | None:
    """The follow-up task for a closing step, unless a person is already on it or one is open."""
    if row.skip_reason in NO_TASK_REASONS or follow_up_open(session, creditor_id, row.debtor_id):
        return None
    invoice = session.get(Invoice, row.invoice_id) if row.invoice_id else None
    sent = "sent" if row.status == OutboxStatus.QUEUED else f"not sent ({row.skip_reason})"
    note = (f"End of the automatic reminders for invoice {invoice.invoice_number if invoice else '?'}: "
            f"last message {sent} on {row.send_on.isoformat()}. Please contact the customer.")
    task = FollowUpTask(creditor_id=creditor_id, kind=TASK_KIND, debtor_id=row.debtor_id, status=TaskStatus.OPEN,
                        note=note, due_on=row.send_on)
    session.add(task)
    return task

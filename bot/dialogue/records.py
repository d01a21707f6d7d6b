"""What the journeys write to the ledger: plans, promises, claims, disputes, opt-outs.

Each function is one unit of work with its audit entry, so a failure leaves nothing
half-written. They are synchronous; actions call them in a worker thread.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Sequence

from sqlalchemy import select

from bot.ledger.states import PlanStatus
from bot.dialogue.choices import DISPUTE_CATEGORIES
from bot.ledger.db import session_scope
from bot.ledger.models import (
    ContactPreference, Conversation, Debtor, Dispute, FollowUpTask, Invoice, Payment, PaymentPlan,
    PlanInstalment, PromiseToPay, ReconciliationCase,
)
from bot.ledger.repository import audit, open_invoices
from bot.plans.calendar import add_business_days, business_day_on_or_before

CENT = Decimal("0.01")
DISPUTE_RESPONSE_BUSINESS_DAYS = 10
RECONCILIATION_BUSINESS_DAYS = 5
PAYMENT_PAUSE_DAYS = 30


def record_plan(*, debtor_id: int, instalments: Sequence[tuple[int, date, Decimal]], conversation_id: str,
                channel: str, created_by: str = "bot") -> int:
    """Commit a payment plan, cancelling any active one of the debtor, and return the new plan's id."""
    total = sum((amount for _, _, amount in instalments), Decimal("0"))
    with session_scope() as session:
        # A new agreement replaces an earlier active one rather than stacking on it.
        for old in session.execute(select(PaymentPlan).where(
                PaymentPlan.debtor_id == debtor_id, PaymentPlan.status == PlanStatus.ACTIVE)).scalars():
            old.status = PlanStatus.CANCELLED
        plan = PaymentPlan(debtor_id=debtor_id, total=total, instalment_count=len(instalments),
                           conversation_id=conversation_id, channel=channel, created_by=created_by)
        plan.instalments = [PlanInstalment(number=n, due_date=d, amount=a) for n, d, a in instalments]
        session.add(plan)
        session.flush()
        audit(session, actor=created_by, action="plan.created", entity="payment_plan", entity_id=plan.id,
              conversation_id=conversation_id, details={"count": len(instalments), "debtor_id": debtor_id})
        return int(plan.id)


def record_promise(*, debtor_id: int, invoice_id: int | None, amount: Decimal, promised_date: date,
                   conversation_id: str, channel: str, today: date) -> date:
    """Store the promise; the reminder goes out the business day before the promised date."""
    reminder = max(business_day_on_or_before(promised_date - timedelta(days=1)), today)
    with session_scope() as session:
        promise = PromiseToPay(debtor_id=debtor_id, invoice_id=invoice_id, amount=amount,
                               promised_date=promised_date, reminder_on=reminder,
                               conversation_id=conversation_id, channel=channel)
        session.add(promise)
        session.flush()
        audit(session, actor="bot", action="promise.recorded", entity="promise", entity_id=promise.id,
              conversation_id=conversation_id, details={"debtor_id": debtor_id})
    return reminder


@dataclass(frozen=True)
class ClaimOutcome:
    matched: bool
    case_id: int | None = None
    days: int = RECONCILIATION_BUSINESS_DAYS


def check_payment_claim(*, debtor_id: int, invoice_id: int | None, paid_on: date | None,
                        amount: Decimal | None, reference: str | None, conversation_id: str) -> ClaimOutcome:
    """Match a debtor's "I already paid" against recorded payments, else open a case."""
    with session_scope() as session:
        invoice_ids = [i.id for i in session.execute(select(Invoice).where(Invoice.debtor_id == debtor_id)).scalars()]
        payments = session.execute(select(Payment).where(Payment.invoice_id.in_(invoice_ids))).scalars().all() \
            if invoice_ids else []
        ref = (reference or "").strip().upper()
        for payment in payments:
            same_ref = bool(ref) and ref == (payment.reference or "").strip().upper()
            same_amount = amount is not None and abs(Decimal(payment.amount) - amount) <= CENT
            close_date = paid_on is not None and abs((payment.paid_on - paid_on).days) <= 5
            if same_ref or (same_amount and close_date):
                audit(session, actor="bot", action="claim.matched", entity="payment", entity_id=payment.id,
                      conversation_id=conversation_id)
                return ClaimOutcome(matched=True)
        target = invoice_id or _oldest_open_invoice(session, debtor_id)
        if target is None:
            return ClaimOutcome(matched=True)  # nothing open: the ledger already agrees with the debtor
        from bot.statements.claims import match_claim_to_statement

        line = match_claim_to_statement(session, session.get(Invoice, target), paid_on, amount, reference,
                                        conversation_id)
        if line is not None:  # the transfer is in an imported statement nobody had placed yet
            audit(session, actor="bot", action="claim.matched_statement", entity="statement_line",
                  entity_id=line.id, conversation_id=conversation_id)
            return ClaimOutcome(matched=True)
        case = ReconciliationCase(invoice_id=target, claimed_paid_on=paid_on, claimed_amount=amount,
                                  claimed_reference=(reference or "")[:128], conversation_id=conversation_id)
        session.add(case)
        # Reminders on this invoice stop until someone has looked at the claim.
        invoice = session.get(Invoice, target)
        if invoice.collection_hold is None:
            invoice.collection_hold = "reconciliation"
        session.flush()
        audit(session, actor="bot", action="reconciliation.opened", entity="reconciliation_case",
              entity_id=case.id, conversation_id=conversation_id, details={"invoice_id": target})
        return ClaimOutcome(matched=False, case_id=int(case.id))


def _oldest_open_invoice(session, debtor_id: int) -> int | None:
    rows = open_invoices(session, debtor_id)
    return rows[0].invoice_id if rows else None


def record_dispute(*, debtor_id: int, invoice_id: int | None, reason: str, conversation_id: str,
                   today: date, category: str = "other",
                   business_days: int = DISPUTE_RESPONSE_BUSINESS_DAYS) -> tuple[int, date]:
    """Record the dispute and freeze collection on the invoice until it is answered."""
    if category not in DISPUTE_CATEGORIES:
        raise ValueError(f"unknown dispute category {category!r}")
    respond_by = add_business_days(today, business_days)
    with session_scope() as session:
        target = invoice_id or _oldest_open_invoice(session, debtor_id)
        if target is None:
            raise ValueError("no invoice to dispute")
        dispute = Dispute(invoice_id=target, reason=reason[:2000], category=category,
                          conversation_id=conversation_id, respond_by=respond_by)
        session.add(dispute)
        session.get(Invoice, target).collection_hold = "dispute"
        session.flush()
        audit(session, actor="bot", action="dispute.recorded", entity="dispute", entity_id=dispute.id,
              conversation_id=conversation_id, details={"invoice_id": target, "category": category})
        return int(dispute.id), respond_by


def record_opt_out(*, conversation_id: str, channel: str, debtor_id: int | None, opted_out: bool = True) -> None:
    """Commit the conversation address's contact opt-out (or opt-in) and its audit entry."""
    with session_scope() as session:
        conv = session.get(Conversation, conversation_id)
        address = (conv.address if conv and conv.address else conversation_id)[:128]
        pref = session.execute(select(ContactPreference).where(
            ContactPreference.channel == channel, ContactPreference.address == address)).scalar_one_or_none()
        if pref is None:
            pref = ContactPreference(channel=channel, address=address, debtor_id=debtor_id)
            session.add(pref)
        pref.opted_out = opted_out
        if debtor_id and not pref.debtor_id:
            pref.debtor_id = debtor_id
        audit(session, actor="debtor", action="contact.opt_out" if opted_out else "contact.opt_in",
              entity="conversation", entity_id=conversation_id, conversation_id=conversation_id,
              details={"channel": channel})


def record_payment_pause(*, debtor_id: int, conversation_id: str, today: date, vulnerable: bool) -> int:
    """Pause reminders on the debtor's open invoices and give a person the case."""
    with session_scope() as session:
        for inv in open_invoices(session, debtor_id):
            invoice = session.get(Invoice, inv.invoice_id)
            if invoice.collection_hold is None:
                invoice.collection_hold = "pause"
        debtor = session.get(Debtor, debtor_id)
        if vulnerable and debtor is not None:
            debtor.vulnerable = True
        session.add(FollowUpTask(kind="hardship", debtor_id=debtor_id, conversation_id=conversation_id,
                                 due_on=add_business_days(today, 2),
                                 note="Payment pause requested in chat"))
        audit(session, actor="bot", action="collection.paused", entity="debtor", entity_id=debtor_id,
              conversation_id=conversation_id, details={"days": PAYMENT_PAUSE_DAYS})
    return PAYMENT_PAUSE_DAYS


def record_vulnerability(*, debtor_id: int, conversation_id: str) -> None:
    """Flag the debtor as vulnerable, with an audit entry; nothing happens if already flagged."""
    with session_scope() as session:
        debtor = session.get(Debtor, debtor_id)
        if debtor is not None and not debtor.vulnerable:
            debtor.vulnerable = True
            audit(session, actor="bot", action="debtor.vulnerability_flagged", entity="debtor",
                  entity_id=debtor_id, conversation_id=conversation_id)


def record_callback_request(*, debtor_id: int | None, conversation_id: str, today: date) -> None:
    """A debtor asked to be called back: a person gets a task for the next working day."""
    with session_scope() as session:
        session.add(FollowUpTask(kind="callback", debtor_id=debtor_id, conversation_id=conversation_id,
                                 due_on=add_business_days(today, 1), note="Callback requested in chat"))
        audit(session, actor="debtor", action="callback.requested", entity="conversation",
              entity_id=conversation_id, conversation_id=conversation_id)


def record_copy_request(*, debtor_id: int, conversation_id: str, invoice_number: str) -> None:
    """The debtor asked for a copy of an invoice: the back office sends the PDF, this task
    makes sure someone does."""
    from bot.ledger.models import FollowUpTask

    with session_scope() as session:
        session.add(FollowUpTask(kind="invoice_copy", debtor_id=debtor_id, conversation_id=conversation_id,
                                 note=f"Send a copy of invoice {invoice_number}"))


def record_nps(**fields: Any) -> None:
    """Store one NPS answer (see bot.nps.survey.record_nps_response for the fields)."""
    from bot.nps.survey import record_nps_response

    with session_scope() as session:
        record_nps_response(session, **fields)

"""The ledger snapshot the rules read: subjects due, holds, agents, plans, promises,
opt-outs, pauses and earlier messages. Queries only; every decision is in ``rules``."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.ledger.states import DisputeStatus, OPEN_HANDOFF_STATUSES, PlanStatus, PromiseStatus, ReconciliationStatus
from bot.ledger.models import (
    ContactPreference, Conversation, Debtor, Dispute, Handoff, Invoice, Payment, PaymentPlan, PlanInstalment,
    PromiseToPay, ReconciliationCase,
)
from bot.outreach.cadence import Subject, reference_window
from bot.outreach.config import OutreachConfig
from bot.outreach.lifecycle import follow_up_open, invoice_subject, invoices_referenced_between
from bot.outreach.models import ACTIVE_STATUSES, OutboxMessage, OutreachPause
from bot.outreach.rules import Reachability, SubjectFacts, whatsapp_window_open

ZERO = Decimal("0.00")
CONVERSATION_PREFIX = {"whatsapp": "wa:", "sms": "sms:", "telegram": "tg:"}


def conversation_id(channel: str, address: str) -> str:
    """The id the channel adapters give a WhatsApp, SMS or Telegram conversation; KeyError for other channels."""
    return f"{CONVERSATION_PREFIX[channel]}{address}"


def _paid_by_invoice(session: Session, invoice_ids: list[int], until: date | None = None) -> dict[int, Decimal]:
    if not invoice_ids:
        return {}
    stmt = select(Payment.invoice_id, func.sum(Payment.amount)).where(Payment.invoice_id.in_(invoice_ids))
    if until is not None:
        stmt = stmt.where(Payment.paid_on <= until)
    rows = session.execute(stmt.group_by(Payment.invoice_id)).all()
    return {iid: Decimal(str(total or 0)).quantize(Decimal("0.01")) for iid, total in rows}


def invoice_open_amount(session: Session, invoice: Invoice) -> Decimal:
    """What is still unpaid on the invoice after every recorded payment, as Decimal, never below zero."""
    paid = _paid_by_invoice(session, [invoice.id]).get(invoice.id, ZERO)
    return max(Decimal(invoice.amount_due) - paid, ZERO)


# --- subjects --------------------------------------------------------------------------
def load_subjects(session: Session, creditor_id: str, day: date, config: OutreachConfig) -> list[Subject]:
    """Open invoices, open promises, unpaid instalments and recent payments whose steps may fall on ``day``."""
    subjects: list[Subject] = []
    steps, lookback = config.steps, config.thanks_lookback_days
    window = reference_window(steps, "invoice", day)
    if window:
        # Open invoices, counted from their due date or from their earliest unpaid instalment.
        for inv, reference in invoices_referenced_between(session, creditor_id, *window):
            subjects.append(invoice_subject(inv, reference))
    window = reference_window(steps, "promise", day)
    if window:
        for p in session.execute(select(PromiseToPay).where(
                PromiseToPay.creditor_id == creditor_id, PromiseToPay.status == PromiseStatus.OPEN,
                PromiseToPay.promised_date.between(*window))).scalars():
            subjects.append(Subject("promise", p.id, p.debtor_id, p.promised_date, p.invoice_id,
                                    {"promised_date": p.promised_date}))
    window = reference_window(steps, "instalment", day)
    if window:
        rows = session.execute(select(PlanInstalment, PaymentPlan).join(PaymentPlan).where(
            PaymentPlan.creditor_id == creditor_id, PaymentPlan.status == PlanStatus.ACTIVE,
            PlanInstalment.paid.is_(False), PlanInstalment.due_date.between(*window))).all()
        for inst, plan in rows:
            subjects.append(Subject("instalment", inst.id, plan.debtor_id, inst.due_date, None,
                                    {"due_date": inst.due_date, "instalment_number": inst.number,
                                     "instalment_count": plan.instalment_count}))
    window = reference_window(steps, "payment", day, lookback)
    if window:
        start = datetime.combine(window[0], datetime.min.time())
        end = datetime.combine(window[1] + timedelta(days=1), datetime.min.time())
        rows = session.execute(select(Payment, Invoice).join(Invoice).where(
            Payment.creditor_id == creditor_id, Payment.created_at >= start, Payment.created_at < end)).all()
        paid = _paid_by_invoice(session, sorted({inv.id for _pay, inv in rows}))
        for pay, inv in rows:
            # A partial payment's thanks also says how the rest can be settled.
            remaining = Decimal(inv.amount_due) - paid.get(inv.id, ZERO) > ZERO
            subjects.append(Subject("payment", pay.id, inv.debtor_id, pay.created_at.date(), inv.id,
                                    {"paid_on": pay.paid_on, "remaining": remaining}))
    return subjects


# --- facts for the rules ---------------------------------------------------------------
def debtor_conversations(session: Session, debtor: Debtor) -> list[Conversation]:
    """Conversations linked to the debtor plus WhatsApp/SMS ones from the debtor's phone not linked yet."""
    ids = [conversation_id(ch, debtor.phone) for ch in ("whatsapp", "sms")] if debtor.phone else []
    return list(session.execute(select(Conversation).where(
        or_(Conversation.debtor_id == debtor.id, Conversation.conversation_id.in_(ids)))).scalars())


def _hold_of(session: Session, invoice_ids: list[int]) -> str | None:
    if not invoice_ids:
        return None
    for inv in session.execute(select(Invoice).where(Invoice.id.in_(invoice_ids))).scalars():
        if inv.collection_hold:
            return str(inv.collection_hold)
    if session.execute(select(Dispute.id).where(Dispute.invoice_id.in_(invoice_ids),
                                                Dispute.status == DisputeStatus.OPEN).limit(1)).first():
        return "dispute"
    if session.execute(select(ReconciliationCase.id).where(ReconciliationCase.invoice_id.in_(invoice_ids),
                                                           ReconciliationCase.status == ReconciliationStatus.OPEN).limit(1)).first():
        return "reconciliation"
    return None


def _open_invoice_ids(session: Session, debtor_id: int) -> list[int]:
    invoices = session.execute(select(Invoice).where(Invoice.debtor_id == debtor_id)).scalars().all()
    paid = _paid_by_invoice(session, [i.id for i in invoices])
    return [i.id for i in invoices if Decimal(i.amount_due) - paid.get(i.id, ZERO) > ZERO]


def _subject_open(session: Session, subject: Subject) -> bool:
    if subject.kind == "invoice":
        invoice = session.get(Invoice, subject.subject_id)
        return invoice is not None and invoice_open_amount(session, invoice) > ZERO
    if subject.kind == "promise":
        promise = session.get(PromiseToPay, subject.subject_id)
        return promise is not None and promise.status == PromiseStatus.OPEN and bool(_open_invoice_ids(session, subject.debtor_id))
    if subject.kind == "instalment":
        inst = session.get(PlanInstalment, subject.subject_id)
        return inst is not None and not inst.paid and inst.plan.status == PlanStatus.ACTIVE
    return True


def _plan_on_track(session: Session, debtor_id: int, day: date) -> bool:
    plans = session.execute(select(PaymentPlan).where(PaymentPlan.debtor_id == debtor_id,
                                                      PaymentPlan.status == PlanStatus.ACTIVE)).scalars().all()
    return any(all(i.paid or i.due_date >= day for i in plan.instalments) for plan in plans)


def _promise_pending(session: Session, subject: Subject, day: date) -> bool:
    stmt = select(PromiseToPay.id).where(PromiseToPay.debtor_id == subject.debtor_id, PromiseToPay.status == PromiseStatus.OPEN,
                                         PromiseToPay.promised_date >= day)
    if subject.invoice_id is not None:
        stmt = stmt.where(or_(PromiseToPay.invoice_id.is_(None), PromiseToPay.invoice_id == subject.invoice_id))
    return session.execute(stmt.limit(1)).first() is not None


def active_pauses(session: Session, creditor_id: str) -> tuple[frozenset[str], frozenset[int]]:
    """Paused step names (or ``all``) and paused debtor ids of the creditor, counting pauses not yet lifted."""
    rows = session.execute(select(OutreachPause).where(OutreachPause.creditor_id == creditor_id,
                                                       OutreachPause.lifted_at.is_(None))).scalars().all()
    campaigns = frozenset(str(p.campaign) for p in rows if p.scope == "campaign" and p.campaign)
    debtors = frozenset(int(p.debtor_id) for p in rows if p.scope == "debtor" and p.debtor_id)
    return campaigns, debtors


def with_agent(session: Session, conversations: list[Conversation]) -> bool:
    """Whether a person has the case: a conversation paused for an agent or with an open handoff."""
    if any(c.paused for c in conversations):
        return True
    ids = [c.conversation_id for c in conversations]
    return bool(ids) and session.execute(select(Handoff.id).where(
        Handoff.conversation_id.in_(ids), Handoff.status.in_(OPEN_HANDOFF_STATUSES)).limit(1)).first() is not None


def recently_contacted(session: Session, debtor_id: int, day: date, gap_days: int) -> bool:
    """A message to the debtor (sent or on its way) in the ``gap_days - 1`` days before ``day``."""
    if gap_days <= 1:
        return False
    return session.execute(select(OutboxMessage.id).where(
        OutboxMessage.debtor_id == debtor_id, OutboxMessage.status.in_(ACTIVE_STATUSES),
        OutboxMessage.send_on.between(day - timedelta(days=gap_days - 1), day - timedelta(days=1))).limit(1)
    ).first() is not None


def subject_facts(session: Session, debtor: Debtor, subject: Subject, day: date, creditor_id: str,
                  gap_days: int = 0) -> SubjectFacts:
    """``gap_days``: for a repeating step, whether the debtor heard from us that recently counts."""
    campaigns, paused_debtors = active_pauses(session, creditor_id)
    invoice_ids = [subject.invoice_id] if subject.invoice_id is not None else _open_invoice_ids(session, debtor.id)
    return SubjectFacts(
        subject_open=_subject_open(session, subject),
        hold=_hold_of(session, invoice_ids),
        with_agent=with_agent(session, debtor_conversations(session, debtor)),
        plan_on_track=_plan_on_track(session, debtor.id, day),
        promise_pending=subject.kind == "invoice" and _promise_pending(session, subject, day),
        debtor_paused=debtor.id in paused_debtors,
        paused_campaigns=campaigns,
        recently_reminded=recently_contacted(session, debtor.id, day, gap_days),
        follow_up_open=subject.kind == "invoice" and follow_up_open(session, creditor_id, debtor.id),
    )


# --- reachability, first contact, caps -------------------------------------------------
def reachability(session: Session, debtor: Debtor, now: datetime) -> Reachability:
    """The debtor's phone, latest Telegram chat and opt-outs, and whether WhatsApp's 24-hour window is open."""
    conversations = debtor_conversations(session, debtor)
    telegram = sorted((c for c in conversations if c.channel == "telegram" and c.address),
                      key=lambda c: c.last_inbound_at or datetime.min, reverse=True)
    chat = telegram[0].address if telegram else None
    addresses = [a for a in (debtor.phone, chat) if a]
    prefs = session.execute(select(ContactPreference).where(
        ContactPreference.opted_out.is_(True),
        or_(ContactPreference.address.in_(addresses), ContactPreference.debtor_id == debtor.id))).scalars().all()
    out: set[str] = set()
    everything = False
    for pref in prefs:
        if pref.channel == "all":
            everything = True
        elif pref.address == chat and pref.channel == "telegram":
            out.add("telegram")
        elif pref.address == debtor.phone or pref.debtor_id == debtor.id:
            out.add(pref.channel)
    wa = next((c for c in conversations if debtor.phone and c.conversation_id == conversation_id("whatsapp", debtor.phone)), None)
    return Reachability(phone=debtor.phone or None, telegram_chat=chat, opted_out_channels=frozenset(out),
                        opted_out_all=everything,
                        whatsapp_window_open=whatsapp_window_open(wa.last_inbound_at if wa else None, now))


def is_first_contact(session: Session, channel: str, address: str, exclude_id: int | None = None) -> bool:
    """No earlier message of ours to this number and no word from it: it may not be the debtor's."""
    if channel == "telegram":
        return False  # a Telegram chat exists only because the person wrote to us
    ids = [conversation_id(ch, address) for ch in ("whatsapp", "sms")]
    replied = session.execute(select(Conversation.conversation_id).where(
        Conversation.conversation_id.in_(ids), Conversation.last_inbound_at.is_not(None)).limit(1)).first()
    if replied:
        return False
    stmt = select(OutboxMessage.id).where(OutboxMessage.address == address,
                                          OutboxMessage.channel.in_(("whatsapp", "sms")),
                                          OutboxMessage.status.in_(ACTIVE_STATUSES))
    if exclude_id is not None:
        stmt = stmt.where(OutboxMessage.id != exclude_id)
    return session.execute(stmt.limit(1)).first() is None


def other_send_days(session: Session, debtor_id: int, around: date, statuses: tuple[str, ...] = ACTIVE_STATUSES,
                    exclude_id: int | None = None) -> list[date]:
    """Send days of the debtor's messages within a week either side of ``around`` (one per message), for the caps."""
    stmt = select(OutboxMessage.send_on).where(
        OutboxMessage.debtor_id == debtor_id, OutboxMessage.status.in_(statuses),
        OutboxMessage.send_on.between(around - timedelta(days=7), around + timedelta(days=7)))
    if exclude_id is not None:
        stmt = stmt.where(OutboxMessage.id != exclude_id)
    return list(session.execute(stmt).scalars())

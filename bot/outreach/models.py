"""Outreach tables on the shared ``Base``: the outbox, A/B assignments and pauses.

The outbox row is the unit of exactly-once delivery. Its ``idempotency_key`` (debtor,
subject, step, scheduled date) is unique, so planning the same day twice, or on two
machines, cannot create a second message; the status moves
queued -> claimed -> sending -> sent (or skipped / failed) and only a conditional UPDATE
moves it, so two workers cannot both own a row.
"""
from __future__ import annotations


from sqlalchemy import (
    Column, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint,
)

from bot.ledger.states import OutboxStatus
from bot.ledger.models import DEFAULT_CREDITOR, Base, _now

STATUSES = tuple(OutboxStatus)
ACTIVE_STATUSES = (OutboxStatus.QUEUED, OutboxStatus.CLAIMED, OutboxStatus.SENDING, OutboxStatus.SENT)  # count towards caps


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"
    __table_args__ = (
        UniqueConstraint("idempotency_key", name="uq_outbox_messages_idempotency_key"),
        Index("ix_outbox_messages_status_send_after", "status", "send_after"),
        Index("ix_outbox_messages_debtor_send_on", "debtor_id", "send_on"),
    )
    id = Column(Integer, primary_key=True)
    creditor_id = Column(String(40), nullable=False, default=DEFAULT_CREDITOR, index=True)
    idempotency_key = Column(String(160), nullable=False)
    debtor_id = Column(Integer, ForeignKey("debtors.id"), nullable=False)
    subject_kind = Column(String(16), nullable=False)  # invoice | promise | instalment | payment
    subject_id = Column(Integer, nullable=False)
    invoice_id = Column(Integer, ForeignKey("invoices.id"), nullable=True, index=True)
    step = Column(String(40), nullable=False)
    scheduled_for = Column(Date, nullable=False)  # the cadence date (part of the key)
    send_on = Column(Date, nullable=False)  # local day it goes out (caps count these)
    send_after = Column(DateTime, nullable=False)  # UTC: opening of the contact window
    channel = Column(String(16), nullable=True)
    address = Column(String(128), nullable=True)  # phone / chat id; masked in logs
    language = Column(String(2), nullable=False, default="it")
    template = Column(String(40), nullable=False)
    variant = Column(String(16), nullable=False, default="a")
    mode = Column(String(16), nullable=False, default="text")  # text | template (WhatsApp outside 24 h)
    content_sid = Column(String(64), nullable=True)
    text = Column(Text, nullable=False, default="")
    propensity = Column(Float, nullable=True)  # a probability, not money
    status = Column(String(16), nullable=False, default=OutboxStatus.QUEUED.value)
    skip_reason = Column(String(64), nullable=True)
    claim_token = Column(String(36), nullable=True)
    claimed_at = Column(DateTime, nullable=True)
    attempts = Column(Integer, nullable=False, default=0)
    provider_message_id = Column(String(64), nullable=True)
    last_error = Column(String(500), nullable=True)
    created_at = Column(DateTime, nullable=False, default=_now)
    sent_at = Column(DateTime, nullable=True)


class OutreachAssignment(Base):
    """Which variant of a step a debtor got: assigned once, so reports compare like with like."""

    __tablename__ = "outreach_assignments"
    __table_args__ = (UniqueConstraint("creditor_id", "debtor_id", "step", name="uq_outreach_assignments_debtor_step"),)
    id = Column(Integer, primary_key=True)
    creditor_id = Column(String(40), nullable=False, default=DEFAULT_CREDITOR)
    debtor_id = Column(Integer, ForeignKey("debtors.id"), nullable=False, index=True)
    step = Column(String(40), nullable=False)
    variant = Column(String(16), nullable=False)
    assigned_at = Column(DateTime, nullable=False, default=_now)


class OutreachPause(Base):
    """A manager's stop: ``scope`` campaign (one step, or ``all``) or debtor. Lifted, not deleted."""

    __tablename__ = "outreach_pauses"
    id = Column(Integer, primary_key=True)
    creditor_id = Column(String(40), nullable=False, default=DEFAULT_CREDITOR, index=True)
    scope = Column(String(16), nullable=False)  # campaign | debtor
    campaign = Column(String(40), nullable=True)  # step name or "all"
    debtor_id = Column(Integer, ForeignKey("debtors.id"), nullable=True, index=True)
    reason = Column(String(200), nullable=True)
    created_by = Column(String(64), nullable=False, default="manager")
    created_at = Column(DateTime, nullable=False, default=_now)
    lifted_at = Column(DateTime, nullable=True)
    lifted_by = Column(String(64), nullable=True)

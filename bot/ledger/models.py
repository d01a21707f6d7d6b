"""SQLAlchemy models of the ledger and of the bot's own records.

Written in 2.0 style on SQLAlchemy 1.4 (``select()``, ``future=True`` sessions) so the
later upgrade is small. Money is ``Numeric(12, 2)`` and ``Decimal`` in Python, never float.
Every row that belongs to a debtor carries ``creditor_id`` so several creditors can share
one deployment.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean, Column, Date, DateTime, ForeignKey, Index, Integer, Numeric, String, Text,
    UniqueConstraint,
)
from sqlalchemy.orm import registry, relationship
from sqlalchemy.orm.decl_api import DeclarativeMeta

from bot.ledger.states import DisputeStatus, HandoffStatus, PlanStatus, PromiseStatus, ReconciliationStatus, TaskStatus

_registry = registry()


class Base(metaclass=DeclarativeMeta):
    """Declarative base of every table, written as a class (not ``declarative_base()``) so
    the type checker sees the models as classes."""

    __abstract__ = True
    registry = _registry
    metadata = _registry.metadata
    __init__ = _registry.constructor

Money = Numeric(12, 2, asdecimal=True)
DEFAULT_CREDITOR = "default"


def _now() -> datetime:
    return datetime.utcnow()


def _creditor() -> Column:
    return Column(String(40), nullable=False, default=DEFAULT_CREDITOR, index=True)


class Debtor(Base):
    __tablename__ = "debtors"
    __table_args__ = (UniqueConstraint("creditor_id", "debtor_ref"),)
    id = Column(Integer, primary_key=True)
    creditor_id = _creditor()
    debtor_ref = Column(String(64), nullable=False)
    name = Column(String(200), nullable=False)
    tax_code = Column(String(32), nullable=False)  # normalised: upper case, no spaces
    kind = Column(String(16), nullable=False, default="consumer")  # consumer | business
    phone = Column(String(32), nullable=True)
    email = Column(String(200), nullable=True)
    language = Column(String(2), nullable=False, default="it")
    vulnerable = Column(Boolean, nullable=False, default=False)
    created_at = Column(DateTime, nullable=False, default=_now)
    updated_at = Column(DateTime, nullable=False, default=_now, onupdate=_now)
    invoices = relationship("Invoice", back_populates="debtor", order_by="Invoice.due_date")


class Invoice(Base):
    __tablename__ = "invoices"
    __table_args__ = (UniqueConstraint("creditor_id", "number_key"),)
    id = Column(Integer, primary_key=True)
    creditor_id = _creditor()
    debtor_id = Column(Integer, ForeignKey("debtors.id"), nullable=False, index=True)
    invoice_number = Column(String(64), nullable=False)
    # Lookup key: upper case, no spaces, so "ft-2026/ 00417" finds "FT-2026/00417".
    number_key = Column(String(64), nullable=False)
    issue_date = Column(Date, nullable=False)
    due_date = Column(Date, nullable=False)
    amount_due = Column(Money, nullable=False)
    currency = Column(String(3), nullable=False, default="EUR")
    # Collection freeze: disputed or being reconciled; no reminders, no pressure.
    collection_hold = Column(String(32), nullable=True)  # None | dispute | reconciliation | pause
    created_at = Column(DateTime, nullable=False, default=_now)
    updated_at = Column(DateTime, nullable=False, default=_now, onupdate=_now)
    debtor = relationship("Debtor", back_populates="invoices")
    payments = relationship("Payment", back_populates="invoice", order_by="Payment.paid_on")


class Payment(Base):
    __tablename__ = "payments"
    __table_args__ = (UniqueConstraint("invoice_id", "paid_on", "amount", "reference"),)
    id = Column(Integer, primary_key=True)
    creditor_id = _creditor()
    invoice_id = Column(Integer, ForeignKey("invoices.id"), nullable=False, index=True)
    paid_on = Column(Date, nullable=False)
    amount = Column(Money, nullable=False)
    reference = Column(String(128), nullable=False, default="")
    created_at = Column(DateTime, nullable=False, default=_now)
    invoice = relationship("Invoice", back_populates="payments")


class PaymentPlan(Base):
    __tablename__ = "payment_plans"
    id = Column(Integer, primary_key=True)
    creditor_id = _creditor()
    debtor_id = Column(Integer, ForeignKey("debtors.id"), nullable=False, index=True)
    status = Column(String(16), nullable=False, default=PlanStatus.ACTIVE.value)
    total = Column(Money, nullable=False)
    instalment_count = Column(Integer, nullable=False)
    conversation_id = Column(String(128), nullable=True)
    channel = Column(String(16), nullable=True)
    created_by = Column(String(64), nullable=False, default="bot")
    created_at = Column(DateTime, nullable=False, default=_now)
    instalments = relationship(
        "PlanInstalment", back_populates="plan", order_by="PlanInstalment.number",
        cascade="all, delete-orphan",
    )


class PlanInstalment(Base):
    __tablename__ = "plan_instalments"
    __table_args__ = (UniqueConstraint("plan_id", "number"),)
    id = Column(Integer, primary_key=True)
    plan_id = Column(Integer, ForeignKey("payment_plans.id"), nullable=False, index=True)
    number = Column(Integer, nullable=False)
    due_date = Column(Date, nullable=False)
    amount = Column(Money, nullable=False)
    paid = Column(Boolean, nullable=False, default=False)
    plan = relationship("PaymentPlan", back_populates="instalments")


class PromiseToPay(Base):
    __tablename__ = "promises"
    id = Column(Integer, primary_key=True)
    creditor_id = _creditor()
    debtor_id = Column(Integer, ForeignKey("debtors.id"), nullable=False, index=True)
    invoice_id = Column(Integer, ForeignKey("invoices.id"), nullable=True)
    amount = Column(Money, nullable=False)
    promised_date = Column(Date, nullable=False)
    status = Column(String(16), nullable=False, default=PromiseStatus.OPEN.value)
    reminder_on = Column(Date, nullable=True)
    conversation_id = Column(String(128), nullable=True)
    channel = Column(String(16), nullable=True)
    created_at = Column(DateTime, nullable=False, default=_now)


class Dispute(Base):
    __tablename__ = "disputes"
    id = Column(Integer, primary_key=True)
    creditor_id = _creditor()
    invoice_id = Column(Integer, ForeignKey("invoices.id"), nullable=False, index=True)
    reason = Column(Text, nullable=False)
    # not_mine | amount_wrong | not_received | cancelled | other (bot.dialogue.choices)
    category = Column(String(16), nullable=False, default="other", server_default="other")
    status = Column(String(16), nullable=False, default=DisputeStatus.OPEN.value)
    conversation_id = Column(String(128), nullable=True)
    respond_by = Column(Date, nullable=True)
    created_at = Column(DateTime, nullable=False, default=_now)


class ReconciliationCase(Base):
    __tablename__ = "reconciliation_cases"
    id = Column(Integer, primary_key=True)
    creditor_id = _creditor()
    invoice_id = Column(Integer, ForeignKey("invoices.id"), nullable=False, index=True)
    claimed_paid_on = Column(Date, nullable=True)
    claimed_amount = Column(Money, nullable=True)
    claimed_reference = Column(String(128), nullable=True)
    status = Column(String(16), nullable=False, default=ReconciliationStatus.OPEN.value)
    conversation_id = Column(String(128), nullable=True)
    created_at = Column(DateTime, nullable=False, default=_now)


class ContactPreference(Base):
    """Opt-outs per channel and address; channel ``all`` means every channel."""

    __tablename__ = "contact_preferences"
    __table_args__ = (UniqueConstraint("creditor_id", "channel", "address"),)
    id = Column(Integer, primary_key=True)
    creditor_id = _creditor()
    debtor_id = Column(Integer, ForeignKey("debtors.id"), nullable=True, index=True)
    channel = Column(String(16), nullable=False)
    address = Column(String(128), nullable=False)
    opted_out = Column(Boolean, nullable=False, default=True)
    updated_at = Column(DateTime, nullable=False, default=_now, onupdate=_now)


class VerificationAttempt(Base):
    __tablename__ = "verification_attempts"
    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(128), nullable=False, index=True)
    invoice_key = Column(String(64), nullable=False, index=True)
    # Keyed hash (HMAC-SHA256 hex) of the normalised tax code given, never the clear code.
    tax_key = Column(String(64), nullable=True, index=True)
    # Who tried: the network client if known, else channel + sender id.
    client_key = Column(String(128), nullable=True, index=True)
    succeeded = Column(Boolean, nullable=False)
    created_at = Column(DateTime, nullable=False, default=_now, index=True)


class NpsResponse(Base):
    __tablename__ = "nps_responses"
    id = Column(Integer, primary_key=True)
    creditor_id = _creditor()
    debtor_id = Column(Integer, ForeignKey("debtors.id"), nullable=True, index=True)
    conversation_id = Column(String(128), nullable=True)
    channel = Column(String(16), nullable=False)
    journey = Column(String(32), nullable=False)
    outcome = Column(String(32), nullable=False)
    language = Column(String(2), nullable=False)
    score = Column(Integer, nullable=False)
    reason = Column(Text, nullable=True)
    improvement = Column(Text, nullable=True)
    created_at = Column(DateTime, nullable=False, default=_now, index=True)


class FollowUpTask(Base):
    __tablename__ = "followup_tasks"
    id = Column(Integer, primary_key=True)
    creditor_id = _creditor()
    kind = Column(String(32), nullable=False)  # nps_detractor | callback | hardship
    debtor_id = Column(Integer, ForeignKey("debtors.id"), nullable=True)
    nps_response_id = Column(Integer, ForeignKey("nps_responses.id"), nullable=True)
    conversation_id = Column(String(128), nullable=True)
    status = Column(String(16), nullable=False, default=TaskStatus.OPEN.value)
    note = Column(Text, nullable=True)
    owner = Column(String(64), nullable=True)
    due_on = Column(Date, nullable=True)
    resolution = Column(Text, nullable=True)
    closed_at = Column(DateTime, nullable=True)
    created_at = Column(DateTime, nullable=False, default=_now)


class Conversation(Base):
    """Where a conversation lives, so agents and reminders can reach the debtor later."""

    __tablename__ = "conversations"
    conversation_id = Column(String(128), primary_key=True)
    channel = Column(String(16), nullable=False)
    address = Column(String(128), nullable=True)  # chat id / phone; masked in logs
    language = Column(String(2), nullable=True)
    debtor_id = Column(Integer, ForeignKey("debtors.id"), nullable=True)
    paused = Column(Boolean, nullable=False, default=False)
    created_at = Column(DateTime, nullable=False, default=_now)
    last_inbound_at = Column(DateTime, nullable=True)


class TranscriptMessage(Base):
    __tablename__ = "transcript_messages"
    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(128), nullable=False, index=True)
    sender = Column(String(16), nullable=False)  # debtor | bot | agent | system
    text = Column(Text, nullable=False)
    created_at = Column(DateTime, nullable=False, default=_now)


class Handoff(Base):
    __tablename__ = "handoffs"
    __table_args__ = (Index("ix_handoffs_status_priority", "status", "priority"),)
    id = Column(Integer, primary_key=True)
    creditor_id = _creditor()
    conversation_id = Column(String(128), nullable=False, index=True)
    channel = Column(String(16), nullable=False)
    reason = Column(String(32), nullable=False)
    language = Column(String(2), nullable=False, default="it")
    priority = Column(Integer, nullable=False, default=0)  # higher first; vulnerability = 10
    status = Column(String(16), nullable=False, default=HandoffStatus.QUEUED.value)
    summary = Column(Text, nullable=False, default="{}")  # JSON
    assigned_to = Column(String(64), nullable=True)
    outcome = Column(String(32), nullable=True)
    last_note_at = Column(DateTime, nullable=True)
    created_at = Column(DateTime, nullable=False, default=_now)
    taken_at = Column(DateTime, nullable=True)
    closed_at = Column(DateTime, nullable=True)


class Agent(Base):
    __tablename__ = "agents"
    id = Column(Integer, primary_key=True)
    username = Column(String(64), nullable=False, unique=True)
    display_name = Column(String(128), nullable=False)
    password_hash = Column(String(255), nullable=False)
    language = Column(String(2), nullable=False, default="it")
    active = Column(Boolean, nullable=False, default=True)
    created_at = Column(DateTime, nullable=False, default=_now)
    role = Column(String(16), nullable=False, default="agent", server_default="agent")  # bot.handoff.roles


class AuditLog(Base):
    __tablename__ = "audit_log"
    id = Column(Integer, primary_key=True)
    creditor_id = _creditor()
    created_at = Column(DateTime, nullable=False, default=_now, index=True)
    actor = Column(String(64), nullable=False)  # bot | import | agent:<username>
    action = Column(String(64), nullable=False)
    entity = Column(String(32), nullable=True)
    entity_id = Column(String(64), nullable=True)
    conversation_id = Column(String(128), nullable=True)
    details = Column(Text, nullable=True)  # JSON, never full tax codes or phone numbers

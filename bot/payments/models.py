"""Payment events: every payment that reaches the ledger, whichever way it came.

``(source, event_id)`` is unique, so a Stripe event delivered twice, a statement imported
twice or a payments file re-run cannot book the same money twice.
"""
from __future__ import annotations


from sqlalchemy import Column, Date, DateTime, ForeignKey, Integer, String, UniqueConstraint

from bot.ledger.models import DEFAULT_CREDITOR, Base, Money, _now


class PaymentEvent(Base):
    __tablename__ = "payment_events"
    __table_args__ = (UniqueConstraint("source", "event_id", name="uq_payment_events_source_event"),)
    id = Column(Integer, primary_key=True)
    creditor_id = Column(String(40), nullable=False, default=DEFAULT_CREDITOR, index=True)
    source = Column(String(16), nullable=False)  # stripe | statement | import | agent
    event_id = Column(String(128), nullable=False)  # provider event id / bank transaction id
    kind = Column(String(48), nullable=False, default="payment")
    debtor_id = Column(Integer, ForeignKey("debtors.id"), nullable=True, index=True)
    invoice_id = Column(Integer, ForeignKey("invoices.id"), nullable=True, index=True)
    instalment_id = Column(Integer, ForeignKey("plan_instalments.id"), nullable=True)
    promise_id = Column(Integer, ForeignKey("promises.id"), nullable=True)
    amount = Column(Money, nullable=False)
    currency = Column(String(3), nullable=False, default="EUR")
    paid_on = Column(Date, nullable=False)
    payment_id = Column(Integer, ForeignKey("payments.id"), nullable=True)
    created_at = Column(DateTime, nullable=False, default=_now)

"""Imported bank lines and what became of them.

``(creditor_id, txn_id)`` is unique: importing the same statement twice, or a camt.054
notification and then the day's camt.053 carrying the same transaction, stores it once.
``status``: applied (sure match, payment booked), review (unsure, waits in the console),
unmatched, rejected (by an agent) or ignored (debits). ``allocations`` is JSON
``[{"invoice_id": 1, "amount": "10.00"}]``: what the match proposes or what was applied.
"""
from __future__ import annotations


from sqlalchemy import Column, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint

from bot.ledger.states import StatementLineStatus
from bot.ledger.models import DEFAULT_CREDITOR, Base, Money, _now


class StatementLine(Base):
    __tablename__ = "statement_lines"
    __table_args__ = (
        UniqueConstraint("creditor_id", "txn_id", name="uq_statement_lines_creditor_txn"),
        Index("ix_statement_lines_status", "status"),
    )
    id = Column(Integer, primary_key=True)
    creditor_id = Column(String(40), nullable=False, default=DEFAULT_CREDITOR)
    txn_id = Column(String(128), nullable=False)
    source_file = Column(String(200), nullable=False, default="")
    booked_on = Column(Date, nullable=False)
    value_on = Column(Date, nullable=True)
    amount = Column(Money, nullable=False)
    currency = Column(String(3), nullable=False, default="EUR")
    remittance = Column(Text, nullable=False, default="")
    counterparty = Column(String(200), nullable=False, default="")
    status = Column(String(16), nullable=False, default=StatementLineStatus.UNMATCHED.value)
    debtor_id = Column(Integer, ForeignKey("debtors.id"), nullable=True, index=True)
    allocations = Column(Text, nullable=False, default="[]")
    confidence = Column(Float, nullable=False, default=0.0)  # a probability, not money
    reason = Column(String(200), nullable=False, default="")
    decided_by = Column(String(64), nullable=True)
    decided_at = Column(DateTime, nullable=True)
    created_at = Column(DateTime, nullable=False, default=_now)

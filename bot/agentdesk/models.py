"""Tables of the agent desk: canned replies and the link from an inbox task to its case.

Disputes and reconciliation cases have their own tables and life cycle; the inbox gives each
one a ``followup_tasks`` row (owner, due date, done with a note) and remembers which case it
stands for here, so the same case never gets two tasks.
"""
from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint

from bot.ledger.models import Base, _creditor, _now


class TaskSource(Base):
    """Which dispute or reconciliation case an inbox task was opened for."""

    __tablename__ = "task_sources"
    __table_args__ = (UniqueConstraint("source", "source_id"),)
    followup_task_id = Column(Integer, primary_key=True, autoincrement=False)  # followup_tasks.id
    source = Column(String(16), nullable=False)  # dispute | reconciliation
    source_id = Column(Integer, nullable=False)
    # Kept so a privacy erasure finds the row through the debtor's invoice.
    invoice_id = Column(Integer, ForeignKey("invoices.id"), nullable=True, index=True)


class CannedReply(Base):
    """A reply text an agent can insert, per language; ``{name}``-style variables filled at use."""

    __tablename__ = "canned_replies"
    __table_args__ = (UniqueConstraint("creditor_id", "language", "title"),)
    id = Column(Integer, primary_key=True)
    creditor_id = _creditor()
    language = Column(String(2), nullable=False)  # it | en
    title = Column(String(80), nullable=False)
    body = Column(Text, nullable=False)
    active = Column(Boolean, nullable=False, default=True)
    updated_by = Column(String(64), nullable=False, default="")
    updated_at = Column(DateTime, nullable=False, default=_now, onupdate=_now)

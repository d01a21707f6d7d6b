"""Instalments of one invoice: the several due dates an e-invoice may carry.

An invoice whose payment terms are split (FatturaPA ``DettaglioPagamento`` repeated, e.g.
30/60/90 days) keeps one ``invoices`` row (total amount, first due date) and one
``invoice_instalments`` row per due date. An invoice with a single due date has none.

Payments are not tied to an instalment: they cover the instalments in due-date order, so
"what is due next, and from when" is a pure function of the amounts (:func:`next_open`).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Iterable, Sequence

from sqlalchemy import Column, Date, DateTime, ForeignKey, Integer, String, UniqueConstraint

from bot.ledger.models import DEFAULT_CREDITOR, Base, Money, _now

ZERO = Decimal("0.00")


class InvoiceInstalment(Base):
    __tablename__ = "invoice_instalments"
    __table_args__ = (UniqueConstraint("invoice_id", "number", name="uq_invoice_instalments_invoice_number"),)
    id = Column(Integer, primary_key=True)
    creditor_id = Column(String(40), nullable=False, default=DEFAULT_CREDITOR, index=True)
    invoice_id = Column(Integer, ForeignKey("invoices.id"), nullable=False, index=True)
    number = Column(Integer, nullable=False)  # 1-based, in due-date order
    due_date = Column(Date, nullable=False)
    amount = Column(Money, nullable=False)
    created_at = Column(DateTime, nullable=False, default=_now)


@dataclass(frozen=True)
class Due:
    """One due date of an invoice and what is still open on it."""

    number: int
    due_date: date
    amount: Decimal
    open: Decimal


def allocate(instalments: Iterable[tuple[date, Decimal]], paid: Decimal) -> list[Due]:
    """Instalments (due date, amount) with ``paid`` applied earliest due date first.

    The open amounts sum to ``max(total - paid, 0)``; an overpayment leaves every one at zero.
    """
    ordered = sorted(instalments, key=lambda item: item[0])
    left = max(paid, ZERO)
    out: list[Due] = []
    for number, (due, amount) in enumerate(ordered, start=1):
        covered = min(left, amount)
        left -= covered
        out.append(Due(number, due, amount, amount - covered))
    return out


def next_open(instalments: Sequence[tuple[date, Decimal]], paid: Decimal) -> Due | None:
    """The earliest instalment not fully paid, or ``None`` when all are."""
    return next((d for d in allocate(instalments, paid) if d.open > ZERO), None)

"""Where a payment larger than its invoice's open amount goes: never lost, never hidden.

The named invoice takes at most what is still open on it; the excess pays the same debtor's
other open invoices, oldest due date first; whatever is still left stays on the named invoice
as an overpayment for a person to refund or reallocate (``apply_payment`` opens the task).
Pure arithmetic on Decimals, so the property tests can drive it without a database.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Sequence

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Allocation:
    """``on_invoice`` on the named invoice, ``others`` as (invoice id, amount), ``left`` over."""

    on_invoice: Decimal
    others: list[tuple[int, Decimal]] = field(default_factory=list)
    left: Decimal = ZERO


def allocate(amount: Decimal, open_amount: Decimal, others: Sequence[tuple[int, Decimal]]) -> Allocation:
    """Split ``amount``; ``others`` are (invoice id, open amount) in the order to be paid.

    The parts always add up to ``amount``: on_invoice + sum(others) + left == amount.
    """
    take = min(amount, max(open_amount, ZERO))
    rest = amount - take
    moved: list[tuple[int, Decimal]] = []
    for invoice_id, open_other in others:
        if rest <= 0:
            break
        part = min(rest, open_other)
        if part > 0:
            moved.append((invoice_id, part))
            rest -= part
    return Allocation(on_invoice=take, others=moved, left=rest)

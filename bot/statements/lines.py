"""The bank line every statement reader produces."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class BankLine:
    """One booked movement; ``amount`` is positive for credits, negative for debits."""

    txn_id: str
    booked_on: date
    value_on: date | None
    amount: Decimal
    currency: str
    remittance: str
    counterparty: str = ""

    @property
    def is_credit(self) -> bool:
        return self.amount > 0


def synthetic_id(*parts: object) -> str:
    """A stable id for lines the bank gave none: the same file re-imported gives the same ids."""
    raw = "\x1f".join(str(p) for p in parts)
    return "h:" + hashlib.sha256(raw.encode()).hexdigest()[:40]

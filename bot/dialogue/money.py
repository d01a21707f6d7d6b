"""Foreign amounts are confirmed in euros before any plan is computed (docs/architecture.md §5.4)."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from bot.creditor import get_creditor


def to_euro(amount: Decimal, currency: str) -> Decimal | None:
    """The amount in euros at the creditor's indicative rate, rounded to the cent; None for an unknown currency."""
    if currency.upper() == "EUR":
        return amount
    rate = get_creditor().fx_rates.get(currency.upper())
    if rate is None:
        return None
    return (amount * rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

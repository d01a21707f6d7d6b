"""Money for providers: Decimal euros <-> integer cents, never through float."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")


def to_cents(amount: Decimal) -> int:
    """Exact integer cents of a positive Decimal amount (rounded half-up to the cent).

    Floats are refused: ``0.1 + 0.2`` must never reach a payment link.
    """
    if isinstance(amount, float) or not isinstance(amount, (Decimal, int)):
        raise TypeError("amount must be a Decimal")
    if not Decimal(amount).is_finite():
        raise ValueError("amount is not a finite number")
    try:
        cents = (Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP) * 100).to_integral_exact()
    except InvalidOperation as exc:
        raise ValueError("amount is not a finite number") from exc
    if cents <= 0:
        raise ValueError("amount must be positive")
    return int(cents)


def from_cents(cents: int) -> Decimal:
    """Decimal euros of integer cents as providers report them."""
    if isinstance(cents, bool) or not isinstance(cents, int):
        raise TypeError("cents must be an integer")
    return (Decimal(cents) / 100).quantize(CENT)

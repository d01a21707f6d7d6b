from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

from bot.payments.amounts import from_cents, to_cents


@given(st.integers(min_value=1, max_value=10**10))
def test_cents_round_trip(cents: int) -> None:
    assert to_cents(from_cents(cents)) == cents


def test_exact_cents_without_float() -> None:
    assert to_cents(Decimal("1240.50")) == 124050
    assert to_cents(Decimal("0.1") + Decimal("0.2")) == 30
    assert to_cents(Decimal("10.005")) == 1001  # half-up to the cent


@pytest.mark.parametrize("bad", [0.3, "1.00"])
def test_floats_and_strings_refused(bad) -> None:
    with pytest.raises(TypeError):
        to_cents(bad)


@pytest.mark.parametrize("bad", [Decimal("0"), Decimal("-1"), Decimal("NaN"), Decimal("Infinity")])
def test_non_positive_or_non_finite_refused(bad) -> None:
    with pytest.raises(ValueError):
        to_cents(bad)

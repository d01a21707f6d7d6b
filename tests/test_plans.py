"""Plan engine: property tests against an independent brute force, plus worked examples."""
from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import Decimal

import holidays
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.plans import (
    PlanPolicy, build_schedule, business_day_on_or_after, longest_plan_amount, propose_plans,
)
from bot.plans.calendar import add_business_days
from bot.plans.engine import first_due_date

PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
D = Decimal


def _cents(amount: Decimal) -> int:
    return int(amount * 100)


def _business(d: date) -> bool:
    return d.weekday() < 5 and d not in holidays.Italy(years=d.year)


def _affordable(balance: Decimal, policy: PlanPolicy, sustainable: Decimal | None) -> list[int]:
    """Every allowed, affordable count, worked out in integer cents."""
    b = _cents(balance)
    found = []
    for n in range(2, policy.max_count_for(balance) + 1):
        regular = b // n
        last = b - regular * (n - 1)
        if _cents(policy.min_instalment) <= regular and (sustainable is None or D(last) / 100 <= sustainable):
            found.append(n)
    return found


def _same_day_months_later(start: date, months: int) -> date:
    year, month = divmod(start.month - 1 + months, 12)
    year, month = start.year + year, month + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


cents_amounts = st.integers(min_value=1, max_value=20_000_000).map(lambda c: D(c) / 100)


@st.composite
def policies(draw) -> PlanPolicy:
    short = draw(st.integers(1, 24))
    return PlanPolicy(
        min_instalment=draw(st.sampled_from([D("0.01"), D("1.00"), D("10.00"), D("25.00"), D("50.00"), D("99.99")])),
        max_instalments=short,
        max_instalments_large=draw(st.integers(short, 36)),
        large_balance_threshold=draw(st.sampled_from([D("1000.00"), D("5000.00"), D("20000.00")])),
        first_due_within_days=draw(st.integers(1, 90)),
        max_options=draw(st.integers(1, 4)),
    )


todays = st.dates(min_value=date(2024, 1, 1), max_value=date(2034, 12, 31))
sustainables = st.none() | st.integers(min_value=1, max_value=5_000_000).map(lambda c: D(c) / 100)


@PROPERTY
@given(balance=cents_amounts, policy=policies(), today=todays, sustainable=sustainables)
def test_every_proposal_keeps_the_rules(balance, policy, today, sustainable) -> None:
    proposals = propose_plans(balance, policy, today, sustainable_monthly=sustainable)
    affordable = _affordable(balance, policy, sustainable)

    assert (proposals == []) == (affordable == [])
    if not proposals:
        return
    counts = [p.count for p in proposals]
    assert counts[0] == affordable[0], "shortest affordable plan first"
    assert counts == sorted(set(counts)), "distinct and ascending"
    assert len(counts) == min(max(1, policy.max_options), len(affordable))
    assert set(counts) <= set(affordable)

    window_end = today + timedelta(days=policy.first_due_within_days)
    window_has_business_day = any(_business(today + timedelta(days=i)) for i in range(policy.first_due_within_days + 1))
    for plan in proposals:
        amounts = [i.amount for i in plan.instalments]
        assert plan.total == balance == sum(amounts)
        assert all(a == a.quantize(D("0.01")) for a in amounts)
        assert all(a >= policy.min_instalment for a in amounts)
        if sustainable is not None:
            assert all(a <= sustainable for a in amounts)
        assert len(set(amounts[:-1])) <= 1 and amounts[-1] >= amounts[0]
        assert _cents(amounts[-1] - amounts[0]) < plan.count
        assert 2 <= plan.count <= policy.max_count_for(balance)
        assert [i.number for i in plan.instalments] == list(range(1, plan.count + 1))

        dates = [i.due_date for i in plan.instalments]
        assert dates[0] >= today
        if window_has_business_day:
            assert dates[0] <= window_end
        assert all(_business(d) for d in dates)
        for earlier, later in zip(dates[:-1], dates[1:], strict=True):
            assert 24 <= (later - earlier).days <= 38
        # Monthly on the first due date's day of month (clipped to short months), shifted
        # forward only over non-business days.
        for k, d in enumerate(dates[1:], start=1):
            nominal = _same_day_months_later(dates[0], k)
            assert d >= nominal
            assert all(not _business(nominal + timedelta(days=j)) for j in range((d - nominal).days))
        assert plan.regular_amount == amounts[0]
        assert plan.first_due == dates[0] and plan.last_due == dates[-1]


@PROPERTY
@given(balance=cents_amounts, policy=policies(), today=todays, sustainable=sustainables,
       wanted=st.integers(1, 40))
def test_wanted_count_comes_first_when_possible(balance, policy, today, sustainable, wanted) -> None:
    proposals = propose_plans(balance, policy, today, sustainable_monthly=sustainable, instalments_wanted=wanted)
    affordable = _affordable(balance, policy, sustainable)
    assert (proposals == []) == (affordable == [])
    if not proposals:
        return
    counts = [p.count for p in proposals]
    nearest = min(affordable, key=lambda c: (abs(c - wanted), c))
    assert counts[0] == nearest
    assert len(set(counts)) == len(counts) <= max(1, policy.max_options)
    assert counts[1:] == sorted(counts[1:])
    if wanted in affordable:
        assert counts[0] == wanted


@PROPERTY
@given(balance=cents_amounts, policy=policies(), today=todays)
def test_longest_plan_amount_is_the_least_affordable_monthly(balance, policy, today) -> None:
    least = longest_plan_amount(balance, policy)
    if not _affordable(balance, policy, None):
        assert least == balance
        assert propose_plans(balance, policy, today) == []
        return
    assert propose_plans(balance, policy, today, sustainable_monthly=least)
    if least > D("0.01"):
        assert propose_plans(balance, policy, today, sustainable_monthly=least - D("0.01")) == []


def test_twelve_instalments_of_1240_50() -> None:
    plan = build_schedule(D("1240.50"), 12, PlanPolicy(), date(2026, 3, 2))
    amounts = [i.amount for i in plan.instalments]
    assert amounts[:11] == [D("103.37")] * 11
    assert amounts[11] == D("103.43")
    assert plan.total == D("1240.50")


def test_default_offers_shortest_then_longer_ones() -> None:
    proposals = propose_plans(D("1240.50"), PlanPolicy(), date(2026, 3, 2))
    assert [p.count for p in proposals] == [2, 5, 12]
    with_budget = propose_plans(D("1240.50"), PlanPolicy(), date(2026, 3, 2), sustainable_monthly=D("200"))
    assert [p.count for p in with_budget] == [7, 9, 12]
    assert with_budget[0].regular_amount == D("177.21")
    assert with_budget[0].instalments[-1].amount == D("177.24")


def test_large_balance_may_spread_over_24_months() -> None:
    proposals = propose_plans(D("6000.00"), PlanPolicy(), date(2026, 3, 2), sustainable_monthly=D("300"))
    assert [p.count for p in proposals] == [20, 22, 24]
    assert proposals[-1].regular_amount == D("250.00")


def test_christmas_and_weekend_are_skipped() -> None:
    # Today + 14 days is Friday 25 December 2026; the 26th and 27th are a holiday and a Sunday.
    plan = build_schedule(D("300.00"), 3, PlanPolicy(), date(2026, 12, 11))
    assert plan.first_due == date(2026, 12, 28)
    assert [i.due_date for i in plan.instalments][1:] == [date(2027, 1, 28), date(2027, 3, 1)]


def test_easter_monday_and_short_february_are_skipped() -> None:
    plan = build_schedule(D("400.00"), 4, PlanPolicy(), date(2027, 1, 15))
    assert [i.due_date for i in plan.instalments] == [
        date(2027, 1, 29),
        date(2027, 3, 1),   # 28 February 2027 is a Sunday (no 29th)
        date(2027, 3, 30),  # 29 March 2027 is Easter Monday
        date(2027, 4, 29),
    ]


def test_end_of_month_anchor_follows_short_months() -> None:
    plan = build_schedule(D("500.00"), 5, PlanPolicy(), date(2026, 12, 17))
    assert [i.due_date for i in plan.instalments] == [
        date(2026, 12, 31), date(2027, 2, 1), date(2027, 3, 1), date(2027, 3, 31), date(2027, 4, 30),
    ]


def test_small_balance_is_paid_at_once() -> None:
    assert propose_plans(D("49.99"), PlanPolicy(), date(2026, 3, 2)) == []
    assert longest_plan_amount(D("49.99"), PlanPolicy()) == D("49.99")
    only = propose_plans(D("50.00"), PlanPolicy(), date(2026, 3, 2))
    assert [(p.count, p.regular_amount) for p in only] == [(2, D("25.00"))]


def test_nothing_affordable_gives_no_plan() -> None:
    assert propose_plans(D("10000.00"), PlanPolicy(), date(2026, 3, 2), sustainable_monthly=D("100")) == []
    assert propose_plans(D("1000.00"), PlanPolicy(), date(2026, 3, 2), sustainable_monthly=D("24.99")) == []
    assert longest_plan_amount(D("10000.00"), PlanPolicy()) == D("416.82")  # 23 × 416.66 + 416.82


def test_wanted_count_first_then_alternatives() -> None:
    counts = [p.count for p in propose_plans(D("1240.50"), PlanPolicy(), date(2026, 3, 2), instalments_wanted=6)]
    assert counts == [6, 2, 12]
    # More than allowed: the longest allowed plan comes first.
    counts = [p.count for p in propose_plans(D("1240.50"), PlanPolicy(), date(2026, 3, 2), instalments_wanted=30)]
    assert counts == [12, 2, 5]


def test_first_due_date_stays_in_a_short_window() -> None:
    friday = date(2026, 11, 20)
    assert first_due_date(friday, 3) == date(2026, 11, 23)
    assert first_due_date(friday, 2) == friday  # Saturday and Sunday: today is the only business day
    # Saturday 26 December with a one-day window: no business day inside it at all.
    assert first_due_date(date(2026, 12, 26), 1) == date(2026, 12, 28)


def test_business_day_on_or_after() -> None:
    assert business_day_on_or_after(date(2026, 4, 25)) == date(2026, 4, 27)  # Liberation Day, Saturday
    assert business_day_on_or_after(date(2026, 6, 2)) == date(2026, 6, 3)    # Republic Day
    assert business_day_on_or_after(date(2026, 6, 3)) == date(2026, 6, 3)


def test_add_business_days_skips_weekends_and_holidays() -> None:
    assert add_business_days(date(2026, 11, 20), 2) == date(2026, 11, 24)  # Friday -> Tuesday
    assert add_business_days(date(2026, 12, 24), 1) == date(2026, 12, 28)  # over Christmas and Santo Stefano


@pytest.mark.parametrize("balance", [D("0"), D("-10.00"), D("1.234"), D("NaN"), D("Infinity")])
def test_bad_balance_is_refused(balance) -> None:
    with pytest.raises(ValueError):
        propose_plans(balance, PlanPolicy(), date(2026, 3, 2))


def test_wrong_types_are_refused() -> None:
    with pytest.raises(TypeError):
        propose_plans(1240.5, PlanPolicy(), date(2026, 3, 2))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        propose_plans(D("100"), PlanPolicy(), date(2026, 3, 2), sustainable_monthly=50.0)  # type: ignore[arg-type]


@pytest.mark.parametrize("sustainable", [D("0"), D("-5"), D("NaN")])
def test_bad_sustainable_amount_is_refused(sustainable) -> None:
    with pytest.raises(ValueError):
        propose_plans(D("100.00"), PlanPolicy(), date(2026, 3, 2), sustainable_monthly=sustainable)


def test_bad_wanted_count_is_refused() -> None:
    with pytest.raises(ValueError):
        propose_plans(D("100.00"), PlanPolicy(), date(2026, 3, 2), instalments_wanted=0)


@pytest.mark.parametrize("count", [1, 13])
def test_build_schedule_refuses_disallowed_counts(count) -> None:
    with pytest.raises(ValueError):
        build_schedule(D("1240.50"), count, PlanPolicy(), date(2026, 3, 2))


def test_build_schedule_refuses_instalments_below_minimum() -> None:
    with pytest.raises(ValueError):
        build_schedule(D("100.00"), 5, PlanPolicy(), date(2026, 3, 2))

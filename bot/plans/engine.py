"""Repayment-plan proposals (docs/architecture.md §6): pure functions over Decimal, no database.

The rules every proposal keeps:
- the instalments add up to the balance exactly, to the cent;
- equal instalments rounded down to the cent, the last one takes the remainder, so no
  instalment is below the creditor's minimum and the last is never smaller than the rest;
- no instalment above the monthly amount the debtor said is sustainable;
- between 2 and ``policy.max_count_for(balance)`` instalments;
- the first due date inside ``policy.first_due_within_days``, then monthly on the same day
  of the month, each moved forward to a business day.
An unaffordable plan is never proposed: when no count fits, the answer is ``[]`` and the
dialogue offers a person and a payment pause instead.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from dateutil.relativedelta import relativedelta

from bot.plans.calendar import business_day_on_or_after, business_day_on_or_before
from bot.plans.policy import PlanPolicy

CENT = Decimal("0.01")
# Two weeks leave time to set up a bank transfer without pushing the start far away.
FIRST_DUE_OFFSET_DAYS = 14
MIN_COUNT = 2


@dataclass(frozen=True)
class Instalment:
    number: int
    due_date: date
    amount: Decimal


@dataclass(frozen=True)
class PlanProposal:
    instalments: tuple[Instalment, ...]

    def __post_init__(self) -> None:
        if not self.instalments:
            raise ValueError("a plan needs at least one instalment")

    @property
    def count(self) -> int:
        return len(self.instalments)

    @property
    def total(self) -> Decimal:
        return sum((i.amount for i in self.instalments), Decimal("0.00"))

    @property
    def regular_amount(self) -> Decimal:
        return self.instalments[0].amount

    @property
    def first_due(self) -> date:
        return self.instalments[0].due_date

    @property
    def last_due(self) -> date:
        return self.instalments[-1].due_date


def propose_plans(
    balance: Decimal,
    policy: PlanPolicy,
    today: date,
    sustainable_monthly: Decimal | None = None,
    instalments_wanted: int | None = None,
) -> list[PlanProposal]:
    """Up to ``policy.max_options`` affordable plans, shortest first.

    With ``instalments_wanted`` the plan closest to that count (clamped to what is allowed
    and affordable) comes first, then the alternatives in ascending length.
    """
    _check_balance(balance)
    if sustainable_monthly is not None:
        _check_positive_money("sustainable_monthly", sustainable_monthly)
    wanted = _check_wanted(instalments_wanted)
    counts = _affordable_counts(balance, policy, sustainable_monthly)
    if not counts:
        return []
    slots = max(1, policy.max_options)
    chosen = _spread(counts, slots)
    if wanted is not None:
        chosen = _put_first(_nearest(counts, wanted), chosen, slots)
    return [_schedule(balance, n, today, policy.first_due_within_days) for n in chosen]


def build_schedule(balance: Decimal, count: int, policy: PlanPolicy, today: date) -> PlanProposal:
    """The schedule of a plan with exactly ``count`` instalments (no affordability check)."""
    _check_balance(balance)
    if isinstance(count, bool) or not isinstance(count, int):
        raise TypeError("count must be an int")
    longest = policy.max_count_for(balance)
    if not MIN_COUNT <= count <= longest:
        raise ValueError(f"count must be between {MIN_COUNT} and {longest}")
    regular, _ = _split(balance, count)
    if regular < policy.min_instalment:
        raise ValueError(f"{count} instalments would go below the minimum of {policy.min_instalment}")
    return _schedule(balance, count, today, policy.first_due_within_days)


def longest_plan_amount(balance: Decimal, policy: PlanPolicy) -> Decimal:
    """The least a debtor must manage each month for any plan to exist.

    It is the largest instalment (the last one) of the cheapest allowed plan, so
    ``propose_plans(..., sustainable_monthly=longest_plan_amount(...))`` is never empty and
    any smaller amount gets no plan. A balance too small to split is owed at once: the
    balance itself is returned.
    """
    _check_balance(balance)
    counts = _affordable_counts(balance, policy, None)
    if not counts:
        return balance
    return min(_split(balance, n)[1] for n in counts)


def first_due_date(today: date, within_days: int) -> date:
    """About two weeks from today on a business day, never past the policy window."""
    limit = today + timedelta(days=within_days)
    target = business_day_on_or_after(today + timedelta(days=min(FIRST_DUE_OFFSET_DAYS, within_days)))
    if target <= limit:
        return target
    earlier = business_day_on_or_before(limit)
    # A window of a day or two over a long weekend holds no business day at all; then the
    # next business day is the only honest date.
    return earlier if earlier >= today else target


def _split(balance: Decimal, count: int) -> tuple[Decimal, Decimal]:
    """(regular, last): equal amounts rounded down to the cent, remainder in the last."""
    regular = (balance / count).quantize(CENT, rounding=ROUND_DOWN)
    return regular, balance - regular * (count - 1)


def _affordable_counts(balance: Decimal, policy: PlanPolicy, sustainable: Decimal | None) -> list[int]:
    counts = []
    for n in range(MIN_COUNT, policy.max_count_for(balance) + 1):
        regular, last = _split(balance, n)
        if regular < policy.min_instalment:
            break  # longer plans only get smaller instalments
        if sustainable is None or last <= sustainable:
            counts.append(n)
    return counts


def _spread(counts: list[int], slots: int) -> list[int]:
    """Shortest and longest, plus counts spaced geometrically between them (3, 6, 12)."""
    if slots == 1 or len(counts) == 1:
        return counts[:1]
    shortest, longest = counts[0], counts[-1]
    chosen = {shortest, longest}
    for i in range(1, slots - 1):
        # Counts, not money: a float ratio only picks which whole count sits in between.
        target = shortest * (longest / shortest) ** (i / (slots - 1))
        free = [c for c in counts if c not in chosen]
        if not free:
            break
        chosen.add(min(free, key=lambda c: (abs(c - target), c)))
    return sorted(chosen)


def _put_first(wanted: int, chosen: list[int], slots: int) -> list[int]:
    """The wanted count first; drop the alternatives nearest to it until they fit."""
    others = [c for c in chosen if c != wanted]
    while len(others) > slots - 1:
        # Keep the shortest and longest as anchors for as long as possible.
        inner = others[1:-1] or others
        others.remove(min(inner, key=lambda c: (abs(c - wanted), -c)))
    return [wanted, *others]


def _nearest(counts: list[int], wanted: int) -> int:
    return min(counts, key=lambda c: (abs(c - wanted), c))


def _schedule(balance: Decimal, count: int, today: date, within_days: int) -> PlanProposal:
    regular, last = _split(balance, count)
    anchor = first_due_date(today, within_days)
    instalments = []
    for number in range(1, count + 1):
        # Always step from the anchor, not from the previous (shifted) date, so a 31st
        # stays the end of the month and holiday shifts never accumulate.
        due = business_day_on_or_after(anchor + relativedelta(months=number - 1))
        instalments.append(Instalment(number, due, last if number == count else regular))
    return PlanProposal(tuple(instalments))


def _check_balance(balance: Decimal) -> None:
    _check_positive_money("balance", balance)
    try:
        exact = balance == balance.quantize(CENT)
    except InvalidOperation as exc:  # more digits than the decimal context holds
        raise ValueError("balance is out of range") from exc
    if not exact:
        raise ValueError("balance must have at most two decimals")


def _check_positive_money(name: str, value: Decimal) -> None:
    if not isinstance(value, Decimal):
        raise TypeError(f"{name} must be a Decimal, got {type(value).__name__}")
    if not value.is_finite() or value <= 0:
        raise ValueError(f"{name} must be a positive amount")


def _check_wanted(wanted: int | None) -> int | None:
    if wanted is None:
        return None
    if isinstance(wanted, bool) or not isinstance(wanted, int):
        raise TypeError("instalments_wanted must be an int")
    if wanted < 1:
        raise ValueError("instalments_wanted must be positive")
    return wanted

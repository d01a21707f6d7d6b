"""Business days for due dates: no Saturdays, Sundays or Italian public holidays.

A due date on a day banks do not work would make a debtor "late" through no fault of
their own, so every scheduled date is moved forward to the next business day.
"""
from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _italian_holidays(year: int) -> frozenset[date]:
    # National holidays only: regional patron saints vary by city and banks stay open.
    return frozenset(holidays.country_holidays("IT", years=year).keys())


def is_business_day(d: date) -> bool:
    """Monday to Friday and not an Italian national holiday."""
    return d.weekday() < 5 and d not in _italian_holidays(d.year)


def business_day_on_or_after(d: date) -> date:
    """``d`` itself if it is a business day, else the next one."""
    while not is_business_day(d):
        d += timedelta(days=1)
    return d


def add_business_days(start: date, days: int) -> date:
    """The business day ``days`` business days after ``start``."""
    current = start
    for _ in range(days):
        current = business_day_on_or_after(current + timedelta(days=1))
    return current


def business_day_on_or_before(d: date) -> date:
    """``d`` itself if it is a business day, else the previous one."""
    while not is_business_day(d):
        d -= timedelta(days=1)
    return d

"""When the debtor says they paid: relative days in both languages, never a future date."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.dialogue.extract import pick_past_date
from bot.parsing.past_dates import relative_past_date

MONDAY = date(2026, 12, 7)


@pytest.mark.parametrize("text,expected", [
    ("ho pagato la settimana scorsa", date(2026, 11, 30)),
    ("la settimana passata", date(2026, 11, 30)),
    ("I paid last week", date(2026, 11, 30)),
    ("ieri sera col bonifico", date(2026, 12, 6)),
    ("ho pagato ieri pomeriggio, non capisco il messaggio di oggi", date(2026, 12, 6)),
    ("ho pagato stamani", MONDAY),
    ("l'altro ieri", date(2026, 12, 5)),
    ("avantieri", date(2026, 12, 5)),
    ("the day before yesterday", date(2026, 12, 5)),
    ("tre giorni fa", date(2026, 12, 4)),
    ("due settimane fa", date(2026, 11, 23)),
    ("a week ago", date(2026, 11, 30)),
    ("il mese scorso", date(2026, 11, 7)),
    ("a inizio mese", date(2026, 12, 1)),
    ("il 3", date(2026, 12, 3)),
    ("il 25", date(2026, 11, 25)),   # not come yet this month: the month before
    ("il 31", date(2026, 10, 31)),   # November has no 31st
    ("ho pagato 300 euro il 5", date(2026, 12, 5)),
    ("il 3 novembre", date(2026, 11, 3)),  # a month named: dateparser reads it
])
def test_the_day_a_payment_was_made(text, expected):
    assert pick_past_date(text, "it", MONDAY) == expected


def test_a_date_with_a_month_or_an_amount_is_not_read_as_a_bare_day():
    assert relative_past_date("il 3 novembre", MONDAY) is None
    assert relative_past_date("il 3/11", MONDAY) is None
    assert relative_past_date("il 30%", MONDAY) is None


@given(st.text(max_size=60), st.dates(min_value=date(2000, 3, 1), max_value=date(2090, 12, 31)))
def test_never_a_day_after_today(text, today):
    found = relative_past_date(text, today)
    assert found is None or found <= today


@given(st.integers(min_value=1, max_value=31), st.dates(min_value=date(2000, 3, 1), max_value=date(2090, 12, 31)))
def test_a_bare_day_is_the_latest_such_day_not_after_today(day, today):
    found = relative_past_date(f"il {day}", today)
    assert found is not None and found.day == day and found <= today
    assert today - found < timedelta(days=93)

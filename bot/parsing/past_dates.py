"""Past dates in free text, Italian and English: "ieri", "la settimana scorsa", "tre giorni fa".

The answer to "when did you pay?" names a day relative to today far more often than a
calendar date. dateparser reads "yesterday" and "3 giorni fa", but misses the Italian
phrases in a sentence ("ho pagato la settimana scorsa", "l'altro ieri", "il mese scorso",
"due settimane fa") and a bare "il 3"; those are read here first, dateparser then reads
the rest (``bot.dialogue.extract.pick_past_date``). Nothing here returns a future date.
"""
from __future__ import annotations

import re
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from bot.parsing.dates import _MONTH, fold
from bot.parsing.words import word_to_int

_DAY_BEFORE_YESTERDAY = re.compile(r"\b(?:l'?altro ?ieri|altroieri|avantieri|ieri l'altro|day before yesterday)\b")
_YESTERDAY = re.compile(r"\b(?:ieri|yesterday)\b")
_LAST_WEEK = re.compile(r"\b(?:settimana (?:scorsa|passata)|(?:scorsa|passata) settimana|last week)\b")
_LAST_MONTH = re.compile(r"\b(?:mese (?:scorso|passato)|(?:scorso|passato) mese|last month)\b")
_START_OF_MONTH = re.compile(r"\b(?:inizio (?:del |di questo )?mese|primi del mese|(?:beginning|start) of the month)\b")
_AGO = re.compile(r"\b(?P<n>\d{1,3}|[a-z]+)\s+(?P<unit>giorn[oi]|settiman[ae]|mes[ei]|days?|weeks?|months?)\s+"
                  r"(?:fa|ago)\b")
_BARE_DAY = re.compile(r"(?:^|\b)(?:il|l'|on the|the)\s*(?P<day>\d{1,2})(?:st|nd|rd|th|°|º)?"
                       r"(?!\s*(?:[/.\-:,]\d|%|€|euro|eur|\d))")


def relative_past_date(text: str, today: date) -> date | None:
    """The day ``text`` names relative to ``today`` (never after it), or None."""
    low = fold(text)
    if _DAY_BEFORE_YESTERDAY.search(low):
        return today - timedelta(days=2)
    if _YESTERDAY.search(low):
        return today - timedelta(days=1)
    ago = _AGO.search(low)
    if ago:
        return _ago(ago.group("n"), ago.group("unit"), today)
    if _LAST_WEEK.search(low):
        return today - timedelta(days=7)
    if _LAST_MONTH.search(low):
        return today - relativedelta(months=1)
    if _START_OF_MONTH.search(low):
        return today.replace(day=1)
    day = None if _MONTH.search(low) else _BARE_DAY.search(low)  # "il 3 novembre" is dateparser's
    if day:
        return _latest_day(int(day.group("day")), today)
    return None


def _ago(count: str, unit: str, today: date) -> date | None:
    n = word_to_int(count)
    if n is None or n > 400:
        return None
    if unit.startswith(("giorn", "day")):
        return today - timedelta(days=n)
    if unit.startswith(("settiman", "week")):
        return today - timedelta(weeks=n)
    return today - relativedelta(months=n)


def _latest_day(day: int, today: date) -> date | None:
    """"Il 3": the 3rd of this month if it has come, else of the month before."""
    if not 1 <= day <= 31:
        return None
    for months_back in (0, 1, 2):
        start = today.replace(day=1) - relativedelta(months=months_back)
        try:
            candidate = start.replace(day=day)
        except ValueError:  # the 31st in a 30-day month: go one month further back
            continue
        if candidate <= today:
            return candidate
    return None

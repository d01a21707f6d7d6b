"""Future dates in free text, Italian and English: "venerdì", "fine mese", "il 15", "15/12".

The common answers to "when will you pay?" are handled here directly (dateparser misses
"fine mese", "il 15", "tra due settimane" and "next friday"); dateparser only reads dates
that name a month ("15 dicembre", "December 15th"). A date is never in the past; numeric
dates are day first.
"""
from __future__ import annotations

import calendar
import re
import unicodedata
from datetime import date, datetime, timedelta
from typing import Callable

import dateparser
from dateparser.search import search_dates
from dateutil.relativedelta import relativedelta

from bot.parsing.words import languages, word_to_int

# Anything further away is a misreading ("12/15" as the year 2115), not a promise.
MAX_DAYS_AHEAD = 2 * 366
MAX_LEN = 300

_WEEKDAYS = {
    "lunedi": 0, "martedi": 1, "mercoledi": 2, "giovedi": 3, "venerdi": 4, "sabato": 5, "domenica": 6,
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
}
_MONTH_NAMES = (
    "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre "
    "january february march april may june july august september october november december"
).split()
_MONTH_SHORT = "gen feb mar apr mag giu lug ago set ott nov dic jan jun jul aug sep sept oct dec".split()
_MONTH = re.compile(
    r"\b(?:" + "|".join(_MONTH_NAMES) + r")\b|\d\s*(?:" + "|".join(_MONTH_SHORT) + r")\b|\b(?:"
    + "|".join(_MONTH_SHORT) + r")\.?\s*\d"
)
# "may" is also a verb: it is a month only next to a number.
_MONTH_NOT_MAY = re.compile(r"\b(?:" + "|".join(m for m in _MONTH_NAMES if m != "may") + r")\b")

_TODAY = re.compile(r"\b(?:oggi|today|stamattina|stasera|tonight|in giornata)\b")
_TOMORROW = re.compile(r"\b(?:domani|tomorrow)\b")
_DAY_AFTER = re.compile(r"\b(?:dopodomani|day after tomorrow)\b")
_END_OF_MONTH = re.compile(
    r"\b(?:(?:a |alla )?fine(?: del| di questo)? mese|end of (?:the |this )?month|month[- ]end)\b"
    r"(?P<next>\s+prossimo)?"
)
_END_OF_NEXT_MONTH = re.compile(
    r"\b(?:fine (?:del )?(?:mese prossimo|prossimo mese)|end of next month|end of the next month)\b"
)
_START_OF_MONTH = re.compile(
    r"\b(?:inizio (?:del )?(?:mese|prossimo mese|mese prossimo)|(?:beginning|start) of (?:the |next )?month"
    r"|primi del mese)\b"
)
_NEXT_WEEK = re.compile(r"\b(?:la )?(?:settimana prossima|prossima settimana)\b|\bnext week\b")
_NEXT_MONTH = re.compile(r"\b(?:il )?(?:mese prossimo|prossimo mese)\b|\bnext month\b")
_IN_PERIOD = re.compile(
    r"\b(?:tra|fra|entro|in|within)\s+(?:(?:i |the )?prossim[ie] |the next )?(?P<n>\d{1,3}|[a-z]+)\s+"
    r"(?P<unit>giorn[oi]|settiman[ae]|mes[ei]|days?|weeks?|months?)\b"
)
_PERIOD_LATER = re.compile(r"\b(?P<n>\d{1,3}|[a-z]+)\s+(?P<unit>days?|weeks?|months?)\s+(?:from now|later)\b")
_NUMERIC = re.compile(r"(?<![\d.,/\-])(\d{1,2})[/.\-](\d{1,2})(?:[/.\-](\d{4}|\d{2}))?(?![\d.,/\-]*\d)")
_ISO = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_DAY_CUE = r"(?:il|l'|lo|entro il|entro|per il|dal|verso il|giorno|the|on the|by the|on|by|before the|before)"
_BARE_DAY = re.compile(
    r"(?:(?:^|\b)" + _DAY_CUE + r"\s*(?P<a>\d{1,2})(?:st|nd|rd|th|°|º)?|\b(?P<b>\d{1,2})(?:st|nd|rd|th|°|º))"
    r"(?!\s*(?:[/.\-:,]\d|%|€|euro|eur|rat|mes|giorn|days?\b|weeks?\b|settiman|months?\b|ore\b|h\b))"
    r"(?P<rest>.*)$"
)
_ONLY_DAY = re.compile(r"^\s*(\d{1,2})\s*[.!]?\s*$")
_NEXT_HINT = re.compile(r"\b(?:prossimo|next)\b")


def parse_date(text: str, lang: str | None, today: date) -> date | None:
    """The date ``text`` names, on or after ``today`` (and within two years), else None."""
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_LEN:
        return None
    low = fold(text)
    for reader in _READERS:
        found = reader(low, lang, today)
        if found is not None:
            return found if today <= found <= today + timedelta(days=MAX_DAYS_AHEAD) else None
    return None


def fold(text: str) -> str:
    """Lower case without accents ("venerdì" -> "venerdi"), single spaces, typographic quotes plain."""
    decomposed = unicodedata.normalize("NFKD", text.replace("’", "'"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.lower().split())


def _keywords(low: str, lang: str | None, today: date) -> date | None:
    if _DAY_AFTER.search(low):
        return today + timedelta(days=2)
    if _TOMORROW.search(low):
        return today + timedelta(days=1)
    if _TODAY.search(low):
        return today
    if _END_OF_NEXT_MONTH.search(low):
        return _month_end(today + relativedelta(months=1))
    end = _END_OF_MONTH.search(low)
    if end:
        return _month_end(today + relativedelta(months=1 if end.group("next") else 0))
    if _START_OF_MONTH.search(low):
        return (today + relativedelta(months=1)).replace(day=1)
    if _NEXT_WEEK.search(low) and not _has_day(low) and not _weekday_in(low):
        return today + timedelta(days=7)
    if _NEXT_MONTH.search(low) and not _has_day(low):
        return today + relativedelta(months=1)
    return None


def _period(low: str, lang: str | None, today: date) -> date | None:
    found = _IN_PERIOD.search(low) or _PERIOD_LATER.search(low)
    if not found:
        return None
    # Before a unit "due" is two, whatever the language.
    n = word_to_int(found.group("n"))
    if n is None or n > 400:
        return None
    unit = found.group("unit")
    if unit.startswith(("giorn", "day")):
        return today + timedelta(days=n)
    if unit.startswith(("settiman", "week")):
        return today + timedelta(weeks=n)
    return today + relativedelta(months=n)


def _weekday(low: str, lang: str | None, today: date) -> date | None:
    if _has_day(low):
        return None  # "venerdì 12 dicembre" names the date itself
    weekday = _weekday_in(low)
    if weekday is None:
        return None
    if _NEXT_WEEK.search(low):
        return today + timedelta(days=7 - today.weekday() + weekday)
    # The next one after today: a debtor paying today says "oggi".
    return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)


def _weekday_in(low: str) -> int | None:
    return next((_WEEKDAYS[w] for w in re.findall(r"[a-z]+", low) if w in _WEEKDAYS), None)


def _numeric(low: str, lang: str | None, today: date) -> date | None:
    iso = _ISO.search(low)
    if iso:
        return _safe_date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
    found = _NUMERIC.search(low)
    if not found:
        return None
    first, second, year_text = int(found.group(1)), int(found.group(2)), found.group(3)
    # Day first; month first only when day first is impossible ("12/15").
    day, month = (first, second) if second <= 12 else (second, first)
    if year_text:
        year = int(year_text) + (2000 if len(year_text) == 2 else 0)
        return _safe_date(year, month, day)
    this_year = _safe_date(today.year, month, day)
    if this_year is not None and this_year >= today:
        return this_year
    return _safe_date(today.year + 1, month, day)


def _day_of_month(low: str, lang: str | None, today: date) -> date | None:
    only = _ONLY_DAY.match(low)
    found = None if only else _BARE_DAY.search(low)
    if only:
        day = int(only.group(1))
    elif found and not _MONTH.search(found.group("rest")):
        day = int(found.group("a") or found.group("b"))
    else:
        return None
    if not 1 <= day <= 31:
        return None
    rest = found.group("rest") if found else ""
    month_start = today.replace(day=1)
    if _NEXT_HINT.search(rest):
        month_start += relativedelta(months=1)
    candidate = _clamped(month_start, day)
    if candidate < today:
        candidate = _clamped(month_start + relativedelta(months=1), day)
    return candidate


def _with_dateparser(low: str, lang: str | None, today: date) -> date | None:
    if not _MONTH.search(low):
        return None
    settings = {
        "PREFER_DATES_FROM": "future", "RELATIVE_BASE": datetime(today.year, today.month, today.day, 12),
        "DATE_ORDER": "DMY", "RETURN_AS_TIMEZONE_AWARE": False, "PREFER_DAY_OF_MONTH": "first",
    }
    langs = list(languages(lang))
    found = dateparser.parse(low, languages=langs, settings=settings)
    if found is None:
        hits = search_dates(low, languages=langs, settings=settings) or []
        found = next((when for words, when in hits if _MONTH.search(words)), None)
    return found.date() if found is not None else None


def _has_day(low: str) -> bool:
    return bool(re.search(r"\d", low) or _MONTH_NOT_MAY.search(low))


def _month_end(d: date) -> date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def _clamped(month_start: date, day: int) -> date:
    # "il 31" in a 30-day month means its last day.
    return month_start.replace(day=min(day, calendar.monthrange(month_start.year, month_start.month)[1]))


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


_READERS: tuple[Callable[[str, str | None, date], date | None], ...] = (
    _keywords, _period, _numeric, _weekday, _day_of_month, _with_dateparser,
)

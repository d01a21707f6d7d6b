"""Support hours as a debtor reads them: "lun–ven 9:00–18:00, ora italiana".

Consecutive days with the same window are grouped; day names come from babel (CLDR), so
they follow each language's own abbreviations.
"""
from __future__ import annotations

from typing import Mapping, Protocol
from datetime import time

from babel.dates import get_day_names, get_timezone_name

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_ZONE_WORDS = {"Europe/Rome": {"it": "ora italiana", "en": "Italian time"}}
_CLOSED = {"it": "al momento nessun orario di assistenza", "en": "no support hours at present"}


class Window(Protocol):
    # Read-only members, so frozen dataclasses (creditor.yml's support hours) fit too.
    @property
    def opens(self) -> time: ...

    @property
    def closes(self) -> time: ...


def _clock(moment: time) -> str:
    return f"{moment.hour}:{moment.minute:02d}"


def _zone(timezone: str, lang: str) -> str:
    known = _ZONE_WORDS.get(timezone)
    if known:
        return known[lang]
    return get_timezone_name(timezone, locale=lang)


def hours_text(windows: Mapping[str, Window], lang: str, timezone: str = "Europe/Rome") -> str:
    """Group the weekly windows into ranges of days, then name the time zone once."""
    names = get_day_names("abbreviated", locale=lang)
    groups: list[tuple[int, int, str]] = []  # first day, last day, "9:00–18:00"
    for index, day in enumerate(WEEKDAYS):
        window = windows.get(day)
        if window is None:
            continue
        span = f"{_clock(window.opens)}–{_clock(window.closes)}"
        if groups and groups[-1][1] == index - 1 and groups[-1][2] == span:
            groups[-1] = (groups[-1][0], index, span)
        else:
            groups.append((index, index, span))
    if not groups:
        return _CLOSED[lang]
    parts = []
    for first, last, span in groups:
        days = names[first].rstrip(".") if first == last else \
            f"{names[first].rstrip('.')}–{names[last].rstrip('.')}"
        parts.append(f"{days} {span}")
    return f"{', '.join(parts)}, {_zone(timezone, lang)}"

"""Whether the dialogue's own readers get each annotated value of a held-out message.

The model's entities are hints; the dialogue reads amounts, dates, tax codes, invoice numbers
and instalment counts from the debtor's text with ``bot.dialogue.extract``. A value counts as
read when the reader, run on the *whole* message, returns what it returns for the annotated
span alone: "1.240,50 €" inside three sentences must still give Decimal("1240.50").
"""
from __future__ import annotations

from datetime import date
from typing import Any, Callable

from bot.dialogue import extract
from bot.parsing import parse_number

# A fixed "today" so the figures do not move with the calendar.
TODAY = date(2026, 6, 15)


def _dates(text: str, lang: str) -> set[date]:
    found = {extract.pick_future_date(text, lang, TODAY), extract.pick_past_date(text, lang, TODAY)}
    return {d for d in found if d is not None}


READERS: dict[str, Callable[[str, str], Any]] = {
    "amount": lambda text, lang: extract.pick_money(text),
    "tax_code": lambda text, lang: extract.pick_tax_code(text, []),
    "invoice_number": lambda text, lang: extract.pick_invoice(text, [], lambda keys: set()),
    "instalments": lambda text, lang: extract.pick_instalments(text, lang),
}


def read_by_dialogue(entity: str, text: str, start: int, end: int, lang: str) -> bool | None:
    """True/False for an entity the dialogue reads; None for one it does not read from text."""
    span = text[start:end]
    if entity == "date":
        wanted = _dates(span, lang)
        return bool(wanted) and bool(wanted & _dates(text, lang))
    reader = READERS.get(entity)
    if reader is None:
        return None
    # A count alone ("6") says nothing of instalments: the span is just the number.
    wanted = parse_number(span, lang) if entity == "instalments" else reader(span, lang)
    return wanted is not None and reader(text, lang) == wanted

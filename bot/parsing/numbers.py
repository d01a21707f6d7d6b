"""Whole numbers in a reply: instalment counts and NPS scores."""
from __future__ import annotations

import re

from bot.parsing.words import MAX_LEN, words_to_digits

# A whole number standing alone: not part of a decimal ("3,5"), an amount ("1.240"), a
# date ("15/12"), a code ("FT2026") or a word ("6th").
_INTEGER = re.compile(r"(?<![\w.,/+\-])(\d{1,6})(?![\w/]|[.,]\d)")
_DECIMAL = re.compile(r"\d[.,]\d")
# "8/10", "8 su 10", "7 out of 10": the scale, not a second number.
_OUT_OF_TEN = re.compile(r"(\d{1,3})\s*(?:/|su|out\s+of|di)\s*10\b")


def parse_number(text: str, lang: str | None = None) -> int | None:
    """The first whole number in ``text``: "3", "tre", "12 rate", "in 6 months" -> int."""
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_LEN:
        return None
    match = _INTEGER.search(words_to_digits(text, lang))
    return int(match.group(1)) if match else None


def parse_nps_score(text: str) -> int | None:
    """A 0..10 score: "8", "otto", "direi 9", "10/10", "un 7", "I'd say 6".

    Anything ambiguous (two different numbers, a decimal) or out of range is None, so the
    survey asks again rather than storing a guess.
    """
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_LEN:
        return None
    normalised = _OUT_OF_TEN.sub(r"\1", words_to_digits(text))
    if _DECIMAL.search(normalised):
        return None
    scores = {int(m.group(1)) for m in _INTEGER.finditer(normalised)}
    if len(scores) != 1:
        return None
    score = scores.pop()
    return score if 0 <= score <= 10 else None

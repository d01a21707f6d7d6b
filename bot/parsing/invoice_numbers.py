"""Invoice numbers: any format the ledger uses, compared ignoring case and spaces."""
from __future__ import annotations

import re

from bot.parsing.amounts import number_value
from bot.parsing.tax_codes import looks_like_codice_fiscale, normalise_tax_code

MAX_LEN = 5000
MIN_TOKEN, MAX_TOKEN = 3, 30

_WS = re.compile(r"\s+")
_EDGE_PUNCT = "\"'`.,;:!?()[]{}<>«»“”‘’"
# "n.417", "nr. 417", "#417": the marker is not part of the number.
_NUMBER_MARKER = re.compile(r"^(?:(?:n[r°º]?\.?|no\.|num\.?)(?=\d)|#)", re.I)
# An upper-case series prefix typed apart from the number: "FT 2026/00417".
_SERIES_PREFIX = re.compile(r"^[A-Z]{1,5}$")
_NOT_A_PREFIX = {"CF", "IVA", "IT", "EUR", "USD", "GBP", "CHF", "N", "NR", "NO", "I", "A", "E", "IL", "LA", "THE"}
_CURRENCY_TOKEN = re.compile(r"^(?:€|\$|£|eur|euro|euros|usd|gbp|chf|dollari|dollars?)$", re.I)
_COUNT_TOKEN = re.compile(r"^(?:rat[ae]|mes[ei]|months?|instal\w*|giorn[oi]|days?|settiman[ae]|weeks?)$", re.I)
_MONEY_TOKEN = re.compile(r"^[€$£]?[\d.,'’]+[€$£]?$")
_DATE_TOKEN = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})(?:[/.\-](\d{2}|\d{4}))?$|^\d{4}-\d{1,2}-\d{1,2}$")
_OTHER_NOT_INVOICE = re.compile(
    r"^(?:\+\d.*|\d{1,2}:\d{2}|\d+%|\d+(?:st|nd|rd|th|°|º)|\d+(?:k|mila|h|km|kg))$", re.I
)


def invoice_key(text: str) -> str:
    """Lookup key of an invoice number: upper case, no whitespace (docs/architecture.md §5.2)."""
    return _WS.sub("", text or "").upper()


def find_invoice_candidates(text: str) -> list[str]:
    """Tokens that may be invoice numbers, likeliest first; the caller checks the ledger.

    Letters-and-digits codes ("FT-2026/00417") come before plain digit runs ("417"),
    which could be anything. Amounts, dates, times, phone numbers and tax codes are left out.
    """
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_LEN:
        return []
    words = [w.strip(_EDGE_PUNCT) for w in text.split()]
    strong: list[str] = []
    weak: list[str] = []
    for i, word in enumerate(words):
        previous = words[i - 1] if i else ""
        following = words[i + 1] if i + 1 < len(words) else ""
        variants = [t for t in _variants(word) if _looks_like_invoice(t, following)]
        if not variants:
            continue
        # The number without its marker decides the rank; the raw form stays as a fallback
        # in case the ledger really spells it that way ("N123").
        bucket = weak if variants[0].isdigit() else strong
        if _SERIES_PREFIX.match(previous) and previous not in _NOT_A_PREFIX:
            strong.append(f"{previous} {variants[0]}")
        bucket.extend(variants)
    return list(dict.fromkeys(strong + weak))


def _variants(word: str) -> list[str]:
    stripped = _NUMBER_MARKER.sub("", word)
    return [stripped, word] if stripped != word else [word]


def _looks_like_invoice(token: str, following: str) -> bool:
    if not MIN_TOKEN <= len(token) <= MAX_TOKEN or not any(c.isdigit() for c in token):
        return False
    if _OTHER_NOT_INVOICE.match(token) or _is_date(token) or normalise_tax_code(token):
        return False
    if looks_like_codice_fiscale(token):
        return False  # a mistyped codice fiscale is not an invoice number (it would burn an attempt)
    if token.isdigit():
        # A bare "417" stays a candidate unless it is clearly money or a count ("200 euro").
        return not (_CURRENCY_TOKEN.match(following) or _COUNT_TOKEN.match(following))
    if _MONEY_TOKEN.match(token):
        return number_value(token.strip("€$£")) is None  # "1.240,50" and "€100" are money
    return True


def _is_date(token: str) -> bool:
    found = _DATE_TOKEN.match(token)
    if not found:
        return False
    if found.group(1) is None:
        return True  # ISO yyyy-mm-dd
    first, second = int(found.group(1)), int(found.group(2))
    return (1 <= first <= 31 and 1 <= second <= 12) or (1 <= first <= 12 and 1 <= second <= 31)
